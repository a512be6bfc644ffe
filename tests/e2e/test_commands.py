"""The commands over loopback, as an administrator runs them: ``samtal doctor``, ``plan``, ``run``,
``status`` (``plugin.cli.main``), and bad settings ending with exit status 2, no traceback."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from plugin.cli import main
from tests.e2e.checks import LEASE_WRITES, check_round, list_items
from tests.e2e.conftest import NOW, ServeFactory, Served, small_seed


def samtal(served: Served, *args: str) -> int:
    return main([*args, "--config", str(served.config), "--now", NOW.isoformat()])


@pytest.mark.usefixtures("secret_env")
def test_doctor_and_plan_write_nothing(serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str]) -> None:
    served = serve_tenant(small_seed())
    assert samtal(served, "doctor") == 0
    out = capsys.readouterr().out
    assert "permissions  not checked" in out and "mailboxes" in out and "drives" in out

    assert samtal(served, "plan", "--all", "-q") == 0
    out = capsys.readouterr().out
    booked = [line for line in out.splitlines() if line.startswith("book ") and " 2027-" in line]
    assert len(booked) == 13 and "Karin Ståhl" in out and "no manager in Entra ID" in out
    assert served.stats()["writes"] == 0
    assert list_items(served.state()) == []  # the list is not even created


@pytest.mark.usefixtures("secret_env")
def test_run_then_status(serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    served = serve_tenant(small_seed())
    assert samtal(served, "run", "-q", "--cache", str(tmp_path / "cache.json")) == 0
    out = capsys.readouterr().out
    assert re.search(r"^scheduled +13$", out, re.M) and re.search(r"^book +13$", out, re.M)
    # the last line, also with -q: what status lists under needs attention, for a monitor
    assert out.splitlines()[-1] == "samtal: 2 talks need attention (2 failed)"
    check_round(served, served.state(), graph_reads=False)
    writes = served.stats()["writes"]

    assert samtal(served, "status") == 1  # Anna has no manager, Örjan no mailbox
    out = capsys.readouterr().out
    assert "needs attention (2)" in out and "Örjan" in out and "Anna Berg" in out
    assert "Institutionen för matematik" in out and "Per Lind" in out  # by department, by manager
    assert served.stats()["writes"] == writes  # status reads only

    items = list_items(served.state())
    assert samtal(served, "run", "-q", "--cache", str(tmp_path / "cache.json"), "--attention-exit", "10") == 10
    out = capsys.readouterr().out
    assert "nothing to do" in out and out.splitlines()[-1] == "samtal: 2 talks need attention (2 failed)"
    # nothing written but the pass lease: taken and released (plugin/lease.py)
    assert served.stats()["writes"] == writes + LEASE_WRITES and list_items(served.state()) == items


@pytest.mark.parametrize(("change", "named"), [
    (("window: {start: 2027-02-01, end: 2027-03-31}", "window: {start: 2027-03-31, end: 2027-02-01}"), "window"),
    (("online: teams}", "online: teams, colour: blue}"), "colour"),
    (("time_zone: Europe/Stockholm", "time_zone: Europe/Atlantis"), "time_zone"),
    (("client_secret: {env: SAMTAL_E2E_SECRET}",  # the secret may only go to Microsoft's login hosts
      "client_secret: {env: SAMTAL_E2E_SECRET}\n  authority: https://login.evil.example"), "tenant.authority"),
])
@pytest.mark.parametrize("command", ["run", "plan", "status", "doctor"])
def test_bad_settings_end_with_status_2_and_no_traceback(
        serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        change: tuple[str, str], named: str, command: str, secret_env: None) -> None:
    served = _bad_settings_tenant(serve_tenant)
    text = served.config.read_text(encoding="utf-8")
    assert change[0] in text
    bad = tmp_path / "campaign.yaml"
    bad.write_text(text.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main([command, "--config", str(bad), "--now", NOW.isoformat()])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert str(bad) in err and named in err and "Traceback" not in err
    assert served.stats()["requests"] == 0


_SHARED: dict[str, Served] = {}


def _bad_settings_tenant(serve_tenant: ServeFactory) -> Served:
    """One sandbox for every bad-settings case: none of them may reach it."""
    if "served" not in _SHARED:
        _SHARED["served"] = serve_tenant(small_seed())
    return _SHARED["served"]


def test_a_missing_secret_is_a_settings_error(serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    served = serve_tenant(small_seed())
    monkeypatch.delenv("SAMTAL_E2E_SECRET", raising=False)
    with pytest.raises(SystemExit) as exit_:
        samtal(served, "run")
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "SAMTAL_E2E_SECRET" in err and "Traceback" not in err


@pytest.mark.usefixtures("secret_env")
def test_a_window_that_is_over(serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A window over before anything was booked is a mistyped year (exit 2, file:line); a
    campaign that booked talks goes on filing after its window."""
    from tests.e2e.conftest import AFTER

    served = serve_tenant(small_seed())
    late = ["--config", str(served.config), "--now", AFTER.isoformat()]
    said = {}
    for command in ("run", "plan", "doctor"):  # the same rule, the same words, everywhere
        with pytest.raises(SystemExit) as stopped:
            main([command, *late])
        assert stopped.value.code == 2, command
        out = capsys.readouterr()
        assert "is valid" not in out.out
        said[command] = out.err
    err = said["run"]
    assert "campaign.yaml:" in err and "campaign.window.end" in err and "mistyped" in err
    assert said["plan"] == err and said["doctor"] == err
    assert served.stats()["writes"] == 0

    assert samtal(served, "run", "-q", "--cache", str(tmp_path / "cache.json")) == 0
    capsys.readouterr()
    code = main(["run", "-q", "--cache", str(tmp_path / "cache.json"), *late])
    out = capsys.readouterr().out
    assert code == 0 and "held" in out  # the talks took place; their forms are watched
    assert main(["doctor", *late]) == 0
    assert "is valid (campaign 2027, 2027-02-01 to 2027-03-31; the window is over, and run goes on" in (
        capsys.readouterr().out)


@pytest.mark.usefixtures("secret_env")
def test_a_cache_path_that_is_a_directory_is_no_cache(serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str],
                                                      caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    served = serve_tenant(small_seed())
    folder = tmp_path / "cache"
    folder.mkdir()
    with caplog.at_level("WARNING"):
        assert samtal(served, "run", "-q", "--cache", str(folder)) == 0
        assert samtal(served, "run", "-q", "--cache", str(folder)) == 0  # looks at everything again
    assert "Traceback" not in capsys.readouterr().err
    said = [r.getMessage() for r in caplog.records if str(folder) in r.getMessage()]
    assert len(said) == 1 and "directory" in said[0]
    assert folder.is_dir() and list(folder.iterdir()) == [] and not (tmp_path / "cache-overviews.json").exists()


@pytest.mark.usefixtures("secret_env")
def test_a_round_where_nobody_needs_attention_says_so_and_ends_0(
        serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from tests.e2e.conftest import team_seed

    served = serve_tenant(team_seed(3))
    config = tmp_path / "campaign.yaml"  # the head has no manager: out of the round
    config.write_text(served.config.read_text(encoding="utf-8") + "scope: {exclude_users: [head@example.se]}\n",
                      encoding="utf-8")
    assert main(["run", "--attention-exit", "10", "--cache", str(tmp_path / "cache.json"),
                 "--config", str(config), "--now", NOW.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "excluded" in out and out.splitlines()[-1] == "samtal: 0 talks need attention"
