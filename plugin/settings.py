"""The campaign file (README.md#configuration): loaded into frozen dataclasses and validated at load.

Every mistake becomes one line of :attr:`SettingsError.problems`, naming the file, the dotted key
and the line: ``campaign.yaml:3: meetings.duration_minutes: expected a whole number of minutes,
got "sixty"``. All problems of a file are reported at once. Secrets are references (an environment
variable, a certificate file), checked to exist but never read into the settings.

>>> settings = load_settings("campaign.yaml", now=datetime.now(timezone.utc))  # doctest: +SKIP
>>> settings.meetings.duration
datetime.timedelta(seconds=3600)
"""
from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal, cast
from urllib.parse import urlsplit

import yaml

from connectors.graph.addresses import address_key, id_key
from connectors.graph.clouds import DEFAULT_GRAPH_URL, cloud_mismatch, sandbox_mismatch
from connectors.timezones import Zone, resolve_zone
from plugin.scheduling.holidays import (
    DEFAULT_CATEGORIES,
    DEFAULT_COUNTRY,
    UnknownHolidayCalendar,
    check_calendar,
    closed_days,
)
from plugin.settings_parsers import (
    authority_url,
    CertificateRef,
    SecretRef,
    certificate_ref,
    choice,
    clock,
    day,
    directory,
    graph_url,
    mail_address,
    secret_ref,
    text,
    text_list,
    weekday_or_never,
    weekdays,
    whole_number,
    zone,
)
from plugin.settings_schema import (
    Context,
    Invalid,
    Leaf,
    Problem,
    Tree,
    compose,
    problem_at,
    read_tree,
    scalar_text,
)

__all__ = [
    "CampaignSettings", "CertificateRef", "ConcurrencySettings", "FolderSettings",
    "HolidaySettings", "LanguageSettings", "MeetingSettings", "RecordSettings",
    "RemindersSettings", "ReportSettings", "RetentionSettings", "ScopeSettings", "SecretRef", "Settings", "SettingsError",
    "TemplateSettings", "TenantSettings", "Window", "WorkingHoursSettings", "accepted_keys",
    "load_settings",
]

MAX_CAMPAIGN_BYTES = 1024 * 1024  # a campaign file is a few kilobytes; 1 MiB is generous
_FORBIDDEN_IN_NAMES = set('"*:<>?\\|')
_CAMPAIGN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_SITE = re.compile(r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}:/\S*$")


class SettingsError(Exception):
    """The campaign file cannot be used; ``problems`` holds one readable line per mistake."""

    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Window:
    """The days (inclusive, in the campaign's zone) on which talks may take place."""

    start: date
    end: date

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class CampaignSettings:
    id: str
    title: str
    window: Window
    previous: str | None = None  # last round's id: its goals and plan go into the prep guides


@dataclass(frozen=True)
class TenantSettings:
    graph_url: str
    tenant_id: str
    client_id: str
    credential: SecretRef | CertificateRef
    authority: str = "https://login.microsoftonline.com"

    @property
    def is_sandbox(self) -> bool:
        """A plain-HTTP loopback Graph: a sandbox, which gets a static token
        (docs/sandbox.md#starting-it)."""
        return urlsplit(self.graph_url).scheme == "http"


@dataclass(frozen=True)
class MeetingSettings:
    duration: timedelta
    buffer: timedelta
    max_per_manager_per_day: int
    zone: Zone
    online: Literal["teams", "none"]
    spread: Literal["even", "early"]
    notice: timedelta
    location: str | None = None  # where talks are held in person; on every invitation when set


@dataclass(frozen=True)
class FolderSettings:
    owner: Literal["employee", "manager"]
    path: str  # this campaign's: ``{campaign}`` replaced by its id
    template: str = "Medarbetarsamtal/{campaign}"  # as written, for other campaigns' folders

    def path_of(self, campaign_id: str) -> str:
        """The campaign folder's path for another campaign (``samtal retention``)."""
        return self.template.replace("{campaign}", campaign_id).strip("/")


@dataclass(frozen=True)
class RecordSettings:
    site: str
    list: str
    lease: timedelta = timedelta(minutes=5)  # how long a killed pass blocks the next (plugin/lease.py)


