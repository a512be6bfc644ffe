"""Events and getSchedule against docs/graph.md#events and docs/graph.md#free-and-busy-time."""
from __future__ import annotations

from typing import Any

from tests.sandbox.conftest import Client

WEST = 'outlook.timezone="W. Europe Standard Time"'
KEY = "String {66f5a359-4659-4830-9070-00040ec6ac6e} Name HrMeetingKey"


def _event(**extra: Any) -> dict[str, Any]:
    body = {"subject": "Medarbetarsamtal: Per Lind", "body": {"contentType": "HTML", "content": "<p>Hej Per</p>"},
            "start": {"dateTime": "2027-02-10T09:00:00", "timeZone": "W. Europe Standard Time"},
            "end": {"dateTime": "2027-02-10T10:00:00", "timeZone": "W. Europe Standard Time"},
            "attendees": [{"emailAddress": {"address": "per.lind@example.se", "name": "Per Lind"}, "type": "required"}],
            "singleValueExtendedProperties": [{"id": KEY, "value": "2027:per"}]}
    body.update(extra)
    return body


def test_create_shape_times_and_copies(graph: Client) -> None:
    r = graph.post("/users/anna.berg@example.se/events", json=_event())
    assert r.status_code == 201
    ev = r.json()
    assert ev["body"]["contentType"] == "html" and ev["body"]["content"].startswith("<html>")
    # a create answers in the request's zone (docs/graph.md#time-zones)
    assert ev["start"] == {"dateTime": "2027-02-10T09:00:00.0000000", "timeZone": "W. Europe Standard Time"}
    utc = graph.get(f"/users/anna.berg@example.se/events/{ev['id']}").json()
    assert utc["start"] == {"dateTime": "2027-02-10T08:00:00.0000000", "timeZone": "UTC"}
    assert ev["attendees"][0]["status"] == {"response": "none", "time": "0001-01-01T00:00:00Z"}
    assert ev["responseStatus"]["response"] == "organizer" and "singleValueExtendedProperties" not in ev
    local = graph.get(f"/users/anna.berg@example.se/events/{ev['id']}", headers={"Prefer": "outlook.timezone=\"Europe/Stockholm\""})
    assert local.json()["start"] == {"dateTime": "2027-02-10T09:00:00.0000000", "timeZone": "Europe/Stockholm"}
    assert local.headers["Preference-Applied"] == 'outlook.timezone="Europe/Stockholm"'
    copies = graph.get("/users/per.lind@example.se/events").json()["value"]
    assert len(copies) == 1 and copies[0]["iCalUId"] == ev["iCalUId"] and copies[0]["isOrganizer"] is False


def test_transaction_id_deduplicates(graph: Client) -> None:
    a = graph.post("/users/anna.berg@example.se/events", json=_event(transactionId="t-1")).json()
    b = graph.post("/users/anna.berg@example.se/events", json=_event(transactionId="t-1")).json()
    assert a["id"] == b["id"] and b["transactionId"] == "t-1"
    assert len(graph.get("/users/anna.berg@example.se/events").json()["value"]) == 1


def test_extended_property_filter_and_expand(graph: Client) -> None:
    ev = graph.post("/users/anna.berg@example.se/events", json=_event()).json()
    graph.post("/users/anna.berg@example.se/events", json=_event(singleValueExtendedProperties=[{"id": KEY, "value": "other"}]))
    flt = f"singleValueExtendedProperties/Any(ep: ep/id eq '{KEY}' and ep/value eq '2027:per')"
    found = graph.get("/users/anna.berg@example.se/events", params={"$filter": flt}).json()["value"]
    assert [e["id"] for e in found] == [ev["id"]]
    got = graph.get(f"/users/anna.berg@example.se/events/{ev['id']}",
                    params={"$expand": f"singleValueExtendedProperties($filter=id eq '{KEY}')"}).json()
    assert got["singleValueExtendedProperties"] == [{"id": KEY, "value": "2027:per"}]


def test_extended_property_startswith_without_case_and_pages(graph: Client) -> None:
    """``startswith`` on a string property's value, compared without case, as documented
    (https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get); a listing
    pages by ``$top`` up to 1000 and its ``@odata.nextLink``."""
    tags = [f"HT27:{n}" for n in range(7)] + ["ht27:low", "HT26:0", "xHT27:0"]
    made = {}
    for day, tag in enumerate(tags, start=1):
        start = {"dateTime": f"2027-02-{day:02d}T09:00:00", "timeZone": "UTC"}
        end = {"dateTime": f"2027-02-{day:02d}T10:00:00", "timeZone": "UTC"}
        ev = graph.post("/users/anna.berg@example.se/events", json=_event(
            start=start, end=end, singleValueExtendedProperties=[{"id": KEY, "value": tag}])).json()
        made[ev["id"]] = tag
    query = {"$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{KEY}' and startswith(ep/value, 'ht27:'))",
             "$expand": f"singleValueExtendedProperties($filter=id eq '{KEY}')", "$top": "3"}
    page = graph.get("/users/anna.berg@example.se/events", params=query).json()
    found = list(page["value"])
    while "@odata.nextLink" in page:
        assert len(page["value"]) == 3
        page = graph.get(page["@odata.nextLink"]).json()
        found += page["value"]
    assert sorted(e["singleValueExtendedProperties"][0]["value"] for e in found) == sorted(tags[:8])
    assert len({e["id"] for e in found}) == 8 and all(made[e["id"]] == e["singleValueExtendedProperties"][0]["value"]
                                                      for e in found)
    for top, status in (("1000", 200), ("1001", 400), ("0", 400)):
        assert graph.get("/users/anna.berg@example.se/events", params={**query, "$top": top}).status_code == status
    assert len(graph.get("/users/anna.berg@example.se/events",
                         params={**query, "$top": "1000"}).json()["value"]) == 8


