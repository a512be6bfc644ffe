"""Every Graph route the client uses has a contract, and the sandbox keeps them.

The routes are *recorded*: :mod:`tests.contract.tour` calls every public method of the connector
classes against the sandbox through a recording session, ``$batch`` items counted one by one.
A connector method with no step in the tour fails here; so does a recorded request that no
contract under ``shapes/`` describes, unless its route is in :data:`EXPECTED_MISSING`.

The recorded exchanges are then held against their contracts both ways: the request samtal sent
(path, query options, headers, body) and the answer the sandbox gave (status and shape).
"""
from __future__ import annotations

from collections import defaultdict

import pytest

from tests.contract.conftest import (
    Contract, Exchange, _template, all_contracts, answer_problems, match, request_problems,
)
from tests.contract.tour import TOUR, TourResult, connector_methods, run_tour

# Routes the client uses whose contracts are still to be written (OneDrive, SharePoint lists,
# $batch and the upload session). The ONE list of known gaps: whoever writes a contract removes
# its route here; the test fails when an entry is no longer needed, and when a route is missing
# from both the contracts and this list.
EXPECTED_MISSING: tuple[str, ...] = ()


def _expected(method: str, path: str) -> str | None:
    for route in EXPECTED_MISSING:
        m, _, template = route.partition(" ")
        if m == method.upper() and _template(template).fullmatch(path):
            return route
    return None


@pytest.fixture(scope="module")
def tour() -> TourResult:
    return run_tour()


@pytest.fixture(scope="module")
def recorded(tour: TourResult) -> list[tuple[str, Exchange, Contract | None]]:
    contracts = all_contracts()
    return [(path, ex, match(ex.method, path, contracts)) for path, ex in tour.recorder.graph(tour.graph_url)]


def test_every_connector_method_has_a_step_in_the_tour() -> None:
    methods = set(connector_methods())
    assert not methods - set(TOUR), f"connector methods without a tour step: {sorted(methods - set(TOUR))}"
    assert not set(TOUR) - methods, f"tour steps for methods that no longer exist: {sorted(set(TOUR) - methods)}"


def test_the_tour_calls_every_connector_method(tour: TourResult) -> None:
    assert not tour.failures, "tour steps failed:\n" + "\n".join(f"  {k}: {v}" for k, v in tour.failures.items())
    missed = set(connector_methods()) - tour.called
    assert not missed, f"connector methods the tour never reached: {sorted(missed)}"


def test_every_route_the_client_uses_has_a_contract(recorded: list[tuple[str, Exchange, Contract | None]]) -> None:
    assert recorded, "the tour recorded nothing"
    uncovered: dict[str, list[str]] = defaultdict(list)
    still_missing: set[str] = set()
    for path, ex, c in recorded:
        if c is not None:
            continue
        expected = _expected(ex.method, path)
        if expected is None:
            uncovered[f"{ex.method} {path}"].append(ex.url)
        else:
            still_missing.add(expected)
    assert not uncovered, ("requests with no contract (write shapes/<area>/<call>.yaml):\n"
                           + "\n".join(f"  {k}" for k in sorted(uncovered)))
    stale = set(EXPECTED_MISSING) - still_missing
    assert not stale, ("routes listed in EXPECTED_MISSING that now have a contract or are no longer used; "
                       f"remove them: {sorted(stale)}")


def test_every_contract_is_used(recorded: list[tuple[str, Exchange, Contract | None]]) -> None:
    """A contract no recorded request matches describes a call samtal no longer makes (or a
    path template that matches nothing): either way it checks nothing."""
    used = {c.name for _, _, c in recorded if c is not None}
    unused = {c.name for c in all_contracts() if c.name.split("/")[0] != "auth"} - used
    assert not unused, f"contracts no recorded request matched: {sorted(unused)}"


def test_requests_the_client_sent_keep_their_contracts(
        tour: TourResult, recorded: list[tuple[str, Exchange, Contract | None]]) -> None:
    broken = []
    for _path, ex, c in recorded:
        if c is None:
            continue
        found = request_problems(c, ex, tour.graph_url)
        if found:
            broken.append(f"{c.name}: {ex.method} {ex.url}\n    " + "\n    ".join(found))
    assert not broken, "requests that break their contracts:\n" + "\n".join(broken)


def test_sandbox_answers_keep_their_contracts(recorded: list[tuple[str, Exchange, Contract | None]]) -> None:
    broken: dict[tuple[str, tuple[str, ...]], str] = {}
    for path, ex, c in recorded:
        if c is None:
            continue
        found = answer_problems(c, ex.answer, ex.status)
        if found:  # one line per contract and kind of problem, with the first request that showed it
            broken.setdefault((c.name, tuple(found)), f"{c.name}: {ex.method} {path} → {ex.status}\n    "
                              + "\n    ".join(found[:12]))
    assert not broken, "sandbox answers that break their contracts:\n" + "\n".join(broken.values())
