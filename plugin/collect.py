"""Collecting a finished documentation form and filing it (SPEC §5–6).

A form is finished when both confirmation boxes are checked. Only the fields the form's contract
marks as filed reach the record: health notes and feedback to the manager stay in the document.
A form that could not be fully read keeps its status, with the reason in ``Note``; a form that
belongs to another talk (copied into the wrong folder) is never filed here. The date filed
(``MeetingDate``) is always the booked day (``MeetingStart`` in the campaign's zone), whatever
the form says: a form whose date differs, or cannot be read, has that noted, not filed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from connectors.graph.client import GraphClient
from plugin.documents import FORM_FIELDS, DocumentError, FormReading, read_form
from plugin.form_date import filed_note
from plugin.records import Record, Status

_NOTE_LIMIT = 2000
_DATE = "meeting_date"


@dataclass(frozen=True)
class Collected:
    record: Record
    filed: bool
    waiting: str  # who still has to confirm, when not finished


def collect(client: GraphClient, record: Record, now: datetime, *, zone: tzinfo,
            templates_dir: Path | None = None) -> Collected:
    """Read the form of ``record`` and return the record as it should now be."""
    return judge(record, client.drive.download(record.drive_id, record.form_item_id), now,
                 zone=zone, templates_dir=templates_dir)


def judge(record: Record, data: bytes, now: datetime, *, zone: tzinfo,
          templates_dir: Path | None = None) -> Collected:
    """The record as it should be, given the bytes of its form (already downloaded)."""
    try:
        reading = read_form(data, templates_dir=templates_dir)
    except DocumentError as err:
        return judge_reading(record, err, now, zone=zone)
    return judge_reading(record, reading, now, zone=zone)


def judge_reading(record: Record, reading: FormReading | DocumentError, now: datetime, *,
                  zone: tzinfo) -> Collected:
    """The record as it should be, given its form as read (or why it could not be read).
    ``zone`` is the campaign's: the booked day is ``MeetingStart`` there."""
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
    booked = record.meeting_start.astimezone(zone).date() if record.meeting_start else None
    filed_tags = [tag for tag, spec in FORM_FIELDS.items() if spec.filed]
    # the booking gives the date: a form whose date could not be read is still filed
    unread_filed = [tag for tag in reading.unread if tag in filed_tags
                    and not (tag == _DATE and booked is not None)]
    if unread_filed:
        note = ("the form is confirmed but could not be fully read: " + "; ".join(reading.problems))
        return Collected(record.with_changes(note=note[:_NOTE_LIMIT]), False, "")
    form = {tag: reading.fields.get(tag) for tag in filed_tags if tag != "employee_name"}
    problems = list(reading.problems)
    if booked is not None:
        written = form.get(_DATE)
        if isinstance(written, date) and written != booked:
            problems.append(filed_note(written, booked))
        form[_DATE] = booked
    note = "; ".join(problems)
    filed = record.with_changes(status=Status.FILED, form=form, filed_at=now,
                                note=note[:_NOTE_LIMIT])
    return Collected(filed, True, "")
