"""From the campaign and getSchedule to the planner's input, and the planner's answer back.

Free/busy is read for many people per call: ``getSchedule`` takes 20 addresses of any mailboxes
(the connector chunks longer lists and windows), so managers and their employees are asked
together, about one request per 20 people per 62 days, not one per talk.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from datetime import datetime, time, timedelta, timezone

from connectors.graph import errors
from connectors.graph.calendar import Calendar
from connectors.graph.calendar_records import Schedule
from connectors.graph.addresses import address_key
from connectors.graph.directory import User
from connectors.timezones import UnknownTimeZone, resolve_zone
from plugin.scheduling.model import BusyBlock, BusyStatus, Person, Rules, WorkingHours

log = logging.getLogger(__name__)

_DAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
         "sunday": 6}


def schedule_window(rules: Rules) -> tuple[datetime, datetime]:
    """UTC bounds covering every local day of the window, with a day's margin for zones."""
    start = datetime.combine(rules.first_day, time(0), timezone.utc) - timedelta(days=1)
    end = datetime.combine(rules.last_day, time(0), timezone.utc) + timedelta(days=2)
    if rules.not_before is not None:
        start = max(start, rules.not_before.astimezone(timezone.utc) - timedelta(days=1))
    return start, end


@dataclass(frozen=True)
class Availability:
    """Free/busy by person id; ``missing`` maps person ids to a readable reason."""

    people: Mapping[str, Person]
    missing: Mapping[str, str]


# Busy time is read from availabilityView at the planner's 15-minute grid: parsing every
# scheduleItem of a three-month window costs far more and tells the planner nothing more.
_VIEW = {"interval_minutes": 15, "from_view": True}


def read_availability(calendar: Calendar, people: Iterable[User], rules: Rules, *,
                      workers: int = 8, detailed: bool = False) -> Availability:
    """getSchedule for ``people`` (chunked by the connector), answered per person id.

    Schedules are asked by address (:attr:`User.address_key`, once per address) and handed back
    to every person with that address, so two people can never lose one another's answer. A
    person whose schedule comes back with an error (no mailbox, not found, access policy) is
    listed in ``missing`` with the reason; it never fails the others.
    """
    start, end = schedule_window(rules)
    view: dict[str, Any] = {} if detailed else dict(_VIEW)
    holders: dict[str, list[str]] = {}  # address key → ids of the people it belongs to
    for person in people:
        ids = holders.setdefault(person.address_key, [])
        if person.id not in ids:
            ids.append(person.id)
    wanted = sorted(holders)
    chunks = [wanted[i:i + 20] for i in range(0, len(wanted), 20)]

    def ask(chunk: list[str]) -> tuple[dict[str, Schedule], dict[str, str]]:
        """The chunk's schedules, asked through the first of its mailboxes that can ask: one
        without a mailbox in Exchange Online, or outside the app's access policy, cannot, and
        its own schedule then comes back through another's, with whatever Exchange says of it."""
        cannot: dict[str, str] = {}
        for organizer in chunk:
            try:
                return calendar.get_schedules(holders[organizer][0], chunk, start, end, **view), cannot
            except (errors.NotFound, errors.Forbidden) as err:
                if not cannot_ask(err):
                    raise
                log.info("free/busy cannot be asked through %s (%s); trying another mailbox",
                         holders[organizer][0], err.code)
                cannot[organizer] = no_mailbox_reason(err.code)
        return {}, cannot  # no mailbox of the chunk could ask

    people_by_id: dict[str, Person] = {}
    missing: dict[str, str] = {}
    # Chunks go out in parallel (the HTTP layer caps concurrency per mailbox and in total).
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(chunks) or 1))) as pool:
        answers = list(pool.map(ask, chunks))
    for chunk, (schedules, lost) in zip(chunks, answers):
        answered = {address_key(k): v for k, v in schedules.items()}
        for address in chunk:
            sched = answered.get(address)
            if sched is None and address in lost:
                reason = lost[address]
            elif sched is None:
                reason = "Exchange did not answer for this mailbox"
            elif sched.error:
                reason = no_mailbox_reason(sched.error)
            else:
                for person_id in holders[address]:
                    people_by_id[person_id] = to_person(person_id, sched)
                continue
            for person_id in holders[address]:
                missing[person_id] = reason
    return Availability(people_by_id, missing)


def cannot_ask(err: errors.GraphError) -> bool:
    """Whether ``err``, met asking free/busy through a mailbox, is about that one mailbox (none
    there, or the access policy leaves it out), not about the app (consent) or Graph: another
    mailbox can ask instead."""
    return isinstance(err, errors.NotFound) or (
        isinstance(err, errors.Forbidden) and err.outcome is errors.Outcome.PERMANENT)


def mailbox_failure(err: errors.GraphError) -> str | None:
    """The reason for a talk whose mailbox call met ``err``, when ``err`` says that samtal cannot
    use that mailbox (docs/failures.md#a6); None for any other failure."""
    if isinstance(err, errors.MailboxUnavailable) or (
            isinstance(err, errors.Forbidden) and err.outcome is errors.Outcome.PERMANENT
            and err.code == "ErrorAccessDenied"):
        return no_mailbox_reason(err.code)
    return None


def no_mailbox_reason(code: str | None) -> str:
    """Why a person's mailbox cannot be used, from Graph's code for it."""
    if code in ("ErrorAccessDenied",):
        return f"the mailbox is outside the app's Exchange application access policy ({code})"
    return f"no Exchange Online mailbox samtal can read ({code or 'unknown error'})"


def to_person(person_id: str, schedule: Schedule) -> Person:
    """The planner's view of one schedule."""
    hours = None
    wh = schedule.working_hours
    if wh is not None and wh.days and wh.custom is None:
        # A customTimeZone has no name the planner can look up: the campaign's hours apply.
        zone_name = wh.time_zone
        try:
            resolve_zone(zone_name)
        except UnknownTimeZone:
            log.info("unknown working-hours zone for %s; using the campaign's hours", person_id)
        else:
            days = frozenset(_DAYS[d.lower()] for d in wh.days if d.lower() in _DAYS)
            if days:
                hours = WorkingHours(days, wh.start, wh.end, zone_name)
    busy = tuple(
        BusyBlock(item.start, item.end, _status(item.status))
        for item in schedule.items if item.end > item.start
    )
    return Person(person_id, hours, busy)


def _status(value: str) -> BusyStatus:
    try:
        return BusyStatus(value)
    except ValueError:
        return BusyStatus.UNKNOWN
