"""JSON batching: many Graph requests in few round trips, with per-item retries.

Facts (docs/graph.md#batching; docs/failures.md#t19, docs/failures.md#t20,
docs/failures.md#t21): at most 20
requests per ``$batch``; relative URLs; a request with a body names its ``Content-Type``; answers
come in any order and are matched by ``id``; the envelope is 200 while each item carries its own
status; throttled items have their own ``Retry-After`` in the item's headers; an item whose
``dependsOn`` failed gets 424. Only the items that failed with 429/503/504 (500/502 too when
idempotent) are sent again, together, after the largest item ``Retry-After``; a 424 item goes
again with its dependency. Graph takes a ``dependsOn`` batch only when it is serial or hangs on
its first item, never mixed with independent items: each dependency group goes in an envelope
of its own, and a group of another shape is refused before anything is sent
(:mod:`connectors.graph.batch_plan`).
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.graph import batch_plan as plan
from connectors.graph import errors
from connectors.graph.http import GraphHttp
from connectors.graph.http_workloads import mailbox_of, workload_of
from connectors.graph.pacing import SHAREPOINT, Ticket
from connectors.graph.redact import redact_path
from connectors.graph.retry import IDEMPOTENT_METHODS, parse_retry_after

log = logging.getLogger(__name__)

MAX_BATCH = 20
_one_by_one = False


def send_one_by_one(flag: bool) -> None:
    """Send every batch item as its own request instead of through ``$batch`` (process-wide).

    For measuring the round against the same work done one request at a time (bench/round.py);
    the results are the same :class:`BatchResult` values either way.
    """
    global _one_by_one
    _one_by_one = flag


@dataclass(frozen=True)
class BatchRequest:
    id: str
    method: str
    url: str
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    idempotent: bool | None = None
    data: bytes | None = None  # a body that is not JSON (file content): base64 on the wire

    def __post_init__(self) -> None:
        if self.data is not None and self.body is not None:
            raise ValueError(f"batch request {self.id!r} has both a JSON body and data")
        if self.data is not None and not any(k.lower() == "content-type" for k in self.headers):
            raise ValueError(f"batch request {self.id!r} sends data without naming its Content-Type")

    @property
    def is_idempotent(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return self.method.upper() in IDEMPOTENT_METHODS

    def wire(self, present: set[str]) -> dict[str, Any]:
        item: dict[str, Any] = {"id": self.id, "method": self.method.upper(), "url": self.url}
        headers = dict(self.headers)
        if self.data is not None:
            # docs/graph.md#batching: a body that is not JSON goes base64-encoded, with its Content-Type
            item["body"] = base64.b64encode(self.data).decode("ascii")
        elif self.body is not None:
            item["body"] = self.body
            if not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = "application/json"
        if headers:
            item["headers"] = headers
        deps = [d for d in self.depends_on if d in present]
        if deps:
            item["dependsOn"] = deps
        return item


@dataclass(frozen=True)
class BatchResult:
    id: str
    status: int
    headers: Mapping[str, str]
    body: Any
    error: errors.GraphError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 400

    def raise_for_error(self) -> None:
        if self.error is not None:
            raise self.error


def execute_batch(http: GraphHttp, requests: Sequence[BatchRequest]) -> dict[str, BatchResult]:
    """Run ``requests`` (any number) through ``$batch``; every id gets exactly one result."""
    ids = [r.id for r in requests]
    if len(set(ids)) != len(ids):
        raise ValueError("batch request ids must be unique")
    for r in requests:
        if not r.url.startswith("/"):
            raise ValueError(f"batch request {r.id!r}: url must be relative to the Graph root")
    results: dict[str, BatchResult] = {}
    for chunk in _paced(http, plan.chunks(requests, MAX_BATCH)):
        results.update(_run_direct(http, chunk) if _one_by_one else _run_chunk(http, chunk))
    return results


def _paced(http: GraphHttp, chunks: list[list[BatchRequest]]) -> list[list[BatchRequest]]:
    """Chunks split so that none costs more than half the pacer's SharePoint burst: a ``$batch``
    is charged whole, and one dearer than the budget would be throttled item by item."""
    pacer = http.pacer
    if pacer is None:
        return chunks
    cap = pacer.config.burst_share * pacer.config.ru_per_minute / 2
    out: list[list[BatchRequest]] = []
    for chunk in chunks:
        if any(r.depends_on for r in chunk):
            out.append(chunk)
            continue
        part: list[BatchRequest] = []
        cost = 0.0
        for r in chunk:
            c = pacer._cost_of(r.method.upper(), r.url)  # noqa: SLF001
            ru = c[1] if c is not None and c[0] == SHAREPOINT else 0.0
            if part and cost + ru > cap:
                out.append(part)
                part, cost = [], 0.0
            part.append(r)
            cost += ru
        out.append(part)
    return out


def _tell_pacer(http: GraphHttp, pending: list[BatchRequest], answers: dict[str, dict[str, Any]]) -> None:
    """Each item's answer goes to the pacer as a direct answer would (the envelope is 200 even
    when items are throttled): a 429/503 pauses its budget, ``RateLimit-*`` headers correct it."""
    pacer = http.pacer
    if pacer is None:
        return
    for r in pending:
        item = answers.get(r.id)
        part = pacer._cost_of(r.method.upper(), r.url)  # noqa: SLF001 - the item's budget
        if item is None or part is None:
            continue
        headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
        pacer.after(Ticket(((part[0], 0.0),)), int(item.get("status", 0)), headers)


def _run_direct(http: GraphHttp, chunk: list[BatchRequest]) -> dict[str, BatchResult]:
    """Each item as its own request, in order; a failed dependency gives 424 as ``$batch`` does."""
    done: dict[str, BatchResult] = {}
    for r in chunk:
        failed = [d for d in r.depends_on if d in done and not done[d].ok]
        if failed:
            done[r.id] = BatchResult(r.id, 424, {}, None, errors.FailedDependency(
                f"not run: request {', '.join(failed)} it depends on failed", method=r.method.upper(),
                path=redact_path(http.url_for(r.url)), status=424))
            continue
        try:
            resp = http.request(r.method, r.url, json=r.body, data=r.data,
                                headers=dict(r.headers) or None, idempotent=r.is_idempotent)
        except errors.StatusError as err:
            done[r.id] = BatchResult(r.id, err.status or 0, {}, None, err)
            continue
        done[r.id] = BatchResult(r.id, resp.status, resp.headers, resp.body)
    return done


def _run_chunk(http: GraphHttp, chunk: list[BatchRequest]) -> dict[str, BatchResult]:
    by_id = {r.id: r for r in chunk}
    done: dict[str, BatchResult] = {}
    pending = list(chunk)
    policy = http.policy
    deadline_at = http._clock() + policy.deadline  # noqa: SLF001 - same package
    attempt = 0
    while pending:
        attempt += 1
        # Each envelope a shape Graph accepts: what goes again of a dependency group may not be
        # one any more (docs/graph.md#batching).
        present = {r.id for r in pending}
        wired = {r.id: tuple(d for d in r.depends_on if d in present) for r in pending}
        answers: dict[str, dict[str, Any]] = {}
        for part in plan.resend(pending, wired):
            answers.update(_post(http, part, deadline_at))

        _tell_pacer(http, pending, answers)
        retry: list[BatchRequest] = []
        waits: list[float] = []
        last: dict[str, BatchResult] = {}
        for r in pending:
            item = answers.get(r.id)
            if item is None:  # Graph left it out: send it again
                retry.append(r)
                continue
            status = int(item.get("status", 0))
            headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
            body = _body_of(item.get("body"), headers, r.data is not None)
            if status < 400:
                done[r.id] = BatchResult(r.id, status, headers, body)
                continue
            ra = parse_retry_after(headers.get("retry-after"))
            err = errors.from_response(method=r.method.upper(), path=redact_path(http.url_for(r.url)),
                                       status=status, headers=headers, body=body, retry_after=ra,
                                       idempotent=r.is_idempotent)
            last[r.id] = BatchResult(r.id, status, headers, body, err)
            if status == 424 or policy.should_retry_status(status, r.is_idempotent):
                retry.append(r)
                if ra is not None:
                    waits.append(ra)
                    http.hold(workload_of(r.url), ra)  # throttled item: hold its whole workload
            else:
                done[r.id] = last[r.id]

        # A 424 is only worth sending again when its dependency goes again too; an item whose
        # dependency failed for good is not sent again without it.
        again = {r.id for r in retry}
        changed = True
        while changed:
            changed = False
            for r in list(retry):
                failed = [d for d in r.depends_on if d in done and not done[d].ok]
                prev = last.get(r.id)
                stale = prev is not None and prev.status == 424 and not any(
                    d in again for d in r.depends_on if d in by_id)
                if failed or stale:
                    err = errors.FailedDependency(
                        f"not run: request {', '.join(failed) or '?'} it depends on failed",
                        method=r.method.upper(), path=redact_path(http.url_for(r.url)), status=424)
                    if failed and done[failed[0]].error is not None:
                        err.outcome = done[failed[0]].error.outcome  # type: ignore[union-attr]
                    done[r.id] = BatchResult(r.id, 424, prev.headers if prev else {}, prev.body if prev else None, err)
                    retry.remove(r)
                    again.discard(r.id)
                    changed = True
        if not retry:
            break
        wait = max(waits) if waits else http._backoff(attempt)  # noqa: SLF001
        if attempt >= policy.max_attempts or http._clock() + wait > deadline_at:  # noqa: SLF001
            for r in retry:
                res = last.get(r.id)
                if res is None:
                    res = BatchResult(r.id, 0, {}, None, errors.TransportError(
                        "Graph left this request out of the $batch answer", method=r.method.upper(),
                        path=redact_path(http.url_for(r.url))))
                done[r.id] = res
            break
        log.info("$batch: %d of %d items again after %.1fs", len(retry), len(chunk), wait)
        http.tell_wait(wait, f"Graph asked to slow down ({len(waits)} of {len(chunk)} $batch items)" if waits
                       else f"{len(retry)} of {len(chunk)} $batch items failed; trying them again")
        http._sleep(wait)  # noqa: SLF001
        pending = retry
    return done


def _post(http: GraphHttp, part: list[BatchRequest], deadline_at: float) -> dict[str, dict[str, Any]]:
    """One ``$batch`` round trip for ``part``: its items' answers by id."""
    present = {r.id for r in part}
    mailboxes: dict[str, int] = {}
    for r in part:
        box = mailbox_of(r.url)
        if box:
            mailboxes[box] = mailboxes.get(box, 0) + 1
    # The envelope's own path names no workload: wait for the items' workloads as a direct
    # request would (a held one after its Retry-After, one probe first), in sorted order so
    # two batches never wait on each other.
    scopes = sorted({workload_of(r.url) for r in part})
    probes = {scope: http._enter(scope, deadline_at) for scope in scopes}  # noqa: SLF001
    answers: dict[str, dict[str, Any]] = {}
    try:
        envelope = http.request(
            "POST", "/$batch", json={"requests": [r.wire(present) for r in part]},
            idempotent=all(r.is_idempotent for r in part), mailboxes=mailboxes,
        ).json_object()
        for item in envelope.get("responses") or []:
            if isinstance(item, dict) and str(item.get("id")) in present:
                answers[str(item["id"])] = item
    finally:
        for scope in scopes:
            throttled = any(int(answers[r.id].get("status", 0)) in (429, 503) for r in part
                            if r.id in answers and workload_of(r.url) == scope)
            http._leave(scope, probes[scope], 429 if throttled else (200 if answers else 0))  # noqa: SLF001
    return answers


def _body_of(body: Any, headers: Mapping[str, str], sent_data: bool) -> Any:
    """An item's body as JSON. Graph answers an item that sent file content (an upload) with its
    JSON base64-encoded, by design (Microsoft Q&A 1352007, "Using Batching With the Graph API
    Returns the Body Response As Base64 When Uploading a File"); decoded here so callers see the
    same driveItem a direct PUT returns."""
    if not (sent_data and isinstance(body, str) and
            headers.get("content-type", "application/json").startswith("application/json")):
        return body
    try:
        return json.loads(base64.b64decode(body, validate=True))
    except (binascii.Error, ValueError):
        return body
