"""One person's list items: found by ``EmployeeId`` across every campaign, and what of each is
exported.

Everything samtal's records list holds for the person's talks is exported, including any
column added after this was written (reminder counts, HR's ``Hold``), with two exceptions:

- SharePoint's own bookkeeping of the item (:data:`SHAREPOINT_FIELDS`, and every field whose
  name begins with ``_``): who created and edited the item in SharePoint (``AuthorLookupId``,
  ``EditorLookupId``: HR staff or the app, not the person), its content type, version and
  attachments flag. ``Created`` and ``Modified`` stay: when the record was made and changed;
- another person's identity in a record's ``Note``: a note can name another account (an
  address clash names the other account's UPN and object id; a manager chain that loops names
  everyone on the loop; a folder in the way names another talk's key). :func:`scrub_note`
  replaces every object id and address that is not the person's or the record's manager's
  with ``[another account]``, and every name in a manager chain that is neither with
  ``[another person]``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from connectors.graph.addresses import address_key, id_key
from connectors.graph.lists import ListItem
from connectors.graph.lists_values import FieldValue
from plugin.records import is_bookkeeping_fields
from plugin.store import RecordStore

SHAREPOINT_FIELDS = frozenset({
    "ContentType", "AuthorLookupId", "EditorLookupId", "AppAuthorLookupId", "AppEditorLookupId",
    "Attachments", "Edit", "LinkTitle", "LinkTitleNoMenu", "ItemChildCount", "FolderChildCount", "DocIcon",
})
ANOTHER_ACCOUNT = "[another account]"
ANOTHER_PERSON = "[another person]"
_GUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_ADDRESS = re.compile(r"[\w.+#'%-]+@[\w-]+(?:\.[\w-]+)+")
_CHAIN = re.compile(r"\(([^()]*→[^()]*)\)")


@dataclass(frozen=True)
class Keep:
    """The identities a record may name: the person's, and their manager's in that record."""

    ids: frozenset[str]        # id keys
    addresses: frozenset[str]  # address keys
    names: frozenset[str]      # display names, as written

    def with_record(self, fields: Mapping[str, FieldValue]) -> "Keep":
        def text(name: str) -> str:
            value = fields.get(name)
            return value.strip() if isinstance(value, str) else ""
        ids = {id_key(v) for v in (text("ManagerId"), text("FolderOwner"), text("EmployeeId")) if v}
        addresses = {address_key(v) for v in (text("ManagerEmail"), text("EmployeeEmail")) if v}
        names = {v for v in (text("ManagerName"), text("Title")) if v}
        return Keep(self.ids | ids, self.addresses | addresses, self.names | names)


def records_of(store: RecordStore, employee_id: str) -> list[ListItem]:
    """Every list item whose ``EmployeeId`` is ``employee_id``, of every campaign (one indexed
    query), by campaign and key. A key found on several items gives every item: each is held."""
    found = [item for item in store.lists.query_items(store.site.id, store.info.id,
                                                      equals={"EmployeeId": id_key(employee_id)})
             if not is_bookkeeping_fields(item.fields)
             and id_key(str(item.fields.get("EmployeeId") or "")) == id_key(employee_id)]
    return sorted(found, key=lambda i: (str(i.fields.get("Campaign") or ""), str(i.fields.get("Key") or ""), i.id))


def employee_ids_with_address(store: RecordStore, address: str) -> set[str]:
    """The object ids (id keys) of the records whose ``EmployeeEmail`` is ``address``, ignoring
    case: how a person who has left the directory is found by address. ``EmployeeEmail`` is not
    an indexed column (SharePoint refuses or randomly fails a filter on it in a large list), so
    this reads two columns of every item, page by page."""
    wanted = address_key(address)
    out: set[str] = set()
    for item in store.lists.get_items(store.site.id, store.info.id, select=("EmployeeId", "EmployeeEmail")):
        if is_bookkeeping_fields(item.fields):
            continue
        employee, email = item.fields.get("EmployeeId"), item.fields.get("EmployeeEmail")
        if isinstance(employee, str) and employee and isinstance(email, str) and address_key(email) == wanted:
            out.add(id_key(employee))
    return out


def exported_fields(fields: Mapping[str, FieldValue], keep: Keep) -> dict[str, FieldValue]:
    """The item's fields as exported: SharePoint's own bookkeeping out, the note scrubbed of
    other people (module docstring)."""
    out = {name: value for name, value in fields.items()
           if not name.startswith(("_", "@")) and name not in SHAREPOINT_FIELDS}
    note = out.get("Note")
    if isinstance(note, str) and note:
        out["Note"] = scrub_note(note, keep.with_record(fields))
    return out


def scrub_note(note: str, keep: Keep) -> str:
    """``note`` with every object id, address and manager-chain name that ``keep`` does not
    hold replaced (module docstring)."""
    def account(match: re.Match[str]) -> str:
        return match.group(0) if id_key(match.group(0)) in keep.ids else ANOTHER_ACCOUNT

    def address(match: re.Match[str]) -> str:
        return match.group(0) if address_key(match.group(0)) in keep.addresses else ANOTHER_ACCOUNT

    def chain(match: re.Match[str]) -> str:
        names = [n.strip() for n in match.group(1).split("→")]
        return "(" + " → ".join(n if n in keep.names else ANOTHER_PERSON for n in names) + ")"

    return _CHAIN.sub(chain, _GUID.sub(account, _ADDRESS.sub(address, note)))


def campaigns(items: Iterable[ListItem]) -> Iterator[str]:
    """The campaigns of ``items``, each once, in order."""
    seen: set[str] = set()
    for item in items:
        campaign = str(item.fields.get("Campaign") or "")
        if campaign not in seen:
            seen.add(campaign)
            yield campaign
