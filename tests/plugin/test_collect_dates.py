"""Filing a confirmed form: the date filed is the booked day, whatever the form's date says."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from plugin.collect import judge
from plugin.documents import TalkContext, render_form, wordsim
from plugin.form_date import day_text
from plugin.records import Record, Status

ZONE = ZoneInfo("Europe/Stockholm")
NOW = dt.datetime(2027, 4, 5, 9, 0, tzinfo=ZONE)
EMPLOYEE = "4d0aed7d-753e-50d9-a451-49fb6af423bd"
TEXTS = {"goals": "- Skriva klart boken"}
BOTH = ("employee_confirmed", "manager_confirmed")


def _record(start: dt.datetime | None) -> Record:
    return Record(campaign="2027", employee_id=EMPLOYEE, employee_name="Person 0", status=Status.HELD,
                  meeting_start=start, meeting_end=start + dt.timedelta(hours=1) if start else None)


def _form(day: dt.date | None = None, shown: str | None = None) -> bytes:
    start = dt.datetime(2027, 3, 16, 9, 0, tzinfo=ZONE)
    form = render_form(TalkContext("2027", "Medarbetarsamtal 2027", EMPLOYEE, "Person 0", "Bo Boss",
                                   meeting_start=start, meeting_end=start + dt.timedelta(hours=1)))
    if shown is not None:
        form = wordsim.edit(form, lambda r: wordsim.set_date(r, "meeting_date", None, shown))
    return wordsim.fill_form(form, TEXTS, confirm=BOTH, day=day)


def test_a_form_dated_otherwise_files_the_booked_day_and_says_so() -> None:
    booked = dt.datetime(2027, 3, 17, 9, 0, tzinfo=ZONE)
    result = judge(_record(booked), _form(), NOW, zone=ZONE)
    assert result.filed and result.record.status is Status.FILED
    assert result.record.form["meeting_date"] == dt.date(2027, 3, 17)
    assert day_text(dt.date(2027, 3, 16)) in result.record.note and "17 March 2027" in result.record.note


def test_the_booked_day_is_the_day_in_the_campaigns_zone() -> None:
    late = dt.datetime(2027, 3, 16, 23, 30, tzinfo=dt.timezone.utc)  # 00:30 on 17 March in Stockholm
    result = judge(_record(late), _form(day=dt.date(2027, 3, 17)), NOW, zone=ZONE)
    assert result.record.form["meeting_date"] == dt.date(2027, 3, 17) and not result.record.note


def test_a_date_that_cannot_be_read_does_not_hold_back_filing() -> None:
    booked = dt.datetime(2027, 3, 16, 9, 0, tzinfo=ZONE)
    result = judge(_record(booked), _form(shown="tisdag i nästa vecka"), NOW, zone=ZONE)
    assert result.filed and result.record.form["meeting_date"] == dt.date(2027, 3, 16)
    assert "meeting_date" in result.record.note  # the unreadable date is noted, not filed


def test_without_a_booking_the_forms_date_is_filed() -> None:
    result = judge(_record(None), _form(day=dt.date(2027, 3, 18)), NOW, zone=ZONE)
    assert result.filed and result.record.form["meeting_date"] == dt.date(2027, 3, 18)
    held = judge(_record(None), _form(shown="nästa vecka"), NOW, zone=ZONE)
    assert not held.filed and "could not be fully read" in held.record.note
