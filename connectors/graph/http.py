"""Every HTTP call to Microsoft Graph goes through :class:`GraphHttp`.

It owns the things a real tenant punishes a careless client for (sources in
docs/graph.md#throttling-and-errors, docs/failures.md#the-bar,
docs/failures.md#throttling-and-transient-errors and docs/failures.md#authentication-and-tokens):

- a timeout on every call and a total deadline per operation, waits included;
- retries for 429, 503 and connection errors (500, 502, 504, 509 only for idempotent requests),
  honouring ``Retry-After`` (integer, decimal or HTTP date), otherwise capped exponential backoff
  with jitter; a non-idempotent POST is never blindly re-sent once it may have reached Graph;
- a host that cannot be reached at all (refused, unknown, TLS failed: :mod:`.reach`) is tried
  only ``policy.unreachable_attempts`` times, within seconds, then
  :class:`~connectors.graph.errors.Unreachable`; a wait of 5 s or more is told to ``notices``
  (the waits between attempts, and giving up: :mod:`.http_waits`);
- a 401 refreshes the token once and replays the request;
- at most 4 concurrent requests per mailbox and a global cap, shared by all threads, and a
  throttled workload held for every thread (:mod:`.http_workloads`);
- ``client-request-id`` and ``User-Agent: NONISV|samtal|samtal/<version>`` on every call;
- one INFO log line per call: method, redacted path, status, milliseconds, request-id;
- with a :class:`~connectors.graph.trace.Tracer` (``--trace FILE``), one JSON line per attempt
  with the shape of the answer and no value of it (the items of a ``$batch`` each get theirs);
- the bearer token goes only to the Graph endpoint's own scheme, host and port: a URL Graph hands
  back to follow with the token (an ``@odata.nextLink``) that names another is refused
  (:class:`~connectors.graph.errors.ForeignLink`, :mod:`.http_origins`), never requested.
  Pre-authenticated URLs are fetched with ``authenticated=False``, no ``Authorization`` at all:
  a file's ``@microsoft.graph.downloadUrl`` and the ``Location`` of ``/content``'s 302 ("a
  pre-authenticated download URL", https://learn.microsoft.com/graph/api/driveitem-get-content,
  https://learn.microsoft.com/graph/api/resources/driveitem) and an upload session's
  ``uploadUrl`` (sending the token on its PUT "may result in an HTTP 401",
  https://learn.microsoft.com/graph/api/driveitem-createuploadsession).

The ``requests.Session`` is injected, so tests (``responses``) and the sandbox plug in at the same
seam as the real Graph. Foreign exceptions become :mod:`connectors.graph.errors` here and only here.
"""
from __future__ import annotations

import json as jsonlib
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests
from urllib3.exceptions import NewConnectionError

from connectors.graph import errors, http_origins
from connectors.graph.addresses import address_key
from connectors.graph.auth import TokenProvider
from connectors.graph.http_waits import after_unreachable, wait_or_raise, why_waiting
from connectors.graph.http_workloads import ConcurrencyLimiter, WorkloadHolds, mailbox_of, workload_of
from connectors.graph.pacing import Pacer
from connectors.graph.reach import WaitNotices, unreachable_reason
from connectors.graph.redact import redact_path
from connectors.graph.retry import IDEMPOTENT_METHODS, RetryPolicy, parse_retry_after
from connectors.graph.trace import Tracer

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (10.0, 100.0)  # connect, read (the official SDK uses 30 s / 100 s)


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("samtal")
    except Exception:  # pragma: no cover - running from an uninstalled tree
        return "0.0.0"


USER_AGENT = f"NONISV|samtal|samtal/{_version()}"


