"""The org tree of a synthetic Swedish university: faculties, institutions, divisions, groups.

Part of the sandbox generator (:mod:`connectors.sandbox.generate`). :func:`build_tree` splits a
head count into units top-down: a unit's manager, a few direct staff, and sub-units of at least
four people, until a unit is small enough (at most :data:`LEAF_MAX` reports) to be one team. A
few managers get a large team (over 20 reports) so that callers must chunk getSchedule's 20
addresses. Positions come out in pre-order: index 0 is the head, a manager before their reports.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

LEAF_MAX = 15            # a team of at most this many reports is not split further
LARGE_TEAM_SHARE = 0.04  # chance that a unit (below the head) gets a manager with over 20 reports
LARGE_LEAF_MAX = 28      # a large team of at most this many reports is one flat team
MAX_LEVEL = 9            # never nest deeper than this (only reachable with huge counts)

FACULTIES = (
    "Skolan för teknikvetenskap", "Skolan för elektroteknik och datavetenskap",
    "Skolan för kemi, bioteknologi och hälsa", "Skolan för arkitektur och samhällsbyggnad",
    "Skolan för industriell teknik och management", "Naturvetenskapliga fakulteten",
    "Humanistiska fakulteten", "Samhällsvetenskapliga fakulteten", "Medicinska fakulteten",
    "Juridiska fakulteten", "Fakulteten för lärande och samhälle", "Konstnärliga fakulteten",
)
ADMINISTRATION = "Universitetsförvaltningen"
HEAD_UNIT = "Universitetsledningen"
SUBJECTS = (
    "matematik", "fysik", "kemi", "biologi", "datavetenskap", "historia", "filosofi", "lingvistik",
    "nationalekonomi", "psykologi", "pedagogik", "sociologi", "statsvetenskap", "geovetenskaper",
    "folkhälsovetenskap", "molekylärbiologi", "elektroteknik", "maskinteknik", "byggvetenskap",
    "arkitektur", "teknisk mekanik", "energiteknik", "fiber- och polymerteknologi",
    "materialvetenskap", "medicinsk teknik", "industriell ekonomi", "hållbar utveckling",
    "teoretisk fysik", "tillämpad fysik", "numerisk analys", "matematisk statistik", "optimeringslära",
    "reglerteknik", "datorteknik", "programvaruteknik", "människa–datorinteraktion", "mikrobiologi",
    "immunologi", "farmakologi", "neurovetenskap", "omvårdnad", "idrottsvetenskap", "kulturgeografi",
    "ekonomisk historia", "religionsvetenskap", "konstvetenskap", "musikvetenskap",
    "litteraturvetenskap", "nordiska språk", "engelska", "romanska språk", "asiatiska språk",
    "arkeologi", "socialt arbete", "företagsekonomi", "medie- och kommunikationsvetenskap",
    "genusvetenskap", "miljövetenskap", "ekologi", "zoologi", "botanik", "geologi", "meteorologi",
    "astronomi", "kärnfysik", "strömningsmekanik", "akustik", "geodesi", "fastighetsekonomi",
    "transportplanering",
)
ADMIN_AREAS = (
    "ekonomi", "HR", "IT", "kommunikation", "studentservice", "forskningsstöd", "fastigheter",
    "juridik", "lön", "rekrytering", "arbetsmiljö", "antagning", "examen", "upphandling",
    "redovisning", "webb", "arkiv och registratur", "internationella relationer", "infrastruktur",
    "användarstöd", "lokalförsörjning", "intern service", "utbildningsstöd", "bibliotekstjänster",
)

# Titles, weighted (title, weight, teaches-probability).
ACADEMIC_STAFF = (
    ("Professor", 9, 0.8), ("Biträdande professor", 4, 0.8), ("Universitetslektor", 14, 0.95),
    ("Biträdande universitetslektor", 5, 0.9), ("Adjunkt", 5, 1.0), ("Forskare", 8, 0.2),
    ("Postdoktor", 8, 0.3), ("Doktorand", 24, 0.5), ("Forskningsingenjör", 6, 0.1),
    ("Administratör", 5, 0.0), ("Utbildningsadministratör", 3, 0.0), ("Studievägledare", 2, 0.0),
    ("Ekonom", 2, 0.0), ("Laboratorieingenjör", 3, 0.3), ("Gästforskare", 2, 0.1),
)
ADMIN_STAFF = (
    ("Administratör", 8, 0.0), ("Handläggare", 10, 0.0), ("Ekonom", 6, 0.0), ("Controller", 3, 0.0),
    ("HR-specialist", 4, 0.0), ("HR-generalist", 3, 0.0), ("Kommunikatör", 4, 0.0),
    ("IT-tekniker", 5, 0.0), ("Systemförvaltare", 3, 0.0), ("Bibliotekarie", 4, 0.1),
    ("Jurist", 2, 0.0), ("Registrator", 2, 0.0), ("Löneadministratör", 3, 0.0),
    ("Lokalsamordnare", 2, 0.0), ("Utredare", 3, 0.0),
)
UNIT_STAFF = (("Administratör", 1, 0.0), ("Ekonom", 1, 0.0), ("Studierektor", 1, 0.7),
              ("Kanslichef", 1, 0.0), ("HR-partner", 1, 0.0))
HEAD_STAFF = ("Prorektor", "Universitetsdirektör", "Vicerektor", "Ledningssekreterare", "Rektorsråd")


@dataclass(frozen=True)
class Position:
    """One person's place in the tree, before they get a name."""

    manager: int | None  # index of the manager's position; None for the head
    department: str
    title: str
    level: int           # 0 for the head, 1 for a dean and the head's own staff, ...
    manages: bool
    teaches: bool


