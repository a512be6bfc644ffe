"""The pass lease's setting and the holder it writes (plugin/lease.py); the protocol itself runs
on the sandbox in tests/e2e/test_lease.py."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from connectors.graph.lists import ListItem
from plugin.lease import Holder, LeaseHeld, LeaseTerms, recorded_window_end
from plugin.records import is_lease_fields, lease_key
from tests.plugin.test_settings import GOOD, load, problems

SINCE = datetime(2027, 2, 15, 6, 0, 4, tzinfo=timezone.utc)


def test_lease_minutes_default_and_bounds(tmp_path: Path) -> None:
    assert load(tmp_path, GOOD).records.lease == timedelta(minutes=5)
    longer = GOOD.replace("list: Medarbetarsamtal}", "list: Medarbetarsamtal, lease_minutes: 12}")
    assert load(tmp_path, longer).records.lease == timedelta(minutes=12)
    bad = GOOD.replace("list: Medarbetarsamtal}", "list: Medarbetarsamtal, lease_minutes: 0}")
    (problem,) = problems(tmp_path, bad)
    assert "records.lease_minutes" in problem and ":10:" in problem


def test_terms_renew_well_before_the_lease_runs_out() -> None:
    terms = LeaseTerms(term=timedelta(minutes=5))
    assert terms.renew_every == timedelta(seconds=100) and terms.margin == timedelta(minutes=1)
    assert terms.renew_every * 2 < terms.term - terms.margin   # two renewals may fail before it stops


def test_holder_round_trips_through_the_note_and_says_who_since_when_until_when() -> None:
    holder = Holder("cron-a", 4711, "1c9e02ab" * 4, SINCE, SINCE + timedelta(minutes=5))
    item = ListItem("3", {"Key": lease_key("2027"), "EmployeeId": "~lease", "Note": holder.note()}, '"g,2"')
    assert Holder.from_item(item) == holder
    assert is_lease_fields(item.fields) and not is_lease_fields({"Key": "2027:5b0c", "EmployeeId": "5b0c"})
    text = str(LeaseHeld("2027", holder))
    assert text == ("another pass is running for campaign 2027: host cron-a, process 4711, pass 1c9e02ab, "
                    "running since 2027-02-15 06:00:04 UTC; its lease expires at 2027-02-15 06:05:04 UTC "
                    "unless renewed")
    assert holder.free_at(SINCE + timedelta(minutes=5)) and not holder.free_at(SINCE + timedelta(minutes=4))
    assert Holder.from_item(ListItem("4", {"Note": "edited by hand"})) is None   # unreadable: free


def test_a_note_of_deeply_nested_json_is_an_unreadable_note() -> None:
    """Anyone who may edit the records list may write the lease item's note: JSON nested deeper
    than Python's parser recurses (a 60,000-character note fits in the column) is unreadable,
    not a RecursionError that stops every run."""
    nested = "[" * 30_000 + "]" * 30_000
    item = ListItem("4", {"Key": lease_key("2027"), "EmployeeId": "~lease", "Note": nested})
    assert Holder.from_item(item) is None and recorded_window_end(item) is None
    deep_object = '{"host": ' * 30_000 + "1" + "}" * 30_000
    assert Holder.from_item(ListItem("4", {"Note": deep_object})) is None
