"""A talk's life after booking (docs/records.md#how-a-talk-moves): a declined invitation gets a
new time on the same event, a filled and confirmed form is filed (and only what may be filed), a
manager change moves the talk and its folder's access."""
from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pytest
import requests

from connectors.graph import errors
from connectors.graph.calendar_records import EventDraft
from connectors.graph.drive import Drive
from connectors.graph.drive_records import FileContent
from plugin import booking_stages, watching
from plugin.documents import FormReading, read_form, wordsim
from plugin.documents.workers import DocumentWorkers
from plugin.form_date import day_text
from plugin.placement import FILE_NAMES
from tests.e2e.checks import check_round, items_by_key, list_items, talk_events, utc
from tests.e2e.conftest import AFTER, NOW, ZONE, ServeFactory, Served, team_seed


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
        def counting(processes: int, templates_dir: Any = None) -> Any:
            pooled.append(processes)
            return DocumentWorkers(processes, templates_dir)
        for module, threshold in ((booking_stages, "_POOLED_DOCUMENTS"), (watching, "_POOLED_READING")):
            monkeypatch.setattr(module, threshold, 1)
            monkeypatch.setattr(module, "spare_cores", lambda: 1)
            monkeypatch.setattr(module, "DocumentWorkers", counting)
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
    """Booked talks stay put unless declined, cancelled or in conflict
    (docs/records.md#how-a-talk-moves)."""
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


# ---------------------------------------------------------------------------- a moved talk's form
WORD_REVISION = "00D1E2F3"


def _local_day(f: dict[str, Any]) -> date:
    return utc(f["MeetingStart"]).astimezone(ZONE).date()


def _form(served: Served, f: dict[str, Any]) -> FormReading:
    return read_form(served.blob(f["FormItemId"]))


def _form_version(state: dict[str, Any], f: dict[str, Any]) -> int:
    return int(state["drives"][f["DriveId"]]["items"][f["FormItemId"]]["version"])


def _busy_all_day(served: Served, upn: str, day: date, subject: str = "Heldag") -> EventDraft:
    """Someone's whole day booked over (in their own calendar), so a talk moved off it cannot land
    on the same day again and the move shows in the form's date."""
    client = served.client(NOW)
    user = client.directory.get_user(upn)
    start = datetime.combine(day, time(0, 0), ZONE).astimezone(timezone.utc)
    draft = EventDraft(subject=subject, body_html="", start=start, end=start + timedelta(days=1), time_zone="UTC",
                       attendees=(), tag="not-samtal", transaction_id=str(uuid.uuid4()))
    client.calendar.create_event(user.id, draft)
    return draft


def _word_saves_unchanged(served: Served, f: dict[str, Any]) -> None:
    """The person opens the form in Word and saves it without writing anything."""
    def resave(root: Any) -> None:
        for p in root.iter(wordsim.w("p")):
            p.set(wordsim.w("rsidR"), WORD_REVISION)
    served.people.save_file(f["DriveId"], f["FormItemId"], wordsim.edit(served.blob(f["FormItemId"]), resave))


