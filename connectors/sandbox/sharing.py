"""Sharing of drive items: ``invite``, the permissions an item has (its own and those inherited
from its folders) and removing one.

Facts copied (docs/graph.md#sharing): ``invite`` → 200 with one permission per recipient; new
guests cannot be invited app-only; inherited permissions cannot be deleted on the child (400);
the drive owner's ``owner`` permission cannot be removed.

A user permission names its person as the permission resource documents one today
(https://learn.microsoft.com/graph/api/resources/permission, "Sharing Invitation" examples and
remark 2): ``grantedToV2`` with ``user`` and ``siteUser`` (a SharePoint principal number as
``id``, the claims ``loginName``), beside the deprecated ``grantedTo`` and its
``@deprecated.GrantedTo`` annotation. The default answer also shows e-mails and, as a sandbox
convenience, ``inheritedFrom``; ``tenant.variants.permissions: documented`` answers exactly as
Microsoft's examples show a permission (upper-case GUIDs, display names only, no
``inheritedFrom``: "OneDrive for Business and SharePoint document libraries do not return the
inheritedFrom property", same page, remark 1).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from connectors.sandbox import odata
from connectors.sandbox.errors import GraphError, item_not_found
from connectors.sandbox.http_types import Request, Response, empty, ok

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

OWNER_PERMISSION = "aTowIy5mfG1lbWJlcnNoaXB8b3duZXI"
DEPRECATED = "GrantedTo has been deprecated. Refer to GrantedToV2"


def effective(app: Sandbox, drive: dict[str, Any], item: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Every permission on the item as stored, with the reference of the ancestor it is inherited
    from (None for the item's own); the drive owner's last."""
    from connectors.sandbox.drive import encoded_path, items

    all_items = items(app, drive)
    out: list[tuple[dict[str, Any], dict[str, Any] | None]] = [(p, None) for p in item["permissions"]]
    ancestor_id = item["parentId"]
    while ancestor_id is not None:
        ancestor = all_items[ancestor_id]
        ref = {"driveId": drive["id"], "id": ancestor["id"], "path": encoded_path(app, drive, ancestor)}
        out += [(p, ref) for p in ancestor["permissions"]]
        ancestor_id = ancestor["parentId"]
    owner = app.tenant.data["users"].get(drive["ownerId"] or "")
    if owner is not None:
        perm: dict[str, Any] = {"id": OWNER_PERMISSION, "roles": ["owner"], "shareId": OWNER_PERMISSION,
                                "grantedTo": {"user": {"email": owner["mail"], "id": owner["id"], "displayName": owner["displayName"]}}}
        root = {"driveId": drive["id"], "id": drive["rootId"], "path": "/drive/root:"}
        out.append((perm, root if item["parentId"] is not None else None))
    return out


def render_permission(app: Sandbox, perm: dict[str, Any], inherited: dict[str, Any] | None) -> dict[str, Any]:
    """A stored permission as Graph answers it (see the module's docstring)."""
    user = perm["grantedTo"]["user"]
    number = str(_site_user_number(app, user["id"]))
    if not documented_permissions(app):
        account = app.tenant.data["users"].get(user["id"])
        login = f"i:0#.f|membership|{(account or {}).get('userPrincipalName', user['email']).lower()}"
        out: dict[str, Any] = {
            "@deprecated.GrantedTo": DEPRECATED,
            "grantedTo": {"user": dict(user)},
            "grantedToV2": {"user": dict(user),
                            "siteUser": {"displayName": user["displayName"], "email": user["email"], "id": number,
                                         "loginName": login}},
            "id": perm["id"], "roles": list(perm["roles"]),
        }
        if inherited is not None:
            out["inheritedFrom"] = inherited
    else:
        uid, name = str(user["id"]).upper(), user["displayName"]
        out = {
            "@deprecated.GrantedTo": DEPRECATED,
            "grantedTo": {"user": {"displayName": name, "id": uid}},
            "grantedToV2": {"user": {"id": uid, "displayName": name},
                            "siteUser": {"id": number, "displayName": name, "loginName": name}},
            "id": perm["id"], "roles": list(perm["roles"]),
        }
    for key in ("invitation", "shareId"):
        if key in perm:
            out[key] = perm[key]
    return out


