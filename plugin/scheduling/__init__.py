"""Slot search for the talks (SPEC §4): pure computation on free/busy data, no I/O.

Graph's findMeetingTimes does not work with application permissions (reference/graph-facts.md
§3), so samtal computes slots itself from getSchedule data that the reconcile loop fetches.
"""
