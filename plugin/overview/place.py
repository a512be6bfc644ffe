"""Placing the team overviews: one document per manager in the manager's own OneDrive, at
``folders.path`` beside the manager's guide — never in a talk folder, never shared.

A run with nothing new costs no request: each team's filed content (names, statuses, meeting
times and the overview's fields) is hashed, and the hash of the last uploaded overview is kept
in a small local file (only a cache, like :class:`plugin.cache.LookCache`: losing it costs one
upload per manager, never correctness). A team is uploaded (``replace``) only when its hash
changed; the hash is also stamped into the document's core properties.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Mapping, Sequence
from pathlib import Path

from connectors.graph import errors
from connectors.graph.client import GraphClient
from connectors.graph.directory import User
from connectors.graph.names import safe_name
from plugin.documents import choose_language
from plugin.cache import default_cache_file as cache_file
from plugin.cache import read_json_cache, write_json_atomically
from plugin.overview.document import FILE_NAMES, OVERVIEW_FIELDS, check_team, in_overview, render_team_overview
from plugin.records import Record
from plugin.settings import Settings

log = logging.getLogger(__name__)
LAYOUT = "team-overview-1"  # bump when the document's layout changes: every team is uploaded again


class OverviewCache:
    """manager id -> the hash of the overview last placed; written atomically."""

    def __init__(self, path: Path | None) -> None:
        self.placed: dict[str, str] = {}
        if path is not None:  # anything odd about the file is no cache (plugin.cache)
            self.placed, usable = read_json_cache(path, "overviews")
            path = path if usable else None
        self.path = path

    def save(self) -> None:
        if self.path is not None:
            write_json_atomically(self.path, {"overviews": self.placed})


def default_cache_file(settings: Settings) -> Path:
    """``~/.cache/samtal/<campaign>-<tenant, site and list digest>-overviews.json``."""
    return cache_file(settings, "-overviews")


def teams(records: Sequence[Record]) -> dict[str, list[Record]]:
    """The records of the round by manager id (records without a manager are in no team)."""
    out: dict[str, list[Record]] = {}
    for r in records:
        if r.manager_id and in_overview(r):
            out.setdefault(r.manager_id, []).append(r)
    return out


def content_hash(campaign_title: str, manager_name: str, team: Sequence[Record]) -> str:
    """A digest of everything the overview shows (language aside: see :func:`refresh_team_overviews`)."""
    rows = sorted(
        [r.employee_id, r.employee_name, r.status.value,
         r.meeting_start.isoformat() if r.meeting_start else "",
         *(str(r.form.get(tag) or "") for tag in OVERVIEW_FIELDS)]
        for r in team)
    blob = json.dumps([LAYOUT, campaign_title, manager_name, rows], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def refresh_team_overviews(client: GraphClient, settings: Settings, records: list[Record], *,
                           cache_file: Path | None = None,
                           managers: Mapping[str, User] | None = None,
                           cache: OverviewCache | None = None, workers: int = 8) -> int:
    """Upload (replace) the overview of every team whose content changed; returns how many.

    ``records`` are the campaign's records (all of them; each team is chosen by ``manager_id``).
    ``managers`` (id -> directory user, as the pass already read them) gives each manager's
    name and ``preferredLanguage`` without a request; a manager missing from it is looked up
    once, and only when the team's content changed. ``cache_file`` defaults to
    :func:`default_cache_file`. A manager without a OneDrive is skipped until the content changes
    again; a passing failure leaves the cache as it was so the next run tries again; a missing
    permission is raised (``errors.Outcome.NEEDS_CONSENT``).
    """
    if cache is None:  # an in-memory cache may be given instead (a pass without a cache file)
        cache = OverviewCache(cache_file if cache_file is not None else default_cache_file(settings))
    segments = [safe_name(s) for s in settings.folders.path.split("/") if s.strip()]
    lock = threading.Lock()

    def place(manager_id: str, team: list[Record]) -> bool:
        check_team(team, manager_id)
        known = (managers or {}).get(manager_id)
        name = known.display_name if known else next((r.manager_name for r in team if r.manager_name),
                                                     team[0].manager_email or manager_id)
        digest = content_hash(settings.campaign.title, name, team)
        language = choose_language(known.preferred_language, settings.language.default) if known else None
        with lock:
            last = (cache.placed.get(manager_id, "") + "::").split(":")
        if last[0] == digest and (language is None or last[1] == language):
            return False
        try:
            if language is None:
                user = client.directory.get_user(manager_id)
                name, language = user.display_name or name, choose_language(
                    user.preferred_language, settings.language.default)
            data = render_team_overview(name, language, team, settings.campaign.title,
                                        manager_id=manager_id,
                                        time_zone=settings.meetings.zone.iana,
                                        content_hash=digest)
            client.drive.upload_to_user_path(manager_id, segments + [FILE_NAMES[language]], data,
                                             conflict="replace")
        except errors.DriveNotProvisioned:
            log.info("manager %s has no OneDrive; the team overview is not placed", manager_id)
            with lock:
                cache.placed[manager_id] = f"{digest}:{language}:no-drive"
            return False
        except errors.GraphError as err:
            if err.outcome is errors.Outcome.NEEDS_CONSENT:
                raise
            log.warning("team overview of manager %s: will try again next run: %s", manager_id, err)
            return False
        with lock:
            cache.placed[manager_id] = f"{digest}:{language}"
        return True

    placed = 0
    try:
        # Teams are independent: render and upload them in parallel (the HTTP layer caps it).
        with ThreadPoolExecutor(max_workers=max(1, min(workers, 32))) as pool:
            futures = [pool.submit(place, m, t) for m, t in sorted(teams(records).items())]
            for future in futures:
                placed += bool(future.result())
    finally:
        cache.save()
    return placed
