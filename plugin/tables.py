"""Plain-text tables for the terminal: aligned columns, no colour, wide cells cut with an ellipsis.

Cells are names and reasons other people wrote: each goes through :func:`printable` (no escape
sequence, control character or bidi override reaches the terminal, and the widths stay true)."""
from __future__ import annotations

from collections.abc import Sequence

from plugin.printable import printable


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, max_width: int = 40) -> str:
    cells = [[_cut(str(c), max_width) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    numeric = [all(_is_number(r[i]) for r in cells) and bool(cells) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(widths[i]) if numeric[i] else v.ljust(widths[i])
                         for i, v in enumerate(values)).rstrip()

    out = [line(list(headers)), line(["-" * w for w in widths])]
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def _cut(text: str, width: int) -> str:
    text = " ".join(printable(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).isdigit()
