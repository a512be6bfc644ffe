"""Sandbox throughput: simple reads and writes per second, no injected latency.

The sandbox runs in its own process pinned to one core (``os.sched_setaffinity`` where
available); keep-alive clients (``http.client``, one connection per client thread) run in this
process. Prints one line per workload: requests, seconds, requests per second. Target
(docs/architecture.md#bench): at least 1,000 requests per second.

    .venv/bin/python bench/sandbox_throughput.py [--requests 6000] [--clients 8]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "sandbox" / "seed.yaml"
AUTH = {"Authorization": "Bearer bench", "Content-Type": "application/json"}


def start_server() -> tuple[subprocess.Popen[str], int]:
    cmd = [sys.executable, "-m", "plugin.cli", "sandbox", "--seed", str(SEED), "--port", "0"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            preexec_fn=(lambda: os.sched_setaffinity(0, {0})) if hasattr(os, "sched_setaffinity") else None)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        raise SystemExit(f"sandbox did not start: {line!r}")
    return proc, int(line.rsplit(":", 1)[1])


def run(port: int, total: int, clients: int, make: Callable[[int, int], tuple[str, str, bytes | None]]) -> float:
    per = total // clients
    errors: list[str] = []

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(per):
            method, path, body = make(n, i)
            conn.request(method, path, body=body, headers=AUTH)
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                errors.append(f"{method} {path} -> {response.status}")
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"{len(errors)} errors, first: {errors[0]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    proc, port = start_server()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", "/v1.0/users/anna.berg@example.se/drive", headers=AUTH)
        drive = json.loads(conn.getresponse().read())["id"]
        event = json.dumps({"subject": "bench", "start": {"dateTime": "2027-02-10T09:00:00", "timeZone": "UTC"},
                            "end": {"dateTime": "2027-02-10T09:30:00", "timeZone": "UTC"}}).encode()
        workloads: dict[str, Callable[[int, int], tuple[str, str, bytes | None]]] = {
            "read  GET /users/{upn}": lambda n, i: ("GET", "/v1.0/users/per.lind@example.se?$select=id,displayName", None),
            "read  GET /users?$top=5": lambda n, i: ("GET", "/v1.0/users?$top=5", None),
            "write POST /users/{upn}/events": lambda n, i: ("POST", f"/v1.0/users/{['per.lind', 'anna.berg', 'asa.oberg'][i % 3]}@example.se/events", event),
            "write PUT  drive file content": lambda n, i: ("PUT", f"/v1.0/drives/{drive}/root:/b{n}/f{i % 20}.txt:/content", b"bench"),
            "write PATCH list item fields": lambda n, i: ("PATCH", "LIST", None),
        }
        conn.request("GET", "/v1.0/sites/example.sharepoint.com:/sites/hr", headers=AUTH)
        site = json.loads(conn.getresponse().read())["id"]
        conn.request("POST", f"/v1.0/sites/{site}/lists", headers=AUTH, body=json.dumps(
            {"displayName": "Bench", "columns": [{"name": "Status", "text": {}}]}).encode())
        lst = json.loads(conn.getresponse().read())["id"]
        for n in range(args.clients):
            conn.request("POST", f"/v1.0/sites/{site}/lists/{lst}/items", headers=AUTH, body=b'{"fields": {"Status": "new"}}')
            conn.getresponse().read()
        workloads["write PATCH list item fields"] = lambda n, i: (
            "PATCH", f"/v1.0/sites/{site}/lists/{lst}/items/{n + 1}/fields", json.dumps({"Status": f"s{i}"}).encode())
        print(f"sandbox throughput, {args.clients} keep-alive clients, server pinned to one core, no injected latency")
        for name, make in workloads.items():
            seconds = run(port, args.requests, args.clients, make)
            done = args.requests // args.clients * args.clients
            print(f"{name:34s} {done:6d} requests {seconds:6.2f} s {done / seconds:8.0f} req/s")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
