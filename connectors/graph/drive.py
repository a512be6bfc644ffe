"""OneDrive: a user's drive, folders by path, upload, download, sharing by invitation.

Wire facts: docs/graph.md#onedrive, docs/graph.md#sharing; failure scenarios
docs/failures.md#upload-sessions (in :mod:`connectors.graph.upload`) and
docs/failures.md#names-files-and-sharing. Names are made valid by :mod:`connectors.graph.names`
before they reach a URL; path segments are percent-encoded exactly once (docs/failures.md#f1).
Every method returns frozen records, never Graph JSON.
"""
from __future__ import annotations

import base64
import binascii
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from connectors.graph import cleanup, drive_looks, drive_uploads, errors
from connectors.graph.batch import BatchRequest, execute_batch
from connectors.graph.drive_looks import FolderLook
from connectors.graph.http import GraphHttp
from connectors.graph.names import check_path, encode_id, encode_path, same_name
from connectors.graph.permissions import (
    InviteResult, Permission, Recipient, match_invites, parse_permission, recipient,
)
from connectors.graph.redact import redact_path
from connectors.graph.upload import (
    CONFLICT_BEHAVIOURS, DEFAULT_CHUNK_SIZE, SessionUpload, UploadLimits, parse_instant,
    validate_chunk_size,
)

log = logging.getLogger(__name__)

# Simple PUT up to this size, an upload session above it. Graph's PUT accepts 250 MB today, older
# docs say 4 MB (docs/graph.md#onedrive); sessions above ~4 MiB resume instead of resending everything.
DEFAULT_SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024
INVITE_MESSAGE_LIMIT = 2000  # plain text, characters (https://learn.microsoft.com/graph/api/driveitem-invite)
ROLES = frozenset({"read", "write"})
REPLACE_RETRY_WAIT = 2.0  # seconds before a replace that got itemNotFound is tried again (docs/failures.md#f7)


@dataclass(frozen=True)
class DriveInfo:
    id: str
    owner_id: str | None
    web_url: str | None


