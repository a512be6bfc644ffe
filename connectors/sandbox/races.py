"""Items of one ``$batch`` running at once (``tenant.variants.batch: concurrent``,
docs/sandbox.md#tenant-variants).

Graph runs a batch's items that do not depend on one another side by side
(https://learn.microsoft.com/graph/json-batching, "Sequencing requests with the dependsOn
property"). Two of them that both need a folder missing when the batch began both look, both
find it missing, both create it, and one of them loses: 409 ``nameAlreadyExists``, also under
``conflictBehavior`` replace or rename, as reported for batched creates of one name
(https://github.com/microsoftgraph/microsoft-graph-docs/issues/13655) and for parallel uploads of
one file (https://github.com/OneDrive/onedrive-api-docs/issues/1098).

Graph takes a ``dependsOn`` batch only when it is serial or when every item but the first hangs
on the first (:func:`connectors.sandbox.batch.shape_refused`), so the items that race are those
of a batch without ``dependsOn``, or the ones that all wait for the first item.

The sandbox copies that in a reproducible way. :func:`order` draws the order the items run in
from the fault seed and the items themselves (dependencies always first), and while an item runs
(:func:`running`) every drive item another item of the same batch created, one that is not among
its own ``dependsOn`` ancestors, is *racing* (:func:`racing`): it is not there for the item's
lookups, and creating it, or a file of its name, answers 409 (``connectors/sandbox/drive.py``).
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

_local = threading.local()


@dataclass
class BatchRace:
    """The drive items created by the items of one batch: drive item id → batch item id."""

    made: dict[str, str] = field(default_factory=dict)


def order(requests: Sequence[dict[str, Any]], seed: int) -> list[int]:
    """The indexes of ``requests`` in the order they run: each after its ``dependsOn``, and among
    those ready, the one drawn first from ``seed`` and the item's id, method and URL."""
    index = {r["id"].lower(): i for i, r in enumerate(requests)}
    deps = [{index[d.lower()] for d in r.get("dependsOn") or []} for r in requests]
    key = [hashlib.sha256(f"{seed}|{r['id']}|{r['method']}|{r['url']}".encode()).digest() for r in requests]
    done: list[int] = []
    waiting = set(range(len(requests)))
    while waiting:
        ready = [i for i in waiting if deps[i] <= set(done)]
        nxt = min(ready, key=lambda i: key[i])
        done.append(nxt)
        waiting.remove(nxt)
    return done


def ancestors(requests: Sequence[dict[str, Any]], i: int) -> set[str]:
    """The ids (lower case) of item ``i`` and of every item it depends on, directly or not."""
    by_id = {r["id"].lower(): r for r in requests}
    seen: set[str] = set()
    todo = [requests[i]["id"].lower()]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(d.lower() for d in by_id[current].get("dependsOn") or [])
    return seen


@contextmanager
def running(race: BatchRace, item_id: str, sees: set[str]) -> Iterator[None]:
    """While the batch item ``item_id`` runs: it sees what the items ``sees`` created."""
    _local.current = (race, item_id.lower(), sees)
    try:
        yield
    finally:
        _local.current = None


def made(item: dict[str, Any]) -> None:
    """A drive item was created: by the running batch item, if a racing batch runs."""
    current = getattr(_local, "current", None)
    if current is not None:
        race, item_id, _ = current
        race.made[item["id"]] = item_id


def racing(item: dict[str, Any] | None) -> bool:
    """Whether ``item`` was created by another item of the running batch, at the same time as
    the one running now."""
    current = getattr(_local, "current", None)
    if current is None or item is None:
        return False
    race, _, sees = current
    by = race.made.get(item["id"])
    return by is not None and by not in sees
