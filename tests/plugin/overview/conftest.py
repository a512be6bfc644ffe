"""Small record fixtures for the team overview and the HR report, built in Python."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from plugin.records import Record, Status
from plugin.settings import Settings, load_settings

CAMPAIGN = """\
campaign: {id: "2027", title: Medarbetarsamtal 2027, window: {start: 2027-02-01, end: 2027-04-30}}
tenant: {graph_url: "http://127.0.0.1:9/v1.0", tenant_id: t, client_id: c,
         client_secret: {env: SAMTAL_TEST_SECRET}}
records: {site: "example.sharepoint.com:/sites/hr"}
"""


@pytest.fixture()
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SAMTAL_TEST_SECRET", "x")
    path = tmp_path / "campaign.yaml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    return load_settings(path, now=datetime(2027, 1, 20, 9, tzinfo=timezone.utc))


def rec(employee: str, manager: str, status: Status, *, department: str = "Matematik",
        start: datetime | None = None, **form: str) -> Record:
    return Record(campaign="2027", employee_id=f"id-{employee.lower()}", employee_name=employee,
                  status=status, manager_id=f"id-{manager.lower()}", manager_name=manager,
                  manager_email=f"{manager.lower()}@example.se", department=department,
                  meeting_start=start, form=form)


@pytest.fixture()
def records() -> list[Record]:
    when = datetime(2027, 2, 10, 9, tzinfo=timezone.utc)
    return [
        rec("Per", "Anna", Status.FILED, start=when, goals="- Ny kurs\n- Ansökan",
            development_plan="Pedagogikkurs", competence_needs="Projektledning; Python",
            previous_goals_followup="Uppnådda"),
        rec("Eva", "Anna", Status.FILED, start=when, goals="Handleda doktorander",
            development_plan="Mentor", competence_needs="- python.\n- Handledning"),
        rec("Bo", "Anna", Status.SCHEDULED, start=when),
        rec("Lena", "Anna", Status.UNSCHEDULABLE),
        rec("Olle", "Anna", Status.EXCLUDED),
        rec("Karin", "Sven", Status.FILED, start=when, goals="Andra teamets mål",
            competence_needs="Python"),
    ]
