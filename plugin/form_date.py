"""The form's date of the talk follows its booking.

The form samtal places carries the booked day in its date control. When the talk then moves to
a new time on the same event (the employee declined, or the time was taken since), the form
follows only while nobody has written in it (:func:`plugin.documents.redate.untouched`): then
its date control alone is set to the new day, in the document as it is, and written back only
if the file is still the version that was read (``If-Match`` on its eTag). A form someone
wrote in, saved meanwhile (412) or has open in Word (423, locked) is left exactly as it is and
the record's note says how its date differs from the booking. Filing always files the booked
day (:func:`plugin.collect.judge_reading`), so a filed date never contradicts ``MeetingStart``.

Cost: one read of the item with its bytes and, when the form follows, one upload; talks that did
not move cost nothing here.
"""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from connectors.graph import errors
from connectors.graph.drive import Drive
from plugin.documents import DocumentError, read_form
from plugin.documents.redate import DATE_TAG, set_form_date, untouched
from plugin.records import Record

log = logging.getLogger(__name__)

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def day_text(day: dt.date) -> str:
    """``17 March 2027``: a date as people write it (notes are in English, like every note)."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def differs_note(form_day: dt.date, booked: dt.date) -> str:
    """The note of a moved talk whose form already had answers."""
    return (f"the form still says the talk is on {day_text(form_day)}, but it is now booked for "
            f"{day_text(booked)}: someone had already written in the form, so samtal left it as it was; "
            "the booked date is the one filed")


def edited_note(form_day: dt.date | None, booked: dt.date) -> str:
    """The note of a moved talk whose form someone was editing (saved it meanwhile, or had it
    open in Word) while samtal set its date."""
    says = f" (it said {day_text(form_day)})" if form_day is not None else ""
    return (f"the talk moved to {day_text(booked)} while someone was editing the form, so samtal left "
            f"the form's date as it was{says}; the booked date is the one filed")


def filed_note(form_day: dt.date, booked: dt.date) -> str:
    """The note of a filed form whose date is not the booking's."""
    return (f"the form gives {day_text(form_day)} as the date of the talk, but it was booked for "
            f"{day_text(booked)}; the booked date was filed")


def follow_booking(drive: Drive, record: Record, day: dt.date, *,
                   templates_dir: Path | None = None) -> str:
    """Set the date of ``record``'s form to ``day`` unless someone has written in it. Returns
    the note for the record: empty when the form now says ``day`` (or has nothing to compare),
    else why its date stays different.

    Raises :class:`errors.NotFound` when the form is gone (the caller places a new one) and
    other :class:`errors.GraphError` as they come (a failed read or upload: the move is tried
    again next pass). A form that cannot be read, or that belongs to another talk, is left for
    collecting to report."""
    fetched = drive.fetch_file(record.drive_id, record.form_item_id)
    try:
        reading = read_form(fetched.data, templates_dir=templates_dir)
    except DocumentError as err:
        log.info("%s: the form cannot be read (%s); its date is left as it is", record.key, type(err).__name__)
        return ""
    if reading.form_id is None or reading.form_id.key != record.key:
        return ""
    said = reading.fields.get(DATE_TAG)
    form_day = said if isinstance(said, dt.date) else None
    if form_day == day:
        return ""
    if not untouched(reading):
        return differs_note(form_day, day) if form_day is not None else ""
    try:
        drive.replace_if_unchanged(fetched.item, set_form_date(fetched.data, day))
    except DocumentError as err:  # read as untouched yet no single date control: leave it
        log.info("%s: the form's date cannot be set (%s)", record.key, err)
        return ""
    except (errors.PreconditionFailed, errors.Locked) as err:  # saved since it was read, or open in Word
        log.info("%s: the form is being edited (%s); its date is left as it is", record.key, err.status)
        return edited_note(form_day, day)
    return ""
