"""What has passed its retention, and what disposing of it removes
(README.md#retention-disposing-of-old-rounds, docs/records.md#retention). Reads only:
:mod:`plugin.disposal` carries a plan out.

**Campaigns** are found in the records list itself, by one paged read of every item with only the
columns needed here (``$select``): a command run a few times a year can afford it, and it finds a
campaign whose lease item someone removed, which a query for lease items would miss. A campaign
ends its retention ``retention.days`` after the last day of its window. The list holds no
campaign file, so the window end comes from:

1. the campaign file, for the campaign it runs (``campaign.id``), which is never disposed of;
2. the campaign's lease item: every ``samtal run`` records the window's last day in it
   (:mod:`plugin.lease`);
3. for a campaign last run by an older samtal, the latest meeting end or filing time among its
   records (in ``meetings.time_zone``), else the latest change of one of its items: never
   earlier than the window end, so the estimate keeps records longer, never shorter. The output
   says the date was estimated.

A campaign is *due* when its retention ended before today (``--now``); never the running
campaign, one whose window has not ended, or one whose window end cannot be told.

**Holds.** A talk is held back when HR set ``Hold`` on one of its list items, or when its
employee or its manager is on ``retention.hold_users`` (UPNs or object ids, any case; a UPN is
looked up in the directory so that a person whose mail differs from the UPN is still found, and
an entry the directory no longer knows is matched as written). A held talk keeps its list items
and its folder, and the manager of a held talk keeps the guide and team overview of that
campaign (the overview shows the held talk's filed content).

**What goes** for a due campaign (:func:`plan_campaign`), by series:

- *talk folders*, with everything in them, by the ``DriveId``/``FolderId`` their records name;
- *managers' guides* and *team overviews*, found by name in each manager's campaign folder
  (``folders.path`` for that campaign) — only when ``folders.path`` holds ``{campaign}``, as
  otherwise those documents are the running campaign's too;
- *campaign folders* (the folder at ``folders.path`` in each OneDrive looked at) that hold
  nothing but what goes with them; folders above it are left;
- *list items*: the campaign's records (``retention.keep: everything``); with ``records`` they
  stay and only their links to the folder are cleared (*links cleared*).

A drive item that a record of another campaign, or a held record, names is never a target.
"""
from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

from connectors.graph import errors
from connectors.graph.addresses import id_key
from connectors.graph.client import GraphClient
from connectors.graph.drive_looks import FolderLook
from connectors.graph.lists import ListItem
from connectors.graph.names import same_name
from plugin.disposal_log import LogEntry
from plugin.folders import campaign_segments
from plugin.holds import Holds, resolve_holds
from plugin.lease import recorded_window_end
from plugin.overview.document import FILE_NAMES as OVERVIEW_NAMES
from plugin.placement import FILE_NAMES as TALK_NAMES
from plugin.records import Record, from_fields, is_bookkeeping_fields, is_disposal_log_fields, is_lease_fields
from plugin.settings import Settings
from plugin.store import RecordStore

log = logging.getLogger(__name__)

# The series a disposal counts, in the order it removes them.
TALK_FOLDERS = "talk folders (with their documents)"
GUIDES = "managers' guides"
OVERVIEWS = "team overviews"
CAMPAIGN_FOLDERS = "campaign folders"
LIST_ITEMS = "list items"
LINKS_CLEARED = "list items kept, folder links cleared"
SERIES = (TALK_FOLDERS, GUIDES, OVERVIEWS, CAMPAIGN_FOLDERS, LIST_ITEMS, LINKS_CLEARED)

# Where a campaign stands.
RUNNING, OPEN, KEPT, DUE, UNKNOWN, EMPTY = "running", "open", "kept", "due", "unknown", "empty"
# How its window end is known.
FROM_FILE, FROM_LEASE, FROM_RECORDS = "campaign file", "recorded by its passes", "estimated from its records"

# The columns retention reads (ids, dates and links; never names or filed content).
READ = ("Key", "Campaign", "EmployeeId", "EmployeeEmail", "ManagerId", "ManagerEmail", "Status",
        "MeetingEnd", "FiledAt", "DriveId", "FolderId", "FolderOwner", "FolderUrl", "DocumentUrl",
        "FormItemId", "FormETag", "Shared", "Hold", "Note")
_GUIDE_NAMES = tuple(names["guide"] for names in TALK_NAMES.values())
#: How a kept record's note says its documents went (``retention.keep: records``).
DISPOSED_NOTE = "documents disposed of on {day} (samtal retention)"


