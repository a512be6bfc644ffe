"""argparse types for the numbers and dates of samtal's command-line options.

Shared by the commands in ``plugin/commands/`` and the sandbox's (``connectors/sandbox/command.py``):
a value outside its range, not finite, or not a number at all is refused by argparse with the
option's name and what is expected, exit status 2, before anything runs.
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
from collections.abc import Callable


def whole(minimum: int, maximum: int, what: str = "a whole number") -> Callable[[str], int]:
    """A whole number from ``minimum`` to ``maximum``: ``--sample 5``."""
    expected = f"expected {what} from {minimum} to {maximum}"

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{expected}, got {text!r}") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"{expected}, got {value}")
        return value

    return parse


def decimal(minimum: float, maximum: float, what: str) -> Callable[[str], float]:
    """A finite number from ``minimum`` to ``maximum``: ``--look-every 0.5``."""
    expected = f"expected {what} from {minimum:g} to {maximum:g}"

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{expected}, got {text!r}") from None
        if not math.isfinite(value) or not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"{expected}, got {text.strip()}")
        return value

    return parse


def day(text: str) -> dt.date:
    """A date written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date such as 2027-02-01, got {text!r}") from None


SEED = whole(0, 2**32 - 1, "a random seed")  # what random.Random and the generator take
