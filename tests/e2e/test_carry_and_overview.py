"""Last round's goals carried into the prep guide (README.md#templates), and each manager's team
overview placed by the pass once the team has filed content (README.md#reports)."""
from __future__ import annotations

import io
import zipfile
from typing import Any

from plugin.cache import LookCache
from plugin.documents import wordsim
from plugin.overview.document import FILE_NAMES as OVERVIEW_NAMES
from plugin.records import COLUMNS
from plugin.store import RecordStore
from tests.e2e.checks import items_by_key, utc
from tests.e2e.conftest import AFTER, NOW, ServeFactory, Served, team_seed
from tests.e2e.test_life import prep_item


def text_of(docx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return z.read("word/document.xml").decode("utf-8")


def by_name(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["Title"]: f for f in items_by_key(state).values() if f["Campaign"] == "2027"}


def test_last_rounds_goals_reach_this_rounds_prep_guide(serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(2))
    client = served.client(NOW)
    settings = served.settings(NOW)
    store = RecordStore.open(client.lists, settings.records.site, settings.records.list)
    person = client.directory.get_user("person0@example.se")
    store.lists.create_item(store.site.id, store.info.id, {
        "Title": "Person 0", "Key": f"2026:{person.id}", "Campaign": "2026", "EmployeeId": person.id,
        "Status": "filed", "Goals": "Skriva klart boken om grafer", "DevelopmentPlan": "Kurs i ledarskap 2026"})
    text = served.config.read_text(encoding="utf-8")
    served.config.write_text(text.replace('campaign: {id: "2027", ', 'campaign: {id: "2027", previous: "2026", '),
                             encoding="utf-8")
    assert served.settings(NOW).campaign.previous == "2026"
    served.run(NOW)
    state = served.state()
    talks = by_name(state)
    guide = text_of(served.blob(prep_item(state, talks["Person 0"])["id"]))
    assert "Skriva klart boken om grafer" in guide and "Kurs i ledarskap 2026" in guide
    other = text_of(served.blob(prep_item(state, talks["Person 1"])["id"]))
    assert "Skriva klart boken om grafer" not in other
    assert {c.name for c in COLUMNS} >= {"Goals", "DevelopmentPlan"}


def _overviews(served: Served, manager_upn: str) -> list[dict[str, Any]]:
    state = served.state()
    manager = next(u for u in state["users"].values() if u["userPrincipalName"] == manager_upn)
    drive = next(d for d in state["drives"].values() if d.get("ownerId") == manager["id"]
                 or d.get("owner", {}).get("user", {}).get("id") == manager["id"])
    return [i for i in drive["items"].values() if i["name"] in OVERVIEW_NAMES.values()]


def test_the_pass_places_a_team_overview_once_content_is_filed(serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(3))
    served.run(NOW)
    assert _overviews(served, "boss@example.se") == []  # nothing documented yet: no overview
    talk = by_name(served.state())["Person 0"]
    data = wordsim.fill_form(served.blob(talk["FormItemId"]), {"goals": "- Lära sig Rust", "competence_needs": "Rust"},
                             confirm=("employee_confirmed", "manager_confirmed"),
                             day=utc(talk["MeetingStart"]).date())
    served.people.save_file(talk["DriveId"], talk["FormItemId"], data)
    cache = LookCache(served.cache_path)
    served.run(AFTER, watch_all=True, cache=cache)
    [overview] = _overviews(served, "boss@example.se")
    body = text_of(served.blob(overview["id"]))
    assert "Lära sig Rust" in body
    assert "Person 0" in body and "Person 1" in body  # who is not yet documented is listed too
    version = overview.get("version")
    served.run(AFTER, watch_all=True, cache=LookCache(served.cache_path))  # nothing new: not uploaded again
    assert _overviews(served, "boss@example.se")[0].get("version") == version
