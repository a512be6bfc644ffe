"""Writing one person's export to a local folder without ever writing outside it.

The folder is the administrator's ``--out DIR``. What goes in it is personal data, so:

- a folder that already holds anything is refused, unless ``--force`` is given *and* everything
  in it is a previous samtal export (listed in its :data:`MARKER` file): that export is removed
  first, so two people's exports are never mixed in one folder. Anything else in it (a file the
  marker does not list, a symbolic link) refuses ``--force`` too;
- files and folders are created with ``O_CREAT | O_EXCL`` (and ``O_NOFOLLOW``), relative to a
  descriptor of the folder they go in where the platform allows (``dir_fd``), so a symbolic link
  planted inside ``DIR`` is never followed out of it; files are readable by their owner only
  (0600, folders 0700);
- every name comes from other people (a campaign id, a file's name in OneDrive) and is made a
  safe local name first (:func:`local_name`): no path separator, no ``.`` or ``..``, no control
  character or bidi override, no name Windows reserves, at most :data:`MAX_NAME_BYTES` bytes;
- an export that fails half-way removes what it wrote (:meth:`ExportWriter.abandon`).
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from connectors.graph.names import safe_name
from plugin.printable import printable

MARKER = ".samtal-export"
MAX_NAME_BYTES = 200  # file systems allow 255 bytes per name; room is left for " (2)"
_DIR_FD = os.open in os.supports_dir_fd and os.mkdir in os.supports_dir_fd
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)


class OutDirError(Exception):
    """``--out`` cannot take the export (a file, a folder with other things in it)."""


def local_name(name: str, taken: set[str]) -> str:
    """``name`` as a safe local file or folder name, distinct (ignoring case, as Windows and
    macOS do) from the names in ``taken``, which it is added to."""
    text = printable(name)  # escape sequences, control characters and bidi overrides out
    limit = 120
    cleaned = safe_name(text, max_length=limit)  # no / \ : * ? " < > |, trimmed, no reserved names
    while len(cleaned.encode("utf-8")) > MAX_NAME_BYTES:
        limit -= 10
        cleaned = safe_name(text, max_length=limit)
    if cleaned in (".", "..") or not cleaned.strip("."):
        cleaned = "_"
    stem, dot, ext = cleaned.rpartition(".") if "." in cleaned.lstrip(".") else (cleaned, "", "")
    candidate, n = cleaned, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem} ({n}){dot}{ext}"
    taken.add(candidate.casefold())
    return candidate


def check_out_dir(out: Path, *, force: bool) -> None:
    """Refuse an ``--out`` that cannot take the export, before anything is read or written."""
    if out.is_symlink() and not out.exists():
        raise OutDirError(f"--out {out} is a symbolic link to nothing")
    if out.exists() and not out.is_dir():
        raise OutDirError(f"--out {out} is a file, not a folder")
    if not out.exists() or not any(out.iterdir()):
        return
    if not force:
        raise OutDirError(f"--out {out} is not empty: choose an empty or new folder (or --force to "
                          "replace a previous export there)")
    _previous_export(out)


def _previous_export(out: Path) -> tuple[list[str], list[str]]:
    """The files and folders of the previous export in ``out``; raises :class:`OutDirError`
    when ``out`` holds anything else."""
    try:
        if (out / MARKER).is_symlink():
            raise OSError("the marker is a symbolic link")
        marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
        files, dirs = set(marker["files"]), set(marker["dirs"])
    except (OSError, ValueError, KeyError, TypeError):
        raise OutDirError(f"--out {out} is not empty and holds no samtal export: --force replaces only a "
                          "previous export; choose an empty or new folder") from None
    found_files: list[str] = []
    found_dirs: list[str] = []
    strangers = 0
    for top, dirnames, filenames in os.walk(out, followlinks=False):
        rel = Path(top).relative_to(out)
        for name in dirnames:
            path = (rel / name).as_posix()
            if os.path.islink(os.path.join(top, name)) or path not in dirs:
                strangers += 1
            else:
                found_dirs.append(path)
        for name in filenames:
            path = (rel / name).as_posix()
            if path == MARKER:
                continue
            if os.path.islink(os.path.join(top, name)) or path not in files:
                strangers += 1
            else:
                found_files.append(path)
        dirnames[:] = [d for d in dirnames if (rel / d).as_posix() in dirs
                       and not os.path.islink(os.path.join(top, d))]
    if strangers:
        raise OutDirError(f"--out {out} holds {strangers} thing(s) that are not part of the samtal export "
                          "there: --force replaces only a previous export; choose an empty or new folder")
    return found_files, found_dirs


class ExportWriter:
    """Creates the export's files in ``out``; :meth:`abandon` takes them away again."""

    def __init__(self, out: Path, *, force: bool) -> None:
        check_out_dir(out, force=force)
        if out.exists() and any(out.iterdir()):
            _remove(out, *_previous_export(out))
            (out / MARKER).unlink()
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.out = out
        self.files: list[str] = []
        self.dirs: list[str] = []
        self._fds: dict[str, int] = {}
        if _DIR_FD:
            self._fds[""] = os.open(out, os.O_RDONLY | _DIRECTORY | _CLOEXEC)

    def folder(self, name: str) -> str:
        """Create the folder ``name`` (already a :func:`local_name`) in ``out``."""
        _check(name)
        if _DIR_FD:
            os.mkdir(name, 0o700, dir_fd=self._fds[""])
            self._fds[name] = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC,
                                      dir_fd=self._fds[""])
        else:
            os.mkdir(self.out / name, 0o700)
        self.dirs.append(name)
        return name

    def file(self, folder: str, name: str, data: bytes) -> str:
        """Create the file ``name`` in ``folder`` ("" for ``out`` itself, else one made by
        :meth:`folder`) with ``data``; returns its path relative to ``out``."""
        _check(name)
        if folder and folder not in self.dirs:
            raise ValueError("files go in the export's own folders only")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY
        if _DIR_FD:
            fd = os.open(name, flags, 0o600, dir_fd=self._fds[folder])
        else:
            fd = os.open(self.out / folder / name, flags, 0o600)
        relative = f"{folder}/{name}" if folder else name
        self.files.append(relative)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return relative

    def finish(self) -> None:
        """Write the marker that lets a later ``--force`` replace this export, and close."""
        marker = json.dumps({"samtal_export": 1, "files": self.files, "dirs": self.dirs}, indent=1)
        self.file("", MARKER, marker.encode("utf-8"))
        self.files.remove(MARKER)
        self._close()

    def abandon(self) -> None:
        """Remove every file and folder this writer made (an export that failed half-way)."""
        self._close()
        _remove(self.out, self.files, self.dirs)
        self.files, self.dirs = [], []

    def _close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()



def _remove(out: Path, files: Iterable[str], dirs: Iterable[str]) -> None:
    """Unlink ``files`` (a symbolic link itself, never what it points at) and remove ``dirs``
    when empty, deepest first; all relative to ``out``."""
    for relative in files:
        (out / relative).unlink(missing_ok=True)
    for relative in sorted(dirs, key=lambda d: -d.count("/")):
        try:
            (out / relative).rmdir()
        except OSError:
            pass


def _check(name: str) -> None:
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise ValueError("not a safe local name; pass it through local_name()")
