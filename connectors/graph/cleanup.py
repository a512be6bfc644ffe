"""Deleting drive items: what ``samtal doctor --write-check`` wrote, and what ``samtal retention
--apply`` disposes of.

A talk's folders and documents are never deleted by a round; only the write check (its own test
file and any folder its upload created) and retention (talk folders, managers' documents and
campaign folders past their retention) delete. Wire facts: ``DELETE /drives/{drive-id}/items/{item-id}``
answers 204 No Content; a folder goes with everything in it; "deleting items using this method
moves the items to the recycle bin instead of permanently deleting the item"; a stale
``if-match`` answers 412 and deletes nothing (https://learn.microsoft.com/graph/api/driveitem-delete).
"""
from __future__ import annotations

import logging

from collections.abc import Sequence

from connectors.graph import errors
from connectors.graph.batch import BatchRequest, execute_batch
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


def delete_drive_items(http: GraphHttp, items: Sequence[tuple[str, str]]) -> list[errors.GraphError | None]:
    """Delete many ``(drive_id, item_id)`` in ``$batch`` calls: one answer per item, in order,
    None where it went to the recycle bin, else its error (:class:`errors.NotFound` for one
    already gone: a repeated DELETE whose first answer was lost ends there too)."""
    for drive_id, item_id in items:
        if not drive_id.strip() or not item_id.strip():
            raise ValueError("a drive id and an item id are required")
    results = execute_batch(http, [
        BatchRequest(str(i), "DELETE", f"/drives/{encode_id(d)}/items/{encode_id(item)}")
        for i, (d, item) in enumerate(items)])
    return [results[str(i)].error for i in range(len(items))]