def documented_permissions(app: Sandbox) -> bool:
    variants = app.tenant.seed["tenant"].get("variants") or {}
    return bool(variants.get("permissions") == "documented")


def _site_user_number(app: Sandbox, user_id: str) -> int:
    """The SharePoint principal number of a user: small, per site, not the object id."""
    return list(app.tenant.data["users"]).index(user_id) + 1 if user_id in app.tenant.data["users"] else 0


def permissions(app: Sandbox, drive: dict[str, Any], item: dict[str, Any]) -> list[dict[str, Any]]:
    return [render_permission(app, p, ref) for p, ref in effective(app, drive, item)]


def list_permissions(app: Sandbox, req: Request, drive: dict[str, Any], item: dict[str, Any]) -> Response:
    context = odata.context_url(req, f"drives('{quote(drive['id'])}')/items('{item['id']}')/permissions")
    return ok({"@odata.context": context, "value": permissions(app, drive, item)})


def permission(app: Sandbox, req: Request, drive: dict[str, Any], item: dict[str, Any], perm_id: str) -> Response:
    """``GET`` or ``DELETE`` of one permission."""
    perm_id = unquote(perm_id)
    found = next(((p, ref) for p, ref in effective(app, drive, item) if p["id"] == perm_id), None)
    if found is None:
        raise item_not_found("The permission could not be found.")
    perm, inherited = found
    if req.method == "GET":
        context = odata.context_url(req, f"drives('{quote(drive['id'])}')/items('{item['id']}')/permissions/$entity")
        return ok({"@odata.context": context, **render_permission(app, perm, inherited)})
    if perm["id"] == OWNER_PERMISSION:
        raise GraphError(403, "accessDenied", "The owner's permission cannot be removed.")
    if inherited is not None:
        raise GraphError(400, "invalidRequest", "Only permissions that are not inherited can be deleted; remove it on the item it is inherited from.")
    item["permissions"] = [p for p in item["permissions"] if p["id"] != perm_id]
    return empty(204)


def invite(app: Sandbox, req: Request, drive: dict[str, Any], item: dict[str, Any]) -> Response:
    body = req.json_object()
    recipients = body.get("recipients")
    roles = body.get("roles")
    if not isinstance(recipients, list) or not recipients:
        raise GraphError(400, "invalidRequest", "At least one recipient is required.")
    if not isinstance(roles, list) or not roles or any(r not in ("read", "write") for r in roles):
        raise GraphError(400, "invalidRequest", "roles must be a non-empty list of 'read' or 'write'.")
    if not body.get("requireSignIn", False) and not body.get("sendInvitation", False):
        raise GraphError(400, "invalidRequest", "Either requireSignIn or sendInvitation must be true.")
    message = body.get("message")
    if isinstance(message, str) and len(message) > 2000:
        raise GraphError(400, "invalidRequest", "The message cannot be longer than 2000 characters.")
    users = []
    for r in recipients:
        ref = (r or {}).get("email") or (r or {}).get("objectId") or (r or {}).get("alias")
        user = app.tenant.user(str(ref)) if ref else None
        if user is None:
            # New guests cannot be invited app-only (docs/graph.md#sharing).
            raise GraphError(400, "invalidRequest", f"The recipient '{ref}' is not a user of this organisation; new guests cannot be invited with application permissions.")
        users.append(user)
    out = []
    for user in users:
        perm = next((p for p in item["permissions"] if p["grantedTo"]["user"]["id"] == user["id"]), None)
        if perm is None:
            perm = {"id": app.tenant.new_id("perm"), "roles": [],
                    "grantedTo": {"user": {"email": user["mail"], "id": user["id"], "displayName": user["displayName"]}}}
            item["permissions"].append(perm)
        perm["roles"] = ["write"] if "write" in roles or "write" in perm["roles"] else ["read"]
        if body.get("sendInvitation"):
            perm["invitation"] = {"email": user["mail"], "signInRequired": bool(body.get("requireSignIn", True))}
        out.append(render_permission(app, perm, None))
    return ok({"@odata.context": odata.context_url(req, "Collection(microsoft.graph.permission)"), "value": out})
