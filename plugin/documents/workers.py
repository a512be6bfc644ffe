"""Reading and rendering many documents on the machine's other cores.

Reading a form (unzip, parse, walk the controls: ≈ 1–2 ms) and rendering a document (≈ 0.5–1 ms)
are pure CPU, and a pass over a large round does thousands while its threads wait on the network
under one GIL. :class:`DocumentWorkers` hands groups of documents to worker processes when the
machine has a core to spare, and does them in the calling thread otherwise. A form that cannot be
read comes back as its :class:`DocumentError` message; any other failure is raised to the caller
as it would be in-thread.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
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


def spare_cores() -> int:
    """Cores beyond the one this process's threads use (what the OS lets this process run on)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(0, cores - 1)


class DocumentWorkers:
    """Reads forms and renders talk documents in up to ``processes`` worker processes (started
    on first use, ``spawn``ed so no thread's lock is copied into them); ``processes=0`` does the
    work in the calling thread."""

    def __init__(self, processes: int, templates_dir: Path | None = None) -> None:
        self.processes = max(0, processes)
        self.templates_dir = templates_dir
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

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
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self.processes,
                                                 mp_context=multiprocessing.get_context("spawn"))
            return self._pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
