"""How many SharePoint resource units (RU) a round costs, and how long it takes at the budget.

SharePoint/OneDrive charge each app a budget of RU per minute (docs/graph.md#sharepoint-resource-units): 1 RU for a
single-item read or a download, 2 for a multi-item query, create, update, delete or upload, 5 for
any permission call. Outlook and the directory are not charged in RU. The costs below count the
SharePoint requests each step of :mod:`plugin.talks` and of a pass (:mod:`plugin.reconcile`) makes:

- a new talk: the folder's path looked at with its children (2: a multi-item query), prep guide
  uploaded by path (2; creates the folder), the folder read for its web address (1), the form
  uploaded (2), one ``invite`` for the folder (5), the record created (2);
- the manager's guide: one upload per manager (2);
- a talk booked again in its existing folder: prep guide (2), form kept (a 409, 2, and the
  folder listed to find it, 2), the record updated (2);
- a declined time moved: prep guide (2), the record updated (2);
- a talk moved to a new manager: the old manager's permission listed (5), removed (5) and the
  permissions listed again to see it is gone (5), the folder prepared again (6), shared with the
  new manager (5), the record updated (2);
- a form filed: downloaded (1), the record updated (2); any other status change: a record write (2);
- every pass: the site (1), the records list found (2 + 1 + 2 for its columns), the records read
  (2 per page of 200).
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from plugin.progress import duration_text

RU_PER_ACTION: dict[str, int] = {
    "book": 2 + 2 + 1 + 2 + 5 + 2,
    "book again": 2 + 2 + 2 + 2,
    "move (declined)": 2 + 2,
    "move to the new manager": 5 + 5 + 5 + 6 + 5 + 2,
    "filed": 1 + 2,
}
RECORD_WRITE = 2
MANAGER_GUIDE = 2
PASS_SETUP = 1 + 2 + 1 + 2
RECORDS_PAGE = 200
# Actions that only describe what another action then does (that one is counted).
_NO_COST = ("rebook:", "cancel:", "form problem")


@dataclass(frozen=True)
class RoundEstimate:
    ru: int
    by_action: tuple[tuple[str, int, int], ...]  # (action, count, RU)
    talks: int
    ru_per_minute: int

    @property
    def minutes(self) -> float:
        """The shortest time the round can take at the budget (the RU floor)."""
        return self.ru / self.ru_per_minute

    @property
    def per_talk(self) -> float:
        return self.ru / self.talks if self.talks else 0.0


def estimate_round(actions: Iterable[tuple[str, str]], records: int, ru_per_minute: int) -> RoundEstimate:
    """RU of a pass from its planned ``(what, manager)`` actions and the records it reads."""
    if ru_per_minute < 1:
        raise ValueError("the RU budget per minute must be at least 1")
    counts: Counter[str] = Counter()
    managers: set[str] = set()
    for what, manager in actions:
        if what.startswith(_NO_COST):
            continue
        counts[what] += 1
        if what in ("book", "book again", "move to the new manager") and manager:
            managers.add(manager)
    rows = [(what, n, n * RU_PER_ACTION.get(what, RECORD_WRITE)) for what, n in sorted(counts.items())]
    if managers:
        rows.append(("manager's guide", len(managers), len(managers) * MANAGER_GUIDE))
    setup = PASS_SETUP + 2 * max(1, math.ceil(records / RECORDS_PAGE))
    rows.append(("read the records", 1, setup))
    talks = sum(n for what, n in counts.items() if what in RU_PER_ACTION)
    return RoundEstimate(sum(r[2] for r in rows), tuple(rows), talks, ru_per_minute)


def describe(estimate: RoundEstimate, budget_source: str) -> list[str]:
    """Lines for ``samtal plan`` (a dry run: what running the plan would cost)."""
    lines = [f"SharePoint resource units running this plan would cost: about {estimate.ru:,}"
             + (f" ({estimate.per_talk:.1f} per talk)" if estimate.talks else "")]
    for what, n, ru in estimate.by_action:
        lines.append(f"  {ru:8,} RU  {what} ×{n}")
    seconds = estimate.minutes * 60
    floor = duration_text(seconds) if seconds < 1 else f"at least {duration_text(seconds)}"
    lines.append(f"at {estimate.ru_per_minute:,} RU a minute ({budget_source}) it would take {floor}")
    return lines
