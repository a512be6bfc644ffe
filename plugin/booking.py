"""Booking (docs/architecture.md#one-pass, stage 7): every talk to book gets a time, or a record
that says why it has none.

Free/busy is read for everyone to book (``getSchedule``, 20 people per call); meetings a stopped
pass had already booked are looked for by the tag on the event, and keep their time; teams are
planned together; ``unschedulable`` and ``failed`` records are written together. Then the talks
that move (declined, a time taken since, a new manager) go one talk at a time, in parallel: the
prep guide is replaced, the form's date follows the new day while nobody has written in the
form, the event gets the new time, and a move to a new manager first takes the former manager's
access away. New talks are booked in stages (:mod:`plugin.booking_stages`).

Every step looks before it writes (:mod:`plugin.talks`) and the record is written last, so a
pass stopped at any point and run again books nothing twice. After the campaign window, nothing
is booked: a talk whose meeting is off is recorded ``unschedulable`` with the reason.
"""
from __future__ import annotations

from datetime import datetime, time

from connectors.graph import errors
from connectors.graph.calendar_records import Event
from connectors.graph.directory import User
from plugin import held
from plugin.booking_stages import book_in_stages
from plugin.pass_context import PassContext, Talk
from plugin.planning import mailbox_failure, read_availability
from plugin.records import Record, Status
from plugin.scheduling.model import Booking, Proposal, Team, Unschedulable
from plugin.scheduling.planner import plan_round, propose_new_time
from plugin.scheduling.rules import rules_from_settings
from plugin.talks import scheduled_record

# Talks that keep their event but get a new time on it (PATCH, the invitation is updated).
_MOVES = frozenset({"declined", "conflict"})


def book_all(pc: PassContext, talks: list[Talk]) -> None:
    """Book ``talks``: a time for each (planned team by team, or a new time for a talk that
    moves), or its ``unschedulable`` or ``failed`` record."""
    if not talks:
        return
    rules = rules_from_settings(pc.settings, pc.now)
    last_moment = datetime.combine(rules.last_day, time(23, 59), pc.settings.meetings.zone.tzinfo)
    later: list[Record] = []  # the talks that cannot be booked, written together
    if rules.not_before is not None and rules.not_before >= last_moment:
        for talk in talks:  # a record that exists keeps its status and reason, unless its meeting is off
            if talk.record is None:
                _place(pc, talk, Unschedulable(talk.employee.id, (
                    f"the campaign window ended on {rules.last_day}: no time is left to book")), {}, later)
            elif (off := held.too_late(talk.record, talk.kind, rules.last_day,
                                   pc.settings.meetings.zone.tzinfo)) is not None:
                _call_off(pc, talk.record, off, later)
        pc.put_all("recording talks that cannot be booked", later)
        return
    people = {t.manager.id: t.manager for t in talks} | {t.employee.id: t.employee for t in talks}
    pc.progress.say(f"reading free/busy of {len(people)} people")
    avail = read_availability(pc.client.calendar, people.values(), rules, workers=pc.workers)
    by_id, missing = avail.people, avail.missing

    plans: dict[str, Proposal] = {}
    teams: dict[str, list[Talk]] = {}
    for talk in talks:
        if talk.manager.id in missing:
            pc.fail(talk, f"the manager's calendar cannot be read: {missing[talk.manager.id]}", later)
        elif talk.employee.id in missing:
            pc.fail(talk, missing[talk.employee.id], later)
        else:
            teams.setdefault(talk.manager.id, []).append(talk)
    team_size = {m: len(ts) for m, ts in teams.items()}
    found = _find_booked(pc, [t for ts in teams.values() for t in ts if t.kind not in _MOVES])
    teams = {m: kept for m, ts in teams.items()
             if (kept := [t for t in ts if t.kind in _MOVES or t.employee.id in found])}
    booked = _booked_by_manager(pc)
    team_inputs = []
    for manager_id, members in sorted(teams.items()):
        manager = by_id[manager_id]
        others = tuple(b for b in booked.get(manager_id, ()) if b.employee_id not in
                       {m.employee.id for m in members})
        # A meeting a stopped pass booked keeps its time and counts like any booked talk
        # (buffer, daily maximum) for the team-mates planned around it.
        for m in members:
            if (event := found.get(m.employee.id)) is not None:
                plans[m.employee.id] = Proposal(m.employee.id, event.start, event.end)
                others += (Booking(m.employee.id, event.start, event.end, event.id),)
        fresh = [m for m in members if m.kind not in _MOVES and found.get(m.employee.id) is None]
        for m in members:
            if m.kind in _MOVES and m.record and m.record.meeting_start and m.record.meeting_end:
                old = Booking(m.employee.id, m.record.meeting_start, m.record.meeting_end, m.record.event_id)
                outcome = propose_new_time(rules, manager, by_id[m.employee.id], old, others)
                _place(pc, m, outcome, plans, later)
        team_inputs.append(Team(manager, tuple(by_id[m.employee.id] for m in fresh), others))
    wanted = {m.employee.id: m for ms in teams.values() for m in ms if m.kind not in _MOVES}
    for plan in plan_round(team_inputs, rules):
        for outcome in plan.outcomes:
            _place(pc, wanted[outcome.employee_id], outcome, plans, later)
    pc.put_all("recording talks that cannot be booked", later)

    work = [(t, plans[t.employee.id]) for ts in teams.values() for t in ts if t.employee.id in plans]
    in_stages = {"new", "cancelled"} if not pc.dry_run else set()
    staged = [tp for tp in work if tp[0].kind in in_stages]
    single = [tp for tp in work if tp[0].kind not in in_stages]
    pc.run_parallel("booking talks", single,
                    lambda tp: _book_one(pc, tp[0], tp[1], team_size, found.get(tp[0].employee.id)))
    book_in_stages(pc, staged, team_size, found)


