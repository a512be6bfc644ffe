"""Who gets a talk with whom, from the directory (SPEC §3): every enabled member with a manager,
within the configured scope. Awkward directory data is normal input: each case ends as a talk,
or as ``excluded`` / ``failed`` with a reason a person can act on, never as a crash or silence.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from connectors.graph.directory import User
from plugin.records import Status
from plugin.settings import ScopeSettings


@dataclass(frozen=True)
class Entry:
    """One person of the directory and what the round does with them.

    ``status`` is None for a talk to hold (``manager`` is then set), else ``EXCLUDED`` or
    ``FAILED`` with ``reason``.
    """

    employee: User
    manager: User | None
    status: Status | None = None
    reason: str = ""

    @property
    def in_round(self) -> bool:
        return self.status is None


def _cycle_members(users: Mapping[str, User]) -> dict[str, list[str]]:
    """Users on a cycle of the manager chain, each mapped to the cycle (names in order)."""
    on_cycle: dict[str, list[str]] = {}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in users:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in users and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = users[node].manager_id
        if node is not None and state.get(node) == 1:  # closed a loop on this path
            loop = path[path.index(node):]
            names = [users[u].display_name for u in loop]
            for u in loop:
                on_cycle[u] = names
        for u in path:
            state[u] = 2
    return on_cycle


def build_roster(users: Iterable[User], scope: ScopeSettings) -> list[Entry]:
    """One :class:`Entry` per directory user, in a stable order (by id)."""
    by_id = {u.id: u for u in users}
    cycles = _cycle_members(by_id)
    entries: list[Entry] = []
    for user in sorted(by_id.values(), key=lambda u: u.id):
        manager = by_id.get(user.manager_id) if user.manager_id else None

        def out(status: Status, reason: str) -> Entry:
            return Entry(user, manager, status, reason)

        if user.is_guest:
            entries.append(out(Status.EXCLUDED, "guest account: talks are for the organisation's own staff"))
        elif user.account_enabled is False:
            entries.append(out(Status.EXCLUDED, "account disabled in Entra ID"))
        elif (why := scope.reason_excluded(user.department, user.upn, user.id)) is not None:
            entries.append(out(Status.EXCLUDED, why))
        elif user.manager_id is None:
            entries.append(out(Status.FAILED, "no manager in Entra ID: set the user's manager attribute"))
        elif user.manager_id == user.id:
            entries.append(out(Status.FAILED, "the user is recorded as their own manager in Entra ID"))
        elif user.id in cycles:
            chain = " → ".join(cycles[user.id] + cycles[user.id][:1])
            entries.append(out(Status.FAILED, f"the manager chain forms a cycle ({chain}): fix the managers in Entra ID"))
        elif manager is None:
            entries.append(out(Status.FAILED, "the manager is not a user samtal can see in the directory"))
        elif manager.account_enabled is False:
            entries.append(out(Status.FAILED, f"the manager's account ({manager.display_name}) is disabled"))
        elif manager.is_guest:
            entries.append(out(Status.FAILED, f"the manager ({manager.display_name}) is a guest account"))
        else:
            entries.append(Entry(user, manager))
    return entries