@dataclass(frozen=True)
class Row:
    """One record as retention reads it: the record (ids, dates, links, hold), its eTag and
    when the item was last changed."""

    record: Record
    etag: str | None
    modified: datetime | None


@dataclass(frozen=True)
class Campaign:
    id: str
    state: str  # RUNNING, OPEN, KEPT, DUE, UNKNOWN or EMPTY
    window_end: date | None
    window_end_from: str  # FROM_FILE, FROM_LEASE, FROM_RECORDS, or "" when unknown
    kept_until: date | None  # the last day of its retention
    rows: tuple[Row, ...] = ()
    log: tuple[LogEntry, ...] = ()  # its disposals so far

    @property
    def due(self) -> bool:
        return self.state == DUE

    @property
    def stopped(self) -> LogEntry | None:
        """A disposal of it that stopped half-way (``--apply`` finishes it)."""
        return next((e for e in self.log if e.state != "done"), None)

    def describe(self, today: date) -> str:
        if self.state == RUNNING:
            return "kept: the running campaign (campaign.id)"
        if self.state == OPEN:
            return "kept: its window has not ended"
        if self.state == EMPTY:
            return "nothing left"
        if self.state == UNKNOWN:
            return "kept: its window end cannot be told"
        assert self.kept_until is not None
        if self.state == KEPT:
            days = (self.kept_until - today).days
            return f"kept: {days} day{'s' if days != 1 else ''} left"
        return f"due: its retention ended on {self.kept_until}"


@dataclass(frozen=True)
class Target:
    """One thing a disposal removes (or, for ``LINKS_CLEARED``, changes). ``key`` is the talk's
    record key, or ``{campaign}:{owner id}`` for a manager's document and a campaign folder;
    ``path`` is given only where it names nobody (a campaign folder, a manager's document)."""

    series: str
    campaign: str
    key: str
    owner: str = ""  # object id of the person whose OneDrive holds it
    drive_id: str = ""
    item_id: str = ""
    path: str = ""
    etag: str | None = None
    changes: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class CampaignPlan:
    campaign: Campaign
    targets: list[Target]
    held: dict[str, str]  # record key -> why (HOLD_COLUMN, HOLD_USERS)

    def of(self, *series: str) -> list[Target]:
        return [t for t in self.targets if t.series in series]

    def counts(self) -> dict[str, int]:
        found = Counter(t.series for t in self.targets)
        return {s: found[s] for s in SERIES if found[s]}

    def held_by(self) -> dict[str, int]:
        return dict(Counter(self.held.values()))


# ---------------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class ListContents:
    rows: Mapping[str, Sequence[Row]]  # campaign -> its records' items
    windows: Mapping[str, date | None]  # campaign -> the window end its lease item keeps
    logs: Mapping[str, Sequence[LogEntry]] = field(default_factory=dict)  # campaign -> its disposals


def read_list(store: RecordStore) -> ListContents:
    """Every item of the records list, the columns retention needs only (one paged read)."""
    rows: dict[str, list[Row]] = defaultdict(list)
    windows: dict[str, date | None] = {}
    logs: dict[str, list[LogEntry]] = defaultdict(list)
    for item in store.lists.get_items(store.site.id, store.info.id, select=_select(store)):
        if is_lease_fields(item.fields):
            windows[str(item.fields.get("Key") or "").rsplit(":", 1)[0]] = recorded_window_end(item)
        elif is_disposal_log_fields(item.fields):
            entry = LogEntry.from_item(item)
            if entry is not None:
                logs[entry.campaign].append(entry)
        elif not is_bookkeeping_fields(item.fields):
            row = _row(item)
            rows[row.record.campaign].append(row)
    return ListContents(dict(rows), windows, {c: sorted(e, key=lambda x: x.number) for c, e in logs.items()})


def read_campaign(store: RecordStore, campaign: str) -> list[Row]:
    """A campaign's records' items (one indexed query)."""
    return [_row(item) for item in store.lists.query_items(
        store.site.id, store.info.id, equals={"Campaign": campaign}, select=_select(store))
        if not is_bookkeeping_fields(item.fields)]


def _select(store: RecordStore) -> list[str]:
    # Only columns the list has (one made before Hold has none); Modified is every list's own.
    return [c for c in READ if c in store.info.columns] + ["Modified"]


def _row(item: ListItem) -> Row:
    return Row(from_fields(item.fields, item.id), item.etag, _instant(item.fields.get("Modified")))


