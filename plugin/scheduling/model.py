"""Input and output of the slot search, as frozen values.

The reconcile loop fills these from getSchedule (``scheduleItems`` and ``workingHours``, see
docs/graph.md#free-and-busy-time) and from the records; the planner never sees Graph JSON. All
datetimes are aware; zone names may be Windows or IANA and are resolved with
:mod:`connectors.timezones`, never compared as strings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from typing import Literal


class BusyStatus(str, Enum):
    """getSchedule's ``scheduleItem.status`` values (docs/graph.md#free-and-busy-time)."""

    FREE = "free"
    TENTATIVE = "tentative"
    BUSY = "busy"
    OOF = "oof"
    WORKING_ELSEWHERE = "workingElsewhere"
    UNKNOWN = "unknown"

    @property
    def blocks(self) -> bool:
        """Whether a talk may not overlap it: busy, tentative, out of office, and unknown
        (unknown is taken as busy, the safe reading); free and working elsewhere do not block."""
        return self not in (BusyStatus.FREE, BusyStatus.WORKING_ELSEWHERE)


def _require_aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"expected an aware datetime, got naive {moment.isoformat()}")


@dataclass(frozen=True)
class BusyBlock:
    """One item of a person's free/busy. ``event_id`` is known for samtal's own talks."""

    start: datetime
    end: datetime
    status: BusyStatus = BusyStatus.BUSY
    event_id: str | None = None

    def __post_init__(self) -> None:
        _require_aware(self.start, self.end)
        if self.end < self.start:
            raise ValueError(f"busy block ends before it starts: {self.start} > {self.end}")


@dataclass(frozen=True)
class WorkingHours:
    """A person's working week: days (Monday is 0), start and end on the clock of ``zone``.

    ``end`` at or before ``start`` means the working day ends after midnight.
    """

    days: frozenset[int]
    start: time
    end: time
    zone: str  # Windows ("W. Europe Standard Time") or IANA ("Europe/Stockholm")


@dataclass(frozen=True)
class Person:
    """A manager or employee as the planner sees them."""

    id: str
    working_hours: WorkingHours | None = None  # None: the campaign's fallback hours
    busy: tuple[BusyBlock, ...] = ()


@dataclass(frozen=True)
class Booking:
    """A talk already in the manager's calendar; it stays put and counts for the day."""

    employee_id: str
    start: datetime
    end: datetime
    event_id: str | None = None

    def __post_init__(self) -> None:
        _require_aware(self.start, self.end)


@dataclass(frozen=True)
class Team:
    """A manager with the employees still to be placed and the talks already booked."""

    manager: Person
    employees: tuple[Person, ...]
    booked: tuple[Booking, ...] = ()


@dataclass(frozen=True)
class Rules:
    """The campaign's constraints (README.md#configuration)."""

    first_day: date  # window start, inclusive, in ``zone``
    last_day: date  # window end, inclusive
    zone: str  # the campaign's zone: the window's days are days on its clock
    duration: timedelta
    buffer: timedelta
    max_per_day: int  # talks per manager per day (on the manager's clock)
    fallback_hours: WorkingHours
    closed_days: frozenset[date] = frozenset()  # holidays: no talk on these dates, anyone's clock
    not_before: datetime | None = None  # now plus notice: nothing is proposed earlier
    spread: Literal["even", "early"] = "even"
    step: timedelta = field(default=timedelta(minutes=15))  # slot starts lie on this grid (UTC)

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError("the window ends before it starts")
        if self.duration <= timedelta(0) or self.step <= timedelta(0) or self.buffer < timedelta(0):
            raise ValueError("duration and step must be positive, buffer not negative")
        if self.max_per_day < 1:
            raise ValueError("max_per_day must be at least 1")
        if self.not_before is not None:
            _require_aware(self.not_before)


@dataclass(frozen=True)
class Proposal:
    """A proposed time for one employee's talk, in UTC."""

    employee_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Unschedulable:
    """No slot found; ``reason`` is readable and goes to the record's ``Note``."""

    employee_id: str
    reason: str


Outcome = Proposal | Unschedulable


@dataclass(frozen=True)
class TeamPlan:
    """The outcome for every employee of one team, in the order they were placed."""

    manager_id: str
    outcomes: tuple[Outcome, ...]

    def proposals(self) -> tuple[Proposal, ...]:
        return tuple(o for o in self.outcomes if isinstance(o, Proposal))


UTC = timezone.utc
