"""Faults reproduced from a seed number; concurrency; early retries; drops; expiry."""
from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests

from connectors.sandbox import FaultSpec, FaultSpecError, Sandbox
from connectors.sandbox.faults import FaultEngine
from tests.sandbox.conftest import SEED


def _session() -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = "Bearer t"
    return s


def _statuses(spec: str, n: int = 60) -> list[tuple[int, str]]:
    sb = Sandbox.from_seed(SEED, faults=FaultSpec.parse(spec))
    out = []
    with sb.serve() as server:
        s = _session()
        for i in range(n):
            r = s.get(f"{server.graph_url}/users/per.lind@example.se", params={"$select": f"id,displayName{',mail' * (i % 3)}"})
            out.append((r.status_code, r.headers.get("Retry-After", "")))
            if r.status_code in (429, 503):  # a well-behaved client waits as told
                time.sleep(float(r.headers["Retry-After"]))
        stats = sb.stats()
    assert stats["throttled"] == sum(1 for s, _ in out if s == 429)
    return out


def test_same_seed_same_faults() -> None:
    spec = "throttle=0.3,unavailable=0.2,retry_after=0.02,seed=11"
    first, second = _statuses(spec), _statuses(spec)
    assert first == second
    assert {s for s, _ in first} >= {200, 429, 503}
    assert first != _statuses(spec.replace("seed=11", "seed=12"))


def test_retry_after_whole_and_fractional() -> None:
    engine = FaultEngine(FaultSpec.parse("throttle=0.5,retry_after=1,seed=3"))
    fates = [engine.draw("GET", f"/v1.0/users/{i}", "directory", f"key-{i}") for i in range(80)]
    values = [f.retry_after for f in fates if f.status == 429]
    assert any("." in v for v in values) and any("." not in v for v in values)
    assert all(0 < float(v) <= 1 for v in values)


def test_early_retry_is_punished() -> None:
    sb = Sandbox.from_seed(SEED, faults=FaultSpec.parse("throttle.directory=1,retry_after=0.3,seed=1"))
    with sb.serve() as server:
        s = _session()
        url = f"{server.graph_url}/users"
        first = s.get(url)
        assert first.status_code == 429
        early = s.get(url + "?$top=5")
        assert early.status_code == 429 and "Retry-After" in early.headers
        assert "before the Retry-After" in early.json()["error"]["message"]
        sb.set_faults(FaultSpec.parse("seed=1"))
        time.sleep(0.05)
        assert s.get(url).status_code == 200


def test_per_route_override_only_hits_that_group() -> None:
    sb = Sandbox.from_seed(SEED, faults=FaultSpec.parse("unavailable.calendar=1,seed=2"))
    with sb.serve() as server:
        s = _session()
        assert s.get(f"{server.graph_url}/users").status_code == 200
        assert s.get(f"{server.graph_url}/users/per.lind@example.se/events").status_code == 503


def test_batch_items_throttled_individually() -> None:
    sb = Sandbox.from_seed(SEED, faults=FaultSpec.parse("throttle.calendar=1,seed=2"))
    with sb.serve() as server:
        r = _session().post(f"{server.graph_url}/$batch", json={"requests": [
            {"id": "a", "method": "GET", "url": "/users/per.lind@example.se/events"},
            {"id": "b", "method": "GET", "url": "/users/per.lind@example.se"}]})
        assert r.status_code == 200
        items = {x["id"]: x for x in r.json()["responses"]}
        assert items["a"]["status"] == 429 and "Retry-After" in items["a"]["headers"]
        assert items["b"]["status"] == 200
        assert sb.stats()["requests"] == 2


def test_drop_happens_after_the_write() -> None:
    sb = Sandbox.from_seed(SEED, faults=FaultSpec.parse("drop=1,seed=5"))
    with sb.serve() as server:
        s = _session()
        event = {"subject": "x", "transactionId": "tx-drop",
                 "start": {"dateTime": "2027-02-10T09:00:00", "timeZone": "UTC"},
                 "end": {"dateTime": "2027-02-10T10:00:00", "timeZone": "UTC"}}
        with pytest.raises(requests.ConnectionError):
            s.post(f"{server.graph_url}/users/anna.berg@example.se/events", json=event)
        sb.set_faults(FaultSpec.parse("seed=5"))
        again = _session().post(f"{server.graph_url}/users/anna.berg@example.se/events", json=event)
        assert again.status_code == 201
        assert len(sb.tenant.data["events"][sb.tenant.user("anna.berg@example.se")["id"]]) == 1
        assert sb.stats()["dropped"] == 1


def test_mailbox_concurrency_limit() -> None:
    sb = Sandbox.from_seed(SEED, faults=FaultSpec.parse("latency_ms.calendar=150,seed=1"))
    results: list[int] = []
    with sb.serve() as server:
        def hit() -> None:
            r = _session().get(f"{server.graph_url}/users/per.lind@example.se/events")
            results.append(r.status_code)
            if r.status_code == 429:
                assert "MailboxConcurrency" in r.json()["error"]["message"]
        threads = [threading.Thread(target=hit) for _ in range(7)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats: dict[str, Any] = sb.stats()
    assert results.count(200) == 4 and results.count(429) == 3
    assert stats["max_concurrent_per_mailbox"] == 4 and stats["mailbox_concurrency_429"] == 3


def test_upload_session_expires() -> None:
    sb = Sandbox.from_seed(SEED, faults=FaultSpec.parse("upload_expiry_s=0.2"))
    with sb.serve() as server:
        s = _session()
        d = s.get(f"{server.graph_url}/users/per.lind@example.se/drive").json()["id"]
        url = s.post(f"{server.graph_url}/drives/{d}/root:/f.docx:/createUploadSession", json={}).json()["uploadUrl"]
        assert requests.get(url, timeout=5).status_code == 200
        time.sleep(0.3)
        r = requests.put(url, data=b"abc", headers={"Content-Range": "bytes 0-2/3"}, timeout=5)
        assert r.status_code == 404 and r.json()["error"]["code"] == "itemNotFound"


def test_empty_pages_still_carry_next_link() -> None:
    sb = Sandbox.from_seed(SEED, faults=FaultSpec.parse("empty_page=1"))
    with sb.serve() as server:
        s = _session()
        ids, url, empties = [], f"{server.graph_url}/users?$top=2", 0
        while url:
            body = s.get(url).json()
            empties += not body["value"]
            ids += [u["id"] for u in body["value"]]
            url = body.get("@odata.nextLink")
        assert empties == 2 and len(set(ids)) == 5


def test_fault_spec_errors_name_the_problem() -> None:
    for bad, word in (("throttle=2", "throttle"), ("nonsense=1", "nonsense"), ("throttle.teams=0.1", "teams"), ("drop", "drop")):
        with pytest.raises(FaultSpecError, match=word):
            FaultSpec.parse(bad)
