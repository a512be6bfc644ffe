"""Object-by-object checks of a round, on the sandbox's state and through Graph reads.

Each check raises ``AssertionError`` naming the talk and what is wrong. :func:`normalised` turns a
tenant's state into what two rounds must agree on (ids, timestamps and URLs left out).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta, timezone
from typing import Any

import holidays

from connectors.graph.names import safe_name
from connectors.timezones import resolve_zone
from plugin.documents import read_form
from plugin.records import is_bookkeeping_fields, is_lease_fields
from plugin.invitations import NO_TEAMS_NOTE
from plugin.placement import FALLBACK_NOTES, FILE_NAMES
from tests.e2e.conftest import NOW, WINDOW, ZONE, Served

KEY_PROPERTY = "Name samtalKey"
LEASE_WRITES = 2  # every pass that writes takes the campaign's lease and releases it: two PATCHes
FORBIDDEN = set('"*:<>?/\\|')
BUSY = {"busy", "oof", "tentative"}
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def utc(text: str) -> datetime:
    """An event time as the sandbox stores it (naive UTC) or a list item's ISO time."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def all_list_items(state: dict[str, Any], name: str = "Medarbetarsamtal") -> list[dict[str, Any]]:
    """Every raw item (id, fields, ...) of the records list, pass leases too; [] when there is
    no list."""
    for site in state["sites"].values():
        for lst in site["lists"].values():
            if lst["displayName"] == name:
                return list(lst["items"].values())
    return []


def list_items(state: dict[str, Any], name: str = "Medarbetarsamtal") -> list[dict[str, Any]]:
    """The raw items of the records list that are talks' records (a campaign's pass lease and
    its disposal log are items of the list too, never records)."""
    return [i for i in all_list_items(state, name) if not is_bookkeeping_fields(i["fields"])]


def lease_items(state: dict[str, Any], name: str = "Medarbetarsamtal") -> list[dict[str, Any]]:
    """The raw pass-lease items of the records list."""
    return [i for i in all_list_items(state, name) if is_lease_fields(i["fields"])]


