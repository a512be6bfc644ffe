"""Retention's rules without a tenant: the settings, where a campaign stands, the window end the
lease keeps, holds, the disposal log's entry and the lines ``plan`` and ``status`` print
(plugin/retention.py, plugin/holds.py, plugin/disposal_log.py, plugin/upcoming.py)."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from connectors.graph.lists import ListItem
from plugin.disposal_log import LogEntry
from plugin.holds import Holds
from plugin.lease import Holder, recorded_window_end
from plugin.records import Record, Status, is_bookkeeping_fields, lease_key
from plugin.retention import (
    DUE, EMPTY, FROM_FILE, FROM_LEASE, FROM_RECORDS, KEPT, OPEN, RUNNING, ListContents, Row, campaigns,
    links_of, unlinked,
)
from plugin.upcoming import Ahead, Upcoming, describe
from tests.plugin.test_settings import GOOD, load, problems

UTC = timezone.utc
NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


def test_retention_settings_default_and_given(tmp_path: Path) -> None:
    s = load(tmp_path, GOOD).retention
    assert (s.days, s.keep, s.decision, s.hold_users) == (730, "everything", "", ())
    given = load(tmp_path, GOOD + 'retention: {days: 1095, keep: records, decision: "Gallringsbeslut 2027:1", '
                                  "hold_users: [Per.Lind@Example.se, 5B0C7D1E-0000-4000-8000-000000000001]}\n")
    r = given.retention
    assert (r.days, r.keep, r.decision) == (1095, "records", "Gallringsbeslut 2027:1")
    assert r.holds("per.lind@example.se") and r.holds("5b0c7d1e-0000-4000-8000-000000000001")
    assert not r.holds("eva@example.se", "")


def test_bad_retention_settings_name_the_key(tmp_path: Path) -> None:
    (keep,) = problems(tmp_path, GOOD + "retention: {keep: documents}\n")
    assert "retention.keep" in keep and "everything or records" in keep
    (users,) = problems(tmp_path, GOOD + "retention: {hold_users: per@example.se}\n")
    assert "retention.hold_users" in users and "a list" in users
    (decision,) = problems(tmp_path, GOOD + f"retention: {{decision: \"{'x' * 501}\"}}\n")
    assert "retention.decision" in decision and "at most 500" in decision


def test_another_campaigns_folder_comes_from_the_path_as_written(tmp_path: Path) -> None:
    folders = load(tmp_path, GOOD).folders
    assert folders.path == "Medarbetarsamtal/2027" and folders.path_of("2025") == "Medarbetarsamtal/2025"


def test_the_lease_keeps_the_window_end_and_an_older_note_has_none() -> None:
    since = datetime(2027, 2, 15, 6, tzinfo=UTC)
    holder = Holder("cron-a", 1, "p" * 32, since, since + timedelta(minutes=5), window_end=date(2027, 4, 30))
    item = ListItem("3", {"Key": lease_key("2027"), "EmployeeId": "~lease", "Note": holder.note()}, '"g,2"')
    assert Holder.from_item(item) == holder and recorded_window_end(item) == date(2027, 4, 30)
    older = json.loads(holder.note())
    del older["window_end"]
    item = ListItem("3", {"Key": lease_key("2027"), "Note": json.dumps(older)})
    assert recorded_window_end(item) is None and Holder.from_item(item) is not None
    assert recorded_window_end(ListItem("3", {"Note": "edited by hand"})) is None


def _row(campaign: str, employee: str, *, end: datetime | None = None, hold: bool = False,
         modified: datetime | None = None, manager: str = "m") -> Row:
    return Row(Record(campaign, employee, "", Status.HELD, meeting_end=end, hold=hold, manager_id=manager,
                      item_id=employee), '"e,1"', modified)


def test_where_each_campaign_stands(tmp_path: Path) -> None:
    settings = load(tmp_path, GOOD, now=datetime(2027, 6, 1, 9, tzinfo=UTC), allow_past_window=True)
    contents = ListContents(
        rows={"2024": [_row("2024", "a")], "2025": [_row("2025", "a")], "2026": [_row("2026", "a")],
              "2027": [_row("2027", "a")], "2028": [_row("2028", "a")],
              "old": [_row("old", "a", end=datetime(2025, 3, 20, 15, tzinfo=UTC)),
                      _row("old", "b", end=datetime(2025, 3, 28, 23, 30, tzinfo=UTC))],
              "bare": [_row("bare", "a", modified=datetime(2024, 1, 2, tzinfo=UTC))]},
        windows={"2024": date(2025, 5, 31), "2025": date(2025, 4, 30), "2026": date(2026, 4, 30),
                 "2027": date(2020, 1, 1), "2028": date(2028, 4, 30), "gone": date(2020, 4, 30),
                 "old": None})
    found = {c.id: c for c in campaigns(contents, settings)}
    # kept until 2027-05-31 (730 days after 2025-05-31): due on 2027-06-01, not a day before
    assert (found["2024"].state, found["2024"].kept_until) == (DUE, date(2027, 5, 31))
    assert found["2025"].state == DUE and found["2025"].window_end_from == FROM_LEASE
    assert (found["2026"].state, found["2026"].describe(date(2027, 6, 1))) == (KEPT, "kept: 333 days left")
    # the running campaign's window is the file's, whatever its lease says, and it is never due
    assert (found["2027"].state, found["2027"].window_end, found["2027"].window_end_from) == (
        RUNNING, date(2027, 4, 30), FROM_FILE)
    assert found["2028"].state == OPEN
    assert found["gone"].state == EMPTY  # only its lease is left
    # no window end recorded: the last meeting's end, in the campaign's zone (00:30 on the 29th)
    assert (found["old"].window_end, found["old"].window_end_from, found["old"].state) == (
        date(2025, 3, 29), FROM_RECORDS, DUE)
    assert found["bare"].window_end == date(2024, 1, 2)  # nothing dated: the last change of an item


def test_holds_by_column_and_by_person_as_employee_or_manager() -> None:
    holds = Holds(frozenset({"per@example.se", "5b0c"}))
    base = Record("2025", "e1", "", Status.FILED, employee_email="eva@example.se", manager_id="m1",
                  manager_email="boss@example.se")
    assert holds.why(base) is None
    assert holds.why(base.with_changes(hold=True)) == "Hold"
    assert holds.why(base.with_changes(employee_email="PER@example.se")) == "retention.hold_users"
    assert holds.why(base.with_changes(manager_id="5B0C")) == "retention.hold_users"


def test_a_kept_record_loses_its_links_and_says_why() -> None:
    record = Record("2025", "e1", "", Status.FILED, drive_id="d", folder_id="f", folder_url="u",
                    document_url="v", form_item_id="i", shared=True, note="the form date differs")
    assert links_of(record)
    changes = unlinked(record, date(2027, 6, 1))
    assert changes["Note"] == "documents disposed of on 2027-06-01 (samtal retention); the form date differs"
    cleared = record.with_changes(drive_id="", folder_id="", folder_url="", document_url="", form_item_id="",
                                  shared=False)
    assert not links_of(cleared)


def test_the_log_entry_holds_counts_and_round_trips() -> None:
    entry = LogEntry(campaign="2025", number=2, decision="Gallringsbeslut 2027:1", app="client-id", keep="everything",
                     window_end=date(2025, 3, 28), window_end_from=FROM_LEASE, kept_until=date(2027, 3, 28),
                     started=datetime(2027, 6, 1, 7, tzinfo=UTC), counts={"list items": 5}, held_back=2)
    fields = entry.fields()
    assert fields["Key"] == "2025:~disposal:2" and fields["Campaign"] == "2025:~disposal"
    assert is_bookkeeping_fields(fields) and fields["FiledAt"] is None
    back = LogEntry.from_item(ListItem("9", fields, '"x,1"'))
    assert back is not None and back.counts == {"list items": 5} and back.number == 2 and back.item_id == "9"
    assert back.fields() == fields
    assert LogEntry.from_item(ListItem("9", {"Key": "2025:e1", "Campaign": "2025"})) is None
    # a note someone replaced by JSON nested too deeply to parse is unreadable, not a RecursionError
    nested = {**fields, "Note": "[" * 30_000 + "]" * 30_000}
    assert LogEntry.from_item(ListItem("9", nested, '"x,2"')) is None


def test_plan_and_status_lines() -> None:
    today = date(2027, 3, 10)
    ahead = Ahead((Upcoming("2024", date(2027, 3, 1), 1, 0), Upcoming("2025", date(2027, 3, 28), 5, 2)), ("2023",))
    assert describe(ahead, today) == [
        "retention: 1 record of campaign 2024 (with their folders and documents) passed their retention on "
        "2027-03-01: `samtal retention --apply` disposes of them",
        "retention: 5 records of campaign 2025 (with their folders and documents) pass their retention on "
        "2027-03-28, in 18 days; 2 talks held back: `samtal retention` lists what goes",
        "retention: no pass recorded the window end of campaign 2023 (run by an older samtal): "
        "`samtal retention` estimates it",
    ]
    assert describe(Ahead((), ()), today) == []
