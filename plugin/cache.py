"""A local cache of when samtal last looked at things; only a cache.

It saves requests on runs with nothing to do: attendee answers and unfiled forms are looked at
again only when the last look is older than the interval. Losing the file costs one fuller run,
never correctness. Written atomically (temp file + rename), so a crash cannot corrupt it.

Because it is only a cache, anything odd about the file means "no cache", with one warning, and
never a traceback: a path that is a directory, a FIFO or a device (``--cache /dev/full`` would
otherwise be read without end, and replaced by a file when saved), a file over
:data:`MAX_BYTES` (it is never read further than that), text that is not JSON or nested too
deeply to parse, or JSON of another shape. A path that is not a regular file is neither read nor
written; a file that cannot be written (a read-only folder, a full disk) costs one warning and
the pass goes on. :func:`read_json_cache` and :func:`write_json_atomically` do this for every
cache file (this one and the team overviews').
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import tempfile
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)
MAX_BYTES = 8 * 1024 * 1024  # a look-cache entry is ~80 bytes: 100,000 talks fit in 8 MiB
_warned: set[str] = set()
_warned_lock = threading.Lock()


class UnusableCache(Exception):
    """The cache path is not a regular file (a directory, FIFO, device): it is neither read nor written."""


def warn_once(path: Path, message: str) -> None:
    """Log ``message`` about the cache file ``path`` once in this process."""
    with _warned_lock:
        if str(path) in _warned:
            return
        _warned.add(str(path))
    log.warning("cache %s: %s; going on without it (it is only a cache)", path, message)


def _read_bounded(path: Path) -> bytes | None:
    """The file's bytes, or None when it does not exist; raises :class:`UnusableCache` for a path
    that is not a regular file, and ``ValueError`` for one over :data:`MAX_BYTES`."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then tells what it is.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return None
    except IsADirectoryError as err:
        raise UnusableCache("it is a directory, not a file") from err
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UnusableCache("it is a directory, not a file" if stat.S_ISDIR(mode)
                                else "it is not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > MAX_BYTES:
        raise ValueError(f"it is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    return b"".join(chunks)


def read_json_cache(path: Path, key: str) -> tuple[dict[str, str], bool]:
    """The text-to-text mapping under ``key`` in the JSON cache file ``path`` (empty when there
    is none or it is unreadable), and whether the path may be written."""
    try:
        data = _read_bounded(path)
    except UnusableCache as err:
        warn_once(path, str(err))
        return {}, False
    except (OSError, ValueError) as err:
        warn_once(path, f"cannot read it ({getattr(err, 'strerror', None) or err})")
        return {}, True
    if data is None:
        return {}, True
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested too deeply
        warn_once(path, "it is not a readable cache file")
        return {}, True
    mapping = parsed.get(key) if isinstance(parsed, dict) else None
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                for k, v in mapping.items()):
        warn_once(path, "it is not a cache file of this samtal")
        return {}, True
    return mapping, True


class _CacheKeyed(Protocol):
    @property
    def campaign(self) -> Any: ...
    @property
    def tenant(self) -> Any: ...
    @property
    def records(self) -> Any: ...


def default_cache_file(settings: _CacheKeyed, suffix: str = "") -> Path:
    """``~/.cache/samtal/<campaign>-<digest of tenant, site and list><suffix>.json`` (honours
    ``XDG_CACHE_HOME``): one file per campaign and records list, never shared between tenants."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "samtal"
    digest = hashlib.sha256(f"{settings.tenant.graph_url}|{settings.records.site}|"
                            f"{settings.records.list}".encode()).hexdigest()[:12]
    return base / f"{settings.campaign.id}-{digest}{suffix}.json"


def write_json_atomically(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` through a temporary file and a rename. A cache is only a
    saving, so a file that cannot be written is said once on stderr and the pass goes on; there is
    nothing for a caller to decide. A path that exists and is not a regular file is never
    replaced."""
    tmp: str | None = None
    try:
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):
            raise UnusableCache("it is not a regular file")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".samtal-cache-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=0, sort_keys=True)
        os.replace(tmp, path)
    except (OSError, UnusableCache) as err:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        warn_once(path, f"cannot write it ({getattr(err, 'strerror', None) or err})")


class LookCache:
    def __init__(self, path: Path | None) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, str] = {}
        if path is not None:
            self._seen, usable = read_json_cache(path, "looked")
            path = path if usable else None
        self.path = path  # None: nothing is read or written (the team overviews' cache neither)

    def due(self, what: str, now: datetime, every: timedelta) -> bool:
        with self._lock:
            last = self._seen.get(what)
        if last is None:
            return True
        try:
            return now - datetime.fromisoformat(last) >= every
        except (ValueError, TypeError):
            return True

    def looked(self, what: str, now: datetime) -> None:
        with self._lock:
            self._seen[what] = now.isoformat()

    def save(self) -> None:
        if self.path is None:
            return
        with self._lock:
            looked = dict(self._seen)
        write_json_atomically(self.path, {"looked": looked})
