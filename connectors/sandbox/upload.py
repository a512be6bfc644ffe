"""Upload sessions and download URLs, both served outside ``/v1.0`` on the same server.

Upload session (https://learn.microsoft.com/graph/api/driveitem-createuploadsession;
docs/graph.md#upload-sessions; docs/failures.md#upload-sessions): ``uploadUrl`` is
``{base}/_upload/{token}``; a PUT that carries ``Authorization`` gets 401 (docs/failures.md#u1);
``Content-Range: bytes a-b/total``; every fragment but the last must be a multiple of 320 KiB
(327,680 bytes) and under 60 MiB (400 otherwise); a fragment that does not start at the next
expected byte gets 416 (``fragmentOverlap`` when it overlaps bytes already received); 202 with
``nextExpectedRanges`` until the last byte, then 201 (new) or 200 (replaced) with the driveItem;
a name conflict with ``fail`` is found only at the last fragment (409, docs/failures.md#u9);
``GET`` gives the
status; ``DELETE`` cancels (204); once ``expirationDateTime`` passes (fault ``upload_expiry_s``),
the session is gone: 404 ``itemNotFound`` (docs/failures.md#u4, docs/failures.md#u5).

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

from connectors.sandbox.errors import GraphError
from connectors.sandbox.http_types import Request, Response, empty, ok

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

FRAGMENT = 327_680
MAX_FRAGMENT = 60 * 1024 * 1024
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


def _expiry_text(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def create_session(app: Sandbox, req: Request, drive_id: str, parent_id: str, name: str, conflict: str) -> dict[str, Any]:
    token = secrets.token_urlsafe(24)
    expires = time.time() + app.faults.spec.upload_expiry_s
    app.tenant.data["uploads"][token] = {
        "driveId": drive_id, "parentId": parent_id, "name": name, "conflict": conflict,
        "expires": expires, "received": 0, "total": None,
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
    return {"expirationDateTime": _expiry_text(session["expires"]), "nextExpectedRanges": [f"{session['received']}-"]}


def handle_upload(app: Sandbox, req: Request, token: str) -> Response:
    with app.tenant.lock:
        session = _session(app, token)
        if req.method == "GET":
            return ok(_status(session))
        if req.method == "DELETE":
            _drop(app, token)
            return empty(204)
        if req.method != "PUT":
            raise GraphError(405, "invalidRequest", "Use PUT, GET or DELETE on an upload session.")
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
    if not last:
        return ok(_status(session), 202)
    from connectors.sandbox import drive as drives

    drive = app.tenant.data["drives"][session["driveId"]]
    if session["parentId"] not in drive["items"]:
        _drop(app, token)
        raise GraphError(404, "itemNotFound", "The parent folder of the upload no longer exists.")
    try:
        item, created = drives.place(app, drive, session["parentId"], session["name"], session["conflict"], folder=False)
    except GraphError:
        raise  # a "fail" conflict found at the last fragment (docs/failures.md#u9); the session stays for a retry
    drives.write_content(app, drive, item, app.tenant.blobs[key], None, bump=not created)
    _drop(app, token)
    return ok(drives.render_item(app, req, drive, item, context=True), 201 if created else 200)


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
