"""Many small uploads through ``$batch``: base64 bodies with their Content-Type, base64 answers
decoded, per-file errors, the direct call for one file, a big file or a replace that met
docs/failures.md#f7."""
from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
import responses

from connectors.graph import drive_uploads, errors
from connectors.graph.batch import send_one_by_one
from connectors.graph.drive import Drive
from connectors.graph.http import GraphHttp
from tests.connectors.conftest import GRAPH, FakeClock

BATCH = f"{GRAPH}/$batch"
DRIVE = "b!t18F8ybsHUq1z3"


@pytest.fixture
def drive(http: GraphHttp, clock: FakeClock) -> Drive:
    return Drive(http, sleep=clock.sleep)


def item(item_id: str, name: str, parent: str = "01A", drive_id: str = DRIVE) -> dict[str, Any]:
    return {"id": item_id, "name": name, "size": 3, "file": {},
            "parentReference": {"driveId": drive_id, "id": parent}}


def encoded(body: dict[str, Any]) -> str:
    """A JSON answer as Graph gives it to a batched upload: base64 (Microsoft Q&A 1352007)."""
    return base64.b64encode(json.dumps(body).encode()).decode()


def sent(call: Any) -> list[dict[str, Any]]:
    return list(json.loads(call.request.body)["requests"])


def answer(items: list[dict[str, Any]]) -> tuple[int, dict[str, str], str]:
    return 200, {"Content-Type": "application/json"}, json.dumps({"responses": items})


def test_files_go_base64_in_one_batch_and_the_base64_answers_are_read(drive: Drive,
                                                                     rsps: responses.RequestsMock) -> None:
    def reply(req: Any) -> tuple[int, dict[str, str], str]:
        items = json.loads(req.body)["requests"]
        return answer([{"id": r["id"], "status": 201, "headers": {"Content-Type": "application/json"},
                        "body": encoded(item(f"F{r['id']}", f"f{r['id']}.docx"))} for r in items])

    rsps.add_callback(responses.POST, BATCH, callback=reply)
    files = [(DRIVE, "01A", f"Lön #{i}.docx", f"data {i}".encode()) for i in range(3)]
    out = drive.upload_many(files, conflict="fail")
    assert [getattr(o, "id", o) for o in out] == ["F0", "F1", "F2"]
    assert len(rsps.calls) == 1
    requests_sent = sent(rsps.calls[0])
    assert [r["method"] for r in requests_sent] == ["PUT"] * 3
    assert requests_sent[0]["url"] == (f"/drives/{DRIVE}/items/01A:/L%C3%B6n%20%230.docx:/content"
                                       "?@microsoft.graph.conflictBehavior=fail")
    assert base64.b64decode(requests_sent[2]["body"]) == b"data 2"
    assert requests_sent[0]["headers"]["Content-Type"] == "application/octet-stream"


def test_each_file_gets_its_own_answer_a_conflict_included(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, BATCH, json={"responses": [
        {"id": "0", "status": 201, "body": item("F0", "a.docx")},  # a plain JSON body is read too
        {"id": "1", "status": 409, "body": encoded({"error": {"code": "nameAlreadyExists", "message": "x"}})},
    ]})
    out = drive.upload_many([(DRIVE, "01A", "a.docx", b"a"), (DRIVE, "01B", "b.docx", b"b")], conflict="fail")
    assert getattr(out[0], "id", None) == "F0"
    assert isinstance(out[1], errors.Conflict)


def test_a_replace_that_met_item_not_found_goes_once_more_on_its_own(drive: Drive,
                                                                     rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, BATCH, json={"responses": [
        {"id": "0", "status": 200, "body": item("F0", "a.docx")},
        # docs/failures.md#f7
        {"id": "1", "status": 404, "body": {"error": {"code": "itemNotFound", "message": "x"}}},
    ]})
    rsps.add(responses.PUT, f"{GRAPH}/drives/{DRIVE}/items/01B:/b.docx:/content?@microsoft.graph.conflictBehavior=replace",
             status=200, json=item("F1", "b.docx", "01B"))
    out = drive.upload_many([(DRIVE, "01A", "a.docx", b"a"), (DRIVE, "01B", "b.docx", b"b")])
    assert [getattr(o, "id", o) for o in out] == ["F0", "F1"]
    # the direct call has the wait of docs/failures.md#f7
    assert [c.request.method for c in rsps.calls] == ["POST", "PUT"]


