"""OneDrive's answers as records: a drive, a drive item, a file with the item it was read as.

Every :class:`connectors.graph.drive.Drive` method returns these frozen records, never Graph
JSON; :func:`parse_item` is the one place a driveItem's JSON becomes a :class:`DriveItem`
(https://learn.microsoft.com/graph/api/resources/driveitem, "Properties" and "Instance
attributes"). ``parentReference`` names the item's drive and parent folder when Graph gives
them; a simple upload's answer may leave ``lastModifiedDateTime`` out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.graph import errors
from connectors.graph.names import encode_id
from connectors.graph.upload import parse_instant


@dataclass(frozen=True)
class DriveInfo:
    id: str
    owner_id: str | None
    web_url: str | None


@dataclass(frozen=True)
class DriveItem:
    id: str
    drive_id: str
    name: str
    is_folder: bool
    web_url: str | None
    etag: str | None
    ctag: str | None        # content-only tag; folders usually have none
    size: int
    last_modified: datetime | None  # some answers (simple upload) leave it out
    parent_path: str | None  # "/drive/root:/Medarbetarsamtal 2025" when Graph gives it
    parent_id: str | None = None
    # Short-lived pre-authenticated URL of a file's bytes (``@microsoft.graph.downloadUrl``, on a
    # plain GET of the item; valid about an hour, never cached:
    # https://learn.microsoft.com/graph/api/resources/driveitem, "Instance attributes"). It
    # grants access by itself, so it stays out of reprs and therefore out of logs.
    download_url: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class FileContent:
    """A file's bytes with the item as Graph described it just before (its ``etag`` is what a
    later :meth:`Drive.replace_if_unchanged` is conditional on)."""

    item: DriveItem
    data: bytes


def drive_path(drive_id: str) -> str:
    return f"/drives/{encode_id(drive_id)}"


def parse_drive(data: dict[str, Any]) -> DriveInfo:
    """A drive's JSON as a record."""
    owner = _dig(data, "owner", "user", "id")
    return DriveInfo(id=req_str(data, "id"), owner_id=owner if isinstance(owner, str) else None,
                     web_url=_opt_str(data, "webUrl"))


def parse_item(data: dict[str, Any], drive_id: str) -> DriveItem:
    """A driveItem's JSON as a record (``drive_id`` when the JSON names none)."""
    parent = _obj(data, "parentReference")
    size = data.get("size")
    return DriveItem(
        id=req_str(data, "id"),
        drive_id=_opt_str(parent, "driveId") or drive_id,
        name=_opt_str(data, "name") or "",
        is_folder=isinstance(data.get("folder"), dict) or isinstance(data.get("root"), dict),
        web_url=_opt_str(data, "webUrl"),
        etag=_opt_str(data, "eTag"),
        ctag=_opt_str(data, "cTag"),
        size=size if isinstance(size, int) and not isinstance(size, bool) else 0,
        last_modified=parse_instant(data.get("lastModifiedDateTime")),
        parent_path=_opt_str(parent, "path"),
        parent_id=_opt_str(parent, "id"),
        download_url=_opt_str(data, "@microsoft.graph.downloadUrl"),
    )


def req_str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise errors.GraphError(f"Graph answered without the '{key}' property")
    return value


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _obj(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None
