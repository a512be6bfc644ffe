"""A person whose OneDrive cannot be found: Graph answers 400 "Unable to retrieve user's mysite
URL." (docs/failures.md#f15), which the connector reads as "no OneDrive", as the 404 of a
OneDrive never provisioned. The talk's folder goes to the manager's OneDrive and the round ends
as documented (checks.py)."""
from __future__ import annotations

from tests.e2e.checks import check_round, items_by_key
from tests.e2e.conftest import NOW, ServeFactory, team_seed


def test_a_person_whose_onedrive_answers_400_gets_the_folder_in_the_managers(serve_tenant: ServeFactory) -> None:
    seed = team_seed(3)
    seed["users"][3]["oneDrive"] = "unlicensed"  # Person 0
    served = serve_tenant(seed)
    served.run(NOW)
    state = served.state()
    talk = next(f for f in items_by_key(state).values() if f["Title"] == "Person 0")
    users = {u["userPrincipalName"]: u for u in state["users"].values()}
    assert talk["Status"] == "scheduled", talk["Note"]
    assert state["drives"][talk["DriveId"]]["ownerId"] == users["boss@example.se"]["id"]
    assert "OneDrive" in talk["Note"]
    check_round(served, state)
