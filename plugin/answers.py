"""Answers and conflicts: booked talks still ahead (docs/architecture.md#one-pass, stages 5 and 6).

Booked talks stay put unless declined, cancelled or in conflict (docs/records.md#how-a-talk-moves).
The meetings that are due are read in parallel: a declined one is recorded ``declined`` and goes
to be booked anew, a cancelled or deleted one goes to be booked again; the others stand. For the
talks still standing, free/busy is read in detail, and a talk someone has since double-booked
gets a new time on the same event.

Only reads happen here, and one write: the ``declined`` record, which is what the employee's
answer already says (writing it again changes nothing). A passing problem reading one answer
leaves that talk for the next pass, never the pass.
"""
from __future__ import annotations

from connectors.graph import errors
from connectors.graph.addresses import address_key
from plugin.pass_context import PassContext, Talk
from plugin.planning import read_availability
from plugin.records import Record, Status
from plugin.scheduling.model import Booking
from plugin.scheduling.planner import find_conflict
from plugin.scheduling.rules import rules_from_settings


def check_answers(pc: PassContext, talks: list[Talk], to_book: list[Talk]) -> list[Talk]:
    """Read each talk's meeting: the ones to book again go into ``to_book``; returns the talks
    still standing (for :func:`find_conflicts`)."""
    standing: list[Talk] = []
    pc.run_parallel("checking answers", talks, lambda t: _check(pc, t, to_book, standing))
    return standing


def _check(pc: PassContext, talk: Talk, to_book: list[Talk], standing: list[Talk]) -> None:
    record = talk.record
    assert record is not None
    # A passing problem reading one answer leaves that talk for the next pass, never the pass.
    pc.guard(record, lambda: _read_answer(pc, talk, record, to_book, standing))


def _read_answer(pc: PassContext, talk: Talk, record: Record, to_book: list[Talk],
                 standing: list[Talk]) -> None:
    try:
        event = pc.client.calendar.get_event(record.manager_id, record.event_id)
    except errors.NotFound:
        event = None
    pc.cache.looked(f"answer:{record.key}", pc.now)
    if event is None or event.is_cancelled:
        pc.act(record, "rebook: the meeting was cancelled or deleted")
        to_book.append(Talk(talk.entry, record.with_changes(event_id=""), "cancelled", record.event_id))
        return
    answer = next((a.response for a in event.attendees
                   if address_key(a.address) in talk.employee.addresses), "none")
    if answer == "declined":
        declined = pc.book.put(record.with_changes(status=Status.DECLINED,
                                                   note="the employee declined the time"))
        pc.act(declined, "declined")
        to_book.append(Talk(talk.entry, declined, "declined"))
    else:
        standing.append(talk)  # still booked: look for a clash (find_conflicts)


def find_conflicts(pc: PassContext, standing: list[Talk], to_book: list[Talk]) -> None:
    """A talk of ``standing`` someone has since double-booked (either person busy, tentative or
    away over it) goes into ``to_book`` for a new time on the same event. Read with every
    schedule item, not the 15-minute view, so a meeting right next to the talk is not mistaken
    for a clash."""
    rules = rules_from_settings(pc.settings, pc.now)
    talks = [t for t in standing if t.record is not None and t.record.meeting_start
             and t.record.meeting_end and (rules.not_before is None
                                           or t.record.meeting_start > rules.not_before)]
    if not talks:
        return
    people = {t.manager.id: t.manager for t in talks} | {t.employee.id: t.employee for t in talks}
    try:
        avail = read_availability(pc.client.calendar, people.values(), rules,
                                  workers=pc.workers, detailed=True)
    except errors.GraphError as err:
        pc.leave_for_next_pass("conflict check", err)
        return
    by_id = avail.people
    for talk in talks:
        record = talk.record
        assert record is not None and record.meeting_start and record.meeting_end
        manager, employee = by_id.get(talk.manager.id), by_id.get(talk.employee.id)
        if manager is None or employee is None:
            continue
        booking = Booking(employee.id, record.meeting_start, record.meeting_end, record.event_id)
        hit = find_conflict(booking, manager, employee)
        if hit is None:
            continue
        who = talk.manager.display_name if hit[0] == talk.manager.id else talk.employee.display_name
        note = f"the time was taken in {who}'s calendar after booking; moved to a new time"
        pc.act(record, "conflict", talk.manager.display_name, note)
        to_book.append(Talk(talk.entry, record.with_changes(note=note), "conflict"))