@pytest.fixture
def form_calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the pass read a form with its eTag and wrote one conditionally."""
    calls = {"fetch_file": 0, "replace_if_unchanged": 0}
    for name in calls:
        real = getattr(Drive, name)

        def counted(self: Drive, *args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
            calls[_name] += 1
            return _real(self, *args, **kw)
        monkeypatch.setattr(Drive, name, counted)
    return calls


def _confirm_as_is(served: Served, f: dict[str, Any]) -> None:
    """Both confirm the form as it stands, its date untouched."""
    served.people.save_file(f["DriveId"], f["FormItemId"], wordsim.fill_form(
        served.blob(f["FormItemId"]), {"goals": "- Skriva klart boken"},
        confirm=("employee_confirmed", "manager_confirmed")))


def test_a_declined_talks_form_follows_it_to_the_new_day(serve_tenant: ServeFactory,
                                                         form_calls: dict[str, int]) -> None:
    served = serve_tenant(team_seed(4))
    served.run(NOW)
    before = served.state()
    talks = {n: by_name(before)[n] for n in ("Person 0", "Person 1")}
    _word_saves_unchanged(served, talks["Person 1"])  # opened and saved in Word, nothing written
    saved = served.state()
    readings = {n: _form(served, f) for n, f in talks.items()}
    for n, f in talks.items():
        _busy_all_day(served, f["EmployeeEmail"], _local_day(f))
        served.people.respond(f["EmployeeEmail"], f["EventId"], "decline")

    report = served.run(NOW + timedelta(hours=1), watch_all=True)
    assert [a.what for a in report.actions].count("move (declined)") == 2
    after = served.state()
    for n, f in talks.items():
        moved = by_name(after)[n]
        assert moved["FormItemId"] == f["FormItemId"] and _local_day(moved) != _local_day(f)
        form = _form(served, moved)
        assert form.fields["meeting_date"] == _local_day(moved), n  # the form in OneDrive says the new day
        assert {k: v for k, v in form.fields.items() if k != "meeting_date"} == \
            {k: v for k, v in readings[n].fields.items() if k != "meeting_date"}
        assert _form_version(after, moved) == _form_version(saved, moved) + 1  # one new version
        assert "date" not in moved["Note"] and "form" not in moved["Note"]
    # the Word-saved form was edited where it stood, not rendered again
    assert WORD_REVISION.encode() in _document_xml(served.blob(talks["Person 1"]["FormItemId"]))
    # one read and one conditional write per moved talk; nothing for the two that stayed
    assert form_calls == {"fetch_file": 2, "replace_if_unchanged": 2}
    check_round(served, after, graph_reads=False)

    for n in talks:
        _confirm_as_is(served, by_name(after)[n])
    served.run(AFTER, watch_all=True)
    for n in talks:
        filed = by_name(served.state())[n]
        assert filed["Status"] == "filed"
        assert filed["MeetingDate"][:10] == _local_day(filed).isoformat() == _local_day(by_name(after)[n]).isoformat()
        assert "date" not in filed["Note"]


def test_a_form_written_in_before_the_move_keeps_its_date_and_the_record_says_why(
        serve_tenant: ServeFactory, form_calls: dict[str, int]) -> None:
    served = serve_tenant(team_seed(4))
    served.run(NOW)
    talk = by_name(served.state())["Person 2"]
    old_day = _local_day(talk)
    written = wordsim.fill_form(served.blob(talk["FormItemId"]), {"goals": "- Skriva klart boken"})
    served.people.save_file(talk["DriveId"], talk["FormItemId"], written)  # part of the form filled in
    version = _form_version(served.state(), talk)
    _busy_all_day(served, talk["EmployeeEmail"], old_day)
    served.people.respond(talk["EmployeeEmail"], talk["EventId"], "decline")

    served.run(NOW + timedelta(hours=1), watch_all=True)
    state = served.state()
    moved = by_name(state)["Person 2"]
    new_day = _local_day(moved)
    assert moved["Status"] == "scheduled" and new_day != old_day
    assert served.blob(talk["FormItemId"]) == written and _form_version(state, moved) == version  # untouched
    assert day_text(old_day) in moved["Note"] and day_text(new_day) in moved["Note"], moved["Note"]
    assert form_calls == {"fetch_file": 1, "replace_if_unchanged": 0}

    _confirm_as_is(served, moved)
    assert _form(served, moved).fields["meeting_date"] == old_day  # the form still says the old day
    served.run(AFTER, watch_all=True)
    filed = by_name(served.state())["Person 2"]
    assert filed["Status"] == "filed" and filed["MeetingDate"][:10] == new_day.isoformat()  # the booking's
    assert filed["MeetingStart"] == moved["MeetingStart"]
    assert day_text(old_day) in filed["Note"] and day_text(new_day) in filed["Note"], filed["Note"]


def test_a_talk_moved_off_a_taken_time_takes_its_form_along(serve_tenant: ServeFactory,
                                                           form_calls: dict[str, int]) -> None:
    served = serve_tenant(team_seed(3))
    served.run(NOW)
    talk = by_name(served.state())["Person 1"]
    _busy_all_day(served, talk["EmployeeEmail"], _local_day(talk), "Konferens")  # the time is taken since

    report = served.run(NOW + timedelta(hours=1), watch_all=True)
    assert {a.what for a in report.actions} == {"conflict", "move (time taken since)"}
    moved = by_name(served.state())["Person 1"]
    assert moved["EventId"] == talk["EventId"] and _local_day(moved) != _local_day(talk)
    assert _form(served, moved).fields["meeting_date"] == _local_day(moved)
    assert form_calls == {"fetch_file": 1, "replace_if_unchanged": 1}

    _confirm_as_is(served, moved)
    served.run(AFTER, watch_all=True)
    filed = by_name(served.state())["Person 1"]
    assert filed["Status"] == "filed" and filed["MeetingDate"][:10] == _local_day(moved).isoformat()


@pytest.mark.parametrize("how", ["saved meanwhile", "open in Word"])
def test_a_form_someone_is_editing_while_its_date_is_set_is_left_to_them(
        serve_tenant: ServeFactory, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    served = serve_tenant(team_seed(4))
    served.run(NOW)
    talk = by_name(served.state())["Person 3"]
    old_day = _local_day(talk)
    blank = served.blob(talk["FormItemId"])
    theirs = wordsim.fill_form(blank, {"expectations": "Tydliga prioriteringar"})
    if how == "saved meanwhile":
        real = Drive.fetch_file

        def person_saves_meanwhile(self: Drive, drive_id: str, item_id: str) -> FileContent:
            fetched = real(self, drive_id, item_id)  # read blank, as samtal placed it ...
            served.people.save_file(drive_id, item_id, theirs)  # ... and saved by the person right after
            return fetched
        monkeypatch.setattr(Drive, "fetch_file", person_saves_meanwhile)
    else:  # the sandbox has no editing locks: Graph's answer for a file open in Word, as reported
        def locked(self: Drive, item: Any, data: bytes, **kw: Any) -> Any:
            raise errors.Locked("The resource you are attempting to access is locked", status=423,
                                code="resourceLocked")
        monkeypatch.setattr(Drive, "replace_if_unchanged", locked)
    _busy_all_day(served, talk["EmployeeEmail"], old_day)
    served.people.respond(talk["EmployeeEmail"], talk["EventId"], "decline")

    served.run(NOW + timedelta(hours=1), watch_all=True)
    moved = by_name(served.state())["Person 3"]
    assert moved["Status"] == "scheduled" and _local_day(moved) != old_day  # the move itself goes ahead
    # their version stands (the sandbox answered If-Match with 412), or the open form is not touched
    assert served.blob(talk["FormItemId"]) == (theirs if how == "saved meanwhile" else blank)
    assert "editing the form" in moved["Note"] and day_text(_local_day(moved)) in moved["Note"], moved["Note"]
    assert day_text(old_day) in moved["Note"]


def _document_xml(docx: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return z.read("word/document.xml")


def test_a_moved_talk_whose_form_was_deleted_gets_a_new_one_on_the_new_day(serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(3))
    served.run(NOW)
    talk = by_name(served.state())["Person 0"]
    gone = requests.delete(f"{served.graph_url}/drives/{talk['DriveId']}/items/{talk['FormItemId']}",
                           headers={"Authorization": "Bearer e2e"}, timeout=10)
    assert gone.status_code == 204
    _busy_all_day(served, talk["EmployeeEmail"], _local_day(talk))
    served.people.respond(talk["EmployeeEmail"], talk["EventId"], "decline")

    served.run(NOW + timedelta(hours=1), watch_all=True)
    state = served.state()
    moved = by_name(state)["Person 0"]
    assert moved["Status"] == "scheduled" and moved["FormItemId"] != talk["FormItemId"]
    assert _form(served, moved).fields["meeting_date"] == _local_day(moved) != _local_day(talk)
    check_round(served, state, graph_reads=False)
