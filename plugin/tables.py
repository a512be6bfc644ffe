"""Plain-text tables for the terminal: aligned columns, no colour, long cells wrapped, never cut.

Cells are names and reasons other people wrote: each goes through :func:`printable` (no escape
sequence, control character or bidi override reaches the terminal, and the widths stay true).

A table is as wide as its cells need. When that is wider than the terminal, the text columns
(the widest first) are narrowed and their cells wrapped onto continuation lines, at spaces only:
a word is never broken, so an error code (``ErrorMailRecipientNotFound``), a date or an address
stays whole even when it is wider than its column (the line is then wider than asked). The width
is the terminal's (``COLUMNS`` when set); output that goes to a file or a pipe is wrapped at
:data:`NO_TERMINAL_WIDTH`, wide enough for a log line and for a mail client.
"""
from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence

from plugin.printable import printable

NO_TERMINAL_WIDTH = 120
_GAP = "  "
_KEPT = 24  # text columns are narrowed to this first (a name, a date and time fit) ...
_NARROWEST = 12  # ... and only then to this (never below their longest word)


def terminal_width() -> int:
    """The width to fit: ``COLUMNS``, else the terminal's, else :data:`NO_TERMINAL_WIDTH`."""
    return shutil.get_terminal_size((NO_TERMINAL_WIDTH, 24)).columns


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, width: int | None = None) -> str:
    """``rows`` under ``headers``, fitted into ``width`` characters (default: the terminal's)
    by wrapping text cells; numbers are right-aligned."""
    cells = [[" ".join(printable(c).split()) for c in row] for row in rows]
    heads = [" ".join(printable(h).split()) for h in headers]
    natural = [len(h) for h in heads]
    for row in cells:
        for i, c in enumerate(row):
            natural[i] = max(natural[i], len(c))
    numeric = [bool(cells) and all(_is_number(r[i]) for r in cells) for i in range(len(heads))]
    widths = _fit(heads, cells, natural, numeric, width if width is not None else terminal_width())

    def line(values: Sequence[str]) -> str:
        return _GAP.join(v.rjust(widths[i]) if numeric[i] else v.ljust(widths[i])
                         for i, v in enumerate(values)).rstrip()

    def lines(row: Sequence[str]) -> list[str]:
        wrapped = [_wrap(c, widths[i]) for i, c in enumerate(row)]
        return [line([w[n] if n < len(w) else "" for w in wrapped])
                for n in range(max((len(w) for w in wrapped), default=1))]

    out = [*lines(heads), line(["-" * w for w in widths])]
    for row in cells:
        out.extend(lines(row))
    return "\n".join(out)


def _fit(heads: Sequence[str], cells: Sequence[Sequence[str]], natural: list[int],
         numeric: Sequence[bool], width: int) -> list[int]:
    """Column widths that fit ``width``: the widest text column is narrowed one character at a
    time until the table fits, first down to :data:`_KEPT` characters (names stay on one line
    while a long reason takes the wrapping), then to :data:`_NARROWEST`; never below a column's
    longest word (a header wraps too)."""
    widths = list(natural)
    excess = sum(widths) + len(_GAP) * (len(widths) - 1) - width
    for narrowest in (_KEPT, _NARROWEST):
        floor = []
        for i, head in enumerate(heads):
            longest_word = max((len(w) for row in cells for w in row[i].split()), default=0)
            longest_word = max([longest_word, *(len(w) for w in head.split())])
            floor.append(natural[i] if numeric[i] else min(natural[i], max(longest_word, narrowest)))
        while excess > 0:
            room = [(widths[i], i) for i in range(len(widths)) if widths[i] > floor[i]]
            if not room:
                break
            _, i = max(room)
            widths[i] -= 1
            excess -= 1
    return widths


def _wrap(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).isdigit()
