"""Sharing a drive item by invitation, and its permissions: :meth:`Drive.invite`,
:meth:`Drive.invite_many`, :meth:`Drive.list_permissions` and :meth:`Drive.remove_permission` in
:mod:`connectors.graph.drive`.

Wire facts: docs/graph.md#sharing; failure scenarios docs/failures.md#names-files-and-sharing.
``POST …/invite`` takes ``recipients``, ``roles`` (``read`` or ``write``), ``requireSignIn`` and
``sendInvitation``, and a message of at most :data:`INVITE_MESSAGE_LIMIT` characters of plain
text (https://learn.microsoft.com/graph/api/driveitem-invite). Graph refuses the whole request
with 400 when one recipient is unacceptable (docs/failures.md#f11), so a refused
multi-recipient invite is repeated per recipient. Granting the same role twice is harmless, so
an invite is safe to repeat after a dropped line. Which person a returned permission is for is
decided in :mod:`connectors.graph.permissions`.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from connectors.graph import errors
from connectors.graph.batch import BatchRequest, execute_batch
from connectors.graph.drive_records import drive_path
from connectors.graph.names import encode_id
from connectors.graph.permissions import (
    InviteResult, Permission, Recipient, match_invites, parse_permission, recipient,
)

if TYPE_CHECKING:
    from connectors.graph.drive import Drive

log = logging.getLogger("connectors.graph.drive")  # the drive connector's log, under its name

INVITE_MESSAGE_LIMIT = 2000  # plain text, characters (https://learn.microsoft.com/graph/api/driveitem-invite)
ROLES = frozenset({"read", "write"})


def invite(drive: Drive, drive_id: str, item_id: str, recipients: Sequence[str | Recipient], *,
           roles: Sequence[str], require_sign_in: bool, send_invitation: bool,
           message: str | None) -> InviteResult:
    """:meth:`Drive.invite`: one POST for everyone, then one per recipient when Graph refused it."""
    if not recipients:
        raise ValueError("invite needs at least one recipient")
    if not roles or not set(roles) <= ROLES:
        raise ValueError(f"roles must be a non-empty subset of {sorted(ROLES)}")
    if message is not None and len(message) > INVITE_MESSAGE_LIMIT:
        raise ValueError(f"the invitation message is limited to {INVITE_MESSAGE_LIMIT} characters")
    unique = list(dict.fromkeys(recipient(r) for r in recipients))
    path = f"{drive_path(drive_id)}/items/{encode_id(item_id)}/invite"

    def send(batch: Sequence[Recipient]) -> list[dict[str, Any]]:
        body: dict[str, Any] = {
            "recipients": [r.body() for r in batch],
            "roles": list(roles), "requireSignIn": require_sign_in,
            "sendInvitation": send_invitation,
        }
        if message is not None:
            body["message"] = message
        # Granting the same role twice is harmless: safe to repeat after a dropped line.
        value = drive.http.post(path, json=body, idempotent=True).json_object().get("value")
        return [p for p in value if isinstance(p, dict)] if isinstance(value, list) else []

    try:
        return match_invites(unique, send(unique))
    except errors.BadRequest as err:
        if len(unique) == 1:
            return InviteResult((), ((unique[0].label, _reason(err)),))
        log.warning("invite for %d recipients refused (%s); inviting one by one",
                    len(unique), err.code or err.status)
    granted: list[Permission] = []
    failed: list[tuple[str, str]] = []
    for one in unique:
        try:
            result = match_invites([one], send([one]))
        except errors.BadRequest as err:
            failed.append((one.label, _reason(err)))
            continue
        granted.extend(result.granted)
        failed.extend(result.failed)
    return InviteResult(tuple(granted), tuple(failed))


def invite_many(drive: Drive, grants: Sequence[tuple[str, str, str | Recipient]], *,
                roles: Sequence[str], require_sign_in: bool,
                send_invitation: bool) -> list[InviteResult | errors.GraphError]:
    """:meth:`Drive.invite_many`: one invite a grant, in ``$batch`` calls."""
    if not roles or not set(roles) <= ROLES:
        raise ValueError(f"roles must be a non-empty subset of {sorted(ROLES)}")
    requests = []
    whom = [recipient(r) for _, _, r in grants]
    for i, ((d, item, _), one) in enumerate(zip(grants, whom)):
        body = {"recipients": [one.body()], "roles": list(roles), "requireSignIn": require_sign_in,
                "sendInvitation": send_invitation}
        # Granting the same role twice is harmless: safe to repeat.
        requests.append(BatchRequest(str(i), "POST", f"{drive_path(d)}/items/{encode_id(item)}/invite",
                                     body=body, idempotent=True))
    results = execute_batch(drive.http, requests)
    out: list[InviteResult | errors.GraphError] = []
    for i, one in enumerate(whom):
        res = results[str(i)]
        if isinstance(res.error, errors.BadRequest):
            out.append(InviteResult((), ((one.label, _reason(res.error)),)))
        elif res.error is not None:
            out.append(res.error)
        else:
            value = res.body.get("value") if isinstance(res.body, dict) else None
            raw = [p for p in value if isinstance(p, dict)] if isinstance(value, list) else []
            try:
                out.append(match_invites([one], raw))
            except errors.GraphError as err:
                out.append(err)
    return out


def list_permissions(drive: Drive, drive_id: str, item_id: str) -> list[Permission]:
    """:meth:`Drive.list_permissions`: every page of the item's permissions."""
    path = f"{drive_path(drive_id)}/items/{encode_id(item_id)}/permissions"
    return [parse_permission(p) for p in drive.http.paginate(path)]


def remove_permission(drive: Drive, drive_id: str, item_id: str, permission_id: str) -> None:
    """:meth:`Drive.remove_permission`: a DELETE for which 404 means done."""
    drive.http.delete(f"{drive_path(drive_id)}/items/{encode_id(item_id)}/permissions/{encode_id(permission_id)}",
                      allow_statuses=frozenset({404}))


def _reason(err: errors.GraphError) -> str:
    return f"{err.status or ''} {err.code or 'refused'}".strip()
