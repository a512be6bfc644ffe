"""The directory: users, their managers and direct reports, as typed records.

Facts (docs/graph.md#directory):

- ``/users`` returns only a default property set; everything samtal reads (department,
  accountEnabled, userType, ...) is named in ``$select``. ``$top`` is at most 999.
- The manager comes along with ``$expand=manager($select=...)`` on ``/users`` and on one user;
  a user without a manager has no ``manager`` (or ``null``), and ``/users/{id}/manager`` answers
  404 ``Request_ResourceNotFound``.
- ``/users/{id}/directReports`` is a *directoryObject* collection: users and org contacts mixed,
  told apart by ``@odata.type``; it pages like any collection (``$expand=directReports`` would stop
  at 20 without a nextLink, so it is not used).
- Addresses are case-insensitive: they are compared and used as keys only in the form
  ``connectors/graph/addresses.py`` gives, which :attr:`User.address_key` and
  :attr:`User.addresses` carry from here into the plugin.
  Entra ID keeps UPNs and SMTP proxy addresses unique, but not ``mail``: a directory synchronised
  from on-premises can hold two users with one ``mail``, or one user's ``mail`` equal to another's
  UPN. Duplicate attribute resiliency quarantines only UPN and proxy-address clashes
  (https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/how-to-connect-syncservice-duplicate-attribute-resiliency);
  a user migrated from on-premises keeps a cloud user's ``mail``
  (https://docs.microsoft.com/en-us/answers/questions/263625/34mail34-field-doesn39t-have-unique-values-in-grap.html).
  Which mailbox such an address reaches is Exchange's choice, so the roster finds these clashes
  and leaves the people in them out (``plugin/roster.py``).
- A UPN goes into the path percent-encoded (a guest's UPN holds ``#EXT#``); a UPN that begins
  with ``$`` must use the key form ``/users('$x@y')`` or Graph reads it as a system segment
  (https://github.com/microsoftgraph/msgraph-sdk-dotnet/issues/2635).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from connectors.graph import errors
from connectors.graph.addresses import address_key
from connectors.graph.http import GraphHttp
from connectors.graph.redact import redact_path

log = logging.getLogger(__name__)

USER_FIELDS = (
    "id", "displayName", "userPrincipalName", "mail", "department", "jobTitle",
    "accountEnabled", "preferredLanguage", "userType",
)
MANAGER_FIELDS = ("id", "displayName", "userPrincipalName", "mail")
USER_SELECT = ",".join(USER_FIELDS)
MANAGER_EXPAND = f"manager($select={','.join(MANAGER_FIELDS)})"
PAGE_SIZE = 999  # the maximum /users accepts (docs/graph.md#directory)
# Operators only Graph's "advanced queries" accept (ConsistencyLevel: eventual + $count=true),
# which cannot be combined with $expand (learn.microsoft.com/graph/aad-advanced-queries;
# learn.microsoft.com/en-us/answers/questions/1134278). list_users needs the manager expanded.
_ADVANCED_ONLY = re.compile(r"\b(ne|not)\b|\bendswith\s*\(|\$count", re.IGNORECASE)
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_USER_TYPE = "#microsoft.graph.user"


@dataclass(frozen=True)
class User:
    """One directory user, as samtal needs it.

    ``manager_id`` is None when the user has no manager. ``user_type`` is ``Member`` or
    ``Guest`` as Graph spells it (None if Graph left it out); ``account_enabled`` likewise.
    """

    id: str
    display_name: str
    upn: str
    mail: str | None = None
    department: str | None = None
    job_title: str | None = None
    account_enabled: bool | None = None
    preferred_language: str | None = None
    user_type: str | None = None
    manager_id: str | None = None

    @property
    def is_guest(self) -> bool:
        return (self.user_type or "").lower() == "guest"

    @property
    def address(self) -> str:
        """Where invitations and shares go, as the directory spells it: ``mail`` (the primary
        SMTP address), else the UPN."""
        return (self.mail or self.upn).strip()

    @property
    def address_key(self) -> str:
        """:attr:`address` in the form addresses are compared and keyed by (:func:`address_key`)."""
        return address_key(self.address)

    @property
    def addresses(self) -> frozenset[str]:
        """Every address the directory gives this user (``mail`` and UPN), as address keys."""
        return frozenset(address_key(a) for a in (self.mail, self.upn) if a and a.strip())


def user_path(id_or_upn: str) -> str:
    """``/users/{key}`` with the key percent-encoded for a path segment."""
    key = id_or_upn.strip()
    if not key:
        raise ValueError("a user id or UPN is required")
    if key.startswith("$"):
        return "/users('" + quote(key.replace("'", "''"), safe="@$") + "')"
    return "/users/" + quote(key, safe="@")


class Directory:
    """Named reads of the directory over one :class:`GraphHttp`."""

    def __init__(self, http: GraphHttp) -> None:
        self.http = http

    def list_users(self, *, filter: str | None = None) -> Iterator[User]:
        """Every user (optionally matching an OData ``$filter``), with the manager's id.

        The filter must be one Graph's default query engine runs (``eq``, ``startsWith``,
        ``in``, ``and``/``or``): ``ne``, ``not`` and ``endsWith`` need advanced queries, which
        cannot expand the manager, and are refused with a :class:`ValueError`.
        """
        params: dict[str, Any] = {"$select": USER_SELECT, "$expand": MANAGER_EXPAND,
                                  "$top": PAGE_SIZE}
        if filter is not None:
            if not filter.strip():
                raise ValueError("an empty $filter: pass None to list every user")
            if _ADVANCED_ONLY.search(_LITERAL.sub("''", filter)):
                raise ValueError("this $filter needs Graph's advanced queries, which cannot "
                                 "expand the manager; filter with eq/startsWith/in, or in Python")
            params["$filter"] = filter
        for item in self.http.paginate("/users", params=params):
            yield user_from_json(item)

    def get_user(self, id_or_upn: str) -> User:
        """One user by object id or UPN; raises :class:`~connectors.graph.errors.NotFound`."""
        resp = self.http.get(user_path(id_or_upn),
                             params={"$select": USER_SELECT, "$expand": MANAGER_EXPAND})
        return user_from_json(resp.json_object())

    def get_manager(self, user_id: str) -> User | None:
        """The user's manager, or None when there is none.

        Graph answers a missing manager with 404 ``Request_ResourceNotFound``; any other 404
        (the user itself does not exist, ...) is raised. The returned record's own
        ``manager_id`` is None: ``/manager`` does not reveal the next level (use
        :meth:`get_user` on the manager's id for that). A manager that is not a user (an org
        contact) cannot hold a talk and is reported as None, with a warning.
        """
        path = user_path(user_id) + "/manager"
        resp = self.http.get(path, params={"$select": USER_SELECT},
                             allow_statuses=frozenset({404}))
        if resp.status == 404:
            code, inner, _ = errors.error_codes(resp.body)
            if "Request_ResourceNotFound" in (code, inner):
                return None
            raise errors.from_response(method="GET", path=redact_path(path),
                                       status=404, headers=resp.headers, body=resp.body)
        body = resp.json_object()
        if not _is_user(body):
            log.warning("the manager of user %s is a %s, not a user; treated as no manager",
                        user_id if "@" not in user_id else "…", body.get("@odata.type"))
            return None
        return user_from_json(body)

    def list_direct_reports(self, manager_id: str) -> Iterator[User]:
        """The manager's direct reports that are users (org contacts and others skipped)."""
        path = user_path(manager_id) + "/directReports"
        for item in self.http.paginate(path, params={"$select": USER_SELECT}):
            if _is_user(item):
                yield user_from_json(item, manager_id=manager_id)


