"""The campaign file's sections (README.md#configuration) as frozen dataclasses, one per top-level
key, with the little behaviour that belongs to a section: who is out of scope, a folder's path for
another campaign, who is on hold, the SharePoint RU budget, when reminders are on.

They are built by :func:`plugin.settings.load_settings` from the values the leaf table
(:mod:`plugin.settings_table`) read and the cross-key rules (:mod:`plugin.settings_checks`)
accepted, and gathered into :class:`plugin.settings.Settings`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from connectors.graph.addresses import address_key, id_key
from connectors.timezones import Zone
from plugin.settings_parsers import CertificateRef, SecretRef

__all__ = [
    "CampaignSettings", "ConcurrencySettings", "FolderSettings", "HolidaySettings",
    "LanguageSettings", "MeetingSettings", "PacingSettings", "RecordSettings", "RemindersSettings",
    "ReportSettings", "RetentionSettings", "ScopeSettings", "TemplateSettings", "TenantSettings",
    "Window", "WorkingHoursSettings",
]

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
