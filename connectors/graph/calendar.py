"""Free/busy and the events samtal books, as named methods with typed results.

:class:`Calendar` is the connector's face (``client.calendar``): creating events (one, or many
in ``$batch``), reading one, moving, cancelling and deleting them, and attendees' answers are
here; free/busy (``getSchedule``, split and merged) is in :mod:`connectors.graph.calendar_schedules`,
finding events (by id in ``$batch``, by tag, by a campaign's tag prefix) in
:mod:`connectors.graph.calendar_lookups`, the records every method returns (frozen, never Graph
JSON) in :mod:`connectors.graph.calendar_records` and Outlook's time values in
:mod:`connectors.graph.calendar_times`.

Facts: docs/graph.md#free-and-busy-time, docs/graph.md#events, docs/graph.md#time-zones. Failures
it is built against: docs/failures.md#duplicates-and-batching, docs/failures.md#a6 and
docs/failures.md#calendar-and-time-zones.

- ``getSchedule`` takes at most 20 addresses and a window under 62 days; longer lists and
  windows are split and merged per address (:mod:`connectors.graph.calendar_schedules`). An
  unknown address is an ``error`` inside the 200, not a failure of the call. It is a read, so
  it is safe to repeat.
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
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from connectors.graph import calendar_lookups, calendar_schedules, errors
from connectors.graph.batch import BatchRequest
from connectors.graph.calendar_lookups import EVENT_FIELDS, TAG_EXPAND
from connectors.graph.create_once import create_once
from connectors.graph.calendar_records import (
    TAG_PROPERTY_ID, AttendeeStatus, BusyItem, Event, EventDraft, Schedule, WorkingHours,
    attendees_from_json, event_from_json, event_path, events_path,
)
from connectors.graph.calendar_times import PREFER_UTC, to_date_time_zone
from connectors.graph.http import GraphHttp

log = logging.getLogger(__name__)

MAX_CREATE_ATTEMPTS = 3


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
        return calendar_schedules.get_schedules(self, organizer, addresses, start, end,
                                                interval_minutes=interval_minutes,
                                                from_view=from_view)

    # ------------------------------------------------------------------ events
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
                resp = self.http.post(events_path(user), json=body, headers=PREFER_UTC,
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
        resp = self.http.get(event_path(user, event_id),
                             params={"$select": EVENT_FIELDS, "$expand": TAG_EXPAND},
                             headers=PREFER_UTC, mailbox=user)
        return event_from_json(resp.json_object())

    def get_events(self, pairs: Sequence[tuple[str, str]]) -> list[Event | errors.GraphError]:
        """:meth:`get_event` for many ``(user, event_id)`` pairs in ``$batch`` calls: one answer
        per pair, in order, the event or the error that one read met (an event that is gone:
        :class:`~connectors.graph.errors.NotFound`)."""
        return calendar_lookups.get_events(self, pairs)

    def find_events_by_tag(self, user: str, tag: str) -> list[Event]:
        """The events in ``user``'s calendar carrying samtal's tag ``tag`` (all pages)."""
        return calendar_lookups.find_events_by_tag(self, user, tag)

    def find_events_by_tags(self, pairs: Sequence[tuple[str, str]]) -> list[list[Event] | errors.GraphError]:
        """:meth:`find_events_by_tag` for many ``(user, tag)`` pairs in ``$batch`` calls.

        One answer per pair, in order: its events, or the error that one lookup met (the
        others are unaffected). A lookup with more than one page follows its
        ``@odata.nextLink`` on its own.
        """
        return calendar_lookups.find_events_by_tags(self, pairs)

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
        return calendar_lookups.find_events_by_tag_prefix(self, users, prefix)

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
            return BatchRequest(str(i), "POST", events_path(items[i][0]), body=self._create_body(items[i][1]),
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
        self.http.patch(event_path(user, event_id), json=patch, headers=PREFER_UTC,
                        mailbox=user)
        # The PATCH answer has no extended properties and its zone echo is not to be trusted
        # (docs/failures.md#c1): the event is read back as get_event reads it.
        return self.get_event(user, event_id)

    def cancel_event(self, user: str, event_id: str, comment: str) -> None:
        """Cancel as organizer, with a message to the attendees (202). Gone counts as done."""
        try:
            # Cancelling twice has the same effect as once, so it may be repeated.
            self.http.post(event_path(user, event_id) + "/cancel", json={"comment": comment},
                           idempotent=True, mailbox=user)
        except errors.NotFound as err:
            if isinstance(err, errors.MailboxUnavailable):
                raise
            log.info("event to cancel was already gone (%s)", err.code)

    def delete_event(self, user: str, event_id: str) -> None:
        """Delete (204; attendees get a cancellation). A missing event counts as done."""
        try:
            self.http.delete(event_path(user, event_id), mailbox=user)
        except errors.NotFound as err:
            if isinstance(err, errors.MailboxUnavailable):
                raise
            log.info("event to delete was already gone (%s)", err.code)

    def attendee_responses(self, user: str, event_id: str) -> tuple[AttendeeStatus, ...]:
        """The attendees' answers to an event, cheaply."""
        resp = self.http.get(event_path(user, event_id),
                             params={"$select": "attendees,isCancelled"},
                             headers=PREFER_UTC, mailbox=user)
        return attendees_from_json(resp.json_object())


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
    "TAG_PROPERTY_ID",
]