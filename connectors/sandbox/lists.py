"""SharePoint sites and lists: site by id or ``hostname:/path``, lists with typed columns, items.

Facts copied (docs/graph.md#sharepoint-lists): create list → 201 with a ``Title`` column
always present; columns (with their facet and ``indexed``) only with ``$expand=columns`` or
``/columns``; ``POST …/lists/{list}/columns`` → 201 with the columnDefinition (a name the list
has → 409 ``nameAlreadyExists``); the ``hyperlinkOrPicture`` facet not shown on GET;
``lists?$filter=displayName eq '…'``; item ids are strings of digits; ``$expand=fields`` /
``fields($select=…)``; ``$filter=fields/X eq '…'`` on a non-indexed column → 400
``invalidRequest`` with SharePoint's text unless ``Prefer:
HonorNonIndexedQueriesWarningMayFailRandomly``; ``PATCH …/fields`` → 200 with the fieldValueSet,
stale ``If-Match`` on PATCH or DELETE → 412 ``resourceModified`` (the item is left as it was); a
deleted item goes to the site's recycle bin (:mod:`connectors.sandbox.recycle`); a list title
that exists → 409 ``nameAlreadyExists``; text ``maxLength`` enforced (255 default); person and
lookup columns written as ``XxxLookupId`` strings (an int → 500 "General exception while
processing", docs/failures.md#l2); hyperlink values cannot be written (400 "Invalid request").
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from connectors.sandbox import authors, filters, odata, recycle
from connectors.sandbox.errors import GraphError, item_not_found
from connectors.sandbox.http_types import Request, Response, empty, ok
from connectors.sandbox.router import route
from connectors.sandbox.seed import stable_id
from connectors.sandbox.seed_lists import FACETS
from connectors.sandbox.state import iso_z

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

HIDDEN_ON_GET = ("hyperlinkOrPicture", "term", "thumbnail")
PREFER_NON_INDEXED = "HonorNonIndexedQueriesWarningMayFailRandomly"
SYSTEM = ("id", "ContentType", "Created", "Modified", "AuthorLookupId", "EditorLookupId", "_UIVersionString", "Attachments")
_EXPAND_FIELDS = re.compile(r"fields(?:\(\s*\$?select=(?P<sel>[^)]*)\))?", re.IGNORECASE)


def find_site(app: Sandbox, p: dict[str, str]) -> dict[str, Any]:
    ref = unquote(p["site"])
    sites = app.tenant.data["sites"]
    if ":" in ref:
        host, _, path = ref.partition(":")
        path = path.rstrip(":").rstrip("/")
        for s in sites.values():
            if s["hostname"].lower() == host.lower() and s["path"].lower() == path.lower():
                return dict(s)
    else:
        for s in sites.values():
            if s["id"].lower() == ref.lower():
                return dict(s)
    raise item_not_found("Requested site could not be found")


def _lists(app: Sandbox, site: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = app.tenant.data["sites"][site["id"]]["lists"]
    return result


def find_list(app: Sandbox, site: dict[str, Any], ref: str) -> dict[str, Any]:
    ref = unquote(ref)
    lists = _lists(app, site)
    found = lists.get(ref) or next((x for x in lists.values() if x["displayName"].lower() == ref.lower()), None)
    if found is None:
        raise item_not_found("List not found")
    return found


def render_site(req: Request, site: dict[str, Any]) -> dict[str, Any]:
    return {"@odata.context": odata.context_url(req, "sites/$entity"), "id": site["id"], "name": site["name"],
            "displayName": site["displayName"], "webUrl": site["webUrl"], "createdDateTime": site["createdDateTime"],
            "lastModifiedDateTime": site["createdDateTime"],
            "siteCollection": {"hostname": site["hostname"]}}


def render_column(col: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in col.items() if k not in HIDDEN_ON_GET}


def render_list(req: Request, site: dict[str, Any], lst: dict[str, Any], *, context: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if context:
        body["@odata.context"] = odata.context_url(req, f"sites('{quote(site['id'])}')/lists/$entity")
    body.update({"@odata.etag": f'"{lst["id"]},{lst["version"]}"', "id": lst["id"], "name": lst["name"],
                 "displayName": lst["displayName"], "description": lst.get("description", ""),
                 "webUrl": f"{site['webUrl']}/Lists/{quote(lst['name'])}", "createdDateTime": lst["createdDateTime"],
                 "lastModifiedDateTime": lst["lastModifiedDateTime"], "createdBy": authors.app_identity(),
                 "lastModifiedBy": authors.app_identity(),
                 "parentReference": {"siteId": site["id"]},
                 "list": {"contentTypesEnabled": False, "hidden": False, "template": lst["template"]}})
    if (req.query.get("$expand") or "").lower() == "columns":
        body["columns"] = [render_column(c) for c in lst["columns"]]
    select = odata.select_fields(req)
    if select:
        wanted = {s.lower() for s in select} | {"@odata.context", "@odata.etag", "id"}
        body = {k: v for k, v in body.items() if k.lower() in wanted}
    return body


def _column(app: Sandbox, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        raise GraphError(400, "invalidRequest", "Every column needs a name.")
    facets = [f for f in FACETS if f in raw]
    if len(facets) != 1:
        raise GraphError(400, "invalidRequest", f"Column '{raw['name']}' must have exactly one type facet (one of {', '.join(FACETS)}).")
    col = {"columnGroup": "Custom Columns", "description": "", "displayName": raw.get("displayName", raw["name"]),
           "enforceUniqueValues": bool(raw.get("enforceUniqueValues", False)), "hidden": False,
           "indexed": bool(raw.get("indexed", False)), "name": raw["name"], "readOnly": False,
           "required": bool(raw.get("required", False)), "id": stable_id("column", raw["name"], str(app.tenant.next_seq()))}
    facet = facets[0]
    col[facet] = dict(raw[facet] or {})
    if facet == "text":
        # Single-line text holds at most 255 characters; multiple lines of text has no such cap
        # (63,999 characters is the figure seen in public SharePoint limits tables, unverified here).
        multi = bool(col["text"].get("allowMultipleLines", False))
        col["text"] = {"allowMultipleLines": False, "appendChangesToExistingText": False, "linesForEditing": 0,
                       "maxLength": 63999 if multi else 255, **col["text"]}
    return col


def _title_column() -> dict[str, Any]:
    return {"columnGroup": "Custom Columns", "description": "", "displayName": "Title", "enforceUniqueValues": False,
            "hidden": False, "indexed": False, "name": "Title", "readOnly": False, "required": True,
            "id": "fa564e0f-0c70-4ab9-b863-0177e6ddd247",
            "text": {"allowMultipleLines": False, "appendChangesToExistingText": False, "linesForEditing": 0, "maxLength": 255}}


def create_list_in(app: Sandbox, site: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise GraphError(400, "invalidRequest", "displayName is required.")
    for existing in _lists(app, site).values():
        if existing["displayName"].lower() == name.lower():
            raise GraphError(409, "nameAlreadyExists", "A list, survey, discussion board, or document library with the specified title already exists in this Web site.  Please choose another title.")
    columns = [_title_column()]
    for raw in body.get("columns") or []:
        col = _column(app, raw)
        if any(c["name"].lower() == col["name"].lower() for c in columns):
            raise GraphError(400, "invalidRequest", f"A column named '{col['name']}' already exists in this list.")
        columns.append(col)
    now = iso_z()
    list_id = stable_id("list", site["id"], name, str(app.tenant.next_seq()))
    lst = {"id": list_id, "name": re.sub(r"[^\w-]", "", name) or list_id, "displayName": name,
           "description": body.get("description", ""), "template": (body.get("list") or {}).get("template", "genericList"),
           "columns": columns, "items": {}, "nextItem": 1, "createdDateTime": now, "lastModifiedDateTime": now, "version": 0}
    _lists(app, site)[list_id] = lst
    for i, fields in enumerate(body.get("items") or []):
        try:
            _new_item(app, lst, fields)
        except GraphError as err:
            raise GraphError(err.status, err.code, f"items[{i}]: {err.message}") from err
    return lst


def _check_value(col: dict[str, Any], key: str, value: Any) -> Any:
    if value is None:
        return None
    if "hyperlinkOrPicture" in col:
        raise GraphError(400, "invalidRequest", "Invalid request")
    if "text" in col:
        if not isinstance(value, str):
            raise GraphError(400, "invalidRequest", f"The value of field '{key}' must be a string.")
        limit = int(col["text"].get("maxLength", 255))
        if len(value) > limit:
            raise GraphError(400, "invalidRequest", f"The value for field '{key}' is too long: {len(value)} characters, the column allows {limit}.")
    elif "number" in col or "currency" in col:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise GraphError(400, "invalidRequest", f"The value of field '{key}' must be a number.")
    elif "boolean" in col:
        if not isinstance(value, bool):
            raise GraphError(400, "invalidRequest", f"The value of field '{key}' must be true or false.")
    elif "dateTime" in col:
        try:
            moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise GraphError(400, "invalidRequest", f"The value '{value}' of field '{key}' is not a date and time.") from None
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    elif "choice" in col and not isinstance(value, str):
        raise GraphError(400, "invalidRequest", f"The value of field '{key}' must be one of the choices as a string.")
    return value


def _write_fields(lst: dict[str, Any], fields: dict[str, Any], target: dict[str, Any]) -> None:
    columns = {c["name"].lower(): c for c in lst["columns"]}
    for key, value in fields.items():
        if key.startswith("@odata"):
            continue
        col = columns.get(key.lower())
        if key.endswith("LookupId") and col is None:
            base = columns.get(key[:-8].lower())
            if base is not None and ("personOrGroup" in base or "lookup" in base):
                if isinstance(value, int) and not isinstance(value, bool):
                    raise GraphError(500, "generalException", "General exception while processing")
                if value is not None and not (isinstance(value, str) and value.isdigit()):
                    raise GraphError(400, "invalidRequest", f"The value of '{key}' must be a lookup id as a string of digits.")
                target[base["name"] + "LookupId"] = value
                continue
        if col is None:
            raise GraphError(400, "invalidRequest", f"Field '{key}' is not recognized")
        if "personOrGroup" in col or "lookup" in col:
            raise GraphError(400, "invalidRequest", "A value without a type name was found and no expected type is available. "
                             f"Write person and lookup columns as '{col['name']}LookupId'.")
        target[col["name"]] = _check_value(col, key, value)


def _etag(lst: dict[str, Any], item: dict[str, Any]) -> str:
    return f'"{item["guid"]},{item["version"]}"'


def _new_item(app: Sandbox, lst: dict[str, Any], fields: Any) -> dict[str, Any]:
    if not isinstance(fields, dict):
        raise GraphError(400, "invalidRequest", "A list item needs a 'fields' object.")
    now = iso_z()
    item_id = str(lst["nextItem"])
    values: dict[str, Any] = {}
    _write_fields(lst, fields, values)
    lst["nextItem"] += 1
    item = {"id": item_id, "guid": stable_id("listitem", lst["id"], item_id), "version": 1, "createdDateTime": now,
            "lastModifiedDateTime": now, "fields": values}
    lst["items"][item_id] = item
    return item


def render_fields(lst: dict[str, Any], item: dict[str, Any], select: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"@odata.etag": _etag(lst, item), "id": item["id"]}
    out.update({k: v for k, v in item["fields"].items() if v is not None})
    out.update({"ContentType": "Item", "Created": item["createdDateTime"], "Modified": item["lastModifiedDateTime"],
                "AuthorLookupId": "1073741822", "EditorLookupId": "1073741822",
                "_UIVersionString": f"{item['version']}.0", "Attachments": False})
    if select:
        wanted = {s.strip().lower() for s in select}
        out = {k: v for k, v in out.items() if k.lower() in wanted or k == "@odata.etag"}
    return out


def render_item(req: Request, site: dict[str, Any], lst: dict[str, Any], item: dict[str, Any], *,
                with_fields: bool, select: list[str] | None = None, context: bool = False) -> dict[str, Any]:
    base = odata.context_url(req, f"sites('{quote(site['id'])}')/lists('{lst['id']}')")
    body: dict[str, Any] = {"@odata.context": f"{base}/items/$entity"} if context else {}
    body.update({"@odata.etag": _etag(lst, item), "id": item["id"], "eTag": _etag(lst, item),
                 "createdDateTime": item["createdDateTime"], "lastModifiedDateTime": item["lastModifiedDateTime"],
                 "webUrl": f"{site['webUrl']}/Lists/{quote(lst['name'])}/{item['id']}_.000",
                 "createdBy": authors.app_identity(), "lastModifiedBy": authors.app_identity(),
                 "parentReference": {"id": lst["id"], "siteId": site["id"]},
                 "contentType": {"id": "0x0100", "name": "Item"}})
    if with_fields:
        body["fields@odata.context"] = f"{base}/items('{item['id']}')/fields/$entity"
        body["fields"] = render_fields(lst, item, select)
    return body


def _item_filter(req: Request, lst: dict[str, Any]) -> list[list[filters.Clause]]:
    text = req.query.get("$filter")
    if not text:
        return []
    try:
        groups = filters.parse(text)
    except filters.FilterSyntaxError as err:
        raise GraphError(400, "invalidRequest", f"Invalid filter clause: {err}") from None
    columns = {c["name"].lower(): c for c in lst["columns"]}
    honor = req.prefers(PREFER_NON_INDEXED) is not None
    for group in groups:
        for c in group:
            if not c.path.lower().startswith("fields/"):
                raise GraphError(400, "invalidRequest", f"Filtering on '{c.path}' is not supported; filter on fields/<column>.")
            name = c.path[7:]
            col = columns.get(name.lower()) or columns.get(name.lower().removesuffix("lookupid"))
            if col is None:
                raise GraphError(400, "invalidRequest", f"Field '{name}' is not recognized")
            if not col["indexed"] and not honor:
                # SharePoint's wording (docs/graph.md#sharepoint-lists).
                raise GraphError(400, "invalidRequest", f"Field '{name}' cannot be referenced in filter or orderby as it is not indexed. Provide the 'Prefer: HonorNonIndexedQueriesWarningMayFailRandomly' header to allow this, but be warned that such queries may fail on large lists.")
    return groups


def _getter(record: dict[str, Any]) -> Callable[[str], Any]:
    return lambda key: record.get(key)


def _field_getter(lst: dict[str, Any], item: dict[str, Any]) -> Any:
    columns = {c["name"].lower(): c["name"] for c in lst["columns"]}

    def get(path: str) -> Any:
        name = path[7:]
        key = columns.get(name.lower(), name)
        value = item["fields"].get(key)
        return value
    return get


# -- handlers -----------------------------------------------------------------------------------
def get_site(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    return ok(render_site(req, find_site(app, p)))


def lists_route(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    site = find_site(app, p)
    if req.method == "POST":
        lst = create_list_in(app, site, req.json_object())
        return ok(render_list(req, site, lst, context=True), 201)
    found = list(_lists(app, site).values())
    text = req.query.get("$filter")
    if text:
        try:
            groups = filters.parse(text)
        except filters.FilterSyntaxError as err:
            raise GraphError(400, "invalidRequest", f"Invalid filter clause: {err}") from None
        if any(c.path not in ("displayName", "name", "id") for g in groups for c in g):
            raise GraphError(400, "invalidRequest", "Lists can be filtered on displayName, name or id.")
        found = [x for x in found if filters.matches(groups, _getter(x), fold=True)]
    values = [render_list(req, site, x) for x in found]
    return ok(odata.page(app, req, values, 200, odata.context_url(req, f"sites('{quote(site['id'])}')/lists")))


def list_route(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    site = find_site(app, p)
    lst = find_list(app, site, p["list"])
    if p.get("sub", "").lower() == "/columns":
        return ok({"@odata.context": odata.context_url(req, "columns"), "value": [render_column(c) for c in lst["columns"]]})
    return ok(render_list(req, site, lst, context=True))


def add_column(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    """``POST …/lists/{list}/columns``: a column added to an existing list, 201 with its
    columnDefinition (https://learn.microsoft.com/graph/api/list-post-columns). What SharePoint
    answers to a name the list already has is not documented; the sandbox answers 409
    ``nameAlreadyExists``, as for a list title that exists."""
    site = find_site(app, p)
    lst = find_list(app, site, p["list"])
    col = _column(app, req.json_object())
    if any(c["name"].lower() == col["name"].lower() for c in lst["columns"]):
        raise GraphError(409, "nameAlreadyExists", f"A column named '{col['name']}' already exists in this list.")
    lst["columns"].append(col)
    lst["version"] += 1
    lst["lastModifiedDateTime"] = iso_z()
    base = odata.context_url(req, f"sites('{quote(site['id'])}')/lists('{lst['id']}')/columns/$entity")
    return ok({"@odata.context": base, **render_column(col)}, 201)


def _expand(req: Request) -> tuple[bool, list[str] | None]:
    raw = req.query.get("$expand")
    if not raw:
        return False, None
    m = _EXPAND_FIELDS.fullmatch(raw.strip())
    if m is None:
        raise GraphError(400, "invalidRequest", f"Expand '{raw}' is not supported on list items.")
    return True, ([s for s in m.group("sel").split(",") if s.strip()] if m.group("sel") else None)


def items_route(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    site = find_site(app, p)
    lst = find_list(app, site, p["list"])
    if req.method == "POST":
        body = req.json_object()
        item = _new_item(app, lst, body.get("fields", {}))
        return ok(render_item(req, site, lst, item, with_fields=True, context=True), 201)
    groups = _item_filter(req, lst)
    with_fields, select = _expand(req)
    size = odata.top(req, 200, 5000, code="invalidRequest")
    found = [i for i in lst["items"].values() if not groups or filters.matches(groups, _field_getter(lst, i), fold=True)]
    base = odata.context_url(req, f"sites('{quote(site['id'])}')/lists('{lst['id']}')/items")
    return ok(odata.page(app, req, found, size, base,
                         lambda i: render_item(req, site, lst, i, with_fields=with_fields, select=select)))


def item_route(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    site = find_site(app, p)
    lst = find_list(app, site, p["list"])
    item = lst["items"].get(unquote(p["item"]))
    if item is None:
        raise item_not_found("The specified list item was not found.")
    sub = p.get("sub", "").lower()
    if req.method == "DELETE" and not sub:
        _check_if_match(req, lst, item)
        recycle.recycle_list_item(app, site, lst, item)  # to the site's recycle bin
        return empty(204)
    if req.method == "PATCH":
        _check_if_match(req, lst, item)
        body = req.json_object()
        fields = body if sub == "/fields" else body.get("fields", {})
        staged = dict(item["fields"])
        _write_fields(lst, fields, staged)
        item["fields"] = staged
        item["version"] += 1
        item["lastModifiedDateTime"] = iso_z()
        if sub == "/fields":
            base = odata.context_url(req, f"sites('{quote(site['id'])}')/lists('{lst['id']}')/items('{item['id']}')/fields/$entity")
            return ok({"@odata.context": base, **render_fields(lst, item)})
        return ok(render_item(req, site, lst, item, with_fields=True, context=True))
    if sub == "/fields":
        return ok(render_fields(lst, item, odata.select_fields(req)))
    with_fields, select = _expand(req)
    return ok(render_item(req, site, lst, item, with_fields=with_fields, select=select, context=True))


def _check_if_match(req: Request, lst: dict[str, Any], item: dict[str, Any]) -> None:
    """``If-Match`` on PATCH and DELETE: a stale eTag changes nothing and answers 412 with the
    code and text Graph documents for it ("Optional request headers" of
    https://learn.microsoft.com/en-us/graph/api/listitem-update and
    https://learn.microsoft.com/en-us/graph/api/listitem-delete; ``resourceModified`` in
    https://learn.microsoft.com/en-us/graph/errors). Handlers run under the tenant lock, so the
    comparison and the change it guards are one step: of two writers with the same eTag,
    exactly one wins."""
    match = req.header("if-match")
    if match and match.strip() not in ("*", _etag(lst, item)):
        raise GraphError(412, "resourceModified", "The resource being updated has changed since the caller "
                         "last read it, usually an eTag mismatch.")


_SITE = r"/sites/(?P<site>[^/:]+(?::/[^:]*:?)?)"
ROUTES = [
    route("GET /sites/{site}", _SITE, get_site, "sites"),
    route("GET|POST /sites/{site}/lists", _SITE + r"/lists", lists_route, "sites"),
    route("GET /sites/{site}/lists/{list}", _SITE + r"/lists/(?P<list>[^/]+)(?P<sub>/columns)?", list_route, "sites"),
    route("POST /sites/{site}/lists/{list}/columns", _SITE + r"/lists/(?P<list>[^/]+)/columns", add_column, "sites"),
    route("GET|POST /sites/{site}/lists/{list}/items", _SITE + r"/lists/(?P<list>[^/]+)/items", items_route, "sites"),
    route("GET|PATCH|DELETE /sites/{site}/lists/{list}/items/{id}",
          _SITE + r"/lists/(?P<list>[^/]+)/items/(?P<item>[^/]+)(?P<sub>/fields)?", item_route, "sites"),
]
