"""What reminder is due, when, to whom (README.md#reminders): pure functions of the records, the
settings and the moment, no I/O, so that every rule is tested with a made-up ``now``.

Every message has a key, which is also the tag it carries in the sender's mailbox (the tag is
how a message is sent exactly once: :mod:`plugin.reminders`):

- ``rem:{campaign}:{employee id}:prepare:{booked start}``: to the employee, from
  ``prepare_days_before`` days before the talk until it starts; once per booking (the booked
  start, in UTC, is part of the key, so a talk moved later may get one more);
- ``rem:{campaign}:{employee id}:confirm-{employee|manager}:{n}``: round ``n`` (1 ..
  ``max_per_talk``) of confirm reminders, due ``confirm_after_days`` after the talk ended and then
  every ``repeat_days``, to each side whose confirmation the form still lacks (as the record's
  note says it: :attr:`plugin.records.Record.waiting_for`, written when the pass read the form);
- ``rem:{campaign}:manager:{manager id}:{ISO week}``: one manager's weekly digest, due from the
  digest weekday to the end of that week, only when something of theirs needs them;
- ``rem:{campaign}:hr:{ISO week}``: HR's weekly digest, due likewise.

A talk's record keeps ``RemindersSent`` and ``LastReminderAt``, written once every reminder due
for the talk in a pass is done: a reminder whose due moment is not after ``LastReminderAt`` was
sent (or, for an older round, skipped because no pass ran in it), so the pass looks in the
mailbox only for what the record does not know of yet.

Nothing is sent outside the sending hours (``reminders.hours``, on working days less public
holidays, in the campaign's zone): :func:`in_hours`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from plugin.records import Record, Status
from plugin.scheduling.holidays import closed_days
from plugin.settings import Settings

Kind = Literal["prepare", "confirm", "manager_digest", "hr_digest"]
Side = Literal["employee", "manager"]
PREFIX = "rem:"


@dataclass(frozen=True)
class Due:
    """One talk reminder that is due: its key (the message's tag), kind, who gets it, and the
    moment it became due (compared with the record's ``LastReminderAt``)."""

    key: str
    kind: Kind
    record_key: str
    to: Side
    since: datetime
    round: int = 0  # confirm: which round (1 ..)


def in_hours(settings: Settings, now: datetime) -> bool:
    """Whether ``now`` is inside the sending hours: a working day (``working_hours.days``, not a
    public holiday of ``holidays``), from ``reminders.hours.start`` to ``.end``, in the
    campaign's zone."""
    r, zone = settings.reminders, settings.meetings.zone.tzinfo
    local = now.astimezone(zone)
    if local.weekday() not in settings.working_hours.days:
        return False
    if local.date() in closed_days(settings.holidays.country, settings.holidays.categories,
                                   local.date(), local.date()):
        return False
    return r.hours_start <= local.time().replace(tzinfo=None) < r.hours_end


def iso_week(now: datetime, settings: Settings) -> str:
    """``2027-W07``: the ISO week of ``now`` in the campaign's zone."""
    year, week, _ = now.astimezone(settings.meetings.zone.tzinfo).isocalendar()
    return f"{year}-W{week:02d}"


def digest_due(settings: Settings, now: datetime) -> bool:
    """Whether this week's digests are due: on or after the digest weekday, in the campaign's
    zone (a week whose digest day passed without a pass in hours gets it on a later day)."""
    return now.astimezone(settings.meetings.zone.tzinfo).weekday() >= settings.reminders.digest_day


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%MZ")


def prepare_key(record: Record) -> str:
    assert record.meeting_start is not None
    return f"{PREFIX}{record.key}:prepare:{_stamp(record.meeting_start)}"


def confirm_key(record: Record, side: Side, round_: int) -> str:
    return f"{PREFIX}{record.key}:confirm-{side}:{round_}"


def manager_digest_key(campaign: str, manager_id: str, week: str) -> str:
    return f"{PREFIX}{campaign}:manager:{manager_id.lower()}:{week}"


def hr_digest_key(campaign: str, week: str) -> str:
    return f"{PREFIX}{campaign}:hr:{week}"


def missing_sides(record: Record) -> tuple[Side, ...]:
    """Whose confirmation the talk's form lacks, as the record's note says it; nothing when the
    note does not say (the form not read yet, or held for review: a person looks at it)."""
    waiting = record.waiting_for
    sides: list[Side] = []
    if "the employee's" in waiting:
        sides.append("employee")
    if "the manager's" in waiting:
        sides.append("manager")
    return tuple(sides)


def _known(record: Record, since: datetime) -> bool:
    """The record says a reminder due at ``since`` is done: one went out at or after it."""
    return record.last_reminder_at is not None and record.last_reminder_at >= since


def prepare_due(record: Record, settings: Settings, now: datetime) -> Due | None:
    """The prepare reminder of ``record``'s talk, when it is due now and the record does not
    know it was sent: the talk is booked (``scheduled``), starts within ``prepare_days_before``
    days, has not started, and has its folder."""
    start = record.meeting_start
    if record.status is not Status.SCHEDULED or start is None or not record.event_id or not record.folder_url:
        return None
    since = start - timedelta(days=settings.reminders.prepare_days_before)
    if not since <= now < start or _known(record, since):
        return None
    return Due(prepare_key(record), "prepare", record.key, "employee", since)


def confirm_round(record: Record, settings: Settings, now: datetime) -> tuple[int, datetime] | None:
    """The confirm round due now for ``record``'s talk and the moment it became due: round 1 at
    the meeting's end plus ``confirm_after_days``, then one every ``repeat_days``; the last is
    round ``max_per_talk``. None before the first, or when no round is allowed."""
    r = settings.reminders
    if record.meeting_end is None or r.max_per_talk < 1:
        return None
    first = record.meeting_end + timedelta(days=r.confirm_after_days)
    if now < first:
        return None
    n = min(r.max_per_talk, (now - first) // timedelta(days=r.repeat_days) + 1)
    return n, first + (n - 1) * timedelta(days=r.repeat_days)


def confirm_due(record: Record, settings: Settings, now: datetime) -> list[Due]:
    """The confirm reminders due now for ``record``'s talk: held, not filed, its form read and
    lacking a confirmation, the round due and not known to the record as sent."""
    if record.status is not Status.HELD or record.held_for_review:
        return []
    sides = missing_sides(record)
    due = confirm_round(record, settings, now)
    if not sides or due is None:
        return []
    n, since = due
    if _known(record, since):
        return []
    return [Due(confirm_key(record, side, n), "confirm", record.key, side, since, n) for side in sides]


def talk_reminders_due(records: Iterable[Record], settings: Settings, now: datetime) -> list[Due]:
    """Every talk reminder due now for ``records`` (the talks of people in the round), prepare
    reminders first, in a stable order."""
    out: list[Due] = []
    for record in sorted(records, key=lambda r: r.key):
        prepare = prepare_due(record, settings, now)
        if prepare is not None:
            out.append(prepare)
        out.extend(confirm_due(record, settings, now))
    return sorted(out, key=lambda d: (d.kind != "prepare", d.key))


def after_sending(record: Record, done: int, now: datetime) -> Record:
    """``record`` once all ``done`` reminders due for its talk this pass went out (or were found
    already sent: a pass that stopped before writing the record): the count grows by them and
    ``LastReminderAt`` is ``now``. A talk with a reminder left (the sending limit, a passing
    failure) keeps its record as it was, and the next pass looks its keys up again."""
    return record.with_changes(reminders_sent=record.reminders_sent + done, last_reminder_at=now)


def week_start(now: datetime, settings: Settings) -> date:
    """The Monday of ``now``'s week, in the campaign's zone."""
    local = now.astimezone(settings.meetings.zone.tzinfo).date()
    return local - timedelta(days=local.weekday())


@dataclass
class Tally:
    """What the reminders stage of one pass did (or, in a dry run, would do), for the pass report.

    ``due`` counts the messages due this pass, by kind; ``sent`` those that went out now;
    ``found`` those a mailbox already held as sent (an earlier pass stopped before writing its
    record); ``left`` those left for a later pass by Exchange's sending limit or a passing
    failure; ``problems`` one line per message that cannot be sent as it is."""

    due: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    found: int = 0
    left: int = 0
    outside_hours: bool = False
    limit_reached: str = ""  # what the connector said when today's sending budget was spent
    problems: list[str] = field(default_factory=list)

    @property
    def total_due(self) -> int:
        return sum(self.due.values())
