"""The pass's worker pool: every item once, progress counted, first failure stops the hand-out."""
from __future__ import annotations

import threading
import time

import pytest

from plugin.parallel import WorkerPool


def test_every_item_runs_once_and_progress_adds_up() -> None:
    pool = WorkerPool(8)
    seen: list[int] = []
    lock = threading.Lock()
    advanced: list[int] = []

    def fn(i: int) -> None:
        with lock:
            seen.append(i)

    try:
        pool.run(list(range(500)), fn, advanced.append)
        pool.run(list(range(500, 510)), fn, advanced.append)  # the same threads again
    finally:
        pool.close()
    assert sorted(seen) == list(range(510))
    assert sum(advanced) == 510


def test_no_more_than_workers_at_once() -> None:
    pool = WorkerPool(3)
    running = [0]
    most = [0]
    lock = threading.Lock()

    def fn(_: int) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1

    try:
        pool.run(list(range(30)), fn)
    finally:
        pool.close()
    assert most[0] == 3


def test_first_failure_is_raised_and_stops_the_hand_out() -> None:
    pool = WorkerPool(2)
    started: list[int] = []

    def fn(i: int) -> None:
        started.append(i)
        if i == 3:
            raise RuntimeError("consent withdrawn")
        time.sleep(0.005)

    try:
        with pytest.raises(RuntimeError, match="consent withdrawn"):
            pool.run(list(range(200)), fn)
    finally:
        pool.close()
    assert 3 in started and len(started) < 20


def test_a_step_inside_an_item_runs_inline_instead_of_waiting_for_a_full_pool() -> None:
    pool = WorkerPool(2)
    out: list[tuple[int, int]] = []
    lock = threading.Lock()

    def inner(pair: tuple[int, int]) -> None:
        with lock:
            out.append(pair)

    def outer(i: int) -> None:
        pool.run([(i, j) for j in range(3)], inner)

    try:
        pool.run(list(range(4)), outer)
    finally:
        pool.close()
    assert sorted(out) == [(i, j) for i in range(4) for j in range(3)]


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError):
        WorkerPool(0)
