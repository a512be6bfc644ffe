"""The slot search (docs/architecture.md#pluginscheduling): a manager's whole team at once, most
constrained employee first.

For each team the manager's free time is computed once: working hours in the window minus busy
time, minus every booked talk widened by the buffer, minus days already holding the maximum number
of talks. Employees are then placed one by one, the one with the fewest feasible slots first (ties
by id, so the output is deterministic). To spread the talks, the window is divided into evenly
spaced target moments, one per talk; booked talks claim the targets nearest them, and each employee
takes the free target whose nearest common slot is closest. Every placement shrinks the manager's
free time (talk plus buffer, and the whole day once it is full), so a manager is never double
booked. Across teams, a proposed talk also blocks the employee and the manager wherever else they
appear (a manager who is someone's report).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from plugin.scheduling.availability import (
    day_bounds,
    free_intervals,
    local_date,
    window_bounds,
    working_intervals,
    zone_info,
)
from plugin.scheduling.intervals import (
    Interval,
    at_least,
    intersect,
    merge,
    minute_ceil,
    minute_floor,
    nearest_start,
    slot_count,
    subtract,
    to_datetime,
)
from plugin.scheduling.model import (
    Booking,
    BusyBlock,
    Outcome,
    Person,
    Proposal,
    Rules,
    Team,
    TeamPlan,
    Unschedulable,
)

ExtraBusy = dict[str, list[Interval]]


def plan_round(teams: Iterable[Team], rules: Rules) -> tuple[TeamPlan, ...]:
    """Plan every team, in order of manager id; proposals block their people across teams."""
    extra: ExtraBusy = defaultdict(list)
    plans = []
    for team in sorted(teams, key=lambda t: t.manager.id):
        plans.append(plan_team(team, rules, extra))
    return tuple(plans)


def plan_team(team: Team, rules: Rules, extra: ExtraBusy | None = None) -> TeamPlan:
    """Place every employee of ``team``; ``extra`` (person id → busy minutes) is read and extended."""
    extra = defaultdict(list) if extra is None else extra
    state = _ManagerState.start(team.manager, team.booked, rules, extra)
    durations = _minutes(rules.duration)
    step = _minutes(rules.step)
    prepared = []
    for employee in team.employees:
        free = free_intervals(employee, rules, extra.get(employee.id), durations)
        common = intersect(state.free, free)
        prepared.append((slot_count(common, durations, step), employee.id, employee, free, common))
    prepared.sort(key=lambda item: (item[0], item[1]))
    targets = _targets(state.free, len(team.employees) + len(team.booked), rules)
    for booking in sorted(team.booked, key=lambda b: (b.start, b.employee_id)):
        _claim_nearest(targets, minute_floor(booking.start))
    outcomes: list[Outcome] = []
    for _, _, employee, free, common in prepared:
        outcome = _place(employee, free, common, state, targets, rules)
        if isinstance(outcome, Proposal):
            minutes = (minute_floor(outcome.start), minute_floor(outcome.end))
            extra[employee.id].append(minutes)
            extra[team.manager.id].append(minutes)
        outcomes.append(outcome)
    return TeamPlan(team.manager.id, tuple(outcomes))


def propose_new_time(
    rules: Rules,
    manager: Person,
    employee: Person,
    declined: Booking,
    others: tuple[Booking, ...] = (),
) -> Outcome:
    """A new time for a declined talk, near the old one but not on the declined day when avoidable.

    ``others`` are the manager's other booked talks (they stay put, count for their day and need
    the buffer); the declined talk itself is not among them.
    """
    others = tuple(b for b in others if b.employee_id != employee.id)
    tz = zone_info((employee.working_hours or rules.fallback_hours).zone)
    declined_slot = (minute_floor(declined.start), minute_ceil(declined.end))
    declined_day = day_bounds(local_date(declined_slot[0], tz), tz)
    outcome: Outcome | None = None
    for avoid in (declined_day, declined_slot):
        extra: ExtraBusy = defaultdict(list, {employee.id: [avoid]})
        state = _ManagerState.start(manager, others, rules, extra)
        free = free_intervals(employee, rules, extra[employee.id], state.duration)
        outcome = _place(employee, free, intersect(state.free, free), state, [declined_slot[0]], rules)
        if isinstance(outcome, Proposal):
            return outcome
    assert outcome is not None
    return outcome


def find_conflict(booking: Booking, manager: Person, employee: Person) -> tuple[str, BusyBlock] | None:
    """The first blocking busy item of either person that overlaps ``booking``, other than the
    talk itself, as ``(person id, BusyBlock)``; ``None`` when the talk is not in conflict.

    getSchedule items carry no event id, so an item with exactly the talk's start and end is
    taken to be the talk (once per person); when both sides know the event id, it decides.
    """
    for person in (manager, employee):
        itself_seen = False
        for block in sorted(person.busy, key=lambda b: (b.start, b.end)):
            if not block.status.blocks or block.end <= booking.start or block.start >= booking.end:
                continue
            if block.event_id is not None and booking.event_id is not None:
                if block.event_id == booking.event_id:
                    continue
            elif not itself_seen and block.start == booking.start and block.end == booking.end:
                itself_seen = True
                continue
            return person.id, block
    return None


def is_in_conflict(booking: Booking, manager: Person, employee: Person) -> bool:
    return find_conflict(booking, manager, employee) is not None


# -- internals ---------------------------------------------------------------------------------


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


@dataclass
class _ManagerState:
    """The manager's free minutes and talks per local day, updated as talks are placed.

    ``free`` is the free time when the team's planning started; ``taken`` (merged) is what placed
    talks have used since (talk plus buffer, full days), so the time left in common with an
    employee is their initial common time minus ``taken``: a short list, not the whole calendar.
    """

    person: Person
    tz: tzinfo
    raw_free: list[Interval]  # before talks and full days: to explain an unschedulable case
    free: list[Interval]
    taken: list[Interval]
    per_day: Counter[date]
    buffer: int
    duration: int
    max_per_day: int

    @classmethod
    def start(cls, manager: Person, booked: Iterable[Booking], rules: Rules, extra: ExtraBusy) -> _ManagerState:
        tz = zone_info((manager.working_hours or rules.fallback_hours).zone)
        raw = free_intervals(manager, rules, extra.get(manager.id), _minutes(rules.duration))
        state = cls(manager, tz, raw, raw, [], Counter(), _minutes(rules.buffer), _minutes(rules.duration), rules.max_per_day)
        talks = [(minute_floor(b.start), minute_ceil(b.end)) for b in booked]
        state.free = at_least(subtract(raw, merge((s - state.buffer, e + state.buffer) for s, e in talks)), state.duration)
        for start, _ in talks:
            state.per_day[local_date(start, tz)] += 1
        full = [day_bounds(d, tz) for d, n in state.per_day.items() if n >= state.max_per_day]
        if full:
            state.free = subtract(state.free, merge(full))
        return state

    def book(self, start: int) -> None:
        end = start + self.duration
        used = [(start - self.buffer, end + self.buffer)]
        day = local_date(start, self.tz)
        self.per_day[day] += 1
        if self.per_day[day] >= self.max_per_day:
            used.append(day_bounds(day, self.tz))
        self.taken = merge([*self.taken, *used])


def _targets(free: list[Interval], count: int, rules: Rules) -> list[int]:
    """``count`` target moments: evenly spaced over the manager's free time (nights and busy time
    do not count, so targets fall in working hours), or all at its start for ``early``."""
    if not free or count == 0:
        return []
    if rules.spread == "early":
        return [free[0][0]] * count
    total = sum(end - start for start, end in free)
    marks = [(2 * i + 1) * total // (2 * count) for i in range(count)]
    targets: list[int] = []
    passed = 0  # free minutes before the current interval
    index = 0
    for start, end in free:
        length = end - start
        while index < count and marks[index] < passed + length:
            targets.append(start + marks[index] - passed)
            index += 1
        passed += length
    return targets


def _claim_nearest(targets: list[int], moment: int) -> None:
    if targets:
        targets.pop(min(range(len(targets)), key=lambda i: (abs(targets[i] - moment), i)))


def _place(
    employee: Person,
    free: list[Interval],
    common: list[Interval],
    state: _ManagerState,
    targets: list[int],
    rules: Rules,
) -> Outcome:
    """Book the employee at the best target; ``common`` is their free time shared with the
    manager when planning started (``state.taken`` is removed here)."""
    duration = state.duration
    step = _minutes(rules.step)
    common = subtract(common, state.taken)
    best: tuple[int, int, int] | None = None  # (distance, start, target index)
    for index, target in enumerate(targets):
        start = nearest_start(common, target, duration, step)
        if start is None:
            break  # no slot at all: the same for every target
        candidate = (abs(start - target), start, index)
        if best is None or candidate < best:
            best = candidate
    if best is None:
        return Unschedulable(employee.id, _reason(employee, free, state, rules))
    _, start, index = best
    targets.pop(index)
    state.book(start)
    return Proposal(employee.id, to_datetime(start), to_datetime(start + duration))


def _reason(employee: Person, free: list[Interval], state: _ManagerState, rules: Rules) -> str:
    lo, hi = window_bounds(rules)
    span = f"between {_day_text(lo, rules)} and {rules.last_day.isoformat()}"
    duration = state.duration
    step = _minutes(rules.step)
    if lo >= hi:
        return f"the window is over: nothing can be booked after {rules.last_day.isoformat()}"
    hours = employee.working_hours or rules.fallback_hours
    if not working_intervals(hours, rules):
        return f"no working hours of the employee {span}"
    if slot_count(free, duration, step) == 0:
        return f"the employee has no free {duration}-minute slot within working hours {span}"
    if slot_count(state.raw_free, duration, step) == 0:
        return f"the manager has no free {duration}-minute slot within working hours {span}"
    if slot_count(intersect(state.raw_free, free), duration, step) == 0:
        return f"no common free time {span} within working hours"
    return (
        f"the common free time {span} is taken by the manager's other talks "
        f"(with {_minutes(rules.buffer)} minutes between talks, at most {rules.max_per_day} a day)"
    )


def _day_text(minute: int, rules: Rules) -> str:
    day = local_date(minute, zone_info(rules.zone))
    return max(day, rules.first_day).isoformat()
