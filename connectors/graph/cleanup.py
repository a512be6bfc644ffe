"""Removing what a check wrote: the few deletes only ``samtal doctor --write-check`` makes.

A talk's folders and documents are never deleted by a round (retention is a separate decision),
so :class:`connectors.graph.drive.Drive` has no delete; the write check needs one for its own
test file and any folder its upload created. Wire facts: ``DELETE /drives/{drive-id}/items/{item-id}``
answers 204 No Content; a folder goes with everything in it; the item goes to the recycle bin
like any deletion in OneDrive (https://learn.microsoft.com/graph/api/driveitem-delete).
"""
from __future__ import annotations

import logging

from connectors.graph import errors
from connectors.graph.http import GraphHttp
from connectors.graph.names import encode_id

log = logging.getLogger(__name__)


def delete_drive_item(http: GraphHttp, drive_id: str, item_id: str) -> None:
    """Delete one file or folder (204). One that is already gone counts as deleted."""
    if not drive_id.strip() or not item_id.strip():
        raise ValueError("a drive id and an item id are required")
    try:
        http.delete(f"/drives/{encode_id(drive_id)}/items/{encode_id(item_id)}")
    except errors.NotFound as err:
        log.info("drive item to delete was already gone (%s)", err.code)
