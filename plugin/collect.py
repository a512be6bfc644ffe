"""Collecting a finished documentation form and filing it (SPEC §5–6).

A form is finished when both confirmation boxes are checked. Only the fields the form's contract
marks as filed reach the record: health notes and feedback to the manager stay in the document.
A form that could not be fully read keeps its status, with the reason in ``Note``; a form that
belongs to another talk (copied into the wrong folder) is never filed here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from connectors.graph.client import GraphClient
from plugin.documents import FORM_FIELDS, DocumentError, FormReading, read_form
from plugin.records import Record, Status

_NOTE_LIMIT = 2000


@dataclass(frozen=True)
class Collected:
    record: Record
    filed: bool
    waiting: str  # who still has to confirm, when not finished


def collect(client: GraphClient, record: Record, now: datetime, *,
            templates_dir: Path | None = None) -> Collected:
    """Read the form of ``record`` and return the record as it should now be."""
    return judge(record, client.drive.download(record.drive_id, record.form_item_id), now,
                 templates_dir=templates_dir)


def judge(record: Record, data: bytes, now: datetime, *, templates_dir: Path | None = None) -> Collected:
    """The record as it should be, given the bytes of its form (already downloaded)."""
    try:
        reading = read_form(data, templates_dir=templates_dir)
    except DocumentError as err:
        return judge_reading(record, err, now)
    return judge_reading(record, reading, now)


def judge_reading(record: Record, reading: FormReading | DocumentError, now: datetime) -> Collected:
    """The record as it should be, given its form as read (or why it could not be read)."""
    if isinstance(reading, DocumentError):
        return Collected(record.with_changes(note=f"the form cannot be read: {reading}"[:_NOTE_LIMIT]), False, "")
    if reading.form_id is not None and reading.form_id.key != record.key:
        note = ("the documentation form in this folder belongs to another talk "
                f"({reading.form_id.key}); put the right form back")
        return Collected(record.with_changes(note=note), False, "")
    if not reading.complete:
        waiting = " and ".join(
            who for who, done in (("the employee", reading.employee_confirmed),
                                  ("the manager", reading.manager_confirmed)) if not done)
        return Collected(record, False, waiting)
    filed_tags = [tag for tag, spec in FORM_FIELDS.items() if spec.filed]
    unread_filed = [tag for tag in reading.unread if tag in filed_tags]
    if unread_filed:
        note = ("the form is confirmed but could not be fully read: " + "; ".join(reading.problems))
        return Collected(record.with_changes(note=note[:_NOTE_LIMIT]), False, "")
    form = {tag: reading.fields.get(tag) for tag in filed_tags if tag != "employee_name"}
    note = "; ".join(reading.problems)
    filed = record.with_changes(status=Status.FILED, form=form, filed_at=now,
                                note=note[:_NOTE_LIMIT])
    return Collected(filed, True, "")
