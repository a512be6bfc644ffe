"""Merging the list items one key has more than once (plugin/duplicates.py)."""
from __future__ import annotations

import types
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from connectors.graph import errors
from plugin.duplicates import Copy, extra_meetings, meetings_alive, merge_copies
from plugin.records import Record, Status

T0 = datetime(2027, 1, 20, 9, tzinfo=timezone.utc)
START = datetime(2027, 2, 10, 9, tzinfo=timezone.utc)


def rec(item: str, status: Status = Status.SCHEDULED, **kw: Any) -> Record:
    base: dict[str, Any] = dict(campaign="2027", employee_id="e1", employee_name="Per Lind", status=status,
                                item_id=item)
    base.update(kw)
    return Record(**base)


def booked(item: str, event: str, start: datetime = START, **kw: Any) -> Record:
    return rec(item, event_id=event, meeting_start=start, meeting_end=start + timedelta(hours=1),
               manager_id="m1", manager_email="boss@example.se", manager_name="Bo Boss", **kw)


def folder(**kw: Any) -> dict[str, Any]:
    return dict(drive_id="d1", folder_id="f1", folder_owner="e1", folder_url="https://x/f1",
                document_url="https://x/f1/form.docx", form_item_id="form1", form_etag='"e,1"', shared=True, **kw)


def copy(record: Record, minutes: int = 0, etag: str = '"x,1"') -> Copy:
    return Copy(record, etag, T0 + timedelta(minutes=minutes))


def test_the_item_furthest_along_wins_with_its_filed_content_even_when_older() -> None:
    filed = booked("7", "ev-a", status=Status.FILED, **folder(),
                   form={"goals": "Bli bättre", "health_discussed": True, "meeting_date": date(2027, 2, 10)},
                   filed_at=T0)
    newer = booked("3", "ev-a", **folder())
    merged = merge_copies([copy(newer, minutes=30), copy(filed, minutes=0)])
    assert merged.record.status is Status.FILED and merged.record.form["goals"] == "Bli bättre"
    assert merged.record.item_id == "7" and merged.kept.record is filed
    assert [c.record.item_id for c in merged.dropped] == ["3"]


@pytest.mark.parametrize(("a", "b", "kept"), [
    (Status.HELD, Status.SCHEDULED, "2"), (Status.SCHEDULED, Status.UNSCHEDULABLE, "2"),
    (Status.UNSCHEDULABLE, Status.FAILED, "2"), (Status.FAILED, Status.EXCLUDED, "2"),
])
def test_status_order(a: Status, b: Status, kept: str) -> None:
    assert merge_copies([copy(rec("1", b), 9), copy(rec("2", a))]).record.item_id == kept


def test_between_equals_the_latest_change_wins_then_the_lowest_id() -> None:
    declined = booked("5", "ev-a", status=Status.DECLINED, note="the employee declined the time")
    scheduled = booked("4", "ev-a")
    assert merge_copies([copy(scheduled, 1), copy(declined, 2)]).record.status is Status.DECLINED
    assert merge_copies([copy(booked("9", "ev-a")), copy(booked("10", "ev-b"))]).record.item_id == "9"


def test_groups_are_taken_whole_and_never_mixed() -> None:
    # the winner has its own meeting but no folder yet; the other has another meeting and a folder
    winner = booked("1", "ev-a")
    other = booked("2", "ev-b", start=START + timedelta(days=1), **folder())
    merged = merge_copies([copy(winner, 5), copy(other, 1)])
    r = merged.record
    assert (r.event_id, r.meeting_start, r.manager_id) == ("ev-a", START, "m1")     # its own booking
    assert (r.drive_id, r.folder_id, r.form_item_id, r.shared) == ("d1", "f1", "form1", True)  # whole folder
    partial = booked("3", "ev-c", drive_id="d9")                                    # a folder half known
    assert merge_copies([copy(partial, 5), copy(other, 1)]).record.folder_id == ""   # not mixed in


