"""OneDrive / document-library routes: drives, items by id and by path, children, content,
upload-session creation, ``invite`` and permissions.

Facts copied (docs/graph.md#onedrive, docs/graph.md#sharing): ``/users/{id}/drive`` 404 when OneDrive was
never provisioned; ``root:/a/b:`` path addressing decoded per segment, names compared without
case; children paged (200 by default); POST children 201 with ``@microsoft.graph.conflictBehavior``
(fail → 409 ``nameAlreadyExists``, rename, replace; default fail); ``PUT …:/content`` creating
missing parent folders, 201 new / 200 replaced; ``If-Match`` on ``PUT …/content`` and on
``createUploadSession`` with an eTag or cTag that is not the file's current one → 412
``resourceModified`` (inner ``entityTagDoesNotMatch``), nothing written (docs/sandbox.md#conditional-writes);
``/content`` → 302 to a short-lived URL outside
``/v1.0`` that needs no token; ``invite`` → 200 with one permission per recipient; permissions
include those inherited from parent folders with ``inheritedFrom``; inherited ones cannot be
deleted on the child (400). Naming rules in ``names.py``, upload sessions in ``upload.py``.
"""
from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from connectors.sandbox import names, odata, upload
from connectors.sandbox.errors import GraphError, item_not_found
from connectors.sandbox.http_types import Request, Response, empty, ok
from connectors.sandbox.router import route
from connectors.sandbox.seed import stable_id
from connectors.sandbox.state import iso_z

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

_REST = re.compile(r"/(?:root|items/(?P<item>[^/:]+))(?::(?P<path>[^:]*)(?P<close>:)?)?(?P<action>/[^:]*)?", re.IGNORECASE)
OWNER_PERMISSION = "aTowIy5mfG1lbWJlcnNoaXB8b3duZXI"
APP = {"application": {"id": "00000003-0000-0000-c000-000000000000", "displayName": "samtal sandbox"}}


# -- lookups ------------------------------------------------------------------------------------
def find_drive(app: Sandbox, p: dict[str, str]) -> dict[str, Any]:
    t = app.tenant
    if "drive" in p:
        drive = t.data["drives"].get(unquote(p["drive"]))
        if drive is None:
            raise GraphError(404, "itemNotFound", "The drive could not be found.")
        return dict(drive)
    if "user" in p:
        user = t.user(unquote(p["user"]))
        if user is None:
            raise GraphError(404, "Request_ResourceNotFound", f"Resource '{unquote(p['user'])}' does not exist or one of its queried reference-property objects are not present.")
        drive_id = t.user_drive.get(user["id"])
        if drive_id is None:  # never provisioned; app-only access does not provision (docs/graph.md#onedrive)
            raise GraphError(404, "ResourceNotFound", "User's mysite not found.")
        return dict(t.data["drives"][drive_id])
    drive_id = t.site_drive.get(unquote(p["site"]))
    if drive_id is None:
        raise item_not_found("The site could not be found.")
    return dict(t.data["drives"][drive_id])


