"""The team overview's package: a valid .docx (zip, schema, python-docx), awkward text intact."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm
from lxml import etree

from plugin.documents.check import schema_problems
from plugin.overview import render_team_overview
from plugin.documents.zipparts import Stored, stored, write_zip
from plugin.records import Record, Status
from tests.plugin.overview.conftest import rec

AWKWARD = "Åsa & <Öberg> \"Ö\"\x01"


def awkward_team() -> list[Record]:
    when = datetime(2027, 2, 10, 9, tzinfo=timezone.utc)
    return [rec("Åsa", "Märta", Status.FILED, start=when, goals="Mål & <mer>\n\n  indragen rad\t slut  ",
                competence_needs="R&D; r&d", development_plan="plan"),
            rec("Örjan", "Märta", Status.FILED, start=when, competence_needs="r&d."),
            rec("Bo", "Märta", Status.HELD)]


def test_every_part_is_valid_and_the_zip_is_sound() -> None:
    data = render_team_overview(AWKWARD, "sv", awkward_team(), "Prov & <test> åäö", content_hash="h&1")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert zf.namelist()[0] == "[Content_Types].xml"
        root = etree.fromstring(zf.read("word/document.xml"))
    assert schema_problems("word/document.xml", root) == []
    doc = Document(io.BytesIO(data))
    section = doc.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert abs(section.page_width - Cm(29.7)) < Cm(0.01) and abs(section.left_margin - Cm(1.8)) < Cm(0.01)
    assert doc.core_properties.title == "Teamöversikt: Prov & <test> åäö"
    assert doc.core_properties.identifier == "h&1"
    assert [p.style.name for p in doc.paragraphs][:3] == ["Title", "Normal", "Heading 1"]
    assert doc.paragraphs[1].text.startswith("Åsa & <Öberg> \"Ö\"s team, 3 medarbetare")
    assert all(t.style.name == "Table Grid" for t in doc.tables) and len(doc.tables) == 4


def test_cells_keep_lines_and_the_header_is_bold() -> None:
    doc = Document(io.BytesIO(render_team_overview("Märta", "sv", awkward_team(), "R")))
    missing, side, recurring, followup = doc.tables
    assert [c.text for c in missing.rows[1].cells] == ["Bo", "genomfört, dokumentationen inte bekräftad", "inte bokat"]
    assert all(run.bold for c in side.rows[0].cells for run in c.paragraphs[0].runs)
    goals = side.rows[1].cells[1]
    assert [p.text for p in goals.paragraphs] == ["Mål & <mer>", "  indragen rad  slut"]
    assert [[c.text.casefold() for c in r.cells] for r in recurring.rows[1:]] == [["r&d", "2"]]
    assert [c.text for c in followup.rows[2].cells] == ["Örjan", "–"]


def test_empty_team_in_english() -> None:
    data = render_team_overview("Sven", "en", [], "Round")
    doc = Document(io.BytesIO(data))
    assert doc.tables == []
    texts = [p.text for p in doc.paragraphs]
    assert "Everyone in the team is documented." in texts and "No documentation has been filed yet." in texts
    assert schema_problems("word/document.xml", etree.fromstring(
        zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))) == []


def test_same_bytes_across_calls_and_different_hash_differs() -> None:
    one = render_team_overview("Märta", "sv", awkward_team(), "R", content_hash="a")
    assert one == render_team_overview("Märta", "sv", list(reversed(awkward_team())), "R", content_hash="a")
    assert one != render_team_overview("Märta", "sv", awkward_team(), "R", content_hash="b")


def test_write_zip_round_trips_stored_entries() -> None:
    entries: list[Stored] = [stored("a.xml", b"<a>" + "å".encode() * 500 + b"</a>"), stored("b/c.bin", b"")]
    with zipfile.ZipFile(io.BytesIO(write_zip(entries))) as zf:
        assert zf.testzip() is None
        assert zf.read("a.xml") == b"<a>" + "å".encode() * 500 + b"</a>" and zf.read("b/c.bin") == b""