def _call_off(pc: PassContext, record: Record, off: Record, later: list[Record]) -> None:
    """``record``'s meeting is off and the window over: a declined meeting is cancelled, and
    the unschedulable record ``off`` goes into ``later`` (:func:`plugin.held.too_late`)."""
    def call_off() -> None:
        if record.event_id and not pc.dry_run:
            pc.talks.cancel(record.manager_id, record.event_id, record.language or "sv", why="window")
        pc.act(off, "unschedulable", record.manager_name, off.note)
        pc.cache.looked(f"retry:{off.key}", pc.now)
        later.append(off)
    pc.guard(record, call_off)


def _find_booked(pc: PassContext, talks: list[Talk]) -> dict[str, Event | None]:
    """The live meeting tagged with each talk's key in its manager's calendar, if any: one a
    pass booked before it stopped without writing the record. A manager with two talks or more
    to look up has the campaign's tagged meetings listed once (each matched to its talk by the
    exact tag); a manager with one has that tag looked up (the narrower question, at the same
    cost). A talk whose calendar could not be read is left out (and so not booked this pass)."""
    found: dict[str, Event | None] = {}
    teams: dict[str, list[Talk]] = {}
    for talk in talks:
        teams.setdefault(talk.manager.id, []).append(talk)
    listed = [ts for ts in teams.values() if len(ts) >= 2]
    single = [ts[0] for ts in teams.values() if len(ts) < 2]

    def settle(talk: Talk, answer: Event | None | errors.GraphError) -> None:
        if isinstance(answer, errors.GraphError) and (why := mailbox_failure(answer)) is not None:
            # free/busy came through another mailbox, but this one samtal cannot use
            pc.fail(talk, f"the manager's calendar cannot be read: {why}")
        elif isinstance(answer, errors.GraphError):
            pc.drop(pc.record_for(talk.employee, talk.record), answer, talk)
        else:
            found[talk.employee.id] = answer

    def look(chunk: list[Talk]) -> None:
        for talk, answer in zip(chunk, pc.talks.find_events([(t.manager, t.employee) for t in chunk])):
            settle(talk, answer)

    def list_by_manager(chunk: list[list[Talk]]) -> None:
        for team, answer in zip(chunk, pc.talks.find_events_by_manager([ts[0].manager for ts in chunk])):
            for talk in team:
                settle(talk, answer if isinstance(answer, errors.GraphError)
                       else answer.get(pc.talks.tag(talk.employee).lower()))

    pc.in_batches("looking for booked meetings", single, look)
    pc.in_batches("looking for booked meetings by manager", listed, list_by_manager)
    return found


