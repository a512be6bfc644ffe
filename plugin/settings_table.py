"""The leaf table of the campaign file: every dotted key it may hold (``meetings.duration_minutes``),
the parser that judges its value and its default (README.md#configuration, manifest.yaml).

The parsers for values of many kinds are in :mod:`plugin.settings_parsers`; the few that only one
key of the campaign file uses (its id, the folder path, the records site, the holiday country) are
here beside the table. Reading a file against the table is :func:`plugin.settings_schema.read_tree`.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time

import yaml

from connectors.graph.clouds import DEFAULT_GRAPH_URL
from connectors.timezones import resolve_zone
from plugin.scheduling.holidays import DEFAULT_CATEGORIES, DEFAULT_COUNTRY
from plugin.settings_parsers import (
    authority_url,
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
from plugin.settings_schema import Context, Invalid, Leaf, scalar_text

__all__ = ["SCHEMA", "accepted_keys"]

_FORBIDDEN_IN_NAMES = set('"*:<>?\\|')
_CAMPAIGN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_SITE = re.compile(r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}:/\S*$")


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
