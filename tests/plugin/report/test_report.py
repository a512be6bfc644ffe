from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from plugin.records import Record, Status
from plugin.report import build, records_csv, render_page, safe_cell, write_report
from plugin.report.data import OTHER, ReportData
from plugin.settings import Settings
from tests.plugin.overview.conftest import rec, settings  # noqa: F401 (a fixture)

ZONE = ZoneInfo("Europe/Stockholm")
NOW = datetime(2027, 4, 20, 12, tzinfo=timezone.utc)
WINDOW = (date(2027, 2, 1), date(2027, 4, 30))
CHARTS = ("progress", "departments", "weeks", "problems", "themes")


def organisation() -> list[Record]:
    """Matematik (7 people), Fysik (6) and Ensam, a department of one."""
    out: list[Record] = []
    needs = ["Projektledning; Python", "python.", "- Handledning\n- Projektledning", "Python"]
    for i in range(13):
        department = "Matematik" if i < 7 else "Fysik"
        start = datetime(2027, 2, 2, 9, tzinfo=timezone.utc) + timedelta(days=5 * i)
        status = [Status.FILED, Status.FILED, Status.HELD, Status.SCHEDULED][i % 4]
        filed = start + timedelta(days=2) if status is Status.FILED else None
        out.append(rec(f"P{i}", f"Chef{i % 2}", status, department=department, start=start,
                       **({"competence_needs": needs[i % 4]} if status is Status.FILED else {}))
                   .with_changes(meeting_end=start + timedelta(hours=1), filed_at=filed))
    out.append(rec("Udda", "Chef0", Status.UNSCHEDULABLE, department="Matematik")
               .with_changes(note="no common free time in the window"))
    out.append(rec("Fel", "Chef1", Status.FAILED, department="Fysik")
               .with_changes(note="the user has no mailbox (id 0f8fad5b-d9cb-469f-a165-70867728950e)"))
    out.append(rec("Ensam Person", "Chef0", Status.FILED, department="Ensam",
                   start=datetime(2027, 3, 3, 9, tzinfo=timezone.utc),
                   competence_needs="Python; Mitt alldeles egna behov")
               .with_changes(filed_at=datetime(2027, 3, 4, 9, tzinfo=timezone.utc)))
    return out


def data_of(records: list[Record], min_group_size: int = 5) -> ReportData:
    return build(records, campaign_id="2027", title="Medarbetarsamtal 2027", now=NOW, window=WINDOW,
                 zone=ZONE, min_group_size=min_group_size)


def test_counts_and_what_the_records_can_tell() -> None:
    data = data_of(organisation())
    assert dict(data.by_status)[Status.FILED] == 8 and data.total == 16
    assert data.progress[-1][2] == 8  # every filed form has a FiledAt
    assert sum(n for _, n in data.weeks) == 14  # the unschedulable and failed talks have no time
    assert {(s, why) for s, why, _ in data.reasons} == {
        (Status.UNSCHEDULABLE, "no common free time in the window"),
        (Status.FAILED, "the user has no mailbox (id …)")}
    assert "0f8fad5b" not in repr(data.reasons)  # ids are taken out of reasons
    assert [(t.key, t.people) for t in data.themes][:2] == [("python", 8), ("projektledning", 4)]


def test_a_department_of_one_is_not_singled_out() -> None:
    data = data_of(organisation())
    assert {d for d, _ in data.departments} == {"Matematik", "Fysik"}
    assert data.departments_hidden == 1  # Ensam is below 5, and "other" would be Ensam alone
    assert all(g != "Ensam" for g, _ in data.department_themes)
    assert "Mitt alldeles egna behov" not in {t.label for t in data.themes}  # one person's own words
    page = render_page(data, "en")
    assert "Ensam" not in page and "egna behov" not in page
    # with the minimum at 2 Fysik and Matematik still show; a one-person group never does
    assert "Ensam" not in render_page(data_of(organisation(), min_group_size=2), "sv")
    merged = data_of(organisation() + [rec(f"T{i}", "Chef0", Status.HELD, department="Ensam2")
                                       for i in range(4)])
    assert OTHER in {d for d, _ in merged.departments}  # Ensam + Ensam2 make 5: shown as "other"