def _booked_by_manager(pc: PassContext) -> dict[str, list[Booking]]:
    out: dict[str, list[Booking]] = {}
    for r in pc.book.all():
        if r.event_id and r.meeting_start and r.meeting_end and r.status in (
                Status.SCHEDULED, Status.HELD, Status.FILED, Status.DECLINED):
            out.setdefault(r.manager_id, []).append(Booking(r.employee_id, r.meeting_start,
                                                            r.meeting_end, r.event_id))
    return out


def _place(pc: PassContext, talk: Talk, outcome: Proposal | Unschedulable, plans: dict[str, Proposal],
           later: list[Record]) -> None:
    """A proposed time goes into ``plans``; an unschedulable talk's record into ``later``."""
    if isinstance(outcome, Proposal):
        plans[talk.employee.id] = outcome
        return
    status = Status.DECLINED if talk.kind in _MOVES else Status.UNSCHEDULABLE
    after = pc.talk_record(talk, status, outcome.reason)
    if talk.record is None or talk.record.status is not status or talk.record.note != after.note:
        pc.act(after, "unschedulable", talk.manager.display_name, outcome.reason)
    pc.cache.looked(f"retry:{after.key}", pc.now)
    later.append(after)


def _book_one(pc: PassContext, talk: Talk, proposal: Proposal, team_size: dict[str, int],
              existing: Event | None) -> None:
    employee, manager = talk.employee, talk.manager
    base = pc.record_for(employee, talk.record)
    what = {"new": "book", "declined": "move (declined)", "conflict": "move (time taken since)",
            "cancelled": "book again",
            "moved": "move to the new manager"}[talk.kind]
    if pc.dry_run:
        pc.act(base.with_changes(meeting_start=proposal.start, meeting_end=proposal.end),
               what, manager.display_name)
        return

    def do() -> None:
        start, end = proposal.start, proposal.end  # an existing meeting's own time
        record = talk.record
        if talk.kind == "moved" and record is not None:
            _move_away(pc, record, employee)
        ctx = pc.talks.context(employee, manager, start, end, pc.previous.get(employee.id))
        moving = talk.kind in _MOVES and bool(base.form_item_id)
        folder, form = pc.talks.prepare(employee, manager, record, ctx, prep_only=moving)
        form_note = ""
        if moving and form is None:  # the form's date follows unless someone wrote in it
            form, form_note = pc.talks.follow_move(folder, base, ctx)
        if not base.shared or talk.kind == "moved" or folder.item_id != base.folder_id:
            pc.talks.share(folder, employee, manager)
        pc.talks.ensure_manager_guide(manager, team_size.get(manager.id, 1))
        if talk.kind in _MOVES and base.event_id:
            event = pc.talks.move(manager.id, base.event_id, start, end)
        else:  # a new booking replaces the record's meeting (a new transactionId)
            event = existing or pc.talks.book(employee, manager, start, end, folder.web_url,
                                              talk.replaced_event)
            if pc.talks.lacks_teams(event):
                event = pc.talks.tell_no_teams(employee, manager, event, folder.web_url)
        after = scheduled_record(base, employee, manager, folder, form, event, ctx.language,
                                 pc.talks.meeting_note(event))
        if form_note:
            after = after.with_changes(note="; ".join(n for n in (after.note, form_note) if n))
        pc.book.put(after)
        pc.act(after, what, manager.display_name, form_note)

    pc.guard(base, do, talk)


def _move_away(pc: PassContext, record: Record, employee: User) -> None:
    """The employee has a new manager: cancel the old meeting and take back the old
    manager's access to the folder (the folder itself stays)."""
    if record.event_id:
        pc.talks.cancel(record.manager_id, record.event_id, record.language or "sv")
    if record.drive_id and record.folder_id and record.manager_id:
        pc.talks.unshare(pc.talks.folder_of(record), _stub(record.manager_id, record.manager_email),
                         record.key)


def _stub(user_id: str, address: str) -> User:
    """A person known only by the record's id and address (a former manager)."""
    return User(id=user_id, display_name=address or user_id, upn=address or user_id, mail=address or None)
