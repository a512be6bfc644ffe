"""Collecting a finished documentation form and filing it (docs/documents.md#the-form-contract,
docs/records.md#filed-form-fields).

A form is finished when both confirmation boxes are checked. Only the fields the form's contract
marks as filed reach the record: health notes and feedback to the manager stay in the document.
A form read but not yet confirmed by both says so in ``Note``, naming whose confirmation is
missing (:func:`~plugin.records.waiting_note`). A form that cannot be filed is held for review: the talk keeps its status and ``Note`` begins
with :data:`~plugin.records.REVIEW` and says why (the form cannot be read or is too large, it
belongs to another talk, it is not samtal's form at all, or it is confirmed but not fully read).
The names filed are the directory's (the record's), never what the form's locked fields say.
A field longer than the list's multi-line column can hold is filed shortened, and the note says
so; the document keeps the whole text.
The date filed (``MeetingDate``) is always the booked day (``MeetingStart`` in the campaign's
zone), whatever the form says: a form whose date differs, or cannot be read, has that noted.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

from connectors.graph.client import GraphClient
from plugin.cache import LookCache
from plugin.documents import FORM_FIELDS, DocumentError, FormReading, read_form
from plugin.documents.model import FieldValue
from plugin.form_date import filed_note
from plugin.records import REVIEW, Record, Status, fit_multiline, waiting_note

_NOTE_LIMIT = 2000
_NAMES = ("employee_name", "manager_name")  # filed from the directory: Title and ManagerName
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


class HeldForms:
    """Forms held for review, remembered in the look-cache by what they hold: a form held once
    is not read again until its bytes change (a form too large to read, or a stranger's, costs
    nothing on the passes that follow). Losing the cache costs one more bounded read."""

    def __init__(self, cache: LookCache, now: datetime) -> None:
        self.cache, self.now = cache, now

    @staticmethod
    def _look(record: Record, data: bytes) -> str:
        return f"held:{record.key}:{hashlib.blake2b(data, digest_size=16).hexdigest()}"

    def unchanged(self, record: Record, data: bytes) -> bool:
        """``record`` is held for review and its form is the one it was held for."""
        return record.held_for_review and not self.cache.due(self._look(record, data), self.now, timedelta.max)

    def remember(self, record: Record, data: bytes, after: Record) -> None:
        if after.held_for_review:
            self.cache.looked(self._look(record, data), self.now)


def judge_reading(record: Record, reading: FormReading | DocumentError, now: datetime, *,
                  zone: tzinfo) -> Collected:
    """The record as it should be, given its form as read (or why it could not be read).
    ``zone`` is the campaign's: the booked day is ``MeetingStart`` there."""
    if isinstance(reading, DocumentError):
        said = str(reading)  # a worker process hands back the message only, not the error's class
        return _held(record, said if said.startswith("the form ") else f"the form cannot be read: {said}")
    if reading.form_id is None:
        return _held(record, "the file in this folder is not the form samtal made for this talk (it "
                             "carries no samtal form id: its document properties are missing, so it "
                             "was probably copied into a new document); it was not filed: restore "
                             "samtal's form from the file's version history and copy the answers into it")
    if reading.form_id.key != record.key:
        return _held(record, "the documentation form in this folder belongs to another talk "
                             f"({reading.form_id.key}); put the right form back")
    if not reading.complete:
        waiting = " and ".join(
            who for who, done in (("the employee", reading.employee_confirmed),
                                  ("the manager", reading.manager_confirmed)) if not done)
        # The note says whose confirmation is missing (status --manager shows it); the form is
        # this talk's and readable again, so a hold from an earlier look no longer applies. The
        # record is written only when that changes.
        note = waiting_note(record.note, not reading.employee_confirmed, not reading.manager_confirmed)
        return Collected(record.with_changes(note=note[:_NOTE_LIMIT]), False, waiting)
    booked = record.meeting_start.astimezone(zone).date() if record.meeting_start else None
    filed_tags = [tag for tag, spec in FORM_FIELDS.items() if spec.filed]
    # the booking gives the date: a form whose date could not be read is still filed
    unread_filed = [tag for tag in reading.unread if tag in filed_tags
                    and not (tag == _DATE and booked is not None)]
    if unread_filed:
        return _held(record, "the form is confirmed but could not be fully read: " + "; ".join(reading.problems))
    form = {tag: reading.fields.get(tag) for tag in filed_tags if tag not in _NAMES}
    dates: list[str] = []
    if booked is not None:
        written = form.get(_DATE)
        if isinstance(written, date) and written != booked:
            dates.append(filed_note(written, booked))
        form[_DATE] = booked
    notes = _shorten(form) + _names_differ(record, reading) + dates + list(reading.problems)  # first: most to act on
    note = "; ".join(notes)
    filed = record.with_changes(status=Status.FILED, form=form, filed_at=now,
                                note=note[:_NOTE_LIMIT])
    return Collected(filed, True, "")


def _held(record: Record, reason: str) -> Collected:
    """Not filed: the talk keeps its status, and the note says why a person has to look."""
    return Collected(record.with_changes(note=(REVIEW + reason)[:_NOTE_LIMIT]), False, "")


def _names_differ(record: Record, reading: FormReading) -> list[str]:
    """A note for each locked name field that says something else than the directory (edited,
    or the directory changed since the form was made). The form's text is not quoted."""
    out = []
    for tag, known, who in (("employee_name", record.employee_name, "employee"),
                            ("manager_name", record.manager_name, "manager")):
        written = reading.fields.get(tag)
        if known and isinstance(written, str) and written.strip() and \
                " ".join(written.split()).casefold() != " ".join(known.split()).casefold():
            out.append(f"the {who}'s name in the form differs from the directory's; the directory's "
                       "name was filed")
    return out


def _shorten(form: dict[str, FieldValue]) -> list[str]:
    """Fit each rich-text field into its multi-line column (in place); a note for each one cut."""
    out = []
    for tag, value in form.items():
        if FORM_FIELDS[tag].kind != "richtext" or not isinstance(value, str):
            continue
        fitted = fit_multiline(value)
        if fitted != value:
            form[tag] = fitted
            out.append(f"{FORM_FIELDS[tag].column} is {len(value):,} characters, more than the list "
                       f"can hold: the list holds a shortened copy (its first {len(fitted):,}); "
                       "the whole text is in the document")
    return out
