"""Concurrent clients keep the state consistent; a saved state loads back identically."""
from __future__ import annotations

import random
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from connectors.sandbox import Sandbox
from tests.sandbox.conftest import SEED

CLIENTS = 32
TOTAL = 10_000


def test_32_clients_10000_mixed_requests_leave_consistent_state() -> None:
    sb = Sandbox.from_seed(SEED)
    users = ["anna.berg@example.se", "per.lind@example.se", "asa.oberg@example.se"]
    created: Counter[str] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    with sb.serve() as server:
        g = server.graph_url
        drive = requests.get(f"{g}/users/anna.berg@example.se/drive", headers={"Authorization": "Bearer t"}, timeout=5).json()["id"]

        def client(n: int) -> None:
            rng = random.Random(n)
            s = requests.Session()
            s.headers["Authorization"] = "Bearer t"
            for i in range(TOTAL // CLIENTS + (1 if n < TOTAL % CLIENTS else 0)):
                kind = rng.random()
                user = users[rng.randrange(len(users))]
                if kind < 0.5:
                    r = s.get(f"{g}/users/{user}", timeout=10)
                    ok = r.status_code == 200
                elif kind < 0.7:
                    r = s.post(f"{g}/users/{user}/events", json={
                        "subject": f"c{n}-{i}", "transactionId": f"c{n}-{i}",
                        "start": {"dateTime": "2027-02-10T09:00:00", "timeZone": "UTC"},
                        "end": {"dateTime": "2027-02-10T09:30:00", "timeZone": "UTC"}}, timeout=10)
                    ok = r.status_code in (201, 429)
                    if r.status_code == 201:
                        with lock:
                            created[user] += 1
                elif kind < 0.9:
                    r = s.put(f"{g}/drives/{drive}/root:/c{n}/f{i % 7}.txt:/content", data=f"{n}-{i}".encode(), timeout=10)
                    ok = r.status_code in (200, 201)
                else:
                    r = s.get(f"{g}/users/{user}/events?$top=5", timeout=10)
                    ok = r.status_code in (200, 429)
                if not ok:
                    with lock:
                        failures.append(f"{r.request.method} {r.url} -> {r.status_code} {r.text[:200]}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats: dict[str, Any] = sb.stats()
    assert failures == []
    assert stats["requests"] == TOTAL + 1
    for user, count in created.items():
        box = sb.tenant.data["events"][sb.tenant.user(user)["id"]]
        assert len(box) == count
    items = sb.tenant.data["drives"][drive]["items"]
    files = [i for i in items.values() if not i["folder"]]
    assert len({(i["parentId"], i["name"].lower()) for i in files}) == len(files)  # no duplicate names
    assert len(files) <= CLIENTS * 7
    assert stats["max_concurrent_per_mailbox"] <= 4


def test_save_load_round_trip(tmp_path: Path) -> None:
    sb = Sandbox.from_seed(SEED)
    with sb.serve() as server:
        s = requests.Session()
        s.headers["Authorization"] = "Bearer t"
        g = server.graph_url
        s.post(f"{g}/users/anna.berg@example.se/events", json={
            "subject": "x", "attendees": [{"emailAddress": {"address": "per.lind@example.se"}}],
            "start": {"dateTime": "2027-02-10T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2027-02-10T10:00:00", "timeZone": "UTC"}})
        d = s.get(f"{g}/users/anna.berg@example.se/drive").json()["id"]
        s.put(f"{g}/drives/{d}/root:/a/b.docx:/content", data=b"\x00\x01binary")
        site = s.get(f"{g}/sites/example.sharepoint.com:/sites/hr").json()["id"]
        lst = s.post(f"{g}/sites/{site}/lists", json={"displayName": "L", "columns": [{"name": "K", "text": {}}]}).json()["id"]
        s.post(f"{g}/sites/{site}/lists/{lst}/items", json={"fields": {"K": "v"}})
        before = s.get(f"{g}/users/per.lind@example.se/events").json()["value"]
    first, second = tmp_path / "one.json", tmp_path / "two.json"
    sb.save(first)
    loaded = Sandbox.load(first)
    loaded.save(second)
    assert first.read_bytes() == second.read_bytes()
    assert loaded.tenant.blobs == sb.tenant.blobs and loaded.tenant.data == sb.tenant.data
    with loaded.serve() as server:
        after = requests.get(f"{server.graph_url}/users/per.lind@example.se/events", headers={"Authorization": "Bearer t"}, timeout=5).json()["value"]
    assert [e["id"] for e in after] == [e["id"] for e in before]
