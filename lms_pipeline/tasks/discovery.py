"""Walk an extract tree and list the files to load: the manifest.

Section folders are found on disk (not from the newest sections file, reference bug B6), `assignment=` matches
in any case (B5), and anything unexpected is reported rather than fatal. Symbolic links that leave the root are
never followed.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from lms_pipeline.resources import BY_NAME, NOT_LOADED

TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})\.csv$", re.IGNORECASE)
EMPTY_FILE_BYTES = 4  # pandas writes "\n" or "\n\n" for an empty frame
SECTION_RESOURCES = ("section-associations", "assignments", "attendance-events", "section-activities")


@dataclass(frozen=True)
class ManifestFile:
    resource: str
    relpath: str  # relative to the root, with forward slashes
    path: str  # absolute
    timestamp: str  # from the file name, YYYY-mm-dd-HH-MM-SS
    size: int
    sha256: str
    section: str | None = None  # from the section=<id> folder
    assignment: str | None = None  # from the assignment=<id> folder
    date: str | None = None  # from the system-activities date=<d> folder

    @property
    def scope_key(self) -> str:
        """Files with equal scope keys speak for the same rows; they must load one after the other."""
        return "|".join((self.resource, self.section or "", self.assignment or "", self.date or ""))


@dataclass(frozen=True)
class Notice:
    relpath: str
    kind: str  # empty-file, not-loaded, unexpected-file, unexpected-folder, outside-root, broken-link, unnamed,
    # unreadable-name
    message: str


@dataclass
class Manifest:
    root: str
    files: list[ManifestFile] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    already_loaded: int = 0
    held_retried: int = 0

    def by_resource(self, resource: str) -> list[ManifestFile]:
        return [f for f in self.files if f.resource == resource]


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _utf8(name: str) -> bool:
    """File names that are not UTF-8 reach Python with surrogate escapes, which no database column can hold."""
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def walk_tree(root: str | Path) -> Manifest:
    """Every loadable file under root, in load order, plus notices about everything else found there."""
    root_path = Path(root).resolve()
    if not root_path.is_dir():
        raise FileNotFoundError(f"extract folder not found: {root}")
    walker = _Walker(root_path)
    walker.walk()
    walker.files.sort(key=_load_order)
    return Manifest(str(root_path), walker.files, walker.notices)


def _load_order(f: ManifestFile):
    order = list(BY_NAME).index(f.resource)
    return order, f.timestamp, f.relpath


class _Walker:
    def __init__(self, root: Path):
        self.root = root
        self.files: list[ManifestFile] = []
        self.notices: list[Notice] = []

    def walk(self) -> None:
        for entry in self._entries(self.root):
            name = entry.name
            if not entry.is_dir():
                self._notice(entry, "unexpected-file", "a file directly in the extract root is not an extract")
            elif name in ("users", "sections"):
                self._csv_folder(entry, name)
            elif name.lower().startswith("section="):
                self._section(entry, name.split("=", 1)[1])
            elif name == "system-activities":
                self._system_activities(entry)
            else:
                self._notice(entry, "unexpected-folder", "not an LMS extract folder; ignored")

    def _section(self, folder: os.DirEntry, section: str) -> None:
        for entry in self._entries(folder):
            name = entry.name
            if entry.is_dir() and name in SECTION_RESOURCES:
                self._csv_folder(entry, name, section=section)
            elif entry.is_dir() and name.lower().startswith("assignment="):
                self._assignment(entry, section, name.split("=", 1)[1])
            elif entry.is_dir() and name in NOT_LOADED:
                for csv_file in self._entries(entry):
                    self._notice(csv_file, "not-loaded", f"{name} files are discovered but not loaded")
            else:
                self._notice(entry, "unexpected-folder" if entry.is_dir() else "unexpected-file", "ignored")

    def _assignment(self, folder: os.DirEntry, section: str, assignment: str) -> None:
        for entry in self._entries(folder):
            if entry.is_dir() and entry.name == "submissions":
                self._csv_folder(entry, "submissions", section=section, assignment=assignment)
            else:
                self._notice(entry, "unexpected-folder" if entry.is_dir() else "unexpected-file", "ignored")

    def _system_activities(self, folder: os.DirEntry) -> None:
        for entry in self._entries(folder):
            if entry.is_dir() and entry.name.startswith("date="):
                self._csv_folder(entry, "system-activities", date=entry.name[5:])
            else:
                self._notice(entry, "unexpected-folder" if entry.is_dir() else "unexpected-file",
                             "system activities live in date=<YYYY-MM-DD> folders; ignored")

    def _csv_folder(self, folder: os.DirEntry, resource: str, **scope) -> None:
        for entry in self._entries(folder):
            match = TIMESTAMP.match(entry.name)
            if not entry.is_file():
                self._notice(entry, "unexpected-folder", "ignored")
            elif not match:
                kind = "unexpected-file" if not entry.name.lower().endswith(".csv") else "unnamed"
                self._notice(entry, kind, "not a YYYY-mm-dd-HH-MM-SS.csv extract file; ignored")
            else:
                size = entry.stat().st_size
                if size <= EMPTY_FILE_BYTES:
                    self._notice(entry, "empty-file", f"{size} bytes: nothing to load")
                    continue
                self.files.append(ManifestFile(
                    resource, self._rel(entry), os.path.abspath(entry.path), match.group(1), size,
                    sha256_of(entry.path), **scope,
                ))

    def _entries(self, folder) -> list[os.DirEntry]:
        """Sorted entries, without symbolic links that point outside the root."""
        entries = []
        with os.scandir(folder) as scan:
            for entry in scan:
                if not _utf8(entry.name):
                    self._notice(entry, "unreadable-name", "the name is not valid UTF-8; ignored")
                elif entry.is_symlink() and not self._followable(entry):
                    continue
                else:
                    entries.append(entry)
        return sorted(entries, key=lambda e: e.name)

    def _followable(self, entry: os.DirEntry) -> bool:
        """A symbolic link is followed only to an existing target inside the root."""
        try:
            os.stat(entry.path)
        except OSError:
            self._notice(entry, "broken-link", "symbolic link that is broken or loops; not followed")
            return False
        if not self._inside_root(entry):
            self._notice(entry, "outside-root", "symbolic link leaves the extract root; not followed")
            return False
        return True

    def _inside_root(self, entry: os.DirEntry) -> bool:
        target = Path(os.path.realpath(entry.path))
        return target == self.root or self.root in target.parents

    def _rel(self, entry: os.DirEntry) -> str:
        relpath = Path(entry.path).relative_to(self.root).as_posix()
        return relpath if _utf8(relpath) else os.fsencode(relpath).decode("utf-8", errors="replace")

    def _notice(self, entry: os.DirEntry, kind: str, message: str) -> None:
        self.notices.append(Notice(self._rel(entry), kind, message))