@dataclass(frozen=True)
class DriveItem:
    id: str
    drive_id: str
    name: str
    is_folder: bool
    web_url: str | None
    etag: str | None
    ctag: str | None        # content-only tag; folders usually have none
    size: int
    last_modified: datetime | None  # some answers (simple upload) leave it out
    parent_path: str | None  # "/drive/root:/Medarbetarsamtal 2025" when Graph gives it
    parent_id: str | None = None
    # Short-lived pre-authenticated URL of a file's bytes (``@microsoft.graph.downloadUrl``, on a
    # plain GET of the item; valid about an hour, never cached:
    # https://learn.microsoft.com/graph/api/resources/driveitem, "Instance attributes"). It
    # grants access by itself, so it stays out of reprs and therefore out of logs.
    download_url: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class FileContent:
    """A file's bytes with the item as Graph described it just before (its ``etag`` is what a
    later :meth:`Drive.replace_if_unchanged` is conditional on)."""

    item: DriveItem
    data: bytes


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
            data = self.http.get(f"/users/{_id(user_id)}/drive").json_object()
        except errors.NotFound as err:
            raise self.not_provisioned(err) from err
        owner = _dig(data, "owner", "user", "id")
        return DriveInfo(id=_req_str(data, "id"), owner_id=owner if isinstance(owner, str) else None,
                         web_url=_opt_str(data, "webUrl"))

    def get_item(self, drive_id: str, item_id: str) -> DriveItem:
        resp = self.http.get(f"{_drive(drive_id)}/items/{_id(item_id)}")
        return _item(resp.json_object(), drive_id)

    def get_items(self, pairs: Sequence[tuple[str, str]]) -> list[DriveItem | errors.GraphError]:
        """:meth:`get_item` for many ``(drive_id, item_id)`` pairs in ``$batch`` calls: one answer
        per pair, in order, the item or the error that one read met."""
        results = execute_batch(self.http, [
            BatchRequest(str(i), "GET", f"{_drive(d)}/items/{_id(item)}") for i, (d, item) in enumerate(pairs)])
        out: list[DriveItem | errors.GraphError] = []
        for i, (d, _) in enumerate(pairs):
            res = results[str(i)]
            try:
                res.raise_for_error()
                out.append(_item(res.body if isinstance(res.body, dict) else {}, d))
            except errors.GraphError as err:
                out.append(err)
        return out

    def get_item_by_path(self, drive_id: str, path_segments: Sequence[str]) -> DriveItem | None:
        """The item at ``root:/a/b:`` or None when there is none (the root for no segments)."""
        path = f"{_drive(drive_id)}/root" + (f":/{encode_path(path_segments)}:" if path_segments else "")
        resp = self.http.get(path, allow_statuses=frozenset({404}))
        if resp.status == 404:
            return None
        return _item(resp.json_object(), drive_id)

    def list_children(self, drive_id: str, item_id: str) -> Iterator[DriveItem]:
        """Every child of a folder, across all pages."""
        for raw in self.http.paginate(f"{_drive(drive_id)}/items/{_id(item_id)}/children"):
            yield _item(raw, drive_id)

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
                    f"{_drive(drive_id)}/items/{_id(parent_id)}:/{encode_path([name])}:/content",
                    params={"@microsoft.graph.conflictBehavior": conflict}, data=data,
                    headers={"Content-Type": content_type},
                    # "rename" makes a second copy when re-sent: only the others are idempotent.
                    idempotent=conflict != "rename").json_object()
            try:
                return _item(put(), drive_id)
            except errors.NotFound:
                if conflict != "replace":
                    raise
                # Replacing an Office file now and then answers itemNotFound
                # (docs/failures.md#f7): once more.
                self._sleep(REPLACE_RETRY_WAIT)
                return _item(put(), drive_id)
        upload = SessionUpload(self.http, _drive(drive_id), _id(parent_id), name, data,
                               conflict=conflict, chunk_size=self.chunk_size,
                               limits=self.upload_limits, now=self._now, sleep=self._sleep)
        return _item(upload.run(), drive_id)

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
                f"/users/{_id(user_id)}/drive/root:/{encode_path(path_segments)}:/content",
                params={"@microsoft.graph.conflictBehavior": conflict}, data=data,
                headers={"Content-Type": "application/octet-stream"},
                idempotent=conflict != "rename")
        except errors.NotFound as err:
            raise self.not_provisioned(err) from err
        item = _item(resp.json_object(), "")
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
        return _item(data, drive_id)

    def download(self, drive_id: str, item_id: str) -> bytes:
        """The file's bytes. ``/content`` answers 302 to a pre-authenticated URL, fetched
        without the bearer token; a 200 with the bytes is accepted too."""
        resp = self.http.get(f"{_drive(drive_id)}/items/{_id(item_id)}/content",
                             headers={"Accept": "*/*"})
        if 300 <= resp.status < 400:
            location = resp.headers.get("location")
            if not location:
                raise errors.GraphError("Graph redirected the download without a location",
                                        method="GET", path=redact_path(self.http.url_for(
                                            f"{_drive(drive_id)}/items/{_id(item_id)}/content")),
                                        status=resp.status)
            resp = self.http.get(location, authenticated=False, headers={"Accept": "*/*"})
        return resp.content

    def fetch_file(self, drive_id: str, item_id: str) -> FileContent:
        """The file's item (with its eTag) and its bytes: a GET of the item, then its
        ``@microsoft.graph.downloadUrl`` without the bearer token
        (https://learn.microsoft.com/graph/api/resources/driveitem, "Instance attributes"), as many requests as :meth:`download`. The bytes are those of that
        eTag or of a later version, never an earlier one, so a write made conditional on the
        eTag (:meth:`replace_if_unchanged`) cannot overwrite a version nobody here has read."""
        item = self.get_item(drive_id, item_id)
        if item.is_folder:
            raise ValueError("fetch_file reads a file, not a folder")
        if item.download_url:
            data = self.http.get(item.download_url, authenticated=False, headers={"Accept": "*/*"}).content
        else:  # a tenant that leaves the annotation out: the /content route (302, then the bytes)
            data = self.download(drive_id, item_id)
        return FileContent(item, data)

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
            resp = self.http.put(f"{_drive(item.drive_id)}/items/{_id(item.id)}/content", data=data,
                                 headers={"Content-Type": content_type, "If-Match": item.etag})
            return _item(resp.json_object(), item.drive_id)
        if not item.parent_id or not item.name:
            raise ValueError("a large replace needs the item's parent id and name")
        upload = SessionUpload(self.http, _drive(item.drive_id), _id(item.parent_id), item.name, data,
                               conflict="replace", chunk_size=self.chunk_size, limits=self.upload_limits,
                               now=self._now, sleep=self._sleep, if_match=item.etag)
        return _item(upload.run(), item.drive_id)

    def download_many(self, pairs: Sequence[tuple[str, str]], *,
                      workers: int = 4) -> list[bytes | errors.GraphError]:
        """:meth:`download` for many ``(drive_id, item_id)`` pairs: the ``/content`` requests go
        in ``$batch`` calls, then the pre-authenticated URLs their 302s name are fetched
        (``workers`` at a time, without the bearer token). One answer per pair, in order."""
        results = execute_batch(self.http, [
            BatchRequest(str(i), "GET", f"{_drive(d)}/items/{_id(item)}/content", headers={"Accept": "*/*"})
            for i, (d, item) in enumerate(pairs)])
        out: list[bytes | errors.GraphError] = []
        fetch: dict[int, str] = {}
        for i, (d, item) in enumerate(pairs):
            res = results[str(i)]
            if res.error is not None:
                out.append(res.error)
            elif 300 <= res.status < 400:
                location = res.headers.get("location")
                out.append(b"" if location else errors.GraphError(
                    "Graph redirected the download without a location", method="GET",
                    path=redact_path(self.http.url_for(f"{_drive(d)}/items/{_id(item)}/content")),
                    status=res.status))
                if location:
                    fetch[i] = location
            else:  # the bytes themselves, base64 in the batch answer (docs/graph.md#batching)
                out.append(_batch_bytes(res.body))

        def get(location: str) -> bytes | errors.GraphError:
            try:
                return self.http.get(location, authenticated=False, headers={"Accept": "*/*"}).content
            except errors.GraphError as err:
                return err

        if fetch:
            with ThreadPoolExecutor(max_workers=max(1, min(workers, len(fetch)))) as pool:
                for i, data in zip(fetch, pool.map(get, fetch.values())):
                    out[i] = data
        return out

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
        if not recipients:
            raise ValueError("invite needs at least one recipient")
        if not roles or not set(roles) <= ROLES:
            raise ValueError(f"roles must be a non-empty subset of {sorted(ROLES)}")
        if message is not None and len(message) > INVITE_MESSAGE_LIMIT:
            raise ValueError(f"the invitation message is limited to {INVITE_MESSAGE_LIMIT} characters")
        unique = list(dict.fromkeys(recipient(r) for r in recipients))
        path = f"{_drive(drive_id)}/items/{_id(item_id)}/invite"

        def send(batch: Sequence[Recipient]) -> list[dict[str, Any]]:
            body: dict[str, Any] = {
                "recipients": [r.body() for r in batch],
                "roles": list(roles), "requireSignIn": require_sign_in,
                "sendInvitation": send_invitation,
            }
            if message is not None:
                body["message"] = message
            # Granting the same role twice is harmless: safe to repeat after a dropped line.
            value = self.http.post(path, json=body, idempotent=True).json_object().get("value")
            return [p for p in value if isinstance(p, dict)] if isinstance(value, list) else []

        try:
            return match_invites(unique, send(unique))
        except errors.BadRequest as err:
            if len(unique) == 1:
                return InviteResult((), ((unique[0].label, _reason(err)),))
            log.warning("invite for %d recipients refused (%s); inviting one by one",
                        len(unique), err.code or err.status)
        granted: list[Permission] = []
        failed: list[tuple[str, str]] = []
        for one in unique:
            try:
                result = match_invites([one], send([one]))
            except errors.BadRequest as err:
                failed.append((one.label, _reason(err)))
                continue
            granted.extend(result.granted)
            failed.extend(result.failed)
        return InviteResult(tuple(granted), tuple(failed))

    def invite_many(self, grants: Sequence[tuple[str, str, str | Recipient]], *,
                    roles: Sequence[str] = ("write",), require_sign_in: bool = True,
                    send_invitation: bool = False) -> list[InviteResult | errors.GraphError]:
        """:meth:`invite` of one recipient each for many ``(drive_id, item_id, recipient)`` in
        ``$batch`` calls. One answer per grant, in order: an :class:`InviteResult` (a recipient
        Graph refused, or no returned permission is for, is in its ``failed``, as with
        :meth:`invite`) or the error of that item."""
        if not roles or not set(roles) <= ROLES:
            raise ValueError(f"roles must be a non-empty subset of {sorted(ROLES)}")
        requests = []
        whom = [recipient(r) for _, _, r in grants]
        for i, ((d, item, _), one) in enumerate(zip(grants, whom)):
            body = {"recipients": [one.body()], "roles": list(roles), "requireSignIn": require_sign_in,
                    "sendInvitation": send_invitation}
            # Granting the same role twice is harmless: safe to repeat.
            requests.append(BatchRequest(str(i), "POST", f"{_drive(d)}/items/{_id(item)}/invite",
                                         body=body, idempotent=True))
        results = execute_batch(self.http, requests)
        out: list[InviteResult | errors.GraphError] = []
        for i, one in enumerate(whom):
            res = results[str(i)]
            if isinstance(res.error, errors.BadRequest):
                out.append(InviteResult((), ((one.label, _reason(res.error)),)))
            elif res.error is not None:
                out.append(res.error)
            else:
                value = res.body.get("value") if isinstance(res.body, dict) else None
                raw = [p for p in value if isinstance(p, dict)] if isinstance(value, list) else []
                try:
                    out.append(match_invites([one], raw))
                except errors.GraphError as err:
                    out.append(err)
        return out

    def list_permissions(self, drive_id: str, item_id: str) -> list[Permission]:
        """Every permission on the item, inherited ones included (``inherited_from`` set)."""
        path = f"{_drive(drive_id)}/items/{_id(item_id)}/permissions"
        return [parse_permission(p) for p in self.http.paginate(path)]

    def remove_permission(self, drive_id: str, item_id: str, permission_id: str) -> None:
        """Remove one permission; one that is already gone (404) counts as removed."""
        self.http.delete(f"{_drive(drive_id)}/items/{_id(item_id)}/permissions/{_id(permission_id)}",
                         allow_statuses=frozenset({404}))

    # ------------------------------------------------------------------ internals
    def _create_folder(self, drive_id: str, parent: DriveItem | None,
                       segments: Sequence[str]) -> DriveItem:
        name = segments[-1]
        where = f"{_drive(drive_id)}/items/{_id(parent.id)}" if parent else f"{_drive(drive_id)}/root"
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
        return _item(resp.json_object(), drive_id)

    def _find_child(self, drive_id: str, parent: DriveItem | None, name: str) -> DriveItem | None:
        parent_id = parent.id if parent else self._root_id(drive_id)
        for child in self.list_children(drive_id, parent_id):
            if same_name(child.name, name):
                return child
        return None

    def _root_id(self, drive_id: str) -> str:
        return _req_str(self.http.get(f"{_drive(drive_id)}/root").json_object(), "id")

    def _must_be_folder(self, item: DriveItem, drive_id: str, segments: Sequence[str]) -> DriveItem:
        if item.is_folder:
            return item
        raise errors.Conflict(
            "a file stands where a folder is needed", method="GET", status=409,
            path=redact_path(self.http.url_for(f"{_drive(drive_id)}/root:/{encode_path(segments)}:")),
            hint="move or rename the file in OneDrive")


