"""Progress on long steps: a bar on a terminal, a few plain lines otherwise, nothing when quiet.

A step counts what a person counts: talks (the pass hands talks to ``$batch`` calls 20 at a
time, and reports each batch by the talks in it). The rate is shown once a step has run for a
second: a step over in a few milliseconds has no meaningful rate, and "59241/s" only puzzles.

On a terminal the step is a tqdm bar redrawn in place; in a log or a pipe (cron, CI) a redrawn
bar is a mess of carriage returns, so the step is a line when it ends, and one every
:data:`LINE_EVERY` seconds while it runs.

A dry run (``samtal plan``) writes nothing, so its labels say what it *would* do
(:func:`dry_run_label`).
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TextIO

LINE_EVERY = 10.0  # seconds between the plain lines of a long step
_RATE_AFTER = 1.0  # seconds a step runs before its rate is shown

# Steps that write, by their first word, and how a dry run says them; steps that only read
# (reading, checking, looking, collecting) say the same in both.
_WOULD = {"recording": "would record", "booking": "would book", "writing": "would write",
          "placing": "would place", "sharing": "would share", "moving": "would move",
          "cancelling": "would cancel", "filing": "would file", "updating": "would update"}
READING_WORDS = ("reading", "checking", "looking", "collecting")


def dry_run_label(label: str) -> str:
    """``label`` as a dry run says it: "booking talks" → "would book talks"."""
    first, _, rest = label.partition(" ")
    would = _WOULD.get(first)
    return f"{would} {rest}".rstrip() if would else label


class Step(Protocol):
    def update(self, n: int = 1) -> Any: ...


def duration_text(seconds: float) -> str:
    """A duration as a person says it: "under a second", "1 second", "12 seconds", "3 minutes"."""
    if seconds < 1:
        return "under a second"
    if seconds < 59.5:
        n = round(seconds)
        return "1 second" if n == 1 else f"{n} seconds"
    minutes = seconds / 60
    if minutes < 119.5:
        n = round(minutes)
        return "1 minute" if n == 1 else f"{n} minutes"
    return f"{minutes / 60:.1f} hours"


def counted(n: int, unit: str) -> str:
    """"1 talk", "435 talks" (``unit`` is the plural)."""
    return f"1 {unit[:-1]}" if n == 1 and unit.endswith("s") else f"{n:,} {unit}"


def rate_text(n: int, elapsed: float, unit: str) -> str:
    """", 36 talks a second" once the step has run a second, else nothing."""
    if elapsed < _RATE_AFTER or n <= 0:
        return ""
    rate = n / elapsed
    shown = f"{rate:,.0f}" if rate >= 10 else f"{rate:.1f}"
    return f", {shown} {unit} a second"


class Progress:
    """Reports steps to ``stream`` (stderr by default). ``quiet`` reports nothing."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.clock = clock

    def say(self, message: str) -> None:
        if not self.quiet:
            print(message, file=self.stream, flush=True)

    @contextmanager
    def step(self, label: str, total: int, unit: str = "talks") -> Iterator[Step]:
        """A step of ``total`` items (``unit``); the caller calls ``update(n)`` as they finish."""
        if self.quiet or total <= 0:
            yield _Silent()
            return
        if hasattr(self.stream, "isatty") and self.stream.isatty():
            bar = _bar(self.stream, label, total, unit)
            try:
                yield bar
            finally:
                bar.close()
            return
        lines = _Lines(self.stream, label, total, unit, self.clock)
        try:
            yield lines
        finally:
            lines.close()


def _bar(stream: TextIO, label: str, total: int, unit: str) -> Any:
    from tqdm import tqdm

    class Bar(tqdm):  # type: ignore[misc]  # tqdm has no type hints
        @property
        def format_dict(self) -> dict[str, Any]:
            shown: dict[str, Any] = super().format_dict
            shown["speed"] = rate_text(int(shown["n"]), float(shown["elapsed"]), unit)
            return shown

    return Bar(total=total, desc=label, file=stream, unit=unit, leave=True, mininterval=0.2,
               ncols=80, dynamic_ncols=False,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} {unit} "
                          "[{elapsed}{speed}]")


class _Lines:
    """A step as plain lines: one every :data:`LINE_EVERY` seconds while it runs, one at the end."""

    def __init__(self, stream: TextIO, label: str, total: int, unit: str,
                 clock: Callable[[], float]) -> None:
        self.stream, self.label, self.total, self.unit, self.clock = stream, label, total, unit, clock
        self.done = 0
        self.started = self.last = clock()

    def update(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if now - self.last >= LINE_EVERY and self.done < self.total:
            self.last = now
            self._line(f"{self.done:,} of {self.total:,} {self.unit} so far, "
                       f"{duration_text(now - self.started)}")

    def close(self) -> None:
        elapsed = self.clock() - self.started
        if self.done >= self.total:
            self._line(f"{counted(self.total, self.unit)} in {duration_text(elapsed)}"
                       f"{rate_text(self.total, elapsed, self.unit)}")
        else:
            self._line(f"stopped after {self.done:,} of {self.total:,} {self.unit}, "
                       f"{duration_text(elapsed)}")

    def _line(self, text: str) -> None:
        print(f"{self.label}: {text}", file=self.stream, flush=True)


class _Silent:
    def update(self, n: int = 1) -> None:
        pass
