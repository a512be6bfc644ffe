"""Interval arithmetic on whole minutes since the Unix epoch (UTC).

An interval list is sorted, its intervals half-open ``[start, end)``, disjoint and non-touching.
Every operation is a linear merge over sorted lists; nothing loops over minutes.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

Interval = tuple[int, int]


def minute_floor(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def minute_ceil(moment: datetime) -> int:
    return -int(-moment.timestamp() // 60)


def to_datetime(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, tz=timezone.utc)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort, drop empty intervals and join overlapping or touching ones."""
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    out: list[Interval] = []
    na, nb = len(a), len(b)
    if not na or not nb:
        return out
    append = out.append
    i = j = 0
    a0, a1 = a[0]
    b0, b1 = b[0]
    while True:
        lo = a0 if a0 > b0 else b0
        if a1 < b1:
            if lo < a1:
                append((lo, a1))
            i += 1
            if i == na:
                return out
            a0, a1 = a[i]
        else:
            if lo < b1:
                append((lo, b1))
            j += 1
            if j == nb:
                return out
            b0, b1 = b[j]


def at_least(intervals: Sequence[Interval], length: int) -> list[Interval]:
    """Only the intervals long enough to hold ``length`` minutes (slivers can never hold a talk)."""
    return [iv for iv in intervals if iv[1] - iv[0] >= length]


def subtract(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """``a`` minus ``b``; ``b`` must be a merged list."""
    if not b:
        return list(a)
    out: list[Interval] = []
    j = 0
    nb = len(b)
    for start, end in a:
        while j < nb and b[j][1] <= start:
            j += 1
        k = j
        cur = start
        while k < nb and b[k][0] < end:
            b0, b1 = b[k]
            if b0 > cur:
                out.append((cur, b0))
            if b1 > cur:
                cur = b1
            if b1 >= end:
                break
            k += 1
        if cur < end:
            out.append((cur, end))
    return out


def first_start(start: int, step: int) -> int:
    return -(-start // step) * step


def slot_count(intervals: Sequence[Interval], duration: int, step: int) -> int:
    """How many slot starts on the ``step`` grid fit a talk of ``duration`` minutes."""
    total = 0
    for start, end in intervals:
        last = end - duration
        first = first_start(start, step)
        if first <= last:
            total += (last - first) // step + 1
    return total


def nearest_start(intervals: Sequence[Interval], target: int, duration: int, step: int) -> int | None:
    """The slot start on the grid nearest ``target`` (earlier wins a tie), or ``None``."""
    best: int | None = None
    best_distance = 0
    position = bisect_right(intervals, (target, 1 << 62))  # intervals starting at or before target
    # Walk left from the interval holding (or preceding) the target, then right, stopping as soon
    # as an interval cannot beat the best distance found.
    i = position - 1
    while i >= 0:
        start, end = intervals[i]
        if best is not None and target - (end - duration) > best_distance:
            break
        candidate = _nearest_in(start, end, target, duration, step)
        if candidate is not None:
            distance = abs(candidate - target)
            if best is None or distance < best_distance or (distance == best_distance and candidate < best):
                best, best_distance = candidate, distance
            if candidate <= target:
                break
        i -= 1
    i = position
    while i < len(intervals):
        start, end = intervals[i]
        if best is not None and start - target > best_distance:
            break
        candidate = _nearest_in(start, end, target, duration, step)
        if candidate is not None:
            distance = abs(candidate - target)
            if best is None or distance < best_distance:
                best, best_distance = candidate, distance
            break
        i += 1
    return best


def _nearest_in(start: int, end: int, target: int, duration: int, step: int) -> int | None:
    first = first_start(start, step)
    last = (end - duration) // step * step
    if first > last:
        return None
    if target <= first:
        return first
    if target >= last:
        return last
    below = target // step * step
    above = below if below == target else below + step
    return below if target - below <= above - target else above
