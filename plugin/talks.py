"""Doing one talk in the tenant: its folder, documents and share, and its meeting.

Every step looks before it writes, or writes in a way that cannot duplicate, so running it again
after a crash at any point creates nothing twice (docs/architecture.md#one-pass):

- the folder and its documents are placed by :mod:`plugin.placement`: the folder looked at by
  path before anything is written, the prep guide uploaded with ``replace``, the form with
  ``fail``, and only the date of a form nobody has written in set anew when the talk moves;
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

import logging
import threading
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from connectors.graph import errors
from connectors.graph.calendar_records import Event, EventDraft
from connectors.graph.client import GraphClient
from connectors.graph.addresses import same_id
from connectors.graph.directory import User
from connectors.graph.drive_records import DriveItem
from plugin import folders, placement, sharing
from plugin.documents import ManagerContext, TalkContext, choose_language, render_manager_guide
from plugin.documents.workers import DocumentWorkers
from plugin.invitations import NO_TEAMS_NOTE, cancel_comment, invitation_body, invitation_subject
from plugin.placement import FILE_NAMES, Folder
from plugin.records import Record, Status
from plugin.settings import Settings

log = logging.getLogger(__name__)

_NAMESPACE = uuid.UUID("5f1d2c8e-3b7a-4e59-9d0a-6c2b1e7f4a13")


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
        return placement.place_preps(self, talks)

    @staticmethod
    def with_url(folder: Folder, found: DriveItem) -> Folder:
        """``folder`` with the id and web URL Graph gives for it."""
        return Folder(folder.drive_id, found.id, found.web_url or "", folder.owner_id, folder.note,
                      folder.segments)

    def place_form(self, folder: Folder, ctx: TalkContext) -> DriveItem:
        """Upload the form with ``fail``: one already there (a previous pass) is kept."""
        return _raised(self.place_forms([(folder, ctx)])[0])

    def place_forms(self, talks: Sequence[tuple[Folder, TalkContext]]) -> list[DriveItem | errors.GraphError]:
        """:meth:`place_form` for many ``(folder, ctx)``, the uploads in ``$batch`` calls; one
        answer each, in order: the form's item or the error."""
        return placement.place_forms(self, talks)

    def follow_move(self, folder: Folder, record: Record, ctx: TalkContext) -> tuple[DriveItem | None, str]:
        """The form of ``record``, whose talk moves to ``ctx``'s time: its date follows the new
        booking unless someone has written in it (:func:`plugin.form_date.follow_booking`). A
        form that is gone is placed anew. Returns the new form's item when one was placed, and
        the note for the record (empty unless the form's date stays different)."""
        return placement.follow_move(self, folder, record, ctx)

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
