"""Names with terminal escapes, C1 controls, NUL and bidi overrides, as the terminal and a CSV
cell get them (plugin.printable): sequences go whole, letters of every script stay."""
from __future__ import annotations

import csv
import io

import pytest

from plugin.printable import PrintableStream, printable, spreadsheet_cell
from plugin.report import records_csv
from plugin.records import Status
from plugin.tables import table
from tests.plugin.overview.conftest import rec

CASES = [
    ("Eva \x1b]0;pwned\x07Ek", "Eva Ek"),  # OSC: window title, BEL-terminated
    ("Eva \x1b]0;pwned\x1b\\Ek", "Eva Ek"),  # OSC, ST-terminated
    ("\x1b]52;c;ZXZpbA==\x07Kim", "Kim"),  # OSC 52: write the clipboard
    ("\x1b]8;;http://x\x07link\x1b]8;;\x07", "link"),  # OSC 8: a hyperlink
    ("Ola\x1b[2J\x1b[H Clear", "Ola Clear"),  # CSI: clear the screen, cursor home
    ("Kim \x9b31mRöd\x9b0m", "Kim Röd"),  # C1 CSI
    ("Kim \x9d0;t\x9cX", "Kim X"),  # C1 OSC with C1 ST
    ("Nils\x00 Nul", "Nils Nul"),
    ("Bo\x1bcReset", "BoReset"),  # ESC c: reset the terminal
    ("Rut \u202eevil\u202c and \u2066iso\u2069", "Rut evil and iso"),
    ("a\tb\nc\r\nd", "a b c  d"),
    ("Lone \x1b", "Lone "),
    ("Åsa Öberg-Ängel", "Åsa Öberg-Ängel"),
    ("قسم المالية", "قسم المالية"),
    ("מחלקת\u200f כספים", "מחלקת\u200f כספים"),  # a right-to-left mark only steers a neighbour
    ("Ekonomi $$ ^_{}\\", "Ekonomi $$ ^_{}\\"),
]


@pytest.mark.parametrize(("raw", "want"), CASES)
def test_printable(raw: str, want: str) -> None:
    assert printable(raw) == want


def test_lines_keep_their_breaks() -> None:
    assert printable("- Mål\r\n- Plan\rX\u2028Y\x1b[1m", lines=True) == "- Mål\n- Plan\nX\nY"


def test_tables_show_names_without_escapes_and_stay_aligned() -> None:
    out = table(("employee", "n"), [("Eva \x1b]0;pwned\x07Ek", 1), ("Kim \x9b31mRöd", 22), ("Nils\x00", 3)])
    assert "\x1b" not in out and "\x9b" not in out and "\x00" not in out and "\x07" not in out
    lines = out.splitlines()
    assert lines[2] == "Eva Ek     1" and lines[3] == "Kim Röd   22" and lines[4] == "Nils       3"


def test_csv_cells_lose_controls_before_the_formula_check() -> None:
    assert spreadsheet_cell("\x00=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert spreadsheet_cell("\x1b[2J+1") == "'+1"
    assert spreadsheet_cell("\u202e@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_cell("- Mål\r\n- Plan") == "'- Mål\n- Plan"
    records = [rec("Eva \x1b]0;pwned\x07Ek", "Chef\x9b2J", Status.FILED, department="Ek\x00onomi",
                   goals="\x1b[31m=1+1").with_changes(note="Kim \x9d0;t\x07")]
    rows = list(csv.reader(io.StringIO(records_csv(records))))
    header, row = rows
    assert row[header.index("Employee")] == "Eva Ek" and row[header.index("ManagerName")] == "Chef"
    assert row[header.index("Department")] == "Ekonomi" and row[header.index("Goals")] == "'=1+1"
    assert row[header.index("Note")] == "Kim "


def test_the_stream_keeps_line_breaks_and_carriage_returns() -> None:
    raw = io.StringIO()
    stream = PrintableStream(raw)
    print("Eva \x1b]0;pwned\x07Ek\tok", file=stream)
    stream.write("\r 50%\x1b[2J")
    stream.write("\x1b")  # an escape split over two writes loses its ESC
    stream.write("[2Jtail\x00\n")
    assert raw.getvalue() == "Eva Ek\tok\n\r 50%[2Jtail\n"
    assert not stream.isatty() and stream.encoding
