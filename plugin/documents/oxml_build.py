"""WordprocessingML written: new content controls for the templates (plain text, date picker,
checkbox, rich text), and a date picker set the way Word sets it.

A control's properties (``w:sdtPr``) are written in the schema's order (``rPr, alias, tag, id,
lock, placeholder, temporary, showingPlcHdr, ...``, then one type element, ``w14:checkbox``
last); a file that breaks it is not valid against the schema. Each control's ``w:id`` is derived
from its tag, so ids are stable from one document to the next. Facts are from ECMA-376 Part 1
(``schemas/wml.xsd``) and the Word 2010 extensions (``w14``); what samtal makes of them is in
docs/documents.md#making-a-document. The names are in :mod:`plugin.documents.oxml`.
"""
from __future__ import annotations

import datetime as dt
import zlib

from lxml import etree

from plugin.documents.oxml import (
    W_P,
    W_R,
    W_RPR,
    W_SDT,
    W_SDTCONTENT,
    W_SDTPR,
    W_T,
    W_VAL,
    control_content,
    preserve_space,
    w,
    w14,
)


def fill_date(sdt: etree._Element, day: dt.date, shown: str) -> None:
    """Set a date picker the way Word does: ``w:fullDate``, no placeholder flag, one plain run."""
    pr = sdt.find(W_SDTPR)
    date_el = None if pr is None else pr.find(w("date"))
    content = control_content(sdt)
    if pr is None or date_el is None or content is None:
        raise ValueError("not a date control")
    date_el.set(w("fullDate"), f"{day.isoformat()}T00:00:00Z")
    for flag in pr.findall(w("showingPlcHdr")):
        pr.remove(flag)
    runs = list(content.iter(W_R))
    keep = runs[0] if runs else etree.SubElement(content, W_R)
    for run in runs[1:]:
        run.getparent().remove(run)
    for child in list(keep):
        keep.remove(child)
    t = etree.SubElement(keep, W_T)
    t.text = shown


# --------------------------------------------------------------------------- building controls

def control_id(tag: str) -> str:
    """A stable signed 32-bit ``w:id`` per tag (``crc32(tag) - 2**31``; docs/documents.md#making-a-document)."""
    return str(zlib.crc32(tag.encode()) - 2**31)


def _run(text: str, style: str | None = None) -> etree._Element:
    r = etree.Element(W_R)
    if style:
        rpr = etree.SubElement(r, W_RPR)
        etree.SubElement(rpr, w("rStyle")).set(W_VAL, style)
    t = etree.SubElement(r, W_T)
    t.text = text
    preserve_space(t)
    return r


def _sdt_pr(tag: str, alias: str, lock: str | None, placeholder: bool) -> etree._Element:
    pr = etree.Element(W_SDTPR)
    etree.SubElement(pr, w("alias")).set(W_VAL, alias)
    etree.SubElement(pr, w("tag")).set(W_VAL, tag)
    etree.SubElement(pr, w("id")).set(W_VAL, control_id(tag))
    if lock:
        etree.SubElement(pr, w("lock")).set(W_VAL, lock)
    if placeholder:
        etree.SubElement(pr, w("showingPlcHdr"))
    return pr


def text_control(tag: str, alias: str, value: str) -> etree._Element:
    """Inline, prefilled, locked plain-text control (``sdtContentLocked``: cannot be edited)."""
    sdt = etree.Element(W_SDT)
    pr = _sdt_pr(tag, alias, "sdtContentLocked", False)
    etree.SubElement(pr, w("text"))
    sdt.append(pr)
    etree.SubElement(sdt, W_SDTCONTENT).append(_run(value))
    return sdt


def date_control(tag: str, alias: str, placeholder: str, lid: str) -> etree._Element:
    """Inline date picker in placeholder state, ISO ``yyyy-MM-dd`` format."""
    sdt = etree.Element(W_SDT)
    pr = _sdt_pr(tag, alias, "sdtLocked", True)
    date_el = etree.SubElement(pr, w("date"))
    etree.SubElement(date_el, w("dateFormat")).set(W_VAL, "yyyy-MM-dd")
    etree.SubElement(date_el, w("lid")).set(W_VAL, lid)
    etree.SubElement(date_el, w("storeMappedDataAs")).set(W_VAL, "dateTime")
    etree.SubElement(date_el, w("calendar")).set(W_VAL, "gregorian")
    sdt.append(pr)
    etree.SubElement(sdt, W_SDTCONTENT).append(_run(placeholder, "PlaceholderText"))
    return sdt


def checkbox_control(tag: str, alias: str) -> etree._Element:
    """Inline ``w14:checkbox``, unchecked (☐ in MS Gothic, as Word writes it)."""
    sdt = etree.Element(W_SDT)
    pr = _sdt_pr(tag, alias, "sdtLocked", False)
    box = etree.SubElement(pr, w14("checkbox"))
    etree.SubElement(box, w14("checked")).set(w14("val"), "0")
    for name, code in (("checkedState", "2612"), ("uncheckedState", "2610")):
        etree.SubElement(box, w14(name), {w14("val"): code, w14("font"): "MS Gothic"})
    sdt.append(pr)
    run = etree.SubElement(etree.SubElement(sdt, W_SDTCONTENT), W_R)
    rpr = etree.SubElement(run, W_RPR)
    etree.SubElement(rpr, w("rFonts"), {w("ascii"): "MS Gothic", w("eastAsia"): "MS Gothic",
                                        w("hAnsi"): "MS Gothic", w("hint"): "eastAsia"})
    etree.SubElement(run, W_T).text = "\u2610"
    return sdt


def richtext_control(tag: str, alias: str, placeholder: str) -> etree._Element:
    """Block-level rich-text control (no type element) holding one placeholder paragraph."""
    sdt = etree.Element(W_SDT)
    sdt.append(_sdt_pr(tag, alias, "sdtLocked", True))
    p = etree.SubElement(etree.SubElement(sdt, W_SDTCONTENT), W_P)
    p.append(_run(placeholder, "PlaceholderText"))
    return sdt
