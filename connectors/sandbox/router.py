"""Routing and the per-request pipeline for Graph (``/v1.0``) requests.

Pipeline of one Graph request: authorization → count it → budgets (SharePoint's resource units
for drive, site and list routes; Outlook's requests per mailbox: ``ru.py``) → fault draw
(early-retry punishment, 429, 503) → Outlook's per-mailbox concurrency slot → injected latency → the handler under the
tenant lock → error body and headers. A dropped connection is decided by the fault draw but
carried out by the server *after* the handler ran (the client never hears that its POST worked).
"""
from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from connectors.sandbox.errors import GraphError
from connectors.sandbox.http_types import Request, Response
from connectors.sandbox.ru import operation_label, ru_cost

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

Handler = Callable[["Sandbox", Request, dict[str, str]], Response]


@dataclass(frozen=True)
class Route:
    name: str            # for per-route counts: "GET /users/{id}"
    methods: tuple[str, ...]
    pattern: re.Pattern[str]
    handler: Handler
    group: str           # fault group (faults.GROUPS)
    mailbox: str = ""    # name of the path parameter that names a mailbox (Outlook limit)


# POST routes that change nothing (they only ask), so they never count as writes.
READ_ONLY_POSTS = frozenset({"POST /users/{id}/calendar/getSchedule"})


def route(name: str, pattern: str, handler: Handler, group: str, mailbox: str = "") -> Route:
    method, _, _ = name.partition(" ")
    return Route(name, tuple(method.split("|")), re.compile(pattern, re.IGNORECASE), handler, group, mailbox)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.throttled = 0
        self.mailbox_concurrency_429 = 0
        self.unavailable = 0
        self.dropped = 0
        self.writes = 0
        self.unauthorized = 0
        self.batches = 0
        self.by_route: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()

    def snapshot(self, max_in_flight: dict[str, int]) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests, "throttled": self.throttled,
                "mailbox_concurrency_429": self.mailbox_concurrency_429, "unavailable": self.unavailable,
                "dropped": self.dropped, "writes": self.writes, "unauthorized": self.unauthorized,
                "batches": self.batches, "by_route": dict(sorted(self.by_route.items())),
                "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
                "max_concurrent_per_mailbox": max(max_in_flight.values(), default=0),
            }


_ROUTES: list[Route] | None = None


def routes() -> list[Route]:
    global _ROUTES
    if _ROUTES is None:
        from connectors.sandbox import batch, calendar, directory, drive, lists, mail, schedule

        _ROUTES = [*batch.ROUTES, *directory.ROUTES, *calendar.ROUTES, *schedule.ROUTES, *mail.ROUTES, *drive.ROUTES,
                   *lists.ROUTES]
    return _ROUTES


