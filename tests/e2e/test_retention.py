"""``samtal retention`` over three campaigns on the sandbox, with ``--now`` years ahead
(README.md#retention-disposing-of-old-rounds): the dry run changes nothing; ``--apply`` removes
exactly the expired campaign's folders, documents and list items, keeps the running and the held
ones, and logs counts without names; killed after any write, a re-run ends where an uninterrupted
run ends; a round whose window has not ended is kept; the disposal is paced under a small
SharePoint budget; ``retention.keep: records``; ``plan`` and ``status`` tell what is ahead.

The rounds of 2025, 2026 and 2027 run once per module (:mod:`tests.e2e.retention_world`); each
test starts from that state. On 2027-06-01 the round of 2025 (window ended 2025-03-28, kept 730
days) is due; 2026 is kept and 2027 is the campaign the file runs. Of 2025, HR holds Person 1's
record (``Hold``) and ``retention.hold_users`` holds Person 3 (written in capitals).
"""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.graph.batch import send_one_by_one
from connectors.graph.pacing import PacingConfig, Pacer
from plugin.cli import main
from plugin.disposal import dispose_due
from plugin.lease import LeaseTerms, PassLease
from plugin.retention import survey
from plugin.store import RecordStore
from tests.e2e.checks import all_list_items
from tests.e2e.conftest import ServeFactory, later_lease, team_seed
from tests.e2e.retention_world import (
    DECISION, RETENTION_NOW, TEXTS, World, restore, snapshot, three_rounds,
)
from tests.e2e.test_crash import Crash, CrashingSession

RETENTION = f'{{days: 730, decision: "{DECISION}", hold_users: [PERSON3@EXAMPLE.SE]}}'
HELD = ("Person 1", "Person 3")
GONE = ("Hedda Head", "Bo Boss", "Olga Other", "Person 0", "Person 2")  # 2025 talks that go


@pytest.fixture(scope="module")
def world(serve_tenant: ServeFactory) -> Iterator[World]:
    served = serve_tenant(team_seed(4))
    made = three_rounds(served, RETENTION)
    item = _items(served.state(), "2025")["Person 1"]
    made.client("2027", RETENTION_NOW).lists.update_item(*_list_ids(served.state()), item["id"], {"Hold": True})
    made.saved = snapshot(served.sandbox)
    yield made


