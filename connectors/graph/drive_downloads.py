"""A file's bytes out of OneDrive: :meth:`Drive.download`, :meth:`Drive.fetch_file` and
:meth:`Drive.download_many` in :mod:`connectors.graph.drive`.

Wire facts: docs/graph.md#onedrive. ``GET …/items/{id}/content`` answers 302 to "a
pre-authenticated download URL" (https://learn.microsoft.com/graph/api/driveitem-get-content),
fetched without the bearer token; a 200 with the bytes is accepted too. A plain GET of the item
carries the same kind of URL as ``@microsoft.graph.downloadUrl``, valid about an hour
(https://learn.microsoft.com/graph/api/resources/driveitem, "Instance attributes"), so
:meth:`Drive.fetch_file` reads the item's eTag and its bytes in as many requests as a download,
and the bytes are those of that eTag or of a later version, never an earlier one. Inside
``$batch``, a ``/content`` item answers either with the 302 or with the bytes themselves,
base64-encoded (docs/graph.md#batching).
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from connectors.graph import errors
from connectors.graph.batch import BatchRequest, execute_batch
from connectors.graph.drive_records import FileContent, drive_path
from connectors.graph.names import encode_id
from connectors.graph.redact import redact_path

if TYPE_CHECKING:
    from connectors.graph.drive import Drive


def download(drive: Drive, drive_id: str, item_id: str) -> bytes:
    """:meth:`Drive.download`: ``/content``, then the URL its 302 names without the token."""
    resp = drive.http.get(f"{drive_path(drive_id)}/items/{encode_id(item_id)}/content",
                          headers={"Accept": "*/*"})
    if 300 <= resp.status < 400:
        location = resp.headers.get("location")
        if not location:
            raise errors.GraphError("Graph redirected the download without a location",
                                    method="GET", path=redact_path(drive.http.url_for(
                                        f"{drive_path(drive_id)}/items/{encode_id(item_id)}/content")),
                                    status=resp.status)
        resp = drive.http.get(location, authenticated=False, headers={"Accept": "*/*"})
    return resp.content


def fetch_file(drive: Drive, drive_id: str, item_id: str) -> FileContent:
    """:meth:`Drive.fetch_file`: the item, then its ``downloadUrl`` (or ``/content``)."""
    item = drive.get_item(drive_id, item_id)
    if item.is_folder:
        raise ValueError("fetch_file reads a file, not a folder")
    if item.download_url:
        data = drive.http.get(item.download_url, authenticated=False, headers={"Accept": "*/*"}).content
    else:  # a tenant that leaves the annotation out: the /content route (302, then the bytes)
        data = drive.download(drive_id, item_id)
    return FileContent(item, data)


def download_many(drive: Drive, pairs: Sequence[tuple[str, str]], *,
                  workers: int) -> list[bytes | errors.GraphError]:
    """:meth:`Drive.download_many`: ``/content`` in ``$batch`` calls, then the 302s' URLs."""
    results = execute_batch(drive.http, [
        BatchRequest(str(i), "GET", f"{drive_path(d)}/items/{encode_id(item)}/content", headers={"Accept": "*/*"})
        for i, (d, item) in enumerate(pairs)])
    out: list[bytes | errors.GraphError] = []
    fetch: dict[int, str] = {}
    for i, (d, item) in enumerate(pairs):
        res = results[str(i)]
        if res.error is not None:
            out.append(res.error)
        elif 300 <= res.status < 400:
            location = res.headers.get("location")
            out.append(b"" if location else errors.GraphError(
                "Graph redirected the download without a location", method="GET",
                path=redact_path(drive.http.url_for(f"{drive_path(d)}/items/{encode_id(item)}/content")),
                status=res.status))
            if location:
                fetch[i] = location
        else:  # the bytes themselves, base64 in the batch answer (docs/graph.md#batching)
            out.append(_batch_bytes(res.body))

    def get(location: str) -> bytes | errors.GraphError:
        try:
            return drive.http.get(location, authenticated=False, headers={"Accept": "*/*"}).content
        except errors.GraphError as err:
            return err

    if fetch:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(fetch)))) as pool:
            for i, data in zip(fetch, pool.map(get, fetch.values())):
                out[i] = data
    return out


def _batch_bytes(body: Any) -> bytes | errors.GraphError:
    if isinstance(body, str):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return errors.GraphError("a batched download answered with content that is not base64")
    if body is None:
        return b""
    return errors.GraphError("a batched download answered with JSON instead of the file")
