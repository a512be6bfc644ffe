"""One pass at a time per campaign (plugin/lease.py), on the sandbox over loopback: a second pass
while one runs exits with the lease status and writes nothing; a killed pass blocks the next
only until its lease expires, whatever ``--now`` says; two creators of a fresh list end with one
list; keys that earlier overlapping passes left twice are repaired."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.graph.calendar_records import EventDraft
from connectors.sandbox.generate import generate_seed
from plugin.cli import main
from plugin.lease import LeaseHeld, LeaseLost, LeaseTerms, PassLease, utc_now
from plugin.reconcile import PassReport, Reconciler
from plugin.records import Status, from_fields, to_fields
from plugin.cache import LookCache
from plugin.store import RecordStore
from tests.e2e.checks import check_round, items_by_key, lease_items, list_items, normalised, talk_events
from tests.e2e.conftest import AFTER, NOW, WINDOW, ServeFactory, Served, later_lease, small_seed, team_seed
from tests.e2e.test_crash import Crash, CrashingSession


def _is_write(method: str | bytes, url: str | bytes) -> bool:
    verb = method.decode() if isinstance(method, bytes) else method
    target = url.decode() if isinstance(url, bytes) else url
    return verb.upper() != "GET" and "getSchedule" not in target


class PausingSession(requests.Session):
    """After its ``at``-th write, says so (``reached``) and waits until told to go on."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at
        self.writes = 0
        self.reached = threading.Event()
        self.go_on = threading.Event()

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kw: Any) -> requests.Response:
        response = super().request(method, url, *args, **kw)
        if _is_write(method, url):
            self.writes += 1
            if self.writes == self.at:
                self.reached.set()
                assert self.go_on.wait(120), "the test never let the first pass go on"
        return response


def _store(served: Served) -> RecordStore:
    settings = served.settings(NOW)
    return RecordStore.open(served.client(NOW).lists, settings.records.site, settings.records.list)


def _samtal(served: Served, *args: str) -> int:
    return main([*args, "--config", str(served.config), "--now", NOW.isoformat()])


@pytest.mark.usefixtures("secret_env")
def test_a_second_pass_while_one_runs_exits_with_the_lease_status(
        serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """300 people; the first pass is stopped after a few writes (its lease taken, its talks half
    prepared), a second ``samtal run`` starts meanwhile, then the first goes on: one item per
    key, one live event and one share set per talk, and the second pass exited with status 4."""
    seed = generate_seed(300, seed=3, window_start=WINDOW[0], window_end=WINDOW[1])
    served = serve_tenant(seed)
    first = PausingSession(at=5)
    result: dict[str, PassReport | BaseException] = {}

    def run_first() -> None:
        try:
            result["report"] = served.run(NOW, session=first)
        except BaseException as err:  # noqa: BLE001 - the main thread reports it
            result["report"] = err

    thread = threading.Thread(target=run_first)
    thread.start()
    try:
        assert first.reached.wait(120), "the first pass never wrote"
        code = _samtal(served, "run", "-q", "--cache", str(tmp_path / "cache.json"))
    finally:
        first.go_on.set()
        thread.join(300)
    err = capsys.readouterr().err
    assert code == 4, err
    assert "another pass is running for campaign 2027" in err and "running since" in err and "expires" in err
    report = result["report"]
    assert isinstance(report, PassReport), report
    assert not report.retry_later

    state = served.state()
    check_round(served, state, graph_reads=False)   # one item per key, one live event per talk, shares
    assert len(items_by_key(state)) == len(state["users"])
    reference = serve_tenant(seed)
    reference.run(NOW)
    assert normalised(state) == normalised(reference.state())   # the same as one pass alone
    (lease,) = lease_items(state)
    assert '"released": true' in str(lease["fields"]["Note"])


def test_two_passes_started_together_on_a_fresh_list(serve_tenant: ServeFactory) -> None:
    """Started at the same moment on a tenant without the list: one list, and either one pass ran
    and the other found the lease held, or the second started after the first ended."""
    seed = generate_seed(60, seed=4, window_start=WINDOW[0], window_end=WINDOW[1])
    served = serve_tenant(seed)
    start = threading.Barrier(2)
    results: list[PassReport | BaseException] = []

    def run() -> None:
        start.wait(30)
        try:
            results.append(served.run(NOW))
        except BaseException as err:  # noqa: BLE001 - judged below
            results.append(err)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert len(results) == 2
    assert not [r for r in results if not isinstance(r, (PassReport, LeaseHeld))], results
    assert any(isinstance(r, PassReport) for r in results)
    state = served.state()
    lists = [lst for site in state["sites"].values() for lst in site["lists"].values()]
    assert [lst["displayName"] for lst in lists] == ["Medarbetarsamtal"]
    check_round(served, state, graph_reads=False)
    assert len(lease_items(state)) == 1


class RacingSession(requests.Session):
    """Holds its POST that creates a list until the other creator is about to send its own."""

    def __init__(self, barrier: threading.Barrier) -> None:
        super().__init__()
        self.barrier = barrier

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kw: Any) -> requests.Response:
        target = url.decode() if isinstance(url, bytes) else url
        verb = method.decode() if isinstance(method, bytes) else method
        if verb.upper() == "POST" and target.split("?")[0].endswith("/lists"):
            self.barrier.wait(30)
        return super().request(method, url, *args, **kw)


