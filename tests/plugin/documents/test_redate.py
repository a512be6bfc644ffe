"""A moved talk's form: judged untouched on what it reads as, and only its date rewritten."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable

import pytest
from lxml import etree

from plugin.documents import DocumentError, read_form, render_form, wordsim
from plugin.documents.redate import set_form_date, untouched
from tests.plugin.documents.conftest import talk

NEW_DAY = dt.date(2027, 2, 11)


def _word_saves_unchanged(root: etree._Element) -> None:
    """What Word's save without edits does to the XML: revision ids on every paragraph."""
    for p in root.iter(wordsim.w("p")):
        p.set(wordsim.w("rsidR"), "00D1E2F3")
        p.set(wordsim.w("rsidRDefault"), "00D1E2F3")


def test_a_rendered_form_and_one_word_saved_without_edits_are_untouched(language: str) -> None:
    form = render_form(talk(language))
    assert untouched(read_form(form))
    saved = wordsim.edit(form, _word_saves_unchanged)
    assert saved != form and untouched(read_form(saved))
    # someone picked another date and nothing else: the date is not what is judged
    assert untouched(read_form(wordsim.fill_form(form, {}, day=dt.date(2027, 2, 20))))


@pytest.mark.parametrize("change", [
    lambda d: wordsim.fill_form(d, {"goals": "- Skriva klart boken"}),
    lambda d: wordsim.fill_form(d, {"health_notes": "Trött"}),
    lambda d: wordsim.fill_form(d, {}, health_discussed=True),
    lambda d: wordsim.fill_form(d, {}, confirm=("employee_confirmed",)),
    lambda d: wordsim.fill_form(d, {}, health_discussed=False),  # ticked, then unticked: reads blank
    lambda d: wordsim.edit(d, lambda r: wordsim.type_after(r, "goals", "En anteckning")),
    lambda d: wordsim.edit(d, wordsim.strip_tags),  # saved by LibreOffice: tags gone
    lambda d: wordsim.edit(d, lambda r: wordsim.delete_control(r, "expectations", keep_content=True)),
    lambda d: wordsim.edit(d, lambda r: wordsim.set_date(r, "meeting_date", None, "nästa vecka")),
], ids=["goals", "health notes", "box checked", "confirmed", "box unticked", "text outside",
        "libreoffice", "control deleted", "date typed as words"])
def test_anything_written_in_the_form_counts(change: Callable[[bytes], bytes]) -> None:
    form = render_form(talk())
    reading = read_form(change(form))
    blank = reading.fields == read_form(form).fields and not reading.problems
    assert untouched(reading) is blank


def test_a_form_without_its_id_is_not_ours_to_change() -> None:
    form = render_form(talk())
    without = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(form)) as src, zipfile.ZipFile(without, "w") as dst:
        for info in src.infolist():
            if info.filename != "docProps/custom.xml":
                dst.writestr(info, src.read(info.filename))
    assert not untouched(read_form(without.getvalue()))


def test_set_form_date_changes_the_date_and_nothing_else(language: str) -> None:
    form = wordsim.edit(render_form(talk(language)), _word_saves_unchanged)
    moved = set_form_date(form, NEW_DAY)
    before, after = read_form(form), read_form(moved)
    assert before.fields["meeting_date"] == dt.date(2027, 2, 9)
    assert after.fields["meeting_date"] == NEW_DAY and not after.problems
    assert {k: v for k, v in after.fields.items() if k != "meeting_date"} == \
        {k: v for k, v in before.fields.items() if k != "meeting_date"}
    assert after.form_id == before.form_id and untouched(after)
    with zipfile.ZipFile(io.BytesIO(form)) as a, zipfile.ZipFile(io.BytesIO(moved)) as b:
        assert a.namelist() == b.namelist()
        changed = [n for n in a.namelist() if a.read(n) != b.read(n)]
        assert changed == ["word/document.xml"]
        # Word's own revision ids survive: the document is edited, not rendered again
        assert b.read("word/document.xml").count(b"00D1E2F3") == a.read("word/document.xml").count(b"00D1E2F3")
    assert set_form_date(moved, NEW_DAY) == moved  # setting the same date again changes nothing


def test_set_form_date_keeps_what_people_wrote() -> None:
    filled = wordsim.fill_form(render_form(talk()), {"goals": "- Skriva klart boken"}, confirm=("employee_confirmed",))
    after = read_form(set_form_date(filled, NEW_DAY))
    assert after.fields["goals"] == "- Skriva klart boken" and after.fields["employee_confirmed"] is True


def test_set_form_date_refuses_a_form_without_one_date_control() -> None:
    form = render_form(talk())
    for broken in (wordsim.edit(form, lambda r: wordsim.delete_control(r, "meeting_date", keep_content=False)),
                   wordsim.edit(form, lambda r: wordsim.duplicate_control(r, "meeting_date"))):
        with pytest.raises(DocumentError):
            set_form_date(broken, NEW_DAY)
    with pytest.raises(DocumentError):
        set_form_date(b"not a zip", NEW_DAY)
