"""Pacing: slow down before SharePoint or Outlook throttles, instead of after.

Facts (docs/graph.md#sharepoint-resource-units; SharePoint's "Avoid getting throttled or blocked in
SharePoint Online",
https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online):

- SharePoint and OneDrive (``/drives``, ``/sites``, ``/shares``, ``/users/{id}/drive``) charge each
  app a budget of *resource units* (RU) per tenant per minute, by licence count (1,200 RU under
  1,000 licences … 6,000 above 50,000); a request costs 1 RU (single-item read, download), 2 (a
  multi-item query, create, update, delete, upload) or 5 (any permission call: ``invite``,
  ``/permissions``, ``$expand=permissions``); ``$batch`` items count one by one;
- from 80 % of the minute's budget, answers carry ``RateLimit-Limit``, ``RateLimit-Remaining`` and
  ``RateLimit-Reset`` (seconds until the budget refills); past it, 429/503 with ``Retry-After``;
- Outlook counts per app and mailbox: 10,000 requests per 10 minutes.

:class:`Pacer` keeps one token bucket for the tenant's SharePoint traffic, shared by every thread,
refilled at a little under the budget's rate and fed by each request's RU; and one bucket per
mailbox for Outlook, so a mailbox that is out of budget never holds up SharePoint or another
mailbox. ``RateLimit-*`` headers correct the SharePoint bucket: the RU the server says are left
(less what is still in flight) cap what is sent until the reset, and ``RateLimit-Limit`` replaces
the configured budget. A 429/503 with ``Retry-After`` pauses that bucket for everyone. A run far
from the budget never waits: the bucket starts full and holds half a minute's budget.

``GraphHttp`` calls :meth:`Pacer.before` before each attempt and :meth:`Pacer.after` with the
answer; waits happen outside every lock and before a concurrency slot is taken.
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from connectors.graph.addresses import address_key
from connectors.graph.reach import WaitNotices
from connectors.graph.retry import parse_retry_after

SHAREPOINT = "sharepoint"
_SHAREPOINT_PATH = re.compile(r"^/(?:drives|sites|shares)(?:[/?(]|$)|^/users/[^/?]+/drive(?:[/?]|$)", re.IGNORECASE)
_MAILBOX_PATH = re.compile(
    r"^/users/([^/?]+)/(?:events|calendar|calendars|calendarView|mailboxSettings|messages|"
    r"mailFolders|sendMail|findMeetingTimes)\b", re.IGNORECASE)
_COLLECTIONS = frozenset({"children", "lists", "items", "columns", "contenttypes", "versions", "drives", "sites"})

# RU per minute by licence count (docs/graph.md#sharepoint-resource-units; the application limits
# table of SharePoint's throttling article, cited above).
_LICENCE_STEPS = ((1_000, 1_200), (5_000, 2_400), (15_000, 3_600), (50_000, 4_800))
_TOP_BUDGET = 6_000


def ru_per_minute_for(licences: int) -> int:
    """SharePoint's RU budget per app and minute for a tenant with ``licences`` licences."""
    if licences < 0:
        raise ValueError(f"licences cannot be negative, got {licences}")
    return next((ru for top, ru in _LICENCE_STEPS if licences <= top), _TOP_BUDGET)


def request_ru(method: str, path: str) -> int:
    """RU of one SharePoint/OneDrive request; ``path`` is relative to the Graph root and may
    carry its query (``/drives/x/items/y?$expand=permissions``)."""
    parts = urlsplit(path)
    lower = unquote(parts.path).lower().rstrip("/")
    expand = " ".join(v for k, vs in parse_qs(parts.query).items() if k.lower() in ("$expand", "expand")
                      for v in vs).lower()
    if "/invite" in lower or "/permissions" in lower or "permissions" in expand:
        return 5
    if method.upper() != "GET":
        return 2
    if "children" in expand:  # an item with its children is a multi-item query
        return 2
    if lower.endswith(":"):  # an item addressed by path
        return 1
    last = lower.rsplit("/", 1)[-1]
    if last == "delta":
        return 1 if "token" in parts.query.lower() else 2
    return 2 if last in _COLLECTIONS else 1


