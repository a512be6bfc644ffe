"""LibreOffice round trips (docx → docx, docx → odt → docx) and a PDF render.

LibreOffice 7.4 drops every tag, lock and most placeholder flags, and shrinks block controls to
their first paragraph (docs/documents.md#forms-saved-in-libreoffice); the reader must still get
every field, by title or layout, and say that a person should review it. ``.ci/run`` installs LibreOffice, so these run
in CI; locally they skip, with the reason, when ``soffice`` is missing.
"""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from plugin.documents import read_form, render_manager_guide, render_prep_guide, ManagerContext
from tests.plugin.documents.conftest import talk
from tests.plugin.documents.test_read import GOALS, _filled

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
# LibreOffice writes the list items of a control as plain paragraphs (their bullets are lost).
GOALS_LINES = [g if isinstance(g, str) else g[1] for g in GOALS]


def _convert(work: Path, target: str, files: list[Path], outdir: str) -> list[Path]:
    out = work / outdir
    subprocess.run([str(SOFFICE), "--headless", "--norestore", f"-env:UserInstallation=file://{work}/profile",
                    "--convert-to", target, "--outdir", str(out), *map(str, files)],
                   check=True, capture_output=True, timeout=180)
    suffix = "." + target.split(":")[0]
    made = [out / (f.stem + suffix) for f in files]
    missing = [m for m in made if not m.exists()]
    assert not missing, f"LibreOffice did not write {missing}"
    return made


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("lo")
    sources = []
    for language in ("sv", "en"):
        path = work / f"form_{language}.docx"
        path.write_bytes(_filled(language))
        sources.append(path)
    docx = _convert(work, "docx:MS Word 2007 XML", sources, "docx")
    odt = _convert(work, "odt", sources, "odt")
    back = _convert(work, "docx:MS Word 2007 XML", odt, "odt_docx")
    prep = work / "prep_guide_sv.docx"
    prep.write_bytes(render_prep_guide(talk()))
    guide = work / "manager_guide_en.docx"
    guide.write_bytes(render_manager_guide(ManagerContext("2027", "Employee dialogues 2027", "Per Lind", "en", 9)))
    pdfs = _convert(work, "pdf", [prep, guide, sources[0]], "pdf")
    return {"docx_sv": docx[0], "docx_en": docx[1], "odt_sv": back[0], "odt_en": back[1],
            "pdf_prep": pdfs[0], "pdf_guide": pdfs[1], "pdf_form": pdfs[2]}


@pytest.mark.parametrize("name", ["docx_sv", "docx_en", "odt_sv", "odt_en"])
def test_form_saved_by_libreoffice_is_read_with_fallbacks(converted: dict[str, Path], name: str) -> None:
    reading = read_form(converted[name].read_bytes())
    assert reading.saved_by_libreoffice and reading.unread == ()
    assert reading.form_id is not None and reading.form_id.key.startswith("2027:8f0c4a3e")
    assert reading.language == name[-2:]
    f = reading.fields
    assert f["employee_name"] == "Åsa & <Öberg>" and f["manager_name"] == "Per Lind"
    assert f["meeting_date"] == dt.date(2027, 2, 11)
    assert f["goals"].replace("- ", "").splitlines() == "\n".join(GOALS_LINES).splitlines()
    assert f["previous_goals_followup"] == "Målen nåddes till största delen."
    assert f["competence_needs"] == "" and f["expectations"] == ""  # placeholders, flag lost
    assert f["health_discussed"] is True and reading.complete
    assert f["health_notes"] == "Känslig anteckning om hälsa."
    assert reading.problems[0].startswith("the form was saved with LibreOffice")
    assert not any("outside" in p for p in reading.problems)


def test_pdf_render_has_the_pages_and_the_text(converted: dict[str, Path]) -> None:
    pypdf = pytest.importorskip("pypdf")
    prep = pypdf.PdfReader(converted["pdf_prep"])
    text = "\n".join(page.extract_text() for page in prep.pages)
    assert 2 <= len(prep.pages) <= 4
    for expected in ("Åsa & <Öberg>", "Per Lind", "tisdag 9 februari 2027 kl. 10.00–11.00",
                     "Leda projektet Älvsjö", "Hur mår du i arbetet?", "Konfidentiellt",
                     f"Sida 1 av {len(prep.pages)}"):
        assert expected in text, expected
    guide = pypdf.PdfReader(converted["pdf_guide"])
    guide_text = "\n".join(page.extract_text() for page in guide.pages)
    assert 1 <= len(guide.pages) <= 3 and "Per Lind" in guide_text and "9 employee dialogues" in guide_text
    form = pypdf.PdfReader(converted["pdf_form"])
    form_text = "\n".join(page.extract_text() for page in form.pages)
    assert 1 <= len(form.pages) <= 3
    assert "2027-02-11" in form_text and "Förbättra svarstider med 20 %" in form_text and "\u2612" in form_text