@pytest.fixture()
def fresh(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The three rounds as they were made, whatever an earlier test did."""
    restore(world.served.sandbox, world.saved)
    monkeypatch.setenv("SAMTAL_E2E_SECRET", "e2e")
    return world


def _list_ids(state: dict[str, Any]) -> tuple[str, str]:
    for site_id, site in state["sites"].items():
        for list_id, lst in site["lists"].items():
            if lst["displayName"] == "Medarbetarsamtal":
                return site_id, list_id
    raise AssertionError("no records list")


def _items(state: dict[str, Any], campaign: str) -> dict[str, dict[str, Any]]:
    """The campaign's records' raw items by the employee's name."""
    return {i["fields"]["Title"]: i for i in all_list_items(state) if i["fields"].get("Campaign") == campaign}


def _log_items(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in all_list_items(state) if str(i["fields"].get("Key", "")).startswith("2025:~disposal")]


def _drive_items(state: dict[str, Any]) -> set[tuple[str, str]]:
    return {(d, i) for d, drive in state["drives"].items() for i in drive["items"]}


def _retention(world: World, *args: str) -> int:
    return main(["retention", "--config", str(world.configs["2027"]), "--now", RETENTION_NOW.isoformat(), *args])


def _names_and_addresses(state: dict[str, Any]) -> list[str]:
    people = state["users"].values()
    return [p[k] for p in people for k in ("displayName", "userPrincipalName", "mail", "id") if p.get(k)]


def test_a_dry_run_lists_what_would_go_and_changes_nothing(fresh: World, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    before = fresh.served.state()
    whole = fresh.served.sandbox.tenant.to_json()  # every item, file's bytes and bin entry
    writes = fresh.served.stats()["writes"]
    listed = tmp_path / "gallring.csv"
    assert _retention(fresh, "--list", str(listed)) == 0
    out = capsys.readouterr().out
    assert fresh.served.sandbox.tenant.to_json() == whole and fresh.served.stats()["writes"] == writes
    assert "due: its retention ended on 2027-03-28" in out and "kept: 299 days left" in out
    assert "kept: the running campaign" in out and "nothing was written" in out
    assert "2 talks held back (Hold 1, retention.hold_users 1)" in out
    rows = list(csv.DictReader(io.StringIO(listed.read_text(encoding="utf-8-sig"))))
    going = Counter(r["series"] for r in rows)
    assert going == {"talk folders (with their documents)": 4, "managers' guides": 1, "team overviews": 1,
                     "campaign folders": 4, "list items": 5, "talks held back": 2}
    assert {r["campaign"] for r in rows} == {"2025"}
    text = listed.read_text(encoding="utf-8-sig")
    for name in (u["displayName"] for u in before["users"].values()):
        assert name not in text  # ids and keys, never names
    # every round's passes recorded its window end in its lease item
    leases = {i["fields"]["Key"]: json.loads(i["fields"]["Note"]) for i in all_list_items(before)
              if str(i["fields"].get("Key", "")).endswith(":~lease")}
    assert {k: v["window_end"] for k, v in leases.items()} == {
        "2025:~lease": "2025-03-28", "2026:~lease": "2026-03-27", "2027:~lease": "2027-03-26"}


def test_apply_removes_exactly_the_expired_round_and_logs_counts_without_names(
        fresh: World, capsys: pytest.CaptureFixture[str]) -> None:
    served = fresh.served
    before = served.state()
    kept_rounds = {y: _items(before, y) for y in ("2026", "2027")}
    old = _items(before, "2025")
    assert _retention(fresh, "--apply") == 0
    out = capsys.readouterr().out
    assert f"disposal 1 under decision '{DECISION}': done" in out
    after = served.state()

    # the records: the held ones of 2025 stay, the others go; 2026 and 2027 are as they were
    assert set(_items(after, "2025")) == set(HELD)
    assert {y: _items(after, y) for y in ("2026", "2027")} == kept_rounds
    # the folders: those of the talks that went are gone, the held ones' are there
    items = _drive_items(after)
    for name in GONE:
        f = old[name]["fields"]
        if f.get("FolderId"):
            assert (f["DriveId"], f["FolderId"]) not in items, name
            assert (f["DriveId"], f["FormItemId"]) not in items, name
    for name in HELD:
        f = old[name]["fields"]
        assert (f["DriveId"], f["FolderId"]) in items and (f["DriveId"], f["FormItemId"]) in items
    for year, records in kept_rounds.items():
        for name, item in records.items():
            f = item["fields"]
            if f.get("FolderId"):
                assert (f["DriveId"], f["FolderId"]) in items, (year, name)
    # nothing of another round's campaign folder went: every drive item gone was 2025's
    gone = _drive_items(before) - items
    paths = {p for d, i in gone for p in [_path(before, d, i)]}
    assert paths and all(p.startswith("/Medarbetarsamtal/2025") for p in paths), sorted(paths)
    # the bins hold what went: 4 talk folders, a guide, an overview, 4 campaign folders, 5 records
    binned = served.control("GET", "recyclebin").json()["value"]
    assert Counter(e["kind"] for e in binned) == {"driveItem": 10, "listItem": 5}
    assert sorted(e["fields"]["Key"] for e in binned if e["kind"] == "listItem") == sorted(
        old[n]["fields"]["Key"] for n in GONE)

    # the log: one entry, done, with the counts, the decision and the app, and no name or address
    [entry] = _log_items(after)
    note = json.loads(entry["fields"]["Note"])
    assert note["state"] == "done" and note["decision"] == DECISION and note["campaign"] == "2025"
    assert note["app"] == fresh.settings("2027", RETENTION_NOW).tenant.client_id
    assert note["disposed"] == {"talk folders (with their documents)": 4, "managers' guides": 1,
                                "team overviews": 1, "campaign folders": 4, "list items": 5}
    assert note["held_back"] == 2 and note["window_end"] == "2025-03-28" and note["kept_until"] == "2027-03-28"
    logged = json.dumps(entry, ensure_ascii=False).lower()  # the whole item as the list holds it
    for word in _names_and_addresses(before) + [*TEXTS.values(), *(old[n]["fields"]["Key"] for n in HELD + GONE)]:
        assert word.lower() not in logged, word
    for word in {w for n in _names_and_addresses(before) for w in n.split() if " " in n and w.isalpha()}:
        assert word.lower() not in logged.replace("counts only, no names", ""), word  # not even a part of a name

    # a second run finds nothing more to do and writes nothing but nothing
    writes = served.stats()["writes"]
    assert _retention(fresh, "--apply") == 0
    assert "nothing left to dispose of" in capsys.readouterr().out
    assert served.stats()["writes"] == writes and len(_log_items(served.state())) == 1


def test_a_disposed_folder_comes_back_from_the_recycle_bin(fresh: World) -> None:
    served = fresh.served
    form = _items(served.state(), "2025")["Person 0"]["fields"]
    assert _retention(fresh, "--apply") == 0
    entry = next(e for e in served.control("GET", "recyclebin", params={"drive": form["DriveId"]}).json()["value"]
                 if e["itemId"] == form["FolderId"])
    assert entry["folder"] and entry["itemCount"] == 3  # the talk folder, its prep guide and its form
    assert served.control("POST", f"recyclebin/{entry['id']}/restore").status_code == 200
    state = served.state()
    assert form["FormItemId"] in state["drives"][form["DriveId"]]["items"]
    assert served.blob(form["FormItemId"])  # the filled-in form, as it was


def _path(state: dict[str, Any], drive: str, item: str) -> str:
    items = state["drives"][drive]["items"]
    parts = []
    while items[item]["parentId"] is not None:
        parts.append(items[item]["name"])
        item = items[item]["parentId"]
    return "/" + "/".join(reversed(parts))


def _normalised(state: dict[str, Any]) -> dict[str, Any]:
    """What two disposals must agree on: every drive item (by path), every list item's fields
    (a lease's holder and the version counters aside) and what the bins hold."""
    drives = {d: sorted(_path(state, d, i) for i in drive["items"]) for d, drive in state["drives"].items()}
    lists = {}
    for item in all_list_items(state):
        fields = dict(item["fields"])
        if str(fields.get("Key", "")).endswith(":~lease"):
            fields["Note"] = json.loads(fields["Note"]).get("window_end")
        lists[item["id"]] = fields
    binned = sorted((e["kind"], e["itemId"], e.get("path") or "", len(e.get("items") or {}))
                    for e in state["recycleBin"])
    return {"drives": drives, "lists": lists, "bin": binned}


def _apply(world: World, session: requests.Session | None = None, terms: LeaseTerms | None = None,
           pacer: Pacer | None = None, planned: bool = False) -> None:
    """Dispose of what is due; ``planned``: survey it first as `samtal retention --apply` does
    (the due campaigns' folders looked at, only those with something to do taken up)."""
    settings = world.settings("2027", RETENTION_NOW)
    client = world.client("2027", RETENTION_NOW, pacer=pacer,
                          **({"session": session} if session is not None else {}))
    store = RecordStore.open_existing(client.lists, settings.records.site, settings.records.list)
    assert store is not None
    done, busy = dispose_due(client, store, settings, survey(client, store, settings, plan=planned), terms=terms)
    assert not busy and all(d.done for d in done)


@pytest.fixture(params=[False, True], ids=["batched", "one-by-one"])
def one_by_one(request: pytest.FixtureRequest) -> Iterator[bool]:
    send_one_by_one(request.param)
    try:
        yield request.param
    finally:
        send_one_by_one(False)


def test_killed_after_any_write_a_rerun_ends_as_one_uninterrupted_disposal(fresh: World, one_by_one: bool) -> None:
    served = fresh.served
    counting = CrashingSession()
    _apply(fresh, counting)
    reference = _normalised(served.state())
    total = counting.writes
    # the lease, the log entry, 4 talk folders, 2 managers' documents, 4 campaign folders, 5
    # records, the log done, the lease released; batched, each step's requests go in one $batch
    # (the looks at the campaign folders too, a POST)
    assert total == (19 if one_by_one else 10), total
    for k in range(1, total + 1):
        restore(served.sandbox, fresh.saved)
        with pytest.raises(Crash):
            _apply(fresh, CrashingSession(crash_at=k))
        _apply(fresh, terms=later_lease(), planned=True)  # the command again, once the killed run's lease expired
        assert _normalised(served.state()) == reference, f"killed after write {k}"


def test_keep_records_keeps_the_list_items_without_their_links(fresh: World, capsys: pytest.CaptureFixture[str]) -> None:
    config = fresh.configs["2027"]
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("{days: 730,", "{days: 730, keep: records,"), encoding="utf-8")
    try:
        before = _items(fresh.served.state(), "2025")
        assert _retention(fresh, "--apply") == 0
    finally:
        config.write_text(text, encoding="utf-8")
    assert "list items kept, folder links cleared" in capsys.readouterr().out
    after = _items(fresh.served.state(), "2025")
    assert set(after) == set(before)  # every record stays
    items = _drive_items(fresh.served.state())
    for name in GONE:
        f, was = after[name]["fields"], before[name]["fields"]
        assert not f.get("FolderId") and not f.get("DriveId") and not f.get("DocumentUrl") and not f.get("Shared")
        if was.get("FolderId"):
            assert (was["DriveId"], was["FolderId"]) not in items
            assert f["Note"].startswith("documents disposed of on 2027-06-01 (samtal retention)")
        assert f.get("Goals") == was.get("Goals")  # the filed record is kept as it was
    for name in HELD:
        assert after[name]["fields"] == before[name]["fields"]
    [entry] = _log_items(fresh.served.state())
    assert json.loads(entry["fields"]["Note"])["disposed"]["list items kept, folder links cleared"] == 4


def test_apply_needs_a_decision_and_leaves_a_campaign_whose_lease_is_held(
        fresh: World, capsys: pytest.CaptureFixture[str]) -> None:
    config = fresh.configs["2027"]
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace(f'decision: "{DECISION}", ', ""), encoding="utf-8")
    try:
        writes = fresh.served.stats()["writes"]
        assert _retention(fresh, "--apply") == 2
        assert "retention.decision" in capsys.readouterr().err
        assert fresh.served.stats()["writes"] == writes
    finally:
        config.write_text(text, encoding="utf-8")
    # someone runs the old campaign's file: its pass holds the 2025 lease
    settings = fresh.settings("2025", RETENTION_NOW)
    client = fresh.client("2025", RETENTION_NOW)
    store = RecordStore.open_existing(client.lists, settings.records.site, settings.records.list)
    assert store is not None
    lease = PassLease.take(store, "2025")
    try:
        before = fresh.served.state()
        assert _retention(fresh, "--apply") == 4
        assert "another pass is running for campaign 2025" in capsys.readouterr().err
        assert _items(fresh.served.state(), "2025").keys() == _items(before, "2025").keys()
        assert _drive_items(fresh.served.state()) == _drive_items(before)
    finally:
        lease.release()


