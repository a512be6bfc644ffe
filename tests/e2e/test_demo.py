"""``samtal demo`` end to end: its talks move (declined invitations), its people fill in the
forms of the talks as booked after the moves, and every filed date is the booked one."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from plugin import cli
from plugin.commands.demo import SECRET_VARIABLE, ZONE
from plugin.documents import read_form
from tests.e2e.checks import items_by_key, utc
from tests.e2e.privacy import check_privacy


def test_the_demo_files_the_booked_day_of_every_talk_even_the_moved_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(SECRET_VARIABLE, "demo")
    assert cli.main(["demo", "--out", str(tmp_path), "-q"]) == 0
    summary = capsys.readouterr().out
    moves = next(line for line in summary.splitlines() if line.startswith("- run 2"))
    assert "move (declined)" in moves  # the seed's people decline some invitations
    assert any(line.startswith("- run ") and " reminded (prepare)" in line for line in summary.splitlines())
    # reminders in the story, each as it landed in its recipient's inbox
    for kind, words in (("prepare", "Nu närmar sig ditt medarbetarsamtal"),
                        ("confirm (to the manager)", "väntar på din bekräftelse"),
                        ("manager digest", "veckans sammanställning")):
        section = summary.split(f"### A {kind} reminder, as it landed in ", 1)[1].split("###", 1)[0]
        assert words in section, kind

    saved = json.loads((tmp_path / "sandbox-state.json").read_text(encoding="utf-8"))
    blobs = {item: base64.b64decode(data) for item, data in saved["blobs"].items()}
    check_privacy(saved["data"], blobs)  # the demo's tenant too: nobody sees another's talk
    items = items_by_key(saved["data"]).values()
    filed = [f for f in items if f["Status"] == "filed"]
    assert len(filed) >= 40
    wrong = [(f["Title"], f["MeetingStart"], f["MeetingDate"]) for f in filed
             if f["MeetingDate"][:10] != utc(f["MeetingStart"]).astimezone(ZONE).date().isoformat()]
    assert not wrong, f"{len(wrong)} of {len(filed)} filed items give another day than their booking: {wrong}"
    # and the forms themselves, filled in after the moves, say the booked day too
    for f in filed:
        form = read_form(blobs[f["FormItemId"]])
        assert form.fields["meeting_date"] == utc(f["MeetingStart"]).astimezone(ZONE).date(), f["Title"]
        assert "date" not in f["Note"], f["Note"]
