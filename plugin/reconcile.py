"""One reconcile pass (docs/architecture.md#one-pass): read the records and the directory, work out
what is missing, do it, write the record. Idempotent: a second pass, or a pass after a crash at
any point, creates nothing twice, because every step looks before it writes and the record is
written last.

This module is the conductor: :meth:`Reconciler._run` is the pass's table of contents, and each
stage lives in a module of its own beside it, sharing one :class:`~plugin.pass_context.PassContext`
(the records, the report, the worker threads, the lease, and the sorting of failures into
permanent / retry later / needs re-consent):

- :mod:`plugin.sorting`: the roster into work, and the records of who is out of the round;
- :mod:`plugin.watching`: the look at ended meetings before they count as held, and, after
  booking, the forms watched and filed;
- :mod:`plugin.answers`: attendees' answers, and conflicts on talks still standing;
- :mod:`plugin.booking` and :mod:`plugin.booking_stages`: booking, and new talks in stages;
- :mod:`plugin.team_overviews`: the managers' team overviews;
- :mod:`plugin.reminders`: reminders by e-mail, after watching.

A new stage of the pass gets a module of its own beside these, and one line here.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from connectors.graph.client import GraphClient
from plugin.answers import check_answers, find_conflicts
from plugin.booking import book_all
from plugin.cache import LookCache
from plugin.duplicates import cancel_extra_meetings
from plugin.lease import LeaseTerms, PassLease
from plugin.parallel import WorkerPool
from plugin.pass_context import Action, ConsentNeeded, PassContext, PassReport
from plugin.progress import Progress
from plugin.records import Record
from plugin.reminders import send_reminders
from plugin.roster import build_roster
from plugin.settings import Settings
from plugin.sorting import sort_roster
from plugin.store import RecordBook, RecordStore
from plugin.team_overviews import refresh_overviews
from plugin.watching import look_before_held, watch_all

__all__ = ["Action", "ConsentNeeded", "PassReport", "Reconciler"]


class Reconciler:
    """One pass of a campaign; :meth:`run` does it and returns what it did."""

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

    def run(self) -> PassReport:
        try:
            return self._run()
        finally:
            self._pool.close()
            if self.lease is not None:  # released also when the pass ends with an error or Ctrl-C
                self.lease.release()

    def _run(self) -> PassReport:
        pc, records = self._read_records()  # the lease first, when the pass writes
        users = list(self.client.directory.list_users())
        roster = build_roster(users, self.settings.scope)
        self.progress.say(f"{len(users)} users in the directory, {sum(e.in_round for e in roster)} "
                          f"in the round, {len(records)} records")

        work = sort_roster(pc, roster, records)
        pc.put_all("recording who is out of the round", work.out_of_round)
        held_now = look_before_held(pc, work.to_watch, work.to_book)
        standing = check_answers(pc, work.to_check, work.to_book)
        find_conflicts(pc, standing, work.to_book)
        book_all(pc, work.to_book)
        watch_all(pc, work.to_watch, held_now)
        send_reminders(pc, roster, users)

        self.cache.save()
        pc.report.records = pc.book.all()
        pc.report.writes = pc.book.writes
        if self.overviews and not self.dry_run:
            refresh_overviews(pc, users)
        return pc.report

    def _read_records(self) -> tuple[PassContext, dict[str, Record]]:
        """Take the campaign's lease (not in a dry run), read its records (repairing a key found
        with several items, and cancelling the second invitations they left) and last round's;
        the pass's context, with the records."""
        s = self.settings
        self.progress.say(f"campaign {s.campaign.id}: reading the records and the directory")
        store = self._open_store()
        if store is not None and not self.dry_run:  # one pass at a time, before reading (LeaseHeld)
            self.lease = PassLease.take(store, s.campaign.id, self.lease_terms,
                                        window_end=s.campaign.window.end)  # for retention
        records = store.load(s.campaign.id, repair=not self.dry_run,
                             calendar=None if self.dry_run else self.client.calendar) if store else {}
        book = RecordBook(None if self.dry_run else store, records, self.lease.check if self.lease else None)
        pc = PassContext(self.client, s, now=self.now, dry_run=self.dry_run, cache=self.cache,
                         progress=self.progress, look_every=self.look_every, watch_all=self.watch_all,
                         book=book, pool=self._pool, lease=self.lease)
        if store is not None and self.lease is not None:  # second invitations of duplicate records
            for extra, err in cancel_extra_meetings(self.client.calendar, store.merged, self.now):
                pc.drop(extra, err)
        if store is not None and s.campaign.previous:
            # last round's goals and plan go into this round's prep guides
            pc.previous = {r.employee_id: r for r in store.load(s.campaign.previous).values()}
        return pc, records

    def _open_store(self) -> RecordStore | None:
        s = self.settings
        if self.dry_run:
            return RecordStore.open_existing(self.client.lists, s.records.site, s.records.list)
        return RecordStore.open(self.client.lists, s.records.site, s.records.list)
