"""``--trace``: placeholder paths, answer shapes, and the hook in GraphHttp on the wire."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import responses

from connectors.graph import errors
from connectors.graph.batch import BatchRequest, execute_batch
from connectors.graph.http import GraphHttp
from connectors.graph.redact import PREAUTHENTICATED, placeholder_path
from connectors.graph.trace import Tracer, read_trace, recording, active, shape_of, union
from connectors.graph.trace_shapes import compare

from .conftest import GRAPH, TOKEN

UPN = "asa.oberg@contoso.se"
GUID = "3f2b8c1e-6a4d-4f0e-9b7a-1c2d3e4f5a6b"
DRIVE = "b!Xk3-pQ_aZ9rT0uV1wY2zA4bC5dE6fG7hI8jK9lM0nO1pQ2rS3tU4vW5xY6zA7bC8"
ITEM = "01BYE5RZ6QN3ZWBTUFOFD3GSPGOHDJD36K"
SITE = f"contoso.sharepoint.com,{GUID},9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


@pytest.mark.parametrize(("url", "shown"), [
    (f"{GRAPH}/users/{UPN}/calendar/getSchedule", "/users/{user}/calendar/getSchedule"),
    (f"{GRAPH}/users/{GUID}/events/AAMkAGI2TG93AAA=/cancel", "/users/{user}/events/{event}/cancel"),
    (f"{GRAPH}/users/{UPN}/messages/AAMkADNlNYjSAAA=/send", "/users/{user}/messages/{message}/send"),
    (f"{GRAPH}/drives/{DRIVE}/items/{ITEM}/permissions/aWQ6MTIz", "/drives/{drive}/items/{item}/permissions/{permission}"),
    (f"{GRAPH}/users/{GUID}/drive/root:/Medarbetarsamtal/%C3%85sa%20%C3%96berg%20({GUID}):/children",
     "/users/{user}/drive/root:/{path}:/children"),
    (f"{GRAPH}/drives/{DRIVE}/items/{ITEM}:/F%C3%B6rberedelse%20%C3%85sa%20%C3%96berg.docx:/content"
     "?@microsoft.graph.conflictBehavior=fail",
     "/drives/{drive}/items/{item}:/{path}:/content?@microsoft.graph.conflictBehavior=fail"),
    (f"{GRAPH}/sites/contoso.sharepoint.com:/sites/hr", "/sites/{site}:/{path}"),
    (f"{GRAPH}/sites/{SITE}/lists/Medarbetarsamtal/items/17/fields", "/sites/{site}/lists/{list}/items/{item}/fields"),
    (f"{GRAPH}/sites/{SITE}/lists/{GUID}/items?$expand=fields&$filter=fields/Key%20eq%20%272027:{GUID}%27",
     "/sites/{site}/lists/{list}/items?$expand=fields&$filter=fields/Key eq '{value}'"),
    (f"{GRAPH}/users?$filter=mail%20eq%20%27{UPN}%27%20or%20id%20eq%20{GUID}%20or%20age%20gt%2041&$top=999",
     "/users?$filter=mail eq '{value}' or id eq {guid} or age gt {n}&$top=999"),
    (f"{GRAPH}/users?$search=%22displayName:%C3%85sa%22&$skiptoken=RFNwdAIAAQAAACM6", "/users?$search=\"{value}\"&$skiptoken={value}"),
    (f"{GRAPH}/users/{GUID}/calendarView?startDateTime=2027-02-01T00:00:00&endDateTime=2027-03-01",
     "/users/{user}/calendarView?startDateTime={value}&endDateTime={value}"),
    (f"{GRAPH}/sites/root/lists('%C3%85sas%20lista')/items", "/sites/root/lists({value})/items"),
    (f"{GRAPH}/users/{UPN}:odd/drive", "/users/{name}/drive"),
    (f"{GRAPH}/%C3%85sa/{UPN}", "/{name}/{name}"),
    (f"{GRAPH}/users?{UPN}=1", "/users?{key}={value}"),
    ("https://contoso-my.sharepoint.com/personal/asa_oberg_contoso_se/_layouts/15/download.aspx?UniqueId=x",
     PREAUTHENTICATED),
    ("https://graph.evil.example/v1.0/users/x", PREAUTHENTICATED),
    ("/users/x/events", "/users/{user}/events"),
])
def test_placeholder_paths_keep_graphs_words_and_nothing_of_the_tenant(url: str, shown: str) -> None:
    assert placeholder_path(url, GRAPH) == shown


def test_shape_of_copies_no_value() -> None:
    answer = {"value": [{"id": GUID, "displayName": "Åsa Öberg", "mail": UPN, "size": 4711, "ok": True,
                         "manager": None},
                        {"id": "x", "displayName": "Bo", "manager": {"id": GUID}, "tags": []}],
              UPN: "an address as a key", "Title@odata.type": "Edm.String", "Åsa Öberg": 1}
    shape = shape_of(answer)
    text = json.dumps(shape, ensure_ascii=False)
    for value in (GUID, "Åsa", UPN, "4711", "Edm.String", "an address"):
        assert value not in text
    item = shape["value"][0]
    assert item["manager"] == {"anyOf": ["null", {"id": "string"}]}
    assert item["size"] == "number" and item["ok"] == "boolean" and item["tags"] == []
    assert shape["Title@odata.type"] == "string" and shape["{key}"] == "number"


def test_union_merges_kinds_objects_and_arrays() -> None:
    assert union("string", "null") == "null|string"
    assert union({"a": "string"}, {"b": "number"}) == {"a": "string", "b": "number"}
    assert union([], ["string"]) == ["string"]
    assert union(["string"], ["number"]) == ["number|string"]
    assert union("null|string", {"a": "string"}) == {"anyOf": ["null|string", {"a": "string"}]}


@pytest.fixture
def traced(http: GraphHttp, tmp_path: Path) -> tuple[GraphHttp, Path]:
    path = tmp_path / "trace.jsonl"
    http.trace = Tracer(path)
    return http, path


def test_every_attempt_is_one_line_with_shape_status_request_id_and_throttling_headers(traced, rsps) -> None:
    http, path = traced
    rsps.get(f"{GRAPH}/users/{UPN}", status=429, headers={"Retry-After": "2", "request-id": "r-1"},
             json={"error": {"code": "TooManyRequests", "message": f"slow down, {UPN}"}})
    rsps.get(f"{GRAPH}/users/{UPN}", headers={"request-id": "r-2", "RateLimit-Remaining": "97", "Set-Cookie": "s=1"},
             json={"id": GUID, "displayName": "Åsa Öberg", "mail": UPN})
    http.get(f"/users/{UPN}")
    http.trace.close()
    text = path.read_text(encoding="utf-8")
    first, second = read_trace(path)
    assert (first["status"], first["attempt"], first["error_code"], first["headers"]) == (
        429, 1, "TooManyRequests", {"retry-after": "2"})
    assert (second["status"], second["attempt"], second["request_id"]) == (200, 2, "r-2")
    assert second["headers"] == {"ratelimit-remaining": "97"}
    assert second["path"] == "/users/{user}" and second["method"] == "GET"
    assert second["shape"] == {"id": "string", "displayName": "string", "mail": "string"}
    assert len(second["client_request_id"]) == 36
    for value in (UPN, GUID, "Åsa", "slow down", TOKEN, "Bearer", "s=1"):
        assert value not in text


def test_a_failed_attempt_and_a_download_are_lines_without_values(traced, rsps) -> None:
    http, path = traced
    rsps.get(f"{GRAPH}/users/u1", body=requests.ConnectionError("reset by peer"))
    rsps.get(f"{GRAPH}/users/u1", json={"id": "u1"})
    rsps.get("https://contoso-my.sharepoint.com/personal/asa/download.aspx?tempauth=SECRET",
             body="Hemligt innehåll".encode(), headers={"Content-Type": "application/octet-stream"})
    http.get("/users/u1")
    http.get("https://contoso-my.sharepoint.com/personal/asa/download.aspx?tempauth=SECRET", authenticated=False)
    http.trace.close()
    dropped, ok, download = read_trace(path)
    assert dropped["status"] is None and dropped["error"] == "ConnectionError" and "shape" not in dropped
    assert ok["attempt"] == 2
    assert download["path"] == PREAUTHENTICATED and download["body"] == "bytes"
    assert download["content_type"] == "application/octet-stream"
    assert "SECRET" not in path.read_text() and "Hemligt" not in path.read_text()


def test_batch_items_get_their_own_lines(traced, rsps) -> None:
    http, path = traced
    rsps.post(f"{GRAPH}/$batch", json={"responses": [
        {"id": "1", "status": 404, "headers": {"Content-Type": "application/json"},
         "body": {"error": {"code": "itemNotFound", "message": "Åsa Öberg.docx is gone"}}},
        {"id": "0", "status": 200, "headers": {"Retry-After": "1"}, "body": {"id": ITEM, "name": "Åsa.docx"}},
    ]}, headers={"request-id": "env"})
    execute_batch(http, [BatchRequest("0", "GET", f"/drives/{DRIVE}/items/{ITEM}"),
                         BatchRequest("1", "GET", f"/users/{UPN}/drive/root:/Medarbetarsamtal/%C3%85sa:")])
    http.trace.close()
    envelope, *items = read_trace(path)
    assert envelope["path"] == "/$batch" and envelope["batch_items"] == 2
    assert envelope["shape"] == {"responses": [{"id": "string", "status": "number", "headers": {
        "Content-Type": "string", "Retry-After": "string"}}]}
    by_item = {i["item"]: i for i in items}
    assert by_item["0"]["batch"] == envelope["seq"] and by_item["0"]["path"] == "/drives/{drive}/items/{item}"
    assert by_item["0"]["shape"] == {"id": "string", "name": "string"} and by_item["0"]["headers"] == {"retry-after": "1"}
    assert by_item["1"]["path"] == "/users/{user}/drive/root:/{path}:" and by_item["1"]["error_code"] == "itemNotFound"
    assert by_item["1"]["status"] == 404
    text = path.read_text(encoding="utf-8")
    assert "Åsa" not in text and ITEM not in text and UPN not in text


def test_recording_installs_a_tracer_for_new_clients_and_closes_it(tmp_path: Path) -> None:
    from connectors.graph.client import connect

    assert active() is None
    with recording(tmp_path / "t.jsonl") as tracer:
        client = connect(graph_url="http://127.0.0.1:9/v1.0", tenant_id="t", client_id="c", credential=None)
        assert client.http.trace is tracer
    assert active() is None and tracer._out.closed
    assert (tmp_path / "t.jsonl").stat().st_mode & 0o777 == 0o600


def test_compare_finds_where_shapes_differ() -> None:
    line = {"method": "GET", "path": "/users/{user}", "status": 200,
            "shape": {"id": "string", "mail": "null|string", "value": [{"a": "string"}], "tags": []}}
    same = dict(line, shape={"id": "string", "mail": "null|string", "value": [{"a": "string"}], "tags": ["string"]})
    assert compare([line], [same]) == []
    other = dict(line, shape={"id": "number", "value": [{"a": "string", "b": "boolean"}], "tags": []})
    found = {(d.where, d.what) for d in compare([line], [other])}
    assert found == {("id", "kinds differ"), ("mail", "missing"), ("value[].b", "extra")}
    assert [d.what for d in compare([line], [dict(line, status=404)])] == ["not called"]


def test_the_trace_hook_sees_errors_raised_to_the_caller(traced, rsps) -> None:
    http, path = traced
    rsps.get(f"{GRAPH}/users/{UPN}/mailboxSettings", status=403,
             json={"error": {"code": "ErrorAccessDenied", "message": "Access is denied."}})
    with pytest.raises(errors.Forbidden):
        http.get(f"/users/{UPN}/mailboxSettings")
    http.trace.close()
    (line,) = read_trace(path)
    assert line["error_code"] == "ErrorAccessDenied" and line["status"] == 403
    assert line["path"] == "/users/{user}/mailboxSettings"


def test_delete_drive_item_deletes_one_item_and_takes_a_gone_one_as_deleted(http: GraphHttp, rsps) -> None:
    from connectors.graph.cleanup import delete_drive_item

    rsps.delete(f"{GRAPH}/drives/{DRIVE}/items/{ITEM}", status=204)
    rsps.delete(f"{GRAPH}/drives/{DRIVE}/items/gone", status=404,
                json={"error": {"code": "itemNotFound", "message": "The resource could not be found."}})
    delete_drive_item(http, DRIVE, ITEM)
    delete_drive_item(http, DRIVE, "gone")
    assert [c.request.method for c in rsps.calls] == ["DELETE", "DELETE"]
    assert rsps.calls[0].request.url == f"{GRAPH}/drives/{DRIVE}/items/{ITEM}"
    with pytest.raises(ValueError):
        delete_drive_item(http, DRIVE, " ")
