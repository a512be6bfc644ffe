"""``samtal doctor --write-check UPN``: a safe first write to a real tenant, removed again.

Before the first ``samtal run`` an administrator wants to know that samtal may write where it
will write, without booking anybody's talk. The check writes, in the one person's mailbox and
OneDrive and in the records list, one thing of each kind samtal writes, reads it back the way
samtal does, and deletes it:

1. **test event**: an event without attendees (so nothing is sent to anyone), tagged with
   samtal's extended property (the one talks carry, with the value :data:`DOCTOR_MARK`), in the
   person's calendar two weeks ahead; found again by its tag (samtal's look-before-booking relies
   on that filter), deleted, and looked for once more;
2. **test file**: ``samtal-doctor-check-<id>.txt`` uploaded below ``folders.path`` in the
   person's OneDrive (a PUT by path creates missing folders; the file names which ones it
   created), then
3. **sharing**: its permissions listed: shared with nobody, only its owner may have access (a
   folder of ``folders.path`` shared with others would show here, and would show every talk
   folder below it to them); then the file is deleted, with the folders its upload created;
4. **records list**: the list on ``records.site`` opened, and created with its columns and
   indexes when missing (as ``samtal run`` would; it is kept);
5. **test item**: an item with ``Key`` ``~doctor-check:<id>`` (never a talk's: see
   :func:`plugin.records.is_doctor_check_fields`), found again by ``Key`` through the indexed
   filter samtal uses, deleted, and looked for once more.

Every step looks before it writes: what an earlier check left behind when it was killed (events
with the tag, files with the name prefix below ``folders.path`` with the folders they name,
items whose ``Campaign`` is the marker) is removed first, and said so. A step that fails says
Graph's code, the status, the ``request-id`` and what the administrator must do
(:func:`advice`), and still removes what it wrote. Deleted events and files go where Outlook and
OneDrive put anything deleted (Deleted Items, the recycle bin).
"""
from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TypeVar

from connectors.graph import errors
from connectors.graph.calendar_records import EventDraft
from connectors.graph.cleanup import delete_drive_item
from connectors.graph.client import GraphClient
from connectors.graph.directory import User
from connectors.graph.drive_records import DriveItem
from connectors.graph.permissions import Permission
from plugin import folders
from plugin.records import DOCTOR_MARK, doctor_check_key
from plugin.settings import Settings
from plugin.store import RecordStore

log = logging.getLogger(__name__)
_T = TypeVar("_T")

FILE_PREFIX = "samtal-doctor-check-"
SUBJECT = "samtal doctor check (safe to delete)"
BODY = ("<p>A test event written by <code>samtal doctor --write-check</code>, which deletes it "
        "again at once. It has no attendees; nothing was sent. Safe to delete.</p>")
TITLE = "samtal doctor check (safe to delete)"
_MARKER_LIMIT = 4096  # a test file is a few hundred bytes; a larger one is not read
_AHEAD = timedelta(days=14)  # far enough that no reminder fires before the event is deleted
TRACE_HINT = "run the check again with --trace FILE and send the trace with the request-id"


@dataclass(frozen=True)
class Step:
    """One step's outcome: ``ok``, a message, and on failure Graph's code, the HTTP status, the
    ``request-id`` and what the administrator must do."""

    name: str
    ok: bool
    message: str
    code: str | None = None
    status: int | None = None
    request_id: str | None = None
    action: str | None = None

    def text(self) -> str:
        if self.ok:
            return self.message
        where = ", ".join(x for x in (str(self.status) if self.status else "",
                                      f"request-id {self.request_id}" if self.request_id else "") if x)
        return (f"{self.message}{f' ({where})' if where else ''}"
                + (f" — what to do: {self.action}" if self.action else ""))


