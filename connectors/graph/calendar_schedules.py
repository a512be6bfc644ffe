"""Free/busy: :meth:`Calendar.get_schedules` in :mod:`connectors.graph.calendar`, its calls
and the merging of their answers.

Facts: docs/graph.md#free-and-busy-time, docs/graph.md#time-zones. ``getSchedule`` takes at most
20 addresses and a window under 62 days; longer lists and windows are split here and merged per
address. An unknown address is an ``error`` inside the 200, not a failure of the call. It is a
read, so it is safe to repeat. Every call sends ``Prefer: outlook.timezone="UTC"``, and every
returned time is still read by the ``timeZone`` Graph wrote beside it (docs/failures.md#c1,
docs/failures.md#c4).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from connectors.graph.addresses import address_key
from connectors.graph.calendar_records import (
    BusyItem, Schedule, WorkingHours, busy_item_from_json, schedule_error_from_json,
    working_hours_from_json,
)
from connectors.graph.calendar_times import PREFER_UTC, malformed, to_date_time_zone
from connectors.graph.directory import user_path

if TYPE_CHECKING:
    from connectors.graph.calendar import Calendar

log = logging.getLogger("connectors.graph.calendar")  # the calendar connector's log, under its name

MAX_SCHEDULES = 20                # addresses per getSchedule call (docs/graph.md#free-and-busy-time)
MAX_WINDOW = timedelta(days=61)   # the window must be *less than* 62 days
MIN_INTERVAL, MAX_INTERVAL = 5, 1440
MISSING_SCHEDULE = "NoScheduleReturned"  # Graph's answer had no entry for the address


def split_window(start: datetime, end: datetime,
                 longest: timedelta = MAX_WINDOW) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` cut into consecutive windows no longer than ``longest``."""
    windows: list[tuple[datetime, datetime]] = []
    cursor = start
    while cursor < end:
        stop = min(end, cursor + longest)
        windows.append((cursor, stop))
        cursor = stop
    return windows


# availabilityView digits (docs/graph.md#free-and-busy-time): 0 free, 1 tentative, 2 busy, 3 oof, 4 workingElsewhere
VIEW_STATUS = {"1": "tentative", "2": "busy", "3": "oof", "4": "workingElsewhere"}
_NOT_FREE = re.compile(r"[^0]+")
_VIEW_RUNS = re.compile(r"(.)\1*")  # runs of one digit


class _Merged:
    """One address's schedule being assembled from several getSchedule answers."""

    def __init__(self) -> None:
        self.items: dict[tuple[datetime, datetime, str], BusyItem] = {}
        self.working_hours: WorkingHours | None = None
        self.error: str | None = None
        self.seen = False

    def add(self, info: Mapping[str, Any], view_from: tuple[datetime, int] | None = None) -> None:
        self.seen = True
        error = schedule_error_from_json(info.get("error"))
        if error is not None and self.error is None:
            self.error = error
        if self.working_hours is None:
            self.working_hours = working_hours_from_json(info.get("workingHours"))
        if view_from is not None:
            self._add_view(str(info.get("availabilityView") or ""), *view_from)
            return
        raw_items = info.get("scheduleItems") or []
        if not isinstance(raw_items, list):
            raise malformed("scheduleItems is not a list")
        for raw in raw_items:
            item = busy_item_from_json(raw)
            if item is not None:  # an item spanning two windows comes back in both: keep one
                self.items.setdefault((item.start, item.end, item.status), item)

    def _add_view(self, view: str, start: datetime, minutes: int) -> None:
        """Busy time from ``availabilityView`` (one digit per interval from ``start``): runs of
        the same non-free digit become one item, rounded out to whole intervals."""
        step = timedelta(minutes=minutes)
        for span in _NOT_FREE.finditer(view):  # mostly free: find the busy stretches first
            text, offset = span.group(), span.start()
            runs = [(0, len(text))] if text.count(text[0]) == len(text) else \
                [(r.start(), r.end()) for r in _VIEW_RUNS.finditer(text)]
            for first, last in runs:
                status = VIEW_STATUS.get(text[first])
                if status is not None:
                    item = BusyItem(start + (offset + first) * step, start + (offset + last) * step, status)
                    self.items.setdefault((item.start, item.end, item.status), item)

    def schedule(self, address: str) -> Schedule:
        items = tuple(sorted(self.items.values(), key=lambda i: (i.start, i.end, i.status)))
        error = self.error if self.seen else MISSING_SCHEDULE
        return Schedule(address=address, items=items, working_hours=self.working_hours,
                        error=error)


def get_schedules(calendar: Calendar, organizer: str, addresses: Sequence[str], start: datetime,
                  end: datetime, *, interval_minutes: int, from_view: bool) -> dict[str, Schedule]:
    """:meth:`Calendar.get_schedules`: the arguments checked, then one ``getSchedule`` per window
    and per 20 addresses, merged per address."""
    if isinstance(addresses, str):
        raise TypeError("addresses must be a sequence of addresses, not one string")
    for name, value in (("start", start), ("end", end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"get_schedules: {name} must be an aware datetime")
    if end <= start:
        raise ValueError("get_schedules: end must be after start")
    if not MIN_INTERVAL <= interval_minutes <= MAX_INTERVAL:
        raise ValueError(f"interval_minutes must be {MIN_INTERVAL}..{MAX_INTERVAL}")
    wanted: dict[str, str] = {}
    for address in addresses:
        if not isinstance(address, str) or "@" not in address:
            raise ValueError(f"not an e-mail address: {address!r}")
        wanted.setdefault(address_key(address), address.strip())
    if not wanted:
        return {}
    merged = {key: _Merged() for key in wanted}
    keys = list(wanted)
    path = user_path(organizer) + "/calendar/getSchedule"
    for w_start, w_end in split_window(start, end):
        for i in range(0, len(keys), MAX_SCHEDULES):
            chunk = [wanted[k] for k in keys[i:i + MAX_SCHEDULES]]
            body = {
                "schedules": chunk,
                "startTime": to_date_time_zone(w_start, "UTC"),
                "endTime": to_date_time_zone(w_end, "UTC"),
                "availabilityViewInterval": interval_minutes,
            }
            resp = calendar.http.post(path, json=body, headers=PREFER_UTC, idempotent=True,
                                      mailbox=organizer)
            values = resp.json_object().get("value")
            if not isinstance(values, list):
                raise malformed("a getSchedule answer without a 'value' list")
            for info in values:
                sid = info.get("scheduleId") if isinstance(info, Mapping) else None
                if isinstance(sid, str) and address_key(sid) in merged:
                    merged[address_key(sid)].add(
                        info, (w_start, interval_minutes) if from_view else None)
                else:
                    log.debug("getSchedule returned an entry for an address not asked for")
    return {wanted[k]: merged[k].schedule(wanted[k]) for k in keys}
