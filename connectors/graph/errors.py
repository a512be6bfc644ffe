"""One error tree for everything that can go wrong between samtal and Microsoft Graph.

Foreign exceptions (``requests``, ``msal``) are translated into this tree in exactly two places:
:func:`connectors.graph.http.GraphHttp` (transport and HTTP status) and
:mod:`connectors.graph.auth` (MSAL's error dictionaries). Nothing in ``connectors/`` returns
``False`` for a failure; it raises one of these, always ``from`` the original error.

::

    GraphError                      every failure; .outcome says what the loop should do
    ├── TransportError              no usable answer: connection refused/reset, timeout, dropped
    │   ├── Unreachable             the host cannot be reached at all: refused, unknown, TLS failed
    │   └── DeadlineExceeded        the operation's total deadline ran out while retrying
    ├── ForeignLink                 Graph handed back a link to another host; not followed
    ├── AuthError                   Entra ID refused a token (carries the AADSTS code and a hint)
    ├── SchemaMismatch              an existing SharePoint list has a column of the wrong type
    └── StatusError                 Graph answered with an error status
        ├── BadRequest              400 (invalid input; never retried)
        │   └── InvalidName         400 invalidPath / pathIsTooLong (OneDrive name rules)
        ├── Unauthorized            401 after one token refresh and replay
        ├── Forbidden               403 (consent missing, access policy, sharing policy)
        ├── NotFound                404
        │   ├── DriveNotProvisioned the user has no OneDrive: never provisioned (404), or no
        │   │                       site to be found (400 "Unable to retrieve user's mysite URL.")
        │   └── MailboxUnavailable  no Exchange Online mailbox (MailboxNotEnabledForRESTAPI, ...)
        ├── Conflict                409 (nameAlreadyExists, ...)
        ├── PreconditionFailed      412 (resourceModified / stale eTag)
        ├── Locked                  423 (resourceLocked: the file is open for editing)
        ├── RangeNotSatisfiable     416 (upload fragment overlap)
        ├── FailedDependency        424 (a $batch item whose dependency failed)
        ├── Throttled               429, and 503 carrying Retry-After (.retry_after seconds)
        │   └── SendingLimit        a sender mailbox's Exchange sending limits are spent (.retry_at)
        ├── ServerError             5xx (500, 502, 503, 504, 509)
        └── InsufficientStorage     507 (quota exceeded)

Every error carries ``method``, a redacted ``path`` (no secrets, no names), ``status``, Graph's
error ``code`` (the inner, most specific one when there is one) and ``request_id``, and is sorted
into one of three outcomes (:class:`Outcome`): retry later, needs re-consent (an administrator
must grant or renew something), or permanent (a person must fix the data; ``str(err)`` says what).
"""
from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any


class Outcome(enum.Enum):
    """What the reconcile loop does with a failure."""

    RETRY = "retry later"
    NEEDS_CONSENT = "needs re-consent"
    PERMANENT = "permanent"


class GraphError(Exception):
    """Base of every connector error."""

    outcome: Outcome = Outcome.PERMANENT

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.request_id = request_id
        self.hint = hint

    def __str__(self) -> str:
        where = f"{self.method} {self.path}".strip()
        parts = [self.message]
        if where:
            parts.append(f"({where}")
            detail = ", ".join(
                x for x in (
                    str(self.status) if self.status is not None else "",
                    self.code or "",
                    f"request-id {self.request_id}" if self.request_id else "",
                ) if x
            )
            parts[-1] += f": {detail})" if detail else ")"
        if self.hint:
            parts.append(f"— {self.hint}")
        return " ".join(parts)


