"""Outlook events: create, get, list, calendarView, update, delete, cancel, accept/decline.

Facts copied (docs/graph.md#events): POST → 201; invitations become copies in
each attendee's calendar (same ``iCalUId``, ``isOrganizer: false``, shown tentative); the
attendee's Graph ``accept`` / ``decline`` / ``tentativelyAccept`` (202) update the organizer's
``attendees[].status`` with camelCase values; a time change resets the answers; DELETE by the
organizer (204) and ``cancel`` (202, organizer only) cancel the copies; ``transactionId`` returns
the existing event on a repeated POST in the same mailbox; ``body.contentType`` comes back
lower-case with HTML wrapped in ``<html>``; single-value extended properties only with
``$expand`` and findable with ``$filter=singleValueExtendedProperties/Any(...)`` by ``eq`` or
``startswith`` on the value, compared without case; a listing pages by ``$top`` (1..1000, default
10) and ``@odata.nextLink``; users without a
mailbox, or with one on-premises, → 404 ``MailboxNotEnabledForRESTAPI``; a mailbox outside the
app's application access policy → 403 ``ErrorAccessDenied``; an organiser whose calendar allows
no Teams meetings gets its event with ``isOnlineMeeting: false`` and no ``onlineMeeting``, whatever
was asked (docs/sandbox.md#user-variants). Free/busy lives in ``schedule.py``.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from connectors.sandbox import filters, odata, times
from connectors.sandbox.events import (
    IMPORTANCE, NEVER, PROVIDERS, SENSITIVITY, SHOW_AS, attendees, check_recurrence, enum, location, locations_of,
    render_event, svep_key,
)
from connectors.sandbox.errors import GraphError, event_not_found
from connectors.sandbox.http_types import Request, Response, empty, ok
from connectors.sandbox.router import route
from connectors.sandbox.seed import in_exchange_online
from connectors.sandbox.state import iso_z, iso_z7, utc_now

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

RESPONSES = {"accept": ("accepted", "busy"), "decline": ("declined", "free"),
             "tentativelyaccept": ("tentativelyAccepted", "tentative")}
# An event is found by its extended property with ``eq`` or ``startswith`` on the value ("For
# string-typed extended properties, apply a contains, startswith, eq, or ne operator on value";
# the value compares without case:
# https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get).
_ANY = re.compile(
    r"singleValueExtendedProperties/any\(\s*(?P<v>\w+)\s*:\s*(?P=v)/id\s+eq\s+'(?P<id>(?:[^']|'')*)'\s+and\s+"
    r"(?:(?P=v)/value\s+eq\s+'(?P<eq>(?:[^']|'')*)'|startswith\(\s*(?P=v)/value\s*,\s*'(?P<sw>(?:[^']|'')*)'\s*\))\s*\)",
    re.IGNORECASE)
_EVENT_FILTER = {"subject": "subject", "icaluid": "iCalUId", "iscancelled": "isCancelled",
                 "isorganizer": "isOrganizer", "start/datetime": "start", "end/datetime": "end",
                 "showas": "showAs", "transactionid": "transactionId", "type": "type"}
_PATCHABLE = ("subject", "body", "start", "end", "location", "locations", "attendees", "categories", "showAs",
              "allowNewTimeProposals", "isOnlineMeeting", "onlineMeetingProvider", "sensitivity",
              "importance", "isReminderOn", "reminderMinutesBeforeStart", "responseRequested",
              "singleValueExtendedProperties", "hideAttendees", "recurrence")


# What Graph answers for a mailbox on an Exchange server on-premises, as reported
# (https://github.com/microsoft/MicrosoftCloud/issues/41); for no mailbox at all users report
# "REST API is not yet supported for this mailbox." with the same code
# (https://github.com/O365/python-o365/issues/438), and so does an on-premises mailbox without an
# Exchange Online licence (https://github.com/microsoftgraph/microsoft-graph-docs/issues/10745).
ON_PREMISES = "The mailbox is either inactive, soft-deleted, or is hosted on-premise."
NO_MAILBOX = "REST API is not yet supported for this mailbox."
# A mailbox outside the app's application access policy: 403 ErrorAccessDenied, "Access to OData is
# disabled." (https://learn.microsoft.com/graph/auth-limit-mailbox-access, "Handling API errors";
# https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/8731).
OUTSIDE_POLICY = "Access to OData is disabled."


def mailbox(app: Sandbox, ref: str, *, as_app: bool = True) -> dict[str, Any]:
    """The user owning a mailbox, or the Graph error for an unknown user / no mailbox (none, or
    on-premises) / a mailbox the app's access policy leaves out (``as_app``: the app asks, not
    the person in Outlook)."""
    user = app.tenant.user(unquote(ref))
    if user is None:
        raise GraphError(404, "ErrorInvalidUser", f"The requested user '{unquote(ref)}' is invalid.")
    if not in_exchange_online(user):
        raise GraphError(404, "MailboxNotEnabledForRESTAPI",
                         ON_PREMISES if user["mailbox"] == "onprem" else NO_MAILBOX)
    if as_app and user["mailbox"] == "restricted":
        raise GraphError(403, "ErrorAccessDenied", OUTSIDE_POLICY)
    return user


def _online(body: dict[str, Any], organizer: dict[str, Any]) -> bool:
    """Whether an event asked to be a Teams meeting gets one: not when the organiser's calendar
    allows no online meeting provider; Graph then answers 201 with ``isOnlineMeeting: false``
    and ``onlineMeetingProvider: unknown``
    (https://github.com/microsoftgraph/microsoft-graph-docs/issues/9741;
    https://learn.microsoft.com/graph/outlook-calendar-online-meetings, on
    ``allowedOnlineMeetingProviders``)."""
    return bool(body.get("isOnlineMeeting", False)) and organizer.get("onlineMeetings", True) is not False


def _events(app: Sandbox, user: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = app.tenant.data["events"].setdefault(user["id"], {})
    return result


def _stamp(ev: dict[str, Any]) -> None:
    ev["version"] = ev.get("version", 0) + 1
    ev["changeKey"] = base64.b64encode(hashlib.sha256(f"{ev['id']}|{ev['version']}".encode()).digest()[:18]).decode()
    ev["lastModifiedDateTime"] = iso_z7()


def _times(body: dict[str, Any], ev: dict[str, Any]) -> None:
    for key in ("start", "end"):
        if key in body:
            ev[key] = times.stored(times.parse_instant(body[key], key))
            ev[f"original{key.title()}TimeZone"] = (body[key] or {}).get("timeZone") or "UTC"
    if ev["end"] < ev["start"]:
        raise GraphError(400, "ErrorInvalidRequest", "The end time of the event must be after its start time.")


def create_event(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user = mailbox(app, p["user"])
    body = req.json_object()
    events = _events(app, user)
    txn = body.get("transactionId")
    if txn:
        for earlier in events.values():
            if earlier.get("transactionId") == txn and earlier["isOrganizer"]:
                return ok(render_event(req, earlier, context=_entity_context(req, user), times_in="request"), 201)
    if "start" not in body or "end" not in body:
        raise GraphError(400, "ErrorInvalidRequest", "An event needs both start and end.")
    content = body.get("body") or {}
    kind = str(content.get("contentType") or "text").lower()
    if kind not in ("html", "text"):
        raise GraphError(400, "ErrorInvalidRequest", f"Invalid body contentType '{content.get('contentType')}'.")
    check_recurrence(body)
    place, places = locations_of(body) or (location(None), [])
    online = _online(body, user)
    now = iso_z7()
    ev_id = app.tenant.new_id("event")
    ev: dict[str, Any] = {
        "id": ev_id, "mailbox": user["id"], "createdDateTime": now,
        "iCalUId": "040000008200E00074C5B7101A82E008" + hashlib.sha256(ev_id.encode()).hexdigest()[:48].upper(),
        "subject": str(body.get("subject") or ""), "body": {"contentType": kind, "content": str(content.get("content") or "")},
        "categories": list(body.get("categories") or []), "location": place, "locations": places,
        "attendees": attendees(body.get("attendees")),
        "organizer": {"emailAddress": {"name": user["displayName"], "address": user["mail"]}},
        "isOrganizer": True, "isCancelled": False, "showAs": enum(body.get("showAs", "busy"), SHOW_AS, "showAs"),
        "responseStatus": {"response": "organizer", "time": NEVER},
        "allowNewTimeProposals": bool(body.get("allowNewTimeProposals", True)),
        "isOnlineMeeting": online,
        "onlineMeetingProvider": enum(body.get("onlineMeetingProvider") or "teamsForBusiness", PROVIDERS,
                                      "onlineMeetingProvider") if online else "unknown",
        "onlineMeeting": None, "sensitivity": enum(body.get("sensitivity", "normal"), SENSITIVITY, "sensitivity"),
        "importance": enum(body.get("importance", "normal"), IMPORTANCE, "importance"),
        "isReminderOn": bool(body.get("isReminderOn", True)),
        "reminderMinutesBeforeStart": int(body.get("reminderMinutesBeforeStart", 15)),
        "responseRequested": bool(body.get("responseRequested", True)), "hideAttendees": bool(body.get("hideAttendees", False)),
        "singleValueExtendedProperties": list(body.get("singleValueExtendedProperties") or []),
        "copies": {}, "start": "", "end": "",
    }
    if txn:
        ev["transactionId"] = str(txn)
    if ev["isOnlineMeeting"]:
        ev["onlineMeeting"] = {"joinUrl": f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{ev_id[6:30]}%40thread.v2/0"}
    _times(body, ev)
    _stamp(ev)
    events[ev_id] = ev
    _sync_copies(app, ev)
    # Answered in the request's own zones: Prefer: outlook.timezone is not applied on create.
    return ok(render_event(req, ev, context=_entity_context(req, user), times_in="request"), 201)


def _entity_context(req: Request, user: dict[str, Any]) -> str:
    return odata.context_url(req, f"users('{user['id']}')/events/$entity")


def _sync_copies(app: Sandbox, org: dict[str, Any], *, reset_answers: bool = False) -> None:
    """Make each attendee's calendar hold an up-to-date copy of the organizer's event."""
    wanted: dict[str, dict[str, Any]] = {}
    for a in org["attendees"]:
        target = app.tenant.user(a["emailAddress"]["address"])
        if target is not None and in_exchange_online(target) and target["id"] != org["mailbox"]:
            wanted[target["id"]] = target
        if reset_answers:
            a["status"] = {"response": "none", "time": NEVER}
    for uid, copy_id in list(org["copies"].items()):
        if uid not in wanted:
            _cancel_copy(app, uid, copy_id)
            del org["copies"][uid]
    for uid in wanted:
        box = app.tenant.data["events"].setdefault(uid, {})
        existing = box.get(org["copies"].get(uid, ""))
        if existing is None:
            existing = {"id": app.tenant.new_id("event"), "mailbox": uid, "createdDateTime": iso_z7(),
                        "isOrganizer": False, "organizerRef": [org["mailbox"], org["id"]],
                        "responseStatus": {"response": "notResponded", "time": NEVER}, "showAs": "tentative",
                        "copies": {}, "singleValueExtendedProperties": [], "categories": []}
            box[existing["id"]] = existing
            org["copies"][uid] = existing["id"]
        elif reset_answers:
            existing["responseStatus"] = {"response": "notResponded", "time": NEVER}
            existing["showAs"] = "tentative"
        for key in ("iCalUId", "subject", "body", "start", "end", "originalStartTimeZone", "originalEndTimeZone",
                    "location", "locations", "attendees", "organizer", "isCancelled", "allowNewTimeProposals", "isOnlineMeeting",
                    "onlineMeetingProvider", "onlineMeeting", "sensitivity", "importance", "isReminderOn",
                    "reminderMinutesBeforeStart", "responseRequested", "hideAttendees"):
            if key in org:  # "locations" is missing from events a state file kept from older versions
                existing[key] = copy.deepcopy(org[key])
        _stamp(existing)


def _cancel_copy(app: Sandbox, uid: str, copy_id: str) -> None:
    ev = app.tenant.data["events"].get(uid, {}).get(copy_id)
    if ev is not None and not ev["isCancelled"]:
        ev["isCancelled"] = True
        ev["subject"] = f"Canceled: {ev['subject']}"
        ev["showAs"] = "free"
        _stamp(ev)


def _get(app: Sandbox, p: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    user = mailbox(app, p["user"])
    ev = _events(app, user).get(unquote(p["event"]))
    if ev is None:
        raise event_not_found()
    return user, ev


def get_event(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user, ev = _get(app, p)
    return ok(render_event(req, ev, context=_entity_context(req, user)), **times.preference_headers(req))


def _event_filter(req: Request) -> tuple[list[tuple[str, str, str]], list[list[filters.Clause]]]:
    text = (req.query.get("$filter") or "").strip()
    props = []  # (property key, "eq"|"startswith", value)
    for m in _ANY.finditer(text):
        value, op = (m.group("eq"), "eq") if m.group("eq") is not None else (m.group("sw"), "startswith")
        props.append((svep_key(m.group("id").replace("''", "'")), op, value.replace("''", "'")))
    rest = _ANY.sub("", text).strip()
    rest = re.sub(r"^(and\s+)+|(\s+and)+$", "", rest, flags=re.IGNORECASE).strip()
    rest = re.sub(r"\s+and\s+and\s+", " and ", rest, flags=re.IGNORECASE)
    groups: list[list[filters.Clause]] = []
    if rest:
        try:
            groups = filters.parse(rest)
        except filters.FilterSyntaxError as err:
            raise GraphError(400, "ErrorInvalidUrlQueryFilter", f"The query filter contains one or more invalid nodes: {err}") from None
        for group in groups:
            for c in group:
                if c.path.lower() not in _EVENT_FILTER:
                    raise GraphError(400, "ErrorInvalidProperty", f"Could not find a property named '{c.path}' on type 'microsoft.graph.event'.")
    return props, groups


def _matches(ev: dict[str, Any], props: list[tuple[str, str, str]], groups: list[list[filters.Clause]]) -> bool:
    for key, op, value in props:
        if not any(svep_key(p["id"]) == key and isinstance(p.get("value"), str) and
                   (p["value"].lower() == value.lower() if op == "eq" else p["value"].lower().startswith(value.lower()))
                   for p in ev["singleValueExtendedProperties"]):
            return False
    if not groups:
        return True

    def get(path: str) -> Any:
        value = ev.get(_EVENT_FILTER[path.lower()])
        return value if path.lower() not in ("start/datetime", "end/datetime") else value
    return filters.matches(groups, get)


def list_events(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user = mailbox(app, p["user"])
    props, groups = _event_filter(req)
    size = odata.top(req, 10, 1000, code="ErrorInvalidUrlQuery")
    found = [ev for ev in _events(app, user).values() if _matches(ev, props, groups)]
    if (req.query.get("$orderby") or "").lower().startswith("start/datetime"):
        found.sort(key=lambda e: e["start"], reverse=req.query["$orderby"].lower().endswith(" desc"))
    body = odata.page(app, req, found, size, odata.context_url(req, f"users('{user['id']}')/events"),
                      lambda ev: render_event(req, ev))
    return ok(body, **times.preference_headers(req))


def calendar_view(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user = mailbox(app, p["user"])
    start, end = req.query.get("startDateTime"), req.query.get("endDateTime")
    if not start or not end:
        raise GraphError(400, "ErrorInvalidParameter", "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.")
    lo = times.stored(times.parse_instant(start, "startDateTime"))
    hi = times.stored(times.parse_instant(end, "endDateTime"))
    props, groups = _event_filter(req)
    size = odata.top(req, 10, 1000, code="ErrorInvalidUrlQuery")
    found = sorted((ev for ev in _events(app, user).values()
                    if ev["start"] < hi and ev["end"] > lo and _matches(ev, props, groups)), key=lambda e: e["start"])
    body = odata.page(app, req, found, size, odata.context_url(req, f"users('{user['id']}')/calendarView"),
                      lambda ev: render_event(req, ev))
    return ok(body, **times.preference_headers(req))


def update_event(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user, ev = _get(app, p)
    body = req.json_object()
    unknown = [k for k in body if k not in _PATCHABLE and not k.startswith("@")]
    if "transactionId" in unknown and body["transactionId"] == ev.get("transactionId"):
        unknown.remove("transactionId")
    if unknown:
        raise GraphError(400, "ErrorInvalidPropertyRequest", f"The property '{unknown[0]}' cannot be updated on this event.")
    check_recurrence(body)
    before = (ev["start"], ev["end"])
    for key in ("subject", "categories", "allowNewTimeProposals", "isReminderOn", "reminderMinutesBeforeStart",
                "responseRequested", "hideAttendees"):
        if key in body:
            ev[key] = body[key]
    for key, allowed in (("showAs", SHOW_AS), ("sensitivity", SENSITIVITY), ("importance", IMPORTANCE)):
        if key in body:
            ev[key] = enum(body[key], allowed, key)
    if "body" in body:
        content = body["body"] or {}
        ev["body"] = {"contentType": str(content.get("contentType") or "text").lower(), "content": str(content.get("content") or "")}
    places = locations_of(body)
    if places is not None:
        ev["location"], ev["locations"] = places
    if _online(body, user) and not ev["isOnlineMeeting"]:
        ev["isOnlineMeeting"] = True
        ev["onlineMeetingProvider"] = enum(body.get("onlineMeetingProvider") or "teamsForBusiness", PROVIDERS,
                                          "onlineMeetingProvider")
        ev["onlineMeeting"] = {"joinUrl": f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{ev['id'][6:30]}%40thread.v2/0"}
    if "singleValueExtendedProperties" in body:
        merged = {svep_key(x["id"]): x for x in ev["singleValueExtendedProperties"]}
        merged.update({svep_key(x["id"]): x for x in body["singleValueExtendedProperties"] or []})
        ev["singleValueExtendedProperties"] = list(merged.values())
    _times(body, ev)
    if "attendees" in body:
        old = {a["emailAddress"]["address"].lower(): a["status"] for a in ev["attendees"]}
        ev["attendees"] = attendees(body["attendees"])
        for a in ev["attendees"]:
            a["status"] = old.get(a["emailAddress"]["address"].lower(), a["status"])
    _stamp(ev)
    if ev["isOrganizer"]:
        _sync_copies(app, ev, reset_answers=(ev["start"], ev["end"]) != before)
    # Answered in UTC: Prefer: outlook.timezone is not applied on update.
    return ok(render_event(req, ev, context=_entity_context(req, user), times_in="utc"))


def delete_event(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user, ev = _get(app, p)
    if ev["isOrganizer"]:
        for uid, copy_id in ev["copies"].items():
            _cancel_copy(app, uid, copy_id)
    del _events(app, user)[ev["id"]]
    return empty(204)


def cancel_event(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user, ev = _get(app, p)
    if not ev["isOrganizer"]:
        raise GraphError(400, "ErrorInvalidRequest", "You need to be an organizer to cancel a meeting.")
    if req.body:
        comment = req.action_params("comment").get("comment")
        if comment is not None and not isinstance(comment, str):
            raise GraphError(400, "ErrorInvalidRequest", "The parameter 'comment' must be a string.")
    for uid, copy_id in ev["copies"].items():
        _cancel_copy(app, uid, copy_id)
    del _events(app, user)[ev["id"]]
    return empty(202)


def respond(app: Sandbox, user: dict[str, Any], ev: dict[str, Any], action: str, send: bool = True) -> None:
    """An attendee answers an invitation (Graph action or the control route acting as the person)."""
    if ev["isOrganizer"]:
        raise GraphError(400, "ErrorInvalidRequest", "Your request can't be completed. You can't respond to a meeting you organized.")
    if ev["isCancelled"]:
        raise GraphError(400, "ErrorInvalidRequest", "Your request can't be completed. The meeting has been canceled.")
    answer, show = RESPONSES[action.lower()]
    now = iso_z(utc_now())
    ev["responseStatus"] = {"response": answer, "time": now}
    ev["showAs"] = show
    _stamp(ev)
    org_box, org_id = ev["organizerRef"]
    org = app.tenant.data["events"].get(org_box, {}).get(org_id)
    if org is None or not send:
        return
    addresses = {user["mail"].lower(), user["userPrincipalName"].lower()}
    for a in org["attendees"]:
        if a["emailAddress"]["address"].lower() in addresses:
            a["status"] = {"response": answer, "time": now}
    _stamp(org)
    for uid, copy_id in org["copies"].items():
        other = app.tenant.data["events"].get(uid, {}).get(copy_id)
        if other is not None:
            other["attendees"] = copy.deepcopy(org["attendees"])


def respond_route(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user, ev = _get(app, p)
    body = req.action_params("comment", "sendResponse", "proposedNewTime") if req.body else {}
    respond(app, user, ev, p["action"], bool(body.get("sendResponse", True)))
    return empty(202)


_U = r"/users/(?P<user>[^/]+)"
_E = r"(?:/calendar)?/events/(?P<event>[^/]+)"
ROUTES = [
    route("POST /users/{id}/events", _U + r"(?:/calendar)?/events", create_event, "calendar", "user"),
    route("GET /users/{id}/events", _U + r"(?:/calendar)?/events", list_events, "calendar", "user"),
    route("GET /users/{id}/calendarView", _U + r"(?:/calendar)?/calendarView", calendar_view, "calendar", "user"),
    route("GET /users/{id}/events/{id}", _U + _E, get_event, "calendar", "user"),
    route("PATCH /users/{id}/events/{id}", _U + _E, update_event, "calendar", "user"),
    route("DELETE /users/{id}/events/{id}", _U + _E, delete_event, "calendar", "user"),
    route("POST /users/{id}/events/{id}/cancel", _U + _E + r"/cancel", cancel_event, "calendar", "user"),
    route("POST /users/{id}/events/{id}/{response}", _U + _E + r"/(?P<action>accept|decline|tentativelyAccept)",
          respond_route, "calendar", "user"),
]