def test_two_creators_racing_on_a_fresh_list_both_end_with_the_one_list(serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(1))
    settings = served.settings(NOW)
    barrier = threading.Barrier(2)
    found: list[str | BaseException] = []

    def open_list() -> None:
        client = served.client(NOW, RacingSession(barrier))
        try:
            found.append(RecordStore.open(client.lists, settings.records.site, settings.records.list).info.id)
        except BaseException as err:  # noqa: BLE001 - judged below
            found.append(err)

    threads = [threading.Thread(target=open_list) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    lists = [lst for site in served.state()["sites"].values() for lst in site["lists"].values()]
    assert len(lists) == 1 and found == [lists[0]["id"]] * 2, found
    assert served.stats()["by_status"].get("409") == 1  # they did race: one create was refused


class CreatorsSession(requests.Session):
    """Holds its create of a lease item until the other taker is about to send its own."""

    def __init__(self, barrier: threading.Barrier) -> None:
        super().__init__()
        self.barrier = barrier
        self.creates = 0

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kw: Any) -> requests.Response:
        verb = method.decode() if isinstance(method, bytes) else method
        target = url.decode() if isinstance(url, bytes) else url
        if verb.upper() == "POST" and target.endswith("/items") and b"~lease" in (kw.get("data") or b""):
            self.creates += 1
            if self.creates == 1:
                self.barrier.wait(30)
        return super().request(method, url, *args, **kw)


