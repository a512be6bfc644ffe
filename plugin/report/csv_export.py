"""The records as CSV for spreadsheets, with formula-injection-safe cells.

HR opens this file in Excel, and every cell holds text other people wrote: each goes through
:func:`plugin.printable.spreadsheet_cell` (no control character or escape sequence; a cell a
spreadsheet could run as a formula starts with ``'``, as OWASP recommends). The csv module quotes
cells with separators, quotes or line breaks (RFC 4180), so no text starts a cell of its own.
Only what HR reads in the list goes out: no drive or item ids.

One format wherever samtal writes the records (``samtal report``, ``samtal demo`` and
``samtal export``): :func:`write_records_csv` (:func:`records_csv_bytes` for a writer of its own), UTF-8 with a byte-order mark (without it Excel reads the file in
the machine's legacy code page and shows å, ä and ö as two characters each), CRLF line ends,
the columns of :data:`HEADER`.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from plugin.printable import spreadsheet_cell
from plugin.records import FILED_FORM_COLUMNS, Record

safe_cell = spreadsheet_cell  # the report's public name for it

HEADER: tuple[str, ...] = (
    "Key", "Campaign", "Employee", "EmployeeEmail", "ManagerName", "ManagerEmail", "Department",
    "Status", "MeetingStart", "MeetingEnd", "FiledAt", "Note", "FolderUrl", "DocumentUrl",
) + tuple(column for column in FILED_FORM_COLUMNS.values() if column != "ManagerName")


def row_of(r: Record) -> list[str]:
    fixed: Sequence[object] = (
        r.key, r.campaign, r.employee_name, r.employee_email, r.manager_name, r.manager_email,
        r.department, r.status.value, r.meeting_start, r.meeting_end, r.filed_at, r.note,
        r.folder_url, r.document_url)
    form = [r.form.get(tag) for tag, column in FILED_FORM_COLUMNS.items() if column != "ManagerName"]
    return [safe_cell(v) for v in (*fixed, *form)]


def records_csv(records: Iterable[Record]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for r in sorted(records, key=lambda r: (r.department, r.manager_name, r.employee_name, r.key)):
        writer.writerow(row_of(r))
    return out.getvalue()


def records_csv_bytes(records: Iterable[Record]) -> bytes:
    """:func:`records_csv` as UTF-8 with a byte-order mark (for Excel): the file's bytes."""
    return records_csv(records).encode("utf-8-sig")


def write_records_csv(records: Iterable[Record], path: Path) -> Path:
    """Write :func:`records_csv_bytes` to ``path``."""
    path.write_bytes(records_csv_bytes(records))
    return path
