"""Concurrent clients keep the state consistent; a saved state loads back identically."""
from __future__ import annotations

import http.client
import json
import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from connectors.sandbox import Sandbox
from tests.sandbox.conftest import SEED

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 32
TOTAL = 10_000


def _serve_in_subprocess(state: Path) -> tuple[subprocess.Popen[str], int]:
    """The sandbox in its own process (its own GIL), as `samtal sandbox` runs it."""
    proc = subprocess.Popen([sys.executable, "-m", "plugin.cli", "sandbox", "--seed", str(SEED), "--port", "0",
                             "--state", str(state)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("listening on http://127.0.0.1:"), line
    return proc, int(line.strip().rsplit(":", 1)[1])


def test_32_clients_10000_mixed_requests_leave_consistent_state(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    proc, port = _serve_in_subprocess(state)
    users = ["anna.berg@example.se", "per.lind@example.se", "asa.oberg@example.se"]
    created: Counter[str] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    auth = {"Authorization": "Bearer t", "Content-Type": "application/json"}
    try:
        drive = requests.get(f"http://127.0.0.1:{port}/v1.0/users/anna.berg@example.se/drive", headers=auth, timeout=5).json()["id"]

        def client(n: int) -> None:
            # Keep-alive connections from the standard library: cheap enough that 32 client threads
            # in this process do not hide the server's own speed.
            rng = random.Random(n)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for i in range(TOTAL // CLIENTS + (1 if n < TOTAL % CLIENTS else 0)):
                kind = rng.random()
                user = users[rng.randrange(len(users))]
                body: bytes | None = None
                if kind < 0.5:
                    method, path, good = "GET", f"/v1.0/users/{user}", (200,)
                elif kind < 0.7:
                    method, path, good = "POST", f"/v1.0/users/{user}/events", (201, 429)
                    body = json.dumps({"subject": f"c{n}-{i}", "transactionId": f"c{n}-{i}",
                                       "start": {"dateTime": "2027-02-10T09:00:00", "timeZone": "UTC"},
                                       "end": {"dateTime": "2027-02-10T09:30:00", "timeZone": "UTC"}}).encode()
                elif kind < 0.9:
                    method, path, good = "PUT", f"/v1.0/drives/{drive}/root:/c{n}/f{i % 7}.txt:/content", (200, 201)
                    body = f"{n}-{i}".encode()
                else:
                    method, path, good = "GET", f"/v1.0/users/{user}/events?$top=5", (200, 429)
                conn.request(method, path, body=body, headers=auth)
                response = conn.getresponse()
                text = response.read()
                if response.status not in good:
                    with lock:
                        failures.append(f"{method} {path} -> {response.status} {text[:200]!r}")
                elif method == "POST" and response.status == 201:
                    with lock:
                        created[user] += 1
            conn.close()

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats: dict[str, Any] = requests.get(f"http://127.0.0.1:{port}/_sandbox/stats", timeout=5).json()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    assert failures == []
    assert stats["requests"] == TOTAL + 1
    assert stats["max_concurrent_per_mailbox"] <= 4
    sb = Sandbox.load(state)
    for user, count in created.items():
        assert len(sb.tenant.data["events"][sb.tenant.user(user)["id"]]) == count
    items = sb.tenant.data["drives"][drive]["items"]
    files = [i for i in items.values() if not i["folder"]]
    assert len({(i["parentId"], i["name"].lower()) for i in files}) == len(files)  # no duplicate names
    assert len(files) <= CLIENTS * 7
    written = {i["id"]: sb.tenant.blobs[i["id"]] for i in files}
    assert all(b"-" in data for data in written.values())  # every file holds one whole write


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
