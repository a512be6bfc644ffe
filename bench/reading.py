"""Benchmark: reading a form grows linearly with the text typed outside its fields.

Each size is a generated form with that many extra paragraphs typed outside every control (each
with its own text, so no cache helps), read with no budget so the whole document is read. Prints
the median milliseconds per read (wall and thread CPU), microseconds of CPU per stray paragraph,
and how the time grew against the size. Growth is linear when the time per paragraph stays flat
as the size quadruples; the script exits 1 when the largest size costs more than twice the CPU
per paragraph that the second smallest does (CPU time, because wall time on a shared machine
also counts waiting for a core). Then it prints how long the default budget takes to refuse a small crafted form
(about 22 KB unpacking to 150,000 paragraphs).

Run: ``.venv/bin/python bench/reading.py [--sizes 1000,4000,16000,64000] [--repeat 3]``. Wall
time on a shared machine is noisy, which is why the verdict is taken on CPU time.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugin.documents import FormTooLargeError, read_form, render_form, wordsim  # noqa: E402
from plugin.documents.budget import ReadingBudget  # noqa: E402
from tests.plugin.documents.conftest import talk  # noqa: E402

NO_LIMIT = ReadingBudget(max_part_bytes=10**9, max_paragraphs=10**9, max_controls=10**9, max_characters=10**9)


def form_with_stray_text(count: int, *, same_text: bool = False, run: int = 0) -> bytes:
    def add(root: etree._Element) -> None:
        last = root.find(wordsim.w("body"))[-1]  # w:sectPr
        for i in range(count):
            p = etree.Element(wordsim.w("p"))
            text = "x" if same_text else f"Rad {i} skriven utanför fälten ({run})."
            etree.SubElement(etree.SubElement(p, wordsim.w("r")), wordsim.w("t")).text = text
            last.addprevious(p)
    return wordsim.edit(render_form(talk()), add)


def timed(datas: list[bytes], budget: ReadingBudget = NO_LIMIT) -> tuple[float, float]:
    """Median wall and thread-CPU seconds of reading each of ``datas``."""
    wall, cpu = [], []
    for data in datas:
        start, start_cpu = time.perf_counter(), time.thread_time()
        try:
            read_form(data, budget=budget)
        except FormTooLargeError:
            pass
        cpu.append(time.thread_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return statistics.median(wall), statistics.median(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000,16000,64000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    base_wall, base_cpu = timed([render_form(talk())] * args.repeat)  # the form itself; a warm-up too
    print(f"form without stray text: {base_wall * 1e3:.1f} ms")
    print(f"{'paragraphs':>10} {'KB':>7} {'ms':>9} {'cpu ms':>9} {'cpu µs/para':>12} {'size ×':>7} {'cpu ×':>7}")
    per: list[float] = []
    previous: tuple[int, float] | None = None
    for n in sizes:
        # Other lines on every read: the reader remembers lines it has judged (forms of one
        # template repeat theirs), which would flatter the sizes it can remember entirely.
        datas = [form_with_stray_text(n, run=r) for r in range(args.repeat)]
        data = datas[0]
        wall, cpu = timed(datas)
        per.append((cpu - base_cpu) / n * 1e6)
        grow = f"{n / previous[0]:>7.1f} {cpu / previous[1]:>7.1f}" if previous else f"{'':>7} {'':>7}"
        print(f"{n:>10,} {len(data) / 1024:>7.1f} {wall * 1e3:>9.1f} {cpu * 1e3:>9.1f} {per[-1]:>12.2f} {grow}")
        previous = (n, cpu)
    crafted = form_with_stray_text(150_000, same_text=True)
    refuse, _ = timed([crafted] * args.repeat, ReadingBudget())
    print(f"crafted form, {len(crafted) / 1024:.1f} KB unpacking to 150,000 paragraphs: refused by the "
          f"default budget in {refuse * 1e3:.0f} ms")
    reference = per[1] if len(per) > 1 else per[0]
    linear = per[-1] <= 2 * reference
    print(f"CPU per paragraph at {sizes[-1]:,}: {per[-1]:.2f} µs against {reference:.2f} µs at {sizes[1 if len(sizes) > 1 else 0]:,}: "
          f"{'linear' if linear else 'NOT linear'}")
    return 0 if linear else 1


if __name__ == "__main__":
    sys.exit(main())
