"""Directory routes: ``/users``, ``/users/{id|upn}``, ``/manager``, ``/directReports``.

Graph facts copied (docs/graph.md#directory): the default property set without
``$select``; ``$select`` of single-user-only properties on the collection → 501; ``$top`` 1..999;
``$filter`` on accountEnabled, department, userPrincipalName, mail, id (and a few more);
``$expand=manager`` / ``manager($select=...)``, which caps a page of ``/users`` at 100 whatever
``$top`` says; a user without manager → 404
``Request_ResourceNotFound`` on ``/manager``; ``directReports`` as directoryObjects, org contacts
included with ``@odata.type`` ``#microsoft.graph.orgContact``.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from connectors.sandbox import filters, odata
from connectors.sandbox.errors import GraphError, user_not_found
from connectors.sandbox.http_types import Request, Response, ok
from connectors.sandbox.router import route

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

DEFAULT_SELECT = ("businessPhones", "displayName", "givenName", "id", "jobTitle", "mail", "mobilePhone",
                  "officeLocation", "preferredLanguage", "surname", "userPrincipalName")
KNOWN = set(DEFAULT_SELECT) | {"department", "accountEnabled", "userType", "employeeId", "manager"}
SINGLE_ONLY = {"aboutme", "birthday", "hiredate", "interests", "mysite", "pastprojects", "preferredname",
               "responsibilities", "schools", "skills", "mailboxsettings"}
FILTERABLE = {"accountenabled": "accountEnabled", "department": "department",
              "userprincipalname": "userPrincipalName", "mail": "mail", "id": "id",
              "displayname": "displayName", "jobtitle": "jobTitle", "usertype": "userType",
              "employeeid": "employeeId", "givenname": "givenName", "surname": "surname"}
# A directory collection with $expand pages by at most 100 objects, whatever $top asks: Graph's
# known issue 13635 (https://developer.microsoft.com/graph/known-issues/?search=13635), as users
# report it (docs/graph.md#directory).
EXPAND_PAGE = 100
_EXPAND = re.compile(r"manager(?:\(\s*\$select=(?P<sel>[^)]*)\))?", re.IGNORECASE)


def render_user(u: dict[str, Any], select: list[str] | None, *, single: bool = False) -> dict[str, Any]:
    names = list(select) if select else list(DEFAULT_SELECT)
    out: dict[str, Any] = {}
    by_lower = {k.lower(): k for k in KNOWN | {"@odata.type"}}
    for name in names:
        key = by_lower.get(name.lower())
        if name.lower() in SINGLE_ONLY:
            if not single:
                raise GraphError(501, "NotImplemented", "This operation target is not yet supported.")
            out[name] = None
            continue
        if key is None:
            raise GraphError(400, "Request_BadRequest",
                             f"Could not find a property named '{name}' on type 'microsoft.graph.user'.")
        if key == "manager":
            continue
        out[key] = u.get(key)
    if "id" not in out and select is None:
        out["id"] = u["id"]
    return out


def render_contact(c: dict[str, Any], select: list[str] | None) -> dict[str, Any]:
    full = {"id": c["id"], "displayName": c["displayName"], "mail": c["mail"],
            "givenName": c.get("givenName"), "surname": c.get("surname"), "jobTitle": c.get("jobTitle"),
            "department": c.get("department"), "businessPhones": c.get("businessPhones", []),
            "mailNickname": c["mail"].split("@")[0]}
    body: dict[str, Any] = {"@odata.type": "#microsoft.graph.orgContact"}
    for key in (select or list(full)):
        if key in full:
            body[key] = full[key]
    return body


def _typed_user(u: dict[str, Any], select: list[str] | None) -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.user", **render_user(u, select)}


def _with_manager(app: Sandbox, req: Request, u: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    expand = req.query.get("$expand")
    if not expand:
        return body
    m = _EXPAND.fullmatch(expand.strip())
    if m is None:
        raise GraphError(400, "Request_BadRequest", f"Expansion of '{expand}' is not supported here.")
    manager = app.tenant.data["users"].get(u.get("managerId") or "")
    if manager is not None:
        sel = [s.strip() for s in m.group("sel").split(",")] if m.group("sel") else None
        body["manager"] = _typed_user(manager, sel)
    return body


def _filter_users(req: Request, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    text = req.query.get("$filter")
    if not text:
        return users
    try:
        groups = filters.parse(text)
    except filters.FilterSyntaxError as err:
        raise GraphError(400, "Request_BadRequest", f"Invalid filter clause: {err}") from None
    for group in groups:
        for c in group:
            if c.path.lower() not in FILTERABLE:
                raise GraphError(400, "Request_UnsupportedQuery",
                                 f"Unsupported or invalid query filter clause specified for property '{c.path}' of resource 'User'.")
    return [u for u in users if filters.matches(groups, _getter(u), fold=True)]


def _getter(user: dict[str, Any]) -> Callable[[str], Any]:
    return lambda path: user.get(FILTERABLE[path.lower()])


def _context(req: Request, select: list[str] | None, suffix: str = "") -> str:
    sel = f"({','.join(select)})" if select else ""
    return odata.context_url(req, f"users{sel}{suffix}")


def list_users(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    select = odata.select_fields(req)
    size = odata.top(req, 100, 999, code="Request_BadRequest")
    if req.query.get("$expand"):
        size = min(size, EXPAND_PAGE)
    users = _filter_users(req, list(app.tenant.data["users"].values()))
    if select:
        render_user(users[0] if users else {}, select)  # reject a bad $select even on an empty result
    return ok(odata.page(app, req, users, size, _context(req, select),
                         lambda u: _with_manager(app, req, u, render_user(u, select))))


def _find(app: Sandbox, ref: str) -> dict[str, Any]:
    user = app.tenant.user(unquote(ref))
    if user is None:
        raise user_not_found(unquote(ref))
    return user


def get_user(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user = _find(app, p["user"])
    select = odata.select_fields(req)
    body = {"@odata.context": _context(req, select, "/$entity"), **render_user(user, select, single=True)}
    return ok(_with_manager(app, req, user, body))


def get_manager(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user = _find(app, p["user"])
    manager = app.tenant.data["users"].get(user.get("managerId") or "")
    if manager is None:
        raise GraphError(404, "Request_ResourceNotFound",
                         "Resource 'manager' does not exist or one of its queried reference-property objects are not present.")
    select = odata.select_fields(req)
    sel = f"({','.join(select)})" if select else ""
    return ok({"@odata.context": odata.context_url(req, f"directoryObjects{sel}/$entity"), **_typed_user(manager, select)})


def direct_reports(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user = _find(app, p["user"])
    select = odata.select_fields(req)
    size = odata.top(req, 100, 999, code="Request_BadRequest")
    data = app.tenant.data
    values: list[dict[str, Any]] = [_typed_user(u, select) for u in data["users"].values() if u.get("managerId") == user["id"]]
    values += [render_contact(c, select) for c in data["contacts"].values() if c.get("managerId") == user["id"]]
    sel = f"({','.join(select)})" if select else ""
    return ok(odata.page(app, req, values, size, odata.context_url(req, f"directoryObjects{sel}")))


ROUTES = [
    route("GET /users", r"/users/?", list_users, "directory"),
    route("GET /users/{id}", r"/users/(?P<user>[^/]+)", get_user, "directory"),
    route("GET /users/{id}/manager", r"/users/(?P<user>[^/]+)/manager", get_manager, "directory"),
    route("GET /users/{id}/directReports", r"/users/(?P<user>[^/]+)/directReports", direct_reports, "directory"),
]
