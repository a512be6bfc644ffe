"""``samtal plan``'s RU estimate: the table, the floor at a budget, and the estimate of a dry run
against the RU a real pass then spends in the sandbox."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from connectors.sandbox import Sandbox
from connectors.sandbox.generate import generate_seed
from plugin.cache import LookCache
from plugin.commands.plan import budget_source
from plugin.reconcile import Reconciler
from plugin.ru_estimate import describe, estimate_round
from plugin.settings import load_settings
from plugin.settings_sections import PacingSettings
from plugin.tenant import open_client, pacer_for
from tests.plugin.test_round_pacing import CAMPAIGN, NOW


def test_estimate_counts_talks_managers_and_the_records() -> None:
    actions = [("book", "Anna"), ("book", "Anna"), ("book", "Per"), ("rebook: cancelled", ""),
               ("move (declined)", "Per"), ("unschedulable", "Per")]
    e = estimate_round(actions, records=450, ru_per_minute=1_200)
    assert dict((what, ru) for what, _, ru in e.by_action) == {
        "book": 42, "move (declined)": 4, "unschedulable": 2, "manager's guide": 4, "read the records": 12}
    assert e.ru == 64 and e.talks == 4
    assert e.minutes == pytest.approx(64 / 1_200)
    text = describe(e, "1,000 licences")
    assert text[0] == "SharePoint resource units running this plan would cost: about 64 (16.0 per talk)"
    assert text[-1] == "at 1,200 RU a minute (1,000 licences) it would take at least 3 seconds"
    with pytest.raises(ValueError):
        estimate_round([], 0, 0)


def test_a_plan_with_nothing_to_do_takes_under_a_second_never_0_seconds() -> None:
    idle = estimate_round([], records=40, ru_per_minute=1_200)
    assert describe(idle, "1,000 licences")[-1] == \
        "at 1,200 RU a minute (1,000 licences) it would take under a second"
    one = estimate_round([("book", "Anna")] * 4, records=4, ru_per_minute=60)
    assert describe(one, "pacing.ru_per_minute")[-1].endswith("at least 1 minute")


def test_budget_from_settings() -> None:
    assert PacingSettings().budget == 1_200
    assert PacingSettings(licences=20_000).budget == 4_800
    assert PacingSettings(licences=20_000, ru_per_minute=900).budget == 900
    assert budget_source(PacingSettings(licences=2_000)) == "2,000 licences"
    assert "pacing.licences" in budget_source(PacingSettings())


def test_plan_estimate_is_close_to_what_the_pass_spends(tmp_path: Path) -> None:
    seed = generate_seed(40, seed=9, window_start=date(2027, 2, 1), window_end=date(2027, 3, 31))
    sandbox = Sandbox.from_seed(seed)
    with sandbox.serve(port=0) as server:
        config = tmp_path / "campaign.yaml"
        config.write_text(CAMPAIGN.format(url=server.graph_url), encoding="utf-8")
        settings = load_settings(config, now=NOW, environ={"SAMTAL_PACING_SECRET": "x"})
        assert pacer_for(settings) is None  # a sandbox without pacing keys is not paced
        client = open_client(settings)
        plan = Reconciler(client, settings, now=NOW, dry_run=True, cache=LookCache(None)).run()
        estimate = estimate_round(((a.what, a.manager) for a in plan.actions), 0, 1_200)
        before = sandbox.ru.snapshot()["total"]
        Reconciler(client, settings, now=NOW, cache=LookCache(None)).run()
        spent = sandbox.ru.snapshot()["total"] - before
    assert estimate.talks >= 30
    assert abs(estimate.ru - spent) <= 0.05 * spent