def match(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """Find the route for ``path`` (the part after ``/v1.0``)."""
    allowed = False
    for r in routes():
        m = r.pattern.fullmatch(path)
        if m is None:
            continue
        if method in r.methods:
            return r, {k: v for k, v in m.groupdict().items() if v is not None}
        allowed = True
    if allowed:
        raise GraphError(405, "Request_BadRequest", f"The HTTP method '{method}' is not allowed for this resource.")
    segment = unquote(path.strip("/").split("/")[0] or path)
    raise GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")


def serve_graph(app: Sandbox, req: Request, *, in_batch: bool = False) -> tuple[Response, bool]:
    """Answer one Graph request; returns the response and whether to drop the connection."""
    stats = app.stats_counter
    path = req.path[len("/v1.0"):] if req.path.lower().startswith("/v1.0") else req.path
    try:
        if not in_batch:
            app.authorize(req)
        r, params = match(req.method, path)
    except GraphError as err:
        with stats.lock:
            stats.requests += 1
            stats.by_status[err.status] += 1
            if err.status == 401:
                stats.unauthorized += 1
        return app.error_response(req, err), False
    if r.group == "batch":
        from connectors.sandbox.batch import envelope_delay

        with stats.lock:
            stats.batches += 1
        delay = envelope_delay(app, req)
        if delay:
            time.sleep(delay)  # before the items run, outside the tenant lock
        return _run(app, req, r, params), False
    with stats.lock:
        stats.requests += 1
        stats.by_route[r.name] += 1
        if req.method != "GET" and r.name not in READ_ONLY_POSTS:
            stats.writes += 1
    mailbox = ""
    if r.mailbox:
        user = app.tenant.user(unquote(params[r.mailbox]))
        mailbox = user["id"] if user else ""
    ru_headers: dict[str, str] = {}
    if r.group in ("drives", "sites"):
        verdict = app.ru.admit(operation_label(req.method, r.name.partition(" ")[2], path),
                               ru_cost(req.method, path, req.query))
        if verdict.throttled:
            return _over_budget(app, req, "TooManyRequests", "The app has used its resource units; "
                                "please retry after the time in Retry-After.", verdict.retry_after,
                                dict(verdict.headers)), False
        ru_headers = dict(verdict.headers)
    if mailbox:
        wait = app.mailbox_budget.admit(mailbox)
        if wait:
            return _over_budget(app, req, "ApplicationThrottled",
                                "Application is over its MailboxRequests limit.", wait, {}), False
    key = f"{r.group}:{mailbox}" if mailbox else r.group
    fate = app.faults.draw(req.method, f"{req.path}?{req.raw_query}", r.group, key, can_drop=not in_batch)
    if fate.status:
        return _fault(app, req, fate.status, fate.retry_after, early=fate.early_retry), False
    if mailbox and not app.faults.enter_mailbox(mailbox):
        with stats.lock:
            stats.throttled += 1
            stats.mailbox_concurrency_429 += 1
            stats.by_status[429] += 1
        busy = GraphError(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.",
                          headers={"Retry-After": "1"})
        return app.error_response(req, busy), False
    try:
        if fate.latency_s and not in_batch:
            time.sleep(fate.latency_s)
        response = _run(app, req, r, params)
    finally:
        if mailbox:
            app.faults.leave_mailbox(mailbox)
    if ru_headers:
        response.headers.update(ru_headers)
    if fate.drop:
        with stats.lock:
            stats.dropped += 1
    return response, fate.drop


def _over_budget(app: Sandbox, req: Request, code: str, message: str, retry_after: str,
                 headers: dict[str, str]) -> Response:
    """429 for a spent budget; ``Retry-After`` is the time to the window's refill (and equals
    ``RateLimit-Reset`` for SharePoint's, docs/graph.md#sharepoint-resource-units)."""
    with app.stats_counter.lock:
        app.stats_counter.throttled += 1
        app.stats_counter.by_status[429] += 1
    err = GraphError(429, code, message, headers={**headers, "Retry-After": retry_after},
                     inner={"code": "429", "message": "Please retry after", "status": "429"})
    return app.error_response(req, err)


def _run(app: Sandbox, req: Request, r: Route, params: dict[str, str]) -> Response:
    try:
        with app.tenant.lock:
            response = r.handler(app, req, params)
    except GraphError as err:
        response = app.error_response(req, err)
    with app.stats_counter.lock:
        app.stats_counter.by_status[response.status] += 1
    return response


def _fault(app: Sandbox, req: Request, status: int, retry_after: str, *, early: bool) -> Response:
    stats = app.stats_counter
    with stats.lock:
        stats.by_status[status] += 1
        if status == 429:
            stats.throttled += 1
        else:
            stats.unavailable += 1
    if status == 429:
        message = ("The request was sent before the Retry-After period had passed; please wait."
                   if early else "Please retry again later.")
        err = GraphError(429, "TooManyRequests", message, headers={"Retry-After": retry_after},
                         inner={"code": "429", "message": "Please retry after", "status": "429"})
    else:
        err = GraphError(503, "serviceNotAvailable", "Service Unavailable. Please retry later.",
                         headers={"Retry-After": retry_after})
    return app.error_response(req, err)
