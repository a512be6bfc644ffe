"""Free/busy: ``POST /users/{id}/calendar/getSchedule`` (docs/graph.md#free-and-busy-time).

Limits enforced as Graph documents them: at most 20 schedules, a window under 62 days (longer:
400 ``ErrorTimeIntervalTooBig``), an interval of 5..1440 minutes (default 30; a numeric string
such as ``"15"`` is taken, as the free/busy concept page sends it). Parameter names are matched
without case (``Schedules``, ``StartTime``: the concept page and Microsoft's SDKs send them so).
An address Exchange cannot resolve, or a user without a mailbox, gets only ``scheduleId`` and a
per-schedule ``error`` (``responseCode`` ``"5009"``) inside the 200. Busy time comes from the
mailbox's events (not cancelled, not free), the seed's ``busy`` blocks and its ``weekly`` blocks
expanded in the user's zone. ``availabilityView`` has one digit per interval: 0 free or working
elsewhere (v1.0 writes 0, not 4, for working elsewhere), 1 tentative, 2 busy, 3 oof; the
strongest status overlapping an interval wins.
"""
from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from connectors.sandbox import odata, times
from connectors.sandbox.calendar import mailbox
from connectors.sandbox.errors import GraphError
from connectors.sandbox.http_types import Request, Response, ok
from connectors.sandbox.router import route
from connectors.sandbox.seed import DAYS, in_exchange_online

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

# Working elsewhere is "0" in the view, "for backward compatibility"
# (https://learn.microsoft.com/graph/api/resources/scheduleinformation): it ranks with free.
DIGIT = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "0", "unknown": "0"}
STRENGTH = {"free": 0, "unknown": 0, "workingElsewhere": 0, "tentative": 1, "busy": 3, "oof": 4}
_RANKED = ("free", "tentative", "busy", "oof")
_RANK_DIGIT = bytes.maketrans(bytes(STRENGTH[s] for s in _RANKED), "".join(DIGIT[s] for s in _RANKED).encode())
MAX_SCHEDULES = 20
MAX_DAYS = 62


def _blocks(app: Sandbox, user: dict[str, Any], lo: dt.datetime, hi: dt.datetime) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for ev in app.tenant.data["events"].get(user["id"], {}).values():
        if ev["isCancelled"] or ev["showAs"] == "free":
            continue
        start, end = times.from_stored(ev["start"]), times.from_stored(ev["end"])
        if start < hi and end > lo:
            out.append({"start": start, "end": end, "status": ev["showAs"], "subject": ev["subject"],
                        "location": ev["location"].get("displayName", "")})
    for b in user["busy"]:
        start, end = times.from_stored(b["start"]), times.from_stored(b["end"])
        if start < hi and end > lo and b["showAs"] != "free":
            out.append({"start": start, "end": end, "status": b["showAs"], "subject": b["subject"], "location": ""})
    if user["weekly"]:
        zone = times.tzinfo(user["workingHours"]["timeZone"])
        day = (lo - dt.timedelta(days=1)).date()
        while day <= (hi + dt.timedelta(days=1)).date():
            for w in user["weekly"]:
                if DAYS[day.weekday()] != w["day"] or w["showAs"] == "free":
                    continue
                start = _utc(day, w["start"], zone)
                end = _utc(day, w["end"], zone)
                if start < hi and end > lo:
                    out.append({"start": start, "end": end, "status": w["showAs"], "subject": w["subject"], "location": ""})
            day += dt.timedelta(days=1)
    out.sort(key=lambda b: (b["start"], b["end"]))
    return out


