"""Seed validation names the problem; the command prints its first line and saves state."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from connectors.sandbox import Sandbox, SeedError
from connectors.sandbox.seed import load_seed


def _seed(**user: Any) -> dict[str, Any]:
    base = {"userPrincipalName": "a@example.se", "displayName": "A"}
    return {"tenant": {"domain": "example.se"}, "users": [base, {**{"userPrincipalName": "b@example.se", "displayName": "B"}, **user}]}


@pytest.mark.parametrize(("user", "words"), [
    ({"manager": "ghost@example.se"}, "manager 'ghost@example.se' is not a user"),
    ({"userPrincipalName": "a@example.se"}, "duplicate userPrincipalName"),
    ({"busy": [{"start": "2027-02-30T09:00", "end": "2027-02-03T10:00"}]}, "is not a local time"),
    ({"busy": [{"start": "2027-02-03T11:00", "end": "2027-02-03T10:00"}]}, "is not after start"),
    ({"workingHours": {"timeZone": "Mars/Olympus"}}, "unknown time zone 'Mars/Olympus'"),
    ({"weekly": [{"day": "someday", "start": "13:00", "end": "14:00"}]}, "day 'someday'"),
    ({"accountEnabled": "yes"}, "accountEnabled must be true or false"),
    ({"favouriteColour": "blue"}, "unknown key 'favouriteColour'"),
])
def test_validation_names_the_problem(user: dict[str, Any], words: str) -> None:
    with pytest.raises(SeedError) as err:
        load_seed(_seed(**user))
    assert words in str(err.value) and "users[1]" in str(err.value)


def test_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("users: [", encoding="utf-8")
    with pytest.raises(SeedError, match="not valid YAML"):
        load_seed(bad)
    with pytest.raises(SeedError, match="cannot read"):
        load_seed(tmp_path / "missing.yaml")


def test_yaml_sexagesimal_times_and_seeded_lists() -> None:
    seed = _seed(weekly=[{"day": "monday", "start": 780, "end": "15:00"}])
    seed["sites"] = [{"path": "/sites/hr", "lists": [{"displayName": "Records", "columns": [{"name": "Key", "text": {}, "indexed": True}],
                                                        "items": [{"Key": "k1"}]}]}]
    sb = Sandbox.from_seed(seed)
    assert sb.tenant.data["users"][sb.tenant.user("b@example.se")["id"]]["weekly"][0]["start"] == "13:00"
    lists = next(iter(sb.tenant.data["sites"].values()))["lists"]
    assert [x["displayName"] for x in lists.values()] == ["Records"]


def test_command_first_line_and_state_saved(tmp_path: Path) -> None:
    seed = Path(__file__).with_name("seed.yaml")
    state = tmp_path / "state.json"
    proc = subprocess.Popen([sys.executable, "-m", "plugin.cli", "sandbox", "--seed", str(seed), "--port", "0",
                             "--state", str(state)], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2], env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("listening on http://127.0.0.1:")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert Sandbox.load(state).tenant.user("per.lind@example.se") is not None


def test_command_rejects_bad_faults(capsys: pytest.CaptureFixture[str]) -> None:
    from plugin.cli import main

    assert main(["sandbox", "--seed", str(Path(__file__).with_name("seed.yaml")), "--faults", "throttle=5"]) == 2
    assert "throttle" in capsys.readouterr().err
