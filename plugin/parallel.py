"""Worker threads for one pass, shared by its parallel steps.

A step hands its items to a fixed set of threads that take them one at a time from a shared
iterator. That costs one task per thread rather than one future per item, and the threads live
as long as the pass: starting 64 threads for every step, and a future with its locks for every
one of 2,000 items, kept the main thread waiting on lock hand-offs for seconds per step under
the GIL (measured with cProfile on bench/round.py: 12 s of 47 in ``submit``).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TypeVar

_T = TypeVar("_T")
_inside = threading.local()


class WorkerPool:
    """``workers`` threads, started on first use; :meth:`close` ends them."""

    def __init__(self, workers: int, *, name: str = "samtal") -> None:
        if workers < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.workers = workers
        self._name = name
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def run(self, items: Sequence[_T], fn: Callable[[_T], None],
            advance: Callable[[int], None] | None = None,
            weight: Callable[[_T], int] | None = None) -> None:
        """``fn`` on every item, ``workers`` at a time; ``advance(n)`` is called on this thread
        as items finish, ``n`` counting each item as ``weight(item)`` (default 1: a batch of
        talks counts as its talks). The first exception stops the hand-out of further items and is raised
        here once the items already started have finished. Called from inside one of the pool's
        own items, the items run one by one on that thread (no deadlock on a full pool)."""
        if not items:
            return
        if getattr(_inside, "active", False):
            for item in items:
                fn(item)
                if advance is not None:
                    advance(weight(item) if weight is not None else 1)
            return
        state = threading.Lock()
        source = iter(items)
        failures: list[BaseException] = []
        finished = [0]

        def loop() -> None:
            _inside.active = True
            try:
                while True:
                    with state:
                        if failures:
                            return
                        item = next(source, _END)
                    if item is _END:
                        return
                    try:
                        fn(item)  # type: ignore[arg-type]
                    except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                        with state:
                            failures.append(exc)
                        return
                    done = weight(item) if weight is not None else 1  # type: ignore[arg-type]
                    with state:
                        finished[0] += done
            finally:
                _inside.active = False

        pool = self._executor()
        futures = [pool.submit(loop) for _ in range(min(self.workers, len(items)))]
        reported = 0
        try:
            pending = set(futures)
            while pending:
                _, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
                reported = self._report(finished, state, reported, advance)
        except BaseException:
            with state:  # Ctrl-C: let the items in hand finish, start no more
                failures.append(KeyboardInterrupt())
            raise
        if failures:
            raise failures[0]

    @staticmethod
    def _report(finished: list[int], state: threading.Lock, reported: int,
                advance: Callable[[int], None] | None) -> int:
        with state:
            now = finished[0]
        if advance is not None and now > reported:
            advance(now - reported)
        return now

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix=self._name)
            return self._pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


_END = object()
