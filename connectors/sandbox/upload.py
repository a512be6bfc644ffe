"""Upload sessions and download URLs, both served outside ``/v1.0`` on the same server.

Upload session (https://learn.microsoft.com/graph/api/driveitem-createuploadsession;
docs/graph.md#upload-sessions; docs/failures.md#upload-sessions): ``uploadUrl`` is
``{base}/_upload/{token}``; a PUT that carries ``Authorization`` gets 401 (docs/failures.md#u1);
``Content-Range: bytes a-b/total``; every fragment but the last must be a multiple of 320 KiB
(327,680 bytes) and under 60 MiB (400 otherwise); a fragment that does not start at the next
expected byte gets 416 (``fragmentOverlap`` when it overlaps bytes already received); 202 with
``nextExpectedRanges`` until the last byte, then 201 (new) or 200 (replaced) with the driveItem;
a name conflict with ``fail`` is found only at the last fragment (409, docs/failures.md#u9), and
with fault ``upload_conflict`` the last fragment answers 409 whatever the conflict behaviour; the
bytes are kept either way. ``GET`` gives the status; ``DELETE`` cancels (204); once
``expirationDateTime`` passes (fault ``upload_expiry_s``), the session is gone: 404
``itemNotFound`` (docs/failures.md#u4, docs/failures.md#u5).

Completing a session by request ("Completing a file" and "Handle upload errors" of the page
above): with ``deferCommit: true`` the last fragment answers 202 with no ``nextExpectedRanges``
(msgraph-sdk-dotnet-core#984) and the file appears only on an empty ``POST`` to the upload URL;
and any session holding all its bytes (a deferred one, or one whose last fragment met a 409) is
committed by a ``PUT`` of the item by path with ``name``, ``@microsoft.graph.conflictBehavior`` and
``@microsoft.graph.sourceUrl`` (the upload URL) in a JSON body (:func:`commit_by_put`). Both
answer 201 (new) or 200 (replaced) with the driveItem and end the session.

Download: ``/content`` answers 302 to ``{base}/_download/{token}``, an HMAC-signed URL that needs
no token and stops working after ``download_expiry_s`` (docs/graph.md#onedrive).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
from typing import TYPE_CHECKING, Any

from connectors.sandbox import names
from connectors.sandbox.errors import GraphError
from connectors.sandbox.http_types import Request, Response, empty, ok

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

FRAGMENT = 327_680
MAX_FRAGMENT = 60 * 1024 * 1024
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


def _expiry_text(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def create_session(app: Sandbox, req: Request, drive_id: str, parent_id: str, name: str, conflict: str, *,
                   defer: bool = False) -> dict[str, Any]:
    token = secrets.token_urlsafe(24)
    expires = time.time() + app.faults.spec.upload_expiry_s
    app.tenant.data["uploads"][token] = {
        "driveId": drive_id, "parentId": parent_id, "name": name, "conflict": conflict,
        "expires": expires, "received": 0, "total": None, "defer": defer,
    }
    app.tenant.blobs["upload:" + token] = b""
    return {"@odata.context": f"{req.base}/v1.0/$metadata#microsoft.graph.uploadSession",
            "uploadUrl": f"{req.base}/_upload/{token}", "expirationDateTime": _expiry_text(expires),
            "nextExpectedRanges": ["0-"]}


def _session(app: Sandbox, token: str) -> dict[str, Any]:
    session: dict[str, Any] | None = app.tenant.data["uploads"].get(token)
    if session is None or session["expires"] < time.time():
        if session is not None:
            _drop(app, token)
        raise GraphError(404, "itemNotFound", "The upload session was not found.")
    return session


def _drop(app: Sandbox, token: str) -> None:
    app.tenant.data["uploads"].pop(token, None)
    app.tenant.blobs.pop("upload:" + token, None)


def _status(session: dict[str, Any]) -> dict[str, Any]:
    complete = session["total"] is not None and session["received"] >= session["total"]
    return {"expirationDateTime": _expiry_text(session["expires"]),
            "nextExpectedRanges": [] if complete else [f"{session['received']}-"]}


def handle_upload(app: Sandbox, req: Request, token: str) -> Response:
    with app.tenant.lock:
        session = _session(app, token)
        if req.method == "GET":
            return ok(_status(session))
        if req.method == "DELETE":
            _drop(app, token)
            return empty(204)
        if req.method == "POST":
            return _commit_deferred(app, req, token, session)
        if req.method != "PUT":
            raise GraphError(405, "invalidRequest", "Use PUT, GET, POST or DELETE on an upload session.")
        if req.header("authorization"):
            raise GraphError(401, "unauthenticated", "The upload URL is pre-authenticated; do not send an Authorization header.")
        return _fragment(app, req, token, session)


def _fragment(app: Sandbox, req: Request, token: str, session: dict[str, Any]) -> Response:
    m = _RANGE.fullmatch((req.header("content-range") or "").strip())
    if m is None:
        raise GraphError(400, "invalidRequest", "A Content-Range header 'bytes start-end/total' is required.")
    start, end, total = (int(x) for x in m.groups())
    length = end - start + 1
    if end < start or length != len(req.body) or end >= total:
        raise GraphError(400, "invalidRequest", "The Content-Range does not match the body length.")
    if session["total"] is not None and session["total"] != total:
        raise GraphError(400, "invalidRequest", f"The declared total size changed from {session['total']} to {total}.")
    if start != session["received"]:
        code = "fragmentOverlap" if start < session["received"] else "fragmentOutOfOrder"
        raise GraphError(416, "invalidRange", "The uploaded fragment overlaps with data that has already been received."
                         if start < session["received"] else "The uploaded fragment does not start at the next expected byte.",
                         inner_code=code, inner={"nextExpectedRanges": [f"{session['received']}-"]})
    last = end + 1 == total
    if length > MAX_FRAGMENT:
        raise GraphError(400, "invalidRequest", "A fragment must be smaller than 60 MiB.")
    if not last and length % FRAGMENT:
        raise GraphError(400, "invalidRequest", f"The fragment size {length} is not a multiple of 320 KiB (327,680 bytes).")
    key = "upload:" + token
    app.tenant.blobs[key] = app.tenant.blobs[key] + req.body
    session["received"] = end + 1
    session["total"] = total
    if not last or session.get("defer"):
        return ok(_status(session), 202)
    if app.faults.draw_upload_conflict(token):
        # What clients report even under "replace" (docs/failures.md#u9); the bytes are kept.
        raise GraphError(409, "nameAlreadyExists", _CONFLICT_TEXT)
    return _complete(app, req, token, session, session["parentId"], session["name"], session["conflict"])


_CONFLICT_TEXT = ("Another file exists with the same name as the uploaded session. You can redirect the upload "
                  "session to use a new filename by calling PUT with the new metadata and "
                  "@microsoft.graph.sourceUrl attribute.")


def _complete(app: Sandbox, req: Request, token: str, session: dict[str, Any], parent_id: str, name: str,
              conflict: str) -> Response:
    """Put the session's bytes in place as ``name`` under ``parent_id``; the session ends."""
    from connectors.sandbox import drive as drives

    drive = app.tenant.data["drives"][session["driveId"]]
    if parent_id not in drive["items"]:
        _drop(app, token)
        raise GraphError(404, "itemNotFound", "The parent folder of the upload no longer exists.")
    # A "fail" conflict raises 409 here and the session stays for an explicit commit (docs/failures.md#u9).
    item, created = drives.place(app, drive, parent_id, name, conflict, folder=False)
    drives.write_content(app, drive, item, app.tenant.blobs["upload:" + token], None, bump=not created)
    _drop(app, token)
    return ok(drives.render_item(app, req, drive, item, context=True), 201 if created else 200)


