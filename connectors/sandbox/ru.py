"""SharePoint/OneDrive resource units (RU) and Outlook's per-mailbox request budget.

Facts (docs/graph.md#sharepoint-resource-units, from Microsoft's "Avoid getting throttled or
blocked in SharePoint Online",
https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online;
and Dev Proxy's RateLimitingPlugin, https://github.com/dotnet/dev-proxy). What the sandbox does
with them: docs/sandbox.md#budgets.

- every drive, site and list request costs RU: **1** for a single-item read or a file download,
  **2** for a multi-item query (children, lists, items, columns), a create, update, delete or
  upload, **5** for any permission call (``invite``, ``/permissions``, ``$expand=permissions``);
  ``delta`` with a token costs 1. Items of a ``$batch`` are counted one by one; the envelope and
  the upload/download URLs outside ``/v1.0`` cost nothing here (like Dev Proxy, which limits only
  ``/drive*``, ``/shares/*`` and ``/sites/*``);
- a budget per app and tenant per minute and per day, by licence count (table below);
- from 80 % of the minute's budget, answers carry ``RateLimit-Limit``, ``RateLimit-Remaining``
  and ``RateLimit-Reset`` (seconds until the window refills);
- past the budget: 429 with ``Retry-After`` equal to ``RateLimit-Reset``.

The windows are fixed, as in Dev Proxy: a window opens with its first request and refills
``window_s`` seconds later. ``window_s`` is 60 on a real tenant; tests and benchmarks shorten it
(the budget is per window, so scale both together). Reset values are sent with two decimals, which
a scaled window needs; SharePoint sends whole seconds.

Outlook (docs/graph.md#throttling-and-errors): 10,000 requests per 10 minutes per app and mailbox, a fixed window
per mailbox here too; past it, 429 ``ApplicationThrottled`` with the seconds to the refill.
"""
from __future__ import annotations

import math
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# (licences up to, RU per minute, RU per day); the last row has no upper bound. Source: the
# application limits table of SharePoint's throttling article cited above ("1,200 RU for 0–1k
# licences … 6,000 for 50k+", with the rows in between and the daily column).
LICENCE_TABLE: tuple[tuple[float, int, int], ...] = (
    (1_000, 1_200, 1_200_000),
    (5_000, 2_400, 2_400_000),
    (15_000, 3_600, 3_600_000),
    (50_000, 4_800, 4_800_000),
    (math.inf, 6_000, 6_000_000),
)
WARNING_SHARE = 0.8
OUTLOOK_REQUESTS = 10_000
OUTLOOK_WINDOW_S = 600.0

_COLLECTIONS = ("children", "lists", "items", "columns", "contenttypes", "versions", "drives", "sites")
_ACTION = re.compile(r"/(content|children|invite|permissions|createuploadsession|columns|fields|delta|versions)"
                     r"(?:/[^/]*)?$", re.IGNORECASE)


def budget_for_licences(licences: int) -> tuple[int, int]:
    """(RU per minute, RU per day) of an app in a tenant with ``licences`` licences."""
    if licences < 0:
        raise ValueError(f"licences cannot be negative, got {licences}")
    for top, minute, day in LICENCE_TABLE:
        if licences <= top:
            return minute, day
    raise AssertionError("the last row of LICENCE_TABLE has no upper bound")


def ru_cost(method: str, path: str, query: Mapping[str, str]) -> int:
    """RU of one Graph request on a drive, site or list route (``path`` after ``/v1.0``)."""
    lower = path.lower()
    expand = query.get("$expand", "").lower()
    if "/invite" in lower or "/permissions" in lower or "permissions" in expand:
        return 5
    if method != "GET":
        return 2
    if "children" in expand:  # an item with its children is a multi-item query
        return 2
    if lower.rstrip("/").endswith(":"):  # an item addressed by path, nothing after it
        return 1
    action = _ACTION.search(lower)
    name = action.group(1) if action else ""
    if name == "delta":
        return 1 if ("token" in query or "$deltatoken" in query) else 2
    if name in ("content", "fields"):
        return 1
    if name in _COLLECTIONS:
        return 2
    last = lower.rstrip("/").rsplit("/", 1)[-1]
    return 2 if last in _COLLECTIONS else 1


def operation_label(method: str, template: str, path: str) -> str:
    """A per-operation name for stats: the route's template plus the drive action, e.g.
    ``PUT /users/{id}/drive/items/content`` or ``POST /drives/{id}/items/invite``."""
    action = _ACTION.search(path)
    suffix = f"/{action.group(1)}" if action and not template.lower().endswith(action.group(1).lower()) else ""
    return f"{method} {template}{suffix}"