def items(app: Sandbox, drive: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = app.tenant.data["drives"][drive["id"]]["items"]
    return result


def children_of(app: Sandbox, drive: dict[str, Any], parent_id: str) -> list[dict[str, Any]]:
    return [i for i in items(app, drive).values() if i["parentId"] == parent_id]


def child_named(app: Sandbox, drive: dict[str, Any], parent_id: str, name: str) -> dict[str, Any] | None:
    lower = name.lower()
    return next((i for i in items(app, drive).values() if i["parentId"] == parent_id and i["name"].lower() == lower), None)


def path_of(app: Sandbox, drive: dict[str, Any], item: dict[str, Any]) -> str:
    parts = []
    all_items = items(app, drive)
    while item["parentId"] is not None:
        parts.append(item["name"])
        item = all_items[item["parentId"]]
    return "/" + "/".join(reversed(parts))


def split_path(raw: str) -> list[str]:
    segments = [unquote(s) for s in raw.split("/") if s != ""]
    names.check_path_length("/".join(segments))
    return segments


def resolve(app: Sandbox, drive: dict[str, Any], p: dict[str, str]) -> tuple[dict[str, Any] | None, list[str], str, dict[str, Any]]:
    """(item or None, missing path segments, action, base item) for the rest of a drive URL."""
    m = _REST.fullmatch(p.get("rest") or "")
    if m is None:
        raise GraphError(400, "invalidRequest", "Invalid request")
    all_items = items(app, drive)
    base = all_items.get(unquote(m.group("item"))) if m.group("item") else all_items[drive["rootId"]]
    if base is None:
        raise item_not_found()
    current: dict[str, Any] | None = base
    segments = split_path(m.group("path") or "")
    for i, seg in enumerate(segments):
        found = child_named(app, drive, current["id"], seg) if current else None
        if found is None:
            return None, segments[i:], (m.group("action") or ""), current or base
        current = found
    return current, [], (m.group("action") or ""), base


# -- rendering ----------------------------------------------------------------------------------
def etag(item: dict[str, Any]) -> str:
    return f'"{{{item["guid"]}}},{item["version"]}"'


def ctag(item: dict[str, Any]) -> str:
    return f'"c:{{{item["guid"]}}},{item["version"]}"'


def check_if_match(req: Request, item: dict[str, Any] | None) -> None:
    """``If-Match`` on a write: the eTag or cTag of the item as it is now (or ``*`` for any
    existing item), else 412 and nothing is written. Graph documents the header for
    ``createUploadSession`` and item updates, the 412 as ``resourceModified`` /
    ``entityTagDoesNotMatch`` (https://learn.microsoft.com/graph/api/driveitem-createuploadsession,
    https://learn.microsoft.com/graph/api/driveitem-update,
    https://learn.microsoft.com/onedrive/developer/rest-api/concepts/errors)."""
    wanted = req.header("if-match")
    if wanted is None:
        return
    wanted = wanted.strip()  # one tag: an eTag holds a comma itself ("{GUID},3")
    if item is not None and (wanted == "*" or wanted == etag(item) or (not item["folder"] and wanted == ctag(item))):
        return
    raise GraphError(412, "resourceModified", "The resource has changed since the caller last read it; "
                     "usually an eTag mismatch", inner_code="entityTagDoesNotMatch")


def render_item(app: Sandbox, req: Request, drive: dict[str, Any], item: dict[str, Any], *, context: bool = False,
                select: bool = True) -> dict[str, Any]:
    path = path_of(app, drive, item)
    body: dict[str, Any] = {}
    if context:
        body["@odata.context"] = odata.context_url(req, f"drives('{quote(drive['id'])}')/items/$entity")
    body.update({
        "id": item["id"], "name": item["name"], "eTag": etag(item),
        "createdDateTime": item["createdDateTime"], "lastModifiedDateTime": item["lastModifiedDateTime"],
        "webUrl": drive["webUrl"] + quote(path if path != "/" else ""), "size": item["size"],
        "createdBy": APP, "lastModifiedBy": APP,
    })
    if item["parentId"] is None:
        body["name"] = "root"
        body["root"] = {}
        body["parentReference"] = {"driveType": "business", "driveId": drive["id"]}
    else:
        parent_path = path.rsplit("/", 1)[0]
        body["parentReference"] = {"driveType": "business", "driveId": drive["id"], "id": item["parentId"],
                                   "path": "/drive/root:" + parent_path}
    if item["folder"]:
        body["folder"] = {"childCount": len(children_of(app, drive, item["id"]))}
    else:
        body["cTag"] = ctag(item)
        digest = base64.b64encode(hashlib.sha1(app.tenant.blobs.get(item["id"], b"")).digest()).decode()
        body["file"] = {"mimeType": item["mimeType"], "hashes": {"quickXorHash": digest}}
        body["@microsoft.graph.downloadUrl"] = upload.download_url(app, req, drive["id"], item["id"])
    fields = odata.select_fields(req) if select else None
    if fields:
        wanted = {s.lower() for s in fields} | {"@odata.context"}
        body = {k: v for k, v in body.items() if k.lower() in wanted}
    return body


def _with_children(app: Sandbox, req: Request, drive: dict[str, Any], item: dict[str, Any],
                   body: dict[str, Any]) -> dict[str, Any]:
    """``$expand=children``: the item's children in the same answer (driveitem-get: "include the
    children of an item in the same call"), at most 200 of them, as a listing's first page."""
    expand = [e.strip().split("(", 1)[0].lower() for e in (req.query.get("$expand") or "").split(",")]
    if "children" in expand and item["folder"]:
        body["children"] = [render_item(app, req, drive, c, select=False)
                            for c in children_of(app, drive, item["id"])[:200]]
    return body


# -- changes ------------------------------------------------------------------------------------
def new_item(app: Sandbox, drive: dict[str, Any], parent_id: str, name: str, *, folder: bool) -> dict[str, Any]:
    parent = items(app, drive)[parent_id]
    names.check_name(name, folder=folder, at_root=parent["parentId"] is None)
    names.check_path_length(path_of(app, drive, parent).rstrip("/") + "/" + name)
    now = iso_z()
    item_id = app.tenant.new_id("item")
    item = {"id": item_id, "name": name, "parentId": parent_id, "folder": folder, "version": 1,
            "guid": str(stable_id("item", item_id)).upper(), "createdDateTime": now, "lastModifiedDateTime": now,
            "size": 0, "permissions": [], "mimeType": None if folder else _mime(name)}
    items(app, drive)[item_id] = item
    return item


def _mime(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def remove_item(app: Sandbox, drive: dict[str, Any], item: dict[str, Any]) -> None:
    for child in children_of(app, drive, item["id"]):
        remove_item(app, drive, child)
    items(app, drive).pop(item["id"], None)
    app.tenant.blobs.pop(item["id"], None)


def place(app: Sandbox, drive: dict[str, Any], parent_id: str, name: str, conflict: str, *, folder: bool) -> tuple[dict[str, Any], bool]:
    """Create (or find, for replace) the item ``name`` under a parent; returns (item, created)."""
    if conflict not in ("fail", "rename", "replace"):
        raise GraphError(400, "invalidRequest", f"Invalid conflictBehavior '{conflict}'; use fail, rename or replace.")
    existing = child_named(app, drive, parent_id, name)
    if existing is None:
        return new_item(app, drive, parent_id, name, folder=folder), True
    if conflict == "fail":
        raise GraphError(409, "nameAlreadyExists", f"The specified item name already exists. Name: {name}")
    if conflict == "rename":
        stem, dot, ext = name.rpartition(".") if not folder and "." in name else (name, "", "")
        n = 1
        while child_named(app, drive, parent_id, f"{stem} {n}{dot}{ext}") is not None:
            n += 1
        return new_item(app, drive, parent_id, f"{stem} {n}{dot}{ext}", folder=folder), True
    if existing["folder"] != folder or folder:
        remove_item(app, drive, existing)
        return new_item(app, drive, parent_id, name, folder=folder), True
    return existing, False


def ensure_folders(app: Sandbox, drive: dict[str, Any], base: dict[str, Any], segments: list[str]) -> dict[str, Any]:
    current = base
    for seg in segments:
        found = child_named(app, drive, current["id"], seg)
        if found is None:
            found = new_item(app, drive, current["id"], seg, folder=True)
        elif not found["folder"]:
            raise GraphError(409, "nameAlreadyExists", f"A file named '{seg}' is in the way of the path.")
        current = found
    return current


def write_content(app: Sandbox, drive: dict[str, Any], item: dict[str, Any], data: bytes, mime: str | None, *, bump: bool) -> None:
    app.tenant.blobs[item["id"]] = data
    item["size"] = len(data)
    if mime and mime not in ("application/octet-stream", "application/x-www-form-urlencoded"):
        item["mimeType"] = mime
    if bump:
        item["version"] += 1
    item["lastModifiedDateTime"] = iso_z()


# -- handlers -----------------------------------------------------------------------------------
def get_drive(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    drive = find_drive(app, p)
    owner = app.tenant.data["users"].get(drive["ownerId"] or "")
    body = {"@odata.context": odata.context_url(req, "drives/$entity"), "id": drive["id"], "driveType": "business",
            "name": drive["name"], "createdDateTime": drive["createdDateTime"], "webUrl": drive["webUrl"],
            "quota": {"deleted": 0, "remaining": 1099511627776, "state": "normal", "total": 1099511627776, "used": 0}}
    if owner:
        body["owner"] = {"user": {"id": owner["id"], "displayName": owner["displayName"], "email": owner["mail"]}}
    return ok(body)


def drive_item(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    drive = find_drive(app, p)
    item, missing, action, base = resolve(app, drive, p)
    raw_action = action.rstrip("/")
    action = raw_action.lower()
    method = req.method
    if action == "/content" and method == "PUT":
        return _put_content(app, req, drive, item, missing, base)
    if action == "/createuploadsession" and method == "POST":
        return _create_session(app, req, drive, item, missing, base)
    if item is None:
        raise item_not_found()
    if action == "" and method == "GET":
        return ok(_with_children(app, req, drive, item, render_item(app, req, drive, item, context=True)))
    if action == "" and method == "DELETE":
        if item["parentId"] is None:
            raise GraphError(403, "accessDenied", "The root of a drive cannot be deleted.")
        remove_item(app, drive, item)
        return empty(204)
    if action == "/children" and method == "GET":
        if not item["folder"]:
            return ok(odata.page(app, req, [], 200, ""))
        size = odata.top(req, 200, 1000, code="invalidRequest")
        context = odata.context_url(req, f"drives('{quote(drive['id'])}')/items('{item['id']}')/children")
        return ok(odata.page(app, req, children_of(app, drive, item["id"]), size, context,
                             lambda c: render_item(app, req, drive, c)))
    if action == "/children" and method == "POST":
        return _create_child(app, req, drive, item)
    if action == "/content" and method == "GET":
        if item["folder"]:
            raise GraphError(400, "invalidRequest", "A folder has no content to download.")
        return empty(302, Location=upload.download_url(app, req, drive["id"], item["id"]))
    if action == "/invite" and method == "POST":
        return _invite(app, req, drive, item)
    if action == "/permissions" and method == "GET":
        perms = permissions(app, drive, item)
        return ok({"@odata.context": odata.context_url(req, "Collection(microsoft.graph.permission)"), "value": perms})
    if action.startswith("/permissions/") and method in ("GET", "DELETE"):
        return _permission(app, req, drive, item, unquote(raw_action.split("/", 2)[2]))
    raise GraphError(400, "invalidRequest", f"Unsupported request {method} {action or 'item'}.")


def _create_child(app: Sandbox, req: Request, drive: dict[str, Any], parent: dict[str, Any]) -> Response:
    body = req.json_object()
    name = body.get("name")
    if not isinstance(name, str):
        raise GraphError(400, "invalidRequest", "The 'name' property is required.")
    if "folder" not in body and "file" not in body:
        raise GraphError(400, "invalidRequest", "Either 'folder' or 'file' must be given.")
    conflict = str(body.get("@microsoft.graph.conflictBehavior") or req.query.get("@microsoft.graph.conflictBehavior") or "fail")
    item, _ = place(app, drive, parent["id"], name, conflict, folder="folder" in body)
    return ok(render_item(app, req, drive, item, context=True), 201)


def _put_content(app: Sandbox, req: Request, drive: dict[str, Any], item: dict[str, Any] | None,
                 missing: list[str], base: dict[str, Any]) -> Response:
    conflict = req.query.get("@microsoft.graph.conflictBehavior", "replace")
    mime = req.header("content-type")
    check_if_match(req, item if not missing else None)
    if item is not None and not missing:
        if item["folder"]:
            raise GraphError(400, "invalidRequest", "Cannot upload content to a folder.")
        if conflict == "fail":
            raise GraphError(409, "nameAlreadyExists", f"The specified item name already exists. Name: {item['name']}")
        if conflict == "replace":
            write_content(app, drive, item, req.body, mime, bump=True)
            return ok(render_item(app, req, drive, item, context=True), 200)
        parent_id, name = item["parentId"], item["name"]
    else:
        if not missing:
            raise item_not_found()
        parent_id = ensure_folders(app, drive, base, missing[:-1])["id"]
        name = missing[-1]
    target, created = place(app, drive, parent_id, name, conflict, folder=False)
    write_content(app, drive, target, req.body, mime, bump=not created)
    return ok(render_item(app, req, drive, target, context=True), 201 if created else 200)


def _create_session(app: Sandbox, req: Request, drive: dict[str, Any], item: dict[str, Any] | None,
                    missing: list[str], base: dict[str, Any]) -> Response:
    body = req.json_object() if req.body else {}
    spec = body.get("item") or {}
    conflict = str(spec.get("@microsoft.graph.conflictBehavior") or req.query.get("@microsoft.graph.conflictBehavior") or "fail")
    check_if_match(req, item if not missing else None)
    if item is not None and not missing:
        if item["folder"]:
            raise GraphError(400, "invalidRequest", "Cannot upload content to a folder.")
        parent_id, name = item["parentId"], item["name"]
    else:
        if not missing:
            raise item_not_found()
        parent_id = ensure_folders(app, drive, base, missing[:-1])["id"]
        name = missing[-1]
    parent = items(app, drive)[parent_id]
    names.check_name(name, folder=False, at_root=parent["parentId"] is None)
    return ok(upload.create_session(app, req, drive["id"], parent_id, name, conflict))


def effective(app: Sandbox, drive: dict[str, Any], item: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Every permission on the item as stored, with the reference of the ancestor it is inherited
    from (None for the item's own); the drive owner's last."""
    all_items = items(app, drive)
    out: list[tuple[dict[str, Any], dict[str, Any] | None]] = [(p, None) for p in item["permissions"]]
    ancestor_id = item["parentId"]
    while ancestor_id is not None:
        ancestor = all_items[ancestor_id]
        ref = {"driveId": drive["id"], "id": ancestor["id"], "path": "/drive/root:" + path_of(app, drive, ancestor).rstrip("/")}
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
    """A stored permission as Graph answers it. With ``tenant.variants.permissions: documented``
    as Microsoft's examples show one (driveitem-invite, permission resource,
    https://learn.microsoft.com/en-us/graph/api/resources/permission): ``grantedToV2`` with
    ``user`` and ``siteUser``, the deprecated ``grantedTo``, the user's id in upper case, a
    display name and no e-mail, and no ``inheritedFrom`` ("OneDrive for Business and SharePoint
    document libraries do not return the inheritedFrom property", same page)."""
    if not documented_permissions(app):
        return {**perm, "inheritedFrom": inherited} if inherited is not None else dict(perm)
    user = perm["grantedTo"]["user"]
    uid, name = str(user["id"]).upper(), user["displayName"]
    out: dict[str, Any] = {
        "@deprecated.GrantedTo": "GrantedTo has been deprecated. Refer to GrantedToV2",
        "grantedTo": {"user": {"displayName": name, "id": uid}},
        "grantedToV2": {"user": {"id": uid, "displayName": name},
                        "siteUser": {"id": str(_site_user_number(app, user["id"])), "displayName": name,
                                     "loginName": name}},
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


def _permission(app: Sandbox, req: Request, drive: dict[str, Any], item: dict[str, Any], perm_id: str) -> Response:
    found = next(((p, ref) for p, ref in effective(app, drive, item) if p["id"] == perm_id), None)
    if found is None:
        raise item_not_found("The permission could not be found.")
    perm, inherited = found
    if req.method == "GET":
        return ok({"@odata.context": odata.context_url(req, "permission/$entity"), **render_permission(app, perm, inherited)})
    if perm["id"] == OWNER_PERMISSION:
        raise GraphError(403, "accessDenied", "The owner's permission cannot be removed.")
    if inherited is not None:
        raise GraphError(400, "invalidRequest", "Only permissions that are not inherited can be deleted; remove it on the item it is inherited from.")
    item["permissions"] = [p for p in item["permissions"] if p["id"] != perm_id]
    return empty(204)


def _invite(app: Sandbox, req: Request, drive: dict[str, Any], item: dict[str, Any]) -> Response:
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


_PREFIXES = (
    ("/drives/{id}", r"/drives/(?P<drive>[^/]+)"),
    ("/users/{id}/drive", r"/users/(?P<user>[^/]+)/drive"),
    ("/sites/{id}/drive", r"/sites/(?P<site>[^/:]+)/drive"),
)
ROUTES = []
for _name, _prefix in _PREFIXES:
    ROUTES.append(route(f"GET {_name}", _prefix + "/?", get_drive, "drives"))
    ROUTES.append(route(f"GET|POST|PUT|DELETE {_name}/items", _prefix + r"(?P<rest>/(?:root|items/).*)", drive_item, "drives"))
