"""Labels from data that a plotting library or a terminal could take for commands: every chart
of the HR report is drawn with them, the whole page and CSV are written, and each label still
reads as written (only control characters and bidi overrides are taken out)."""
from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from plugin.records import Record, Status
from plugin.report import build, charts, render_page, write_report
from plugin.report.data import ORDER
from plugin.settings import Settings
from tests.plugin.overview.conftest import rec, settings  # noqa: F401 (a fixture)
from tests.plugin.report.test_report import NOW, WINDOW, ZONE

LONG = "Långt namn " + "x" * 489  # 500 characters
HOSTILE = [
    "$", "Ekonomi $$", "Budget $$", "$x$ and $y$", "$\\frac{1}{2}$", "back\\slash", "snake_case_name",
    "x^2 and y^{3}", "{braces}", LONG, "قسم المالية", "מחלקת כספים", "Title\x1b]0;pwned\x07Set",
    "Clear\x1b[2Jscreen", "C1\x9b31mred", "NUL\x00here", "bell\x07 and DEL\x7f", "\u202eevil\u202c turn",
]
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """What a reader should see of ``text``: it as written, without controls and escapes."""
    cleaned = {"Title\x1b]0;pwned\x07Set": "TitleSet", "Clear\x1b[2Jscreen": "Clearscreen",
               "C1\x9b31mred": "C1red"}.get(text, text)
    return CONTROLS.sub("", cleaned)


def hostile_records() -> list[Record]:
    """Two people in a department named by each label, one unschedulable with it as the reason,
    and two naming it as their competence need."""
    out: list[Record] = []
    start = datetime(2027, 2, 2, 9, tzinfo=timezone.utc)
    for i, label in enumerate(HOSTILE):
        for j in range(2):
            when = start + timedelta(days=i)
            out.append(rec(f"P{i}-{j} {label}", f"Chef {label}", Status.FILED, department=label, start=when,
                           competence_needs=label, goals=label)
                       .with_changes(meeting_end=when + timedelta(hours=1), filed_at=when + timedelta(days=1)))
        out.append(rec(f"U{i}", "Chef", Status.UNSCHEDULABLE, department=label).with_changes(note=label))
    return out


def test_every_chart_draws_hostile_labels() -> None:
    names = {s: s.value for s in Status}
    today = date(2027, 3, 1)
    days = [(WINDOW[0] + timedelta(days=i), i, i // 2) for i in range(40)]
    for label in HOSTILE:
        words = {"held": label, "filed": label, "in_round": label, "talks": label, "title": label,
                 "window": label}
        svgs = [
            charts.progress_chart(days, 50, today, words),
            charts.departments_chart([(label, [1] * len(ORDER)), ("Fysik", [2] * len(ORDER))], ORDER,
                                     names, label),
            charts.weeks_chart([(date(2027, 2, 1), 3), (date(2027, 2, 8), 4)], WINDOW, today, words),
            charts.counts_chart("problems", [(label, 3), ("plain", 1)], "#d9482b", label),
            charts.counts_chart("themes", [(label, 2)], "#5b4ea8", label),
        ]
        for svg in svgs:
            assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>")
            assert "\x1b" not in svg and "\x00" not in svg


def test_the_page_and_the_csv_are_written_with_hostile_labels(settings: Settings, tmp_path: Path) -> None:
    records = hostile_records()
    data = build(records, campaign_id="2027", title="Medarbetarsamtal 2027", now=NOW, window=WINDOW,
                 zone=ZONE, min_group_size=2)
    page = render_page(data, "en")
    assert page.count("<svg") == 5  # progress, departments, weeks, problems, themes
    assert not CONTROLS.search(page)
    text = html.unescape(page)
    for label in HOSTILE:
        assert shown(label) in text, label  # in the tables beside the charts, whole
    files = write_report(records, settings, tmp_path / "out")
    rows = list(csv.reader(io.StringIO(files.csv.read_text(encoding="utf-8-sig"))))
    header = rows[0]
    departments = {row[header.index("Department")] for row in rows[1:]}
    assert departments == {shown(label) for label in HOSTILE}
    assert not any(CONTROLS.search(cell) for row in rows for cell in row)


def _texts(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, re.DOTALL)]


def test_labels_read_as_written_never_as_math(monkeypatch: pytest.MonkeyPatch) -> None:
    # Text as SVG <text> instead of paths, to read back what each chart wrote.
    monkeypatch.setattr(charts, "PLAIN_TEXT", {**charts.PLAIN_TEXT, "svg.fonttype": "none"})
    rows: list[tuple[str, Any]] = [(label, 2) for label in HOSTILE]
    texts = _texts(charts.counts_chart("themes", rows, "#5b4ea8", "needs"))
    for label in HOSTILE:
        want = shown(label)
        want = want if len(want) <= charts.LABEL_MAX else want[:charts.LABEL_MAX - 1] + "…"
        assert want in texts, (label, texts)
    names = {s: s.value for s in Status}
    texts = _texts(charts.departments_chart([(label, [1] * len(ORDER)) for label in HOSTILE[:6]], ORDER,
                                            names, "departments"))
    assert {"$", "Ekonomi $$", "Budget $$", "$x$ and $y$", "$\\frac{1}{2}$", "back\\slash"} <= set(texts)


def test_math_is_not_drawn_even_as_paths() -> None:
    # Mathtext draws "$x$" in the italic face; plain text has none.
    svg = charts.counts_chart("themes", [("$x$ and $y$", 2), ("a_b^c", 2)], "#5b4ea8", "needs")
    assert "Oblique" not in svg and "Italic" not in svg


def test_progress_before_the_first_talk_is_drawn_around_today_not_1970() -> None:
    """A report made before the window opens has no day of progress yet: its date axis is
    around the report's day, not at matplotlib's day 0 (1970-01-01)."""
    words = {"held": "held", "filed": "filed", "in_round": "in the round", "talks": "talks", "title": "progress"}
    svg = charts.progress_chart([], 50, date(2027, 1, 20), words)
    assert "1970" not in svg and "1969" not in svg
    assert "2027-01-20" in svg or "2027-01-2" in svg
