"""Rendering: personalisation, escaping, run splitting, stamping, schema validity."""
from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from plugin.documents import (
    ManagerContext, TemplateError, read_form, render_form, render_manager_guide, render_prep_guide,
)
from plugin.documents import oxml, oxml_read
from plugin.documents.check import schema_problems
from plugin.documents.safety import Package
from templates import TEMPLATES_DIR
from plugin.documents import wordsim
from tests.plugin.documents.conftest import talk


def _text(docx: bytes, part: str = "word/document.xml") -> str:
    return oxml_read.text_of(Package(docx).xml(part))


def _all_schema_problems(docx: bytes) -> list[str]:
    package = Package(docx)
    problems: list[str] = []
    for name in ["word/document.xml", "word/styles.xml", "word/numbering.xml", "word/settings.xml",
                 *oxml.header_footer_parts(package.entries)]:
        problems += schema_problems(name, package.xml(name))
    problems += schema_problems("custom", package.xml("docProps/custom.xml"), "shared-documentPropertiesCustom.xsd")
    return problems


def test_everything_rendered_is_schema_valid(language: str) -> None:
    ctx = talk(language)
    for docx in (render_prep_guide(ctx), render_form(ctx),
                 render_manager_guide(ManagerContext("2027", "Medarbetarsamtal 2027", "Per & <Lind>", language, 7))):
        assert _all_schema_problems(docx) == []


def test_prep_guide_is_personalised(language: str) -> None:
    docx = render_prep_guide(talk(language))
    text = _text(docx)
    assert "Åsa & <Öberg>" in text and "Per Lind" in text and "Institutionen för matematik" in text
    assert "Leda projektet Älvsjö\n- Förbättra svarstider" in text
    assert "{{" not in text and "}}" not in text
    when = "tisdag 9 februari 2027 kl. 10.00–11.00" if language == "sv" else "Tuesday 9 February 2027, 10:00–11:00"
    assert when in text
    no_plan = "Ingen utvecklingsplan" if language == "sv" else "No development plan"
    assert no_plan in text
    header = _text(docx, "word/header1.xml")
    assert "Medarbetarsamtal 2027 · Åsa & <Öberg>" in header
    raw = Package(docx).read("word/document.xml")
    assert b"&amp; &lt;\xc3\x96berg&gt;" in raw


def test_meeting_time_in_the_campaign_zone_and_unbooked_note() -> None:
    utc = dt.datetime(2027, 6, 1, 8, 30, tzinfo=dt.timezone.utc)  # 10.30 in Stockholm (summer time)
    text = _text(render_prep_guide(talk(meeting_start=utc, meeting_end=utc + dt.timedelta(hours=1))))
    assert "tisdag 1 juni 2027 kl. 10.30–11.30" in text
    unbooked = _text(render_prep_guide(talk("en", meeting_start=None, meeting_end=None, previous_goals="")))
    assert "not booked yet" in unbooked and "No goals were documented" in unbooked


def test_form_is_stamped_and_prefilled(language: str) -> None:
    ctx = talk(language)
    docx = render_form(ctx)
    props = oxml.read_custom_properties(Package(docx).xml("docProps/custom.xml"))
    assert props["samtal_form_id"] == f"2027:{ctx.employee_id}"
    assert props["samtal_language"] == language
    reading = read_form(docx)
    assert reading.form_id is not None and reading.form_id.employee_id == ctx.employee_id
    assert reading.fields["employee_name"] == "Åsa & <Öberg>"
    assert reading.fields["meeting_date"] == dt.date(2027, 2, 9)
    assert reading.problems == () and not reading.complete
    late = talk(language, meeting_start=dt.datetime(2027, 2, 9, 23, 30, tzinfo=dt.timezone.utc),
                meeting_end=None)  # already the 10th in Stockholm
    assert read_form(render_form(late)).fields["meeting_date"] == dt.date(2027, 2, 10)
    blank = read_form(render_form(talk(language, meeting_start=None, meeting_end=None)))
    assert blank.fields["meeting_date"] is None and blank.problems == ()


def test_values_with_control_characters_and_newlines_stay_valid() -> None:
    ctx = talk(employee_name="Bad\x00name\x1f", previous_goals="Rad ett\r\nRad två\tflik")
    docx = render_prep_guide(ctx)
    assert _all_schema_problems(docx) == []
    text = _text(docx)
    assert "Badname" in text and "Rad ett\nRad två flik" in text


def _split_runs(root: etree._Element) -> None:
    """Word-style: split the {{ employee_name }} placeholder of the title over 4 runs."""
    for t in root.iter(wordsim.w("t")):
        if t.text and "{{ campaign_title }}" in t.text:
            run = t.getparent()
            t.text = "{{ "
            pieces = ["camp", "aign_ti", "tle }}"]
            anchor = run
            for piece in pieces:
                anchor.addnext(etree.Element(wordsim.w("proofErr"), {wordsim.w("type"): "spellStart"}))
                anchor = anchor.getnext()
                new = etree.Element(wordsim.w("r"), {wordsim.w("rsidR"): "00112233"})
                etree.SubElement(new, wordsim.w("t")).text = piece
                anchor.addnext(new)
                anchor = new
            return
    raise AssertionError("no campaign_title placeholder")


