"""The `samtal` command line: a thin dispatcher over the library.

Each subcommand lives in its own module with two functions, ``configure(parser)`` to declare
its arguments and ``run(args) -> int`` to do the work; this file only wires them together so
that importing the CLI stays cheap and every behaviour is callable (and tested) from Python.
Exit statuses: 0 success, 1 the work found problems, 2 bad input (settings, arguments), 3 an
administrator must act, 4 another pass holds the campaign's lease, 5 Graph or Entra ID could
not be reached at all (:data:`plugin.commands.common.EXIT_UNREACHABLE`).

``--trace FILE`` (before or after the command, like ``-v``) records every Graph exchange of the
command as one JSON line with the shape of the answer and none of its values
(:mod:`connectors.graph.trace`), for an administrator to send when a real run fails.

While a command runs, its standard output and error are wrapped in
:class:`plugin.printable.PrintableStream`: names and reasons other people wrote reach the
terminal (or the file it is redirected to) without escape sequences or control characters,
whichever message carries them (a table, a Graph error, a log line).
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import ContextManager, Protocol, TextIO, cast

from plugin import __version__
from plugin.printable import PrintableStream


class _Command(Protocol):
    def configure(self, parser: argparse.ArgumentParser) -> None: ...
    def run(self, args: argparse.Namespace) -> int: ...


VERBOSE_HELP = "log every Graph call at INFO on stderr (before or after the command)"
TRACE_HELP = ("write one JSON line per Graph exchange to FILE: method, path with placeholders, status, "
              "request-id, throttling headers and the shape of the answer, never a value (before or "
              "after the command)")

# name -> (module, one-line help). Modules are imported only when their command runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("plugin.commands.demo", "the whole round on the built-in sandbox tenant; no account needed"),
    "sandbox": ("connectors.sandbox.command", "serve the sandbox tenant on loopback"),
    "doctor": ("plugin.commands.doctor", "check a real tenant: token, permissions, site, mailboxes, drives"),
    "plan": ("plugin.commands.plan", "dry run: who gets a talk, proposed times; writes nothing"),
    "run": ("plugin.commands.run", "one reconcile pass: book, prepare, collect, file"),
    "status": ("plugin.commands.status", "progress of the campaign per department and manager"),
    "report": ("plugin.commands.report", "HR overview: an HTML page with charts and a CSV of the records"),
    "export": ("plugin.commands.export", "everything samtal holds about one person, for a request for access"),
    "retention": ("plugin.commands.retention",
                  "what has passed its retention; with --apply, dispose of it and log the disposal"),
    "templates": ("plugin.documents.command", "check Word templates"),
}


def _load(name: str) -> _Command:
    module_name = COMMANDS[name][0]
    module: _Command = importlib.import_module(module_name)
    return module


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="samtal",
        description="Yearly employee dialogues run through Microsoft 365.",
    )
    parser.add_argument("--version", action="version", version=f"samtal {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    parser.add_argument("--trace", type=Path, metavar="FILE", default=None, help=TRACE_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if only is None or name == only:
            try:
                _load(name).configure(sp)
            except ModuleNotFoundError as err:  # a command not built yet stays listed, but says so
                if err.name is None or not err.name.startswith(("plugin", "connectors")):
                    raise
        _accept_globals(sp)
    return parser


def _accept_globals(parser: argparse.ArgumentParser) -> None:
    """``-v`` and ``--trace FILE`` after the command too (``samtal status -v``), in its
    subcommands as well. Their defaults are left out of the namespace, so that a command without
    them keeps what was given before the command."""
    parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    parser.add_argument("--trace", type=Path, metavar="FILE", default=argparse.SUPPRESS, help=TRACE_HELP)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _accept_globals(child)


def main(argv: Sequence[str] | None = None) -> int:
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = cast(TextIO, PrintableStream(out)), cast(TextIO, PrintableStream(err))
    try:
        return _main(argv)
    except KeyboardInterrupt:  # also while a command's modules are still being imported
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The output's reader went away (``samtal status | head``): the rest is nobody's. Point
        # stdout at the null device so that the interpreter's last flush does not fail again
        # (Python's documentation, module signal, "Note on SIGPIPE").
        _forget_stdout(out)
        return 141
    finally:
        sys.stdout, sys.stderr = out, err


def _forget_stdout(out: TextIO) -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor (a test's captured stream)
        pass


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if a in COMMANDS), None)
    parser = build_parser(only=command)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        parser.print_help()
        return 2
    try:
        tracing = _tracing(args.trace)
    except OSError as err:
        print(f"samtal: --trace: cannot write {args.trace}: {err.strerror or err}", file=sys.stderr)
        return 2
    with tracing:
        return _load(args.command).run(args)


def _tracing(path: Path | None) -> ContextManager[object]:
    """Record the command's Graph exchanges into ``path`` (nothing when None). The file is
    opened here, so that one that cannot be written stops the command before it starts."""
    if path is None:
        return nullcontext()
    from connectors.graph.trace import Tracer, recording
    return recording(Tracer(path))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
