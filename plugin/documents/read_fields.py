"""Reading the fields of one form, with fallbacks, and finding text typed outside them.

Order of trust per field (docs/documents.md#reading-a-form): the control with the field's tag;
else a control whose title (``w:alias``) is the field's title in Swedish or English (LibreOffice
7.4 drops every tag but keeps titles on text controls); else the layout: the table row labelled
with the title, the heading with the title and the paragraphs under it, the paragraph holding a
checkbox and the title. Rich text comes back as lines, list items as ``- item`` or ``1. item``.
Every fallback used, and every paragraph that is neither a field nor the template's own text
(:mod:`plugin.documents.boilerplate`), becomes a problem. Problems name fields and headings,
never what people wrote, so they can be logged and stored.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from plugin.documents import oxml, oxml_read
from plugin.documents.boilerplate import (
    ALL_TITLES,
    KNOWN_PLACEHOLDERS,
    Boilerplate,
    norm,
    strip_placeholder,
    titles_of,
)
from plugin.documents.model import FORM_FIELDS, FieldSpec, FieldValue
from plugin.documents.safety import Package
from plugin.documents.shared_parts import numbering_formats

_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_LIST_STYLES = {"listbullet": "bullet", "punktlista": "bullet", "listnumber": "decimal",
                "numreradlista": "decimal"}


@dataclass
class _Control:
    el: etree._Element
    parts: oxml.ControlParts

    @property
    def tag(self) -> str | None:
        return self.parts.tag

    @property
    def alias(self) -> str | None:
        return self.parts.alias

    @property
    def kind(self) -> str:
        return self.parts.kind


class FormReader:
    """One form's fields and problems, read from its document against the template's own text."""

    def __init__(self, package: Package, doc: etree._Element, boilerplate: Boilerplate) -> None:
        self.package, self.doc, self.boilerplate = package, doc, boilerplate
        self.problems: list[str] = []
        self.unread: list[str] = []
        self.consumed: set[etree._Element] = set()
        self._numbering: dict[str, dict[int, str]] | None = None
        self._paras: list[etree._Element] | None = None
        self.controls = [_Control(el, oxml.control_parts(el)) for el in oxml.controls(doc)]
        self.by_el = {c.el: c for c in self.controls}
        self.by_tag: dict[str, list[_Control]] = {}
        for c in self.controls:
            if c.tag is not None:
                self.by_tag.setdefault(c.tag, []).append(c)

    @property
    def paras(self) -> list[etree._Element]:
        if self._paras is None:
            self._paras = oxml_read.paragraphs(self.doc)
        return self._paras

    # ------------------------------------------------------------------ fields

    def read_all(self) -> dict[str, FieldValue]:
        # Counted, never named: a tag is text anyone can type into a control's properties, and
        # problems reach the record's note, the list and the CSV.
        unknown = sum(1 for c in self.controls if c.tag and c.tag not in FORM_FIELDS)
        if unknown:
            self.problems.append(f"{unknown} unknown field{'s' if unknown > 1 else ''} (a content control "
                                 "whose tag is not one of the form's) "
                                 f"{'were' if unknown > 1 else 'was'} not read")
        values: dict[str, FieldValue] = {}
        for tag, spec in FORM_FIELDS.items():
            value = self._read_field(spec)
            if value is _UNREAD:
                self.unread.append(tag)
                value = False if spec.kind == "checkbox" else None if spec.kind == "date" else ""
            values[tag] = value  # type: ignore[assignment]
        return values

    def _read_field(self, spec: FieldSpec) -> FieldValue | object:
        tagged = self.by_tag.get(spec.tag)
        if tagged:
            return self._from_controls(spec, tagged, "")
        titles = titles_of(spec)
        adapted = [self._adapt(spec, c) for c in self.controls
                   if c.tag is None and c.alias is not None and norm(c.alias) in titles]
        by_title = [c for c in adapted if c is not None]
        if by_title:
            if spec.kind == "richtext":
                region = self._region(spec)
                if region is not None:
                    self.problems.append(f"{spec.tag}: its tag is missing; read from the text under its "
                                         "heading (the form was probably saved in LibreOffice)")
                    return self._lines(region)
            return self._from_controls(spec, by_title, " by its title (its tag is missing)")
        return self._by_layout(spec)

    def _adapt(self, spec: FieldSpec, c: _Control) -> _Control | None:
        """A title-matched control of the right kind (LibreOffice moves a checkbox's title onto
        a wrapper around the paragraph)."""
        if spec.kind == "checkbox" and c.kind != "checkbox":
            inner = [d for d in map(self.by_el.__getitem__, c.el.iterdescendants(oxml.W_SDT))
                     if d.kind == "checkbox"]
            return inner[0] if len(inner) == 1 else None
        if spec.kind == "date":
            return c if c.kind in ("date", "text", "richtext") else None
        if spec.kind in ("text", "richtext"):
            return c if c.kind in ("text", "richtext") else None
        return c if c.kind == spec.kind else None

    def _from_controls(self, spec: FieldSpec, found: list[_Control], how: str) -> FieldValue | object:
        values = [self._value(spec, c) for c in found]
        if how:
            self.problems.append(f"{spec.tag}: read{how}")
        if len(found) == 1:
            return values[0]
        filled = {repr(v) for v in values if v not in (None, "", False)}
        if len(filled) <= 1:
            self.problems.append(f"{spec.tag}: the control appears {len(found)} times (copied?); "
                                 "the copies agree, so it was read")
            return next((v for v in values if v not in (None, "", False)), values[0])
        self.problems.append(f"{spec.tag}: the control appears {len(found)} times with different "
                             "content; it was not read")
        return _UNREAD

    def _value(self, spec: FieldSpec, control: _Control) -> FieldValue | object:
        sdt, parts = control.el, control.parts
        content = parts.content
        if spec.kind == "checkbox":
            checked = oxml_read.checkbox_checked(sdt, parts.checkbox)
            glyph = oxml_read.checkbox_glyph_checked(sdt, parts.checkbox)
            if checked is None and glyph is None:
                self.problems.append(f"{spec.tag}: the checkbox state could not be read")
                return _UNREAD
            if checked is not None and glyph is not None and checked != glyph:
                self.problems.append(f"{spec.tag}: the checkbox and its mark disagree; "
                                     f"read as {'checked' if checked else 'not checked'}")
            return checked if checked is not None else glyph
        placeholder = (parts.showing_placeholder
                       or (content is not None and oxml_read.all_runs_placeholder_styled(content)))
        if spec.kind == "date":
            full = None if parts.date is None else parts.date.get(oxml.W_FULLDATE)
            if full and not placeholder:
                return self._date(spec, full)
            text = "" if content is None or placeholder else oxml_read.text_of(content)
            return None if norm(text) in KNOWN_PLACEHOLDERS or not text.strip() else self._date(spec, text)
        if content is None or placeholder:
            return ""
        if spec.kind == "text":
            return strip_placeholder(oxml_read.text_of(content).strip())
        return self._lines(oxml_read.paragraphs(content) or [content])

    def _date(self, spec: FieldSpec, text: str) -> dt.date | object:
        match = _ISO_DATE.match(text)
        if match:
            try:
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                pass
        self.problems.append(f"{spec.tag}: the date is not in the form YYYY-MM-DD and was not read")
        return _UNREAD

    # ------------------------------------------------------------------ layout fallback

    def _by_layout(self, spec: FieldSpec) -> FieldValue | object:
        titles = titles_of(spec)
        how = f"{spec.tag}: its control is missing; read from the text beside its label"
        if spec.kind in ("text", "date"):
            for cells in oxml_read.table_rows(self.doc):
                if len(cells) >= 2 and norm(oxml_read.text_of(cells[0])) in titles:
                    self.problems.append(how)
                    self.consumed.update(oxml_read.paragraphs(cells[1]))
                    inner = [c for c in self.controls if cells[1] in c.el.iterancestors()]
                    if inner:
                        return self._value(spec, inner[0])
                    text = oxml_read.text_of(cells[1]).strip()
                    if spec.kind == "text":
                        return strip_placeholder(text)
                    return None if not text or norm(text) in KNOWN_PLACEHOLDERS else self._date(spec, text)
        elif spec.kind == "checkbox":
            for p in self.paras:
                label = oxml_read.text_of(p, outside_controls=True)
                if norm(label.lstrip("\u2610\u2612\u2611 ")) not in titles:
                    continue
                self.problems.append(how)
                self.consumed.add(p)
                boxes = [c for c in self.controls if c.kind == "checkbox" and p in c.el.iterancestors()]
                if boxes:
                    return self._value(spec, boxes[0])
                state = oxml_read.glyph_state(label)
                if state is not None:
                    return state
        else:
            region = self._region(spec)
            if region is not None:
                self.problems.append(f"{spec.tag}: its control is missing; read from the text under its heading")
                return self._lines(region)
        self.problems.append(f"{spec.tag}: no control, title or label was found; the field could not be read")
        return _UNREAD

    def _region(self, spec: FieldSpec) -> list[etree._Element] | None:
        titles = titles_of(spec)
        start = next((i for i, p in enumerate(self.paras)
                      if oxml_read.is_heading(p) and norm(oxml_read.text_of(p)) in titles), None)
        if start is None:
            return None
        region: list[etree._Element] = []
        for p in self.paras[start + 1:]:
            text = oxml_read.text_of(p)
            if oxml_read.is_heading(p) or norm(text) in ALL_TITLES or any(
                    oxml.control_kind(s) == "checkbox" for s in p.iter(oxml.W_SDT)):
                break
            self.consumed.add(p)
            if not self.boilerplate.matches(text, oxml_read.paragraph_style(p)) or not text.strip():
                region.append(p)
        return region

    # ------------------------------------------------------------------ rich text

    def _numbering_formats(self) -> dict[str, dict[int, str]]:
        if self._numbering is None:
            self._numbering = numbering_formats(self.package)
        return self._numbering

    def _lines(self, paras: Iterable[etree._Element]) -> str:
        lines: list[str] = []
        counters: dict[tuple[str, int], int] = {}
        for p in paras:
            text = oxml_read.text_of(p)
            ppr = oxml.child(p, oxml.W_PPR)
            if ppr is None:  # no properties: neither numbered nor styled
                numbering = style_list = None
            else:
                numbering = oxml_read.paragraph_numbering(p, ppr) if p.tag == oxml.W_P else None
                style_list = _LIST_STYLES.get((oxml_read.paragraph_style(p, ppr) or "").replace(" ", "").lower())
            if numbering is not None or style_list is not None:
                num_id, level = numbering or ("style:" + str(style_list), 0)
                fmt = (self._numbering_formats().get(num_id, {}).get(level, "bullet")
                       if numbering is not None else str(style_list))
                if fmt == "bullet" or fmt == "none":
                    prefix = "- "
                else:
                    counters[(num_id, level)] = counters.get((num_id, level), 0) + 1
                    prefix = f"{counters[(num_id, level)]}. "
                lines.append("  " * level + prefix + text.strip())
            else:
                lines.append(text.rstrip())
        if lines:
            lines[0] = strip_placeholder(lines[0])
        out: list[str] = []
        for line in lines:
            if line.strip() or (out and out[-1].strip()):
                out.append(line if line.strip() else "")
        while out and not out[-1].strip():
            out.pop()
        text = "\n".join(out)
        return "" if norm(text) in KNOWN_PLACEHOLDERS else text

    # ------------------------------------------------------------------ text in the wrong place

    def _stray(self, texts: list[tuple[str, str | None]]) -> list[int]:
        """Which paragraphs hold text that is not the template's own."""
        return [i for i, (text, style) in enumerate(texts)
                if text.strip() and not self.boilerplate.known(text) and not self.boilerplate.styled_line(style)]

    def report_outside_text(self) -> None:
        texts = oxml_read.outside_paragraph_texts(self.doc)
        stray_at = self._stray(texts)
        if not stray_at:
            return
        outside = oxml_read.outside_paragraphs(self.doc)  # the elements, only now they are needed
        if len(outside) != len(texts):  # both list the same paragraphs; never index past that
            stray_at = self._stray([(oxml_read.text_of(p, outside_controls=True), oxml_read.paragraph_style(p))
                                    for p in outside])
        consumed = self.consumed
        stray = {i for i in stray_at if outside[i] not in consumed}  # a set: one lookup per paragraph
        if not stray:
            return
        heading: str | None = None
        counts: dict[str | None, int] = {}
        for i, p in enumerate(outside):  # only now work out which heading each stray paragraph sits under
            if i in stray:
                counts[heading] = counts.get(heading, 0) + 1
            elif oxml_read.is_heading(p):
                text = oxml_read.text_of(p)
                heading = text.strip() if self.boilerplate.matches(text, None) else heading
        for where, n in counts.items():
            place = f"under the heading '{where}'" if where else "at the top of the form"
            self.problems.append(f"text typed outside the form's fields {place} ({n} paragraph"
                                 f"{'s' if n > 1 else ''}); it was not read")



class _Unread:
    def __repr__(self) -> str:
        return "<unread>"


_UNREAD = _Unread()
