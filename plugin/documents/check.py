"""``samtal templates check``: is a template HR edited in Word still usable?

Checks, each problem one readable line: placeholders known and well-formed (run splitting is
fine; braces left open, unknown names, placeholders in control titles or field codes are not);
for the form, every tag of the form's contract (docs/documents.md#the-form-contract) present once with the right kind (rich text block-level, the
names locked); every WordprocessingML part and the custom properties valid against the ECMA-376
schemas (after Markup Compatibility processing); and a trial render with awkward values
(``& < >``, åäö, line breaks) that must read back intact.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path

from lxml import etree

from plugin.documents import oxml
from plugin.documents.boilerplate import boilerplate_of
from plugin.documents.model import FORM_FIELDS, DocumentError, TalkContext
from plugin.documents.placeholders import normalise
from plugin.documents.positions import control_place, paragraph_place
from plugin.documents.read import read_package
from plugin.documents.render import ALLOWED, KINDS, Template, talk_values
from plugin.documents.safety import Package

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
_WML_PARTS = ("word/document.xml", "word/styles.xml", "word/numbering.xml", "word/settings.xml")
_schemas: dict[str, etree.XMLSchema] = {}
_schema_lock = threading.Lock()
_NS_SHORT = {f"{{{oxml.W_NS}}}": "w:", f"{{{oxml.W14_NS}}}": "w14:", f"{{{oxml.CUSTOM_NS}}}": "",
             f"{{{oxml.VT_NS}}}": "vt:"}


def schema(name: str) -> etree.XMLSchema:
    """A schema from ``schemas/`` (ECMA-376 transitional, from python-docx's ``ref/xsd``)."""
    with _schema_lock:
        if name not in _schemas:
            _schemas[name] = etree.XMLSchema(etree.parse(str(SCHEMA_DIR / name)))
        return _schemas[name]


def _short(message: str) -> str:
    for long, short in _NS_SHORT.items():
        message = message.replace(long, short)
    return re.sub(r"\s+", " ", message)


def schema_problems(part: str, root: etree._Element, xsd: str = "wml.xsd") -> list[str]:
    """Schema errors of one part, each as ``part, where: message``, where naming the content
    control or the paragraph the error is in (:mod:`plugin.documents.positions`)."""
    validator = schema(xsd)
    stripped = oxml.strip_markup_compatibility(root)
    if validator.validate(stripped):
        return []
    return [f"{part}, {_where(stripped, e.path)}: {_short(e.message)}" for e in validator.error_log][:20]


def _where(root: etree._Element, path: str | None) -> str:
    """The place of the element at ``path`` (the XPath libxml2 reports with an error)."""
    try:
        found = root.getroottree().xpath(path or "", namespaces={k: v for k, v in root.nsmap.items() if k})
    except etree.XPathError:
        found = []
    el = found[0] if isinstance(found, list) and found and isinstance(found[0], etree._Element) else None
    if el is None:
        return "somewhere in the part"
    sdt = el if el.tag == oxml.W_SDT else oxml.enclosing(el, oxml.W_SDT)
    return control_place(sdt) if sdt is not None else paragraph_place(el)


def infer_kind(name: str, doc: etree._Element, package: Package | None = None) -> str:
    """The kind a template is, when not given: from its file name (``form.sv.docx``), else the
    form's content controls, else :data:`TEMPLATE_PROPERTY`, else a prep guide."""
    stem = Path(name).name.split(".")[0]
    if stem in KINDS:
        return stem
    tags = {oxml.control_tag(s) for s in oxml.controls(doc)}
    if tags & set(FORM_FIELDS):
        return "form"
    declared = _declared(package) if package is not None else ""
    return declared if declared in KINDS else "prep_guide"


def _declared(package: Package) -> str:
    """The kind :data:`TEMPLATE_PROPERTY` names ("form" of ``form.sv``), or ""."""
    props = (oxml.read_custom_properties(package.xml(oxml.CUSTOM_PART))
             if package.has(oxml.CUSTOM_PART) else {})
    return props.get(TEMPLATE_PROPERTY, "").split(".")[0]


KIND_NAMES = {"prep_guide": "prep guide", "form": "documentation form", "manager_guide": "manager's guide"}
#: The document property samtal's own templates carry: ``form.sv``, ``prep_guide.en``, ...
TEMPLATE_PROPERTY = "samtal_template"


def kind_mismatch(kind: str, doc: etree._Element, package: Package) -> str:
    """Why the template is not a ``kind`` at all, or "". The form is the only template with the
    form's content controls (tagged ``employee_name``, ``goals``, ...); the two guides differ by
    their placeholders, and samtal's own templates say which they are in the document property
    :data:`TEMPLATE_PROPERTY`, which Word keeps when HR edits and saves them."""
    form_tags = [t for t in (oxml.control_tag(s) or "" for s in oxml.controls(doc)) if t in FORM_FIELDS]
    declared = _declared(package)
    if kind != "form" and form_tags:
        shown = ", ".join(dict.fromkeys(form_tags[:4])) + (", …" if len(set(form_tags)) > 4 else "")
        return (f"this is a documentation form, not a {KIND_NAMES[kind]}: it holds the form's content "
                f"controls ({shown}); check it with --kind form")
    if kind == "form" and not form_tags:
        guess = f"--kind {declared}" if declared in ("prep_guide", "manager_guide") else \
            "--kind prep_guide or --kind manager_guide"
        return (f"this is not a documentation form: it has none of the form's content controls "
                f"({', '.join(list(FORM_FIELDS)[:3])}, …); if it is a guide, check it with {guess}")
    if kind != "form" and declared in KINDS and declared != kind and declared != "form":
        return (f"this is a {KIND_NAMES[declared]}, not a {KIND_NAMES[kind]}: its document property "
                f"{TEMPLATE_PROPERTY} says so; check it with --kind {declared}")
    return ""


def check_template(data: bytes, *, kind: str | None = None, name: str = "") -> tuple[str, ...]:
    """Every problem of a template; empty when it is fine. Raises :class:`DocumentError` when
    the file is not a readable .docx at all."""
    package = Package(data, label=name or "template")
    doc = package.xml("word/document.xml")
    kind = kind or infer_kind(name, doc, package)
    if kind not in KINDS:
        raise DocumentError(f"unknown template kind {kind!r}; one of {', '.join(KINDS)}")
    mismatch = kind_mismatch(kind, doc, package)
    if mismatch:
        return (mismatch,)
    problems: list[str] = []
    parts = [p for p in _WML_PARTS if package.has(p)] + oxml.header_footer_parts(package.entries)
    for part in parts:
        root = doc if part == "word/document.xml" else package.xml(part)
        problems += schema_problems(part, root)
        if part == "word/document.xml" or part.startswith(("word/header", "word/footer")):
            names, findings = normalise(etree.fromstring(etree.tostring(root)), part)
            problems += [str(f) for f in findings]
            known = ", ".join(sorted(ALLOWED[kind]))
            for unknown in sorted(names.keys() - ALLOWED[kind]):
                problems += [f"{part}: {paragraph_place(p)}: unknown placeholder {{{{ {unknown} }}}}; "
                             f"known: {known}" for p in names[unknown]]
    if package.has(oxml.CUSTOM_PART):
        problems += schema_problems(oxml.CUSTOM_PART, package.xml(oxml.CUSTOM_PART),
                                    "shared-documentPropertiesCustom.xsd")
    if kind == "form":
        problems += _form_problems(doc)
    if not problems:
        problems += _trial_render(data, kind, "the trial document")
    return tuple(problems)


def _form_problems(doc: etree._Element) -> list[str]:
    problems: list[str] = []
    seen: dict[str, int] = {}
    for sdt in oxml.controls(doc):
        tag = oxml.control_tag(sdt)
        where = control_place(sdt)
        if not tag:
            problems.append(f"word/document.xml: {where}; give it one of the form's tags")
            continue
        seen[tag] = seen.get(tag, 0) + 1
        spec = FORM_FIELDS.get(tag)
        if spec is None:
            problems.append(f"word/document.xml: {where} has an unknown tag; the form's tags are "
                            f"{', '.join(FORM_FIELDS)}")
            continue
        kind = oxml.control_kind(sdt)
        if kind != spec.kind:
            problems.append(f"word/document.xml: {where} is a {kind} control; it must be {spec.kind}")
        if spec.kind == "richtext" and oxml.is_inline(sdt):
            problems.append(f"word/document.xml: {where} must be a block-level rich-text control "
                            "(around whole paragraphs), so people can write several paragraphs")
        if spec.kind == "text" and oxml.control_multiline(sdt):
            problems.append(f"word/document.xml: {where} allows several lines, which LibreOffice "
                            "corrupts; use a rich-text control for multi-line answers")
        if spec.locked and oxml.control_locks(sdt) not in ("sdtContentLocked", "contentLocked"):
            problems.append(f"word/document.xml: {where} is prefilled by samtal and must be locked "
                            "(Properties → 'Contents cannot be edited')")
    for tag, count in seen.items():
        if count > 1 and tag in FORM_FIELDS:
            problems.append(f"word/document.xml: tag '{tag}' is used {count} times; each tag must be unique")
    for tag in FORM_FIELDS:
        if tag not in seen:
            problems.append(f"word/document.xml: no content control tagged '{tag}' "
                            f"({FORM_FIELDS[tag].kind}, title '{FORM_FIELDS[tag].titles['sv']}')")
    return problems


def _trial_render(data: bytes, kind: str, label: str) -> list[str]:
    """Render with awkward values and read the result back; the tags and names must survive."""
    try:
        template = Template(data, kind, label)
        ctx = TalkContext(campaign_id="2099", campaign_title="Prov & <test> åäö", employee_id="check",
                          employee_name="Åsa & <Öberg>", manager_name="Per \"Lind\" 'Ö'",
                          meeting_start=dt.datetime(2099, 3, 4, 9, tzinfo=dt.timezone.utc),
                          meeting_end=dt.datetime(2099, 3, 4, 10, tzinfo=dt.timezone.utc),
                          previous_goals="Mål ett\n- punkt två")
        values = talk_values(ctx) | {"team_size": "12"}
        rendered = template.render(values, {"samtal_campaign_id": "2099", "samtal_employee_id": "check"},
                                   ("meeting_date", dt.date(2099, 3, 4), "2099-03-04"))
        package = Package(rendered, label=label)
        problems = schema_problems("rendered word/document.xml", package.xml("word/document.xml"))
        if kind != "form":
            return problems
        reading = read_package(package, boilerplate=boilerplate_of(template.trees["word/document.xml"]))
    except DocumentError as err:
        return [f"trial render failed: {err}"]
    if reading.fields["employee_name"] != ctx.employee_name or reading.fields["manager_name"] != ctx.manager_name:
        problems.append("trial render: the names did not come back intact from the form "
                        "(put {{ employee_name }} and {{ manager_name }} inside their controls)")
    if reading.fields["meeting_date"] != dt.date(2099, 3, 4):
        problems.append("trial render: the meeting date did not come back from the date control")
    problems += [f"trial render: {p}" for p in reading.problems]
    return problems
