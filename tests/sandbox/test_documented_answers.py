"""The sandbox answers events, getSchedule and directory pages as Microsoft documents them
(docs/graph.md#events, docs/graph.md#free-and-busy-time, docs/graph.md#directory)."""
from __future__ import annotations

from typing import Any

from connectors.graph.client import connect
from connectors.sandbox import Sandbox
from tests.sandbox.conftest import Client

ANNA = "/users/anna.berg@example.se"
WEST = "W. Europe Standard Time"


def _event(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": "Medarbetarsamtal", "body": {"contentType": "HTML", "content": "<p>Hej</p>"},
        "start": {"dateTime": "2027-02-10T09:00:00", "timeZone": WEST},
        "end": {"dateTime": "2027-02-10T10:00:00", "timeZone": "Europe/Berlin"},
        "attendees": [{"emailAddress": {"address": "per.lind@example.se", "name": "Per Lind"}, "type": "Required"}]}
    body.update(extra)
    return body


def test_a_created_event_comes_back_in_the_zones_of_the_request_whatever_prefer_says(graph: Client) -> None:
    made = graph.post(f"{ANNA}/events", json=_event(), headers={"Prefer": 'outlook.timezone="UTC"'})
    assert made.status_code == 201
    ev = made.json()
    assert ev["start"] == {"dateTime": "2027-02-10T09:00:00.0000000", "timeZone": WEST}
    assert ev["end"] == {"dateTime": "2027-02-10T10:00:00.0000000", "timeZone": "Europe/Berlin"}
    assert "Preference-Applied" not in made.headers
    got = graph.get(f"{ANNA}/events/{ev['id']}")
    assert got.json()["start"] == {"dateTime": "2027-02-10T08:00:00.0000000", "timeZone": "UTC"}  # GET: UTC
    asked = graph.get(f"{ANNA}/events/{ev['id']}", headers={"Prefer": 'outlook.timezone="Pacific Standard Time"'})
    assert asked.json()["start"] == {"dateTime": "2027-02-10T00:00:00.0000000", "timeZone": "Pacific Standard Time"}


def test_an_update_answers_in_utc_whatever_prefer_says(graph: Client) -> None:
    ev = graph.post(f"{ANNA}/events", json=_event()).json()
    moved = graph.call("PATCH", f"{ANNA}/events/{ev['id']}", headers={"Prefer": f'outlook.timezone="{WEST}"'},
                       json={"start": {"dateTime": "2027-02-11T09:00:00", "timeZone": WEST},
                             "end": {"dateTime": "2027-02-11T10:00:00", "timeZone": WEST}})
    assert moved.status_code == 200
    assert moved.json()["start"] == {"dateTime": "2027-02-11T08:00:00.0000000", "timeZone": "UTC"}
    assert "Preference-Applied" not in moved.headers


def test_an_event_answer_carries_the_documented_properties(graph: Client) -> None:
    ev = graph.post(f"{ANNA}/events", json=_event()).json()
    for answer in (ev, graph.get(f"{ANNA}/events/{ev['id']}").json()):
        assert answer["hasAttachments"] is False
        assert answer["seriesMasterId"] is None and answer["onlineMeetingUrl"] is None
        assert answer["recurrence"] is None and answer["type"] == "singleInstance"
    assert ev["attendees"][0]["type"] == "required"  # sent as "Required"
    bad = graph.post(f"{ANNA}/events", json=_event(attendees=[{"emailAddress": {"address": "x@example.se"}, "type": "boss"}]))
    assert bad.status_code == 400


def test_several_locations_are_kept_and_location_joins_them(graph: Client) -> None:
    ev = graph.post(f"{ANNA}/events", json=_event(locations=[
        {"displayName": "Rum 4"}, {"displayName": "Teams", "locationUri": "https://teams.example"}])).json()
    assert [x["displayName"] for x in ev["locations"]] == ["Rum 4", "Teams"]
    assert ev["locations"][1]["locationUri"] == "https://teams.example"
    assert ev["location"]["displayName"] == "Rum 4; Teams"
    moved = graph.call("PATCH", f"{ANNA}/events/{ev['id']}", json={"location": {"displayName": "Rum 7"}}).json()
    assert [x["displayName"] for x in moved["locations"]] == ["Rum 7"]  # location replaces locations
    copy = graph.get("/users/per.lind@example.se/events").json()["value"][0]
    assert [x["displayName"] for x in copy["locations"]] == ["Rum 7"]
    plain = graph.post(f"{ANNA}/events", json=_event(location={"displayName": "Rum 4"})).json()
    assert [x["displayName"] for x in plain["locations"]] == ["Rum 4"]
    none = graph.post(f"{ANNA}/events", json=_event()).json()
    assert none["locations"] == [] and none["location"]["displayName"] == ""


def test_recurrence_null_is_a_single_event_in_create_and_patch(graph: Client) -> None:
    ev = graph.post(f"{ANNA}/events", json=_event(recurrence=None))
    assert ev.status_code == 201
    patched = graph.call("PATCH", f"{ANNA}/events/{ev.json()['id']}", json={"recurrence": None, "subject": "Ny"})
    assert patched.status_code == 200 and patched.json()["subject"] == "Ny"
    series = {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
              "range": {"type": "noEnd", "startDate": "2027-02-01"}}
    refused = graph.call("PATCH", f"{ANNA}/events/{ev.json()['id']}", json={"recurrence": series})
    assert refused.status_code == 400  # a series the sandbox does not hold (docs/sandbox.md)


