"""Reading a filled-in documentation form back: every field by tag, with fallbacks, and a list
of everything that needs a person's eye.

This is the entry (:func:`read_form`, :func:`read_package`): it checks each part against the
reading budget, reads the form's id and language, and hands the document to the field reader
(:mod:`plugin.documents.read_fields`, where the order of trust per field is,
docs/documents.md#reading-a-form) with the template's own text
(:mod:`plugin.documents.boilerplate`). Only ``word/document.xml``, ``docProps/custom.xml``,
``docProps/app.xml`` and, when a field holds a list, ``word/numbering.xml`` are parsed: never the
styles, which can be large (docs/documents.md#making-a-document).
Problems name fields and headings, never what people wrote, so they can be logged and stored.
"""
from __future__ import annotations

from pathlib import Path

from lxml import etree

from plugin.documents import oxml, oxml_read
from plugin.documents.boilerplate import Boilerplate, norm, template_boilerplate
from plugin.documents.budget import DEFAULT_BUDGET, ReadingBudget
from plugin.documents.model import FORM_FIELDS, LANGUAGES, FormId, FormReading
from plugin.documents.read_fields import FormReader
from plugin.documents.render import PROP_CAMPAIGN, PROP_EMPLOYEE, PROP_LANGUAGE
from plugin.documents.safety import MAX_FILE_BYTES, Package
from plugin.documents.shared_parts import APP_PART, NUMBERING_PART, application

__all__ = ["read_form", "read_package"]

DOCUMENT_PART = "word/document.xml"


def _language(doc: etree._Element, props: dict[str, str]) -> str:
    language = props.get(PROP_LANGUAGE, "")
    if language in LANGUAGES:
        return language
    texts = {norm(oxml_read.text_of(p)) for p in oxml_read.paragraphs(doc)}
    texts |= {norm(a) for a in (oxml.control_alias(s) for s in oxml.controls(doc)) if a}
    score = {lang: sum(norm(s.titles[lang]) in texts for s in FORM_FIELDS.values()) for lang in LANGUAGES}
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
    app = application(package)
    language = _language(doc, props)
    reader = FormReader(package, doc, boilerplate or template_boilerplate(language, templates_dir))
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
