"""WordprocessingML read the way a person sees it: the visible text of an element, the paragraphs
outside the content controls, a paragraph's style, list numbering and heading level, placeholder
styling, table rows, and the state a checkbox control shows.

Visible text skips what Word does not show: tracked deletions (``w:del``), moved-from text, field
codes (``w:instrText`` is not ``w:t``) and Markup Compatibility fallbacks. A checkbox's state is
``w14:checkbox/w14:checked/@w14:val`` (``1``, ``true`` or ``on``), cross-checked with the glyph
it shows. Facts are from ECMA-376 Part 1 (``schemas/wml.xsd``) and the Word 2010 extensions
(``w14``); what samtal makes of them is in docs/documents.md#reading-a-form. The names are in
:mod:`plugin.documents.oxml`.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator

from lxml import etree

from plugin.documents.oxml import (
    CHECKED_VALUES,
    MC_NS,
    W14_CHECKBOX,
    W14_CHECKED,
    W14_VAL,
    W_BR,
    W_CR,
    W_ILVL,
    W_MOVEFROM,
    W_NBH,
    W_NS,
    W_NUMID,
    W_NUMPR,
    W_OUTLINE,
    W_P,
    W_PPR,
    W_PSTYLE,
    W_R,
    W_RPR,
    W_RSTYLE,
    W_SDT,
    W_SDTCONTENT,
    W_SDTPR,
    W_T,
    W_TAB,
    W_TC,
    W_TR,
    W_VAL,
    child,
    control_content,
    w,
    w14,
)

_PLACEHOLDER_STYLES = frozenset({"PlaceholderText", "Platshllartext", "Platshllaretext"})


# --------------------------------------------------------------------------- reading text

_CHARS = {W_BR: "\n", W_CR: "\n", W_NBH: "-"}
_TEXT_TAGS = (W_T, W_TAB, W_BR, W_CR, W_NBH)
#: Subtrees whose text is not visible: tracked deletions, moved-from text, Markup Compatibility
#: fallbacks (the choice is shown instead) and control properties.
_HIDDEN = (w("del"), W_MOVEFROM, f"{{{MC_NS}}}Fallback", W_SDTPR)
_HIDDEN_OR_CONTROL = (*_HIDDEN, W_SDT)


def text_of(el: etree._Element, *, outside_controls: bool = False) -> str:
    """Visible text below ``el``: ``w:t``, tabs and breaks; tracked deletions, moved-from text,
    field codes (``w:instrText`` is not ``w:t``) and Markup Compatibility fallbacks are skipped.
    With ``outside_controls``, text of content controls inside ``el`` is left out (``el``'s own
    content is kept when ``el`` is a control).

    One pass over the subtree (a plain ``iter()``: building lxml's tag matcher for the nine tags
    of interest costs more than reading the few tags of a run or a paragraph); the text nodes of
    a hidden subtree are set aside when it is met, which is before them in document order."""
    hidden = _HIDDEN_OR_CONTROL if outside_controls else _HIDDEN
    out: list[str] = []
    skip: set[etree._Element] | None = None
    for n in el.iter():
        tag = n.tag
        if tag == W_T:
            if skip is None or n not in skip:
                out.append(n.text or "")
        elif tag in hidden:
            if n is not el:
                if skip is None:
                    skip = set()
                skip.update(n.iter(*_TEXT_TAGS))
        elif tag in _CHARS or tag == W_TAB:
            if n is el or (skip is not None and n in skip):
                continue
            if tag != W_TAB:
                out.append(_CHARS[tag])
            elif n.getparent().tag == W_R:  # a w:tab in w:pPr/w:tabs is a tab stop, not text
                out.append("\t")
    return "".join(out)


def outside_paragraphs(doc: etree._Element) -> list[etree._Element]:
    """Every ``w:p`` that is not inside a content control's content, in document order."""
    inside = {p for content in doc.iter(W_SDTCONTENT) for p in content.iter(W_P)}
    if not inside:
        return list(doc.iter(W_P))
    return [p for p in doc.iter(W_P) if p not in inside]