def test_csv_cells_that_could_be_formulas_are_neutralised() -> None:
    evil = ["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "\tcmd", "\rcmd"]
    records = [rec(f"E{i}", "Chef", Status.FILED, goals=text).with_changes(note=text)
               for i, text in enumerate(evil)]
    records.append(rec("=Name", "Chef", Status.FILED, goals="plain text", competence_needs="a - b"))
    rows = list(csv.reader(io.StringIO(records_csv(records))))
    header, body = rows[0], rows[1:]
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    goals = [row[header.index("Goals")] for row in body]
    # a carriage return is a line break in a cell, written as \n
    assert sorted(goals) == sorted(["'" + t.replace("\r", "\n") for t in evil] + ["plain text"])
    assert "'=Name" in [row[header.index("Employee")] for row in body]
    assert safe_cell("a - b") == "a - b" and safe_cell(None) == "" and safe_cell(True) == "yes"
    assert "DriveId" not in header and "HealthNotes" not in header and "ManagerFeedback" not in header


def test_the_page_needs_no_network() -> None:
    page = render_page(data_of(organisation()), "sv")
    assert page.count("<svg") == len(CHARTS)
    for chart in CHARTS:
        assert f'id="chart-{chart}"' in page
    assert "<script" not in page and "@import" not in page and "@font-face" not in page
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!#)""", page)
    assert not re.search(r"url\(\s*['\"]?(?!#)", page)
    assert "<metadata>" not in page


def test_write_report_writes_both_files(settings: Settings, tmp_path: Path) -> None:
    files = write_report(organisation(), settings, tmp_path / "out")
    assert files.html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert files.csv.read_bytes().startswith(b"\xef\xbb\xbfKey,")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]
# For the screenshot every chart is moved to a known box (the page itself is not changed).
BOX_W, BOX_H = 520, 380
BOXES = {name: (20 + (i % 2) * (BOX_W + 40), 20 + (i // 2) * (BOX_H + 40)) for i, name in enumerate(CHARTS)}
EMPTY_BOX = (20 + BOX_W + 40, 20 + 2 * (BOX_H + 40))  # the sixth cell: nothing is placed there
LAYOUT = "".join(
    f"#chart-{name}{{position:fixed;left:{x}px;top:{y}px;width:{BOX_W}px;height:{BOX_H}px;margin:0;"
    f"visibility:visible}}#chart-{name} *{{visibility:visible}}#chart-{name} svg{{width:100%;height:100%}}"
    for name, (x, y) in BOXES.items())


def chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp_path / "profile"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=90, check=True)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it: apt-get install chromium)")
def test_the_page_renders_in_headless_chromium_with_its_charts_drawn(tmp_path: Path) -> None:
    from PIL import Image

    page = render_page(data_of(organisation()), "en")
    page_file = tmp_path / "report.html"
    page_file.write_text(page, encoding="utf-8")
    dom = chromium(["--dump-dom", page_file.as_uri()], tmp_path).stdout
    status_rows = dict(re.findall(r"<tr><td>(\w+)</td><td class=\"n\">(\d+)</td></tr>",
                                  dom.split('class="status"')[1].split("</table>")[0]))
    assert status_rows == {"filed": "8", "held": "3", "scheduled": "3", "declined": "0",
                           "unschedulable": "1", "failed": "1", "excluded": "0", "total": "16"}
    assert '<td>Python</td><td class="n">8</td>' in dom and "Ensam" not in dom

    boxed = tmp_path / "boxed.html"
    boxed.write_text(page.replace("</style>", "body *{visibility:hidden}" + LAYOUT + "</style>"),
                     encoding="utf-8")
    shot = tmp_path / "shot.png"
    width, height = 2 * BOX_W + 80, 3 * (BOX_H + 40) + 20
    chromium([f"--window-size={width},{height}", f"--screenshot={shot}", boxed.as_uri()], tmp_path)
    image = Image.open(shot).convert("RGB")

    def coloured(x: int, y: int) -> float:
        region = image.crop((x, y, x + BOX_W, y + BOX_H))
        raw = region.tobytes()
        pixels = [raw[i:i + 3] for i in range(0, len(raw), 3)]
        return sum(1 for p in pixels if max(p) - min(p) > 60) / len(pixels)

    for name, (x, y) in BOXES.items():
        assert coloured(x, y) > 0.003, f"the {name} chart looks blank"  # lines draw few pixels
    assert coloured(*EMPTY_BOX) == 0.0  # the check can tell an empty box from a chart
