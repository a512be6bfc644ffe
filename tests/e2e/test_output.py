"""What the commands print, end to end on the sandbox: ``plan`` speaks as a dry run (its progress
says "would", its two summary tables say which is which, its estimate never says "0 seconds"),
progress counts talks, and reasons reach a narrow terminal whole."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest

from plugin.cli import main
from plugin.commands.demo import SECRET_VARIABLE as DEMO_SECRET
from plugin.progress import READING_WORDS
from plugin.report.csv_export import HEADER
from plugin.documents import wordsim
from tests.e2e.checks import LEASE_WRITES, items_by_key, list_items
from tests.e2e.conftest import AFTER, NOW, ServeFactory, Served, small_seed, team_seed
from tests.plugin.test_tables import GUEST, column

WRITING_WORDS = ("recording", "booking", "writing", "placing", "sharing", "moving", "filing")


def samtal(served: Served, *args: str) -> int:
    return main([*args, "--config", str(served.config), "--now", NOW.isoformat()])


def section(out: str, title: str) -> str:
    """The lines after ``title`` up to the next blank line."""
    lines = out.split(title + "\n", 1)[1].splitlines()
    return "\n".join(lines[:lines.index("")] if "" in lines else lines)


@pytest.mark.usefixtures("secret_env")
def test_plan_speaks_as_a_dry_run(serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    served = serve_tenant(small_seed())
    assert samtal(served, "plan") == 0
    out, err = capsys.readouterr()

    steps = [line for line in err.splitlines() if ": " in line and " in " in line]
    assert steps and "would book talks: 13 talks in under a second" in steps
    assert "would record who is out of the round: 3 talks in under a second" in steps
    for line in steps:  # every step says "would", or only reads
        assert line.startswith(("would ", *READING_WORDS)), line
    assert not any(line.startswith(WRITING_WORDS) for line in err.splitlines())
    assert "/s" not in err and "\r" not in err

    after = section(out, "talks by status if this plan were run:")
    assert re.search(r"^scheduled +13$", after, re.M) and re.search(r"^failed +2$", after, re.M)
    actions = section(out, "actions this plan would take:")
    assert actions.splitlines()[0].split() == ["would", "do", "talks"]
    assert re.search(r"^book +13$", actions, re.M)
    assert "actions this plan would take, talk by talk:" in out
    assert not re.search(r"\b0 seconds", out) and "it would take at least 10 seconds" in out

    talk_by_talk = section(out, "actions this plan would take, talk by talk:")
    assert max(len(line) for line in talk_by_talk.splitlines()) <= 100
    notes = column(talk_by_talk, "note")
    assert GUEST in notes and "no manager in Entra ID: set the user's manager attribute" in notes
    assert "no Exchange Online mailbox samtal can read (5009)" in notes
    assert "…" not in out
    assert served.stats()["writes"] == 0

    # Booked: the plan has nothing left to do, and costs under a second of the budget.
    assert samtal(served, "run", "-q", "--cache", str(tmp_path / "cache.json")) == 0
    capsys.readouterr()
    assert samtal(served, "plan", "-q") == 0
    out = capsys.readouterr().out
    assert "nothing to do" in out and "it would take under a second" in out and not re.search(r"\b0 seconds", out)


@pytest.mark.usefixtures("secret_env")
def test_a_run_counts_talks_and_titles_its_tables(serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    served = serve_tenant(small_seed())
    assert samtal(served, "run", "--cache", str(tmp_path / "cache.json")) == 0
    out, err = capsys.readouterr()
    # 13 talks go through the staged booking, 20 to a $batch: the steps count the 13, not 1 batch
    for step in ("placing prep guides", "placing forms", "sharing folders", "booking meetings", "writing records"):
        assert f"{step}: 13 talks in " in err, step
    assert "recording who is out of the round: 3 talks in " in err
    assert re.search(r"^scheduled +13$", section(out, "talks by status after this run:"), re.M)
    assert re.search(r"^book +13$", section(out, "actions this run took:"), re.M)


def test_sending_reminders_counts_reminders_not_talks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A digest is no talk: the sending step counts messages in its own unit."""
    monkeypatch.setenv(DEMO_SECRET, "demo")
    assert main(["demo", "--out", str(tmp_path / "demo"), "--people", "20"]) == 0
    err = capsys.readouterr().err
    sending = [line for line in err.splitlines() if line.startswith("sending ")]
    assert sending, err
    for line in sending:
        assert re.fullmatch(r"sending reminders from hr\.samtal@example\.se: (1 reminder|\d+ reminders) in .*",
                            line), line


