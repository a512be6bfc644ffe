"""The slot search: zones, holidays, buffer, daily maximum, spread, ordering, DST, reasons."""
from __future__ import annotations

import random
from datetime import date, time, timedelta
from itertools import combinations

from plugin.scheduling import (
    Booking,
    BusyStatus,
    Person,
    Proposal,
    Team,
    Unschedulable,
    WorkingHours,
    plan_round,
    plan_team,
)
from plugin.scheduling.holidays import closed_days

from .helpers import OFFICE, STHLM, UTC, busy, free_only, local, rules

SE_2027 = closed_days("SE", ("public", "de_facto"), date(2026, 12, 31), date(2027, 12, 31))


def proposals(plan_outcomes: tuple[object, ...]) -> list[Proposal]:
    return sorted((o for o in plan_outcomes if isinstance(o, Proposal)), key=lambda p: p.start)


def test_working_hours_of_two_zones_meet_only_where_both_work() -> None:
    day = date(2027, 2, 3)
    helsinki = WorkingHours(frozenset(range(5)), time(8), time(10), "FLE Standard Time")  # 07-09 Stockholm
    team = Team(Person("m"), (Person("e", helsinki),))
    (outcome,) = plan_team(team, rules(day, day)).outcomes
    assert isinstance(outcome, Proposal)
    assert outcome.start == local(day, 8).astimezone(UTC)  # 08:00 Stockholm = 09:00 Helsinki
    assert outcome.start.tzinfo == UTC and outcome.end - outcome.start == timedelta(hours=1)


def test_iana_and_windows_names_of_the_same_zone_agree() -> None:
    day = date(2027, 2, 3)
    iana = WorkingHours(frozenset(range(5)), time(14), time(15), "Europe/Stockholm")
    windows = WorkingHours(frozenset(range(5)), time(14), time(15), "W. Europe Standard Time")
    (outcome,) = plan_team(Team(Person("m", iana), (Person("e", windows),)), rules(day, day)).outcomes
    assert isinstance(outcome, Proposal) and outcome.start == local(day, 14).astimezone(UTC)


def test_holidays_are_skipped() -> None:
    # Mon 22 to Fri 26 March 2027; Friday is Good Friday. One talk a day at most.
    r = rules(date(2027, 3, 22), date(2027, 3, 26), max_per_day=1, closed_days=SE_2027)
    team = Team(Person("m"), tuple(Person(f"e{i}") for i in range(5)))
    outcomes = plan_team(team, r).outcomes
    days = sorted(p.start.astimezone(STHLM).date() for p in proposals(outcomes))
    assert days == [date(2027, 3, 22), date(2027, 3, 23), date(2027, 3, 24), date(2027, 3, 25)]
    assert sum(isinstance(o, Unschedulable) for o in outcomes) == 1


def test_epiphany_alone_gives_no_slot() -> None:
    day = date(2027, 1, 6)
    (outcome,) = plan_team(Team(Person("m"), (Person("e"),)), rules(day, day, closed_days=SE_2027)).outcomes
    assert isinstance(outcome, Unschedulable)
    assert "no working hours" in outcome.reason or "no free" in outcome.reason


def test_buffer_and_daily_maximum_are_kept() -> None:
    day = date(2027, 2, 3)
    team = Team(Person("m"), tuple(Person(f"e{i}") for i in range(6)))
    outcomes = plan_team(team, rules(day, day, max_per_day=3)).outcomes
    placed = proposals(outcomes)
    assert len(placed) == 3
    for a, b in zip(placed, placed[1:]):
        assert b.start - a.end >= timedelta(minutes=15)
    reasons = [o.reason for o in outcomes if isinstance(o, Unschedulable)]
    assert len(reasons) == 3 and all("at most 3 a day" in r for r in reasons)


def test_manager_never_double_booked_across_teams() -> None:
    # m1 leads a team and is also a report of m0: talks must not overlap for m1.
    first, last = date(2027, 2, 1), date(2027, 2, 2)
    team0 = Team(Person("m0"), (Person("m1"), *(Person(f"a{i}") for i in range(4))))
    team1 = Team(Person("m1"), tuple(Person(f"b{i}") for i in range(5)))
    plans = plan_round([team1, team0], rules(first, last))
    involving_m1 = [
        p for plan in plans for p in plan.proposals() if plan.manager_id == "m1" or p.employee_id == "m1"
    ]
    assert len(involving_m1) == 6
    for a, b in combinations(involving_m1, 2):
        assert a.end <= b.start or b.end <= a.start, (a, b)


def test_talks_spread_over_the_window() -> None:
    first, last = date(2027, 2, 1), date(2027, 4, 30)
    team = Team(Person("m"), tuple(Person(f"e{i:02d}") for i in range(10)))
    even = proposals(plan_team(team, rules(first, last, closed_days=SE_2027)).outcomes)
    weeks = {p.start.isocalendar().week for p in even}
    assert len(weeks) == 10  # one talk a week or so, not three a day
    assert even[0].start.date() < date(2027, 2, 15) and even[-1].start.date() > date(2027, 4, 15)
    early = proposals(plan_team(team, rules(first, last, spread="early")).outcomes)
    assert max(p.start.date() for p in early) <= date(2027, 2, 4)  # packed: 3 a day


