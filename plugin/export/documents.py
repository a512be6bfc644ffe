"""The documents in one person's talk folders, as they are now, and only those that are theirs.

A talk folder is the folder a record names (``DriveId``/``FolderId``); the form the record names
(``FormItemId``) is looked at too when someone moved it out of the folder. Every file there is
read for its talk stamp (:mod:`plugin.documents.stamp`): the custom properties samtal writes
into each prep guide and form it makes, which Word and LibreOffice keep on save.

- A file stamped with the record's own talk (campaign and the person's object id) is exported:
  the prep guide and the form with everything in it, health notes and feedback to the manager
  included (they are the person's own talk).
- Anything else is left out and counted, never exported: a file stamped with another talk (a
  colleague's form copied in by mistake), a file samtal did not make (notes someone put there,
  a form re-typed into a new document), a sub-folder, a file larger than samtal reads. samtal
  cannot tell whose data such a file holds; the person can see it in their own folder, and
  HR is told which files they are, to look at by hand.

Nothing is written to the tenant: the folder is listed, and the files downloaded, in
``$batch`` calls of at most :data:`READ_AT_ONCE` files held in memory at a time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from connectors.graph import errors
from connectors.graph.addresses import same_id
from connectors.graph.drive import Drive
from connectors.graph.drive_records import DriveItem
from connectors.graph.lists import ListItem
from plugin.documents.safety import MAX_FILE_BYTES
from plugin.documents.stamp import read_stamp

READ_AT_ONCE = 8
OTHER_TALK = "another talk's document"
NOT_SAMTAL = "not a document samtal made for this talk"
SUB_FOLDER = "a folder"
TOO_LARGE = "larger than samtal reads"


@dataclass(frozen=True)
class Document:
    campaign: str
    name: str                    # its name in OneDrive
    kind: str                    # the stamp's kind: prep_guide, form
    data: bytes = field(repr=False)
    modified: datetime | None


@dataclass(frozen=True)
class LeftOut:
    """A file in a talk folder that is not exported. Its name is for the administrator's
    terminal only, never for the export (it may name someone else)."""

    campaign: str
    name: str
    reason: str
    folder_url: str


@dataclass
class TalkFiles:
    documents: list[Document] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)       # campaigns whose folder no longer exists
    no_folder: list[str] = field(default_factory=list)  # campaigns whose talk never had one


@dataclass(frozen=True)
class _Candidate:
    campaign: str
    employee_id: str
    item: DriveItem
    folder_url: str


def talk_files(drive: Drive, items: list[ListItem]) -> TalkFiles:
    """The documents of the talks ``items`` record (module docstring)."""
    out = TalkFiles()
    folders: set[tuple[str, str]] = set()
    seen: set[tuple[str, str]] = set()
    candidates: list[_Candidate] = []
    for item in items:
        fields = item.fields
        campaign, employee = _text(fields.get("Campaign")), _text(fields.get("EmployeeId"))
        drive_id, folder_id = _text(fields.get("DriveId")), _text(fields.get("FolderId"))
        folder_url = _text(fields.get("FolderUrl"))
        if not drive_id or not folder_id:
            out.no_folder.append(campaign)
            continue
        if (drive_id, folder_id) in folders:
            continue
        folders.add((drive_id, folder_id))
        try:
            children = list(drive.list_children(drive_id, folder_id))
        except errors.NotFound:
            out.gone.append(campaign)
            children = []
        form_id = _text(fields.get("FormItemId"))
        if form_id and form_id not in {c.id for c in children}:
            try:  # the form the record names, moved out of its folder
                children.append(drive.get_item(drive_id, form_id))
            except errors.NotFound:
                pass
        for child in children:
            if (child.drive_id, child.id) in seen:
                continue
            seen.add((child.drive_id, child.id))
            if child.is_folder:
                out.left_out.append(LeftOut(campaign, child.name, SUB_FOLDER, folder_url))
            elif child.size > MAX_FILE_BYTES:
                out.left_out.append(LeftOut(campaign, child.name, TOO_LARGE, folder_url))
            else:
                candidates.append(_Candidate(campaign, employee, child, folder_url))
    for start in range(0, len(candidates), READ_AT_ONCE):
        _judge(drive, candidates[start:start + READ_AT_ONCE], out)
    return out


def _judge(drive: Drive, candidates: list[_Candidate], out: TalkFiles) -> None:
    answers = drive.download_many([(c.item.drive_id, c.item.id) for c in candidates])
    for c, data in zip(candidates, answers):
        if isinstance(data, errors.NotFound):
            continue  # deleted while the export ran: no longer held
        if isinstance(data, errors.GraphError):
            raise data
        stamp = read_stamp(data)
        if stamp is None:
            out.left_out.append(LeftOut(c.campaign, c.item.name, NOT_SAMTAL, c.folder_url))
        elif not _same_talk(stamp.key, c.campaign, c.employee_id):
            out.left_out.append(LeftOut(c.campaign, c.item.name, OTHER_TALK, c.folder_url))
        else:
            out.documents.append(Document(c.campaign, c.item.name, stamp.kind, data, c.item.last_modified))


def _same_talk(stamp_key: str, campaign: str, employee_id: str) -> bool:
    """Whether a document stamped ``stamp_key`` (``{campaign}:{object id}``) is this talk's."""
    stamped_campaign, _, stamped_employee = stamp_key.rpartition(":")
    return stamped_campaign == campaign and same_id(stamped_employee, employee_id)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
