"""WordprocessingML at the element level: every namespace, XPath and content-control snippet.

The rest of ``plugin.documents`` talks about tags, values and paragraphs; only this module knows
that a checkbox is ``w14:checkbox/w14:checked/@w14:val``, that ``w:sdtPr`` children have a
schema order (``rPr, alias, tag, id, lock, placeholder, temporary, showingPlcHdr, ...``, then
one type element, ``w14:checkbox`` last), or where LibreOffice keeps custom properties.
Facts are from ECMA-376 Part 1 (``schemas/wml.xsd``); what samtal makes of them is in
docs/documents.md#making-a-document.
"""
from __future__ import annotations

import copy
import datetime as dt
import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
XML_NS = "http://www.w3.org/XML/1998/namespace"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
PR_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_PART = "docProps/custom.xml"
#: FMTID every custom property carries (ECMA-376 Part 1, §22.3.2.2 / shared-documentPropertiesCustom).
CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


NSMAP = {"w": W_NS, "w14": W14_NS, "mc": MC_NS}


def w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


def w14(name: str) -> str:
    return f"{{{W14_NS}}}{name}"


W_BODY, W_P, W_R, W_T, W_TBL, W_TR, W_TC = (w(n) for n in ("body", "p", "r", "t", "tbl", "tr", "tc"))
W_SDT, W_SDTPR, W_SDTCONTENT = w("sdt"), w("sdtPr"), w("sdtContent")
W_PPR, W_RPR, W_VAL = w("pPr"), w("rPr"), w("val")
W_TAB, W_BR, W_CR, W_NBH = w("tab"), w("br"), w("cr"), w("noBreakHyphen")
W_MOVEFROM, W_TXBX = w("moveFrom"), w("txbxContent")
W_PSTYLE, W_NUMPR, W_NUMID, W_ILVL, W_OUTLINE = (w(n) for n in ("pStyle", "numPr", "numId", "ilvl", "outlineLvl"))
W_RSTYLE, W_ALIAS, W_TAG, W_LOCK, W_SHOWPH = (w(n) for n in ("rStyle", "alias", "tag", "lock", "showingPlcHdr"))
W14_CHECKBOX, W14_CHECKED, W14_VAL = w14("checkbox"), w14("checked"), w14("val")
W_DATE, W_FULLDATE = w("date"), w("fullDate")
_KINDS = {w("text"): "text", w("date"): "date", W14_CHECKBOX: "checkbox",
          w("dropDownList"): "dropdown", w("comboBox"): "dropdown", w("richText"): "richtext",
          **{w(n): "other" for n in ("picture", "docPartObj", "docPartList", "equation", "citation",
                                     "bibliography", "group")}}
_PLACEHOLDER_STYLES = frozenset({"PlaceholderText", "Platshllartext", "Platshllaretext"})
CHECKED_VALUES = frozenset({"1", "true", "on"})


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


def child(el: etree._Element, tag: str) -> etree._Element | None:
    """The first child with ``tag``; a plain loop, faster than ``find`` for the first few."""
    for c in el:
        if c.tag == tag:
            return c
    return None


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


def enclosing(el: etree._Element, *tags: str) -> etree._Element | None:
    """The nearest ancestor with one of ``tags``."""
    return next(el.iterancestors(*tags), None)


# --------------------------------------------------------------------------- content controls

def controls(doc: etree._Element) -> list[etree._Element]:
    """Every ``w:sdt`` in document order."""
    return list(doc.iter(W_SDT))


@dataclass(frozen=True)
class ControlParts:
    """What the reader needs of one ``w:sdt``, found in one pass over it and its ``w:sdtPr``."""

    tag: str | None
    alias: str | None
    kind: str
    showing_placeholder: bool
    content: etree._Element | None
    checkbox: etree._Element | None  # w14:checkbox
    date: etree._Element | None  # w:date


