"""The campaign file (README.md#configuration): loaded into frozen dataclasses and validated at load.

Every mistake becomes one line of :attr:`SettingsError.problems`, naming the file, the dotted key
and the line: ``campaign.yaml:3: meetings.duration_minutes: expected a whole number of minutes,
got "sixty"``. All problems of a file are reported at once. Secrets are references (an environment
variable, a certificate file), checked to exist but never read into the settings.

This module is where callers get :class:`Settings` and :func:`load_settings`. Behind it: the
sections' dataclasses (:mod:`plugin.settings_sections`), the table of keys with their parsers
and defaults (:mod:`plugin.settings_table`), the rules across keys
(:mod:`plugin.settings_checks`), and the YAML reader that keeps every line
(:mod:`plugin.settings_schema`, :mod:`plugin.settings_parsers`).

>>> settings = load_settings("campaign.yaml", now=datetime.now(timezone.utc))  # doctest: +SKIP
>>> settings.meetings.duration
datetime.timedelta(seconds=3600)
"""
from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal, cast

from connectors.timezones import Zone
from plugin.settings_checks import cross_checks
from plugin.settings_parsers import CertificateRef, SecretRef
from plugin.settings_schema import Context, Problem, compose, read_tree
from plugin.settings_sections import (
    CampaignSettings,
    ConcurrencySettings,
    FolderSettings,
    HolidaySettings,
    LanguageSettings,
    MeetingSettings,
    PacingSettings,
    RecordSettings,
    RemindersSettings,
    ReportSettings,
    RetentionSettings,
    ScopeSettings,
    TemplateSettings,
    TenantSettings,
    Window,
    WorkingHoursSettings,
)
from plugin.settings_table import SCHEMA

__all__ = ["MAX_CAMPAIGN_BYTES", "Settings", "SettingsError", "load_settings"]

MAX_CAMPAIGN_BYTES = 1024 * 1024  # a campaign file is a few kilobytes; 1 MiB is generous


class SettingsError(Exception):
    """The campaign file cannot be used; ``problems`` holds one readable line per mistake."""

    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


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
    cross_checks(tree, values, file, root, moment, allow_past_window)
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