@dataclass(frozen=True)
class ScopeSettings:
    """Who is in the round: an include list of departments (empty: all) minus exclusions."""

    departments: tuple[str, ...]
    exclude_departments: tuple[str, ...]
    exclude_users: tuple[str, ...]

    def reason_excluded(self, department: str | None, upn: str, object_id: str) -> str | None:
        """Why this person is out of scope, or ``None`` when they are in it."""
        people = {address_key(u) for u in self.exclude_users}  # UPNs and object ids: one form
        if address_key(upn) in people or id_key(object_id) in people:
            return "on the scope.exclude_users list"
        dept = (department or "").strip().casefold()
        if dept and dept in {d.casefold() for d in self.exclude_departments}:
            return f"department {department} is in scope.exclude_departments"
        if self.departments and dept not in {d.casefold() for d in self.departments}:
            return f"department {department or '(none)'} is not in scope.departments"
        return None


@dataclass(frozen=True)
class LanguageSettings:
    default: Literal["sv", "en"]


@dataclass(frozen=True)
class HolidaySettings:
    country: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class WorkingHoursSettings:
    """Working hours used for anyone whose mailbox gives none, in the campaign zone."""

    days: tuple[int, ...]  # Monday is 0
    start: time
    end: time


@dataclass(frozen=True)
class TemplateSettings:
    directory: Path | None  # None: the templates shipped with samtal


@dataclass(frozen=True)
class RetentionSettings:
    """How long a campaign's records and folders are kept after its window, and what
    ``samtal retention --apply`` disposes of then (README.md#configuration)."""

    days: int
    keep: Literal["everything", "records"] = "everything"  # "records": the list items stay
    decision: str = ""  # the disposal decision's reference, written into the disposal log
    hold_users: tuple[str, ...] = ()  # UPNs or object ids whose talks are never disposed of

    def holds(self, *people: str) -> bool:
        """Whether one of ``people`` (UPNs, addresses or object ids, any case) is on
        ``hold_users``."""
        held = {address_key(u) for u in self.hold_users} - {""}
        return any(address_key(p) in held or id_key(p) in held for p in people if p)


@dataclass(frozen=True)
class ConcurrencySettings:
    max_requests: int


@dataclass(frozen=True)
class PacingSettings:
    """SharePoint's RU budget per minute: ``ru_per_minute`` when given, else the one for
    ``licences`` (docs/graph.md#sharepoint-resource-units; 1,200 under 1,000 licences). Neither
    given: the smallest."""

    licences: int | None = None
    ru_per_minute: int | None = None

    @property
    def explicit(self) -> bool:
        return self.licences is not None or self.ru_per_minute is not None

    @property
    def budget(self) -> int:
        from connectors.graph.pacing import ru_per_minute_for

        return self.ru_per_minute or ru_per_minute_for(self.licences or 0)


@dataclass(frozen=True)
class ReportSettings:
    min_group_size: int  # a department or group with fewer people is merged into "other"


@dataclass(frozen=True)
class RemindersSettings:
    """Reminders by e-mail (README.md#reminders): off unless ``sender`` is set. Sent only from
    ``hours_start`` to ``hours_end`` on working days (``working_hours.days`` less the holidays)
    in the campaign's zone. ``manager_digest`` is the weekday (Monday is 0) of the managers'
    and HR's weekly digests, None for no managers' digest (HR's then goes on Mondays)."""

    sender: str | None = None
    prepare_days_before: int = 3
    confirm_after_days: int = 2
    repeat_days: int = 7
    max_per_talk: int = 3
    manager_digest: int | None = 0
    hr_digest: str | None = None
    hours_start: time = time(8, 0)
    hours_end: time = time(17, 0)

    @property
    def enabled(self) -> bool:
        return self.sender is not None

    @property
    def digest_day(self) -> int:
        """The weekday of the weekly digests: the managers' day, Monday when they get none."""
        return 0 if self.manager_digest is None else self.manager_digest


@dataclass(frozen=True)
class Settings:
    source: Path
    now: datetime  # the aware moment the file was judged against (--now or the clock)
    campaign: CampaignSettings
    tenant: TenantSettings
    meetings: MeetingSettings
    folders: FolderSettings
    records: RecordSettings
    scope: ScopeSettings
    language: LanguageSettings
    holidays: HolidaySettings
    working_hours: WorkingHoursSettings
    templates: TemplateSettings
    retention: RetentionSettings
    concurrency: ConcurrencySettings
    pacing: PacingSettings = PacingSettings()
    report: ReportSettings = ReportSettings(min_group_size=5)
    reminders: RemindersSettings = RemindersSettings()