def test_by_path_a_user_without_onedrive_is_told_apart(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, BATCH, json={"responses": [
        {"id": "0", "status": 201, "body": encoded(item("F0", "p.docx", "01FOLDER", "b!emp"))},
        {"id": "1", "status": 404, "body": encoded({"error": {"code": "itemNotFound", "message": "x"}})},
    ]})
    out = drive.upload_many_to_user_paths([("u1", ["Samtal", "2027", "Anna"], b"p"), ("u2", ["Samtal"], b"q")])
    first = out[0]
    assert not isinstance(first, errors.GraphError)
    assert (first.drive_id, first.parent_id) == ("b!emp", "01FOLDER")
    assert isinstance(out[1], errors.DriveNotProvisioned)
    assert sent(rsps.calls[0])[0]["url"] == ("/users/u1/drive/root:/Samtal/2027/Anna:/content"
                                             "?@microsoft.graph.conflictBehavior=replace")


def test_users_whose_onedrive_cannot_be_found_do_not_switch_batching_off(drive: Drive,
                                                                        rsps: responses.RequestsMock) -> None:
    """docs/failures.md#f15: inside ``$batch`` the 400 "Unable to retrieve user's mysite URL." is
    each user's own answer. It is DriveNotProvisioned, the file is not sent again directly, and
    files keep going in ``$batch`` (before, every item answering 400 read as Graph refusing
    uploads in batches, for the rest of the run)."""
    no_site = {"error": {"code": "BadRequest", "message": "Unable to retrieve user's mysite URL."}}
    rsps.add(responses.POST, BATCH, json={"responses": [
        {"id": "0", "status": 400, "body": encoded(no_site)},
        {"id": "1", "status": 400, "body": no_site},
    ]})
    out = drive.upload_many_to_user_paths([("u1", ["Samtal", "a.docx"], b"a"), ("u2", ["Samtal", "b.docx"], b"b")])
    assert all(isinstance(o, errors.DriveNotProvisioned) and o.status == 400 for o in out)
    assert [c.request.method for c in rsps.calls] == ["POST"]
    assert drive.batched_uploads


def test_one_file_is_a_direct_put_without_an_envelope(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.PUT, f"{GRAPH}/users/u1/drive/root:/a.docx:/content?@microsoft.graph.conflictBehavior=fail",
             status=201, json=item("F0", "a.docx", "01R", "b!u1"))
    out = drive.upload_many_to_user_paths([("u1", ["a.docx"], b"x")], conflict="fail")
    assert getattr(out[0], "id", None) == "F0"
    assert rsps.calls[0].request.body == b"x"


def test_twenty_files_to_an_envelope_and_a_big_file_on_its_own(drive: Drive, rsps: responses.RequestsMock,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drive_uploads, "BATCHED_FILE_LIMIT", 10)
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: answer(
        [{"id": r["id"], "status": 201, "body": item(f"F{r['id']}", "x")} for r in json.loads(req.body)["requests"]]))
    rsps.add(responses.PUT, f"{GRAPH}/drives/{DRIVE}/items/01A:/big.docx:/content?@microsoft.graph.conflictBehavior=replace",
             status=201, json=item("BIG", "big.docx"))
    files = [(DRIVE, "01A", f"f{i}.docx", b"small") for i in range(25)]
    files.insert(7, (DRIVE, "01A", "big.docx", b"x" * 11))
    out = drive.upload_many(files)
    assert getattr(out[7], "id", None) == "BIG"
    assert [len(sent(c)) for c in rsps.calls if c.request.url == BATCH] == [20, 5]
    assert all(not isinstance(o, errors.GraphError) for o in out)


def test_envelopes_also_stop_at_their_byte_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drive_uploads, "ENVELOPE_BYTES", 100)
    assert drive_uploads._envelopes(list(range(5)), lambda i: 40) == [[0, 1], [2, 3], [4]]


@pytest.fixture
def one_by_one() -> Iterator[None]:
    send_one_by_one(True)
    try:
        yield
    finally:
        send_one_by_one(False)


def test_one_request_at_a_time_sends_the_bytes_themselves(drive: Drive, rsps: responses.RequestsMock,
                                                          one_by_one: None) -> None:
    for i in range(2):
        rsps.add(responses.PUT, f"{GRAPH}/drives/{DRIVE}/items/01A:/f{i}.docx:/content?@microsoft.graph.conflictBehavior=replace",
                 status=201, json=item(f"F{i}", f"f{i}.docx"))
    out = drive.upload_many([(DRIVE, "01A", f"f{i}.docx", f"raw {i}".encode()) for i in range(2)])
    assert [getattr(o, "id", o) for o in out] == ["F0", "F1"]
    assert [c.request.body for c in rsps.calls] == [b"raw 0", b"raw 1"]
    assert rsps.calls[0].request.headers["Content-Type"] == "application/octet-stream"


