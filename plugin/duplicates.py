"""One talk, one list item: merging the items a key has more than once.

Before passes took a lease (:mod:`plugin.lease`), two passes started together each created an
item for every talk. A key found with several items is repaired by the next pass that loads the
records (:meth:`plugin.store.RecordStore.load` with ``repair``): the items' content is merged
into one of them, which is updated with ``If-Match``, and the others are deleted with
``If-Match``, and the repair is logged. Read-only commands merge in memory only.

Which content wins — the records are the round's memory, and a wrong choice loses a filed form
or leaves a second invitation behind:

- the item furthest along wins: ``filed`` > ``held`` > ``scheduled`` / ``declined`` >
  ``unschedulable`` > ``failed`` > ``excluded``; between equals the one modified last (it
  carries the newest answer or move), then the lowest item id;
- fields that belong together are never mixed from two items: the winner keeps its booking
  (event, meeting times, manager), its folder with the form in it, and its filed content, each
  as a whole; a group the winner lacks entirely (no folder recorded yet, say) is taken whole from
  the next item in that order that has it, and so are single descriptive fields it lacks
  (name, e-mail address, department, language);
- a talk still ahead (``scheduled``, ``declined``) whose winner names a meeting that is gone
  or cancelled takes the booking of another item whose meeting is live, when the items name
  different meetings (:func:`meetings_alive` reads them: one request each, only for such keys);
- whether the kept folder and form still exist is not judged here: the pass looks before it
  writes, as always, and prepares what is missing.

A losing item's meeting that is not the kept one (the two passes booked apart) is a second
invitation for one talk: :func:`extra_meetings` names those still ahead for the pass to cancel.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from connectors.graph import errors
from connectors.graph.calendar import Calendar
from plugin.records import Record, Status

_AHEAD = (Status.SCHEDULED, Status.DECLINED)
_RANK = {Status.FILED: 6, Status.HELD: 5, Status.SCHEDULED: 4, Status.DECLINED: 4,
         Status.UNSCHEDULABLE: 3, Status.FAILED: 2, Status.EXCLUDED: 1}

#: Fields that describe one thing together: taken whole from one item, never mixed.
GROUPS: tuple[tuple[str, ...], ...] = (
    ("event_id", "meeting_start", "meeting_end", "manager_id", "manager_email", "manager_name"),
    ("drive_id", "folder_id", "folder_owner", "folder_url", "document_url", "form_item_id", "form_etag",
     "shared"),
    ("form", "filed_at"),
)
#: Descriptive fields taken one by one when the winner lacks them (never ``note``: a reason
#: belongs to its own item's status).
SINGLES = ("employee_name", "employee_email", "department", "language")

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Copy:
    """One list item of a key: the record read from it, its eTag and when it was last changed."""

    record: Record
    etag: str | None = None
    modified: datetime = EPOCH


@dataclass(frozen=True)
class Merged:
    """The repair of one key: ``record`` (the merged content, with ``kept``'s item id) is written
    over ``kept``; the ``dropped`` items go."""

    record: Record
    kept: Copy
    dropped: tuple[Copy, ...]

    @property
    def key(self) -> str:
        return self.record.key

    def describe(self) -> str:
        others = ", ".join(c.record.item_id or "?" for c in self.dropped)
        return (f"{self.key}: {1 + len(self.dropped)} list items; kept item {self.kept.record.item_id} "
                f"({self.record.status.value}), merged and removed item(s) {others}")


def merge_copies(copies: Sequence[Copy], alive: Mapping[str, bool] | None = None) -> Merged:
    """The merge of several items of one key (see the module's rules). ``alive`` tells, by event
    id, whether a meeting is live (absent: not known, taken as live)."""
    if len(copies) < 2:
        raise ValueError("a merge needs at least two items")
    if len({c.record.key for c in copies}) != 1:
        raise ValueError("only items of one key are merged")
    ordered = sorted(copies, key=_order)
    winner = ordered[0]
    record = winner.record
    known = alive or {}
    if record.status in _AHEAD and record.event_id and not known.get(record.event_id, True):
        donor = next((c.record for c in ordered[1:]
                      if c.record.event_id and known.get(c.record.event_id, True)), None)
        if donor is not None:
            record = record.with_changes(**{name: getattr(donor, name) for name in GROUPS[0]})
    for group in GROUPS:
        if _empty(record, group):
            donor = next((c.record for c in ordered[1:] if not _empty(c.record, group)), None)
            if donor is not None:
                record = record.with_changes(**{name: getattr(donor, name) for name in group})
    for name in SINGLES:
        if not getattr(record, name):
            value = next((getattr(c.record, name) for c in ordered[1:] if getattr(c.record, name)), None)
            if value:
                record = record.with_changes(**{name: value})
    return Merged(record.with_changes(item_id=winner.record.item_id), winner, tuple(ordered[1:]))


def meetings_alive(calendar: Calendar, keys: Iterable[Sequence[Copy]]) -> dict[str, bool]:
    """For keys whose items name different meetings: whether each of those meetings is live
    (not gone, not cancelled). A meeting that cannot be read now is left out (not known)."""
    out: dict[str, bool] = {}
    for copies in keys:
        named = {(c.record.manager_id, c.record.event_id) for c in copies
                 if c.record.event_id and c.record.manager_id}
        if len({event for _, event in named}) < 2:
            continue
        for manager_id, event_id in sorted(named):
            try:
                out[event_id] = not calendar.get_event(manager_id, event_id).is_cancelled
            except errors.NotFound as err:
                if isinstance(err, errors.MailboxUnavailable):
                    continue
                out[event_id] = False
            except errors.GraphError:
                continue
    return out


def extra_meetings(merges: Iterable[Merged], now: datetime) -> list[Record]:
    """The dropped items' meetings that are not the kept one and are still ahead: second
    invitations for one talk, to be cancelled."""
    out: list[Record] = []
    for merged in merges:
        seen = {merged.record.event_id}
        for copy in merged.dropped:
            r = copy.record
            if r.event_id and r.event_id not in seen and r.manager_id and \
                    r.status in _AHEAD and r.meeting_start and r.meeting_start > now:
                seen.add(r.event_id)
                out.append(r)
    return out


def cancel_extra_meetings(calendar: Calendar, merges: Iterable[Merged],
                          now: datetime) -> list[tuple[Record, errors.GraphError]]:
    """Cancel the :func:`extra_meetings` of ``merges`` (a meeting already gone counts as
    cancelled); returns the ones whose cancellation failed, with the error, for the pass to sort."""
    failed: list[tuple[Record, errors.GraphError]] = []
    for record in extra_meetings(merges, now):
        comment = ("Inbjudan var dubblerad; den här ställs in och den andra gäller."
                   if (record.language or "sv") == "sv" else
                   "This invitation was sent twice; this copy is cancelled and the other one stands.")
        try:
            calendar.cancel_event(record.manager_id, record.event_id, comment)
        except errors.GraphError as err:
            failed.append((record, err))
    return failed


def _order(copy: Copy) -> tuple[int, float, int, str]:
    item_id = copy.record.item_id or ""
    number = int(item_id) if item_id.isdigit() else 1 << 62
    return (-_RANK.get(copy.record.status, 0), -copy.modified.timestamp(), number, item_id)


def _empty(record: Record, group: tuple[str, ...]) -> bool:
    return all(not _filled(getattr(record, name)) for name in group)


def _filled(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(v not in (None, "", False) for v in value.values())
    return bool(value)