def _folder_path(node: yaml.Node, context: Context) -> str:
    value = scalar_text(node, "a folder path")
    try:
        value.format(campaign="x")
    except (KeyError, IndexError, ValueError) as err:
        raise Invalid(f"only {{campaign}} may be replaced in the path, got {value!r}", node) from err
    parts = [p for p in value.replace("\\", "/").split("/")]
    for part in parts:
        name = part.replace("{campaign}", "")
        if not part or part != part.strip() or part.endswith(".") or _FORBIDDEN_IN_NAMES & set(name):
            raise Invalid(
                f"folder names may not be empty, start or end with a space, end with a dot, or "
                f"contain \" * : < > ? \\ |: got {value!r}",
                node,
            )
    return value


def _site(node: yaml.Node, context: Context) -> str:
    value = scalar_text(node, "a site as hostname:/server/relative/path")
    if not _SITE.match(value):
        raise Invalid(
            f'expected hostname:/server/relative/path (e.g. "example.sharepoint.com:/sites/hr"), got "{value}"',
            node,
        )
    return value


def _campaign_id(node: yaml.Node, context: Context) -> str:
    value = scalar_text(node, "a campaign id")
    if not _CAMPAIGN_ID.match(value):
        raise Invalid(
            f"expected letters, digits, '.', '_' or '-' (at most 64; it becomes part of record "
            f"keys and folder names), got \"{value}\"",
            node,
        )
    return value


def _country(node: yaml.Node, context: Context) -> str:
    return scalar_text(node, "a country code such as SE").upper()


_MINUTES_PER_DAY = 24 * 60

SCHEMA: Mapping[str, Leaf[object]] = {
    "campaign.id": Leaf(_campaign_id, required=True),
    "campaign.title": Leaf(text(200)),
    "campaign.previous": Leaf(_campaign_id),
    "campaign.window.start": Leaf(day, required=True),
    "campaign.window.end": Leaf(day, required=True),
    "tenant.graph_url": Leaf(graph_url, default=DEFAULT_GRAPH_URL),
    "tenant.tenant_id": Leaf(text(255), required=True),
    "tenant.client_id": Leaf(text(255), required=True),
    "tenant.client_secret": Leaf(secret_ref),
    "tenant.certificate": Leaf(certificate_ref),
    "tenant.authority": Leaf(authority_url, default="https://login.microsoftonline.com"),
    "meetings.duration_minutes": Leaf(whole_number("minutes", 5, 8 * 60), default=60),
    "meetings.buffer_minutes": Leaf(whole_number("minutes", 0, 4 * 60), default=15),
    "meetings.max_per_manager_per_day": Leaf(whole_number("talks", 1, 48), default=3),
    "meetings.time_zone": Leaf(zone, default=resolve_zone("Europe/Stockholm")),
    "meetings.online": Leaf(choice("teams", "none"), default="teams"),
    "meetings.spread": Leaf(choice("even", "early"), default="even"),
    "meetings.notice_days": Leaf(whole_number("days", 0, 60), default=2),
    "meetings.location": Leaf(text(255)),
    "folders.owner": Leaf(choice("employee", "manager"), default="employee"),
    "folders.path": Leaf(_folder_path, default="Medarbetarsamtal/{campaign}"),
    "records.site": Leaf(_site, required=True),
    "records.list": Leaf(text(255), default="Medarbetarsamtal"),
    "records.lease_minutes": Leaf(whole_number("minutes", 1, 60), default=5),
    "scope.departments": Leaf(text_list("department names"), default=()),
    "scope.exclude_departments": Leaf(text_list("department names"), default=()),
    "scope.exclude_users": Leaf(text_list("user principal names or object ids"), default=()),
    "language.default": Leaf(choice("sv", "en"), default="sv"),
    "holidays.country": Leaf(_country, default=DEFAULT_COUNTRY),
    "holidays.categories": Leaf(text_list("holiday categories"), default=DEFAULT_CATEGORIES),
    "working_hours.days": Leaf(weekdays, default=(0, 1, 2, 3, 4)),
    "working_hours.start": Leaf(clock, default=time(8, 0)),
    "working_hours.end": Leaf(clock, default=time(17, 0)),
    "templates.directory": Leaf(directory),
    "retention.days": Leaf(whole_number("days", 30, 36500), default=730),
    "retention.keep": Leaf(choice("everything", "records"), default="everything"),
    "retention.decision": Leaf(text(500)),
    "retention.hold_users": Leaf(text_list("user principal names or object ids"), default=()),
    "report.min_group_size": Leaf(whole_number("people", 2, 1000), default=5),
    "concurrency.max_requests": Leaf(whole_number("requests", 1, 128), default=16),
    "pacing.licences": Leaf(whole_number("licences", 0, 10_000_000)),
    "pacing.ru_per_minute": Leaf(whole_number("resource units", 100, 1_000_000)),
    "reminders.sender": Leaf(mail_address),
    "reminders.prepare_days_before": Leaf(whole_number("days", 0, 60), default=3),
    "reminders.confirm_after_days": Leaf(whole_number("days", 0, 60), default=2),
    "reminders.repeat_days": Leaf(whole_number("days", 1, 60), default=7),
    "reminders.max_per_talk": Leaf(whole_number("reminders", 0, 20), default=3),
    "reminders.manager_digest": Leaf(weekday_or_never, default=0),
    "reminders.hr_digest": Leaf(mail_address),
    "reminders.hours.start": Leaf(clock, default=time(8, 0)),
    "reminders.hours.end": Leaf(clock, default=time(17, 0)),
}


