"""JSON batching: ``POST /v1.0/$batch`` (docs/graph.md#batching).

At most 20 requests (else 400 for the envelope); ``id`` values unique strings; ``url`` relative
(``/users/…`` or ``users/…``; an absolute URL is refused); a request with a ``body`` must name its
``Content-Type``; ``dependsOn`` ids must exist and come earlier, and a request whose dependency
failed gets 424. Each item runs through the same pipeline as a direct request (faults included,
so items can be 429 with their own ``Retry-After``; no drops or latency inside a batch) and is
counted one by one in ``/_sandbox/stats``. The envelope is 200 and the responses come back in an
order that is not the request order, as Graph allows. A body that is not JSON (file content) comes
base64-encoded, and the JSON answer to such an item goes back base64-encoded too, as Graph's does.
"""
from __future__ import annotations

import base64
import hashlib
import json
from typing import TYPE_CHECKING, Any

from connectors.sandbox.errors import GraphError
from connectors.sandbox.http_types import JSON_TYPE, Request, Response, ok
from connectors.sandbox.router import route

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

MAX_REQUESTS = 20


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
        if r["id"] in seen:
            raise GraphError(400, "BadRequest", f"Invalid batch payload format: duplicate request id '{r['id']}'.")
        if "://" in r["url"]:
            raise GraphError(400, "BadRequest", f"Invalid request URL '{r['url']}': batch URLs must be relative, such as /users.")
        headers = {k.lower(): v for k, v in (r.get("headers") or {}).items()}
        if "body" in r and "content-type" not in headers:
            raise GraphError(400, "BadRequest", f"Invalid batch payload format: request '{r['id']}' has a body but no Content-Type header.")
        deps = r.get("dependsOn") or []
        if not isinstance(deps, list) or any(d not in seen for d in deps):
            raise GraphError(400, "BadRequest", f"Invalid batch payload format: request '{r['id']}' depends on an unknown or later request.")
        seen.add(r["id"])
    return list(requests)


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
    for r in requests:
        failed = [d for d in r.get("dependsOn") or [] if statuses.get(d, 0) >= 400]
        if failed:
            statuses[r["id"]] = 424
            answers.append({"id": r["id"], "status": 424, "headers": {"Content-Type": "application/json"},
                            "body": {"error": {"code": "FailedDependency",
                                               "message": "The request could not be executed because a dependent request failed."}}})
            continue
        inner = _sub_request(req, r)
        response, _ = serve_graph(app, inner, in_batch=True)
        statuses[r["id"]] = response.status
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
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("request-id", "client-request-id")}
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