def test_most_constrained_employee_wins_the_contested_slot() -> None:
    day = date(2027, 2, 3)
    manager = free_only("m", day, (10, 0), (12, 0))
    flexible = Person("a-flexible")  # sorts first by id; free all day
    constrained = free_only("z-constrained", day, (10, 0), (11, 0))
    outcomes = plan_team(Team(manager, (flexible, constrained)), rules(day, day, buffer=timedelta(0))).outcomes
    by_id = {o.employee_id: o for o in outcomes}
    assert outcomes[0].employee_id == "z-constrained"
    assert isinstance(by_id["z-constrained"], Proposal) and by_id["z-constrained"].start == local(day, 10).astimezone(UTC)
    assert isinstance(by_id["a-flexible"], Proposal) and by_id["a-flexible"].start == local(day, 11).astimezone(UTC)


def test_booked_talks_stay_put_count_for_the_day_and_get_the_buffer() -> None:
    day = date(2027, 2, 3)
    booked = Booking("old", local(day, 10), local(day, 11))
    manager = Person("m", busy=(busy(booked.start, booked.end),))
    team = Team(manager, (Person("e1"), Person("e2")), (booked,))
    outcomes = plan_team(team, rules(day, day, max_per_day=2)).outcomes
    placed = proposals(outcomes)
    assert len(placed) == 1 and sum(isinstance(o, Unschedulable) for o in outcomes) == 1
    p = placed[0]
    assert p.end + timedelta(minutes=15) <= booked.start or booked.end + timedelta(minutes=15) <= p.start


def test_dst_week_a_nine_oclock_talk_moves_in_utc() -> None:
    # Thu 25 March (winter time) and Tue 30 March (summer time); Good Friday and Easter Monday closed.
    nine = WorkingHours(frozenset(range(5)), time(9), time(10), "W. Europe Standard Time")
    team = Team(Person("m", nine), (Person("e1", nine), Person("e2", nine)))
    r = rules(date(2027, 3, 25), date(2027, 3, 30), max_per_day=1, closed_days=SE_2027)
    starts = sorted(p.start for p in proposals(plan_team(team, r).outcomes))
    assert [s.isoformat() for s in starts] == ["2027-03-25T08:00:00+00:00", "2027-03-30T07:00:00+00:00"]


def test_working_elsewhere_does_not_block_but_tentative_and_oof_do() -> None:
    day = date(2027, 2, 3)
    nine = WorkingHours(frozenset(range(5)), time(9), time(11), "Europe/Stockholm")
    elsewhere = Person("e", nine, (busy(local(day, 9), local(day, 11), BusyStatus.WORKING_ELSEWHERE),))
    (outcome,) = plan_team(Team(Person("m"), (elsewhere,)), rules(day, day)).outcomes
    assert isinstance(outcome, Proposal)
    for status in (BusyStatus.TENTATIVE, BusyStatus.OOF, BusyStatus.BUSY):
        blocked = Person("e", nine, (busy(local(day, 9), local(day, 11), status),))
        (outcome,) = plan_team(Team(Person("m"), (blocked,)), rules(day, day)).outcomes
        assert isinstance(outcome, Unschedulable), status


def test_unschedulable_with_a_readable_reason() -> None:
    first, last = date(2027, 2, 1), date(2027, 4, 30)
    mornings = WorkingHours(frozenset(range(5)), time(8), time(11), "Europe/Stockholm")
    afternoons = WorkingHours(frozenset(range(5)), time(13), time(17), "Europe/Stockholm")
    (outcome,) = plan_team(Team(Person("m", mornings), (Person("e", afternoons),)), rules(first, last)).outcomes
    assert outcome == Unschedulable(
        "e", "no common free time between 2027-02-01 and 2027-04-30 within working hours"
    )
    away = Person("e", None, (busy(local(first, 0), local(last, 23), BusyStatus.OOF),))
    (outcome,) = plan_team(Team(Person("m"), (away,)), rules(first, last)).outcomes
    assert isinstance(outcome, Unschedulable) and outcome.reason.startswith("the employee has no free 60-minute slot")


def test_nothing_before_not_before() -> None:
    first, last = date(2027, 2, 1), date(2027, 2, 5)
    r = rules(first, last, not_before=local(date(2027, 2, 3), 12), spread="early")
    (outcome,) = plan_team(Team(Person("m"), (Person("e"),)), r).outcomes
    assert isinstance(outcome, Proposal) and outcome.start == local(date(2027, 2, 3), 12).astimezone(UTC)


def test_output_is_deterministic_whatever_the_input_order() -> None:
    rng = random.Random(3)
    first, last = date(2027, 2, 1), date(2027, 2, 26)
    people = []
    for i in range(12):
        blocks = []
        for _ in range(15):
            d = first + timedelta(days=rng.randrange(26))
            h = rng.randrange(8, 16)
            blocks.append(busy(local(d, h), local(d, h + 1)))
        people.append(Person(f"e{i}", OFFICE, tuple(blocks)))
    r = rules(first, last, closed_days=SE_2027)
    a = plan_team(Team(Person("m"), tuple(people)), r)
    rng.shuffle(people)
    b = plan_team(Team(Person("m"), tuple(people)), r)
    assert a == b
    for p in a.proposals():
        person = next(x for x in people if x.id == p.employee_id)
        assert all(blk.end <= p.start or blk.start >= p.end for blk in person.busy)
        local_start = p.start.astimezone(STHLM)
        assert time(8) <= local_start.time() and p.end.astimezone(STHLM).time() <= time(17)
