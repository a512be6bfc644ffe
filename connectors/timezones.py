"""Time-zone names: IANA for Python, Windows for Outlook, never compared as strings.

Outlook wants Windows zone names (``W. Europe Standard Time``); Python's ``zoneinfo`` wants IANA
names (``Europe/Stockholm``). The mapping is Unicode CLDR's ``windowsZones.xml``, as shipped in
``tzlocal.windows_tz`` (see docs/architecture.md#time-zones-and-holidays). Two names denote the same zone
when they resolve to the same Windows zone, which is how :func:`same_zone` compares them.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import tz_win, win_tz

_UTC_NAMES = {"utc", "etc/utc", "z", "gmt", "etc/gmt", "coordinated universal time"}


class UnknownTimeZone(ValueError):
    """A name that is neither an IANA zone nor a Windows zone name."""


@dataclass(frozen=True)
class Zone:
    """One time zone under both of its names."""

    iana: str
    windows: str

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.iana)


@lru_cache(maxsize=512)
def resolve_zone(name: str) -> Zone:
    """Resolve an IANA or Windows zone name; raises :class:`UnknownTimeZone`."""
    cleaned = name.strip()
    if cleaned.lower() in _UTC_NAMES:
        return Zone("UTC", "UTC")
    if cleaned in win_tz:  # a Windows name
        return Zone(win_tz[cleaned], cleaned)
    windows_by_lower = {k.lower(): k for k in win_tz}
    if cleaned.lower() in windows_by_lower:
        canonical = windows_by_lower[cleaned.lower()]
        return Zone(win_tz[canonical], canonical)
    if cleaned in tz_win:
        try:
            ZoneInfo(cleaned)
        except (ZoneInfoNotFoundError, ValueError) as err:  # pragma: no cover - tzdata is a dependency
            raise UnknownTimeZone(name) from err
        return Zone(cleaned, tz_win[cleaned])
    raise UnknownTimeZone(name)


def same_zone(a: str, b: str) -> bool:
    """True when two names (IANA or Windows, any mix) denote the same Windows zone."""
    return resolve_zone(a).windows == resolve_zone(b).windows
