"""``samtal export``: everything samtal holds about one person, across every campaign in the
records list, into a local folder (``plugin.export``; README.md#requests-for-access). It reads
the tenant and writes nothing there.

Exit status: 0 written (also when samtal holds nothing about the person: the README says so);
1 Graph failed (try again); 2 bad settings or arguments: ``--employee`` names nobody in the
directory or the records list, or several people, or ``--out`` is not empty (and, with
``--force``, holds more than a previous export) or cannot be written; 3 an administrator must act first (consent,
credentials); 5 Graph or Entra ID cannot be reached.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from connectors.graph import errors
from plugin.commands.common import EXIT_BAD_INPUT, add_config_arguments, exit_status_of, load_from_args, wait_notices
from plugin.export import OutDirError, PersonError, collect, write_export
from plugin.export.disk import check_out_dir
from plugin.printable import printable
from plugin.tenant import open_client


def configure(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument("--employee", required=True, metavar="UPN",
                        help="the person: their UPN, mail address or Entra ID object id (any case)")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR",
                        help="a new or empty folder for the export (README.txt, records.csv, records.json, "
                             "one folder of documents per campaign)")
    parser.add_argument("--force", action="store_true",
                        help="replace a previous export in DIR (refused when DIR holds anything else)")


def run(args: argparse.Namespace) -> int:
    settings = load_from_args(args, allow_past_window=True)
    try:
        check_out_dir(args.out, force=args.force)
    except OutDirError as err:
        print(f"samtal export: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:
        print(f"samtal export: --out {args.out}: {err.strerror or err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        client = open_client(settings, notices=wait_notices())
        found = collect(client, settings, args.employee)
        written = write_export(found, args.out, force=args.force)
    except (PersonError, OutDirError) as err:
        print(f"samtal export: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:  # the folder could not be written (what was written is removed)
        print(f"samtal export: cannot write --out {args.out}: {err.strerror or err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except errors.GraphError as err:
        print(f"samtal: {err}", file=sys.stderr)
        return exit_status_of(err)
    person = found.person
    print(f"{written.records} record(s) of {len(written.campaigns)} campaign(s) and {len(written.documents)} "
          f"document(s) about {printable(person.name)} ({person.id}) written to {written.out}")
    if not person.in_directory:
        print("the person is no longer in the directory: found by the records")
    if not found.list_found:
        print(f"the records list {settings.records.list!r} does not exist on {settings.records.site}: "
              "samtal holds no record there")
    for left in written.left_out:  # for HR to look at by hand; never named in the export itself
        print(f"not exported: campaign {left.campaign}: {printable(left.name)} ({left.reason}) in {left.folder_url}")
    return 0