@lru_cache(maxsize=65536)  # weekly blocks repeat the same days and clocks for many people
def _utc(day: dt.date, clock: str, zone: dt.tzinfo) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time.fromisoformat(clock)).replace(tzinfo=zone)
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _view(blocks: list[dict[str, Any]], lo: dt.datetime, hi: dt.datetime, minutes: int) -> str:
    """One digit per interval, the strongest status overlapping it; a sweep over the blocks
    (each marks only its own intervals), not every block against every interval."""
    step = dt.timedelta(minutes=minutes)
    slots = math.ceil((hi - lo) / step)
    ranks = bytearray(slots)  # STRENGTH per interval, 0 = free
    for b in blocks:
        if b["end"] <= lo or b["start"] >= hi:
            continue
        rank = STRENGTH[b["status"]]
        first = max(0, int((b["start"] - lo) // step))
        last = min(slots, math.ceil((b["end"] - lo) / step))
        if rank == 0 or first >= last:
            continue
        if max(ranks[first:last]) < rank:  # the usual case: nothing stronger there yet
            ranks[first:last] = bytes((rank,)) * (last - first)
        else:
            for i in range(first, last):
                if ranks[i] < rank:
                    ranks[i] = rank
    return ranks.translate(_RANK_DIGIT).decode("ascii")


def _hours(user: dict[str, Any]) -> dict[str, Any]:
    h = user["workingHours"]
    return {"daysOfWeek": h["daysOfWeek"], "startTime": f"{h['startTime']}:00.0000000",
            "endTime": f"{h['endTime']}:00.0000000", "timeZone": {"name": h["timeZone"]}}


def get_schedule(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    mailbox(app, p["user"])
    body = req.action_params("schedules", "startTime", "endTime", "availabilityViewInterval")
    schedules = body.get("schedules")
    if not isinstance(schedules, list) or not schedules or not all(isinstance(s, str) for s in schedules):
        raise GraphError(400, "ErrorInvalidParameter", "The parameter 'schedules' must be a non-empty list of SMTP addresses.")
    if len(schedules) > MAX_SCHEDULES:
        raise GraphError(400, "ErrorInvalidParameter", f"The number of schedules ({len(schedules)}) exceeds the maximum of {MAX_SCHEDULES}.")
    if "startTime" not in body or "endTime" not in body:
        raise GraphError(400, "ErrorInvalidParameter", "The parameters 'startTime' and 'endTime' are required.")
    lo = times.parse_instant(body["startTime"], "startTime")
    hi = times.parse_instant(body["endTime"], "endTime")
    if hi <= lo:
        raise GraphError(400, "ErrorInvalidParameter", "The parameter 'endTime' must be after 'startTime'.")
    if hi - lo >= dt.timedelta(days=MAX_DAYS):
        # Exchange's code for a window over its limit
        # (https://learn.microsoft.com/exchange/client-developer/web-service-reference/responsecode).
        raise GraphError(400, "ErrorTimeIntervalTooBig", f"The requested time window exceeds the maximum of {MAX_DAYS} days; it must be less than {MAX_DAYS} days.")
    interval = body.get("availabilityViewInterval", 30)
    if isinstance(interval, str) and interval.strip().isdigit():
        interval = int(interval)
    if not isinstance(interval, int) or isinstance(interval, bool) or not 5 <= interval <= 1440:
        raise GraphError(400, "ErrorInvalidParameter", f"The parameter 'availabilityViewInterval' must be between 5 and 1440, not {interval!r}.")
    zone = times.output_zone(req)
    values = []
    for address in schedules:
        user = app.tenant.user(address)
        if user is None or not in_exchange_online(user):
            # The shape of a real answer reported to Microsoft: scheduleId and error only
            # (https://github.com/microsoftgraph/microsoft-graph-docs/issues/11225;
            # docs/graph.md#free-and-busy-time). A mailbox on-premises gets the same here: what
            # Exchange Online answers for one depends on hybrid free/busy and is not documented.
            # A mailbox outside the app's access policy is answered as anyone's: the policy
            # scopes the mailbox the request names (the organiser's), docs/sandbox.md#user-variants.
            values.append({"scheduleId": address, "error": {
                "message": f"Unable to resolve e-mail address {address} to an Active Directory object.",
                "responseCode": "5009"}})
            continue
        blocks = _blocks(app, user, lo, hi)
        items = [{"isPrivate": False, "status": b["status"], "subject": b["subject"], "location": b["location"],
                  "start": times.render(b["start"], zone), "end": times.render(b["end"], zone)} for b in blocks]
        values.append({"scheduleId": address, "availabilityView": _view(blocks, lo, hi, interval),
                       "scheduleItems": items, "workingHours": _hours(user)})
    context = odata.context_url(req, "Collection(microsoft.graph.scheduleInformation)")
    return ok({"@odata.context": context, "value": values}, **times.preference_headers(req))


ROUTES = [
    route("POST /users/{id}/calendar/getSchedule", r"/users/(?P<user>[^/]+)/calendar/getSchedule",
          get_schedule, "calendar", "user"),
]