def test_accept_decline_update_the_organizer(graph: Client) -> None:
    ev = graph.post("/users/anna.berg@example.se/events", json=_event()).json()
    copy_id = graph.get("/users/per.lind@example.se/events").json()["value"][0]["id"]
    assert graph.post(f"/users/per.lind@example.se/events/{copy_id}/tentativelyAccept", json={"sendResponse": True}).status_code == 202
    status = graph.get(f"/users/anna.berg@example.se/events/{ev['id']}").json()["attendees"][0]["status"]
    assert status["response"] == "tentativelyAccepted"
    r = graph.control("POST", "events/respond", json={"user": "per.lind@example.se", "event_id": ev["id"], "response": "decline"})
    assert r.status_code == 202
    assert graph.get(f"/users/anna.berg@example.se/events/{ev['id']}").json()["attendees"][0]["status"]["response"] == "declined"
    moved = graph.call("PATCH", f"/users/anna.berg@example.se/events/{ev['id']}", json={
        "start": {"dateTime": "2027-02-11T09:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": "2027-02-11T10:00:00", "timeZone": "W. Europe Standard Time"}})
    assert moved.status_code == 200 and moved.json()["attendees"][0]["status"]["response"] == "none"
    assert graph.post(f"/users/anna.berg@example.se/events/{ev['id']}/accept", json={}).status_code == 400


def test_delete_and_cancel_notify_attendees(graph: Client) -> None:
    ev = graph.post("/users/anna.berg@example.se/events", json=_event()).json()
    copy_id = graph.get("/users/per.lind@example.se/events").json()["value"][0]["id"]
    assert graph.post(f"/users/per.lind@example.se/events/{copy_id}/cancel", json={}).status_code == 400
    assert graph.call("DELETE", f"/users/anna.berg@example.se/events/{ev['id']}").status_code == 204
    copy = graph.get(f"/users/per.lind@example.se/events/{copy_id}").json()
    assert copy["isCancelled"] is True
    missing = graph.get(f"/users/anna.berg@example.se/events/{ev['id']}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ErrorItemNotFound"
    ev2 = graph.post("/users/anna.berg@example.se/events", json=_event()).json()
    assert graph.post(f"/users/anna.berg@example.se/events/{ev2['id']}/cancel", json={"comment": "flyttas"}).status_code == 202


def test_no_mailbox(graph: Client) -> None:
    r = graph.post("/users/no.drive@example.se/events", json=_event())
    assert r.status_code == 404 and r.json()["error"]["code"] == "MailboxNotEnabledForRESTAPI"


def _schedule(graph: Client, **body: Any) -> Any:
    payload = {"schedules": ["per.lind@example.se"],
               "startTime": {"dateTime": "2027-02-01T08:00:00", "timeZone": "W. Europe Standard Time"},
               "endTime": {"dateTime": "2027-02-01T17:00:00", "timeZone": "W. Europe Standard Time"},
               "availabilityViewInterval": 60}
    payload.update(body)
    return graph.post("/users/anna.berg@example.se/calendar/getSchedule", json=payload, headers={"Prefer": WEST})


def test_get_schedule_shape(graph: Client) -> None:
    r = _schedule(graph, schedules=["per.lind@example.se", "okand@fabrikam.com", "no.drive@example.se"])
    assert r.status_code == 200
    per, unknown, nobox = r.json()["value"]
    # Monday 2027-02-01: weekly tentative 13-15 local.
    assert per["availabilityView"] == "000001100"
    assert per["scheduleItems"][0]["start"] == {"dateTime": "2027-02-01T13:00:00.0000000", "timeZone": "W. Europe Standard Time"}
    assert per["workingHours"]["timeZone"] == {"name": "W. Europe Standard Time"}
    assert per["workingHours"]["startTime"] == "08:00:00.0000000"
    assert unknown == {"scheduleId": "okand@fabrikam.com", "error": {
        "message": "Unable to resolve e-mail address okand@fabrikam.com to an Active Directory object.",
        "responseCode": "5009"}}
    assert "error" in nobox
    utc = graph.post("/users/anna.berg@example.se/calendar/getSchedule", json={
        "schedules": ["per.lind@example.se"], "startTime": {"dateTime": "2027-02-03T08:00:00", "timeZone": "UTC"},
        "endTime": {"dateTime": "2027-02-03T12:00:00", "timeZone": "UTC"}}).json()["value"][0]
    assert utc["availabilityView"] == "22222200"  # 30-minute default; busy 08-11 UTC
    assert utc["scheduleItems"][0]["start"]["timeZone"] == "UTC"


def test_get_schedule_limits(graph: Client) -> None:
    assert _schedule(graph, schedules=[f"u{i}@example.se" for i in range(21)]).status_code == 400
    assert _schedule(graph, availabilityViewInterval=4).status_code == 400
    assert _schedule(graph, availabilityViewInterval=1441).status_code == 400
    long = _schedule(graph, endTime={"dateTime": "2027-04-05T08:00:00", "timeZone": "W. Europe Standard Time"})
    assert long.status_code == 400 and long.json()["error"]["code"] == "ErrorTimeIntervalTooBig"
    ok = _schedule(graph, endTime={"dateTime": "2027-04-03T07:00:00", "timeZone": "W. Europe Standard Time"})
    assert ok.status_code == 200
