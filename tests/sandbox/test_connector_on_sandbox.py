"""The Graph connector's own named methods against the sandbox over loopback (the connector runs
its own calls against the sandbox, docs/architecture.md#the-sandbox-as-the-test-seam): both
sides must agree on every shape."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from connectors.graph import errors
from connectors.graph.batch import BatchRequest
from connectors.graph.calendar_records import EventDraft
from connectors.graph.client import GraphClient, connect
from connectors.graph.lists_schema import ColumnSpec
from connectors.sandbox import FaultSpec, Sandbox
from connectors.sandbox.people import People

UTC = timezone.utc


@pytest.fixture()
def client(served: Any, sandbox: Sandbox) -> GraphClient:
    sandbox.reset()
    return connect(graph_url=served.graph_url, tenant_id="t", client_id="c", credential=None)


def test_directory(client: GraphClient) -> None:
    users = {u.upn: u for u in client.directory.list_users()}
    assert "kontakt@partner.se" not in users  # org contacts are not users
    anna, per = users["anna.berg@example.se"], users["per.lind@example.se"]
    assert per.manager_id == anna.id and anna.manager_id is None
    assert per.department == "Institutionen för matematik" and per.account_enabled is True
    assert users["asa.oberg@example.se"].account_enabled is False
    guest = next(u for u in users.values() if u.is_guest)
    assert client.directory.get_user(guest.upn).id == guest.id  # #EXT# encoded in the path
    assert client.directory.get_manager(anna.id) is None
    reports = {u.upn for u in client.directory.list_direct_reports(anna.id)}
    assert "per.lind@example.se" in reports and "kontakt@partner.se" not in reports


def test_schedules_and_events(client: GraphClient, served: Any) -> None:
    start = datetime(2027, 2, 1, tzinfo=UTC)
    sched = client.calendar.get_schedules("per.lind@example.se", ["per.lind@example.se", "no.drive@example.se"],
                                          start, start + timedelta(days=100))
    per = sched["per.lind@example.se"]
    assert per.error is None and per.working_hours is not None
    teaching = [i for i in per.items if i.status == "busy" and i.start == datetime(2027, 2, 3, 8, tzinfo=UTC)]
    assert teaching and teaching[0].end == datetime(2027, 2, 3, 11, tzinfo=UTC)  # 09-12 Stockholm
    assert sched["no.drive@example.se"].error  # no mailbox: an error inside the 200

    draft = EventDraft(subject="Medarbetarsamtal", body_html="<p>Hej</p>",
                       start=datetime(2027, 2, 10, 9, tzinfo=UTC), end=datetime(2027, 2, 10, 10, tzinfo=UTC),
                       time_zone="W. Europe Standard Time", attendees=(("per.lind@example.se", "Per Lind"),),
                       tag="2027:per", transaction_id="7f0c6a5e-0000-4000-8000-000000000001", online_meeting=True)
    event = client.calendar.create_event("anna.berg@example.se", draft)
    again = client.calendar.create_event("anna.berg@example.se", draft)  # same transactionId
    assert again.id == event.id
    assert [e.id for e in client.calendar.find_events_by_tag("anna.berg@example.se", "2027:per")] == [event.id]
    assert event.start == draft.start and event.tag == "2027:per"
    People(served.url).respond("per.lind@example.se", event.id, "decline")
    answers = {a.address: a.response for a in client.calendar.attendee_responses("anna.berg@example.se", event.id)}
    assert answers["per.lind@example.se"] == "declined"
    moved = client.calendar.update_event("anna.berg@example.se", event.id,
                                         start=draft.start + timedelta(days=1), end=draft.end + timedelta(days=1),
                                         time_zone="W. Europe Standard Time")
    assert moved.id == event.id and moved.start == datetime(2027, 2, 11, 9, tzinfo=UTC)
    client.calendar.cancel_event("anna.berg@example.se", event.id, "inställt")
    with pytest.raises(errors.NotFound):  # cancel moves it to Deleted Items (docs/graph.md#events)
        client.calendar.get_event("anna.berg@example.se", event.id)
    assert client.calendar.find_events_by_tag("anna.berg@example.se", "2027:per") == []
    with pytest.raises(errors.MailboxUnavailable):
        client.calendar.get_event("no.drive@example.se", "nope")


def test_drive_folders_uploads_sharing(client: GraphClient) -> None:
    per = client.directory.get_user("per.lind@example.se")
    anna = client.directory.get_user("anna.berg@example.se")
    drive = client.drive.get_user_drive(per.id)
    with pytest.raises(errors.DriveNotProvisioned):
        client.drive.get_user_drive("no.drive@example.se")
    segments = ["Medarbetarsamtal", "2027", "Åsa #1 100% klar"]
    folder = client.drive.ensure_folder(drive.id, segments)
    assert client.drive.ensure_folder(drive.id, segments).id == folder.id  # idempotent
    small = client.drive.upload(drive.id, folder.id, "Plan.docx", b"hello")
    assert client.drive.download(drive.id, small.id) == b"hello"
    by_path = client.drive.upload_to_user_path(per.id, [*segments, "Ny.docx"], b"new", conflict="fail")
    assert by_path.parent_id == folder.id and by_path.drive_id == drive.id
    with pytest.raises(errors.Conflict):
        client.drive.upload_to_user_path(per.id, [*segments, "Ny.docx"], b"again", conflict="fail")
    big = os.urandom(5 * 1024 * 1024 + 123)  # above the simple-upload limit: an upload session
    session_item = client.drive.upload(drive.id, folder.id, "Stor.bin", big)
    assert client.drive.download(drive.id, session_item.id) == big
    result = client.drive.invite(drive.id, folder.id, [anna.mail or anna.upn])
    assert result.ok and result.granted[0].roles == ("write",)
    again = client.drive.invite(drive.id, folder.id, [anna.mail or anna.upn])
    assert again.ok
    direct = [p for p in client.drive.list_permissions(drive.id, folder.id) if not p.inherited_from]
    assert [p.user_id for p in direct if "owner" not in p.roles] == [anna.id]  # once, not twice
    inherited = [p for p in client.drive.list_permissions(drive.id, small.id) if p.inherited_from == folder.id]
    assert inherited and inherited[0].user_id == anna.id
    granted = next(p for p in direct if p.user_id == anna.id)
    client.drive.remove_permission(drive.id, folder.id, granted.id)
    assert all(p.user_id != anna.id for p in client.drive.list_permissions(drive.id, small.id))


def test_lists(client: GraphClient) -> None:
    site = client.lists.get_site("example.sharepoint.com:/sites/hr")
    cols = [ColumnSpec("Key", "text", indexed=True), ColumnSpec("Status", "choice", indexed=True, choices=("a", "b")),
            ColumnSpec("Note", "note"), ColumnSpec("Done", "boolean"), ColumnSpec("When", "dateTime")]
    assert client.lists.find_list(site.id, "Medarbetarsamtal") is None
    info = client.lists.ensure_list(site.id, "Medarbetarsamtal", cols)
    assert client.lists.ensure_list(site.id, "Medarbetarsamtal", cols).id == info.id
    item = client.lists.create_item(site.id, info.id, {"Title": "Åsa", "Key": "2027:o'hara", "Status": "a",
                                                       "Done": True, "When": datetime(2027, 2, 1, tzinfo=UTC)})
    assert isinstance(item.id, str)
    client.lists.update_item(site.id, info.id, item.id, {"Status": "b", "Note": "x" * 300})
    found = list(client.lists.query_items(site.id, info.id, equals={"Key": "2027:o'hara"}))
    assert [f.id for f in found] == [item.id] and found[0].fields["Status"] == "b"
    with pytest.raises(ValueError):
        list(client.lists.query_items(site.id, info.id, equals={"Note": "x"}))  # not indexed: refused


def test_batch_with_a_dependency(client: GraphClient) -> None:
    per = client.directory.get_user("per.lind@example.se")
    results = client.batch([
        BatchRequest("1", "GET", f"/users/{per.id}"),
        BatchRequest("2", "GET", f"/users/{per.id}/manager", depends_on=("1",)),
        BatchRequest("3", "GET", "/users/nobody@example.se"),
    ])
    assert results["1"].ok and results["2"].ok and results["2"].body["userPrincipalName"] == "anna.berg@example.se"
    assert isinstance(results["3"].error, errors.NotFound)


def test_uploads_in_a_batch_land_with_their_bytes(client: GraphClient, served: Any) -> None:
    per = client.directory.get_user("per.lind@example.se")
    files = [(per.id, ["Samtal", "2027", f"f{i}.docx"], f"innehåll {i}".encode()) for i in range(3)]
    placed = client.drive.upload_many_to_user_paths(files, conflict="fail")
    assert all(not isinstance(p, errors.GraphError) for p in placed)
    first = placed[0]
    assert not isinstance(first, errors.GraphError) and first.parent_id and first.drive_id
    assert client.drive.download(first.drive_id, first.id) == "innehåll 0".encode()
    # the same again under "fail": each file answers Conflict; into the folder by id: replaced
    assert all(isinstance(p, errors.Conflict) for p in client.drive.upload_many_to_user_paths(files, conflict="fail"))
    again = client.drive.upload_many([(first.drive_id, first.parent_id, f"f{i}.docx", b"ny") for i in range(2)])
    assert [getattr(a, "id", a) for a in again][0] == first.id
    assert client.drive.download(first.drive_id, first.id) == b"ny"


@pytest.mark.parametrize("conflict", ["replace", "rename"])
def test_an_upload_whose_last_range_meets_a_409_is_committed_explicitly(conflict: str) -> None:
    """docs/failures.md#u9 end to end: the sandbox answers the last range 409 (fault
    ``upload_conflict``) and keeps the bytes; the client commits the session by a PUT of the item
    with ``@microsoft.graph.sourceUrl`` under its conflict behaviour, and no session is left."""
    seed = {"users": [{"userPrincipalName": "anna@example.se", "displayName": "Anna"}]}
    sandbox = Sandbox.from_seed(seed, faults=FaultSpec.parse("upload_conflict=1"))
    with sandbox.serve(port=0) as server:
        client = connect(graph_url=server.graph_url, tenant_id="t", client_id="c", credential=None)
        drive = client.drive.get_user_drive("anna@example.se")
        folder = client.drive.ensure_folder(drive.id, ["Samtal"])
        old = client.drive.upload(drive.id, folder.id, "Stor.docx", b"old")  # one simple PUT
        data = os.urandom(5 * 1024 * 1024 + 11)  # above the simple limit: an upload session
        item = client.drive.upload(drive.id, folder.id, "Stor.docx", data, conflict=conflict)
        assert item.size == len(data) and not sandbox.tenant.data["uploads"]
        assert (item.id == old.id, item.name) == ((True, "Stor.docx") if conflict == "replace" else (False, "Stor 1.docx"))
        assert client.drive.download(drive.id, item.id) == data


def test_an_upload_under_fail_that_meets_a_409_raises_and_leaves_no_session() -> None:
    seed = {"users": [{"userPrincipalName": "anna@example.se", "displayName": "Anna"}]}
    sandbox = Sandbox.from_seed(seed, faults=FaultSpec.parse("upload_conflict=1"))
    with sandbox.serve(port=0) as server:
        client = connect(graph_url=server.graph_url, tenant_id="t", client_id="c", credential=None)
        drive = client.drive.get_user_drive("anna@example.se")
        folder = client.drive.ensure_folder(drive.id, ["Samtal"])
        with pytest.raises(errors.Conflict):
            client.drive.upload(drive.id, folder.id, "Ny.docx", os.urandom(5 * 1024 * 1024 + 11), conflict="fail")
        assert not sandbox.tenant.data["uploads"]  # the session was cancelled
        assert client.drive.get_item_by_path(drive.id, ["Samtal", "Ny.docx"]) is None
