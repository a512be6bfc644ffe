"""Names and departments that carry terminal escapes, C1 controls, NUL, bidi overrides and
mathtext, from the directory and from filed forms, through ``samtal run``, ``status`` and
``report`` as an administrator runs them: every command ends normally, nothing of the escapes
reaches the terminal or the CSV, the report page is written, and the names read as written."""
from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path
from typing import Any

import pytest

from connectors.graph.names import safe_name
from plugin.cli import main
from plugin.documents import wordsim
from tests.e2e.checks import items_by_key, utc
from tests.e2e.conftest import AFTER, NOW, ServeFactory

TITLE = "Eva \x1b]0;pwned\x07Ek"  # sets the window title
CLEAR = "Ola\x1b[2J\x1b[H Clear"  # clears the screen
C1 = "Kim \x9b31mRöd"  # 8-bit CSI
NUL = "Nils\x00 Nul"
BIDI = "Rut \u202eevil\u202c"
DEPARTMENT = "Ekonomi $$ \x1b]8;;http://x\x07länk\x1b]8;;\x07 ^_{}\\"
NEED = "Budget $$\x9b31m"  # a form holds no C0 control (XML 1.0 forbids them), but C1 and bidi
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_seed() -> dict[str, Any]:
    users: list[dict[str, Any]] = [
        {"userPrincipalName": "head@example.se", "displayName": "Hedda Head", "preferredLanguage": "sv-SE"},
        {"userPrincipalName": "boss@example.se", "displayName": "Bo \x1b[5mBoss", "manager": "head@example.se",
         "preferredLanguage": "sv-SE", "department": DEPARTMENT},
    ]
    for n, name in enumerate([TITLE, CLEAR, C1, NUL, BIDI, "قسم المالية"]):
        users.append({"userPrincipalName": f"p{n}@example.se", "displayName": name, "manager": "boss@example.se",
                      "department": DEPARTMENT, "preferredLanguage": "sv-SE"})
    return {"tenant": {"domain": "example.se"}, "users": users,
            "sites": [{"path": "/sites/hr", "displayName": "HR"}]}


def clean(text: str) -> str:
    return CONTROLS.sub("", re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07", "", text))


@pytest.mark.usefixtures("secret_env")
def test_hostile_names_reach_no_terminal_and_no_csv(serve_tenant: ServeFactory, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    served = serve_tenant(hostile_seed())
    served.config.write_text(served.config.read_text(encoding="utf-8") + "report: {min_group_size: 2}\n",
                             encoding="utf-8")
    cache = str(tmp_path / "cache.json")

    def samtal(*args: str, now: str = NOW.isoformat()) -> tuple[int, str, str]:
        code = main([*args, "--config", str(served.config), "--now", now])
        out, err = capsys.readouterr()
        assert not CONTROLS.search(out) and not CONTROLS.search(err), (out, err)
        assert "Traceback" not in err
        return code, out, err

    code, out, _ = samtal("run", "-q", "--cache", cache)
    assert code == 0 and "book" in out
    for talk in items_by_key(served.state()).values():  # two fill in the same need
        if talk["Title"] in (TITLE, CLEAR):
            answers = {"competence_needs": NEED, "goals": "=HYPERLINK(\"http://x\") \u202eevil"}
            data = wordsim.fill_form(served.blob(talk["FormItemId"]), answers,
                                     confirm=("employee_confirmed", "manager_confirmed"),
                                     day=utc(talk["MeetingStart"]).date())
            served.people.save_file(talk["DriveId"], talk["FormItemId"], data)
    code, out, _ = samtal("run", "-q", "--collect", "--cache", cache, now=AFTER.isoformat())
    assert code == 0 and "filed" in out

    code, out, _ = samtal("status", now=AFTER.isoformat())
    assert clean(DEPARTMENT)[:30] in out and "Bo Boss" in out  # per department, per manager
    code, out, _ = samtal("status", "--manager", "boss@example.se", now=AFTER.isoformat())
    for name in (TITLE, CLEAR, C1, NUL, BIDI):
        assert " ".join(clean(name).split()) in out, name

    code, out, _ = samtal("report", "--out", str(tmp_path / "report"), now=AFTER.isoformat())
    assert code == 0
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 4 and not CONTROLS.search(page)
    assert clean(DEPARTMENT) in html.unescape(page) and "Budget $$" in html.unescape(page)
    rows = list(csv.reader(io.StringIO((tmp_path / "report" / "records.csv").read_text(encoding="utf-8-sig"))))
    assert not any(CONTROLS.search(cell) for row in rows for cell in row)
    header = rows[0]
    assert {row[header.index("Employee")] for row in rows[1:]} >= {clean(n) for n in (TITLE, CLEAR, C1, NUL, BIDI)}
    assert "'=HYPERLINK(\"http://x\") evil" in {row[header.index("Goals")] for row in rows[1:]}
    assert safe_name(TITLE)  # the folder names were made from these too (no crash above)
