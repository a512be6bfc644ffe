"""The event resource as Outlook answers it: what a request body's properties become, and the
JSON of an event (docs/graph.md#events; https://learn.microsoft.com/graph/api/resources/event).

Facts copied, property by property:

- every answer without ``$select`` carries the documented properties, those without a value
  as ``null`` (``seriesMasterId``, ``onlineMeetingUrl``, ``recurrence``) and ``hasAttachments``
  (the create event page's examples, https://learn.microsoft.com/graph/api/user-post-events);
- ``location`` and ``locations`` always correspond: several ``locations`` give a ``location``
  whose name joins theirs with ``"; "``, and writing ``location`` replaces ``locations`` with it
  (the event resource page; example 2 of the create event page);
- enumerations are taken in any case and answered in Graph's: an attendee sent with
  ``"type": "Required"`` comes back ``"required"`` (example 2 of the create event page);
- ``start``/``end``: a GET answers in the ``Prefer: outlook.timezone`` zone, else UTC (the get
  and list event pages); a create answers in the zones the request gave, whatever ``Prefer``
  says (https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/8645 and example
  3 of the create event page); an update answers in UTC, ``Prefer`` or not (Microsoft's answer
  in https://github.com/microsoftgraph/microsoft-graph-docs/issues/8755).
"""
from __future__ import annotations

import re
from typing import Any, Literal

from connectors.sandbox import odata, times
from connectors.sandbox.errors import GraphError
from connectors.sandbox.http_types import Request

NEVER = "0001-01-01T00:00:00Z"
ATTENDEE_TYPES = ("required", "optional", "resource")
SHOW_AS = ("free", "tentative", "busy", "oof", "workingElsewhere", "unknown")
IMPORTANCE = ("low", "normal", "high")
SENSITIVITY = ("normal", "personal", "private", "confidential")
PROVIDERS = ("unknown", "teamsForBusiness", "skypeForBusiness", "skypeForConsumer")
_LOCATION_EXTRAS = ("address", "coordinates", "locationEmailAddress", "locationUri")
_EXPAND_SVEP = re.compile(r"singleValueExtendedProperties\(\s*\$filter=id\s+eq\s+'(?P<id>(?:[^']|'')*)'\s*\)", re.IGNORECASE)
TimesIn = Literal["prefer", "request", "utc"]


def enum(value: Any, allowed: tuple[str, ...], name: str) -> str:
    """``value`` spelt as Graph spells it, matched without case; 400 when it is none of them."""
    if isinstance(value, str):
        for option in allowed:
            if option.lower() == value.lower():
                return option
    raise GraphError(400, "ErrorInvalidRequest", f"Invalid value '{value}' for property '{name}'; "
                     f"expected one of {', '.join(allowed)}.")


def svep_key(prop_id: str) -> str:
    # "String {GUID} Name X": the GUID compares without case, the name with case
    # (docs/graph.md#events).
    m = re.match(r"\s*(\w+)\s+\{([0-9a-fA-F-]+)\}\s+(Name|Id)\s+(.+?)\s*$", prop_id)
    return f"{m.group(1).lower()} {{{m.group(2).lower()}}} {m.group(3).lower()} {m.group(4)}" if m else prop_id


def location(raw: Any) -> dict[str, Any]:
    """One location object as Outlook keeps it: a named place is ``private`` with its name as
    ``uniqueId``; no name is an empty ``default`` location."""
    if raw is not None and not isinstance(raw, dict):
        raise GraphError(400, "ErrorInvalidRequest", "A location must be an object.")
    given: dict[str, Any] = raw or {}
    name = given.get("displayName")
    if not name:
        return {"displayName": "", "locationType": "default", "uniqueIdType": "unknown", "address": {}, "coordinates": {}}
    out: dict[str, Any] = {"displayName": str(name), "locationType": "default", "uniqueId": str(name),
                           "uniqueIdType": "private"}
    out.update({key: given[key] for key in _LOCATION_EXTRAS if given.get(key) is not None})
    return out


