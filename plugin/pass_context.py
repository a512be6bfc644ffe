"""What every stage of one reconcile pass shares (docs/architecture.md#one-pass): the client and
settings, the moment, the records (:class:`~plugin.store.RecordBook`), the report of what was
done, the look-cache, the worker threads, the lease; and the plumbing every stage uses.

The plumbing keeps the pass's two promises in one place:

- failures are sorted once, at the edge of the loop (``connectors.graph.errors.Outcome``), by
  :meth:`PassContext.guard` and :meth:`PassContext.drop`: *permanent* problems of one person end
  in that person's record as ``failed`` with the reason; *retry later* leaves the record as it
  was for the next pass; *needs re-consent* stops the pass with :class:`ConsentNeeded`, since
  every further call would fail the same way;
- every parallel step and every record write checks the lease first
  (:meth:`PassContext.run_parallel`, and the :class:`~plugin.store.RecordBook` it is given), so a
  pass that lost its lease stops writing.
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from connectors.graph import errors
from connectors.graph.client import GraphClient
from connectors.graph.directory import User
from plugin.cache import LookCache
from plugin.lease import PassLease
from plugin.parallel import WorkerPool
from plugin.progress import Progress, dry_run_label
from plugin.records import Record, Status
from plugin.reminders_due import Tally
from plugin.roster import Entry
from plugin.settings import Settings
from plugin.store import RecordBook
from plugin.talks import Talks, address_of

log = logging.getLogger("plugin.reconcile")  # the pass's log, under the conductor's name
_T = TypeVar("_T")

BATCH = 20  # requests per $batch (docs/graph.md#batching)


class ConsentNeeded(Exception):
    """The pass stopped: an administrator must grant or renew something first."""


@dataclass(frozen=True)
class Action:
    """Something the pass did (or, in a dry run, would do) for one talk."""

    key: str
    employee: str
    manager: str
    what: str
    start: datetime | None = None
    end: datetime | None = None
    note: str = ""


@dataclass
class PassReport:
    actions: list[Action] = field(default_factory=list)
    retry_later: list[str] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    writes: int = 0
    reminders: Tally | None = None  # what the reminders stage did; None when reminders are off

    def statuses(self) -> Counter[str]:
        return Counter(r.status.value for r in self.records)


@dataclass
class Talk:
    """One talk of the roster on its way through the pass, and what the pass does with it."""

    entry: Entry
    record: Record | None
    kind: str  # "new", "declined", "conflict", "cancelled", "moved"; "check", "held" while sorted
    replaces: str = ""  # the meeting a new booking replaces, when the record no longer names it

    @property
    def replaced_event(self) -> str:
        """The id of the meeting a new booking of this talk replaces ("" for a first booking):
        part of its ``transactionId`` (:meth:`plugin.talks.Talks.transaction_id`)."""
        return self.replaces or (self.record.event_id if self.record is not None else "")

    @property
    def employee(self) -> User:
        return self.entry.employee

    @property
    def manager(self) -> User:
        assert self.entry.manager is not None
        return self.entry.manager


@dataclass(eq=False)
class PassContext:
    """One pass's shared things, and the plumbing its stages use. Thread-safe where the stages
    need it: :class:`Talks` and :class:`RecordBook` are shared by the worker threads, and
    appending an action or a retry to the report is one list append."""

    client: GraphClient
    settings: Settings
    _: KW_ONLY
    now: datetime
    dry_run: bool
    cache: LookCache
    progress: Progress
    look_every: timedelta
    watch_all: bool
    book: RecordBook
    pool: WorkerPool
    lease: PassLease | None = None  # held while a pass that writes runs (plugin/lease.py)
    previous: dict[str, Record] = field(default_factory=dict)  # last round's records, by employee id
    report: PassReport = field(init=False, default_factory=PassReport)
    talks: Talks = field(init=False)

    def __post_init__(self) -> None:
        self.talks = Talks(self.client, self.settings)

    @property
    def workers(self) -> int:
        """How many requests the pass has in flight at most (its worker threads)."""
        return self.pool.workers

    # ------------------------------------------------------------------ records and actions
    def record_for(self, employee: User, record: Record | None) -> Record:
        """``record``, or a new one for ``employee`` when the talk has none yet."""
        return record or Record(campaign=self.settings.campaign.id, employee_id=employee.id,
                                employee_name=employee.display_name, status=Status.SCHEDULED)

    def talk_record(self, talk: Talk, status: Status, note: str) -> Record:
        """The talk's record with ``status`` and ``note``, naming its people as the directory does."""
        return self.record_for(talk.employee, talk.record).with_changes(
            status=status, note=note, manager_id=talk.manager.id, manager_email=address_of(talk.manager),
            manager_name=talk.manager.display_name, employee_email=address_of(talk.employee),
            department=talk.employee.department or "")

    def act(self, record: Record, what: str, manager: str = "", note: str = "") -> None:
        self.report.actions.append(Action(record.key, record.employee_name, manager, what,
                                          record.meeting_start, record.meeting_end, note))

    def fail(self, talk: Talk, reason: str, later: list[Record] | None = None) -> None:
        """Record the talk as failed: now, or appended to ``later`` to be written in a batch."""
        after = self.talk_record(talk, Status.FAILED, reason[:2000])
        if talk.record is None or talk.record.status is not Status.FAILED or talk.record.note != after.note:
            self.act(after, "failed", talk.manager.display_name, reason)
        self.cache.looked(f"retry:{after.key}", self.now)
        if later is not None:
            later.append(after)
        else:
            self.book.put(after)

    def put_all(self, label: str, records: list[Record]) -> None:
        """Write records in batches (one ``$batch`` per 20); a failed write waits for next pass.
        Records that are stored as they are already are left out (and out of the progress)."""
        records = [r for r in records if self.book.needs_write(r)]

        def write(chunk: list[Record]) -> None:
            for after, saved in zip(chunk, self.book.put_many(chunk)):
                if isinstance(saved, errors.GraphError):
                    self.leave_for_next_pass(after.key, saved)

        self.in_batches(label, records, write)

    # ------------------------------------------------------------------ failures
    def guard(self, record: Record, work: Callable[[], None], talk: Talk | None = None) -> None:
        """Run one talk's work; sort its failure into permanent / retry later / consent."""
        try:
            work()
        except errors.GraphError as err:
            if err.outcome is errors.Outcome.NEEDS_CONSENT:
                raise ConsentNeeded(str(err)) from err
            if err.outcome is errors.Outcome.RETRY:
                self.report.retry_later.append(f"{record.key}: {err}")
                log.warning("%s: will try again next run: %s", record.key, err)
                return
            if talk is not None:
                self.fail(talk, str(err))
            else:
                self.report.retry_later.append(f"{record.key}: {err}")

    def drop(self, record: Record, err: errors.GraphError, talk: Talk | None = None) -> None:
        """Sort the failure ``err`` one batched step met, as :meth:`guard` sorts a raised one."""
        def fail() -> None:
            raise err
        self.guard(record, fail, talk)

    def leave_for_next_pass(self, what: str, err: errors.GraphError) -> None:
        """A failure of ``what`` that no talk's record takes: the next pass tries again, unless
        an administrator must act first (then the pass stops)."""
        if err.outcome is errors.Outcome.NEEDS_CONSENT:
            raise ConsentNeeded(str(err)) from err
        self.report.retry_later.append(f"{what}: {err}")

    # ------------------------------------------------------------------ parallel steps
    def in_batches(self, label: str, items: list[_T], fn: Callable[[list[_T]], None]) -> None:
        """``fn`` on consecutive groups of :data:`BATCH` items (one ``$batch`` each), in parallel;
        progress counts the items."""
        self.run_parallel(label, [items[i:i + BATCH] for i in range(0, len(items), BATCH)], fn, len)

    def run_parallel(self, label: str, items: Iterable[_T], fn: Callable[[_T], None],
                     size: Callable[[_T], int] | None = None) -> None:
        """``fn`` on every item on the pass's worker threads, the lease checked before each,
        with a progress step ``label`` (said as "would ..." in a dry run)."""
        work = list(items)
        if not work:
            return
        if self.lease is not None:
            fn = self.lease.guard(fn)
        label = dry_run_label(label) if self.dry_run else label
        with self.progress.step(label, sum(map(size, work)) if size else len(work)) as bar:
            self.pool.run(work, fn, bar.update, size)
