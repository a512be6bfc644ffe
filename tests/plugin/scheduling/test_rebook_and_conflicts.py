"""A declined talk gets a new time; a booked talk is in conflict only with someone else's time."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from plugin.scheduling import (
    Booking,
    BusyBlock,
    BusyStatus,
    Person,
    Proposal,
    Unschedulable,
    find_conflict,
    is_in_conflict,
    propose_new_time,
)
from plugin.scheduling.rules import rules_from_settings
from plugin.settings import load_settings

from .helpers import STHLM, UTC, busy, local, rules

WEEK = (date(2027, 2, 1), date(2027, 2, 5))


def test_declined_talk_gets_a_new_time_on_another_day_near_the_old_one() -> None:
    declined = Booking("e", local(date(2027, 2, 3), 10), local(date(2027, 2, 3), 11), "ev-1")
    others = (Booking("x", local(date(2027, 2, 4), 10), local(date(2027, 2, 4), 11), "ev-2"),)
    manager = Person("m", busy=(busy(declined.start, declined.end), busy(others[0].start, others[0].end)))
    outcome = propose_new_time(rules(*WEEK), manager, Person("e"), declined, others)
    assert isinstance(outcome, Proposal) and outcome.employee_id == "e"
    assert outcome.start.astimezone(STHLM).date() != date(2027, 2, 3)
    assert abs(outcome.start - declined.start) <= timedelta(days=1)
    other = others[0]
    assert outcome.end + timedelta(minutes=15) <= other.start or other.end + timedelta(minutes=15) <= outcome.start


def test_declined_talk_stays_on_its_day_when_no_other_day_is_possible() -> None:
    day = date(2027, 2, 3)
    declined = Booking("e", local(day, 10), local(day, 11))
    outcome = propose_new_time(rules(day, day), Person("m"), Person("e"), declined)
    assert isinstance(outcome, Proposal)
    assert outcome.start >= declined.end or outcome.end <= declined.start


def test_declined_talk_unschedulable_when_nothing_is_left() -> None:
    day = date(2027, 2, 3)
    declined = Booking("e", local(day, 10), local(day, 11))
    employee = Person("e", busy=(busy(local(day, 0), local(day, 10)), busy(local(day, 11), local(day, 23))))
    outcome = propose_new_time(rules(day, day), Person("m"), employee, declined)
    assert isinstance(outcome, Unschedulable)


def test_the_talk_itself_is_no_conflict_but_another_meeting_is() -> None:
    day = date(2027, 2, 3)
    talk = Booking("e", local(day, 10), local(day, 11))
    own = busy(talk.start, talk.end)
    manager = Person("m", busy=(own,))
    employee = Person("e", busy=(busy(talk.start, talk.end, BusyStatus.TENTATIVE),))
    assert not is_in_conflict(talk, manager, employee)
    clash = busy(local(day, 10, 30), local(day, 12))
    assert find_conflict(talk, Person("m", busy=(own, clash)), employee) == ("m", clash)
    twin = busy(talk.start, talk.end)  # a second meeting at exactly the same time
    assert find_conflict(talk, manager, Person("e", busy=(own, twin))) == ("e", twin)
    elsewhere = busy(talk.start, talk.end, BusyStatus.WORKING_ELSEWHERE)
    assert not is_in_conflict(talk, manager, Person("e", busy=(elsewhere,)))
    touching = busy(talk.end, local(day, 12))
    assert not is_in_conflict(talk, Person("m", busy=(own, touching)), employee)


def test_event_ids_decide_when_known() -> None:
    day = date(2027, 2, 3)
    talk = Booking("e", local(day, 10), local(day, 11), "ev-1")
    same = BusyBlock(talk.start, talk.end, BusyStatus.BUSY, "ev-1")
    other = BusyBlock(talk.start, talk.end, BusyStatus.BUSY, "ev-9")
    assert not is_in_conflict(talk, Person("m", busy=(same,)), Person("e"))
    assert is_in_conflict(talk, Person("m", busy=(same, other)), Person("e"))


def test_rules_from_settings(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        'campaign: {id: "2027", window: {start: 2027-02-01, end: 2027-04-30}}\n'
        "tenant: {tenant_id: t, client_id: c, client_secret: {env: S}}\n"
        "meetings: {duration_minutes: 45, buffer_minutes: 10, max_per_manager_per_day: 4, notice_days: 3, spread: early}\n"
        'records: {site: "example.sharepoint.com:/sites/hr"}\n'
        "working_hours: {start: '09:00', end: '16:00'}\n",
        encoding="utf-8",
    )
    settings = load_settings(tmp_path / "c.yaml", now=local(date(2027, 2, 10), 9), environ={"S": "x"})
    r = rules_from_settings(settings)
    assert (r.first_day, r.last_day, r.max_per_day, r.spread) == (date(2027, 2, 1), date(2027, 4, 30), 4, "early")
    assert r.duration == timedelta(minutes=45) and r.buffer == timedelta(minutes=10)
    assert r.not_before == local(date(2027, 2, 13), 9)
    assert date(2027, 3, 26) in r.closed_days and date(2027, 1, 6) not in r.closed_days  # outside the window
    assert r.fallback_hours.start.hour == 9 and r.fallback_hours.zone == "Europe/Stockholm"
    assert r.not_before.astimezone(UTC) == local(date(2027, 2, 13), 9).astimezone(UTC)
