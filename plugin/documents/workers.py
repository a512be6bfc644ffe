"""Reading and rendering many documents on the machine's other cores.

Reading a form (unzip, parse, walk the controls: ≈ 1–2 ms) and rendering a document (≈ 0.5–1 ms)
are pure CPU, and a pass over a large round does thousands while its threads wait on the network
under one GIL. :class:`DocumentWorkers` hands groups of documents to worker processes when the
machine has a core to spare, and does them in the calling thread otherwise. A form that cannot be
read comes back as its :class:`DocumentError` message; any other failure is raised to the caller
as it would be in-thread.

The workers belong to the process that started them. Ctrl-C is the parent's to handle (it
stops the pass and prints one line): a worker ignores SIGINT, which the terminal sends to the
whole foreground process group, so it never prints a ``KeyboardInterrupt`` traceback of its
own. It ignores it from its first instruction: the workers are started at once, with SIGINT
ignored in the parent for the moment it takes to spawn them (an ignored signal is inherited
through ``exec``, and Python keeps SIGINT ignored when it starts so); a pool started off the
main thread, where that is not possible, ignores it as the worker's first act. And a worker
ends when its parent does, even by SIGKILL: a thread in it waits on the pipe the parent holds
open (``multiprocessing.parent_process()``'s sentinel) and ends the worker at its EOF.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.process import BaseProcess
from pathlib import Path

from plugin.documents.model import DocumentError, FormReading, TalkContext
from plugin.documents.read import read_form
from plugin.documents.render import render_form, render_prep_guide

Reading = FormReading | DocumentError


def _read_all(datas: Sequence[bytes], templates_dir: str | None) -> list[FormReading | str]:
    """In a worker: each form read, or the message of the :class:`DocumentError` it raised."""
    folder = Path(templates_dir) if templates_dir else None
    out: list[FormReading | str] = []
    for data in datas:
        try:
            out.append(read_form(data, templates_dir=folder))
        except DocumentError as err:
            out.append(str(err) or type(err).__name__)
    return out


def _render_all(kind: str, contexts: Sequence[TalkContext], templates_dir: str | None) -> list[bytes]:
    """In a worker: each talk's prep guide or form."""
    render = {"prep_guide": render_prep_guide, "form": render_form}[kind]
    folder = Path(templates_dir) if templates_dir else None
    return [render(ctx, templates_dir=folder) for ctx in contexts]


def _worker_started() -> None:
    """In a worker, before anything else: leave Ctrl-C to the parent, and end with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with_parent, args=(multiprocessing.parent_process(), os.getppid()),
                     name="samtal-parent-watch", daemon=True).start()


def _end_with_parent(parent: BaseProcess | None, parent_pid: int) -> None:
    if parent is not None:
        parent.join()  # returns at EOF on the pipe the parent holds open: the parent is gone
    else:  # not a spawned child (no sentinel): watch for being re-parented
        while os.getppid() == parent_pid:
            time.sleep(0.5)
    os._exit(1)  # the main thread waits on the parent's queue forever; nothing is left to flush


def _ready() -> int:
    return os.getpid()


def spare_cores() -> int:
    """Cores beyond the one this process's threads use (what the OS lets this process run on)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(0, cores - 1)


class DocumentWorkers:
    """Reads forms and renders talk documents in ``processes`` worker processes (started when
    this is made, ``spawn``ed so no thread's lock is copied into them); ``processes=0`` does the
    work in the calling thread. Make it on the main thread, so the workers ignore Ctrl-C from
    their start (see the module's doc)."""

    def __init__(self, processes: int, templates_dir: Path | None = None) -> None:
        self.processes = max(0, processes)
        self.templates_dir = templates_dir
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        if self.processes:
            self._pool = self._start()

    def read(self, datas: Sequence[bytes]) -> list[Reading]:
        """Each form read, in order; a form that cannot be read gives its :class:`DocumentError`."""
        if not datas:
            return []
        folder = str(self.templates_dir) if self.templates_dir else None
        pool = self._executor()
        raw = _read_all(datas, folder) if pool is None else pool.submit(_read_all, list(datas), folder).result()
        return [DocumentError(r) if isinstance(r, str) else r for r in raw]

    def render(self, kind: str, contexts: Sequence[TalkContext]) -> list[bytes]:
        """Each talk's ``prep_guide`` or ``form`` as .docx bytes, in order."""
        if kind not in ("prep_guide", "form"):
            raise ValueError(f"no talk document of kind {kind!r}")
        if not contexts:
            return []
        folder = str(self.templates_dir) if self.templates_dir else None
        pool = self._executor()
        if pool is None:
            return _render_all(kind, contexts, folder)
        return pool.submit(_render_all, kind, list(contexts), folder).result()

    def _executor(self) -> ProcessPoolExecutor | None:
        if self.processes == 0:
            return None
        with self._lock:
            if self._pool is None:  # closed, and used again
                self._pool = self._start()
            return self._pool

    def _start(self) -> ProcessPoolExecutor:
        """The pool with all its workers started now, while SIGINT is ignored (on the main
        thread: ``signal.signal`` works nowhere else) so that they start ignoring it."""
        pool = ProcessPoolExecutor(max_workers=self.processes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_worker_started)
        on_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if on_main else None
        try:
            for _ in range(self.processes):  # each submit with no idle worker spawns one
                pool.submit(_ready)
        finally:
            if on_main and previous is not None:
                signal.signal(signal.SIGINT, previous)
        return pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
