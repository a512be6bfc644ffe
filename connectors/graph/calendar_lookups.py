"""Finding samtal's events: read back by id in ``$batch`` (:meth:`Calendar.get_events`), by a
talk's tag (:meth:`Calendar.find_events_by_tag`, :meth:`Calendar.find_events_by_tags`) and by
a campaign's tag prefix (:meth:`Calendar.find_events_by_tag_prefix`) in
:mod:`connectors.graph.calendar`.

Facts: docs/graph.md#events; failures docs/failures.md#duplicates-and-batching. Events are keyed
on samtal's own single-value extended property (the tag), not on the changeable ``id``
(docs/failures.md#t18); the property is found with ``$filter`` on
``singleValueExtendedProperties`` and read with ``$expand``. Graph compares a string property's
value without case. Every call sends ``Prefer: outlook.timezone="UTC"``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from connectors.graph import errors
from connectors.graph.batch import BatchRequest, BatchResult, execute_batch
from connectors.graph.calendar_records import (
    TAG_PROPERTY_ID, Event, event_from_json, event_path, events_path,
)
from connectors.graph.calendar_times import PREFER_UTC, malformed
from connectors.graph.http import encode_query

if TYPE_CHECKING:
    from connectors.graph.calendar import Calendar

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


def _odata_string(value: str) -> str:
    """An OData string literal: single quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def get_events(calendar: Calendar, pairs: Sequence[tuple[str, str]]) -> list[Event | errors.GraphError]:
    """:meth:`Calendar.get_events`: one GET per ``(user, event_id)`` in ``$batch`` calls."""
    query = "?" + encode_query({"$select": EVENT_FIELDS, "$expand": TAG_EXPAND})
    results = execute_batch(calendar.http, [
        BatchRequest(str(i), "GET", event_path(user, event_id) + query, headers=PREFER_UTC)
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


def find_events_by_tag(calendar: Calendar, user: str, tag: str) -> list[Event]:
    """:meth:`Calendar.find_events_by_tag`: one filtered listing, all pages."""
    return [event_from_json(item) for item in
            calendar.http.paginate(events_path(user), params=_tag_query(tag), headers=PREFER_UTC,
                                   mailbox=user)]


def find_events_by_tags(calendar: Calendar,
                        pairs: Sequence[tuple[str, str]]) -> list[list[Event] | errors.GraphError]:
    """:meth:`Calendar.find_events_by_tags`: one filtered listing per ``(user, tag)`` in
    ``$batch`` calls."""
    requests = [BatchRequest(str(i), "GET", events_path(user) + "?" + encode_query(_tag_query(tag)),
                             headers=PREFER_UTC)
                for i, (user, tag) in enumerate(pairs)]
    results = execute_batch(calendar.http, requests)
    out: list[list[Event] | errors.GraphError] = []
    for i, (user, _) in enumerate(pairs):
        res = results[str(i)]
        try:
            out.append(_events_of(calendar, res, user))
        except errors.GraphError as err:
            out.append(err)
    return out


def find_events_by_tag_prefix(calendar: Calendar, users: Sequence[str],
                              prefix: str) -> list[list[Event] | errors.GraphError]:
    """:meth:`Calendar.find_events_by_tag_prefix`: one listing per user in ``$batch`` calls, an
    event kept when its tag starts with ``prefix`` in any case, as Graph matched it."""
    query = "?" + encode_query(_prefix_query(prefix))
    results = execute_batch(calendar.http, [
        BatchRequest(str(i), "GET", events_path(user) + query, headers=PREFER_UTC)
        for i, user in enumerate(users)])
    out: list[list[Event] | errors.GraphError] = []
    for i, user in enumerate(users):
        try:
            out.append([e for e in _events_of(calendar, results[str(i)], user)
                        if e.tag is not None and e.tag.lower().startswith(prefix.lower())])
        except errors.GraphError as err:
            out.append(err)
    return out


def _events_of(calendar: Calendar, res: BatchResult, user: str) -> list[Event]:
    """The events of one listing answered in a ``$batch``, its further pages followed."""
    res.raise_for_error()
    if not isinstance(res.body, dict) or not isinstance(res.body.get("value"), list):
        raise malformed("an events answer without a 'value' list")
    events = [event_from_json(item) for item in res.body["value"]]
    next_link = res.body.get("@odata.nextLink")
    if isinstance(next_link, str) and next_link:
        events += [event_from_json(item) for item in
                   calendar.http.paginate(next_link, headers=PREFER_UTC, mailbox=user)]
    return events


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
