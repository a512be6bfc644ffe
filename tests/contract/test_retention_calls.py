"""The calls retention adds, against their contracts with ``responses``: a column added to an
existing list (the ``Hold`` column on a list an older samtal made), and drive items deleted
(tests/contract/README.md)."""
from __future__ import annotations

import json
import random
from collections.abc import Iterator

import pytest
import requests
import responses

from connectors.graph import errors
from connectors.graph.auth import StaticTokenProvider
from connectors.graph.drive import Drive
from connectors.graph.http import GraphHttp
from connectors.graph.lists import Lists
from connectors.graph.lists_schema import ColumnSpec
from connectors.graph.retry import RetryPolicy
from tests.connectors.conftest import FakeClock
from tests.contract.conftest import check_answer, check_request, contract, match

GRAPH = "https://graph.microsoft.com/v1.0"
SITE = "contoso.sharepoint.com,2c712604-1370-44e7-a1f5-426573fda80a,2d2244c3-251a-49ea-93a8-39e1c3a060fe"
LIST = "0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9"


@pytest.fixture
def http() -> GraphHttp:
    clock = FakeClock()
    return GraphHttp(GRAPH, StaticTokenProvider("t"), requests.Session(), policy=RetryPolicy(deadline=600),
                     sleep=clock.sleep, clock=clock, rng=random.Random(7))


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_a_column_the_list_lacks_is_added_as_documented(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    example = contract("lists/add_column").example
    check_answer(contract("lists/add_column"), example)
    base = f"{GRAPH}/sites/{SITE}/lists/{LIST}"
    meta = {"id": LIST, "displayName": "Medarbetarsamtal"}
    key = {"id": "c1", "name": "Key", "indexed": True, "text": {"maxLength": 255}}
    rsps.add(responses.GET, f"{GRAPH}/sites/{SITE}/lists?%24select=id%2CdisplayName", json={"value": [meta]})
    rsps.add(responses.GET, f"{base}?%24select=id%2CdisplayName%2CwebUrl", json=meta)
    rsps.add(responses.GET, f"{base}/columns", json={"value": [key]})
    rsps.add(responses.POST, f"{base}/columns", status=201, json=example)
    rsps.add(responses.GET, f"{base}?%24select=id%2CdisplayName%2CwebUrl", json=meta)
    rsps.add(responses.GET, f"{base}/columns", json={"value": [key, example]})
    info = Lists(http).ensure_list(SITE, "Medarbetarsamtal", [ColumnSpec("Key", "text", indexed=True),
                                                               ColumnSpec("Hold", "boolean")])
    posted = rsps.calls[3].request
    check_request(contract("lists/add_column"), posted)
    assert json.loads(posted.body) == {"name": "Hold", "indexed": False, "required": False, "boolean": {}}
    assert info.columns["Hold"].kind == "boolean" and not info.columns["Hold"].indexed


def test_drive_items_are_deleted_in_a_batch_and_one_already_gone_says_so(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    drive = "b!t18F8ybsHUq1z3LTz8xvZqP8zaSWjkFNhsME-Fepo75dTf9vQKfeRblBZjoSQrd7"
    rsps.add(responses.POST, f"{GRAPH}/$batch", json={"responses": [
        {"id": "1", "status": 404, "body": {"error": {"code": "itemNotFound", "message": "Item not found"}}},
        {"id": "0", "status": 204, "headers": {}}]})
    answers = Drive(http).delete_items([(drive, "01FOLDER"), (drive, "01GONE")])
    assert answers[0] is None and isinstance(answers[1], errors.NotFound)
    sent = json.loads(rsps.calls[0].request.body)["requests"]
    assert [(r["method"], r["url"]) for r in sent] == [
        ("DELETE", f"/drives/{drive}/items/01FOLDER"), ("DELETE", f"/drives/{drive}/items/01GONE")]
    for r in sent:
        found = match(r["method"], r["url"])
        assert found is not None and found.path == contract("drive/delete_item").path and "body" not in r
    with pytest.raises(ValueError):
        Drive(http).delete_items([(drive, " ")])
