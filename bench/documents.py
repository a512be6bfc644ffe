"""Benchmark: personalised documents rendered and forms read per second, on one core.

Targets (docs/architecture.md#bench): median ≤ 5 ms to render one personalised document, ≤ 2 ms to read one filled
form. Run: ``.venv/bin/python bench/documents.py [--count N] [--stages]``. Prints throughput,
medians and pass/fail; exits 1 when a target is missed. Pinned to one CPU where the OS allows it.
The targets are judged on wall time; the thread's CPU time is printed beside it because on a
shared machine the same code runs up to twice as slow while the other core is busy, and CPU
time shows how much of that is waiting. ``--stages`` adds the median of each stage of one read.
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

from plugin.documents import TalkContext, oxml, read_form, render_form, render_prep_guide  # noqa: E402
from plugin.documents import read as reader_module  # noqa: E402
from plugin.documents.boilerplate import template_boilerplate  # noqa: E402
from plugin.documents.read_fields import FormReader  # noqa: E402
from plugin.documents.safety import Package, parse_xml  # noqa: E402
from plugin.documents.shared_parts import application  # noqa: E402
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


def _timed(fn, items) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Wall and thread CPU milliseconds per call."""
    wall, cpu = [], []
    for item in items:
        start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
        fn(item)
        cpu.append((time.thread_time_ns() - start_cpu) / 1e6)
        wall.append((time.perf_counter_ns() - start) / 1e6)
    return wall, cpu


def _read_stages(forms: list[bytes], count: int) -> dict[str, float]:
    """Median microseconds of each stage of ``read_package``, run step by step as it runs them."""
    stages: dict[str, list[int]] = {}
    for i in range(count):
        data = forms[i % len(forms)]
        marks = [("start", time.perf_counter_ns())]
        package = Package(data, label="form")
        marks.append(("zip directory", time.perf_counter_ns()))
        raw = package.read("word/document.xml")
        marks.append(("inflate document.xml", time.perf_counter_ns()))
        doc = parse_xml(raw, "word/document.xml")
        marks.append(("parse document.xml", time.perf_counter_ns()))
        props = (oxml.read_custom_properties(package.xml(oxml.CUSTOM_PART))
                 if package.has(oxml.CUSTOM_PART) else {})
        marks.append(("custom properties", time.perf_counter_ns()))
        application(package)
        marks.append(("app.xml (cached)", time.perf_counter_ns()))
        language = reader_module._language(doc, props)
        boilerplate = template_boilerplate(language, None)
        marks.append(("language, template lookup", time.perf_counter_ns()))
        reader = FormReader(package, doc, boilerplate)
        marks.append(("controls", time.perf_counter_ns()))
        reader.read_all()
        marks.append(("fields", time.perf_counter_ns()))
        reader.report_outside_text()
        marks.append(("text outside the controls", time.perf_counter_ns()))
        for (_, before), (name, after) in zip(marks, marks[1:]):
            stages.setdefault(name, []).append(after - before)
        stages.setdefault("total", []).append(marks[-1][1] - marks[0][1])
    return {name: statistics.median(times) / 1000 for name, times in stages.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="documents per measurement (default 1000)")
    parser.add_argument("--stages", action="store_true", help="also print the median of each stage of a read")
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
    render, render_cpu = _timed(lambda c: (render_prep_guide(c), render_form(c)), contexts)
    render_wall = time.perf_counter() - wall
    wall = time.perf_counter()
    read, read_cpu = _timed(read_form, [forms[i % len(forms)] for i in range(args.count)])
    read_wall = time.perf_counter() - wall

    render_median, read_median = statistics.median(render) / 2, statistics.median(read)
    ok_render, ok_read = render_median <= RENDER_TARGET_MS, read_median <= READ_TARGET_MS
    print(f"rendered {2 * args.count} documents in {render_wall:.2f} s: {2 * args.count / render_wall:,.0f} documents/s")
    print(f"  median per document {render_median:.2f} ms (CPU {statistics.median(render_cpu) / 2:.2f} ms; "
          f"target ≤ {RENDER_TARGET_MS} ms): {'PASS' if ok_render else 'FAIL'}")
    print(f"read {args.count} filled forms in {read_wall:.2f} s: {args.count / read_wall:,.0f} forms/s")
    print(f"  median per form {read_median:.2f} ms (CPU {statistics.median(read_cpu):.2f} ms; "
          f"target ≤ {READ_TARGET_MS} ms): {'PASS' if ok_read else 'FAIL'}")
    if args.stages:
        print("  stages of one read (median µs):")
        for name, micros in _read_stages(forms, args.count).items():
            print(f"    {name:28} {micros:8.1f}")
    return 0 if ok_render and ok_read else 1


if __name__ == "__main__":
    sys.exit(main())
