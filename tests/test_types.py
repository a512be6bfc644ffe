"""`mypy --strict` over the code that ships (pyproject's [tool.mypy]): type hints everywhere is a
project habit, and this keeps it one (≈ 15 s cold)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_connectors_and_plugin_type_check_strictly(tmp_path: Path) -> None:
    pytest.importorskip("mypy", reason="mypy is in the test extra; install .[test]")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache"), "connectors", "plugin"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
