"""Whether a talk's meeting took place, and what becomes of one that did not.

``held`` means the meeting's end has passed and it was not cancelled or declined. The record
says when the meeting was booked for; only the event says whether it still stands, so a talk
whose booked end has passed is looked at once, as it crosses into held, and never again once it
is held. A manager with two talks or more crossing in a pass has the campaign's tagged meetings
listed once (:func:`look_by_manager`), each talk's meeting found in the listing by its id; a talk
whose meeting is not in the listing, and a manager with one talk, get one GET per talk
(:func:`look_at_ended`), in ``$batch`` calls. What the event says:

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
from connectors.graph.calendar_records import Event
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
    return [_look(record, addresses, event, now) for (record, addresses), event in zip(talks, answers)]


def look_by_manager(calendar: Calendar, teams: Sequence[Sequence[tuple[Record, frozenset[str]]]],
                    prefix: str, now: datetime) -> list[list[Look | errors.GraphError]]:
    """:func:`look_at_ended` for teams of talks, each team one manager's (the records'
    ``manager_id``): the manager's events tagged ``prefix`` (the campaign's) are listed once, and
    each talk's event is the listed one whose id is the record's ``event_id``, exactly as Graph
    wrote it (ids are case-sensitive, docs/graph.md#events). One answer per talk, in order.

    An id the listing does not hold is read by itself, as :func:`look_at_ended` reads it: the
    listing is of the manager's default calendar and of events still carrying samtal's tag,
    while a read by id finds the event in any of the mailbox's calendars, tag or not ("Get a list
    of event objects from the user's default calendar or from a specified calendar",
    https://learn.microsoft.com/graph/api/user-list-events?view=graph-rest-beta; a single event
    is read by its id alone, ``GET /users/{id}/events/{id}``,
    https://learn.microsoft.com/graph/api/event-get). So "not listed" is not read as "gone":
    only the read by id says so (404). A listing that met an error gives it to each of that
    manager's talks (not held this pass), except a 404 that is not about the mailbox
    (:class:`~connectors.graph.errors.MailboxUnavailable`): a listing that found nothing to list
    says nothing of any one event, so those talks are read by id too."""
    listings = calendar.find_events_by_tag_prefix([team[0][0].manager_id for team in teams], prefix)
    answers: list[list[Event | errors.GraphError | None]] = []
    for team, listing in zip(teams, listings):
        if isinstance(listing, errors.GraphError) and not _gone(listing):
            answers.append([listing] * len(team))
        else:
            by_id = {} if isinstance(listing, errors.GraphError) else {e.id: e for e in listing}
            answers.append([by_id.get(record.event_id) for record, _ in team])
    unlisted = [(t, i) for t, team_answers in enumerate(answers)
                for i, answer in enumerate(team_answers) if answer is None]
    read = look_at_ended(calendar, [teams[t][i] for t, i in unlisted], now)
    by_place = dict(zip(unlisted, read))
    return [[by_place[(t, i)] if answer is None else _look(*teams[t][i], answer, now)
             for i, answer in enumerate(team_answers)]
            for t, team_answers in enumerate(answers)]


def _gone(answer: object) -> bool:
    """Whether ``answer`` is a 404 about the item, not about the mailbox (docs/failures.md#a6)."""
    return isinstance(answer, errors.NotFound) and not isinstance(answer, errors.MailboxUnavailable)


def _look(record: Record, addresses: frozenset[str], event: Event | errors.GraphError,
          now: datetime) -> Look | errors.GraphError:
    """What ``event`` (or the error reading it met) says about ``record``'s talk."""
    if _gone(event) or (not isinstance(event, errors.GraphError) and event.is_cancelled):
        return Look(CANCELLED, record.with_changes(event_id=""))
    if isinstance(event, errors.GraphError):
        return event
    if any(a.response == "declined" for a in event.attendees if address_key(a.address) in addresses):
        return Look(DECLINED, record)
    timed = record.with_changes(meeting_start=event.start, meeting_end=event.end)
    return Look(HELD, timed.with_changes(status=Status.HELD)) if event.end <= now else Look(LATER, timed)


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
