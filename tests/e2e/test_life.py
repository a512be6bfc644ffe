"""A talk's life after booking (SPEC §3, §5–6): a declined invitation gets a new time on the same
event, a filled and confirmed form is filed (and only what may be filed), a manager change moves
the talk and its folder's access."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from plugin import reconcile
from plugin.documents import wordsim
from plugin.talks import FILE_NAMES
from tests.e2e.checks import check_round, items_by_key, list_items, talk_events, utc
from tests.e2e.conftest import AFTER, NOW, ServeFactory, Served, team_seed


def by_name(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["Title"]: f for f in items_by_key(state).values()}


def prep_item(state: dict[str, Any], f: dict[str, Any]) -> dict[str, Any]:
    items = state["drives"][f["DriveId"]]["items"]
    name = FILE_NAMES[f["Language"]]["prep"]
    return next(i for i in items.values() if i["parentId"] == f["FolderId"] and i["name"] == name)


def test_a_declined_invitation_gets_a_new_time_on_the_same_event(serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(4))
    served.run(NOW)
    before = served.state()
    talk = by_name(before)["Person 0"]
    old_prep = prep_item(before, talk)
    served.people.respond(talk["EmployeeEmail"], talk["EventId"], "decline")

    report = served.run(NOW + timedelta(hours=1), watch_all=True)
    assert {a.what for a in report.actions} == {"declined", "move (declined)"}
    after = served.state()
    moved = by_name(after)["Person 0"]
    assert moved["Status"] == "scheduled" and moved["EventId"] == talk["EventId"]
    assert moved["MeetingStart"] != talk["MeetingStart"]
    [(mailbox, event)] = talk_events(after)[moved["Key"]]  # the same event, not a second one
    assert event["id"] == talk["EventId"] and utc(event["start"]) == utc(moved["MeetingStart"])
    assert event["attendees"][0]["status"]["response"] == "none"  # asked again
    new_prep = prep_item(after, moved)
    assert new_prep["id"] == old_prep["id"] and new_prep["version"] > old_prep["version"]
    assert served.blob(new_prep["id"]) != served.blob(old_prep["id"]) or new_prep["size"] != old_prep["size"]
    check_round(served, after, graph_reads=False)
    # nothing else changed for the others
    others = {k: f for k, f in by_name(before).items() if k != "Person 0"}
    assert {k: by_name(after)[k]["MeetingStart"] for k in others} == {k: f["MeetingStart"] for k, f in others.items()}


HEALTH = "Sömnproblem sedan i höstas"
FEEDBACK = "Chefen borde lyssna mer"
TEXTS = {"goals": "- Skriva klart boken\n- Handleda två doktorander", "development_plan": "Kurs i ledarskap",
         "competence_needs": "Statistik i R", "expectations": "Tydliga prioriteringar",
         "previous_goals_followup": "Förra årets mål nåddes", "health_notes": HEALTH,
         "manager_feedback": FEEDBACK}


def _fill(served: Served, f: dict[str, Any], confirm: tuple[str, ...]) -> None:
    data = served.blob(f["FormItemId"])
    day = utc(f["MeetingStart"]).date()
    served.people.save_file(f["DriveId"], f["FormItemId"],
                            wordsim.fill_form(data, TEXTS, confirm=confirm, health_discussed=True, day=day))


@pytest.fixture(params=["in-thread", "worker-processes"])
def documents(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Documents rendered and read in the pass's threads, or (as for a large round) in a worker
    process."""
    pooled: list[int] = []
    if request.param == "worker-processes":
        monkeypatch.setattr(reconcile, "_POOLED_DOCUMENTS", 1)
        monkeypatch.setattr(reconcile, "_POOLED_READING", 1)
        monkeypatch.setattr(reconcile, "spare_cores", lambda: 1)
        real = reconcile.DocumentWorkers

        def counting(processes: int, templates_dir: Any = None) -> Any:
            pooled.append(processes)
            return real(processes, templates_dir)
        monkeypatch.setattr(reconcile, "DocumentWorkers", counting)
    yield str(request.param)
    if request.param == "worker-processes":
        assert pooled.count(1) == 2  # one for preparing the round, one for reading the forms