def accepted_keys() -> frozenset[str]:
    """Every dotted key a campaign file may contain (documented in manifest.yaml and README)."""
    return frozenset(SCHEMA)


def load_settings(
    path: str | os.PathLike[str],
    *,
    now: datetime,
    environ: Mapping[str, str] | None = None,
    allow_past_window: bool = False,
) -> Settings:
    """Load and validate a campaign file; raises :class:`SettingsError` listing every problem.

    ``now`` is the moment to judge the window against (a naive value is local time in the
    campaign's zone). ``allow_past_window`` lets read-only commands (``status``) open a finished
    round. ``environ`` defaults to ``os.environ``.
    """
    source = Path(path)
    file = str(path)
    content = _read_campaign_file(source, file)
    root, problems = compose(content, file)
    if root is None and not problems:
        problems = [Problem(file, 0, 0, "", "the campaign file is empty")]
    if root is None:
        raise SettingsError(tuple(str(p) for p in problems))
    context = Context(source.resolve().parent, os.environ if environ is None else environ)
    tree = read_tree(root, SCHEMA, file, context)
    values = {key: tree.values.get(key, leaf.default) for key, leaf in SCHEMA.items()}
    campaign_zone = cast(Zone, values["meetings.time_zone"])
    moment = now if now.tzinfo is not None else now.replace(tzinfo=campaign_zone.tzinfo)
    _cross_checks(tree, values, file, root, moment, allow_past_window)
    if tree.problems:
        ordered = sorted(tree.problems, key=lambda p: (p.line, p.column, p.key))
        raise SettingsError(tuple(dict.fromkeys(str(p) for p in ordered)))
    return _build(source, moment, values)


def _read_campaign_file(source: Path, file: str) -> str:
    """The text of a regular file of at most :data:`MAX_CAMPAIGN_BYTES`, or :class:`SettingsError`:
    a device (``/dev/zero``), a FIFO or a directory is never read, so a wrong ``--config`` cannot
    hang the command or fill its memory."""
    try:
        info = source.stat()
        if not stat.S_ISREG(info.st_mode):
            raise SettingsError((f"{file}: cannot read the campaign file: not a regular file",))
        with source.open("rb") as handle:
            data = handle.read(MAX_CAMPAIGN_BYTES + 1)
    except OSError as err:
        raise SettingsError((f"{file}: cannot read the campaign file: {err.strerror or err}",)) from err
    if len(data) > MAX_CAMPAIGN_BYTES:
        raise SettingsError((f"{file}: cannot read the campaign file: it is larger than "
                             f"{MAX_CAMPAIGN_BYTES // 1024} KiB (a campaign file is a few kilobytes)",))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SettingsError((f"{file}: cannot read the campaign file: not UTF-8 text ({err.reason} "
                             f"at byte {err.start})",)) from err


