"""Sharing permissions of a driveItem as records, and who a permission is for.

Wire facts (Microsoft Graph v1.0, permission resource,
https://learn.microsoft.com/en-us/graph/api/resources/permission; the examples of
https://learn.microsoft.com/en-us/graph/api/driveitem-invite and
https://learn.microsoft.com/en-us/graph/api/driveitem-list-permissions):

- a user permission names its person in ``grantedToV2`` (a sharePointIdentitySet: ``user``, and
  ``siteUser`` whose ``id`` "can be either a Microsoft Entra ID or a SharePoint ID" and whose
  ``loginName`` is the sign-in name) and, deprecated, in ``grantedTo`` (``user``). ``grantedToV2``
  is read first;
- Microsoft's own examples give the user's id as an **upper-case** GUID and the ``user`` with a
  display name only, no e-mail; ``invitation.email`` appears when an invitation was sent. So ids
  are compared case-insensitively and an e-mail is optional;
- link permissions carry a ``link`` facet (a scope is not always given);
- OneDrive for Business does not return ``inheritedFrom`` (the resource page's remarks), so a
  permission without it may still be inherited.

:meth:`Permission.is_for` is the one identity match used everywhere: by object id, or by any
address the permission shows, case-insensitively.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.graph.addresses import address_key, id_key
from connectors.graph.errors import GraphError


@dataclass(frozen=True)
class Permission:
    id: str
    roles: tuple[str, ...]
    user_id: str | None          # the Entra object id, as Graph spells it (grantedToV2 first)
    user_email: str | None       # an address the permission shows, when it shows one
    display_name: str | None
    link_scope: str | None      # "anonymous" / "organization" / "users" for sharing links
    inherited_from: str | None  # id (else path) of the ancestor the permission comes from
    is_link: bool = False        # a sharing link (with or without a scope)
    ids: tuple[str, ...] = ()    # every id the permission names its person with
    addresses: tuple[str, ...] = ()  # every address (e-mail, sign-in name) it shows

    def is_for(self, user_id: str | None = None, addresses: Iterable[str] = ()) -> bool:
        """Whether this permission is the person's: the object id, or one of the addresses,
        equal to one the permission shows, ignoring case. A link is nobody's."""
        if self.is_link:
            return False
        if user_id and id_key(user_id) in {id_key(i) for i in self.ids}:
            return True
        wanted = {address_key(a) for a in addresses if a and a.strip()}
        return bool(wanted & {address_key(a) for a in self.addresses})


@dataclass(frozen=True)
class Recipient:
    """Someone to share with: invited by ``email`` (by ``object_id`` when there is no address),
    and recognised in Graph's answer by the object id or the address."""

    email: str | None = None
    object_id: str | None = None

    def __post_init__(self) -> None:
        if not (self.email or "").strip() and not (self.object_id or "").strip():
            raise ValueError("a recipient is empty")

    @property
    def label(self) -> str:
        """What names the recipient in an :class:`InviteResult` (the object id when known:
        object ids are not personal data the way addresses are)."""
        return (self.object_id or self.email or "").strip()

    def body(self) -> dict[str, str]:
        """The driveRecipient of the invite request."""
        if self.email and self.email.strip():
            return {"email": self.email.strip()}
        return {"objectId": (self.object_id or "").strip()}

    def matches(self, perm: Permission) -> bool:
        return perm.is_for(self.object_id, [self.email] if self.email else [])


def recipient(value: str | Recipient) -> Recipient:
    """A plain string recipient: an address when it holds ``@``, else an object id."""
    if isinstance(value, Recipient):
        return value
    value = value.strip()
    return Recipient(email=value) if "@" in value else Recipient(object_id=value)


@dataclass(frozen=True)
class InviteResult:
    granted: tuple[Permission, ...]
    failed: tuple[tuple[str, str], ...]  # (recipient, reason) — reason has no personal data

    @property
    def ok(self) -> bool:
        return not self.failed


def parse_permission(data: dict[str, Any]) -> Permission:
    """One permission's JSON as a record (``id`` required)."""
    v2 = _obj(data, "grantedToV2")
    v1 = _obj(data, "grantedTo")
    people = [_obj(v2, "user"), _obj(v1, "user"), _obj(v2, "siteUser")]
    site_id = _text(people[2], "id")  # an Entra object id, or a SharePoint principal number
    ids = _unique([_text(people[0], "id"), _text(people[1], "id"), site_id if _is_guid(site_id) else ""])
    addresses = _unique([_text(p, "email") for p in people]
                        + [_sign_in_name(_text(_obj(v2, "siteUser"), "loginName")),
                           _text(_obj(data, "invitation"), "email")])
    user_id = _text(people[0], "id") or _text(people[1], "id")
    names = [_text(p, "displayName") for p in people]
    link = data.get("link")
    inherited = _obj(data, "inheritedFrom")
    roles = data.get("roles")
    perm_id = data.get("id")
    if not isinstance(perm_id, str) or not perm_id:
        raise GraphError("Graph answered a permission without its 'id'")
    return Permission(
        id=perm_id,
        roles=tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else (),
        user_id=user_id or None,
        user_email=addresses[0] if addresses else None,
        display_name=next((n for n in names if n), None),
        link_scope=(_text(link, "scope") or None) if isinstance(link, dict) else None,
        inherited_from=(_text(inherited, "id") or _text(inherited, "path")) or None,
        is_link=isinstance(link, dict),
        ids=tuple(ids),
        addresses=tuple(addresses),
    )


def match_invites(recipients: Sequence[Recipient], raw: list[dict[str, Any]]) -> InviteResult:
    """Pair the permissions an invite returned with the recipients, each by its identity
    (:meth:`Recipient.matches`); a recipient no returned permission is for has failed."""
    perms = [parse_permission(p) for p in raw if not isinstance(p.get("error"), dict)]
    granted: list[Permission] = []
    failed: list[tuple[str, str]] = []
    for who in recipients:
        hit = next((p for p in perms if who.matches(p)), None)
        if hit is None:
            failed.append((who.label, "Graph returned no permission for this recipient"))
            continue
        perms.remove(hit)
        granted.append(hit)
    return InviteResult(tuple(granted), tuple(failed))


def _sign_in_name(login: str) -> str:
    """``i:0#.f|membership|per.lind@contoso.se`` → ``per.lind@contoso.se`` (a claims login name
    ends with the user principal name); anything else without ``@`` → ``""``."""
    tail = login.rsplit("|", 1)[-1].strip()
    return tail if "@" in tail else ""


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _obj(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _text(data: Any, key: str) -> str:
    value = data.get(key) if isinstance(data, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _unique(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value and value.casefold() not in {o.casefold() for o in out}:
            out.append(value)
    return out


__all__ = ["InviteResult", "Permission", "Recipient", "match_invites", "parse_permission", "recipient"]
