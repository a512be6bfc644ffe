"""OneDrive / document-library routes: drives, items by id and by path, children, content,
upload-session creation, ``invite`` and permissions.

Facts copied (docs/graph.md#onedrive, docs/graph.md#sharing): ``/users/{id}/drive`` 404 when OneDrive was
never provisioned; ``root:/a/b:`` path addressing decoded per segment, names compared without
case; children paged (200 by default); POST children 201 with ``@microsoft.graph.conflictBehavior``
(fail → 409 ``nameAlreadyExists``, rename, replace; default fail); ``PUT …:/content`` creating
missing parent folders, 201 new / 200 replaced; ``If-Match`` on ``PUT …/content`` and on
``createUploadSession`` with an eTag or cTag that is not the file's current one → 412
``resourceModified`` (inner ``entityTagDoesNotMatch``), nothing written (docs/sandbox.md#conditional-writes);
``DELETE`` of an item → 204, the item and everything below it to the drive's recycle bin
(:mod:`connectors.sandbox.recycle`; ``If-Match`` honoured, https://learn.microsoft.com/graph/api/driveitem-delete);
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
from urllib.parse import quote, unquote, urlsplit

from connectors.sandbox import authors, names, odata, races, recycle, sharing, upload
from connectors.sandbox.errors import GraphError, item_not_found
from connectors.sandbox.http_types import Request, Response, empty, ok
from connectors.sandbox.router import route
from connectors.sandbox.seed import stable_id
from connectors.sandbox.state import iso_z

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

_REST = re.compile(r"/(?:root|items/(?P<item>[^/:]+))(?::(?P<path>[^:]*)(?P<close>:)?)?(?P<action>/[^:]*)?", re.IGNORECASE)
# ``items/root%3A%2Fa%2Fb.docx%3A``: Microsoft's SDKs put ``root:/a/b.docx:`` (or ``{id}:/a:``)
# into the item-id segment and percent-encode it whole, ``:`` and ``/`` included.
_ENCODED_ITEM = re.compile(r"/items/(?P<seg>[^/]*%3A[^/]*)", re.IGNORECASE)
MY_SITE = "User's mysite not found."
NO_MY_SITE_URL = "Unable to retrieve user's mysite URL."


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
        if drive_id is None and user.get("oneDrive") == "unlicensed":
            # No OneDrive licence or site: 400 BadRequest, as users report it
            # (docs/graph.md#onedrive, docs/failures.md#f15).
            raise GraphError(400, "BadRequest", NO_MY_SITE_URL)
        if drive_id is None:  # never provisioned; app-only access does not provision (docs/graph.md#onedrive)
            raise GraphError(404, "ResourceNotFound", MY_SITE)
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


def encoded_path(app: Sandbox, drive: dict[str, Any], item: dict[str, Any]) -> str:
    """``/drive/root:/A%20b/C`` for an item (``/drive/root:`` for the root): itemReference's
    ``path`` is "percent-encoded" (https://learn.microsoft.com/graph/api/resources/itemreference;
    msgraph-sdk-java#2027 shows Graph answering ``/drive/root:/Festa%20della%20mamma%202024``)."""
    path = path_of(app, drive, item)
    return "/drive/root:" + ("" if path == "/" else quote(path))


def _decode_item_segment(rest: str) -> str:
    """``/items/root%3A%2Fa%20b%2Fc.docx%3A/content`` as ``/items/root:/a%20b/c.docx:/content``:
    the segment is decoded once and its path segments encoded again, so that the path is read
    the same way whichever form it came in."""
    def one(m: re.Match[str]) -> str:
        head, sep, tail = unquote(m.group("seg")).partition(":")
        path, close, after = tail.partition(":")
        segments = "/".join(quote(s, safe="") for s in path.split("/"))
        return f"/items/{quote(head, safe='')}{sep}{segments}{close}{after}"
    return _ENCODED_ITEM.sub(one, rest, count=1)


def split_path(raw: str) -> list[str]:
    segments = [unquote(s) for s in raw.split("/") if s != ""]
    names.check_path_length("/".join(segments))
    return segments


def resolve(app: Sandbox, drive: dict[str, Any], p: dict[str, str]) -> tuple[dict[str, Any] | None, list[str], str, dict[str, Any]]:
    """(item or None, missing path segments, action, base item) for the rest of a drive URL."""
    m = _REST.fullmatch(_decode_item_segment(p.get("rest") or ""))
    if m is None:
        raise GraphError(400, "invalidRequest", "Invalid request")
    all_items = items(app, drive)
    item_ref = unquote(m.group("item") or "root")
    # ``items/root`` is the drive's root, as ``/root`` is (driveitem-get, "HTTP request").
    base = all_items[drive["rootId"]] if item_ref.lower() == "root" else all_items.get(item_ref)
    if base is None:
        raise item_not_found()
    current: dict[str, Any] | None = base
    segments = split_path(m.group("path") or "")
    for i, seg in enumerate(segments):
        found = child_named(app, drive, current["id"], seg) if current else None
        if found is None or races.racing(found):  # another item of a racing batch made it meanwhile
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
        "createdBy": authors.identity(app, item.get("createdBy")),
        "lastModifiedBy": authors.identity(app, item.get("modifiedBy")),
        # "File system information on client" (driveItem resource): for an item written through
        # Graph, the times the service gave it.
        "fileSystemInfo": {"createdDateTime": item["createdDateTime"],
                           "lastModifiedDateTime": item["lastModifiedDateTime"]},
    })
    reference: dict[str, Any] = {"driveType": drive_type(drive), "driveId": drive["id"], "siteId": site_id(drive)}
    if item["parentId"] is None:
        body["name"] = "root"
        body["root"] = {}
    else:
        parent = items(app, drive)[item["parentId"]]
        reference.update({"id": parent["id"], "name": parent["name"] if parent["parentId"] else drive["name"],
                          "path": encoded_path(app, drive, parent)})
    body["parentReference"] = reference
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


