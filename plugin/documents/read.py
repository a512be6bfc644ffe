"""Reading a filled-in documentation form back: every field by tag, with fallbacks, and a list
of everything that needs a person's eye.

Order of trust per field (docs/documents.md#reading-a-form): the control with the field's tag; else a control
whose title (``w:alias``) is the field's title in Swedish or English (LibreOffice 7.4 drops every
tag but keeps titles on text controls); else the layout: the table row labelled with the title,
the heading with the title and the paragraphs under it, the paragraph holding a checkbox and the
title. Only ``word/document.xml``, ``docProps/custom.xml``, ``docProps/app.xml`` and, when a
field holds a list, ``word/numbering.xml`` are parsed: never the styles, which can be large
(docs/documents.md#making-a-document).
Problems name fields and headings, never what people wrote, so they can be logged and stored.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from lxml import etree

from plugin.documents import oxml, oxml_read
from plugin.documents.budget import DEFAULT_BUDGET, ReadingBudget
from plugin.documents.model import (
    FORM_FIELDS,
    LANGUAGES,
    FieldSpec,
    FieldValue,
    FormId,
    FormReading,
)
from plugin.documents.placeholders import PLACEHOLDER
from plugin.documents.render import (
    PROP_CAMPAIGN,
    PROP_EMPLOYEE,
    PROP_LANGUAGE,
    load_template,
)
from plugin.documents.safety import MAX_FILE_BYTES, Package

#: Placeholder texts that count as empty when the placeholder flag was lost (LibreOffice drops
#: ``w:showingPlcHdr`` on text controls): ours, and Word's defaults in Swedish and English
#: (the Swedish Word wording is not verified in Word).
KNOWN_PLACEHOLDERS = frozenset(s.casefold() for s in (
    "Skriv här.", "Type here.", "Välj datum.", "Choose a date.",
    "Klicka här för att ange text.", "Klicka eller tryck här för att ange text.",
    "Click or tap here to enter text.", "Click here to enter text.",
    "Klicka eller tryck för att ange ett datum.", "Click or tap to enter a date.",
    "Välj ett objekt.", "Choose an item.",
))
_V = TypeVar("_V")
_MEMO_ENTRIES = 4096
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_SPACES = re.compile(r"\s+")
_LIST_STYLES = {"listbullet": "bullet", "punktlista": "bullet", "listnumber": "decimal",
                "numreradlista": "decimal"}


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def _titles(spec: FieldSpec) -> frozenset[str]:
    return frozenset(_norm(t) for t in spec.titles.values())


ALL_TITLES = frozenset(t for spec in FORM_FIELDS.values() for t in _titles(spec))


@dataclass(frozen=True)
class Boilerplate:
    """The form template's own text outside its controls, as patterns: paragraphs matching
    them are the form, not something a person typed in the wrong place."""

    texts: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    styled: frozenset[tuple[str, str]] = field(default=frozenset())  # (style, "") for placeholder-only lines
    memo: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def matches(self, text: str, style: str | None) -> bool:
        key = _norm(text)
        if key in self.texts or key in ALL_TITLES or key in KNOWN_PLACEHOLDERS:
            return True
        if self.styled_line(style):
            return True
        return any(p.fullmatch(key) for p in self.patterns)

    def known(self, text: str) -> bool:
        """``matches(text, None)``, remembered: forms of one template repeat the same lines."""
        hit = self.memo.get(text)
        if hit is None:
            hit = self.matches(text, None)
            if len(self.memo) >= _MEMO_ENTRIES:
                self.memo.clear()
            self.memo[text] = hit
        return hit

    def styled_line(self, style: str | None) -> bool:
        """A paragraph of this style is one of the template's placeholder-only lines."""
        return style is not None and (style, "") in self.styled


def boilerplate_of(doc: etree._Element) -> Boilerplate:
    texts: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    styled: set[tuple[str, str]] = set()
    for p in oxml_read.outside_paragraphs(doc):
        text = _norm(oxml_read.text_of(p, outside_controls=True))
        if not text:
            continue
        if not PLACEHOLDER.search(text):
            texts.add(text)
        elif not PLACEHOLDER.sub("", text).strip(" ·–-:"):
            styled.add((oxml_read.paragraph_style(p) or "", ""))
        else:
            pieces = PLACEHOLDER.split(text)
            regex = "".join(re.escape(piece) if i % 2 == 0 else ".+?" for i, piece in enumerate(pieces))
            patterns.append(re.compile(regex, re.DOTALL))
    return Boilerplate(frozenset(texts), tuple(patterns), frozenset(styled))


