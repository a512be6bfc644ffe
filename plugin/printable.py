"""Text from the directory, the records list and forms, made safe to show on a terminal or in a
spreadsheet cell.

Names, departments, reasons and form answers are written by other people. On a terminal an
escape sequence in them is a command: ``ESC ] 0 ; ... BEL`` sets the window title, ``ESC [ 2 J``
clears the screen, ``ESC ] 52`` writes the clipboard and ``ESC ] 8`` makes a link, and the C1
forms (``\\x9b`` is CSI, ``\\x9d`` is OSC) do the same on terminals that read 8-bit controls
(ECMA-48 defines both forms). In a CSV file a NUL or an escape reaches whatever opens it.
:func:`printable` removes every such sequence whole, then every remaining C0 and C1 control
character, and the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
U+2066–U+2069, the "Trojan Source" set, CVE-2021-42574) that would make the rest of a line read
in another order than it is written. Letters of every script stay, right-to-left ones included,
and so do the right-to-left and left-to-right marks (U+200E, U+200F, U+061C), which only steer
one neighbouring character.

:class:`PrintableStream` does the same to everything written to a stream (the CLI wraps its
standard output and error in one), so a message that carries a name (a Graph error, a log line)
is covered too; line breaks, tabs and carriage returns stay there (progress bars redraw with
``\\r``); tables and single-line fields flatten them with ``printable(text)``.

:func:`spreadsheet_cell` is a CSV cell: printable, and with a leading ``'`` when a spreadsheet
would run it as a formula (OWASP's advice, below).
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import TextIO

# ESC followed by: CSI (``[`` parameters, intermediates, a final byte); a control string (OSC
# ``]``, DCS ``P``, SOS ``X``, PM ``^``, APC ``_``) up to BEL or ST (``ESC \\`` or ``\x9c``);
# or any other two-or-more-byte escape (``ESC c``, ``ESC ( B``, ``ESC 7``). The C1 forms of CSI
# and of the control strings are matched the same way. An unterminated string loses only its
# introducer (what follows is then plain text).
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
)
_LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x85]")
# C0 but tab and line feed, DEL, C1, and the bidi embeddings/overrides/isolates.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_WHITE = re.compile(r"[\t\n\r\u2028\u2029\x85]")


def printable(value: object, *, lines: bool = False) -> str:
    """``value`` as text with no escape sequence, control character or bidi override left.

    Single-line (the default): tabs and line breaks become spaces. ``lines=True`` keeps them,
    each line break as ``\\n`` (for a multi-line CSV cell or a message of several lines)."""
    text = _SEQUENCE.sub("", str(value))
    if lines:
        text = _LINE_BREAKS.sub("\n", text)
    else:
        text = _WHITE.sub(" ", text)
    return _CONTROL.sub("", text)


# OWASP, CSV Injection (https://owasp.org/www-community/attacks/CSV_Injection): a cell that
# begins with one of these may be run as a formula by Excel, LibreOffice or Google Sheets;
# prefixing it with ``'`` makes the spreadsheet show it as text. ASVS 5.0 requirement 1.2.10
# adds NUL, which :func:`printable` has already taken out.
FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_cell(value: object) -> str:
    """``value`` as a CSV cell for a spreadsheet: printable (line breaks kept, as ``\n``), and
    with a leading ``'`` when a spreadsheet could take it for a formula."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, (datetime, date)):
        text = value.isoformat()
    else:
        text = printable(value, lines=True)
    return "'" + text if text.startswith(FORMULA_FIRST) else text


def _stream_safe(text: str) -> str:
    """What a terminal may receive: as :func:`printable` with ``\\n``, ``\\t`` and ``\\r`` kept."""
    text = _SEQUENCE.sub("", text)
    return _CONTROL.sub(lambda m: m.group() if m.group() == "\r" else "", text)


class PrintableStream(io.TextIOBase):
    """Wraps a text stream; what is written reaches it without escape sequences or controls
    (an escape split over two writes loses its ESC in the first, so it is harmless)."""

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(_stream_safe(text))
        return len(text)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.raw, "errors", None)

    def close(self) -> None:
        """The wrapped stream belongs to whoever opened it: it stays open."""
