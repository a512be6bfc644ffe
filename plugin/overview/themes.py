"""Recurring competence needs: a simple, honest grouping of free text (no language model).

Method, in full: each competence-needs text is split into items at line breaks, bullets (``-``,
``*``, ``•``, ``1.``) and semicolons; each item is normalised (Unicode NFKC, case-folded, outer
punctuation and bullets stripped, runs of white space collapsed); items that are then identical
are one theme. A theme is counted once per person, however often that person wrote it. Nothing
is stemmed, translated or matched by meaning: "Python" and "programmering i Python" stay two
themes. The shown label is the spelling most people used (ties: the first seen).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_SPLIT = re.compile(r"[\n\r;]+|(?:^|\s)[•·]\s+")
_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)])\s+")
_OUTER = " \t.,:;!?\"'()[]{}–-*•·"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Theme:
    label: str   # the most used spelling
    key: str     # the normalised form the grouping used
    people: int  # how many people's texts name it


def items(text: str) -> list[str]:
    """The separate needs written in one text, as written (bullets and outer punctuation gone)."""
    out: list[str] = []
    for part in _SPLIT.split(text or ""):
        part = _BULLET.sub("", part)
        part = _SPACE.sub(" ", part).strip(_OUTER)
        if part:
            out.append(part)
    return out


def normalise(item: str) -> str:
    folded = unicodedata.normalize("NFKC", item).casefold()
    return _SPACE.sub(" ", folded).strip(_OUTER)


def group(texts: Iterable[str]) -> list[Theme]:
    """Themes across ``texts`` (one text per person), most people first, then alphabetically."""
    people: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for text in texts:
        seen: set[str] = set()
        for item in items(text):
            key = normalise(item)
            if not key:
                continue
            spellings.setdefault(key, Counter())[item] += 1
            if key not in seen:
                seen.add(key)
                people[key] += 1
    themes = [Theme(spellings[k].most_common(1)[0][0], k, n) for k, n in people.items()]
    return sorted(themes, key=lambda t: (-t.people, t.key))
