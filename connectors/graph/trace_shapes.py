"""Hold one trace's shapes against another's: did the sandbox answer as the tenant did?

A trace (:mod:`connectors.graph.trace`) of a failing run on a real tenant says, per exchange,
which call was made and the shape of Graph's answer. Running the same command against the
sandbox with ``--trace`` and comparing the two traces shows where the sandbox answers
differently from that tenant::

    python -m connectors.graph.trace_shapes tenant.jsonl sandbox.jsonl

Exchanges are matched by :func:`call_key`: method, placeholder path, status and whether the
call went inside a ``$batch``. The shapes of all exchanges of one key are merged
(:func:`connectors.graph.trace.union`) on each side, then compared: a property the reference
has and the candidate lacks, one the candidate has and the reference lacks, and a place where
the kinds differ are each a :class:`Difference`. An empty array tells nothing of its items, so
it differs from no array. A key of the reference that the candidate never called is a
difference too (``not called``); the candidate's extra calls are not.
Exit status of the command: 0 the shapes agree, 1 they differ, 2 a file cannot be read.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.graph.trace import Shape, read_trace, union

CallKey = tuple[str, str, int | None, bool]


@dataclass(frozen=True)
class Difference:
    call: str      # "GET /users/{user}/events (200)"
    where: str     # "value[].start.timeZone", or "" for the whole answer
    what: str      # "missing", "extra", "kinds differ", "not called"
    reference: str
    candidate: str

    def __str__(self) -> str:
        place = f" at {self.where}" if self.where else ""
        return f"{self.call}{place}: {self.what} (reference {self.reference}, candidate {self.candidate})"


def call_key(line: Mapping[str, Any]) -> CallKey:
    status = line.get("status")
    return (str(line.get("method", "")), str(line.get("path", "")),
            status if isinstance(status, int) else None, "batch" in line)


def shapes_by_call(lines: Iterable[Mapping[str, Any]]) -> dict[CallKey, Shape | None]:
    """Each call's merged answer shape (None: no JSON answer was ever traced for it)."""
    out: dict[CallKey, Shape | None] = {}
    for line in lines:
        key = call_key(line)
        shape = line.get("shape")
        if key not in out:
            out[key] = shape
        elif shape is not None:
            previous = out[key]
            out[key] = shape if previous is None else union(previous, shape)
    return out


def compare(reference: Sequence[Mapping[str, Any]], candidate: Sequence[Mapping[str, Any]]) -> list[Difference]:
    """Where ``candidate``'s answers are shaped unlike ``reference``'s, call by call."""
    ref, cand = shapes_by_call(reference), shapes_by_call(candidate)
    found: list[Difference] = []
    for key, shape in ref.items():
        label = f"{key[0]} {key[1]} ({key[2]}{', in $batch' if key[3] else ''})"
        if key not in cand:
            found.append(Difference(label, "", "not called", "called", "never"))
            continue
        other = cand[key]
        if shape is None or other is None:
            if (shape is None) != (other is None):
                found.append(Difference(label, "", "kinds differ", _show(shape), _show(other)))
            continue
        _diff(shape, other, "", label, found)
    return found


def _diff(a: Shape, b: Shape, where: str, label: str, found: list[Difference]) -> None:
    if a == b:
        return
    if isinstance(a, list) and isinstance(b, list):
        if a and b:  # an empty array tells nothing of its items
            _diff(a[0], b[0], where + "[]", label, found)
        return
    if isinstance(a, dict) and isinstance(b, dict) and "anyOf" not in a and "anyOf" not in b:
        for name in a:
            inner = f"{where}.{name}" if where else name
            if name not in b:
                found.append(Difference(label, inner, "missing", _show(a[name]), "absent"))
            else:
                _diff(a[name], b[name], inner, label, found)
        for name in b:
            if name not in a:
                inner = f"{where}.{name}" if where else name
                found.append(Difference(label, inner, "extra", "absent", _show(b[name])))
        return
    found.append(Difference(label, where, "kinds differ", _show(a), _show(b)))


def _show(shape: Shape | None) -> str:
    if shape is None:
        return "no JSON"
    if isinstance(shape, str):
        return shape
    if isinstance(shape, list):
        return "array"
    if isinstance(shape, dict) and set(shape) == {"anyOf"}:
        return "|".join(_show(s) for s in shape["anyOf"])
    return "object"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m connectors.graph.trace_shapes REFERENCE.jsonl CANDIDATE.jsonl", file=sys.stderr)
        return 2
    try:
        reference, candidate = read_trace(args[0]), read_trace(args[1])
    except (OSError, ValueError) as err:
        print(f"cannot read a trace: {err}", file=sys.stderr)
        return 2
    differences = compare(reference, candidate)
    for d in differences:
        print(d)
    calls = len(shapes_by_call(reference))
    print(json.dumps({"calls": calls, "differences": len(differences)}))
    return 1 if differences else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
