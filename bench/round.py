"""A whole round on the sandbox with injected latency (docs/architecture.md#bench).

The sandbox runs as its own process (``samtal sandbox``) with ``latency_ms`` added to every
request; this process runs the real round (``Reconciler``) against it over loopback. It reports:

- Graph requests per employee for book + prepare + file (batch items counted one by one);
- the same without the download-URL hits after ``/content``'s 302 (the sandbox counts them,
  but they are not Graph requests), and the number of ``$batch`` envelopes;
- wall time of the round against the same work done one request at a time (concurrency 1, every
  batch item sent as its own request), measured on a sample of the organisation and scaled per
  employee, since a serial 2,000-person round at 50 ms per request takes tens of minutes;
- the most concurrent requests the sandbox saw on one mailbox (must stay ≤ 4);
- requests made by a second run with nothing to do (per 100 employees);
- planning time for 5,000 employees without I/O (bench/planning.py measures it in full).

    .venv/bin/python bench/round.py [--people 2000] [--latency-ms 50] [--serial-sample 40]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors.graph.batch import send_one_by_one  # noqa: E402
from connectors.sandbox.generate import generate_seed  # noqa: E402
from connectors.sandbox.people import People  # noqa: E402
from plugin.cache import LookCache  # noqa: E402
from plugin.documents import wordsim  # noqa: E402
from plugin.progress import Progress  # noqa: E402
from plugin.reconcile import Reconciler  # noqa: E402
from plugin.records import Status  # noqa: E402
from plugin.settings import load_settings  # noqa: E402
from plugin.tenant import open_client  # noqa: E402

ZONE = ZoneInfo("Europe/Stockholm")
WINDOW = (date(2027, 2, 1), date(2027, 4, 30))
START = datetime(2027, 1, 22, 9, tzinfo=ZONE)
END = datetime(2027, 5, 3, 9, tzinfo=ZONE)
CAMPAIGN = """\
campaign: {{id: "2027", title: Medarbetarsamtal 2027, window: {{start: 2027-02-01, end: 2027-04-30}}}}
tenant: {{graph_url: "{url}", tenant_id: t, client_id: c, client_secret: {{env: SAMTAL_BENCH_SECRET}}}}
meetings: {{duration_minutes: 60, buffer_minutes: 15, max_per_manager_per_day: 3, time_zone: Europe/Stockholm, online: teams}}
folders: {{owner: employee, path: "Medarbetarsamtal/{{campaign}}"}}
records: {{site: "example.sharepoint.com:/sites/hr", list: Medarbetarsamtal}}
concurrency: {{max_requests: {concurrency}}}
"""


class Server:
    """``samtal sandbox`` in a child process."""

    def __init__(self, seed: dict[str, object], latency_ms: int, work: Path) -> None:
        seed_file = work / "seed.yaml"
        seed_file.write_text(yaml.safe_dump(seed, allow_unicode=True), encoding="utf-8")
        faults = f"latency_ms={latency_ms}" if latency_ms else ""
        cmd = [sys.executable, "-m", "plugin.cli", "sandbox", "--seed", str(seed_file), "--port", "0"]
        if faults:
            cmd += ["--faults", faults]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise SystemExit(f"the sandbox did not start: {line!r}")
        self.url = line.split("listening on ", 1)[1]

    def stats(self) -> dict[str, object]:
        with urllib.request.urlopen(f"{self.url}/_sandbox/stats", timeout=60) as resp:
            data: dict[str, object] = json.loads(resp.read())
        return data

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def campaign(work: Path, url: str, concurrency: int) -> Path:
    path = work / f"campaign-{concurrency}.yaml"
    path.write_text(CAMPAIGN.format(url=url + "/v1.0", concurrency=concurrency), encoding="utf-8")
    return path


def one_pass(config: Path, now: datetime, cache: LookCache, *, watch_all: bool = False) -> tuple[float, object]:
    settings = load_settings(config, now=now, allow_past_window=True)
    client = open_client(settings)
    started = time.perf_counter()
    report = Reconciler(client, settings, now=now, cache=cache, progress=Progress(quiet=True),
                        watch_all=watch_all).run()
    return time.perf_counter() - started, report


def fill_forms(config: Path, url: str, records: list[object]) -> None:
    settings = load_settings(config, now=END, allow_past_window=True)
    client = open_client(settings)
    people = People(url)
    rng = random.Random(5)
    for r in records:
        if getattr(r, "form_item_id", "") and getattr(r, "drive_id", ""):
            data = client.drive.download(r.drive_id, r.form_item_id)  # type: ignore[attr-defined]
            data = wordsim.fill_form(data, {"goals": "- Mål ett\n- Mål två", "competence_needs": "Python"},
                                     confirm=("employee_confirmed", "manager_confirmed"),
                                     health_discussed=rng.random() < 0.5)
            people.save_file(r.drive_id, r.form_item_id, data)  # type: ignore[attr-defined]


def side_hits(stats: dict[str, object]) -> float:
    """Requests to the pre-authenticated download and upload URLs (not Graph requests)."""
    routes = stats.get("by_route") or {}
    assert isinstance(routes, dict)
    return float(sum(n for name, n in routes.items() if " /_" in name))


def measure(people_count: int, latency_ms: int, concurrency: int, work: Path) -> dict[str, float]:
    seed = generate_seed(people_count, seed=11, window_start=WINDOW[0], window_end=WINDOW[1])
    server = Server(seed, latency_ms, work)
    try:
        config = campaign(work, server.url, concurrency)
        cache = LookCache(work / f"cache-{concurrency}-{people_count}.json")
        base_stats = server.stats()
        base = float(base_stats["requests"])  # type: ignore[arg-type]
        base_side = side_hits(base_stats)
        base_batches = float(base_stats.get("batches", 0))  # type: ignore[arg-type]
        t_book, report = one_pass(config, START, cache)
        book_stats = server.stats()
        after_book = float(book_stats["requests"])  # type: ignore[arg-type]
        records = report.records  # type: ignore[attr-defined]
        scheduled = [r for r in records if r.status is Status.SCHEDULED]
        fill_forms(config, server.url, scheduled)
        fill_stats = server.stats()
        before_file = float(fill_stats["requests"])  # type: ignore[arg-type]
        t_file, report = one_pass(config, END, cache)
        file_stats = server.stats()
        after_file = float(file_stats["requests"])  # type: ignore[arg-type]
        side = (side_hits(book_stats) - base_side) + (side_hits(file_stats) - side_hits(fill_stats))
        batches = (float(book_stats.get("batches", 0)) - base_batches  # type: ignore[arg-type]
                   + float(file_stats.get("batches", 0)) - float(fill_stats.get("batches", 0)))  # type: ignore[arg-type]
        filed = sum(1 for r in report.records if r.status is Status.FILED)  # type: ignore[attr-defined]
        _, _ = one_pass(config, END + timedelta(minutes=30), cache)
        idle = float(server.stats()["requests"]) - after_file  # type: ignore[arg-type]
        stats = server.stats()
        return {
            "employees": float(people_count), "scheduled": float(len(scheduled)), "filed": float(filed),
            "book_s": t_book, "file_s": t_file,
            "requests_round": (after_book - base) + (after_file - before_file),
            "requests_idle": idle, "side_hits": side, "batches": batches,
            "max_per_mailbox": float(stats.get("max_concurrent_per_mailbox", 0)),  # type: ignore[arg-type]
            "throttled": float(stats.get("throttled", 0)),  # type: ignore[arg-type]
        }
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--serial-sample", type=int, default=40)
    args = parser.parse_args()
    os.environ.setdefault("SAMTAL_BENCH_SECRET", "bench")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print(f"round of {args.people} people, {args.latency_ms} ms latency, concurrency {args.concurrency}")
        full = measure(args.people, args.latency_ms, args.concurrency, work)
        print(f"sample of {args.serial_sample} people one request at a time")
        send_one_by_one(True)
        try:
            serial = measure(args.serial_sample, args.latency_ms, 1, work)
        finally:
            send_one_by_one(False)
    per_emp = full["requests_round"] / max(1.0, full["scheduled"])
    wall = full["book_s"] + full["file_s"]
    serial_per_emp = (serial["book_s"] + serial["file_s"]) / max(1.0, serial["scheduled"])
    serial_estimate = serial_per_emp * full["scheduled"]
    idle_per_100 = full["requests_idle"] / full["employees"] * 100
    rows = [
        ("employees / talks scheduled / filed", f"{full['employees']:.0f} / {full['scheduled']:.0f} / {full['filed']:.0f}", ""),
        ("Graph requests per employee (book+prepare+file)", f"{per_emp:.2f}", "target ≤ 10"),
        ("  of which download-URL hits (not Graph)", f"{full['side_hits'] / max(1.0, full['scheduled']):.2f}"
         f" (Graph only: {(full['requests_round'] - full['side_hits']) / max(1.0, full['scheduled']):.2f})", ""),
        ("  $batch envelopes in the round", f"{full['batches']:.0f}", ""),
        ("wall time of the round", f"{wall:.1f} s (book {full['book_s']:.1f} s, file {full['file_s']:.1f} s)", ""),
        ("one request at a time, scaled", f"{serial_estimate:.0f} s ({serial_per_emp*1000:.0f} ms per talk)", ""),
        ("speed-up", f"{serial_estimate / wall:.1f}x", "target ≥ 30x"),
        ("most concurrent requests on one mailbox", f"{full['max_per_mailbox']:.0f}", "target ≤ 4"),
        ("requests of a run with nothing to do", f"{full['requests_idle']:.0f} ({idle_per_100:.2f} per 100 employees)", "target ≤ 5 per 100"),
        ("429s received", f"{full['throttled']:.0f}", ""),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:<40} {target}")
    print("planning 5,000 employees without I/O: see bench/planning.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
