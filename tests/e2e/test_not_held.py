"""A talk whose time has passed is held only if its meeting took place: a declined talk
gets a new time whenever it is looked at, or is unschedulable with the reason once the window is
over; a meeting cancelled, deleted or declined before its time passed, with no pass in between,
is booked again instead of being marked held; one the manager moved in Outlook follows its event.
And the look costs one batched GET per talk, once, when the talk's time has passed."""
from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta, timezone
from typing import Any

import pytest

from connectors.graph.calendar_records import EventDraft
from tests.e2e.checks import check_round, items_by_key, talk_events, utc
from tests.e2e.conftest import AFTER, NOW, WINDOW, ZONE, ServeFactory, Served, team_seed

EVENT_GET = "GET /users/{id}/events/{id}"


def by_name(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["Title"]: f for f in items_by_key(state).values()}


def booked(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: f for n, f in by_name(state).items() if f["MeetingStart"]}


def first_talk(served: Served) -> dict[str, Any]:
    """The talk booked earliest: when it has ended, no other talk has started."""
    return min(booked(served.state()).values(), key=lambda f: utc(f["MeetingStart"]))


def just_after(f: dict[str, Any]) -> datetime:
    return utc(f["MeetingEnd"]) + timedelta(minutes=1)


def away_all_window(served: Served, upn: str) -> tuple[str, str]:
    """The person is away for the whole campaign window (an event in their own calendar):
    no new time can be found for them. Returns (mailbox, event id)."""
    client = served.client(NOW)
    user = client.directory.get_user(upn)
    start = datetime.combine(WINDOW[0], time(0), ZONE).astimezone(timezone.utc)
    end = datetime.combine(WINDOW[1] + timedelta(days=1), time(0), ZONE).astimezone(timezone.utc)
    draft = EventDraft(subject="Tjänstledig", body_html="", start=start, end=end, time_zone="UTC",
                       attendees=(), tag="not-samtal", transaction_id=str(uuid.uuid4()))
    return user.id, client.calendar.create_event(user.id, draft).id


def declined_without_a_new_time(served: Served) -> tuple[dict[str, Any], tuple[str, str]]:
    """The first talk, declined at a pass that found no new time for it (the employee is away)."""
    served.run(NOW)
    talk = first_talk(served)
    away = away_all_window(served, talk["EmployeeEmail"])
    served.people.respond(talk["EmployeeEmail"], talk["EventId"], "decline")
    served.run(NOW + timedelta(hours=1))
    declined = by_name(served.state())[talk["Title"]]
    assert declined["Status"] == "declined" and declined["Note"], declined
    assert declined["EventId"] == talk["EventId"] and declined["MeetingStart"] == talk["MeetingStart"]
    return talk, away


# ---------------------------------------------------------------------------- declined, time passed
def test_a_declined_talk_whose_old_time_has_passed_gets_a_new_time(serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(4))
    talk, (mailbox, away) = declined_without_a_new_time(served)
    served.client(NOW).calendar.delete_event(mailbox, away)  # back: times can be found again
    now = just_after(talk)

    report = served.run(now)
    assert [a.what for a in report.actions] == ["move (declined)"]
    state = served.state()
    moved = by_name(state)[talk["Title"]]
    assert moved["Status"] == "scheduled" and moved["EventId"] == talk["EventId"]  # the same event
    assert utc(moved["MeetingStart"]) > now + timedelta(days=2)  # after the notice, in the window
    [(_, event)] = talk_events(state)[moved["Key"]]
    assert utc(event["start"]) == utc(moved["MeetingStart"])
    assert event["attendees"][0]["status"]["response"] == "none"  # asked again
    check_round(served, state, graph_reads=True)


def test_a_declined_talk_is_unschedulable_with_the_reason_once_the_window_is_over(
        serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(4))
    talk, _ = declined_without_a_new_time(served)

    served.run(AFTER)
    state = served.state()
    after = by_name(state)
    gone = after[talk["Title"]]
    assert gone["Status"] == "unschedulable", gone
    assert "declined" in gone["Note"] and str(WINDOW[1]) in gone["Note"], gone["Note"]
    assert not gone["EventId"] and not talk_events(state).get(gone["Key"])  # its meeting is called off
    assert {f["Status"] for n, f in after.items() if n != talk["Title"] and f["ManagerEmail"] == talk["ManagerEmail"]} \
        == {"held"}
    assert not served.run(AFTER + timedelta(hours=7)).actions  # and it stays so


