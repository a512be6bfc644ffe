"""The meeting of a talk: its ``transactionId`` (the same for a create sent again, a new one for a
new booking, docs/failures.md#t16), its location, and the invitation of a meeting that came
without its Teams link (docs/failures.md#c5)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from connectors.graph.calendar_records import Event
from connectors.graph.directory import User
from plugin.settings import Settings
from plugin.invitations import NO_TEAMS_NOTE
from plugin.talks import Talks
from tests.plugin.test_settings import GOOD, load

START = datetime(2027, 2, 3, 9, tzinfo=timezone.utc)
END = datetime(2027, 2, 3, 10, tzinfo=timezone.utc)
ANNA = User(id="id-anna", display_name="Anna <Berg>", upn="anna@example.se", preferred_language="sv-SE")
MIKE = User(id="id-mike", display_name="Mike", upn="mike@example.se", preferred_language="en-GB")
PER = User(id="id-per", display_name="Per", upn="per@example.se")
OLA = User(id="id-ola", display_name="Ola", upn="ola@example.se")


def talks(tmp_path: Path, meetings: str = "online: teams}") -> Talks:
    settings: Settings = load(tmp_path, GOOD.replace("online: teams}", meetings))
    return Talks(None, settings)  # type: ignore[arg-type]  # drafts need no client


def event(join_url: str | None) -> Event:
    return Event(id="ev-1", ical_uid=None, subject="s", start=START, end=END, is_cancelled=False,
                 organizer="per@example.se", join_url=join_url)


def test_a_create_sent_again_keeps_its_transaction_id_and_a_new_booking_gets_a_new_one(tmp_path: Path) -> None:
    t = talks(tmp_path)
    first = t.draft(ANNA, PER, START, END, "https://x/f").transaction_id
    assert t.draft(ANNA, PER, START, END, "https://x/f").transaction_id == first  # sent again
    assert t.draft(ANNA, PER, START.replace(hour=13), END.replace(hour=14), "u").transaction_id == first
    # booked anew after the meeting ev-1 was cancelled or deleted: never the old id
    again = t.draft(ANNA, PER, START, END, "https://x/f", replaces="ev-1").transaction_id
    assert again != first and again == t.draft(ANNA, PER, START, END, "u", replaces="ev-1").transaction_id
    assert t.draft(ANNA, PER, START, END, "u", replaces="ev-2").transaction_id not in (first, again)
    # another manager, another employee: other ids
    assert t.draft(ANNA, OLA, START, END, "u").transaction_id not in (first, again)
    assert t.draft(MIKE, PER, START, END, "u").transaction_id != first


def test_the_location_goes_on_every_invitation_and_into_the_text_without_teams(tmp_path: Path) -> None:
    plain = talks(tmp_path).draft(ANNA, PER, START, END, "u")
    assert plain.location is None and plain.online_meeting and "Plats" not in plain.body_html
    room = talks(tmp_path, 'online: teams, location: "Sal B, plan 2"}').draft(ANNA, PER, START, END, "u")
    assert room.location == "Sal B, plan 2" and room.online_meeting and "Plats" not in room.body_html
    none = talks(tmp_path, 'online: none, location: "Sal B & C"}').draft(MIKE, PER, START, END, "u")
    assert not none.online_meeting and "<p>Place: Sal B &amp; C.</p>" in none.body_html


class FakeCalendar:
    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []

    def update_event(self, user: str, event_id: str, **changes: Any) -> Event:
        self.updates.append({"user": user, "event": event_id, **changes})
        return event(None)


@pytest.mark.parametrize(("meetings", "who", "says"), [
    ("online: teams}", ANNA, "Mötet har ingen Teams-länk, eftersom chefens kalender inte tillåter Teams-möten. "
                             "Kom överens om var ni ses."),
    ('online: teams, location: "Sal B"}', MIKE, "This meeting has no Teams link, because the manager's calendar "
                                                "does not allow Teams meetings. Place: Sal B."),
])
def test_a_meeting_without_its_teams_link_has_its_invitation_say_so(tmp_path: Path, meetings: str, who: User,
                                                                    says: str) -> None:
    t = talks(tmp_path, meetings)
    assert not t.lacks_teams(event("https://teams.microsoft.com/l/meetup-join/x"))
    assert t.lacks_teams(event(None)) and t.meeting_note(event(None)) == NO_TEAMS_NOTE
    calendar = FakeCalendar()
    t.client = type("Client", (), {"calendar": calendar})()  # type: ignore[assignment]
    t.tell_no_teams(who, PER, event(None), "https://x/folder")
    [update] = calendar.updates
    assert update["user"] == "id-per" and update["event"] == "ev-1"
    assert says in update["body_html"] and "https://x/folder" in update["body_html"]
    # a campaign without Teams never calls a meeting without a link a problem
    assert not talks(tmp_path, "online: none}").lacks_teams(event(None))
