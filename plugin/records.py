"""The records list (docs/records.md): one SharePoint list item per (campaign, employee), the
truth a re-run reconciles from.

:class:`Record` is the item as samtal reads and writes it; :data:`COLUMNS` is the list's schema
(typed columns, the filtered ones indexed); :func:`to_fields` / :func:`from_fields` convert
between the two. Besides the columns HR reads (docs/records.md#columns-hr-reads), a few
bookkeeping columns (docs/records.md#bookkeeping-columns) keep what a re-run needs to avoid
repeating work (``ManagerId``, ``DriveId``, ``FolderId``, ``FormItemId``, ``FormETag``,
``Shared``, ``Language``, ``RemindersSent``, ``LastReminderAt``); they hold ids and counts, never
document content. ``Hold`` is HR's: a yes/no HR sets on a record to keep it, and its folder,
beyond its retention (docs/records.md#holds); samtal reads it and never writes it.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from typing import Any

from connectors.graph.lists_schema import NOTE_LIMIT, ColumnKind, ColumnSpec
from connectors.graph.lists_values import truncate_utf16
from plugin.documents import FORM_FIELDS


class Status(str, enum.Enum):
    SCHEDULED = "scheduled"
    DECLINED = "declined"
    HELD = "held"
    FILED = "filed"
    UNSCHEDULABLE = "unschedulable"
    EXCLUDED = "excluded"
    FAILED = "failed"


#: Filed form fields: tag -> column (docs/records.md#filed-form-fields; health notes and manager
#: feedback are never here).
FILED_FORM_COLUMNS: Mapping[str, str] = {
    tag: spec.column for tag, spec in FORM_FIELDS.items()
    if spec.filed and spec.column and spec.column != "Title"
}

_TEXT = 255
_KIND_OF_FIELD: dict[str, ColumnKind] = {"text": "text", "date": "dateTime", "richtext": "note",
                                         "checkbox": "boolean"}
COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("Key", "text", indexed=True, required=True),
    ColumnSpec("Campaign", "text", indexed=True, required=True),
    ColumnSpec("EmployeeId", "text", indexed=True, required=True),
    ColumnSpec("EmployeeEmail", "text"),
    ColumnSpec("ManagerId", "text"),
    ColumnSpec("ManagerEmail", "text"),
    ColumnSpec("Department", "text"),
    ColumnSpec("Status", "choice", indexed=True, choices=tuple(s.value for s in Status)),
    ColumnSpec("MeetingStart", "dateTime"),
    ColumnSpec("MeetingEnd", "dateTime"),
    ColumnSpec("EventId", "note"),
    ColumnSpec("FolderUrl", "note"),
    ColumnSpec("DocumentUrl", "note"),
    ColumnSpec("FiledAt", "dateTime"),
    ColumnSpec("Note", "note"),
    ColumnSpec("Hold", "boolean"),  # HR's: keep this record and its folder (never written by samtal)
    ColumnSpec("Language", "text"),
    ColumnSpec("DriveId", "text"),
    ColumnSpec("FolderId", "text"),
    ColumnSpec("FolderOwner", "text"),
    ColumnSpec("FormItemId", "text"),
    ColumnSpec("FormETag", "text"),
    ColumnSpec("Shared", "boolean"),
    ColumnSpec("RemindersSent", "number"),
    ColumnSpec("LastReminderAt", "dateTime"),
) + tuple(
    ColumnSpec(column, _KIND_OF_FIELD[FORM_FIELDS[tag].kind],
               date_only=FORM_FIELDS[tag].kind == "date")
    for tag, column in FILED_FORM_COLUMNS.items()
)


#: How a note that holds a talk for a person's review begins: the talk keeps its status (usually
#: ``held``) and its form was not filed, for the reason that follows (unreadable, too large,
#: another talk's, not samtal's form, confirmed but not fully read).
REVIEW = "held for review: "
#: How a note begins that says whose confirmation a talk's form still lacks (the form was read,
#: is this talk's, and not both boxes are checked): "waiting for the manager's confirmation".
#: It leads the note; what else the note said follows after "; ".
WAITING = "waiting for "


def waiting_note(note: str, employee: bool, manager: bool) -> str:
    """``note`` saying whose confirmation is missing (``employee``/``manager``: that side has
    not confirmed), in place of what an earlier look said; a hold for review is over (the form
    was read). Nobody missing: the note without a waiting clause."""
    rest = "" if note.startswith(REVIEW) else without_waiting(note)
    who = [f"the {side}'s" for side, missing in (("employee", employee), ("manager", manager)) if missing]
    clause = f"{WAITING}{' and '.join(who)} confirmation{'s' if len(who) > 1 else ''}" if who else ""
    return "; ".join(part for part in (clause, rest) if part)


def without_waiting(note: str) -> str:
    """``note`` without its leading "waiting for ..." clause."""
    if not note.startswith(WAITING):
        return note
    _, _, rest = note.partition("; ")
    return rest


#: What ends a form field the list holds shortened (the whole text stays in the document).
SHORTENED_MARK = "\n[…]"


def record_key(campaign_id: str, employee_id: str) -> str:
    return f"{campaign_id}:{employee_id}"


#: The pass lease (:mod:`plugin.lease`) is one item per campaign in this list. Its ``EmployeeId``
#: and the end of its ``Key`` are this marker, which no directory object id can be, and its
#: ``Campaign`` is its key, so no query for a campaign's records returns it.
LEASE_MARK = "~lease"


def lease_key(campaign_id: str) -> str:
    return record_key(campaign_id, LEASE_MARK)


def is_lease_fields(fields: Mapping[str, Any]) -> bool:
    """Whether a list item's fields are a pass lease, not a talk's record."""
    key = fields.get("Key")
    return fields.get("EmployeeId") == LEASE_MARK or (isinstance(key, str) and key.endswith(":" + LEASE_MARK))


#: ``samtal doctor --write-check`` writes one test item and deletes it (plugin/write_check.py).
#: Its ``Campaign`` and ``EmployeeId`` are this marker, which no campaign id (it starts with a
#: letter or digit) and no directory object id can be, and its ``Key`` is ``~doctor-check:<uuid>``,
#: so no campaign's query returns it; one a killed check left is found by ``Campaign`` and removed
#: by the next check.
DOCTOR_MARK = "~doctor-check"


def doctor_check_key(check_id: str) -> str:
    return f"{DOCTOR_MARK}:{check_id}"


def is_doctor_check_fields(fields: Mapping[str, Any]) -> bool:
    """Whether a list item's fields are a write check's test item, not a talk's record."""
    key = fields.get("Key")
    return (fields.get("Campaign") == DOCTOR_MARK or fields.get("EmployeeId") == DOCTOR_MARK
            or (isinstance(key, str) and key.startswith(DOCTOR_MARK + ":")))


