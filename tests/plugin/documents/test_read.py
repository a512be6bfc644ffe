"""Reading filled forms back: Word-style edits, placeholders, messy documents."""
from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from plugin.documents import read_form, render_form
from plugin.documents import wordsim
from tests.plugin.documents.conftest import talk

GOALS = ["Leda projektet Älvsjö ärendesystem till driftsättning.",
         ("bullet", "Förbättra svarstider med 20 %"), ("bullet", "Åtgärda öppna ärenden"),
         "Första raden\nandra raden efter Skift+Retur"]
GOALS_TEXT = ("Leda projektet Älvsjö ärendesystem till driftsättning.\n- Förbättra svarstider med 20 %\n"
              "- Åtgärda öppna ärenden\nFörsta raden\nandra raden efter Skift+Retur")


def _filled(language: str) -> bytes:
    def fill(root: etree._Element) -> None:
        wordsim.fill_rich(root, "goals", GOALS)  # type: ignore[arg-type]
        wordsim.fill_rich(root, "development_plan", [("number", "Kurs i projektledning"), ("number", "Mentor")])
        wordsim.fill_rich(root, "previous_goals_followup", ["Målen nåddes till största delen."])
        wordsim.fill_rich(root, "health_notes", ["Känslig anteckning om hälsa."])
        wordsim.fill_rich(root, "manager_feedback", ["Tydligare prioriteringar, tack."])
        wordsim.set_checkbox(root, "health_discussed")
        wordsim.set_checkbox(root, "employee_confirmed")
        wordsim.set_checkbox(root, "manager_confirmed")
        wordsim.set_date(root, "meeting_date", dt.date(2027, 2, 11))
    return wordsim.edit(render_form(talk(language)), fill)


def test_round_trip_in_both_languages(language: str) -> None:
    reading = read_form(_filled(language))
    assert reading.problems == () and reading.unread == ()
    assert reading.language == language
    f = reading.fields
    assert f["employee_name"] == "Åsa & <Öberg>" and f["manager_name"] == "Per Lind"
    assert f["goals"] == GOALS_TEXT
    assert f["development_plan"] == "1. Kurs i projektledning\n2. Mentor"
    assert f["previous_goals_followup"] == "Målen nåddes till största delen."
    assert f["meeting_date"] == dt.date(2027, 2, 11)
    assert f["health_discussed"] is True and f["health_notes"] == "Känslig anteckning om hälsa."
    assert f["competence_needs"] == "" and f["expectations"] == ""
    assert reading.complete
    filed = reading.filed_fields()
    assert filed["Goals"] == GOALS_TEXT and filed["HealthDiscussed"] is True
    assert not any("Känslig" in str(v) or "prioriteringar" in str(v) for v in filed.values())


def test_placeholder_text_is_empty_even_without_the_flag() -> None:
    def lose_flags(root: etree._Element) -> None:
        for flag in list(root.iter(wordsim.w("showingPlcHdr"), wordsim.w("rStyle"))):
            flag.getparent().remove(flag)
    reading = read_form(wordsim.edit(render_form(talk(meeting_start=None, meeting_end=None)), lose_flags))
    assert reading.fields["goals"] == "" and reading.fields["meeting_date"] is None
    assert reading.problems == ()


def test_text_typed_after_an_unremoved_placeholder_is_kept() -> None:
    docx = wordsim.edit(render_form(talk()), lambda r: wordsim.fill_rich(r, "goals", ["Skriv här.Mitt mål"]))
    assert read_form(docx).fields["goals"] == "Mitt mål"


def test_tracked_changes_keep_insertions_and_skip_deletions() -> None:
    def edit(root: etree._Element) -> None:
        wordsim.fill_rich(root, "expectations", ["Budget "])
        wordsim.track_change(root, "expectations", "100 000 kr", "120 000 kr")
    assert read_form(wordsim.edit(render_form(talk()), edit)).fields["expectations"] == "Budget 120 000 kr"


def test_unchecked_confirmation_means_not_complete() -> None:
    docx = wordsim.edit(_filled("sv"), lambda r: wordsim.set_checkbox(r, "manager_confirmed", False))
    reading = read_form(docx)
    assert reading.employee_confirmed and not reading.manager_confirmed and not reading.complete


