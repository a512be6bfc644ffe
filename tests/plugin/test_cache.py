"""The look-cache and the team overviews' cache are only caches: whatever is at their path (a
directory, a FIFO, a device, garbage, JSON nested too deeply, another shape, a huge file, a
folder that cannot be written) is no cache, with one warning and never a traceback, and a path
that is not a regular file is neither read without end nor replaced."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from plugin import cache as cache_module
from plugin.cache import LookCache
from plugin.overview.place import OverviewCache

NOW = datetime(2027, 2, 1, 9, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]


def warnings(caplog: pytest.LogCaptureFixture, path: Path) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.WARNING and str(path) in r.getMessage()]


@pytest.mark.parametrize("content", [
    b'{"looked": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",  # RecursionError in json
    b'{"overviews": ' + b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"}",
    b"\xff\xfe not utf-8",
    b"garbage {",
    b"[1, 2, 3]",
    b'{"looked": {"answer:x": 1}, "overviews": {"m": ["x"]}}',
    b'{"looked": [], "overviews": "x"}',
    b"",
], ids=["nested-list", "nested-object", "not-utf8", "not-json", "a-list", "wrong-values", "wrong-shape", "empty"])
def test_an_unreadable_cache_file_is_no_cache(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                              content: bytes) -> None:
    path = tmp_path / "cache.json"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        looks = LookCache(path)
        overviews = OverviewCache(path)
    assert looks.due("answer:x", NOW, timedelta(hours=6)) and overviews.placed == {}
    assert len(warnings(caplog, path)) == 1
    looks.looked("answer:x", NOW)
    looks.save()  # a regular file is overwritten with a good cache: it heals
    assert not LookCache(path).due("answer:x", NOW, timedelta(hours=6))


def test_a_directory_at_the_path_is_no_cache_and_stays(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "cache.json"
    path.mkdir()
    with caplog.at_level(logging.WARNING):
        looks = LookCache(path)
        looks.looked("answer:x", NOW)
        looks.save()
        overviews = OverviewCache(path)
        overviews.placed["m"] = "h"
        overviews.save()
    assert looks.path is None and overviews.path is None  # nothing to read or write
    assert path.is_dir() and list(path.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["cache.json"]
    assert len(warnings(caplog, path)) == 1 and "directory" in warnings(caplog, path)[0]


def test_a_path_that_cannot_be_written_costs_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "file" / "cache.json"
    with caplog.at_level(logging.WARNING):
        looks = LookCache(path)  # nothing there yet: an empty cache
        (tmp_path / "file").write_text("x", encoding="utf-8")  # now its folder is a file
        looks.looked("answer:x", NOW)
        looks.save()
        looks.save()
    assert len(warnings(caplog, path)) == 1 and "cannot write" in warnings(caplog, path)[0]
    assert [p.name for p in tmp_path.iterdir()] == ["file"]  # no temporary file left behind


def test_a_file_over_the_cap_is_not_read(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "MAX_BYTES", 1000)
    path = tmp_path / "cache.json"
    path.write_text(json.dumps({"looked": {f"answer:{i}": NOW.isoformat() for i in range(100)}}), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        looks = LookCache(path)
    assert looks.due("answer:1", NOW, timedelta(hours=6))
    assert "larger than" in warnings(caplog, path)[0]


# A cache path that never ends (a device, a FIFO with no writer) is tried in a child process with
# a time and memory limit, so that the failure this guards against cannot hang or starve the run.
_PROBE = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from datetime import datetime, timezone
from pathlib import Path
from plugin.cache import LookCache
from plugin.overview.place import OverviewCache
looks = LookCache(Path(sys.argv[1]))
looks.looked("answer:x", datetime(2027, 2, 1, tzinfo=timezone.utc))
looks.save()
OverviewCache(Path(sys.argv[1])).save()
print("path", looks.path)
"""


def _probe(path: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run([sys.executable, "-c", _PROBE, str(path)], cwd=ROOT, capture_output=True,
                              text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading the cache at {path} did not end")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_is_no_cache(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    os.mkfifo(path)
    done = _probe(path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "path None" in done.stdout and done.stderr.count("not a regular file") == 1
    assert path.is_fifo()


@pytest.mark.parametrize("device", ["/dev/full", "/dev/zero"])
def test_a_device_is_no_cache_and_is_not_replaced(tmp_path: Path, device: str) -> None:
    if not Path(device).is_char_device():
        pytest.skip(f"{device} is not on this machine")
    path = tmp_path / "cache.json"
    path.symlink_to(device)  # the same path as --cache /dev/full, without writing next to it in /dev
    done = _probe(path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "path None" in done.stdout and done.stderr.count("not a regular file") == 1
    assert path.is_symlink() and Path(device).is_char_device()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.json"]