def control_parts(sdt: etree._Element) -> ControlParts:
    """The first ``w:sdtPr`` and ``w:sdtContent`` and, in the properties, tag and alias (the last
    one wins), the kind (the first type element), the placeholder flag, checkbox and date."""
    pr = content = None
    for c in sdt:
        ctag = c.tag
        if ctag == W_SDTPR:
            if pr is None:
                pr = c
        elif ctag == W_SDTCONTENT and content is None:
            content = c
    tag = alias = box = date = None
    kind, found_kind, placeholder, seen_flag = "richtext", False, False, False
    for c in (pr if pr is not None else ()):
        ctag = c.tag
        if ctag == W_TAG:
            tag = c.get(W_VAL)
        elif ctag == W_ALIAS:
            alias = c.get(W_VAL)
        elif ctag == W_SHOWPH:
            if not seen_flag:
                placeholder, seen_flag = c.get(W_VAL, "1") in CHECKED_VALUES, True
        else:
            if ctag == W14_CHECKBOX and box is None:
                box = c
            elif ctag == W_DATE and date is None:
                date = c
            if not found_kind and ctag in _KINDS:
                kind, found_kind = _KINDS[ctag], True
    return ControlParts(tag, alias, kind, placeholder, content, box, date)


def control_summary(sdt: etree._Element) -> tuple[str | None, str | None, str]:
    """``(tag, alias, kind)`` in one pass over ``w:sdtPr``."""
    parts = control_parts(sdt)
    return parts.tag, parts.alias, parts.kind


def _pr_val(sdt: etree._Element, name: str) -> str | None:
    pr = child(sdt, W_SDTPR)
    el = None if pr is None else child(pr, name)
    return None if el is None else el.get(W_VAL)


def control_tag(sdt: etree._Element) -> str | None:
    return _pr_val(sdt, W_TAG)


def control_alias(sdt: etree._Element) -> str | None:
    return _pr_val(sdt, W_ALIAS)


def control_kind(sdt: etree._Element) -> str:
    """``text``, ``date``, ``checkbox``, ``dropdown``, ``richtext`` (no type element, as Word
    writes rich text) or ``other`` (picture, building block, ...)."""
    pr = sdt.find(W_SDTPR)
    if pr is None:
        return "richtext"
    for child in pr:
        kind = _KINDS.get(child.tag)
        if kind is not None:
            return kind
    return "richtext"


def control_locks(sdt: etree._Element) -> str | None:
    return _pr_val(sdt, W_LOCK)


def control_multiline(sdt: etree._Element) -> bool:
    pr = sdt.find(W_SDTPR)
    text = None if pr is None else pr.find(w("text"))
    return text is not None and text.get(w("multiLine")) in CHECKED_VALUES


def showing_placeholder(sdt: etree._Element) -> bool:
    pr = child(sdt, W_SDTPR)
    if pr is None:
        return False
    flag = child(pr, W_SHOWPH)
    return flag is not None and flag.get(W_VAL, "1") in CHECKED_VALUES


def control_content(sdt: etree._Element) -> etree._Element | None:
    return child(sdt, W_SDTCONTENT)


def is_inline(sdt: etree._Element) -> bool:
    """True for a run-level control (inside a paragraph), False for a block-level one."""
    holder = enclosing(sdt, W_P, W_BODY, W_TC)
    return holder is not None and holder.tag == W_P


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


def date_full(sdt: etree._Element) -> str | None:
    pr = child(sdt, W_SDTPR)
    el = None if pr is None else child(pr, W_DATE)
    return None if el is None else el.get(W_FULLDATE)


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


# --------------------------------------------------------------------------- placeholders in text

def text_nodes(p: etree._Element) -> list[etree._Element]:
    """The ``w:t`` whose nearest paragraph is ``p`` (not a nested text box's)."""
    return [t for t in p.iter(W_T) if enclosing(t, W_P) is p]


def preserve_space(t: etree._Element) -> None:
    t.set(f"{{{XML_NS}}}space", "preserve")


def in_control_properties(el: etree._Element) -> bool:
    return enclosing(el, W_SDTPR) is not None


def set_text_lines(t: etree._Element, lines: list[str]) -> None:
    """Put ``lines`` into the run of ``t`` separated by ``w:br`` (soft line breaks)."""
    t.text = lines[0]
    preserve_space(t)
    anchor = t
    for line in lines[1:]:
        br = etree.Element(W_BR)
        anchor.addnext(br)
        nt = etree.Element(W_T)
        nt.text = line
        preserve_space(nt)
        br.addnext(nt)
        anchor = nt


