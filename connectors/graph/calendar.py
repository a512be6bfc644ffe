"""Free/busy and the events samtal books, as named methods with typed results.

Facts: docs/graph.md#free-and-busy-time, docs/graph.md#events, docs/graph.md#time-zones. Failures
it is built against: docs/failures.md#duplicates-and-batching, docs/failures.md#a6 and
docs/failures.md#calendar-and-time-zones.

- ``getSchedule`` takes at most 20 addresses and a window under 62 days; longer lists and
  windows are split here and merged per address. An unknown address is an ``error`` inside the
  200, not a failure of the call. It is a read, so it is safe to repeat.
- Every call sends ``Prefer: outlook.timezone="UTC"``, and every returned time is still read by
  the ``timeZone`` Graph wrote beside it (the header is ignored on some answers: docs/failures.md#c1,
  docs/failures.md#c4).
- Creating an event sends the invitations. A create whose connection dropped may have happened:
  it is never blindly repeated. samtal sends a ``transactionId`` and tags the event with its own
  single-value extended property, looks for the tag after a failure, and only then sends the
  same create again (docs/failures.md#t16, docs/failures.md#t17). Events are keyed on the tag,
  not on the changeable ``id`` (docs/failures.md#t18).
- Delete (204) and cancel (202) send cancellations; a missing event counts as done for both.
- A mailbox Outlook cannot reach raises :class:`~connectors.graph.errors.MailboxUnavailable`
  (``MailboxNotEnabledForRESTAPI``, docs/failures.md#a6); a mailbox an access policy excludes raises
  :class:`~connectors.graph.errors.Forbidden` with a permanent outcome (``ErrorAccessDenied``).
  Both are decided in :mod:`connectors.graph.errors`.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from connectors.graph import errors
from connectors.graph.addresses import address_key
from connectors.graph.batch import BatchRequest, BatchResult, execute_batch
from connectors.graph.create_once import create_once
from connectors.graph.calendar_records import (
    TAG_PROPERTY_ID, AttendeeStatus, BusyItem, Event, EventDraft, Schedule, WorkingHours,
    attendees_from_json, busy_item_from_json, event_from_json, schedule_error_from_json,
    working_hours_from_json,
)
from connectors.graph.calendar_times import malformed, to_date_time_zone
from connectors.graph.directory import user_path
from connectors.graph.http import GraphHttp, encode_query

log = logging.getLogger(__name__)

MAX_SCHEDULES = 20                # addresses per getSchedule call (docs/graph.md#free-and-busy-time)
MAX_WINDOW = timedelta(days=61)   # the window must be *less than* 62 days
MIN_INTERVAL, MAX_INTERVAL = 5, 1440
MAX_CREATE_ATTEMPTS = 3
PREFER_UTC = {"Prefer": 'outlook.timezone="UTC"'}
EVENT_FIELDS = ("id,iCalUId,subject,start,end,isAllDay,isCancelled,organizer,attendees,"
                "transactionId,webLink,onlineMeeting")
TAG_EXPAND = f"singleValueExtendedProperties($filter=id eq '{TAG_PROPERTY_ID}')"
# Events a page when listing a campaign's meetings: Outlook's page size is 1 to 1000 (List
# messages: "Use $top to customize the page size, within the range of 1 and 1000",
# https://learn.microsoft.com/graph/api/user-list-messages); the List events page names no other
# maximum (https://learn.microsoft.com/graph/api/user-list-events), and "the maximum depends on
# the corresponding API" (https://learn.microsoft.com/graph/query-parameters#top). The pages
# hold only tagged events and a few fields; further pages are followed in any case.
EVENT_PAGE = 1000
MISSING_SCHEDULE = "NoScheduleReturned"  # Graph's answer had no entry for the address


def _odata_string(value: str) -> str:
    """An OData string literal: single quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def split_window(start: datetime, end: datetime,
                 longest: timedelta = MAX_WINDOW) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` cut into consecutive windows no longer than ``longest``."""
    windows: list[tuple[datetime, datetime]] = []
    cursor = start
    while cursor < end:
        stop = min(end, cursor + longest)
        windows.append((cursor, stop))
        cursor = stop
    return windows


# availabilityView digits (docs/graph.md#free-and-busy-time): 0 free, 1 tentative, 2 busy, 3 oof, 4 workingElsewhere
VIEW_STATUS = {"1": "tentative", "2": "busy", "3": "oof", "4": "workingElsewhere"}
_NOT_FREE = re.compile(r"[^0]+")
_VIEW_RUNS = re.compile(r"(.)\1*")  # runs of one digit


class _Merged:
    """One address's schedule being assembled from several getSchedule answers."""

    def __init__(self) -> None:
        self.items: dict[tuple[datetime, datetime, str], BusyItem] = {}
        self.working_hours: WorkingHours | None = None
        self.error: str | None = None
        self.seen = False

    def add(self, info: Mapping[str, Any], view_from: tuple[datetime, int] | None = None) -> None:
        self.seen = True
        error = schedule_error_from_json(info.get("error"))
        if error is not None and self.error is None:
            self.error = error
        if self.working_hours is None:
            self.working_hours = working_hours_from_json(info.get("workingHours"))
        if view_from is not None:
            self._add_view(str(info.get("availabilityView") or ""), *view_from)
            return
        raw_items = info.get("scheduleItems") or []
        if not isinstance(raw_items, list):
            raise malformed("scheduleItems is not a list")
        for raw in raw_items:
            item = busy_item_from_json(raw)
            if item is not None:  # an item spanning two windows comes back in both: keep one
                self.items.setdefault((item.start, item.end, item.status), item)

    def _add_view(self, view: str, start: datetime, minutes: int) -> None:
        """Busy time from ``availabilityView`` (one digit per interval from ``start``): runs of
        the same non-free digit become one item, rounded out to whole intervals."""
        step = timedelta(minutes=minutes)
        for span in _NOT_FREE.finditer(view):  # mostly free: find the busy stretches first
            text, offset = span.group(), span.start()
            runs = [(0, len(text))] if text.count(text[0]) == len(text) else \
                [(r.start(), r.end()) for r in _VIEW_RUNS.finditer(text)]
            for first, last in runs:
                status = VIEW_STATUS.get(text[first])
                if status is not None:
                    item = BusyItem(start + (offset + first) * step, start + (offset + last) * step, status)
                    self.items.setdefault((item.start, item.end, item.status), item)

    def schedule(self, address: str) -> Schedule:
        items = tuple(sorted(self.items.values(), key=lambda i: (i.start, i.end, i.status)))
        error = self.error if self.seen else MISSING_SCHEDULE
        return Schedule(address=address, items=items, working_hours=self.working_hours,
                        error=error)


class Calendar:
    """Named calendar operations over one :class:`GraphHttp`. ``user`` is an id or a UPN."""

    def __init__(self, http: GraphHttp) -> None:
        self.http = http

    # ------------------------------------------------------------------ free/busy
    def get_schedules(
        self,
        organizer: str,
        addresses: Sequence[str],
        start: datetime,
        end: datetime,
        *,
        interval_minutes: int = 30,
        from_view: bool = False,
    ) -> dict[str, Schedule]:
        """Free/busy of ``addresses`` in ``[start, end)``, keyed by the addresses as given.

        ``from_view=True`` reads busy time from ``availabilityView`` (one digit per
        ``interval_minutes``) instead of parsing every ``scheduleItem``: much cheaper for long
        windows, exact to the interval and never less busy than the items (a slot that is partly
        busy counts as busy).

        Asked through ``organizer``'s mailbox, in calls of at most 20 addresses and windows
        under 62 days. An address Graph could not resolve gets a :class:`Schedule` with
        ``error`` set to Graph's ``responseCode`` (``"5009"`` as reported,
        docs/graph.md#free-and-busy-time) rather than an exception.
        """
        if isinstance(addresses, str):
            raise TypeError("addresses must be a sequence of addresses, not one string")
        for name, value in (("start", start), ("end", end)):
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"get_schedules: {name} must be an aware datetime")
        if end <= start:
            raise ValueError("get_schedules: end must be after start")
        if not MIN_INTERVAL <= interval_minutes <= MAX_INTERVAL:
            raise ValueError(f"interval_minutes must be {MIN_INTERVAL}..{MAX_INTERVAL}")
        wanted: dict[str, str] = {}
        for address in addresses:
            if not isinstance(address, str) or "@" not in address:
                raise ValueError(f"not an e-mail address: {address!r}")
            wanted.setdefault(address_key(address), address.strip())
        if not wanted:
            return {}
        merged = {key: _Merged() for key in wanted}
        keys = list(wanted)
        path = user_path(organizer) + "/calendar/getSchedule"
        for w_start, w_end in split_window(start, end):
            for i in range(0, len(keys), MAX_SCHEDULES):
                chunk = [wanted[k] for k in keys[i:i + MAX_SCHEDULES]]
                body = {
                    "schedules": chunk,
                    "startTime": to_date_time_zone(w_start, "UTC"),
                    "endTime": to_date_time_zone(w_end, "UTC"),
                    "availabilityViewInterval": interval_minutes,
                }
                resp = self.http.post(path, json=body, headers=PREFER_UTC, idempotent=True,
                                      mailbox=organizer)
                values = resp.json_object().get("value")
                if not isinstance(values, list):
                    raise malformed("a getSchedule answer without a 'value' list")
                for info in values:
                    sid = info.get("scheduleId") if isinstance(info, Mapping) else None
                    if isinstance(sid, str) and address_key(sid) in merged:
                        merged[address_key(sid)].add(
                            info, (w_start, interval_minutes) if from_view else None)
                    else:
                        log.debug("getSchedule returned an entry for an address not asked for")
        return {wanted[k]: merged[k].schedule(wanted[k]) for k in keys}

    # ------------------------------------------------------------------ events
    def _events(self, user: str) -> str:
        return user_path(user) + "/events"

    def _event(self, user: str, event_id: str) -> str:
        if not event_id or not event_id.strip():
            raise ValueError("an event id is required")
        return self._events(user) + "/" + quote(event_id, safe="=")

    def create_event(self, user: str, draft: EventDraft) -> Event:
        """Book ``draft`` in ``user``'s calendar (invitations go out), never twice.

        When the POST's fate is unknown (connection dropped after sending, or a 5xx), the
        event is looked up by its tag; if it is there it is returned, otherwise the same create
        (same ``transactionId``) is sent again, at most :data:`MAX_CREATE_ATTEMPTS` times.
        """
        body = self._create_body(draft)
        last: errors.GraphError | None = None
        for attempt in range(1, MAX_CREATE_ATTEMPTS + 1):
            try:
                resp = self.http.post(self._events(user), json=body, headers=PREFER_UTC,
                                      mailbox=user)
            except errors.TransportError as err:
                if not err.maybe_applied:
                    raise  # certainly not applied, and the HTTP layer already retried it
                last = err
            except errors.ServerError as err:
                last = err
            else:
                event = event_from_json(resp.json_object())
                # The create answer carries no extended properties unless expanded: the tag
                # is the one just written.
                return event if event.tag else dataclasses.replace(event, tag=draft.tag)
            log.info("creating an event failed (attempt %d: %s); looking for it by its tag",
                     attempt, type(last).__name__)
            found = self._find_created(user, draft)
            if found is not None:
                return found
        assert last is not None
        last.message += f" (event not created after {MAX_CREATE_ATTEMPTS} attempts)"
        raise last

    def _find_created(self, user: str, draft: EventDraft) -> Event | None:
        return _created(self.find_events_by_tag(user, draft.tag), draft)

    @staticmethod
    def _create_body(draft: EventDraft) -> dict[str, Any]:
        attendees = []
        for address, name in draft.attendees:
            email: dict[str, str] = {"address": address}
            if name:
                email["name"] = name
            attendees.append({"emailAddress": email, "type": "required"})
        body: dict[str, Any] = {
            "subject": draft.subject,
            "body": {"contentType": "HTML", "content": draft.body_html},
            "start": to_date_time_zone(draft.start, draft.time_zone),
            "end": to_date_time_zone(draft.end, draft.time_zone),
            "attendees": attendees,
            "allowNewTimeProposals": draft.allow_new_time_proposals,
            "isOnlineMeeting": draft.online_meeting,
            "categories": list(draft.categories),
            "transactionId": draft.transaction_id,
            "singleValueExtendedProperties": [{"id": TAG_PROPERTY_ID, "value": draft.tag}],
        }
        if draft.online_meeting:
            body["onlineMeetingProvider"] = "teamsForBusiness"
        if draft.location:
            body["location"] = {"displayName": draft.location}
        return body

    def get_event(self, user: str, event_id: str) -> Event:
        """One event with its tag; raises :class:`~connectors.graph.errors.NotFound`."""
        resp = self.http.get(self._event(user, event_id),
                             params={"$select": EVENT_FIELDS, "$expand": TAG_EXPAND},
                             headers=PREFER_UTC, mailbox=user)
        return event_from_json(resp.json_object())

    def get_events(self, pairs: Sequence[tuple[str, str]]) -> list[Event | errors.GraphError]:
        """:meth:`get_event` for many ``(user, event_id)`` pairs in ``$batch`` calls: one answer
        per pair, in order, the event or the error that one read met (an event that is gone:
        :class:`~connectors.graph.errors.NotFound`)."""
        query = "?" + encode_query({"$select": EVENT_FIELDS, "$expand": TAG_EXPAND})
        results = execute_batch(self.http, [
            BatchRequest(str(i), "GET", self._event(user, event_id) + query, headers=PREFER_UTC)
            for i, (user, event_id) in enumerate(pairs)])
        out: list[Event | errors.GraphError] = []
        for i in range(len(pairs)):
            res = results[str(i)]
            try:
                res.raise_for_error()
                out.append(event_from_json(res.body if isinstance(res.body, dict) else {}))
            except errors.GraphError as err:
                out.append(err)
        return out

    def find_events_by_tag(self, user: str, tag: str) -> list[Event]:
        """The events in ``user``'s calendar carrying samtal's tag ``tag`` (all pages)."""
        return [event_from_json(item) for item in
                self.http.paginate(self._events(user), params=_tag_query(tag), headers=PREFER_UTC,
                                   mailbox=user)]

    def find_events_by_tags(self, pairs: Sequence[tuple[str, str]]) -> list[list[Event] | errors.GraphError]:
        """:meth:`find_events_by_tag` for many ``(user, tag)`` pairs in ``$batch`` calls.

        One answer per pair, in order: its events, or the error that one lookup met (the
        others are unaffected). A lookup with more than one page follows its
        ``@odata.nextLink`` on its own.
        """
        requests = [BatchRequest(str(i), "GET", self._events(user) + "?" + encode_query(_tag_query(tag)),
                                 headers=PREFER_UTC)
                    for i, (user, tag) in enumerate(pairs)]
        results = execute_batch(self.http, requests)
        out: list[list[Event] | errors.GraphError] = []
        for i, (user, _) in enumerate(pairs):
            res = results[str(i)]
            try:
                out.append(self._events_of(res, user))
            except errors.GraphError as err:
                out.append(err)
        return out

    def find_events_by_tag_prefix(self, users: Sequence[str],
                                  prefix: str) -> list[list[Event] | errors.GraphError]:
        """The events in each of ``users``' calendars whose tag starts with ``prefix`` (a
        campaign's meetings: ``"2027:"``), one listing per user in ``$batch`` calls.

        One answer per user, in order: the events (each with its tag, read from the expanded
        property), or the error that one listing met (the others are unaffected). Graph compares
        a string property's value without case (docs/graph.md#events): an event is kept when its
        tag starts with ``prefix`` in any case, as Graph matched it. Each listing asks for
        :data:`EVENT_PAGE` events a page and follows its ``@odata.nextLink`` on its own.
        """
        query = "?" + encode_query(_prefix_query(prefix))
        results = execute_batch(self.http, [
            BatchRequest(str(i), "GET", self._events(user) + query, headers=PREFER_UTC)
            for i, user in enumerate(users)])
        out: list[list[Event] | errors.GraphError] = []
        for i, user in enumerate(users):
            try:
                out.append([e for e in self._events_of(results[str(i)], user)
                            if e.tag is not None and e.tag.lower().startswith(prefix.lower())])
            except errors.GraphError as err:
                out.append(err)
        return out

    def _events_of(self, res: BatchResult, user: str) -> list[Event]:
        res.raise_for_error()
        if not isinstance(res.body, dict) or not isinstance(res.body.get("value"), list):
            raise malformed("an events answer without a 'value' list")
        events = [event_from_json(item) for item in res.body["value"]]
        next_link = res.body.get("@odata.nextLink")
        if isinstance(next_link, str) and next_link:
            events += [event_from_json(item) for item in
                       self.http.paginate(next_link, headers=PREFER_UTC, mailbox=user)]
        return events

    def create_events(self, items: Sequence[tuple[str, EventDraft]]) -> list[Event | errors.GraphError]:
        """:meth:`create_event` for many ``(user, draft)`` pairs in ``$batch`` calls, never twice.

        One answer per pair, in order. An item whose fate is unknown (5xx, left out of the
        answer, or the whole ``$batch`` dropped after sending) is looked up by its tag; only
        when it is not there is the same create (same ``transactionId``) sent again, at most
        :data:`MAX_CREATE_ATTEMPTS` times in all.
        """
        tags = [draft.tag for _, draft in items]
        if len(set(tags)) != len(tags):
            raise ValueError("create_events: two drafts carry the same tag")
        def request(i: int) -> BatchRequest:
            return BatchRequest(str(i), "POST", self._events(items[i][0]), body=self._create_body(items[i][1]),
                                headers=PREFER_UTC)

        def parse(i: int, body: Any) -> Event:
            event = event_from_json(body if isinstance(body, dict) else {})
            return event if event.tag else dataclasses.replace(event, tag=items[i][1].tag)

        def lookup(indices: Sequence[int]) -> dict[int, Event | None | errors.GraphError]:
            found = self.find_events_by_tags([(items[i][0], items[i][1].tag) for i in indices])
            return {i: events if isinstance(events, errors.GraphError) else _created(events, items[i][1])
                    for i, events in zip(indices, found)}

        return create_once(self.http, len(items), request=request, parse=parse, lookup=lookup,
                           attempts=MAX_CREATE_ATTEMPTS, what="event")

    def update_event(
        self,
        user: str,
        event_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        time_zone: str | None = None,
        subject: str | None = None,
        body_html: str | None = None,
    ) -> Event:
        """PATCH only the given fields (attendees get an update), then read the event back.

        ``start``/``end`` need ``time_zone`` (the zone they are written in).
        """
        patch: dict[str, Any] = {}
        if start is not None or end is not None:
            if time_zone is None:
                raise ValueError("update_event: give time_zone with start/end")
            if start is not None and end is not None and end <= start:
                raise ValueError("update_event: end must be after start")
            if start is not None:
                patch["start"] = to_date_time_zone(start, time_zone)
            if end is not None:
                patch["end"] = to_date_time_zone(end, time_zone)
        elif time_zone is not None:
            raise ValueError("update_event: time_zone only makes sense with start or end")
        if subject is not None:
            patch["subject"] = subject
        if body_html is not None:
            patch["body"] = {"contentType": "HTML", "content": body_html}
        if not patch:
            raise ValueError("update_event: nothing to change")
        self.http.patch(self._event(user, event_id), json=patch, headers=PREFER_UTC,
                        mailbox=user)
        # The PATCH answer has no extended properties and its zone echo is not to be trusted
        # (docs/failures.md#c1): the event is read back as get_event reads it.
        return self.get_event(user, event_id)

    def cancel_event(self, user: str, event_id: str, comment: str) -> None:
        """Cancel as organizer, with a message to the attendees (202). Gone counts as done."""
        try:
            # Cancelling twice has the same effect as once, so it may be repeated.
            self.http.post(self._event(user, event_id) + "/cancel", json={"comment": comment},
                           idempotent=True, mailbox=user)
        except errors.NotFound as err:
            if isinstance(err, errors.MailboxUnavailable):
                raise
            log.info("event to cancel was already gone (%s)", err.code)

    def delete_event(self, user: str, event_id: str) -> None:
        """Delete (204; attendees get a cancellation). A missing event counts as done."""
        try:
            self.http.delete(self._event(user, event_id), mailbox=user)
        except errors.NotFound as err:
            if isinstance(err, errors.MailboxUnavailable):
                raise
            log.info("event to delete was already gone (%s)", err.code)

    def attendee_responses(self, user: str, event_id: str) -> tuple[AttendeeStatus, ...]:
        """The attendees' answers to an event, cheaply."""
        resp = self.http.get(self._event(user, event_id),
                             params={"$select": "attendees,isCancelled"},
                             headers=PREFER_UTC, mailbox=user)
        return attendees_from_json(resp.json_object())


def _tag_query(tag: str) -> dict[str, str]:
    if not tag or not tag.strip():
        raise ValueError("a tag is required")
    return {
        "$filter": (f"singleValueExtendedProperties/Any(ep: ep/id eq "
                    f"{_odata_string(TAG_PROPERTY_ID)} and ep/value eq {_odata_string(tag)})"),
        "$expand": TAG_EXPAND,
        "$select": EVENT_FIELDS,
    }


def _prefix_query(prefix: str) -> dict[str, str]:
    # "For string-typed extended properties, apply a contains, startswith, eq, or ne operator
    # on value" (https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get).
    if not prefix or not prefix.strip():
        raise ValueError("a tag prefix is required")
    return {
        "$filter": (f"singleValueExtendedProperties/Any(ep: ep/id eq {_odata_string(TAG_PROPERTY_ID)} "
                    f"and startswith(ep/value, {_odata_string(prefix)}))"),
        "$expand": TAG_EXPAND,
        "$select": EVENT_FIELDS,
        "$top": str(EVENT_PAGE),
    }


def _created(events: Sequence[Event], draft: EventDraft) -> Event | None:
    """The live event a create of ``draft`` left, among the events carrying its tag."""
    candidates = [e for e in events if not e.is_cancelled]
    if not candidates:
        return None
    exact = [e for e in candidates if e.transaction_id == draft.transaction_id]
    if exact:
        return exact[0]
    log.warning("an event with this talk's tag exists from another create; using it "
                "instead of booking a second one")
    return candidates[0]


__all__ = [
    "Calendar", "Schedule", "BusyItem", "WorkingHours", "Event", "EventDraft", "AttendeeStatus",
    "TAG_PROPERTY_ID", "split_window",
]
