"""Calendars for synthetic people: working hours, busy blocks and weekly meetings, in the seed
format (docs/sandbox.md#working-hours-and-busy-time).

Part of the sandbox generator (:mod:`connectors.sandbox.generate`). Times are local to the
person's working time zone, written ``YYYY-MM-DDTHH:MM`` (busy) and ``HH:MM`` (weekly), and zone
names are Windows names as Outlook reports them (``W. Europe Standard Time``). Blocks cover the
campaign window plus :data:`MARGIN_DAYS` either side; long absences (parental leave, travel) may
start or end further out. Weekends and Swedish public holidays (``holidays`` package, see
docs/architecture.md#time-zones-and-holidays) get no teaching or meetings.
"""
from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import holidays

MARGIN_DAYS = 7
HOME_ZONE = "W. Europe Standard Time"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FULL_WEEK = WEEKDAYS[:5]
# Windows zone names (all present in CLDR's windowsZones.xml, i.e. tzlocal.windows_tz.win_tz).
OTHER_ZONES = ("Pacific Standard Time", "GMT Standard Time", "Eastern Standard Time",
               "China Standard Time", "FLE Standard Time", "India Standard Time")
OTHER_HOURS = ((7 * 60, 16 * 60), (9 * 60, 18 * 60), (10 * 60, 19 * 60), (7 * 60 + 30, 15 * 60 + 30),
               (6 * 60, 14 * 60), (8 * 60 + 30, 17 * 60 + 30))
PART_TIME_HOURS = ((8 * 60, 13 * 60), (9 * 60, 15 * 60), (8 * 60, 12 * 60))
TEACHING_SLOTS = ((8 * 60, 10 * 60), (10 * 60, 12 * 60), (13 * 60, 15 * 60), (15 * 60, 17 * 60))
TEACHING_KINDS = ("Föreläsning", "Övning", "Laboration", "Seminarium", "Handledning", "Lecture")
COURSE_PREFIXES = ("SF", "SI", "DD", "EH", "KD", "AK", "ME", "HS", "FYS", "MVE", "TATA")
MEETINGS = ("Möte", "Projektmöte", "Handledning", "Seminarium", "Styrgruppsmöte", "Rekryteringsgrupp",
            "Kursnämnd", "Lunchseminarium", "Avstämning", "Workshop", "Budgetmöte", "Disputation",
            "Project meeting", "1:1")
MANAGER_MEETINGS = ("Ledningsgrupp", "Budgetmöte", "Medarbetarsamtal (förra året)", "Rekrytering",
                    "Lönesamtal", "Arbetsmiljögrupp")
PERSONAL_WEEKLY = ("Seminarieserie", "Journal club", "Handledning", "Läsgrupp", "Lab meeting")
CITIES = ("Lissabon", "Bryssel", "Helsingfors", "Boston", "Berlin", "Tokyo", "Oslo", "Wien", "Umeå",
          "Göteborg", "Lund", "Zürich")
DURATIONS = (30, 45, 60, 60, 60, 90, 120)
T = TypeVar("T")
HHMM = tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60 + 1))


@dataclass(frozen=True)
class CalendarTraits:
    """What shapes one person's calendar; decided by the generator so it can list the cases."""

    teaches: bool = False
    manages: bool = False
    part_time: bool = False
    other_hours: bool = False
    other_zone: bool = False
    parental_leave: bool = False
    travel: bool = False
    fully_booked: bool = False
    team_meetings: tuple[tuple[int, int, int, str], ...] = ()  # (weekday, start, end minute, subject)


