"""Outlook's ``dateTimeTimeZone`` values and time-zone objects, to and from aware datetimes.

Facts (docs/graph.md#time-zones, docs/graph.md#events; docs/failures.md#calendar-and-time-zones):

- Graph writes ``dateTime`` with seven fractional digits and no offset
  (``"2027-03-26T08:00:00.0000000"``); the zone is the separate ``timeZone`` string, a Windows
  name, ``UTC`` or an IANA name. It is read in *that* zone, whatever zone was asked for.
- Outgoing times are sent as local wall-clock time plus a Windows zone name.
- ``workingHours.timeZone`` is an object: ``{"name": ...}`` or a ``customTimeZone`` with
  ``bias`` (minutes, UTC = local + bias) and ``standardOffset`` / ``daylightOffset`` transition
  rules (``month``, ``dayOccurrence`` 1–5 with 5 = last, ``dayOfWeek``, ``time``).
"""
from __future__ import annotations

import calendar as _cal
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from datetime import tzinfo as TzInfo
from typing import Any

from connectors.graph import errors
from connectors.timezones import UnknownTimeZone, resolve_zone

_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$")
_TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?$")
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Sent on every calendar call; the answer's times are still read by the ``timeZone`` Graph wrote
# beside each of them, as the header is ignored on some answers (docs/failures.md#c1,
# docs/failures.md#c4).
PREFER_UTC = {"Prefer": 'outlook.timezone="UTC"'}


def malformed(message: str) -> errors.GraphError:
    """An answer from Graph that samtal cannot read (permanent: it needs a person to look)."""
    return errors.GraphError(f"unexpected answer from Graph: {message}")


def zone_info(name: str) -> TzInfo:
    """The rules of a zone Graph named (Windows, IANA or UTC)."""
    try:
        zone = resolve_zone(name)
        return resolve_zone(zone.windows).tzinfo  # the Windows zone's rules: what Exchange uses
    except UnknownTimeZone as err:
        raise malformed(f"a time in the unknown zone {name!r}") from err


def parse_date_time(text: str, zone_name: str | None) -> datetime:
    """An aware UTC datetime from Graph's ``dateTime`` text read in ``zone_name``.

    Digits past the sixth fractional one (Graph sends seven) are dropped; an explicit offset
    or ``Z`` in the text wins over the zone name.
    """
    m = _DATE_TIME.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise malformed(f"a dateTime Graph sent could not be read: {text!r}")
    year, month, day, hour, minute = (int(m.group(i)) for i in range(1, 6))
    second = int(m.group(6) or 0)
    micro = int((m.group(7) or "0")[:6].ljust(6, "0"))
    offset = m.group(8)
    zone: TzInfo
    if offset:
        if offset == "Z":
            zone = timezone.utc
        else:
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    elif zone_name:
        zone = zone_info(zone_name)
    else:
        raise malformed(f"a dateTime without a time zone: {text!r}")
    try:
        local = datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
    except ValueError as err:
        raise malformed(f"an impossible dateTime {text!r}") from err
    return local.astimezone(timezone.utc)


def parse_date_time_zone(value: Any, what: str) -> datetime:
    """An aware UTC datetime from a ``{"dateTime", "timeZone"}`` object."""
    if not isinstance(value, Mapping) or not isinstance(value.get("dateTime"), str):
        raise malformed(f"{what} is not a dateTimeTimeZone object")
    zone = value.get("timeZone")
    return parse_date_time(value["dateTime"], zone if isinstance(zone, str) and zone else None)


