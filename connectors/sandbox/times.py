"""Outlook time values: dateTimeTimeZone in and out, ``Prefer: outlook.timezone``.

Stored instants are naive UTC ISO strings (``2027-02-03T08:00:00``). Outlook returns ``dateTime``
with seven fractional digits and no offset (docs/graph.md#events, docs/graph.md#time-zones), in UTC unless the request
carries ``Prefer: outlook.timezone="<Windows or IANA name>"``; the answer's ``timeZone`` is the
name asked for and ``Preference-Applied`` echoes it.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from connectors.sandbox.errors import GraphError
from connectors.sandbox.http_types import Request
from connectors.timezones import UnknownTimeZone, resolve_zone

_FRACTION = re.compile(r"(\.\d{1,6})\d*")


@lru_cache(maxsize=256)
def tzinfo(name: str) -> dt.tzinfo:
    try:
        zone = resolve_zone(name)
    except UnknownTimeZone:
        # Exchange's answer to a zone it does not know.
        raise GraphError(400, "TimeZoneNotSupportedException", f"A valid TimeZone value must be specified. The following TimeZone value is not supported: '{name}'.") from None
    return dt.timezone.utc if zone.iana == "UTC" else ZoneInfo(zone.iana)


def parse_instant(value: Any, where: str) -> dt.datetime:
    """A dateTimeTimeZone object (or an ISO string with an offset) as naive UTC."""
    if isinstance(value, dict):
        text, zone = value.get("dateTime"), value.get("timeZone") or "UTC"
    else:
        text, zone = value, "UTC"
    if not isinstance(text, str):
        raise GraphError(400, "ErrorInvalidRequest", f"{where}.dateTime is required.")
    try:
        parsed = dt.datetime.fromisoformat(_FRACTION.sub(r"\1", text.strip().replace("Z", "+00:00")))
    except ValueError:
        raise GraphError(400, "ErrorInvalidRequest", f"Cannot convert the literal '{text}' to the expected type 'Edm.DateTime'.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tzinfo(str(zone)))
    return parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)


def stored(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def from_stored(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def output_zone(req: Request) -> str:
    """The zone answers are given in: the Prefer header's name, else UTC."""
    name = req.prefers("outlook.timezone")
    if not name:
        return "UTC"
    tzinfo(name)
    return name


def render(instant_utc: str | dt.datetime, zone_name: str) -> dict[str, str]:
    moment = from_stored(instant_utc) if isinstance(instant_utc, str) else instant_utc
    return {"dateTime": _local_text(moment, zone_name), "timeZone": zone_name}


@lru_cache(maxsize=65536)  # free/busy renders the same weekly times for many people
def _local_text(moment: dt.datetime, zone_name: str) -> str:
    local = moment.replace(tzinfo=dt.timezone.utc).astimezone(tzinfo(zone_name)).replace(tzinfo=None)
    return f"{local.isoformat(timespec='microseconds')}0"


def preference_headers(req: Request) -> dict[str, str]:
    name = req.prefers("outlook.timezone")
    return {"Preference-Applied": f'outlook.timezone="{name}"'} if name else {}
