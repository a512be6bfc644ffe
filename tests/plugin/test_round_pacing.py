"""A round under a small SharePoint budget (a scaled "minute") ends in the same state as a round
without one, with few 429s, because the connector paces itself."""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from connectors.graph.pacing import PacingConfig, Pacer
from connectors.graph.retry import RetryPolicy
from connectors.sandbox import FaultSpec, Sandbox
from connectors.sandbox.generate import generate_seed
from plugin.cache import LookCache
from plugin.reconcile import Reconciler
from plugin.records import is_lease_fields
from plugin.settings import load_settings
from plugin.tenant import open_client

ZONE = ZoneInfo("Europe/Stockholm")
NOW = datetime(2027, 1, 20, 9, 0, tzinfo=ZONE)
CAMPAIGN = """\
campaign: {{id: "2027", title: Medarbetarsamtal 2027, window: {{start: 2027-02-01, end: 2027-03-31}}}}
tenant: {{graph_url: "{url}", tenant_id: t, client_id: c, client_secret: {{env: SAMTAL_PACING_SECRET}}}}
meetings: {{duration_minutes: 60, buffer_minutes: 15, max_per_manager_per_day: 3, time_zone: Europe/Stockholm}}
records: {{site: "example.sharepoint.com:/sites/hr", list: Medarbetarsamtal}}
concurrency: {{max_requests: 8}}
"""
BUDGET, WINDOW_S = 60, 0.5  # 120 RU a second: a 24-person round needs about 3 s


def run_round(tmp: Path, faults: str, pacer: Pacer | None) -> tuple[dict[str, Any], dict[str, Any]]:
    seed = generate_seed(24, seed=5, window_start=date(2027, 2, 1), window_end=date(2027, 3, 31))
    sandbox = Sandbox.from_seed(seed, faults=FaultSpec.parse(faults))
    with sandbox.serve(port=0) as server:
        config = tmp / "campaign.yaml"
        config.write_text(CAMPAIGN.format(url=server.graph_url), encoding="utf-8")
        settings = load_settings(config, now=NOW, environ={"SAMTAL_PACING_SECRET": "x"})
        client = open_client(settings, pacer=pacer,
                             policy=RetryPolicy(max_attempts=20, deadline=60, backoff_base=0.02, backoff_cap=0.2))
        report = Reconciler(client, settings, now=NOW, cache=LookCache(None)).run()
        assert not report.retry_later
        return summary(sandbox), sandbox.stats()


def summary(sandbox: Sandbox) -> dict[str, Any]:
    """What a round leaves behind, without ids and times that depend on the order of requests."""
    data = sandbox.tenant.data
    files = []
    for drive in data["drives"].values():
        items = drive["items"]

        def path(item: dict[str, Any]) -> str:
            parent = items.get(item["parentId"]) if item["parentId"] else None
            return (path(parent) + "/" if parent else "") + item["name"]

        for item in items.values():
            grants = sorted(p["grantedTo"]["user"]["id"] for p in item["permissions"])
            files.append((drive["ownerId"] or drive["siteId"], path(item), item["folder"], tuple(grants)))
    events = sorted((owner, str(e.get("subject")), json.dumps(e.get("start"), sort_keys=True))
                    for owner, box in data["events"].items() for e in box.values())
    records = sorted((i["fields"]["Key"], i["fields"]["Status"]) for s in data["sites"].values()
                     for lst in s["lists"].values() for i in lst["items"].values()
                     if not is_lease_fields(i["fields"]))  # the pass lease is no record
    return {"files": sorted(files), "events": events, "records": records}


def test_a_round_under_a_small_budget_ends_the_same_with_few_429s(tmp_path: Path) -> None:
    free, _ = run_round(tmp_path, "", None)
    paced, stats = run_round(tmp_path, f"ru_per_minute={BUDGET},ru_window_s={WINDOW_S}",
                             Pacer(PacingConfig(ru_per_minute=BUDGET, window_s=WINDOW_S)))
    assert paced == free
    assert len(paced["records"]) >= 20
    ru = stats["ru"]
    assert ru["total"] > 4 * BUDGET  # the budget really bound: several windows' worth
    assert ru["throttled"] <= 3
    assert ru["peak_window"] <= BUDGET + 5
