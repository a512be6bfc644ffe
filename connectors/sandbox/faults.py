"""Fault injection: a parsed ``--faults`` spec and the engine that draws faults from it.

A fault list (docs/sandbox.md#faults): comma-separated ``name=value``. Global names:

- ``throttle`` / ``unavailable`` / ``drop``: probability (0..1) per request of a 429, a 503, or a
  connection closed mid-response *after* the request was carried out (so a retried POST meets its
  own earlier effect: docs/failures.md#t14, docs/failures.md#t16).
- ``latency_ms``: added delay per request (held while the request occupies its mailbox slot); a
  ``$batch`` waits as long as Graph takes to run its items (``batch.py``, ``envelope_delay``).
- ``seed``: the random seed; the k-th time a given ``METHOD URL`` arrives it meets the same fate
  whatever other clients do, so a run is reproducible from the seed.
- ``retry_after``: longest Retry-After in seconds (default 1). About half of the 429s carry a
  fractional value such as ``0.35`` (docs/graph.md#throttling-and-errors: the docs' sample is
  ``2.128``).
- ``mailbox_concurrency``: Outlook's concurrent-request limit per mailbox (default 4; 0 = off).
  Going over answers 429 "Application is over its MailboxConcurrency limit."
  (docs/graph.md#throttling-and-errors).
- ``upload_expiry_s``: lifetime of an upload session (default 900).
- ``download_expiry_s``: lifetime of a ``/content`` redirect URL (default 300).
- ``empty_page``: probability that a page which has a next page is served empty but still carries
  an ``@odata.nextLink`` (docs/failures.md#p1). Never twice in a row for one listing.
- ``ru_per_minute`` / ``ru_per_day``: SharePoint's resource-unit budgets of the app (0, the
  default: by the seed's ``tenant.licences``, see ``ru.py``); ``ru_window_s``: the length of the
  "minute" (default 60; shorten it together with the budget in tests and benchmarks).
- ``mailbox_requests`` / ``mailbox_window_s``: Outlook's request budget per mailbox (default
  10,000 per 600 s; 0 = off).
- ``upload_conflict``: probability that the last fragment of an upload session answers 409
  ``nameAlreadyExists`` whatever its conflict behaviour, the bytes kept for an explicit commit,
  as clients report it (docs/failures.md#u9).
- ``send_per_minute`` / ``send_recipients_per_day``: Exchange Online's sending limits per sender
  mailbox (0, the default: the seed's ``tenant.sendingLimits``, else 30 and 10,000);
  ``send_minute_s`` / ``send_day_s``: the windows (60 and 86,400; shorten them with the counts in
  tests); ``transport_ms``: how long a sent message stays in Drafts before transport moves it to
  Sent Items and delivers it (0: within the same request). See ``transport.py``.

Per-route overrides: ``throttle.calendar=0.2``, ``unavailable.drives=0.1``, ``latency_ms.sites=5``,
``drop.directory=0``. Route groups: ``directory`` (users, manager, directReports), ``calendar``
(events, getSchedule, calendarView), ``mail`` (messages, send, sendMail), ``drives`` (drive items, invite, permissions), ``sites``
(sites, lists, items), ``upload`` (upload-session URLs), ``download`` (``/content`` targets).

Early retries are punished as Dev Proxy's RetryAfterPlugin does (docs/failures.md#t8): a
request to a throttled key (group, and mailbox for calendar) before the window ends gets another
429 and pushes the window forward.
"""
from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

GROUPS = ("directory", "calendar", "mail", "drives", "sites", "upload", "download")
_RATES = ("throttle", "unavailable", "drop", "latency_ms")
_SCALARS = ("seed", "retry_after", "mailbox_concurrency", "upload_expiry_s", "download_expiry_s", "empty_page",
            "ru_per_minute", "ru_per_day", "ru_window_s", "mailbox_requests", "mailbox_window_s",
            "upload_conflict", "send_per_minute", "send_recipients_per_day", "send_minute_s", "send_day_s",
            "transport_ms")
_INTEGERS = ("seed", "mailbox_concurrency", "ru_per_minute", "ru_per_day", "mailbox_requests", "send_per_minute",
             "send_recipients_per_day")


class FaultSpecError(ValueError):
    """A ``--faults`` string that cannot be parsed; the message names the bad part."""


