"""The campaign's scheduling rules, taken from the settings."""
from __future__ import annotations

from datetime import datetime, timedelta

from plugin.scheduling.holidays import closed_days
from plugin.scheduling.model import Rules, WorkingHours
from plugin.settings import Settings


def rules_from_settings(settings: Settings, now: datetime | None = None) -> Rules:
    """Rules for planning at ``now`` (default ``settings.now``): nothing before now plus notice."""
    moment = settings.now if now is None else now
    window = settings.campaign.window
    meetings = settings.meetings
    hours = settings.working_hours
    # One day either side: a person in another zone may work on a neighbouring local date.
    closed = closed_days(
        settings.holidays.country,
        settings.holidays.categories,
        window.start - timedelta(days=1),
        window.end + timedelta(days=1),
    )
    return Rules(
        first_day=window.start,
        last_day=window.end,
        zone=meetings.zone.iana,
        duration=meetings.duration,
        buffer=meetings.buffer,
        max_per_day=meetings.max_per_manager_per_day,
        fallback_hours=WorkingHours(frozenset(hours.days), hours.start, hours.end, meetings.zone.iana),
        closed_days=closed,
        not_before=moment + meetings.notice,
        spread=meetings.spread,
    )
