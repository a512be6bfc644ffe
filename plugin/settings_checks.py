"""The rules of the campaign file that involve several keys: a credential given once, the sign-in
authority and Graph in one cloud (or both the sandbox), a known holiday calendar, a window that
runs forwards, is not over and holds a working day, reminder settings with a sender and sending
hours that are a window, and a talk that fits in the working day.

Each rule runs after the leaf table (:mod:`plugin.settings_table`) has judged every key alone,
and only on values that passed; each problem is added to the tree's problems, placed on the line
that tells the most.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import cast

import yaml

from connectors.graph.clouds import cloud_mismatch, sandbox_mismatch
from connectors.timezones import Zone
from plugin.scheduling.holidays import UnknownHolidayCalendar, check_calendar, closed_days
from plugin.settings_schema import Tree, problem_at

__all__ = ["cross_checks"]


def cross_checks(
    tree: Tree,
    values: dict[str, object],
    file: str,
    root: yaml.Node,
    now: datetime,
    allow_past_window: bool,
) -> None:
    """Rules that involve several keys; each problem is placed on the most telling line."""
    problems = tree.problems
    nodes = tree.nodes
    tenant_node = tree.keys.get("tenant", root)
    has_secret = "tenant.client_secret" in nodes
    has_certificate = "tenant.certificate" in nodes
    if not has_secret and not has_certificate:
        problems.append(problem_at(
            file, tenant_node, "tenant.client_secret",
            "no credential: give client_secret: {env: NAME} or certificate: {path: FILE, thumbprint: HEX}",
        ))
    elif has_secret and has_certificate:
        problems.append(problem_at(
            file, nodes["tenant.certificate"], "tenant.certificate",
            "give either client_secret or certificate, not both",
        ))

    valid = all(key not in nodes or key in tree.values for key in ("tenant.authority", "tenant.graph_url"))
    mismatch = cloud_mismatch(cast(str, values["tenant.authority"]), cast(str, values["tenant.graph_url"]))
    if valid and mismatch:
        where = nodes.get("tenant.authority", nodes.get("tenant.graph_url", tenant_node))
        problems.append(problem_at(file, where, "tenant.authority", mismatch))
    sandbox = sandbox_mismatch(cast(str, values["tenant.authority"]), cast(str, values["tenant.graph_url"]))
    if valid and sandbox:
        key = "tenant.graph_url" if "tenant.graph_url" in nodes and "tenant.authority" not in nodes else "tenant.authority"
        problems.append(problem_at(file, nodes.get(key, tenant_node), key, sandbox))

    holidays_ok = "holidays.country" not in nodes or "holidays.country" in tree.values
    holidays_ok = holidays_ok and ("holidays.categories" not in nodes or "holidays.categories" in tree.values)
    if holidays_ok:
        try:
            check_calendar(cast(str, values["holidays.country"]), cast(tuple[str, ...], values["holidays.categories"]))
        except UnknownHolidayCalendar as err:
            key = "holidays.country" if "country code" in str(err) else "holidays.categories"
            problems.append(problem_at(file, nodes.get(key, root), key, str(err)))
            holidays_ok = False

    start = tree.values.get("campaign.window.start")
    end = tree.values.get("campaign.window.end")
    end_node = nodes.get("campaign.window.end")
    if isinstance(start, date) and isinstance(end, date):
        today = now.astimezone(cast(Zone, values["meetings.time_zone"]).tzinfo).date()
        if end < start:
            problems.append(problem_at(
                file, end_node, "campaign.window.end",
                f"the window is reversed: it ends on {end} before it starts on {start}",
            ))
        elif end < today and not allow_past_window:
            problems.append(problem_at(
                file, end_node, "campaign.window.end",
                f"the window ended on {end}, before now ({today}): is the year mistyped?",
            ))
        elif holidays_ok and not _has_working_day(values, start, end):
            problems.append(problem_at(
                file, tree.keys.get("campaign.window"), "campaign.window",
                f"the window {start} to {end} holds no working day (working_hours.days, holidays)",
            ))

    _check_reminders(tree, values, file)

    work_start = cast(time, values["working_hours.start"])
    work_end = cast(time, values["working_hours.end"])
    if work_end <= work_start:
        problems.append(problem_at(
            file, nodes.get("working_hours.end", root), "working_hours.end",
            f"working hours end ({work_end:%H:%M}) must be after they start ({work_start:%H:%M})",
        ))
    elif "meetings.duration_minutes" in nodes and "meetings.duration_minutes" in tree.values:
        minutes = cast(int, values["meetings.duration_minutes"])
        length = (work_end.hour * 60 + work_end.minute) - (work_start.hour * 60 + work_start.minute)
        if minutes > length:
            problems.append(problem_at(
                file, nodes["meetings.duration_minutes"], "meetings.duration_minutes",
                f"a {minutes}-minute talk does not fit in the working day "
                f"{work_start:%H:%M}-{work_end:%H:%M}",
            ))


def _check_reminders(tree: Tree, values: dict[str, object], file: str) -> None:
    """Reminder settings without a sender do nothing: say so rather than ignore them; the
    sending window must be a window."""
    nodes = tree.nodes
    given = sorted(k for k in nodes if k.startswith("reminders.") and k != "reminders.hours")
    if given and "reminders.sender" not in nodes:
        tree.problems.append(problem_at(
            file, tree.keys.get("reminders"), "reminders.sender",
            f"reminders are off without a sender: give reminders.sender (the mailbox they are "
            f"sent from) or remove {', '.join(given)}"))
    start = cast(time, values["reminders.hours.start"])
    end = cast(time, values["reminders.hours.end"])
    if end <= start:
        tree.problems.append(problem_at(
            file, nodes.get("reminders.hours.end", tree.keys.get("reminders")), "reminders.hours.end",
            f"the sending hours must end ({end:%H:%M}) after they start ({start:%H:%M})"))


def _has_working_day(values: dict[str, object], start: date, end: date) -> bool:
    days = cast(tuple[int, ...], values["working_hours.days"])
    country = cast(str, values["holidays.country"])
    categories = cast(tuple[str, ...], values["holidays.categories"])
    if (end - start).days > 14:
        return True  # two weeks always hold a working day; spare the holiday lookup
    closed = closed_days(country, categories, start, end)
    current = start
    while current <= end:
        if current.weekday() in days and current not in closed:
            return True
        current += timedelta(days=1)
    return False
