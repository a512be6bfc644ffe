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


def _graph_accepts(items: list[dict]) -> bool:
    """Graph's rule for one envelope (https://learn.microsoft.com/graph/known-issues#json-batching;
    https://github.com/microsoftgraph/microsoft-graph-docs/issues/16280), written out apart from
    the code under test: parallel, serial, or every item but the first on the first."""
    deps = [i.get("dependsOn", []) for i in items]
    if not any(deps):
        return True
    if deps[0] or any(len(d) != 1 for d in deps[1:]):
        return False
    ids = [i["id"] for i in items]
    return (all(d == [ids[n]] for n, d in enumerate(deps[1:])) or all(d == [ids[0]] for d in deps[1:]))


def _all_ok(req):
    return _answer([{"id": r["id"], "status": 200, "body": {}} for r in json.loads(req.body)["requests"]])


def test_a_dependency_group_has_an_envelope_of_its_own(http, rsps):
    """Graph refuses a batch that mixes dependsOn items with independent ones ("Batch should be
    either fully sequential or fully parallel"): a group goes whole, alone, and the independent
    items go together."""
    rsps.add_callback(responses.POST, BATCH, callback=_all_ok)
    reqs = [BatchRequest(f"s{i}", "GET", f"/users/s{i}") for i in range(15)]
    reqs += [BatchRequest("a", "GET", "/a"), BatchRequest("b", "GET", "/b", depends_on=("a",)),
             BatchRequest("c", "GET", "/c", depends_on=("b",)), BatchRequest("d", "GET", "/d", depends_on=("c",))]
    reqs += [BatchRequest("r", "GET", "/r"), BatchRequest("x", "GET", "/x", depends_on=("r",)),
             BatchRequest("y", "GET", "/y", depends_on=("r",))]
    res = execute_batch(http, reqs)
    assert len(res) == 22 and all(r.ok for r in res.values())
    envelopes = [_sent(c) for c in rsps.calls]
    assert sorted([i["id"] for i in e] for e in envelopes) == sorted(
        [["a", "b", "c", "d"], ["r", "x", "y"], [f"s{i}" for i in range(15)]])
    assert all(_graph_accepts(e) for e in envelopes)


@pytest.mark.parametrize("reqs, refused", [
    ([BatchRequest("a", "GET", "/a"), BatchRequest("b", "GET", "/b"),
      BatchRequest("c", "GET", "/c", depends_on=("a", "b"))], "at most one"),
    ([BatchRequest("a", "GET", "/a"), BatchRequest("b", "GET", "/b", depends_on=("a",)),
      BatchRequest("c", "GET", "/c", depends_on=("b",)), BatchRequest("d", "GET", "/d", depends_on=("a",))], "serial"),
    ([BatchRequest("b", "GET", "/b", depends_on=("a",)), BatchRequest("a", "GET", "/a")], "comes first"),
])
def test_a_group_graph_would_refuse_is_a_programming_error(http, rsps, reqs, refused):
    with pytest.raises(ValueError, match=refused):
        execute_batch(http, [BatchRequest("z", "GET", "/z"), *reqs])
    assert len(rsps.calls) == 0


def test_what_goes_again_of_a_group_keeps_a_shape_graph_accepts(http, rsps):
    """Of a serial a, b, c, d, Graph answered only c: a, b and d go again, and d (its dependency
    done) without dependsOn beside a -> b would be a mixed envelope, so it goes apart."""
    seen = []

    def answer(req):
        items = json.loads(req.body)["requests"]
        seen.append(items)
        if len(seen) == 1:
            return _answer([{"id": "c", "status": 200, "body": {}}])
        return _answer([{"id": i["id"], "status": 200, "body": {}} for i in items])

    rsps.add_callback(responses.POST, BATCH, callback=answer)
    res = execute_batch(http, [BatchRequest("a", "GET", "/a"), BatchRequest("b", "GET", "/b", depends_on=("a",)),
                               BatchRequest("c", "GET", "/c", depends_on=("b",)),
                               BatchRequest("d", "GET", "/d", depends_on=("c",))])
    assert all(r.ok for r in res.values())
    assert all(_graph_accepts(e) for e in seen)
    assert sorted([(i["id"], tuple(i.get("dependsOn", ()))) for i in e] for e in seen[1:]) == [
        [("a", ()), ("b", ("a",))], [("d", ())]]


def test_an_item_left_out_behind_a_failed_dependency_is_not_sent_without_it(http, rsps):
    """Graph answered the dependency 404 and left its dependant out: sending that again alone
    would run it as if its dependency had gone through."""
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: _answer([
        {"id": "1", "status": 404, "body": {"error": {"code": "itemNotFound", "message": "nope"}}}]))
    res = execute_batch(http, [BatchRequest("1", "GET", "/drives/d/items/x"),
                               BatchRequest("2", "DELETE", "/drives/d/items/x/children/y", depends_on=("1",))])
    assert isinstance(res["2"].error, errors.FailedDependency)
    assert res["2"].error.outcome is errors.Outcome.PERMANENT
    assert len(rsps.calls) == 1


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
