"""``samtal plan``: a dry run — who gets a talk, proposed times, what would be created, the
reminders a pass would send and how long that takes at Exchange's sending limits, the SharePoint
resource units it would cost with its shortest duration at the tenant's budget, and how many
records of other campaigns pass their retention within 30 days. Writes and sends nothing: no
meeting, folder, file, share, record or message (the records list is not even created)."""
from __future__ import annotations

import argparse
import sys

from connectors.graph import errors
from plugin import upcoming
from plugin.commands.common import add_config_arguments
from plugin.commands.run import print_summary, run_pass
from plugin.ru_estimate import describe, estimate_round
from plugin.settings import Settings
from plugin.settings_sections import PacingSettings
from plugin.store import RecordStore
from plugin.tables import table
from plugin.tenant import open_client


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
    ahead = disposal_lines(settings)
    if ahead:
        print()
        print("\n".join(ahead))
    return code


def disposal_lines(settings: Settings) -> list[str]:
    """What passes its retention within 30 days, in other campaigns (:mod:`plugin.upcoming`):
    one more look at the records list (a read that fails is said, not fatal)."""
    try:
        store = RecordStore.open_existing(open_client(settings).lists, settings.records.site, settings.records.list)
        if store is None:
            return []
        return upcoming.describe(upcoming.disposal_ahead(store, settings),
                                 settings.now.astimezone(settings.meetings.zone.tzinfo).date())
    except errors.GraphError as err:
        print(f"samtal: the disposal ahead could not be read: {err}", file=sys.stderr)
        return []


def budget_source(pacing: PacingSettings) -> str:
    if pacing.ru_per_minute is not None:
        return "pacing.ru_per_minute"
    if pacing.licences is not None:
        return f"{pacing.licences:,} licences"
    return "the smallest budget; set pacing.licences"
