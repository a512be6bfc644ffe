"""Large-file upload through an OneDrive upload session, resumable and restartable.

Facts (https://learn.microsoft.com/graph/api/driveitem-createuploadsession; docs/graph.md#upload-sessions;
docs/failures.md#upload-sessions):

- ``POST …/items/{parent}:/{name}:/createUploadSession`` → ``{uploadUrl, expirationDateTime}``;
- chunks are PUT in order to ``uploadUrl`` **without** ``Authorization`` (docs/failures.md#u1),
  each one a multiple of 320 KiB (327,680 bytes) and under 60 MiB except the last
  (docs/failures.md#u6, docs/failures.md#u11), with ``Content-Range: bytes a-b/total`` (the total
  the same on every request);
- ``202`` → more to send (``nextExpectedRanges``); ``201``/``200`` → done, body is the driveItem;
- ``416`` → the server already has those bytes (docs/failures.md#u2): GET ``uploadUrl`` and
  resume from the start of ``nextExpectedRanges``, which may be anywhere, not 320 KiB aligned
  (docs/failures.md#u3);
- ``404`` → the session is gone (docs/failures.md#u4): wait ~5 s, ask the session once more,
  then start a new session from byte 0; an expired session (``expirationDateTime`` passed, or 403
  on its pre-authenticated URL) also starts again (docs/failures.md#u5); 5xx the HTTP layer could
  not ride out (docs/failures.md#u7) starts again once, then fails;
- ``409`` at the last fragment (docs/failures.md#u9, code ``upload_name_conflict``): with
  conflict ``fail`` the error is raised; with ``replace``/``rename`` the session is committed
  explicitly by ``PUT …/items/{parent}:/{name}:`` with ``@microsoft.graph.sourceUrl`` and the
  policy;
- ``507`` is permanent (docs/failures.md#u10); whatever the reason we give up, the session is
  DELETEd (docs/failures.md#u12).

Connection drops mid-chunk are retried by :class:`~connectors.graph.http.GraphHttp` (a PUT is
idempotent); if the server had kept the bytes, the retry gets 416 and we resume as above.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from connectors.graph import errors
from connectors.graph.http import GraphHttp, GraphResponse
from connectors.graph.names import encode_path
from connectors.graph.redact import redact_path

log = logging.getLogger(__name__)

CHUNK_UNIT = 320 * 1024  # 327,680 bytes
MAX_REQUEST_BYTES = 60 * 1024 * 1024  # each request must be *under* 60 MiB
DEFAULT_CHUNK_SIZE = 32 * CHUNK_UNIT  # 10 MiB, the recommended 5–10 MiB range's top
# Act as if a session expired this long before its expirationDateTime: a chunk takes time.
EXPIRY_MARGIN = timedelta(seconds=60)
# rclone's OneDrive backend waits 5 s before believing a 404 on a live session (docs/failures.md#u4).
LOST_SESSION_WAIT = 5.0
CONFLICT_BEHAVIOURS = frozenset({"replace", "rename", "fail"})


def validate_chunk_size(size: int) -> int:
    """``size`` if it is a positive multiple of 320 KiB under 60 MiB, else ValueError."""
    if size <= 0 or size % CHUNK_UNIT:
        raise ValueError(f"upload chunk size must be a positive multiple of {CHUNK_UNIT} bytes "
                         f"(320 KiB), got {size}")
    if size >= MAX_REQUEST_BYTES:
        raise ValueError(f"upload chunk size must be under 60 MiB ({MAX_REQUEST_BYTES} bytes), got {size}")
    return size


def parse_instant(value: Any) -> datetime | None:
    """A Graph timestamp (``Z``, up to 7 decimals, or no offset = UTC) as an aware datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class UploadSession:
    url: str
    expires_at: datetime | None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at - EXPIRY_MARGIN


