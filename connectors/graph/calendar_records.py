"""Typed records of the calendar connector, and the only code that reads Outlook's JSON for them.

Shapes: docs/graph.md#free-and-busy-time (getSchedule) and docs/graph.md#events. Every time on a
record is an aware datetime in UTC, read from Graph by the ``timeZone`` Graph put beside it.
The paths of a user's events (:func:`events_path`, :func:`event_path`) are here too, for the
connector and the modules beside it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from datetime import tzinfo as TzInfo
from typing import Any
from urllib.parse import quote

from connectors.graph.calendar_times import (
    CustomTimeZone, custom_time_zone, malformed, parse_date_time_zone, parse_time, zone_info,
)
from connectors.graph.directory import user_path
from connectors.timezones import resolve_zone

# samtal's own single-value extended property on the events it creates. The GUID is a property
# set id chosen once for samtal (random, fixed forever: changing it would orphan every event
# already booked); the name says what the value is: the record key of the talk. Name matching
# in $filter is case-sensitive (docs/graph.md#events), so this exact string is used everywhere.
TAG_PROPERTY_ID = "String {feed13f3-197a-4d00-9c43-90c321a1472e} Name samtalKey"

BUSY_STATUSES = ("busy", "tentative", "oof", "workingElsewhere", "unknown")
RESPONSES = ("none", "organizer", "tentativelyAccepted", "accepted", "declined", "notResponded")
_RESPONSE_BY_LOWER = {r.lower(): r for r in RESPONSES}
_STATUS_BY_LOWER = {s.lower(): s for s in BUSY_STATUSES}


@dataclass(frozen=True)
class BusyItem:
    """Time a person is not free: ``status`` is busy, tentative, oof, workingElsewhere, unknown."""

    start: datetime
    end: datetime
    status: str


@dataclass(frozen=True)
class WorkingHours:
    """A mailbox's working hours. ``time_zone`` is the zone name as Graph gave it.

    ``custom`` holds the rules when the mailbox uses a ``customTimeZone`` (whose name, e.g.
    ``Customized Time Zone``, is not a zone anyone can look up).
    """

    days: tuple[str, ...]
    start: time
    end: time
    time_zone: str
    custom: CustomTimeZone | None = None

    @property
    def tzinfo(self) -> TzInfo:
        """The zone to read ``start``/``end`` in; raises for a name no table knows."""
        if self.custom is not None:
            return self.custom.tzinfo()
        return zone_info(self.time_zone)


@dataclass(frozen=True)
class Schedule:
    """Free/busy of one address. ``error`` is Graph's per-schedule error code, if any."""

    address: str
    items: tuple[BusyItem, ...] = ()
    working_hours: WorkingHours | None = None
    error: str | None = None


@dataclass(frozen=True)
class AttendeeStatus:
    """One attendee and their answer (camelCase, e.g. ``tentativelyAccepted``)."""

    address: str
    name: str
    type: str
    response: str


@dataclass(frozen=True)
class EventDraft:
    """An event samtal wants in the organizer's calendar.

    ``time_zone`` is the zone the event is written in (a Windows name, or an IANA name that is
    mapped to one); ``tag`` is the talk's record key, stored on the event as samtal's extended
    property; ``transaction_id`` lets Exchange drop a repeated create.
    """

    subject: str
    body_html: str
    start: datetime
    end: datetime
    time_zone: str
    attendees: tuple[tuple[str, str], ...]
    tag: str
    transaction_id: str
    location: str | None = None
    online_meeting: bool = False
    categories: tuple[str, ...] = ()
    allow_new_time_proposals: bool = True

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value: datetime = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"EventDraft.{name} must be an aware datetime")
        if self.end <= self.start:
            raise ValueError("EventDraft.end must be after start")
        if not self.tag.strip():
            raise ValueError("EventDraft.tag (the record key) is required")
        if not self.transaction_id.strip():
            raise ValueError("EventDraft.transaction_id is required")
        resolve_zone(self.time_zone)  # UnknownTimeZone before anything is sent (docs/failures.md#c2)
        for address, _name in self.attendees:
            if "@" not in address:
                raise ValueError(f"an attendee address without '@': {address!r}")


@dataclass(frozen=True)
class Event:
    """An Outlook event as samtal sees it; ``start``/``end`` are aware UTC."""

    id: str
    ical_uid: str | None
    subject: str
    start: datetime
    end: datetime
    is_cancelled: bool
    organizer: str | None
    attendees: tuple[AttendeeStatus, ...] = ()
    tag: str | None = None
    transaction_id: str | None = None
    web_link: str | None = None
    join_url: str | None = None
    is_all_day: bool = False


# ---------------------------------------------------------------------- JSON → records
def _text(obj: Any, key: str) -> str | None:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, str) and value else None


