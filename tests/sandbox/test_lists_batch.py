"""Sites, lists and $batch against docs/graph.md#sharepoint-lists and docs/graph.md#batching."""
from __future__ import annotations

from typing import Any

from tests.sandbox.conftest import Client

SITE = "/sites/example.sharepoint.com:/sites/hr"


def _make_list(graph: Client) -> tuple[str, str]:
    site = graph.get(SITE).json()
    assert site["id"].startswith("example.sharepoint.com,")
    r = graph.post(f"/sites/{site['id']}/lists", json={"displayName": "Medarbetarsamtal", "columns": [
        {"name": "Key", "text": {"maxLength": 64}, "indexed": True},
        {"name": "Status", "choice": {"choices": ["scheduled", "held"]}},
        {"name": "Manager", "personOrGroup": {"allowMultipleSelection": False}},
        {"name": "Link", "hyperlinkOrPicture": {"isPicture": False}}]})
    assert r.status_code == 201
    return site["id"], r.json()["id"]


def test_list_create_columns_and_filter_by_name(graph: Client) -> None:
    site, lst = _make_list(graph)
    cols = graph.get(f"/sites/{site}/lists/{lst}", params={"$expand": "columns"}).json()["columns"]
    by_name = {c["name"]: c for c in cols}
    assert by_name["Key"]["indexed"] is True and by_name["Key"]["text"]["maxLength"] == 64
    assert "Title" in by_name and "hyperlinkOrPicture" not in by_name["Link"]
    found = graph.get(f"/sites/{site}/lists", params={"$filter": "displayName eq 'Medarbetarsamtal'"}).json()["value"]
    assert [x["id"] for x in found] == [lst]
    assert graph.post(f"/sites/{site}/lists", json={"displayName": "Medarbetarsamtal"}).status_code == 409