@dataclass(frozen=True)
class GraphResponse:
    """A successful (or redirect) answer: status, headers (lower-case keys), parsed JSON body."""

    status: int
    headers: Mapping[str, str]
    body: Any
    content: bytes = field(repr=False, default=b"")

    def json_object(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise errors.GraphError(f"expected a JSON object from Graph, got {type(self.body).__name__}")
        return self.body


def encode_query(params: Mapping[str, Any]) -> str:
    """OData query options with ``$`` and OData punctuation kept readable."""
    return urlencode({k: v for k, v in params.items() if v is not None}, quote_via=quote,
                     safe="$,()'/:@*")


class GraphHttp:
    """Resilient JSON-over-HTTP to one Graph endpoint. Thread-safe; share one per process."""

    def __init__(
        self,
        base_url: str,
        tokens: TokenProvider,
        session: requests.Session,
        *,
        policy: RetryPolicy = RetryPolicy(),
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_concurrency: int = 16,
        limiter: ConcurrencyLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        pacer: Pacer | None = None,
        notices: WaitNotices | None = None,
        trace: Tracer | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._base_path = urlsplit(self.base_url).path
        self.tokens = tokens
        self.session = session
        self.policy = policy
        self.timeout = timeout
        self.limiter = limiter or ConcurrencyLimiter(max_concurrency)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        # Throttling is per workload: after a Retry-After nothing is sent to that workload until
        # it has passed, then one request probes first (docs/failures.md#t8; http_workloads.py).
        self._holds = WorkloadHolds(clock, sleep)
        self.pacer = pacer  # optional: waits before SharePoint/Outlook budgets run out (pacing.py)
        self.notices = notices  # optional: a person hears of waits of 5 s or more
        self.trace = trace  # optional: every exchange's shape to a file (connectors/graph/trace.py)
        if pacer is not None and notices is not None and pacer.notices is None:
            pacer.notices = notices

    # ------------------------------------------------------------------ public helpers
    def check_origin(self, url: str, method: str = "GET") -> None:
        """Raise :class:`errors.ForeignLink` unless ``url`` is on the Graph endpoint's scheme,
        host and port, where the bearer token may go.

        Graph's paging hands back ``@odata.nextLink`` as a whole URL to request as it is
        (https://learn.microsoft.com/graph/paging); it is Graph's own host, and a link to
        anywhere else is not followed with the token, whoever put it in the answer.
        """
        http_origins.check_origin(url, self.base_url, method)

    def url_for(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        if params:
            url += ("&" if "?" in url else "?") + encode_query(params)
        return url

    def get(self, path: str, **kw: Any) -> GraphResponse:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> GraphResponse:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> GraphResponse:
        return self.request("PATCH", path, **kw)

    def put(self, path: str, **kw: Any) -> GraphResponse:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> GraphResponse:
        return self.request("DELETE", path, **kw)

    def paginate(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        mailbox: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every item of a collection, following ``@odata.nextLink`` verbatim.

        Empty pages that still carry a nextLink are paged through; headers such as
        ``ConsistencyLevel`` are sent again on every page; an empty or missing nextLink ends it;
        an error on any page raises (a truncated list is never returned).
        """
        url: str | None = self.url_for(path, params)
        seen: set[str] = set()
        while url:
            if url in seen:
                raise errors.GraphError("Graph returned the same @odata.nextLink twice",
                                        method="GET", path=redact_path(url))
            seen.add(url)
            page = self.request("GET", url, headers=headers, mailbox=mailbox).json_object()
            values = page.get("value")
            if not isinstance(values, list):
                raise errors.GraphError("a Graph collection page without a 'value' list",
                                        method="GET", path=redact_path(url))
            for item in values:
                if isinstance(item, dict):
                    yield item
            link = page.get("@odata.nextLink")
            url = link if isinstance(link, str) and link else None

    # ------------------------------------------------------------------ the core
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        mailbox: str | None = None,
        mailboxes: Mapping[str, int] | None = None,
        idempotent: bool | None = None,
        authenticated: bool = True,
        allow_statuses: frozenset[int] = frozenset(),
        deadline: float | None = None,
    ) -> GraphResponse:
        """Send one request with retries; return the answer or raise a :class:`GraphError`.

        ``idempotent`` defaults by method (POST is not). ``mailbox``/``mailboxes`` name the
        Outlook mailboxes the call occupies (inferred from the path when not given).
        ``allow_statuses`` are error statuses returned instead of raised (e.g. 404 probes, 302).
        """
        method = method.upper()
        url = self.url_for(path, params)
        shown = redact_path(url)
        if authenticated:
            self.check_origin(url, method)
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        slots = dict(mailboxes or {})
        box = address_key(mailbox) if mailbox else mailbox_of(urlsplit(url).path[len(self._base_path):])
        if box:
            slots[box] = max(slots.get(box, 0), 1)
        base_headers = {"User-Agent": USER_AGENT, "client-request-id": str(uuid.uuid4()),
                        "Accept": "application/json"}
        if headers:
            base_headers.update(headers)
        body_bytes = data
        if json is not None:
            body_bytes = jsonlib.dumps(json, ensure_ascii=False).encode("utf-8")
            base_headers.setdefault("Content-Type", "application/json")

        limit = self.policy.deadline if deadline is None else deadline
        deadline_at = self._clock() + limit
        relative = urlsplit(url).path[len(self._base_path):] if url.startswith(self.base_url + "/") else ""
        scope = workload_of(relative) if relative else None
        attempt = 0
        unreachable = 0  # attempts in a row that could not reach the host at all
        refreshed = False
        while True:
            attempt += 1
            probe = self._enter(scope, deadline_at) if scope is not None else False
            seen = 0  # the status this attempt got (0: none), for the workload's probe
            try:
                send_headers = dict(base_headers)
                token = None
                if authenticated:
                    token = self.tokens.token()
                    send_headers["Authorization"] = f"Bearer {token}"
                ticket = self.pacer.before(method, url[len(self.base_url):] if relative else None,
                                           json) if self.pacer else None
                started = self._clock()
                try:
                    with self.limiter.hold(slots):
                        resp = self.session.request(method, url, data=body_bytes, headers=send_headers,
                                                    timeout=self.timeout, allow_redirects=False)
                        content = resp.content  # read inside the slot: the body is part of the call
                except requests.RequestException as err:
                    if self.pacer:
                        self.pacer.after(ticket, 0, {})
                    ms = (self._clock() - started) * 1000
                    log.info("%s %s failed %.0fms %s", method, shown, ms, type(err).__name__)
                    if self.trace is not None:
                        self.trace.exchange(method, url, self.base_url, status=None, ms=ms, attempt=attempt,
                                            sent_id=base_headers["client-request-id"], error=type(err).__name__)
                    why = unreachable_reason(err)
                    if why is not None:
                        unreachable += 1
                        after_unreachable(self, url, why, unreachable, ms, method, shown, deadline_at, err)
                        continue
                    unreachable = 0
                    applied = _maybe_applied(err)
                    failure = errors.TransportError(
                        f"no answer from Graph: {type(err).__name__}", method=method, path=shown,
                        maybe_applied=applied)
                    if applied and not idempotent:
                        raise failure from err
                    wait_or_raise(self, failure, self._backoff(attempt), attempt, deadline_at, err,
                                  f"no answer from Graph ({type(err).__name__})")
                    continue

                ms = (self._clock() - started) * 1000
                unreachable = 0
                status = seen = resp.status_code
                rheaders = {k.lower(): v for k, v in resp.headers.items()}
                if self.pacer:
                    self.pacer.after(ticket, status, rheaders)
                rid = rheaders.get("request-id")
                log.info("%s %s %d %.0fms request-id=%s", method, shown, status, ms, rid or "-")
                body = _parse_body(rheaders, content)
                if self.trace is not None:
                    self.trace.exchange(method, url, self.base_url, status=status, ms=ms, attempt=attempt,
                                        sent_id=base_headers["client-request-id"], headers=rheaders,
                                        body=body, content=content, sent=json)
                if status < 300 or (300 <= status < 400) or status in allow_statuses:
                    return GraphResponse(status, rheaders, body, content)
                resp.close()

                if status == 401 and authenticated and not refreshed and token is not None:
                    refreshed = True
                    self.tokens.invalidate(token)
                    continue
                retry_after = parse_retry_after(rheaders.get("retry-after"))
                answer = errors.from_response(method=method, path=shown, status=status,
                                              headers=rheaders, body=body, retry_after=retry_after,
                                              idempotent=idempotent)
                if not self.policy.should_retry_status(status, idempotent):
                    raise answer
                if retry_after is not None and scope is not None:
                    self.hold(scope, retry_after)
            finally:
                if scope is not None:
                    self._leave(scope, probe, seen)
            wait = retry_after if retry_after is not None else self._backoff(attempt)
            wait_or_raise(self, answer, wait, attempt, deadline_at, None, why_waiting(answer, scope))

    # ------------------------------------------------------------------ throttling per workload
    def hold(self, scope: str, seconds: float) -> None:
        """Send nothing to ``scope`` for ``seconds`` (every thread): Graph asked us to wait."""
        self._holds.hold(scope, seconds)

    def _enter(self, scope: str, deadline_at: float) -> bool:
        """Wait until ``scope`` may be sent to; True when this request is the probe that goes
        first after a hold (:meth:`WorkloadHolds.enter`)."""
        return self._holds.enter(scope, deadline_at)

    def _leave(self, scope: str, probe: bool, status: int) -> None:
        self._holds.leave(scope, probe, status)

    # ------------------------------------------------------------------ waiting
    def _backoff(self, attempt: int) -> float:
        with self._rng_lock:
            return self.policy.backoff(attempt, self._rng)

    def tell_wait(self, seconds: float, reason: str) -> None:
        """Tell ``notices`` (when there are any) that a wait of ``seconds`` starts."""
        if self.notices is not None:
            self.notices.waiting(seconds, reason)


def _maybe_applied(err: requests.RequestException) -> bool:
    """False only when the request certainly never reached the server."""
    if isinstance(err, requests.ConnectTimeout):
        return False
    if isinstance(err, requests.ConnectionError):
        reason = err.args[0] if err.args else None
        inner = getattr(reason, "reason", reason)
        if isinstance(inner, NewConnectionError) or isinstance(reason, NewConnectionError):
            return False
        if "Connection refused" in str(err) or "Failed to establish" in str(err):
            return False
    return True


def _parse_body(headers: Mapping[str, str], content: bytes) -> Any:
    if not content:
        return None
    if "json" not in headers.get("content-type", "json"):
        return None
    try:
        return jsonlib.loads(content)
    except ValueError:
        return None
