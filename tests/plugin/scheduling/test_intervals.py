"""Interval arithmetic checked against plain sets of minutes on random inputs."""
from __future__ import annotations

import random

import pytest

from plugin.scheduling.intervals import Interval, intersect, merge, nearest_start, slot_count, subtract


def random_list(rng: random.Random, n: int, span: int = 600) -> list[Interval]:
    raw = []
    for _ in range(n):
        a = rng.randrange(span)
        raw.append((a, a + rng.randrange(1, 90)))
    return merge(raw)


def minutes(intervals: list[Interval]) -> set[int]:
    return {m for a, b in intervals for m in range(a, b)}


def starts(intervals: list[Interval], duration: int, step: int) -> list[int]:
    return [s for a, b in intervals for s in range(a, b - duration + 1) if s % step == 0]


@pytest.mark.parametrize("seed", range(40))
def test_operations_match_sets(seed: int) -> None:
    rng = random.Random(seed)
    a, b = random_list(rng, rng.randrange(0, 12)), random_list(rng, rng.randrange(0, 12))
    for result in (merge(a), intersect(a, b), subtract(a, b)):
        assert result == merge(result)  # sorted, disjoint, not touching
    assert minutes(intersect(a, b)) == minutes(a) & minutes(b)
    assert minutes(subtract(a, b)) == minutes(a) - minutes(b)
    duration, step = rng.choice([(30, 15), (60, 15), (45, 5)])
    candidates = starts(a, duration, step)
    assert slot_count(a, duration, step) == len(candidates)
    target = rng.randrange(-50, 700)
    found = nearest_start(a, target, duration, step)
    if not candidates:
        assert found is None
    else:
        best = min(candidates, key=lambda s: (abs(s - target), s))
        assert found == best


def test_merge_joins_touching_and_drops_empty() -> None:
    assert merge([(5, 5), (10, 20), (0, 10), (30, 40), (35, 36)]) == [(0, 20), (30, 40)]
