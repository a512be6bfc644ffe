"""``samtal retention``: what has passed its retention, and, with ``--apply``, its disposal.

Without ``--apply`` it writes nothing to the tenant: it lists every campaign of the records list
with its window end and the last day of its retention, and for each campaign due for disposal how
many items of each series would go and how many talks are held back (:mod:`plugin.retention`).
``--list FILE`` writes those items as CSV. With ``--apply`` it disposes of them, campaign by
campaign, under each campaign's lease, and logs each disposal in the list (:mod:`plugin.disposal`,
:mod:`plugin.disposal_log`); ``retention.decision`` must be set.

Exit status: 0 done (without ``--apply``: the listing; with it: everything due is disposed of);
1 something could not be disposed of now (the next run finishes it), or a lease was lost; 2 bad
settings or arguments (``--apply`` without ``retention.decision``, too); 3 an administrator must
act first; 4 another pass holds the lease of a campaign due for disposal (that campaign was left;
the others were disposed of); 5 Graph or Entra ID cannot be reached.
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from connectors.graph import errors
from connectors.graph.client import GraphClient
from plugin.commands.common import EXIT_BAD_INPUT, add_config_arguments, exit_status_of, load_from_args, wait_notices
from plugin.disposal import Disposal, dispose_due
from plugin.lease import LeaseLost
from plugin.printable import printable, spreadsheet_cell
from plugin.retention import LINKS_CLEARED, SERIES, Survey, survey
from plugin.settings import Settings
from plugin.store import RecordStore
from plugin.tables import table
from plugin.tenant import open_client

EXIT_PARTIAL = 1
EXIT_BUSY = 4
CSV_HEADER = ("campaign", "series", "action", "key", "owner", "drive_id", "item_id", "path")
EXIT_CODES = """exit status:
  0  done (without --apply: the listing; with it: everything due was disposed of)
  1  something could not be disposed of now: the next run finishes it
  2  bad settings or arguments (--apply needs retention.decision)
  3  an administrator must act first (consent, credentials)
  4  another pass holds the lease of a campaign due for disposal: it was left for now
  5  Graph or Entra ID cannot be reached"""
RECYCLE = "their OneDrive's recycle bin, restorable for 93 days (README: Retention)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EXIT_CODES
    add_config_arguments(parser)
    parser.add_argument("--apply", action="store_true",
                        help="dispose of what has passed its retention and log it in the records list "
                             "(needs retention.decision); without it nothing is written")
    parser.add_argument("--list", type=Path, metavar="FILE", default=None,
                        help="write the items that go (and the talks held back) as CSV: campaign, series, "
                             "record key, owner's object id, drive and item ids; no names")


def run(args: argparse.Namespace) -> int:
    settings = load_from_args(args, allow_past_window=True)
    if args.apply and not settings.retention.decision:
        print(f"samtal retention: --apply needs retention.decision in {settings.source}: the reference of the "
              "disposal decision it acts under, written into the disposal log", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        client = open_client(settings, notices=wait_notices())
        store = RecordStore.open_existing(client.lists, settings.records.site, settings.records.list)
        if store is None:
            print(f"no records list {settings.records.list!r} on {settings.records.site}: nothing to dispose of")
            return 0
        found = survey(client, store, settings)
        today = settings.now.astimezone(settings.meetings.zone.tzinfo).date()
        print_survey(found, today)
        if args.list is not None:
            write_list(args.list, found)
            print(f"\nthe items are listed in {args.list}")
        if not args.apply:
            if found.to_do():
                print(f"\nnothing was written. `samtal retention --apply` disposes of it (files and folders go to "
                      f"{RECYCLE}).")
            return 0
        return _apply(client, store, settings, found)
    except LeaseLost as err:
        print(f"samtal: {err}. The next run finishes the disposal.", file=sys.stderr)
        return EXIT_PARTIAL
    except errors.GraphError as err:
        print(f"samtal: {err}", file=sys.stderr)
        return exit_status_of(err)


def _apply(client: GraphClient, store: RecordStore, settings: Settings, found: Survey) -> int:
    done, busy = dispose_due(client, store, settings, found)
    print_disposals(done)
    for err in busy:
        print(f"samtal: {err}. Its disposal was left for now.", file=sys.stderr)
    if any(d.failed for d in done):
        return EXIT_PARTIAL
    return EXIT_BUSY if busy else 0


def print_survey(found: Survey, today: date) -> None:
    rows = [(c.id, c.window_end or "-", c.window_end_from or "-", c.kept_until or "-", len({r.record.key for r in c.rows}),
             c.describe(today)) for c in found.campaigns]
    if not rows:
        print("the records list holds no campaign yet")
        return
    print(f"campaigns in the records list on {today}:")
    print(table(("campaign", "window end", "known from", "kept until", "talks", "what happens"), rows))
    logged = [(e.campaign, e.number, e.state, e.finished.date() if e.finished else "-", printable(e.decision))
              for c in found.campaigns for e in c.log]
    if logged:
        print("\ndisposals logged in the records list:")
        print(table(("campaign", "disposal", "state", "finished", "decision"), logged))
    if found.holds.unknown:
        print(f"\nretention.hold_users: {len(found.holds.unknown)} entr{'y' if len(found.holds.unknown) == 1 else 'ies'} "
              "the directory does not know, held as written (give the object id of someone who has left)")
    if not found.due:
        print("\nno campaign is due for disposal")
        return
    counts = [(c.id, series, n) for c in found.due for series, n in found.plans[c.id].counts().items()]
    if counts:
        print("\ndue for disposal:")
        print(table(("campaign", "series", "items"), counts))
    for c in found.due:
        plan = found.plans[c.id]
        if plan.held:
            why = ", ".join(f"{reason} {n}" for reason, n in sorted(plan.held_by().items()))
            print(f"campaign {c.id}: {len(plan.held)} talk{'s' if len(plan.held) != 1 else ''} held back ({why})")
        if not plan.targets:
            print(f"campaign {c.id}: nothing left to dispose of")
        if c.window_end_from and c.window_end_from != "recorded by its passes":
            print(f"campaign {c.id}: its window end was {c.window_end_from} (no pass recorded it)")
        if c.stopped is not None:
            print(f"campaign {c.id}: disposal {c.stopped.number} stopped half-way; --apply finishes it")


def print_disposals(done: Sequence[Disposal]) -> None:
    rows = [(d.campaign, series, n) for d in done if d.entry is not None and d.done
            for series, n in sorted(d.entry.counts.items(), key=lambda kv: SERIES.index(kv[0]))]
    if rows:
        print("\ndisposed of:")
        print(table(("campaign", "series", "items"), rows))
        print(f"The files and folders are in {RECYCLE}.")
    for d in done:
        if d.entry is None:
            print(f"campaign {d.campaign}: nothing left to dispose of")
            continue
        state = "done" if d.done else f"stopped: {len(d.failed)} item(s) could not be disposed of now; run again"
        print(f"campaign {d.campaign}: disposal {d.entry.number} under decision "
              f"{printable(d.entry.decision)!r}{' (taken up again)' if d.resumed else ''}: {state}")
        for line in d.left:
            print(f"  {line}")
        for err in d.failed[:5]:
            print(f"  {err}")


def list_rows(found: Survey) -> list[tuple[str, ...]]:
    """The CSV's rows: every item that goes, then every talk held back (ids only)."""
    out: list[tuple[str, ...]] = []
    for c in found.due:
        plan = found.plans[c.id]
        for t in plan.targets:
            action = "clear the links to its documents" if t.series == LINKS_CLEARED else "dispose of"
            out.append((t.campaign, t.series, action, t.key, t.owner, t.drive_id, t.item_id, t.path))
        for key, why in sorted(plan.held.items()):
            out.append((c.id, "talks held back", f"keep: {why}", key, "", "", "", ""))
    return out


def write_list(path: Path, found: Survey) -> None:
    """``--list FILE``: UTF-8 with a byte-order mark (for Excel), CRLF, every cell made safe for
    a spreadsheet (:func:`plugin.printable.spreadsheet_cell`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in list_rows(found):
        writer.writerow([spreadsheet_cell(v) for v in row])
    path.write_text(out.getvalue(), encoding="utf-8-sig", newline="")
