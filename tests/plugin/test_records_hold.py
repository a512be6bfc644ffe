"""The ``Hold`` column: HR's yes/no on a record, read by samtal and never written by it."""
from __future__ import annotations

from plugin.records import COLUMNS, Record, Status, changed_fields, from_fields, to_fields


def test_hold_is_a_yes_no_column_nobody_must_fill_in() -> None:
    hold = next(c for c in COLUMNS if c.name == "Hold")
    assert hold.kind == "boolean" and not hold.required and not hold.indexed


def test_a_record_reads_hr_s_hold_and_only_a_yes_holds_it() -> None:
    base = {"Key": "2025:e1", "Campaign": "2025", "EmployeeId": "e1", "Title": "Per", "Status": "filed"}
    assert from_fields({**base, "Hold": True}).hold is True
    for value in (False, None, "", "false"):
        assert from_fields({**base, "Hold": value}).hold is False, value
    assert from_fields(base).hold is False  # a list from before the column


def test_samtal_never_writes_hold() -> None:
    record = Record("2025", "e1", "Per", Status.FILED, hold=True)
    assert "Hold" not in to_fields(record)
    # a pass that read a held record and changes it writes only its own change
    assert changed_fields(record, record.with_changes(note="x")) == {"Note": "x"}
    assert changed_fields(record.with_changes(hold=False), record) == {}
