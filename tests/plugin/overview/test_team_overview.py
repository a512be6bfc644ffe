from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from connectors.graph import errors
from connectors.graph.directory import User
from plugin.documents import FORM_FIELDS
from plugin.overview import OverviewError, group, refresh_team_overviews, render_team_overview, teams
from plugin.overview.document import FILE_NAMES
from plugin.overview.themes import items
from plugin.records import Record, Status
from plugin.settings import Settings
from tests.plugin.overview.conftest import rec


def text_of(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def names_in_tables(data: bytes) -> set[str]:
    doc = Document(io.BytesIO(data))
    return {row.cells[0].text for t in doc.tables for row in t.rows[1:]}


def anna(records: list[Record]) -> list[Record]:
    return teams(records)["id-anna"]


def test_lists_exactly_the_managers_reports(records: list[Record]) -> None:
    data = render_team_overview("Anna", "sv", anna(records), "Medarbetarsamtal 2027", manager_id="id-anna")
    names = names_in_tables(data) - {"Projektledning", "Python", "python", "Handledning"}
    assert names == {"Per", "Eva", "Bo", "Lena"}  # Olle is excluded, Karin is Sven's
    text = text_of(data)
    assert "Karin" not in text and "Andra teamets mål" not in text
    assert "Ännu inte dokumenterade (2)" in text


def test_recurring_needs_are_grouped_and_counted_per_person(records: list[Record]) -> None:
    doc = Document(io.BytesIO(render_team_overview("Anna", "en", anna(records), "Round 2027")))
    recurring = doc.tables[2]
    rows = [[c.text for c in r.cells] for r in recurring.rows]
    assert rows[0] == ["Need", "People"]
    assert [(need.casefold(), n) for need, n in rows[1:]] == [("python", "2")]  # "Python" and "python."


def test_never_a_health_or_feedback_field(records: list[Record]) -> None:
    hidden = [tag for tag, spec in FORM_FIELDS.items() if not spec.filed]
    assert set(hidden) == {"health_notes", "manager_feedback"}
    data = render_team_overview("Anna", "en", anna(records), "Round 2027")
    text = text_of(data)
    for tag in hidden:
        for title in FORM_FIELDS[tag].titles.values():
            assert title not in text
    leaky = rec("Ulf", "Anna", Status.FILED, health_notes="sjukskriven", goals="x")
    with pytest.raises(OverviewError, match="health_notes"):
        render_team_overview("Anna", "sv", [leaky], "Round 2027")


def test_a_record_of_another_team_is_refused(records: list[Record]) -> None:
    with pytest.raises(OverviewError, match="another manager"):
        render_team_overview("Anna", "sv", records, "Round 2027", manager_id="id-anna")


def test_same_content_same_bytes_and_language(records: list[Record]) -> None:
    one = render_team_overview("Anna", "en", anna(records), "Round 2027", content_hash="abc")
    assert one == render_team_overview("Anna", "en", anna(records), "Round 2027", content_hash="abc")
    assert "Team overview: Round 2027" in text_of(one)
    assert Document(io.BytesIO(one)).core_properties.identifier == "abc"
    with pytest.raises(ValueError, match="sv or en"):
        render_team_overview("Anna", "de", [], "Round 2027")


def test_theme_items_and_grouping() -> None:
    assert items("- Python\n* Projektledning; 1. Handledning.\n") == ["Python", "Projektledning", "Handledning"]
    themes = group(["Python; python", "PYTHON!", "Excel"])
    assert [(t.key, t.people) for t in themes] == [("python", 2), ("excel", 1)]


@dataclass
class FakeDrive:
    uploads: list[tuple[str, list[str], bytes, str]] = field(default_factory=list)
    no_drive: set[str] = field(default_factory=set)
    fail_once: set[str] = field(default_factory=set)

    def upload_to_user_path(self, user_id: str, segments: list[str], data: bytes, *,
                            conflict: str = "replace") -> Any:
        if user_id in self.no_drive:
            raise errors.DriveNotProvisioned("no drive", status=404)
        if user_id in self.fail_once:
            self.fail_once.discard(user_id)
            raise errors.ServerError("unavailable", status=503)
        self.uploads.append((user_id, list(segments), data, conflict))
        return None


@dataclass
class FakeDirectory:
    looked: list[str] = field(default_factory=list)

    def get_user(self, user_id: str) -> User:
        self.looked.append(user_id)
        return User(id=user_id, display_name=user_id.removeprefix("id-").title(), upn=f"{user_id}@x",
                    preferred_language="en-GB" if user_id == "id-sven" else "sv-SE")


@dataclass
class FakeClient:
    drive: FakeDrive = field(default_factory=FakeDrive)
    directory: FakeDirectory = field(default_factory=FakeDirectory)


def test_refresh_places_one_document_per_manager_and_only_when_changed(
        settings: Settings, records: list[Record], tmp_path: Path) -> None:
    client = FakeClient()
    cache = tmp_path / "overviews.json"
    assert refresh_team_overviews(client, settings, records, cache_file=cache) == 2  # type: ignore[arg-type]
    placed = {u: (segments, data, conflict) for u, segments, data, conflict in client.drive.uploads}
    assert set(placed) == {"id-anna", "id-sven"}
    assert placed["id-anna"][0] == ["Medarbetarsamtal", "2027", FILE_NAMES["sv"]]
    assert placed["id-sven"][0] == ["Medarbetarsamtal", "2027", FILE_NAMES["en"]]
    assert all(conflict == "replace" for _, _, conflict in placed.values())
    assert "Karin" in text_of(placed["id-sven"][1]) and "Per" not in text_of(placed["id-sven"][1])

    # nothing new: no request at all, not even a directory look-up
    client2 = FakeClient()
    assert refresh_team_overviews(client2, settings, records, cache_file=cache) == 0  # type: ignore[arg-type]
    assert client2.drive.uploads == [] and client2.directory.looked == []

    # Bo's form is filed: only Anna's overview is uploaded again
    changed = [r.with_changes(status=Status.FILED, form={"goals": "Nytt"}) if r.employee_name == "Bo" else r
               for r in records]
    client3 = FakeClient()
    assert refresh_team_overviews(client3, settings, changed, cache_file=cache) == 1  # type: ignore[arg-type]
    assert [u for u, *_ in client3.drive.uploads] == ["id-anna"]


def test_refresh_with_known_managers_skips_lookups_and_retries_failures(
        settings: Settings, records: list[Record], tmp_path: Path) -> None:
    managers = {"id-anna": User("id-anna", "Anna Berg", "anna@x", preferred_language="en-US"),
                "id-sven": User("id-sven", "Sven", "sven@x")}
    client = FakeClient()
    client.drive.no_drive.add("id-sven")
    client.drive.fail_once.add("id-anna")
    cache = tmp_path / "overviews.json"
    assert refresh_team_overviews(client, settings, records, cache_file=cache, managers=managers) == 0  # type: ignore[arg-type]
    assert client.directory.looked == []
    # the passing failure is tried again; the manager without a drive is not, until it changes
    assert refresh_team_overviews(client, settings, records, cache_file=cache, managers=managers) == 1  # type: ignore[arg-type]
    assert [u for u, *_ in client.drive.uploads] == ["id-anna"]
    assert "Anna Berg" in text_of(client.drive.uploads[0][2])
    assert refresh_team_overviews(client, settings, records, cache_file=cache, managers=managers) == 0  # type: ignore[arg-type]