def _is_user(item: Mapping[str, Any]) -> bool:
    """True for a user; a directoryObject without ``@odata.type`` counts when it has a UPN."""
    kind = item.get("@odata.type")
    if isinstance(kind, str) and kind:
        return kind.lower() == _USER_TYPE.lower()
    return isinstance(item.get("userPrincipalName"), str)


def item_manager(item: Mapping[str, Any]) -> str | None:
    manager = item.get("manager")
    if isinstance(manager, Mapping) and isinstance(manager.get("id"), str) and manager["id"]:
        return str(manager["id"])
    return None


def _text(item: Mapping[str, Any], key: str) -> str | None:
    value = item.get(key)
    return value if isinstance(value, str) and value.strip() else None


def user_from_json(item: Mapping[str, Any], *, manager_id: str | None = None) -> User:
    """A :class:`User` from one Graph user object; raises when the id or UPN is missing."""
    uid = _text(item, "id")
    upn = _text(item, "userPrincipalName")
    if uid is None or upn is None:
        raise errors.GraphError("Graph returned a user without an id or userPrincipalName")
    enabled = item.get("accountEnabled")
    return User(
        id=uid,
        display_name=_text(item, "displayName") or "",
        upn=upn,
        mail=_text(item, "mail"),
        department=_text(item, "department"),
        job_title=_text(item, "jobTitle"),
        account_enabled=enabled if isinstance(enabled, bool) else None,
        preferred_language=_text(item, "preferredLanguage"),
        user_type=_text(item, "userType"),
        manager_id=item_manager(item) or manager_id,
    )
