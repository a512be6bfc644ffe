"""Small builders for scheduling tests: Stockholm clock times, rules, people."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from plugin.scheduling import Booking, BusyBlock, BusyStatus, Person, Proposal, Rules, WorkingHours

STHLM = ZoneInfo("Europe/Stockholm")
UTC = timezone.utc
OFFICE = WorkingHours(frozenset(range(5)), time(8), time(17), "W. Europe Standard Time")


def local(day: date, hh: int, mm: int = 0) -> datetime:
    """A Stockholm clock time (aware)."""
    return datetime.combine(day, time(hh, mm), tzinfo=STHLM)


def rules(first: date, last: date, **changes: object) -> Rules:
    base = Rules(
        first_day=first,
        last_day=last,
        zone="Europe/Stockholm",
        duration=timedelta(minutes=60),
        buffer=timedelta(minutes=15),
        max_per_day=3,
        fallback_hours=OFFICE,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def busy(start: datetime, end: datetime, status: BusyStatus = BusyStatus.BUSY) -> BusyBlock:
    return BusyBlock(start, end, status)


def free_only(pid: str, day: date, start: tuple[int, int], end: tuple[int, int], hours: WorkingHours = OFFICE) -> Person:
    """A person busy all of ``day`` except ``start``..``end`` (Stockholm clock)."""
    return Person(
        pid,
        hours,
        (busy(local(day, 0), local(day, *start)), busy(local(day, *end), local(day, 23, 59))),
    )


def as_booking(p: Proposal) -> Booking:
    return Booking(p.employee_id, p.start, p.end)
