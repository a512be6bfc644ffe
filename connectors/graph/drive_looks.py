"""Looking at what stands at a path in users' OneDrives, with its children, in few round trips.

Facts: ``GET /users/{user-id}/drive/root:/{item-path}`` addresses an item by path, and
``$expand=children`` includes "the children of an item in the same call as retrieving the
metadata of an item" (Graph v1.0, Get a driveItem resource,
https://learn.microsoft.com/en-us/graph/api/driveitem-get). A path that does not exist answers
404, and so does every path of a OneDrive that was never provisioned (docs/graph.md#onedrive), or
400 "Unable to retrieve user's mysite URL." where there is no OneDrive to find
(docs/failures.md#f15): all mean "nothing there". The requests go 20 per ``$batch`` (docs/graph.md#batching).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connectors.graph import errors
from connectors.graph.batch import BatchRequest, execute_batch
from connectors.graph.names import check_path, encode_id, encode_path

if TYPE_CHECKING:
    from connectors.graph.drive import Drive
    from connectors.graph.drive_records import DriveItem


@dataclass(frozen=True)
class FolderLook:
    """An item found at a path, and (for a folder) every child it has."""

    item: DriveItem
    children: tuple[DriveItem, ...]


def look_at_user_paths(drive: Drive, paths: Sequence[tuple[str, Sequence[str]]]
                       ) -> list[FolderLook | None | errors.GraphError]:
    """For each ``(user_id, path_segments)``: what stands there with its children, None when
    nothing does (or the user has no OneDrive), or the error of that look; in order."""
    for _, segments in paths:
        if not segments:
            raise ValueError("a look needs at least one path segment")
        check_path(segments)
    results = execute_batch(drive.http, [
        BatchRequest(str(i), "GET", f"/users/{encode_id(user)}/drive/root:/{encode_path(segments)}:"
                                    "?$expand=children")
        for i, (user, segments) in enumerate(paths)])
    out: list[FolderLook | None | errors.GraphError] = []
    for i in range(len(paths)):
        res = results[str(i)]
        if isinstance(res.error, errors.NotFound):
            out.append(None)
        elif res.error is not None:
            out.append(res.error)
        elif not isinstance(res.body, dict):
            out.append(errors.GraphError("Graph answered a look at a path without the item"))
        else:
            out.append(_look(drive, res.body))
    return out


def _look(drive: Drive, body: dict[str, Any]) -> FolderLook | errors.GraphError:
    try:
        item = drive.item_from(body, "")
        raw = body.get("children")
        if "children@odata.nextLink" in body and item.drive_id:  # more than one page: list them all
            children = tuple(drive.list_children(item.drive_id, item.id))
        else:
            children = tuple(drive.item_from(c, item.drive_id) for c in raw or [] if isinstance(c, dict))
    except errors.GraphError as err:
        return err
    return FolderLook(item, children)