def test_two_takers_creating_the_first_lease_at_once_end_with_one_holder(serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(1))
    _store(served)                                   # the list exists; no lease item yet
    settings = served.settings(NOW)
    barrier = threading.Barrier(2)
    sessions = [CreatorsSession(barrier) for _ in range(2)]
    outcome: list[PassLease | BaseException] = []

    def take(session: CreatorsSession) -> None:
        store = RecordStore.open(served.client(NOW, session).lists, settings.records.site, settings.records.list)
        try:
            outcome.append(PassLease.take(store, "2027"))
        except BaseException as err:  # noqa: BLE001 - judged below
            outcome.append(err)

    threads = [threading.Thread(target=take, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    holders = [o for o in outcome if isinstance(o, PassLease)]
    assert len(holders) == 1 and len(outcome) == 2, outcome
    assert isinstance(next(o for o in outcome if not isinstance(o, PassLease)), LeaseHeld)
    assert all(s.creates >= 1 for s in sessions)      # both did create one
    (item,) = lease_items(served.state())             # one lease item is left, the holder's
    assert holders[0].pass_id in str(item["fields"]["Note"])
    holders[0].release()


def test_a_killed_pass_blocks_the_next_only_until_its_lease_expires(serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(4))
    with pytest.raises(Crash):   # killed right after its lease was taken: it never releases it
        served.run(NOW, session=CrashingSession(crash_at=3))
    (left,) = lease_items(served.state())
    with pytest.raises(LeaseHeld) as held:
        served.run(NOW)
    assert "another pass is running" in str(held.value) and "running since" in str(held.value)
    with pytest.raises(LeaseHeld):   # --now is no clock for the lease
        served.run(AFTER + timedelta(days=365))
    assert list_items(served.state()) == []   # the refused passes wrote nothing
    assert lease_items(served.state()) == [left]

    report = served.run(NOW, lease=later_lease(6))   # six minutes later, the lease has expired
    assert not report.retry_later
    check_round(served, served.state(), graph_reads=False)


@pytest.mark.usefixtures("secret_env")
def test_only_run_needs_the_lease(serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str],
                                  tmp_path: Path) -> None:
    served = serve_tenant(small_seed())
    cache = str(tmp_path / "cache.json")
    assert _samtal(served, "run", "-q", "--cache", cache) == 0
    holder = PassLease.take(_store(served), "2027", LeaseTerms(host="cron-b.example.se", process=4711))
    try:
        capsys.readouterr()
        writes = served.stats()["writes"]
        assert _samtal(served, "run", "-q", "--cache", cache) == 4
        err = capsys.readouterr().err
        assert "another pass is running for campaign 2027: host cron-b.example.se, process 4711" in err
        assert "running since" in err and "expires at" in err and "Traceback" not in err
        assert served.stats()["writes"] == writes
        assert _samtal(served, "status") == 1   # Anna has no manager, Örjan no mailbox
        assert "needs attention (2)" in capsys.readouterr().out
        assert _samtal(served, "plan", "-q") == 0
        assert _samtal(served, "report", "--out", str(tmp_path / "report")) == 0
        assert _samtal(served, "doctor") == 0
        assert served.stats()["writes"] == writes   # none of them wrote
    finally:
        holder.release()
    assert _samtal(served, "run", "-q", "--cache", cache) == 0


def test_a_pass_that_lost_its_lease_stops_writing(serve_tenant: ServeFactory) -> None:
    """Another pass takes the lease over mid-way (this one's expired, say after minutes without
    SharePoint): at its next renewal the pass learns it and stops at its next step — the batch
    in flight ends, no meeting is booked and no record written — and leaves the lease alone."""
    served = serve_tenant(team_seed(6))
    settings = served.settings(NOW)
    session = PausingSession(at=4)
    reconciler = Reconciler(served.client(NOW, session), settings, now=NOW, cache=LookCache(None))
    outcome: list[BaseException | PassReport] = []

    def run() -> None:
        try:
            outcome.append(reconciler.run())
        except BaseException as err:  # noqa: BLE001 - judged below
            outcome.append(err)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert session.reached.wait(60)
        other = PassLease.take(_store(served), "2027", later_lease(6))   # the first one's has expired
        lease = reconciler.lease
        assert lease is not None
        with pytest.raises(LeaseLost):
            lease.renew()                                                # 412: taken over
        records = list_items(served.state())
    finally:
        session.go_on.set()
        thread.join(60)
    assert len(outcome) == 1 and isinstance(outcome[0], LeaseLost), outcome
    state = served.state()
    assert list_items(state) == records and not talk_events(state)        # stopped before booking
    (item,) = lease_items(state)
    assert other.pass_id in str(item["fields"]["Note"]) and '"released": false' in str(item["fields"]["Note"])
    other.release()


def test_a_lease_is_renewed_while_the_pass_runs_and_stops_it_when_it_cannot_be(
        serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(1))
    store = _store(served)
    lease = PassLease.take(store, "2027", LeaseTerms(term=timedelta(seconds=0.9)))
    first = lease.expires
    try:
        threading.Event().wait(1.5)           # longer than the term: renewed every 0.3 s
        lease.check()
        assert lease.expires > first + timedelta(seconds=0.5)
    finally:
        lease.release()
    start = utc_now()
    clock = [start]                           # a clock the test moves; renewals are 100 s apart
    late = PassLease.take(store, "2027", LeaseTerms(clock=lambda: clock[0]))
    try:
        clock[0] = start + timedelta(minutes=3, seconds=59)
        late.check()
        clock[0] = start + timedelta(minutes=4, seconds=1)   # the last fifth, never renewed
        with pytest.raises(LeaseLost, match="could not be renewed in time"):
            late.check()
    finally:
        late.release()


def _plant(served: Served, fields: dict[str, Any], **changes: Any) -> str:
    """A second item for the record ``fields``, as overlapping passes of an older samtal left."""
    store = _store(served)
    original = from_fields(fields, None)
    return store.lists.create_item(store.site.id, store.info.id, to_fields(original.with_changes(**changes))).id


def test_a_key_left_twice_is_repaired_by_the_next_pass(serve_tenant: ServeFactory,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    served = serve_tenant(team_seed(4))
    served.run(NOW)
    before = items_by_key(served.state())
    keys = sorted(k for k, f in before.items() if f["Status"] == "scheduled")
    assert len(keys) >= 3
    gone, stale, second = keys[:3]
    # 1: a newer copy naming a meeting that no longer exists and no folder
    _plant(served, before[gone], event_id="AAMkAD-no-such-event", drive_id="", folder_id="", folder_url="",
           document_url="", form_item_id="", form_etag="", shared=False)
    # 2: a copy that fell behind (unschedulable, no meeting): the original, further along, wins
    _plant(served, before[stale], status=Status.UNSCHEDULABLE, note="no common free time", event_id="")
    # 3: a copy that booked a second, live meeting for the talk (the same time, another event)
    f = before[second]
    client = served.client(NOW)
    extra = client.calendar.create_event(f["ManagerId"], EventDraft(
        subject="Medarbetarsamtal", body_html="<p>x</p>", start=from_fields(f).meeting_start,  # type: ignore[arg-type]
        end=from_fields(f).meeting_end, time_zone="W. Europe Standard Time",  # type: ignore[arg-type]
        attendees=((f["EmployeeEmail"], f["Title"]),), tag=second, transaction_id="planted-second",
        online_meeting=True))
    _plant(served, before[second], event_id=extra.id)
    assert len(talk_events(served.state())[second]) == 2
    assert len(list_items(served.state())) == len(before) + 3

    caplog.set_level(logging.WARNING, logger="plugin.store")
    report = served.run(NOW + timedelta(hours=1))
    assert not report.retry_later, report.retry_later
    after = items_by_key(served.state())                    # one item per key again
    assert set(after) == set(before)
    for key in (gone, stale):
        assert after[key]["EventId"] == before[key]["EventId"] and after[key]["FolderId"] == before[key]["FolderId"]
        assert after[key]["Status"] == "scheduled"
    assert after[second]["FolderId"] == before[second]["FolderId"]
    assert len(talk_events(served.state())[second]) == 1     # the second invitation was cancelled
    check_round(served, served.state(), graph_reads=False)
    repaired = [r.getMessage() for r in caplog.records if "repaired" in r.getMessage()]
    assert len(repaired) == 3 and all("2 list items" in m for m in repaired)
    assert served.run(NOW + timedelta(hours=2)).writes == 0  # nothing left to repair


@pytest.mark.usefixtures("secret_env")
def test_a_lease_note_nested_too_deeply_to_parse_stops_no_command(
        serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Someone who may edit the records list replaces the lease item's note (and that of an older
    campaign's lease) by JSON nested deeper than the parser recurses. Every command goes on: the
    note is unreadable, so the lease is free and the next run takes it over; no RecursionError."""
    served = serve_tenant(team_seed(2))
    cache = str(tmp_path / "cache.json")
    assert _samtal(served, "run", "-q", "--cache", cache) == 0
    store = _store(served)
    nested = "[" * 30_000 + "]" * 30_000
    (lease,) = lease_items(served.state())
    store.lists.update_item(store.site.id, store.info.id, lease["id"], {"Note": nested})
    store.lists.create_item(store.site.id, store.info.id, {"Key": "2025:~lease", "Title": "samtal lease",
                                                           "EmployeeId": "~lease", "Note": nested})
    capsys.readouterr()
    assert _samtal(served, "run", "-q", "--cache", cache) == 0
    assert _samtal(served, "plan", "-q") == 0
    assert _samtal(served, "status") in (0, 1)
    assert _samtal(served, "retention") == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and "RecursionError" not in err, err
    item = next(i for i in lease_items(served.state()) if i["id"] == lease["id"])
    assert '"released": true' in str(item["fields"]["Note"])   # the run took the lease and gave it back
    check_round(served, served.state(), graph_reads=False)