def test_items_fields_filter_and_patch(graph: Client) -> None:
    site, lst = _make_list(graph)
    base = f"/sites/{site}/lists/{lst}/items"
    r = graph.post(base, json={"fields": {"Title": "Per", "Key": "2027:per", "Status": "scheduled", "ManagerLookupId": "12"}})
    assert r.status_code == 201 and r.json()["id"] == "1" and r.json()["fields"]["ManagerLookupId"] == "12"
    assert graph.post(base, json={"fields": {"Key": "k" * 65}}).status_code == 400
    assert graph.post(base, json={"fields": {"Link": "https://x"}}).status_code == 400
    assert graph.post(base, json={"fields": {"ManagerLookupId": 12}}).status_code == 500
    assert graph.post(base, json={"fields": {"Nope": "x"}}).status_code == 400
    hit = graph.get(base, params={"$expand": "fields($select=Title,Key)", "$filter": "fields/Key eq '2027:per'"}).json()["value"]
    assert [i["id"] for i in hit] == ["1"] and hit[0]["fields"]["Key"] == "2027:per"
    slow = graph.get(base, params={"$expand": "fields", "$filter": "fields/Status eq 'scheduled'"})
    assert slow.status_code == 400
    assert slow.json()["error"]["message"].startswith("Field 'Status' cannot be referenced in filter or orderby as it is not indexed.")
    honored = graph.get(base, params={"$expand": "fields", "$filter": "fields/Status eq 'scheduled'"},
                        headers={"Prefer": "HonorNonIndexedQueriesWarningMayFailRandomly"})
    assert len(honored.json()["value"]) == 1
    etag = r.json()["fields"]["@odata.etag"]
    patched = graph.call("PATCH", f"{base}/1/fields", json={"Status": "held"}, headers={"If-Match": etag})
    assert patched.status_code == 200 and patched.json()["Status"] == "held" and patched.json()["Key"] == "2027:per"
    stale = graph.call("PATCH", f"{base}/1/fields", json={"Status": "held"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "resourceModified" and "eTag mismatch" in stale.json()["error"]["message"]


def test_delete_item_honours_if_match(graph: Client) -> None:
    site, lst = _make_list(graph)
    base = f"/sites/{site}/lists/{lst}/items"
    first = graph.post(base, json={"fields": {"Key": "2027:a"}}).json()
    old = first["eTag"]
    assert graph.call("PATCH", f"{base}/{first['id']}/fields", json={"Status": "held"}).status_code == 200
    stale = graph.call("DELETE", f"{base}/{first['id']}", headers={"If-Match": old})
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "resourceModified"
    assert graph.get(f"{base}/{first['id']}").status_code == 200                  # still there
    fresh = graph.get(f"{base}/{first['id']}").json()["eTag"]
    assert graph.call("DELETE", f"{base}/{first['id']}", headers={"If-Match": fresh}).status_code == 204
    assert graph.call("DELETE", f"{base}/{first['id']}", headers={"If-Match": fresh}).status_code == 404


def _batch(graph: Client, requests_: list[dict[str, Any]]) -> Any:
    return graph.post("/$batch", json={"requests": requests_})


def test_batch_order_dependencies_and_limits(graph: Client) -> None:
    d = graph.get("/users/anna.berg@example.se/drive").json()["id"]
    before = graph.control("GET", "stats").json()["requests"]
    # serial, as Graph takes dependsOn: each item on the one before it
    r = _batch(graph, [
        {"id": "1", "method": "GET", "url": "/users/per.lind@example.se?$select=id,displayName"},
        {"id": "2", "method": "POST", "url": f"/drives/{d}/root/children", "headers": {"Content-Type": "application/json"},
         "body": {"name": "bad|name", "folder": {}}, "dependsOn": ["1"]},
        {"id": "3", "method": "GET", "url": f"/drives/{d}/root/children", "dependsOn": ["2"]},
    ])
    assert r.status_code == 200
    answers = r.json()["responses"]
    assert [a["id"] for a in answers] != ["1", "2", "3"]
    status = {a["id"]: a["status"] for a in answers}
    assert status == {"1": 200, "2": 400, "3": 424}
    assert next(a for a in answers if a["id"] == "1")["body"]["displayName"] == "Per Lind"
    assert graph.control("GET", "stats").json()["requests"] - before == 2  # 424 was never run; envelope not counted
    side_by_side = _batch(graph, [{"id": "1", "method": "GET", "url": "/users/per.lind@example.se"},
                                  {"id": "2", "method": "GET", "url": "users/anna.berg@example.se/manager"}])
    assert {a["id"]: a["status"] for a in side_by_side.json()["responses"]} == {"1": 200, "2": 404}
    many = _batch(graph, [{"id": str(i), "method": "GET", "url": "/users"} for i in range(21)])
    assert many.status_code == 400
    absolute = _batch(graph, [{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/users"}])
    assert absolute.status_code == 400
    no_type = _batch(graph, [{"id": "1", "method": "POST", "url": "/users/x/events", "body": {}}])
    assert no_type.status_code == 400


def test_batch_ids_are_not_case_sensitive_and_answers_carry_headers(graph: Client) -> None:
    """json-batching: an id is "not case-sensitive" and must be unique (else 400); a dependsOn
    names it in any case; every answer carries its headers (Cache-Control, Content-Type)."""
    twice = _batch(graph, [{"id": "a", "method": "GET", "url": "/users/anna.berg@example.se"},
                           {"id": "A", "method": "GET", "url": "/users/per.lind@example.se"}])
    assert twice.status_code == 400
    r = _batch(graph, [
        {"id": "First", "method": "GET", "url": "/users/per.lind@example.se"},
        {"id": "second", "method": "GET", "url": "/users/nobody@example.se", "dependsOn": ["first"]},
        {"id": "third", "method": "GET", "url": "/users/per.lind@example.se", "dependsOn": ["SECOND"]},
    ])
    assert r.status_code == 200
    answers = {a["id"]: a for a in r.json()["responses"]}
    assert {k: a["status"] for k, a in answers.items()} == {"First": 200, "second": 404, "third": 424}
    for a in answers.values():
        assert a["headers"]["Cache-Control"] == "no-cache" and a["headers"]["Content-Type"].startswith("application/json")


def _shape(deps: list[list[str]]) -> list[dict[str, Any]]:
    return [{"id": str(n + 1), "method": "GET", "url": "/users/per.lind@example.se",
             **({"dependsOn": d} if d else {})} for n, d in enumerate(deps)]


def test_batch_shapes_graph_refuses_answer_400(graph: Client) -> None:
    """Graph takes dependsOn only as serial (each item on the one before) or same (every item on
    the first), one dependency each: a batch mixing dependsOn items with independent ones is 400
    "Batch should be either fully sequential or fully parallel"
    (https://github.com/microsoftgraph/microsoft-graph-docs/issues/16280;
    https://learn.microsoft.com/graph/known-issues#json-batching)."""
    before = graph.control("GET", "stats").json()["requests"]
    for refused in ([[], ["1"], []],                  # the mix
                    [[], [], ["1", "2"]],             # two dependencies
                    [[], ["1"], ["2"], ["1"]],        # neither serial nor same
                    [[], [], ["2"]]):                 # one dependency, beside an independent item
        r = _batch(graph, _shape(refused))
        assert r.status_code == 400, refused
        error = r.json()["error"]
        assert error["code"] == "BadRequest"
        assert error["message"] == "Batch should be either fully sequential or fully parallel"
    assert graph.control("GET", "stats").json()["requests"] == before  # nothing ran
    for accepted in ([[], []], [[], ["1"], ["2"]], [[], ["1"], ["1"], ["1"]], [[], ["1"]]):
        r = _batch(graph, _shape(accepted))
        assert r.status_code == 200 and all(a["status"] == 200 for a in r.json()["responses"]), accepted
