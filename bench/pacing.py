"""A whole booking round against SharePoint's RU budget (docs/architecture.md#bench).

The sandbox runs as its own process (``samtal sandbox --faults ru_per_minute=…,ru_window_s=…``)
with a generated organisation; this process runs the real round (``Reconciler``) with the
connector's :class:`Pacer` against it over loopback. It prints:

- RU spent per employee (target ≤ 15), by operation;
- 429s received (target: fewer than 1 per 100 employees);
- wall time against the floor the budget sets (RU spent ÷ budget; target within 1.2×), for the
  whole round and for its SharePoint-bound part (first to last SharePoint request).

A real 1,200 RU/minute round of 2,000 people is bound to take over 20 minutes, so by default the
"minute" is scaled: ``--window-s 6`` with the budget kept at 1,200 RU per window is ten times
SharePoint's rate, and every figure but the wall time is the same as at full scale.

    .venv/bin/python bench/pacing.py [--people 2000] [--budget 1200] [--window-s 6] [--workers 8]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors.graph.pacing import SHAREPOINT, PacingConfig, Pacer  # noqa: E402
from connectors.sandbox.generate import generate_seed  # noqa: E402
from plugin.cache import LookCache  # noqa: E402
from plugin.progress import Progress  # noqa: E402
from plugin.reconcile import Reconciler  # noqa: E402
from plugin.settings import load_settings  # noqa: E402
from plugin.tenant import open_client  # noqa: E402

ZONE = ZoneInfo("Europe/Stockholm")
NOW = datetime(2027, 1, 22, 9, tzinfo=ZONE)
CAMPAIGN = """\
campaign: {{id: "2027", title: Medarbetarsamtal 2027, window: {{start: 2027-02-01, end: 2027-04-30}}}}
tenant: {{graph_url: "{url}", tenant_id: t, client_id: c, client_secret: {{env: SAMTAL_BENCH_SECRET}}}}
meetings: {{duration_minutes: 60, buffer_minutes: 15, max_per_manager_per_day: 3, time_zone: Europe/Stockholm}}
records: {{site: "example.sharepoint.com:/sites/hr", list: Medarbetarsamtal}}
concurrency: {{max_requests: {workers}}}
"""


class TimedPacer(Pacer):
    """A pacer that also notes when the first and last SharePoint requests went out."""

    first: float | None = None
    last: float = 0.0

    def before(self, method: str, path: str | None, body: Any = None) -> Any:
        ticket = super().before(method, path, body)
        if ticket is not None and any(key == SHAREPOINT for key, _ in ticket.parts):
            now = time.perf_counter()
            self.first = self.first if self.first is not None else now
            self.last = now
        return ticket


def start_sandbox(seed_file: Path, faults: str) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "plugin.cli", "sandbox", "--seed", str(seed_file), "--port", "0",
           "--faults", faults]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        raise SystemExit(f"the sandbox did not start: {line!r}")
    return proc, line.split("listening on ", 1)[1]


def stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/_sandbox/stats", timeout=60) as resp:
        data: dict[str, Any] = json.loads(resp.read())
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--budget", type=int, default=1200, help="RU per window (SharePoint: 1,200 a minute under 1,000 licences)")
    parser.add_argument("--window-s", type=float, default=6.0, help="length of the 'minute' (60 = real time)")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--no-pacing", action="store_true", help="run without the pacer, for comparison")
    args = parser.parse_args()
    os.environ.setdefault("SAMTAL_BENCH_SECRET", "bench")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        seed = generate_seed(args.people, seed=11, window_start=date(2027, 2, 1), window_end=date(2027, 4, 30))
        seed_file = work / "seed.json"  # JSON is YAML, and much faster to load
        seed_file.write_text(json.dumps(seed), encoding="utf-8")
        proc, url = start_sandbox(seed_file, f"ru_per_minute={args.budget},ru_window_s={args.window_s}")
        try:
            config = work / "campaign.yaml"
            config.write_text(CAMPAIGN.format(url=url + "/v1.0", workers=args.workers), encoding="utf-8")
            settings = load_settings(config, now=NOW)
            pacer = None if args.no_pacing else TimedPacer(PacingConfig(ru_per_minute=args.budget, window_s=args.window_s))
            client = open_client(settings, pacer=pacer)
            started = time.perf_counter()
            report = Reconciler(client, settings, now=NOW, cache=LookCache(None),
                                progress=Progress(quiet=True)).run()
            wall = time.perf_counter() - started
            s = stats(url)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    ru = s["ru"]
    rate = args.budget / args.window_s
    floor = ru["total"] / rate
    booked = sum(1 for r in report.records if r.event_id)
    print(f"people {args.people}, talks booked {booked}, workers {args.workers}, "
          f"budget {args.budget} RU per {args.window_s:g} s ({rate:.0f} RU/s)"
          + ("" if args.window_s == 60 else f"; time scaled ×{60 / args.window_s:g}"))
    print(f"RU spent {ru['total']}, per employee {ru['total'] / args.people:.2f} (target ≤ 15)")
    for route, spent in sorted(ru["by_route"].items(), key=lambda kv: -kv[1]):
        print(f"  {spent:8d} RU  {spent / args.people:6.2f}/employee  {route}")
    throttled = s["by_status"].get("429", 0)
    print(f"429s received {throttled} (RU budget {ru['throttled']}), per 100 employees "
          f"{100 * throttled / args.people:.2f} (target < 1)")
    print(f"wall {wall:.1f} s, floor (RU ÷ budget) {floor:.1f} s, ratio {wall / floor:.2f} (target ≤ 1.2)")
    if isinstance(pacer, TimedPacer) and pacer.first is not None:
        span = pacer.last - pacer.first
        print(f"SharePoint-bound part {span:.1f} s, ratio {span / floor:.2f}; "
              f"pacer waited {pacer.snapshot()['waited_s']:.0f} s over all threads, "
              f"{pacer.snapshot()['hints']} RateLimit hints; peak RU in one window {ru['peak_window']}")
    print(f"round: {len(report.retry_later)} to retry later")


if __name__ == "__main__":
    main()
