"""``samtal status --manager``: one manager's talks, one per line, and exit codes scripts can use."""
from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from plugin.cli import build_parser
from plugin.commands import status
from plugin.records import Record, Status
from plugin.settings import Settings
from tests.plugin.overview.conftest import rec, settings  # noqa: F401 (a fixture)


def team() -> list[Record]:
    when = datetime(2027, 2, 10, 8, tzinfo=timezone.utc)
    return [rec("Per", "Anna", Status.SCHEDULED, start=when),
            rec("Eva", "Anna", Status.FILED, start=when.replace(day=3)),
            rec("Karin", "Sven", Status.UNSCHEDULABLE).with_changes(note="no common free time"),
            rec("Olle", "Anna Lisa", Status.HELD, start=when)]


def test_managed_by_name_email_or_id_exactly() -> None:
    for who in ("anna", "ANNA@example.se", "id-anna"):
        mine, managers = status.managed_by(team(), who)
        assert sorted(r.employee_name for r in mine) == ["Eva", "Per"] and managers == ["id-anna"]
    assert status.managed_by(team(), "Ann") == ([], [])


def test_manager_view_one_talk_per_line_in_the_campaign_zone() -> None:
    mine, _ = status.managed_by(team(), "Anna")
    lines = status.manager_view(mine, ZoneInfo("Europe/Stockholm")).splitlines()
    rows = [line for line in lines if line.startswith(("Per", "Eva"))]
    assert rows[0].split()[:4] == ["Eva", "filed", "2027-02-03", "09:00"]
    assert rows[1].split()[:4] == ["Per", "scheduled", "2027-02-10", "09:00"]


@pytest.mark.parametrize(("who", "code"), [("Anna", 0), ("sven@example.se", 1), ("Nobody", 2)])
def test_exit_codes(who: str, code: int, settings: Settings, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(status, "load_records", lambda args: (team(), 0))
    args = argparse.Namespace(config=settings.source, now="2027-01-20T09:00", manager=who, by="both")
    assert status.run(args) == code
    out = capsys.readouterr()
    if code == 1:
        assert "Karin" in out.out and "Per" not in out.out
    if code == 2:
        assert "no talks of a manager" in out.err


def test_help_documents_the_exit_codes() -> None:
    text = build_parser(only="status")._subparsers._group_actions[0].choices["status"].format_help()  # type: ignore[union-attr]
    assert "--manager NAME_OR_EMAIL" in text and "exit status:" in text and "  3  " in text


def test_status_shows_the_reminders_each_talk_counts() -> None:
    zone = ZoneInfo("Europe/Stockholm")
    reminded = team()[3].with_changes(reminders_sent=2, last_reminder_at=datetime(2027, 2, 22, 8, tzinfo=timezone.utc))
    mine = [team()[0], reminded]
    lines = status.manager_view(mine, zone).splitlines()
    olle = next(line for line in lines if line.startswith("Olle"))
    per = next(line for line in lines if line.startswith("Per"))
    assert "2, last 2027-02-22" in olle and per.split()[4] == "-"
    assert status.reminders_line(mine, zone) == "reminders sent: 2 to 1 talk, the last on 2027-02-22"
    assert status.reminders_line(team(), zone) == ""
