"""How a pass's reminders are told (``samtal run`` and ``samtal plan``): what went out, what was
left for a later pass and why, and for a plan how long sending takes at Exchange's limits."""
from __future__ import annotations

from datetime import timedelta

from connectors.graph.mail_limits import SendingLimits, estimate
from plugin.reminders_due import Tally
from plugin.settings_sections import RemindersSettings

_KINDS = (("prepare", "prepare"), ("confirm", "confirm"), ("manager_digest", "manager digest"),
          ("hr_digest", "HR digest"))


def _kinds(tally: Tally) -> str:
    parts = [f"{tally.due[k]} {name}" for k, name in _KINDS if tally.due.get(k)]
    return f" ({', '.join(parts)})" if parts else ""


def _duration(span: timedelta) -> str:
    minutes = round(span.total_seconds() / 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 120:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    return f"about {minutes / 60:.1f} hours"


def reminder_lines(tally: Tally | None, settings: RemindersSettings, *, dry_run: bool = False,
                   limits: SendingLimits = SendingLimits()) -> list[str]:
    """The summary's lines about reminders; none when reminders are off."""
    if tally is None:
        return []
    hours = f"{settings.hours_start:%H:%M}-{settings.hours_end:%H:%M} on working days"
    due = tally.total_due
    if due == 0:
        return ["reminders: none due"]
    if tally.outside_hours:
        return [f"reminders: {due} due{_kinds(tally)}, none sent: outside the sending hours ({hours}); "
                "the next run within them sends them"]
    if dry_run:
        guess = estimate(due, limits)
        line = (f"reminders this plan would send: {due}{_kinds(tally)} from {settings.sender}, "
                f"taking {_duration(guess.duration)} at Exchange's limits ({limits.messages_per_minute} "
                f"messages a minute, {limits.recipients_per_day:,} recipients a day)")
        if guess.left_for_later:
            line += f"; {guess.left_for_later} would wait for the next day"
        return [line]
    lines = [f"reminders: {tally.sent} sent{_kinds(tally)}" +
             (f", {tally.found} found sent by an earlier run" if tally.found else "")]
    if tally.left:
        why = f" ({tally.limit_reached})" if tally.limit_reached else ""
        lines.append(f"reminders: {tally.left} left for a later run{why}; this is not a failure")
    lines += [f"reminders: {p}" for p in tally.problems]
    return lines
