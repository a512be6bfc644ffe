"""Large synthetic organisations for the sandbox tenant (`samtal sandbox --generate N`).

:func:`generate_seed` returns a seed in the sandbox's seed format (docs/sandbox.md#seed-format; keys ``tenant``, ``users``,
``sites``) for ``count`` people: a Swedish university with a head, faculties, institutions,
divisions and groups (:mod:`.generate_org`), mostly Swedish names with some international ones
(:mod:`.generate_names`), realistic calendars (:mod:`.generate_calendar`), and every awkward
directory case (docs/sandbox.md#generated-organisations) in small proportions (about 0.5–2 % each; at least one of each once
``count >= 200``). Everything is drawn from ``random.Random`` streams seeded by ``seed``: the same
arguments give an identical dict.

The extra top-level key ``generated`` (``{seed, count, head, cases: {case: [upn, ...]}}``) says
which users carry which case, for tests and the demo; the seed loader ignores it.
"""
from __future__ import annotations

import datetime
import random
import uuid
from collections import Counter
from typing import Any

from connectors.sandbox.generate_calendar import CalendarPlanner, CalendarTraits
from connectors.sandbox.generate_names import SWEDISH_SURNAMES, PersonName, UpnAllocator, draw_name, fold_ascii
from connectors.sandbox.generate_org import Position, build_tree

FULL_CASES_FROM = 200  # from this count on, every case has at least one user
NAME_DRAWS = 6         # draws to find an unused name before accepting a duplicate
ID_NAMESPACE = uuid.UUID("5a4d7c1e-8f2b-5c3a-9d6e-73616d74616c")  # uuid5 ids: "{seed}:{upn}" in here
TEAM_MEETING_STARTS = (9 * 60, 9 * 60 + 30, 10 * 60, 13 * 60, 14 * 60, 15 * 60)
TEAM_MEETING_SUBJECTS = ("Rektors ledningsråd", "Ledningsgrupp", "Institutionsmöte", "Avdelningsmöte", "Gruppmöte")
# Display names OneDrive cannot take as folder names: " * : < > ? / \ | (docs/graph.md#onedrive).
FORBIDDEN_TEMPLATES = ('{g} "{nick}" {s}', "{g} {s} (HR/IT)", "{g} {s} | Extern", "{g} {s}*",
                       "{s}: {g}", "{g} <{s}>", "{g} {s}?", "KTH\\{g} {s}")
EDGE_TEMPLATES = (" {g} {s} ", "{g} {s}.", ".{g} {s}", "{g} {s} ")
NICKNAMES = ("Kalle", "Pelle", "Lasse", "Nisse", "Janne", "Micke", "Olle", "Lotta", "Kicki", "Bettan")
LONG_GIVEN = ("Maria", "Elisabeth", "Kristina", "Margareta", "Charlotta", "Ingrid", "Birgitta", "Eleonora",
              "Lovisa", "Vilhelmina", "Augusta", "Sofia", "Fredrika", "Ulrika", "Desideria", "Cecilia")
GUEST_DOMAINS = ("example.org", "example.net", "partner.example.com", "uni.example.fi", "lab.example.de")
CONTACT_TITLES = ("Extern handledare", "Konsult", "Industridoktorandhandledare", "Adjungerad expert")
DETACHED_TITLES = ("Professor emeritus", "Gästprofessor", "Timanställd", "Konsult", "Forskare")


def generate_seed(count: int, *, seed: int = 7, window_start: datetime.date,
                  window_end: datetime.date, domain: str = "example.se") -> dict[str, Any]:
    """A seed (docs/sandbox.md#seed-format) for ``count`` users (at least 1), deterministic from ``seed``.

    Calendars cover ``window_start``..``window_end`` (inclusive) and a week either side.
    Raises :class:`ValueError` (or :class:`TypeError`) with a readable message on bad input.
    """
    _check_arguments(count, seed, window_start, window_end, domain)
    return _Generator(count, seed, window_start, window_end, domain.strip().lower()).run()


