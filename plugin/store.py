"""The records list as a store: ensure it, read a campaign's records, write one record.

Writes are idempotent by key: a create whose answer was lost (the connection dropped after
SharePoint stored the item) is detected by reading the key back before creating again, so a
re-run or a retry never makes a second item for one talk.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from connectors.graph import errors

from connectors.graph.lists import ListInfo, Lists, SiteInfo
from plugin.records import COLUMNS, Record, changed_fields, from_fields, to_fields

log = logging.getLogger(__name__)


@dataclass
class RecordStore:
    lists: Lists
    site: SiteInfo
    info: ListInfo

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

    def load(self, campaign: str) -> dict[str, Record]:
        """Every record of ``campaign`` by key (one paged, indexed query)."""
        records: dict[str, Record] = {}
        for item in self.lists.query_items(self.site.id, self.info.id, equals={"Campaign": campaign}):
            record = from_fields(item.fields, item.id)
            if record.key in records:  # never expected; keep the first and say so
                log.warning("two list items for one key (items %s and %s); using the first",
                            records[record.key].item_id, item.id)
                continue
            records[record.key] = record
        return records

    def find(self, key: str) -> Record | None:
        for item in self.lists.query_items(self.site.id, self.info.id, equals={"Key": key}):
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


class RecordBook:
    """The records of one pass, shared by worker threads: reads and writes by key."""

    def __init__(self, store: RecordStore | None, records: dict[str, Record]) -> None:
        self.store = store
        self._records = dict(records)
        self._lock = threading.Lock()
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
        saved = ([after for _, _, after in todo] if self.store is None else
                 self.store.save_many([(before, after) for _, before, after in todo]))
        with self._lock:
            for (i, _, after), result in zip(todo, saved):
                out[i] = result
                if not isinstance(result, errors.GraphError):
                    self._records[after.key] = result
                    self.writes += 1
        return out
