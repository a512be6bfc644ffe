"""SharePoint lists: a site by path, a list by name, items read and written by key.

:class:`Lists` is the connector's face (``client.lists``); a list's columns and how a list is
made to match them live in :mod:`connectors.graph.lists_schema`, and how field values are
written in :mod:`connectors.graph.lists_values`. Wire facts: docs/graph.md#sharepoint-lists;
failure scenarios docs/failures.md#sharepoint-lists. What this module takes care of:

- ``$filter`` only on indexed columns: filtering on another column raises :class:`NotIndexed`
  before anything is sent, and the ``Prefer: HonorNonIndexedQueriesWarningMayFailRandomly``
  header is never sent unless asked for (docs/failures.md#l6); OData strings are escaped
  (``'`` → ``''``);
- PATCH of fields tolerates 200 and the older 201; a stale ``If-Match`` raises
  :class:`errors.PreconditionFailed` for the caller to re-read and merge (docs/failures.md#l8);
  DELETE takes ``If-Match`` the same way (https://learn.microsoft.com/en-us/graph/api/listitem-delete);
- an item whose create may have landed before the connection dropped is looked up by its key
  before it is sent again, one at a time and in ``$batch`` calls
  (:mod:`connectors.graph.create_once`).
"""
from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.graph import errors, lists_schema
from connectors.graph.batch import BatchRequest, execute_batch
from connectors.graph.create_once import create_once
from connectors.graph.http import GraphHttp
from connectors.graph.lists_schema import (
    ColumnSpec, ListInfo, column_info, find_list_id, opt_str, req_str, site_path,
)
from connectors.graph.lists_values import FieldValue, key_label, odata_string, serialise
from connectors.graph.names import encode_id

NON_INDEXED_PREFER = "HonorNonIndexedQueriesWarningMayFailRandomly"


class NotIndexed(ValueError):
    """A filter on a column that is not indexed: SharePoint would refuse it (or fail randomly)."""


@dataclass(frozen=True)
class SiteInfo:
    id: str
    web_url: str | None
    display_name: str | None


@dataclass(frozen=True)
class ListItem:
    id: str
    fields: dict[str, FieldValue] = field(hash=False)
    etag: str | None = None