def test_data_needs_its_content_type_and_no_json_body() -> None:
    from connectors.graph.batch import BatchRequest
    with pytest.raises(ValueError):
        BatchRequest("1", "PUT", "/x", data=b"x")
    with pytest.raises(ValueError):
        BatchRequest("1", "PUT", "/x", body={"a": 1}, data=b"x", headers={"Content-Type": "text/plain"})


def test_a_tenant_that_refuses_files_in_a_batch_gets_them_one_by_one(drive: Drive,
                                                                      rsps: responses.RequestsMock) -> None:
    refused = {"status": 400, "body": {"error": {"code": "BadRequest", "message": "Invalid request body"}}}
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: answer(
        [{"id": r["id"], **refused} for r in json.loads(req.body)["requests"]]))
    for i in range(4):
        rsps.add(responses.PUT, f"{GRAPH}/drives/{DRIVE}/items/01A:/f{i}.docx:/content?@microsoft.graph.conflictBehavior=replace",
                 status=201, json=item(f"F{i}", f"f{i}.docx"))
    first = drive.upload_many([(DRIVE, "01A", f"f{i}.docx", b"x") for i in range(2)])
    assert [getattr(o, "id", o) for o in first] == ["F0", "F1"]  # each sent again on its own
    assert not drive.batched_uploads
    second = drive.upload_many([(DRIVE, "01A", f"f{i}.docx", b"x") for i in range(2, 4)])
    assert [getattr(o, "id", o) for o in second] == ["F2", "F3"]
    assert [c.request.method for c in rsps.calls] == ["POST", "PUT", "PUT", "PUT", "PUT"]  # no second envelope


def test_one_refused_item_goes_again_on_its_own_and_batching_stays(drive: Drive,
                                                                    rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, BATCH, json={"responses": [
        {"id": "0", "status": 201, "body": item("F0", "a.docx")},
        {"id": "1", "status": 415, "body": {"error": {"code": "UnsupportedMediaType", "message": "x"}}},
    ]})
    rsps.add(responses.PUT, f"{GRAPH}/drives/{DRIVE}/items/01A:/b.docx:/content?@microsoft.graph.conflictBehavior=fail",
             status=201, json=item("F1", "b.docx"))
    out = drive.upload_many([(DRIVE, "01A", "a.docx", b"a"), (DRIVE, "01A", "b.docx", b"b")], conflict="fail")
    assert [getattr(o, "id", o) for o in out] == ["F0", "F1"]
    assert drive.batched_uploads


def test_an_upload_by_path_that_lost_a_race_for_its_folder_goes_again_on_its_own(
        drive: Drive, rsps: responses.RequestsMock) -> None:
    """Independent items run at once (docs/failures.md#t22): two uploads into one missing folder
    race for it and one answers 409 whatever its conflict behaviour; it goes again, alone."""
    lost = {"error": {"code": "nameAlreadyExists", "message": "The specified item name already exists."}}
    rsps.add(responses.POST, BATCH, json={"responses": [
        {"id": "0", "status": 201, "body": encoded(item("F0", "a.docx"))},
        {"id": "1", "status": 409, "body": encoded(lost)},
        {"id": "2", "status": 409, "body": encoded(lost)},
    ]})
    again = rsps.add(responses.PUT, f"{GRAPH}/users/u1/drive/root:/Samtal/2027/b.docx:/content",
                     json=item("F1", "b.docx"))
    other = rsps.add(responses.PUT, f"{GRAPH}/users/u2/drive/root:/Samtal/2027/c.docx:/content",
                     json=item("F2", "c.docx"))
    files = [("u1", ["Samtal", "2027", "a.docx"], b"a"), ("u1", ["Samtal", "2027", "b.docx"], b"b"),
             ("u2", ["Samtal", "2027", "c.docx"], b"c")]
    out = drive.upload_many_to_user_paths(files, conflict="replace")
    assert [getattr(o, "id", o) for o in out] == ["F0", "F1", "F2"]
    assert again.call_count == 1 and other.call_count == 1  # replace: a 409 can only be a race
    # under "fail" a 409 is the file being there, unless another item wrote into that OneDrive
    rsps.add(responses.POST, BATCH, json={"responses": [
        {"id": "0", "status": 201, "body": encoded(item("F0", "a.docx"))},
        {"id": "1", "status": 409, "body": encoded(lost)},
        {"id": "2", "status": 409, "body": encoded(lost)},
    ]})
    out = drive.upload_many_to_user_paths(files, conflict="fail")
    assert getattr(out[1], "id", None) == "F1" and again.call_count == 2
    assert isinstance(out[2], errors.Conflict) and other.call_count == 1
