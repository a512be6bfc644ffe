"""When a person can meet: working hours on their own clock, minus holidays and blocking busy time.

Working hours are turned into UTC minutes day by day with ``zoneinfo``, so a 09:00 start is
08:00 UTC in winter and 07:00 UTC after the EU switch to summer time (28 March 2027,
docs/architecture.md#time-zones-and-holidays); no fixed offset is ever assumed. People sharing working hours share
the computation (cached per working-hours value and rules).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from connectors.timezones import resolve_zone
from plugin.scheduling.intervals import Interval, at_least, merge, minute_ceil, minute_floor, subtract
from plugin.scheduling.model import BusyBlock, BusyStatus, Person, Rules, WorkingHours

_FREE = BusyStatus.FREE
_ELSEWHERE = BusyStatus.WORKING_ELSEWHERE


@lru_cache(maxsize=256)
def zone_info(name: str) -> ZoneInfo:
    """The tz database zone for an IANA or Windows name (raises ``UnknownTimeZone``)."""
    return ZoneInfo(resolve_zone(name).iana)


def local_minute(day: date, clock: time, tz: tzinfo) -> int:
    """Minutes since the epoch of ``clock`` on ``day`` in ``tz`` (offset of that very day).

    A clock time skipped by a DST switch (02:30 on the last Sunday of March) resolves forward,
    as ``zoneinfo`` does with ``fold=0``.
    """
    return minute_floor(datetime.combine(day, clock, tzinfo=tz))


@lru_cache(maxsize=16)
def window_bounds(rules: Rules) -> Interval:
    """The campaign window in minutes, cut at ``not_before``."""
    tz = zone_info(rules.zone)
    start = local_minute(rules.first_day, time(0), tz)
    end = local_minute(rules.last_day + timedelta(days=1), time(0), tz)
    if rules.not_before is not None:
        start = max(start, minute_ceil(rules.not_before))
    return start, max(start, end)


@lru_cache(maxsize=1024)
def working_intervals(hours: WorkingHours, rules: Rules) -> tuple[Interval, ...]:
    """Working time of ``hours`` within the window, skipping closed days (holidays).

    A day counts by its date on the person's own clock; the window is cut on the campaign's clock.
    """
    tz = zone_info(hours.zone)
    lo, hi = window_bounds(rules)
    out: list[Interval] = []
    overnight = hours.end <= hours.start
    day = rules.first_day - timedelta(days=1)
    while day <= rules.last_day + timedelta(days=1):
        if day.weekday() in hours.days and day not in rules.closed_days:
            start = local_minute(day, hours.start, tz)
            end_day = day + timedelta(days=1) if overnight else day
            end = local_minute(end_day, hours.end, tz)
            start, end = max(start, lo), min(end, hi)
            if start < end:
                out.append((start, end))
        day += timedelta(days=1)
    return tuple(merge(out))


def blocking_intervals(busy: tuple[BusyBlock, ...]) -> list[Interval]:
    """The merged busy, tentative, out-of-office (and unknown) time; working elsewhere is free."""
    # The hot loop of a large round (hundreds of items per person): plain arithmetic only.
    spans: list[tuple[int, int]] = []
    append = spans.append
    for block in busy:
        status = block.status
        if status is _FREE or status is _ELSEWHERE:
            continue
        append((int(block.start.timestamp() // 60), -int(-block.end.timestamp() // 60)))
    return merge(spans)


def free_intervals(
    person: Person, rules: Rules, extra: list[Interval] | None = None, min_length: int = 1
) -> list[Interval]:
    """Working time minus blocking busy time (and ``extra`` busy minutes), keeping only the
    intervals at least ``min_length`` minutes long."""
    hours = person.working_hours or rules.fallback_hours
    blocked = blocking_intervals(person.busy)
    if extra:
        blocked = merge([*blocked, *extra])
    return at_least(subtract(working_intervals(hours, rules), blocked), min_length)


def local_date(minute: int, tz: tzinfo) -> date:
    return datetime.fromtimestamp(minute * 60, tz=tz).date()


def day_bounds(day: date, tz: tzinfo) -> Interval:
    """The local day ``day`` in ``tz`` as minutes (23 or 25 hours long on DST days)."""
    return local_minute(day, time(0), tz), local_minute(day + timedelta(days=1), time(0), tz)
