"""Benchmark: personalised documents rendered and forms read per second, on one core.

Targets (issue 4): median ≤ 5 ms to render one personalised document, ≤ 2 ms to read one filled
form. Run: ``.venv/bin/python bench/documents.py [--count N]``. Prints throughput, medians and
pass/fail; exits 1 when a target is missed. Pinned to one CPU where the OS allows it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugin.documents import TalkContext, read_form, render_form, render_prep_guide  # noqa: E402
from tests.plugin.documents.test_read import _filled  # noqa: E402

RENDER_TARGET_MS, READ_TARGET_MS = 5.0, 2.0


def _context(i: int) -> TalkContext:
    zone = ZoneInfo("Europe/Stockholm")
    start = dt.datetime(2027, 2, 1, 9, tzinfo=zone) + dt.timedelta(days=i % 60, hours=i % 6)
    return TalkContext(
        campaign_id="2027", campaign_title="Medarbetarsamtal 2027", employee_id=f"employee-{i:05d}",
        employee_name=f"Åsa & <Öberg> {i}", manager_name="Per Lind", department="Institutionen för matematik",
        meeting_start=start, meeting_end=start + dt.timedelta(hours=1), time_zone="Europe/Stockholm",
        language="sv" if i % 3 else "en", previous_goals=f"Mål {i}\n- delmål", previous_development_plan="Kurs")


def _timed(fn, items) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="documents per measurement (default 1000)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    contexts = [_context(i) for i in range(args.count)]
    for ctx in contexts[:20]:  # warm the template cache
        render_form(ctx), render_prep_guide(ctx)
    forms = [_filled("sv" if i % 3 else "en") for i in range(min(args.count, 50))]
    for form in forms[:5]:
        read_form(form)

    wall = time.perf_counter()
    render = _timed(lambda c: (render_prep_guide(c), render_form(c)), contexts)
    render_wall = time.perf_counter() - wall
    per_doc = [t / 2 for t in render]
    wall = time.perf_counter()
    read = _timed(read_form, [forms[i % len(forms)] for i in range(args.count)])
    read_wall = time.perf_counter() - wall

    render_median, read_median = statistics.median(per_doc), statistics.median(read)
    ok_render, ok_read = render_median <= RENDER_TARGET_MS, read_median <= READ_TARGET_MS
    print(f"rendered {2 * args.count} documents in {render_wall:.2f} s: {2 * args.count / render_wall:,.0f} documents/s")
    print(f"  median per document {render_median:.2f} ms (target ≤ {RENDER_TARGET_MS} ms): {'PASS' if ok_render else 'FAIL'}")
    print(f"read {args.count} filled forms in {read_wall:.2f} s: {args.count / read_wall:,.0f} forms/s")
    print(f"  median per form {read_median:.2f} ms (target ≤ {READ_TARGET_MS} ms): {'PASS' if ok_read else 'FAIL'}")
    return 0 if ok_render and ok_read else 1


if __name__ == "__main__":
    sys.exit(main())
