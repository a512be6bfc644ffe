"""JSON batching: ``POST /v1.0/$batch`` (docs/graph.md#batching).

At most 20 requests (else 400 for the envelope); ``id`` values unique strings; ``url`` relative
(``/users/…`` or ``users/…``; an absolute URL is refused); a request with a ``body`` must name its
``Content-Type``; ``dependsOn`` ids must exist and come earlier, and a request whose dependency
failed gets 424. A batch with ``dependsOn`` must be one of the shapes Graph takes (:func:`shape_refused`),
else the envelope is 400 ``BadRequest`` "Batch should be either fully sequential or fully parallel". Each item runs through the same pipeline as a direct request (faults included,
so items can be 429 with their own ``Retry-After``; no drops inside a batch) and is counted one by
one in ``/_sandbox/stats``.

Latency (``latency_ms``, per route group) is the time a request takes; a batch is answered once
Graph has run its items (:func:`envelope_delay`, waited out before the items run and outside the
tenant lock). Graph runs the items of a batch side by side unless ``dependsOn`` orders them
(https://learn.microsoft.com/graph/json-batching, "Sequencing requests with the dependsOn
property"), and hands Outlook at most four of a batch's items at a time, or one at a time along a
``dependsOn`` order (https://learn.microsoft.com/graph/throttling-limits, "Outlook service limits
for JSON batching"). So the envelope waits for the longest path through the items, Outlook's in
waves of four, and never less than one request's latency: it is a round trip too. Modelled on the
request shapes, before running: an item that then meets a fault, or a 424, is counted in full.
Each item's mailbox slot (``mailbox_concurrency``) is taken only while the item itself runs.
The items run one after another in request order, unless the seed's ``tenant.variants.batch``
is ``concurrent``: then the items that do not depend on one another run interleaved, in an order
drawn from the fault seed, and race for the folders and files they create (:mod:`connectors.sandbox.races`).
The envelope is 200 and the responses come back in an
order that is not the request order, as Graph allows. A body that is not JSON (file content) comes
base64-encoded, and the JSON answer to such an item goes back base64-encoded too, as Graph's does.
"""
from __future__ import annotations

import base64
import hashlib
import heapq
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from connectors.sandbox import races
from connectors.sandbox.errors import GraphError
from connectors.sandbox.http_types import JSON_TYPE, Request, Response, ok
from connectors.sandbox.router import route

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

MAX_REQUESTS = 20
OUTLOOK_AT_A_TIME = 4  # items of one batch Graph hands Outlook at once (throttling-limits, above)
OUTLOOK_GROUPS = frozenset({"calendar"})