def to_date_time_zone(moment: datetime, zone_name: str) -> dict[str, str]:
    """Graph's ``{"dateTime", "timeZone"}`` for an aware datetime, in a Windows zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a naive datetime cannot be sent to Outlook: {moment.isoformat()}")
    zone = resolve_zone(zone_name)  # raises UnknownTimeZone (a ValueError) for a bad label (docs/failures.md#c2)
    local = moment.astimezone(resolve_zone(zone.windows).tzinfo)
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": zone.windows}


def parse_time(text: Any, what: str) -> time:
    """``"08:00:00.0000000"`` → ``time(8, 0)``."""
    m = _TIME.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise malformed(f"{what} is not a time of day: {text!r}")
    try:
        return time(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))
    except ValueError as err:
        raise malformed(f"{what} is not a time of day: {text!r}") from err


@dataclass(frozen=True)
class Transition:
    """One yearly switch of a custom zone: the ``dayOccurrence``-th ``day`` of ``month``."""

    month: int
    occurrence: int
    weekday: int  # 0 = Monday
    at: time

    def on(self, year: int) -> datetime:
        """The naive local wall-clock moment of this switch in ``year``."""
        first_weekday, days_in_month = _cal.monthrange(year, self.month)
        first = 1 + (self.weekday - first_weekday) % 7
        day = first + 7 * (self.occurrence - 1)
        while day > days_in_month:  # occurrence 5 means "the last one"
            day -= 7
        return datetime.combine(date(year, self.month, day), self.at)


@dataclass(frozen=True)
class CustomTimeZone:
    """A ``customTimeZone`` from a mailbox's working hours, usable as a :class:`tzinfo`.

    ``standard_offset`` is local time minus UTC outside daylight time; ``daylight`` is None
    for a zone without daylight saving.
    """

    name: str
    standard_offset: timedelta
    daylight_offset: timedelta
    daylight_start: Transition | None
    standard_start: Transition | None

    def tzinfo(self) -> TzInfo:
        return _CustomTz(self)

    def offset_at(self, local: datetime) -> timedelta:
        """The UTC offset for a naive local wall-clock time."""
        if self.daylight_start is None or self.standard_start is None:
            return self.standard_offset
        begin = self.daylight_start.on(local.year)
        end = self.standard_start.on(local.year)
        naive = local.replace(tzinfo=None)
        in_daylight = begin <= naive < end if begin < end else not end <= naive < begin
        return self.daylight_offset if in_daylight else self.standard_offset


class _CustomTz(TzInfo):
    def __init__(self, zone: CustomTimeZone) -> None:
        self.zone = zone

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return self.zone.standard_offset if dt is None else self.zone.offset_at(dt)

    def dst(self, dt: datetime | None) -> timedelta:
        return self.utcoffset(dt) - self.zone.standard_offset

    def tzname(self, dt: datetime | None) -> str:
        return self.zone.name

    def fromutc(self, dt: datetime) -> datetime:
        naive = dt.replace(tzinfo=None)
        guess = naive + self.zone.standard_offset
        guess = naive + self.zone.offset_at(guess)
        return guess.replace(tzinfo=self)


def _transition(raw: Any) -> Transition | None:
    if not isinstance(raw, Mapping):
        return None
    month = raw.get("month")
    occurrence = raw.get("dayOccurrence")
    day = raw.get("dayOfWeek")
    if not isinstance(month, int) or not 1 <= month <= 12:
        return None  # month 0: the zone has no such switch
    if not isinstance(occurrence, int) or not 1 <= occurrence <= 5:
        raise malformed(f"a custom time zone with dayOccurrence {occurrence!r}")
    if not isinstance(day, str) or day.lower() not in _DAYS:
        raise malformed(f"a custom time zone with dayOfWeek {day!r}")
    at = parse_time(raw.get("time", "00:00:00"), "a custom time zone's switch time")
    return Transition(month, occurrence, _DAYS.index(day.lower()), at)


def _minutes(raw: Any, key: str) -> int:
    value = raw.get(key, 0) if isinstance(raw, Mapping) else 0
    if value is None:
        return 0
    if not isinstance(value, int):
        raise malformed(f"a custom time zone with {key} {value!r}")
    return value


def custom_time_zone(raw: Mapping[str, Any]) -> CustomTimeZone:
    """A :class:`CustomTimeZone` from Graph's ``customTimeZone`` object."""
    bias = _minutes(raw, "bias")
    standard = raw.get("standardOffset")
    daylight = raw.get("daylightOffset")
    standard_bias = bias + _minutes(standard, "bias")
    daylight_bias = bias + _minutes(daylight, "daylightBias")
    name = raw.get("name")
    return CustomTimeZone(
        name=name if isinstance(name, str) and name else "Customized Time Zone",
        standard_offset=timedelta(minutes=-standard_bias),
        daylight_offset=timedelta(minutes=-daylight_bias),
        daylight_start=_transition(daylight),
        standard_start=_transition(standard),
    )
