"""``samtal templates ...``: commands for the Word templates (today: ``check``).

Exit statuses: 0 the template is fine, 1 problems found (one per line on stdout), 2 the file
cannot be read as a .docx or the arguments are wrong.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from plugin.documents.check import check_template
from plugin.documents.model import DocumentError
from plugin.documents.render import KINDS


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="templates_command", metavar="SUBCOMMAND")
    check = sub.add_parser("check", help="validate a Word template HR edited",
                           description="Validate a Word template: placeholders, the form's tags, "
                                       "the ECMA-376 schema, and a trial render.")
    check.add_argument("file", metavar="FILE", type=Path, help="the .docx template")
    check.add_argument("--kind", choices=KINDS,
                       help="which template it is (default: from the file name, e.g. form.sv.docx)")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "templates_command", None) != "check":
        print("usage: samtal templates check FILE [--kind KIND]", file=sys.stderr)
        return 2
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as err:
        print(f"{path}: cannot read ({err.strerror or err})", file=sys.stderr)
        return 2
    try:
        problems = check_template(data, kind=args.kind, name=str(path))
    except DocumentError as err:
        # most read errors name the file already (it is their label): name it once
        said = str(err)
        print(said if said.startswith(str(path)) else f"{path}: {said}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"{path.name}: {problem}")
    if not problems:
        print(f"{path.name}: ok")
    return 1 if problems else 0
