"""The form template's own text, to tell it from what a person wrote: the fields' titles in
Swedish and English, the placeholder texts that count as empty, and the template's paragraphs
outside its controls as texts and patterns (a placeholder inside a line matches any text).

A form's boilerplate is read from its template once per language and templates directory
(:func:`template_boilerplate`). Texts are compared folded: spaces collapsed, case folded.
The reader of a form (:mod:`plugin.documents.read_fields`) uses it to skip the form's own lines
and report the rest (docs/documents.md#reading-a-form).
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from plugin.documents import oxml_read
from plugin.documents.model import FORM_FIELDS, FieldSpec
from plugin.documents.placeholders import PLACEHOLDER
from plugin.documents.render import load_template

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
_MEMO_ENTRIES = 4096
_SPACES = re.compile(r"\s+")


def norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def titles_of(spec: FieldSpec) -> frozenset[str]:
    return frozenset(norm(t) for t in spec.titles.values())


ALL_TITLES = frozenset(t for spec in FORM_FIELDS.values() for t in titles_of(spec))


@dataclass(frozen=True)
class Boilerplate:
    """The form template's own text outside its controls, as patterns: paragraphs matching
    them are the form, not something a person typed in the wrong place."""

    texts: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    styled: frozenset[tuple[str, str]] = field(default=frozenset())  # (style, "") for placeholder-only lines
    memo: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def matches(self, text: str, style: str | None) -> bool:
        key = norm(text)
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
        text = norm(oxml_read.text_of(p, outside_controls=True))
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


def template_boilerplate(language: str, templates_dir: Path | None) -> Boilerplate:
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


_PLACEHOLDER_PREFIXES = tuple(KNOWN_PLACEHOLDERS)


def strip_placeholder(text: str) -> str:
    folded = text.casefold()
    if not folded.startswith(_PLACEHOLDER_PREFIXES):  # the common case, in one C call
        return text
    for known in _PLACEHOLDER_PREFIXES:
        if folded.startswith(known):
            return text[len(known):].strip()
    return text
