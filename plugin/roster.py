"""Who gets a talk with whom, from the directory: every enabled member with a manager, within
the configured scope. Awkward directory data is normal input: each case ends as a talk, or as
``excluded`` / ``failed`` with a reason a person can act on, never as a crash or silence.

An address (``mail`` or UPN, in any case) that two accounts hold cannot say which mailbox an
invitation, a share or a free/busy answer belongs to: everyone holding it is ``failed`` with the
clash named, and so are the reports of a manager in one, while the rest of the round goes on
(see ``connectors/graph/directory.py`` for how directories come to hold such clashes).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from connectors.graph.addresses import address_key, id_key
from connectors.graph.directory import User
from plugin.records import Status
from plugin.settings_sections import ScopeSettings


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
            node = id_key(users[node].manager_id or "") or None
        if node is not None and state.get(node) == 1:  # closed a loop on this path
            loop = path[path.index(node):]
            names = [users[u].display_name for u in loop]
            for u in loop:
                on_cycle[u] = names
        for u in path:
            state[u] = 2
    return on_cycle


_SHOWN = 3  # other accounts named in one reason; more are counted


def address_clashes(users: Iterable[User]) -> dict[str, str]:
    """Users holding an address (``mail`` or UPN, case-insensitively) that another user holds
    too, by id key, each with a sentence naming the address and the other accounts (UPN and
    object id): what an administrator needs to find and fix them."""
    # address key → id key → (user, the fields holding it, the address as this user writes it)
    holders: dict[str, dict[str, tuple[User, list[str], str]]] = {}
    for user in users:
        for field, value in (("UPN", user.upn), ("mail", user.mail)):
            if value and value.strip():
                held = holders.setdefault(address_key(value), {})
                held.setdefault(id_key(user.id), (user, [], value.strip()))[1].append(field)
    found: dict[str, list[str]] = {}
    for held in holders.values():
        if len(held) < 2:
            continue
        for uid, (user, fields, value) in held.items():
            others = [(o, f) for oid, (o, f, _) in held.items() if oid != uid]
            named = ", ".join(f"the {' and '.join(f)} of {o.upn} (object id {o.id})" for o, f in others[:_SHOWN])
            more = f" and of {len(others) - _SHOWN} more accounts" if len(others) > _SHOWN else ""
            found.setdefault(uid, []).append(f"{value} (the {' and '.join(fields)} of {user.upn}, object id "
                                             f"{user.id}) is also {named}{more}")
    return {uid: "; ".join(parts) for uid, parts in found.items()}


_FIX = "give each account its own address in Entra ID (or the on-premises directory it syncs from)"


def build_roster(users: Iterable[User], scope: ScopeSettings) -> list[Entry]:
    """One :class:`Entry` per directory user, in a stable order (by id)."""
    listed = list(users)
    by_id = {id_key(u.id): u for u in listed}
    cycles = _cycle_members(by_id)
    clashes = address_clashes(listed)
    entries: list[Entry] = []
    for key, user in sorted(by_id.items(), key=lambda kv: kv[1].id):
        manager_key = id_key(user.manager_id) if user.manager_id else None
        manager = by_id.get(manager_key) if manager_key else None

        def out(status: Status, reason: str) -> Entry:
            return Entry(user, manager, status, reason)

        if user.is_guest:
            entries.append(out(Status.EXCLUDED, "guest account: talks are for the organisation's own staff"))
        elif user.account_enabled is False:
            entries.append(out(Status.EXCLUDED, "account disabled in Entra ID"))
        elif (why := scope.reason_excluded(user.department, user.upn, user.id)) is not None:
            entries.append(out(Status.EXCLUDED, why))
        elif key in clashes:
            entries.append(out(Status.FAILED, f"address clash: {clashes[key]}; an invitation or share "
                                              f"sent to it may reach the other account: {_FIX}"))
        elif manager_key is None:
            entries.append(out(Status.FAILED, "no manager in Entra ID: set the user's manager attribute"))
        elif manager_key == key:
            entries.append(out(Status.FAILED, "the user is recorded as their own manager in Entra ID"))
        elif key in cycles:
            chain = " → ".join(cycles[key] + cycles[key][:1])
            entries.append(out(Status.FAILED, f"the manager chain forms a cycle ({chain}): fix the managers in Entra ID"))
        elif manager is None:
            entries.append(out(Status.FAILED, "the manager is not a user samtal can see in the directory"))
        elif manager.account_enabled is False:
            entries.append(out(Status.FAILED, f"the manager's account ({manager.display_name}) is disabled"))
        elif manager.is_guest:
            entries.append(out(Status.FAILED, f"the manager ({manager.display_name}) is a guest account"))
        elif manager_key in clashes:
            entries.append(out(Status.FAILED, f"the manager's address clashes: {clashes[manager_key]}; "
                                              f"the talk's invitation and folder could reach the wrong "
                                              f"account: {_FIX}"))
        else:
            entries.append(Entry(user, manager))
    return entries
