"""Judging a form that was read: what is filed, and what is held for a person's review."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import etree

from connectors.graph.lists_schema import NOTE_LIMIT
from plugin.cache import LookCache
from plugin.collect import HeldForms, judge, judge_reading
from plugin.commands.status import attention
from plugin.documents import FormTooLargeError, render_form, wordsim
from plugin.records import REVIEW, SHORTENED_MARK, Record, Status, fit_multiline, to_fields
from tests.plugin.documents.conftest import talk

NOW = datetime(2027, 4, 5, 9, tzinfo=timezone.utc)
ZONE = timezone.utc
CONFIRM = ("employee_confirmed", "manager_confirmed")


def record(**changes: object) -> Record:
    ctx = talk()
    base = Record(campaign=ctx.campaign_id, employee_id=ctx.employee_id, employee_name=ctx.employee_name,
                  status=Status.HELD, manager_id="id-per", manager_name=ctx.manager_name,
                  manager_email="per.lind@example.se")
    return base.with_changes(**changes)


def filled(texts: dict[str, str] | None = None, edit: object = None) -> bytes:
    docx = wordsim.fill_form(render_form(talk()), texts or {"goals": "Skriva klart boken"}, confirm=CONFIRM)
    return wordsim.edit(docx, edit) if callable(edit) else docx


def test_a_confirmed_form_of_this_talk_is_filed() -> None:
    result = judge(record(), filled(), NOW, zone=ZONE)
    assert result.filed and result.record.status is Status.FILED
    assert result.record.form["goals"] == "Skriva klart boken" and result.record.note == ""


def test_a_form_without_its_identity_is_held_for_review_not_filed() -> None:
    """A copy of the form in a new document (no custom properties) was filed under whoever's
    folder it sat in, with only a note."""
    def drop(root: etree._Element) -> None:
        for prop in list(root):
            root.remove(prop)
    docx = wordsim.edit(filled(), drop, part="docProps/custom.xml")
    result = judge(record(), docx, NOW, zone=ZONE)
    assert not result.filed and result.record.status is Status.HELD and result.record.form == {}
    assert result.record.note.startswith(REVIEW + "the file in this folder is not the form samtal made")
    assert result.record.held_for_review and attention([result.record]) == [result.record]


def test_another_talks_form_is_held_for_review() -> None:
    other = record(employee_id="someone-else")
    result = judge(other, filled(), NOW, zone=ZONE)
    assert not result.filed and result.record.note.startswith(REVIEW) and "belongs to another talk" in result.record.note


def test_a_form_too_large_is_held_with_what_was_too_large() -> None:
    err = FormTooLargeError("the form is too large to read: it has 150,037 paragraphs, more than the 20,000 ...")
    result = judge_reading(record(), err, NOW, zone=ZONE)
    assert result.record.note == REVIEW + str(err) and not result.filed


def test_a_hold_is_lifted_once_the_form_is_this_talks_again_but_not_yet_confirmed() -> None:
    held = record(note=REVIEW + "the documentation form in this folder belongs to another talk (x); put it back")
    unconfirmed = wordsim.fill_form(render_form(talk()), {"goals": "Mål"}, confirm=("employee_confirmed",))
    result = judge(held, unconfirmed, NOW, zone=ZONE)
    assert result.record.note == "waiting for the manager's confirmation" and result.waiting == "the manager"
    other = record(note="the employee's OneDrive was never provisioned: the folder is in the manager's OneDrive")
    # not a hold: kept, after whose confirmation is missing
    assert judge(other, unconfirmed, NOW, zone=ZONE).record.note == "waiting for the manager's confirmation; " + other.note


def test_the_note_says_whose_confirmation_is_missing_and_follows_the_form() -> None:
    form = render_form(talk())
    nobody = judge(record(), wordsim.fill_form(form, {"goals": "Mål"}, confirm=()), NOW, zone=ZONE).record
    assert nobody.note == "waiting for the employee's and the manager's confirmations"
    assert nobody.waiting_for == nobody.note and nobody.status is Status.HELD and not nobody.held_for_review
    manager_only = wordsim.fill_form(form, {"goals": "Mål"}, confirm=("manager_confirmed",))
    later = judge(nobody, manager_only, NOW, zone=ZONE).record  # the earlier clause is replaced
    assert later.note == "waiting for the employee's confirmation"
    both = wordsim.fill_form(form, {"goals": "Mål"}, confirm=("employee_confirmed", "manager_confirmed"))
    filed = judge(later, both, NOW, zone=ZONE)
    assert filed.filed and filed.record.waiting_for == "" and "waiting" not in filed.record.note


def test_the_names_filed_are_the_directorys_never_the_forms() -> None:
    def rename(root: etree._Element) -> None:
        for tag, name in (("manager_name", "Någon Annan"), ("employee_name", "Fel Person")):
            wordsim.control(root, tag).find(f".//{wordsim.w('t')}").text = name
    result = judge(record(), filled(edit=rename), NOW, zone=ZONE)
    assert result.filed
    fields = to_fields(result.record)
    assert fields["ManagerName"] == "Per Lind" and fields["Title"] == talk().employee_name
    assert "Någon Annan" not in str(fields) and "Fel Person" not in str(fields)
    assert "the manager's name in the form differs from the directory's" in result.record.note
    assert "the employee's name in the form differs from the directory's" in result.record.note
    # the list's own ManagerName, read back into the record's form, never wins either
    assert to_fields(result.record.with_changes(form={**result.record.form, "manager_name": "X"}))["ManagerName"] == "Per Lind"


def test_a_field_over_the_multiline_limit_is_filed_shortened_and_the_note_says_so() -> None:
    lines = [f"Mål nummer {i}: att skriva en lång och utförlig plan för året som kommer." for i in range(1_000)]
    goals = "\n".join(lines)
    assert len(goals) > NOTE_LIMIT
    result = judge(record(), filled({"goals": goals, "expectations": "Kort"}), NOW, zone=ZONE)
    filed = str(result.record.form["goals"])
    assert result.filed and len(filed) <= NOTE_LIMIT and filed.endswith(SHORTENED_MARK)
    kept = filed[: -len(SHORTENED_MARK)]
    assert goals.startswith(kept + "\n")  # cut where a line ends
    assert result.record.form["expectations"] == "Kort"
    assert result.record.note.startswith(f"Goals is {len(goals):,} characters, more than the list can hold: "
                                         f"the list holds a shortened copy (its first {len(filed):,}); "
                                         "the whole text is in the document")


def test_fit_multiline_counts_as_sharepoint_does_and_cuts_at_a_sensible_place() -> None:
    assert fit_multiline("kort\ntext", 20) == "kort\ntext"
    assert fit_multiline("a" * 20, 20) == "a" * 20
    emoji = "😀" * 11  # 22 UTF-16 code units: over a limit of 20
    assert fit_multiline(emoji, 20) == "😀" * 8 + SHORTENED_MARK
    assert fit_multiline("ord " * 10, 20) == "ord ord ord ord" + SHORTENED_MARK  # no line break: a space
    assert fit_multiline("x" * 30, 20) == "x" * 16 + SHORTENED_MARK  # one long word: cut inside it
    for text in (emoji, "ord " * 10, "x" * 30, "rad\n" * 10):
        assert len(fit_multiline(text, 20).encode("utf-16-le")) // 2 <= 20


def test_a_held_form_is_not_read_again_until_it_changes() -> None:
    cache = LookCache(None)
    held = HeldForms(cache, NOW)
    before = record()
    data = b"PK not a form at all"
    after = judge(before, data, NOW, zone=ZONE).record
    assert after.held_for_review and not held.unchanged(after, data)
    held.remember(before, data, after)
    assert held.unchanged(after, data)
    assert not held.unchanged(after, data + b"changed")
    assert not held.unchanged(after.with_changes(note=""), data)  # someone cleared the hold in the list
    filed = judge(before, filled(), NOW, zone=ZONE).record
    held.remember(before, b"other", filed)
    assert not held.unchanged(after, b"other")  # only holds are remembered


@pytest.mark.parametrize("status", [Status.SCHEDULED, Status.HELD])
def test_held_for_review_is_a_note_on_the_talks_own_status(status: Status) -> None:
    r = record(status=status, note=REVIEW + "reason")
    assert r.held_for_review and not r.with_changes(status=Status.FILED).held_for_review
    assert not record(status=status, note="the time was taken in X's calendar after booking").held_for_review