@dataclass(frozen=True)
class Verdict:
    """What the meter says about one request: its headers, or a 429's Retry-After."""

    cost: int
    headers: Mapping[str, str]
    retry_after: str = ""  # set: answer 429

    @property
    def throttled(self) -> bool:
        return bool(self.retry_after)


class RuMeter:
    """Per-minute and per-day RU budgets of one app in the tenant, shared by all threads."""

    def __init__(self, per_window: int, per_day: int, window_s: float = 60.0, *, enforce: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if per_window < 1 or per_day < 1:
            raise ValueError("RU budgets must be at least 1")
        if window_s <= 0:
            raise ValueError("the RU window must be longer than 0 seconds")
        self.per_window = per_window
        self.per_day = per_day
        self.enforce = enforce  # False: count RU only (no headers, no 429)
        self.window_s = window_s
        self.day_s = window_s * 24 * 60  # a "day" is 1,440 windows, so a scaled window scales it too
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._window_start: float | None = None
            self._used = 0
            self._day_start: float | None = None
            self._day_used = 0
            self.total = 0
            self.by_route: Counter[str] = Counter()
            self.throttled = 0
            self.throttled_by_route: Counter[str] = Counter()
            self.peak_window = 0

    def admit(self, label: str, cost: int) -> Verdict:
        """Charge ``cost`` RU for ``label``, or refuse it when a budget is spent."""
        now = self._clock()
        with self._lock:
            if self._window_start is None or now >= self._window_start + self.window_s:
                self._window_start, self._used = now, 0
            if self._day_start is None or now >= self._day_start + self.day_s:
                self._day_start, self._day_used = now, 0
            reset = max(self._window_start + self.window_s - now, 0.0)
            refused = self._refusal(now, reset) if self.enforce else None
            if refused is not None:
                self.throttled += 1
                self.throttled_by_route[label] += 1
                return Verdict(cost, refused[0], refused[1])
            self._used += cost
            self._day_used += cost
            self.total += cost
            self.by_route[label] += cost
            self.peak_window = max(self.peak_window, self._used)
            warn = self.enforce and self._used >= WARNING_SHARE * self.per_window
            headers = self._headers(reset) if warn else {}
            return Verdict(cost, headers)

    def _refusal(self, now: float, reset: float) -> tuple[dict[str, str], str] | None:
        """(headers, Retry-After) when a budget is spent, else None. Lock held."""
        assert self._day_start is not None
        if self._day_used >= self.per_day:
            return {}, _seconds(self._day_start + self.day_s - now)
        if self._used >= self.per_window:
            headers = self._headers(reset)
            return headers, headers["RateLimit-Reset"]
        return None

    def _headers(self, reset: float) -> dict[str, str]:
        return {"RateLimit-Limit": str(self.per_window),
                "RateLimit-Remaining": str(max(self.per_window - self._used, 0)),
                "RateLimit-Reset": _seconds(reset)}

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"total": self.total, "by_route": dict(sorted(self.by_route.items())),
                    "throttled": self.throttled,
                    "throttled_by_route": dict(sorted(self.throttled_by_route.items())),
                    "enforced": self.enforce, "per_window": self.per_window, "per_day": self.per_day, "window_s": self.window_s,
                    "window_used": self._used, "day_used": self._day_used, "peak_window": self.peak_window}


class MailboxBudget:
    """Outlook's request budget per mailbox: ``limit`` requests per ``window_s`` (0 = off)."""

    def __init__(self, limit: int = OUTLOOK_REQUESTS, window_s: float = OUTLOOK_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}
        self.throttled = 0

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self.throttled = 0

    def admit(self, mailbox: str) -> str:
        """'' when the request may go on; otherwise the Retry-After of the 429."""
        if self.limit <= 0:
            return ""
        now = self._clock()
        with self._lock:
            start, used = self._windows.get(mailbox, (now, 0))
            if now >= start + self.window_s:
                start, used = now, 0
            if used >= self.limit:
                self.throttled += 1
                self._windows[mailbox] = (start, used)
                return _seconds(start + self.window_s - now)
            self._windows[mailbox] = (start, used + 1)
            return ""


def _seconds(value: float) -> str:
    text = f"{math.ceil(max(value, 0.01) * 100) / 100:.2f}".rstrip("0").rstrip(".")
    return text or "0.01"
