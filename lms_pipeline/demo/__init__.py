"""`lms-pipeline demo`: a generated district loaded into an embedded PostgreSQL (run.py)."""

from pathlib import Path


def data_folder() -> Path:
    """Where the demo keeps its database, extracts and reports between runs: the user's data folder."""
    import platformdirs

    return Path(platformdirs.user_data_dir("lms-pipeline")) / "demo"
