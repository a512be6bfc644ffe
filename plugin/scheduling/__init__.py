"""Slot search for the talks (docs/architecture.md#pluginscheduling): pure computation on
free/busy data, no I/O.

Graph's findMeetingTimes does not work with application permissions
(docs/graph.md#free-and-busy-time), so samtal computes slots itself from getSchedule data that
the reconcile loop fetches.
``rules_from_settings`` lives in :mod:`plugin.scheduling.rules` (it imports the settings).
"""
from plugin.scheduling.model import (
    Booking,
    BusyBlock,
    BusyStatus,
    Outcome,
    Person,
    Proposal,
    Rules,
    Team,
    TeamPlan,
    Unschedulable,
    WorkingHours,
)
from plugin.scheduling.planner import (
    find_conflict,
    is_in_conflict,
    plan_round,
    plan_team,
    propose_new_time,
)

__all__ = [
    "Booking", "BusyBlock", "BusyStatus", "Outcome", "Person", "Proposal", "Rules", "Team",
    "TeamPlan", "Unschedulable", "WorkingHours", "find_conflict", "is_in_conflict", "plan_round",
    "plan_team", "propose_new_time",
]