def test_a_round_whose_window_end_no_pass_recorded_is_estimated_from_its_records(
        fresh: World, capsys: pytest.CaptureFixture[str]) -> None:
    state = fresh.served.state()
    lease = next(i for i in all_list_items(state) if i["fields"].get("Key") == "2025:~lease")
    note = json.loads(lease["fields"]["Note"])
    del note["window_end"]  # as an older samtal wrote it
    fresh.client("2027", RETENTION_NOW).lists.update_item(*_list_ids(state), lease["id"], {"Note": json.dumps(note)})
    assert _retention(fresh) == 0
    out = capsys.readouterr().out
    # the last talk of 2025 ended in its window's last days, the last form was filed after it
    line = next(line for line in out.splitlines() if line.strip().startswith("2025 "))
    assert "estimated from its records" in line and "due:" in line
    assert "its window end was estimated from its records" in out
    estimated = line.split()[1]
    assert "2025-03-28" <= estimated <= "2025-04-07"  # not before the window's end
    # disposing of it records the date it went by in its lease, for plan and status
    assert _retention(fresh, "--apply") == 0
    lease = next(i for i in all_list_items(fresh.served.state()) if i["fields"].get("Key") == "2025:~lease")
    assert json.loads(lease["fields"]["Note"])["window_end"] == estimated


