"""A manager whose Outlook calendar allows no Teams meetings (``onlineMeetings: false``,
docs/sandbox.md#user-variants): Graph books the meeting all the same, 201 with
``isOnlineMeeting: false`` and no link (docs/failures.md#c5). The talk is booked, its record says
there is no Teams link, and the invitation says so and names ``meetings.location``; a later pass
and a move keep it that way."""
from __future__ import annotations

from datetime import timedelta

from tests.e2e.checks import check_round, items_by_key, talk_events
from tests.e2e.conftest import NOW, ServeFactory, team_seed
from plugin.invitations import NO_TEAMS_NOTE


def test_a_calendar_without_teams_books_the_talk_and_says_so(serve_tenant: ServeFactory) -> None:
    seed = team_seed(3)
    seed["users"][1]["onlineMeetings"] = False  # Bo Boss
    seed["users"][3]["oneDrive"] = "unlicensed"  # Person 0: a folder note too
    served = serve_tenant(seed)
    served.config.write_text(served.config.read_text().replace(
        "online: teams}", 'online: teams, location: "Sal B, plan 2"}'), encoding="utf-8")
    served.run(NOW)
    state = served.state()
    items = check_round(served, state)
    by_name = {f["Title"]: f for f in items.values()}
    for name in ("Person 0", "Person 1", "Person 2"):
        f = by_name[name]
        assert f["Status"] == "scheduled" and NO_TEAMS_NOTE in f["Note"], (name, f["Note"])
        [(_, ev)] = talk_events(state)[f["Key"]]
        assert ev["location"]["displayName"] == "Sal B, plan 2"
        said = ("ingen Teams-länk" if f["Language"] == "sv" else "no Teams link")
        assert said in ev["body"]["content"] and "Sal B, plan 2" in ev["body"]["content"]
        # the employee's invitation says so too
        copy = next(c for c in state["events"][f["EmployeeId"]].values() if not c["isOrganizer"])
        assert said in copy["body"]["content"]
    assert "cannot be found" in by_name["Person 0"]["Note"]  # and why the folder is the manager's
    # Bo's own talk, booked by his manager, has its link
    assert by_name["Bo Boss"]["Status"] == "scheduled" and NO_TEAMS_NOTE not in by_name["Bo Boss"]["Note"]
    # a later pass writes nothing; a declined talk moves and keeps its note
    report = served.run(NOW + timedelta(hours=1))
    assert not report.actions
    person1 = by_name["Person 1"]
    copy = next(c for c in served.state()["events"][person1["EmployeeId"]].values() if not c["isOrganizer"])
    served.people.respond("person1@example.se", copy["id"], "decline")
    served.run(NOW + timedelta(hours=8))
    moved = items_by_key(served.state())[person1["Key"]]
    assert moved["Status"] == "scheduled" and moved["MeetingStart"] != person1["MeetingStart"]
    assert NO_TEAMS_NOTE in moved["Note"]
    check_round(served, served.state())
