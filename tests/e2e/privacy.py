"""The privacy invariant over a whole sandbox tenant (docs/architecture.md#privacy): a folder
belongs to exactly one talk, and nobody but that talk's employee and manager can see it or
anything in it.

:func:`check_privacy` looks at every drive and every item, with the permissions each item has
itself and those it inherits from its folders (the drive's owner sees everything in it):

- an item inside a talk folder is visible to nobody but that talk's employee and manager;
- an item outside every talk folder (campaign folders, managers' guides, team overviews) carries
  no grant and inherits none: only the drive's owner sees it;
- no sharing link anywhere;
- no folder holds two talks' forms, and no two records name one folder;
- every reminder samtal sent (a message carrying its tag in a sender's Drafts or Sent Items)
  went to the one person its key names: a talk's employee or manager, a manager their own
  digest (HR's digest goes to the address the campaign gives); and no message anywhere holds
  the text of a form field filed in the records.

A talk folder is a folder a record names (``DriveId``/``FolderId``), or one that holds a document
stamped with a talk's key when no record names it (a pass that stopped before writing). The
talk's people are the record's ``EmployeeId`` and ``ManagerId`` (without a record: the employee
and the directory's manager). ``tests/e2e/conftest.py`` runs it when every served sandbox closes.

What ``samtal retention`` disposed of is checked too: a folder in a recycle bin comes back with
its permissions when someone restores it, so each one deleted from a drive is held to the same
rules, as a tree of its own: no link, and no grant to anyone but its talk's people (its drive's
owner may see their own recycle bin: it held the item when it was deleted); a record in the
site's recycle bin still names its talk's people.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from connectors.sandbox.people import alternatives
from plugin.documents.stamp import Stamp, read_stamp


class OverShared(AssertionError):
    """The tenant shows something to someone who must not see it."""


def check_privacy(data: dict[str, Any], blobs: dict[str, bytes]) -> None:
    """Raise :class:`OverShared` listing every breach of the invariant in the tenant's state."""
    problems: list[str] = []
    records = _records(data)
    users = data["users"]
    folder_talk: dict[tuple[str, str], str] = {}
    binned = {(e["driveId"], i) for e in data.get("recycleBin", []) if e["kind"] == "driveItem" for i in e["items"]}
    for key, fields in records.items():
        where = (str(fields.get("DriveId") or ""), str(fields.get("FolderId") or ""))
        live = where[1] in data["drives"].get(where[0], {}).get("items", {})
        if not all(where) or not (live or where in binned):
            continue
        if where in folder_talk:
            problems.append(f"the records {folder_talk[where]} and {key} name one folder")
        folder_talk.setdefault(where, key)

    for drive_id, drive in data["drives"].items():
        problems += _check_tree(data, drive_id, drive, drive["items"], blobs, folder_talk, records, users, "")
    for entry in data.get("recycleBin", []):
        drive = data["drives"].get(entry.get("driveId", ""))
        if entry["kind"] == "driveItem" and drive is not None:
            problems += _check_tree(data, entry["driveId"], drive, entry["items"], blobs, folder_talk,
                                    records, users, " (in the recycle bin)")
    problems += _check_mail(data, records, users)
    if problems:
        raise OverShared("privacy invariant broken:\n  " + "\n  ".join(problems))


# the reminders' extended property's name, and the one Exchange makes of their X-Samtal-Key header,
# as connectors/graph/mail_records.py writes them
_TAG = ("samtalmailkey", "x-samtal-key")
_FILED_TEXT = ("PreviousGoalsFollowup", "Goals", "DevelopmentPlan", "CompetenceNeeds", "Expectations")


