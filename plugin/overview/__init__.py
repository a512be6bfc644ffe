"""The manager's team overview: the collected picture of the group's capacity and development
needs a manager wants from a round (README.md#reports), built from the filed records only.

Public API::

    from plugin.overview import render_team_overview, refresh_team_overviews
    render_team_overview(manager_name, language, records_of_the_team, campaign_title, *,
                         manager_id=None, time_zone="Europe/Stockholm", content_hash="") -> bytes
    refresh_team_overviews(client, settings, records, *, cache_file=None, managers=None) -> int

Module roles: ``themes`` (grouping recurring competence needs), ``document`` (the Word
document's content), ``wml`` (its ``word/document.xml`` as strings), ``package`` (the shared
parts, built once and copied as compressed bytes), ``place`` (which teams changed, upload to the
manager's own OneDrive).
"""
from plugin.overview.document import OverviewError, render_team_overview
from plugin.overview.place import default_cache_file, refresh_team_overviews, teams
from plugin.overview.themes import Theme, group

__all__ = ["OverviewError", "Theme", "default_cache_file", "group", "refresh_team_overviews",
           "render_team_overview", "teams"]
