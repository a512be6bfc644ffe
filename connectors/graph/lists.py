"""SharePoint lists: a site by path, a list with typed and indexed columns, items by key.

Wire facts: docs/graph.md#sharepoint-lists; failure scenarios docs/failures.md#sharepoint-lists.
What this module takes care of:

- lists are created as ``genericList`` with typed columns, and the columns samtal filters on
  are ``indexed`` (docs/failures.md#l6); an existing list gets its missing columns added, lost
  indexes restored, and a column of another type is reported (:class:`errors.SchemaMismatch`),
  never ignored;
- fields are written by internal column name, checked against the list's columns before
  sending (docs/failures.md#l4, docs/failures.md#l5); ``XxxLookupId`` is accepted for
  person/lookup columns (docs/failures.md#l1, docs/failures.md#l2, docs/failures.md#l3);
- values are serialised as SharePoint expects: booleans as JSON booleans, instants as ISO 8601
  UTC with ``Z``, dates as UTC midnight on purpose (docs/failures.md#l7), numbers as numbers;
  text longer than the column allows is cut with a WARNING naming the column and the item key,
  never the value;
- ``$filter`` only on indexed columns: filtering on another column raises :class:`NotIndexed`
  before anything is sent, and the ``Prefer: HonorNonIndexedQueriesWarningMayFailRandomly``
  header is never sent unless asked for (docs/failures.md#l6); OData strings are escaped
  (``'`` → ``''``);
- PATCH of fields tolerates 200 and the older 201; a stale ``If-Match`` raises
  :class:`errors.PreconditionFailed` for the caller to re-read and merge (docs/failures.md#l8);
  DELETE takes ``If-Match`` the same way (https://learn.microsoft.com/en-us/graph/api/listitem-delete);
- a list or a column that another creator made first (409 ``nameAlreadyExists``) is looked up
  again and used, never reported as a failure (docs/failures.md#l9).
"""
from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Literal, get_args

from connectors.graph import errors
from connectors.graph.batch import BatchRequest, execute_batch
from connectors.graph.create_once import create_once
from connectors.graph.http import GraphHttp
from connectors.graph.names import encode_id
from connectors.graph.upload import parse_instant

log = logging.getLogger(__name__)

ColumnKind = Literal["text", "note", "choice", "dateTime", "boolean", "number"]
KINDS: frozenset[str] = frozenset(get_args(ColumnKind))
# Single line of text: maxLength 1..255 (learn.microsoft.com, SP FieldText.MaxLength "must be
# equal to or less than 255"). Multiple lines: 63,999 characters in a list (third-party
# summaries, e.g. lookbook365.com "Multiple Lines of Text Column"; not indexable either).
TEXT_LIMIT = 255
NOTE_LIMIT = 63_999
NON_INDEXED_PREFER = "HonorNonIndexedQueriesWarningMayFailRandomly"
_FACETS = ("text", "choice", "dateTime", "boolean", "number", "personOrGroup", "lookup",
           "calculated", "currency", "hyperlinkOrPicture", "term", "geolocation", "thumbnail",
           "contentApprovalStatus")
_BUILT_IN = frozenset({"Title"})  # genericList always has it (docs/graph.md#sharepoint-lists)

FieldValue = str | bool | int | float | None


class NotIndexed(ValueError):
    """A filter on a column that is not indexed: SharePoint would refuse it (or fail randomly)."""


@dataclass(frozen=True)
class SiteInfo:
    id: str
    web_url: str | None
    display_name: str | None


