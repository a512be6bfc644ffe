"""Graph error bodies and the exception handlers raise to produce them.

Shape (docs/graph.md#error-answers)::

    {"error": {"code": "...", "message": "...",
               "innerError": {"date": "2025-03-04T08:15:02", "request-id": "<guid>",
                              "client-request-id": "<guid>"}}}

OneDrive's more specific codes (``invalidPath``, ``pathIsTooLong``, ``fragmentOverlap``) ride in
``innerError.code``, as OneDrive's error codes page shows
(https://learn.microsoft.com/onedrive/developer/rest-api/concepts/errors).
"""
from __future__ import annotations

import datetime as dt
from typing import Any


class GraphError(Exception):
    """An error answer: status, Graph code, message and optional extra headers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        inner_code: str | None = None,
        headers: dict[str, str] | None = None,
        inner: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.inner_code = inner_code
        self.headers = dict(headers or {})
        self.inner = dict(inner or {})

    def body(self, request_id: str, client_request_id: str) -> dict[str, Any]:
        return error_body(
            self.code, self.message, request_id, client_request_id,
            inner_code=self.inner_code, inner=self.inner,
        )


def error_body(
    code: str,
    message: str,
    request_id: str,
    client_request_id: str,
    *,
    inner_code: str | None = None,
    inner: dict[str, Any] | None = None,
) -> dict[str, Any]:
    inner_error: dict[str, Any] = {}
    if inner_code:
        inner_error["code"] = inner_code
    inner_error.update(inner or {})
    inner_error["date"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    inner_error["request-id"] = request_id
    inner_error["client-request-id"] = client_request_id
    return {"error": {"code": code, "message": message, "innerError": inner_error}}


def bad_request(message: str, code: str = "BadRequest", **kw: Any) -> GraphError:
    return GraphError(400, code, message, **kw)


def not_found(code: str, message: str) -> GraphError:
    return GraphError(404, code, message)


def user_not_found(ref: str) -> GraphError:
    # The message as public fixtures show it; Microsoft's pages do not (docs/graph.md#directory).
    return GraphError(
        404, "Request_ResourceNotFound",
        f"Resource '{ref}' does not exist or one of its queried reference-property objects are not present.",
    )


def item_not_found(message: str = "The resource could not be found.") -> GraphError:
    return GraphError(404, "itemNotFound", message)


def event_not_found() -> GraphError:
    return GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
