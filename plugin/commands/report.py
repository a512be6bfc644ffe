"""``samtal report``: the HR overview of the campaign, from the records list only (it writes
nothing to the tenant): ``report.html`` (self-contained, charts inline, opens from disk; in
``--language sv|en``, by default the campaign's ``language.default``) and ``records.csv``
(formula-injection-safe; the records as stored) in ``--out DIR``.

Exit status: 0 written; 1 Graph failed (try again); 2 bad settings or arguments; 3 an
administrator must act first (consent, credentials); 5 Graph or Entra ID cannot be reached.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from connectors.graph import errors
from plugin.commands.common import add_config_arguments, exit_status_of, load_from_args, wait_notices
from plugin.report import write_report
from plugin.store import RecordStore
from plugin.tenant import open_client

EXIT_GRAPH, EXIT_CONSENT = 1, 3


def configure(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument("--out", required=True, type=Path, metavar="DIR",
                        help="folder for report.html and records.csv (created when missing)")
    parser.add_argument("--language", choices=("sv", "en"), default=None,
                        help="language of report.html, reasons included (default: the campaign's "
                             "language.default); records.csv keeps the reasons as stored")


def run(args: argparse.Namespace) -> int:
    settings = load_from_args(args, allow_past_window=True)
    if args.out.exists() and not args.out.is_dir():
        print(f"samtal report: --out {args.out} is a file, not a folder", file=sys.stderr)
        return 2
    try:
        client = open_client(settings, notices=wait_notices())
        store = RecordStore.open_existing(client.lists, settings.records.site, settings.records.list)
        records = [] if store is None else list(store.load(settings.campaign.id).values())
    except errors.GraphError as err:
        print(f"samtal: {err}", file=sys.stderr)
        return exit_status_of(err)
    if store is None:
        print(f"no records yet: the list {settings.records.list!r} does not exist on "
              f"{settings.records.site} (samtal run creates it); the report is empty")
    files = write_report(records, settings, args.out, getattr(args, "language", None))
    print(f"{len(records)} records: {files.html} and {files.csv}")
    return 0
