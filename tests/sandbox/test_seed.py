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


@pytest.mark.parametrize("when", ["as the server starts", "while the seed loads"])
def test_ctrl_c_at_any_moment_stops_the_command_with_the_state_saved(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], when: str) -> None:
    """Ctrl-C that comes before the serving loop (the race the subprocess test above met about
    once in ten under load) stops the sandbox as cleanly as one during it: state saved, status 0."""
    from connectors.sandbox import app
    from plugin.cli import main

    name = "serve" if when == "as the server starts" else "_seed_lists"
    real = getattr(app.Sandbox, name)

    def interrupted(self: Any, *args: Any, **kw: Any) -> Any:
        answer = real(self, *args, **kw)
        signal.raise_signal(signal.SIGINT)
        return answer
    monkeypatch.setattr(app.Sandbox, name, interrupted)
    state = tmp_path / "state.json"
    assert main(["sandbox", "--seed", str(Path(__file__).with_name("seed.yaml")), "--port", "0",
                 "--state", str(state)]) == 0
    assert f"state saved to {state}" in capsys.readouterr().out
    assert Sandbox.load(state).tenant.user("per.lind@example.se") is not None
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back as it was


def test_command_rejects_bad_faults(capsys: pytest.CaptureFixture[str]) -> None:
    from plugin.cli import main

    assert main(["sandbox", "--seed", str(Path(__file__).with_name("seed.yaml")), "--faults", "throttle=5"]) == 2
    assert "throttle" in capsys.readouterr().err



def test_addresses_two_users_hold_load_and_resolve_as_exchange_would() -> None:
    """Entra ID keeps UPNs unique but not ``mail``: a seed may repeat a mail (in any case) or put
    one user's UPN as another's mail. The UPN's holder gets the address, else the first user
    in the seed, and that stays so after the state is saved and loaded (ids sort otherwise)."""
    import requests

    from connectors.sandbox.state import Tenant

    seed = {"tenant": {"domain": "example.se"}, "users": [
        {"userPrincipalName": "head@example.se", "displayName": "Head"},
        {"userPrincipalName": "kim1@example.se", "displayName": "Kim", "id": "ffffffff-0000-4000-8000-000000000001",
         "mail": "Kim.Ek@example.se"},
        {"userPrincipalName": "kim2@example.se", "displayName": "Kim", "id": "00000000-0000-4000-8000-000000000002",
         "mail": "kim.ek@example.se", "manager": "KIM.EK@example.se"},
        {"userPrincipalName": "pia@example.se", "displayName": "Pia", "mail": "HEAD@example.se", "manager": "head@example.se"},
    ]}
    sb = Sandbox.from_seed(seed)
    for tenant in (sb.tenant, Tenant.from_json(sb.tenant.to_json())):
        assert tenant.user("KIM.EK@example.se")["userPrincipalName"] == "kim1@example.se"
        assert tenant.user("head@example.se")["userPrincipalName"] == "head@example.se"
        assert tenant.user("pia@example.se")["mail"] == "HEAD@example.se"
    users = {u["userPrincipalName"]: u for u in sb.tenant.data["users"].values()}
    assert users["kim2@example.se"]["managerId"] == users["kim1@example.se"]["id"]
    assert users["pia@example.se"]["managerId"] == users["head@example.se"]["id"]

    with sb.serve(port=0) as server:  # HR gives Kim 2 an address of their own
        r = requests.put(f"{server.url}/_sandbox/users/kim2@example.se/mail", json={"mail": "kim.ek2@example.se"}, timeout=10)
        assert r.status_code == 204
        assert sb.tenant.user("kim.ek2@example.se")["userPrincipalName"] == "kim2@example.se"
        r = requests.put(f"{server.url}/_sandbox/users/kim2@example.se/mail", json={"mail": "nobody"}, timeout=10)
        assert r.status_code == 400


def _laughs(levels: int = 9) -> str:
    """A few hundred bytes that stand for 9**levels strings ("billion laughs")."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, levels + 1)]
    return "\n".join(lines)


def test_a_seed_whose_aliases_stand_for_billions_of_nodes_is_refused_at_once(tmp_path: Path) -> None:
    import time

    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("generated:\n" + "\n".join("  " + line for line in _laughs().splitlines()) + "\n"
                    "tenant: {domain: example.se}\nusers: [{userPrincipalName: a@example.se, displayName: A}]\n"
                    "sites:\n  - path: /sites/hr\n    lists: [{displayName: X, description: *a9}]\n",
                    encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(SeedError) as err:
        load_seed(bomb)
    assert "aliases (*name) repeat more than 100,000 nodes" in str(err.value)
    assert time.monotonic() - started < 5


def test_a_seed_may_share_a_value_by_alias_and_may_not_nest_one_in_itself(tmp_path: Path) -> None:
    shared = tmp_path / "shared.yaml"
    shared.write_text(
        "tenant: {domain: example.se}\nusers:\n"
        "  - {userPrincipalName: a@example.se, displayName: A, workingHours: &hours {startTime: '08:00', endTime: '16:00'}}\n"
        "  - {userPrincipalName: b@example.se, displayName: B, manager: a@example.se, workingHours: *hours}\n",
        encoding="utf-8")
    seed = load_seed(shared)
    assert [u["workingHours"]["endTime"] for u in seed["users"]] == ["16:00", "16:00"]
    loop = tmp_path / "loop.yaml"
    loop.write_text("tenant: {domain: example.se}\nusers: &u [{userPrincipalName: a@example.se, displayName: A}, *u]\n",
                    encoding="utf-8")
    with pytest.raises(SeedError, match="refers to the list or mapping it is in"):
        load_seed(loop)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_seed_that_is_no_regular_file_or_too_large_is_refused(tmp_path: Path) -> None:
    from connectors.sandbox import seed_file

    with pytest.raises(SeedError, match="not a regular file"):
        load_seed("/dev/zero")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(SeedError, match="not a regular file"):  # never opened: that would block
        load_seed(fifo)
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(seed_file.MAX_SEED_BYTES + 1)
    with pytest.raises(SeedError, match="larger than 64 MiB"):
        load_seed(big)


def test_command_names_the_site_a_campaign_uses_as_records_site(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "plugin.cli", "sandbox", "--generate", "3", "--domain", "kth.se",
                             "--port", "0"], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2], env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("site:"):
                return

    try:
        import threading

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(20)  # the lines come at once; without a site line this does not hang
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(lines) == 3, lines
    assert lines[0].startswith("listening on http://127.0.0.1:")
    assert lines[1].startswith("graph: http://127.0.0.1:") and lines[1].rstrip().endswith("/v1.0")
    assert lines[2] == "site: kth.sharepoint.com:/sites/hr  (records.site of a campaign)\n"
