"""The form's contract and the domain values."""
from __future__ import annotations

import datetime as dt

import pytest

from plugin.documents import FORM_FIELDS, FormId, FormReading, ManagerContext, TalkContext, choose_language
from tests.plugin.documents.conftest import talk


def test_form_fields_match_spec_table() -> None:
    assert list(FORM_FIELDS) == [
        "employee_name", "manager_name", "meeting_date", "previous_goals_followup", "goals",
        "development_plan", "competence_needs", "expectations", "health_discussed", "health_notes",
        "manager_feedback", "employee_confirmed", "manager_confirmed"]
    columns = {tag: spec.column for tag, spec in FORM_FIELDS.items()}
    assert columns["employee_name"] == "Title"
    assert columns["manager_name"] == "ManagerName"
    assert columns["health_discussed"] == "HealthDiscussed"
    assert columns["previous_goals_followup"] == "PreviousGoalsFollowup"
    assert columns["health_notes"] is None and columns["manager_feedback"] is None
    assert {s.kind for s in FORM_FIELDS.values()} == {"text", "date", "richtext", "checkbox"}


def test_filed_fields_never_include_health_notes_or_manager_feedback() -> None:
    fields = {tag: "x" for tag in FORM_FIELDS} | {"health_discussed": True, "meeting_date": dt.date(2027, 2, 9)}
    reading = FormReading(form_id=FormId("2027", "e1"), fields=fields)
    filed = reading.filed_fields()
    assert "HealthNotes" not in filed and "ManagerFeedback" not in filed
    assert "x" not in {k for k, v in filed.items() if k in ("HealthNotes", "ManagerFeedback")}
    assert filed["Title"] == "x" and filed["HealthDiscussed"] is True
    assert filed["MeetingDate"] == dt.date(2027, 2, 9)
    assert len(filed) == 11


def test_complete_needs_both_confirmations() -> None:
    base = {tag: "" for tag in FORM_FIELDS}
    one = FormReading(None, base | {"employee_confirmed": True, "manager_confirmed": False})
    both = FormReading(None, base | {"employee_confirmed": True, "manager_confirmed": True})
    assert not one.complete and one.employee_confirmed and not one.manager_confirmed
    assert both.complete
    assert FormId("2027", "e1").key == "2027:e1"


@pytest.mark.parametrize(("preferred", "default", "expected"), [
    ("sv-SE", "en", "sv"), ("en-US", "sv", "en"), ("EN", "sv", "en"), ("sv_FI", "en", "sv"),
    (None, "sv", "sv"), (None, "en", "en"), ("de-DE", "en", "en"), ("", "sv", "sv"), ("fi-FI", "sv-SE", "sv"),
])
def test_choose_language(preferred: str | None, default: str, expected: str) -> None:
    assert choose_language(preferred, default) == expected


def test_bad_contexts_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="language"):
        choose_language("sv-SE", "de")
    with pytest.raises(ValueError, match="language"):
        talk(language="de")
    with pytest.raises(ValueError, match="aware"):
        talk(meeting_start=dt.datetime(2027, 2, 9, 10))
    with pytest.raises(ValueError, match="before"):
        talk(meeting_end=dt.datetime(2027, 2, 9, 8, tzinfo=dt.timezone.utc))
    with pytest.raises(ValueError, match="time zone"):
        talk(time_zone="Mars/Olympus")
    with pytest.raises(ValueError, match="team_size"):
        ManagerContext("2027", "T", "Per", "sv", -1)
    assert isinstance(talk(), TalkContext)