def _complete_session(session: dict[str, Any]) -> None:
    if session["total"] is None or session["received"] < session["total"]:
        raise GraphError(400, "invalidRequest", "The upload session is missing bytes; upload them before committing.",
                         inner={"nextExpectedRanges": [f"{session['received']}-"]})


def _commit_deferred(app: Sandbox, req: Request, token: str, session: dict[str, Any]) -> Response:
    """The empty ``POST`` to the upload URL that completes a ``deferCommit`` session."""
    if not session.get("defer"):
        raise GraphError(400, "invalidRequest", "Only a session created with deferCommit is completed by a POST.")
    if req.body:
        raise GraphError(400, "invalidRequest", "The request completing an upload session has no content.")
    _complete_session(session)
    return _complete(app, req, token, session, session["parentId"], session["name"], session["conflict"])


def commit_by_put(app: Sandbox, req: Request, drive: dict[str, Any], item: dict[str, Any] | None,
                  missing: list[str], base: dict[str, Any]) -> Response:
    """``PUT`` of an item by path (or of its parent folder) with ``{"name", "@microsoft.graph.
    conflictBehavior", "@microsoft.graph.sourceUrl": <upload URL>}``: the session's bytes become
    that file. ``conflictBehavior`` defaults to ``replace``, as for any PUT (driveItem resource,
    "Instance attributes"); ``If-Match`` is checked against the file the commit would replace.
    Any other ``sourceUrl`` is refused: uploading from a URL "is not supported in OneDrive for
    Business, SharePoint Online" (same page)."""
    from connectors.sandbox import drive as drives

    body = req.json_object()
    source = body.get("@microsoft.graph.sourceUrl")
    if not isinstance(source, str) or not source:
        raise GraphError(400, "invalidRequest", "Updating an item by PUT needs '@microsoft.graph.sourceUrl' naming an upload session.")
    prefix = f"{req.base}/_upload/"
    if not source.startswith(prefix):
        raise GraphError(400, "notSupported", "Uploading from a URL is not supported in OneDrive for Business and SharePoint.")
    token = source[len(prefix):].split("?", 1)[0]
    session = _session(app, token)
    if session["driveId"] != drive["id"]:
        raise GraphError(400, "invalidRequest", "The upload session belongs to another drive.")
    _complete_session(session)
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        raise GraphError(400, "invalidRequest", "'name' must be text.")
    conflict = str(body.get("@microsoft.graph.conflictBehavior") or req.query.get("@microsoft.graph.conflictBehavior")
                   or "replace")
    if item is not None and item["folder"] and name:  # PUT …/root:/{path to the parent folder}
        parent_id = item["id"]
    elif item is not None:
        if item["parentId"] is None:
            raise GraphError(400, "invalidRequest", "A name is needed to commit into the root of a drive.")
        parent_id, name = item["parentId"], name or item["name"]
    elif len(missing) == 1:
        parent_id, name = base["id"], name or missing[0]
    else:
        raise GraphError(404, "itemNotFound", "The parent folder of the commit does not exist.")
    assert isinstance(name, str)
    target = drives.child_named(app, drive, parent_id, name)
    drives.check_if_match(req, target)
    names.check_name(name, folder=False, at_root=drive["items"][parent_id]["parentId"] is None)
    return _complete(app, req, token, session, parent_id, name, conflict)


def download_url(app: Sandbox, req: Request, drive_id: str, item_id: str) -> str:
    expires = int(time.time() + app.faults.spec.download_expiry_s)
    payload = base64.urlsafe_b64encode(f"{drive_id}|{item_id}|{expires}".encode()).decode().rstrip("=")
    sig = hmac.new(app.tenant.key, payload.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{req.base}/_download/{payload}?tempauth={sig}"


def handle_download(app: Sandbox, req: Request, payload: str) -> Response:
    want = hmac.new(app.tenant.key, payload.encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(want, req.query.get("tempauth", "")):
        raise GraphError(401, "unauthenticated", "Invalid download token.")
    drive_id, item_id, expires = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode().split("|")
    if int(expires) < time.time():
        raise GraphError(401, "unauthenticated", "The download URL has expired; request /content again.")
    with app.tenant.lock:
        item = app.tenant.data["drives"].get(drive_id, {}).get("items", {}).get(item_id)
        if item is None:
            raise GraphError(404, "itemNotFound", "The resource could not be found.")
        data = app.tenant.blobs.get(item_id, b"")
        mime = item["mimeType"] or "application/octet-stream"
    return Response(200, data, {"Content-Type": mime})