def test_confirmed_forms_are_filed_and_nothing_else(serve_tenant: ServeFactory, documents: str) -> None:
    served = serve_tenant(team_seed(4))
    served.run(NOW)
    talks = by_name(served.state())
    _fill(served, talks["Person 0"], ("employee_confirmed", "manager_confirmed"))
    _fill(served, talks["Person 1"], ("employee_confirmed",))
    # Person 3's form, filled and confirmed, is copied over Person 2's
    _fill(served, talks["Person 3"], ("employee_confirmed", "manager_confirmed"))
    served.people.save_file(talks["Person 2"]["DriveId"], talks["Person 2"]["FormItemId"],
                            served.blob(talks["Person 3"]["FormItemId"]))

    served.run(AFTER, watch_all=True)
    state = served.state()
    after = by_name(state)
    filed = after["Person 0"]
    assert filed["Status"] == "filed" and filed["FiledAt"]
    assert filed["Goals"].splitlines() == ["Skriva klart boken", "Handleda två doktorander"] or \
        "Skriva klart boken" in filed["Goals"]
    assert (filed["DevelopmentPlan"], filed["CompetenceNeeds"], filed["Expectations"],
            filed["PreviousGoalsFollowup"]) == ("Kurs i ledarskap", "Statistik i R", "Tydliga prioriteringar",
                                                "Förra årets mål nåddes")
    assert filed["HealthDiscussed"] is True and filed["EmployeeConfirmed"] is True and filed["ManagerConfirmed"] is True
    assert filed["MeetingDate"].startswith(utc(filed["MeetingStart"]).date().isoformat())
    assert after["Person 3"]["Status"] == "filed"
    # health notes and feedback to the manager never leave the document
    raw = json.dumps(list_items(state), ensure_ascii=False)
    assert HEALTH not in raw and FEEDBACK not in raw
    assert after["Person 1"]["Status"] == "held"  # only one confirmation
    wrong = after["Person 2"]
    assert wrong["Status"] == "held" and "belongs to another talk" in wrong["Note"]
    assert wrong["Goals"] is None


def test_a_manager_change_moves_the_talk_and_the_folder_access(serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(4))
    served.run(NOW)
    before = served.state()
    talk = by_name(before)["Person 0"]
    users = {u["userPrincipalName"]: u for u in before["users"].values()}
    old, new = users["boss@example.se"], users["other.boss@example.se"]
    response = served.control("PUT", "users/person0@example.se/manager", json={"manager": "other.boss@example.se"})
    assert response.status_code == 204

    report = served.run(NOW + timedelta(days=1))
    assert [a.what for a in report.actions] == ["move to the new manager"]
    state = served.state()
    moved = by_name(state)["Person 0"]
    assert moved["Status"] == "scheduled" and moved["ManagerId"] == new["id"]
    assert talk["EventId"] not in state["events"][old["id"]]  # the old meeting is cancelled
    copies = [e for e in state["events"][talk["EmployeeId"]].values() if e.get("organizerRef", [""])[0] == old["id"]]
    assert copies and all(e["isCancelled"] for e in copies)
    [(mailbox, _)] = talk_events(state)[moved["Key"]]
    assert mailbox == new["id"]
    folder = state["drives"][moved["DriveId"]]["items"][moved["FolderId"]]
    assert moved["FolderId"] == talk["FolderId"]  # the folder stays with the employee
    assert [(p["grantedTo"]["user"]["id"], p["roles"]) for p in folder["permissions"]] == [(new["id"], ["write"])]
    check_round(served, state, graph_reads=True)


def test_a_talk_whose_time_was_taken_after_booking_moves_on_the_same_event(serve_tenant: ServeFactory) -> None:
    """SPEC §4: booked talks stay put unless declined, cancelled or in conflict."""
    from connectors.graph.calendar_records import EventDraft

    served = serve_tenant(team_seed(3))
    served.run(NOW)
    talk = by_name(served.state())["Person 1"]
    client = served.client(NOW)
    employee = client.directory.get_user("person1@example.se")
    clash = EventDraft(subject="Konferens", body_html="", start=utc(talk["MeetingStart"]),
                       end=utc(talk["MeetingEnd"]) + timedelta(minutes=30), time_zone="UTC",
                       attendees=(), tag="not-samtal", transaction_id="b7c1e3a0-0000-4000-8000-00000000c1a5")
    client.calendar.create_event(employee.id, clash)

    report = served.run(NOW + timedelta(hours=1), watch_all=True)
    assert {a.what for a in report.actions} == {"conflict", "move (time taken since)"}
    after = by_name(served.state())
    moved = after["Person 1"]
    assert moved["EventId"] == talk["EventId"] and moved["Status"] == "scheduled"
    start, end = utc(moved["MeetingStart"]), utc(moved["MeetingEnd"])
    assert end <= clash.start or start >= clash.end  # clear of the new meeting
    [(mailbox, event)] = talk_events(served.state())[moved["Key"]]
    assert event["id"] == talk["EventId"]
    others = {k: f["MeetingStart"] for k, f in by_name(served.state()).items() if k != "Person 1"}
    assert others == {k: after[k]["MeetingStart"] for k in others}  # nobody else moved
    assert not served.run(NOW + timedelta(hours=2), watch_all=True).actions  # and it stays put
