"""The records as CSV for spreadsheets, with formula-injection-safe cells.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is one a
spreadsheet may run as a formula (OWASP "CSV Injection"); such a cell gets a leading ``'`` so it
is shown as the text it is. Only what HR reads in the list goes out: no drive or item ids.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from plugin.records import FILED_FORM_COLUMNS, Record

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
HEADER: tuple[str, ...] = (
    "Key", "Campaign", "Employee", "EmployeeEmail", "ManagerName", "ManagerEmail", "Department",
    "Status", "MeetingStart", "MeetingEnd", "FiledAt", "Note", "FolderUrl", "DocumentUrl",
) + tuple(column for column in FILED_FORM_COLUMNS.values() if column != "ManagerName")


def safe_cell(value: object) -> str:
    """The cell's text; one a spreadsheet could take for a formula starts with ``'``."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, datetime):
        text = value.isoformat()
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    return "'" + text if text.startswith(DANGEROUS_FIRST) else text


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