#: ``samtal retention --apply`` logs each disposal in one item of this list (plugin/disposal_log.py):
#: its ``EmployeeId`` is this marker, its ``Campaign`` ``{campaign}:~disposal`` (so no query for
#: the campaign's records returns it, and one indexed query returns a campaign's log) and its
#: ``Key`` ``{campaign}:~disposal:{n}``, the campaign's n-th disposal.
DISPOSAL_MARK = "~disposal"


def disposal_log_campaign(campaign_id: str) -> str:
    """The ``Campaign`` value of a campaign's disposal log items."""
    return record_key(campaign_id, DISPOSAL_MARK)


def is_disposal_log_fields(fields: Mapping[str, Any]) -> bool:
    """Whether a list item's fields are a disposal log entry, not a talk's record."""
    campaign = fields.get("Campaign")
    return fields.get("EmployeeId") == DISPOSAL_MARK or (
        isinstance(campaign, str) and campaign.endswith(":" + DISPOSAL_MARK))


def is_bookkeeping_fields(fields: Mapping[str, Any]) -> bool:
    """Whether a list item is samtal's bookkeeping (a pass lease, a write check's test item, a
    disposal log entry) rather than a talk's record."""
    return is_lease_fields(fields) or is_doctor_check_fields(fields) or is_disposal_log_fields(fields)


@dataclass(frozen=True)
class Record:
    """One talk's record. ``item_id`` is None until the list item exists."""

    campaign: str
    employee_id: str
    employee_name: str
    status: Status
    employee_email: str = ""
    manager_id: str = ""
    manager_email: str = ""
    manager_name: str = ""
    department: str = ""
    meeting_start: datetime | None = None
    meeting_end: datetime | None = None
    event_id: str = ""
    folder_url: str = ""
    document_url: str = ""
    filed_at: datetime | None = None
    note: str = ""
    language: str = ""
    drive_id: str = ""
    folder_id: str = ""
    folder_owner: str = ""  # id of the person whose OneDrive holds the folder
    form_item_id: str = ""
    form_etag: str = ""
    shared: bool = False
    hold: bool = False  # HR set Hold: kept beyond its retention (read only: to_fields leaves it out)
    reminders_sent: int = 0  # e-mail reminders that went out for this talk (plugin/reminders.py)
    last_reminder_at: datetime | None = None
    form: Mapping[str, Any] = field(default_factory=dict)  # filed form fields by tag
    item_id: str | None = None

    @property
    def key(self) -> str:
        return record_key(self.campaign, self.employee_id)

    def with_changes(self, **changes: Any) -> "Record":
        return replace(self, **changes)

    @property
    def waiting_for(self) -> str:
        """Whose confirmation its form lacks, as its note says it ("waiting for the manager's
        confirmation"), or "" when the note says nothing of it."""
        return self.note.partition("; ")[0] if self.note.startswith(WAITING) else ""

    @property
    def held_for_review(self) -> bool:
        """Its form was found but not filed, and a person has to look (the reason is the note)."""
        return self.status is not Status.FILED and self.note.startswith(REVIEW)


