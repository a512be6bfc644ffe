"""OneDrive: a user's drive, folders by path, upload, download, sharing by invitation.

:class:`Drive` is the connector's face (``client.drive``): drives, items and folders by path,
and uploads are here; downloads are in :mod:`connectors.graph.drive_downloads`, sharing in
:mod:`connectors.graph.drive_sharing`, many uploads in one ``$batch`` in
:mod:`connectors.graph.drive_uploads`, looks at many paths in :mod:`connectors.graph.drive_looks`,
and the records every method returns (frozen, never Graph JSON) in
:mod:`connectors.graph.drive_records`.

Wire facts: docs/graph.md#onedrive, docs/graph.md#sharing; failure scenarios
docs/failures.md#upload-sessions (in :mod:`connectors.graph.upload`) and
docs/failures.md#names-files-and-sharing. Names are made valid by :mod:`connectors.graph.names`
before they reach a URL; path segments are percent-encoded exactly once (docs/failures.md#f1).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from typing import Any

from connectors.graph import cleanup, drive_downloads, drive_looks, drive_sharing, drive_uploads, errors
from connectors.graph.batch import BatchRequest, execute_batch
from connectors.graph.drive_looks import FolderLook
from connectors.graph.drive_records import (
    DriveInfo, DriveItem, FileContent, drive_path, parse_drive, parse_item, req_str,
)
from connectors.graph.http import GraphHttp
from connectors.graph.names import check_path, encode_id, encode_path, same_name
from connectors.graph.permissions import InviteResult, Permission, Recipient
from connectors.graph.redact import redact_path
from connectors.graph.upload import (
    CONFLICT_BEHAVIOURS, DEFAULT_CHUNK_SIZE, SessionUpload, UploadLimits, validate_chunk_size,
)

log = logging.getLogger(__name__)

# Simple PUT up to this size, an upload session above it. Graph's PUT accepts 250 MB today, older
# docs say 4 MB (docs/graph.md#onedrive); sessions above ~4 MiB resume instead of resending everything.
DEFAULT_SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024
REPLACE_RETRY_WAIT = 2.0  # seconds before a replace that got itemNotFound is tried again (docs/failures.md#f7)


class Drive:
    """Named OneDrive operations over one :class:`GraphHttp`."""

    def __init__(
        self,
        http: GraphHttp,
        *,
        simple_upload_limit: int = DEFAULT_SIMPLE_UPLOAD_LIMIT,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        upload_limits: UploadLimits = UploadLimits(),
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if simple_upload_limit < 0:
            raise ValueError("simple_upload_limit must not be negative")
        self.http = http
        self.simple_upload_limit = simple_upload_limit
        self.chunk_size = validate_chunk_size(chunk_size)
        self.upload_limits = upload_limits
        self._now = now
        self._sleep = sleep
        # Files go inside $batch until a tenant refuses that (connectors.graph.drive_uploads).
        self.batched_uploads = True

    # ------------------------------------------------------------------ drives and items
    def get_user_drive(self, user_id: str) -> DriveInfo:
        """The user's OneDrive. A 404 means never provisioned (app-only cannot provision it); a
        400 "Unable to retrieve user's mysite URL." that there is none to find (no licence):
        both are :class:`errors.DriveNotProvisioned` (docs/failures.md#f15)."""
        try:
            data = self.http.get(f"/users/{encode_id(user_id)}/drive").json_object()
        except errors.NotFound as err:
            raise self.not_provisioned(err) from err
        return parse_drive(data)

    def get_item(self, drive_id: str, item_id: str) -> DriveItem:
        resp = self.http.get(f"{drive_path(drive_id)}/items/{encode_id(item_id)}")
        return parse_item(resp.json_object(), drive_id)

    def get_items(self, pairs: Sequence[tuple[str, str]]) -> list[DriveItem | errors.GraphError]:
        """:meth:`get_item` for many ``(drive_id, item_id)`` pairs in ``$batch`` calls: one answer
        per pair, in order, the item or the error that one read met."""
        results = execute_batch(self.http, [
            BatchRequest(str(i), "GET", f"{drive_path(d)}/items/{encode_id(item)}") for i, (d, item) in enumerate(pairs)])
        out: list[DriveItem | errors.GraphError] = []
        for i, (d, _) in enumerate(pairs):
            res = results[str(i)]
            try:
                res.raise_for_error()
                out.append(parse_item(res.body if isinstance(res.body, dict) else {}, d))
            except errors.GraphError as err:
                out.append(err)
        return out

    def get_item_by_path(self, drive_id: str, path_segments: Sequence[str]) -> DriveItem | None:
        """The item at ``root:/a/b:`` or None when there is none (the root for no segments)."""
        path = f"{drive_path(drive_id)}/root" + (f":/{encode_path(path_segments)}:" if path_segments else "")
        resp = self.http.get(path, allow_statuses=frozenset({404}))
        if resp.status == 404:
            return None
        return parse_item(resp.json_object(), drive_id)

    def list_children(self, drive_id: str, item_id: str) -> Iterator[DriveItem]:
        """Every child of a folder, across all pages."""
        for raw in self.http.paginate(f"{drive_path(drive_id)}/items/{encode_id(item_id)}/children"):
            yield parse_item(raw, drive_id)

    def ensure_folder(self, drive_id: str, path_segments: Sequence[str]) -> DriveItem:
        """The folder at ``path_segments``, created (with any missing parents) when absent.

        Idempotent and safe against a concurrent creator: folders are created with
        ``conflictBehavior: fail`` and a 409 means "read the one that exists"
        (docs/failures.md#f8), found by path or, when the path lookup still misses it, by listing
        the parent (case-insensitively, docs/failures.md#f5).
        Raises ValueError for names that break OneDrive's rules and :class:`errors.Conflict` when
        a file stands where a folder should be.
        """
        if not path_segments:
            raise ValueError("ensure_folder needs at least one path segment")
        check_path(path_segments)
        found = self.get_item_by_path(drive_id, path_segments)
        if found is not None:
            return self._must_be_folder(found, drive_id, path_segments)
        # Walk up to the deepest folder that exists, then create downwards.
        depth = len(path_segments) - 1
        parent: DriveItem | None = None
        while depth > 0:
            parent = self.get_item_by_path(drive_id, path_segments[:depth])
            if parent is not None:
                self._must_be_folder(parent, drive_id, path_segments[:depth])
                break
            depth -= 1
        for i in range(depth, len(path_segments)):
            parent = self._create_folder(drive_id, parent, path_segments[: i + 1])
        assert parent is not None  # the loop ran at least once: depth < len(path_segments)
        return parent

    # ------------------------------------------------------------------ content
    def upload(self, drive_id: str, parent_id: str, name: str, data: bytes, *,
               conflict: str = "replace",
               content_type: str = "application/octet-stream") -> DriveItem:
        """Put ``data`` as ``name`` in folder ``parent_id``; returns the stored item.

        Small files (up to ``simple_upload_limit``, and always empty ones, docs/failures.md#u8)
        go in one PUT;
        larger ones through a resumable upload session. ``conflict`` is ``replace`` (default),
        ``rename`` or ``fail`` (a clash raises :class:`errors.Conflict`).
        """
        if conflict not in CONFLICT_BEHAVIOURS:
            raise ValueError(f"conflict must be one of {sorted(CONFLICT_BEHAVIOURS)}, got {conflict!r}")
        check_path([name])
        if len(data) <= self.simple_upload_limit or not data:
            def put() -> dict[str, Any]:
                return self.http.put(
                    f"{drive_path(drive_id)}/items/{encode_id(parent_id)}:/{encode_path([name])}:/content",
                    params={"@microsoft.graph.conflictBehavior": conflict}, data=data,
                    headers={"Content-Type": content_type},
                    # "rename" makes a second copy when re-sent: only the others are idempotent.
                    idempotent=conflict != "rename").json_object()
            try:
                return parse_item(put(), drive_id)
            except errors.NotFound:
                if conflict != "replace":
                    raise
                # Replacing an Office file now and then answers itemNotFound
                # (docs/failures.md#f7): once more.
                self._sleep(REPLACE_RETRY_WAIT)
                return parse_item(put(), drive_id)
        upload = SessionUpload(self.http, drive_path(drive_id), encode_id(parent_id), name, data,
                               conflict=conflict, chunk_size=self.chunk_size,
                               limits=self.upload_limits, now=self._now, sleep=self._sleep)
        return parse_item(upload.run(), drive_id)

    def upload_to_user_path(self, user_id: str, path_segments: Sequence[str], data: bytes, *,
                            conflict: str = "replace") -> DriveItem:
        """Put ``data`` at ``path_segments`` in the user's OneDrive in one request.

        A PUT by path creates the missing parent folders itself (docs/graph.md#onedrive), so a new
        talk folder with its first file costs one call instead of a lookup per level. The
        returned item names its drive and parent folder. A 404, or the 400 "Unable to retrieve
        user's mysite URL.", means the user has no OneDrive (:class:`errors.DriveNotProvisioned`,
        docs/failures.md#f15). Small files only.
        """
        if conflict not in CONFLICT_BEHAVIOURS:
            raise ValueError(f"conflict must be one of {sorted(CONFLICT_BEHAVIOURS)}, got {conflict!r}")
        if len(data) > self.simple_upload_limit:
            raise ValueError("upload_to_user_path is for small files; use ensure_folder + upload")
        check_path(path_segments)
        try:
            resp = self.http.put(
                f"/users/{encode_id(user_id)}/drive/root:/{encode_path(path_segments)}:/content",
                params={"@microsoft.graph.conflictBehavior": conflict}, data=data,
                headers={"Content-Type": "application/octet-stream"},
                idempotent=conflict != "rename")
        except errors.NotFound as err:
            raise self.not_provisioned(err) from err
        item = parse_item(resp.json_object(), "")
        if not item.drive_id:
            raise errors.GraphError("Graph answered an upload without the drive's id")
        return item

    def upload_many(self, files: Sequence[tuple[str, str, str, bytes]], *, conflict: str = "replace",
                    content_type: str = "application/octet-stream") -> list[DriveItem | errors.GraphError]:
        """:meth:`upload` for many ``(drive_id, parent_id, name, data)`` in ``$batch`` calls; one
        answer per file, in order: the item or the error (:mod:`connectors.graph.drive_uploads`)."""
        return drive_uploads.upload_many(self, files, conflict=conflict, content_type=content_type)

    def upload_many_to_user_paths(self, files: Sequence[tuple[str, Sequence[str], bytes]], *,
                                  conflict: str = "replace") -> list[DriveItem | errors.GraphError]:
        """:meth:`upload_to_user_path` for many ``(user_id, path_segments, data)`` in ``$batch``
        calls; one answer per file, in order: the item or the error."""
        return drive_uploads.upload_many_to_user_paths(self, files, conflict=conflict)

    def look_at_user_paths(self, paths: Sequence[tuple[str, Sequence[str]]]
                           ) -> list[FolderLook | None | errors.GraphError]:
        """What stands at each ``(user_id, path_segments)`` with its children (one GET with
        ``$expand=children`` each, in ``$batch`` calls): a :class:`FolderLook`, None when nothing
        does (or the user has no OneDrive), or the error; in order
        (:mod:`connectors.graph.drive_looks`)."""
        return drive_looks.look_at_user_paths(self, paths)

    def delete_items(self, items: Sequence[tuple[str, str]]) -> list[errors.GraphError | None]:
        """Delete files and folders (a folder with everything in it) by ``(drive_id, item_id)``,
        in ``$batch`` calls; they go to their drive's recycle bin. One answer per item, in order:
        None, or the error (:class:`errors.NotFound` when it was already gone)
        (:func:`connectors.graph.cleanup.delete_drive_items`)."""
        return cleanup.delete_drive_items(self.http, items)

    @staticmethod
    def not_provisioned(err: errors.NotFound) -> errors.DriveNotProvisioned:
        """A 404 on a user's drive path: the user's OneDrive was never provisioned. Graph's own
        "no OneDrive" answers are :class:`errors.DriveNotProvisioned` already
        (:func:`errors.from_response`)."""
        if isinstance(err, errors.DriveNotProvisioned):
            return err
        return errors.DriveNotProvisioned(
            "the user has no OneDrive (never provisioned, or no such user)",
            method=err.method, path=err.path, status=err.status, code=err.code, request_id=err.request_id,
            hint=errors.NO_ONEDRIVE_HINT)

    @staticmethod
    def item_from(data: dict[str, Any], drive_id: str) -> DriveItem:
        """A driveItem's JSON as a record (``drive_id`` when the JSON names none)."""
        return parse_item(data, drive_id)

    def download(self, drive_id: str, item_id: str) -> bytes:
        """The file's bytes. ``/content`` answers 302 to a pre-authenticated URL, fetched
        without the bearer token; a 200 with the bytes is accepted too."""
        return drive_downloads.download(self, drive_id, item_id)

    def fetch_file(self, drive_id: str, item_id: str) -> FileContent:
        """The file's item (with its eTag) and its bytes: a GET of the item, then its
        ``@microsoft.graph.downloadUrl`` without the bearer token
        (https://learn.microsoft.com/graph/api/resources/driveitem, "Instance attributes"), as many requests as :meth:`download`. The bytes are those of that
        eTag or of a later version, never an earlier one, so a write made conditional on the
        eTag (:meth:`replace_if_unchanged`) cannot overwrite a version nobody here has read."""
        return drive_downloads.fetch_file(self, drive_id, item_id)

    def replace_if_unchanged(self, item: DriveItem, data: bytes, *,
                             content_type: str = "application/octet-stream") -> DriveItem:
        """Replace the file's content only while it is still the version ``item`` describes.

        ``If-Match: <eTag>`` on the PUT of ``/items/{id}/content`` (or on ``createUploadSession``
        for a file above ``simple_upload_limit``): when someone saved the file since ``item``
        was read, Graph answers 412 ``resourceModified`` and nothing is written, raised as
        :class:`errors.PreconditionFailed` (https://learn.microsoft.com/graph/api/driveitem-createuploadsession,
        "Optional request headers"; https://learn.microsoft.com/onedrive/developer/rest-api/concepts/errors;
        docs/graph.md#onedrive, docs/failures.md#f13). A PUT repeated after a dropped
        answer that had in fact been applied also meets 412: the caller treats both alike.
        """
        if not item.etag:
            raise ValueError("replace_if_unchanged needs the item's eTag (read it with get_item or fetch_file)")
        if item.is_folder:
            raise ValueError("replace_if_unchanged writes a file, not a folder")
        if len(data) <= self.simple_upload_limit or not data:
            resp = self.http.put(f"{drive_path(item.drive_id)}/items/{encode_id(item.id)}/content", data=data,
                                 headers={"Content-Type": content_type, "If-Match": item.etag})
            return parse_item(resp.json_object(), item.drive_id)
        if not item.parent_id or not item.name:
            raise ValueError("a large replace needs the item's parent id and name")
        upload = SessionUpload(self.http, drive_path(item.drive_id), encode_id(item.parent_id), item.name, data,
                               conflict="replace", chunk_size=self.chunk_size, limits=self.upload_limits,
                               now=self._now, sleep=self._sleep, if_match=item.etag)
        return parse_item(upload.run(), item.drive_id)

    def download_many(self, pairs: Sequence[tuple[str, str]], *,
                      workers: int = 4) -> list[bytes | errors.GraphError]:
        """:meth:`download` for many ``(drive_id, item_id)`` pairs: the ``/content`` requests go
        in ``$batch`` calls, then the pre-authenticated URLs their 302s name are fetched
        (``workers`` at a time, without the bearer token). One answer per pair, in order."""
        return drive_downloads.download_many(self, pairs, workers=workers)

    # ------------------------------------------------------------------ sharing
    def invite(self, drive_id: str, item_id: str, recipients: Sequence[str | Recipient], *,
               roles: Sequence[str] = ("write",), require_sign_in: bool = True,
               send_invitation: bool = False, message: str | None = None) -> InviteResult:
        """Grant ``roles`` on the item to each recipient (an e-mail address, an Entra object id,
        or a :class:`Recipient` with both, invited by address and recognised by either).

        One POST for everyone. Graph refuses the whole request with 400 when one recipient is
        unacceptable (docs/failures.md#f11), so a refused multi-recipient invite is repeated per recipient: the
        others are still shared and the refused ones come back in ``failed``. A recipient no
        returned permission is for (by object id or address, ignoring case) is in ``failed``.
        """
        return drive_sharing.invite(self, drive_id, item_id, recipients, roles=roles,
                                    require_sign_in=require_sign_in,
                                    send_invitation=send_invitation, message=message)

    def invite_many(self, grants: Sequence[tuple[str, str, str | Recipient]], *,
                    roles: Sequence[str] = ("write",), require_sign_in: bool = True,
                    send_invitation: bool = False) -> list[InviteResult | errors.GraphError]:
        """:meth:`invite` of one recipient each for many ``(drive_id, item_id, recipient)`` in
        ``$batch`` calls. One answer per grant, in order: an :class:`InviteResult` (a recipient
        Graph refused, or no returned permission is for, is in its ``failed``, as with
        :meth:`invite`) or the error of that item."""
        return drive_sharing.invite_many(self, grants, roles=roles, require_sign_in=require_sign_in,
                                         send_invitation=send_invitation)

    def list_permissions(self, drive_id: str, item_id: str) -> list[Permission]:
        """Every permission on the item, inherited ones included (``inherited_from`` set)."""
        return drive_sharing.list_permissions(self, drive_id, item_id)

    def remove_permission(self, drive_id: str, item_id: str, permission_id: str) -> None:
        """Remove one permission; one that is already gone (404) counts as removed."""
        drive_sharing.remove_permission(self, drive_id, item_id, permission_id)

    # ------------------------------------------------------------------ internals
    def _create_folder(self, drive_id: str, parent: DriveItem | None,
                       segments: Sequence[str]) -> DriveItem:
        name = segments[-1]
        where = f"{drive_path(drive_id)}/items/{encode_id(parent.id)}" if parent else f"{drive_path(drive_id)}/root"
        body = {"name": name, "folder": {}, "@microsoft.graph.conflictBehavior": "fail"}
        try:
            # With "fail", a repeat can only answer 409, which we handle: safe to retry.
            resp = self.http.post(f"{where}/children", json=body, idempotent=True)
        except errors.Conflict as err:
            existing = self.get_item_by_path(drive_id, segments) or self._find_child(
                drive_id, parent, name)
            if existing is None:
                raise
            log.info("folder existed already (%s); using it", err.code or "409")
            return self._must_be_folder(existing, drive_id, segments)
        return parse_item(resp.json_object(), drive_id)

    def _find_child(self, drive_id: str, parent: DriveItem | None, name: str) -> DriveItem | None:
        parent_id = parent.id if parent else self._root_id(drive_id)
        for child in self.list_children(drive_id, parent_id):
            if same_name(child.name, name):
                return child
        return None

    def _root_id(self, drive_id: str) -> str:
        return req_str(self.http.get(f"{drive_path(drive_id)}/root").json_object(), "id")

    def _must_be_folder(self, item: DriveItem, drive_id: str, segments: Sequence[str]) -> DriveItem:
        if item.is_folder:
            return item
        raise errors.Conflict(
            "a file stands where a folder is needed", method="GET", status=409,
            path=redact_path(self.http.url_for(f"{drive_path(drive_id)}/root:/{encode_path(segments)}:")),
            hint="move or rename the file in OneDrive")


__all__ = ["Drive", "FolderLook", "InviteResult", "Permission", "Recipient"]