@dataclass(frozen=True)
class ColumnSpec:
    """A column samtal wants. ``name`` is the internal name used in ``fields``."""

    name: str
    kind: ColumnKind
    indexed: bool = False
    required: bool = False
    max_length: int = TEXT_LIMIT
    choices: tuple[str, ...] = ()
    date_only: bool = False
    display_name: str | None = None

    def __post_init__(self) -> None:
        if not self.name or not self.name.isascii() or not self.name.isalnum() or not self.name[0].isalpha():
            # Spaces become _x0020_ and a leading "_" is "not recognized" (docs/failures.md#l4,
            # docs/failures.md#l5).
            raise ValueError(f"column name {self.name!r} must be ASCII letters and digits, starting with a letter")
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name}: kind must be one of {sorted(KINDS)}, got {self.kind!r}")
        if self.kind == "text" and not 1 <= self.max_length <= TEXT_LIMIT:
            raise ValueError(f"column {self.name}: max_length must be 1..{TEXT_LIMIT}")
        if self.kind == "choice" and (not self.choices or any(not c for c in self.choices)):
            raise ValueError(f"column {self.name}: a choice column needs non-empty choices")
        if self.kind == "note" and self.indexed:
            raise ValueError(f"column {self.name}: multi-line text cannot be indexed")

    def definition(self) -> dict[str, Any]:
        """The columnDefinition JSON for ``POST …/lists`` and ``POST …/columns``."""
        out: dict[str, Any] = {"name": self.name, "indexed": self.indexed, "required": self.required}
        if self.display_name:
            out["displayName"] = self.display_name
        if self.kind == "text":
            out["text"] = {"allowMultipleLines": False, "maxLength": self.max_length}
        elif self.kind == "note":
            out["text"] = {"allowMultipleLines": True, "textType": "plain"}
        elif self.kind == "choice":
            out["choice"] = {"choices": list(self.choices), "displayAs": "dropDownMenu",
                             "allowTextEntry": False}
        elif self.kind == "dateTime":
            out["dateTime"] = {"format": "dateOnly" if self.date_only else "dateTime"}
        elif self.kind == "boolean":
            out["boolean"] = {}
        else:
            out["number"] = {}
        return out


@dataclass(frozen=True)
class ColumnInfo:
    """A column as the list has it. ``kind`` is one of :data:`KINDS` or another facet name
    (``personOrGroup``, ``lookup``, ...), or ``unknown`` (facets Graph does not return)."""

    name: str
    kind: str
    indexed: bool
    required: bool
    max_length: int | None
    choices: tuple[str, ...]
    date_only: bool
    display_name: str | None
    id: str | None