def fit_multiline(text: str, limit: int = NOTE_LIMIT) -> str:
    """``text`` as a multiple-lines-of-text column can hold it: whole when it fits in ``limit``
    UTF-16 code units (how SharePoint counts), else cut at the last line break before the limit
    (or, when that would drop more than a tenth of the room, at the last space; or mid-word when
    there is none) and ended with :data:`SHORTENED_MARK`. SharePoint's limit for such a column
    in a list is 63,999 characters: "Multiple lines of text … Maximum length: 63,999 characters"
    (Microsoft Support, "List and library column types and options",
    https://support.microsoft.com/office/list-and-library-column-types-and-options-0d8ddb7b-7dc7-414d-a283-ee9dca891df7)."""
    if len(text) <= limit // 2 or truncate_utf16(text, limit) == text:
        return text
    head = truncate_utf16(text, limit - len(SHORTENED_MARK))
    floor = len(head) - len(head) // 10
    cut = head.rfind("\n")
    if cut < floor:
        cut = max(head.rfind(" "), head.rfind("\t"))
    if cut < floor:
        cut = len(head)
    return head[:cut].rstrip() + SHORTENED_MARK


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text = str(value).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _count(value: Any) -> int:
    """A number column as a count: SharePoint answers numbers as floats (``2.0``); a missing
    column (a list made before it) or an unreadable value is 0."""
    if isinstance(value, bool) or value is None:
        return 0
    try:
        return max(0, int(float(value)))
    except (TypeError, ValueError, OverflowError):
        return 0


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_fields(record: Record) -> dict[str, Any]:
    """The list item's fields for ``record`` (every column samtal writes, so a write is complete;
    never ``Hold``, which is HR's to set)."""
    fields: dict[str, Any] = {
        "Title": record.employee_name,
        "Key": record.key,
        "Campaign": record.campaign,
        "EmployeeId": record.employee_id,
        "EmployeeEmail": record.employee_email,
        "ManagerId": record.manager_id,
        "ManagerEmail": record.manager_email,
        "ManagerName": record.manager_name,
        "Department": record.department,
        "Status": record.status.value,
        "MeetingStart": _iso(record.meeting_start),
        "MeetingEnd": _iso(record.meeting_end),
        "EventId": record.event_id,
        "FolderUrl": record.folder_url,
        "DocumentUrl": record.document_url,
        "FiledAt": _iso(record.filed_at),
        "Note": record.note,
        "Language": record.language,
        "DriveId": record.drive_id,
        "FolderId": record.folder_id,
        "FolderOwner": record.folder_owner,
        "FormItemId": record.form_item_id,
        "FormETag": record.form_etag,
        "Shared": record.shared,
        "RemindersSent": record.reminders_sent,
        "LastReminderAt": _iso(record.last_reminder_at),
    }
    for tag, column in FILED_FORM_COLUMNS.items():
        if column in fields:  # ManagerName: always the directory's name, never the form's
            continue
        value = record.form.get(tag)
        if isinstance(value, date) and not isinstance(value, datetime):
            fields[column] = f"{value.isoformat()}T00:00:00Z"  # date-only, UTC midnight (docs/failures.md#l7)
        elif value is None:
            fields[column] = None
        else:
            fields[column] = value
    return fields


def changed_fields(before: Record, after: Record) -> dict[str, Any]:
    """Only the fields that differ, for a PATCH."""
    old, new = to_fields(before), to_fields(after)
    return {k: v for k, v in new.items() if old.get(k) != v}


def from_fields(fields: Mapping[str, Any], item_id: str | None = None) -> Record:
    """A :class:`Record` from a list item's fields (unknown or missing columns tolerated)."""
    def text(name: str) -> str:
        value = fields.get(name)
        return "" if value is None else str(value)

    try:
        status = Status(text("Status"))
    except ValueError:
        status = Status.FAILED
    form: dict[str, Any] = {}
    for tag, column in FILED_FORM_COLUMNS.items():
        if column not in fields:
            continue
        value = fields[column]
        if FORM_FIELDS[tag].kind == "date":
            parsed = _dt(value)
            value = parsed.date() if parsed else None
        form[tag] = value
    return Record(
        campaign=text("Campaign"),
        employee_id=text("EmployeeId"),
        employee_name=text("Title"),
        status=status,
        employee_email=text("EmployeeEmail"),
        manager_id=text("ManagerId"),
        manager_email=text("ManagerEmail"),
        manager_name=text("ManagerName"),
        department=text("Department"),
        meeting_start=_dt(fields.get("MeetingStart")),
        meeting_end=_dt(fields.get("MeetingEnd")),
        event_id=text("EventId"),
        folder_url=text("FolderUrl"),
        document_url=text("DocumentUrl"),
        filed_at=_dt(fields.get("FiledAt")),
        note=text("Note"),
        language=text("Language"),
        drive_id=text("DriveId"),
        folder_id=text("FolderId"),
        folder_owner=text("FolderOwner"),
        form_item_id=text("FormItemId"),
        form_etag=text("FormETag"),
        shared=bool(fields.get("Shared")),
        hold=fields.get("Hold") is True,
        reminders_sent=_count(fields.get("RemindersSent")),
        last_reminder_at=_dt(fields.get("LastReminderAt")),
        form=form,
        item_id=item_id,
    )
