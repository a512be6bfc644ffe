"""``tenant.sendingLimits`` of a seed: Exchange Online's sending limits per sender mailbox for this
tenant (``transport.py``), for tests that want them small::

    tenant:
      sendingLimits: {messagesPerMinute: 5, recipientsPerDay: 40}

Absent keys keep Exchange Online's 30 messages a minute and 10,000 recipients a day; the faults
``send_per_minute`` and ``send_recipients_per_day`` override both (docs/sandbox.md#faults).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

_KEYS = ("messagesPerMinute", "recipientsPerDay")


def check_sending_limits(fail: Callable[[str, str], None], raw: Any) -> dict[str, int]:
    """The validated ``tenant.sendingLimits`` (only the keys given); each problem goes to ``fail``."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        fail("tenant.sendingLimits", "must be a mapping such as {messagesPerMinute: 30, recipientsPerDay: 10000}")
        return {}
    out: dict[str, int] = {}
    for key, value in raw.items():
        if key not in _KEYS:
            fail(f"tenant.sendingLimits.{key}", f"unknown key (known: {', '.join(_KEYS)})")
        elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
            fail(f"tenant.sendingLimits.{key}", f"must be a whole number of at least 1, got {value!r}")
        else:
            out[key] = value
    return out
