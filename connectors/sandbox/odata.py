"""OData helpers: opaque signed skiptokens and paging, ``$select``, ``$top`` checks.

A nextLink is the request URL with its own query options plus ``$skiptoken=<token>``; the token
is HMAC-signed over the path, the other query options and the offset, so a skiptoken the sandbox
did not issue for that exact listing is rejected (docs/failures.md#p2: clients must follow
nextLinks verbatim). Now and then (fault ``empty_page``) a page is served empty but still carries
a nextLink (docs/failures.md#p1).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from connectors.sandbox.errors import GraphError
from connectors.sandbox.http_types import Request

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox


def select_fields(req: Request) -> list[str] | None:
    raw = req.query.get("$select")
    if raw is None:
        return None
    return [f.strip() for f in raw.split(",") if f.strip()]


def top(req: Request, default: int, maximum: int, code: str = "BadRequest") -> int:
    raw = req.query.get("$top")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise GraphError(400, code, f"Invalid value '{raw}' for query option $top.") from None
    if not 1 <= value <= maximum:
        # Wording of Graph's directory answer for /users?$top=1000.
        raise GraphError(400, code, f"Invalid page size specified: '{value}'. Must be between 1 and {maximum} inclusive.")
    return value


def _binding(req: Request) -> bytes:
    options = sorted((k, v) for k, v in req.query.items() if k != "$skiptoken")
    return json.dumps([req.path.lower(), options]).encode()


def _sign(app: Sandbox, req: Request, offset: int, fresh: bool) -> str:
    payload = base64.urlsafe_b64encode(json.dumps([offset, fresh]).encode()).decode().rstrip("=")
    mac = hmac.new(app.tenant.key, _binding(req) + payload.encode(), hashlib.sha256).digest()[:18]
    return "RFNwdAIAAQ" + payload + "." + base64.urlsafe_b64encode(mac).decode()


def _verify(app: Sandbox, req: Request, token: str) -> tuple[int, bool]:
    bad = GraphError(400, "BadRequest", f"Invalid skip token '{token[:40]}'. Follow @odata.nextLink exactly as given.")
    if not token.startswith("RFNwdAIAAQ") or "." not in token:
        raise bad
    payload, _, mac = token[10:].rpartition(".")
    want = base64.urlsafe_b64encode(
        hmac.new(app.tenant.key, _binding(req) + payload.encode(), hashlib.sha256).digest()[:18]).decode()
    if not hmac.compare_digest(mac, want):
        raise bad
    try:
        offset, fresh = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        raise bad from None
    return int(offset), bool(fresh)


def page(app: Sandbox, req: Request, items: list[Any], size: int, context: str,
         render: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """One page of ``items`` as ``{"@odata.context", "@odata.nextLink"?, "value"}``; only the
    items on the page go through ``render``."""
    offset, fresh = 0, False
    token = req.query.get("$skiptoken")
    if token is not None:
        offset, fresh = _verify(app, req, token)
    body: dict[str, Any] = {"@odata.context": context}
    more = offset + size < len(items)
    if more and not fresh and app.faults.draw_empty_page(f"{req.path}?{req.raw_query}"):
        body["@odata.nextLink"] = _next_link(app, req, offset, True)
        body["value"] = []
        return body
    if more:
        body["@odata.nextLink"] = _next_link(app, req, offset + size, False)
    chosen = items[offset:offset + size]
    body["value"] = [render(x) for x in chosen] if render else chosen
    return body


def _next_link(app: Sandbox, req: Request, offset: int, fresh: bool) -> str:
    token = _sign(app, req, offset, fresh)
    parts = [f"{quote(k, safe='$')}={quote(v, safe=',()$=/:')}" for k, v in req.query.items() if k != "$skiptoken"]
    parts.append(f"$skiptoken={token}")
    return f"{req.base}{req.path}?{'&'.join(parts)}"


def context_url(req: Request, fragment: str) -> str:
    return f"{req.base}/v1.0/$metadata#{fragment}"
