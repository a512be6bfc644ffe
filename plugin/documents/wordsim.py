"""Edits to a generated form the way Word writes them (simulated, not Word itself; see
docs/documents.md).

Used by the tests and by ``samtal demo``, whose simulated people fill in and confirm forms.

Word splits typed text into runs with revision ids (``w:rsidR``), marks spelling with
``w:proofErr``, writes Enter as a new ``w:p``, Shift+Enter as ``w:br``, bullets as
``ListParagraph`` plus ``w:numPr``, a picked date as ``w:fullDate`` and a ticked box as
``w14:checked`` plus the ☒ glyph. These helpers do exactly that to the XML of our forms.
"""
from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile
from collections.abc import Callable

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"


def w(name: str) -> str:
    return f"{{{W}}}{name}"


def edit(docx: bytes, change: Callable[[etree._Element], None], part: str = "word/document.xml") -> bytes:
    """Apply ``change`` to a part's XML and return the new package (other entries copied)."""
    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                root = etree.fromstring(data)
                change(root)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            dst.writestr(info, data)
    return out.getvalue()


def control(root: etree._Element, tag: str) -> etree._Element:
    found = [s for s in root.iter(w("sdt")) if s.find(f"{w('sdtPr')}/{w('tag')}") is not None
             and s.find(f"{w('sdtPr')}/{w('tag')}").get(w("val")) == tag]
    if len(found) != 1:
        raise ValueError(f"{tag}: expected one content control, found {len(found)}")
    return found[0]


def _runs(text: str) -> list[etree._Element]:
    """Word-style runs: the text split mid-word, a spelling mark, rsids, soft breaks as w:br."""
    items: list[etree._Element] = []
    for n, line in enumerate(text.split("\n")):
        if n:
            r = etree.Element(w("r"))
            etree.SubElement(r, w("br"))
            items.append(r)
        cut = max(1, len(line) // 2)
        for i, piece in enumerate((line[:cut], line[cut:])):
            if not piece:
                continue
            if i == 1:
                items.append(etree.Element(w("proofErr"), {w("type"): "spellStart"}))
            r = etree.Element(w("r"), {w("rsidR"): "00A1B2C3"})
            t = etree.SubElement(r, w("t"))
            t.text = piece
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            items.append(r)
            if i == 1:
                items.append(etree.Element(w("proofErr"), {w("type"): "spellEnd"}))
    return items


def paragraph(text: str, *, bullet: bool = False, num_id: str = "1", level: int = 0) -> etree._Element:
    p = etree.Element(w("p"), {w("rsidR"): "00C4D5E6", w("rsidRDefault"): "00C4D5E6"})
    if bullet:
        ppr = etree.SubElement(p, w("pPr"))
        etree.SubElement(ppr, w("pStyle")).set(w("val"), "ListParagraph")
        num = etree.SubElement(ppr, w("numPr"))
        etree.SubElement(num, w("ilvl")).set(w("val"), str(level))
        etree.SubElement(num, w("numId")).set(w("val"), num_id)
    for item in _runs(text):
        p.append(item)
    return p


def fill_rich(root: etree._Element, tag: str, lines: list[str | tuple[str, str]]) -> None:
    """Type into a block rich-text control: plain strings are paragraphs (``\\n`` = Shift+Enter),
    ``("bullet", text)`` / ``("number", text)`` are list items."""
    sdt = control(root, tag)
    pr = sdt.find(w("sdtPr"))
    for flag in pr.findall(w("showingPlcHdr")):
        pr.remove(flag)
    content = sdt.find(w("sdtContent"))
    for child in list(content):
        content.remove(child)
    for line in lines:
        if isinstance(line, tuple):
            content.append(paragraph(line[1], bullet=True, num_id="2" if line[0] == "number" else "1"))
        else:
            content.append(paragraph(line))


def set_checkbox(root: etree._Element, tag: str, checked: bool = True) -> None:
    sdt = control(root, tag)
    sdt.find(f"{w('sdtPr')}/{{{W14}}}checkbox/{{{W14}}}checked").set(f"{{{W14}}}val", "1" if checked else "0")
    sdt.find(f"{w('sdtContent')}/{w('r')}/{w('t')}").text = "\u2612" if checked else "\u2610"


def set_date(root: etree._Element, tag: str, day: dt.date | None, shown: str | None = None) -> None:
    """Pick a date (``day``) or type text into the date control (``day=None``, ``shown``)."""
    sdt = control(root, tag)
    pr = sdt.find(w("sdtPr"))
    for flag in pr.findall(w("showingPlcHdr")):
        pr.remove(flag)
    date_el = pr.find(w("date"))
    if day is not None:
        date_el.set(w("fullDate"), f"{day.isoformat()}T00:00:00Z")
    elif w("fullDate") in date_el.attrib:
        del date_el.attrib[w("fullDate")]
    content = sdt.find(w("sdtContent"))
    for child in list(content):
        content.remove(child)
    r = etree.SubElement(content, w("r"))
    etree.SubElement(r, w("t")).text = shown if shown is not None else day.isoformat()  # type: ignore[union-attr]


def type_after(root: etree._Element, tag: str, text: str) -> None:
    """A paragraph typed right after a block control, outside it."""
    control(root, tag).addnext(paragraph(text))


def delete_control(root: etree._Element, tag: str, *, keep_content: bool) -> None:
    """Remove a control; with ``keep_content`` its paragraphs stay (Word's 'Remove content control')."""
    sdt = control(root, tag)
    if keep_content:
        for child in list(sdt.find(w("sdtContent"))):
            sdt.addprevious(child)
    sdt.getparent().remove(sdt)


def duplicate_control(root: etree._Element, tag: str) -> None:
    sdt = control(root, tag)
    sdt.addnext(copy.deepcopy(sdt))


def strip_tags(root: etree._Element) -> None:
    """What LibreOffice 7.4 does to every control: tag and lock gone."""
    for el in list(root.iter(w("tag"), w("lock"))):
        el.getparent().remove(el)


def track_change(root: etree._Element, tag: str, deleted: str, inserted: str) -> None:
    """Append a tracked deletion and insertion to the first paragraph of a control."""
    p = control(root, tag).find(f"{w('sdtContent')}/{w('p')}")
    d = etree.SubElement(p, w("del"), {w("id"): "91", w("author"): "Per", w("date"): "2027-02-09T10:00:00Z"})
    etree.SubElement(etree.SubElement(d, w("r")), w("delText")).text = deleted
    i = etree.SubElement(p, w("ins"), {w("id"): "92", w("author"): "Per", w("date"): "2027-02-09T10:00:00Z"})
    etree.SubElement(etree.SubElement(i, w("r")), w("t")).text = inserted


def fill_form(docx: bytes, texts: dict[str, str], *, confirm: tuple[str, ...] = (),
              health_discussed: bool | None = None, day: dt.date | None = None) -> bytes:
    """A person's work on a form: ``texts`` typed into rich-text controls (lines starting with
    ``- `` become bullets), ``confirm`` ticks ``employee_confirmed``/``manager_confirmed``."""
    def change(root: etree._Element) -> None:
        for tag, text in texts.items():
            lines: list[str | tuple[str, str]] = []
            for line in text.split("\n"):
                lines.append(("bullet", line[2:]) if line.startswith("- ") else line)
            fill_rich(root, tag, lines)
        if health_discussed is not None:
            set_checkbox(root, "health_discussed", health_discussed)
        if day is not None:
            set_date(root, "meeting_date", day)
        for tag in confirm:
            set_checkbox(root, tag, True)
    return edit(docx, change)
