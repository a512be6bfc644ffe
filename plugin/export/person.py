"""Who ``samtal export --employee`` names: a UPN, a mail address or an object id, matched
without regard to case, resolved to one object id.

- **In the directory** (the usual case): an object id is read with ``GET /users/{id}``; an
  address is looked up as a UPN (``GET /users/{upn}``) and as a ``mail`` (``$filter=mail eq``,
  which the directory's default queries run: https://learn.microsoft.com/graph/api/resources/user,
  the ``mail`` property). Only users that actually hold the address count; two different users
  holding it (Entra ID keeps UPNs unique, not ``mail``: ``connectors/graph/directory.py``) is
  ambiguous and refused, naming their object ids, so that the administrator picks one.
- **No longer in the directory** (a person who has left): an object id is looked up in the
  records list directly (``EmployeeId`` is indexed); an address is matched against the
  records' ``EmployeeEmail`` (the ``mail``, else the UPN, the person had when the talk was
  booked). Records of two different object ids with that address (an address given to someone
  else later, who has also left) are ambiguous and refused the same way.

An address names whoever holds it in the directory *now*: the records of a former holder of a
reused address are not theirs, and are exported by the former holder's object id (the records'
``EmployeeId``). A person rehired under a new account has records under each object id;
each is its own export.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from connectors.graph import errors
from connectors.graph.addresses import address_key, id_key
from connectors.graph.directory import Directory, User
from connectors.graph.lists import ListItem
from connectors.graph.lists_values import odata_string
from plugin.export.items import employee_ids_with_address, records_of
from plugin.store import RecordStore

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class PersonError(Exception):
    """``--employee`` names nobody samtal knows, or more than one person."""


@dataclass(frozen=True)
class Person:
    id: str                       # object id, in id-key form
    name: str
    addresses: tuple[str, ...]    # as the directory or the records write them
    in_directory: bool
    preferred_language: str | None = None


def find_person(directory: Directory, store: RecordStore | None, who: str) -> Person:
    """The person ``who`` names (module docstring); raises :class:`PersonError`."""
    text = who.strip()
    if _GUID.match(text):
        try:
            return _from_user(directory.get_user(text))
        except errors.NotFound:
            pass
        items = records_of(store, text) if store is not None else []
        if items:
            return _from_records(id_key(text), items)
        raise PersonError(f"--employee {text}: no user with this object id in the directory, and no "
                          "record of it in the records list")
    if "@" not in text or text.startswith("@") or text.endswith("@"):
        raise PersonError(f"--employee {who!r}: give the person's UPN, mail address or object id")
    holders = _directory_holders(directory, text)
    if len(holders) == 1:
        return _from_user(next(iter(holders.values())))
    if len(holders) > 1:
        raise PersonError(f"--employee {text}: {len(holders)} users in the directory hold this address "
                          f"(object ids {', '.join(sorted(holders))}); give the object id of the one meant")
    ids = employee_ids_with_address(store, text) if store is not None else set()
    if len(ids) > 1:
        raise PersonError(f"--employee {text}: nobody in the directory holds this address, and the records "
                          f"carry it for {len(ids)} different people (object ids {', '.join(sorted(ids))}); "
                          "give the object id of the one meant")
    if ids and store is not None:
        employee_id = next(iter(ids))
        return _from_records(employee_id, records_of(store, employee_id))
    raise PersonError(f"--employee {text}: nobody in the directory holds this address as UPN or mail, and "
                      "no record in the records list carries it")


def _directory_holders(directory: Directory, address: str) -> dict[str, User]:
    """The directory users holding ``address`` as UPN or ``mail``, by id key."""
    found: dict[str, User] = {}
    try:
        user = directory.get_user(address)
        found[id_key(user.id)] = user
    except errors.NotFound:
        pass
    for user in directory.list_users(filter=f"mail eq '{odata_string(address.strip())}'"):
        found.setdefault(id_key(user.id), user)
    wanted = address_key(address)
    return {key: user for key, user in found.items() if wanted in user.addresses}


def _from_user(user: User) -> Person:
    addresses = tuple(dict.fromkeys(a.strip() for a in (user.mail, user.upn) if a and a.strip()))
    return Person(id_key(user.id), user.display_name, addresses, True, user.preferred_language)


def _from_records(employee_id: str, items: list[ListItem]) -> Person:
    """A person known only from their records: the name of the latest campaign's record."""
    def text(item: ListItem, name: str) -> str:
        value = item.fields.get(name)
        return value.strip() if isinstance(value, str) else ""

    names = [text(i, "Title") for i in items if text(i, "Title")]
    addresses = tuple(dict.fromkeys(text(i, "EmployeeEmail") for i in reversed(items) if text(i, "EmployeeEmail")))
    language = next((text(i, "Language") for i in reversed(items) if text(i, "Language")), None)
    return Person(employee_id, names[-1] if names else "", addresses, False, language)
