"""The look at ended meetings, a manager's talks at once (plugin/held.py::look_by_manager): each
talk's event found in one listing of the manager's campaign meetings by its id, with the verdict
the talk's own read gives; an id the listing lacks is read by itself, and a listing's error is
each talk's error."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from connectors.graph import errors
from connectors.graph.calendar_records import AttendeeStatus, Event
from plugin import held
from plugin.records import Record, Status

NOW = datetime(2027, 3, 20, 12, 0, tzinfo=timezone.utc)
PREFIX = "2027:"
MANAGER = "11111111-aaaa-4bbb-8ccc-000000000001"


def record(n: int, manager: str = MANAGER, event_id: str | None = None) -> Record:
    start = NOW - timedelta(days=1, hours=n)
    return Record("2027", f"e{n}", f"Person {n}", Status.SCHEDULED, manager_id=manager,
                  meeting_start=start, meeting_end=start + timedelta(hours=1),
                  event_id=event_id if event_id is not None else f"AAMkAG{n}Ev=")


def address(n: int) -> str:
    return f"person{n}@example.se"


def event(r: Record, *, start: datetime | None = None, cancelled: bool = False,
          response: str = "accepted", event_id: str | None = None) -> Event:
    begin = start or r.meeting_start
    assert begin is not None
    n = r.employee_id[1:]
    return Event(id=event_id or r.event_id, ical_uid=None, subject="Samtal", start=begin,
                 end=begin + timedelta(hours=1), is_cancelled=cancelled, organizer=None,
                 attendees=(AttendeeStatus(address(int(n)).upper(), "", "required", response),),
                 tag=f"{PREFIX}{r.employee_id}")


class FakeCalendar:
    """The two reads the look makes, answered from ``events`` (by mailbox, as listed) and
    ``listing_errors`` (a listing's error, by mailbox); every call is recorded."""

    def __init__(self, events: dict[str, list[Event]],
                 listing_errors: dict[str, errors.GraphError] | None = None) -> None:
        self.events = events
        self.listing_errors = listing_errors or {}
        self.listed: list[tuple[str, str]] = []
        self.read: list[tuple[str, str]] = []
        self.hidden: dict[str, list[Event]] = {}  # events a read by id finds but the listing does not

    def find_events_by_tag_prefix(self, users: Sequence[str], prefix: str) -> list[Any]:
        self.listed += [(u, prefix) for u in users]
        return [self.listing_errors.get(u) or list(self.events.get(u, [])) for u in users]

    def get_events(self, pairs: Sequence[tuple[str, str]]) -> list[Any]:
        self.read += list(pairs)
        out: list[Any] = []
        for user, event_id in pairs:
            found = [e for e in self.events.get(user, []) + self.hidden.get(user, []) if e.id == event_id]
            out.append(found[0] if found else errors.NotFound("gone", status=404, code="ErrorItemNotFound"))
        return out


def team(*records: Record) -> list[tuple[Record, frozenset[str]]]:
    return [(r, frozenset({address(int(r.employee_id[1:]))})) for r in records]


def both_ways(calendar: FakeCalendar, talks: list[tuple[Record, frozenset[str]]]) -> tuple[list[Any], list[Any]]:
    """The looks by the manager's listing, and by one read per talk (the verdicts to match)."""
    [listed] = held.look_by_manager(calendar, [talks], PREFIX, NOW)  # type: ignore[arg-type]
    one_by_one = held.look_at_ended(calendar, talks, NOW)  # type: ignore[arg-type]
    return listed, one_by_one


def test_each_talk_gets_the_verdict_of_its_own_read_from_one_listing() -> None:
    held_r, later_r, cancelled_r, declined_r = record(1), record(2), record(3), record(4)
    moved_to = NOW + timedelta(days=3)
    calendar = FakeCalendar({MANAGER: [
        event(later_r, start=moved_to), event(held_r), event(declined_r, response="declined"),
        event(cancelled_r, cancelled=True),
        event(record(9), event_id="AAMkAG1EV="),  # another talk's meeting: an id differing only in case
    ]})
    talks = team(held_r, later_r, cancelled_r, declined_r)
    listed, one_by_one = both_ways(calendar, talks)
    assert calendar.listed == [(MANAGER, PREFIX)]
    assert calendar.read == [(MANAGER, r.event_id) for r, _ in talks]  # only by look_at_ended
    assert listed == one_by_one
    assert [look.verdict for look in listed] == [held.HELD, held.LATER, held.CANCELLED, held.DECLINED]
    assert listed[0].record.status is Status.HELD and listed[0].record.meeting_start == held_r.meeting_start
    assert listed[1].record.meeting_start == moved_to and listed[1].record.status is Status.SCHEDULED
    assert listed[2].record.event_id == ""


def test_an_id_the_listing_lacks_is_read_by_itself_deleted_or_not() -> None:
    listed_r, deleted_r, untagged_r = record(1), record(2), record(3)
    calendar = FakeCalendar({MANAGER: [event(listed_r)]})
    calendar.hidden = {MANAGER: [event(untagged_r)]}  # in another calendar, or its tag lost
    [looks] = held.look_by_manager(calendar, [team(listed_r, deleted_r, untagged_r)], PREFIX, NOW)  # type: ignore[arg-type]
    assert calendar.listed == [(MANAGER, PREFIX)]
    assert calendar.read == [(MANAGER, deleted_r.event_id), (MANAGER, untagged_r.event_id)]
    assert [look.verdict for look in looks] == [held.HELD, held.CANCELLED, held.HELD]
    assert looks[1].record.event_id == ""


def test_an_id_is_matched_exactly_as_graph_wrote_it() -> None:
    mine = record(1, event_id="AAMkAGabc=")
    other = record(2)
    calendar = FakeCalendar({MANAGER: [event(mine, event_id="AAMkAGABC=", start=NOW + timedelta(days=2)),
                                       event(other)]})
    [looks] = held.look_by_manager(calendar, [team(mine, other)], PREFIX, NOW)  # type: ignore[arg-type]
    assert calendar.read == [(MANAGER, "AAMkAGabc=")]  # not taken for the other-cased id
    assert [look.verdict for look in looks] == [held.CANCELLED, held.HELD]


@pytest.mark.parametrize("error", [
    errors.ServerError("busy", status=503),
    errors.MailboxUnavailable("no mailbox", status=404, code="MailboxNotEnabledForRESTAPI"),
    errors.Forbidden("policy", status=403, code="ErrorAccessDenied"),
])
def test_a_listing_error_is_each_of_that_managers_talks_error(error: errors.GraphError) -> None:
    other = "22222222-aaaa-4bbb-8ccc-000000000002"
    mine, theirs = team(record(1), record(2)), team(record(3, other), record(4, other))
    calendar = FakeCalendar({MANAGER: [event(r) for r, _ in mine], other: [event(r) for r, _ in theirs]},
                            {MANAGER: error})
    looks = held.look_by_manager(calendar, [mine, theirs], PREFIX, NOW)  # type: ignore[arg-type]
    assert looks[0] == [error, error]  # not held this pass, not called off
    assert [look.verdict for look in looks[1]] == [held.HELD, held.HELD]
    assert calendar.listed == [(MANAGER, PREFIX), (other, PREFIX)] and not calendar.read


def test_a_listing_that_found_no_mailbox_folder_leaves_each_talk_to_its_own_read() -> None:
    """A 404 that is not about the mailbox says nothing of one event: the reads by id decide."""
    kept, deleted = record(1), record(2)
    calendar = FakeCalendar({MANAGER: [event(kept)]},
                            {MANAGER: errors.NotFound("no such thing", status=404, code="ErrorItemNotFound")})
    [looks] = held.look_by_manager(calendar, [team(kept, deleted)], PREFIX, NOW)  # type: ignore[arg-type]
    assert calendar.read == [(MANAGER, kept.event_id), (MANAGER, deleted.event_id)]
    assert [look.verdict for look in looks] == [held.HELD, held.CANCELLED]
