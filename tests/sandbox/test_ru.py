"""SharePoint's resource units in the sandbox: costs per route, RateLimit headers from 80 %, 429
with Retry-After = RateLimit-Reset past the budget, the daily budget, Outlook's per-mailbox
budget, and the settings (faults, seed licences, control route)."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
import yaml

from connectors.sandbox import FaultSpec, Sandbox
from connectors.sandbox.faults import FaultSpecError
from connectors.sandbox.ru import RuMeter, budget_for_licences, operation_label, ru_cost
from tests.sandbox.conftest import SEED, Client


@contextmanager
def served(faults: str = "", seed: Any = SEED) -> Iterator[tuple[Sandbox, Client]]:
    sandbox = Sandbox.from_seed(seed, faults=FaultSpec.parse(faults))
    with sandbox.serve(port=0) as server:
        yield sandbox, Client(server.graph_url)


@pytest.mark.parametrize(("method", "path", "query", "cost"), [
    ("GET", "/users/anna/drive", {}, 1),
    ("GET", "/drives/b!x/items/01AB", {}, 1),
    ("GET", "/drives/b!x/root:/A/B.docx:", {}, 1),
    ("GET", "/drives/b!x/items/01AB/content", {}, 1),
    ("GET", "/drives/b!x/root:/A/children:", {}, 1),  # a file named "children", addressed by path
    ("GET", "/drives/b!x/items/01AB/children", {}, 2),
    ("GET", "/drives/b!x/root:/A:/children", {}, 2),
    ("GET", "/drives/b!x/items/01AB", {"$expand": "permissions"}, 5),
    ("GET", "/drives/b!x/items/01AB/permissions", {}, 5),
    ("DELETE", "/drives/b!x/items/01AB/permissions/p1", {}, 5),
    ("POST", "/drives/b!x/items/01AB/invite", {}, 5),
    ("PUT", "/users/anna/drive/root:/A/B.docx:/content", {}, 2),
    ("POST", "/drives/b!x/root:/A/B.docx:/createUploadSession", {}, 2),
    ("POST", "/drives/b!x/items/01AB/children", {}, 2),
    ("DELETE", "/drives/b!x/items/01AB", {}, 2),
    ("GET", "/sites/host:/sites/hr:", {}, 1),
    ("GET", "/sites/s1/lists", {}, 2),
    ("GET", "/sites/s1/lists/L1", {}, 1),
    ("GET", "/sites/s1/lists/L1/columns", {}, 2),
    ("GET", "/sites/s1/lists/L1/items", {"$filter": "fields/Key eq 'x'"}, 2),
    ("GET", "/sites/s1/lists/L1/items/5", {}, 1),
    ("GET", "/sites/s1/lists/L1/items/5/fields", {}, 1),
    ("POST", "/sites/s1/lists/L1/items", {}, 2),
    ("PATCH", "/sites/s1/lists/L1/items/5/fields", {}, 2),
    ("GET", "/drives/b!x/root/delta", {"token": "abc"}, 1),
    ("GET", "/drives/b!x/root/delta", {}, 2),
])
def test_cost_table(method: str, path: str, query: dict[str, str], cost: int) -> None:
    assert ru_cost(method, path, query) == cost


def test_operation_labels_name_the_drive_action() -> None:
    assert operation_label("POST", "/drives/{id}/items", "/drives/b!x/items/01/invite") == "POST /drives/{id}/items/invite"
    assert operation_label("PUT", "/users/{id}/drive/items", "/users/a/drive/root:/x.docx:/content") == \
        "PUT /users/{id}/drive/items/content"
    assert operation_label("GET", "/sites/{site}/lists/{list}/items", "/sites/s/lists/l/items") == \
        "GET /sites/{site}/lists/{list}/items"


def test_licence_table() -> None:
    assert budget_for_licences(0) == (1_200, 1_200_000)
    assert budget_for_licences(1_000) == (1_200, 1_200_000)
    assert budget_for_licences(1_001) == (2_400, 2_400_000)
    assert budget_for_licences(15_000) == (3_600, 3_600_000)
    assert budget_for_licences(50_000) == (4_800, 4_800_000)
    assert budget_for_licences(250_000) == (6_000, 6_000_000)
    with pytest.raises(ValueError):
        budget_for_licences(-1)


def test_ru_spent_by_route_over_loopback() -> None:
    with served("ru_per_minute=1000") as (sandbox, graph):
        drive = graph.get("/users/anna.berg@example.se/drive").json()["id"]                      # 1
        item = graph.call("PUT", f"/drives/{drive}/root:/T/Form.docx:/content", data=b"x").json()  # 2
        folder = item["parentReference"]["id"]
        assert graph.post(f"/drives/{drive}/items/{folder}/invite", json={
            "recipients": [{"email": "per.lind@example.se"}], "roles": ["write"],
            "requireSignIn": True, "sendInvitation": False}).status_code == 200                  # 5
        assert graph.get(f"/drives/{drive}/items/{folder}/children").status_code == 200         # 2
        assert graph.get(f"/drives/{drive}/items/{item['id']}?$expand=permissions").status_code == 200  # 5
        assert graph.get(f"/drives/{drive}/items/{item['id']}/content").status_code == 302      # 1
        graph.get("/users/per.lind@example.se")  # directory: no RU
        graph.get("/users/per.lind@example.se/events")  # Outlook: no RU
        ru = graph.control("GET", "stats").json()["ru"]
    assert ru["total"] == 16
    assert ru["by_route"] == {
        "GET /drives/{id}/items": 5,  # the $expand=permissions read
        "GET /drives/{id}/items/children": 2,
        "GET /drives/{id}/items/content": 1,
        "GET /users/{id}/drive": 1,
        "POST /drives/{id}/items/invite": 5,
        "PUT /drives/{id}/items/content": 2,
    }


def test_batch_items_are_counted_one_by_one() -> None:
    with served("ru_per_minute=1000") as (sandbox, graph):
        drive = graph.get("/users/anna.berg@example.se/drive").json()["id"]
        graph.call("PUT", f"/drives/{drive}/root:/T/a.txt:/content", data=b"x")
        body = {"requests": [
            {"id": "1", "method": "GET", "url": f"/drives/{drive}/root:/T/a.txt:"},
            {"id": "2", "method": "GET", "url": f"/drives/{drive}/root:/T:/children"},
            {"id": "3", "method": "GET", "url": "/users/per.lind@example.se"},
        ]}
        assert graph.post("/$batch", json=body).status_code == 200
        assert sandbox.ru.snapshot()["total"] == 1 + 2 + 1 + 2


def _read(graph: Client, drive: str) -> requests.Response:
    return graph.get(f"/drives/{drive}")


def test_headers_from_80_percent_then_429_with_retry_after_equal_to_reset() -> None:
    with served("ru_per_minute=10,ru_window_s=30") as (sandbox, graph):
        drive = sandbox.tenant.user_drive[sandbox.tenant.user("anna.berg@example.se")["id"]]  # type: ignore[index]
        answers = [_read(graph, drive) for _ in range(11)]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert all("RateLimit-Limit" not in a.headers for a in answers[:7])
    assert [a.headers["RateLimit-Remaining"] for a in answers[7:]] == ["2", "1", "0", "0"]
    assert all(a.headers["RateLimit-Limit"] == "10" for a in answers[7:])
    assert 0 < float(answers[7].headers["RateLimit-Reset"]) <= 30
    throttled = answers[10]
    assert throttled.headers["Retry-After"] == throttled.headers["RateLimit-Reset"]
    assert throttled.json()["error"]["code"] == "TooManyRequests"


def test_the_window_refills_after_reset() -> None:
    with served("ru_per_minute=3,ru_window_s=0.4") as (sandbox, graph):
        drive = sandbox.tenant.user_drive[sandbox.tenant.user("anna.berg@example.se")["id"]]  # type: ignore[index]
        first = [_read(graph, drive).status_code for _ in range(4)]
        wait = float(_read(graph, drive).headers["Retry-After"])
        time.sleep(wait + 0.02)
        after = _read(graph, drive)
        stats = graph.control("GET", "stats").json()
    assert first == [200, 200, 200, 429]
    assert after.status_code == 200
    assert stats["ru"]["throttled"] == 2 and stats["ru"]["total"] == 4
    assert stats["by_status"]["429"] == 2


def test_daily_budget() -> None:
    with served("ru_per_minute=100,ru_per_day=3,ru_window_s=0.2") as (sandbox, graph):
        drive = sandbox.tenant.user_drive[sandbox.tenant.user("anna.berg@example.se")["id"]]  # type: ignore[index]
        codes = [_read(graph, drive).status_code for _ in range(3)]
        time.sleep(0.25)  # a new "minute", the same "day"
        late = _read(graph, drive)
    assert codes == [200, 200, 200]
    assert late.status_code == 429
    assert float(late.headers["Retry-After"]) > 0.2 * 1440 - 5
    assert "RateLimit-Limit" not in late.headers


def test_outlook_budget_per_mailbox_is_its_own() -> None:
    with served("ru_per_minute=1,ru_window_s=30,mailbox_requests=3,mailbox_window_s=30") as (sandbox, graph):
        anna = [graph.get("/users/anna.berg@example.se/events").status_code for _ in range(4)]
        per = graph.get("/users/per.lind@example.se/events").status_code
        drive_reads = [graph.get("/users/anna.berg@example.se/drive").status_code for _ in range(2)]
        refused = graph.get("/users/anna.berg@example.se/events")
    assert anna == [200, 200, 200, 429]
    assert per == 200
    assert drive_reads == [200, 429]  # SharePoint's budget does not touch Outlook's, nor the reverse
    assert refused.json()["error"]["code"] == "ApplicationThrottled"
    assert 0 < float(refused.headers["Retry-After"]) <= 30
    assert sandbox.mailbox_budget.throttled == 2


def test_budget_from_seed_licences(tmp_path: Any) -> None:
    seed = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    seed["tenant"]["licences"] = 2_000
    sandbox = Sandbox.from_seed(seed)
    assert (sandbox.ru.per_window, sandbox.ru.per_day, sandbox.ru.enforce) == (2_400, 2_400_000, True)
    plain = Sandbox.from_seed(SEED)
    assert plain.ru.enforce is False  # no licences and no budget: RU are counted, not enforced
    seed["tenant"]["licences"] = "many"
    with pytest.raises(ValueError, match="tenant.licences"):
        Sandbox.from_seed(seed)


def test_unenforced_meter_counts_but_never_refuses() -> None:
    meter = RuMeter(2, 2, 60.0, enforce=False)
    verdicts = [meter.admit("GET x", 1) for _ in range(5)]
    assert not any(v.throttled or v.headers for v in verdicts)
    assert meter.snapshot()["total"] == 5


def test_meter_with_a_fake_clock() -> None:
    now = [100.0]
    clock: Callable[[], float] = lambda: now[0]
    meter = RuMeter(10, 1_000, 60.0, clock=clock)
    assert meter.admit("a", 5).headers == {}
    now[0] += 20
    warned = meter.admit("a", 5)
    assert warned.headers == {"RateLimit-Limit": "10", "RateLimit-Remaining": "0", "RateLimit-Reset": "40"}
    refused = meter.admit("a", 1)
    assert refused.retry_after == "40" and refused.throttled
    now[0] += 40
    assert not meter.admit("a", 1).throttled


def test_control_route_sets_budgets() -> None:
    with served() as (sandbox, graph):
        set_ = graph.control("PUT", "ru", json={"per_minute": 5, "window_s": 2})
        assert set_.status_code == 200
        assert (set_.json()["per_window"], set_.json()["window_s"], set_.json()["enforced"]) == (5, 2, True)
        assert graph.control("GET", "ru").json()["per_window"] == 5
        assert graph.control("PUT", "ru", json={"per_minute": -1}).status_code == 400
        assert graph.control("PUT", "ru", json={"minute": 3}).status_code == 400
        assert graph.control("PUT", "ru", json={"per_day": 2.5}).status_code == 400


def test_fault_spec_names() -> None:
    spec = FaultSpec.parse("ru_per_minute=120,ru_per_day=5000,ru_window_s=6,mailbox_requests=50,mailbox_window_s=10")
    assert (spec.ru_per_minute, spec.ru_per_day, spec.ru_window_s) == (120, 5000, 6.0)
    assert (spec.mailbox_requests, spec.mailbox_window_s) == (50, 10.0)
    with pytest.raises(FaultSpecError, match="ru_window_s"):
        FaultSpec.parse("ru_window_s=0")
