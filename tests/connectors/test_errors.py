"""Every Graph error code named in the reference lands in the right class and outcome."""
from __future__ import annotations

import pytest

from connectors.graph import errors
from connectors.graph.errors import Outcome


def _err(status, code=None, inner=None, retry_after=None, idempotent=True, request_id="rid-1"):
    body = None
    if code:
        body = {"error": {"code": code, "message": f"{code} happened",
                          "innerError": {"request-id": request_id, "date": "2027-02-01T10:00:00"}}}
        if inner:
            body["error"]["innerError"]["code"] = inner
    return errors.from_response(method="GET", path="/v1.0/x", status=status, headers={},
                                body=body, retry_after=retry_after, idempotent=idempotent)


# (status, code, inner code) -> (class, outcome); codes from docs/graph.md#error-answers and the
# entries of docs/failures.md.
CASES = [
    (429, "TooManyRequests", None, errors.Throttled, Outcome.RETRY),
    (429, "activityLimitReached", None, errors.Throttled, Outcome.RETRY),
    (503, "serviceNotAvailable", None, errors.ServerError, Outcome.RETRY),
    (504, "UnknownError", None, errors.ServerError, Outcome.RETRY),
    (500, "generalException", None, errors.ServerError, Outcome.RETRY),
    (509, "bandwidthLimitExceeded", None, errors.ServerError, Outcome.RETRY),
    (404, "itemNotFound", None, errors.NotFound, Outcome.PERMANENT),
    (404, "ErrorItemNotFound", None, errors.NotFound, Outcome.PERMANENT),
    (404, "Request_ResourceNotFound", None, errors.NotFound, Outcome.PERMANENT),
    (404, "ResourceNotFound", None, errors.NotFound, Outcome.PERMANENT),
    (409, "nameAlreadyExists", None, errors.Conflict, Outcome.PERMANENT),
    (403, "accessDenied", None, errors.Forbidden, Outcome.NEEDS_CONSENT),
    (403, "Authorization_RequestDenied", None, errors.Forbidden, Outcome.NEEDS_CONSENT),
    (403, "ErrorAccessDenied", None, errors.Forbidden, Outcome.PERMANENT),
    (403, "notSupported", None, errors.Forbidden, Outcome.PERMANENT),
    (401, "InvalidAuthenticationToken", None, errors.Unauthorized, Outcome.NEEDS_CONSENT),
    (412, "resourceModified", "entityTagDoesNotMatch", errors.PreconditionFailed, Outcome.RETRY),
    (400, "invalidRequest", None, errors.BadRequest, Outcome.PERMANENT),
    (400, "Request_BadRequest", None, errors.BadRequest, Outcome.PERMANENT),
    (400, "Request_UnsupportedQuery", None, errors.BadRequest, Outcome.PERMANENT),
    (400, "invalidRequest", "invalidPath", errors.InvalidName, Outcome.PERMANENT),
    (400, "invalidRequest", "pathIsTooLong", errors.InvalidName, Outcome.PERMANENT),
    (416, "invalidRange", "fragmentOverlap", errors.RangeNotSatisfiable, Outcome.PERMANENT),
    (423, "notAllowed", "resourceLocked", errors.Locked, Outcome.RETRY),
    (424, "FailedDependency", None, errors.FailedDependency, Outcome.RETRY),
    (507, "quotaLimitReached", None, errors.InsufficientStorage, Outcome.PERMANENT),
    (404, "MailboxNotEnabledForRESTAPI", None, errors.MailboxUnavailable, Outcome.PERMANENT),
    (401, "MailboxNotEnabledForRESTAPI", None, errors.MailboxUnavailable, Outcome.PERMANENT),
    (400, "ErrorInvalidUser", None, errors.MailboxUnavailable, Outcome.PERMANENT),
    (501, "notImplemented", None, errors.ServerError, Outcome.RETRY),
]


@pytest.mark.parametrize("status, code, inner, cls, outcome", CASES)
def test_classification(status, code, inner, cls, outcome):
    err = _err(status, code, inner)
    assert type(err) is cls
    assert err.outcome is outcome
    assert err.request_id == "rid-1"
    assert err.code == (inner or code)
    assert err.status == status
    assert str(status) in str(err) and "rid-1" in str(err)


def test_503_with_retry_after_is_throttling():
    err = _err(503, "serviceNotAvailable", retry_after=4.0)
    assert isinstance(err, errors.Throttled) and err.retry_after == 4.0


def test_500_on_a_non_idempotent_request_is_not_retried():
    assert _err(500, "generalException", idempotent=False).outcome is Outcome.PERMANENT


def test_error_without_body_still_classified():
    err = errors.from_response(method="DELETE", path="/v1.0/a", status=404, headers={"request-id": "h1"}, body=None)
    assert isinstance(err, errors.NotFound) and err.request_id == "h1"


def test_nested_innererror_spelling_and_depth():
    body = {"error": {"code": "invalidRequest", "message": "bad",
                      "innererror": {"code": "invalidPath", "innererror": {"code": "nameContainsInvalidCharacters"}}}}
    err = errors.from_response(method="PUT", path="/p", status=400, headers={}, body=body)
    assert isinstance(err, errors.InvalidName) and err.code == "nameContainsInvalidCharacters"


def test_every_error_is_a_graph_error():
    for cls in (errors.TransportError, errors.DeadlineExceeded, errors.AuthError, errors.Throttled,
                errors.DriveNotProvisioned, errors.MailboxUnavailable, errors.InvalidName):
        assert issubclass(cls, errors.GraphError)


@pytest.mark.parametrize(("status", "code", "message"), [
    (400, "BadRequest", "Unable to retrieve user's mysite URL."),    # skilion/onedrive#276, onedrive-api-docs#822
    (400, "UnknownError", "Unable to retrieve user's mysite URL."),  # ms-identity-python-daemon#18
    (404, "ResourceNotFound", "User's mysite not found."),
])
def test_graphs_no_onedrive_answers_are_drive_not_provisioned(status: int, code: str, message: str) -> None:
    """docs/failures.md#f15: whichever path asked, these answers say the user has no OneDrive."""
    body = {"error": {"code": code, "message": message, "innerError": {"request-id": "rid-9"}}}
    err = errors.from_response(method="PUT", path="/v1.0/users/…@…/drive/root:/a:/content", status=status,
                               headers={}, body=body)
    assert type(err) is errors.DriveNotProvisioned and isinstance(err, errors.NotFound)
    assert (err.status, err.code, err.request_id) == (status, code, "rid-9")
    assert err.outcome is Outcome.PERMANENT and err.hint and "licence" in err.hint


def test_a_mysite_message_under_429_stays_throttling() -> None:
    """onedrive-api-docs#1511: the same text has come with 429; that is still a wait, not a verdict."""
    body = {"error": {"code": "TooManyRequests", "message": "Unable to retrieve user's mysite URL."}}
    err = errors.from_response(method="GET", path="/v1.0/users/x/drive", status=429, headers={}, body=body,
                               retry_after=3.0)
    assert type(err) is errors.Throttled
