"""Team overviews, the pass's last stage (docs/architecture.md#one-pass, stage 10).

Each manager whose team has filed content gets a team overview (:mod:`plugin.overview`), made
from the records as the pass leaves them. It is replaced only when that content changed: its
hash per team is cached beside the look-cache, so a pass with nothing new writes nothing. A
failure here belongs to no talk: the next pass tries again, unless an administrator must act.
"""
from __future__ import annotations

from connectors.graph import errors
from connectors.graph.directory import User
from plugin.overview import refresh_team_overviews
from plugin.overview.place import OverviewCache
from plugin.pass_context import PassContext
from plugin.records import Status


def refresh_overviews(pc: PassContext, users: list[User]) -> None:
    """Each manager's team overview, once the team has filed content, replaced only when
    that content changed (its hash is cached next to the look-cache)."""
    if pc.lease is not None:
        pc.lease.check()
    documented = {r.manager_id for r in pc.report.records if r.status is Status.FILED}
    records = [r for r in pc.report.records if r.manager_id in documented]
    if not records:
        return
    path = pc.cache.path
    cache = OverviewCache(path.with_name(path.stem + "-overviews.json") if path is not None else None)
    try:
        placed = refresh_team_overviews(pc.client, pc.settings, records, cache=cache,
                                        managers={u.id: u for u in users}, workers=pc.workers)
    except errors.GraphError as err:
        pc.leave_for_next_pass("team overviews", err)
        return
    if placed:
        pc.progress.say(f"{placed} team overview(s) updated")
