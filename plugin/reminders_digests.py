"""What the weekly digests say (README.md#reminders), worked out from the records alone (no I/O).

- A manager's digest lists the talks of their own people that need them: not booked or failed
  (with the reason the record gives), held but not documented (whose confirmation is missing),
  and declined ones waiting for a new time. A manager with none of these gets no digest.
- HR's digest counts the talks by status and by department, departments with fewer than
  ``report.min_group_size`` people merged as ``samtal report`` merges them
  (:func:`plugin.report.data.build`), and lists the talks that need a person.

Names, times, reasons and links only: never a form field, a health note or feedback (the
records hold no health notes or feedback; the filed fields are not read here).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from plugin.records import Record, Status
from plugin.reminders_due import Side, missing_sides
from plugin.report.data import ORDER, build, general_reason
from plugin.settings import Settings

#: At most this many talks are listed by name in one digest; the rest are counted.
LISTED = 50


@dataclass(frozen=True)
class Stuck:
    """A talk that needs a person: who, its status, and why (from the record's note)."""

    employee: str
    manager: str
    status: Status
    reason: str


@dataclass(frozen=True)
class Undocumented:
    employee: str
    start: datetime | None
    missing: tuple[Side, ...]  # whose confirmation the form lacks; () when not known
    link: str


@dataclass(frozen=True)
class ManagerDigest:
    manager_id: str
    manager_name: str
    manager_email: str
    stuck: tuple[Stuck, ...]
    undocumented: tuple[Undocumented, ...]
    declined: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.stuck) + len(self.undocumented) + len(self.declined)


@dataclass(frozen=True)
class HrDigest:
    title: str
    total: int
    by_status: tuple[tuple[Status, int], ...]
    departments: tuple[tuple[str, tuple[int, ...]], ...]  # label (or report.data.OTHER) -> counts in ORDER
    departments_hidden: int
    needs: tuple[Stuck, ...]
    list_url: str
    config_name: str


def _undocumented(record: Record, settings: Settings, now: datetime) -> bool:
    """Held, not filed, and its meeting ended ``confirm_after_days`` ago or more."""
    wait = timedelta(days=settings.reminders.confirm_after_days)
    return (record.status is Status.HELD and record.meeting_end is not None
            and record.meeting_end + wait <= now)


def _stuck(record: Record) -> Stuck:
    return Stuck(record.employee_name, record.manager_name or record.manager_email, record.status,
                 general_reason(record.note) if record.note else "")


def manager_digests(records: Iterable[Record], settings: Settings, now: datetime) -> list[ManagerDigest]:
    """One digest per manager with something that needs them, from the records of the talks of
    people in the round (each record names the talk's current manager)."""
    mine: dict[str, list[Record]] = {}
    for record in records:
        if record.manager_id and record.manager_email:
            mine.setdefault(record.manager_id.lower(), []).append(record)
    out = []
    for manager_id, talks in sorted(mine.items()):
        talks.sort(key=lambda r: (r.employee_name.casefold(), r.key))
        stuck = tuple(_stuck(r) for r in talks if r.status in (Status.UNSCHEDULABLE, Status.FAILED))
        undocumented = tuple(
            Undocumented(r.employee_name, r.meeting_start, missing_sides(r), r.document_url or r.folder_url)
            for r in talks if _undocumented(r, settings, now))
        declined = tuple(r.employee_name for r in talks if r.status is Status.DECLINED)
        first = talks[0]
        digest = ManagerDigest(manager_id, first.manager_name, first.manager_email, stuck, undocumented, declined)
        if digest.count:
            out.append(digest)
    return out


def needs_a_person(records: Iterable[Record], settings: Settings, now: datetime) -> list[Stuck]:
    """The talks HR's digest lists: not booked, failed, declined, held for review, or held and
    not documented."""
    out = []
    for r in records:
        if r.status in (Status.UNSCHEDULABLE, Status.FAILED, Status.DECLINED) or r.held_for_review \
                or _undocumented(r, settings, now):
            out.append(_stuck(r))
    return sorted(out, key=lambda s: (s.status.value, s.manager.casefold(), s.employee.casefold()))


def hr_digest(records: Sequence[Record], settings: Settings, now: datetime, list_url: str) -> HrDigest:
    """HR's weekly digest of all the campaign's records (``excluded`` ones counted too)."""
    c = settings.campaign
    data = build(records, campaign_id=c.id, title=c.title, now=now, window=(c.window.start, c.window.end),
                 zone=settings.meetings.zone.tzinfo, min_group_size=settings.report.min_group_size)
    return HrDigest(c.title, data.total, data.by_status, data.departments, data.departments_hidden,
                    tuple(needs_a_person((r for r in records if r.status is not Status.EXCLUDED), settings, now)),
                    list_url, settings.source.name)


__all__ = ["HrDigest", "LISTED", "ManagerDigest", "ORDER", "Stuck", "Undocumented", "hr_digest",
           "manager_digests", "needs_a_person"]