@dataclass(frozen=True)
class ListInfo:
    id: str
    display_name: str
    web_url: str | None
    columns: dict[str, ColumnInfo] = field(hash=False)


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
        return SiteInfo(id=_req_str(data, "id"), web_url=_opt_str(data, "webUrl"),
                        display_name=_opt_str(data, "displayName"))

    def ensure_list(self, site_id: str, display_name: str,
                    columns: Sequence[ColumnSpec]) -> ListInfo:
        """The list called ``display_name``, created with ``columns`` when missing.

        On an existing list, missing columns are added and lost indexes restored; a column with
        another type raises :class:`errors.SchemaMismatch` naming the columns.
        """
        if not display_name.strip():
            raise ValueError("a list needs a display name")
        names = [c.name for c in columns]
        if len(set(names)) != len(names):
            raise ValueError("column names must be unique")
        list_id = self._find_list(site_id, display_name)
        if list_id is None:
            list_id = self._create_list(site_id, display_name, columns)
        info = self.get_list(site_id, list_id, refresh=True)
        changed = False
        mismatched: list[str] = []
        raced: list[ColumnSpec] = []
        base = f"{_site(site_id)}/lists/{encode_id(list_id)}/columns"
        for spec in columns:
            have = info.columns.get(spec.name)
            if have is None:
                try:
                    self.http.post(base, json=spec.definition(), idempotent=False)
                except errors.Conflict:
                    # Another creator added it first: the list is read again below and the
                    # column must be there then (what SharePoint answers to a duplicate column
                    # name is not documented; 409 is taken as "it exists", as for lists).
                    log.info("column %s was added by someone else; reading the list again", spec.name)
                    raced.append(spec)
                changed = True
            elif have.kind != spec.kind:
                mismatched.append(f"{spec.name} (is {have.kind}, needs {spec.kind})")
            elif spec.indexed and not have.indexed and have.id:
                self.http.patch(f"{base}/{encode_id(have.id)}", json={"indexed": True})
                changed = True
        if changed:
            info = self.get_list(site_id, list_id, refresh=True)
        for spec in raced:
            have = info.columns.get(spec.name)
            if have is None or have.kind != spec.kind:
                mismatched.append(f"{spec.name} (is {have.kind if have else 'missing'}, "
                                  f"needs {spec.kind})")
        if mismatched:
            raise errors.SchemaMismatch(
                f"the list has columns of the wrong type: {', '.join(mismatched)}",
                columns=tuple(m.split(" ", 1)[0] for m in mismatched),
                hint="rename or fix those columns in SharePoint, or configure another list")
        return info

    def find_list(self, site_id: str, display_name: str) -> ListInfo | None:
        """The list called ``display_name`` with its columns, or None; creates nothing."""
        list_id = self._find_list(site_id, display_name)
        return None if list_id is None else self.get_list(site_id, list_id)

    def get_list(self, site_id: str, list_id: str, *, refresh: bool = False) -> ListInfo:
        """The list and its columns (cached per list; ``refresh`` reads it again)."""
        key = (site_id, list_id)
        with self._lock:
            cached = self._schemas.get(key)
        if cached is not None and not refresh:
            return cached
        path = f"{_site(site_id)}/lists/{encode_id(list_id)}"
        data = self.http.get(path, params={"$select": "id,displayName,webUrl"}).json_object()
        cols = {c.name: c for c in (_column(raw) for raw in self.http.paginate(f"{path}/columns"))}
        info = ListInfo(id=_req_str(data, "id"), display_name=_opt_str(data, "displayName") or "",
                        web_url=_opt_str(data, "webUrl"), columns=cols)
        with self._lock:
            self._schemas[key] = info
        return info

    # ------------------------------------------------------------------ items
    def create_item(self, site_id: str, list_id: str, fields: Mapping[str, Any]) -> ListItem:
        """Create one item; its id is a string (``"20"``)."""
        info = self.get_list(site_id, list_id)
        body = {"fields": self._serialise(info, fields, _key_label(self.key_field, fields, None))}
        path = f"{_site(site_id)}/lists/{encode_id(list_id)}/items"
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
        body = self._serialise(info, fields, _key_label(self.key_field, fields, item_id))
        headers = {"If-Match": etag} if etag else None
        resp = self.http.patch(
            f"{_site(site_id)}/lists/{encode_id(list_id)}/items/{encode_id(item_id)}/fields",
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
        body = self._serialise(info, fields, _key_label(self.key_field, fields, item_id))
        resp = self.http.patch(
            f"{_site(site_id)}/lists/{encode_id(list_id)}/items/{encode_id(item_id)}/fields",
            json=body, headers={"If-Match": etag})
        raw = resp.body if isinstance(resp.body, dict) else {}
        new_etag = _opt_str(raw, "@odata.etag")
        if new_etag is None:  # an answer without the eTag: read the item for it
            return self.get_item(site_id, list_id, item_id)
        return ListItem(id=item_id, fields=_scalar_fields(raw), etag=new_etag)

    def get_item(self, site_id: str, list_id: str, item_id: str) -> ListItem:
        """One item with its fields and eTag; :class:`errors.NotFound` when it is gone."""
        data = self.http.get(
            f"{_site(site_id)}/lists/{encode_id(list_id)}/items/{encode_id(item_id)}",
            params={"$expand": "fields"}).json_object()
        return _list_item(data)

    def delete_item(self, site_id: str, list_id: str, item_id: str, *, etag: str | None = None) -> None:
        """Delete one item (204). With ``etag``, only if it is unchanged since then: a stale one
        raises :class:`errors.PreconditionFailed` and deletes nothing (412;
        https://learn.microsoft.com/en-us/graph/api/listitem-delete "Optional request headers").
        An item that is already gone raises :class:`errors.NotFound` (a repeated DELETE whose
        first answer was lost ends there too)."""
        headers = {"If-Match": etag} if etag else None
        self.http.delete(f"{_site(site_id)}/lists/{encode_id(list_id)}/items/{encode_id(item_id)}",
                         headers=headers)

    def create_items(self, site_id: str, list_id: str,
                     many: Sequence[Mapping[str, Any]]) -> list[ListItem | errors.GraphError]:
        """:meth:`create_item` for many field sets in ``$batch`` calls, never twice: an item
        whose fate is unknown (5xx, left out, or the ``$batch`` dropped after sending) is looked
        up by its key and created again only when it is not there. One answer per field set,
        in order: the item or its error."""
        info = self.get_list(site_id, list_id)
        path = f"{_site(site_id)}/lists/{encode_id(list_id)}/items"
        bodies = [{"fields": self._serialise(info, f, _key_label(self.key_field, f, None))} for f in many]
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
            str(i), "PATCH", f"{_site(site_id)}/lists/{encode_id(list_id)}/items/{encode_id(item_id)}/fields",
            body=self._serialise(info, fields, _key_label(self.key_field, fields, item_id)),
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
                                 f"{_site(site_id)}/lists/{encode_id(list_id)}/items/{encode_id(item_id)}",
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
        for raw in self.http.paginate(f"{_site(site_id)}/lists/{encode_id(list_id)}/items",
                                      params=params, headers=headers):
            yield _list_item(raw)

    def get_items(self, site_id: str, list_id: str, *,
                  select: Sequence[str] | None = None) -> Iterator[ListItem]:
        """Every item with its fields, across all pages."""
        for raw in self.http.paginate(f"{_site(site_id)}/lists/{encode_id(list_id)}/items",
                                      params={"$expand": _expand(select)}):
            yield _list_item(raw)

    # ------------------------------------------------------------------ internals
    def _find_list(self, site_id: str, display_name: str) -> str | None:
        found: str | None = None
        for raw in self.http.paginate(f"{_site(site_id)}/lists",
                                      params={"$select": "id,displayName"}):
            name = raw.get("displayName")
            if not isinstance(name, str) or not isinstance(raw.get("id"), str):
                continue
            if name == display_name:
                return str(raw["id"])
            if found is None and name.casefold() == display_name.casefold():
                found = str(raw["id"])
        return found

    def _create_list(self, site_id: str, display_name: str, columns: Sequence[ColumnSpec]) -> str:
        body = {"displayName": display_name,
                "columns": [c.definition() for c in columns if c.name not in _BUILT_IN],
                "list": {"template": "genericList"}}
        try:
            data = self.http.post(f"{_site(site_id)}/lists", json=body).json_object()
        except errors.Conflict:
            # 409 nameAlreadyExists: another creator (a second pass started at the same moment)
            # made it between our look-up and our create. Look it up again; that is our list.
            existing = self._find_list(site_id, display_name)
            if existing is None:
                raise
            log.info("the list was created by someone else meanwhile; using it")
            return existing
        except errors.TransportError as err:
            if not err.maybe_applied:
                raise
            existing = self._find_list(site_id, display_name)  # it may have been created
            if existing is not None:
                return existing
            data = self.http.post(f"{_site(site_id)}/lists", json=body).json_object()
        return _req_str(data, "id")

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

    def _serialise(self, info: ListInfo, fields: Mapping[str, Any], label: str) -> dict[str, Any]:
        if not fields:
            raise ValueError("no fields to write")
        out: dict[str, Any] = {}
        for name, value in fields.items():
            col = _column_for(info, name)
            out[name] = _value(col, name, value, label)
        return out


# ---------------------------------------------------------------------------- values
def odata_string(value: str) -> str:
    """``value`` for inside an OData string literal: ``'`` doubled."""
    return value.replace("'", "''")


def truncate_utf16(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-16 code units (how SharePoint counts), never mid-character."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return text[:i]
    return text


def _value(col: ColumnInfo | None, name: str, value: Any, label: str) -> Any:
    kind = col.kind if col else "unknown"
    if value is None:
        return None
    if kind == "boolean" and not isinstance(value, bool):
        raise ValueError(f"field {name}: a yes/no column takes True or False")
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ValueError(f"field {name}: a number column takes a number")
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"field {name}: a datetime must carry a time zone")
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"  # date-only columns: UTC midnight, on purpose (docs/failures.md#l7)
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"field {name}: numbers must be finite")
        return value
    if not isinstance(value, str):
        raise ValueError(f"field {name}: cannot write a {type(value).__name__}")
    if kind == "dateTime":
        when = parse_instant(value)
        if when is None:
            raise ValueError(f"field {name}: not an ISO 8601 date and time")
        return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    limit = _text_limit(col)
    if limit is not None:
        cut = truncate_utf16(value, limit)
        if cut != value:
            log.warning("list item %s: column %s cut to %d characters (SharePoint's limit)",
                        label, name, limit)
            return cut
    return value


