"""What every command that acts on a campaign shares: ``--config FILE`` and ``--now TIME``.

Bad settings and a bad ``--now`` end the command with exit status 2 and the problems on stderr,
one per line, never a traceback (README.md#configuration).
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import NoReturn

from connectors.graph import errors
from connectors.graph.reach import WaitNotices
from plugin.settings import Settings, SettingsError, load_settings

EXIT_RETRY = 1  # Graph failed in passing (throttling, an outage): try again later
EXIT_BAD_INPUT = 2
EXIT_CONSENT = 3  # an administrator must act first (consent, credentials)
EXIT_UNREACHABLE = 5  # Graph or Entra ID could not be reached at all: network or URL


def exit_status_of(err: errors.GraphError) -> int:
    """The exit status of a command that stopped on ``err``: 5 when a host could not be reached
    at all (refused, unknown, TLS failed), 3 when an administrator must act, else 1."""
    if isinstance(err, errors.Unreachable):
        return EXIT_UNREACHABLE
    return EXIT_CONSENT if err.outcome is errors.Outcome.NEEDS_CONSENT else EXIT_RETRY


def wait_notices(quiet: bool = False) -> WaitNotices | None:
    """What tells the person at the terminal, on stderr, of every wait of 5 s or more (None
    with ``-q``)."""
    if quiet:
        return None
    return WaitNotices(lambda line: print(f"samtal: {line}", file=sys.stderr, flush=True))


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--config FILE`` (required) and ``--now ISO-8601-TIME``."""
    parser.add_argument(
        "--config", required=True, type=Path, metavar="FILE", help="the campaign file (YAML)"
    )
    parser.add_argument(
        "--now",
        metavar="ISO-8601-TIME",
        default=None,
        help="act as if it were this moment (e.g. 2027-02-15T09:00; without an offset it is "
        "local time in the campaign's zone); default: the system clock",
    )


def parse_now(text: str) -> datetime:
    """Parse ``--now``; raises ``ValueError`` with a readable message. May return a naive time."""
    cleaned = text.strip()
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError as err:
        raise ValueError(
            f"--now: expected an ISO 8601 time such as 2027-02-15T09:00 or "
            f"2027-02-15T09:00+01:00, got {text!r}"
        ) from err


def load_from_args(args: argparse.Namespace, *, allow_past_window: bool = False) -> Settings:
    """The settings named by ``--config``, judged at ``--now``; exits with status 2 when unusable.

    ``settings.now`` is the aware moment the command acts at.
    """
    now_text: str | None = getattr(args, "now", None)
    if now_text is None:
        moment = datetime.now(timezone.utc)
    else:
        try:
            moment = parse_now(now_text)
        except ValueError as err:
            _fail((f"samtal: {err}",))
    try:
        return load_settings(args.config, now=moment, allow_past_window=allow_past_window)
    except SettingsError as err:
        _fail(err.problems)


def _fail(lines: tuple[str, ...]) -> NoReturn:
    for line in lines:
        print(line, file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)
