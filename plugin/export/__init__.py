"""One person's records on request (``samtal export``): everything samtal holds about one
person, across every campaign in the records list, and nothing about anyone else.

What is exported (docs/records.md#requests-for-access):

- the person's list items: every item whose ``EmployeeId`` is theirs (:mod:`.items`), as
  ``records.csv`` (the project's one CSV format, :mod:`plugin.report.csv_export`) and
  ``records.json`` (every field, times in ISO 8601);
- the documents samtal made for those talks, as they are now (:mod:`.documents`), under
  ``<campaign>/``;
- ``README.txt`` saying what each file is and what is left out and why (:mod:`.readme`).

Talks the person held as a manager are about their employees and are not exported; nor are
team overviews (a team's answers side by side). Who ``--employee`` names is resolved in
:mod:`.person`; the local folder is written by :mod:`.disk`. Reading only: nothing is written
to the tenant, so no lease is taken.

Public API::

    from plugin.export import collect, write_export
    collect(client, settings, who) -> Collected          # reads the tenant; PersonError for nobody
    write_export(collected, out, *, force=False) -> Written   # OutDirError for a folder in use
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from connectors.graph.addresses import address_key
from connectors.graph.client import GraphClient
from connectors.graph.lists import ListItem
from plugin.documents import choose_language
from plugin.export.disk import MARKER, ExportWriter, OutDirError, local_name
from plugin.export.documents import LeftOut, TalkFiles, talk_files
from plugin.export.items import Keep, campaigns, exported_fields, records_of
from plugin.export.person import Person, PersonError, find_person
from plugin.export.readme import Contents, ExportedFile, readme_text
from plugin.records import from_fields
from plugin.report.csv_export import records_csv_bytes
from plugin.settings import Settings
from plugin.store import RecordStore

README, CSV, JSON = "README.txt", "records.csv", "records.json"

__all__ = ["Collected", "OutDirError", "PersonError", "Written", "collect", "write_export"]


@dataclass(frozen=True)
class Collected:
    """What samtal holds about one person, read from the tenant."""

    person: Person
    items: tuple[ListItem, ...]
    files: TalkFiles
    site: str
    list_name: str
    list_found: bool
    exported_at: datetime
    default_language: str


@dataclass(frozen=True)
class Written:
    out: Path
    records: int
    campaigns: tuple[str, ...]
    documents: tuple[str, ...]       # paths relative to ``out``
    left_out: tuple[LeftOut, ...]


def collect(client: GraphClient, settings: Settings, who: str) -> Collected:
    """Read everything samtal holds about the person ``who`` names (a UPN, mail or object id).
    Raises :class:`PersonError` when it names nobody samtal knows, or several people."""
    store = RecordStore.open_existing(client.lists, settings.records.site, settings.records.list)
    person = find_person(client.directory, store, who)
    items = records_of(store, person.id) if store is not None else []
    return Collected(person, tuple(items), talk_files(client.drive, items), settings.records.site,
                     settings.records.list, store is not None, settings.now, settings.language.default)


def write_export(c: Collected, out: Path, *, force: bool = False) -> Written:
    """Write the export into ``out`` (new or empty; with ``force``, a previous export there is
    replaced). A failure removes what was written. Raises :class:`OutDirError`."""
    writer = ExportWriter(out, force=force)
    try:
        written = _write(c, writer)
        writer.finish()
    except BaseException:
        writer.abandon()
        raise
    return written


def _write(c: Collected, writer: ExportWriter) -> Written:
    keep = Keep(frozenset({c.person.id}), frozenset(address_key(a) for a in c.person.addresses),
                frozenset({c.person.name} - {""}))
    fields = [exported_fields(item.fields, keep) for item in c.items]
    taken = {name.casefold() for name in (README, CSV, JSON, MARKER)}
    folders: dict[str, str] = {}
    names: dict[str, set[str]] = {}
    files: list[ExportedFile] = []
    listed: list[dict[str, Any]] = []
    for doc in c.files.documents:
        if doc.campaign not in folders:
            folders[doc.campaign] = writer.folder(local_name(doc.campaign or "campaign", taken))
            names[doc.campaign] = set()
        path = writer.file(folders[doc.campaign], local_name(doc.name, names[doc.campaign]), doc.data)
        files.append(ExportedFile(path, doc.campaign, doc.kind, doc.modified))
        listed.append({"path": path, "campaign": doc.campaign, "kind": doc.kind, "name_in_onedrive": doc.name,
                       "last_modified": _iso(doc.modified), "bytes": len(doc.data)})
    records = [from_fields(f, item.id) for f, item in zip(fields, c.items)]
    writer.file("", CSV, records_csv_bytes(records))
    reminder_columns = tuple(sorted({name for f in fields for name in f if "reminder" in name.lower()}))
    left_counts: dict[str, int] = {}
    for left in c.files.left_out:
        left_counts[left.campaign] = left_counts.get(left.campaign, 0) + 1
    document = {
        "samtal_export": 1,
        "exported_at": _iso(c.exported_at),
        "source": {"site": c.site, "list": c.list_name, "list_found": c.list_found},
        "person": {"object_id": c.person.id, "name": c.person.name, "addresses": list(c.person.addresses),
                   "in_directory": c.person.in_directory},
        "records": [{"item_id": item.id, "fields": f} for item, f in zip(c.items, fields)],
        "documents": listed,
        "not_exported": [{"campaign": k, "files": n} for k, n in sorted(left_counts.items())],
        "folders_gone": list(c.files.gone),
        "no_folder": list(c.files.no_folder),
    }
    writer.file("", JSON, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    found = tuple(campaigns(c.items))
    contents = Contents(
        name=c.person.name, object_id=c.person.id, addresses=c.person.addresses,
        in_directory=c.person.in_directory, exported_at=c.exported_at,
        site=c.site, list_name=c.list_name, list_found=c.list_found,
        campaigns=found, files=tuple(files), left_out=tuple(c.files.left_out), gone=tuple(c.files.gone),
        no_folder=tuple(c.files.no_folder), reminder_columns=reminder_columns)
    language = c.person.preferred_language or next(
        (str(f["Language"]) for f in reversed(fields) if f.get("Language")), None)
    text = readme_text(contents, choose_language(language, c.default_language))
    writer.file("", README, text.encode("utf-8"))
    return Written(writer.out, len(c.items), found, tuple(f.path for f in files), tuple(c.files.left_out))


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
