"""Between two attempts of one Graph call: how long to wait, whether to wait at all, and what a
person is told meanwhile.

Facts (docs/failures.md#throttling-and-transient-errors, docs/failures.md#the-bar): a call gives
up after ``policy.max_attempts`` attempts, and a wait that would pass the operation's deadline is
not started: the error is raised at once, a throttled one saying it is still throttled, anything
else as :class:`~connectors.graph.errors.DeadlineExceeded` (docs/failures.md#t7). A host that
cannot be reached at all (refused, unknown, TLS failed: :mod:`connectors.graph.reach`) is tried
only ``policy.unreachable_attempts`` times in a row, a short backoff apart, then
:class:`~connectors.graph.errors.Unreachable`, with a hint that names the setting to check. A
wait of 5 s or more is told to the client's ``notices`` with its reason (throttled, which
workload, which attempt). How long each wait is comes from :mod:`connectors.graph.retry`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.graph import errors
from connectors.graph.http_origins import is_loopback_url, same_origin
from connectors.graph.reach import origin

if TYPE_CHECKING:
    from connectors.graph.http import GraphHttp

_WORKLOADS = {"files": "OneDrive and SharePoint files", "sites": "SharePoint lists",
              "directory": "the directory"}


def wait_or_raise(http: GraphHttp, failure: errors.GraphError, wait: float, attempt: int,
                  deadline_at: float, cause: BaseException | None, reason: str | None = None) -> None:
    """Sleep ``wait`` seconds before the next attempt, or raise ``failure`` when there is none:
    the attempts are used up, or the wait would pass ``deadline_at``. ``reason`` (when given) is
    what ``notices`` hears."""
    if attempt >= http.policy.max_attempts:
        failure.message += f" (gave up after {attempt} attempts)"
        raise failure from cause
    if http._clock() + wait > deadline_at:  # noqa: SLF001 - same package
        if isinstance(failure, errors.Throttled):
            failure.message += (f" (still throttled; Graph asked to wait {wait:.1f}s, "
                                "beyond this operation's deadline)")
            raise failure from cause
        raise errors.DeadlineExceeded(
            f"gave up: the operation's deadline passed while retrying ({failure.message})",
            method=failure.method, path=failure.path, status=failure.status,
            code=failure.code, request_id=failure.request_id) from (cause or failure)
    if reason is not None:
        http.tell_wait(wait, f"{reason}; attempt {attempt + 1} of {http.policy.max_attempts}")
    http._sleep(wait)  # noqa: SLF001


def after_unreachable(http: GraphHttp, url: str, why: str, count: int, ms: float, method: str, shown: str,
                      deadline_at: float, cause: BaseException) -> None:
    """After the ``count``-th attempt in a row that could not reach ``url``'s host: raise
    :class:`errors.Unreachable` once ``policy.unreachable_attempts`` is reached, else wait
    a short backoff (the next attempt may take the connect timeout again: said when long)."""
    host = origin(url)
    ours = same_origin(url, http.base_url)
    hint = ("check tenant.graph_url (http:// or https://, host and port) and the network"
            if ours else "check the network")
    if ours and is_loopback_url(url):
        hint = "is the sandbox running on that port? check tenant.graph_url (http:// or https://, port)"
    failure = errors.Unreachable(f"cannot reach {host}: {why}", host=host, method=method,
                                 path=shown, hint=hint)
    if count >= http.policy.unreachable_attempts:
        failure.message += f" (gave up after {count} attempts)"
        raise failure from cause
    wait = http._backoff(count)  # noqa: SLF001
    if http.notices is not None and ms / 1000 >= http.notices.threshold:
        http.notices.waiting(http.timeout[0], f"no connection to {host} within {ms / 1000:.0f} s; "
                             f"trying again (attempt {count + 1} of {http.policy.unreachable_attempts})")
    wait_or_raise(http, failure, wait, count, deadline_at, cause)


def why_waiting(answer: errors.GraphError, scope: str | None) -> str:
    """Why a retry waits, for a person: "Graph asked to slow down (429, a mailbox)"."""
    what = ("a mailbox" if scope.startswith("mailbox:") else _WORKLOADS.get(scope, scope)) if scope else ""
    status = f"{answer.status}, {what}" if what else str(answer.status)
    if isinstance(answer, errors.Throttled):
        return f"Graph asked to slow down ({status})"
    return f"Graph answered {status}; trying again"