def advice(err: errors.GraphError, area: str) -> str:
    """What the administrator must do about ``err`` met in ``area`` (``user``, ``calendar``,
    ``files``, ``site``, ``list``, ``item``)."""
    message = (err.message or "").lower()
    if isinstance(err, errors.AuthError):
        return "check tenant.client_id and the secret or certificate (README: Troubleshooting)"
    if isinstance(err, errors.Unreachable):
        return "check tenant.graph_url and the network"
    if isinstance(err, errors.MailboxUnavailable):
        return ("the person has no Exchange Online mailbox samtal can reach (unlicensed, on-premises "
                "or a guest): license one, or run the check with a person who has one")
    if isinstance(err, errors.DriveNotProvisioned) or (area == "files" and "mysite" in message):
        return ("the person's OneDrive was never provisioned (or the person has no OneDrive licence) "
                "and app-only access cannot create it: have them open OneDrive once, or run the check "
                "with a person who has used OneDrive (samtal puts such people's talk folders in their "
                "manager's OneDrive)")
    if isinstance(err, errors.SchemaMismatch):
        return err.hint or "fix or rename those columns, or configure another list (records.list)"
    if isinstance(err, errors.InvalidName):
        return "folders.path breaks OneDrive's name rules: change it in the campaign file"
    if isinstance(err, errors.InsufficientStorage):
        return "the person's OneDrive is full"
    if err.outcome is errors.Outcome.RETRY:
        return "Graph failed in passing (throttled or unavailable): run the check again later"
    if isinstance(err, (errors.Forbidden, errors.Unauthorized)):
        if area == "calendar":
            if err.code == "ErrorAccessDenied":
                return ("the mailbox is outside the app's Exchange application access policy: add the "
                        "person to the policy's group (README: Least privilege)")
            return "grant admin consent to Calendars.ReadWrite (application permission)"
        if area == "files":
            return "grant admin consent to Files.ReadWrite.All (application permission)"
        if area == "user":
            return "grant admin consent to User.Read.All (application permission)"
        if area == "site":
            return ("the app may not open records.site: with Sites.Selected, grant this site to the app "
                    "(README: Least privilege); with Sites.Manage.All, grant admin consent")
        if area == "list":
            return ("the app may open the site but not create or change lists on it: with Sites.Selected, "
                    "PATCH the app's site permission to fullcontrol for the first run (README: Least "
                    "privilege); with Sites.Manage.All, grant admin consent")
        return ("the app may not write items on the site: with Sites.Selected, the site's grant must be "
                "write or more (README: Least privilege)")
    if isinstance(err, errors.NotFound):
        if area == "user":
            return "no user has this address in Entra ID: check the UPN given to --write-check"
        if area == "site":
            return "records.site names no site: check its host name and path in the campaign file"
    return TRACE_HINT


def _failed(name: str, what: str, err: errors.GraphError, area: str) -> Step:
    """The step ``name`` failed doing ``what``: Graph's code (else the kind of failure), its
    message, the status and request-id, and :func:`advice`."""
    if isinstance(err, errors.Unreachable):
        code: str | None = "unreachable"
    elif isinstance(err, errors.AuthError):
        code = err.aadsts or "invalid_auth"
    else:
        code = err.code or type(err).__name__
    return Step(name, False, f"{what}: {err.message}", code=code, status=err.status,
                request_id=err.request_id, action=advice(err, area))


def _removed(count: int, what: str) -> str:
    return f"; removed {count} {what} an earlier, interrupted check left" if count else ""


