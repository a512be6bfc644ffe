"""A local cache of when samtal last looked at things; only a cache (SPEC §2).

It saves requests on runs with nothing to do: attendee answers and unfiled forms are looked at
again only when the last look is older than the interval. Losing the file costs one fuller run,
never correctness. Written atomically (temp file + rename), so a crash cannot corrupt it.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol


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
    """Write ``data`` as JSON to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".samtal-cache-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=0, sort_keys=True)
    os.replace(tmp, path)


class LookCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seen: dict[str, str] = {}
        if path is not None and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self._seen = {str(k): str(v) for k, v in data.get("looked", {}).items()}
            except (OSError, ValueError, AttributeError):
                self._seen = {}

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
