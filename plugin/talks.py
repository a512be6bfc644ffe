"""Doing one talk in the tenant: its folder, documents and share, and its meeting.

Every step looks before it writes, or writes in a way that cannot duplicate, so running it again
after a crash at any point creates nothing twice (docs/architecture.md#one-pass):

- the folder is looked at by path before anything is written: a missing one is created by the
  prep guide's upload, an existing one is used only when it is this talk's (:mod:`plugin.folders`);
- the prep guide is uploaded with ``replace``; the form with ``fail``, so a form someone has
  started filling in is never overwritten; when the talk moves, only the date of a form nobody
  has written in is set anew, conditional on the version read (:mod:`plugin.form_date`);
- ``invite`` grants the same permission again rather than a second one, and only to the one
  other person of the talk (the folder's owner is the other), checked by object id or address;
- the meeting is looked up by the record key stored on it before one is created, and created with
  a ``transactionId`` derived from the key, the manager and the meeting this booking replaces
  (:meth:`Talks.transaction_id`): the same for a create sent again, a new one for a new booking;
- a meeting that came back without the Teams link asked for (the organiser's calendar allows no
  Teams meetings, docs/failures.md#c5) has its invitation updated to say so (again only when a
  pass stopped before its record was written), and its record a note.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from connectors.graph import errors
from connectors.graph.calendar_records import Event, EventDraft
from connectors.graph.client import GraphClient
from connectors.graph.addresses import same_id
from connectors.graph.directory import User
from connectors.graph.drive_looks import FolderLook
from connectors.graph.drive_records import DriveItem
from plugin import folders, sharing
from plugin.documents import ManagerContext, TalkContext, choose_language, render_manager_guide
from plugin.documents.workers import DocumentWorkers
from plugin.form_date import follow_booking
from plugin.invitations import NO_TEAMS_NOTE, cancel_comment, invitation_body, invitation_subject
from plugin.records import Record, Status
from plugin.settings import Settings

log = logging.getLogger(__name__)

_NAMESPACE = uuid.UUID("5f1d2c8e-3b7a-4e59-9d0a-6c2b1e7f4a13")
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


_R = TypeVar("_R")


def _raised(answer: _R | errors.GraphError) -> _R:
    """The answer of a one-item call to a batched method, its error raised."""
    if isinstance(answer, errors.GraphError):
        raise answer
    return answer


def address_of(user: User) -> str:
    """Where the user's invitation and share go (:attr:`User.address`); compare with
    :attr:`User.address_key` / :attr:`User.addresses`, never with this."""
    return user.address


@dataclass(frozen=True)
class Folder:
    drive_id: str
    item_id: str
    web_url: str
    owner_id: str  # whose OneDrive holds it
    note: str  # why it is where it is, when that is not the configured place
    segments: list[str]


class Talks:
    """Named steps on one talk; thread-safe (one instance is shared by the pass's workers)."""

    def __init__(self, client: GraphClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self._guides_done: set[str] = set()
        self._lock = threading.Lock()
        # renders in this thread unless the pass hands it worker processes for a large round
        self.documents = DocumentWorkers(0, settings.templates.directory)

    # ------------------------------------------------------------------ language and names
    def language(self, user: User) -> str:
        return choose_language(user.preferred_language, self.settings.language.default)

    def _segments(self) -> list[str]:
        return folders.campaign_segments(self.settings.folders.path)

    # ------------------------------------------------------------------ folder and documents
    def prepare(self, employee: User, manager: User, record: Record | None, ctx: TalkContext,
                *, prep_only: bool = False) -> tuple[Folder, DriveItem | None]:
        """The talk folder with the prep guide (replaced) and the form (never replaced)."""
        folder, fresh = self.place_prep(employee, manager, record, ctx)
        if fresh:
            found = self.client.drive.get_item(folder.drive_id, folder.item_id)
            folder = self.with_url(folder, found)
        elif prep_only:
            return folder, None
        return folder, self.place_form(folder, ctx)

    def place_prep(self, employee: User, manager: User, record: Record | None,
                   ctx: TalkContext) -> tuple[Folder, bool]:
        """Upload the prep guide (replaced): into the record's folder when it still exists, else
        by path, which creates the missing folders in the same request: in the employee's
        OneDrive, or in the manager's when the employee's was never provisioned (or the campaign
        keeps folders with managers). Returns the folder and whether it is new to the record,
        in which case its web URL is not known yet (:meth:`with_url`).
        """
        return _raised(self.place_preps([(employee, manager, record, ctx)])[0])

    def place_preps(self, talks: Sequence[tuple[User, User, Record | None, TalkContext]]
                    ) -> list[tuple[Folder, bool] | errors.GraphError]:
        """:meth:`place_prep` for many ``(employee, manager, record, ctx)``, the uploads in
        ``$batch`` calls; one answer each, in order: the folder and whether it is new, or the
        error."""
        drive = self.client.drive
        out: list[tuple[Folder, bool] | errors.GraphError | None] = [None] * len(talks)
        names = [FILE_NAMES[ctx.language]["prep"] for _, _, _, ctx in talks]
        preps = self.documents.render("prep_guide", [ctx for _, _, _, ctx in talks])
        known = [i for i, (_, _, record, _) in enumerate(talks)
                 if record is not None and record.drive_id and record.folder_id]
        by_path = [i for i in range(len(talks)) if i not in set(known)]
        stale = [i for i in known if not self._owner_is_party(talks[i])]
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
                with_manager = same_id(owner_id, manager.id) and self.settings.folders.owner == "employee"
                out[i] = (Folder(record.drive_id, record.folder_id, record.folder_url, owner_id,
                                 _fallback_note_of(record) if with_manager else "", []), False)
        in_manager_drive = self.settings.folders.owner == "manager"
        fallback: dict[int, str] = {}
        for i, placed in zip(by_path, self._put_in_folders(talks, by_path, names, preps, in_manager_drive)):
            if isinstance(placed, errors.DriveNotProvisioned) and not in_manager_drive:
                # the employee has no OneDrive: never provisioned (404), or none to find (400)
                fallback[i] = FALLBACK_NOTES[400 if placed.status == 400 else 404]
            else:
                out[i] = placed
        for i, placed in zip(fallback, self._put_in_folders(talks, list(fallback), names, preps, True)):
            out[i] = placed if isinstance(placed, errors.GraphError) else (
                dataclasses.replace(placed[0], note=fallback[i]), True)
        assert all(o is not None for o in out), "every talk has an answer"
        return out  # type: ignore[return-value]

    def _put_in_folders(self, talks: Sequence[tuple[User, User, Record | None, TalkContext]],
                        which: list[int], names: list[str], preps: list[bytes], in_manager_drive: bool
                        ) -> list[tuple[Folder, bool] | errors.GraphError]:
        """The prep guides of ``which`` put into each talk folder, in the manager's or the
        employee's OneDrive. Each path is looked at first (one GET): a missing folder is made by
        the upload by path; an existing one only when it is this talk's (:func:`folders.claim`),
        else the talk gets a clash error and nothing is written."""
        drive = self.client.drive
        owners = [talks[i][1] if in_manager_drive else talks[i][0] for i in which]
        segments = [self._folder_segments(talks[i][0]) for i in which]
        looks = drive.look_at_user_paths([(owner.id, segs) for owner, segs in zip(owners, segments)])
        out: list[tuple[Folder, bool] | errors.GraphError | None] = [
            look if isinstance(look, errors.GraphError) else None for look in looks]
        found = [k for k, look in enumerate(looks) if isinstance(look, FolderLook)]
        claims = [folders.Claim(looks[k], self.tag(talks[which[k]][0])) for k in found]  # type: ignore[arg-type]
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

    def _owner_is_party(self, talk: tuple[User, User, Record | None, TalkContext]) -> bool:
        """Whether the record's folder is in the OneDrive of the talk's employee or manager."""
        employee, manager, record, _ = talk
        owner = (record.folder_owner if record is not None else "") or employee.id
        return same_id(owner, employee.id) or same_id(owner, manager.id)

    @staticmethod
    def with_url(folder: Folder, found: DriveItem) -> Folder:
        """``folder`` with the id and web URL Graph gives for it."""
        return Folder(folder.drive_id, found.id, found.web_url or "", folder.owner_id, folder.note,
                      folder.segments)

    def _folder_segments(self, employee: User) -> list[str]:
        """Where the talk folder is in whichever OneDrive holds it: the same name in every drive,
        the employee's whole object id in it (:func:`folders.talk_folder_name`)."""
        campaign = self._segments()
        return campaign + [folders.talk_folder_name(employee, campaign, _LONGEST_FILE_NAME)]

    def place_form(self, folder: Folder, ctx: TalkContext) -> DriveItem:
        """Upload the form with ``fail``: one already there (a previous pass) is kept."""
        return _raised(self.place_forms([(folder, ctx)])[0])

    def place_forms(self, talks: Sequence[tuple[Folder, TalkContext]]) -> list[DriveItem | errors.GraphError]:
        """:meth:`place_form` for many ``(folder, ctx)``, the uploads in ``$batch`` calls; one
        answer each, in order: the form's item or the error."""
        drive = self.client.drive
        names = [FILE_NAMES[ctx.language]["form"] for _, ctx in talks]
        forms = self.documents.render("form", [ctx for _, ctx in talks])
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

    def follow_move(self, folder: Folder, record: Record, ctx: TalkContext) -> tuple[DriveItem | None, str]:
        """The form of ``record``, whose talk moves to ``ctx``'s time: its date follows the new
        booking unless someone has written in it (:func:`plugin.form_date.follow_booking`). A
        form that is gone is placed anew. Returns the new form's item when one was placed, and
        the note for the record (empty unless the form's date stays different)."""
        if ctx.meeting_start is None:
            raise ValueError("a moved talk has its new time")
        day = ctx.meeting_start.astimezone(ZoneInfo(ctx.time_zone)).date()
        try:
            note = follow_booking(self.client.drive, record, day, templates_dir=self.settings.templates.directory)
        except errors.NotFound:
            log.info("the form of %s is gone; placing it again", record.employee_id)
            return self.place_form(folder, ctx), ""
        return None, note

    def share(self, folder: Folder, employee: User, manager: User) -> None:
        """Share with the other person of the talk: write, sign-in required, no link."""
        err = self.share_many([(folder, employee, manager)])[0]
        if err is not None:
            raise err

    def share_many(self, talks: list[tuple[Folder, User, User]]) -> list[errors.GraphError | None]:
        """:meth:`share` for many ``(folder, employee, manager)`` in ``$batch`` calls; one answer
        each, in order: None when shared, else the error (:func:`sharing.share_many`)."""
        others = [manager if same_id(folder.owner_id, employee.id) else employee for folder, employee, manager in talks]
        return sharing.share_many(self.client.drive, [
            (folder.drive_id, folder.item_id, other, address_of(other)) for (folder, _, _), other in zip(talks, others)])

    def unshare(self, folder: Folder, person: User, key: str) -> None:
        """Take back a former manager's access to talk ``key``'s folder (:func:`sharing.unshare`)."""
        sharing.unshare(self.client.drive, folder.drive_id, folder.item_id, person, key)

    # ------------------------------------------------------------------ documents
    def context(self, employee: User, manager: User, start: datetime | None,
                end: datetime | None, previous: Record | None) -> TalkContext:
        s = self.settings
        return TalkContext(
            campaign_id=s.campaign.id, campaign_title=s.campaign.title,
            employee_id=employee.id, employee_name=employee.display_name,
            manager_name=manager.display_name, department=employee.department or "",
            meeting_start=start, meeting_end=end, time_zone=s.meetings.zone.iana,
            language=self.language(employee),
            previous_goals=str(previous.form.get("goals") or "") if previous else "",
            previous_development_plan=str(previous.form.get("development_plan") or "") if previous else "",
        )

    def ensure_manager_guide(self, manager: User, team_size: int) -> None:
        """The manager's guide, once per manager per campaign, in the manager's own OneDrive
        (beside, never inside, the talk folders). One request; an existing guide is kept."""
        for err in self.ensure_manager_guides([(manager, team_size)]).values():
            raise err

    def ensure_manager_guides(self, managers: Sequence[tuple[User, int]]) -> dict[str, errors.GraphError]:
        """:meth:`ensure_manager_guide` for many ``(manager, team_size)``, in ``$batch`` calls;
        the managers whose guide could not be placed, with the error."""
        with self._lock:
            todo: dict[str, tuple[User, int]] = {}
            for manager, size in managers:
                if manager.id not in self._guides_done:
                    self._guides_done.add(manager.id)
                    todo[manager.id] = (manager, size)
        s = self.settings
        files = []
        for manager, size in todo.values():
            language = self.language(manager)
            data = render_manager_guide(ManagerContext(s.campaign.id, s.campaign.title,
                                                       manager.display_name, language, size),
                                        templates_dir=s.templates.directory)
            files.append((manager.id, self._segments() + [FILE_NAMES[language]["guide"]], data))
        failed: dict[str, errors.GraphError] = {}
        for manager_id, answer in zip(todo, self.client.drive.upload_many_to_user_paths(files, conflict="fail")):
            if isinstance(answer, errors.DriveNotProvisioned):
                log.info("manager %s has no OneDrive; the manager's guide is not placed", manager_id)
            elif isinstance(answer, errors.GraphError) and not isinstance(answer, errors.Conflict):
                failed[manager_id] = answer  # a Conflict is a guide already there: kept
        return failed

    def folder_of(self, record: Record) -> Folder:
        """The folder a record points at (no request)."""
        return Folder(record.drive_id, record.folder_id, record.folder_url,
                      record.folder_owner or record.employee_id, "", [])

    # ------------------------------------------------------------------ meeting
    def tag(self, employee: User) -> str:
        return f"{self.tag_prefix()}{employee.id}"

    def tag_prefix(self) -> str:
        """What every tag of this campaign's meetings starts with (:meth:`tag`)."""
        return f"{self.settings.campaign.id}:"

    def find_event(self, manager: User, employee: User) -> Event | None:
        for event in self.client.calendar.find_events_by_tag(manager.id, self.tag(employee)):
            if not event.is_cancelled:
                return event
        return None

    def find_events(self, pairs: list[tuple[User, User]]) -> list[Event | None | errors.GraphError]:
        """:meth:`find_event` for many ``(manager, employee)`` in ``$batch`` calls; in order."""
        answers = self.client.calendar.find_events_by_tags([(m.id, self.tag(e)) for m, e in pairs])
        return [a if isinstance(a, errors.GraphError) else next((ev for ev in a if not ev.is_cancelled), None)
                for a in answers]

    def find_events_by_manager(self, managers: list[User]) -> list[dict[str, Event] | errors.GraphError]:
        """The campaign's live meetings in each of ``managers``' calendars, one listing per manager
        in ``$batch`` calls; in order. Each answer maps a tag (:meth:`tag`, lower-cased: Exchange
        compares an extended property's value without case, so the per-talk lookup finds a tag
        in any case, and so must this) to the first event carrying it that is not cancelled, as
        :meth:`find_event` picks it, or is the error that manager's listing met."""
        answers = self.client.calendar.find_events_by_tag_prefix([m.id for m in managers], self.tag_prefix())
        out: list[dict[str, Event] | errors.GraphError] = []
        for answer in answers:
            if isinstance(answer, errors.GraphError):
                out.append(answer)
                continue
            live: dict[str, Event] = {}
            for event in answer:
                if event.tag is not None and not event.is_cancelled:
                    live.setdefault(event.tag.lower(), event)
            out.append(live)
        return out

    def transaction_id(self, employee: User, manager: User, replaces: str = "") -> str:
        """The ``transactionId`` of a booking of ``employee``'s talk with ``manager``: derived from
        the talk's key, the manager and the meeting this booking replaces (the record's event id,
        empty for a first booking). A create sent again for the same booking (the connection
        dropped, a pass stopped before writing the record) sends the same id, so Exchange can drop
        the repeat; a new booking after a cancelled or deleted meeting sends a new one, so Exchange
        never answers it with the old meeting (docs/failures.md#t16)."""
        booking = f"{self.tag(employee)}:{manager.id}" + (f":{replaces}" if replaces else "")
        return str(uuid.uuid5(_NAMESPACE, booking))

    def _body(self, employee: User, manager: User, folder_url: str, language: str, *,
              no_teams: bool = False) -> str:
        m = self.settings.meetings
        return invitation_body(language, employee.display_name, manager.display_name, folder_url,
                               self.settings.campaign.title, place=m.location,
                               online=m.online == "teams", no_teams=no_teams)

    def draft(self, employee: User, manager: User, start: datetime, end: datetime,
              folder_url: str, replaces: str = "") -> EventDraft:
        """The meeting of a booking; ``replaces`` is the id of the meeting it replaces, if any
        (:meth:`transaction_id`)."""
        language = self.language(employee)
        subject = invitation_subject(language, employee.display_name, manager.display_name)
        return EventDraft(
            subject=subject[:255], body_html=self._body(employee, manager, folder_url, language),
            start=start, end=end, time_zone=self.settings.meetings.zone.windows,
            attendees=((address_of(employee), employee.display_name),),
            tag=self.tag(employee), transaction_id=self.transaction_id(employee, manager, replaces),
            online_meeting=self.settings.meetings.online == "teams",
            location=self.settings.meetings.location,
            categories=(self.settings.campaign.title[:255],),
        )

    def book(self, employee: User, manager: User, start: datetime, end: datetime,
             folder_url: str, replaces: str = "") -> Event:
        return self.client.calendar.create_event(
            manager.id, self.draft(employee, manager, start, end, folder_url, replaces))

    def book_many(self, talks: list[tuple[User, User, datetime, datetime, str, str]]
                  ) -> list[Event | errors.GraphError]:
        """:meth:`book` for many ``(employee, manager, start, end, folder_url, replaces)`` in
        ``$batch`` calls, never twice (:meth:`Calendar.create_events`); in order."""
        return self.client.calendar.create_events(
            [(m.id, self.draft(e, m, start, end, url, replaces)) for e, m, start, end, url, replaces in talks])

    def lacks_teams(self, event: Event) -> bool:
        """Whether ``event`` came without the Teams link the campaign asks for: Graph books the
        meeting all the same, with ``isOnlineMeeting: false``, when the organiser's calendar
        allows no Teams meetings (docs/failures.md#c5)."""
        return self.settings.meetings.online == "teams" and not event.join_url

    def meeting_note(self, event: Event) -> str:
        """The record's note about the meeting itself: why it has no Teams link, if it has none."""
        return NO_TEAMS_NOTE if self.lacks_teams(event) else ""

    def tell_no_teams(self, employee: User, manager: User, event: Event, folder_url: str) -> Event:
        """Have the invitation of ``event`` (booked without its Teams link) say so, and where
        the talk is held when ``meetings.location`` is set: Exchange sends the employee the
        updated invitation."""
        body = self._body(employee, manager, folder_url, self.language(employee), no_teams=True)
        return self.client.calendar.update_event(manager.id, event.id, body_html=body)

    def move(self, manager_id: str, event_id: str, start: datetime, end: datetime) -> Event:
        return self.client.calendar.update_event(manager_id, event_id, start=start, end=end,
                                                 time_zone=self.settings.meetings.zone.windows)

    def cancel(self, manager_id: str, event_id: str, language: str, *, why: str = "scope") -> None:
        """Cancel the meeting, telling the attendee why: ``scope`` (a new manager or a change of
        scope) or ``window`` (declined, and the campaign window is over)."""
        comment = cancel_comment(why, language)
        try:
            self.client.calendar.cancel_event(manager_id, event_id, comment)
        except errors.NotFound:
            pass


def scheduled_record(base: Record, employee: User, manager: User, folder: Folder,
                     form: DriveItem | None, event: Event, language: str, meeting_note: str = "") -> Record:
    """The record of a booked, prepared talk; its note says why the folder is where it is and
    anything to know about the meeting (``meeting_note``)."""
    return base.with_changes(
        employee_name=employee.display_name, employee_email=address_of(employee),
        manager_id=manager.id, manager_email=address_of(manager),
        manager_name=manager.display_name, department=employee.department or "",
        status=Status.SCHEDULED, meeting_start=event.start, meeting_end=event.end,
        event_id=event.id, folder_url=folder.web_url,
        document_url=(form.web_url or "") if form else base.document_url,
        note="; ".join(n for n in (folder.note, meeting_note) if n), language=language, drive_id=folder.drive_id,
        folder_id=folder.item_id, folder_owner=folder.owner_id, form_item_id=form.id if form else base.form_item_id,
        shared=True,
    )


def _fallback_note_of(record: Record) -> str:
    """The fallback note a record of a folder in the manager's OneDrive already gives."""
    return next((n for n in FALLBACK_NOTES.values() if n in record.note), _FALLBACK_NOTE)