class WriteCheck:
    """The write check of one person (``upn``) and the campaign's records list; :meth:`run`."""

    def __init__(self, client: GraphClient, settings: Settings, upn: str, *,
                 check_id: str | None = None) -> None:
        self.client = client
        self.settings = settings
        self.upn = upn.strip()
        self.check_id = check_id or str(uuid.uuid4())
        self.segments = folders.campaign_segments(settings.folders.path)

    def run(self) -> list[Step]:
        """Every step in order; a step that cannot run without an earlier one says so."""
        steps: list[Step] = []
        user: User | None = None
        try:
            user = self.client.directory.get_user(self.upn)
            steps.append(Step("check user", True, f"{self.upn} found in Entra ID"))
        except errors.GraphError as err:
            steps.append(_failed("check user", f"reading {self.upn}", err, "user"))
        if user is not None:
            steps.append(self._event(user))
            steps.extend(self._file(user))
        else:
            for name in ("test event", "test file"):
                steps.append(Step(name, False, "the person was not found", code="not_tried",
                                  action="give --write-check the UPN of a person in Entra ID"))
        steps.extend(self._records())
        return steps

    # ------------------------------------------------------------------ calendar
    def _event(self, user: User) -> Step:
        calendar = self.client.calendar
        try:
            left = [e for e in calendar.find_events_by_tag(user.id, DOCTOR_MARK)]
            for event in left:
                calendar.delete_event(user.id, event.id)
        except errors.GraphError as err:
            return _failed("test event", f"looking for test events in {self.upn}'s calendar", err, "calendar")
        zone = self.settings.meetings.zone
        day = (self.settings.now + _AHEAD).astimezone(zone.tzinfo).date()
        start = datetime.combine(day, time(3, 0), tzinfo=zone.tzinfo)
        draft = EventDraft(subject=SUBJECT, body_html=BODY, start=start, end=start + timedelta(minutes=15),
                           time_zone=zone.windows, attendees=(), tag=DOCTOR_MARK,
                           transaction_id=str(uuid.uuid4()), allow_new_time_proposals=False)
        created = None
        try:
            created = calendar.create_event(user.id, draft)
            found = [e.id for e in calendar.find_events_by_tag(user.id, DOCTOR_MARK)]
            if created.id not in found:
                return Step("test event", False, "the test event was created but is not found by samtal's tag",
                            code="tag_not_found", action="samtal could book a talk twice in this mailbox; "
                            + TRACE_HINT)
            calendar.delete_event(user.id, created.id)
            created = None
            if calendar.find_events_by_tag(user.id, DOCTOR_MARK):
                return Step("test event", False, "the test event is still there after it was deleted",
                            code="not_deleted", action=TRACE_HINT)
        except errors.GraphError as err:
            return _failed("test event", f"writing a test event in {self.upn}'s calendar", err, "calendar")
        finally:
            if created is not None:
                self._quietly(lambda: calendar.delete_event(user.id, created.id))
        return Step("test event", True, f"created an event without attendees in {self.upn}'s calendar, found "
                    f"it by samtal's tag and deleted it; nothing was sent{_removed(len(left), 'test event(s)')}")

    # ------------------------------------------------------------------ OneDrive
    def _file(self, user: User) -> list[Step]:
        drive_api = self.client.drive
        where = "/".join(self.segments)
        try:
            drive = drive_api.get_user_drive(user.id)
            left = self._remove_file_leftovers(drive.id)
            created = self._missing_from(drive.id)
        except errors.GraphError as err:
            return [_failed("test file", f"opening {self.upn}'s OneDrive", err, "files")]
        name = f"{FILE_PREFIX}{self.check_id}.txt"
        marker = {"samtal": "doctor --write-check", "check": self.check_id, "created": created,
                  "note": "A test file samtal deletes again at once; safe to delete."}
        item: DriveItem | None = None
        steps: list[Step] = []
        try:
            item = drive_api.upload_to_user_path(user.id, [*self.segments, name],
                                                 json.dumps(marker).encode("utf-8"), conflict="fail")
            steps.append(self._sharing(item, user))
            self._remove_upload(item.drive_id, created, item)
            item = None
            if drive_api.get_item_by_path(drive.id, [*self.segments, name]) is not None:
                steps.insert(0, Step("test file", False, "the test file is still there after it was deleted",
                                     code="not_deleted", action=TRACE_HINT))
                return steps
        except errors.GraphError as err:
            return [_failed("test file", f"writing below {where} in {self.upn}'s OneDrive", err, "files"), *steps]
        finally:
            if item is not None:
                done = item
                self._quietly(lambda: self._remove_upload(done.drive_id, created, done))
        made = f" (and the folder {'/'.join(created)} its upload created)" if created else ""
        steps.insert(0, Step("test file", True, f"uploaded a test file below {where} in {self.upn}'s OneDrive "
                             f"and deleted it{made}{_removed(left, 'test file(s)')}"))
        return steps

    def _sharing(self, item: DriveItem, user: User) -> Step:
        try:
            perms = self.client.drive.list_permissions(item.drive_id, item.id)
        except errors.GraphError as err:
            return _failed("sharing", "listing the test file's permissions", err, "files")
        others = [p for p in perms if not _owners(p, user)]
        if others:
            return Step("sharing", False, f"the test file below {'/'.join(self.segments)} can be seen by "
                        f"{len(others)} more than its owner: a folder of folders.path is shared, and every "
                        "talk folder below it would be too", code="shared_folder",
                        action=f"stop sharing {'/'.join(self.segments)} (and the folders above it) in "
                               f"{self.upn}'s OneDrive")
        return Step("sharing", True, "the test file was shared with nobody: only its owner had access")

    def _missing_from(self, drive_id: str) -> list[str]:
        """The path of the topmost folder of ``folders.path`` that does not exist yet (the one a
        PUT by path would create, with everything below it), or [] when all exist."""
        if self.client.drive.get_item_by_path(drive_id, self.segments) is not None:
            return []
        top = len(self.segments)
        while top > 1 and self.client.drive.get_item_by_path(drive_id, self.segments[:top - 1]) is None:
            top -= 1
        return self.segments[:top]

    def _remove_upload(self, drive_id: str, created: list[str], item: DriveItem) -> None:
        """Delete the test file, or the topmost folder its upload created (the file within)."""
        if created:
            top = self.client.drive.get_item_by_path(drive_id, created)
            if top is not None and self._only_checks_below(drive_id, top, created):
                delete_drive_item(self.client.http, drive_id, top.id)
                return
        delete_drive_item(self.client.http, drive_id, item.id)

    def _remove_file_leftovers(self, drive_id: str) -> int:
        """Remove the test files (and the folders they say they created) that a killed check
        left below ``folders.path``; how many files."""
        drive_api = self.client.drive
        folder = drive_api.get_item_by_path(drive_id, self.segments)
        if folder is None or not folder.is_folder:
            return 0
        left = [c for c in drive_api.list_children(drive_id, folder.id)
                if not c.is_folder and c.name.startswith(FILE_PREFIX)]
        for child in left:
            created: list[str] = []
            if 0 < child.size <= _MARKER_LIMIT:
                try:
                    said = json.loads(drive_api.download(drive_id, child.id)).get("created")
                except (ValueError, AttributeError, RecursionError):  # not ours, or nested too deeply
                    said = None
                if isinstance(said, list) and said and said == self.segments[:len(said)]:
                    created = [str(s) for s in said]
            self._remove_upload(drive_id, created, child)
        return len(left)

    def _only_checks_below(self, drive_id: str, top: DriveItem, path: list[str]) -> bool:
        """Whether the folder ``top`` (at ``path``, a beginning of ``folders.path``) holds nothing
        but the rest of ``folders.path`` and test files at its end, so that deleting it deletes
        nothing anybody else put there."""
        drive_api = self.client.drive
        current = top
        for segment in self.segments[len(path):]:
            children = list(drive_api.list_children(drive_id, current.id))
            if len(children) != 1 or not children[0].is_folder or children[0].name != segment:
                return False
            current = children[0]
        return all(not c.is_folder and c.name.startswith(FILE_PREFIX)
                   for c in drive_api.list_children(drive_id, current.id))

    # ------------------------------------------------------------------ records list
    def _records(self) -> list[Step]:
        s = self.settings
        lists = self.client.lists
        try:
            existing = RecordStore.open_existing(lists, s.records.site, s.records.list)
        except errors.GraphError as err:
            return [_failed("records list", f"opening {s.records.site}", err, "site"),
                    Step("test item", False, "the site could not be opened", code="not_tried",
                         action="see the records list line")]
        try:
            store = existing or RecordStore.open(lists, s.records.site, s.records.list)
        except errors.GraphError as err:
            return [_failed("records list", f"creating the list {s.records.list!r}", err, "list"),
                    Step("test item", False, "there is no records list", code="not_tried",
                         action="see the records list line")]
        said = (f"the list {s.records.list!r} exists" if existing is not None else
                f"created the list {s.records.list!r} with its columns and indexes (it is kept)")
        return [Step("records list", True, said), self._item(store)]

    def _item(self, store: RecordStore) -> Step:
        lists, site, lst = store.lists, store.site.id, store.info.id
        key = doctor_check_key(self.check_id)
        try:
            left = list(lists.query_items(site, lst, equals={"Campaign": DOCTOR_MARK}))
            for old in left:
                self._gone_ok(lambda: lists.delete_item(site, lst, old.id))
        except errors.GraphError as err:
            return _failed("test item", "looking for test items in the records list", err, "item")
        item_id: str | None = None
        try:
            item_id = lists.create_item(site, lst, {"Title": TITLE, "Key": key, "Campaign": DOCTOR_MARK,
                                                    "EmployeeId": DOCTOR_MARK}).id
            found = [i.id for i in lists.query_items(site, lst, equals={"Key": key})]
            if item_id not in found:
                return Step("test item", False, "the test item was written but is not found by its Key",
                            code="key_not_found", action=TRACE_HINT)
            lists.delete_item(site, lst, item_id)
            item_id = None
            if list(lists.query_items(site, lst, equals={"Key": key})):
                return Step("test item", False, "the test item is still there after it was deleted",
                            code="not_deleted", action=TRACE_HINT)
        except errors.GraphError as err:
            return _failed("test item", "writing a test item in the records list", err, "item")
        finally:
            if item_id is not None:
                done = item_id
                self._quietly(lambda: self._gone_ok(lambda: lists.delete_item(site, lst, done)))
        return Step("test item", True, "wrote a test item, found it by Key and deleted it"
                    + _removed(len(left), "test item(s)"))

    # ------------------------------------------------------------------ internals
    @staticmethod
    def _gone_ok(work: Callable[[], None]) -> None:
        try:
            work()
        except errors.NotFound:
            pass

    @staticmethod
    def _quietly(work: Callable[[], _T]) -> None:
        """Clean up after a failed step; what cannot be removed now the next check removes."""
        try:
            work()
        except errors.GraphError as err:
            log.warning("a test object could not be removed now (%s); the next write check removes it", err)


def _owners(perm: Permission, user: User) -> bool:
    """Whether ``perm`` gives access to the OneDrive's owner only (the person, or the owner
    role naming nobody else)."""
    if perm.is_link:
        return False
    if perm.is_for(user.id, user.addresses):
        return True
    return "owner" in perm.roles and not perm.ids and not perm.addresses
