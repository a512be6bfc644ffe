"""``reminders:`` in the campaign file: off unless a sender is given, defaults as documented,
every mistake reported with file, key and line."""
from __future__ import annotations

from datetime import time
from pathlib import Path

from plugin.settings_sections import RemindersSettings
from tests.plugin.test_settings import GOOD, load, problems


def test_reminders_are_off_by_default(tmp_path: Path) -> None:
    s = load(tmp_path, GOOD)
    assert s.reminders == RemindersSettings() and not s.reminders.enabled


def test_a_sender_turns_reminders_on_with_the_documented_defaults(tmp_path: Path) -> None:
    r = load(tmp_path, GOOD + "reminders: {sender: hr.samtal@example.se}\n").reminders
    assert r.enabled and r.sender == "hr.samtal@example.se"
    assert (r.prepare_days_before, r.confirm_after_days, r.repeat_days, r.max_per_talk) == (3, 2, 7, 3)
    assert r.manager_digest == 0 and r.digest_day == 0 and r.hr_digest is None
    assert (r.hours_start, r.hours_end) == (time(8), time(17))


def test_every_reminder_setting_is_read(tmp_path: Path) -> None:
    r = load(tmp_path, GOOD + """\
reminders:
  sender: hr.samtal@example.se
  prepare_days_before: 5
  confirm_after_days: 1
  repeat_days: 3
  max_per_talk: 2
  manager_digest: Thursday
  hr_digest: hr@example.se
  hours: {start: 9:00, end: "15:30"}
""").reminders
    assert (r.prepare_days_before, r.confirm_after_days, r.repeat_days, r.max_per_talk) == (5, 1, 3, 2)
    assert r.manager_digest == 3 and r.hr_digest == "hr@example.se"
    assert (r.hours_start, r.hours_end) == (time(9), time(15, 30))


def test_never_means_no_manager_digest_and_hr_gets_its_digest_on_mondays(tmp_path: Path) -> None:
    r = load(tmp_path, GOOD + "reminders: {sender: hr@example.se, manager_digest: never}\n").reminders
    assert r.manager_digest is None and r.digest_day == 0


def test_reminder_settings_without_a_sender_are_reported(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD + "reminders:\n  repeat_days: 3\n")
    assert len(found) == 1
    assert found[0].split("/")[-1] == (
        "campaign.yaml:11: reminders.sender: reminders are off without a sender: give "
        "reminders.sender (the mailbox they are sent from) or remove reminders.repeat_days")


def test_bad_reminder_values_name_the_key_and_line(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD + """\
reminders:
  sender: not an address
  repeat_days: 0
  manager_digest: someday
  hr_digest: hr@
  hours: {start: "17:00", end: "08:00"}
""")
    assert any(p.split("/")[-1].startswith(
        "campaign.yaml:12: reminders.sender: expected one e-mail address") for p in found)
    assert any(p.split("/")[-1].startswith(
        "campaign.yaml:13: reminders.repeat_days: expected 1 to 60 days") for p in found)
    assert any(p.split("/")[-1].startswith(
        "campaign.yaml:14: reminders.manager_digest: expected a day name") for p in found)
    assert any(p.split("/")[-1].startswith(
        "campaign.yaml:15: reminders.hr_digest: expected one e-mail address") for p in found)
    assert any(p.split("/")[-1].startswith(
        "campaign.yaml:16: reminders.hours.end: the sending hours must end (08:00) after") for p in found)


def test_a_boolean_for_the_digest_day_is_asked_to_be_quoted(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD + "reminders: {sender: hr@example.se, manager_digest: no}\n")
    assert len(found) == 1 and "(quote it)" in found[0]
