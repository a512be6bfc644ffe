"""Terminal tables wrap long reasons instead of cutting them: every word of a reason, and every
error code README's troubleshooting table names, reaches the reader whole at any width."""
from __future__ import annotations

import re

import pytest

from connectors.graph.directory import User
from plugin.planning import no_mailbox_reason
from plugin.roster import build_roster
from plugin.settings_sections import ScopeSettings
from plugin.tables import NO_TERMINAL_WIDTH, table, terminal_width
from tests.plugin.test_docs import readme_section

GUEST = "guest account: talks are for the organisation's own staff"


def column(out: str, header: str) -> list[str]:
    """The whole text of each row's cell under ``header`` (a text column): continuation lines
    joined (a continuation line is one whose first column is blank)."""
    lines = out.splitlines()
    rule = next(i for i, line in enumerate(lines) if set(line) == {"-", " "})  # under the headers
    spans = [m.span() for m in re.finditer(r"-+", lines[rule])]
    start = lines[0].index(header.split()[0])
    end = next((b for a, b in spans if a == start), None)
    assert end is not None, header
    cells: list[str] = []
    for line in lines[rule + 1:]:
        part = line[start:end if end < len(lines[rule]) else None].strip()
        if line[:spans[0][1]].strip() or not cells:
            cells.append(part)
        elif part:
            cells[-1] += " " + part
    return cells


def reasons() -> list[str]:
    """Reasons samtal writes, as the roster and the free/busy reading word them."""
    guest = User(id="g", display_name="Kim Lee", upn="kim#EXT#@example.se", user_type="Guest",
                 manager_id="m")
    manager = User(id="m", display_name="Anna Berg", upn="anna@example.se")
    roster = build_roster([guest, manager], ScopeSettings((), (), ()))
    return [e.reason for e in roster] + [no_mailbox_reason("ErrorMailRecipientNotFound"),
                                         no_mailbox_reason("MailboxNotEnabledForRESTAPI"),
                                         no_mailbox_reason("ErrorAccessDenied")]


@pytest.mark.parametrize("width", [40, 60, 80, 100, 200])
def test_reasons_wrap_whole_at_every_width(width: int) -> None:
    rows = [("failed", f"Person {i}", "Anna Berg", why) for i, why in enumerate(reasons())]
    out = table(("status", "employee", "manager", "reason"), rows, width=width)
    assert "…" not in out
    assert column(out, "reason") == [" ".join(why.split()) for _, _, _, why in rows]
    assert GUEST in column(out, "reason")
    assert "(ErrorMailRecipientNotFound)" in out  # the code on one line, never split
    if width >= 80:
        assert max(len(line) for line in out.splitlines()) <= width


def test_a_table_that_fits_is_one_line_a_row() -> None:
    out = table(("action", "employee", "note"), [("book", "Per Lind", ""), ("failed", "Anna", GUEST)],
                width=200)
    assert len(out.splitlines()) == 4 and out.splitlines()[3].endswith(GUEST)


def test_numbers_stay_right_aligned_when_text_wraps() -> None:
    out = table(("talks", "department", "share"), [(12, "Skolan för elektroteknik och datavetenskap", "0.5"),
                                                   (3, "Juridiska fakulteten", "0.25")], width=30)
    lines = out.splitlines()
    juridiska = next(line for line in lines if line.startswith("    3"))
    assert lines[2].startswith("   12") and lines[2].endswith(" 0.5") and juridiska.endswith(" 0.25")
    assert column(out, "department") == ["Skolan för elektroteknik och datavetenskap", "Juridiska fakulteten"]


def test_the_width_is_the_terminal_s_or_a_wide_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "72")
    assert terminal_width() == 72
    monkeypatch.delenv("COLUMNS")
    monkeypatch.setattr("shutil.os.get_terminal_size", _no_terminal)
    assert terminal_width() == NO_TERMINAL_WIDTH


def _no_terminal(*args: object) -> object:
    raise OSError("not a terminal")


def troubleshooting_codes() -> list[str]:
    """The codes README's troubleshooting table tells people to look for in samtal's output."""
    first_column = [row.split("|")[1] for row in readme_section("troubleshooting").splitlines()
                    if row.startswith("| ") and not row.startswith("| you see")]
    return sorted({c for cell in first_column for c in re.findall(r"`(\w+)`", cell)
                   if re.fullmatch(r"AADSTS\d+|[A-Z][a-z]+[A-Z]\w+|[A-Z][a-z]+_\w+", c)})


def test_every_code_of_the_troubleshooting_table_survives_a_narrow_table() -> None:
    codes = troubleshooting_codes()
    assert {"MailboxNotEnabledForRESTAPI", "ErrorAccessDenied", "AADSTS7000215"} <= set(codes)
    rows = [("failed", "Örjan \"Ögge\" Dahl", f"samtal could not go on for this person ({code})")
            for code in codes]
    out = table(("status", "employee", "reason"), rows, width=50)
    for code in codes:
        assert re.search(rf"\({code}\)$", out, flags=re.MULTILINE), code


def test_the_exchange_codes_readme_names_are_in_the_reasons_samtal_writes() -> None:
    """A person told to look for ``ErrorAccessDenied`` finds it in the reason."""
    for code in (c for c in troubleshooting_codes() if c.startswith(("Error", "Mailbox"))):
        assert f"({code})" in no_mailbox_reason(code), code
