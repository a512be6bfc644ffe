"""Progress counts talks, not batches; its rate is shown only when it means something; a dry
run's labels say "would"; in a log, a step is a plain line, not a redrawn bar."""
from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest

from plugin import reconcile
from plugin.parallel import WorkerPool
from plugin.progress import READING_WORDS, Progress, dry_run_label, duration_text


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def pass_labels() -> set[str]:
    """Every label a pass gives a parallel step (the string literals handed to ``run_parallel``,
    ``in_batches`` and ``put_all`` of :class:`plugin.pass_context.PassContext`, in the
    conductor and every stage module beside it)."""
    labels = set()
    for path in sorted(Path(reconcile.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in ("run_parallel", "in_batches", "put_all") and node.args and \
                    isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                labels.add(node.args[0].value)
    return labels


def test_a_dry_run_says_would_for_every_step_that_writes() -> None:
    labels = pass_labels()
    assert {"booking talks", "recording who is out of the round", "placing prep guides",
            "writing records", "checking answers"} <= labels
    for label in labels:
        shown = dry_run_label(label)
        assert shown.startswith("would ") or label.startswith(READING_WORDS), label
    assert dry_run_label("booking talks") == "would book talks"


def test_batches_count_as_their_talks() -> None:
    talks = list(range(435))
    chunks = [talks[i:i + 20] for i in range(0, len(talks), 20)]
    advanced: list[int] = []
    pool = WorkerPool(4)
    try:
        pool.run(chunks, lambda chunk: None, advanced.append, len)
    finally:
        pool.close()
    assert len(chunks) == 22 and sum(advanced) == 435


def test_a_step_in_a_log_is_one_line_with_talks_and_a_rate_that_means_something() -> None:
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, clock=clock)
    with progress.step("placing prep guides", 435) as bar:
        for _ in range(21):
            bar.update(20)
        bar.update(15)
        clock.now += 0.004
    with progress.step("booking meetings", 435) as bar:
        clock.now += 12.0
        bar.update(200)
        clock.now += 2.5
        bar.update(235)
    with progress.step("recording talks that cannot be booked", 1) as bar:
        bar.update(1)
    assert out.getvalue().splitlines() == [
        "placing prep guides: 435 talks in under a second",
        "booking meetings: 200 of 435 talks so far, 12 seconds",
        "booking meetings: 435 talks in 14 seconds, 30 talks a second",
        "recording talks that cannot be booked: 1 talk in under a second",
    ]
    assert "\r" not in out.getvalue() and "/s" not in out.getvalue()


def test_a_step_cut_short_says_so() -> None:
    out, clock = io.StringIO(), Clock()
    with pytest.raises(KeyboardInterrupt):
        with Progress(out, clock=clock).step("writing records", 40) as bar:
            bar.update(20)
            raise KeyboardInterrupt
    assert out.getvalue() == "writing records: stopped after 20 of 40 talks, under a second\n"


def test_a_bar_on_a_terminal_counts_talks_and_hides_a_meaningless_rate() -> None:
    out = Terminal()
    with Progress(out).step("placing prep guides", 435) as bar:
        for _ in range(21):
            bar.update(20)
        bar.update(15)
    final = out.getvalue().split("\r")[-1]
    assert "placing prep guides: 100%" in final and "435/435 talks" in final
    assert "/s" not in out.getvalue() and "a second" not in final


def test_durations_are_said_as_a_person_says_them() -> None:
    assert [duration_text(s) for s in (0.0, 0.3, 1.2, 12.4, 60, 90, 3600, 9000)] == [
        "under a second", "under a second", "1 second", "12 seconds", "1 minute", "2 minutes",
        "60 minutes", "2.5 hours"]