@dataclass(frozen=True)
class FaultSpec:
    throttle: float = 0.0
    unavailable: float = 0.0
    drop: float = 0.0
    latency_ms: float = 0.0
    seed: int = 7
    retry_after: float = 1.0
    mailbox_concurrency: int = 4
    upload_expiry_s: float = 900.0
    download_expiry_s: float = 300.0
    empty_page: float = 0.0
    ru_per_minute: int = 0
    ru_per_day: int = 0
    ru_window_s: float = 60.0
    mailbox_requests: int = 10_000
    mailbox_window_s: float = 600.0
    upload_conflict: float = 0.0
    send_per_minute: int = 0
    send_recipients_per_day: int = 0
    send_minute_s: float = 60.0
    send_day_s: float = 86_400.0
    transport_ms: float = 0.0
    overrides: tuple[tuple[str, str, float], ...] = field(default_factory=tuple)

    @classmethod
    def parse(cls, text: str | None) -> FaultSpec:
        values: dict[str, Any] = {}
        overrides: list[tuple[str, str, float]] = []
        for raw in (text or "").split(","):
            part = raw.strip()
            if not part:
                continue
            name, sep, value = part.partition("=")
            name = name.strip()
            if not sep:
                raise FaultSpecError(f"fault '{part}' needs the form name=value")
            try:
                number = float(value)
            except ValueError:
                raise FaultSpecError(f"fault '{name}': '{value.strip()}' is not a number") from None
            if not math.isfinite(number):
                raise FaultSpecError(f"fault '{name}': '{value.strip()}' is not a finite number")
            if "." in name:
                kind, _, group = name.partition(".")
                if kind not in _RATES:
                    raise FaultSpecError(f"fault '{name}': only {', '.join(_RATES)} can be set per route")
                if group not in GROUPS:
                    raise FaultSpecError(f"fault '{name}': unknown route group '{group}' (known: {', '.join(GROUPS)})")
                _check_rate(kind, name, number)
                overrides.append((kind, group, number))
                continue
            if name in _RATES:
                _check_rate(name, name, number)
                values[name] = number
            elif name in _SCALARS:
                if number < 0:
                    raise FaultSpecError(f"fault '{name}' cannot be negative")
                if name in ("empty_page", "upload_conflict") and number > 1:
                    raise FaultSpecError(f"fault '{name}' is a probability between 0 and 1")
                if name in ("ru_window_s", "mailbox_window_s", "send_minute_s", "send_day_s") and number <= 0:
                    raise FaultSpecError(f"fault '{name}' must be longer than 0 seconds")
                values[name] = int(number) if name in _INTEGERS else number
            else:
                known = ", ".join(_RATES + _SCALARS)
                raise FaultSpecError(f"unknown fault '{name}' (known: {known}, and per route: throttle.calendar=...)")
        return cls(**values, overrides=tuple(overrides))

    def rate(self, kind: str, group: str) -> float:
        for k, g, value in self.overrides:
            if k == kind and g == group:
                return value
        return float(getattr(self, kind))

    def describe(self) -> str:
        parts = [f"{name}={getattr(self, name)}" for name in _RATES + _SCALARS]
        parts += [f"{k}.{g}={v}" for k, g, v in self.overrides]
        return ",".join(parts)


def _check_rate(kind: str, name: str, number: float) -> None:
    if kind != "latency_ms" and not 0 <= number <= 1:
        raise FaultSpecError(f"fault '{name}' is a probability between 0 and 1, got {number}")
    if number < 0:
        raise FaultSpecError(f"fault '{name}' cannot be negative")


@dataclass(frozen=True)
class Fate:
    """What happens to one request."""

    status: int = 0            # 0 = serve normally; 429 or 503
    retry_after: str = ""
    early_retry: bool = False  # the 429 punishes a retry before Retry-After
    drop: bool = False
    latency_s: float = 0.0


class FaultEngine:
    """Draws fates for requests, reproducibly from the spec's seed."""

    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}
        self._windows: dict[str, float] = {}
        self._in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()
            self._windows.clear()

    def draw(self, method: str, url: str, group: str, key: str, *, can_drop: bool = True) -> Fate:
        spec = self.spec
        now = time.monotonic()
        with self._lock:
            n = self._seen.get(f"{method} {url}", 0)
            self._seen[f"{method} {url}"] = n + 1
            until = self._windows.get(key, 0.0)
            if now < until:
                # Early retry: punish, and push the window forward (Dev Proxy RetryAfterPlugin).
                wait = max(until - now, 0.05)
                self._windows[key] = now + wait
                return Fate(429, _format_seconds(wait), early_retry=True)
        rng = random.Random(f"{spec.seed}|{method}|{url}|{n}")
        throttle, unavailable, drop = rng.random(), rng.random(), rng.random()
        latency = spec.rate("latency_ms", group) / 1000.0
        if throttle < spec.rate("throttle", group):
            seconds = self._retry_after(rng)
            with self._lock:
                self._windows[key] = max(self._windows.get(key, 0.0), now + float(seconds))
            return Fate(429, seconds, latency_s=latency)
        if unavailable < spec.rate("unavailable", group):
            return Fate(503, self._retry_after(rng), latency_s=latency)
        return Fate(drop=can_drop and drop < spec.rate("drop", group), latency_s=latency)

    def draw_empty_page(self, url: str) -> bool:
        if self.spec.empty_page <= 0:
            return False
        return random.Random(f"{self.spec.seed}|empty|{url}").random() < self.spec.empty_page

    def draw_upload_conflict(self, token: str) -> bool:
        """Whether the last fragment of the upload session ``token`` meets a 409 (``upload_conflict``)."""
        if self.spec.upload_conflict <= 0:
            return False
        return random.Random(f"{self.spec.seed}|conflict|{token}").random() < self.spec.upload_conflict

    def _retry_after(self, rng: random.Random) -> str:
        top = max(self.spec.retry_after, 0.05)
        if rng.random() < 0.5 and top >= 1:
            return str(rng.randint(1, int(top)))
        return _format_seconds(rng.uniform(min(0.1, top), top))

    # Outlook's per-mailbox concurrency (docs/failures.md#t12).
    def enter_mailbox(self, mailbox: str) -> bool:
        limit = self.spec.mailbox_concurrency
        with self._lock:
            current = self._in_flight.get(mailbox, 0)
            if limit and current >= limit:
                return False
            self._in_flight[mailbox] = current + 1
            if current + 1 > self.max_in_flight.get(mailbox, 0):
                self.max_in_flight[mailbox] = current + 1
            return True

    def leave_mailbox(self, mailbox: str) -> None:
        with self._lock:
            self._in_flight[mailbox] -= 1


def _format_seconds(seconds: float) -> str:
    text = f"{math.ceil(seconds * 100) / 100:.2f}".rstrip("0").rstrip(".")
    return text or "0.01"