class CalendarPlanner:
    """Draws calendars for one window; shares the day tables between all people."""

    def __init__(self, window_start: datetime.date, window_end: datetime.date) -> None:
        if window_end < window_start:
            raise ValueError(f"window ends ({window_end}) before it starts ({window_start})")
        self.window_start = window_start
        self.window_end = window_end
        self.first = window_start - datetime.timedelta(days=MARGIN_DAYS)
        last = window_end + datetime.timedelta(days=MARGIN_DAYS)
        red = holidays.country_holidays("SE", years=range(self.first.year, last.year + 1))
        self.days: list[tuple[datetime.date, str]] = []  # weekdays that are not red: (date, "YYYY-MM-DDT")
        day = self.first
        while day <= last:
            if day.weekday() < 5 and day not in red:
                self.days.append((day, day.isoformat() + "T"))
            day += datetime.timedelta(days=1)
        self.week_count = (last - self.first).days // 7 + 1
        self._days_for: dict[tuple[str, ...], list[tuple[int, int, str]]] = {}

    def days_for(self, weekdays: tuple[str, ...]) -> list[tuple[int, int, str]]:
        """(week number from the first day, weekday, "YYYY-MM-DDT") of each day one works."""
        if weekdays not in self._days_for:
            wanted = {WEEKDAYS.index(d) for d in weekdays}
            self._days_for[weekdays] = [((d - self.first).days // 7, d.weekday(), prefix)
                                        for d, prefix in self.days if d.weekday() in wanted]
        return self._days_for[weekdays]

    def working_hours(self, rng: random.Random, traits: CalendarTraits) -> tuple[dict[str, Any], tuple[int, int]]:
        days: tuple[str, ...] = FULL_WEEK
        start, end = 8 * 60, _pick(rng, (17 * 60, 17 * 60, 16 * 60 + 30))
        zone = HOME_ZONE
        if traits.other_zone:
            zone = _pick(rng, OTHER_ZONES)
            start, end = 9 * 60, 17 * 60
        if traits.other_hours:
            start, end = _pick(rng, OTHER_HOURS)
        if traits.part_time:
            if rng.random() < 0.5:
                days = FULL_WEEK[:4]
            else:
                start, end = _pick(rng, PART_TIME_HOURS)
        hours = {"daysOfWeek": list(days), "startTime": HHMM[start], "endTime": HHMM[end], "timeZone": zone}
        return hours, (start, end)

    def calendar(self, rng: random.Random, traits: CalendarTraits) -> dict[str, Any]:
        """``workingHours``, ``busy`` and ``weekly`` for one person."""
        hours, (start, end) = self.working_hours(rng, traits)
        weekdays = tuple(hours["daysOfWeek"])
        days = self.days_for(weekdays)
        busy: list[dict[str, Any]] = []
        if traits.fully_booked:
            for _, _, prefix in days:
                busy.append(_block(prefix + HHMM[start], prefix + HHMM[end], "busy", "Upptagen"))
        else:
            if traits.teaches:
                self._teaching(rng, days, start, end, busy)
            self._meetings(rng, days, start, end, traits.manages, busy)
        if traits.travel:
            self._travel(rng, busy)
        if traits.parental_leave:
            self._parental_leave(rng, busy)
        busy.sort(key=lambda b: (b["start"], b["end"]))
        return {"workingHours": hours, "busy": busy, "weekly": self._weekly(rng, traits, weekdays, start, end)}

    def _weekly(self, rng: random.Random, traits: CalendarTraits, weekdays: tuple[str, ...],
                start: int, end: int) -> list[dict[str, Any]]:
        weekly: list[dict[str, Any]] = []
        if not traits.other_zone:  # team meetings are set in Swedish time
            for weekday, m_start, m_end, subject in traits.team_meetings:
                if WEEKDAYS[weekday] in weekdays and start <= m_start and m_end <= end:
                    weekly.append(_weekly(WEEKDAYS[weekday], m_start, m_end, "busy", subject))
        if rng.random() < 0.25:
            m_start = rng.randrange(start, max(start + 1, end - 60), 30)
            weekly.append(_weekly(_pick(rng, weekdays), m_start, min(m_start + 60, end),
                                  _pick(rng, ("busy", "busy", "tentative")), _pick(rng, PERSONAL_WEEKLY)))
        if rng.random() < 0.12:
            weekly.append(_weekly(_pick(rng, weekdays), start, end, "workingElsewhere", "Arbetar hemifrån"))
        return weekly

    def _teaching(self, rng: random.Random, days: list[tuple[int, int, str]], start: int, end: int,
                  busy: list[dict[str, Any]]) -> None:
        slots = [s for s in TEACHING_SLOTS if start <= s[0] and s[1] <= end]
        if not slots or not days:
            return
        course = f"{_pick(rng, COURSE_PREFIXES)}{rng.randrange(1000, 3000)}"
        period_weeks = rng.randint(2, 7)
        first_week = rng.randrange(max(1, self.week_count - period_weeks + 1))
        lessons: dict[tuple[int, tuple[int, int]], str] = {}  # (weekday, slot) -> kind, drawn in order
        for _ in range(rng.randint(1, 4)):
            lessons[(rng.randrange(5), _pick(rng, slots))] = _pick(rng, TEACHING_KINDS)
        for week, weekday, prefix in days:
            if first_week <= week < first_week + period_weeks:
                for (lesson_day, (s, e)), kind in lessons.items():
                    if lesson_day == weekday:
                        busy.append(_block(prefix + HHMM[s], prefix + HHMM[e], "busy", f"{kind} {course}"))
        if rng.random() < 0.15:  # an exam day: a morning of invigilation
            prefix = _pick(rng, days)[2]
            busy.append(_block(prefix + HHMM[max(start, 8 * 60)], prefix + HHMM[min(end, 13 * 60)],
                               "busy", f"Tentamen {course}"))

    def _meetings(self, rng: random.Random, days: list[tuple[int, int, str]], start: int, end: int,
                  manages: bool, busy: list[dict[str, Any]]) -> None:
        """Ad-hoc meetings on about 25 % of days (45 % for managers), some days two."""
        rate = 0.45 if manages else 0.25
        span = end - start
        random_ = rng.random
        wanted = min(len(days), int(len(days) * rate * (0.5 + random_()) + 0.5))
        for index in rng.sample(range(len(days)), wanted):
            prefix = days[index][2]
            for _ in range(2 if random_() < 0.15 else 1):
                length = min(_pick(rng, DURATIONS), span)
                m_start = start + 15 * int(random_() * ((span - length) // 15 + 1))
                subject = _pick(rng, MANAGER_MEETINGS if manages and random_() < 0.3 else MEETINGS)
                show_as = "tentative" if random_() < 0.15 else "busy"
                busy.append(_block(prefix + HHMM[m_start], prefix + HHMM[m_start + length], show_as, subject))

    def _travel(self, rng: random.Random, busy: list[dict[str, Any]]) -> None:
        window_days = (self.window_end - self.window_start).days
        for _ in range(rng.randint(1, 2)):
            first = self.window_start + datetime.timedelta(days=rng.randint(-3, max(0, window_days - 1)))
            last = first + datetime.timedelta(days=rng.randint(2, 5))
            busy.append(_block(first.isoformat() + "T00:00", last.isoformat() + "T00:00", "oof",
                               f"Tjänsteresa: konferens i {_pick(rng, CITIES)}"))

    def _parental_leave(self, rng: random.Random, busy: list[dict[str, Any]]) -> None:
        window_days = (self.window_end - self.window_start).days
        first = self.window_start + datetime.timedelta(days=rng.randint(-60, max(0, window_days - 7)))
        last = first + datetime.timedelta(weeks=rng.randint(3, 16))
        if last <= self.window_start:  # make sure the leave reaches into the window
            last = self.window_start + datetime.timedelta(days=7)
        busy.append(_block(first.isoformat() + "T00:00", last.isoformat() + "T00:00", "oof", "Föräldraledig"))


def _pick(rng: random.Random, seq: Sequence[T]) -> T:
    """``rng.choice`` without its overhead: these run hundreds of thousands of times."""
    return seq[int(rng.random() * len(seq))]


def _weekly(day: str, start: int, end: int, show_as: str, subject: str) -> dict[str, Any]:
    return {"day": day, "start": HHMM[start], "end": HHMM[end], "showAs": show_as, "subject": subject}


def _block(start: str, end: str, show_as: str, subject: str) -> dict[str, Any]:
    return {"start": start, "end": end, "showAs": show_as, "subject": subject}
