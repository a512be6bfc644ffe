"""A small OData ``$filter`` parser: comparisons joined by ``and`` / ``or``.

Grammar (enough for what Graph clients send): ``clause (and|or clause)*`` where a clause is
``path op literal`` (op: eq ne gt ge lt le), ``startswith(path, 'x')`` or ``path in ('a', 'b')``;
``and`` binds tighter than ``or``. Literals: ``'text'`` (``''`` escapes a quote), numbers,
``true``/``false``/``null``. The result is OR-of-ANDs, evaluated by :func:`matches`.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<punct>[(),])|(?P<word>[A-Za-z_][\w/@.]*))")


class FilterSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Clause:
    path: str
    op: str  # eq ne gt ge lt le startswith in
    value: Any


def parse(text: str) -> list[list[Clause]]:
    tokens = _tokenize(text)
    pos = 0

    def take() -> tuple[str, Any]:
        nonlocal pos
        if pos >= len(tokens):
            raise FilterSyntaxError(f"unexpected end of filter '{text}'")
        pos += 1
        return tokens[pos - 1]

    def literal() -> Any:
        kind, value = take()
        if kind in ("str", "num"):
            return value
        if kind == "word" and value.lower() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[value.lower()]
        raise FilterSyntaxError(f"expected a value, found '{value}'")

    def clause() -> Clause:
        kind, word = take()
        if kind == "punct" and word == "(":
            raise FilterSyntaxError("parenthesised groups are not supported")
        if kind != "word":
            raise FilterSyntaxError(f"expected a property, found '{word}'")
        if word.lower() == "startswith":
            _expect(take(), "(")
            _, path = take()
            _expect(take(), ",")
            value = literal()
            _expect(take(), ")")
            return Clause(path, "startswith", value)
        kind, op = take()
        op = str(op).lower()
        if op == "in":
            _expect(take(), "(")
            values = [literal()]
            while True:
                _, sep = take()
                if sep == ")":
                    break
                if sep != ",":
                    raise FilterSyntaxError("expected ',' or ')' in an 'in' list")
                values.append(literal())
            return Clause(word, "in", values)
        if op not in ("eq", "ne", "gt", "ge", "lt", "le"):
            raise FilterSyntaxError(f"unsupported operator '{op}'")
        return Clause(word, op, literal())

    groups: list[list[Clause]] = [[clause()]]
    while pos < len(tokens):
        _, joiner = take()
        if str(joiner).lower() == "and":
            groups[-1].append(clause())
        elif str(joiner).lower() == "or":
            groups.append([clause()])
        else:
            raise FilterSyntaxError(f"expected 'and' or 'or', found '{joiner}'")
    return groups


def _expect(token: tuple[str, Any], char: str) -> None:
    if token[1] != char:
        raise FilterSyntaxError(f"expected '{char}', found '{token[1]}'")


def _tokenize(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise FilterSyntaxError(f"cannot read filter near '{text[pos:pos + 20]}'")
        pos = m.end()
        kind = m.lastgroup or ""
        raw = m.group(kind)
        if kind == "str":
            out.append(("str", raw[1:-1].replace("''", "'")))
        elif kind == "num":
            out.append(("num", float(raw) if "." in raw else int(raw)))
        else:
            out.append((kind, raw))
    return out


def _compare(actual: Any, op: str, expected: Any, fold: bool) -> bool:
    if fold and isinstance(actual, str) and isinstance(expected, str):
        actual, expected = actual.lower(), expected.lower()
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if op == "startswith":
        return isinstance(actual, str) and actual.startswith(str(expected))
    if op == "in":
        values = [v.lower() if fold and isinstance(v, str) else v for v in expected]
        return actual in values
    if actual is None or expected is None:
        return False
    try:
        return bool({"gt": actual > expected, "ge": actual >= expected,
                     "lt": actual < expected, "le": actual <= expected}[op])
    except TypeError:
        return False


def matches(groups: list[list[Clause]], get: Callable[[str], Any], *, fold: bool = False) -> bool:
    return any(all(_compare(get(c.path), c.op, c.value, fold) for c in group) for group in groups)
