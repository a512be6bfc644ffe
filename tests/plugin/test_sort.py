"""Where the pass sends each talk (``plugin.sorting.sort_talk``), for every status, meeting time, event
and manager: each record that is not filed goes exactly one way, and a talk whose meeting is off
(declined, or no event) is always booked, never watched as if it had been held."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.graph.directory import User
from plugin.cache import LookCache
from plugin.parallel import WorkerPool
from plugin.pass_context import PassContext
from plugin.progress import Progress
from plugin.records import Record, Status
from plugin.roster import Entry
from plugin.settings import load_settings
from plugin.sorting import Sorted, sort_talk
from plugin.store import RecordBook
from plugin.tenant import open_client

ZONE = ZoneInfo("Europe/Stockholm")
NOW = datetime(2027, 3, 1, 9, tzinfo=ZONE)  # in the middle of the window
CAMPAIGN = """\
campaign: {id: "2027", title: Medarbetarsamtal 2027, window: {start: 2027-02-01, end: 2027-03-31}}
tenant: {graph_url: "http://127.0.0.1:9/v1.0", tenant_id: t, client_id: c, client_secret: {env: SAMTAL_SORT_SECRET}}
records: {site: "example.sharepoint.com:/sites/hr", list: Medarbetarsamtal}
"""
EMPLOYEE = User(id="e1", display_name="Eva", upn="eva@example.se")
MANAGER = User(id="m1", display_name="Mats", upn="mats@example.se")
FORMER = "m0"
WHEN = {"no time": None, "past": NOW - timedelta(days=3), "future": NOW + timedelta(days=3)}


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> PassContext:
    config = Path(tmp_path_factory.mktemp("sort")) / "campaign.yaml"
    config.write_text(CAMPAIGN, encoding="utf-8")
    settings = load_settings(config, now=NOW, environ={"SAMTAL_SORT_SECRET": "x"})
    return PassContext(open_client(settings), settings, now=NOW, dry_run=False, cache=LookCache(None),
                       progress=Progress(quiet=True), look_every=timedelta(hours=6), watch_all=False,
                       book=RecordBook(None, {}), pool=WorkerPool(1))


CASES = list(itertools.product(Status, WHEN, (True, False), (True, False)))


@pytest.mark.parametrize(("status", "when", "event", "same_manager"), CASES,
                         ids=[f"{s.value}-{w}-{'event' if e else 'no event'}-{'same' if m else 'new'} manager"
                              for s, w, e, m in CASES])
def test_every_talk_goes_one_sensible_way(context: PassContext, status: Status, when: str, event: bool,
                                          same_manager: bool) -> None:
    start = WHEN[when]
    record = Record(campaign="2027", employee_id=EMPLOYEE.id, employee_name="Eva", status=status,
                    manager_id=MANAGER.id if same_manager else FORMER, event_id="ev1" if event else "",
                    meeting_start=start, meeting_end=start + timedelta(hours=1) if start else None)
    context.cache = LookCache(None)  # nothing looked at recently: every talk is due
    work = Sorted()
    sort_talk(context, Entry(EMPLOYEE, MANAGER), record, work)
    ways = [(name, t.kind) for name, talks in (("book", work.to_book), ("check", work.to_check),
                                               ("watch", work.to_watch)) for t in talks]
    if status is Status.FILED:
        assert ways == []
        return
    assert len(ways) == 1, ways
    way, kind = ways[0]
    if status is Status.DECLINED or not event or status in (Status.UNSCHEDULABLE, Status.FAILED, Status.EXCLUDED):
        assert way == "book", ways  # a declined talk is never left watched, whenever its old time was
        if not event or status is not Status.DECLINED:
            assert kind == "new"
        else:
            assert kind == ("declined" if same_manager else "moved")
    elif when == "past":  # scheduled or held, its time passed: watched (held once its event is looked at)
        assert (way, kind) == ("watch", "held")
    elif same_manager:
        assert (way, kind) == ("check", "check")
    else:  # a new manager before the meeting: the talk moves
        assert (way, kind) == ("book", "moved")
