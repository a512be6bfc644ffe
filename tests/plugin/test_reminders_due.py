"""What reminder is due when, judged against a made-up ``now``: prepare before the talk once per
booking, confirm rounds after it (capped), the sending hours, the digests' week."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from plugin.records import REVIEW, Record, Status
from plugin.reminders_due import (
    after_sending, confirm_due, digest_due, in_hours, iso_week, missing_sides, prepare_due,
    talk_reminders_due,
)
from plugin.settings import Settings
from plugin.settings_sections import RemindersSettings
from tests.plugin.test_settings import GOOD, load

ZONE = ZoneInfo("Europe/Stockholm")
START = datetime(2027, 2, 9, 10, 0, tzinfo=ZONE)  # a Tuesday
END = START + timedelta(hours=1)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return load(tmp_path, GOOD + "reminders: {sender: hr@example.se}\n")


def booked(**changes: object) -> Record:
    record = Record(campaign="2027", employee_id="e1", employee_name="Eva Ek", status=Status.SCHEDULED,
                    manager_id="m1", manager_name="Bo Boss", event_id="ev1", meeting_start=START,
                    meeting_end=END, folder_url="https://example.sharepoint.com/f", language="sv")
    return record.with_changes(**changes)


def held(note: str = "waiting for the manager's confirmation", **changes: object) -> Record:
    return booked(status=Status.HELD, note=note, **changes)


def test_prepare_is_due_from_three_days_before_until_the_talk_starts(settings: Settings) -> None:
    since = START - timedelta(days=3)
    assert prepare_due(booked(), settings, since - timedelta(minutes=1)) is None
    due = prepare_due(booked(), settings, since)
    assert due is not None and due.to == "employee" and due.since == since
    assert due.key == "rem:2027:e1:prepare:20270209T0900Z"
    assert prepare_due(booked(), settings, START - timedelta(minutes=1)) is not None
    assert prepare_due(booked(), settings, START) is None


def test_prepare_is_sent_once_per_booking_and_once_more_for_a_talk_moved_later(settings: Settings) -> None:
    sent = booked(last_reminder_at=START - timedelta(days=2))
    assert prepare_due(sent, settings, START - timedelta(days=1)) is None
    moved = sent.with_changes(meeting_start=START + timedelta(days=7), meeting_end=END + timedelta(days=7))
    again = prepare_due(moved, settings, START + timedelta(days=5))
    assert again is not None and again.key == "rem:2027:e1:prepare:20270216T0900Z"


def test_no_prepare_without_a_booking_or_a_folder(settings: Settings) -> None:
    now = START - timedelta(days=1)
    for record in (booked(status=Status.DECLINED), booked(folder_url=""), booked(event_id=""),
                   booked(meeting_start=None)):
        assert prepare_due(record, settings, now) is None


def test_confirm_rounds_come_after_the_talk_then_every_repeat_days_capped(settings: Settings) -> None:
    first = END + timedelta(days=2)
    assert confirm_due(held(), settings, first - timedelta(seconds=1)) == []
    [one] = confirm_due(held(), settings, first)
    assert (one.to, one.round, one.since, one.key) == ("manager", 1, first, "rem:2027:e1:confirm-manager:1")
    after_one = held(last_reminder_at=first + timedelta(hours=1))
    assert confirm_due(after_one, settings, first + timedelta(days=6)) == []
    [two] = confirm_due(after_one, settings, first + timedelta(days=7))
    assert two.round == 2 and two.since == first + timedelta(days=7)
    [late] = confirm_due(held(last_reminder_at=first + timedelta(days=7)), settings, first + timedelta(days=60))
    assert late.round == 3 and late.since == first + timedelta(days=14)  # max_per_talk: never a 4th
    assert confirm_due(held(last_reminder_at=first + timedelta(days=15)), settings, first + timedelta(days=90)) == []


def test_confirm_goes_to_each_side_that_has_not_confirmed(settings: Settings) -> None:
    both = held("waiting for the employee's and the manager's confirmations; an earlier note")
    assert missing_sides(both) == ("employee", "manager")
    due = confirm_due(both, settings, END + timedelta(days=3))
    assert [(d.to, d.key) for d in due] == [("employee", "rem:2027:e1:confirm-employee:1"),
                                            ("manager", "rem:2027:e1:confirm-manager:1")]
    [one] = confirm_due(held("waiting for the employee's confirmation"), settings, END + timedelta(days=3))
    assert one.to == "employee"


def test_no_confirm_when_the_record_does_not_say_who_is_missing(settings: Settings) -> None:
    later = END + timedelta(days=3)
    assert confirm_due(held(""), settings, later) == []  # form not read yet
    assert confirm_due(held(REVIEW + "the form cannot be read"), settings, later) == []
    assert confirm_due(held().with_changes(status=Status.FILED), settings, later) == []
    no_rounds = replace(settings, reminders=replace(settings.reminders, max_per_talk=0))
    assert confirm_due(held(), no_rounds, later) == []


def test_talk_reminders_put_prepare_first(settings: Settings) -> None:
    other = held(employee_id="e0", meeting_start=START - timedelta(days=10), meeting_end=END - timedelta(days=10))
    due = talk_reminders_due([other, booked()], settings, START - timedelta(days=1))
    assert [d.kind for d in due] == ["prepare", "confirm"]


def test_the_sending_hours_are_working_hours_on_working_days(settings: Settings) -> None:
    monday = datetime(2027, 2, 8, tzinfo=ZONE)
    assert not in_hours(settings, monday.replace(hour=7, minute=59))
    assert in_hours(settings, monday.replace(hour=8))
    assert in_hours(settings, monday.replace(hour=16, minute=59))
    assert not in_hours(settings, monday.replace(hour=17))
    assert not in_hours(settings, monday.replace(hour=3))  # at night
    assert not in_hours(settings, datetime(2027, 2, 13, 10, tzinfo=ZONE))  # a Saturday
    assert not in_hours(settings, datetime(2027, 3, 26, 10, tzinfo=ZONE))  # Good Friday
    # judged in the campaign's zone: 07:30 UTC is 08:30 in Stockholm
    assert in_hours(settings, datetime(2027, 2, 8, 7, 30, tzinfo=ZoneInfo("UTC")))
    late = replace(settings, reminders=replace(settings.reminders, hours_start=monday.time().replace(hour=18),
                                               hours_end=monday.time().replace(hour=20)))
    assert in_hours(late, monday.replace(hour=19)) and not in_hours(late, monday.replace(hour=10))


def test_digests_are_due_from_the_digest_day_to_the_end_of_its_week(settings: Settings) -> None:
    thursday = replace(settings, reminders=RemindersSettings(sender="hr@example.se", manager_digest=3))
    wednesday = datetime(2027, 2, 10, 12, tzinfo=ZONE)
    assert not digest_due(thursday, wednesday)
    assert digest_due(thursday, wednesday + timedelta(days=1))
    assert digest_due(thursday, wednesday + timedelta(days=4))  # Sunday: still this week's
    assert digest_due(settings, wednesday)  # Monday's digest, not sent yet, goes on Wednesday
    assert iso_week(wednesday, settings) == "2027-W06"
    assert iso_week(datetime(2027, 1, 3, 23, 30, tzinfo=ZONE), settings) == "2026-W53"


def test_the_record_counts_reminders_once_all_due_for_the_talk_went_out() -> None:
    now = START + timedelta(days=5)
    after = after_sending(held(reminders_sent=1), 2, now)
    assert after.reminders_sent == 3 and after.last_reminder_at == now
