"""A tenant whose ``$batch`` items run at once (``tenant.variants.batch: concurrent``,
docs/sandbox.md#tenant-variants): the prep guides of several talks uploaded by path into one
OneDrive race for the campaign's folders, and the losers answer 409 ``nameAlreadyExists``
(docs/failures.md#t22). The round still ends with one folder per talk, each file once, and
every talk booked."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.checks import check_round, items_by_key, normalised, path_segments
from tests.e2e.conftest import NOW, ServeFactory, team_seed


def _concurrent(seed: dict[str, Any]) -> dict[str, Any]:
    seed["tenant"]["variants"] = {"batch": "concurrent"}
    return seed


def _one_of_each(state: dict[str, Any]) -> None:
    """No drive holds two items of one path (a folder made twice, a file uploaded twice)."""
    for drive in state["drives"].values():
        paths = Counter("/".join(path_segments(drive, item)).casefold() for item in drive["items"].values())
        twice = [p for p, n in paths.items() if n > 1]
        assert not twice, f"made twice: {twice}"


@pytest.mark.parametrize("owner", ["manager", "employee"])
def test_uploads_racing_for_the_campaign_folders_end_in_one_folder_and_one_file(
        serve_tenant: ServeFactory, owner: str) -> None:
    seed = _concurrent(team_seed(6))
    if owner == "employee":  # the head's reports without a OneDrive: their folders go to the head's
        seed["users"] += [{"userPrincipalName": f"extra{n}@example.se", "displayName": f"Extra {n}",
                           "manager": "head@example.se", "department": "Avdelningen", "oneDrive": False}
                          for n in range(3)]
    served = serve_tenant(seed, folders_owner=owner)
    served.run(NOW)
    lost = served.stats()["by_status"]
    assert lost.get(409, lost.get("409", 0)) >= 1  # the race was run, and lost by someone
    state = served.state()
    items = check_round(served, state, folders_owner=owner)
    talks = [f for f in items.values() if f["Title"] != "Hedda Head"]  # the head has no manager
    assert all(f["Status"] == "scheduled" for f in talks), [(f["Title"], f["Note"]) for f in talks]
    _one_of_each(state)
    per_drive = Counter(f["DriveId"] for f in items.values() if f["DriveId"])
    assert max(per_drive.values()) >= 3  # several talks' folders made in one OneDrive at once
    served.run(NOW + timedelta(hours=1))  # and a second pass changes nothing
    assert normalised(served.state()) == normalised(state)
    assert items_by_key(served.state()).keys() == items.keys()
