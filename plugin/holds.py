"""Holds: talks kept beyond their retention (docs/records.md#holds).

A talk is held back when HR set ``Hold`` on one of its list items (a dispute, an ongoing case),
or when its employee or its manager is on ``retention.hold_users`` (UPNs or object ids, any
case). :func:`resolve_holds` looks each entry up in the directory, so that a person whose mail
differs from the UPN is found by every address and by object id; an entry the directory no
longer knows (someone who has left) is matched as written.
"""
from __future__ import annotations

from dataclasses import dataclass

from connectors.graph import errors
from connectors.graph.addresses import address_key, id_key
from connectors.graph.client import GraphClient
from plugin.records import Record
from plugin.settings import Settings

# Why a talk is held back.
HOLD_COLUMN, HOLD_USERS = "Hold", "retention.hold_users"


@dataclass(frozen=True)
class Holds:
    """Who is on ``retention.hold_users``: their ids and addresses (lower case)."""

    people: frozenset[str] = frozenset()
    unknown: tuple[str, ...] = ()  # entries the directory does not know (matched as written)

    def why(self, record: Record) -> str | None:
        """Why ``record`` is held back, or None."""
        if record.hold:
            return HOLD_COLUMN
        parties = (record.employee_id, record.employee_email, record.manager_id, record.manager_email)
        if any(address_key(p) in self.people for p in parties if p):
            return HOLD_USERS
        return None


def resolve_holds(client: GraphClient, settings: Settings) -> Holds:
    """``retention.hold_users`` with each person's object id, UPN and mail from the directory
    (one read per entry)."""
    people: set[str] = set()
    unknown: list[str] = []
    for entry in settings.retention.hold_users:
        people.add(address_key(entry))
        try:
            user = client.directory.get_user(entry.strip())
        except errors.NotFound:
            unknown.append(entry)
            continue
        people |= {id_key(user.id), address_key(user.upn), address_key(user.mail or "")} - {""}
    return Holds(frozenset(people), tuple(unknown))