def drive_type(drive: dict[str, Any]) -> str:
    """``business`` for a OneDrive for Business, ``documentLibrary`` for a site's library
    (https://learn.microsoft.com/graph/api/resources/drive, driveType)."""
    return "business" if drive["kind"] == "user" else "documentLibrary"


def site_id(drive: dict[str, Any]) -> str:
    """The id of the site holding the drive: a site's own id, or the OneDrive's personal site
    on the ``-my`` host; "the same as the id property of that site resource", three identifiers
    (https://learn.microsoft.com/graph/api/resources/itemreference, siteId)."""
    if drive.get("siteId"):
        return str(drive["siteId"])
    host = urlsplit(drive["webUrl"]).hostname or ""
    return f"{host},{stable_id('personal-site', drive['id'])},{stable_id('personal-web', drive['id'])}"


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
    races.made(item)
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
    if races.racing(existing):  # made at the same time by another item of the batch: the create loses
        raise GraphError(409, "nameAlreadyExists", f"The specified item name already exists. Name: {name}")
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
        if races.racing(found):  # both looked before either made it: this create loses
            raise GraphError(409, "nameAlreadyExists", f"The specified item name already exists. Name: {seg}")
        if found is None:
            found = new_item(app, drive, current["id"], seg, folder=True)
        elif not found["folder"]:
            raise GraphError(409, "nameAlreadyExists", f"A file named '{seg}' is in the way of the path.")
        current = found
    return current


def write_content(app: Sandbox, drive: dict[str, Any], item: dict[str, Any], data: bytes, mime: str | None, *, bump: bool,
                  by: str | None = None) -> None:
    """Store ``data`` as the file's content, written by the user ``by`` (None: the app)."""
    app.tenant.blobs[item["id"]] = data
    item["modifiedBy"] = by
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
    root = items(app, drive)[drive["rootId"]]
    body = {"@odata.context": odata.context_url(req, "drives/$entity"), "id": drive["id"], "driveType": drive_type(drive),
            "name": drive["name"], "description": "", "createdDateTime": drive["createdDateTime"],
            "lastModifiedDateTime": root["lastModifiedDateTime"], "webUrl": drive["webUrl"],
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
    if action == "" and method == "PUT":
        return upload.commit_by_put(app, req, drive, item, missing, base)
    if item is None:
        raise item_not_found()
    if action == "" and method == "GET":
        return ok(_with_children(app, req, drive, item, render_item(app, req, drive, item, context=True)))
    if action == "" and method == "DELETE":
        if item["parentId"] is None:
            raise GraphError(403, "accessDenied", "The root of a drive cannot be deleted.")
        check_if_match(req, item)
        recycle.recycle_drive_item(app, drive, item)  # to the drive's recycle bin, with its children
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
        return sharing.invite(app, req, drive, item)
    if action == "/permissions" and method == "GET":
        return sharing.list_permissions(app, req, drive, item)
    if action.startswith("/permissions/") and method in ("GET", "DELETE"):
        return sharing.permission(app, req, drive, item, raw_action.split("/", 2)[2])
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
    return ok(upload.create_session(app, req, drive["id"], parent_id, name, conflict,
                                    defer=body.get("deferCommit") is True))


_PREFIXES = (
    ("/drives/{id}", r"/drives/(?P<drive>[^/]+)"),
    ("/users/{id}/drive", r"/users/(?P<user>[^/]+)/drive"),
    ("/sites/{id}/drive", r"/sites/(?P<site>[^/:]+)/drive"),
)
ROUTES = []
for _name, _prefix in _PREFIXES:
    ROUTES.append(route(f"GET {_name}", _prefix + "/?", get_drive, "drives"))
    ROUTES.append(route(f"GET|POST|PUT|DELETE {_name}/items", _prefix + r"(?P<rest>/(?:root|items/).*)", drive_item, "drives"))