class Lists:
    """Named SharePoint list operations over one :class:`GraphHttp`.

    ``key_field`` is the column that identifies an item for people (samtal's ``Key``): it names
    items in truncation warnings and lets :meth:`create_item` find an item that a dropped
    connection may have created.
    """

    def __init__(self, http: GraphHttp, *, key_field: str | None = "Key") -> None:
        self.http = http
        self.key_field = key_field
        self._schemas: dict[tuple[str, str], ListInfo] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ sites and lists
    def get_site(self, site: str) -> SiteInfo:
        """A site by ``hostname:/server/relative/path`` (or by id / bare hostname)."""
        host, sep, rel = site.partition(":")
        if sep:
            segments = [s for s in rel.split("/") if s]
            if not host or not segments:
                raise ValueError("a site is 'hostname:/sites/Name' (e.g. contoso.sharepoint.com:/sites/hr)")
            path = f"/sites/{encode_id(host)}:/" + "/".join(encode_id(s) for s in segments)
        else:
            path = f"/sites/{encode_id(site)}"
        data = self.http.get(path).json_object()
        return SiteInfo(id=req_str(data, "id"), web_url=opt_str(data, "webUrl"),
                        display_name=opt_str(data, "displayName"))

    def ensure_list(self, site_id: str, display_name: str,
                    columns: Sequence[ColumnSpec]) -> ListInfo:
        """The list called ``display_name``, created with ``columns`` when missing.

        On an existing list, missing columns are added and lost indexes restored; a column with
        another type raises :class:`errors.SchemaMismatch` naming the columns.
        """
        return lists_schema.ensure_list(self, site_id, display_name, columns)

    def find_list(self, site_id: str, display_name: str) -> ListInfo | None:
        """The list called ``display_name`` with its columns, or None; creates nothing."""
        list_id = find_list_id(self.http, site_id, display_name)
        return None if list_id is None else self.get_list(site_id, list_id)

    def get_list(self, site_id: str, list_id: str, *, refresh: bool = False) -> ListInfo:
        """The list and its columns (cached per list; ``refresh`` reads it again)."""
        key = (site_id, list_id)
        with self._lock:
            cached = self._schemas.get(key)
        if cached is not None and not refresh:
            return cached
        path = f"{site_path(site_id)}/lists/{encode_id(list_id)}"
        data = self.http.get(path, params={"$select": "id,displayName,webUrl"}).json_object()
        cols = {c.name: c for c in (column_info(raw) for raw in self.http.paginate(f"{path}/columns"))}
        info = ListInfo(id=req_str(data, "id"), display_name=opt_str(data, "displayName") or "",
                        web_url=opt_str(data, "webUrl"), columns=cols)
        with self._lock:
            self._schemas[key] = info
        return info

    # ------------------------------------------------------------------ items
    def create_item(self, site_id: str, list_id: str, fields: Mapping[str, Any]) -> ListItem:
        """Create one item; its id is a string (``"20"``)."""
        info = self.get_list(site_id, list_id)
        body = {"fields": serialise(info, fields, key_label(self.key_field, fields, None))}
        path = f"{site_path(site_id)}/lists/{encode_id(list_id)}/items"
        try:
            data = self.http.post(path, json=body).json_object()
        except errors.TransportError as err:
            if not err.maybe_applied:
                raise
            existing = self._existing_by_key(site_id, list_id, info, fields)
            if existing is not None:
                return existing
            data = self.http.post(path, json=body).json_object()
        return _list_item(data)

    def update_item(self, site_id: str, list_id: str, item_id: str, fields: Mapping[str, Any], *,
                    etag: str | None = None) -> dict[str, FieldValue]:
        """PATCH the item's fields; returns the whole field set Graph answers with.

        With ``etag``, a concurrent change makes Graph answer 412, raised as
        :class:`errors.PreconditionFailed` (re-read, merge, try again).
        """
        info = self.get_list(site_id, list_id)
        body = serialise(info, fields, key_label(self.key_field, fields, item_id))
        headers = {"If-Match": etag} if etag else None
        resp = self.http.patch(
            f"{site_path(site_id)}/lists/{encode_id(list_id)}/items/{encode_id(item_id)}/fields",
            json=body, headers=headers)
        return _scalar_fields(resp.body if isinstance(resp.body, dict) else {})

    def update_item_if_match(self, site_id: str, list_id: str, item_id: str,
                             fields: Mapping[str, Any], *, etag: str) -> ListItem:
        """PATCH the item's fields only if it is unchanged since ``etag`` was read; returns the
        item with its new eTag. A stale ``etag`` raises :class:`errors.PreconditionFailed` and
        changes nothing (412 ``resourceModified``;
        https://learn.microsoft.com/en-us/graph/api/listitem-update "Optional request headers",
        https://learn.microsoft.com/en-us/graph/errors); a deleted item raises
        :class:`errors.NotFound`.

        A PATCH whose answer was lost is sent again and then meets its own change as a 412:
        callers that must tell the two apart read the item back (:meth:`get_item`).
        """
        if not etag:
            raise ValueError("update_item_if_match needs the eTag the item was read with")
        info = self.get_list(site_id, list_id)
        body = serialise(info, fields, key_label(self.key_field, fields, item_id))
        resp = self.http.patch(
            f"{site_path(site_id)}/lists/{encode_id(list_id)}/items/{encode_id(item_id)}/fields",
            json=body, headers={"If-Match": etag})
        raw = resp.body if isinstance(resp.body, dict) else {}
        new_etag = opt_str(raw, "@odata.etag")
        if new_etag is None:  # an answer without the eTag: read the item for it
            return self.get_item(site_id, list_id, item_id)
        return ListItem(id=item_id, fields=_scalar_fields(raw), etag=new_etag)

    def get_item(self, site_id: str, list_id: str, item_id: str) -> ListItem:
        """One item with its fields and eTag; :class:`errors.NotFound` when it is gone."""
        data = self.http.get(
            f"{site_path(site_id)}/lists/{encode_id(list_id)}/items/{encode_id(item_id)}",
            params={"$expand": "fields"}).json_object()
        return _list_item(data)

    def delete_item(self, site_id: str, list_id: str, item_id: str, *, etag: str | None = None) -> None:
        """Delete one item (204). With ``etag``, only if it is unchanged since then: a stale one
        raises :class:`errors.PreconditionFailed` and deletes nothing (412;
        https://learn.microsoft.com/en-us/graph/api/listitem-delete "Optional request headers").
        An item that is already gone raises :class:`errors.NotFound` (a repeated DELETE whose
        first answer was lost ends there too)."""
        headers = {"If-Match": etag} if etag else None
        self.http.delete(f"{site_path(site_id)}/lists/{encode_id(list_id)}/items/{encode_id(item_id)}",
                         headers=headers)

    def create_items(self, site_id: str, list_id: str,
                     many: Sequence[Mapping[str, Any]]) -> list[ListItem | errors.GraphError]:
        """:meth:`create_item` for many field sets in ``$batch`` calls, never twice: an item
        whose fate is unknown (5xx, left out, or the ``$batch`` dropped after sending) is looked
        up by its key and created again only when it is not there. One answer per field set,
        in order: the item or its error."""
        info = self.get_list(site_id, list_id)
        path = f"{site_path(site_id)}/lists/{encode_id(list_id)}/items"
        bodies = [{"fields": serialise(info, f, key_label(self.key_field, f, None))} for f in many]
        def lookup(indices: Sequence[int]) -> dict[int, ListItem | None | errors.GraphError]:
            found: dict[int, ListItem | None | errors.GraphError] = {}
            for i in indices:
                try:
                    found[i] = self._existing_by_key(site_id, list_id, info, many[i])
                except errors.GraphError as look_err:
                    found[i] = look_err
            return found

        return create_once(
            self.http, len(many), what="list item", attempts=2, lookup=lookup,
            request=lambda i: BatchRequest(str(i), "POST", path, body=bodies[i]),
            parse=lambda _i, body: _list_item(body if isinstance(body, dict) else {}),
            # without a key there is nothing to look it up by: its error stands
            unknown_fate=lambda i, err: isinstance(err, (errors.ServerError, errors.TransportError))
            and self._key_of(info, many[i]) is not None)

    def update_items(self, site_id: str, list_id: str,
                     changes: Sequence[tuple[str, Mapping[str, Any]]], *,
                     etags: Sequence[str | None] | None = None) -> list[dict[str, FieldValue] | errors.GraphError]:
        """:meth:`update_item` for many ``(item_id, fields)`` in ``$batch`` calls (a PATCH of
        the same fields may be repeated). With ``etags`` (one per change), each PATCH carries
        ``If-Match`` and a stale one answers :class:`errors.PreconditionFailed`. One answer per
        change, in order."""
        if etags is not None and len(etags) != len(changes):
            raise ValueError("one eTag (or None) per change")
        info = self.get_list(site_id, list_id)
        matches = list(etags) if etags is not None else [None] * len(changes)
        requests = [BatchRequest(
            str(i), "PATCH", f"{site_path(site_id)}/lists/{encode_id(list_id)}/items/{encode_id(item_id)}/fields",
            body=serialise(info, fields, key_label(self.key_field, fields, item_id)),
            headers={"If-Match": etag} if etag else {})
            for i, ((item_id, fields), etag) in enumerate(zip(changes, matches))]
        results = execute_batch(self.http, requests)
        out: list[dict[str, FieldValue] | errors.GraphError] = []
        for i in range(len(changes)):
            res = results[str(i)]
            if res.error is not None:
                out.append(res.error)
            else:
                out.append(_scalar_fields(res.body if isinstance(res.body, dict) else {}))
        return out

    def delete_items(self, site_id: str, list_id: str,
                     items: Sequence[tuple[str, str | None]]) -> list[errors.GraphError | None]:
        """:meth:`delete_item` for many ``(item_id, etag)`` in ``$batch`` calls: None where the
        item was deleted, else its error (:class:`errors.PreconditionFailed` for a stale eTag,
        :class:`errors.NotFound` for an item already gone). One answer per item, in order."""
        requests = [BatchRequest(str(i), "DELETE",
                                 f"{site_path(site_id)}/lists/{encode_id(list_id)}/items/{encode_id(item_id)}",
                                 headers={"If-Match": etag} if etag else {})
                    for i, (item_id, etag) in enumerate(items)]
        results = execute_batch(self.http, requests)
        return [results[str(i)].error for i in range(len(items))]

    def query_items(self, site_id: str, list_id: str, *, equals: Mapping[str, str],
                    select: Sequence[str] | None = None,
                    allow_unindexed: bool = False) -> Iterator[ListItem]:
        """Items whose columns equal the given strings (all conditions must hold).

        Only indexed columns may be filtered: another column raises :class:`NotIndexed` before
        anything is sent. ``allow_unindexed=True`` sends SharePoint's "may fail randomly" Prefer
        header instead, for small lists only.
        """
        if not equals:
            raise ValueError("query_items needs at least one column to compare; use get_items")
        info = self.get_list(site_id, list_id)
        for name, value in equals.items():
            col = info.columns.get(name)
            if col is None:
                raise ValueError(f"the list has no column named {name!r}")
            if not col.indexed and not allow_unindexed:
                raise NotIndexed(f"column {name!r} is not indexed; SharePoint refuses or randomly fails "
                                 "filters on it. Index it (ensure_list with indexed=True)")
            if not isinstance(value, str):
                raise ValueError(f"the value compared with {name!r} must be a string")
        conditions = " and ".join(f"fields/{name} eq '{odata_string(value)}'"
                                  for name, value in equals.items())
        params = {"$expand": _expand(select), "$filter": conditions}
        headers = {"Prefer": NON_INDEXED_PREFER} if allow_unindexed else None
        for raw in self.http.paginate(f"{site_path(site_id)}/lists/{encode_id(list_id)}/items",
                                      params=params, headers=headers):
            yield _list_item(raw)

    def get_items(self, site_id: str, list_id: str, *,
                  select: Sequence[str] | None = None) -> Iterator[ListItem]:
        """Every item with its fields, across all pages."""
        for raw in self.http.paginate(f"{site_path(site_id)}/lists/{encode_id(list_id)}/items",
                                      params={"$expand": _expand(select)}):
            yield _list_item(raw)

    # ------------------------------------------------------------------ internals
    def _key_of(self, info: ListInfo, fields: Mapping[str, Any]) -> str | None:
        """The item's key when it can be looked up (an indexed key column), else None."""
        key = self.key_field
        value = fields.get(key) if key else None
        col = info.columns.get(key) if key else None
        if key is None or not isinstance(value, str) or col is None or not col.indexed:
            return None
        return value

    def _existing_by_key(self, site_id: str, list_id: str, info: ListInfo,
                         fields: Mapping[str, Any]) -> ListItem | None:
        value = self._key_of(info, fields)
        if value is None or self.key_field is None:
            return None
        return next(iter(self.query_items(site_id, list_id, equals={self.key_field: value})), None)


# ---------------------------------------------------------------------------- reading items
def _expand(select: Sequence[str] | None) -> str:
    if select is None:
        return "fields"
    if not select or any(not s or not s.replace("_", "").isalnum() for s in select):
        raise ValueError("select needs column names (letters, digits, _)")
    return f"fields($select={','.join(select)})"


def _scalar_fields(raw: Mapping[str, Any]) -> dict[str, FieldValue]:
    """Field values without OData annotations; multi-value (list/object) fields are left out."""
    out: dict[str, FieldValue] = {}
    for key, value in raw.items():
        if key.startswith("@") or "@odata." in key:
            continue
        if value is None or isinstance(value, (str, bool, int, float)):
            out[key] = value
    return out


def _list_item(raw: Mapping[str, Any]) -> ListItem:
    fields: Mapping[str, Any] = raw["fields"] if isinstance(raw.get("fields"), dict) else {}
    etag = opt_str(raw, "eTag") or opt_str(raw, "@odata.etag") or opt_str(fields, "@odata.etag")
    return ListItem(id=req_str(raw, "id"), fields=_scalar_fields(fields), etag=etag)
