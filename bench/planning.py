"""Planning benchmark: slot search for 5,000 employees under 500 managers, no I/O
(docs/architecture.md#bench).

Builds a deterministic organisation with realistic calendars over a three-month window (weekly
recurring meetings, one-off meetings about every other hour, tentative holds, working-elsewhere
days, a week or two out of office, a few people in other zones or with their own hours, some talks
already booked), then times ``plan_round`` (free/busy conversion included) and prints the figures.

    .venv/bin/python bench/planning.py [--employees 5000] [--team 10] [--seed 7]
"""
from __future__ import annotations

import argparse
import random
import sys
import time as clock
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugin.scheduling import (  # noqa: E402
    Booking,
    BusyBlock,
    BusyStatus,
    Person,
    Proposal,
    Rules,
    Team,
    WorkingHours,
    plan_round,
)
from plugin.scheduling.holidays import closed_days  # noqa: E402

FIRST, LAST = date(2027, 2, 1), date(2027, 4, 30)
STOCKHOLM = ZoneInfo("Europe/Stockholm")
FALLBACK = WorkingHours(frozenset(range(5)), time(8), time(17), "Europe/Stockholm")
OTHER_HOURS = [
    WorkingHours(frozenset(range(5)), time(8), time(16, 30), "W. Europe Standard Time"),
    WorkingHours(frozenset(range(4)), time(7, 30), time(16), "W. Europe Standard Time"),
    WorkingHours(frozenset(range(5)), time(9), time(17), "FLE Standard Time"),  # Helsinki
    WorkingHours(frozenset(range(5)), time(9), time(17, 30), "GMT Standard Time"),  # London
]


def weekdays() -> list[date]:
    days = []
    day = FIRST
    while day <= LAST:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def at(day: date, minutes: int) -> datetime:
    """A Stockholm clock time, in UTC as getSchedule returns it without Prefer: outlook.timezone."""
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=STOCKHOLM)
    return local.astimezone(timezone.utc)


def calendar(rng: random.Random, days: list[date], busy_share: float) -> tuple[BusyBlock, ...]:
    blocks: list[BusyBlock] = []
    weekly = [(rng.randrange(5), rng.randrange(8 * 60, 16 * 60, 30), rng.choice((30, 60, 90))) for _ in range(rng.randint(2, 5))]
    for day in days:
        for weekday, start, length in weekly:
            if day.weekday() == weekday:
                blocks.append(BusyBlock(at(day, start), at(day, start + length), BusyStatus.BUSY))
        for _ in range(int(rng.random() * 8 * busy_share + 0.5)):
            start = rng.randrange(8 * 60, 17 * 60, 15)
            status = rng.choices(
                (BusyStatus.BUSY, BusyStatus.TENTATIVE, BusyStatus.WORKING_ELSEWHERE), (8, 2, 1)
            )[0]
            blocks.append(BusyBlock(at(day, start), at(day, start + rng.choice((30, 45, 60, 120))), status))
    for _ in range(rng.choice((0, 1, 1, 2))):  # a week or two away
        first = rng.choice(days)
        blocks.append(BusyBlock(at(first, 0), at(first + timedelta(days=rng.choice((5, 7, 14))), 0), BusyStatus.OOF))
    return tuple(blocks)


def person(rng: random.Random, pid: str, days: list[date], busy_share: float) -> Person:
    hours = rng.choice(OTHER_HOURS) if rng.random() < 0.2 else None
    return Person(pid, hours, calendar(rng, days, busy_share))


def build(employees: int, team_size: int, seed: int) -> tuple[list[Team], Rules]:
    rng = random.Random(seed)
    days = weekdays()
    teams = []
    for m in range(max(1, employees // team_size)):
        manager = person(rng, f"m{m:04d}", days, busy_share=0.6)
        staff = tuple(person(rng, f"e{m:04d}-{i:02d}", days, busy_share=0.4) for i in range(team_size))
        booked: tuple[Booking, ...] = ()
        if rng.random() < 0.1:  # a re-run: a few talks of this team already in the calendar
            day = rng.choice(days)
            booked = (Booking("someone-earlier", at(day, 10 * 60), at(day, 11 * 60)),)
        teams.append(Team(manager, staff, booked))
    rules = Rules(
        first_day=FIRST,
        last_day=LAST,
        zone="Europe/Stockholm",
        duration=timedelta(minutes=60),
        buffer=timedelta(minutes=15),
        max_per_day=3,
        fallback_hours=FALLBACK,
        closed_days=closed_days("SE", ("public", "de_facto"), FIRST - timedelta(days=1), LAST + timedelta(days=1)),
        not_before=at(FIRST, 0),
    )
    return teams, rules


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=5000)
    parser.add_argument("--team", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    built = clock.perf_counter()
    teams, rules = build(args.employees, args.team, args.seed)
    blocks = sum(len(t.manager.busy) + sum(len(e.busy) for e in t.employees) for t in teams)
    print(f"input: {len(teams)} managers, {sum(len(t.employees) for t in teams)} employees, "
          f"{blocks} busy blocks, window {FIRST} to {LAST} (built in {clock.perf_counter() - built:.1f} s)")
    started = clock.perf_counter()
    plans = plan_round(teams, rules)
    elapsed = clock.perf_counter() - started
    outcomes = [o for p in plans for o in p.outcomes]
    placed = sum(isinstance(o, Proposal) for o in outcomes)
    for plan in plans:  # sanity: the figure is worthless if the plan is wrong
        talks = sorted(plan.proposals(), key=lambda p: p.start)
        for a, b in zip(talks, talks[1:]):
            assert b.start - a.end >= rules.buffer, f"manager {plan.manager_id} double booked"
    print(f"planned {len(outcomes)} employees in {elapsed:.2f} s: {len(outcomes) / elapsed:,.0f} employees/s; "
          f"{placed} proposed, {len(outcomes) - placed} unschedulable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
