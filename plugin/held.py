"""Whether a talk's meeting took place, and what becomes of one that did not.

``held`` means the meeting's end has passed and it was not cancelled or declined. The record
says when the meeting was booked for; only the event says whether it still stands, so a talk
whose booked end has passed is looked at once, as it crosses into held (:func:`look_at_ended`:
one GET per talk, in ``$batch`` calls), and never again once it is held:

- the event stands, the employee has not declined it, and its end has passed: held, at the
  event's own time (the manager may have moved it in Outlook);
- the manager moved it in Outlook to a time that has not ended yet: the record follows the
  event and the talk stays scheduled;
- cancelled or deleted (by the manager, in Outlook): the talk is booked again;
- declined by the employee: a new time on the same event, as for any declined talk.

A talk that needs a new time after the campaign window is over is unschedulable, and its note
says why (:func:`too_late`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from connectors.graph import errors
from connectors.graph.addresses import address_key
from connectors.graph.calendar import Calendar
from plugin.form_date import day_text
from plugin.records import Record, Status

HELD, LATER, CANCELLED, DECLINED = "held", "later", "cancelled", "declined"
#: What the pass logs for a talk that was not held, by verdict.
ACTIONS = {LATER: "follow the meeting moved in Outlook", DECLINED: "declined",
           CANCELLED: "rebook: the meeting was cancelled or deleted"}


@dataclass(frozen=True)
class Look:
    """What the event says about a talk whose booked end has passed: the ``verdict`` and the
    record to go on with (the event's own times; no event id once the meeting is gone)."""

    verdict: str
    record: Record


def started(record: Record, now: datetime) -> bool:
    """Whether the talk's booked start has come."""
    return record.meeting_start is not None and record.meeting_start <= now


def crossing(record: Record | None, now: datetime) -> bool:
    """Whether the talk is booked, not held yet, and its booked end has passed."""
    return (record is not None and record.status is Status.SCHEDULED and bool(record.event_id)
            and bool(record.manager_id) and record.meeting_end is not None and record.meeting_end <= now)


def look_at_ended(calendar: Calendar, talks: Sequence[tuple[Record, frozenset[str]]],
                  now: datetime) -> list[Look | errors.GraphError]:
    """A :class:`Look` for each ``(record, employee's address keys)``, in order, or the error
    that reading its event met (the talk is then not held this pass)."""
    answers = calendar.get_events([(record.manager_id, record.event_id) for record, _ in talks])
    out: list[Look | errors.GraphError] = []
    for (record, addresses), event in zip(talks, answers):
        gone = isinstance(event, errors.NotFound) and not isinstance(event, errors.MailboxUnavailable)
        if gone or (not isinstance(event, errors.GraphError) and event.is_cancelled):
            out.append(Look(CANCELLED, record.with_changes(event_id="")))
        elif isinstance(event, errors.GraphError):
            out.append(event)
        elif any(a.response == "declined" for a in event.attendees if address_key(a.address) in addresses):
            out.append(Look(DECLINED, record))
        else:
            timed = record.with_changes(meeting_start=event.start, meeting_end=event.end)
            out.append(Look(HELD, timed.with_changes(status=Status.HELD)) if event.end <= now
                       else Look(LATER, timed))
    return out


def too_late(record: Record, kind: str, last_day: date, zone: tzinfo) -> Record | None:
    """The unschedulable record of a talk whose meeting is off (declined or cancelled) when the
    campaign window is over, or None for any other talk (its record stays as it is). The event
    of a declined meeting is for the caller to cancel."""
    if record.status is not Status.DECLINED and kind not in (DECLINED, CANCELLED):
        return None
    booked = "the meeting" + (f" booked for {day_text(record.meeting_start.astimezone(zone).date())}"
                              if record.meeting_start is not None else "")
    if record.status is Status.DECLINED:  # waiting for a new time: declined, or its time taken since
        what = f"{booked} was declined or its time taken since, and no new time was found"
    elif kind == DECLINED:
        what = f"the employee declined {booked}"
    else:
        what = f"{booked} was cancelled"
    return record.with_changes(status=Status.UNSCHEDULABLE, event_id="", meeting_start=None, meeting_end=None,
                               note=f"{what}; the campaign window ended on {last_day}: "
                                    "no time is left to book it again")
