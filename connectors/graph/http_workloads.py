"""Sharing Graph between threads: which mailbox and which throttling workload a request falls in,
how many requests may be in flight, and holding a throttled workload for every thread.

Facts (docs/failures.md#throttling-and-transient-errors):

- Outlook allows 4 concurrent requests per app and mailbox (docs/failures.md#t12): a
  :class:`ConcurrencyLimiter` keeps a global cap and a cap per mailbox, taken atomically, and
  :func:`mailbox_of` tells which mailbox an Outlook path touches;
- throttling is per workload (one mailbox, OneDrive and SharePoint files, SharePoint lists, the
  directory: :func:`workload_of`), and a request sent inside a throttle window is throttled
  again (docs/failures.md#t8): after a ``Retry-After`` nothing is sent to that workload until it
  has passed, and then one request probes before the others follow, so that threads released
  together do not arrive early together and extend the window (:class:`WorkloadHolds`).

:class:`~connectors.graph.http.GraphHttp` takes a slot and passes the holds on every attempt;
:mod:`connectors.graph.batch` does the same for the items of a ``$batch``.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import unquote

from connectors.graph.addresses import address_key

# Outlook allows 4 concurrent requests per app and mailbox (docs/failures.md#t12).
MAILBOX_CONCURRENCY = 4
_MAILBOX_PATH = re.compile(
    r"^/users/([^/?]+)/(?:events|calendar|calendars|calendarView|mailboxSettings|messages|"
    r"mailFolders|sendMail|findMeetingTimes)\b", re.IGNORECASE)


class ConcurrencyLimiter:
    """A global cap plus a cap per key (mailbox), taken atomically so nothing deadlocks."""

    def __init__(self, global_limit: int, per_key_limit: int = MAILBOX_CONCURRENCY) -> None:
        if global_limit < 1 or per_key_limit < 1:
            raise ValueError("concurrency limits must be at least 1")
        self.global_limit = global_limit
        self.per_key_limit = per_key_limit
        self._cond = threading.Condition()
        self._in_flight = 0
        self._per_key: dict[str, int] = {}
        self.max_seen_per_key = 0

    @contextmanager
    def hold(self, keys: Mapping[str, int] | None = None) -> Iterator[None]:
        wanted = {k: min(n, self.per_key_limit) for k, n in (keys or {}).items() if n > 0}
        with self._cond:
            self._cond.wait_for(lambda: self._fits(wanted))
            self._in_flight += 1
            for k, n in wanted.items():
                self._per_key[k] = self._per_key.get(k, 0) + n
                self.max_seen_per_key = max(self.max_seen_per_key, self._per_key[k])
        try:
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                for k, n in wanted.items():
                    left = self._per_key[k] - n
                    if left:
                        self._per_key[k] = left
                    else:
                        del self._per_key[k]
                self._cond.notify_all()

    def _fits(self, wanted: Mapping[str, int]) -> bool:
        if self._in_flight >= self.global_limit:
            return False
        return all(self._per_key.get(k, 0) + n <= self.per_key_limit for k, n in wanted.items())


def mailbox_of(path: str) -> str | None:
    """The mailbox an Outlook path touches (``/users/{id}/events`` → ``{id}``), lower-cased."""
    m = _MAILBOX_PATH.match(path)
    return address_key(unquote(m.group(1))) if m else None


def workload_of(path: str) -> str:
    """The throttling scope a Graph path falls in: one Outlook mailbox, OneDrive/SharePoint, or
    the directory. A 429 with Retry-After on one request holds every request of the same scope
    (docs/failures.md#t8: a retry inside the window is throttled again)."""
    box = mailbox_of(path)
    if box:
        return f"mailbox:{box}"
    lowered = path.lower()
    if lowered.startswith(("/drives", "/shares")) or re.match(r"^/users/[^/]+/drive\b", lowered):
        return "files"
    if lowered.startswith("/sites"):
        return "sites"
    segment = lowered.strip("/").split("/", 1)[0].split("?", 1)[0]
    return "directory" if segment in ("users", "groups", "directoryobjects") else segment or "graph"


class WorkloadHolds:
    """The workloads Graph asked to wait, shared by every thread: a hold until a moment, then one
    probe before the others follow (docs/failures.md#t8)."""

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._clock = clock
        self._sleep = sleep
        self._held_until: dict[str, float] = {}
        self._recovering: set[str] = set()
        self._probing: set[str] = set()
        self._hold_cond = threading.Condition()

    def hold(self, scope: str, seconds: float) -> None:
        """Send nothing to ``scope`` for ``seconds`` (every thread): Graph asked us to wait."""
        with self._hold_cond:
            until = self._clock() + seconds
            if until > self._held_until.get(scope, 0.0):
                self._held_until[scope] = until
            self._recovering.add(scope)

    def enter(self, scope: str, deadline_at: float) -> bool:
        """Wait until ``scope`` may be sent to; True when this request is the probe that goes
        first after a hold (the others wait for its answer, never past their deadline)."""
        while True:
            with self._hold_cond:
                wait = self._held_until.get(scope, 0.0) - self._clock()
                if wait <= 0:
                    if scope not in self._recovering:
                        return False
                    if scope not in self._probing:
                        self._probing.add(scope)
                        return True
                    if self._clock() >= deadline_at:
                        return False
                    self._hold_cond.wait(0.05)  # a probe is out: wait for its answer
                    continue
            self._sleep(min(wait, max(0.0, deadline_at - self._clock())))
            if self._clock() >= deadline_at:
                return False

    def leave(self, scope: str, probe: bool, status: int) -> None:
        """After an attempt to ``scope``: a probe makes way, and any answer but 429 or 503
        (``status`` 0: none) ends the workload's recovery."""
        with self._hold_cond:
            if probe:
                self._probing.discard(scope)
            if status and status not in (429, 503):
                self._recovering.discard(scope)
            self._hold_cond.notify_all()