def _text_limit(col: ColumnInfo | None) -> int | None:
    if col is None:
        return None
    if col.kind == "text":
        return min(col.max_length or TEXT_LIMIT, TEXT_LIMIT)
    if col.kind == "choice":
        return TEXT_LIMIT
    if col.kind == "note":
        return NOTE_LIMIT
    return None


def _column_for(info: ListInfo, name: str) -> ColumnInfo | None:
    """The column a field name writes; raises for names the list does not have
    (docs/failures.md#l4)."""
    base = name.split("@", 1)[0]
    if base in info.columns:
        return info.columns[base] if base == name else None
    if base.endswith("LookupId") and base[: -len("LookupId")] in info.columns:
        return None  # person or lookup column written by its id (docs/failures.md#l1): passed as given
    raise ValueError(f"the list has no column named {name!r} (use internal names, not display names)")


def _key_label(key_field: str | None, fields: Mapping[str, Any], item_id: str | None) -> str:
    key = fields.get(key_field) if key_field else None
    if isinstance(key, str) and key:
        return key
    return f"id {item_id}" if item_id else "(new)"


def _expand(select: Sequence[str] | None) -> str:
    if select is None:
        return "fields"
    if not select or any(not s or not s.replace("_", "").isalnum() for s in select):
        raise ValueError("select needs column names (letters, digits, _)")
    return f"fields($select={','.join(select)})"


