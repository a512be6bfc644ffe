"""Personalisation placeholders: ``{{ employee_name }}`` in a template's text, run-split or not.

Word splits what a person types into runs (spell-check marks, revision ids, bookmarks), so
``{{ employee_name }}`` may arrive as ``{{ `` / ``employee`` / ``_name`` / `` }}`` in four
``w:t``. :func:`normalise` joins each paragraph's text, finds every placeholder, and moves it
whole into the first ``w:t`` it started in (that run's formatting wins), emptying the rest. It
runs once per template; rendering then only replaces text inside single ``w:t`` nodes, with XML
escaping done by lxml, so a name like ``Åsa & <Öberg>`` comes out intact.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from plugin.documents import oxml
from plugin.documents.positions import paragraph_place

#: ``{{ name }}``; AutoCorrect does not touch braces, so only spaces may vary.
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_OPEN = "{{"

TALK_PLACEHOLDERS: Mapping[str, str] = {
    "campaign_id": "the campaign's id, e.g. 2027",
    "campaign_title": "the campaign's title",
    "employee_name": "the employee's display name",
    "manager_name": "the manager's display name",
    "department": "the employee's department",
    "meeting_date": "the day of the talk (or a note that it is not booked yet)",
    "meeting_time": "day, date and time of the talk in the campaign's time zone",
    "previous_goals": "last campaign's goals (or a note that there were none)",
    "previous_development_plan": "last campaign's development plan (or a note that there was none)",
}
MANAGER_PLACEHOLDERS: Mapping[str, str] = {
    "campaign_id": "the campaign's id, e.g. 2027",
    "campaign_title": "the campaign's title",
    "manager_name": "the manager's display name",
    "team_size": "how many talks the manager holds this campaign",
}


@dataclass(frozen=True)
class Finding:
    """A placeholder problem in one part: where and what."""

    part: str
    message: str

    def __str__(self) -> str:
        return f"{self.part}: {self.message}"


def _line(el: etree._Element) -> str:
    return paragraph_place(el)


def normalise(root: etree._Element, part: str) -> tuple[dict[str, list[etree._Element]], list[Finding]]:
    """Move every placeholder into one ``w:t``; return the names found, each with the paragraphs
    it is in (in document order, to say where it is: :func:`~plugin.documents.positions.paragraph_place`),
    and the malformed ones."""
    names: dict[str, list[etree._Element]] = {}
    findings: list[Finding] = []
    for p in root.iter(oxml.W_P):
        nodes = oxml.text_nodes(p)
        texts = [t.text or "" for t in nodes]
        full = "".join(texts)
        if _OPEN not in full and "}}" not in full:
            continue
        starts: list[int] = []
        pos = 0
        for text in texts:
            starts.append(pos)
            pos += len(text)
        matches = list(PLACEHOLDER.finditer(full))
        for match in matches:
            where = names.setdefault(match.group(1), [])
            if not where or where[-1] is not p:
                where.append(p)
        for match in reversed(matches):
            _collapse(nodes, texts, starts, match.start(), match.end(), "{{ %s }}" % match.group(1))
        leftover = PLACEHOLDER.sub("", full)
        if _OPEN in leftover or "}}" in leftover:
            findings.append(Finding(part, f"{_line(p)}: unbalanced braces in {leftover.strip()[:60]!r}; "
                                          "a placeholder is written {{ name }}"))
        if matches and oxml.in_control_properties(p):
            findings.append(Finding(part, f"{_line(p)}: placeholder inside a control's properties"))
    for el, attr in oxml.texts_in_attributes(root, _OPEN):
        findings.append(Finding(part, f"{_line(el)}: placeholder in the attribute {etree.QName(attr).localname} "
                                      "(only text is personalised; control titles and tags are fixed)"))
    for code in oxml.field_codes(root):
        if _OPEN in (code.text or ""):
            findings.append(Finding(part, f"{_line(code)}: placeholder inside a field code"))
    return names, findings


def _collapse(nodes: list[etree._Element], texts: list[str], starts: list[int],
              begin: int, end: int, canonical: str) -> None:
    """Rewrite the nodes covering ``[begin, end)`` of the joined text: the placeholder goes
    whole into the node where it begins. Matches are handled last to first, so text before
    ``begin`` keeps its offsets."""
    first = next(i for i, s in enumerate(starts) if s <= begin < s + len(texts[i]))
    for i in range(first, len(nodes)):
        s = starts[i]
        if s >= end:
            break
        text = texts[i]
        before = text[: begin - s] if s < begin else ""
        after = text[end - s:] if s + len(text) > end else ""
        texts[i] = before + (canonical if i == first else "") + after
        nodes[i].text = texts[i]
        oxml.preserve_space(nodes[i])


def substitute(root: etree._Element, values: Mapping[str, str]) -> None:
    """Replace every (normalised) placeholder under ``root``; multi-line values get ``w:br``."""
    for t in list(root.iter(oxml.W_T)):
        text = t.text
        if not text or _OPEN not in text:
            continue
        new = PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
        oxml.set_text_lines(t, new.split("\n")) if "\n" in new else _set(t, new)


def _set(t: etree._Element, text: str) -> None:
    t.text = text
    oxml.preserve_space(t)


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(value: str) -> str:
    """A value made safe for XML text: control characters dropped, tabs as spaces, ``\\r\\n``
    as ``\\n``."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _XML_BAD.sub("", value)