#: The text of every paragraph outside the controls, as ``text_of(p, outside_controls=True)``
#: gives it, with the paragraph's style, in one transformation run by libxslt: per paragraph in
#: Python, building lxml's tag matcher and reading tags costs more than all of this.
_OUTSIDE_TEXT_XSL = f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:w="{W_NS}" xmlns:mc="{MC_NS}" exclude-result-prefixes="w mc">
  <xsl:template match="/">
    <o><xsl:for-each select="//w:p[not(ancestor::w:sdtContent)]">
      <p><xsl:if test="w:pPr[1]/w:pStyle[1]/@w:val">
          <xsl:attribute name="s"><xsl:value-of select="w:pPr[1]/w:pStyle[1]/@w:val"/></xsl:attribute>
        </xsl:if><xsl:apply-templates mode="t"/></p>
    </xsl:for-each></o>
  </xsl:template>
  <xsl:template mode="t" match="w:t"><xsl:value-of select="."/></xsl:template>
  <xsl:template mode="t" match="w:r/w:tab"><xsl:text>&#9;</xsl:text></xsl:template>
  <xsl:template mode="t" match="w:br|w:cr"><xsl:text>&#10;</xsl:text></xsl:template>
  <xsl:template mode="t" match="w:noBreakHyphen"><xsl:text>-</xsl:text></xsl:template>
  <xsl:template mode="t" match="w:del|w:moveFrom|mc:Fallback|w:sdtPr|w:sdt|w:tab|text()"/>
  <xsl:template mode="t" match="*"><xsl:apply-templates mode="t"/></xsl:template>
</xsl:stylesheet>""".encode()
_xslt_local = threading.local()


def outside_paragraph_texts(doc: etree._Element) -> list[tuple[str, str | None]]:
    """``(text_of(p, outside_controls=True), paragraph_style(p))`` for every paragraph of
    :func:`outside_paragraphs`, in the same order."""
    transform: etree.XSLT | None = getattr(_xslt_local, "transform", None)
    if transform is None:  # one per thread; the stylesheet reads nothing but the tree it is given
        transform = etree.XSLT(etree.XML(_OUTSIDE_TEXT_XSL),
                               access_control=etree.XSLTAccessControl.DENY_ALL)
        _xslt_local.transform = transform
    try:
        out = transform(doc).getroot()
    except etree.XSLTError:
        out = None
    if out is None:  # libxslt gave up (a pathological tree): the same, one paragraph at a time
        return [(text_of(p, outside_controls=True), paragraph_style(p)) for p in outside_paragraphs(doc)]
    return [(p.text or "", p.get("s")) for p in out]


def paragraphs(el: etree._Element) -> list[etree._Element]:
    """Every ``w:p`` below ``el`` in document order (tables and controls included)."""
    return list(el.iter(W_P))


def paragraph_style(p: etree._Element, ppr: etree._Element | None = None) -> str | None:
    if ppr is None:
        ppr = child(p, W_PPR)
    style = None if ppr is None else child(ppr, W_PSTYLE)
    return None if style is None else style.get(W_VAL)


def paragraph_numbering(p: etree._Element, ppr: etree._Element | None = None) -> tuple[str, int] | None:
    """``(numId, ilvl)`` when the paragraph is a list item by direct numbering (``ppr``: its
    ``w:pPr`` when the caller has it)."""
    if ppr is None:
        ppr = child(p, W_PPR)
    num = None if ppr is None else child(ppr, W_NUMPR)
    if num is None:
        return None
    num_id, ilvl = child(num, W_NUMID), child(num, W_ILVL)
    if num_id is None or num_id.get(W_VAL) in (None, "0"):
        return None
    level = ilvl.get(W_VAL, "0") if ilvl is not None else "0"
    return str(num_id.get(W_VAL)), int(level) if level.isdigit() else 0


def numbering_formats(numbering: etree._Element) -> dict[str, dict[int, str]]:
    """numId → level → ``w:numFmt`` (``bullet``, ``decimal``, ...) from ``word/numbering.xml``."""
    abstract: dict[str, dict[int, str]] = {}
    for an in numbering.iter(w("abstractNum")):
        levels: dict[int, str] = {}
        for lvl in an.iter(w("lvl")):
            fmt = lvl.find(w("numFmt"))
            ilvl = lvl.get(w("ilvl"), "0")
            levels[int(ilvl) if ilvl.isdigit() else 0] = fmt.get(W_VAL, "bullet") if fmt is not None else "bullet"
        abstract[an.get(w("abstractNumId"), "")] = levels
    formats: dict[str, dict[int, str]] = {}
    for num in numbering.iter(w("num")):
        ref = num.find(w("abstractNumId"))
        if ref is not None:
            formats[num.get(w("numId"), "")] = abstract.get(ref.get(W_VAL, ""), {})
    return formats


def is_heading(p: etree._Element) -> bool:
    """A heading by style (``Heading2``, Swedish Word ``Rubrik2``, LibreOffice ``Heading 2``)
    or by an outline level in the paragraph's own properties."""
    style = (paragraph_style(p) or "").replace(" ", "").lower()
    if style.startswith(("heading", "rubrik", "title", "rubrik")):
        return True
    ppr = p.find(W_PPR)
    return ppr is not None and ppr.find(W_OUTLINE) is not None


