"""Which ``$batch`` envelopes a set of requests goes in: only shapes Microsoft Graph accepts.

Graph refuses (400) a batch whose items mix ``dependsOn`` items with independent ones: "Batch
should be either fully sequential or fully parallel"
(https://github.com/microsoftgraph/microsoft-graph-docs/issues/16280, where Microsoft corrected
its own example; repeated in https://learn.microsoft.com/en-us/answers/questions/1532547). The
known issues page names the three shapes it takes, each item depending on at most one other
(https://learn.microsoft.com/graph/known-issues#json-batching, "Simplified dependencies"; the
same three checked by Microsoft's JavaScript SDK, ``BatchRequestContent.validateDependencies``):

- *parallel*: no item has ``dependsOn``;
- *serial*: every item but the first depends on the one before it;
- *same*: every item but the first depends on the first.

A dependency must come earlier in the array, or Graph answers "Invalid dependency for request
Id …" (https://github.com/microsoftgraph/msgraph-sdk-dotnet-core/issues/891). So a dependency
group (the items joined by ``dependsOn``) goes in an envelope of its own, never beside
independent items or another group, and a group of another shape is a programming error.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar


class Planned(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def depends_on(self) -> tuple[str, ...]: ...


R = TypeVar("R", bound=Planned)

SHAPE_RULE = ("a batch is parallel (no item has dependsOn), serial (every item but the first "
              "depends on the one before it) or same (every item but the first depends on the first)")


def accepted(items: Sequence[tuple[str, Sequence[str]]]) -> bool:
    """Whether Graph takes one envelope of ``(id, dependsOn)`` items, in the order sent."""
    if all(not deps for _, deps in items):
        return True
    first = items[0][0]
    if items[0][1] or any(len(deps) != 1 for _, deps in items[1:]):
        return False
    serial = all(deps[0] == items[i][0] for i, (_, deps) in enumerate(items[1:]))
    same = all(deps[0] == first for _, deps in items[1:])
    return serial or same


def groups(requests: Sequence[R], limit: int) -> list[list[R]]:
    """The dependency groups of ``requests`` (a lone item is a group of one), each in the
    caller's order; refuses (``ValueError``) what no envelope Graph accepts could carry."""
    parent = {r.id: r.id for r in requests}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in requests:
        if len(r.depends_on) > 1:
            raise ValueError(f"batch request {r.id!r} depends on {len(r.depends_on)} requests; "
                             "Graph takes at most one")
        for d in r.depends_on:
            if d not in parent:
                raise ValueError(f"batch request {r.id!r} depends on unknown request {d!r}")
            parent[find(r.id)] = find(d)
    by_root: dict[str, list[R]] = {}
    for r in requests:
        by_root.setdefault(find(r.id), []).append(r)
    out = list(by_root.values())
    for g in out:
        if len(g) > limit:
            raise ValueError(f"a dependency group of {len(g)} requests cannot fit in one $batch (max {limit})")
        if not accepted([(r.id, r.depends_on) for r in g]):
            raise ValueError(f"batch requests {', '.join(r.id for r in g)} cannot go in one $batch "
                             f"as ordered: {SHAPE_RULE}, and a dependency comes first")
    return out


def chunks(requests: Sequence[R], limit: int) -> list[list[R]]:
    """Envelopes for ``requests``: the independent items together, up to ``limit`` a piece,
    and each dependency group in one of its own."""
    out: list[list[R]] = []
    loose: list[R] = []
    for group in groups(requests, limit):
        if len(group) > 1:
            out.append(group)
            continue
        if len(loose) == limit:
            out.append(loose)
            loose = []
        loose.append(group[0])
    if loose:
        out.append(loose)
    return out


def resend(pending: Sequence[R], wired: Mapping[str, tuple[str, ...]]) -> list[list[R]]:
    """Envelopes for items sent again, whose ``dependsOn`` on the wire (``wired``) keeps only
    the dependencies going again too: the part of a group left may no longer be one shape (a
    serial run with a gap, a same group without its first item), so each part still joined by
    ``dependsOn`` goes on its own and the items left loose go together."""
    if accepted([(r.id, wired[r.id]) for r in pending]):
        return [list(pending)]
    parent = {r.id: r.id for r in pending}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for r in pending:
        for d in wired[r.id]:
            parent[find(r.id)] = find(d)
    parts: dict[str, list[R]] = {}
    for r in pending:
        parts.setdefault(find(r.id), []).append(r)
    joined = [p for p in parts.values() if len(p) > 1]
    loose = [p[0] for p in parts.values() if len(p) == 1]
    return joined + ([loose] if loose else [])
