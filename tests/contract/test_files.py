"""OneDrive, SharePoint list and ``$batch`` calls against their contracts, with ``responses``:
the request the connector sends keeps its contract, and the contract's documented example is
read as it should be (tests/contract/README.md)."""
from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
import responses

from connectors.graph import errors
from connectors.graph.auth import StaticTokenProvider
from connectors.graph.batch import BatchRequest, execute_batch
from connectors.graph.drive import Drive
from connectors.graph.http import GraphHttp
from connectors.graph.lists import Lists
from connectors.graph.permissions import Recipient
from connectors.graph.retry import RetryPolicy
from tests.connectors.conftest import FakeClock
from tests.contract.conftest import check_answer, check_request, contract

GRAPH = "https://graph.microsoft.com/v1.0"
DRIVE = "b!t18F8ybsHUq1z3LTz8xvZqP8zaSWjkFNhsME-Fepo75dTf9vQKfeRblBZjoSQrd7"
SITE = "contoso.sharepoint.com,2c712604-1370-44e7-a1f5-426573fda80a,2d2244c3-251a-49ea-93a8-39e1c3a060fe"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def http(clock: FakeClock) -> GraphHttp:
    return GraphHttp(GRAPH, StaticTokenProvider("t"), requests.Session(), policy=RetryPolicy(deadline=600),
                     sleep=clock.sleep, clock=clock, rng=random.Random(7))


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def _example(name: str) -> Any:
    c = contract(name)
    check_answer(c, c.example)
    return c.example


