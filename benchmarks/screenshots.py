"""A screenshot of a Prefect UI page, taken by headless Chromium (Debian's `chromium` package), to look at what an
operator sees: an artifact's chart, a flow run's page. Not run by the test suite.

The UI is a single-page app that fetches its data after loading: the virtual time budget lets it settle before the
picture is taken. The server must run with its UI enabled (the default of `prefect server start`).

    python benchmarks/screenshots.py /artifacts/key/lms-trends /tmp/screens/lms-trends.png
    python benchmarks/screenshots.py --ui http://127.0.0.1:4301 /runs/flow-run/<id>?tab=Artifacts /tmp/run.png
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

DEFAULT_UI = "http://127.0.0.1:4200"


def chromium_command(url: str, output: Path, profile: str, size: str, budget_ms: int) -> list[str]:
    # A fresh profile and no background traffic: the browser talks only to the page's own server.
    return [
        shutil.which("chromium") or "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={size}",
        f"--virtual-time-budget={budget_ms}",
        "--hide-scrollbars",
        f"--screenshot={output}",
        url,
    ]


def screenshot(ui: str, path: str, output: Path, size: str = "1400,1800", budget_ms: int = 15000) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    url = ui.rstrip("/") + "/" + path.lstrip("/")
    with tempfile.TemporaryDirectory(prefix="screenshot-profile-") as profile:
        subprocess.run(
            chromium_command(url, output.resolve(), profile, size, budget_ms),
            check=True,
            capture_output=True,
            timeout=budget_ms / 1000 + 60,
        )
    if not output.exists():
        raise RuntimeError(f"chromium wrote no screenshot of {url}")
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="a page of the UI, e.g. /artifacts/key/lms-trends")
    parser.add_argument("output", type=Path, help="the PNG to write")
    parser.add_argument("--ui", default=DEFAULT_UI, help=f"the UI's address (default {DEFAULT_UI})")
    parser.add_argument("--size", default="1400,1800", help="window width,height in pixels")
    parser.add_argument("--budget-ms", type=int, default=15000, help="virtual time the page gets to settle")
    args = parser.parse_args()
    print(screenshot(args.ui, args.path, args.output, args.size, args.budget_ms))


if __name__ == "__main__":
    main()