def test_plan_and_status_tell_what_passes_its_retention_within_30_days(
        fresh: World, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    soon = datetime(2027, 3, 10, 9, 0, tzinfo=RETENTION_NOW.tzinfo)  # 18 days before 2027-03-28
    args = ["--config", str(fresh.configs["2027"]), "--now", soon.isoformat()]
    main(["status", *args])
    out = capsys.readouterr().out
    expected = ("retention: 5 records of campaign 2025 (with their folders and documents) pass their "
                "retention on 2027-03-28, in 18 days; 2 talks held back")
    assert expected in out
    assert main(["plan", "-q", *args]) in (0, 1)
    assert expected in capsys.readouterr().out
    main(["status", "--config", str(fresh.configs["2027"]), "--now", (soon - timedelta(days=60)).isoformat()])
    assert "retention:" not in capsys.readouterr().out  # nothing within 30 days
    main(["status", *args[:2], "--now", RETENTION_NOW.isoformat()])
    assert "passed their retention on 2027-03-28; 2 talks held back: `samtal retention --apply`" in capsys.readouterr().out


class HoldingSession(requests.Session):
    """HR sets ``Hold`` on a record in SharePoint just before the disposal deletes the records."""

    def __init__(self, world: World, name: str) -> None:
        super().__init__()
        self.world, self.name, self.done = world, name, False

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kw: Any) -> requests.Response:
        raw = kw.get("data") or kw.get("json") or b""
        body = raw.decode() if isinstance(raw, bytes) else json.dumps(raw) if not isinstance(raw, str) else raw
        batched = '"DELETE"' in body and "/lists/" in body
        if not self.done and (batched or (str(method).upper() == "DELETE" and "/lists/" in str(url))):
            self.done = True
            tenant = self.world.served.sandbox.tenant
            with tenant.lock:
                item = _items(tenant.data, "2025")[self.name]
                item["fields"]["Hold"] = True
                item["version"] += 1  # its eTag changes, as SharePoint's does
        return super().request(method, url, *args, **kw)  # type: ignore[arg-type]