def all_runs_placeholder_styled(el: etree._Element) -> bool:
    """True when there is text and every run carrying it uses the placeholder character style."""
    seen = False
    for run in el.iter(W_R):
        if not text_of(run).strip():
            continue
        seen = True
        rpr = child(run, W_RPR)
        style = None if rpr is None else child(rpr, W_RSTYLE)
        if style is None or style.get(W_VAL) not in _PLACEHOLDER_STYLES:
            return False
    return seen


def table_rows(doc: etree._Element) -> Iterator[list[etree._Element]]:
    """The cells (``w:tc``) of every table row, nested tables included."""
    for tr in doc.iter(W_TR):
        yield [tc for tc in tr if tc.tag == W_TC]


# --------------------------------------------------------------------------- what a control shows

def _checkbox(sdt: etree._Element) -> etree._Element | None:
    pr = child(sdt, W_SDTPR)
    return None if pr is None else child(pr, W14_CHECKBOX)


def checkbox_checked(sdt: etree._Element, box: etree._Element | None = None) -> bool | None:
    """``w14:checked/@w14:val`` (``1|true|on``); None when the element is absent. ``box`` is
    the control's ``w14:checkbox`` when the caller has found it already."""
    box = _checkbox(sdt) if box is None else box
    checked = None if box is None else child(box, W14_CHECKED)
    if checked is None:
        return None
    return checked.get(W14_VAL, "1").lower() in CHECKED_VALUES


def checkbox_glyph_checked(sdt: etree._Element, box: etree._Element | None = None) -> bool | None:
    """The state the shown glyph says (☒ / ☐, or the glyphs the control declares)."""
    box = _checkbox(sdt) if box is None else box
    on, off = "\u2612", "\u2610"
    if box is not None:
        for name, default in (("checkedState", "2612"), ("uncheckedState", "2610")):
            el = child(box, w14(name))
            try:
                glyph = chr(int(el.get(W14_VAL, default) if el is not None else default, 16))
            except (ValueError, OverflowError):  # not hex, or past U+10FFFF (chr overflows)
                continue
            on, off = (glyph, off) if name == "checkedState" else (on, glyph)
    content = control_content(sdt)
    shown = "" if content is None else text_of(content).strip()
    return True if shown == on else False if shown == off else None


def glyph_state(text: str) -> bool | None:
    """A checkbox flattened to text (odt round trip): the leading glyph's state."""
    head = text.lstrip()[:1]
    return True if head in ("\u2612", "\u2611", "\u2718") else False if head == "\u2610" else None
