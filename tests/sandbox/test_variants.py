"""Tenant and user variants a seed switches on (docs/sandbox.md#tenant-and-user-variants): a
mailbox on-premises or outside the app's access policy, a calendar that allows no Teams meetings,
and a tenant whose ``$batch`` items run interleaved."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.sandbox import Sandbox
from connectors.sandbox.seed import SeedError, load_seed
from tests.sandbox.conftest import Client

WINDOW = {"startTime": {"dateTime": "2027-02-01T00:00:00", "timeZone": "UTC"},
          "endTime": {"dateTime": "2027-02-02T00:00:00", "timeZone": "UTC"}}


def _event(attendee: str, online: bool = True) -> dict[str, Any]:
    return {"subject": "Samtal", "start": {"dateTime": "2027-02-01T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2027-02-01T10:00:00", "timeZone": "UTC"},
            "attendees": [{"emailAddress": {"address": attendee}, "type": "required"}],
            "isOnlineMeeting": online, "onlineMeetingProvider": "teamsForBusiness"}


def _seed(variants: dict[str, str] | None = None) -> dict[str, Any]:
    users = [
        {"userPrincipalName": "anna@example.se", "displayName": "Anna"},
        {"userPrincipalName": "olle@example.se", "displayName": "Olle", "mailbox": "onprem"},
        {"userPrincipalName": "rut@example.se", "displayName": "Rut", "mailbox": "restricted"},
        {"userPrincipalName": "nils@example.se", "displayName": "Nils", "mailbox": False},
        {"userPrincipalName": "tove@example.se", "displayName": "Tove", "onlineMeetings": False},
    ]
    return {"tenant": {"domain": "example.se", **({"variants": variants} if variants else {})},
            "users": users, "sites": [{"path": "/sites/hr", "displayName": "HR"}]}


@pytest.fixture(scope="module")
def graph() -> Iterator[Client]:
    sandbox = Sandbox.from_seed(_seed())
    with sandbox.serve(port=0) as server:
        yield Client(server.graph_url)


def test_a_mailbox_on_premises_answers_as_one_graph_cannot_reach(graph: Client) -> None:
    for method, path, body in (("GET", "/users/olle@example.se/events", None),
                               ("POST", "/users/olle@example.se/events", _event("anna@example.se")),
                               ("POST", "/users/olle@example.se/calendar/getSchedule",
                                {"schedules": ["anna@example.se"], **WINDOW})):
        r = graph.call(method, path, json=body)
        assert r.status_code == 404, (path, r.text)
        assert r.json()["error"]["code"] == "MailboxNotEnabledForRESTAPI"
        assert "hosted on-premise" in r.json()["error"]["message"]
    none = graph.get("/users/nils@example.se/events").json()["error"]
    assert none["code"] == "MailboxNotEnabledForRESTAPI" and none["message"] == "REST API is not yet supported for this mailbox."
    # as someone else's schedule: an entry with an error, and no invitation copy in its calendar
    entry = graph.post("/users/anna@example.se/calendar/getSchedule",
                       json={"schedules": ["olle@example.se"], **WINDOW}).json()["value"][0]
    assert set(entry) == {"scheduleId", "error"} and entry["error"]["responseCode"] == "5009"


def test_a_mailbox_outside_the_access_policy_answers_403_to_the_app_only(graph: Client) -> None:
    for method, path, body in (("GET", "/users/rut@example.se/events", None),
                               ("GET", "/users/rut@example.se/calendarView?startDateTime=2027-02-01T00:00:00Z&endDateTime=2027-02-02T00:00:00Z", None),
                               ("POST", "/users/rut@example.se/events", _event("anna@example.se")),
                               ("POST", "/users/rut@example.se/calendar/getSchedule",
                                {"schedules": ["anna@example.se"], **WINDOW})):
        r = graph.call(method, path, json=body)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["error"] == {**r.json()["error"], "code": "ErrorAccessDenied",
                                     "message": "Access to OData is disabled."}
    # through a mailbox the policy covers, Rut's free/busy comes back, and she is invited
    entry = graph.post("/users/anna@example.se/calendar/getSchedule",
                       json={"schedules": ["rut@example.se"], **WINDOW}).json()["value"][0]
    assert "error" not in entry and entry["availabilityView"]
    made = graph.post("/users/anna@example.se/events", json=_event("rut@example.se"))
    assert made.status_code == 201
    # Rut answers in Outlook (the control route acts as the person, not the app)
    answer = graph.control("POST", "events/respond", json={"user": "rut@example.se", "event_id": made.json()["id"],
                                                          "response": "accept"})
    assert answer.status_code == 202
    attendees = graph.get(f"/users/anna@example.se/events/{made.json()['id']}").json()["attendees"]
    assert attendees[0]["status"]["response"] == "accepted"


def test_a_calendar_without_teams_books_the_event_without_a_link(graph: Client) -> None:
    made = graph.post("/users/tove@example.se/events", json=_event("anna@example.se"))
    assert made.status_code == 201
    ev = made.json()
    assert ev["isOnlineMeeting"] is False and ev["onlineMeetingProvider"] == "unknown"
    assert ev["onlineMeeting"] is None
    patched = graph.call("PATCH", f"/users/tove@example.se/events/{ev['id']}",
                         json={"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"})
    assert patched.status_code == 200 and patched.json()["isOnlineMeeting"] is False
    teams = graph.post("/users/anna@example.se/events", json=_event("tove@example.se")).json()
    assert teams["isOnlineMeeting"] is True and teams["onlineMeeting"]["joinUrl"]


def test_the_seed_takes_the_variants_and_names_the_values_it_knows() -> None:
    seed = load_seed(_seed({"batch": "concurrent", "permissions": "documented"}))
    users = {u["userPrincipalName"]: u for u in seed["users"]}
    assert users["olle@example.se"]["mailbox"] == "onprem" and users["rut@example.se"]["mailbox"] == "restricted"
    assert users["tove@example.se"]["onlineMeetings"] is False and users["anna@example.se"]["onlineMeetings"] is True
    assert seed["tenant"]["variants"] == {"batch": "concurrent", "permissions": "documented"}
    assert load_seed(_seed())["tenant"]["variants"] == {"batch": "default", "permissions": "default"}
    bad = {"users": [{"userPrincipalName": "a@example.se", "displayName": "A", "mailbox": "cloud",
                      "onlineMeetings": "teams"}], "tenant": {"variants": {"batch": "parallel"}}}
    with pytest.raises(SeedError) as caught:
        load_seed(bad)
    text = str(caught.value)
    assert "mailbox must be true or false, onprem, restricted, not 'cloud'" in text
    assert "onlineMeetings must be true or false, not 'teams'" in text
    assert "tenant.variants.batch: must be one of default, concurrent, not 'parallel'" in text


def _uploads(d: str, names: list[str], depends: bool = False) -> dict[str, Any]:
    reqs: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        reqs.append({"id": str(i + 1), "method": "PUT", "url": f"/drives/{d}/root:/Ny/Mapp/{name}:/content",
                     "headers": {"Content-Type": "application/json"}, "body": {"x": name}})
        if depends and i:
            reqs[-1]["dependsOn"] = [str(i)]
    return {"requests": reqs}


def _tree(graph: Client, d: str) -> list[str]:
    top = graph.get(f"/drives/{d}/root/children").json()["value"]
    out = [c["name"] for c in top]
    for c in top:
        for inner in graph.get(f"/drives/{d}/items/{c['id']}/children").json()["value"]:
            out.append(f"{c['name']}/{inner['name']}")
            out += [f"{c['name']}/{inner['name']}/{f['name']}" for f in
                    graph.get(f"/drives/{d}/items/{inner['id']}/children").json()["value"]]
    return sorted(out)


@pytest.mark.parametrize("variant", ["default", "concurrent"])
def test_independent_uploads_into_one_missing_folder_race_only_on_a_concurrent_tenant(variant: str) -> None:
    sandbox = Sandbox.from_seed(_seed({"batch": variant}))
    with sandbox.serve(port=0) as server:
        graph = Client(server.graph_url)
        d = graph.get("/users/anna@example.se/drive").json()["id"]
        answers = {a["id"]: a for a in graph.post("/$batch", json=_uploads(d, ["a.json", "b.json", "c.json"])).json()["responses"]}
        statuses = sorted(a["status"] for a in answers.values())
        if variant == "default":
            assert statuses == [201, 201, 201]
        else:  # one of them made the folders; the others lost the race for them
            assert statuses == [201, 409, 409]
            lost = [a for a in answers.values() if a["status"] == 409]
            assert all(a["body"]["error"]["code"] == "nameAlreadyExists" for a in lost)
        # never a second folder of one name: the losers wrote nothing
        made = ["Ny", "Ny/Mapp"] + [f"Ny/Mapp/{a}" for a in ("a.json", "b.json", "c.json")
                                    if answers[str("abc".index(a[0]) + 1)]["status"] == 201]
        assert _tree(graph, d) == sorted(made)
        # sent again, one at a time, they go through
        again = graph.post("/$batch", json=_uploads(d, ["a.json", "b.json", "c.json"], depends=True)).json()
        assert sorted(a["status"] for a in again["responses"]) in ([200, 200, 200], [200, 201, 201])
        assert _tree(graph, d) == ["Ny", "Ny/Mapp", "Ny/Mapp/a.json", "Ny/Mapp/b.json", "Ny/Mapp/c.json"]


def test_the_order_of_a_racing_batch_is_drawn_from_the_seed_and_keeps_dependencies() -> None:
    from connectors.sandbox.races import order

    # every item on the first, one of the shapes Graph takes dependsOn in
    reqs = [{"id": str(i), "method": "GET", "url": f"/x/{i}", **({"dependsOn": ["0"]} if i else {})} for i in range(8)]
    first = order(reqs, 7)
    assert first == order(reqs, 7) and sorted(first) == list(range(8))
    assert first[0] == 0
    assert any(order(reqs, seed) != first for seed in range(1, 6))
    assert first != list(range(8)) or order(reqs, 8) != list(range(8))
