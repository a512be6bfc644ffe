"""Progress on long steps: a bar on a terminal, a few plain lines otherwise, nothing when quiet."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO


class Step(Protocol):
    def advance(self, n: int = 1) -> None: ...


class Progress:
    """Reports steps to ``stream`` (stderr by default). ``quiet`` reports nothing."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet

    def say(self, message: str) -> None:
        if not self.quiet:
            print(message, file=self.stream, flush=True)

    @contextmanager
    def step(self, label: str, total: int) -> Iterator[Step]:
        if self.quiet or total <= 0:
            yield _Silent()
            return
        from tqdm import tqdm

        tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        bar = tqdm(total=total, desc=label, file=self.stream, unit="", leave=True,
                   disable=False, mininterval=0.2 if tty else 5.0, ncols=80 if tty else None,
                   ascii=not tty, dynamic_ncols=False)
        try:
            yield bar
        finally:
            bar.close()


class _Silent:
    def advance(self, n: int = 1) -> None:
        pass

    def update(self, n: int = 1) -> None:
        pass
