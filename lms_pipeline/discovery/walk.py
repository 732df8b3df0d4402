"""Walk an extract tree and list the files to load: the manifest.

Section folders are found on disk (not from the newest sections file, reference bug B6), `assignment=` matches
in any case (B5), and anything unexpected is reported rather than fatal. Nothing found on disk stops the walk: a
folder or file that cannot be read is reported and the rest of the tree is still listed. Links never lead out of
the root: symbolic links that leave it are not followed, and a file with hard links outside it is not read.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypedDict, Unpack

from lms_pipeline.resources import BY_NAME
from lms_pipeline.validation.csv_files import FileRejected, open_extract

TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})\.csv$", re.IGNORECASE)
STAMP = "%Y-%m-%d-%H-%M-%S"
EMPTY_FILE_BYTES = 4  # pandas writes "\n" or "\n\n" for an empty frame
SECTION_RESOURCES = ("section-associations", "grades", "assignments", "attendance-events", "section-activities")
# The journal's FullPath column holds this many characters (UTF-16 code units on SQL Server).
PATH_LENGTH = 1024
SHORTEST_RELPATH = len("/users/2021-01-01-00-00-00.csv")
# Extractors stamp files with their own clock, which may run ahead of ours by a time zone. A stamp further in the
# future is a broken clock or a hand-made name: loaded, it would supersede every real file of its scope for years.
FUTURE_SLACK = timedelta(days=1)


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
    device: int = 0  # where discovery found the file: a file replaced after discovery is not read
    inode: int = 0
    stat: str = ""  # size, modification and change times, device and inode when hashed (file_stat)
    source: str = ""  # where its content is read when not at path: a replay's copy out of the raw archive

    @property
    def readable(self) -> str:
        return self.source or self.path

    @property
    def identity(self) -> tuple[int, int] | None:
        return (self.device, self.inode) if self.inode else None

    @property
    def scope_key(self) -> str:
        """Files with equal scope keys speak for the same rows; they must load one after the other."""
        return "|".join((self.resource, self.section or "", self.assignment or "", self.date or ""))


class Scope(TypedDict, total=False):
    """The scope a file's folders give it: ManifestFile's section, assignment and date."""

    section: str
    assignment: str
    date: str


@dataclass(frozen=True)
class Notice:
    relpath: str
    kind: str  # empty-file, unexpected-file, unexpected-folder, outside-root, broken-link, unnamed,
    # unreadable-name, unreadable-folder, unreadable-file, outside-link, path-too-long, future-timestamp,
    # same-timestamp
    message: str


@dataclass(frozen=True)
class SetAside:
    """A file decided on without loading it, journaled as such: rejected (it cannot be read; tried again every
    night) or superseded (older than the newest file of its scope already loaded)."""

    file: ManifestFile
    outcome: str  # rejected, superseded
    reason: str

    @property
    def message(self) -> str:
        return f"{self.file.relpath}: {self.reason}"


@dataclass
class Manifest:
    root: str
    files: list[ManifestFile] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    already_loaded: int = 0
    held_retried: int = 0
    set_aside: list[SetAside] = field(default_factory=list)

    def by_resource(self, resource: str) -> list[ManifestFile]:
        return [f for f in self.files if f.resource == resource]


def sha256_of(path: str | Path, identity: tuple[int, int] | None = None) -> str:
    digest = hashlib.sha256()
    with open_extract(str(path), identity) as handle:
        try:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        except OSError as error:
            raise FileRejected(str(path), f"cannot be read: {error.strerror or error}", transient=True) from None
    return digest.hexdigest()


def _utf8(name: str) -> bool:
    """File names that are not UTF-8 reach Python with surrogate escapes, which no database column can hold."""
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


# What the journal knew of a file, by its absolute path: its stat and its content's hash when it was hashed.
KnownFiles = dict[str, tuple[str, str]]


def file_stat(info: os.stat_result) -> str:
    """A file as it stands on disk. Any write changes its change time (ctime), which no tool can set back, so an
    equal stat means unchanged content on any local file system; the periodic full check covers the others."""
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_dev}:{info.st_ino}"


def walk_tree(root: str | Path, now: datetime | None = None, known: KnownFiles | None = None) -> Manifest:
    """Every loadable file under root, in load order, plus notices about everything else found there. A root that
    cannot be read gives an empty manifest with a notice: the other roots of the run still load.

    A file in `known` whose stat is unchanged keeps the hash it had: it is not read again."""
    root_path = Path(root).resolve()
    walker = _Walker(root_path, now or datetime.now(), known or {})
    walker.walk()
    walker.files.sort(key=_load_order)
    return Manifest(str(root_path), walker.files, walker.notices, set_aside=walker.set_aside)


RESOURCE_ORDER = {name: position for position, name in enumerate(BY_NAME)}


def _load_order(f: ManifestFile) -> tuple[int, str, str]:
    return RESOURCE_ORDER[f.resource], f.timestamp, f.relpath


def _path_length(path: str) -> int:
    """Characters as the journal's column counts them: UTF-16 code units (SQL Server), at least code points."""
    if len(path) * 2 <= PATH_LENGTH:  # no character takes more than two code units
        return len(path)
    return len(path.encode("utf-16-le")) // 2