def _instant(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# ---------------------------------------------------------------------------------- campaigns
def campaigns(contents: ListContents, settings: Settings) -> list[Campaign]:
    """Every campaign the list knows, with where it stands at ``settings.now``."""
    zone = settings.meetings.zone.tzinfo
    today = settings.now.astimezone(zone).date()
    out = []
    for cid in sorted(set(contents.rows) | set(contents.windows) | set(contents.logs)):
        rows = tuple(contents.rows.get(cid, ()))
        end: date | None
        if cid == settings.campaign.id:
            end, source = settings.campaign.window.end, FROM_FILE
        elif contents.windows.get(cid) is not None:
            end, source = contents.windows[cid], FROM_LEASE
        else:
            end, source = estimated_window_end(rows, zone), FROM_RECORDS
        kept_until = end + timedelta(days=settings.retention.days) if end is not None else None
        if cid == settings.campaign.id:
            state = RUNNING
        elif not rows and not any(e.state != "done" for e in contents.logs.get(cid, ())):
            state = EMPTY
        elif end is None or kept_until is None:
            state, source = UNKNOWN, ""
        elif end >= today:
            state = OPEN
        elif kept_until >= today:
            state = KEPT
        else:
            state = DUE
        out.append(Campaign(cid, state, end, source, kept_until, rows, tuple(contents.logs.get(cid, ()))))
    return out


def estimated_window_end(rows: Iterable[Row], zone: Any) -> date | None:
    """The latest meeting end or filing among the records (a talk is held and filed within its
    window or after it), else the latest change of an item; None when nothing says."""
    moments = [m for row in rows for m in (row.record.meeting_end, row.record.filed_at) if m is not None]
    if not moments:
        moments = [row.modified for row in rows if row.modified is not None]
    return max(moments).astimezone(zone).date() if moments else None


# ---------------------------------------------------------------------------------- planning
def protected_folders(all_campaigns: Iterable[Campaign], disposing: str) -> set[tuple[str, str]]:
    """The folders records of every other campaign name: never removed with ``disposing``."""
    return {(r.record.drive_id, r.record.folder_id) for c in all_campaigns if c.id != disposing
            for r in c.rows if r.record.drive_id and r.record.folder_id}


def plan_campaign(client: GraphClient, settings: Settings, campaign: Campaign, holds: Holds,
                  protected: set[tuple[str, str]]) -> CampaignPlan:
    """What disposing of ``campaign`` removes, read from its records and (for managers'
    documents and campaign folders) one look per OneDrive at its campaign folder, in
    ``$batch`` calls. Writes nothing."""
    held: dict[str, str] = {}
    for row in campaign.rows:
        why = holds.why(row.record)
        if why is not None:
            held.setdefault(row.record.key, why)  # one held item holds every item of its talk
    going = [r for r in campaign.rows if r.record.key not in held]
    staying = [r for r in campaign.rows if r.record.key in held]
    keep = protected | {(r.record.drive_id, r.record.folder_id) for r in staying}
    folders: dict[tuple[str, str], Target] = {}
    for row in sorted(going, key=lambda r: (r.record.key, r.record.item_id or "")):
        rec = row.record
        where = (rec.drive_id, rec.folder_id)
        if rec.drive_id and rec.folder_id and where not in keep and where not in folders:
            folders[where] = Target(TALK_FOLDERS, campaign.id, rec.key, id_key(rec.folder_owner or rec.employee_id),
                                    rec.drive_id, rec.folder_id)
    targets = list(folders.values())
    segments = campaign_folder(settings, campaign.id)
    if segments:
        managers = {id_key(r.record.manager_id) for r in going if r.record.manager_id} - {
            id_key(r.record.manager_id) for r in staying if r.record.manager_id}
        targets += _in_campaign_folders(client, campaign.id, segments, folders, managers, keep)
    targets += _list_targets(settings, campaign.id, going)
    order = {s: n for n, s in enumerate(SERIES)}
    return CampaignPlan(campaign, sorted(targets, key=lambda t: order[t.series]), held)


def campaign_folder(settings: Settings, campaign_id: str) -> list[str]:
    """The campaign folder's path segments for ``campaign_id``; [] when ``folders.path`` names
    no campaign (then that folder, and the managers' documents in it, are every campaign's)."""
    folders = settings.folders
    path = folders.path_of(campaign_id)
    if "{campaign}" not in folders.template or same_name(path, folders.path):
        return []
    return campaign_segments(path)


def _in_campaign_folders(client: GraphClient, campaign: str, segments: list[str],
                         folders: Mapping[tuple[str, str], Target], managers: set[str],
                         keep: set[tuple[str, str]]) -> list[Target]:
    """Managers' guides and overviews in the managers' campaign folders, and the campaign
    folders that hold nothing else than what goes."""
    owners = sorted({t.owner for t in folders.values()} | managers)
    out: list[Target] = []
    path = "/".join(segments)
    for owner, look in zip(owners, client.drive.look_at_user_paths([(o, segments) for o in owners])):
        if isinstance(look, errors.GraphError):
            raise look
        if look is None or not look.item.is_folder:
            continue
        drive = look.item.drive_id
        docs = _managers_documents(campaign, owner, look, path) if owner in managers else []
        out += docs
        going = {t.item_id for t in folders.values() if t.drive_id == drive} | {d.item_id for d in docs}
        if all(child.id in going for child in look.children) and (drive, look.item.id) not in keep:
            out.append(Target(CAMPAIGN_FOLDERS, campaign, f"{campaign}:{owner}", owner, drive, look.item.id, path))
    return out


def _managers_documents(campaign: str, owner: str, look: FolderLook, path: str) -> list[Target]:
    out = []
    for child in look.children:
        if child.is_folder:
            continue
        series = GUIDES if any(same_name(child.name, n) for n in _GUIDE_NAMES) else (
            OVERVIEWS if any(same_name(child.name, n) for n in OVERVIEW_NAMES.values()) else None)
        if series is not None:
            out.append(Target(series, campaign, f"{campaign}:{owner}", owner, look.item.drive_id, child.id,
                              f"{path}/{child.name}"))
    return out


def _list_targets(settings: Settings, campaign: str, going: Sequence[Row]) -> list[Target]:
    out = []
    day = settings.now.astimezone(settings.meetings.zone.tzinfo).date()
    for row in sorted(going, key=lambda r: (r.record.key, r.record.item_id or "")):
        rec = row.record
        if settings.retention.keep == "everything":
            out.append(Target(LIST_ITEMS, campaign, rec.key, item_id=rec.item_id or "", etag=row.etag))
        elif links_of(rec):
            out.append(Target(LINKS_CLEARED, campaign, rec.key, item_id=rec.item_id or "", etag=row.etag,
                              changes=unlinked(rec, day)))
    return out


def links_of(record: Record) -> bool:
    """Whether a record still points at its folder or documents."""
    return bool(record.drive_id or record.folder_id or record.folder_url or record.document_url
                or record.form_item_id or record.form_etag or record.shared)


def unlinked(record: Record, day: date) -> dict[str, Any]:
    """The fields that clear a kept record's links to its disposed documents, and say so in its
    note (``retention.keep: records``)."""
    said = DISPOSED_NOTE.format(day=day.isoformat())
    note = said if not record.note else f"{said}; {record.note}"
    return {"DriveId": "", "FolderId": "", "FolderOwner": "", "FolderUrl": "", "DocumentUrl": "",
            "FormItemId": "", "FormETag": "", "Shared": False, "Note": note}


# ---------------------------------------------------------------------------------- the survey
@dataclass
class Survey:
    """Every campaign of the list, and for each due one what disposing of it would remove."""

    campaigns: list[Campaign]
    plans: dict[str, CampaignPlan]
    holds: Holds
    planned: bool = True  # False: the due campaigns' folders were not looked at (plans empty)

    @property
    def due(self) -> list[Campaign]:
        return [c for c in self.campaigns if c.due]

    def to_do(self) -> list[Campaign]:
        """The due campaigns with something to dispose of, or a disposal to finish (every due
        campaign when they were not planned)."""
        if not self.planned:
            return self.due
        return [c for c in self.due if c.stopped is not None or (c.id in self.plans and self.plans[c.id].targets)]


def survey(client: GraphClient, store: RecordStore, settings: Settings, *, plan: bool = True) -> Survey:
    """Read the list (and, with ``plan``, the due campaigns' OneDrive folders); writes nothing."""
    found = campaigns(read_list(store), settings)
    holds = resolve_holds(client, settings)
    plans = {c.id: plan_campaign(client, settings, c, holds, protected_folders(found, c.id))
             for c in found if c.due} if plan else {}
    return Survey(found, plans, holds, planned=plan)


def with_rows(campaign: Campaign, rows: Sequence[Row]) -> Campaign:
    """``campaign`` with its records read again (under its lease, before disposing of it)."""
    return replace(campaign, rows=tuple(rows))
