"""The recycle bins: what a ``DELETE`` of a drive item or a list item moves out of sight, kept so
that it can be looked at and restored.

In SharePoint and OneDrive for Business a deleted file or folder goes to the site's
recycle bin (a OneDrive is a site too), where it stays, restorable, for 93 days from the time it
was deleted from its original location; a folder goes with everything in it and comes back with
it; restoring a file whose folder was deleted meanwhile re-creates the folder in its original
place ("Restore deleted items from the site collection recycle bin",
https://support.microsoft.com/office/restore-deleted-items-from-the-site-collection-recycle-bin-5fa924ee-16d7-487b-9a0a-021b9062d14b;
"Restore deleted files or folders in OneDrive",
https://support.microsoft.com/office/restore-deleted-files-or-folders-in-onedrive-949ada80-0026-4db3-a953-c99083e6a84f).
Whether a list item deleted through Graph lands in the site's bin is not documented
(https://learn.microsoft.com/graph/api/listitem-delete says it "removes" it); the sandbox keeps it
there too, so that tests can see what was deleted. The bins are read and restored through control
routes (``GET /_sandbox/recyclebin``, ``POST /_sandbox/recyclebin/{id}/restore``; docs/sandbox.md),
and kept until a reset (the sandbox does not purge after 93 days).

Entries live in the tenant's data under ``recycleBin`` (saved with the state); a drive entry
holds the deleted item and everything below it as they were stored, the file bytes stay in the
tenant's blobs; a list entry holds the item with its fields, and comes back with its own id.
"""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from connectors.sandbox.errors import GraphError
from connectors.sandbox.seed import stable_id
from connectors.sandbox.state import iso_z

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

DRIVE_ITEM = "driveItem"
LIST_ITEM = "listItem"


def entries(app: Sandbox) -> list[dict[str, Any]]:
    """The tenant's recycle-bin entries, oldest first (a state saved before bins had none)."""
    found: list[dict[str, Any]] = app.tenant.data.setdefault("recycleBin", [])
    return found


def recycle_drive_item(app: Sandbox, drive: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """Move ``item`` (with everything below it) out of the drive into the bin; its bytes stay in
    the tenant's blobs for a restore. Returns the entry."""
    from connectors.sandbox import drive as drives

    stored = drives.items(app, drive)
    moved: dict[str, dict[str, Any]] = {}

    def take(node: dict[str, Any]) -> None:
        for child in drives.children_of(app, drive, node["id"]):
            take(child)
        moved[node["id"]] = stored.pop(node["id"])

    path = drives.path_of(app, drive, item)
    take(item)
    entry = {"id": _entry_id(app), "kind": DRIVE_ITEM, "deletedDateTime": iso_z(), "driveId": drive["id"],
             "itemId": item["id"], "name": item["name"], "path": path, "parentId": item["parentId"],
             "items": moved}
    entries(app).append(entry)
    return entry


def recycle_list_item(app: Sandbox, site: dict[str, Any], lst: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """Move a list item into the site's bin. Returns the entry."""
    del lst["items"][item["id"]]
    entry = {"id": _entry_id(app), "kind": LIST_ITEM, "deletedDateTime": iso_z(), "siteId": site["id"],
             "listId": lst["id"], "itemId": item["id"], "item": item}
    entries(app).append(entry)
    return entry


def summary(entry: dict[str, Any]) -> dict[str, Any]:
    """What ``GET /_sandbox/recyclebin`` shows of an entry: where it came from and what it holds
    (a drive entry: the item's name, path and how many items went with it; a list entry: the
    item's fields)."""
    out = {k: entry[k] for k in ("id", "kind", "deletedDateTime", "itemId")}
    if entry["kind"] == DRIVE_ITEM:
        top = entry["items"][entry["itemId"]]
        out.update({"driveId": entry["driveId"], "name": entry["name"], "path": entry["path"],
                    "folder": bool(top["folder"]), "itemCount": len(entry["items"])})
    else:
        out.update({"siteId": entry["siteId"], "listId": entry["listId"],
                    "fields": copy.deepcopy(entry["item"]["fields"])})
    return out


def listing(app: Sandbox, *, drive: str | None = None, site: str | None = None) -> list[dict[str, Any]]:
    """The bin's entries, oldest first; only a drive's (an id, or a user's UPN or id) or a
    site's (its id) when asked."""
    from connectors.sandbox import drive as drives

    drive_id = None
    if drive:
        drive_id = drives.find_drive(app, {"drive": drive} if drive.startswith("b!") else {"user": drive})["id"]
    out = []
    for entry in entries(app):
        if drive_id is not None and entry.get("driveId") != drive_id:
            continue
        if site is not None and (entry.get("siteId") or "").lower() != site.lower():
            continue
        out.append(summary(entry))
    return out


def restore(app: Sandbox, entry_id: str) -> dict[str, Any]:
    """Put an entry back where it was; returns its summary. 404 when there is no such entry,
    409 when something of the same name (or id) stands there now."""
    bin_ = entries(app)
    entry = next((e for e in bin_ if e["id"] == entry_id), None)
    if entry is None:
        raise GraphError(404, "itemNotFound", f"No recycle bin entry '{entry_id}'.")
    if entry["kind"] == DRIVE_ITEM:
        _restore_drive_item(app, entry)
    else:
        _restore_list_item(app, entry)
    bin_.remove(entry)
    return summary(entry)


def _restore_drive_item(app: Sandbox, entry: dict[str, Any]) -> None:
    from connectors.sandbox import drive as drives

    drive = app.tenant.data["drives"].get(entry["driveId"])
    if drive is None:
        raise GraphError(404, "itemNotFound", "The drive the item was deleted from is gone.")
    stored = drives.items(app, drive)
    parent_id = entry["parentId"]
    if parent_id not in stored:  # its folder was deleted meanwhile: re-created where it was
        segments = [s for s in entry["path"].split("/") if s][:-1]
        parent_id = drives.ensure_folders(app, drive, stored[drive["rootId"]], segments)["id"]
    if drives.child_named(app, drive, parent_id, entry["name"]) is not None:
        raise GraphError(409, "nameAlreadyExists", f"An item named '{entry['name']}' stands where the "
                         "deleted item was; move or rename it first.")
    for item_id, item in entry["items"].items():
        stored[item_id] = item
    stored[entry["itemId"]]["parentId"] = parent_id


def _restore_list_item(app: Sandbox, entry: dict[str, Any]) -> None:
    site = app.tenant.data["sites"].get(entry["siteId"])
    lst = (site or {}).get("lists", {}).get(entry["listId"])
    if lst is None:
        raise GraphError(404, "itemNotFound", "The list the item was deleted from is gone.")
    if entry["itemId"] in lst["items"]:
        raise GraphError(409, "nameAlreadyExists", f"The list has an item {entry['itemId']} again.")
    lst["items"][entry["itemId"]] = entry["item"]


def _entry_id(app: Sandbox) -> str:
    return str(stable_id("recycle", app.tenant.data["tenantId"], str(app.tenant.next_seq())))
