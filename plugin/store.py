"""The records list as a store: ensure it, read a campaign's records, write one record.

Writes are idempotent by key: a create whose answer was lost (the connection dropped after
SharePoint stored the item) is detected by reading the key back before creating again, so a
re-run or a retry never makes a second item for one talk. A key that has several items all the
same (left by passes that ran at once before the pass lease) is read as one merged record, and
repaired by a pass that holds the lease (:mod:`plugin.duplicates`). The lease's own item
(:mod:`plugin.lease`) and a write check's test item (:mod:`plugin.write_check`) are never read
as records.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from connectors.graph import errors

from connectors.graph.calendar import Calendar
from connectors.graph.lists import ListItem, Lists, SiteInfo
from connectors.graph.lists_schema import ListInfo
from plugin.duplicates import EPOCH, Copy, Merged, meetings_alive, merge_copies
from plugin.records import COLUMNS, Record, changed_fields, from_fields, is_bookkeeping_fields, to_fields

log = logging.getLogger(__name__)


@dataclass
class RecordStore:
    lists: Lists
    site: SiteInfo
    info: ListInfo
    merged: list[Merged] = field(default_factory=list)  # keys the last load found more than once

    @classmethod
    def open(cls, lists: Lists, site: str, list_name: str) -> "RecordStore":
        """Find the site and ensure the list with its typed, indexed columns."""
        site_info = lists.get_site(site)
        info = lists.ensure_list(site_info.id, list_name, COLUMNS)
        return cls(lists, site_info, info)

    @classmethod
    def open_existing(cls, lists: Lists, site: str, list_name: str) -> "RecordStore | None":
        """The store if the list exists; None (nothing created) when it does not yet."""
        site_info = lists.get_site(site)
        info = lists.find_list(site_info.id, list_name)
        return None if info is None else cls(lists, site_info, info)

    def load(self, campaign: str, *, repair: bool = False, calendar: Calendar | None = None) -> dict[str, Record]:
        """Every record of ``campaign`` by key (one paged, indexed query).

        A key with several items is read as their merge (:func:`plugin.duplicates.merge_copies`;
        listed in :attr:`merged`); with ``calendar``, the meetings such items name are read to
        tell live from gone. With ``repair`` — only for a pass that holds the campaign's lease —
        the merge is written over the kept item and the others are deleted, both with
        ``If-Match``; what cannot be repaired now is left for the next pass, which reads it as
        one record again.
        """
        copies: dict[str, list[Copy]] = {}
        for item in self.lists.query_items(self.site.id, self.info.id, equals={"Campaign": campaign}):
            if is_bookkeeping_fields(item.fields):
                continue
            record = from_fields(item.fields, item.id)
            copies.setdefault(record.key, []).append(Copy(record, item.etag, _modified(item)))
        records = {key: found[0].record for key, found in copies.items()}
        twice = [found for found in copies.values() if len(found) > 1]
        alive = meetings_alive(calendar, twice) if calendar is not None and twice else {}
        self.merged = [merge_copies(found, alive) for found in twice]
        for merged in self.merged:
            records[merged.key] = merged.record
        if self.merged and not repair:
            log.warning("records list: %d talk(s) of campaign %s have more than one list item (%s); each is "
                        "read as one record, and the next run repairs them", len(self.merged), campaign,
                        ", ".join(m.key for m in self.merged[:3]) + (", ..." if len(self.merged) > 3 else ""))
        if repair and self.merged:
            for key, kept in self._repair(self.merged).items():
                records[key] = kept
        return records

    def _repair(self, merges: Sequence[Merged]) -> dict[str, Record]:
        """Write each merge over its kept item, then delete the dropped items (batched, with
        ``If-Match``). Returns the kept item's own record for each key whose merge could not be
        written (its stale items stay for the next pass)."""
        unwritten: dict[str, Record] = {}
        writes = [(m, changed_fields(m.kept.record, m.record)) for m in merges]
        todo = [(m, changes) for m, changes in writes if changes]
        answers = self.lists.update_items(self.site.id, self.info.id,
                                          [(m.kept.record.item_id or "", ch) for m, ch in todo],
                                          etags=[m.kept.etag for m, _ in todo]) if todo else []
        for (merged, _), answer in zip(todo, answers):
            if isinstance(answer, errors.GraphError):
                _stop_for_consent(answer)
                log.warning("records list: %s could not be merged now (%s); the next run tries again",
                            merged.key, answer)
                unwritten[merged.key] = merged.kept.record
        done = [m for m in merges if m.key not in unwritten]
        stale = [(m, c) for m in done for c in m.dropped]
        gone = self.lists.delete_items(self.site.id, self.info.id,
                                       [(c.record.item_id or "", c.etag) for _, c in stale]) if stale else []
        failed: dict[str, errors.GraphError] = {}
        for (merged, _), error in zip(stale, gone):
            if error is not None and not isinstance(error, errors.NotFound):
                _stop_for_consent(error)
                failed[merged.key] = error
        for merged in done:
            if merged.key in failed:
                log.warning("records list: %s merged, but a stale item could not be removed now (%s); "
                            "the next run tries again", merged.key, failed[merged.key])
            else:
                log.warning("records list: repaired %s", merged.describe())
        return unwritten

    def find(self, key: str) -> Record | None:
        for item in self.lists.query_items(self.site.id, self.info.id, equals={"Key": key}):
            if not is_bookkeeping_fields(item.fields):
                return from_fields(item.fields, item.id)
        return None

    def save(self, before: Record | None, after: Record) -> Record:
        """Create or update the item for ``after``; returns it with its item id."""
        if before is None or before.item_id is None:
            # create_item reads the key back when the answer to a create was lost
            item = self.lists.create_item(self.site.id, self.info.id, to_fields(after))
            return after.with_changes(item_id=item.id)
        changes = changed_fields(before, after)
        if changes:
            self.lists.update_item(self.site.id, self.info.id, before.item_id, changes)
        return after.with_changes(item_id=before.item_id)


    def save_many(self, pairs: Sequence[tuple[Record | None, Record]]) -> list[Record | errors.GraphError]:
        """:meth:`save` for many ``(before, after)`` pairs in ``$batch`` calls (creates read the
        key back when their answer was lost, as :meth:`save` does). One answer per pair."""
        out: list[Record | errors.GraphError] = [after for _, after in pairs]
        creates = [i for i, (before, _) in enumerate(pairs) if before is None or before.item_id is None]
        updates: list[tuple[int, str, dict[str, object]]] = []
        for i, (before, after) in enumerate(pairs):
            if before is not None and before.item_id is not None:
                changes = changed_fields(before, after)
                out[i] = after.with_changes(item_id=before.item_id)
                if changes:
                    updates.append((i, before.item_id, changes))
        if creates:
            made = self.lists.create_items(self.site.id, self.info.id, [to_fields(pairs[i][1]) for i in creates])
            for i, item in zip(creates, made):
                out[i] = item if isinstance(item, errors.GraphError) else pairs[i][1].with_changes(item_id=item.id)
        if updates:
            done = self.lists.update_items(self.site.id, self.info.id, [(item_id, ch) for _, item_id, ch in updates])
            for (i, _, _), answer in zip(updates, done):
                if isinstance(answer, errors.GraphError):
                    out[i] = answer
        return out


def _modified(item: ListItem) -> datetime:
    """When the item was last changed (SharePoint's ``Modified``); the epoch when unknown."""
    try:
        moment = datetime.fromisoformat(str(item.fields.get("Modified") or "").replace("Z", "+00:00"))
    except ValueError:
        return EPOCH
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _stop_for_consent(err: errors.GraphError) -> None:
    if err.outcome is errors.Outcome.NEEDS_CONSENT:
        raise err


class RecordBook:
    """The records of one pass, shared by worker threads: reads and writes by key.

    ``guard`` is called before every write (the pass lease's check: a pass that lost its lease
    stops writing)."""

    def __init__(self, store: RecordStore | None, records: dict[str, Record],
                 guard: Callable[[], None] | None = None) -> None:
        self.store = store
        self._records = dict(records)
        self._lock = threading.Lock()
        self._guard = guard
        self.writes = 0

    def get(self, key: str) -> Record | None:
        with self._lock:
            return self._records.get(key)

    def all(self) -> list[Record]:
        with self._lock:
            return list(self._records.values())

    def needs_write(self, after: Record) -> bool:
        """Whether :meth:`put` of ``after`` would write (it differs from what is stored)."""
        before = self.get(after.key)
        return before is None or not before.item_id or bool(changed_fields(before, after))

    def put(self, after: Record) -> Record:
        """Write ``after`` when it differs from what is stored; dry runs keep it in memory."""
        before = self.get(after.key)
        if before is not None and before.item_id and not changed_fields(before, after):
            return before
        if self.store is not None and self._guard is not None:
            self._guard()
        saved = after if self.store is None else self.store.save(before, after)
        with self._lock:
            self._records[after.key] = saved
            self.writes += 1
        return saved

    def put_many(self, afters: Sequence[Record]) -> list[Record | errors.GraphError]:
        """:meth:`put` for many records (distinct keys) with batched writes; one answer each,
        in order: the saved record or the error its write met (the others are kept)."""
        out: list[Record | errors.GraphError] = list(afters)
        todo: list[tuple[int, Record | None, Record]] = []
        for i, after in enumerate(afters):
            before = self.get(after.key)
            if before is not None and before.item_id and not changed_fields(before, after):
                out[i] = before
            else:
                todo.append((i, before, after))
        if not todo:
            return out
        if self.store is not None and self._guard is not None:
            self._guard()
        saved = ([after for _, _, after in todo] if self.store is None else
                 self.store.save_many([(before, after) for _, before, after in todo]))
        with self._lock:
            for (i, _, after), result in zip(todo, saved):
                out[i] = result
                if not isinstance(result, errors.GraphError):
                    self._records[after.key] = result
                    self.writes += 1
        return out
