"""The command line itself: every numeric option refuses what it cannot use (exit status 2, the
option named, before anything runs), and ``-v`` works before or after the command."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from plugin.cli import build_parser, main


@pytest.mark.parametrize(("argv", "words"), [
    (["run", "--look-every", "-3"], "argument --look-every: expected a number of hours from 0 to 8784, got -3"),
    (["run", "--look-every", "nan"], "argument --look-every: expected a number of hours"),
    (["run", "--look-every", "inf"], "argument --look-every: expected a number of hours"),
    (["run", "--look-every", "soon"], "argument --look-every: expected a number of hours from 0 to 8784, got 'soon'"),
    (["run", "--look-every", "9000"], "argument --look-every: expected a number of hours"),
    (["doctor", "--sample", "0"], "argument --sample: expected a whole number from 1 to 100, got 0"),
    (["doctor", "--sample", "-5"], "argument --sample: expected a whole number from 1 to 100"),
    (["doctor", "--sample", "2.5"], "argument --sample: expected a whole number from 1 to 100, got '2.5'"),
    (["demo", "--people", "0"], "argument --people: expected a number of people from 1 to 5000, got 0"),
    (["demo", "--people", "5001"], "argument --people: expected a number of people from 1 to 5000"),
    (["demo", "--seed", "-1"], "argument --seed: expected a random seed from 0 to 4294967295, got -1"),
    (["sandbox", "--port", "-1"], "argument --port: expected a port from 0 to 65535, got -1"),
    (["sandbox", "--port", "65536"], "argument --port: expected a port from 0 to 65535"),
    (["sandbox", "--generate", "0"], "argument --generate: expected a number of people from 1 to 20000, got 0"),
    (["sandbox", "--generate", "-10"], "argument --generate: expected a number of people"),
    (["sandbox", "--generate-seed", "-7"], "argument --generate-seed: expected a random seed"),
    (["sandbox", "--window-start", "2027-02-30"], "argument --window-start: expected a date such as 2027-02-01"),
    (["sandbox", "--window-end", "soon"], "argument --window-end: expected a date such as 2027-02-01"),
])
def test_a_number_an_option_cannot_use_is_refused_naming_the_option(
        argv: list[str], words: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    if argv[0] in ("run", "doctor"):
        argv = [*argv, "--config", str(tmp_path / "never-read.yaml")]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


@pytest.mark.parametrize(("argv", "words"), [
    (["sandbox", "--generate", "3", "--window-start", "2027-03-01", "--window-end", "2027-02-01"],
     "--window-end 2027-02-01 is before --window-start 2027-03-01"),
    (["sandbox", "--generate", "3", "--window-start", "2027-01-01", "--window-end", "2029-01-01"],
     "--window-end: at most 366 days after --window-start"),
    (["sandbox", "--seed", "x.yaml", "--faults", "latency_ms=inf"], "fault 'latency_ms': 'inf' is not a finite number"),
    (["sandbox", "--seed", "x.yaml", "--faults", "retry_after=nan"], "fault 'retry_after': 'nan' is not a finite number"),
])
def test_sandbox_options_that_only_make_sense_together(argv: list[str], words: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert words in capsys.readouterr().err


def test_every_numeric_option_has_a_checking_type() -> None:
    """No option is parsed with a bare int or float (those take -3, nan and inf)."""
    parser = build_parser()
    bare = []
    for name, sub in _subparsers(parser):
        for action in sub._actions:
            if action.type in (int, float):
                bare.append(f"{name} {'/'.join(action.option_strings)}")
    assert bare == []


def _subparsers(parser):  # type: ignore[no-untyped-def]
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield name, sub
                yield from ((f"{name} {n}", s) for n, s in _subparsers(sub))


@pytest.mark.parametrize(("argv", "verbose"), [
    (["-v", "status", "--config", "c.yaml"], True),
    (["status", "-v", "--config", "c.yaml"], True),
    (["status", "--config", "c.yaml", "--verbose"], True),
    (["status", "--config", "c.yaml"], False),
    (["-v", "run", "--config", "c.yaml", "-q"], True),
    (["run", "-q", "-v", "--config", "c.yaml"], True),
    (["templates", "check", "form.sv.docx", "-v"], True),
    (["-v", "templates", "check", "form.sv.docx"], True),
    (["sandbox", "--port", "0", "-v"], True),
])
def test_v_is_accepted_before_and_after_the_command(argv: list[str], verbose: bool) -> None:
    assert build_parser().parse_args(argv).verbose is verbose


@pytest.mark.parametrize(("argv", "trace"), [
    (["--trace", "t.jsonl", "status", "--config", "c.yaml"], "t.jsonl"),
    (["status", "--config", "c.yaml", "--trace", "t.jsonl"], "t.jsonl"),
    (["-v", "doctor", "--trace", "t.jsonl", "--config", "c.yaml"], "t.jsonl"),
    (["templates", "check", "form.sv.docx", "--trace", "t.jsonl"], "t.jsonl"),
    (["status", "--config", "c.yaml"], None),
])
def test_trace_is_accepted_before_and_after_the_command(argv: list[str], trace: str | None) -> None:
    args = build_parser().parse_args(argv)
    assert (str(args.trace) if args.trace else None) == trace


def test_a_trace_file_that_cannot_be_written_stops_the_command_first(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--config", str(tmp_path / "absent.yaml"),
                 "--trace", str(tmp_path / "no" / "such" / "dir" / "t.jsonl")]) == 2
    assert "--trace: cannot write" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["before", "after"])
def test_v_after_the_command_logs_every_graph_call(tmp_path: Path, where: str) -> None:
    """In a process of its own: logging is set up once per process."""
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = tmp_path / "campaign.yaml"
    config.write_text(
        'campaign: {id: "2027", window: {start: 2027-02-01, end: 2027-03-31}}\n'
        f"tenant: {{graph_url: http://127.0.0.1:{port}/v1.0, tenant_id: t, client_id: c, client_secret: {{env: SAMTAL_T}}}}\n"
        'records: {site: "example.sharepoint.com:/sites/hr"}\n', encoding="utf-8")
    args = ["status", "--config", str(config), "--now", "2027-01-20T09:00"]
    args = ["-v", *args] if where == "before" else [*args, "-v"]
    done = subprocess.run([sys.executable, "-m", "plugin.cli", *args], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2], env={**os.environ, "SAMTAL_T": "x"})
    assert done.returncode == 5, done.stderr
    assert "INFO connectors.graph.http: GET /v1.0/sites/example.sharepoint.com:/… failed" in done.stderr


def test_the_attention_line_counts_what_status_lists_by_why() -> None:
    from plugin.commands.run import attention_line
    from plugin.records import REVIEW, Record, Status

    def talk(n: int, status: Status, note: str = "") -> Record:
        return Record("2027", f"id-{n}", f"Person {n}", status, note=note)

    records = [talk(1, Status.FAILED, "no manager in Entra ID"), talk(2, Status.FAILED, "no mailbox"),
               talk(3, Status.UNSCHEDULABLE), talk(4, Status.DECLINED), talk(5, Status.SCHEDULED),
               talk(6, Status.HELD, REVIEW + "the form is too large to read"), talk(7, Status.FILED),
               talk(8, Status.EXCLUDED)]
    assert attention_line(records) == (
        "samtal: 5 talks need attention (2 failed, 1 unschedulable, 1 declined, 1 held for review)")
    assert attention_line(records[5:6]) == "samtal: 1 talk needs attention (1 held for review)"
    assert attention_line(records[4:5] + records[6:]) == "samtal: 0 talks need attention"


def test_attention_exit_takes_an_exit_status(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--config", str(tmp_path / "c.yaml"), "--attention-exit", "0"])
    assert exit_.value.code == 2
    assert "argument --attention-exit: expected an exit status from 1 to 125, got 0" in capsys.readouterr().err


def test_ctrl_c_while_a_command_is_still_being_loaded_is_an_interruption_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Building a command's parser imports the command, which can take a second on a cold
    start: Ctrl-C then must end the same way as during the command."""
    import plugin.cli as cli

    def interrupted(only: str | None = None) -> None:
        raise KeyboardInterrupt
    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert main(["status"]) == 130
    assert capsys.readouterr().err == "interrupted\n"
