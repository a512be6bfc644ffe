"""The connectors' batch-capable methods: one $batch per 20, bodies and ids, per-item errors, and
no duplicate after an answer that was lost (events by tag, list items by key)."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from typing import Any

import requests
import responses

from connectors.graph import errors
from connectors.graph.calendar import Calendar
from connectors.graph.calendar_records import TAG_PROPERTY_ID, EventDraft
from connectors.graph.drive import Drive
from connectors.graph.http import GraphHttp
from connectors.graph.lists import Lists

from .conftest import GRAPH
from .test_lists import LIST, SITE, schema  # noqa: F401 - the list's schema fixture

BATCH = f"{GRAPH}/$batch"
START = datetime(2027, 2, 1, 9, tzinfo=timezone.utc)
END = datetime(2027, 2, 1, 10, tzinfo=timezone.utc)


def _draft(tag: str) -> EventDraft:
    return EventDraft(subject="Samtal", body_html="<p>x</p>", start=START, end=END,
                      time_zone="W. Europe Standard Time", attendees=(("e@x.se", "E"),),
                      tag=tag, transaction_id=f"tx-{tag}")


def _event(eid: str, tag: str, tx: str | None = None) -> dict[str, Any]:
    return {"id": eid, "subject": "Samtal", "isCancelled": False, "transactionId": tx or f"tx-{tag}",
            "start": {"dateTime": "2027-02-01T09:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2027-02-01T10:00:00.0000000", "timeZone": "UTC"},
            "singleValueExtendedProperties": [{"id": TAG_PROPERTY_ID, "value": tag}]}


def _items(call: Any) -> list[dict[str, Any]]:
    return list(json.loads(call.request.body)["requests"])


def _answer(items: list[dict[str, Any]]) -> tuple[int, dict[str, str], str]:
    return 200, {"Content-Type": "application/json"}, json.dumps({"responses": items})


ERROR_500 = {"status": 500, "body": {"error": {"code": "generalException", "message": "x"}}}


def test_create_events_sends_each_draft_once_with_its_tag_and_transaction_id(http: GraphHttp,
                                                                              rsps: responses.RequestsMock) -> None:
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: _answer(
        [{"id": r["id"], "status": 201, "body": _event("e" + r["id"], r["body"]["singleValueExtendedProperties"][0]["value"])}
         for r in json.loads(req.body)["requests"]]))
    out = Calendar(http).create_events([("m1", _draft("c:1")), ("m2", _draft("c:2"))])
    assert [e.id for e in out if not isinstance(e, errors.GraphError)] == ["e0", "e1"]
    sent = _items(rsps.calls[0])
    assert [(r["method"], r["url"]) for r in sent] == [("POST", "/users/m1/events"), ("POST", "/users/m2/events")]
    assert sent[0]["body"]["transactionId"] == "tx-c:1"
    assert sent[0]["body"]["singleValueExtendedProperties"] == [{"id": TAG_PROPERTY_ID, "value": "c:1"}]
    assert sent[0]["headers"]["Content-Type"] == "application/json"
    assert len(rsps.calls) == 1


def test_a_create_answered_500_is_looked_up_by_tag_and_never_made_twice(http: GraphHttp,
                                                                         rsps: responses.RequestsMock) -> None:
    rounds: list[list[dict[str, Any]]] = []

    def answer(req: Any) -> tuple[int, dict[str, str], str]:
        items = json.loads(req.body)["requests"]
        rounds.append(items)
        if items[0]["method"] == "GET":  # the lookup: item 0's event exists, item 1's does not
            return _answer([{"id": r["id"], "status": 200, "body": {"value": [_event("found", "c:1")] if "'c:1'" in r["url"] else []}}
                            for r in items])
        if len(rounds) == 1:
            return _answer([{"id": r["id"], **ERROR_500} for r in items])
        return _answer([{"id": r["id"], "status": 201, "body": _event("new", "c:2")} for r in items])

    rsps.add_callback(responses.POST, BATCH, callback=answer)
    out = Calendar(http).create_events([("m1", _draft("c:1")), ("m1", _draft("c:2"))])
    assert [getattr(e, "id", None) for e in out] == ["found", "new"]
    creates = [r for batch in rounds for r in batch if r["method"] == "POST"]
    # c:1 sent once (found afterwards), c:2 sent twice (not found, so created again)
    assert sorted(r["body"]["transactionId"] for r in creates) == ["tx-c:1", "tx-c:2", "tx-c:2"]


def test_a_dropped_create_batch_is_looked_up_before_anything_is_sent_again(http: GraphHttp,
                                                                           rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, BATCH, body=requests.ConnectionError("reset"))
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: _answer(
        [{"id": r["id"], "status": 200, "body": {"value": [_event("kept", "c:1")]}} for r in json.loads(req.body)["requests"]]))
    out = Calendar(http).create_events([("m1", _draft("c:1"))])
    assert getattr(out[0], "id", None) == "kept"
    assert [r["method"] for r in _items(rsps.calls[1])] == ["GET"]
    assert len(rsps.calls) == 2


def test_a_refused_create_is_that_items_error_only(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: _answer([
        {"id": "0", "status": 403, "body": {"error": {"code": "ErrorAccessDenied", "message": "no"}}},
        {"id": "1", "status": 201, "body": _event("ok", "c:2")}]))
    out = Calendar(http).create_events([("m1", _draft("c:1")), ("m2", _draft("c:2"))])
    assert isinstance(out[0], errors.Forbidden) and getattr(out[1], "id", None) == "ok"
    assert len(rsps.calls) == 1  # a refusal is not looked up or repeated


def test_find_events_by_tags_filters_on_the_tag_per_item(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: _answer([
        {"id": "0", "status": 200, "body": {"value": [_event("e1", "c:1")]}},
        {"id": "1", "status": 404, "body": {"error": {"code": "ErrorItemNotFound", "message": "x"}}}]))
    out = Calendar(http).find_events_by_tags([("m1", "c:1"), ("m2", "c:2")])
    assert [e.id for e in out[0]] == ["e1"] and isinstance(out[1], errors.NotFound)  # type: ignore[union-attr]
    sent = _items(rsps.calls[0])
    assert sent[0]["url"].startswith("/users/m1/events?")
    assert "ep/value%20eq%20'c:1')" in sent[0]["url"] and "ep/value%20eq%20'c:2')" in sent[1]["url"]
    assert sent[0]["headers"] == {"Prefer": 'outlook.timezone="UTC"'}


def test_find_events_by_tag_prefix_lists_each_manager_once_and_follows_its_pages(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    nxt = f"{GRAPH}/users/m1/events?$skiptoken=p2"
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: _answer([
        {"id": "0", "status": 200, "body": {"value": [_event("e1", "2027:a"), _event("e2", "2027:b")],
                                            "@odata.nextLink": nxt}},
        {"id": "1", "status": 404, "body": {"error": {"code": "MailboxNotEnabledForRESTAPI", "message": "x"}}},
        {"id": "2", "status": 200, "body": {"value": [_event("e4", "2027:d")]}}]))
    # the second page; an event without the tag, or whose tag has another prefix, is not kept: the
    # tag is read from the expanded property, never inferred from the filter
    untagged = {k: v for k, v in _event("e5", "x").items() if k != "singleValueExtendedProperties"}
    rsps.get(nxt, match=[responses.matchers.header_matcher({"Prefer": 'outlook.timezone="UTC"'})],
             json={"value": [_event("e3", "2027:c"), _event("e6", "2027X:c"), untagged]})
    out = Calendar(http).find_events_by_tag_prefix(["m1", "m2", "m3"], "2027:")
    assert [(e.id, e.tag) for e in out[0]] == [("e1", "2027:a"), ("e2", "2027:b"), ("e3", "2027:c")]  # type: ignore[union-attr]
    assert isinstance(out[1], errors.MailboxUnavailable)
    assert [(e.id, e.tag) for e in out[2]] == [("e4", "2027:d")]  # type: ignore[union-attr]
    sent = _items(rsps.calls[0])
    assert [(r["method"], r["url"].split("?")[0]) for r in sent] == [
        ("GET", "/users/m1/events"), ("GET", "/users/m2/events"), ("GET", "/users/m3/events")]
    query = requests.utils.unquote(sent[0]["url"].split("?", 1)[1])
    assert (f"$filter=singleValueExtendedProperties/Any(ep: ep/id eq '{TAG_PROPERTY_ID}' "
            "and startswith(ep/value, '2027:'))") in query
    assert f"$expand=singleValueExtendedProperties($filter=id eq '{TAG_PROPERTY_ID}')" in query
    assert "$top=1000" in query and "$select=id," in query
    assert all(r["headers"] == {"Prefer": 'outlook.timezone="UTC"'} for r in sent)
    assert len(rsps.calls) == 2  # one $batch, and the one further page


def test_get_events_reads_each_event_with_its_tag_per_item(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: _answer([
        {"id": "1", "status": 404, "body": {"error": {"code": "ErrorItemNotFound", "message": "x"}}},
        {"id": "0", "status": 200, "body": _event("e1", "c:1")}]))
    out = Calendar(http).get_events([("m1", "e1"), ("m2", "gone")])
    assert getattr(out[0], "tag", None) == "c:1" and isinstance(out[1], errors.NotFound)
    sent = _items(rsps.calls[0])
    assert [(r["method"], r["url"].split("?")[0]) for r in sent] == [("GET", "/users/m1/events/e1"),
                                                                     ("GET", "/users/m2/events/gone")]
    assert "$select=id,iCalUId" in sent[0]["url"] and "singleValueExtendedProperties(" in sent[0]["url"]
    assert sent[0]["headers"] == {"Prefer": 'outlook.timezone="UTC"'}
    assert len(rsps.calls) == 1


def test_drive_get_items_and_invite_many(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    def answer(req: Any) -> tuple[int, dict[str, str], str]:
        items = json.loads(req.body)["requests"]
        if items[0]["method"] == "GET":
            return _answer([{"id": "0", "status": 200, "body": {"id": "f1", "name": "A", "folder": {}, "webUrl": "https://x/f1"}},
                            {"id": "1", "status": 404, "body": {"error": {"code": "itemNotFound", "message": "x"}}}])
        return _answer([{"id": "0", "status": 200, "body": {"value": [{"id": "p1", "roles": ["write"], "grantedTo": {"user": {"email": "m@x.se"}}}]}},
                        {"id": "1", "status": 400, "body": {"error": {"code": "invalidRequest", "message": "x"}}}])

    rsps.add_callback(responses.POST, BATCH, callback=answer)
    drive = Drive(http)
    got = drive.get_items([("d1", "f1"), ("d1", "gone")])
    assert getattr(got[0], "web_url", None) == "https://x/f1" and isinstance(got[1], errors.NotFound)
    shared = drive.invite_many([("d1", "f1", "m@x.se"), ("d1", "f2", "bad@x.se")])
    assert getattr(shared[0], "ok", None) is True
    assert getattr(shared[1], "failed", None) == (("bad@x.se", "400 invalidRequest"),)
    sent = _items(rsps.calls[1])
    assert sent[0] == {"id": "0", "method": "POST", "url": "/drives/d1/items/f1/invite",
                       "body": {"recipients": [{"email": "m@x.se"}], "roles": ["write"], "requireSignIn": True,
                                "sendInvitation": False},
                       "headers": {"Content-Type": "application/json"}}


def test_download_many_fetches_the_302_locations_without_the_token(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: _answer([
        {"id": "0", "status": 302, "headers": {"Location": "https://dl.example/a"}},
        {"id": "1", "status": 200, "headers": {"Content-Type": "application/octet-stream"},
         "body": base64.b64encode(b"inline").decode()},
        {"id": "2", "status": 404, "body": {"error": {"code": "itemNotFound", "message": "x"}}}]))
    rsps.add(responses.GET, "https://dl.example/a", body=b"bytes-a")
    out = Drive(http).download_many([("d", "a"), ("d", "b"), ("d", "c")])
    assert out[0] == b"bytes-a" and out[1] == b"inline" and isinstance(out[2], errors.NotFound)
    fetched = next(c for c in rsps.calls if c.request.url == "https://dl.example/a")
    assert "Authorization" not in fetched.request.headers
    assert [r["url"] for r in _items(rsps.calls[0])] == ["/drives/d/items/a/content", "/drives/d/items/b/content",
                                                         "/drives/d/items/c/content"]


def test_create_items_looks_a_lost_create_up_by_key(http: GraphHttp, rsps: responses.RequestsMock,
                                                    schema: None) -> None:  # noqa: F811
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: _answer([
        {"id": "0", "status": 201, "body": {"id": "20", "fields": {"Key": "2025:a"}}},
        {"id": "1", **ERROR_500}]))
    rsps.add(responses.GET, f"{GRAPH}/sites/{SITE}/lists/{LIST}/items?$expand=fields&$filter=fields/Key%20eq%20'2025:b'",
             json={"value": [{"id": "21", "fields": {"Key": "2025:b"}}]})
    out = Lists(http).create_items(SITE, LIST, [{"Key": "2025:a"}, {"Key": "2025:b"}])
    assert [getattr(i, "id", None) for i in out] == ["20", "21"]
    batches = [c for c in rsps.calls if c.request.url == BATCH]
    assert len(batches) == 1  # the lost one was there: not created again
    assert [r["body"]["fields"]["Key"] for r in _items(batches[0])] == ["2025:a", "2025:b"]


def test_update_items_patches_each_items_fields(http: GraphHttp, rsps: responses.RequestsMock,
                                                schema: None) -> None:  # noqa: F811
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: _answer([
        {"id": "0", "status": 200, "body": {"id": "20", "Status": "filed"}},
        {"id": "1", "status": 412, "body": {"error": {"code": "resourceModified", "message": "x"}}}]))
    out = Lists(http).update_items(SITE, LIST, [("20", {"Status": "filed"}), ("21", {"Status": "filed"})])
    assert isinstance(out[0], dict) and out[0]["Status"] == "filed"
    assert isinstance(out[1], errors.PreconditionFailed)
    sent = _items(rsps.calls[-1])
    assert [(r["method"], r["url"]) for r in sent] == [("PATCH", f"/sites/{SITE}/lists/{LIST}/items/20/fields"),
                                                       ("PATCH", f"/sites/{SITE}/lists/{LIST}/items/21/fields")]


def test_update_items_with_etags_sends_if_match_per_item(http: GraphHttp, rsps: responses.RequestsMock,
                                                         schema: None) -> None:  # noqa: F811
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: _answer(
        [{"id": "0", "status": 200, "body": {"@odata.etag": '"a,3"', "Note": "x"}},
         {"id": "1", "status": 412, "body": {"error": {"code": "resourceModified", "message": "stale"}}}]))
    out = Lists(http).update_items(SITE, LIST, [("20", {"Note": "x"}), ("21", {"Note": "y"})],
                                   etags=['"a,2"', '"b,1"'])
    sent = _items(next(c for c in rsps.calls if c.request.url == BATCH))
    assert [r["headers"].get("If-Match") for r in sent] == ['"a,2"', '"b,1"']
    assert out[0] == {"Note": "x"} and isinstance(out[1], errors.PreconditionFailed)


def test_delete_items_sends_if_match_and_answers_per_item(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.add_callback(responses.POST, BATCH, callback=lambda req: _answer(
        [{"id": "0", "status": 204}, {"id": "1", "status": 412,
                                      "body": {"error": {"code": "resourceModified", "message": "stale"}}},
         {"id": "2", "status": 404, "body": {"error": {"code": "itemNotFound", "message": "gone"}}}]))
    out = Lists(http).delete_items(SITE, LIST, [("20", '"a,1"'), ("21", '"b,1"'), ("22", None)])
    sent = _items(rsps.calls[0])
    assert [(r["method"], r["url"].rsplit("/", 1)[1], (r.get("headers") or {}).get("If-Match")) for r in sent] == [
        ("DELETE", "20", '"a,1"'), ("DELETE", "21", '"b,1"'), ("DELETE", "22", None)]
    assert out[0] is None and isinstance(out[1], errors.PreconditionFailed) and isinstance(out[2], errors.NotFound)