def test_enumerations_are_taken_in_any_case_and_answered_in_graphs(graph: Client) -> None:
    ev = graph.post(f"{ANNA}/events", json=_event(showAs="Busy", importance="High", sensitivity="Private",
                                                   isOnlineMeeting=True, onlineMeetingProvider="TeamsForBusiness")).json()
    assert (ev["showAs"], ev["importance"], ev["sensitivity"], ev["onlineMeetingProvider"]) == \
        ("busy", "high", "private", "teamsForBusiness")


def test_action_parameters_are_matched_without_case(graph: Client) -> None:
    ev = graph.post(f"{ANNA}/events", json=_event()).json()
    copy_id = graph.get("/users/per.lind@example.se/events").json()["value"][0]["id"]
    answer = graph.post(f"/users/per.lind@example.se/events/{copy_id}/decline",
                        json={"Comment": "Kan inte", "SendResponse": False})
    assert answer.status_code == 202
    status = graph.get(f"{ANNA}/events/{ev['id']}").json()["attendees"][0]["status"]["response"]
    assert status == "none"  # SendResponse false: the organiser hears nothing
    assert graph.post(f"{ANNA}/events/{ev['id']}/cancel", json={"Comment": "Inställt"}).status_code == 202


def _schedule_body(**body: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"schedules": ["per.lind@example.se"],
                               "startTime": {"dateTime": "2027-02-01T08:00:00", "timeZone": WEST},
                               "endTime": {"dateTime": "2027-02-01T17:00:00", "timeZone": WEST},
                               "availabilityViewInterval": 60}
    payload.update(body)
    return payload


def test_get_schedule_takes_pascal_case_parameters_and_a_numeric_string_interval(graph: Client) -> None:
    camel = graph.post(f"{ANNA}/calendar/getSchedule", json=_schedule_body())
    pascal = graph.post(f"{ANNA}/calendar/getSchedule", json={
        "Schedules": ["per.lind@example.se"], "StartTime": {"dateTime": "2027-02-01T08:00:00", "timeZone": WEST},
        "EndTime": {"dateTime": "2027-02-01T17:00:00", "timeZone": WEST}, "AvailabilityViewInterval": "60"})
    assert camel.status_code == 200 and pascal.status_code == 200
    assert pascal.json()["value"] == camel.json()["value"]
    twice = graph.post(f"{ANNA}/calendar/getSchedule", json={**_schedule_body(), "Schedules": ["x@example.se"]})
    assert twice.status_code == 400  # one parameter given twice


def test_get_schedule_errors_as_graph_answers_them(graph: Client) -> None:
    r = graph.post(f"{ANNA}/calendar/getSchedule", json=_schedule_body(schedules=["nobody@example.se", "no.drive@example.se"]))
    unknown, nobox = r.json()["value"]
    assert unknown == {"scheduleId": "nobody@example.se", "error": {
        "message": "Unable to resolve e-mail address nobody@example.se to an Active Directory object.", "responseCode": "5009"}}
    assert set(nobox) == {"scheduleId", "error"} and nobox["error"]["responseCode"] == "5009"
    long = graph.post(f"{ANNA}/calendar/getSchedule", json=_schedule_body(
        endTime={"dateTime": "2027-04-05T08:00:00", "timeZone": WEST}))
    assert long.status_code == 400 and long.json()["error"]["code"] == "ErrorTimeIntervalTooBig"


def test_working_elsewhere_is_zero_in_the_availability_view(graph: Client) -> None:
    graph.post("/users/per.lind@example.se/events", json=_event(
        attendees=[], showAs="workingElsewhere", start={"dateTime": "2027-02-02T09:00:00", "timeZone": WEST},
        end={"dateTime": "2027-02-02T11:00:00", "timeZone": WEST}))
    info = graph.post(f"{ANNA}/calendar/getSchedule", json=_schedule_body(
        startTime={"dateTime": "2027-02-02T08:00:00", "timeZone": WEST},
        endTime={"dateTime": "2027-02-02T12:00:00", "timeZone": WEST})).json()["value"][0]
    assert info["availabilityView"] == "0000"
    assert [i["status"] for i in info["scheduleItems"]] == ["workingElsewhere"]


def test_a_directory_collection_with_expand_pages_by_100_whatever_top_asks() -> None:
    users = [{"userPrincipalName": f"u{i}@example.se", "displayName": f"U {i}"} for i in range(150)]
    sandbox = Sandbox.from_seed({"tenant": {"domain": "example.se"}, "users": users})
    with sandbox.serve(port=0) as server:
        client = Client(server.graph_url)
        expanded = client.get("/users", params={"$top": "999", "$expand": "manager", "$select": "id"}).json()
        assert len(expanded["value"]) == 100 and "@odata.nextLink" in expanded
        rest = client.get(expanded["@odata.nextLink"]).json()
        assert len(rest["value"]) == 50 and "@odata.nextLink" not in rest
        plain = client.get("/users", params={"$top": "999", "$select": "id"}).json()
        assert len(plain["value"]) == 150
        small = client.get("/users", params={"$top": "20", "$expand": "manager", "$select": "id"}).json()
        assert len(small["value"]) == 20
        graph = connect(graph_url=server.graph_url, tenant_id="t", client_id="c", credential=None)
        assert len(list(graph.directory.list_users())) == 150  # samtal asks 999 and follows the pages