_boilerplate_cache: dict[tuple[str, str], tuple[int, Boilerplate]] = {}
_cache_lock = threading.Lock()


def _template_boilerplate(language: str, templates_dir: Path | None) -> Boilerplate:
    template = load_template("form", language, templates_dir)
    key = (language, str(templates_dir))
    with _cache_lock:
        hit = _boilerplate_cache.get(key)
        if hit is not None and hit[0] == id(template):
            return hit[1]
    made = boilerplate_of(template.trees["word/document.xml"])
    with _cache_lock:
        _boilerplate_cache[key] = (id(template), made)
    return made


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


class _Reader:
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
        titles = _titles(spec)
        adapted = [self._adapt(spec, c) for c in self.controls
                   if c.tag is None and c.alias is not None and _norm(c.alias) in titles]
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
            return None if _norm(text) in KNOWN_PLACEHOLDERS or not text.strip() else self._date(spec, text)
        if content is None or placeholder:
            return ""
        if spec.kind == "text":
            return _strip_placeholder(oxml_read.text_of(content).strip())
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
        titles = _titles(spec)
        how = f"{spec.tag}: its control is missing; read from the text beside its label"
        if spec.kind in ("text", "date"):
            for cells in oxml_read.table_rows(self.doc):
                if len(cells) >= 2 and _norm(oxml_read.text_of(cells[0])) in titles:
                    self.problems.append(how)
                    self.consumed.update(oxml_read.paragraphs(cells[1]))
                    inner = [c for c in self.controls if cells[1] in c.el.iterancestors()]
                    if inner:
                        return self._value(spec, inner[0])
                    text = oxml_read.text_of(cells[1]).strip()
                    if spec.kind == "text":
                        return _strip_placeholder(text)
                    return None if not text or _norm(text) in KNOWN_PLACEHOLDERS else self._date(spec, text)
        elif spec.kind == "checkbox":
            for p in self.paras:
                label = oxml_read.text_of(p, outside_controls=True)
                if _norm(label.lstrip("\u2610\u2612\u2611 ")) not in titles:
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
        titles = _titles(spec)
        start = next((i for i, p in enumerate(self.paras)
                      if oxml_read.is_heading(p) and _norm(oxml_read.text_of(p)) in titles), None)
        if start is None:
            return None
        region: list[etree._Element] = []
        for p in self.paras[start + 1:]:
            text = oxml_read.text_of(p)
            if oxml_read.is_heading(p) or _norm(text) in ALL_TITLES or any(
                    oxml.control_kind(s) == "checkbox" for s in p.iter(oxml.W_SDT)):
                break
            self.consumed.add(p)
            if not self.boilerplate.matches(text, oxml_read.paragraph_style(p)) or not text.strip():
                region.append(p)
        return region

    # ------------------------------------------------------------------ rich text

    def _numbering_formats(self) -> dict[str, dict[int, str]]:
        if self._numbering is None:
            self._numbering = _numbering_formats(self.package)
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
            lines[0] = _strip_placeholder(lines[0])
        out: list[str] = []
        for line in lines:
            if line.strip() or (out and out[-1].strip()):
                out.append(line if line.strip() else "")
        while out and not out[-1].strip():
            out.pop()
        text = "\n".join(out)
        return "" if _norm(text) in KNOWN_PLACEHOLDERS else text

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


#: What was derived from parts that every form of one template or one producer shares
#: (``word/numbering.xml``, ``docProps/app.xml``), keyed by the part as stored in the zip
#: (:meth:`Package.stored`), so a hit costs neither inflating nor parsing. Small parts only,
#: a few entries: a stranger's huge part is never kept.
_CACHE_ENTRIES, _CACHE_MAX_STORED = 32, 64 * 1024
_numbering_cache: dict[tuple[int, int, int, bytes], dict[str, dict[int, str]]] = {}
_app_cache: dict[tuple[int, int, int, bytes], str] = {}
NUMBERING_PART, APP_PART, DOCUMENT_PART = "word/numbering.xml", "docProps/app.xml", "word/document.xml"