@dataclass(frozen=True)
class UploadLimits:
    """How hard an upload tries before it gives up and deletes its session."""

    max_restarts: int = 2          # new sessions after 404 / expiry / exhausted 5xx
    max_stalled_resumes: int = 3   # 416 resumes in a row that gain no bytes


class SessionUpload:
    """One file, one upload session at a time. Use :meth:`run`; not reusable."""

    def __init__(
        self,
        http: GraphHttp,
        drive_path: str,
        parent_id: str,
        name: str,
        data: bytes,
        *,
        conflict: str,
        chunk_size: int,
        limits: UploadLimits = UploadLimits(),
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        sleep: Callable[[float], None] = time.sleep,
        if_match: str | None = None,
    ) -> None:
        if conflict not in CONFLICT_BEHAVIOURS:
            raise ValueError(f"conflict must be one of {sorted(CONFLICT_BEHAVIOURS)}, got {conflict!r}")
        if not data:
            raise ValueError("an upload session needs at least one byte; send empty files in one PUT")
        self.http = http
        self.item_path = f"{drive_path}/items/{parent_id}:/{encode_path([name])}:"
        self.name = name
        self.data = data
        self.conflict = conflict
        self.chunk_size = validate_chunk_size(chunk_size)
        self.limits = limits
        self._now = now
        self._sleep = sleep
        # Sent on createUploadSession: a file that is no longer this version answers 412
        # (https://learn.microsoft.com/graph/api/driveitem-createuploadsession, "Optional request
        # headers").
        self.if_match = if_match
        self.session: UploadSession | None = None

    # ------------------------------------------------------------------ the loop
    def run(self) -> dict[str, Any]:
        """Upload everything; return the driveItem JSON. On failure the session is deleted."""
        try:
            return self._run()
        except BaseException:
            self._cancel()
            raise

    def _run(self) -> dict[str, Any]:
        total = len(self.data)
        session = self._create()
        offset = 0
        restarts = 0
        stalled = 0
        while True:
            if session.expired(self._now()):
                restarts = self._count_restart(restarts, "the upload session expired")
                session, offset = self._create(), 0
                continue
            if offset >= total:
                raise errors.GraphError(
                    "the upload session took every byte but returned no item",
                    method="PUT", path=self._shown())
            end = min(offset + self.chunk_size, total)
            try:
                resp = self._put_chunk(session, offset, end, total)
            except errors.RangeNotSatisfiable:
                status = self._status(session)
                if status.status == 404:  # the session went away meanwhile: start over
                    self.session = None
                    restarts = self._count_restart(restarts, "the upload session was not found")
                    session, offset = self._create(), 0
                    continue
                resumed = _range_start(_body(status).get("nextExpectedRanges"))
                if resumed is None:
                    raise
                stalled = stalled + 1 if resumed <= offset else 0
                if stalled > self.limits.max_stalled_resumes:
                    raise
                offset = resumed
                continue
            except errors.NotFound:
                resumed = self._after_lost_session(session)
                if resumed is not None:
                    stalled = stalled + 1 if resumed <= offset else 0
                    if stalled > self.limits.max_stalled_resumes:
                        raise
                    offset = resumed
                    continue
                restarts = self._count_restart(restarts, "the upload session was not found")
                session, offset = self._create(), 0
                continue
            except (errors.Forbidden, errors.ServerError, errors.TransportError) as err:
                if isinstance(err, errors.Forbidden) and not _looks_expired(session, self._now()):
                    # A 403 on a live pre-authenticated URL is not a stale tempauth: give up.
                    raise
                restarts = self._count_restart(restarts, f"chunk upload failed ({type(err).__name__})")
                session, offset = self._create(), 0
                continue
            except errors.Conflict:
                if end < total or self.conflict == "fail":
                    raise
                return self._commit_explicitly(session)

            if resp.status in (200, 201):
                self.session = None  # completed: nothing to cancel
                return resp.json_object()
            body = _body(resp)
            session = UploadSession(session.url, parse_instant(body.get("expirationDateTime"))
                                    or session.expires_at)
            self.session = session
            nxt = _range_start(body.get("nextExpectedRanges"))
            offset = nxt if nxt is not None else end

    # ------------------------------------------------------------------ steps
    def _create(self) -> UploadSession:
        self._cancel()  # never leave the previous session behind
        body = {"item": {"@microsoft.graph.conflictBehavior": self.conflict, "name": self.name}}
        # Safe to repeat: a second session is harmless and expires on its own.
        headers = {"If-Match": self.if_match} if self.if_match else None
        resp = self.http.post(f"{self.item_path}/createUploadSession", json=body, headers=headers,
                              idempotent=True)
        data = resp.json_object()
        url = data.get("uploadUrl")
        if not isinstance(url, str) or not url:
            raise errors.GraphError("createUploadSession answered without an uploadUrl",
                                    method="POST", path=self._shown())
        self.session = UploadSession(url, parse_instant(data.get("expirationDateTime")))
        return self.session

    def _put_chunk(self, session: UploadSession, start: int, end: int, total: int) -> GraphResponse:
        headers = {"Content-Range": f"bytes {start}-{end - 1}/{total}",
                   "Content-Type": "application/octet-stream"}
        return self.http.put(session.url, data=self.data[start:end], headers=headers,
                             authenticated=False)

    def _status(self, session: UploadSession) -> GraphResponse:
        return self.http.get(session.url, authenticated=False, allow_statuses=frozenset({404}))

    def _after_lost_session(self, session: UploadSession) -> int | None:
        """After a 404 on a chunk: wait, then ask once more (eventual consistency,
        docs/failures.md#u4)."""
        self._sleep(LOST_SESSION_WAIT)
        resp = self._status(session)
        if resp.status == 404:
            self.session = None  # gone on the server: nothing to delete
            return None
        return _range_start(_body(resp).get("nextExpectedRanges"))

    def _commit_explicitly(self, session: UploadSession) -> dict[str, Any]:
        """409 at the last fragment: commit the kept session under our conflict policy
        (docs/failures.md#u9)."""
        body = {"name": self.name, "@microsoft.graph.conflictBehavior": self.conflict,
                "@microsoft.graph.sourceUrl": session.url}
        resp = self.http.put(self.item_path, json=body, idempotent=self.conflict != "rename")
        self.session = None
        return resp.json_object()

    def _count_restart(self, restarts: int, why: str) -> int:
        if restarts >= self.limits.max_restarts:
            raise errors.GraphError(f"gave up uploading after {restarts} new sessions: {why}",
                                    method="PUT", path=self._shown())
        log.warning("upload to %s starts again with a new session: %s", self._shown(), why)
        return restarts + 1

    def _cancel(self) -> None:
        """DELETE the current session, best effort: a failure here must not hide the real one."""
        session, self.session = self.session, None
        if session is None:
            return
        try:
            self.http.delete(session.url, authenticated=False, allow_statuses=frozenset({404}))
        except errors.GraphError as err:
            log.warning("could not cancel an upload session (%s); it expires on its own", err)

    def _shown(self) -> str:
        return redact_path(self.http.url_for(self.item_path))


def _body(resp: GraphResponse) -> dict[str, Any]:
    return resp.body if isinstance(resp.body, dict) else {}


def _looks_expired(session: UploadSession, now: datetime) -> bool:
    return session.expires_at is None or session.expired(now)


def _range_start(ranges: Any) -> int | None:
    """The lowest start of ``nextExpectedRanges`` (``["12345-"]``, ``["0-99", "200-"]``)."""
    if not isinstance(ranges, list):
        return None
    starts = []
    for r in ranges:
        if isinstance(r, str) and r.split("-", 1)[0].strip().isdigit():
            starts.append(int(r.split("-", 1)[0]))
    return min(starts) if starts else None
