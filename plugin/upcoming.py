"""Disposal ahead, for ``samtal plan`` and ``samtal status``: how many records of other campaigns
pass their retention within 30 days (or have passed it and wait for ``samtal retention
--apply``), so that nothing is disposed of as a surprise.

Cheap on purpose: one indexed query reads every campaign's lease item (``EmployeeId`` is
``~lease``), which keeps the campaign's window end (:mod:`plugin.lease`); only a campaign whose
retention ends within the 30 days is read further, by one indexed query for its records (usually
none, at most the one or two rounds of a year). Holds are counted as ``samtal retention`` counts
them, except that ``retention.hold_users`` is matched as written (no directory look-up here). A
campaign whose passes never recorded a window end (run by an older samtal) is named, for
``samtal retention`` to estimate it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from connectors.graph.addresses import address_key
from plugin.lease import recorded_window_end
from plugin.records import LEASE_MARK, from_fields, is_bookkeeping_fields
from plugin.holds import Holds
from plugin.settings import Settings
from plugin.store import RecordStore

SOON = timedelta(days=30)
_READ = ("Key", "Campaign", "EmployeeId", "EmployeeEmail", "ManagerId", "ManagerEmail", "Hold")


@dataclass(frozen=True)
class Upcoming:
    campaign: str
    kept_until: date  # the last day of its retention
    records: int  # list items that go (not held back)
    held: int  # talks held back


@dataclass(frozen=True)
class Ahead:
    campaigns: tuple[Upcoming, ...]
    unknown: tuple[str, ...]  # campaigns whose window end no pass recorded


def disposal_ahead(store: RecordStore, settings: Settings, *, within: timedelta = SOON) -> Ahead:
    """The other campaigns whose retention ends before ``settings.now`` + ``within``."""
    today = settings.now.astimezone(settings.meetings.zone.tzinfo).date()
    holds = Holds(frozenset(address_key(u) for u in settings.retention.hold_users))
    found: list[Upcoming] = []
    unknown: list[str] = []
    leases = store.lists.query_items(store.site.id, store.info.id, equals={"EmployeeId": LEASE_MARK},
                                     select=["Key", "Note"])
    for item in leases:
        campaign = str(item.fields.get("Key") or "").rsplit(":", 1)[0]
        if not campaign or campaign == settings.campaign.id:
            continue
        end = recorded_window_end(item)
        if end is None:
            unknown.append(campaign)
            continue
        kept_until = end + timedelta(days=settings.retention.days)
        if kept_until >= today + within:
            continue
        columns = [c for c in _READ if c in store.info.columns]
        records = [from_fields(i.fields, i.id) for i in store.lists.query_items(
            store.site.id, store.info.id, equals={"Campaign": campaign}, select=columns)
            if not is_bookkeeping_fields(i.fields)]
        held = {r.key for r in records if holds.why(r) is not None}
        going = sum(1 for r in records if r.key not in held)
        if going:
            found.append(Upcoming(campaign, kept_until, going, len(held)))
    return Ahead(tuple(sorted(found, key=lambda u: (u.kept_until, u.campaign))), tuple(sorted(set(unknown))))


def describe(ahead: Ahead, today: date) -> list[str]:
    """One line per campaign, for the end of ``plan`` and ``status``; none when nothing is
    ahead."""
    lines = []
    for u in ahead.campaigns:
        records = f"{u.records} record{'s' if u.records != 1 else ''}"
        held = f"; {u.held} talk{'s' if u.held != 1 else ''} held back" if u.held else ""
        if u.kept_until < today:
            lines.append(f"retention: {records} of campaign {u.campaign} (with their folders and documents) "
                         f"passed their retention on {u.kept_until}{held}: `samtal retention --apply` "
                         "disposes of them")
        else:
            days = (u.kept_until - today).days
            lines.append(f"retention: {records} of campaign {u.campaign} (with their folders and documents) "
                         f"pass their retention on {u.kept_until}, in {days} day{'s' if days != 1 else ''}{held}: "
                         "`samtal retention` lists what goes")
    if ahead.unknown:
        lines.append(f"retention: no pass recorded the window end of campaign{'s' if len(ahead.unknown) > 1 else ''} "
                     f"{', '.join(ahead.unknown)} (run by an older samtal): `samtal retention` estimates it")
    return lines

