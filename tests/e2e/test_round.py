"""A first round on a seeded organisation, checked object by object, and the awkward directory
cases (docs/sandbox.md#user-variants) each ending as documented: with the status and the reason
docs/records.md#statuses gives them."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from connectors.sandbox.generate import generate_seed
from plugin.reconcile import PassReport
from tests.e2e.checks import LEASE_WRITES, check_round, items_by_key, normalised
from tests.e2e.conftest import NOW, WINDOW, ServeFactory, Served, small_seed

Round = tuple[Served, PassReport, dict[str, Any]]


@pytest.fixture(scope="module")
def small_round(serve_tenant: ServeFactory) -> Round:
    served = serve_tenant(small_seed())
    report = served.run(NOW)
    return served, report, served.state()


@pytest.fixture(scope="module")
def generated_round(serve_tenant: ServeFactory) -> Round:
    seed = generate_seed(80, seed=1, window_start=WINDOW[0], window_end=WINDOW[1])
    served = serve_tenant(seed)
    report = served.run(NOW)
    return served, report, served.state()


def by_upn(state: dict[str, Any], items: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {state["users"][f["EmployeeId"]]["userPrincipalName"]: f for f in items.values()}


@pytest.mark.parametrize("which", ["small_round", "generated_round"])
def test_every_talk_is_booked_prepared_and_shared_as_documented(which: str, request: pytest.FixtureRequest) -> None:
    served, report, state = request.getfixturevalue(which)
    assert not report.retry_later
    items = check_round(served, state)
    statuses = [f["Status"] for f in items.values()]
    assert statuses.count("scheduled") >= 0.75 * len(statuses)
    # the pass's own account matches the list
    assert {r.key: r.status.value for r in report.records} == {k: f["Status"] for k, f in items.items()}


def test_awkward_people_of_the_small_seed_end_as_documented(small_round: Round) -> None:
    served, _, state = small_round
    f = by_upn(state, items_by_key(state))
    expect = {
        "anna.berg@example.se": ("failed", "no manager"),
        "goran.nystrom@example.se": ("excluded", "disabled"),
        "kim.lee_partner.example.org#EXT#@example.se": ("excluded", "guest"),
        "orjan.dahl@example.se": ("failed", "no Exchange Online mailbox"),
        "karin.stahl@example.se": ("scheduled", "OneDrive was never provisioned"),
    }
    for upn, (status, note) in expect.items():
        assert (f[upn]["Status"], note in f[upn]["Note"]) == (status, True), (upn, f[upn]["Note"])
    # Karin's folder is in her manager's OneDrive, kept apart from others' by her id
    karin = f["karin.stahl@example.se"]
    assert karin["FolderOwner"] == f["per.lind@example.se"]["EmployeeId"]
    # the org contact is not a user: no record, no event
    assert not any("lars.holm" in upn for upn in f)
    # duplicate display names: two talks, two folders, two events
    eriks = [x for x in f.values() if x["Title"] == "Erik Andersson"]
    assert len(eriks) == 2 and {x["Status"] for x in eriks} == {"scheduled"}
    assert eriks[0]["FolderId"] != eriks[1]["FolderId"] and eriks[0]["EventId"] != eriks[1]["EventId"]
    # the English speaker's documents and invitation are in English
    assert eriks[1]["Language"] == "en" or eriks[0]["Language"] == "en"
    # forbidden characters and edge spaces: the talk happens, the folder name is made safe
    assert f["sara.lund@example.se"]["Status"] == "scheduled"
    assert f["olle.berg@example.se"]["Status"] == "scheduled"
    assert f["fatima.al-sayed@example.se"]["Status"] == "scheduled"  # London hours, checked above


def test_awkward_people_of_a_generated_organisation_end_as_documented(generated_round: Round) -> None:
    _, _, state = generated_round
    cases = generate_seed(80, seed=1, window_start=WINDOW[0], window_end=WINDOW[1])["generated"]["cases"]
    f = by_upn(state, items_by_key(state))
    wanted = {"guest": ("excluded", "guest"), "disabled": ("excluded", "disabled"),
              "no_manager": ("failed", "no manager"), "no_mailbox": ("failed", "mailbox"),
              "no_onedrive": ("scheduled", "OneDrive")}
    seen = 0
    for case, (status, note) in wanted.items():
        for upn in cases[case]:
            assert f[upn]["Status"] == status and note in f[upn]["Note"], (case, upn, f[upn])
            seen += 1
    assert seen >= 5
    for upn in cases["forbidden_characters"] + cases["edge_spaces_or_dots"]:
        assert f[upn]["Status"] == "scheduled", (upn, f[upn]["Note"])
    for upn in cases["contact"]:
        assert upn not in f


def test_a_second_pass_writes_nothing_and_asks_little(generated_round: Round, tmp_path: Any) -> None:
    """With the local cache of the first look (as ``samtal run`` keeps one), a pass with nothing
    to do costs at most 10 + 5 per 100 employees requests and writes nothing but its lease."""
    served, _, state = generated_round
    from plugin.cache import LookCache

    cache = LookCache(tmp_path / "cache.json")
    first = served.run(NOW, cache=cache)  # looks at everything once, fills the cache
    assert first.writes == 0
    before = served.stats()
    report = served.run(NOW + dt.timedelta(minutes=30), cache=LookCache(tmp_path / "cache.json"))
    after = served.stats()
    employees = len(state["users"])
    requests = after["requests"] - before["requests"]
    assert report.writes == 0 and not report.actions
    assert writes(before, after) == LEASE_WRITES, _routes(before, after)
    assert requests <= 10 + 5 * employees / 100, _routes(before, after)
    assert normalised(served.state()) == normalised(state)


def test_a_second_pass_without_a_cache_still_writes_nothing(small_round: Round) -> None:
    served, _, state = small_round
    before = served.stats()
    report = served.run(NOW + dt.timedelta(hours=1))
    after = served.stats()
    assert report.writes == 0 and not report.actions
    assert writes(before, after) == LEASE_WRITES, _routes(before, after)
    assert normalised(served.state()) == normalised(state)


def writes(before: dict[str, Any], after: dict[str, Any]) -> int:
    """Writes the sandbox served between two snapshots of its stats (getSchedule, a POST that
    only reads, is not counted as one)."""
    return int(after["writes"] - before["writes"])


def _routes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    return {r: n - before["by_route"].get(r, 0) for r, n in after["by_route"].items()
            if n != before["by_route"].get(r, 0)}
