"""Three campaigns on one sandbox, years apart, for the retention tests: the rounds of 2025, 2026
and 2027 run in simulated time, each with two forms filed (an employee's and a manager's, so that
managers get team overviews), and a campaign file per round."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.graph.client import GraphClient
from connectors.sandbox import Sandbox
from plugin.cache import LookCache
from plugin.documents import wordsim
from plugin.reconcile import Reconciler
from plugin.settings import Settings, load_settings
from plugin.tenant import open_client
from tests.e2e.checks import items_by_key, utc
from tests.e2e.conftest import SECRET_VARIABLE, ZONE, Served

YEARS = ("2025", "2026", "2027")
DECISION = "Gallringsbeslut HR 2027:1"
# The first Monday of February to the last Friday of March, each year.
WINDOWS = {"2025": (date(2025, 2, 3), date(2025, 3, 28)), "2026": (date(2026, 2, 2), date(2026, 3, 27)),
           "2027": (date(2027, 2, 1), date(2027, 3, 26))}
# The 2025 window ends 2025-03-28: kept 730 days, until 2027-03-28. On 2027-06-01 it is due; 2026
# (kept until 2028-03-26) and the running 2027 are not.
RETENTION_NOW = datetime(2027, 6, 1, 9, 0, tzinfo=ZONE)
FILED = ("Person 0", "Bo Boss")  # their forms are filed in every round
TEXTS = {"goals": "- Skriva klart boken", "development_plan": "Kurs i ledarskap",
         "competence_needs": "Statistik i R", "expectations": "Tydliga prioriteringar",
         "health_notes": "Sömnproblem sedan i höstas", "manager_feedback": "Chefen borde lyssna mer"}


Saved = tuple[dict[str, Any], dict[str, bytes]]


@dataclass
class World:
    served: Served
    configs: dict[str, Path]
    saved: Saved | None = None  # the tenant once the rounds ran (snapshot)

    def settings(self, year: str, now: datetime) -> Settings:
        return load_settings(self.configs[year], now=now, allow_past_window=True,
                             environ={SECRET_VARIABLE: "e2e"})

    def client(self, year: str, now: datetime, **kw: Any) -> GraphClient:
        return open_client(self.settings(year, now), policy=self.served.policy, **kw)


def campaign_file(served: Served, year: str, retention: str = "") -> Path:
    """``served``'s campaign file for the round of ``year`` (its id, title and window)."""
    text = served.config.read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    assert first.startswith("campaign: ")
    start, end = WINDOWS[year]
    head = f'campaign: {{id: "{year}", title: Medarbetarsamtal {year}, window: {{start: {start}, end: {end}}}}}\n'
    path = served.config.with_name(f"campaign-{year}.yaml")
    path.write_text(head + rest + (f"retention: {retention}\n" if retention else ""), encoding="utf-8")
    return path


def run_round(world: World, year: str) -> None:
    """Book the round before its window, file two forms, and run once after the window."""
    start, end = WINDOWS[year]
    before = datetime(start.year, 1, 20, 9, 0, tzinfo=ZONE)
    after = datetime(end.year, end.month, end.day, 9, 0, tzinfo=ZONE) + timedelta(days=10)
    _pass(world, year, before)
    records = {f["Title"]: f for f in items_by_key(world.served.state()).values() if f["Campaign"] == year}
    for name in FILED:
        f = records[name]
        data = world.served.blob(f["FormItemId"])
        world.served.people.save_file(f["DriveId"], f["FormItemId"], wordsim.fill_form(
            data, TEXTS, confirm=("employee_confirmed", "manager_confirmed"), health_discussed=True,
            day=utc(f["MeetingStart"]).date()))
    _pass(world, year, after)


def _pass(world: World, year: str, now: datetime) -> None:
    settings = world.settings(year, now)
    report = Reconciler(world.client(year, now), settings, now=now, cache=LookCache(None),
                        look_every=timedelta(hours=6), watch_all=True).run()
    assert not report.retry_later, report.retry_later


def three_rounds(served: Served, retention: str) -> World:
    world = World(served, {y: campaign_file(served, y, retention if y == "2027" else "") for y in YEARS})
    for year in YEARS:
        run_round(world, year)
    return world


def snapshot(sandbox: Sandbox) -> Saved:
    with sandbox.tenant.lock:
        return copy.deepcopy(sandbox.tenant.data), dict(sandbox.tenant.blobs)


def restore(sandbox: Sandbox, saved: Saved | None) -> None:
    assert saved is not None
    with sandbox.tenant.lock:
        sandbox.tenant.data = copy.deepcopy(saved[0])
        sandbox.tenant.blobs = dict(saved[1])
        sandbox.tenant.index()
