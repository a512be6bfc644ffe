"""A ``$batch`` takes as long as Graph takes to run its items (``latency_ms``): one request's
latency at least (the envelope is a round trip), the items in parallel, but Outlook's four at a
time and a ``dependsOn`` chain one after the other. Only lower bounds on wall time are asserted
(a loaded machine is only ever slower)."""
from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests

from connectors.sandbox import FaultSpec, Sandbox
from connectors.sandbox.batch import execution_time
from tests.sandbox.conftest import SEED


def _session() -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = "Bearer t"
    return s


def _gets(urls: list[str], chain: bool = False) -> dict[str, Any]:
    return {"requests": [{"id": str(i), "method": "GET", "url": url,
                          **({"dependsOn": [str(i - 1)]} if chain and i else {})} for i, url in enumerate(urls)]}


USERS = ["/users/per.lind@example.se", "/users/anna.berg@example.se", "/users/asa.oberg@example.se"]
EVENTS = [f"/users/{u}/events" for u in ("per.lind@example.se", "anna.berg@example.se")] * 4  # 8 Outlook items


@pytest.mark.parametrize(("items", "expected"), [
    ([], 0.0),
    ([(0.05, False, [])] * 20, 0.05),  # independent items run side by side
    ([(0.05, True, [])] * 4, 0.05),  # up to four go to Outlook at a time ...
    ([(0.05, True, [])] * 8, 0.10),  # ... the next four when those are done
    ([(0.05, True, [])] * 20, 0.25),
    ([(0.05, False, []), (0.05, False, [0]), (0.05, False, [1])], 0.15),  # dependsOn: one after the other
    ([(0.05, False, []), (0.05, False, []), (0.02, False, [0, 1])], 0.07),
    ([(0.01, False, []), (0.05, True, [])], 0.05),  # each item its own group's latency
])
def test_execution_time_of_a_batch(items: list[tuple[float, bool, list[int]]], expected: float) -> None:
    assert execution_time(items) == pytest.approx(expected)


def _timed(sandbox: Sandbox, body: dict[str, Any]) -> tuple[float, list[int]]:
    with sandbox.serve() as server:
        s = _session()
        s.post(f"{server.graph_url}/$batch", json=_gets(["/users/per.lind@example.se"]), timeout=30)  # warm up
        started = time.perf_counter()
        r = s.post(f"{server.graph_url}/$batch", json=body, timeout=30)
        elapsed = time.perf_counter() - started
    return elapsed, [a["status"] for a in r.json()["responses"]]


def test_the_envelope_gets_the_latency_once() -> None:
    sandbox = Sandbox.from_seed(SEED, faults=FaultSpec.parse("latency_ms=300,seed=1"))
    elapsed, statuses = _timed(sandbox, _gets(USERS))
    assert statuses == [200, 200, 200]
    assert elapsed >= 0.3  # one round trip; before, a batch was answered at once


def test_outlook_items_run_four_at_a_time_and_a_chain_in_order() -> None:
    sandbox = Sandbox.from_seed(SEED, faults=FaultSpec.parse("latency_ms=150,seed=1"))
    elapsed, statuses = _timed(sandbox, _gets(EVENTS))
    assert statuses == [200] * 8 and elapsed >= 0.3  # two waves of four
    elapsed, _ = _timed(sandbox, _gets(USERS, chain=True))
    assert elapsed >= 0.45  # three in a row


def test_a_batch_waiting_out_its_latency_holds_up_no_one() -> None:
    sandbox = Sandbox.from_seed(SEED, faults=FaultSpec.parse("latency_ms=0,latency_ms.drives=1500,seed=1"))
    done: dict[str, float] = {}
    with sandbox.serve() as server:
        def batch() -> None:
            _session().post(f"{server.graph_url}/$batch", json=_gets(["/users/per.lind@example.se/drive"]), timeout=30)
            done["batch"] = time.perf_counter()
        worker = threading.Thread(target=batch)
        worker.start()
        time.sleep(0.2)  # the batch is waiting out its latency now
        assert _session().get(f"{server.graph_url}/users", timeout=30).status_code == 200
        done["direct"] = time.perf_counter()
        worker.join()
    assert done["direct"] < done["batch"]  # the tenant lock is not held while a batch waits