def texts_in_attributes(root: etree._Element, needle: str) -> Iterator[tuple[etree._Element, str]]:
    """Elements carrying ``needle`` in an attribute value (placeholders must not go there)."""
    for el in root.iter():
        for name, value in el.attrib.items():
            if needle in value:
                yield el, str(name)


def field_codes(root: etree._Element) -> Iterator[etree._Element]:
    yield from root.iter(w("instrText"))


# --------------------------------------------------------------------------- package parts

def read_custom_properties(root: etree._Element) -> dict[str, str]:
    """Name → text of every property in ``docProps/custom.xml``."""
    props: dict[str, str] = {}
    for prop in root.iter(f"{{{CUSTOM_NS}}}property"):
        name = prop.get("name")
        if name:
            value = prop[0] if len(prop) == 1 and not prop.text else None
            if value is not None and isinstance(value.tag, str) and not len(value) and not value.tail:
                props[name] = (value.text or "").strip()  # one typed value (vt:lpwstr): its text
            else:
                props[name] = "".join(prop.itertext()).strip()
    return props


def custom_properties_xml(props: Mapping[str, str]) -> bytes:
    """``docProps/custom.xml`` with string properties (``vt:lpwstr``); LibreOffice keeps these."""
    root = etree.Element(f"{{{CUSTOM_NS}}}Properties", nsmap={None: CUSTOM_NS, "vt": VT_NS})
    for pid, (name, value) in enumerate(props.items(), start=2):  # pids start at 2 (§22.3.2.2)
        prop = etree.SubElement(root, f"{{{CUSTOM_NS}}}property",
                                fmtid=CUSTOM_FMTID, pid=str(pid), name=name)
        etree.SubElement(prop, f"{{{VT_NS}}}lpwstr").text = value
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return data


def ensure_custom_part(content_types: etree._Element, rels: etree._Element) -> bool:
    """Declare ``docProps/custom.xml`` in ``[Content_Types].xml`` and ``_rels/.rels``.
    Returns True when something had to be added."""
    changed = False
    part = "/" + CUSTOM_PART
    if not any(o.get("PartName") == part for o in content_types.iter(f"{{{CT_NS}}}Override")):
        etree.SubElement(content_types, f"{{{CT_NS}}}Override", PartName=part, ContentType=CUSTOM_CT)
        changed = True
    rel_list = list(rels.iter(f"{{{PR_NS}}}Relationship"))
    if not any(r.get("Type") == CUSTOM_REL for r in rel_list):
        ids = {r.get("Id") for r in rel_list}
        new_id = next(f"rId{n}" for n in range(100, 10_000) if f"rId{n}" not in ids)
        etree.SubElement(rels, f"{{{PR_NS}}}Relationship", Id=new_id, Type=CUSTOM_REL,
                         Target=CUSTOM_PART)
        changed = True
    return changed


def application_name(app: etree._Element) -> str:
    el = app.find(f"{{{APP_NS}}}Application")
    return (el.text or "") if el is not None else ""


def header_footer_parts(names: Iterable[str]) -> list[str]:
    return sorted(n for n in names if n.startswith(("word/header", "word/footer")) and n.endswith(".xml"))


def strip_markup_compatibility(root: etree._Element) -> etree._Element:
    """A copy with Markup Compatibility applied as a consumer that knows only ECMA-376 does:
    ignorable namespaces' elements and attributes removed, ``mc:AlternateContent`` replaced
    by its fallback. Used before validating against ``wml.xsd``."""
    root = copy.deepcopy(root)
    prefixes = (root.get(f"{{{MC_NS}}}Ignorable") or "").split()
    ignorable = {root.nsmap.get(p) for p in prefixes} - {None}
    for alt in list(root.iter(f"{{{MC_NS}}}AlternateContent")):
        parent = alt.getparent()
        if parent is None:
            continue
        fallback = alt.find(f"{{{MC_NS}}}Fallback")
        for child in (list(fallback) if fallback is not None else []):
            alt.addprevious(child)
        parent.remove(alt)
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        if etree.QName(el).namespace in ignorable:
            parent = el.getparent()
            if parent is not None:
                parent.remove(el)
            continue
        for name in list(el.attrib):
            ns = etree.QName(name).namespace
            if ns in ignorable or ns == MC_NS:
                del el.attrib[name]
    etree.cleanup_namespaces(root)
    return root


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
