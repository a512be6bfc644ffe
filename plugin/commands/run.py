"""``samtal run``: one reconcile pass — book, prepare folders, collect finished forms, file.

Exit status: 0 the pass did everything it could; 1 some talks hit a passing problem (throttling,
an outage) and will be retried by the next run, or the pass lost its lease midway and stopped;
2 bad settings or arguments; 3 an administrator must act first (consent, credentials); 4 another
pass is running for the campaign (it holds the campaign's lease, :mod:`plugin.lease`): this one
did nothing and says who holds it, since when and until when; 5 Graph or Entra ID could not be
reached at all (connection refused, unknown host, TLS failure: the network is down, or
``tenant.graph_url`` / ``tenant.authority`` is wrong), found within seconds, not after minutes.

Talks that need a person (failed, unschedulable, declined without a new time, or a form held for
review) do not change the status by themselves: 0 still means the pass did everything it could.
Every pass that ran ends its output with one line a monitor can match, also with ``-q``:
``samtal: 3 talks need attention (2 failed, 1 unschedulable)``, ``samtal: 1 talk needs attention
(1 held for review)`` or ``samtal: 0 talks need attention``. With ``--attention-exit N`` a pass
that would end 0 ends N instead when that count is not 0 (the statuses above take precedence).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from connectors.cli_options import decimal, whole
from connectors.graph import errors
from plugin.cache import LookCache, default_cache_file
from plugin.commands.common import add_config_arguments, exit_status_of, load_from_args, wait_notices
from plugin.commands.status import ATTENTION, attention
from plugin.commands.window import refuse_unbooked_past_window
from plugin.printable import printable
from plugin.lease import LeaseHeld, LeaseLost
from plugin.progress import Progress
from plugin.reconcile import ConsentNeeded, PassReport, Reconciler
from plugin.records import Record, Status
from plugin.reminders_summary import reminder_lines
from plugin.settings import Settings
from plugin.tables import table
from plugin.tenant import open_client

EXIT_PARTIAL = 1
EXIT_CONSENT = 3
EXIT_BUSY = 4  # another pass is running
MAX_LOOK_EVERY = 24 * 366  # hours: a year


def configure(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    add_pass_arguments(parser)
    parser.add_argument("--attention-exit", type=whole(1, 125, "an exit status"), metavar="STATUS", default=None,
                        help="end with this exit status instead of 0 when talks need a person's "
                             "attention (failed, unschedulable, declined, held for review), for "
                             "schedulers that only look at the status; the last line of output says "
                             "how many either way")


def add_pass_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--collect", action="store_true",
                        help="look at every started talk's form and every answer now, not only "
                             "those not looked at recently")
    parser.add_argument("--cache", type=Path, metavar="FILE", default=None,
                        help="where samtal remembers when it last looked at answers and forms "
                             "(default: ~/.cache/samtal/...); only a cache")
    parser.add_argument("--look-every", type=decimal(0, MAX_LOOK_EVERY, "a number of hours"), metavar="HOURS",
                        default=6.0, help="look again at answers and unfinished forms after this many "
                                          "hours (default 6; 0 looks every run)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress output and no notice of long waits (errors, the summary and "
                             "the attention line are still printed)")


def cache_path(settings: Settings, given: Path | None) -> Path:
    return given if given is not None else default_cache_file(settings)


def run_pass(args: argparse.Namespace, *, dry_run: bool) -> tuple[Settings, PassReport | None, int]:
    # A window that is over is refused as a mistyped year only when nothing was ever booked
    # (plugin/commands/window.py, the same rule as doctor's).
    settings = load_from_args(args, allow_past_window=True)
    quiet = getattr(args, "quiet", False)
    try:
        refuse_unbooked_past_window(args, settings, quiet)
    except errors.GraphError as err:
        print(f"samtal: {err}", file=sys.stderr)
        return settings, None, exit_status_of(err)
    progress = Progress(quiet=quiet)
    cache = LookCache(None if dry_run else cache_path(settings, getattr(args, "cache", None)))
    try:
        client = open_client(settings, notices=wait_notices(quiet))
        reconciler = Reconciler(client, settings, now=settings.now, dry_run=dry_run, cache=cache,
                                progress=progress,
                                look_every=timedelta(hours=getattr(args, "look_every", 6.0)),
                                watch_all=getattr(args, "collect", False))
        report = reconciler.run()
    except ConsentNeeded as err:
        print(f"samtal: an administrator must act before the round can go on: {err}", file=sys.stderr)
        return settings, None, EXIT_CONSENT
    except LeaseHeld as err:
        print(f"samtal: {err}. This run did nothing.", file=sys.stderr)
        return settings, None, EXIT_BUSY
    except LeaseLost as err:
        print(f"samtal: {err}. The next run goes on from here.", file=sys.stderr)
        return settings, None, EXIT_PARTIAL
    except errors.GraphError as err:
        print(f"samtal: {err}", file=sys.stderr)
        return settings, None, exit_status_of(err)
    return settings, report, EXIT_PARTIAL if report.retry_later else 0


# What a dry run proposes to book leaves the talk scheduled (a dry run keeps no record of it).
_BOOKINGS = frozenset({"book", "book again", "move (declined)", "move (time taken since)",
                       "move to the new manager"})


def print_summary(report: PassReport, *, dry_run: bool = False, settings: Settings | None = None) -> None:
    """Two tables, titled so that their numbers are not read as one: the talks by status once
    the pass is done (a dry run: once the plan were carried out), and what the pass did (would
    do), by action."""
    status = {r.key: r.status.value for r in report.records}
    if dry_run:
        status |= {a.key: "scheduled" for a in report.actions if a.what in _BOOKINGS}
    counts = Counter(status.values())
    print("talks by status if this plan were run:" if dry_run else "talks by status after this run:")
    print(table(("status", "talks"), [(s.value, counts[s.value]) for s in Status if counts[s.value]]))
    done = Counter(a.what for a in report.actions)
    if done:
        print()
        print("actions this plan would take:" if dry_run else "actions this run took:")
        print(table(("would do" if dry_run else "action", "talks"), sorted(done.items())))
    else:
        print("\nnothing to do")
    if settings is not None and report.reminders is not None:
        print()
        print("\n".join(reminder_lines(report.reminders, settings.reminders, dry_run=dry_run)))
    if report.retry_later:
        print(f"\n{len(report.retry_later)} talk(s) met a passing problem and are left out of this plan:"
              if dry_run else f"\n{len(report.retry_later)} talk(s) will be tried again next run:")
        for line in report.retry_later[:20]:
            print(f"  {printable(line)}")


def attention_line(records: Iterable[Record]) -> str:
    """``samtal: 3 talks need attention (2 failed, 1 unschedulable)``: the talks ``samtal
    status`` lists under *needs attention*, by why."""
    needs = attention(records)
    why = Counter(r.status.value if r.status in ATTENTION else "held for review" for r in needs)
    order = [Status.FAILED.value, Status.UNSCHEDULABLE.value, Status.DECLINED.value, "held for review"]
    parts = ", ".join(f"{why[w]} {w}" for w in order if why[w])
    if not needs:
        return "samtal: 0 talks need attention"
    talks = "1 talk needs" if len(needs) == 1 else f"{len(needs)} talks need"
    return f"samtal: {talks} attention ({parts})"


def run(args: argparse.Namespace) -> int:
    settings, report, code = run_pass(args, dry_run=False)
    if report is None:
        return code
    print_summary(report, settings=settings)
    print()
    print(attention_line(report.records), flush=True)
    attention_exit = getattr(args, "attention_exit", None)
    if code == 0 and attention_exit is not None and attention(report.records):
        return int(attention_exit)
    return code
