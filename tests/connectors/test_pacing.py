"""Pacing: the SharePoint bucket (RU per request, RateLimit-* hints, Retry-After pauses), Outlook's
buckets per mailbox, and GraphHttp with 8 threads staying under a sandbox's budget."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from connectors.graph.auth import StaticTokenProvider
from connectors.graph.http import GraphHttp
from connectors.graph.pacing import PacingConfig, Pacer, request_ru, ru_per_minute_for
from connectors.graph.retry import RetryPolicy
from connectors.sandbox import FaultSpec, Sandbox

SEED = Path(__file__).parents[1] / "sandbox" / "seed.yaml"


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def pacer(t: FakeTime, **kw: float) -> Pacer:
    return Pacer(PacingConfig(**kw), sleep=t.sleep, clock=t.clock)  # type: ignore[arg-type]


@pytest.mark.parametrize(("method", "path", "ru"), [
    ("GET", "/drives/b!x/items/01", 1),
    ("GET", "/drives/b!x/items/01/content", 1),
    ("GET", "/drives/b!x/items/01/children", 2),
    ("GET", "/drives/b!x/items/01?$expand=permissions", 5),
    ("POST", "/drives/b!x/items/01/invite", 5),
    ("PUT", "/users/u/drive/root:/A/f.docx:/content?@microsoft.graph.conflictBehavior=fail", 2),
    ("GET", "/sites/h:/sites/hr:", 1),
    ("GET", "/sites/s/lists/l/items?$filter=fields/Key%20eq%20'x'", 2),
    ("PATCH", "/sites/s/lists/l/items/3/fields", 2),
])
def test_request_ru(method: str, path: str, ru: int) -> None:
    assert request_ru(method, path) == ru


def test_licence_budgets() -> None:
    assert [ru_per_minute_for(n) for n in (10, 1_000, 1_001, 6_000, 20_000, 60_000)] == \
        [1_200, 1_200, 2_400, 3_600, 4_800, 6_000]


def test_a_run_far_from_the_budget_never_waits() -> None:
    t = FakeTime()
    p = pacer(t, ru_per_minute=1_200)
    for _ in range(300):  # 300 RU at once: within the bucket's half-minute burst
        p.after(p.before("GET", "/drives/d/items/i"), 200, {})
    for _ in range(200):
        t.now += 0.1  # 10 RU/s, under the 19 RU/s refill
        p.after(p.before("GET", "/drives/d/items/i"), 200, {})
    assert t.slept == []


def test_bucket_paces_at_the_budget_rate() -> None:
    t = FakeTime()
    p = pacer(t, ru_per_minute=120, window_s=60, burst_share=0.5, safety=1.0)
    start = t.now
    for _ in range(120):  # 240 RU: 60 from the bucket, 180 at 2 RU/s
        p.after(p.before("PUT", "/drives/d/items/i:/f:/content"), 201, {})
    assert t.now - start == pytest.approx(90, abs=1)


def test_ratelimit_headers_hold_sharepoint_until_the_reset_but_not_outlook() -> None:
    t = FakeTime()
    p = pacer(t, ru_per_minute=1_200)
    ticket = p.before("GET", "/drives/d/items/i")
    p.after(ticket, 200, {"ratelimit-limit": "1200", "ratelimit-remaining": "3", "ratelimit-reset": "20"})
    p.before("GET", "/drives/d/items/i")  # 2 left
    p.before("PUT", "/drives/d/items/i:/f:/content")  # 0 left
    assert t.slept == []
    p.before("GET", "/users/u/events")  # Outlook: its own budget
    assert t.slept == []
    p.before("GET", "/drives/d/items/i")
    assert sum(t.slept) == pytest.approx(20)
    assert p.snapshot()["hints"] == 1


def test_ratelimit_limit_replaces_the_configured_budget() -> None:
    t = FakeTime()
    p = pacer(t, ru_per_minute=1_200)
    p.after(p.before("GET", "/drives/d"), 200,
            {"ratelimit-limit": "6000", "ratelimit-remaining": "5000", "ratelimit-reset": "30"})
    assert p.snapshot()["ru_per_minute"] == 6_000


def test_in_flight_requests_are_subtracted_from_the_hint() -> None:
    t = FakeTime()
    p = pacer(t)
    in_flight = [p.before("POST", "/drives/d/items/i/invite") for _ in range(4)]  # 20 RU out
    first = p.before("GET", "/drives/d/items/i")
    p.after(first, 200, {"ratelimit-remaining": "22", "ratelimit-reset": "10"})
    p.before("GET", "/drives/d/items/i")  # 22 - 20 in flight = 2 left: this one fits
    p.before("GET", "/drives/d/items/i")
    assert t.slept == []
    p.before("GET", "/drives/d/items/i")
    assert sum(t.slept) == pytest.approx(10)
    for ticket in in_flight:
        p.after(ticket, 200, {})


def test_retry_after_pauses_sharepoint_for_every_thread() -> None:
    t = FakeTime()
    p = pacer(t)
    p.after(p.before("GET", "/sites/s/lists"), 429, {"retry-after": "7"})
    p.before("GET", "/users/u/calendarView")
    assert t.slept == []
    p.before("GET", "/users/u/drive")
    assert sum(t.slept) == pytest.approx(7)


def test_outlook_is_paced_per_mailbox() -> None:
    t = FakeTime()
    p = pacer(t, mailbox_requests=10, mailbox_window_s=10, burst_share=0.5)  # 5 at once, then 1/s
    for _ in range(5):
        p.before("POST", "/users/a/events")
    p.before("GET", "/users/b/events")
    p.before("GET", "/drives/d/items/i")
    assert t.slept == []
    p.before("GET", "/users/A/calendarView")  # the same mailbox, whatever the case
    assert sum(t.slept) == pytest.approx(1 / 0.95, rel=0.01)


def test_batch_items_are_costed_one_by_one() -> None:
    t = FakeTime()
    p = pacer(t)
    body = {"requests": [{"id": "1", "method": "POST", "url": "/drives/d/items/i/invite"},
                         {"id": "2", "method": "GET", "url": "drives/d/items/j"},
                         {"id": "3", "method": "GET", "url": "/users/a/events"}]}
    ticket = p.before("POST", "/$batch", body)
    assert ticket is not None and ticket.parts == (("mailbox:a", 1.0), ("sharepoint", 6.0))
    assert p.before("GET", "/users/a") is None  # directory: not paced
    assert p.before("PUT", None) is None  # an upload-session URL


def test_config_is_checked() -> None:
    with pytest.raises(ValueError):
        PacingConfig(ru_per_minute=0)
    with pytest.raises(ValueError):
        PacingConfig(window_s=0)
    with pytest.raises(ValueError):
        PacingConfig(burst_share=1.5)


def test_eight_threads_stay_under_the_sandbox_budget() -> None:
    window_s, budget = 0.5, 80
    sandbox = Sandbox.from_seed(SEED, faults=FaultSpec.parse(f"ru_per_minute={budget},ru_window_s={window_s}"))
    with sandbox.serve(port=0) as server:
        session = requests.Session()
        session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=16))
        p = Pacer(PacingConfig(ru_per_minute=budget, window_s=window_s))
        http = GraphHttp(server.graph_url, StaticTokenProvider("t"), session, pacer=p,
                         policy=RetryPolicy(deadline=30))
        drive = http.get("/users/anna.berg@example.se/drive").json_object()["id"]

        def work(n: int) -> None:
            for i in range(12):
                http.put(f"/drives/{drive}/root:/P/{n}-{i}.txt:/content", data=b"x")  # 2 RU
                http.get(f"/drives/{drive}/root:/P/{n}-{i}.txt:")  # 1 RU

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(work, range(8)))
        ru = sandbox.ru.snapshot()
    assert ru["total"] == 1 + 8 * 12 * 3
    assert ru["throttled"] <= 3  # few or no 429s
    assert ru["peak_window"] <= budget + 5
    assert p.snapshot()["waits"] > 0