def _cross_checks(
    tree: Tree,
    values: dict[str, object],
    file: str,
    root: yaml.Node,
    now: datetime,
    allow_past_window: bool,
) -> None:
    """Rules that involve several keys; each problem is placed on the most telling line."""
    problems = tree.problems
    nodes = tree.nodes
    tenant_node = tree.keys.get("tenant", root)
    has_secret = "tenant.client_secret" in nodes
    has_certificate = "tenant.certificate" in nodes
    if not has_secret and not has_certificate:
        problems.append(problem_at(
            file, tenant_node, "tenant.client_secret",
            "no credential: give client_secret: {env: NAME} or certificate: {path: FILE, thumbprint: HEX}",
        ))
    elif has_secret and has_certificate:
        problems.append(problem_at(
            file, nodes["tenant.certificate"], "tenant.certificate",
            "give either client_secret or certificate, not both",
        ))

    valid = all(key not in nodes or key in tree.values for key in ("tenant.authority", "tenant.graph_url"))
    mismatch = cloud_mismatch(cast(str, values["tenant.authority"]), cast(str, values["tenant.graph_url"]))
    if valid and mismatch:
        where = nodes.get("tenant.authority", nodes.get("tenant.graph_url", tenant_node))
        problems.append(problem_at(file, where, "tenant.authority", mismatch))
    sandbox = sandbox_mismatch(cast(str, values["tenant.authority"]), cast(str, values["tenant.graph_url"]))
    if valid and sandbox:
        key = "tenant.graph_url" if "tenant.graph_url" in nodes and "tenant.authority" not in nodes else "tenant.authority"
        problems.append(problem_at(file, nodes.get(key, tenant_node), key, sandbox))

    holidays_ok = "holidays.country" not in nodes or "holidays.country" in tree.values
    holidays_ok = holidays_ok and ("holidays.categories" not in nodes or "holidays.categories" in tree.values)
    if holidays_ok:
        try:
            check_calendar(cast(str, values["holidays.country"]), cast(tuple[str, ...], values["holidays.categories"]))
        except UnknownHolidayCalendar as err:
            key = "holidays.country" if "country code" in str(err) else "holidays.categories"
            problems.append(problem_at(file, nodes.get(key, root), key, str(err)))
            holidays_ok = False

    start = tree.values.get("campaign.window.start")
    end = tree.values.get("campaign.window.end")
    end_node = nodes.get("campaign.window.end")
    if isinstance(start, date) and isinstance(end, date):
        today = now.astimezone(cast(Zone, values["meetings.time_zone"]).tzinfo).date()
        if end < start:
            problems.append(problem_at(
                file, end_node, "campaign.window.end",
                f"the window is reversed: it ends on {end} before it starts on {start}",
            ))
        elif end < today and not allow_past_window:
            problems.append(problem_at(
                file, end_node, "campaign.window.end",
                f"the window ended on {end}, before now ({today}): is the year mistyped?",
            ))
        elif holidays_ok and not _has_working_day(values, start, end):
            problems.append(problem_at(
                file, tree.keys.get("campaign.window"), "campaign.window",
                f"the window {start} to {end} holds no working day (working_hours.days, holidays)",
            ))

    _check_reminders(tree, values, file)

    work_start = cast(time, values["working_hours.start"])
    work_end = cast(time, values["working_hours.end"])
    if work_end <= work_start:
        problems.append(problem_at(
            file, nodes.get("working_hours.end", root), "working_hours.end",
            f"working hours end ({work_end:%H:%M}) must be after they start ({work_start:%H:%M})",
        ))
    elif "meetings.duration_minutes" in nodes and "meetings.duration_minutes" in tree.values:
        minutes = cast(int, values["meetings.duration_minutes"])
        length = (work_end.hour * 60 + work_end.minute) - (work_start.hour * 60 + work_start.minute)
        if minutes > length:
            problems.append(problem_at(
                file, nodes["meetings.duration_minutes"], "meetings.duration_minutes",
                f"a {minutes}-minute talk does not fit in the working day "
                f"{work_start:%H:%M}-{work_end:%H:%M}",
            ))


def _check_reminders(tree: Tree, values: dict[str, object], file: str) -> None:
    """Reminder settings without a sender do nothing: say so rather than ignore them; the
    sending window must be a window."""
    nodes = tree.nodes
    given = sorted(k for k in nodes if k.startswith("reminders.") and k != "reminders.hours")
    if given and "reminders.sender" not in nodes:
        tree.problems.append(problem_at(
            file, tree.keys.get("reminders"), "reminders.sender",
            f"reminders are off without a sender: give reminders.sender (the mailbox they are "
            f"sent from) or remove {', '.join(given)}"))
    start = cast(time, values["reminders.hours.start"])
    end = cast(time, values["reminders.hours.end"])
    if end <= start:
        tree.problems.append(problem_at(
            file, nodes.get("reminders.hours.end", tree.keys.get("reminders")), "reminders.hours.end",
            f"the sending hours must end ({end:%H:%M}) after they start ({start:%H:%M})"))


def _has_working_day(values: dict[str, object], start: date, end: date) -> bool:
    days = cast(tuple[int, ...], values["working_hours.days"])
    country = cast(str, values["holidays.country"])
    categories = cast(tuple[str, ...], values["holidays.categories"])
    if (end - start).days > 14:
        return True  # two weeks always hold a working day; spare the holiday lookup
    closed = closed_days(country, categories, start, end)
    current = start
    while current <= end:
        if current.weekday() in days and current not in closed:
            return True
        current += timedelta(days=1)
    return False


