"""WordprocessingML at the element level: namespaces and element names, finding content controls
and reading their properties, the text nodes placeholders are replaced in, and the package's parts.

The rest of ``plugin.documents`` talks about tags, values and paragraphs; only the ``oxml``
modules know WordprocessingML. This one is the vocabulary the others build on: the names, where a
control keeps its tag, title, type and locks (``w:sdtPr``), where LibreOffice keeps custom
properties (``docProps/custom.xml``), and how Markup Compatibility is stripped before a part is
validated. Reading what a body shows is :mod:`plugin.documents.oxml_read`; making controls and
setting a date is :mod:`plugin.documents.oxml_build`.
Facts are from ECMA-376 Part 1 (``schemas/wml.xsd``); what samtal makes of them is in
docs/documents.md#making-a-document.
"""
from __future__ import annotations

import copy
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
CHECKED_VALUES = frozenset({"1", "true", "on"})


# --------------------------------------------------------------------------- finding elements

def child(el: etree._Element, tag: str) -> etree._Element | None:
    """The first child with ``tag``; a plain loop, faster than ``find`` for the first few."""
    for c in el:
        if c.tag == tag:
            return c
    return None


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


def control_content(sdt: etree._Element) -> etree._Element | None:
    return child(sdt, W_SDTCONTENT)


def is_inline(sdt: etree._Element) -> bool:
    """True for a run-level control (inside a paragraph), False for a block-level one."""
    holder = enclosing(sdt, W_P, W_BODY, W_TC)
    return holder is not None and holder.tag == W_P


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
