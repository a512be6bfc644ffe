"""Sharing a talk folder with exactly the talk's two people, and taking a former manager's access
back, with one way of recognising a person in a permission.

Graph answers permissions with the person's object id (Microsoft's own examples: an upper-case
GUID and a display name, no e-mail) or an address (connectors/graph/permissions.py): a person is
recognised by object id or by any of their addresses, ignoring case (:meth:`Permission.is_for`),
after ``invite`` as when taking access back.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

from connectors.graph import errors
from connectors.graph.directory import User
from connectors.graph.drive import Drive, InviteResult, Recipient

log = logging.getLogger(__name__)


def recipient_of(user: User, address: str) -> Recipient:
    """The person to share with: invited by ``address``, recognised by object id or address."""
    return Recipient(email=address or None, object_id=user.id)


def share_many(drive: Drive, grants: Sequence[tuple[str, str, User, str]]) -> list[errors.GraphError | None]:
    """Give each ``(drive_id, folder_id, person, address)`` write access (invited by the address,
    sign-in required, no link), in ``$batch`` calls; one answer each, in order: None when
    shared, else the error. A share Graph answers with a permission for someone else is an
    error."""
    results = drive.invite_many([(d, item, recipient_of(person, address)) for d, item, person, address in grants],
                                roles=("write",), require_sign_in=True, send_invitation=False)
    out: list[errors.GraphError | None] = []
    for result, (_, _, person, _) in zip(results, grants):
        try:
            if isinstance(result, errors.GraphError):
                raise result
            check_shared(result, person)
            out.append(None)
        except errors.GraphError as err:
            out.append(err)
    return out


def check_shared(result: InviteResult, other: User) -> None:
    """The invite gave ``other`` (recognised by object id or address, whatever the case) their
    permission, and no one else one."""
    if result.failed:
        raise errors.GraphError(f"could not share the folder with {other.id}: {result.failed[0][1]}")
    wrong = [p for p in result.granted if not p.is_for(other.id, other.addresses)]
    if wrong or not result.granted:
        raise errors.GraphError(f"sharing the folder with {other.id} gave a permission to someone else")


def unshare(drive: Drive, drive_id: str, folder_id: str, person: User, key: str) -> None:
    """Take back the access ``person`` (a former manager of talk ``key``) has to the folder:
    their own permissions on it are removed, found by object id or address whatever the case;
    then the folder's permissions are read again, and when the person can still see it (a
    permission that could not be removed, one inherited, or the folder in their OneDrive) a
    permanent error names the talk."""
    addresses = person.addresses
    theirs = [p for p in drive.list_permissions(drive_id, folder_id) if p.is_for(person.id, addresses)]
    removable = [p for p in theirs if not p.inherited_from and "owner" not in p.roles]
    for perm in removable:
        try:
            drive.remove_permission(drive_id, folder_id, perm.id)
        except errors.BadRequest as err:  # inherited after all (OneDrive for Business omits inheritedFrom)
            log.warning("talk %s: a permission of %s could not be removed (%s)", key, person.id, err.code)
    left = [p for p in drive.list_permissions(drive_id, folder_id)
            if p.is_for(person.id, addresses)] if removable else theirs
    if left:
        raise errors.GraphError(
            f"talk {key}: the former manager {person.id} can still see the talk's folder "
            f"({', '.join(sorted({r for p in left for r in p.roles}))} access"
            f"{', inherited' if any(p.inherited_from for p in left) else ''}); the talk is "
            "not moved to the new manager",
            hint="remove their access to the folder in OneDrive (or move the folder out of "
                 "their OneDrive); the next run then moves the talk")
