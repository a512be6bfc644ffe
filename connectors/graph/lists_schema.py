"""A SharePoint list's columns: the columns samtal wants, the ones a list has, and making a list
match them (:meth:`connectors.graph.lists.Lists.ensure_list`).

Wire facts: docs/graph.md#sharepoint-lists; failure scenarios docs/failures.md#sharepoint-lists.
What this module takes care of:

- lists are created as ``genericList`` with typed columns, and the columns samtal filters on
  are ``indexed`` (docs/failures.md#l6); an existing list gets its missing columns added, lost
  indexes restored, and a column of another type is reported (:class:`errors.SchemaMismatch`),
  never ignored;
- column names are plain ASCII letters and digits, so display and internal names agree
  (docs/failures.md#l4, docs/failures.md#l5); text columns hold at most :data:`TEXT_LIMIT`
  characters, multi-line ones :data:`NOTE_LIMIT`;
- a list or a column that another creator made first (409 ``nameAlreadyExists``) is looked up
  again and used, never reported as a failure (docs/failures.md#l9).
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from connectors.graph import errors
from connectors.graph.http import GraphHttp
from connectors.graph.names import encode_id

if TYPE_CHECKING:
    from connectors.graph.lists import Lists

log = logging.getLogger("connectors.graph.lists")  # the lists connector's log, under its name

ColumnKind = Literal["text", "note", "choice", "dateTime", "boolean", "number"]
KINDS: frozenset[str] = frozenset(get_args(ColumnKind))
# Single line of text: maxLength 1..255 (learn.microsoft.com, SP FieldText.MaxLength "must be
# equal to or less than 255"). Multiple lines: 63,999 characters in a list (third-party
# summaries, e.g. lookbook365.com "Multiple Lines of Text Column"; not indexable either).
TEXT_LIMIT = 255
NOTE_LIMIT = 63_999
_FACETS = ("text", "choice", "dateTime", "boolean", "number", "personOrGroup", "lookup",
           "calculated", "currency", "hyperlinkOrPicture", "term", "geolocation", "thumbnail",
           "contentApprovalStatus")
_BUILT_IN = frozenset({"Title"})  # genericList always has it (docs/graph.md#sharepoint-lists)


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


# ---------------------------------------------------------------------------- making a list match
def ensure_list(lists: Lists, site_id: str, display_name: str,
                columns: Sequence[ColumnSpec]) -> ListInfo:
    """:meth:`Lists.ensure_list`: the list found or created, then its columns made to match."""
    if not display_name.strip():
        raise ValueError("a list needs a display name")
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise ValueError("column names must be unique")
    http = lists.http
    list_id = find_list_id(http, site_id, display_name)
    if list_id is None:
        list_id = create_list(http, site_id, display_name, columns)
    info = lists.get_list(site_id, list_id, refresh=True)
    changed = False
    mismatched: list[str] = []
    raced: list[ColumnSpec] = []
    base = f"{site_path(site_id)}/lists/{encode_id(list_id)}/columns"
    for spec in columns:
        have = info.columns.get(spec.name)
        if have is None:
            try:
                http.post(base, json=spec.definition(), idempotent=False)
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
            http.patch(f"{base}/{encode_id(have.id)}", json={"indexed": True})
            changed = True
    if changed:
        info = lists.get_list(site_id, list_id, refresh=True)
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


def find_list_id(http: GraphHttp, site_id: str, display_name: str) -> str | None:
    """The id of the site's list called ``display_name`` (exactly, else ignoring case), or None."""
    found: str | None = None
    for raw in http.paginate(f"{site_path(site_id)}/lists",
                             params={"$select": "id,displayName"}):
        name = raw.get("displayName")
        if not isinstance(name, str) or not isinstance(raw.get("id"), str):
            continue
        if name == display_name:
            return str(raw["id"])
        if found is None and name.casefold() == display_name.casefold():
            found = str(raw["id"])
    return found


def create_list(http: GraphHttp, site_id: str, display_name: str, columns: Sequence[ColumnSpec]) -> str:
    """A new ``genericList`` with ``columns``; its id (or the id of the one another creator made)."""
    body = {"displayName": display_name,
            "columns": [c.definition() for c in columns if c.name not in _BUILT_IN],
            "list": {"template": "genericList"}}
    try:
        data = http.post(f"{site_path(site_id)}/lists", json=body).json_object()
    except errors.Conflict:
        # 409 nameAlreadyExists: another creator (a second pass started at the same moment)
        # made it between our look-up and our create. Look it up again; that is our list.
        existing = find_list_id(http, site_id, display_name)
        if existing is None:
            raise
        log.info("the list was created by someone else meanwhile; using it")
        return existing
    except errors.TransportError as err:
        if not err.maybe_applied:
            raise
        existing = find_list_id(http, site_id, display_name)  # it may have been created
        if existing is not None:
            return existing
        data = http.post(f"{site_path(site_id)}/lists", json=body).json_object()
    return req_str(data, "id")


# ---------------------------------------------------------------------------- parsing
def site_path(site_id: str) -> str:
    return f"/sites/{encode_id(site_id)}"


def opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def req_str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise errors.GraphError(f"Graph answered without the '{key}' property")
    return value


def column_info(raw: Mapping[str, Any]) -> ColumnInfo:
    """A ``columnDefinition`` as Graph answers it, as a record (``kind`` from its facet)."""
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
        name=opt_str(raw, "name") or "",
        kind=kind,
        indexed=raw.get("indexed") is True,
        required=raw.get("required") is True,
        max_length=max_length,
        choices=tuple(c for c in choices if isinstance(c, str)) if isinstance(choices, list) else (),
        date_only=kind == "dateTime" and facet.get("format") == "dateOnly",
        display_name=opt_str(raw, "displayName"),
        id=opt_str(raw, "id"),
    )
