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
from plugin.booking import book_all
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
from plugin.team_overviews import refresh_overviews
from plugin.watching import look_before_held, watch_all

__all__ = ["Action", "ConsentNeeded", "PassReport", "Reconciler"]

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
        book_all(self.pc, to_book)
        watch_all(self.pc, to_watch, held_now)
        self.cache.save()
        self.pc.report.records = self.pc.book.all()
        self.pc.report.writes = self.pc.book.writes
        if self.overviews and not self.dry_run:
            refresh_overviews(self.pc, users)
        return self.pc.report

    def _open_store(self) -> RecordStore | None:
        s = self.settings
        if self.dry_run:
            return RecordStore.open_existing(self.client.lists, s.records.site, s.records.list)
        return RecordStore.open(self.client.lists, s.records.site, s.records.list)