@dataclass(frozen=True)
class PacingConfig:
    """Budgets and how close to them to run. ``ru_per_minute`` is the starting guess (the
    tenant's real budget is unknown until ``RateLimit-Limit`` arrives); ``window_s`` is the
    length of SharePoint's "minute" (60; shorter only against a sandbox with a scaled window)."""

    ru_per_minute: int = 1_200
    window_s: float = 60.0
    burst_share: float = 0.5  # bucket size, as a share of one window's budget
    safety: float = 0.95  # refill rate, as a share of the budget's rate
    mailbox_requests: int = 10_000
    mailbox_window_s: float = 600.0

    def __post_init__(self) -> None:
        if self.ru_per_minute < 1 or self.mailbox_requests < 1:
            raise ValueError("pacing budgets must be at least 1")
        if self.window_s <= 0 or self.mailbox_window_s <= 0:
            raise ValueError("pacing windows must be longer than 0 seconds")
        if not 0 < self.burst_share <= 1 or not 0 < self.safety <= 1:
            raise ValueError("burst_share and safety are shares between 0 and 1")


@dataclass(frozen=True)
class Ticket:
    """What one attempt reserved: (bucket key, cost) pairs, returned by :meth:`Pacer.after`."""

    parts: tuple[tuple[str, float], ...]


@dataclass
class _Bucket:
    rate: float  # units per second
    capacity: float
    tokens: float
    stamp: float
    in_flight: float = 0.0
    hint_left: float | None = None  # what the server says is left until hint_until
    hint_until: float = 0.0
    paused_until: float = 0.0

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.hint_left is not None and now >= self.hint_until:
            self.hint_left = None


@dataclass
class PacingStats:
    waits: int = 0
    waited_s: float = 0.0
    hints: int = 0
    throttled: int = 0
    limit_seen: int | None = None
    by_key_waited_s: dict[str, float] = field(default_factory=dict)