def _address(obj: Any) -> tuple[str | None, str]:
    email = obj.get("emailAddress") if isinstance(obj, Mapping) else None
    return _text(email, "address"), _text(email, "name") or ""


def attendee_from_json(raw: Any) -> AttendeeStatus | None:
    address, name = _address(raw)
    if address is None:
        return None  # a room or a group without an address: nothing samtal can act on
    response = _text(raw.get("status"), "response") or "none"
    return AttendeeStatus(address=address, name=name, type=_text(raw, "type") or "required",
                          response=_RESPONSE_BY_LOWER.get(response.lower(), response))


def attendees_from_json(body: Mapping[str, Any]) -> tuple[AttendeeStatus, ...]:
    raw = body.get("attendees")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise malformed("an event's attendees are not a list")
    return tuple(a for a in (attendee_from_json(x) for x in raw) if a is not None)


def tag_from_json(body: Mapping[str, Any]) -> str | None:
    """samtal's tag from an event expanded with its single-value extended properties."""
    props = body.get("singleValueExtendedProperties")
    if not isinstance(props, list):
        return None
    for prop in props:
        pid = _text(prop, "id")
        # Graph may echo the GUID in another case: compare ids case-insensitively.
        if pid is not None and pid.lower() == TAG_PROPERTY_ID.lower():
            return _text(prop, "value")
    return None


def event_from_json(body: Mapping[str, Any]) -> Event:
    """An :class:`Event` from Graph's event object; times normalised by their own zones."""
    event_id = _text(body, "id")
    if event_id is None:
        raise malformed("an event without an id")
    organizer, _ = _address(body.get("organizer"))
    meeting = body.get("onlineMeeting")
    return Event(
        id=event_id,
        ical_uid=_text(body, "iCalUId"),
        subject=_text(body, "subject") or "",
        start=parse_date_time_zone(body.get("start"), "an event's start"),
        end=parse_date_time_zone(body.get("end"), "an event's end"),
        is_cancelled=body.get("isCancelled") is True,
        organizer=organizer,
        attendees=attendees_from_json(body),
        tag=tag_from_json(body),
        transaction_id=_text(body, "transactionId"),
        web_link=_text(body, "webLink"),
        join_url=_text(meeting, "joinUrl"),
        is_all_day=body.get("isAllDay") is True,
    )


def working_hours_from_json(raw: Any) -> WorkingHours | None:
    if not isinstance(raw, Mapping):
        return None
    days = raw.get("daysOfWeek")
    if not isinstance(days, list) or not all(isinstance(d, str) for d in days):
        raise malformed("workingHours.daysOfWeek is not a list of day names")
    zone = raw.get("timeZone")
    custom: CustomTimeZone | None = None
    if isinstance(zone, Mapping):
        if "customTimeZone" in str(zone.get("@odata.type", "")) or "bias" in zone:
            custom = custom_time_zone(zone)
            name = custom.name
        else:
            name = _text(zone, "name") or ""
    elif isinstance(zone, str):  # tolerated: the documented shape is an object
        name = zone
    else:
        name = ""
    if not name:
        raise malformed("workingHours without a time zone")
    return WorkingHours(days=tuple(d.lower() for d in days),
                        start=parse_time(raw.get("startTime"), "workingHours.startTime"),
                        end=parse_time(raw.get("endTime"), "workingHours.endTime"),
                        time_zone=name, custom=custom)


def busy_item_from_json(raw: Any) -> BusyItem | None:
    """A :class:`BusyItem`, or None for a ``free`` item (it blocks nothing)."""
    if not isinstance(raw, Mapping):
        raise malformed("a scheduleItem is not an object")
    status = (_text(raw, "status") or "unknown")
    if status.lower() == "free":
        return None
    return BusyItem(start=parse_date_time_zone(raw.get("start"), "a scheduleItem's start"),
                    end=parse_date_time_zone(raw.get("end"), "a scheduleItem's end"),
                    status=_STATUS_BY_LOWER.get(status.lower(), "unknown"))


def schedule_error_from_json(raw: Any) -> str | None:
    """Graph's per-schedule error: its ``responseCode``, else its message."""
    if not isinstance(raw, Mapping):
        return None
    return _text(raw, "responseCode") or _text(raw, "message") or "unknown getSchedule error"


def events_path(user: str) -> str:
    """``/users/{user}/events``: a user's events (``user`` is an id or a UPN)."""
    return user_path(user) + "/events"


def event_path(user: str, event_id: str) -> str:
    """One event of ``user``'s, its id percent-encoded (``=`` kept)."""
    if not event_id or not event_id.strip():
        raise ValueError("an event id is required")
    return events_path(user) + "/" + quote(event_id, safe="=")
