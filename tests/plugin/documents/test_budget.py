"""One form cannot stall a pass: stray text is read in linear time, and a form far larger than any
real one is refused, saying what was too large, before its fields are read."""
from __future__ import annotations

import time

import pytest
from lxml import etree

from plugin.documents import FormTooLargeError, OversizedDocumentError, read_form, render_form, wordsim
from plugin.documents.budget import DEFAULT_BUDGET, ReadingBudget
from plugin.documents.safety import Package
from tests.plugin.documents.conftest import talk

UNLIMITED = ReadingBudget(max_part_bytes=10**9, max_paragraphs=10**9, max_controls=10**9,
                          max_characters=10**9)


def with_stray_paragraphs(docx: bytes, count: int, text: str = "x") -> bytes:
    """``count`` paragraphs typed at the end of the form, outside every control: the same short
    line each time, so the zip deflates them to almost nothing (the crafted form of the issue)."""
    def add(root: etree._Element) -> None:
        body = root.find(wordsim.w("body"))
        last = body[-1]  # w:sectPr
        for _ in range(count):
            p = etree.Element(wordsim.w("p"))
            etree.SubElement(etree.SubElement(p, wordsim.w("r")), wordsim.w("t")).text = text
            last.addprevious(p)
    return wordsim.edit(docx, add)


def test_stray_text_is_read_in_linear_time() -> None:
    """64,000 stray paragraphs took 13–20 s when each was looked up in a list of all the others;
    read in one pass they take a fraction of a second (the bound leaves room for a busy machine)."""
    docx = with_stray_paragraphs(render_form(talk()), 64_000)
    start = time.perf_counter()
    reading = read_form(docx, budget=UNLIMITED)
    took = time.perf_counter() - start
    assert [p for p in reading.problems if "outside" in p] == [
        "text typed outside the form's fields under the heading 'Bekräftelse' (64000 paragraphs); it was not read"]
    assert took < 4.0, f"reading 64,000 stray paragraphs took {took:.1f} s"


def test_a_small_crafted_form_is_refused_quickly_saying_what_was_too_large() -> None:
    """About 22 KB on disk, 150,000 paragraphs once unpacked: refused before any field is read."""
    crafted = with_stray_paragraphs(render_form(talk()), 150_000)
    assert len(crafted) < 24_000
    start = time.perf_counter()
    with pytest.raises(FormTooLargeError, match=r"150,0\d\d paragraphs, more than the 20,000 a form may have") as err:
        read_form(crafted)
    assert time.perf_counter() - start < 3.0
    assert isinstance(err.value, OversizedDocumentError) and "remove what does not belong" in str(err.value)


def test_the_default_budget_is_far_above_a_form_filled_at_length() -> None:
    long_answer = "\n".join(f"Rad {i} med ett mål som är skrivet i sin helhet." for i in range(2_000))
    docx = wordsim.fill_form(render_form(talk()), {"goals": long_answer, "development_plan": long_answer})
    reading = read_form(docx)
    assert reading.fields["goals"] == long_answer
    assert DEFAULT_BUDGET.max_paragraphs >= 5 * 4_000


def test_a_part_too_large_is_refused_from_the_zip_directory_before_unpacking(monkeypatch: pytest.MonkeyPatch) -> None:
    docx = render_form(talk())
    unpacked: list[str] = []
    real = Package._inflate

    def watch(self: Package, entry: object, limit: int) -> bytes:
        unpacked.append(getattr(entry, "name"))
        return real(self, entry, limit)  # type: ignore[arg-type]
    monkeypatch.setattr(Package, "_inflate", watch)
    with pytest.raises(FormTooLargeError, match=r"its part word/document.xml unpacks to [\d,]+ bytes, "
                                                 "more than the 5,000 bytes a form may hold"):
        read_form(docx, budget=ReadingBudget(max_part_bytes=5_000))
    assert unpacked == []


@pytest.mark.parametrize(("budget", "what"), [
    (ReadingBudget(max_controls=12), "13 content controls, more than the 12"),
    (ReadingBudget(max_characters=100), "characters of text, more than the 100"),
])
def test_controls_and_characters_are_capped_too(budget: ReadingBudget, what: str) -> None:
    with pytest.raises(FormTooLargeError, match=what):
        read_form(render_form(talk()), budget=budget)


def test_an_unknown_control_is_counted_never_named() -> None:
    """A control's tag is text anyone can type; problems reach the note, the list and the CSV."""
    secret = "Sömnproblem sedan i höstas"

    def add(root: etree._Element) -> None:
        for tag in (secret, "x-2"):
            sdt = etree.Element(wordsim.w("sdt"))
            pr = etree.SubElement(sdt, wordsim.w("sdtPr"))
            etree.SubElement(pr, wordsim.w("tag")).set(wordsim.w("val"), tag)
            content = etree.SubElement(sdt, wordsim.w("sdtContent"))
            etree.SubElement(etree.SubElement(content, wordsim.w("p")), wordsim.w("r"))
            wordsim.control(root, "goals").addnext(sdt)
    reading = read_form(wordsim.edit(render_form(talk()), add))
    assert not any(secret in p or "x-2" in p for p in reading.problems)
    assert "2 unknown fields (a content control whose tag is not one of the form's) were not read" in reading.problems