def test_missing_descriptive_fields_are_filled_but_never_the_reason() -> None:
    winner = rec("1", Status.FAILED, employee_email="", department="", note="no mailbox")
    other = rec("2", Status.EXCLUDED, employee_email="per@example.se", department="Matematik",
                language="en", note="on leave")
    r = merge_copies([copy(winner), copy(other)]).record
    assert (r.employee_email, r.department, r.language, r.note) == ("per@example.se", "Matematik", "en", "no mailbox")


def test_filed_content_found_only_on_a_losing_item_is_kept() -> None:
    winner = booked("1", "ev-a", status=Status.HELD, form={"goals": None, "health_discussed": False})
    other = booked("2", "ev-a", status=Status.HELD, form={"goals": "Mål"}, filed_at=T0)
    r = merge_copies([copy(winner, 5), copy(other)]).record
    assert r.form == {"goals": "Mål"} and r.filed_at == T0 and r.item_id == "1"


def test_only_items_of_one_key_and_at_least_two() -> None:
    with pytest.raises(ValueError):
        merge_copies([copy(rec("1"))])
    with pytest.raises(ValueError):
        merge_copies([copy(rec("1")), copy(rec("2", employee_id="e2"))])


def test_extra_meetings_are_the_dropped_items_other_meetings_still_ahead() -> None:
    now = START - timedelta(days=5)
    same = merge_copies([copy(booked("1", "ev-a"), 5), copy(booked("2", "ev-a"))])
    other = merge_copies([copy(booked("1", "ev-a"), 5), copy(booked("2", "ev-b"))])
    past = merge_copies([copy(booked("1", "ev-a"), 5), copy(booked("2", "ev-c", start=now - timedelta(days=1)))])
    failed = merge_copies([copy(booked("1", "ev-a"), 5), copy(booked("2", "ev-d", status=Status.FAILED))])
    extra = extra_meetings([same, other, past, failed], now)
    assert [r.event_id for r in extra] == ["ev-b"]


def test_a_talk_ahead_keeps_the_live_meeting_when_the_winners_is_gone() -> None:
    gone = booked("2", "ev-gone", **folder())
    live = booked("1", "ev-live", start=START + timedelta(hours=2))
    merged = merge_copies([copy(gone, 5), copy(live, 1)], alive={"ev-gone": False, "ev-live": True})
    r = merged.record
    assert (r.item_id, r.event_id, r.meeting_start, r.folder_id) == ("2", "ev-live", START + timedelta(hours=2), "f1")
    assert extra_meetings([merged], START - timedelta(days=1)) == []       # the live one is kept, none extra
    held = merge_copies([copy(booked("2", "ev-gone", status=Status.HELD), 5), copy(live, 1)],
                        alive={"ev-gone": False, "ev-live": True})
    assert held.record.event_id == "ev-gone"                               # a held talk keeps its own


class _Calendar:
    def __init__(self, events: dict[str, bool | None]) -> None:
        self.events = events
        self.asked: list[tuple[str, str]] = []

    def get_event(self, user: str, event_id: str) -> Any:
        self.asked.append((user, event_id))
        state = self.events[event_id]
        if state is None:
            raise errors.NotFound("gone", status=404, code="ErrorItemNotFound")
        return types.SimpleNamespace(is_cancelled=state)


def test_meetings_alive_reads_only_keys_whose_items_name_different_meetings() -> None:
    same = [copy(booked("1", "ev-a")), copy(booked("2", "ev-a"))]
    differ = [copy(booked("3", "ev-b")), copy(booked("4", "ev-c")), copy(booked("5", "ev-d"))]
    calendar = _Calendar({"ev-b": False, "ev-c": True, "ev-d": None})
    assert meetings_alive(calendar, [same, differ]) == {"ev-b": True, "ev-c": False, "ev-d": False}  # type: ignore[arg-type]
    assert sorted(e for _, e in calendar.asked) == ["ev-b", "ev-c", "ev-d"]
