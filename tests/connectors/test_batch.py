"""$batch: ≤ 20 per envelope, items matched by id, per-item retries, 424 dependencies."""
from __future__ import annotations

import json

import pytest
import responses

from connectors.graph import errors
from connectors.graph.batch import BatchRequest, execute_batch

from .conftest import GRAPH

BATCH = f"{GRAPH}/$batch"


def _sent(call) -> list[dict]:
    return json.loads(call.request.body)["requests"]


def _answer(items):
    return (200, {"Content-Type": "application/json"}, json.dumps({"responses": items}))


def test_items_are_matched_by_id_not_position(http, rsps):
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: _answer([
        {"id": "2", "status": 200, "body": {"n": 2}},
        {"id": "1", "status": 200, "body": {"n": 1}},
    ]))
    res = execute_batch(http, [BatchRequest("1", "GET", "/users/a"), BatchRequest("2", "GET", "/users/b")])
    assert res["1"].body == {"n": 1} and res["2"].body == {"n": 2}
    sent = _sent(rsps.calls[0])
    assert sent == [{"id": "1", "method": "GET", "url": "/users/a"}, {"id": "2", "method": "GET", "url": "/users/b"}]


def test_more_than_twenty_requests_are_split(http, rsps):
    def answer(req):
        return _answer([{"id": r["id"], "status": 200, "body": {}} for r in json.loads(req.body)["requests"]])

    rsps.add_callback(responses.POST, BATCH, callback=answer)
    reqs = [BatchRequest(str(i), "GET", f"/users/u{i}") for i in range(45)]
    res = execute_batch(http, reqs)
    assert len(res) == 45 and all(r.ok for r in res.values())
    assert [len(_sent(c)) for c in rsps.calls] == [20, 20, 5]


def test_only_throttled_items_are_resent_after_the_largest_retry_after(http, rsps, clock):
    rounds = []

    def answer(req):
        items = json.loads(req.body)["requests"]
        rounds.append([i["id"] for i in items])
        if len(rounds) == 1:
            return _answer([
                {"id": "1", "status": 201, "body": {"id": "e1"}},
                {"id": "2", "status": 429, "headers": {"Retry-After": "3"}, "body": {"error": {"code": "TooManyRequests", "message": "x"}}},
                {"id": "3", "status": 429, "headers": {"retry-after": "7.5"}, "body": {"error": {"code": "TooManyRequests", "message": "x"}}},
            ])
        return _answer([{"id": i["id"], "status": 201, "body": {"id": "e" + i["id"]}} for i in items])

    rsps.add_callback(responses.POST, BATCH, callback=answer)
    reqs = [BatchRequest(str(i), "POST", f"/users/m{i}/events", body={"subject": "s"}) for i in (1, 2, 3)]
    res = execute_batch(http, reqs)
    assert rounds == [["1", "2", "3"], ["2", "3"]]
    assert clock.sleeps == [7.5]
    assert {k: v.body["id"] for k, v in res.items()} == {"1": "e1", "2": "e2", "3": "e3"}
    assert _sent(rsps.calls[0])[0]["headers"] == {"Content-Type": "application/json"}


def test_a_424_goes_again_with_its_dependency(http, rsps, clock):
    rounds = []

    def answer(req):
        items = json.loads(req.body)["requests"]
        rounds.append([(i["id"], tuple(i.get("dependsOn", ()))) for i in items])
        if len(rounds) == 1:
            return _answer([
                {"id": "1", "status": 503, "headers": {"Retry-After": "1"}},
                {"id": "2", "status": 424, "body": {"error": {"code": "FailedDependency", "message": "dep"}}},
            ])
        return _answer([{"id": i["id"], "status": 201, "body": {}} for i in items])

    rsps.add_callback(responses.POST, BATCH, callback=answer)
    res = execute_batch(http, [
        BatchRequest("1", "POST", "/drives/d/root/children", body={"name": "a", "folder": {}}, idempotent=True),
        BatchRequest("2", "POST", "/drives/d/items/x/invite", body={}, depends_on=("1",), idempotent=True),
    ])
    assert rounds == [[("1", ()), ("2", ("1",))], [("1", ()), ("2", ("1",))]]
    assert res["1"].ok and res["2"].ok


def test_a_424_behind_a_permanent_failure_is_final_and_says_why(http, rsps):
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: _answer([
        {"id": "1", "status": 404, "body": {"error": {"code": "itemNotFound", "message": "nope"}}},
        {"id": "2", "status": 424},
    ]))
    res = execute_batch(http, [BatchRequest("1", "GET", "/drives/d/items/x"),
                               BatchRequest("2", "GET", "/drives/d/items/x/children", depends_on=("1",))])
    assert isinstance(res["1"].error, errors.NotFound)
    assert isinstance(res["2"].error, errors.FailedDependency)
    assert res["2"].error.outcome is errors.Outcome.PERMANENT
    with pytest.raises(errors.FailedDependency):
        res["2"].raise_for_error()
    assert len(rsps.calls) == 1


def test_dependency_groups_stay_in_one_envelope(http, rsps):
    def answer(req):
        return _answer([{"id": r["id"], "status": 200, "body": {}} for r in json.loads(req.body)["requests"]])

    rsps.add_callback(responses.POST, BATCH, callback=answer)
    reqs = [BatchRequest(f"s{i}", "GET", f"/users/s{i}") for i in range(15)]
    reqs += [BatchRequest("a", "GET", "/a"), BatchRequest("b", "GET", "/b", depends_on=("a",)),
             BatchRequest("c", "GET", "/c", depends_on=("b",)), BatchRequest("d", "GET", "/d", depends_on=("c",)),
             BatchRequest("e", "GET", "/e", depends_on=("d",)), BatchRequest("f", "GET", "/f", depends_on=("e",))]
    execute_batch(http, reqs)
    envelopes = [{r["id"] for r in _sent(c)} for c in rsps.calls]
    assert any({"a", "b", "c", "d", "e", "f"} <= ids for ids in envelopes)
    assert all(len(ids) <= 20 for ids in envelopes)


def test_an_item_left_out_of_the_answer_is_sent_again(http, rsps):
    calls = []

    def answer(req):
        items = json.loads(req.body)["requests"]
        calls.append(len(items))
        return _answer([{"id": i["id"], "status": 200} for i in items][: 1 if len(calls) == 1 else None])

    rsps.add_callback(responses.POST, BATCH, callback=answer)
    res = execute_batch(http, [BatchRequest("1", "GET", "/a"), BatchRequest("2", "GET", "/b")])
    assert calls == [2, 1] and all(r.ok for r in res.values())


def test_bad_requests_are_refused_before_sending(http):
    with pytest.raises(ValueError, match="unique"):
        execute_batch(http, [BatchRequest("1", "GET", "/a"), BatchRequest("1", "GET", "/b")])
    with pytest.raises(ValueError, match="relative"):
        execute_batch(http, [BatchRequest("1", "GET", "https://graph.microsoft.com/v1.0/a")])
    with pytest.raises(ValueError, match="unknown request"):
        execute_batch(http, [BatchRequest("1", "GET", "/a", depends_on=("9",))])
