"""Shared contexts for the document tests."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from plugin.documents import TalkContext

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def talk(language: str = "sv", **overrides: object) -> TalkContext:
    values: dict[str, object] = dict(
        campaign_id="2027", campaign_title="Medarbetarsamtal 2027",
        employee_id="8f0c4a3e-0000-4000-8000-000000000001", employee_name="Åsa & <Öberg>",
        manager_name="Per Lind", department="Institutionen för matematik",
        meeting_start=dt.datetime(2027, 2, 9, 10, 0, tzinfo=STOCKHOLM),
        meeting_end=dt.datetime(2027, 2, 9, 11, 0, tzinfo=STOCKHOLM),
        time_zone="Europe/Stockholm", language=language,
        previous_goals="Leda projektet Älvsjö\n- Förbättra svarstider", previous_development_plan="")
    values.update(overrides)
    return TalkContext(**values)  # type: ignore[arg-type]


@pytest.fixture(params=["sv", "en"])
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)