# ---------------------------------------------------------------------------- parsing
def _site(site_id: str) -> str:
    return f"/sites/{encode_id(site_id)}"


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _req_str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise errors.GraphError(f"Graph answered without the '{key}' property")
    return value


def _column(raw: Mapping[str, Any]) -> ColumnInfo:
    kind = next((f for f in _FACETS if isinstance(raw.get(f), dict)), "unknown")
    facet: Mapping[str, Any] = raw[kind] if isinstance(raw.get(kind), dict) else {}
    max_length: int | None = None
    if kind == "text":
        if facet.get("allowMultipleLines"):
            kind = "note"
        else:
            ml = facet.get("maxLength")
            max_length = ml if isinstance(ml, int) and ml > 0 else TEXT_LIMIT
    choices = facet.get("choices") if kind == "choice" else None
    return ColumnInfo(
        name=_opt_str(raw, "name") or "",
        kind=kind,
        indexed=raw.get("indexed") is True,
        required=raw.get("required") is True,
        max_length=max_length,
        choices=tuple(c for c in choices if isinstance(c, str)) if isinstance(choices, list) else (),
        date_only=kind == "dateTime" and facet.get("format") == "dateOnly",
        display_name=_opt_str(raw, "displayName"),
        id=_opt_str(raw, "id"),
    )


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
    etag = _opt_str(raw, "eTag") or _opt_str(raw, "@odata.etag") or _opt_str(fields, "@odata.etag")
    return ListItem(id=_req_str(raw, "id"), fields=_scalar_fields(fields), etag=etag)