def locations_of(body: dict[str, Any], ev: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """``(location, locations)`` from a body that sets either (None when it sets neither)."""
    if "locations" in body and body["locations"] is not None:
        if not isinstance(body["locations"], list):
            raise GraphError(400, "ErrorInvalidRequest", "locations must be a collection.")
        many = [location(x) for x in body["locations"]]
        many = [m for m in many if m["displayName"]]
        if "location" in body and (body["location"] or {}).get("displayName"):
            return location(body["location"]), many
        joined = "; ".join(m["displayName"] for m in many)
        return location({"displayName": joined} if joined else None), many
    if "location" in body:
        one = location(body["location"])
        return one, [one] if one["displayName"] else []
    return None


def attendees(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise GraphError(400, "ErrorInvalidRequest", "attendees must be a collection.")
    out = []
    for a in raw:
        address = ((a or {}).get("emailAddress") or {}).get("address")
        if not address:
            raise GraphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid., Recipient is missing an address.")
        out.append({"type": enum(a.get("type") or "required", ATTENDEE_TYPES, "type"),
                    "status": {"response": "none", "time": NEVER},
                    "emailAddress": {"name": a["emailAddress"].get("name") or address, "address": address}})
    return out


def check_recurrence(body: dict[str, Any]) -> None:
    """``recurrence: null`` is a single event (what the SDKs send for an unset property); a
    pattern asks for a series, which the sandbox does not hold (docs/sandbox.md#what-the-sandbox-leaves-out)."""
    if body.get("recurrence") is not None:
        raise GraphError(400, "ErrorInvalidRequest", "The sandbox holds single events only; a recurring series "
                         "(recurrence) is not supported here.")


def _wrap_html(content: str) -> str:
    if "<html" in content.lower():
        return content
    return ('<html><head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n'
            f"</head><body>{content}</body></html>")


def _times(req: Request, ev: dict[str, Any], times_in: TimesIn) -> tuple[dict[str, str], dict[str, str]]:
    if times_in == "request":
        return (times.render(ev["start"], ev["originalStartTimeZone"] or "UTC"),
                times.render(ev["end"], ev["originalEndTimeZone"] or "UTC"))
    zone = times.output_zone(req) if times_in == "prefer" else "UTC"
    return times.render(ev["start"], zone), times.render(ev["end"], zone)


def render_event(req: Request, ev: dict[str, Any], *, context: str | None = None,
                 times_in: TimesIn = "prefer") -> dict[str, Any]:
    """The event's JSON, cut by ``$select`` and with ``$expand``-ed extended properties."""
    body = ev["body"]
    preview = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body["content"])).strip()[:255]
    start, end = _times(req, ev, times_in)
    loc = ev["location"]
    full: dict[str, Any] = {
        "@odata.etag": f'W/"{ev["changeKey"]}"', "id": ev["id"],
        "createdDateTime": ev["createdDateTime"], "lastModifiedDateTime": ev["lastModifiedDateTime"],
        "changeKey": ev["changeKey"], "categories": ev["categories"],
        "originalStartTimeZone": ev["originalStartTimeZone"], "originalEndTimeZone": ev["originalEndTimeZone"],
        "iCalUId": ev["iCalUId"], "reminderMinutesBeforeStart": ev["reminderMinutesBeforeStart"],
        "isReminderOn": ev["isReminderOn"], "hasAttachments": False, "subject": ev["subject"], "bodyPreview": preview,
        "importance": ev["importance"], "sensitivity": ev["sensitivity"], "isAllDay": False,
        "isCancelled": ev["isCancelled"], "isOrganizer": ev["isOrganizer"], "isDraft": False,
        "responseRequested": ev["responseRequested"], "seriesMasterId": None, "showAs": ev["showAs"],
        "type": "singleInstance", "webLink": f"https://outlook.office365.com/owa/?itemid={ev['id']}&exvsurl=1&path=/calendar/item",
        "onlineMeetingUrl": None, "allowNewTimeProposals": ev["allowNewTimeProposals"],
        "hideAttendees": ev["hideAttendees"], "isOnlineMeeting": ev["isOnlineMeeting"],
        "onlineMeetingProvider": ev["onlineMeetingProvider"], "onlineMeeting": ev["onlineMeeting"],
        "responseStatus": ev["responseStatus"],
        "body": {"contentType": body["contentType"],
                 "content": _wrap_html(body["content"]) if body["contentType"] == "html" else body["content"]},
        "start": start, "end": end, "location": loc,
        "locations": ev.get("locations", [loc] if loc.get("displayName") else []),
        "recurrence": None, "attendees": ev["attendees"], "organizer": ev["organizer"],
    }
    if ev.get("transactionId"):
        full["transactionId"] = ev["transactionId"]
    select = odata.select_fields(req)
    if select:
        wanted = {s.lower() for s in select}
        full = {k: v for k, v in full.items() if k.lower() in wanted or k in ("@odata.etag", "id")}
    expand = req.query.get("$expand")
    if expand:
        m = _EXPAND_SVEP.fullmatch(expand.strip())
        if m is None:
            raise GraphError(400, "ErrorInvalidRequest", f"Expand '{expand}' is not supported on events.")
        key = svep_key(m.group("id").replace("''", "'"))
        full["singleValueExtendedProperties"] = [
            p for p in ev["singleValueExtendedProperties"] if svep_key(p["id"]) == key]
    if context:
        full = {"@odata.context": context, **full}
    return full