def _check_arguments(count: object, seed: object, window_start: object, window_end: object,
                     domain: object) -> None:
    if not isinstance(count, int) or isinstance(count, bool):
        raise TypeError(f"count must be an integer, got {count!r}")
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    for label, value in (("window_start", window_start), ("window_end", window_end)):
        if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
            raise TypeError(f"{label} must be a datetime.date, got {value!r}")
    assert isinstance(window_start, datetime.date) and isinstance(window_end, datetime.date)
    if window_end < window_start:
        raise ValueError(f"window_end {window_end} is before window_start {window_start}")
    if not isinstance(domain, str) or "." not in domain.strip() or "@" in domain or " " in domain.strip():
        raise ValueError(f"domain must look like 'example.se', got {domain!r}")


class _Generator:
    def __init__(self, count: int, seed: int, window_start: datetime.date, window_end: datetime.date,
                 domain: str) -> None:
        self.count = count
        self.seed = seed
        self.domain = domain
        self.rng = random.Random(seed)
        self.cal_rng = random.Random(f"samtal-sandbox-calendar-{seed}")
        self.planner = CalendarPlanner(window_start, window_end)
        self.upns = UpnAllocator(domain)
        self.cases: dict[str, list[int]] = {}
        self.users: list[dict[str, Any]] = []
        self.names_taken: set[str] = set()
        self.name_shared: set[int] = set()  # deliberate duplicates and their sources: names kept as drawn

    def quota(self, rate: float, available: int | None = None) -> int:
        wanted = round(self.count * rate)
        if self.count >= FULL_CASES_FROM:
            wanted = max(1, wanted)
        return wanted if available is None else min(wanted, available)

    def run(self) -> dict[str, Any]:
        rng = self.rng
        n_detached = self.quota(0.01)
        n_cycles = self.quota(0.002)
        cycle_sizes = [2 + (i % 2) for i in range(n_cycles)]  # alternate pairs and triangles
        n_guests = self.quota(0.008)
        n_contacts = self.quota(0.008)
        extra = n_detached + sum(cycle_sizes) + n_guests + n_contacts
        if extra >= self.count:  # tiny counts: keep the tree, drop the extras
            n_detached, cycle_sizes, n_guests, n_contacts, extra = 0, [], 0, 0, 0
        positions = build_tree(self.count - extra, rng, force_large_team=self.count >= FULL_CASES_FROM)
        names = [self.fresh_name() for _ in positions]
        self.pick_name_cases(positions, names)
        for position, name in zip(positions, names):
            self.add_tree_user(position, name)
        self.mark_attribute_cases(positions)
        self.add_calendars(positions)
        managers = [i for i, p in enumerate(positions) if p.manages]
        self.add_guests_and_contacts(n_guests, n_contacts, managers)
        self.add_detached(n_detached, cycle_sizes, positions)
        self.mark_structure_cases()
        head = self.users[0]
        rest = self.users[1:]
        rng.shuffle(rest)  # directory order is arbitrary; reports may come before their managers
        return {
            "tenant": {"domain": self.domain, "timeZone": "W. Europe Standard Time"},
            "users": [head, *rest],
            "sites": [{"path": "/sites/hr", "displayName": "HR"}],
            "generated": {
                "seed": self.seed,
                "count": self.count,
                "head": head["userPrincipalName"],
                "cases": {case: [self.users[i]["userPrincipalName"] for i in indices]
                          for case, indices in sorted(self.cases.items())},
            },
        }

    # --- the tree -------------------------------------------------------------------------

    def pick_name_cases(self, positions: list[Position], names: list[PersonName]) -> None:
        """Duplicate display names are copied before UPNs are made, so they get ``anna.berg2``."""
        staff = [i for i, p in enumerate(positions) if i > 0 and not p.manages]
        copies = self.rng.sample(staff, min(len(staff), self.quota(0.005)))
        for target in copies:
            source = self.rng.randrange(len(positions))
            if source == target:
                source = (source + 1) % len(positions)
            names[target] = names[source]
            self.name_shared.update((source, target))

    def fresh_name(self, international_share: float = 0.2) -> PersonName:
        """A name nobody has yet, when a few draws can find one (duplicates come by design only)."""
        for attempt in range(NAME_DRAWS):
            name = draw_name(self.rng, international_share, rare=attempt >= NAME_DRAWS // 2)
            if name.display not in self.names_taken:
                break
        self.names_taken.add(name.display)
        return name

    def add_tree_user(self, position: Position, name: PersonName) -> None:
        manager = None if position.manager is None else self.users[position.manager]["userPrincipalName"]
        self.users.append(self.person(name, self.upns.allocate(name), position.department,
                                      position.title, manager))

    def person(self, name: PersonName, upn: str, department: str, title: str,
               manager: str | None) -> dict[str, Any]:
        swedish = name.origin == "swedish"
        english = self.rng.random() < (0.05 if swedish else 0.6)
        user: dict[str, Any] = {
            "userPrincipalName": upn,
            "displayName": name.display,
            "givenName": name.given,
            "surname": name.surname,
            "id": str(uuid.uuid5(ID_NAMESPACE, f"{self.seed}:{upn}")),
            "department": department,
            "jobTitle": title,
        }
        if manager is not None:
            user["manager"] = manager
        user.update({"preferredLanguage": "en-US" if english else "sv-SE", "accountEnabled": True,
                     "oneDrive": True, "mailbox": True})
        return user

    def mark_attribute_cases(self, positions: list[Position]) -> None:
        """Flip attributes on distinct staff members, one case each."""
        rng = self.rng
        staff = [i for i, p in enumerate(positions) if i > 0 and not p.manages and i not in self.name_shared]
        plan = (("disabled", 0.01), ("no_onedrive", 0.015), ("no_mailbox", 0.01),
                ("no_preferred_language", 0.015), ("forbidden_characters", 0.01),
                ("edge_spaces_or_dots", 0.008), ("very_long_name", 0.005))
        wanted = [(case, self.quota(rate)) for case, rate in plan]
        chosen = rng.sample(staff, min(len(staff), sum(n for _, n in wanted)))
        offset = 0
        for case, n in wanted:
            picked = sorted(chosen[offset:offset + n])
            offset += n
            self.cases[case] = picked
            for k, i in enumerate(picked):
                self.apply_case(case, k, self.users[i])
        bosses = [i for i, p in enumerate(positions) if i > 0 and p.manages]
        self.cases["disabled_manager"] = sorted(rng.sample(bosses, min(len(bosses), self.quota(0.002))))
        for i in self.cases["disabled_manager"]:
            self.users[i]["accountEnabled"] = False

    def apply_case(self, case: str, k: int, user: dict[str, Any]) -> None:
        given, _, surname = user["displayName"].partition(" ")
        if case == "disabled":
            user["accountEnabled"] = False
        elif case == "no_onedrive":
            user["oneDrive"] = False
        elif case == "no_mailbox":
            user["mailbox"] = False
        elif case == "no_preferred_language":
            del user["preferredLanguage"]
        elif case == "forbidden_characters":
            template = FORBIDDEN_TEMPLATES[k % len(FORBIDDEN_TEMPLATES)]
            user["displayName"] = template.format(g=given, s=surname, nick=self.rng.choice(NICKNAMES))
        elif case == "edge_spaces_or_dots":
            user["displayName"] = EDGE_TEMPLATES[k % len(EDGE_TEMPLATES)].format(g=given, s=surname)
        elif case == "very_long_name":
            # Many given names, then a chain of family names: 201 to about 215 characters.
            words = [given, *self.rng.sample(LONG_GIVEN, len(LONG_GIVEN)), surname]
            families = iter(self.rng.sample(SWEDISH_SURNAMES, 12))
            while len(" ".join(words)) <= 200:
                words.append(f"af {next(families)}")
            user["displayName"] = " ".join(words)

    def add_calendars(self, positions: list[Position]) -> None:
        rng = self.rng
        people = list(range(1, len(positions)))
        bosses = [i for i in people if positions[i].manages]
        traits: dict[str, list[int]] = {}
        for case, pool, rate in (("part_time", people, 0.05), ("parental_leave", people, 0.02),
                                 ("travel", people, 0.06), ("other_working_hours", people, 0.05),
                                 ("other_time_zone", people, 0.01), ("fully_booked_manager", bosses, 0.05)):
            traits[case] = sorted(rng.sample(pool, min(len(pool), self.quota(rate * len(pool) / self.count))))
        sets = {case: set(indices) for case, indices in traits.items()}
        meeting: dict[int, tuple[int, int, int, str]] = {}
        for i in [0, *bosses]:
            start = rng.choice(TEAM_MEETING_STARTS)
            subject = TEAM_MEETING_SUBJECTS[min(positions[i].level, len(TEAM_MEETING_SUBJECTS) - 1)]
            meeting[i] = (rng.randrange(5), start, start + 60, subject)
        for i, position in enumerate(positions):
            user = self.users[i]
            if not user["mailbox"]:
                for case in traits:
                    sets[case].discard(i)
                continue
            meetings = tuple(meeting[m] for m in (position.manager, i if position.manages else None)
                             if m is not None)
            user.update(self.planner.calendar(self.cal_rng, CalendarTraits(
                teaches=position.teaches, manages=position.manages,
                part_time=i in sets["part_time"], other_hours=i in sets["other_working_hours"],
                other_zone=i in sets["other_time_zone"], parental_leave=i in sets["parental_leave"],
                travel=i in sets["travel"], fully_booked=i in sets["fully_booked_manager"],
                team_meetings=meetings)))
        for case, indices in traits.items():
            self.cases[case] = [i for i in indices if i in sets[case]]

    # --- people outside the tree ----------------------------------------------------------

    def add_guests_and_contacts(self, n_guests: int, n_contacts: int, managers: list[int]) -> None:
        rng = self.rng
        tenant = self.domain.split(".")[0]
        taken: set[str] = set()
        for kind, n in (("guest", n_guests), ("contact", n_contacts)):
            self.cases[kind] = []
            for _ in range(n if managers else 0):
                boss = self.users[rng.choice(managers)]
                name = self.fresh_name(international_share=0.6)
                local = f"{fold_ascii(name.given.split(' ')[0])}.{fold_ascii(name.surname)}"
                mail_domain = rng.choice(GUEST_DOMAINS)
                while f"{local}@{mail_domain}" in taken:
                    local += str(rng.randrange(10))
                mail = f"{local}@{mail_domain}"
                taken.add(mail)
                if kind == "guest":  # Entra's form for an invited external user
                    upn = f"{local}_{mail_domain}#EXT#@{tenant}.onmicrosoft.com"
                    title = "Gästforskare"
                else:
                    upn = mail
                    title = rng.choice(CONTACT_TITLES)
                user = self.person(name, upn, boss["department"], title, boss["userPrincipalName"])
                user.update({"mail": mail, "oneDrive": False, "mailbox": False})
                if kind == "guest":
                    user["userType"] = "Guest"
                else:
                    user["kind"] = "contact"
                    del user["accountEnabled"]  # org contacts have no account
                self.cases[kind].append(len(self.users))
                self.users.append(user)

    def add_detached(self, n_detached: int, cycle_sizes: list[int], positions: list[Position]) -> None:
        """People with no manager (besides the head), and small manager cycles cut off from the head."""
        rng = self.rng
        self.cases["no_manager"] = []
        self.cases["manager_cycle"] = []
        groups = [[i] for i in range(n_detached)] + [list(range(size)) for size in cycle_sizes]
        for g, members in enumerate(groups):
            first = len(self.users)
            department = positions[rng.randrange(len(positions))].department
            for _ in members:
                name = self.fresh_name()
                user = self.person(name, self.upns.allocate(name), department, rng.choice(DETACHED_TITLES), None)
                user.update(self.planner.calendar(self.cal_rng, CalendarTraits()))
                self.users.append(user)
            indices = list(range(first, len(self.users)))
            if g < n_detached:
                self.cases["no_manager"].extend(indices)
                continue
            for k, i in enumerate(indices):  # a -> b -> (c ->) a
                self.users[i]["manager"] = self.users[indices[(k + 1) % len(indices)]]["userPrincipalName"]
            self.cases["manager_cycle"].extend(indices)

    def mark_structure_cases(self) -> None:
        index_of = {u["userPrincipalName"]: i for i, u in enumerate(self.users)}
        reports = Counter(index_of[u["manager"]] for u in self.users if "manager" in u)
        in_cycle = set(self.cases["manager_cycle"])
        self.cases["manager_is_report"] = sorted(
            i for i in reports if "manager" in self.users[i] and i not in in_cycle)
        self.cases["large_team"] = sorted(i for i, n in reports.items() if n > 20)
        by_name = Counter(u["displayName"] for u in self.users)
        self.cases["duplicate_display_name"] = [i for i, u in enumerate(self.users) if by_name[u["displayName"]] > 1]