# ---------------------------------------------------------------------------- parsing
def _id(value: str) -> str:
    return encode_id(value)


def _drive(drive_id: str) -> str:
    return f"/drives/{_id(drive_id)}"


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _obj(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _req_str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise errors.GraphError(f"Graph answered without the '{key}' property")
    return value


def _item(data: dict[str, Any], drive_id: str) -> DriveItem:
    parent = _obj(data, "parentReference")
    size = data.get("size")
    return DriveItem(
        id=_req_str(data, "id"),
        drive_id=_opt_str(parent, "driveId") or drive_id,
        name=_opt_str(data, "name") or "",
        is_folder=isinstance(data.get("folder"), dict) or isinstance(data.get("root"), dict),
        web_url=_opt_str(data, "webUrl"),
        etag=_opt_str(data, "eTag"),
        ctag=_opt_str(data, "cTag"),
        size=size if isinstance(size, int) and not isinstance(size, bool) else 0,
        last_modified=parse_instant(data.get("lastModifiedDateTime")),
        parent_path=_opt_str(parent, "path"),
        parent_id=_opt_str(parent, "id"),
        download_url=_opt_str(data, "@microsoft.graph.downloadUrl"),
    )


def _batch_bytes(body: Any) -> bytes | errors.GraphError:
    if isinstance(body, str):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return errors.GraphError("a batched download answered with content that is not base64")
    if body is None:
        return b""
    return errors.GraphError("a batched download answered with JSON instead of the file")


def _reason(err: errors.GraphError) -> str:
    return f"{err.status or ''} {err.code or 'refused'}".strip()


__all__ = ["Drive", "DriveInfo", "DriveItem", "FileContent", "FolderLook", "InviteResult", "Permission", "Recipient"]
