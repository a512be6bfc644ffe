"""Upload sessions on the wire (docs/failures.md#upload-sessions;
https://learn.microsoft.com/graph/api/driveitem-createuploadsession).

A small stateful fake upload endpoint stands behind `responses`: it keeps the bytes it accepted,
answers 202/201, 416 on overlap, 404 for sessions it forgot, and lets each test inject a fault.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
import responses

from connectors.graph import errors
from connectors.graph.drive import Drive
from connectors.graph.http import GraphHttp
from connectors.graph.upload import CHUNK_UNIT, MAX_REQUEST_BYTES, SessionUpload, validate_chunk_size
from tests.connectors.conftest import GRAPH, TOKEN, FakeClock

DRIVE = "b!t18F8ybsHUq1z3"
PARENT = "01PARENT"
NAME = "Stort underlag #2 100%.docx"
ENCODED = "Stort%20underlag%20%232%20100%25.docx"
CREATE_URL = f"{GRAPH}/drives/{DRIVE}/items/{PARENT}:/{ENCODED}:/createUploadSession"
UPLOAD_HOST = "https://contoso-my.sharepoint.com"
T0 = datetime(2025, 3, 4, 8, 0, tzinfo=timezone.utc)

Reply = tuple[int, dict[str, str], str]


@dataclass
class FakeSession:
    url: str
    expires: datetime
    received: bytearray = field(default_factory=bytearray)
    alive: bool = True


@dataclass
class PutSeen:
    session: int
    start: int
    end: int
    length: int
    authorization: str | None


class UploadServer:
    """createUploadSession + uploadUrl PUT/GET/DELETE, with a per-PUT fault hook."""

    def __init__(self, rsps: responses.RequestsMock, total: int, *, lifetime: timedelta = timedelta(hours=1)) -> None:
        self.total = total
        self.lifetime = lifetime
        self.now = T0
        self.sessions: list[FakeSession] = []
        self.puts: list[PutSeen] = []
        self.gets: list[int] = []
        self.deletes: list[int] = []
        self.create_bodies: list[dict[str, Any]] = []
        self.create_auth: list[str | None] = []
        # hook(server, session_index, start, end, chunk) -> a reply to send instead, or None
        self.hook: Callable[[UploadServer, int, int, int, bytes], Reply | None] | None = None
        self.final_reply: Reply | None = None
        rsps.add_callback(responses.POST, CREATE_URL, callback=self._create)
        pattern = re.compile(re.escape(UPLOAD_HOST) + r"/upload/(\d+)\?tempauth=x")
        rsps.add_callback(responses.PUT, pattern, callback=self._put)
        rsps.add_callback(responses.GET, pattern, callback=self._get)
        rsps.add_callback(responses.DELETE, pattern, callback=self._delete)

    @staticmethod
    def _json(status: int, body: Any) -> Reply:
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    def _index(self, request: Any) -> int:
        m = re.search(r"/upload/(\d+)", request.url)
        assert m
        return int(m.group(1))

    def _create(self, request: Any) -> Reply:
        self.create_bodies.append(json.loads(request.body))
        self.create_auth.append(request.headers.get("Authorization"))
        idx = len(self.sessions)
        url = f"{UPLOAD_HOST}/upload/{idx}?tempauth=x"
        expires = self.now + self.lifetime
        self.sessions.append(FakeSession(url, expires))
        return self._json(200, {"uploadUrl": url, "expirationDateTime": expires.isoformat().replace("+00:00", "Z"),
                                "nextExpectedRanges": ["0-"]})

    def _put(self, request: Any) -> Reply:
        idx = self._index(request)
        session = self.sessions[idx]
        m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", request.headers["Content-Range"])
        assert m, request.headers["Content-Range"]
        start, end, total = (int(g) for g in m.groups())
        body = request.body or b""
        assert int(m.group(3)) == self.total == total
        assert len(body) == end - start + 1 == int(request.headers["Content-Length"])
        self.puts.append(PutSeen(idx, start, end, len(body), request.headers.get("Authorization")))
        if not session.alive:
            return self._json(404, {"error": {"code": "itemNotFound", "message": "The upload session was not found"}})
        if request.headers.get("Authorization"):
            return self._json(401, {"error": {"code": "unauthenticated", "message": "no tokens here"}})
        if self.hook:
            reply = self.hook(self, idx, start, end + 1, body)
            if reply is not None:
                return reply
        if start != len(session.received):
            return self._json(416, {"error": {"code": "fragmentOverlap", "message": "overlap"}})
        session.received += body
        if len(session.received) == self.total:
            if self.final_reply is not None:
                return self.final_reply
            return self._json(201, {"id": "01NEWFILE", "name": NAME, "size": self.total,
                                    "parentReference": {"driveId": DRIVE, "id": PARENT},
                                    "file": {"mimeType": "application/octet-stream"}})
        return self._json(202, {"expirationDateTime": session.expires.isoformat(),
                                "nextExpectedRanges": [f"{len(session.received)}-"]})

    def _get(self, request: Any) -> Reply:
        idx = self._index(request)
        self.gets.append(idx)
        session = self.sessions[idx]
        if not session.alive:
            return self._json(404, {"error": {"code": "itemNotFound", "message": "gone"}})
        return self._json(200, {"expirationDateTime": session.expires.isoformat(),
                                "nextExpectedRanges": [f"{len(session.received)}-{self.total - 1}"]})

    def _delete(self, request: Any) -> Reply:
        idx = self._index(request)
        self.deletes.append(idx)
        self.sessions[idx].alive = False
        return 204, {}, ""



def sent_json(request: Any) -> Any:
    """The JSON body a request carried (``responses`` types bodies loosely)."""
    return json.loads(request.body)

def payload(size: int) -> bytes:
    return bytes((i * 7 + i // 251) % 256 for i in range(size))


@pytest.fixture
def drive(http: GraphHttp, clock: FakeClock) -> Drive:
    return Drive(http, simple_upload_limit=CHUNK_UNIT, chunk_size=CHUNK_UNIT,
                 now=lambda: SERVER_NOW[0], sleep=clock.sleep)


SERVER_NOW = [T0]


@pytest.fixture(autouse=True)
def _reset_now() -> None:
    SERVER_NOW[0] = T0


def stored(server: UploadServer, session: int = -1) -> bytes:
    return bytes(server.sessions[session].received)


# ---------------------------------------------------------------------------- happy path
def test_large_file_goes_in_320kib_chunks_without_authorization(drive: Drive, rsps: responses.RequestsMock) -> None:
    data = payload(CHUNK_UNIT * 2 + 1234)
    server = UploadServer(rsps, len(data))
    item = drive.upload(DRIVE, PARENT, NAME, data)
    assert item.id == "01NEWFILE" and item.drive_id == DRIVE and not item.is_folder
    assert [(p.start, p.length) for p in server.puts] == [(0, CHUNK_UNIT), (CHUNK_UNIT, CHUNK_UNIT),
                                                          (2 * CHUNK_UNIT, 1234)]
    assert all(p.length % CHUNK_UNIT == 0 for p in server.puts[:-1])
    assert all(p.authorization is None for p in server.puts)  # docs/failures.md#u1
    assert server.create_auth == [f"Bearer {TOKEN}"]                              # the POST is authenticated
    assert server.create_bodies == [{"item": {"@microsoft.graph.conflictBehavior": "replace", "name": NAME}}]
    assert stored(server) == data
    assert server.deletes == []                                                   # completed: nothing to cancel


def test_file_of_exactly_whole_chunks_has_no_trailing_empty_put(http: GraphHttp, rsps: responses.RequestsMock,
                                                                clock: FakeClock) -> None:
    drive = Drive(http, simple_upload_limit=0, chunk_size=CHUNK_UNIT, now=lambda: T0, sleep=clock.sleep)
    data = payload(CHUNK_UNIT * 2)
    server = UploadServer(rsps, len(data))
    drive.upload(DRIVE, PARENT, NAME, data)
    assert [p.length for p in server.puts] == [CHUNK_UNIT, CHUNK_UNIT]


def test_sub_chunk_file_in_a_session_is_one_put(http: GraphHttp, rsps: responses.RequestsMock, clock: FakeClock) -> None:
    drive = Drive(http, simple_upload_limit=0, chunk_size=CHUNK_UNIT, now=lambda: T0, sleep=clock.sleep)
    data = payload(1000)  # docs/failures.md#u8
    server = UploadServer(rsps, len(data))
    drive.upload(DRIVE, PARENT, NAME, data)
    assert [(p.start, p.end, p.length) for p in server.puts] == [(0, 999, 1000)]


def test_chunk_size_must_be_a_320kib_multiple_under_60mib(http: GraphHttp) -> None:
    assert validate_chunk_size(CHUNK_UNIT * 32) == 10 * 1024 * 1024
    # docs/failures.md#u6, docs/failures.md#u11
    for bad in (0, -CHUNK_UNIT, 2_000_000, CHUNK_UNIT + 1, MAX_REQUEST_BYTES):
        with pytest.raises(ValueError):
            validate_chunk_size(bad)
    with pytest.raises(ValueError, match="320 KiB"):
        Drive(http, chunk_size=5_000_000)
    with pytest.raises(ValueError, match="at least one byte"):
        SessionUpload(http, f"/drives/{DRIVE}", PARENT, "a.docx", b"", conflict="replace", chunk_size=CHUNK_UNIT)
    with pytest.raises(ValueError, match="conflict"):
        SessionUpload(http, f"/drives/{DRIVE}", PARENT, "a.docx", b"x", conflict="keep", chunk_size=CHUNK_UNIT)


# ---------------------------------------------------------------------------- resume and restart
def test_500_after_storing_then_416_resumes_from_the_server_offset(drive: Drive, rsps: responses.RequestsMock,
                                                                  clock: FakeClock) -> None:
    data = payload(CHUNK_UNIT * 3)
    server = UploadServer(rsps, len(data))
    state = {"done": False}

    def store_then_fail(srv: UploadServer, idx: int, start: int, end: int, chunk: bytes) -> Reply | None:
        if start == CHUNK_UNIT and not state["done"]:  # docs/failures.md#u2
            state["done"] = True
            srv.sessions[idx].received += chunk
            return srv._json(500, {"error": {"code": "generalException", "message": "oops"}})
        return None

    server.hook = store_then_fail
    drive.upload(DRIVE, PARENT, NAME, data)
    starts = [p.start for p in server.puts]
    # chunk 2 sent, 500 (stored), re-sent by the HTTP layer, 416, GET status, then chunk 3
    assert starts == [0, CHUNK_UNIT, CHUNK_UNIT, 2 * CHUNK_UNIT]
    assert server.gets == [0]
    assert stored(server) == data


def test_partial_fragment_resumes_at_an_unaligned_offset(drive: Drive, rsps: responses.RequestsMock) -> None:
    data = payload(CHUNK_UNIT * 2 + 500)
    server = UploadServer(rsps, len(data))
    kept = 12345
    state = {"done": False}

    def keep_part(srv: UploadServer, idx: int, start: int, end: int, chunk: bytes) -> Reply | None:
        if start == 0 and not state["done"]:  # docs/failures.md#u3
            state["done"] = True
            srv.sessions[idx].received += chunk[:kept]
            return srv._json(503, {"error": {"code": "serviceNotAvailable", "message": "busy"}})
        return None

    server.hook = keep_part
    drive.upload(DRIVE, PARENT, NAME, data)
    resumed = [p for p in server.puts if p.start == kept]
    assert resumed and resumed[0].length == CHUNK_UNIT                            # size still a multiple
    assert stored(server) == data


def test_lost_session_404_waits_asks_then_restarts_from_zero(drive: Drive, rsps: responses.RequestsMock,
                                                             clock: FakeClock) -> None:
    data = payload(CHUNK_UNIT * 2 + 10)
    server = UploadServer(rsps, len(data))

    def forget(srv: UploadServer, idx: int, start: int, end: int, chunk: bytes) -> Reply | None:
        if idx == 0 and start == CHUNK_UNIT:  # docs/failures.md#u4
            srv.sessions[0].alive = False
            return srv._json(404, {"error": {"code": "itemNotFound", "message": "The upload session was not found"}})
        return None

    server.hook = forget
    drive.upload(DRIVE, PARENT, NAME, data)
    assert len(server.sessions) == 2
    assert 5.0 in clock.sleeps                                                    # waited before believing it
    assert server.gets == [0]
    second = [p for p in server.puts if p.session == 1]
    assert [p.start for p in second] == [0, CHUNK_UNIT, 2 * CHUNK_UNIT]          # restart from byte 0
    assert stored(server, 1) == data


def test_416_on_a_session_that_then_vanishes_restarts(drive: Drive, rsps: responses.RequestsMock) -> None:
    data = payload(CHUNK_UNIT * 2)
    server = UploadServer(rsps, len(data))

    def overlap_then_gone(srv: UploadServer, idx: int, start: int, end: int, chunk: bytes) -> Reply | None:
        if idx == 0 and start == CHUNK_UNIT:
            srv.sessions[0].alive = False
            return srv._json(416, {"error": {"code": "fragmentOverlap", "message": "overlap"}})
        return None

    server.hook = overlap_then_gone
    drive.upload(DRIVE, PARENT, NAME, data)
    assert server.gets == [0] and len(server.sessions) == 2 and stored(server, 1) == data


def test_404_that_was_only_eventual_consistency_resumes_the_same_session(drive: Drive,
                                                                         rsps: responses.RequestsMock) -> None:
    data = payload(CHUNK_UNIT * 2)
    server = UploadServer(rsps, len(data))
    state = {"done": False}

    def flaky(srv: UploadServer, idx: int, start: int, end: int, chunk: bytes) -> Reply | None:
        if start == CHUNK_UNIT and not state["done"]:
            state["done"] = True
            return srv._json(404, {"error": {"code": "itemNotFound", "message": "not yet"}})
        return None

    server.hook = flaky
    drive.upload(DRIVE, PARENT, NAME, data)
    assert len(server.sessions) == 1 and stored(server) == data


def test_expired_session_is_replaced_before_the_next_chunk(drive: Drive, rsps: responses.RequestsMock) -> None:
    data = payload(CHUNK_UNIT * 2 + 7)
    server = UploadServer(rsps, len(data), lifetime=timedelta(minutes=30))

    def time_passes(srv: UploadServer, idx: int, start: int, end: int, chunk: bytes) -> Reply | None:
        if idx == 0 and start == 0:  # docs/failures.md#u5
            SERVER_NOW[0] = T0 + timedelta(minutes=31)
            srv.now = SERVER_NOW[0]
        return None

    server.hook = time_passes
    drive.upload(DRIVE, PARENT, NAME, data)
    assert len(server.sessions) == 2
    assert [p.session for p in server.puts] == [0, 1, 1, 1]
    assert server.deletes == [0]                                                  # the stale one is cancelled
    assert stored(server, 1) == data


def test_403_from_an_expired_tempauth_restarts(drive: Drive, rsps: responses.RequestsMock) -> None:
    data = payload(CHUNK_UNIT + 9)
    server = UploadServer(rsps, len(data), lifetime=timedelta(hours=1))

    def tempauth_expires(srv: UploadServer, idx: int, start: int, end: int, chunk: bytes) -> Reply | None:
        if idx == 0 and start == CHUNK_UNIT:  # docs/failures.md#u5, 403 flavour
            SERVER_NOW[0] = srv.now = T0 + timedelta(hours=2)
            return srv._json(403, {"error": {"code": "accessDenied", "message": "tempauth expired"}})
        return None

    server.hook = tempauth_expires
    drive.upload(DRIVE, PARENT, NAME, data)
    assert len(server.sessions) == 2 and stored(server, 1) == data


def test_403_on_a_live_session_is_not_mistaken_for_expiry(drive: Drive, rsps: responses.RequestsMock) -> None:
    data = payload(CHUNK_UNIT + 9)
    server = UploadServer(rsps, len(data), lifetime=timedelta(hours=1))
    server.hook = lambda srv, idx, start, end, chunk: srv._json(
        403, {"error": {"code": "accessDenied", "message": "blocked"}})
    with pytest.raises(errors.Forbidden):
        drive.upload(DRIVE, PARENT, NAME, data)
    assert len(server.sessions) == 1 and server.deletes == [0]


def test_restarts_are_bounded(drive: Drive, rsps: responses.RequestsMock) -> None:
    data = payload(CHUNK_UNIT + 9)
    server = UploadServer(rsps, len(data), lifetime=timedelta(seconds=30))  # born inside the margin
    with pytest.raises(errors.GraphError, match="new sessions: the upload session expired"):
        drive.upload(DRIVE, PARENT, NAME, data)
    assert len(server.sessions) == 3 and server.puts == []
    assert server.deletes == [0, 1, 2]


def test_persistent_5xx_on_last_fragment_restarts_once_then_fails_and_deletes(
        http: GraphHttp, rsps: responses.RequestsMock, clock: FakeClock) -> None:
    from connectors.graph.upload import UploadLimits
    drive = Drive(http, simple_upload_limit=0, chunk_size=CHUNK_UNIT, now=lambda: T0, sleep=clock.sleep,
                  upload_limits=UploadLimits(max_restarts=1))
    data = payload(CHUNK_UNIT + 50)
    server = UploadServer(rsps, len(data))

    def last_fails(srv: UploadServer, idx: int, start: int, end: int, chunk: bytes) -> Reply | None:
        if end == srv.total:  # docs/failures.md#u7
            return srv._json(500, {"error": {"code": "generalException", "message": "commit failed"}})
        return None

    server.hook = last_fails
    with pytest.raises(errors.GraphError, match="gave up uploading after 1 new sessions"):
        drive.upload(DRIVE, PARENT, NAME, data)
    assert len(server.sessions) == 2
    assert server.deletes == [0, 1]  # docs/failures.md#u12: nothing left behind


def test_connection_drop_mid_chunk_is_retried(drive: Drive, rsps: responses.RequestsMock) -> None:
    data = payload(CHUNK_UNIT * 2)
    server = UploadServer(rsps, len(data))
    state = {"done": False}

    def drop(srv: UploadServer, idx: int, start: int, end: int, chunk: bytes) -> Reply | None:
        if start == CHUNK_UNIT and not state["done"]:  # docs/failures.md#u12: bytes lost
            state["done"] = True
            raise requests.ConnectionError("connection reset by peer")
        return None

    server.hook = drop
    drive.upload(DRIVE, PARENT, NAME, data)
    assert [p.start for p in server.puts] == [0, CHUNK_UNIT, CHUNK_UNIT]
    assert stored(server) == data


# ---------------------------------------------------------------------------- conflicts and quota
def test_409_at_last_fragment_is_committed_under_the_policy(drive: Drive, rsps: responses.RequestsMock) -> None:
    data = payload(CHUNK_UNIT + 3)
    server = UploadServer(rsps, len(data))
    server.final_reply = server._json(409, {"error": {"code": "upload_name_conflict",  # docs/failures.md#u9
                                                      "message": "Another file exists"}})
    commit_url = f"{GRAPH}/drives/{DRIVE}/items/{PARENT}:/{ENCODED}:"
    rsps.add(responses.PUT, commit_url, json={"id": "01COMMITTED", "name": NAME, "file": {}}, status=201)
    item = drive.upload(DRIVE, PARENT, NAME, data, conflict="rename")
    assert item.id == "01COMMITTED"
    commit = [c for c in rsps.calls if c.request.url == commit_url][0]
    assert sent_json(commit.request) == {
        "name": NAME, "@microsoft.graph.conflictBehavior": "rename",
        "@microsoft.graph.sourceUrl": server.sessions[0].url}
    assert commit.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert server.create_bodies[0]["item"]["@microsoft.graph.conflictBehavior"] == "rename"
    assert server.deletes == []


def test_409_at_last_fragment_with_fail_policy_raises_and_cancels(drive: Drive, rsps: responses.RequestsMock) -> None:
    data = payload(CHUNK_UNIT + 3)
    server = UploadServer(rsps, len(data))
    server.final_reply = server._json(409, {"error": {"code": "nameAlreadyExists", "message": "exists"}})
    with pytest.raises(errors.Conflict):
        drive.upload(DRIVE, PARENT, NAME, data, conflict="fail")
    assert server.deletes == [0]


def test_507_at_session_creation_is_permanent(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, CREATE_URL, status=507,  # docs/failures.md#u10
             json={"error": {"code": "quotaLimitReached", "message": "Insufficient Space Available"}})
    with pytest.raises(errors.InsufficientStorage) as err:
        drive.upload(DRIVE, PARENT, NAME, payload(CHUNK_UNIT + 1))
    assert err.value.outcome is errors.Outcome.PERMANENT
    assert len(rsps.calls) == 1


def test_507_on_a_chunk_cancels_the_session(drive: Drive, rsps: responses.RequestsMock) -> None:
    data = payload(CHUNK_UNIT * 2)
    server = UploadServer(rsps, len(data))
    server.hook = lambda srv, idx, start, end, chunk: srv._json(
        507, {"error": {"code": "quotaLimitReached", "message": "full"}}) if start > 0 else None
    with pytest.raises(errors.InsufficientStorage):
        drive.upload(DRIVE, PARENT, NAME, data)
    assert server.deletes == [0]


def test_authorization_on_the_upload_url_would_be_refused(rsps: responses.RequestsMock) -> None:
    """The fake itself refuses bearer tokens (docs/failures.md#u1), so the tests above would catch a leak."""
    server = UploadServer(rsps, 10)
    server.sessions.append(FakeSession(f"{UPLOAD_HOST}/upload/0?tempauth=x", T0))
    resp = requests.put(server.sessions[0].url, data=b"0123456789",
                        headers={"Content-Range": "bytes 0-9/10", "Authorization": "Bearer t"})
    assert resp.status_code == 401


def test_a_large_replace_if_unchanged_sends_if_match_on_the_session(drive: Drive, rsps: responses.RequestsMock) -> None:
    data = payload(CHUNK_UNIT + 10)
    server = UploadServer(rsps, len(data))
    item = Drive.item_from({"id": "01OLD", "name": NAME, "eTag": '"{01OLD},2"', "file": {},
                            "parentReference": {"driveId": DRIVE, "id": PARENT}}, DRIVE)
    seen: list[str | None] = []
    real = server._create

    def create(request: Any) -> Reply:
        seen.append(request.headers.get("If-Match"))
        return real(request)
    rsps.remove(responses.POST, CREATE_URL)
    rsps.add_callback(responses.POST, CREATE_URL, callback=create)
    drive.replace_if_unchanged(item, data)
    assert seen == ['"{01OLD},2"'] and stored(server) == data
    assert server.create_bodies == [{"item": {"@microsoft.graph.conflictBehavior": "replace", "name": NAME}}]
