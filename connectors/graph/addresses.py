"""How addresses and object ids are compared: one form each, used wherever they meet or are keys.

Addresses (``mail``, ``userPrincipalName``, the SMTP addresses Exchange resolves) are
case-insensitive, and Graph hands them back in the case they were written in
(``Per.Lind@Example.se``; https://github.com/thomseddon/traefik-forward-auth/pull/281). Object
ids are GUIDs, one value in any case. :class:`connectors.graph.directory.User` carries its
addresses in this form (``address_key``, ``addresses``) from the directory into the plugin.
"""
from __future__ import annotations


def address_key(address: str) -> str:
    """The one form in which addresses (and the id-or-UPN of a mailbox path) are compared and
    used as keys: trimmed and lower-cased.

    ``str.lower`` rather than ``casefold``: casefolding turns ``ß`` into ``ss`` and would make two
    different internationalised addresses one.
    """
    return address.strip().lower()


def id_key(object_id: str) -> str:
    """The form in which object ids are compared and used as keys: Graph writes GUIDs in lower
    case; an administrator's list, a record or another service may not."""
    return object_id.strip().lower()


def same_id(a: str | None, b: str | None) -> bool:
    """Object ids from two sources (the directory, a record, a permission) name one object."""
    return bool(a and b) and id_key(a or "") == id_key(b or "")