def test_an_item_read_by_id_is_its_documented_answer(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    example = _example("drive/get_item")
    rsps.add(responses.GET, f"{GRAPH}/drives/{DRIVE}/items/01NKDM7HKQ3V6Z2YV5NBGJ5ZJ3K2W7XQ4M", json=example)
    item = Drive(http).get_item(DRIVE, "01NKDM7HKQ3V6Z2YV5NBGJ5ZJ3K2W7XQ4M")
    check_request(contract("drive/get_item"), rsps.calls[0].request)
    assert (item.name, item.size, item.is_folder) == ("Förberedelse.docx", 48213, False)
    assert (item.etag, item.ctag) == (example["eTag"], example["cTag"])
    assert (item.drive_id, item.parent_id) == (DRIVE, "01NKDM7HMOJTVYMDOSXFDK2QJDXCDI3WUK")
    assert item.parent_path == "/drive/root:/Medarbetarsamtal%202027/Maja%20Holm"
    assert item.last_modified == datetime(2027, 2, 20, 14, 2, 33, tzinfo=timezone.utc)
    assert item.download_url == example["@microsoft.graph.downloadUrl"]


def test_a_folder_by_path_and_a_missing_one(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    example = _example("drive/get_item_by_path")
    url = f"{GRAPH}/drives/{DRIVE}/root:/Medarbetarsamtal%202027/Maja%20Holm:"
    rsps.add(responses.GET, url, json=example)
    rsps.add(responses.GET, url, status=404, json={"error": {"code": "itemNotFound", "message": "The resource could not be found."}})
    drive = Drive(http)
    folder = drive.get_item_by_path(DRIVE, ["Medarbetarsamtal 2027", "Maja Holm"])
    assert folder is not None and folder.is_folder and folder.ctag is None
    assert drive.get_item_by_path(DRIVE, ["Medarbetarsamtal 2027", "Maja Holm"]) is None
    for call in rsps.calls:
        check_request(contract("drive/get_item_by_path"), call.request)


def test_a_small_upload_sends_what_the_contract_documents(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    example = _example("drive/upload_small")
    rsps.add(responses.PUT, f"{GRAPH}/drives/{DRIVE}/items/01NKDM7HMOJTVYMDOSXFDK2QJDXCDI3WUK:/Plan.docx:/content"
                            "?@microsoft.graph.conflictBehavior=replace", status=201, json=example)
    item = Drive(http).upload(DRIVE, "01NKDM7HMOJTVYMDOSXFDK2QJDXCDI3WUK", "Plan.docx", b"docx bytes")
    check_request(contract("drive/upload_small"), rsps.calls[0].request)
    assert item.id == example["id"] and item.parent_id == "01NKDM7HMOJTVYMDOSXFDK2QJDXCDI3WUK"


def test_a_users_drive_and_a_user_without_one(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    example = _example("drive/get_user_drive")
    rsps.add(responses.GET, f"{GRAPH}/users/leo.berg@contoso.se/drive", json=example)
    rsps.add(responses.GET, f"{GRAPH}/users/ola@contoso.se/drive", status=400,
             json={"error": {"code": "BadRequest", "message": "Unable to retrieve user's mysite URL."}})
    drive = Drive(http)
    info = drive.get_user_drive("leo.berg@contoso.se")
    assert (info.id, info.owner_id) == (DRIVE, "0c8f2d41-7b6a-4e59-8d13-2a4f6c8e0b57")
    with pytest.raises(errors.DriveNotProvisioned):
        drive.get_user_drive("ola@contoso.se")
    for call in rsps.calls:
        check_request(contract("drive/get_user_drive"), call.request)


def test_the_documented_invite_answer_grants_the_person(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    """The example answers as Microsoft's own: an upper-case id and no e-mail."""
    example = _example("drive/invite")
    rsps.add(responses.POST, f"{GRAPH}/drives/{DRIVE}/items/01NKDM7HMOJTVYMDOSXFDK2QJDXCDI3WUK/invite", json=example)
    who = Recipient(email="maja.holm@contoso.se", object_id="6e3c1a52-0d4b-4f7e-9a21-3b5c7d9e1f20")
    result = Drive(http).invite(DRIVE, "01NKDM7HMOJTVYMDOSXFDK2QJDXCDI3WUK", [who])
    check_request(contract("drive/invite"), rsps.calls[0].request)
    assert result.ok and [p.roles for p in result.granted] == [("write",)]
    assert result.granted[0].is_for("6e3c1a52-0d4b-4f7e-9a21-3b5c7d9e1f20")


def test_a_site_and_a_record_as_documented(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    site_example = _example("lists/get_site_by_path")
    item_example = _example("lists/create_item")
    lst = "0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9"
    rsps.add(responses.GET, f"{GRAPH}/sites/contoso.sharepoint.com:/sites/hr", json=site_example)
    rsps.add(responses.GET, f"{GRAPH}/sites/{SITE}/lists/{lst}?%24select=id%2CdisplayName%2CwebUrl",
             json={"id": lst, "displayName": "Medarbetarsamtal", "webUrl": "https://contoso.sharepoint.com/sites/hr/Lists/M"})
    rsps.add(responses.GET, f"{GRAPH}/sites/{SITE}/lists/{lst}/columns", json={"value": [
        {"id": "fa564e0f-0c70-4ab9-b863-0177e6ddd247", "name": "Title", "text": {"maxLength": 255}},
        {"id": "c1", "name": "Key", "indexed": True, "text": {"maxLength": 255}},
        {"id": "c2", "name": "Status", "choice": {"choices": ["scheduled", "filed"]}},
        {"id": "c3", "name": "HealthDiscussed", "boolean": {}},
        {"id": "c4", "name": "MeetingStart", "dateTime": {"format": "dateTime"}}]})
    rsps.add(responses.POST, f"{GRAPH}/sites/{SITE}/lists/{lst}/items", status=201, json=item_example)
    lists = Lists(http)
    site = lists.get_site("contoso.sharepoint.com:/sites/hr")
    assert (site.id, site.display_name) == (SITE, "HR")
    made = lists.create_item(site.id, lst, {"Title": "Maja Holm", "Key": "2027:6e3c1a52-0d4b-4f7e-9a21-3b5c7d9e1f20",
                                            "Status": "scheduled", "HealthDiscussed": False,
                                            "MeetingStart": datetime(2027, 3, 2, 9, tzinfo=timezone.utc)})
    check_request(contract("lists/get_site_by_path"), rsps.calls[0].request)
    check_request(contract("lists/create_item"), rsps.calls[3].request)
    sent = json.loads(rsps.calls[3].request.body)["fields"]
    assert sent["MeetingStart"] == "2027-03-02T09:00:00Z" and sent["HealthDiscussed"] is False
    assert made.id == "20" and made.etag == item_example["fields"]["@odata.etag"]
    assert made.fields["Status"] == "scheduled" and made.fields["HealthDiscussed"] is False


def test_a_batch_answer_in_any_order_with_a_throttled_item_and_its_dependant(
        http: GraphHttp, clock: FakeClock, rsps: responses.RequestsMock) -> None:
    """The documented example: items in another order than sent, one 429 with its own
    Retry-After, one 424 because its dependency failed. The two go again together after the
    wait, the dependency kept; each envelope keeps the batch contract (a serial batch: Graph
    refuses dependsOn items beside independent ones)."""
    example = _example("batch/batch")
    second = {"responses": [{"id": "3", "status": 204}, {"id": "2", "status": 201, "body": {"id": "22"}}]}
    rsps.add(responses.POST, f"{GRAPH}/$batch", json=example)
    rsps.add(responses.POST, f"{GRAPH}/$batch", json=second)
    base = f"/sites/{SITE}/lists/L/items"
    results = execute_batch(http, [
        BatchRequest("1", "POST", base, body={"fields": {"Title": "A"}}),
        BatchRequest("2", "POST", base, body={"fields": {"Title": "B"}}, depends_on=("1",)),
        BatchRequest("3", "DELETE", f"{base}/9", depends_on=("2",)),
    ])
    assert {k: r.status for k, r in results.items()} == {"1": 201, "2": 201, "3": 204}
    assert results["1"].body == {"id": "21", "fields": {"Title": "Maja Holm"}}
    assert clock.sleeps == [7.0]
    for call in rsps.calls:
        check_request(contract("batch/batch"), call.request)
    again = json.loads(rsps.calls[1].request.body)["requests"]
    assert [(r["id"], r.get("dependsOn")) for r in again] == [("2", None), ("3", ["2"])]
    check_answer(contract("batch/batch"), second)
