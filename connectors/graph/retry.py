"""When to try again, and how long to wait: the retry policy of every Graph call.

Facts (docs/failures.md#throttling-and-transient-errors, docs/failures.md#the-bar): retry 429, 503 and transport
errors; 500/502/504/509 only for idempotent requests; honour ``Retry-After`` as integer seconds,
decimal seconds (``2.128``), an HTTP date, or a comma-joined repeat (``30,120``: the largest
wins); otherwise capped exponential backoff with full jitter; give up at a per-operation
deadline with a clear error instead of waiting forever.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

# 429 and 503 mean the request was not processed; a 504 (gateway timeout) may have been, so a
# non-idempotent POST is not re-sent blindly after one (its caller looks before retrying).
RETRY_ALWAYS = frozenset({429, 503})
RETRY_IF_IDEMPOTENT = frozenset({500, 502, 504, 509})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"})


@dataclass(frozen=True)
class RetryPolicy:
    """Numbers of the retry loop. ``deadline`` bounds one operation, waits included."""

    max_attempts: int = 10
    # A host that cannot be reached at all (refused, unknown, TLS failed) is wrong or down, not
    # busy: this many attempts in a row (a second or two apart) and the request gives up.
    unreachable_attempts: int = 3
    deadline: float = 600.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    # A Retry-After beyond what is left of the deadline is not waited for: the error is raised.

    def should_retry_status(self, status: int, idempotent: bool) -> bool:
        return status in RETRY_ALWAYS or (idempotent and status in RETRY_IF_IDEMPOTENT)

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter exponential backoff for retry number ``attempt`` (1-based)."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** (attempt - 1)))
        return rng.uniform(ceiling / 2, ceiling)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header, or None when absent or unreadable.

    A decimal is rounded up to the millisecond (never early); a date in the past is 0.
    """
    if value is None:
        return None
    best: float | None = None
    for piece in value.split(","):
        piece = piece.strip()
        if not piece:
            continue
        seconds: float | None
        try:
            seconds = float(piece)
            if not math.isfinite(seconds) or seconds < 0:
                seconds = None
            else:
                seconds = math.ceil(seconds * 1000) / 1000
        except ValueError:
            try:
                when = parsedate_to_datetime(piece)
            except (TypeError, ValueError, IndexError):
                seconds = None
            else:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=timezone.utc)
                seconds = max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
        if seconds is not None and (best is None or seconds > best):
            best = seconds
    return best
