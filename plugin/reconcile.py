"""One reconcile pass (docs/architecture.md#one-pass): read the directory and the records, work
out what is missing, do it, write the record. Idempotent: a second pass, or a pass after a crash at any point, creates
nothing twice, because every step in :mod:`plugin.talks` looks before it writes and the record is
written last. Failures are sorted once, at the edge of the loop, by the pass's shared plumbing
(:mod:`plugin.pass_context`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from connectors.graph import errors
from connectors.graph.addresses import address_key, same_id
from connectors.graph.calendar_records import Event
from connectors.graph.client import GraphClient
from connectors.graph.directory import User
from connectors.graph.drive import DriveItem
from plugin import held
from plugin.answers import check_answers, find_conflicts
from plugin.booking_stages import book_in_stages
from plugin.cache import LookCache
from plugin.collect import HeldForms, judge_reading
from plugin.documents import TalkContext
from plugin.documents.workers import DocumentWorkers, spare_cores
from plugin.duplicates import cancel_extra_meetings
from plugin.lease import LeaseTerms, PassLease
from plugin.overview import refresh_team_overviews
from plugin.overview.place import OverviewCache
from plugin.parallel import WorkerPool
from plugin.pass_context import Action, ConsentNeeded, PassContext, PassReport, Talk
from plugin.planning import read_availability, schedule_window
from plugin.progress import Progress
from plugin.records import Record, Status, without_waiting
from plugin.roster import Entry, build_roster
from plugin.scheduling.model import Booking, Proposal, Team, Unschedulable
from plugin.scheduling.planner import find_conflict, plan_round, propose_new_time
from plugin.scheduling.rules import rules_from_settings
from plugin.settings import Settings
from plugin.sorting import sort_roster
from plugin.store import RecordBook, RecordStore
from plugin.talks import Folder, address_of, scheduled_record
from plugin.watching import look_before_held, watch_all

__all__ = ["Action", "ConsentNeeded", "PassReport", "Reconciler"]

# Talks that keep their event but get a new time on it (PATCH, the invitation is updated).
_MOVES = frozenset({"declined", "conflict"})


class Reconciler:
    def __init__(self, client: GraphClient, settings: Settings, *, now: datetime,
                 dry_run: bool = False, cache: LookCache | None = None,
                 progress: Progress | None = None, look_every: timedelta = timedelta(hours=6),
                 watch_all: bool = False, overviews: bool = True, lease: LeaseTerms | None = None) -> None:
        self.client = client
        self.settings = settings
        self.now = now
        self.dry_run = dry_run
        self.cache = cache or LookCache(None)
        self.progress = progress or Progress(quiet=True)
        self.look_every = look_every
        self.watch_all = watch_all
        self._pool = WorkerPool(max(1, settings.concurrency.max_requests))
        self.overviews = overviews
        self.lease_terms = lease or LeaseTerms(term=settings.records.lease)
        self.lease: PassLease | None = None  # held while a pass that writes runs (plugin/lease.py)

    # ------------------------------------------------------------------ the pass
    def run(self) -> PassReport:
        try:
            return self._run()
        finally:
            self._pool.close()
            if self.lease is not None:
                self.lease.release()

    def _run(self) -> PassReport:
        s = self.settings
        self.progress.say(f"campaign {s.campaign.id}: reading the records and the directory")
        store = self._open_store()
        if store is not None and not self.dry_run:  # one pass at a time, before reading (LeaseHeld)
            self.lease = PassLease.take(store, s.campaign.id, self.lease_terms)
        records = store.load(s.campaign.id, repair=not self.dry_run,
                             calendar=None if self.dry_run else self.client.calendar) if store else {}
        book = RecordBook(None if self.dry_run else store, records, self.lease.check if self.lease else None)
        self.pc = PassContext(self.client, s, now=self.now, dry_run=self.dry_run, cache=self.cache,
                              progress=self.progress, look_every=self.look_every, watch_all=self.watch_all,
                              book=book, pool=self._pool, lease=self.lease)
        if store is not None and self.lease is not None:  # second invitations of duplicate records
            for extra, err in cancel_extra_meetings(self.client.calendar, store.merged, self.now):
                self.pc.drop(extra, err)
        if store is not None and s.campaign.previous:
            # last round's goals and plan go into this round's prep guides
            self.pc.previous = {r.employee_id: r for r in store.load(s.campaign.previous).values()}
        users = list(self.client.directory.list_users())
        roster = build_roster(users, s.scope)
        self.progress.say(f"{len(users)} users in the directory, {sum(e.in_round for e in roster)} "
                          f"in the round, {len(records)} records")

        work = sort_roster(self.pc, roster, records)
        self.pc.put_all("recording who is out of the round", work.out_of_round)
        to_book, to_check, to_watch = work.to_book, work.to_check, work.to_watch

        held_now = look_before_held(self.pc, to_watch, to_book)
        standing = check_answers(self.pc, to_check, to_book)
        find_conflicts(self.pc, standing, to_book)
        self._book_all(to_book)
        watch_all(self.pc, to_watch, held_now)
        self.cache.save()
        self.pc.report.records = self.pc.book.all()
        self.pc.report.writes = self.pc.book.writes
        if self.overviews and not self.dry_run:
            self._refresh_overviews(users)
        return self.pc.report

    def _refresh_overviews(self, users: list[User]) -> None:
        """Each manager's team overview, once the team has filed content, replaced only when
        that content changed (its hash is cached next to the look-cache)."""
        if self.lease is not None:
            self.lease.check()
        documented = {r.manager_id for r in self.pc.report.records if r.status is Status.FILED}
        records = [r for r in self.pc.report.records if r.manager_id in documented]
        if not records:
            return
        path = self.cache.path
        cache = OverviewCache(path.with_name(path.stem + "-overviews.json") if path is not None else None)
        try:
            placed = refresh_team_overviews(self.client, self.settings, records, cache=cache,
                                            managers={u.id: u for u in users}, workers=self.pc.workers)
        except errors.GraphError as err:
            self.pc.leave_for_next_pass("team overviews", err)
            return
        if placed:
            self.progress.say(f"{placed} team overview(s) updated")

    def _open_store(self) -> RecordStore | None:
        s = self.settings
        if self.dry_run:
            return RecordStore.open_existing(self.client.lists, s.records.site, s.records.list)
        return RecordStore.open(self.client.lists, s.records.site, s.records.list)

    # ------------------------------------------------------------------ booking
    def _book_all(self, talks: list[Talk]) -> None:
        if not talks:
            return
        rules = rules_from_settings(self.settings, self.now)
        window_start, window_end = schedule_window(rules)
        last_moment = datetime.combine(rules.last_day, time(23, 59), self.settings.meetings.zone.tzinfo)
        later: list[Record] = []  # the talks that cannot be booked, written together
        if rules.not_before is not None and rules.not_before >= last_moment:
            for talk in talks:  # a record that exists keeps its status and reason, unless its meeting is off
                if talk.record is None:
                    self._place(talk, Unschedulable(talk.employee.id, (
                        f"the campaign window ended on {rules.last_day}: no time is left to book")), {}, later)
                elif (off := held.too_late(talk.record, talk.kind, rules.last_day,
                                                       self.settings.meetings.zone.tzinfo)) is not None:
                    self._call_off(talk.record, off, later)
            self.pc.put_all("recording talks that cannot be booked", later)
            return
        people = {t.manager.id: t.manager for t in talks} | {t.employee.id: t.employee for t in talks}
        self.progress.say(f"reading free/busy of {len(people)} people")
        avail = read_availability(self.client.calendar, people.values(), rules, workers=self.pc.workers)
        by_id, missing = avail.people, avail.missing

        plans: dict[str, Proposal] = {}
        teams: dict[str, list[Talk]] = {}
        for talk in talks:
            if talk.manager.id in missing:
                self.pc.fail(talk, f"the manager's calendar cannot be read: {missing[talk.manager.id]}", later)
            elif talk.employee.id in missing:
                self.pc.fail(talk, missing[talk.employee.id], later)
            else:
                teams.setdefault(talk.manager.id, []).append(talk)
        team_size = {m: len(ts) for m, ts in teams.items()}
        found = self._find_booked([t for ts in teams.values() for t in ts if t.kind not in _MOVES])
        teams = {m: kept for m, ts in teams.items()
                 if (kept := [t for t in ts if t.kind in _MOVES or t.employee.id in found])}
        booked = self._booked_by_manager()
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
                    self._place(m, outcome, plans, later)
            team_inputs.append(Team(manager, tuple(by_id[m.employee.id] for m in fresh), others))
        wanted = {m.employee.id: m for ms in teams.values() for m in ms if m.kind not in _MOVES}
        for plan in plan_round(team_inputs, rules):
            for outcome in plan.outcomes:
                self._place(wanted[outcome.employee_id], outcome, plans, later)
        self.pc.put_all("recording talks that cannot be booked", later)

        work = [(t, plans[t.employee.id]) for ts in teams.values() for t in ts if t.employee.id in plans]
        in_stages = {"new", "cancelled"} if not self.dry_run else set()
        staged = [tp for tp in work if tp[0].kind in in_stages]
        single = [tp for tp in work if tp[0].kind not in in_stages]
        self.pc.run_parallel("booking talks", single,
                           lambda tp: self._book_one(tp[0], tp[1], team_size, found.get(tp[0].employee.id)))
        book_in_stages(self.pc, staged, team_size, found)

    def _call_off(self, record: Record, off: Record, later: list[Record]) -> None:
        """``record``'s meeting is off and the window over: a declined meeting is cancelled, and
        the unschedulable record ``off`` goes into ``later`` (:func:`plugin.held.too_late`)."""
        def call_off() -> None:
            if record.event_id and not self.dry_run:
                self.pc.talks.cancel(record.manager_id, record.event_id, record.language or "sv", why="window")
            self.pc.act(off, "unschedulable", record.manager_name, off.note)
            self.cache.looked(f"retry:{off.key}", self.now)
            later.append(off)
        self.pc.guard(record, call_off)

    def _find_booked(self, talks: list[Talk]) -> dict[str, Event | None]:
        """The live meeting tagged with each talk's key in its manager's calendar, if any: one a
        pass booked before it stopped without writing the record. A talk whose calendar could
        not be read is left out (and so not booked this pass)."""
        found: dict[str, Event | None] = {}

        def look(chunk: list[Talk]) -> None:
            answers = self.pc.talks.find_events([(t.manager, t.employee) for t in chunk])
            for talk, answer in zip(chunk, answers):
                if isinstance(answer, errors.GraphError):
                    self.pc.drop(self.pc.record_for(talk.employee, talk.record), answer, talk)
                else:
                    found[talk.employee.id] = answer

        self.pc.in_batches("looking for booked meetings", talks, look)
        return found

    def _booked_by_manager(self) -> dict[str, list[Booking]]:
        out: dict[str, list[Booking]] = {}
        for r in self.pc.book.all():
            if r.event_id and r.meeting_start and r.meeting_end and r.status in (
                    Status.SCHEDULED, Status.HELD, Status.FILED, Status.DECLINED):
                out.setdefault(r.manager_id, []).append(Booking(r.employee_id, r.meeting_start,
                                                                r.meeting_end, r.event_id))
        return out

    def _place(self, talk: Talk, outcome: Proposal | Unschedulable, plans: dict[str, Proposal],
               later: list[Record]) -> None:
        """A proposed time goes into ``plans``; an unschedulable talk's record into ``later``."""
        if isinstance(outcome, Proposal):
            plans[talk.employee.id] = outcome
            return
        base = self.pc.record_for(talk.employee, talk.record)
        status = Status.DECLINED if talk.kind in _MOVES else Status.UNSCHEDULABLE
        after = base.with_changes(status=status, note=outcome.reason, manager_id=talk.manager.id,
                                  manager_email=address_of(talk.manager),
                                  manager_name=talk.manager.display_name,
                                  employee_email=address_of(talk.employee),
                                  department=talk.employee.department or "")
        if talk.record is None or talk.record.status is not status or talk.record.note != after.note:
            self.pc.act(after, "unschedulable", talk.manager.display_name, outcome.reason)
        self.cache.looked(f"retry:{after.key}", self.now)
        later.append(after)

    def _book_one(self, talk: Talk, proposal: Proposal, team_size: dict[str, int],
                  existing: Event | None) -> None:
        employee, manager = talk.employee, talk.manager
        base = self.pc.record_for(employee, talk.record)
        what = {"new": "book", "declined": "move (declined)", "conflict": "move (time taken since)",
                "cancelled": "book again",
                "moved": "move to the new manager"}[talk.kind]
        if self.dry_run:
            self.pc.act(base.with_changes(meeting_start=proposal.start, meeting_end=proposal.end),
                      what, manager.display_name)
            return

        def do() -> None:
            start, end = proposal.start, proposal.end  # an existing meeting's own time
            record = talk.record
            if talk.kind == "moved" and record is not None:
                self._move_away(record, employee)
            ctx = self.pc.talks.context(employee, manager, start, end, self.pc.previous.get(employee.id))
            moving = talk.kind in _MOVES and bool(base.form_item_id)
            folder, form = self.pc.talks.prepare(employee, manager, record, ctx, prep_only=moving)
            form_note = ""
            if moving and form is None:  # the form's date follows unless someone wrote in it
                form, form_note = self.pc.talks.follow_move(folder, base, ctx)
            if not base.shared or talk.kind == "moved" or folder.item_id != base.folder_id:
                self.pc.talks.share(folder, employee, manager)
            self.pc.talks.ensure_manager_guide(manager, team_size.get(manager.id, 1))
            if talk.kind in _MOVES and base.event_id:
                event = self.pc.talks.move(manager.id, base.event_id, start, end)
            else:
                event = existing or self.pc.talks.book(employee, manager, start, end, folder.web_url)
            after = scheduled_record(base, employee, manager, folder, form, event, ctx.language)
            if form_note:
                after = after.with_changes(note="; ".join(n for n in (after.note, form_note) if n))
            self.pc.book.put(after)
            self.pc.act(after, what, manager.display_name, form_note)

        self.pc.guard(base, do, talk)

    def _move_away(self, record: Record, employee: User) -> None:
        """The employee has a new manager: cancel the old meeting and take back the old
        manager's access to the folder (the folder itself stays)."""
        if record.event_id:
            self.pc.talks.cancel(record.manager_id, record.event_id, record.language or "sv")
        if record.drive_id and record.folder_id and record.manager_id:
            self.pc.talks.unshare(self.pc.talks.folder_of(record), _stub(record.manager_id, record.manager_email),
                               record.key)



def _stub(user_id: str, address: str) -> User:
    return User(id=user_id, display_name=address or user_id, upn=address or user_id, mail=address or None)
