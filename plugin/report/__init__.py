"""The HR overview of a campaign (``samtal report``): a self-contained HTML page with charts and
a CSV export, both made from the records list alone.

Public API::

    from plugin.report import build, render_page, records_csv, write_report
    build(records, *, campaign_id, title, now, window, zone, min_group_size=5) -> ReportData
    render_page(data, language="en") -> str               # one HTML page, no network needed
    records_csv(records) -> str                           # formula-injection-safe cells
    write_records_csv(records, path) -> Path              # the same, UTF-8 with a BOM for Excel
    write_report(records, settings, out_dir, language=None) -> ReportFiles

Module roles: ``data`` (counting; what the records can tell), ``charts`` (matplotlib to inline
SVG), ``page`` (HTML), ``csv_export``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plugin.records import Record
from plugin.report.csv_export import records_csv, safe_cell, write_records_csv
from plugin.report.data import ReportData, build
from plugin.report.page import render_page
from plugin.settings import Settings

HTML_NAME, CSV_NAME = "report.html", "records.csv"


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    csv: Path


def write_report(records: list[Record], settings: Settings, out_dir: Path,
                 language: str | None = None) -> ReportFiles:
    """Write ``report.html`` (in ``language``, default the campaign's ``language.default``) and
    ``records.csv`` (the records as stored, reasons in English) into ``out_dir``."""
    data = build(records, campaign_id=settings.campaign.id, title=settings.campaign.title,
                 now=settings.now, window=(settings.campaign.window.start, settings.campaign.window.end),
                 zone=settings.meetings.zone.tzinfo, min_group_size=settings.report.min_group_size)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, csv_path = out_dir / HTML_NAME, out_dir / CSV_NAME
    html_path.write_text(render_page(data, language or settings.language.default), encoding="utf-8")
    write_records_csv(records, csv_path)
    return ReportFiles(html_path, csv_path)


__all__ = ["ReportData", "ReportFiles", "build", "records_csv", "render_page", "safe_cell",
           "write_records_csv", "write_report"]
