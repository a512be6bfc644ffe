"""Placing a talk's folder and documents: the prep guide, by which the folder is made or found,
and the form, for :meth:`Talks.place_preps`, :meth:`Talks.place_forms` and
:meth:`Talks.follow_move` in :mod:`plugin.talks`.

Every step looks before it writes, or writes in a way that cannot duplicate, so running it again
after a crash at any point creates nothing twice (docs/architecture.md#one-pass):

- the folder is looked at by path before anything is written: a missing one is created by the
  prep guide's upload, an existing one is used only when it is this talk's (:mod:`plugin.folders`);
  a folder a record points at is used while its owner is the talk's employee or manager;
- the folder is in the employee's OneDrive, or in the manager's when the employee has none
  (never provisioned, or none to find: docs/failures.md#f15) or the campaign keeps folders with
  managers, and the record's note then says why (:data:`FALLBACK_NOTES`);
- the prep guide is uploaded with ``replace``; the form with ``fail``, so a form someone has
  started filling in is never overwritten; when the talk moves, only the date of a form nobody
  has written in is set anew, conditional on the version read (:mod:`plugin.form_date`).
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from connectors.graph import errors
from connectors.graph.addresses import same_id
from connectors.graph.directory import User
from connectors.graph.drive_looks import FolderLook
from connectors.graph.drive_records import DriveItem
from plugin import folders
from plugin.documents import TalkContext
from plugin.form_date import follow_booking
from plugin.records import Record

if TYPE_CHECKING:
    from plugin.talks import Talks

log = logging.getLogger("plugin.talks")  # the talk steps' log, under its name

# The talk documents' file names, by language.
FILE_NAMES = {
    "sv": {"prep": "Förberedelse medarbetarsamtal.docx", "form": "Dokumentation medarbetarsamtal.docx",
           "guide": "Chefens guide till medarbetarsamtal.docx"},
    "en": {"prep": "Employee dialogue preparation.docx", "form": "Employee dialogue documentation.docx",
           "guide": "Manager's guide to employee dialogues.docx"},
}
# Why a talk folder is in the manager's OneDrive when the campaign keeps folders with employees:
# Graph answers 404 "User's mysite not found." for a OneDrive never provisioned, and 400 "Unable to
# retrieve user's mysite URL." for an account with no OneDrive to find (docs/failures.md#f15).
FALLBACK_NOTES = {
    404: "the employee's OneDrive was never provisioned: the folder is in the manager's OneDrive",
    400: ("the employee's OneDrive cannot be found (no OneDrive licence or site): the folder is in "
          "the manager's OneDrive"),
}
_FALLBACK_NOTE = FALLBACK_NOTES[404]
# The talk documents a talk folder holds, by name, in every language; the longest of them.
_DOCUMENT_NAMES = frozenset(FILE_NAMES[lang][kind] for lang in FILE_NAMES for kind in ("prep", "form"))
_LONGEST_FILE_NAME = max(len(n) for names in FILE_NAMES.values() for n in names.values())


@dataclass(frozen=True)
class Folder:
    drive_id: str
    item_id: str
    web_url: str
    owner_id: str  # whose OneDrive holds it
    note: str  # why it is where it is, when that is not the configured place
    segments: list[str]


def place_preps(steps: Talks, talks: Sequence[tuple[User, User, Record | None, TalkContext]]
                ) -> list[tuple[Folder, bool] | errors.GraphError]:
    """:meth:`Talks.place_preps`: the prep guides uploaded into the folders records point at
    (while their owner is one of the talk's two people), the others put into folders by path
    (:func:`_put_in_folders`), in the manager's OneDrive when the employee has none."""
    drive = steps.client.drive
    out: list[tuple[Folder, bool] | errors.GraphError | None] = [None] * len(talks)
    names = [FILE_NAMES[ctx.language]["prep"] for _, _, _, ctx in talks]
    preps = steps.documents.render("prep_guide", [ctx for _, _, _, ctx in talks])
    known = [i for i, (_, _, record, _) in enumerate(talks)
             if record is not None and record.drive_id and record.folder_id]
    by_path = [i for i in range(len(talks)) if i not in set(known)]
    stale = [i for i in known if not _owner_is_party(talks[i])]
    for i, answer in zip(stale, drive.get_items([(talks[i][2].drive_id, talks[i][2].folder_id)  # type: ignore[union-attr]
                                                 for i in stale])):
        # A folder its owner keeps though no longer part of the talk: never used again; once
        # it is gone, the talk gets a new folder.
        record = talks[i][2]
        assert record is not None
        if isinstance(answer, errors.NotFound):
            by_path.append(i)
        else:
            out[i] = answer if isinstance(answer, errors.GraphError) else folders.stale_owner(
                record.folder_owner)
    known = [i for i in known if i not in set(stale)]
    for i, answer in zip(known, drive.upload_many([
            (talks[i][2].drive_id, talks[i][2].folder_id, names[i], preps[i])  # type: ignore[union-attr]
            for i in known])):
        employee, manager, record, _ = talks[i]
        assert record is not None
        if isinstance(answer, errors.NotFound):
            log.info("the folder of %s is gone; preparing it again", employee.id)
            by_path.append(i)
        elif isinstance(answer, errors.GraphError):
            out[i] = answer
        else:
            owner_id = record.folder_owner or employee.id
            with_manager = same_id(owner_id, manager.id) and steps.settings.folders.owner == "employee"
            out[i] = (Folder(record.drive_id, record.folder_id, record.folder_url, owner_id,
                             _fallback_note_of(record) if with_manager else "", []), False)
    in_manager_drive = steps.settings.folders.owner == "manager"
    fallback: dict[int, str] = {}
    for i, placed in zip(by_path, _put_in_folders(steps, talks, by_path, names, preps, in_manager_drive)):
        if isinstance(placed, errors.DriveNotProvisioned) and not in_manager_drive:
            # the employee has no OneDrive: never provisioned (404), or none to find (400)
            fallback[i] = FALLBACK_NOTES[400 if placed.status == 400 else 404]
        else:
            out[i] = placed
    for i, placed in zip(fallback, _put_in_folders(steps, talks, list(fallback), names, preps, True)):
        out[i] = placed if isinstance(placed, errors.GraphError) else (
            dataclasses.replace(placed[0], note=fallback[i]), True)
    assert all(o is not None for o in out), "every talk has an answer"
    return out  # type: ignore[return-value]


def _put_in_folders(steps: Talks, talks: Sequence[tuple[User, User, Record | None, TalkContext]],
                    which: list[int], names: list[str], preps: list[bytes], in_manager_drive: bool
                    ) -> list[tuple[Folder, bool] | errors.GraphError]:
    """The prep guides of ``which`` put into each talk folder, in the manager's or the
    employee's OneDrive. Each path is looked at first (one GET): a missing folder is made by
    the upload by path; an existing one only when it is this talk's (:func:`folders.claim`),
    else the talk gets a clash error and nothing is written."""
    drive = steps.client.drive
    owners = [talks[i][1] if in_manager_drive else talks[i][0] for i in which]
    segments = [_folder_segments(steps, talks[i][0]) for i in which]
    looks = drive.look_at_user_paths([(owner.id, segs) for owner, segs in zip(owners, segments)])
    out: list[tuple[Folder, bool] | errors.GraphError | None] = [
        look if isinstance(look, errors.GraphError) else None for look in looks]
    found = [k for k, look in enumerate(looks) if isinstance(look, FolderLook)]
    claims = [folders.Claim(looks[k], steps.tag(talks[which[k]][0])) for k in found]  # type: ignore[arg-type]
    ours: list[int] = []
    for k, verdict in zip(found, folders.claim(drive, claims, _DOCUMENT_NAMES)):
        if verdict is None:
            ours.append(k)
        else:
            out[k] = verdict if isinstance(verdict, errors.GraphError) else folders.clash(owners[k].id, verdict)
    adopted = [looks[k] for k in ours]
    for k, look, answer in zip(ours, adopted, drive.upload_many(
            [(look.item.drive_id, look.item.id, names[which[k]], preps[which[k]])  # type: ignore[union-attr]
             for k, look in zip(ours, adopted)])):
        assert isinstance(look, FolderLook)
        log.info("the folder of %s was there already and is its own; using it", talks[which[k]][0].id)
        out[k] = answer if isinstance(answer, errors.GraphError) else (
            Folder(look.item.drive_id, look.item.id, look.item.web_url or "", owners[k].id, "",
                   segments[k]), True)
    new = [k for k, look in enumerate(looks) if look is None]
    for k, answer in zip(new, drive.upload_many_to_user_paths(
            [(owners[k].id, segments[k] + [names[which[k]]], preps[which[k]]) for k in new])):
        if isinstance(answer, errors.GraphError):
            out[k] = answer
        elif not answer.parent_id:
            out[k] = errors.GraphError("Graph answered an upload without its folder's id")
        else:
            out[k] = (Folder(answer.drive_id, answer.parent_id, "", owners[k].id, "", segments[k]), True)
    assert all(o is not None for o in out), "every talk has an answer"
    return out  # type: ignore[return-value]


def _owner_is_party(talk: tuple[User, User, Record | None, TalkContext]) -> bool:
    """Whether the record's folder is in the OneDrive of the talk's employee or manager."""
    employee, manager, record, _ = talk
    owner = (record.folder_owner if record is not None else "") or employee.id
    return same_id(owner, employee.id) or same_id(owner, manager.id)


def _folder_segments(steps: Talks, employee: User) -> list[str]:
    """Where the talk folder is in whichever OneDrive holds it: the same name in every drive,
    the employee's whole object id in it (:func:`folders.talk_folder_name`)."""
    campaign = folders.campaign_segments(steps.settings.folders.path)
    return campaign + [folders.talk_folder_name(employee, campaign, _LONGEST_FILE_NAME)]


def place_forms(steps: Talks, talks: Sequence[tuple[Folder, TalkContext]]) -> list[DriveItem | errors.GraphError]:
    """:meth:`Talks.place_forms`: the forms uploaded with ``fail``; one already there (a
    previous pass) is found by name in the folder and kept."""
    drive = steps.client.drive
    names = [FILE_NAMES[ctx.language]["form"] for _, ctx in talks]
    forms = steps.documents.render("form", [ctx for _, ctx in talks])
    answers = drive.upload_many(
        [(folder.drive_id, folder.item_id, name, data)
         for (folder, _), name, data in zip(talks, names, forms)], conflict="fail")
    out: list[DriveItem | errors.GraphError] = []
    for (folder, _), name, answer in zip(talks, names, answers):
        if isinstance(answer, errors.Conflict):  # already there (a previous pass): keep it
            try:
                found = [c for c in drive.list_children(folder.drive_id, folder.item_id)
                         if c.name.casefold() == name.casefold()]
            except errors.GraphError as err:
                answer = err
            else:
                answer = found[0] if found else answer
        out.append(answer)
    return out


def follow_move(steps: Talks, folder: Folder, record: Record, ctx: TalkContext) -> tuple[DriveItem | None, str]:
    """:meth:`Talks.follow_move`: the form's date set anew unless someone wrote in it; a form
    that is gone placed again."""
    if ctx.meeting_start is None:
        raise ValueError("a moved talk has its new time")
    day = ctx.meeting_start.astimezone(ZoneInfo(ctx.time_zone)).date()
    try:
        note = follow_booking(steps.client.drive, record, day, templates_dir=steps.settings.templates.directory)
    except errors.NotFound:
        log.info("the form of %s is gone; placing it again", record.employee_id)
        return steps.place_form(folder, ctx), ""
    return None, note


def _fallback_note_of(record: Record) -> str:
    """The fallback note a record of a folder in the manager's OneDrive already gives."""
    return next((n for n in FALLBACK_NOTES.values() if n in record.note), _FALLBACK_NOTE)