def test_placeholders_split_into_runs_by_word_still_render(tmp_path: Path) -> None:
    source = (TEMPLATES_DIR / "prep_guide.sv.docx").read_bytes()
    edited = wordsim.edit(source, _split_runs)
    assert "{{ " in _text(edited) and "{{ campaign_title }}" in _text(edited)  # joined text only
    (tmp_path / "prep_guide.sv.docx").write_bytes(edited)
    docx = render_prep_guide(talk(campaign_title="Samtal & <2027>"), templates_dir=tmp_path)
    text = _text(docx)
    assert "Samtal & <2027>" in text and "{{" not in text
    assert _all_schema_problems(docx) == []


def test_templates_dir_override_falls_back_per_file(tmp_path: Path) -> None:
    shutil.copy(TEMPLATES_DIR / "form.sv.docx", tmp_path / "form.sv.docx")
    custom = wordsim.edit((TEMPLATES_DIR / "prep_guide.sv.docx").read_bytes(),
                          lambda root: _append_text(root, "Egen rad från HR för {{ employee_name }}."))
    (tmp_path / "prep_guide.sv.docx").write_bytes(custom)
    assert "Egen rad från HR för Åsa & <Öberg>." in _text(render_prep_guide(talk(), templates_dir=tmp_path))
    assert "Egen rad" not in _text(render_prep_guide(talk("en"), templates_dir=tmp_path))


def _append_text(root: etree._Element, text: str) -> None:
    body = root.find(wordsim.w("body"))
    body[-1].addprevious(wordsim.paragraph(text))


def test_unknown_placeholder_or_missing_template_is_a_template_error(tmp_path: Path) -> None:
    bad = wordsim.edit((TEMPLATES_DIR / "prep_guide.sv.docx").read_bytes(),
                       lambda root: _append_text(root, "Lön: {{ salary }}"))
    (tmp_path / "prep_guide.sv.docx").write_bytes(bad)
    with pytest.raises(TemplateError, match=r"salary in paragraph \d+ \('Lön: \{\{ salary \}\}'\)"):
        render_prep_guide(talk(), templates_dir=tmp_path)
    (tmp_path / "manager_guide.sv.docx").write_bytes(b"not a zip")
    with pytest.raises(TemplateError, match="manager_guide.sv.docx"):
        render_manager_guide(ManagerContext("2027", "T", "Per"), templates_dir=tmp_path)


def test_other_parts_are_copied_unchanged() -> None:
    template = zipfile.ZipFile(TEMPLATES_DIR / "form.sv.docx")
    rendered = zipfile.ZipFile(io.BytesIO(render_form(talk())))
    assert rendered.namelist() == template.namelist()
    for name in ("word/styles.xml", "word/numbering.xml", "word/settings.xml", "[Content_Types].xml"):
        assert rendered.read(name) == template.read(name)


def test_a_template_without_custom_properties_gets_them(tmp_path: Path) -> None:
    src = zipfile.ZipFile(TEMPLATES_DIR / "form.en.docx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/custom.xml":
                continue
            if info.filename == "_rels/.rels":
                data = data.replace(b'<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/>', b"")
            if info.filename == "[Content_Types].xml":
                data = data.replace(b'<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>', b"")
            dst.writestr(info, data)
    assert b"custom" not in zipfile.ZipFile(io.BytesIO(out.getvalue())).read("_rels/.rels")
    (tmp_path / "form.en.docx").write_bytes(out.getvalue())
    docx = render_form(talk("en"), templates_dir=tmp_path)
    package = Package(docx)
    assert b"custom-properties" in package.read("_rels/.rels")
    assert b"/docProps/custom.xml" in package.read("[Content_Types].xml")
    assert read_form(docx, templates_dir=tmp_path).form_id is not None


def test_manager_guide(language: str) -> None:
    docx = render_manager_guide(ManagerContext("2027", "Medarbetarsamtal 2027", "Per Lind", language, 12))
    text = _text(docx)
    assert "Per Lind" in text and "12" in text and "{{" not in text
    assert oxml.read_custom_properties(Package(docx).xml("docProps/custom.xml"))["samtal_document"] == "manager_guide"


def test_built_templates_are_up_to_date() -> None:
    from templates.build import build
    for kind in ("prep_guide", "form", "manager_guide"):
        for language in ("sv", "en"):
            assert build(kind, language) == (TEMPLATES_DIR / f"{kind}.{language}.docx").read_bytes(), \
                f"{kind}.{language}.docx is stale: run python -m templates.build"
