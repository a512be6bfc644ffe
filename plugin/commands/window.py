"""The rule for a campaign window that is over, the same in ``run``, ``plan`` and ``doctor``.

A window that ended before ``--now`` is refused as a mistyped year (exit status 2, naming the
file, the key and the line) only when the campaign never booked anything: a campaign that did
book goes on marking talks held and filing forms after its window. Telling the two apart takes
one cheap, indexed query of the records list. ``status`` and ``report`` only read, and open a
finished round whatever it booked.
"""
from __future__ import annotations

import argparse

from plugin.commands.common import load_from_args, wait_notices
from plugin.settings import Settings
from plugin.store import RecordStore
from plugin.tenant import open_client


def window_over(settings: Settings) -> bool:
    return settings.campaign.window.end < settings.now.astimezone(settings.meetings.zone.tzinfo).date()


def has_records(settings: Settings, quiet: bool = False) -> bool:
    """Whether the campaign booked anything (the first item of an indexed query only).
    Raises :class:`connectors.graph.errors.GraphError` when the records cannot be read."""
    client = open_client(settings, notices=wait_notices(quiet))
    store = RecordStore.open_existing(client.lists, settings.records.site, settings.records.list)
    if store is None:
        return False
    items = client.lists.query_items(store.site.id, store.info.id, equals={"Campaign": settings.campaign.id})
    return next(iter(items), None) is not None


def refuse_unbooked_past_window(args: argparse.Namespace, settings: Settings, quiet: bool = False) -> bool:
    """For a window that is over: exit with status 2 (as a settings error) when the campaign
    booked nothing, else return True. False when the window is not over. Raises
    :class:`connectors.graph.errors.GraphError` when the records cannot be read."""
    if not window_over(settings):
        return False
    if not has_records(settings, quiet):
        load_from_args(args)  # exits 2, naming the file, the key and the line
    return True