class TransportError(GraphError):
    """No usable HTTP answer. ``maybe_applied`` is True when the request may have reached Graph."""

    outcome = Outcome.RETRY

    def __init__(self, message: str, *, maybe_applied: bool = False, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.maybe_applied = maybe_applied


class DeadlineExceeded(TransportError):
    """Retries went on until the operation's deadline; the last failure is the ``__cause__``."""


class Unreachable(TransportError):
    """The host could not be reached on every attempt: connection refused, a name that does not
    resolve, a failed TLS handshake (``http://`` against ``https://``, say) or no connection in
    time. A wrong URL or a network that is down, not a passing fault of Graph: tried a few times
    within seconds, then given up. ``host`` is ``scheme://host:port``."""

    def __init__(self, message: str, *, host: str = "", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.host = host


class ForeignLink(GraphError):
    """Graph answered with a URL to follow with the bearer token (an ``@odata.nextLink``, say)
    on another scheme, host or port than the configured Graph endpoint. Permanent: the token
    goes to that endpoint only, so the link is not followed."""


class AuthError(GraphError):
    """Entra ID refused a token. ``aadsts`` is the AADSTS code (e.g. ``AADSTS7000215``)."""

    def __init__(self, message: str, *, aadsts: str | None, outcome: Outcome, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.aadsts = aadsts
        self.outcome = outcome


class SchemaMismatch(GraphError):
    """An existing SharePoint list has columns whose type differs from what samtal needs.

    ``columns`` names them (column names only). Permanent: a person fixes or renames the list.
    """

    def __init__(self, message: str, *, columns: tuple[str, ...] = (), **kw: Any) -> None:
        super().__init__(message, **kw)
        self.columns = columns


class StatusError(GraphError):
    """Graph answered with an error status."""


class BadRequest(StatusError):
    pass


class InvalidName(BadRequest):
    pass


class Unauthorized(StatusError):
    outcome = Outcome.NEEDS_CONSENT


class Forbidden(StatusError):
    outcome = Outcome.NEEDS_CONSENT


class NotFound(StatusError):
    pass


class DriveNotProvisioned(NotFound):
    pass


class MailboxUnavailable(NotFound):
    pass


class Conflict(StatusError):
    pass


class PreconditionFailed(StatusError):
    outcome = Outcome.RETRY


class Locked(StatusError):
    """423: the file is open for editing (in Word, desktop or browser) and refuses a write;
    the lock goes with the editor, so the write waits for a later run. Seen as ``423`` with
    ``resourceLocked`` on content uploads, upload sessions and renames of open Office files
    (https://github.com/microsoftgraph/microsoft-graph-docs/issues/15111,
    https://github.com/microsoftgraph/microsoft-graph-explorer-v4/issues/3435,
    https://github.com/microsoftgraph/msgraph-sdk-java/issues/365); the list of OneDrive error
    codes (https://learn.microsoft.com/onedrive/developer/rest-api/concepts/errors) does not
    have it (https://github.com/OneDrive/onedrive-api-docs/issues/912). docs/failures.md#f12."""

    outcome = Outcome.RETRY


class RangeNotSatisfiable(StatusError):
    pass


class FailedDependency(StatusError):
    outcome = Outcome.RETRY


class Throttled(StatusError):
    """Throttled; ``retry_after`` is the server's wait in seconds, when it gave one."""

    outcome = Outcome.RETRY

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class SendingLimit(Throttled):
    """Exchange Online's sending limits of one sender mailbox leave no room for this message now:
    30 messages a minute, 10,000 recipients in a rolling day (docs/graph.md#sending-limits,
    docs/failures.md#m1). Mostly raised by samtal itself before sending
    (:class:`connectors.graph.mail_limits.SendingPacer`: Graph answers 202 and Exchange bounces
    later), else from an answer whose code says so. ``retry_at`` is when the sender can send again
    (an aware UTC datetime; None when unknown); ``sender`` is the mailbox. Retry later: what does
    not fit waits for a later pass."""

    def __init__(self, message: str, *, retry_at: datetime | None = None, sender: str = "",
                 **kw: Any) -> None:
        kw.setdefault("hint", "what does not fit is sent by a later pass")
        retry_after = kw.pop("retry_after", None)
        if retry_after is None and retry_at is not None:
            retry_after = max(0.0, (retry_at - datetime.now(timezone.utc)).total_seconds())
        super().__init__(message, retry_after=retry_after, **kw)
        self.retry_at = retry_at
        self.sender = sender


class ServerError(StatusError):
    outcome = Outcome.RETRY


class InsufficientStorage(StatusError):
    pass


# Graph error codes that decide a class or an outcome regardless of the status line.
# Sources: docs/graph.md#error-answers and docs/failures.md (each entry's sources).
_PERMISSION_CODES = frozenset({
    "Authorization_RequestDenied", "Authorization_IdentityNotFound", "InvalidAuthenticationToken",
    "insufficient_claims", "AccessDenied", "accessDenied",
})
_PER_PERSON_FORBIDDEN = frozenset({
    # Exchange application access policy excludes this mailbox: the app is consented, the
    # mailbox is simply out of scope, so it is a fact about one person, not a consent problem.
    "ErrorAccessDenied",
    # Sharing policies of one item or site ("Sharing by link is not enabled", ...).
    "notSupported", "objectNotSupported", "invalidRequest",
})
_MAILBOX_CODES = frozenset({
    "MailboxNotEnabledForRESTAPI", "MailboxNotSupportedForRESTAPI", "ErrorMailRecipientNotFound",
    "ErrorNonExistentMailbox", "ErrorInvalidUser", "ResourceNotFound.Mailbox",
})
_NAME_CODES = frozenset({"invalidPath", "pathIsTooLong", "nameContainsInvalidCharacters"})
# How Graph says that a user has no OneDrive, whatever the path asked for: 404 "User's mysite
# not found." (never provisioned) or 400 "Unable to retrieve user's mysite URL." (no licence or
# no site; skilion/onedrive#276, OneDrive/onedrive-api-docs#822,
# microsoftgraph/microsoft-graph-docs#1354); docs/failures.md#f15.
_NO_MY_SITE = ("user's mysite not found", "unable to retrieve user's mysite url")
# A mailbox outside the app's Exchange application access policy answers 403 ErrorAccessDenied
# "Access to OData is disabled." (https://learn.microsoft.com/graph/auth-limit-mailbox-access).
POLICY_HINT = ("the mailbox is outside the app's Exchange application access policy: add the person to "
               "the policy's group")
NO_ONEDRIVE_HINT = "app-only access cannot provision a OneDrive: the person must have a licence and open OneDrive once"
_THROTTLE_CODES = frozenset({"TooManyRequests", "activityLimitReached", "throttledRequest"})
# Exchange refusing a send for the sender's sending limits, as public client code meets it
# (docs/failures.md#m1; neither code is on Microsoft's pages: the documented signal is a bounce).
_SENDING_LIMIT_CODES = frozenset({"ErrorExceededMessageLimit", "ErrorSubmissionQuotaExceeded"})

_BY_STATUS: dict[int, type[StatusError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict,
    412: PreconditionFailed, 416: RangeNotSatisfiable, 423: Locked, 424: FailedDependency, 429: Throttled,
    507: InsufficientStorage,
}


def error_codes(body: Any) -> tuple[str | None, str | None, str]:
    """(code, most specific inner code, message) from a Graph error body of either spelling."""
    if not isinstance(body, Mapping):
        return None, None, ""
    err = body.get("error")
    if not isinstance(err, Mapping):
        return None, None, ""
    code = err.get("code") if isinstance(err.get("code"), str) else None
    message = err.get("message") if isinstance(err.get("message"), str) else ""
    inner_code = None
    node: Any = err
    for _ in range(8):  # OneDrive nests innererror.innererror... with ever more specific codes
        node = node.get("innererror") or node.get("innerError") if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping):
            break
        c = node.get("code")
        if isinstance(c, str) and not c.isdigit():
            inner_code = c
    return code, inner_code, message or ""


def request_id_of(headers: Mapping[str, str], body: Any) -> str | None:
    """Graph's request-id from the response headers, else from the error body."""
    rid = headers.get("request-id") or headers.get("Request-Id")
    if rid:
        return rid
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        inner = body["error"].get("innerError") or body["error"].get("innererror")
        if isinstance(inner, Mapping) and isinstance(inner.get("request-id"), str):
            return str(inner["request-id"])
    return None


def from_response(
    *,
    method: str,
    path: str,
    status: int,
    headers: Mapping[str, str],
    body: Any,
    retry_after: float | None = None,
    idempotent: bool = True,
) -> StatusError:
    """Translate one error answer into the tree. The single place statuses become classes."""
    code, inner, message = error_codes(body)
    specific = inner or code
    rid = request_id_of(headers, body)
    kw: dict[str, Any] = {"method": method, "path": path, "status": status, "code": specific,
                          "request_id": rid}
    text = message or f"Graph answered {status}"
    codes = {c for c in (code, inner) if c}

    if codes & _SENDING_LIMIT_CODES:
        return SendingLimit(text, retry_after=retry_after, **kw)
    if status == 429 or (codes & _THROTTLE_CODES):
        return Throttled(text, retry_after=retry_after, **kw)
    if status == 503 and retry_after is not None:
        return Throttled(text, retry_after=retry_after, **kw)
    if codes & _MAILBOX_CODES:
        return MailboxUnavailable(text, hint="the person has no Exchange Online mailbox samtal can reach", **kw)
    if status in (400, 404) and any(m in text.lower() for m in _NO_MY_SITE):
        return DriveNotProvisioned(text, hint=NO_ONEDRIVE_HINT, **kw)
    if status == 400 and codes & _NAME_CODES:
        return InvalidName(text, hint="the file or folder name breaks OneDrive's rules", **kw)
    if status >= 500 and status != 507:
        server = ServerError(text, **kw)
        if status in (500, 502, 504, 509) and not idempotent:
            server.outcome = Outcome.PERMANENT  # not retried blindly: the write may have happened
        return server
    cls = _BY_STATUS.get(status, StatusError)
    err: StatusError = cls(text, **kw)
    if status == 403:
        if codes & _PER_PERSON_FORBIDDEN and not codes & _PERMISSION_CODES:
            err.outcome = Outcome.PERMANENT
            err.hint = (POLICY_HINT if "ErrorAccessDenied" in codes
                        else "access to this item is blocked by a tenant policy")
        else:
            err.hint = "grant the app's permissions admin consent again (samtal doctor lists them)"
    elif status == 401:
        err.hint = "the token was refused after a refresh: check the credentials and consent"
    elif status == 507:
        err.hint = "the OneDrive is full"
    return err