@pytest.mark.usefixtures("one_by_one")
def test_a_record_put_on_hold_while_the_disposal_runs_is_kept(fresh: World) -> None:
    holding = HoldingSession(fresh, "Person 2")
    settings = fresh.settings("2027", RETENTION_NOW)
    client = fresh.client("2027", RETENTION_NOW, session=holding)
    store = RecordStore.open_existing(client.lists, settings.records.site, settings.records.list)
    assert store is not None
    [done], busy = dispose_due(client, store, settings, survey(client, store, settings, plan=False))
    assert holding.done and not busy and done.done
    assert done.left == ["a record of campaign 2025 was put on hold while the disposal ran: kept"]
    assert set(_items(fresh.served.state(), "2025")) == {*HELD, "Person 2"}


def test_a_round_whose_window_has_not_ended_is_never_touched(fresh: World, capsys: pytest.CaptureFixture[str]) -> None:
    """Run from the 2026 file on 2027-03-01, with a retention of 30 days: 2025 is due, 2026 is
    the running campaign, and the window of 2027 (already in the list, booked ahead) ends on
    2027-03-26: it is kept however short the retention, with every item and file as it was."""
    served = fresh.served
    config = fresh.configs["2026"].with_name("campaign-2026-short.yaml")
    config.write_text(fresh.configs["2026"].read_text(encoding="utf-8")
                      + f'retention: {{days: 30, decision: "{DECISION}"}}\n', encoding="utf-8")
    early = datetime(2027, 3, 1, 9, 0, tzinfo=RETENTION_NOW.tzinfo)
    before = served.state()
    kept = {y: _items(before, y) for y in ("2026", "2027")}
    files = {(f["DriveId"], f[k]) for records in kept.values() for i in records.values()
             for f in [i["fields"]] for k in ("FolderId", "FormItemId") if f.get(k)}
    blobs = {i: served.blob(i) for _, i in files if i in served.sandbox.tenant.blobs}
    args = ["retention", "--config", str(config), "--now", early.isoformat()]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "kept: its window has not ended" in out and "kept: the running campaign" in out
    assert main([*args, "--apply"]) == 0
    after = served.state()
    assert set(_items(after, "2025")) == set(HELD[:1])  # Person 3 is not on this file's hold_users
    assert {y: _items(after, y) for y in ("2026", "2027")} == kept
    assert files and files <= _drive_items(after)
    assert blobs and all(served.blob(i) == data for i, data in blobs.items())
    gone = _drive_items(before) - _drive_items(after)
    assert gone and all(_path(before, d, i).startswith("/Medarbetarsamtal/2025") for d, i in gone)


def test_a_disposal_is_paced_like_every_sharepoint_request(fresh: World) -> None:
    """Under a small SharePoint budget (a scaled "minute" of 0.25 s), the disposal's reads,
    deletes and log writes wait for the budget instead of being throttled, and end as usual."""
    served = fresh.served
    budget, window = 20, 0.25
    was = served.control("GET", "ru").json()
    served.control("PUT", "ru", json={"per_minute": budget, "window_s": window}).raise_for_status()
    try:
        _apply(fresh, pacer=Pacer(PacingConfig(ru_per_minute=budget, window_s=window)))
        ru = served.control("GET", "ru").json()
    finally:
        served.control("PUT", "ru", json={"per_minute": was["per_window"], "window_s": was["window_s"]})
    assert ru["enforced"] and ru["total"] > 3 * budget  # the budget bound: several windows' worth
    assert ru["throttled"] <= 2  # without pacing: 9
    assert set(_items(served.state(), "2025")) == set(HELD)
