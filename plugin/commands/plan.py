"""``samtal plan``: a dry run — who gets a talk, proposed times, what would be created, the
reminders a pass would send and how long that takes at Exchange's sending limits, and the
SharePoint resource units it would cost with its shortest duration at the tenant's budget. Writes
and sends nothing: no meeting, folder, file, share, record or message (the records list is not
even created)."""
from __future__ import annotations

import argparse

from plugin.commands.common import add_config_arguments
from plugin.commands.run import print_summary, run_pass
from plugin.ru_estimate import describe, estimate_round
from plugin.settings import PacingSettings
from plugin.tables import table


def configure(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument("--all", action="store_true", help="list every proposed talk, not the first 50")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output and no notice of long waits")


def run(args: argparse.Namespace) -> int:
    settings, report, code = run_pass(args, dry_run=True)
    if report is None:
        return code
    zone = settings.meetings.zone.tzinfo
    rows = []
    for a in sorted(report.actions, key=lambda a: (a.manager, a.start or settings.now, a.employee)):
        when = a.start.astimezone(zone).strftime("%a %Y-%m-%d %H:%M") if a.start else ""
        rows.append((a.what, a.employee, a.manager, when, a.note))
    shown = rows if args.all else rows[:50]
    if shown:
        print("actions this plan would take, talk by talk:")
        print(table(("would do", "employee", "manager", f"time ({settings.meetings.zone.iana})", "note"), shown))
        if len(rows) > len(shown):
            print(f"… and {len(rows) - len(shown)} more (--all lists them)")
        print()
    print_summary(report, dry_run=True, settings=settings)
    estimate = estimate_round(((a.what, a.manager) for a in report.actions), len(report.records),
                              settings.pacing.budget)
    print()
    print("\n".join(describe(estimate, budget_source(settings.pacing))))
    return code


def budget_source(pacing: PacingSettings) -> str:
    if pacing.ru_per_minute is not None:
        return "pacing.ru_per_minute"
    if pacing.licences is not None:
        return f"{pacing.licences:,} licences"
    return "the smallest budget; set pacing.licences"