class _UnitNames:
    """Unique unit names drawn from a shuffled pool; when it runs dry, pairs ("X och Y")."""

    def __init__(self, rng: random.Random, pool: tuple[str, ...], pattern: str) -> None:
        self._rng = rng
        self._pool = list(pool)
        rng.shuffle(self._pool)
        self._pattern = pattern
        self._used: set[str] = set()
        self._next = 0

    def draw(self) -> str:
        while True:
            if self._next < len(self._pool):
                subject = self._pool[self._next]
                self._next += 1
            else:
                first, second = self._rng.sample(self._pool, 2)
                subject = f"{first} och {second}"
            name = self._pattern.format(subject)
            if name not in self._used:
                self._used.add(name)
                return name


class _Builder:
    def __init__(self, rng: random.Random, force_large_team: bool) -> None:
        self.rng = rng
        self.positions: list[Position] = []
        self.force_large_team = force_large_team
        self.institutions = _UnitNames(rng, SUBJECTS, "Institutionen för {}")
        self.divisions = _UnitNames(rng, SUBJECTS, "Avdelningen för {}")
        self.admin_units = _UnitNames(rng, ADMIN_AREAS, "Avdelningen för {}")
        self.admin_groups = _UnitNames(rng, ADMIN_AREAS, "Enheten för {}")
        self.faculties = list(FACULTIES)
        rng.shuffle(self.faculties)

    def add(self, manager: int | None, department: str, title: str, level: int,
            manages: bool, teach_share: float) -> int:
        teaches = teach_share > 0 and self.rng.random() < teach_share
        self.positions.append(Position(manager, department, title, level, manages, teaches))
        return len(self.positions) - 1

    def staff_title(self, academic: bool) -> tuple[str, float]:
        table = ACADEMIC_STAFF if academic else ADMIN_STAFF
        title, _, teaches = self.rng.choices(table, weights=[w for _, w, _ in table])[0]
        return title, teaches

    def unit_name(self, level: int, academic: bool, parent_department: str) -> str:
        if level == 1:
            if not academic:
                return ADMINISTRATION
            if self.faculties:
                return self.faculties.pop()
            return f"Fakulteten för {self.institutions.draw().removeprefix('Institutionen för ')}"
        if level == 2:
            return self.institutions.draw() if academic else self.admin_units.draw()
        if level == 3:
            return self.divisions.draw() if academic else self.admin_groups.draw()
        return parent_department  # groups further down keep their division as department

    def manager_title(self, level: int, academic: bool) -> str:
        if level == 0:
            return "Rektor"
        if level == 1:
            return "Dekan" if academic else "Förvaltningschef"
        if level == 2:
            return "Prefekt" if academic else "Avdelningschef"
        if level == 3:
            return "Avdelningschef" if academic else "Enhetschef"
        return "Forskargruppsledare" if academic else "Gruppchef"

    def unit(self, size: int, level: int, parent: int | None, academic: bool, department: str) -> None:
        """Place ``size`` people: a manager (reporting to ``parent``) and everyone below them."""
        rest = size - 1
        teach_share = 0.5 if academic and level >= 2 else 0.0
        boss = self.add(parent, department, self.manager_title(level, academic), level, rest > 0, teach_share)
        large = level >= 1 and rest > 20 and (self.force_large_team or self.rng.random() < LARGE_TEAM_SHARE)
        if large:
            self.force_large_team = False
        if (rest <= LEAF_MAX or level >= MAX_LEVEL) or (large and rest <= LARGE_LEAF_MAX):
            for _ in range(rest):
                self.add_staff(boss, level, academic, department)
            return
        if large:  # direct staff plus at least two sub-units of four: over 20 reports in all
            direct = min(self.rng.randint(19, 23), rest - 8)
        else:
            direct = self.rng.randint(1, 3) if level <= 2 else self.rng.randint(2, 5)
        rest -= direct
        count = max(2, min(self.rng.randint(3, 8), rest // 4))
        sizes = self.split(rest, count)
        for _ in range(direct):
            if level == 0:
                title = HEAD_STAFF[len(self.positions) % len(HEAD_STAFF)]
                self.add(boss, department, title, 1, False, 0.0)
            elif level <= 2 and not large:
                title, _, teaches = self.rng.choice(UNIT_STAFF)
                self.add(boss, department, title, level + 1, False, teaches)
            else:
                self.add_staff(boss, level, academic, department)
        for i, sub_size in enumerate(sizes):
            sub_academic = academic if level > 0 else (i != 0 or count < 3)
            name = self.unit_name(level + 1, sub_academic, department)
            self.unit(sub_size, level + 1, boss, sub_academic, name)

    def add_staff(self, boss: int, level: int, academic: bool, department: str) -> None:
        title, teaches = self.staff_title(academic)
        self.add(boss, department, title, level + 1, False, teaches)

    def split(self, total: int, parts: int) -> list[int]:
        """``parts`` sizes of at least 4 summing to ``total`` (``total >= 4 * parts``)."""
        weights = [self.rng.uniform(0.5, 1.5) for _ in range(parts)]
        spare = total - 4 * parts
        scale = spare / sum(weights)
        sizes = [4 + int(w * scale) for w in weights]
        for i in range(total - sum(sizes)):
            sizes[i % parts] += 1
        return sizes


def build_tree(size: int, rng: random.Random, *, force_large_team: bool = False) -> list[Position]:
    """Positions for ``size`` people (``size >= 1``), head first, managers before their reports.

    With ``force_large_team`` the first unit big enough gets a manager with over 20 reports.
    """
    if size < 1:
        raise ValueError(f"an org tree needs at least one person, got {size}")
    builder = _Builder(rng, force_large_team)
    builder.unit(size, 0, None, True, HEAD_UNIT)
    return builder.positions
