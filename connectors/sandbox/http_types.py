"""Request and response values passed between the server, the pipeline and the route handlers."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from connectors.sandbox.errors import GraphError

_ODATA = {"select", "expand", "filter", "top", "skiptoken", "orderby", "count", "search", "skip"}

JSON_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"


@dataclass
class Request:
    method: str
    path: str  # as received, still percent-encoded, without the query
    raw_query: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    base: str  # "http://127.0.0.1:PORT"
    query: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.query and self.raw_query:
            for key, value in parse_qsl(self.raw_query, keep_blank_values=True):
                if key.lower() in _ODATA:  # Graph v1.0 accepts options with and without "$"
                    key = "$" + key.lower()
                elif key.startswith("$"):
                    key = key.lower()
                self.query[key] = value

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        if not self.body:
            raise GraphError(400, "BadRequest", "Empty Payload. JSON content expected.")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.") from None

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise GraphError(400, "BadRequest", "The request body must be a JSON object.")
        return body

    def action_params(self, *names: str) -> dict[str, Any]:
        """The JSON object body of an OData action with its parameter names matched without
        regard to case and given back as ``names`` spell them: Graph takes ``Schedules`` and
        ``StartTime`` for getSchedule's ``schedules`` and ``startTime`` (its free/busy concept
        page sends them so, https://learn.microsoft.com/graph/outlook-get-free-busy-schedule,
        and Microsoft's SDKs serialise action parameters in PascalCase). Other keys stay as sent."""
        body = self.json_object()
        canonical = {n.lower(): n for n in names}
        out: dict[str, Any] = {}
        for key, value in body.items():
            name = canonical.get(key.lower(), key)
            if name in out:
                raise GraphError(400, "BadRequest", f"The parameter '{name}' is given more than once.")
            out[name] = value
        return out

    def prefers(self, token: str) -> str | None:
        """Value of one ``Prefer`` preference (``outlook.timezone``), '' for a bare flag, None if absent."""
        for part in (self.header("prefer") or "").split(","):
            name, _, value = part.strip().partition("=")
            if name.strip().lower() == token.lower():
                return value.strip().strip('"')
        return None


@dataclass
class Response:
    status: int
    body: Any = None  # a JSON value, raw bytes, or None for no body
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str | None]:
        if self.body is None:
            return b"", None
        if isinstance(self.body, bytes):
            return self.body, self.headers.get("Content-Type", "application/octet-stream")
        return json.dumps(self.body, ensure_ascii=False).encode(), JSON_TYPE


def ok(body: Any, status: int = 200, /, **headers: str) -> Response:
    return Response(status, body, dict(headers))


def empty(status: int, **headers: str) -> Response:
    return Response(status, None, dict(headers))