@pytest.mark.usefixtures("secret_env")
def test_the_demo_and_the_report_write_one_csv_format(serve_tenant: ServeFactory, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(DEMO_SECRET, "demo")
    assert main(["demo", "--out", str(tmp_path / "demo"), "--people", "20", "-q"]) == 0
    served = serve_tenant(small_seed())
    assert samtal(served, "run", "-q", "--cache", str(tmp_path / "cache.json")) == 0
    assert samtal(served, "report", "--out", str(tmp_path / "report")) == 0
    capsys.readouterr()
    demo = (tmp_path / "demo" / "records.csv").read_bytes()
    report = (tmp_path / "report" / "records.csv").read_bytes()
    bom = "\ufeff".encode()
    assert demo.startswith(bom) and report.startswith(bom)  # Excel reads å, ä and ö right
    assert demo.split(b"\r\n", 1)[0] == report.split(b"\r\n", 1)[0]
    header = next(csv.reader(io.StringIO(demo.decode("utf-8-sig"))))
    assert tuple(header) == HEADER and len(header) == 23
    rows = list(csv.reader(io.StringIO(demo.decode("utf-8-sig"))))[1:]
    # the 20 people, and the demo's reminders mailbox (excluded: it is no one's talk)
    assert len(rows) == 21 and all(len(row) == len(header) for row in rows)
    assert [row[7] for row in rows if row[3] == "hr.samtal@example.se"] == ["excluded"]


@pytest.mark.usefixtures("secret_env")
def test_status_manager_says_whose_confirmation_is_missing(serve_tenant: ServeFactory, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    served = serve_tenant(team_seed(3))
    served.run(NOW)
    talks = {f["Title"]: f for f in items_by_key(served.state()).values()}
    for name, confirm in (("Person 0", ("employee_confirmed",)), ("Person 1", ("manager_confirmed",)),
                          ("Person 2", ())):
        f = talks[name]
        served.people.save_file(f["DriveId"], f["FormItemId"], wordsim.fill_form(
            served.blob(f["FormItemId"]), {"goals": "Skriva klart boken"}, confirm=confirm))
    writes = served.stats()["writes"]
    served.run(AFTER)  # every talk held; the forms read, none filed
    items = list_items(served.state())
    # held and the note in one write for each of the 5 talks (Bo, Olga and their team)
    assert served.stats()["writes"] - writes == 5 + LEASE_WRITES
    served.run(AFTER + timedelta(hours=7))  # looked at again: nothing changed, nothing written
    assert list_items(served.state()) == items

    assert main(["status", "--manager", "boss@example.se", "--config", str(served.config),
                 "--now", AFTER.isoformat()]) == 0  # waiting is on track, not a problem
    rows = {line.split()[1]: line for line in capsys.readouterr().out.splitlines() if line.startswith("Person ")}
    assert "held" in rows["0"] and "waiting for the manager's confirmation" in rows["0"]
    assert "held" in rows["1"] and "waiting for the employee's confirmation" in rows["1"]
    assert "waiting for the employee's and the manager's" in rows["2"]


@pytest.mark.usefixtures("secret_env")
def test_report_language_by_campaign_or_option(serve_tenant: ServeFactory, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    served = serve_tenant(small_seed())
    assert samtal(served, "run", "-q", "--cache", str(tmp_path / "cache.json")) == 0
    assert samtal(served, "report", "--out", str(tmp_path / "sv")) == 0  # language.default: sv
    assert samtal(served, "report", "--out", str(tmp_path / "en"), "--language", "en") == 0
    capsys.readouterr()
    sv = (tmp_path / "sv" / "report.html").read_text(encoding="utf-8")
    en = (tmp_path / "en" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="sv">' in sv and "<h1>Medarbetarsamtal 2027</h1>" in sv and "Medarbetarsamtal: Medarbetarsamtal" not in sv
    assert "ingen chef är angiven i Entra ID: fyll i användarens chef (attributet manager)" in sv
    assert "det finns ingen brevlåda i Exchange Online som samtal kan läsa (5009)" in sv
    assert "no manager in Entra ID" not in sv and "stoppat av ett fel" in sv and ">failed<" not in sv
    assert '<html lang="en">' in en and "no manager in Entra ID: set the user&#x27;s manager attribute" in en
    assert (tmp_path / "sv" / "records.csv").read_bytes() == (tmp_path / "en" / "records.csv").read_bytes()
    try:
        code: object = samtal(served, "report", "--out", str(tmp_path / "de"), "--language", "de")
    except SystemExit as bad:  # argparse's refusal
        code = bad.code
    assert code == 2 and not (tmp_path / "de").exists()


@pytest.mark.usefixtures("secret_env")
@pytest.mark.parametrize("command", ["status", "plan"])
def test_a_reader_that_goes_away_ends_the_command_quietly(serve_tenant: ServeFactory, command: str) -> None:
    """``samtal status | head -1``: once the reader has gone, what is left to print is nobody's,
    so the command ends without a BrokenPipeError traceback (here, a reader that took nothing)."""
    import subprocess
    import sys
    served = serve_tenant(small_seed())
    samtal = [sys.executable, "-c", "import sys; from plugin.cli import main; sys.exit(main())"]
    child = subprocess.Popen([*samtal, command, "--config", str(served.config), "--now", NOW.isoformat()],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    err = child.stderr.read().decode("utf-8", "replace")
    assert child.wait(timeout=120) == 141, err
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
