"""The worker processes belong to the process that started them: they end when it dies, even by
SIGKILL, and Ctrl-C (SIGINT to the whole process group, as a terminal sends it) is the parent's
to handle, so no worker prints a KeyboardInterrupt traceback."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL") or not Path("/proc").is_dir(),
                                reason="POSIX signals and /proc")
ROOT = Path(__file__).resolve().parents[3]

PARENT = """
import multiprocessing, sys, time
from plugin.documents.workers import DocumentWorkers
workers = DocumentWorkers(2)
workers.read([b"not a docx"])
print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
time.sleep(300)
"""

INTERRUPTED = """
import sys, time
from plugin.documents.workers import DocumentWorkers
workers = DocumentWorkers(2)
try:
    workers.read([b"not a docx"])
    print("ready", flush=True)
    time.sleep(60)  # the workers wait for the next batch
except KeyboardInterrupt:
    workers.close()
    print("interrupted", file=sys.stderr)
    sys.exit(130)
"""

STARTING = """
import sys, threading, time
from plugin.documents.workers import DocumentWorkers
try:
    print("spawning", flush=True)
    workers = DocumentWorkers(2)
    # a pass uses the workers from its threads; whichever spawns them, they are starting now
    threading.Thread(target=workers.read, args=([b"not a docx"],), daemon=True).start()
    time.sleep(0.05)
    print("spawned", flush=True)
    time.sleep(60)
except KeyboardInterrupt:
    print("interrupted", file=sys.stderr)
    sys.exit(130)
"""


def alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


@pytest.fixture()
def started() -> Iterator[list[int]]:
    """Pids this test started; any still running at the end are killed (by their id)."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def _python(code: str, **kw: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)  # type: ignore[call-overload]


def test_workers_end_when_their_parent_is_killed(started: list[int]) -> None:
    parent = _python(PARENT)
    started.append(parent.pid)
    assert parent.stdout is not None
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    started.extend(workers)
    assert workers and all(alive(pid) for pid in workers)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers), "worker processes outlived their parent"


def test_ctrl_c_prints_no_worker_traceback(started: list[int]) -> None:
    parent = _python(INTERRUPTED, start_new_session=True)  # its own process group, like a terminal job
    started.append(parent.pid)
    assert parent.stdout is not None
    assert parent.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    os.killpg(parent.pid, signal.SIGINT)
    try:
        _, err = parent.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(parent.pid, signal.SIGKILL)
        _, err = parent.communicate()
        pytest.fail(f"the interrupted parent did not end: {err}")
    assert parent.returncode == 130
    assert err == "interrupted\n", err


def test_ctrl_c_while_the_workers_start_prints_no_worker_traceback(started: list[int]) -> None:
    """SIGINT to the group while the workers are still importing (before any code of ours runs
    in them) is ignored by them as well."""
    parent = _python(STARTING, start_new_session=True)
    started.append(parent.pid)
    assert parent.stdout is not None
    assert parent.stdout.readline().strip() == "spawning"
    assert parent.stdout.readline().strip() == "spawned"
    os.killpg(parent.pid, signal.SIGINT)  # the workers have been spawned, and are still starting
    try:
        _, err = parent.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(parent.pid, signal.SIGKILL)
        _, err = parent.communicate()
        pytest.fail(f"the interrupted parent did not end: {err}")
    assert parent.returncode == 130
    assert err == "interrupted\n", err