def test_text_typed_outside_the_controls_is_reported_without_its_content() -> None:
    docx = wordsim.edit(_filled("sv"), lambda r: wordsim.type_after(r, "goals", "Hemlig rad utanför"))
    reading = read_form(docx)
    assert reading.fields["goals"] == GOALS_TEXT
    assert any("outside the form's fields under the heading 'Nya mål' (1 paragraph)" in p for p in reading.problems)
    assert not any("Hemlig" in p for p in reading.problems)


def test_duplicated_control_is_reported() -> None:
    same = wordsim.edit(_filled("sv"), lambda r: wordsim.duplicate_control(r, "manager_confirmed"))
    reading = read_form(same)
    assert reading.fields["manager_confirmed"] is True
    assert any("manager_confirmed: the control appears 2 times" in p and "agree" in p for p in reading.problems)

    def conflicting(root: etree._Element) -> None:
        wordsim.duplicate_control(root, "goals")
        sdts = [s for s in root.iter(wordsim.w("sdt"))
                if s.find(f"{wordsim.w('sdtPr')}/{wordsim.w('tag')}").get(wordsim.w("val")) == "goals"]
        sdts[1].find(f".//{wordsim.w('t')}").text = "Annat"
    reading = read_form(wordsim.edit(_filled("sv"), conflicting))
    assert reading.fields["goals"] == "" and "goals" in reading.unread
    assert any("goals: the control appears 2 times with different content" in p for p in reading.problems)


def test_deleted_control_falls_back_to_the_text_under_its_heading() -> None:
    docx = wordsim.edit(_filled("en"), lambda r: wordsim.delete_control(r, "goals", keep_content=True))
    reading = read_form(docx)
    assert reading.fields["goals"] == GOALS_TEXT
    assert any(p.startswith("goals: its control is missing") for p in reading.problems)
    assert not any("outside" in p for p in reading.problems)


def test_a_field_that_is_gone_entirely_is_listed() -> None:
    def remove(root: etree._Element) -> None:
        wordsim.delete_control(root, "expectations", keep_content=False)
        for p in root.iter(wordsim.w("p")):
            if "Förväntningar på varandra" in "".join(p.itertext()):
                p.getparent().remove(p)
                break
    reading = read_form(wordsim.edit(_filled("sv"), remove))
    assert "expectations" in reading.unread and reading.fields["expectations"] == ""
    assert any(p.startswith("expectations: no control") for p in reading.problems)


def test_lost_tags_are_read_by_title_and_layout(language: str) -> None:
    reading = read_form(wordsim.edit(_filled(language), wordsim.strip_tags))
    assert reading.unread == ()
    assert reading.fields["goals"] == GOALS_TEXT
    assert reading.fields["employee_name"] == "Åsa & <Öberg>"
    assert reading.fields["meeting_date"] == dt.date(2027, 2, 11)
    assert reading.fields["employee_confirmed"] is True and reading.complete
    assert any("tag is missing" in p for p in reading.problems)


def test_a_typed_date_is_parsed_or_reported() -> None:
    iso = wordsim.edit(render_form(talk()), lambda r: wordsim.set_date(r, "meeting_date", None, "2027-03-14"))
    assert read_form(iso).fields["meeting_date"] == dt.date(2027, 3, 14)
    words = wordsim.edit(render_form(talk()), lambda r: wordsim.set_date(r, "meeting_date", None, "14 mars 2027"))
    reading = read_form(words)
    assert reading.fields["meeting_date"] is None and "meeting_date" in reading.unread
    assert any("YYYY-MM-DD" in p for p in reading.problems)


def test_a_form_without_form_id_says_so() -> None:
    def drop(root: etree._Element) -> None:
        for prop in list(root):
            root.remove(prop)
    reading = read_form(wordsim.edit(_filled("sv"), drop, part="docProps/custom.xml"))
    assert reading.form_id is None
    assert reading.problems[0].startswith("the form carries no samtal form id")
    assert reading.fields["goals"] == GOALS_TEXT


@pytest.mark.parametrize("tag", ["employee_confirmed", "health_discussed"])
def test_checkbox_glyph_disagreeing_with_state_is_reported(tag: str) -> None:
    def edit(root: etree._Element) -> None:
        wordsim.set_checkbox(root, tag)
        wordsim.control(root, tag).find(f".//{wordsim.w('t')}").text = "\u2610"
    reading = read_form(wordsim.edit(render_form(talk()), edit))
    assert reading.fields[tag] is True
    assert any(p.startswith(f"{tag}: the checkbox and its mark disagree") for p in reading.problems)
