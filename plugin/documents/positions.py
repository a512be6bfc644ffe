"""Where something is in a Word document, said so that a person can find it in Word.

Word writes a whole part (``word/document.xml``) on one or two lines of XML, so an XML line
number ("line 2") points at nothing anyone can see. A place is named instead by the paragraph
it is in: its number in the part, counted from the top (paragraphs in tables and text boxes
count too), with the start of its text, or of the text before it when it is empty; and a
content control by its tag and title, which Word shows under Developer → Properties.
"""
from __future__ import annotations

from lxml import etree

from plugin.documents import oxml, oxml_read

_SHOWN = 40  # characters of a paragraph's text quoted to find it by


def paragraph_of(el: etree._Element) -> etree._Element | None:
    """The paragraph ``el`` is in, or (for a block such as a control around paragraphs, a table
    or a table cell) the first paragraph inside it."""
    if el.tag == oxml.W_P:
        return el
    around = oxml.enclosing(el, oxml.W_P)  # (an element with no children is falsy: no `or`)
    return around if around is not None else next(el.iter(oxml.W_P), None)


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    return f"'{text}'" if len(text) <= _SHOWN else f"'{text[:_SHOWN - 1].rstrip()}…'"


def paragraph_place(el: etree._Element) -> str:
    """"paragraph 12 ('Nya mål …')", or "paragraph 13 (empty, after 'Nya mål')", for the
    paragraph ``el`` is in; "outside any paragraph" when there is none."""
    p = paragraph_of(el)
    if p is None:
        return "outside any paragraph"
    every = list(p.getroottree().getroot().iter(oxml.W_P))
    number = next(i for i, q in enumerate(every, 1) if q is p)
    text = oxml_read.text_of(p).strip()
    if text:
        return f"paragraph {number} ({_quoted(text)})"
    before = next((t for q in reversed(every[:number - 1]) if (t := oxml_read.text_of(q).strip())), "")
    return f"paragraph {number} (empty, after {_quoted(before)})" if before else f"paragraph {number} (empty)"


def control_place(sdt: etree._Element) -> str:
    """"the control tagged 'goals' (title 'Nya mål')", with the paragraph when it has no tag."""
    tag, alias = oxml.control_tag(sdt), oxml.control_alias(sdt)
    title = f"title '{alias}'" if alias else "no title"
    if tag:
        return f"the control tagged '{tag}' ({title})"
    return f"a content control without a tag ({title}) in {paragraph_place(sdt)}"