def _build(source: Path, now: datetime, v: dict[str, object]) -> Settings:
    credential = v["tenant.client_secret"] or v["tenant.certificate"]
    assert isinstance(credential, (SecretRef, CertificateRef))
    campaign_id = cast(str, v["campaign.id"])
    return Settings(
        source=source,
        now=now,
        campaign=CampaignSettings(
            id=campaign_id,
            title=cast(str | None, v["campaign.title"]) or f"Medarbetarsamtal {campaign_id}",
            window=Window(cast(date, v["campaign.window.start"]), cast(date, v["campaign.window.end"])),
            previous=cast(str | None, v["campaign.previous"]),
        ),
        tenant=TenantSettings(
            graph_url=cast(str, v["tenant.graph_url"]),
            tenant_id=cast(str, v["tenant.tenant_id"]),
            client_id=cast(str, v["tenant.client_id"]),
            credential=credential,
            authority=cast(str, v["tenant.authority"]),
        ),
        meetings=MeetingSettings(
            duration=timedelta(minutes=cast(int, v["meetings.duration_minutes"])),
            buffer=timedelta(minutes=cast(int, v["meetings.buffer_minutes"])),
            max_per_manager_per_day=cast(int, v["meetings.max_per_manager_per_day"]),
            zone=cast(Zone, v["meetings.time_zone"]),
            online=cast(Literal["teams", "none"], v["meetings.online"]),
            spread=cast(Literal["even", "early"], v["meetings.spread"]),
            notice=timedelta(days=cast(int, v["meetings.notice_days"])),
            location=cast("str | None", v["meetings.location"]),
        ),
        folders=FolderSettings(
            owner=cast(Literal["employee", "manager"], v["folders.owner"]),
            path=cast(str, v["folders.path"]).replace("{campaign}", campaign_id).strip("/"),
            template=cast(str, v["folders.path"]),
        ),
        records=RecordSettings(site=cast(str, v["records.site"]), list=cast(str, v["records.list"]),
                               lease=timedelta(minutes=cast(int, v["records.lease_minutes"]))),
        scope=ScopeSettings(
            departments=cast(tuple[str, ...], v["scope.departments"]),
            exclude_departments=cast(tuple[str, ...], v["scope.exclude_departments"]),
            exclude_users=cast(tuple[str, ...], v["scope.exclude_users"]),
        ),
        language=LanguageSettings(default=cast(Literal["sv", "en"], v["language.default"])),
        holidays=HolidaySettings(
            country=cast(str, v["holidays.country"]),
            categories=cast(tuple[str, ...], v["holidays.categories"]),
        ),
        working_hours=WorkingHoursSettings(
            days=cast(tuple[int, ...], v["working_hours.days"]),
            start=cast(time, v["working_hours.start"]),
            end=cast(time, v["working_hours.end"]),
        ),
        templates=TemplateSettings(directory=cast(Path | None, v["templates.directory"])),
        retention=RetentionSettings(
            days=cast(int, v["retention.days"]),
            keep=cast(Literal["everything", "records"], v["retention.keep"]),
            decision=cast(str | None, v["retention.decision"]) or "",
            hold_users=cast(tuple[str, ...], v["retention.hold_users"]),
        ),
        concurrency=ConcurrencySettings(max_requests=cast(int, v["concurrency.max_requests"])),
        pacing=PacingSettings(licences=cast(int | None, v["pacing.licences"]),
                              ru_per_minute=cast(int | None, v["pacing.ru_per_minute"])),
        report=ReportSettings(min_group_size=cast(int, v["report.min_group_size"])),
        reminders=RemindersSettings(
            sender=cast(str | None, v["reminders.sender"]),
            prepare_days_before=cast(int, v["reminders.prepare_days_before"]),
            confirm_after_days=cast(int, v["reminders.confirm_after_days"]),
            repeat_days=cast(int, v["reminders.repeat_days"]),
            max_per_talk=cast(int, v["reminders.max_per_talk"]),
            manager_digest=cast(int | None, v["reminders.manager_digest"]),
            hr_digest=cast(str | None, v["reminders.hr_digest"]),
            hours_start=cast(time, v["reminders.hours.start"]),
            hours_end=cast(time, v["reminders.hours.end"]),
        ),
    )
