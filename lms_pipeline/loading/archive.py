"""The raw archive: an exact, compressed copy of every file a run reads into a batch, named by its content.

Extractors prune their trees; the archive keeps what was loaded so that a replay can rebuild the store from it.
It lives on a local folder or on any fsspec filesystem (s3://, gs://, az:// with s3fs, gcsfs or adlfs installed).
A copy is `<root>/<first two hex digits>/<sha256>.csv.gz`: the same content is kept once, whatever its path, and
the journal says which path, root and extract time it had.

Loading never depends on the archive: a file it cannot keep (the archive unreachable or full, the file changed
since it was hashed) is a warning of the run, and the load goes on.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import uuid
from dataclasses import dataclass, field

from lms_pipeline.discovery.walk import ManifestFile

log = logging.getLogger(__name__)

# Fast compression: a night's files are archived in the loading process, between batches.
COMPRESSION_LEVEL = 1


class ArchiveUnavailable(Exception):
    """The archive's filesystem cannot be opened (an unknown protocol, its package not installed, a bad URL)."""


@dataclass
class Kept:
    """What keeping a batch's files did: the address of each file kept or already there, and why others were not."""

    addresses: dict[str, str] = field(default_factory=dict)  # absolute path -> archive address
    problems: list[str] = field(default_factory=list)


def open_archive(url: str | None, problems: list[str]) -> RawArchive | None:
    """The run's archive; None when it keeps none, or when it cannot be opened, which is noted in problems."""
    if not url:
        return None
    try:
        return RawArchive(url)
    except ArchiveUnavailable as error:
        problems.append(f"{error}; no file was kept this run")
        return None


class RawArchive:
    def __init__(self, url: str) -> None:
        import fsspec  # imported only by runs that archive

        try:
            self.fs, root = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as error:
            raise ArchiveUnavailable(f"raw archive {url}: {error}") from error
        self.url = url
        self.root = root.rstrip("/")

    def address(self, sha256: str) -> str:
        return f"{self.root}/{sha256[:2]}/{sha256}.csv.gz"

    def keep(self, files: list[ManifestFile]) -> Kept:
        kept = Kept()
        for file in files:
            try:
                kept.addresses[file.path] = self._keep_one(file)
            # Any error: a remote filesystem's client may raise its own kinds, and the archive must not fail a load.
            except Exception as error:
                kept.problems.append(f"{file.relpath}: {error}")
        return kept

    def _keep_one(self, file: ManifestFile) -> str:
        address = self.address(file.sha256)
        if self.fs.exists(address):
            return address
        with open(file.path, "rb") as source:
            content = source.read()
        if hashlib.sha256(content).hexdigest() != file.sha256:
            raise ValueError("changed since it was hashed; the next run loads and keeps its new content")
        # Written under a name of its own, then moved: a copy cut short is never taken for the whole file.
        partial = f"{address}.{uuid.uuid4().hex}.part"
        self.fs.makedirs(address.rsplit("/", 1)[0], exist_ok=True)
        with self.fs.open(partial, "wb") as target:
            target.write(gzip.compress(content, COMPRESSION_LEVEL, mtime=0))
        self.fs.mv(partial, address)
        return address

    def read(self, sha256: str) -> bytes:
        """The content of an archived file, checked against its name."""
        with self.fs.open(self.address(sha256), "rb") as source:
            content = gzip.decompress(source.read())
        if hashlib.sha256(content).hexdigest() != sha256:
            raise ValueError(f"{self.url}: the copy of {sha256} does not match its hash")
        return content
