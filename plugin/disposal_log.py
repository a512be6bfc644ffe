"""The disposal log: what ``samtal retention --apply`` disposed of, kept in the records list.

A Swedish agency disposes of records only under a disposal decision (gallringsbeslut) and must be
able to show afterwards what it disposed of; GDPR asks the same of any employer. Each disposal of
a campaign is one item of the records list (docs/records.md#the-disposal-log):

- ``Key`` ``{campaign}:~disposal:{n}`` (the campaign's n-th disposal), ``Campaign``
  ``{campaign}:~disposal`` (one indexed query reads a campaign's log, and no query for the
  campaign's records returns it), ``EmployeeId`` ``~disposal``
  (:func:`plugin.records.is_disposal_log_fields`);
- ``Title`` ``samtal: disposal of campaign … (counts only)``, ``FiledAt`` when it was finished;
- ``Note`` as JSON: the campaign, its window end and how it is known, the day its retention
  ended, ``retention.decision``, ``retention.keep``, the app (client id) and samtal's version,
  when the disposal started and finished, its ``state`` (``started``, ``done``), how many items
  of each series it disposed of and how many talks were held back.

It holds counts, never a name, an address, an id of a person or anything of a document. The item
is written *before* anything is deleted (``started``, with the counts of what the disposal sets
out to remove), so a disposal that stopped half-way is found and finished by the next run with
the same log (:mod:`plugin.disposal`), and marked ``done`` when everything is gone.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from typing import Any

from connectors.graph.lists import ListItem
from plugin import __version__
from plugin.records import DISPOSAL_MARK, disposal_log_campaign, is_disposal_log_fields
from plugin.store import RecordStore

STARTED = "started"
DONE = "done"


@dataclass(frozen=True)
class LogEntry:
    """One disposal of one campaign."""

    campaign: str
    number: int
    decision: str
    app: str
    keep: str
    window_end: date | None
    window_end_from: str  # how the window end is known (plugin.retention.Campaign.window_end_from)
    kept_until: date | None
    started: datetime
    counts: Mapping[str, int] = field(default_factory=dict)  # series -> items
    held_back: int = 0  # talks kept by a hold
    state: str = STARTED
    finished: datetime | None = None
    version: str = __version__
    item_id: str | None = None
    etag: str | None = None

    @property
    def key(self) -> str:
        return f"{disposal_log_campaign(self.campaign)}:{self.number}"

    def note(self) -> str:
        return json.dumps({
            "campaign": self.campaign, "state": self.state, "decision": self.decision,
            "app": self.app, "samtal": self.version, "keep": self.keep,
            "window_end": _day(self.window_end), "window_end_from": self.window_end_from,
            "kept_until": _day(self.kept_until), "started": _moment(self.started),
            "finished": _moment(self.finished), "disposed": dict(self.counts),
            "held_back": self.held_back}, ensure_ascii=False, sort_keys=True, indent=1)

    def fields(self) -> dict[str, Any]:
        return {"Title": f"samtal: disposal of campaign {self.campaign} (counts only, no names)",
                "Key": self.key, "Campaign": disposal_log_campaign(self.campaign),
                "EmployeeId": DISPOSAL_MARK, "Note": self.note(),
                "FiledAt": _moment(self.finished)}

    @classmethod
    def from_item(cls, item: ListItem) -> "LogEntry | None":
        """The entry an item of the list holds; None for anything else (or a note that cannot
        be read)."""
        if not is_disposal_log_fields(item.fields):
            return None
        try:
            data = json.loads(str(item.fields.get("Note") or ""))
            number = int(str(item.fields.get("Key") or "").rsplit(":", 1)[1])
            counts = {str(k): int(v) for k, v in dict(data.get("disposed") or {}).items()}
            return cls(campaign=str(data["campaign"]), number=number, decision=str(data.get("decision") or ""),
                       app=str(data.get("app") or ""), keep=str(data.get("keep") or ""),
                       window_end=_parse_day(data.get("window_end")),
                       window_end_from=str(data.get("window_end_from") or ""),
                       kept_until=_parse_day(data.get("kept_until")), started=_parse_moment(data["started"]),
                       counts=counts, held_back=int(data.get("held_back") or 0),
                       state=str(data.get("state") or STARTED), finished=_parse_optional(data.get("finished")),
                       version=str(data.get("samtal") or ""), item_id=item.id, etag=item.etag)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError):
            return None  # RecursionError: a note of JSON nested too deeply to parse


def read_log(store: RecordStore, campaign: str) -> list[LogEntry]:
    """A campaign's log entries, oldest first (one indexed query)."""
    found = [LogEntry.from_item(item) for item in store.lists.query_items(
        store.site.id, store.info.id, equals={"Campaign": disposal_log_campaign(campaign)})]
    return sorted((e for e in found if e is not None), key=lambda e: e.number)


def open_entry(store: RecordStore, entry: LogEntry) -> LogEntry:
    """Write a new entry (state ``started``) before anything is disposed of; a create whose answer
    was lost is found by its key, never written twice."""
    item = store.lists.create_item(store.site.id, store.info.id, entry.fields())
    return replace(entry, item_id=item.id, etag=item.etag)


def close_entry(store: RecordStore, entry: LogEntry, finished: datetime) -> LogEntry:
    """Mark an entry ``done`` once everything it set out to dispose of is gone."""
    done = replace(entry, state=DONE, finished=finished)
    if entry.item_id is None:
        raise ValueError("the log entry has not been written yet")
    store.lists.update_item(store.site.id, store.info.id, entry.item_id,
                            {"Note": done.note(), "FiledAt": _moment(finished)})
    return done


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _moment(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def _parse_moment(value: object) -> datetime:
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _parse_optional(value: object) -> datetime | None:
    return _parse_moment(value) if value else None