# ---------------------------------------------------------------------------- ended, but did it happen?
def test_a_talk_declined_before_its_time_passed_is_moved_not_held(serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(4))
    served.run(NOW)
    talk = first_talk(served)
    served.people.respond(talk["EmployeeEmail"], talk["EventId"], "decline")
    now = just_after(talk)  # no pass between the answer and the end of the meeting

    report = served.run(now)
    assert "held" not in {a.what for a in report.actions}
    assert {a.what for a in report.actions} == {"declined", "move (declined)"}
    state = served.state()
    moved = by_name(state)[talk["Title"]]
    assert moved["Status"] == "scheduled" and moved["EventId"] == talk["EventId"]
    assert utc(moved["MeetingStart"]) > now
    check_round(served, state, graph_reads=False)


@pytest.mark.parametrize("how", ["cancelled", "deleted"])
def test_a_meeting_the_manager_called_off_is_booked_again_not_held(serve_tenant: ServeFactory, how: str) -> None:
    served = serve_tenant(team_seed(4))
    served.run(NOW)
    talk = first_talk(served)
    calendar = served.client(NOW).calendar
    if how == "cancelled":  # in Outlook: the organizer cancels, the attendee gets a cancellation
        calendar.cancel_event(talk["ManagerId"], talk["EventId"], "Jag är sjuk")
    else:
        calendar.delete_event(talk["ManagerId"], talk["EventId"])
    now = just_after(talk)

    report = served.run(now)
    assert "held" not in {a.what for a in report.actions}
    assert {a.what for a in report.actions} == {"rebook: the meeting was cancelled or deleted", "book again"}
    state = served.state()
    again = by_name(state)[talk["Title"]]
    assert again["Status"] == "scheduled" and again["EventId"] != talk["EventId"]
    assert utc(again["MeetingStart"]) > now
    assert again["FolderId"] == talk["FolderId"] and again["FormItemId"] == talk["FormItemId"]
    check_round(served, state, graph_reads=False)


def test_a_cancelled_meeting_is_unschedulable_with_the_reason_once_the_window_is_over(
        serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(3))
    served.run(NOW)
    talk = first_talk(served)
    served.client(NOW).calendar.cancel_event(talk["ManagerId"], talk["EventId"], "Jag är sjuk")

    served.run(AFTER)
    after = by_name(served.state())
    gone = after[talk["Title"]]
    assert gone["Status"] == "unschedulable", gone
    assert "cancelled" in gone["Note"] and str(WINDOW[1]) in gone["Note"], gone["Note"]
    assert {f["Status"] for n, f in after.items() if n != talk["Title"] and f["ManagerEmail"] == talk["ManagerEmail"]} \
        == {"held"}


def test_a_talk_declined_before_the_window_ended_unseen_is_unschedulable_not_held(
        serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(3))
    served.run(NOW)
    talk = first_talk(served)
    served.people.respond(talk["EmployeeEmail"], talk["EventId"], "decline")  # no pass until after the window

    report = served.run(AFTER)
    assert ("unschedulable", talk["Title"]) in {(a.what, a.employee) for a in report.actions}
    state = served.state()
    gone = by_name(state)[talk["Title"]]
    assert gone["Status"] == "unschedulable" and gone["Note"].startswith("the employee declined the meeting booked for")
    assert str(WINDOW[1]) in gone["Note"] and not talk_events(state).get(gone["Key"])


def test_a_meeting_the_manager_moved_in_outlook_follows_its_event(serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(3))
    served.run(NOW)
    talk = first_talk(served)
    start, end = utc(talk["MeetingStart"]), utc(talk["MeetingEnd"])
    week = timedelta(days=7)  # the same hour a week later: still inside everyone's working hours
    served.client(NOW).calendar.update_event(talk["ManagerId"], talk["EventId"], start=start + week,
                                             end=end + week, time_zone="UTC")
    now = just_after(talk)

    report = served.run(now)
    assert "held" not in {a.what for a in report.actions}
    followed = by_name(served.state())[talk["Title"]]
    assert followed["Status"] == "scheduled" and followed["EventId"] == talk["EventId"]
    assert (utc(followed["MeetingStart"]), utc(followed["MeetingEnd"])) == (start + week, end + week)

    served.run(end + week + timedelta(minutes=1))  # and once that time has passed, it is held
    assert by_name(served.state())[talk["Title"]]["Status"] == "held"


def test_the_look_before_held_is_one_batched_get_per_talk_once(serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(4))
    served.run(NOW)
    talks = booked(served.state())
    before = served.stats()

    report = served.run(AFTER)
    assert sorted(a.what for a in report.actions) == ["held"] * len(talks)
    during = served.stats()
    looked = during["by_route"].get(EVENT_GET, 0) - before["by_route"].get(EVENT_GET, 0)
    assert looked == len(talks)  # one GET per talk crossing into held ...
    assert during["batches"] > before["batches"]  # ... sent in $batch calls
    assert {f["Status"] for f in booked(served.state()).values()} == {"held"}

    served.run(AFTER + timedelta(hours=7))  # held talks are not looked at again
    assert served.stats()["by_route"].get(EVENT_GET, 0) == during["by_route"].get(EVENT_GET, 0)