class Pacer:
    """Token buckets shared by all threads of one :class:`GraphHttp` (one app, one tenant)."""

    def __init__(self, config: PacingConfig = PacingConfig(), *,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        self.stats = PacingStats()
        self._sharepoint = self._bucket(SHAREPOINT, config.ru_per_minute, config.window_s)
        self.notices: WaitNotices | None = None  # a person hears of waits of 5 s or more

    # ------------------------------------------------------------------ the hooks
    def before(self, method: str, path: str | None, body: Any = None) -> Ticket | None:
        """Wait until the request fits its budgets; ``path`` is relative to the Graph root
        (None: a URL outside it, such as an upload session, which is not paced)."""
        if path is None:
            return None
        parts = self._costs(method, path, body)
        if not parts:
            return None
        for key, cost in parts:
            self._take(key, cost)
        return Ticket(tuple(parts))

    def after(self, ticket: Ticket | None, status: int, headers: Mapping[str, str]) -> None:
        """The answer to a paced attempt (``status`` 0: no answer); ``headers`` lower-case."""
        if ticket is None:
            return
        now = self._clock()
        retry_after = parse_retry_after(headers.get("retry-after")) if status in (429, 503) else None
        with self._lock:
            for key, cost in ticket.parts:
                bucket = self._buckets[key]
                bucket.in_flight = max(0.0, bucket.in_flight - cost)
                if retry_after is not None:
                    self.stats.throttled += 1
                    bucket.paused_until = max(bucket.paused_until, now + retry_after)
                if key == SHAREPOINT:
                    self._read_hints(bucket, headers, now)

    # ------------------------------------------------------------------ internals
    def _bucket(self, key: str, per_window: float, window_s: float) -> _Bucket:
        c = self.config
        bucket = _Bucket(rate=c.safety * per_window / window_s, capacity=c.burst_share * per_window,
                         tokens=c.burst_share * per_window, stamp=self._clock())
        self._buckets[key] = bucket
        return bucket

    def _costs(self, method: str, path: str, body: Any) -> list[tuple[str, float]]:
        if path.split("?", 1)[0].rstrip("/").lower() == "/$batch":
            items = body.get("requests") if isinstance(body, dict) else None
            if isinstance(items, list):
                return _merge([self._cost_of(str(r.get("method", "GET")), "/" + str(r.get("url", "")).lstrip("/"))
                               for r in items if isinstance(r, dict)])
            return []
        return _merge([self._cost_of(method, path)])

    def _cost_of(self, method: str, path: str) -> tuple[str, float] | None:
        if _SHAREPOINT_PATH.match(path):
            return SHAREPOINT, float(request_ru(method, path))
        m = _MAILBOX_PATH.match(path)
        if m:
            return "mailbox:" + address_key(unquote(m.group(1))), 1.0
        return None

    def _take(self, key: str, cost: float) -> None:
        """Reserve ``cost`` from the bucket, sleeping (outside the lock) as long as needed."""
        waited = 0.0
        reserved = False
        while True:
            with self._lock:
                now = self._clock()
                bucket = self._buckets.get(key) or self._bucket(
                    key, self.config.mailbox_requests, self.config.mailbox_window_s)
                bucket.refill(now)
                wait = bucket.paused_until - now
                why = "Graph asked to slow down"
                if wait <= 0 and bucket.hint_left is not None and bucket.hint_left < (0 if reserved else cost):
                    wait = bucket.hint_until - now  # the server says the rest waits for the reset
                    why = "SharePoint says this minute's resource units are spent"
                if wait <= 0 and not reserved:
                    reserved = True
                    bucket.tokens -= cost
                    bucket.in_flight += cost
                    if bucket.hint_left is not None:
                        bucket.hint_left -= cost
                    wait = -bucket.tokens / bucket.rate if bucket.tokens < 0 else 0.0
                    why = "pacing requests under the tenant's budget"
                    if wait <= 0:
                        break
                elif wait <= 0:
                    break
            wait = max(wait, 0.001)
            if self.notices is not None:
                where = "SharePoint and OneDrive" if key == SHAREPOINT else "a mailbox"
                self.notices.waiting(wait, f"{why} ({where})")
            waited += wait
            self._sleep(wait)
        if waited:
            with self._lock:
                self.stats.waits += 1
                self.stats.waited_s += waited
                self.stats.by_key_waited_s[key] = self.stats.by_key_waited_s.get(key, 0.0) + waited

    def _read_hints(self, bucket: _Bucket, headers: Mapping[str, str], now: float) -> None:
        """``RateLimit-*`` from SharePoint: what is left until the reset caps what is sent."""
        remaining = _number(headers.get("ratelimit-remaining"))
        reset = _number(headers.get("ratelimit-reset"))
        limit = _number(headers.get("ratelimit-limit"))
        if limit is not None and limit >= 1 and int(limit) != self.stats.limit_seen:
            self.stats.limit_seen = int(limit)
            c = self.config
            bucket.rate = c.safety * limit / c.window_s
            bucket.capacity = c.burst_share * limit
            bucket.tokens = min(bucket.tokens, bucket.capacity)
        if remaining is None or reset is None:
            return
        self.stats.hints += 1
        until = now + reset
        left = remaining - bucket.in_flight  # requests still in flight are not in the count yet
        if bucket.hint_left is None or now >= bucket.hint_until:
            bucket.hint_left, bucket.hint_until = left, until  # a new window
        else:  # the same window, seen by another thread: the lower count and later reset win
            bucket.hint_left = min(bucket.hint_left, left)
            bucket.hint_until = max(bucket.hint_until, until)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            sp = self._buckets[SHAREPOINT]
            return {"waits": self.stats.waits, "waited_s": round(self.stats.waited_s, 3),
                    "hints": self.stats.hints, "throttled": self.stats.throttled,
                    "ru_per_minute": round(sp.rate / self.config.safety * self.config.window_s),
                    "waited_s_by_key": {k: round(v, 3) for k, v in sorted(self.stats.by_key_waited_s.items())}}


def _merge(parts: list[tuple[str, float] | None]) -> list[tuple[str, float]]:
    out: dict[str, float] = {}
    for part in parts:
        if part is not None:
            out[part[0]] = out.get(part[0], 0.0) + part[1]
    return sorted(out.items())


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None

