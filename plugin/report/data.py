"""What the HR overview shows, worked out from the records alone (no I/O, no plotting).

What the records can tell, and what they cannot: a record keeps its current status, when its
talk was (``MeetingStart``/``MeetingEnd``) and when it was filed (``FiledAt``). So progress over
time is drawn from meetings that have ended and forms that were filed; when a talk was booked,
declined or found unschedulable is not recorded, only that it is so now.

Privacy: competence-need themes are counts, never next to a name; a theme one person wrote is
not shown (it is that person's own text), only how many there are. A department with fewer than
``min_group_size`` people is not shown on its own anywhere: it is merged into "other", and when
"other" is itself that small it is left out of the per-department views (its people still count
in the organisation's totals).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from plugin.overview.themes import Theme, group
from plugin.printable import printable
from plugin.records import Record, Status
from plugin.report.reasons import NO_REASON

ORDER: tuple[Status, ...] = (Status.FILED, Status.HELD, Status.SCHEDULED, Status.DECLINED,
                             Status.UNSCHEDULABLE, Status.FAILED, Status.EXCLUDED)
OTHER = "\x00other"  # the merged group's key; the page names it in its language
NO_DEPARTMENT = "\x00none"  # people without a department; likewise
_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
_MAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")


@dataclass(frozen=True)
class Case:
    status: Status
    employee: str
    manager: str
    department: str
    reason: str


@dataclass(frozen=True)
class ReportData:
    campaign_id: str
    title: str
    now: datetime
    window: tuple[date, date]
    min_group_size: int
    total: int
    by_status: tuple[tuple[Status, int], ...]
    departments: tuple[tuple[str, tuple[int, ...]], ...]  # label (or OTHER) -> counts in ORDER
    departments_hidden: int  # people in departments too small to show, even merged
    progress: tuple[tuple[date, int, int], ...]  # day, talks held so far, forms filed so far
    in_round: int  # records not excluded: what progress is measured against
    weeks: tuple[tuple[date, int], ...]  # Monday of the week, talks that week
    reasons: tuple[tuple[Status, str, int], ...]  # unschedulable / failed: reason, how many
    cases: tuple[Case, ...]
    themes: tuple[Theme, ...]  # named by at least two people, most named first
    themes_once: int  # needs one person named (not shown)
    department_themes: tuple[tuple[str, tuple[Theme, ...]], ...]


def general_reason(note: str) -> str:
    """A reason with ids and addresses taken out, so that equal reasons are counted together."""
    text = _MAIL.sub("…", _ID.sub("…", note or "")).strip()
    return text or NO_REASON


def _groups(sizes: Counter[str], minimum: int) -> tuple[dict[str, str], int]:
    """department -> shown label (itself or OTHER); and how many people are in none shown."""
    small = {d for d, n in sizes.items() if n < minimum}
    label = {d: (OTHER if d in small else d) for d in sizes}
    other = sum(sizes[d] for d in small)
    if 0 < other < minimum:
        label = {d: lab for d, lab in label.items() if lab != OTHER}
        return label, other
    return label, 0


def build(records: Sequence[Record], *, campaign_id: str, title: str, now: datetime,
          window: tuple[date, date], zone: ZoneInfo, min_group_size: int = 5,
          top: int = 15) -> ReportData:
    if min_group_size < 2:
        raise ValueError("min_group_size must be at least 2")
    status_count = Counter(r.status for r in records)
    # Grouped by the name as shown (control characters out), which can never be OTHER's key.
    dept_of = {r.key: (" ".join(printable(r.department).split()) or NO_DEPARTMENT) for r in records}

    sizes = Counter(dept_of.values())
    label, hidden = _groups(sizes, min_group_size)
    dept_counts: dict[str, Counter[Status]] = defaultdict(Counter)
    for r in records:
        shown = label.get(dept_of[r.key])
        if shown is not None:
            dept_counts[shown][r.status] += 1
    departments = tuple(sorted(((d, tuple(c.get(s, 0) for s in ORDER)) for d, c in dept_counts.items()),
                               key=lambda x: (x[0] == OTHER, x[0].casefold())))

    in_round = [r for r in records if r.status is not Status.EXCLUDED]
    today = now.astimezone(zone).date()
    held_days = sorted(r.meeting_end.astimezone(zone).date() for r in in_round
                       if r.meeting_end and r.meeting_end <= now
                       and r.status in (Status.HELD, Status.FILED))
    filed_days = sorted(r.filed_at.astimezone(zone).date() for r in in_round
                        if r.filed_at and r.status is Status.FILED)
    first = min([window[0], *held_days, *filed_days])
    last = max([min(today, window[1] + timedelta(days=14)), *held_days, *filed_days])
    progress = []
    day = first
    while day <= last:
        progress.append((day, sum(d <= day for d in held_days), sum(d <= day for d in filed_days)))
        day += timedelta(days=1)

    week_count: Counter[date] = Counter()
    for r in in_round:
        if r.meeting_start and r.status is not Status.UNSCHEDULABLE:
            local = r.meeting_start.astimezone(zone).date()
            week_count[local - timedelta(days=local.weekday())] += 1
    monday = window[0] - timedelta(days=window[0].weekday())
    weeks_span = [monday + timedelta(weeks=i) for i in range((window[1] - monday).days // 7 + 1)]
    weeks = tuple((w, week_count.get(w, 0)) for w in sorted(set(weeks_span) | set(week_count)))

    problems = [r for r in records if r.status in (Status.UNSCHEDULABLE, Status.FAILED)]
    reason_count = Counter((r.status, general_reason(r.note)) for r in problems)
    reasons = tuple(sorted(((s, why, n) for (s, why), n in reason_count.items()),
                           key=lambda x: (-x[2], x[0].value, x[1])))
    cases = tuple(sorted((Case(r.status, r.employee_name, r.manager_name or r.manager_email,
                               dept_of[r.key], general_reason(r.note)) for r in problems),
                         key=lambda c: (c.status.value, c.department, c.manager, c.employee)))

    needs = [(dept_of[r.key], str(r.form.get("competence_needs") or "")) for r in records
             if r.status is Status.FILED and str(r.form.get("competence_needs") or "").strip()]
    all_themes = group(text for _, text in needs)
    themes = tuple(t for t in all_themes if t.people >= 2)[:top]
    writers = Counter(d for d, _ in needs)
    theme_label, _ = _groups(writers, min_group_size)
    by_group: dict[str, list[str]] = defaultdict(list)
    for d, text in needs:
        if d in theme_label:
            by_group[theme_label[d]].append(text)
    department_themes = tuple(
        (g, tuple(t for t in group(texts) if t.people >= 2)[:5])
        for g, texts in sorted(by_group.items(), key=lambda x: (x[0] == OTHER, x[0].casefold())))

    return ReportData(
        campaign_id=campaign_id, title=title, now=now, window=window,
        min_group_size=min_group_size, total=len(records),
        by_status=tuple((s, status_count.get(s, 0)) for s in ORDER),
        departments=departments, departments_hidden=hidden, progress=tuple(progress),
        in_round=len(in_round), weeks=weeks, reasons=reasons, cases=cases, themes=themes,
        themes_once=sum(1 for t in all_themes if t.people < 2), department_themes=department_themes)