def _numbering_formats(package: Package) -> dict[str, dict[int, str]]:
    """List formats by numId (none when the form has no numbering part)."""
    if not package.has(NUMBERING_PART):
        return {}
    key = package.stored(NUMBERING_PART)
    formats = _numbering_cache.get(key)
    if formats is None:
        formats = oxml_read.numbering_formats(package.xml(NUMBERING_PART))
        _remember(_numbering_cache, key, formats)
    return formats


def _application(package: Package) -> str:
    """``docProps/app.xml``'s ``Application`` (``LibreOffice/7.4…`` for LibreOffice files)."""
    if not package.has(APP_PART):
        return ""
    key = package.stored(APP_PART)
    name = _app_cache.get(key)
    if name is None:
        name = oxml.application_name(package.xml(APP_PART))
        _remember(_app_cache, key, name)
    return name


def _remember(cache: dict[tuple[int, int, int, bytes], _V], key: tuple[int, int, int, bytes],
              value: _V) -> None:
    if len(key[3]) > _CACHE_MAX_STORED:
        return
    with _cache_lock:
        if len(cache) >= _CACHE_ENTRIES:
            cache.clear()
        cache[key] = value


class _Unread:
    def __repr__(self) -> str:
        return "<unread>"


_UNREAD = _Unread()


_PLACEHOLDER_PREFIXES = tuple(KNOWN_PLACEHOLDERS)


def _strip_placeholder(text: str) -> str:
    folded = text.casefold()
    if not folded.startswith(_PLACEHOLDER_PREFIXES):  # the common case, in one C call
        return text
    for known in _PLACEHOLDER_PREFIXES:
        if folded.startswith(known):
            return text[len(known):].strip()
    return text


def _language(doc: etree._Element, props: dict[str, str]) -> str:
    language = props.get(PROP_LANGUAGE, "")
    if language in LANGUAGES:
        return language
    texts = {_norm(oxml_read.text_of(p)) for p in oxml_read.paragraphs(doc)}
    texts |= {_norm(a) for a in (oxml.control_alias(s) for s in oxml.controls(doc)) if a}
    score = {lang: sum(_norm(s.titles[lang]) in texts for s in FORM_FIELDS.values()) for lang in LANGUAGES}
    return "en" if score["en"] > score["sv"] else "sv"


def read_form(data: bytes, *, max_bytes: int = MAX_FILE_BYTES, templates_dir: Path | None = None,
              budget: ReadingBudget = DEFAULT_BUDGET) -> FormReading:
    """Read a documentation form. Raises :class:`DocumentError` (or a subclass) for damaged,
    non-docx, oversized and hostile files, and :class:`FormTooLargeError` for a form over the
    reading ``budget``; everything else is a reading with problems."""
    package = Package(data, max_bytes=max_bytes, label="form")
    return read_package(package, templates_dir=templates_dir, budget=budget)


def read_package(package: Package, *, templates_dir: Path | None = None,
                 boilerplate: Boilerplate | None = None,
                 budget: ReadingBudget = DEFAULT_BUDGET) -> FormReading:
    for part in (DOCUMENT_PART, oxml.CUSTOM_PART, APP_PART, NUMBERING_PART):
        budget.check_part(package, part)  # from the zip directory: nothing unpacked yet
    doc = package.xml(DOCUMENT_PART)
    budget.check_tree(doc)
    props = (oxml.read_custom_properties(package.xml(oxml.CUSTOM_PART))
             if package.has(oxml.CUSTOM_PART) else {})
    app = _application(package)
    language = _language(doc, props)
    reader = _Reader(package, doc, boilerplate or _template_boilerplate(language, templates_dir))
    fields = reader.read_all()
    reader.report_outside_text()
    campaign, employee = props.get(PROP_CAMPAIGN, ""), props.get(PROP_EMPLOYEE, "")
    form_id = FormId(campaign, employee) if campaign and employee else None
    problems = reader.problems
    if form_id is None:
        problems.insert(0, "the form carries no samtal form id (custom document properties missing)")
    lo = "libreoffice" in app.casefold()
    if lo and any("tag is missing" in p or "control is missing" in p for p in problems):
        problems.insert(0, "the form was saved with LibreOffice, which drops the fields' tags; "
                           "the fields read by title or layout need a person's review")
    return FormReading(form_id=form_id, fields=fields, problems=tuple(problems),
                       unread=tuple(reader.unread), language=language, saved_by_libreoffice=lo)
