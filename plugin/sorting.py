"""Sorting the roster into the pass's work (docs/architecture.md#one-pass, stages 3 and 4).

Each person in the round goes exactly one way by their record: nothing to do (filed, or failed
and tried recently), answers to look at, a talk to book (new, declined, cancelled, moved to a new
manager), or a started talk to watch; the look-cache decides what is due. A person out of the
round gets an ``excluded`` or ``failed`` record with the reason, and a future meeting of theirs
is cancelled first. Nothing here writes a record: the conductor writes the out-of-round records
together (:meth:`~plugin.pass_context.PassContext.put_all`), and one already stored as it would
be written is left alone, so sorting again changes nothing.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from connectors.graph.addresses import same_id
from plugin import held
from plugin.pass_context import PassContext, Talk
from plugin.records import Record, Status
from plugin.roster import Entry
from plugin.talks import address_of


@dataclass
class Sorted:
    """The pass's work, by where each talk goes next."""

    to_book: list[Talk] = field(default_factory=list)
    to_check: list[Talk] = field(default_factory=list)
    to_watch: list[Talk] = field(default_factory=list)
    out_of_round: list[Record] = field(default_factory=list)  # records to write


def sort_roster(pc: PassContext, roster: Iterable[Entry], records: Mapping[str, Record]) -> Sorted:
    """Every person of ``roster``, with their record of ``records``, sorted into the pass's work."""
    work = Sorted()
    for entry in roster:
        record = records.get(f"{pc.settings.campaign.id}:{entry.employee.id}")
        if not entry.in_round:
            after = _out_of_round(pc, entry, record)
            if after is not None:
                work.out_of_round.append(after)
            continue
        sort_talk(pc, entry, record, work)
    return work


def sort_talk(pc: PassContext, entry: Entry, record: Record | None, work: Sorted) -> None:
    """The talk of ``entry`` (in the round) into ``work``, or nowhere when nothing is due."""
    manager = entry.manager
    assert manager is not None
    if record is not None and record.status in (Status.UNSCHEDULABLE, Status.FAILED) and \
            same_id(record.manager_id, manager.id) and not (
                pc.watch_all or pc.cache.due(f"retry:{record.key}", pc.now, pc.look_every)):
        return  # tried recently; calendars and mailboxes are looked at again after a while
    if record is not None and record.status is Status.FILED:
        return
    if record is None or not record.event_id or record.status in (
            Status.UNSCHEDULABLE, Status.FAILED, Status.EXCLUDED):
        if record is not None:
            pc.cache.looked(f"retry:{record.key}", pc.now)
        work.to_book.append(Talk(entry, record, "new"))
    elif record.manager_id and not same_id(record.manager_id, manager.id) and (
            record.status is Status.DECLINED or not held.started(record, pc.now)):
        work.to_book.append(Talk(entry, record, "moved"))
    elif record.status is Status.DECLINED:  # a new time, however long ago the old one was
        work.to_book.append(Talk(entry, record, "declined"))
    elif held.started(record, pc.now):
        work.to_watch.append(Talk(entry, record, "held"))
    elif pc.watch_all or pc.cache.due(f"answer:{record.key}", pc.now, pc.look_every):
        work.to_check.append(Talk(entry, record, "check"))


def _out_of_round(pc: PassContext, entry: Entry, record: Record | None) -> Record | None:
    """The record of someone outside the round (to be written), or None to leave it."""
    if record is not None and record.status is Status.FILED:
        return None
    assert entry.status is not None
    base = pc.record_for(entry.employee, record)
    if record is not None and record.event_id and record.status in (Status.SCHEDULED, Status.DECLINED) \
            and record.meeting_start and record.meeting_start > pc.now:
        pc.guard(base, lambda: _cancel(pc, record, "cancel: " + entry.reason))
        base = base.with_changes(event_id="", meeting_start=None, meeting_end=None)
    after = base.with_changes(status=entry.status, note=entry.reason,
                              employee_email=address_of(entry.employee),
                              department=entry.employee.department or "")
    if record is None or record.status is not entry.status or record.note != entry.reason:
        pc.act(after, entry.status.value, note=entry.reason)
    return after


def _cancel(pc: PassContext, record: Record, what: str) -> None:
    pc.act(record, what)
    if not pc.dry_run:
        pc.talks.cancel(record.manager_id, record.event_id, record.language or "sv")