class _Walker:
    def __init__(self, root: Path, now: datetime, known: KnownFiles):
        self.root = root
        self.prefix = len(os.path.join(root, ""))  # folders are scanned from the resolved root: paths start so
        self.known = known
        self.latest = (now + FUTURE_SLACK).strftime(STAMP)  # the stamps sort as text
        self.files: list[ManifestFile] = []
        self.notices: list[Notice] = []
        self.set_aside: list[SetAside] = []
        self.links: dict[str, int] = {}  # path -> its hard links, where there are several

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
        self._refuse_outside_links()
        self._note_shared_timestamps()

    def _section(self, folder: os.DirEntry[str], section: str) -> None:
        for entry in self._entries(folder):
            name = entry.name
            if entry.is_dir() and name in SECTION_RESOURCES:
                self._csv_folder(entry, name, section=section)
            elif entry.is_dir() and name.lower().startswith("assignment="):
                self._assignment(entry, section, name.split("=", 1)[1])
            else:
                self._notice(entry, "unexpected-folder" if entry.is_dir() else "unexpected-file", "ignored")

    def _assignment(self, folder: os.DirEntry[str], section: str, assignment: str) -> None:
        for entry in self._entries(folder):
            if entry.is_dir() and entry.name == "submissions":
                self._csv_folder(entry, "submissions", section=section, assignment=assignment)
            else:
                self._notice(entry, "unexpected-folder" if entry.is_dir() else "unexpected-file", "ignored")

    def _system_activities(self, folder: os.DirEntry[str]) -> None:
        for entry in self._entries(folder):
            if entry.is_dir() and entry.name.startswith("date="):
                self._csv_folder(entry, "system-activities", date=entry.name[5:])
            else:
                self._notice(
                    entry,
                    "unexpected-folder" if entry.is_dir() else "unexpected-file",
                    "system activities live in date=<YYYY-MM-DD> folders; ignored",
                )

    def _csv_folder(self, folder: os.DirEntry[str], resource: str, **scope: Unpack[Scope]) -> None:
        for entry in self._entries(folder):
            match = TIMESTAMP.match(entry.name)
            if entry.is_dir():
                self._notice(entry, "unexpected-folder", "ignored")
            elif not entry.is_file():
                self._notice(entry, "unexpected-file", "not a regular file (a FIFO, socket or device); ignored")
            elif not match:
                kind = "unexpected-file" if not entry.name.lower().endswith(".csv") else "unnamed"
                self._notice(entry, kind, "not a YYYY-mm-dd-HH-MM-SS.csv extract file; ignored")
            elif match.group(1) > self.latest:
                self._notice(
                    entry,
                    "future-timestamp",
                    "named for a time more than a day ahead of this "
                    "machine's clock; not loaded until then, so it cannot supersede the real files",
                )
            elif _path_length(entry.path) > PATH_LENGTH:
                self._notice(
                    entry,
                    "path-too-long",
                    f"the full path is longer than the {PATH_LENGTH} characters "
                    "the journal holds; not loaded: move the extract root to a shorter path",
                )
            else:
                self._extract_file(entry, resource, match.group(1), scope)

    def _extract_file(self, entry: os.DirEntry[str], resource: str, timestamp: str, scope: Scope) -> None:
        try:
            info = entry.stat()
            identity = (info.st_dev, info.st_ino)
            if info.st_size <= EMPTY_FILE_BYTES:
                self._notice(entry, "empty-file", f"{info.st_size} bytes: nothing to load")
                return
            path, stat = entry.path, file_stat(info)  # absolute: scanned from the resolved root
            was = self.known.get(path)
            found = ManifestFile(
                resource,
                self._rel(entry),
                path,
                timestamp,
                info.st_size,
                was[1] if was and was[0] == stat else sha256_of(entry.path, identity),
                device=info.st_dev,
                inode=info.st_ino,
                stat=stat,
                **scope,
            )
        except (OSError, FileRejected) as error:
            reason = error.reason if isinstance(error, FileRejected) else f"cannot be read: {error.strerror or error}"
            self._notice(entry, "unreadable-file", reason)
            unread = ManifestFile(resource, self._rel(entry), entry.path, timestamp, 0, "", **scope)
            self.set_aside.append(SetAside(unread, "rejected", f"{reason}; tried again on every run until it loads"))
            return
        self.files.append(found)
        if info.st_nlink > 1:
            self.links[found.path] = info.st_nlink

    def _refuse_outside_links(self) -> None:
        """A file with more hard links than the tree holds has a name outside the root: refused, as a symbolic link
        out of the tree is. (An extract tree whose files are hard links into another tree is refused whole.)"""
        if not self.links:
            return
        # Its names inside, by real path: a folder reached twice (through a symbolic link to it) lists a name twice.
        inside: dict[tuple[int, int] | None, set[str]] = defaultdict(set)
        for f in self.files:
            inside[f.identity].add(os.path.realpath(f.path))
        outside = {f.path for f in self.files if f.path in self.links and self.links[f.path] > len(inside[f.identity])}
        for f in (f for f in self.files if f.path in outside):
            self.notices.append(
                Notice(f.relpath, "outside-link", "a hard link to a file with names outside the extract root; not read")
            )
        self.files = [f for f in self.files if f.path not in outside]

    def _note_shared_timestamps(self) -> None:
        """Two files of one scope with one timestamp (users/X.csv and users/X.CSV): both load, in name order."""
        stamps: dict[tuple[str, str], list[str]] = defaultdict(list)
        for f in self.files:
            stamps[f.scope_key, f.timestamp].append(f.relpath)
        for relpaths in (sorted(r) for r in stamps.values() if len(r) > 1):
            for relpath in relpaths[1:]:
                self.notices.append(
                    Notice(
                        relpath,
                        "same-timestamp",
                        f"has the extract time of {relpaths[0]}; both load, in name order, so this one decides",
                    )
                )

    def _entries(self, folder: Path | os.DirEntry[str]) -> list[os.DirEntry[str]]:
        """Sorted entries, without symbolic links that point outside the root; none from a folder that cannot be
        read, which is reported: nothing in it loads, and so nothing in its scope is soft-deleted."""
        entries: list[os.DirEntry[str]] = []
        try:
            with os.scandir(folder) as scan:
                for entry in scan:
                    if not _utf8(entry.name):
                        self._notice(entry, "unreadable-name", "the name is not valid UTF-8; ignored")
                    elif entry.is_symlink() and not self._followable(entry):
                        continue
                    else:
                        entries.append(entry)
        except OSError as error:
            relpath = self._rel(folder) if isinstance(folder, os.DirEntry) else "."
            self.notices.append(
                Notice(
                    relpath,
                    "unreadable-folder",
                    f"cannot be read: {error.strerror or error}; nothing in it was loaded or soft-deleted",
                )
            )
            return []
        return sorted(entries, key=lambda e: e.name)

    def _followable(self, entry: os.DirEntry[str]) -> bool:
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

    def _inside_root(self, entry: os.DirEntry[str]) -> bool:
        target = Path(os.path.realpath(entry.path))
        return target == self.root or self.root in target.parents

    def _rel(self, entry: os.DirEntry[str]) -> str:
        relpath = entry.path[self.prefix :].replace(os.sep, "/")
        return relpath if _utf8(relpath) else os.fsencode(relpath).decode("utf-8", errors="replace")

    def _notice(self, entry: os.DirEntry[str], kind: str, message: str) -> None:
        self.notices.append(Notice(self._rel(entry), kind, message))