def _validate(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        raise GraphError(400, "BadRequest", "Invalid batch payload format: a 'requests' array is required.")
    requests = body["requests"]
    if not requests:
        raise GraphError(400, "BadRequest", "Invalid batch payload format: the 'requests' array is empty.")
    if len(requests) > MAX_REQUESTS:
        raise GraphError(400, "BadRequest", f"Invalid batch payload format: the number of requests ({len(requests)}) exceeds the maximum of {MAX_REQUESTS}.")
    seen: set[str] = set()
    for r in requests:
        if not isinstance(r, dict) or not all(isinstance(r.get(k), str) and r.get(k) for k in ("id", "method", "url")):
            raise GraphError(400, "BadRequest", "Invalid batch payload format: each request needs string id, method and url.")
        if r["id"].lower() in seen:  # ids are "not case-sensitive" (json-batching, "Creating a batch request")
            raise GraphError(400, "BadRequest", f"Invalid batch payload format: duplicate request id '{r['id']}'.")
        if "://" in r["url"]:
            raise GraphError(400, "BadRequest", f"Invalid request URL '{r['url']}': batch URLs must be relative, such as /users.")
        headers = {k.lower(): v for k, v in (r.get("headers") or {}).items()}
        if "body" in r and "content-type" not in headers:
            raise GraphError(400, "BadRequest", f"Invalid batch payload format: request '{r['id']}' has a body but no Content-Type header.")
        deps = r.get("dependsOn") or []
        if not isinstance(deps, list) or any(not isinstance(d, str) or d.lower() not in seen for d in deps):
            raise GraphError(400, "BadRequest", f"Invalid batch payload format: request '{r['id']}' depends on an unknown or later request.")
        seen.add(r["id"].lower())
    if shape_refused(requests):
        raise GraphError(400, "BadRequest", SHAPE_MESSAGE)
    return list(requests)


# Graph's answer to a batch that mixes dependsOn items with independent ones
# (https://github.com/microsoftgraph/microsoft-graph-docs/issues/16280, where Microsoft corrected
# its own example; https://learn.microsoft.com/en-us/answers/questions/1532547). Its text for the
# other shapes it refuses is not documented: the sandbox gives the same.
SHAPE_MESSAGE = "Batch should be either fully sequential or fully parallel"


def shape_refused(requests: Sequence[dict[str, Any]]) -> bool:
    """Whether Graph refuses the batch for its ``dependsOn`` (ids already known to exist and to
    come earlier). Each item may depend on one other only, and the batch must be *parallel* (no
    item has ``dependsOn``), *serial* (every item but the first depends on the one before it) or
    *same* (every item but the first depends on the first)
    (https://learn.microsoft.com/graph/known-issues#json-batching, "Simplified dependencies"; the
    same three in Microsoft's JavaScript SDK, ``BatchRequestContent.validateDependencies``)."""
    ids = [r["id"].lower() for r in requests]
    deps = [[d.lower() for d in r.get("dependsOn") or []] for r in requests]
    if not any(deps):
        return False
    if deps[0] or any(len(d) != 1 for d in deps[1:]):
        return True
    serial = all(d[0] == ids[n] for n, d in enumerate(deps[1:]))
    same = all(d[0] == ids[0] for d in deps[1:])
    return not (serial or same)


def execution_time(items: Sequence[tuple[float, bool, Sequence[int]]]) -> float:
    """Seconds Graph takes to run a batch's items, each ``(latency, goes to Outlook, indexes of
    the earlier items it depends on)`` in request order: an item starts when its dependencies
    have finished and, for Outlook, when one of its four places is free."""
    finish: list[float] = []
    outlook: list[float] = []  # when each busy Outlook place is free again (a heap)
    for latency, to_outlook, depends_on in items:
        start = max((finish[d] for d in depends_on), default=0.0)
        if to_outlook:
            if len(outlook) >= OUTLOOK_AT_A_TIME:
                start = max(start, heapq.heappop(outlook))
            heapq.heappush(outlook, start + latency)
        finish.append(start + latency)
    return max(finish, default=0.0)


def envelope_delay(app: Sandbox, req: Request) -> float:
    """Seconds before the batch ``req`` is answered: its items' :func:`execution_time` under the
    spec's ``latency_ms`` (each item its route group's), and at least one request's latency. A
    payload the handler will refuse gets that one latency."""
    from connectors.sandbox.router import match

    spec = app.faults.spec
    envelope = spec.latency_ms / 1000.0
    try:
        requests = _validate(req.json())
    except GraphError:
        return envelope
    index = {r["id"].lower(): i for i, r in enumerate(requests)}
    items: list[tuple[float, bool, list[int]]] = []
    for r in requests:
        path = "/" + r["url"].lstrip("/").partition("?")[0]
        try:
            group = match(r["method"].upper(), path)[0].group
        except GraphError:
            group = ""
        latency = spec.rate("latency_ms", group) / 1000.0 if group else envelope
        items.append((latency, group in OUTLOOK_GROUPS, [index[d.lower()] for d in r.get("dependsOn") or []]))
    return max(envelope, execution_time(items))


def _sub_request(outer: Request, r: dict[str, Any]) -> Request:
    url = r["url"] if r["url"].startswith("/") else "/" + r["url"]
    path, _, query = url.partition("?")
    headers = {k.lower(): str(v) for k, v in (r.get("headers") or {}).items()}
    headers.setdefault("client-request-id", outer.header("client-request-id") or "")
    if outer.header("authorization"):
        headers["authorization"] = outer.headers["authorization"]
    body = r.get("body")
    if body is None:
        raw = b""
    elif isinstance(body, str) and not headers.get("content-type", "").startswith("application/json"):
        try:
            raw = base64.b64decode(body, validate=True)
        except ValueError:
            raw = body.encode()
    else:
        raw = json.dumps(body).encode()
    return Request(r["method"].upper(), "/v1.0" + path, query, headers, raw, outer.base)


def run_batch(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    from connectors.sandbox.router import serve_graph

    requests = _validate(req.json())
    statuses: dict[str, int] = {}
    answers: list[dict[str, Any]] = []
    concurrent = (app.tenant.seed["tenant"].get("variants") or {}).get("batch") == "concurrent"
    race = races.BatchRace()
    run_order = races.order(requests, app.faults.spec.seed) if concurrent else range(len(requests))
    for i in run_order:
        r = requests[i]
        failed = [d for d in r.get("dependsOn") or [] if statuses.get(d.lower(), 0) >= 400]
        if failed:
            statuses[r["id"].lower()] = 424
            answers.append({"id": r["id"], "status": 424, "headers": {"Cache-Control": "no-cache", "Content-Type": "application/json"},
                            "body": {"error": {"code": "FailedDependency",
                                               "message": "The request could not be executed because a dependent request failed."}}})
            continue
        inner = _sub_request(req, r)
        if concurrent:
            with races.running(race, r["id"], races.ancestors(requests, i)):
                response, _ = serve_graph(app, inner, in_batch=True)
        else:
            response, _ = serve_graph(app, inner, in_batch=True)
        statuses[r["id"].lower()] = response.status
        answers.append(_encode(r["id"], response, sent_content=_sends_content(r)))
    answers.sort(key=lambda a: hashlib.sha256(f"{req.header('client-request-id')}|{a['id']}".encode()).digest())
    if len(answers) > 1 and [a["id"] for a in answers] == [r["id"] for r in requests]:
        answers.append(answers.pop(0))
    return ok({"responses": answers})


def _sends_content(r: dict[str, Any]) -> bool:
    """Whether the item's body is file content (base64), not JSON."""
    headers = {k.lower(): str(v) for k, v in (r.get("headers") or {}).items()}
    return isinstance(r.get("body"), str) and not headers.get("content-type", "").startswith("application/json")


def _encode(item_id: str, response: Response, *, sent_content: bool = False) -> dict[str, Any]:
    # Each answer carries the headers the server gave it, "for example, Cache-Control and
    # Content-Type" (json-batching, "Processing the JSON batch response").
    headers = {"Cache-Control": "no-cache",
               **{k: v for k, v in response.headers.items() if k.lower() not in ("request-id", "client-request-id")}}
    out: dict[str, Any] = {"id": item_id, "status": response.status}
    if response.body is None:
        out["headers"] = headers
        return out
    if isinstance(response.body, bytes):
        out["headers"] = {**headers, "Content-Type": headers.get("Content-Type", "application/octet-stream")}
        out["body"] = base64.b64encode(response.body).decode()
        return out
    out["headers"] = {**headers, "Content-Type": JSON_TYPE}
    # An item that sent file content (an upload) gets its JSON answer base64-encoded, as Graph
    # does by design (Microsoft Q&A 1352007).
    out["body"] = (base64.b64encode(json.dumps(response.body).encode()).decode() if sent_content
                   else response.body)
    return out


ROUTES = [route("POST /$batch", r"/\$batch", run_batch, "batch")]