def items_by_key(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    items = list_items(state)
    keys = Counter(i["fields"]["Key"] for i in items)
    twice = [k for k, n in keys.items() if n > 1]
    assert not twice, f"more than one list item for {twice}"
    return {i["fields"]["Key"]: i["fields"] for i in items}


def tag_of(event: dict[str, Any]) -> str | None:
    for prop in event.get("singleValueExtendedProperties") or []:
        if str(prop.get("id", "")).endswith(KEY_PROPERTY):
            return str(prop.get("value"))
    return None


def talk_events(state: dict[str, Any]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Live (not cancelled) organizer events carrying a record key: key → [(mailbox, event)]."""
    out: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for mailbox, box in state["events"].items():
        for ev in box.values():
            key = tag_of(ev)
            if ev.get("isOrganizer") and key and not ev.get("isCancelled"):
                out[key].append((mailbox, ev))
    return out


def path_segments(drive: dict[str, Any], item: dict[str, Any]) -> list[str]:
    names = []
    node: dict[str, Any] | None = item
    while node is not None and node["parentId"] is not None:
        names.append(node["name"])
        node = drive["items"].get(node["parentId"])
    return names[::-1]


def within_hours(user: dict[str, Any], start: datetime, end: datetime) -> bool:
    hours = user["workingHours"]
    zone = resolve_zone(hours["timeZone"]).tzinfo
    s, e = start.astimezone(zone), end.astimezone(zone)
    begin = time.fromisoformat(hours["startTime"])
    finish = time.fromisoformat(hours["endTime"])
    return (s.date() == e.date() and DAYS[s.weekday()] in hours["daysOfWeek"]
            and begin <= s.time() and e.time() <= finish)


def check_round(served: Served, state: dict[str, Any], *, per_day: int = 3, buffer_minutes: int = 15,
                duration_minutes: int = 60, graph_reads: bool = True,
                folders_owner: str = "employee") -> dict[str, dict[str, Any]]:
    """Every invariant of a round (docs/records.md, docs/architecture.md#privacy) over the whole
    tenant; returns the list items by key."""
    items = items_by_key(state)
    users = state["users"]
    events = talk_events(state)
    swedish = holidays.country_holidays("SE", years=range(WINDOW[0].year, WINDOW[1].year + 1))
    campaign = "2027"
    client = served.client() if graph_reads else None

    for uid, user in users.items():  # one item for every directory user, whatever their case
        assert f"{campaign}:{uid}" in items, f"no record for {user['displayName']!r}"
    for key, f in items.items():
        assert f["EmployeeId"] in users, f"{key}: a record for someone not in the directory"
        if f["Status"] in ("failed", "unschedulable", "excluded"):
            assert f["Note"], f"{key}: {f['Status']} without a reason"
        if f["Status"] != "scheduled":
            assert not events.get(key), f"{key}: {f['Status']} but an event is booked"

    talks_by_manager: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for key, f in items.items():
        if f["Status"] != "scheduled":
            continue
        employee, manager = users[f["EmployeeId"]], users[f["ManagerId"]]
        assert employee["managerId"] == manager["id"], f"{key}: booked with someone who is not the manager"
        # exactly one live event, in the manager's calendar, the one the record names
        booked = events.get(key, [])
        assert len(booked) == 1, f"{key}: {len(booked)} live events"
        mailbox, ev = booked[0]
        assert mailbox == manager["id"] and ev["id"] == f["EventId"], f"{key}: the event is not the record's"
        attendees = [(a["emailAddress"]["address"].lower(), a["type"]) for a in ev["attendees"]]
        assert attendees == [(employee["mail"].lower(), "required")], f"{key}: attendees {attendees}"
        if manager.get("onlineMeetings", True) is not False:
            assert ev["isOnlineMeeting"], f"{key}: no Teams meeting"
        else:  # the calendar allows no Teams meetings: booked without, and said so (docs/failures.md#c5)
            assert not ev["isOnlineMeeting"] and not ev["onlineMeeting"], f"{key}: a Teams link?"
            assert NO_TEAMS_NOTE in f["Note"], f"{key}: no Teams link, not said: {f['Note']!r}"
            assert "Teams" in ev["body"]["content"], f"{key}: the invitation does not say there is no link"
        start, end = utc(ev["start"]), utc(ev["end"])
        assert (start, end) == (utc(f["MeetingStart"]), utc(f["MeetingEnd"])), f"{key}: record and event differ"
        assert end - start == timedelta(minutes=duration_minutes), f"{key}: length {end - start}"
        local = start.astimezone(ZONE)
        assert WINDOW[0] <= local.date() <= WINDOW[1] and start >= NOW, f"{key}: {local} outside the window"
        assert local.date() not in swedish, f"{key}: on a public holiday ({swedish.get(local.date())})"
        for who in (employee, manager):
            assert within_hours(who, start, end), f"{key}: {local} outside {who['displayName']}'s hours"
        talks_by_manager[manager["id"]].append((start, end, key))
        check_folder(served, state, key, f, employee, manager, client, folders_owner=folders_owner)

    for manager_id, talks in talks_by_manager.items():
        talks.sort()
        for (s1, e1, k1), (s2, _, k2) in zip(talks, talks[1:]):
            assert s2 >= e1 + timedelta(minutes=buffer_minutes), f"{k1} and {k2} overlap or lack the buffer"
        per = Counter(s.astimezone(ZONE).date() for s, _, _ in talks)
        assert max(per.values()) <= per_day, f"manager {manager_id}: {per.most_common(1)} talks in a day"

    if client is not None:
        check_free_busy(client, users, items)
    return items


def check_folder(served: Served, state: dict[str, Any], key: str, f: dict[str, Any],
                 employee: dict[str, Any], manager: dict[str, Any], client: Any, *,
                 folders_owner: str = "employee") -> None:
    drive = state["drives"][f["DriveId"]]
    folder = drive["items"][f["FolderId"]]
    assert folder["folder"], f"{key}: FolderId is not a folder"
    owner = users_owner = drive["ownerId"]
    if folders_owner == "manager":
        assert owner == manager["id"] and "OneDrive" not in f["Note"], f"{key}: the folder is not in the manager's OneDrive"
    elif employee["oneDrive"] is True:
        assert owner == employee["id"] and "OneDrive" not in f["Note"], f"{key}: the folder is not in the employee's OneDrive"
    else:  # never provisioned (404) or none to find (400): said which (docs/failures.md#f15)
        said = FALLBACK_NOTES[404 if employee["oneDrive"] is False else 400]
        assert owner == manager["id"] and said in f["Note"], f"{key}: fallback not said: {f['Note']!r}"
    for segment in path_segments(drive, folder):
        assert not FORBIDDEN & set(segment), f"{key}: forbidden character in {segment!r}"
        # leading/trailing spaces and a trailing dot are not allowed (docs/graph.md#onedrive)
        assert segment == segment.strip(" ").rstrip(".") and segment, f"{key}: edge spaces or dot in {segment!r}"
    assert path_segments(drive, folder)[:2] == ["Medarbetarsamtal", "2027"]
    # the display name (cut when long) and the whole object id, which is never cut
    assert folder["name"].endswith(f" ({employee['id']})"), f"{key}: folder {folder['name']!r}"
    shown = folder["name"][: -len(f" ({employee['id']})")]
    assert shown and safe_name(employee["displayName"], max_length=999).startswith(shown), f"{key}: folder {folder['name']!r}"
    names = FILE_NAMES[f["Language"]]
    children = {i["name"]: i for i in drive["items"].values() if i["parentId"] == folder["id"]}
    assert set(children) == {names["prep"], names["form"]}, f"{key}: folder holds {sorted(children)}"
    form = children[names["form"]]
    assert form["id"] == f["FormItemId"], f"{key}: FormItemId is not the folder's form"
    reading = read_form(served.blob(form["id"]))
    assert reading.form_id is not None and reading.form_id.key == key, f"{key}: the form is another talk's"
    # shared with exactly the two people: the owner, and one invited person with write access
    other = manager if owner == employee["id"] else employee
    direct = folder["permissions"]
    assert len(direct) == 1, f"{key}: {len(direct)} direct permissions"
    for item in [*children.values(), *(drive["items"][i] for i in _ancestors(drive, folder))]:
        assert not item["permissions"], f"{key}: {item['name']!r} carries its own permissions"
    if client is not None:
        perms = client.drive.list_permissions(f["DriveId"], f["FolderId"])
        people = sorted(((p.user_id or "").lower(), p.roles) for p in perms)  # ids in any case
        assert people == sorted([(users_owner, ("owner",)), (other["id"], ("write",))]), f"{key}: {people}"
        assert not any(p.is_link for p in perms), f"{key}: a sharing link"


def _ancestors(drive: dict[str, Any], item: dict[str, Any]) -> list[str]:
    out = []
    parent = item["parentId"]
    while parent is not None:
        out.append(parent)
        parent = drive["items"][parent]["parentId"]
    return out


def check_free_busy(client: Any, users: dict[str, Any], items: dict[str, dict[str, Any]]) -> None:
    """Through getSchedule: no talk lies on busy, tentative or out-of-office time of either person
    (the talk itself, and the employee's copy of it, are the only items at its time)."""
    scheduled = [f for f in items.values() if f["Status"] == "scheduled"]
    addresses = sorted({users[f[k]]["mail"] for f in scheduled for k in ("EmployeeId", "ManagerId")})
    start = datetime.combine(WINDOW[0], time(0), timezone.utc) - timedelta(days=1)
    end = datetime.combine(WINDOW[1], time(0), timezone.utc) + timedelta(days=2)
    # asked through a mailbox the app may use (not one outside its access policy)
    organizer = next(u["mail"] for u in users.values() if u["mail"] in addresses and u["mailbox"] is True)
    schedules = {a.lower(): s for a, s in client.calendar.get_schedules(organizer, addresses, start, end).items()}
    for f in scheduled:
        t0, t1 = utc(f["MeetingStart"]), utc(f["MeetingEnd"])
        for who in ("EmployeeId", "ManagerId"):
            sched = schedules[users[f[who]]["mail"].lower()]
            clashes = [i for i in sched.items if i.status in BUSY and i.start < t1 and t0 < i.end
                       and (i.start, i.end) != (t0, t1)]
            assert not clashes, f"{f['Key']}: on {users[f[who]]['displayName']}'s busy time {clashes[:2]}"


def normalised(state: dict[str, Any]) -> dict[str, Any]:
    """What two rounds on the same seed must agree on: per key the status, note, people, time,
    folder path, file names and permission holders; and how many of each object exist."""
    items = items_by_key(state)
    events = talk_events(state)
    per_key: dict[str, Any] = {}
    for key, f in items.items():
        entry: dict[str, Any] = {"status": f["Status"], "note": f["Note"], "manager": f["ManagerId"],
                                 "start": f["MeetingStart"], "end": f["MeetingEnd"],
                                 "events": [(m, e["start"], e["end"]) for m, e in events.get(key, [])]}
        if f["DriveId"]:
            drive = state["drives"][f["DriveId"]]
            folder = drive["items"][f["FolderId"]]
            entry["folder"] = (drive["ownerId"], "/".join(path_segments(drive, folder)))
            entry["files"] = sorted(i["name"] for i in drive["items"].values() if i["parentId"] == folder["id"])
            entry["shared"] = sorted((p["grantedTo"]["user"]["id"], tuple(p["roles"])) for p in folder["permissions"])
        per_key[key] = entry
    counts: Counter[str] = Counter()
    for box in state["events"].values():
        for ev in box.values():
            counts["events" if ev.get("isOrganizer") else "copies"] += 1
            counts["cancelled"] += bool(ev.get("isCancelled"))
    for drive in state["drives"].values():
        for item in drive["items"].values():
            counts["folders" if item["folder"] else "files"] += 1
            counts["permissions"] += len(item["permissions"])
    counts["items"] = len(list_items(state))
    return {"talks": per_key, "counts": dict(counts)}