def _check_mail(data: dict[str, Any], records: dict[str, dict[str, Any]], users: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    texts = {line.strip() for fields in records.values() for column in _FILED_TEXT
             for line in str(fields.get(column) or "").splitlines() if len(line.strip()) >= 12}
    for uid, box in ((data.get("mail") or {}).get("boxes") or {}).items():
        for msg in box.values():
            body = (str((msg.get("body") or {}).get("content") or "") + str(msg.get("subject") or "")
                    + "\n".join(alternatives(msg).values()))  # and both parts of its MIME, decoded
            leaked = sorted(t for t in texts if t in body)
            if leaked:
                problems.append(f"a message in {uid}'s {msg.get('folder')} holds filed form text {leaked[:2]}")
            tag = next((str(p.get("value")) for p in msg.get("singleValueExtendedProperties") or []
                        if str(p.get("id", "")).lower().endswith(_TAG)), None)
            if tag is None:
                continue
            to = {str(r["emailAddress"]["address"]).lower() for r in msg.get("toRecipients") or []}
            allowed = _addressees(tag, records, users)
            if allowed is not None and not to <= allowed:
                problems.append(f"reminder {tag} went to {sorted(to - allowed)}, not to {sorted(allowed)}")
    return problems


def _addressees(tag: str, records: dict[str, dict[str, Any]], users: dict[str, Any]) -> set[str] | None:
    """Who the reminder with ``tag`` may go to; None for HR's digest (the campaign's address)."""
    parts = tag.split(":")  # rem:{campaign}:{employee id}:{kind}:... or rem:{campaign}:manager|hr:...
    if parts[2] == "hr":
        return None
    if parts[2] == "manager":
        return _addresses_of(users.get(parts[3]) or {})
    fields = records.get(f"{parts[1]}:{parts[2]}") or {}
    side = "ManagerEmail" if parts[3] == "confirm-manager" else "EmployeeEmail"
    return {str(fields.get(side) or "?").lower()}


def _addresses_of(user: dict[str, Any]) -> set[str]:
    return {str(user[k]).lower() for k in ("mail", "userPrincipalName") if user.get(k)}


def _check_tree(data: dict[str, Any], drive_id: str, drive: dict[str, Any], items: dict[str, Any],
                blobs: dict[str, bytes], folder_talk: dict[tuple[str, str], str],
                records: dict[str, dict[str, Any]], users: dict[str, Any], where: str) -> list[str]:
    """The rules over ``items``: a drive's, or what one deletion moved to its recycle bin."""
    problems: list[str] = []
    stamps = {i: s for i, item in items.items() if not item["folder"]
              and (s := _stamp(blobs.get(i))) is not None}
    forms: dict[str, set[str]] = defaultdict(set)
    stamped: dict[str, set[str]] = defaultdict(set)
    for item_id, stamp in stamps.items():
        parent = items[item_id]["parentId"]
        stamped[parent].add(stamp.key)
        if stamp.kind == "form":
            forms[parent].add(stamp.key)
    for folder_id, keys in forms.items():
        if len(keys) > 1:
            problems.append(f"{_path(items, folder_id)} in drive {drive_id}{where} holds the forms of "
                            f"{len(keys)} talks: {sorted(keys)}")
    talk_of: dict[str, str] = {}
    for folder_id in set(stamped) | {f for d, f in folder_talk if d == drive_id and f in items}:
        key = folder_talk.get((drive_id, folder_id))
        if key is None:  # no record names it: the talk its documents are stamped with
            keys = forms.get(folder_id) or stamped[folder_id]
            key = sorted(keys)[0]
        talk_of[folder_id] = key
    for item_id, item in items.items():
        if item["parentId"] is None:
            continue
        problems += _check_item(data, drive_id, drive, items, item_id, talk_of, records, users, where)
    return problems


def _check_item(data: dict[str, Any], drive_id: str, drive: dict[str, Any], items: dict[str, Any],
                item_id: str, talk_of: dict[str, str], records: dict[str, dict[str, Any]],
                users: dict[str, Any], binned: str = "") -> list[str]:
    chain = _chain(items, item_id)  # the item, then its folders up to the root (or the deleted top)
    talk = next((talk_of[i] for i in chain if i in talk_of), None)
    grants: list[dict[str, Any]] = [p for i in chain for p in items[i]["permissions"]]
    where = f"{_path(items, item_id)} in drive {drive_id}{binned}"
    problems = [f"{where}: a sharing link" for p in grants if p.get("link")]
    viewers = {_grantee(p) for p in grants if not p.get("link")}
    if drive.get("ownerId") and not binned:
        # The drive's owner sees all of it; what is in their recycle bin was theirs when it was
        # deleted (a talk folder in the wrong OneDrive is caught while it stands there).
        viewers.add(str(drive["ownerId"]).lower())
    if talk is None:
        if grants:
            problems.append(f"{where} lies outside every talk folder but is shared with "
                            f"{sorted(viewers - {str(drive.get('ownerId') or '').lower()})}")
        return problems
    allowed = _people(talk, records, users)
    strangers = sorted(viewers - allowed)
    if strangers:
        problems.append(f"{where} (talk {talk}) is visible to {strangers}, "
                        f"who are not the talk's employee and manager {sorted(allowed)}")
    return problems


def _people(key: str, records: dict[str, dict[str, Any]], users: dict[str, Any]) -> set[str]:
    fields = records.get(key)
    employee = key.split(":", 1)[1]
    if fields is not None:
        manager = fields.get("ManagerId") or ""
    else:
        manager = (users.get(employee) or {}).get("managerId") or ""
    return {p.lower() for p in (employee, manager) if p}


def _grantee(perm: dict[str, Any]) -> str:
    user = (perm.get("grantedTo") or {}).get("user") or {}
    return str(user.get("id") or user.get("email") or "?").lower()


def _chain(items: dict[str, Any], item_id: str) -> list[str]:
    out = []
    node: str | None = item_id
    while node is not None and node in items:
        out.append(node)
        node = items[node]["parentId"]
    return out


def _path(items: dict[str, Any], item_id: str) -> str:
    names = [items[i]["name"] for i in _chain(items, item_id) if items[i]["parentId"] is not None]
    return "/" + "/".join(reversed(names))


def _stamp(blob: bytes | None) -> Stamp | None:
    return read_stamp(blob) if blob else None


def _records(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The records by key: the list's, and those in the site's recycle bin (still the talk's)."""
    out: dict[str, dict[str, Any]] = {}
    binned = [e["item"] for e in data.get("recycleBin", []) if e["kind"] == "listItem"]
    live = [item for site in data["sites"].values() for lst in site["lists"].values()
            for item in lst["items"].values()]
    for item in binned + live:  # a record in the list wins over one in the bin
        fields = item.get("fields") or {}
        if fields.get("Key") and fields.get("EmployeeId"):
            out[str(fields["Key"])] = fields
    return out
