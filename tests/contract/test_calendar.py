"""Calendar calls: the request samtal sends keeps its contract, and the documented answers (the
contracts' examples, and the variants Microsoft's pages and issues show) are read right."""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

import responses

from connectors.graph.calendar import Calendar
from connectors.graph.calendar_records import BusyItem, EventDraft
from tests.contract.conftest import GRAPH, check_answer, check_request, contract, sent

UTC = timezone.utc
ORG = "leo.berg@contoso.se"
EVENT_ID = "AAMkAGQ3ZTFlYjk5LTBkMmUtNDc0MS1hZmE0LTc5Y2MyM2FlNTkxMABGAAA="
EVENTS = f"{GRAPH}/users/{ORG}/events"


def _draft() -> EventDraft:
    start = datetime(2027, 3, 2, 9, tzinfo=UTC)
    return EventDraft(subject="Medarbetarsamtal: Maja Holm", body_html="<p>Välkommen till årets samtal.</p>",
                      start=start, end=start + timedelta(hours=1), time_zone="Europe/Stockholm",
                      attendees=(("maja.holm@contoso.se", "Maja Holm"),),
                      tag="2027:6e3c1a52-0d4b-4f7e-9a21-3b5c7d9e1f20",
                      transaction_id="3a9e2f70-5c1b-4d88-9e0a-6b2c4d8f1e33", location="Rum 4",
                      online_meeting=True, categories=("Medarbetarsamtal",), allow_new_time_proposals=False)


def test_get_schedule_reads_items_in_any_case_and_the_5009_error(graph_http: Any, rsps: Any) -> None:
    c = contract("calendar/get_schedule")
    rsps.post(f"{GRAPH}/users/{ORG}/calendar/getSchedule", json=c.example)
    start = datetime(2027, 3, 1, 8, tzinfo=UTC)
    got = Calendar(graph_http).get_schedules(ORG, ["maja.holm@contoso.se", "nobody@contoso.se"], start,
                                             start + timedelta(hours=2), interval_minutes=30)
    check_request(c, sent(rsps))
    maja, nobody = got["maja.holm@contoso.se"], got["nobody@contoso.se"]
    assert maja.items == (
        BusyItem(datetime(2027, 3, 1, 8, 30, tzinfo=UTC), datetime(2027, 3, 1, 9, 30, tzinfo=UTC), "busy"),
        BusyItem(datetime(2027, 3, 1, 9, 30, tzinfo=UTC), datetime(2027, 3, 1, 10, tzinfo=UTC), "tentative"))
    assert maja.working_hours is not None and maja.working_hours.time_zone == "W. Europe Standard Time"
    assert maja.error is None
    # scheduleId and error only (no availabilityView, no scheduleItems): the address is unusable
    assert nobody.error == "5009" and nobody.items == () and nobody.working_hours is None


def test_get_schedule_from_the_view_reads_the_5009_entry_too(graph_http: Any, rsps: Any) -> None:
    c = contract("calendar/get_schedule")
    rsps.post(f"{GRAPH}/users/{ORG}/calendar/getSchedule", json=c.example)
    start = datetime(2027, 3, 1, 8, tzinfo=UTC)
    got = Calendar(graph_http).get_schedules(ORG, ["maja.holm@contoso.se", "nobody@contoso.se"], start,
                                             start + timedelta(hours=2), interval_minutes=30, from_view=True)
    assert [(i.start.hour, i.start.minute, i.status) for i in got["maja.holm@contoso.se"].items] == [(8, 30, "busy")]
    assert got["nobody@contoso.se"].error == "5009"


def test_a_created_event_is_read_in_the_zone_of_the_answer(graph_http: Any, rsps: Any) -> None:
    """Graph answers a create in the request's zone, not UTC: 10:00 W. Europe is 09:00Z."""
    c = contract("calendar/create_event")
    rsps.post(EVENTS, status=201, json=c.example)
    event = Calendar(graph_http).create_event(ORG, _draft())
    check_request(c, sent(rsps))
    assert event.start == datetime(2027, 3, 2, 9, tzinfo=UTC) and event.end == datetime(2027, 3, 2, 10, tzinfo=UTC)
    assert event.id == EVENT_ID and event.transaction_id == "3a9e2f70-5c1b-4d88-9e0a-6b2c4d8f1e33"
    assert event.join_url and event.join_url.startswith("https://teams.microsoft.com/")
    assert event.tag == "2027:6e3c1a52-0d4b-4f7e-9a21-3b5c7d9e1f20"  # not echoed: the one just written
    assert [(a.address, a.type, a.response) for a in event.attendees] == [("maja.holm@contoso.se", "required", "none")]


def test_a_created_event_without_a_teams_link_and_with_nulls(graph_http: Any, rsps: Any) -> None:
    c = contract("calendar/create_event")
    answer = copy.deepcopy(c.example)
    answer.update(isOnlineMeeting=False, onlineMeeting=None, onlineMeetingProvider="unknown")
    check_answer(c, answer, 201)
    rsps.post(EVENTS, status=201, json=answer)
    event = Calendar(graph_http).create_event(ORG, _draft())
    assert event.join_url is None and event.start == datetime(2027, 3, 2, 9, tzinfo=UTC)


def test_get_event_pins_select_and_expand_and_reads_the_tag(graph_http: Any, rsps: Any) -> None:
    c = contract("calendar/get_event")
    rsps.get(f"{EVENTS}/{EVENT_ID}", json=c.example)
    event = Calendar(graph_http).get_event(ORG, EVENT_ID)
    check_request(c, sent(rsps))
    assert event.start == datetime(2027, 3, 2, 9, tzinfo=UTC)
    assert event.tag == "2027:6e3c1a52-0d4b-4f7e-9a21-3b5c7d9e1f20"
    assert event.attendees[0].response == "tentativelyAccepted"


def test_attendee_responses_use_the_same_contract(graph_http: Any, rsps: Any) -> None:
    c = contract("calendar/get_event")
    rsps.get(f"{EVENTS}/{EVENT_ID}", json={"id": EVENT_ID, "isCancelled": False,
                                            "attendees": c.example["attendees"]})
    answers = Calendar(graph_http).attendee_responses(ORG, EVENT_ID)
    check_request(c, sent(rsps))
    assert [(a.address, a.response) for a in answers] == [("maja.holm@contoso.se", "tentativelyAccepted")]


def test_find_by_tag_keeps_the_list_contract(graph_http: Any, rsps: Any) -> None:
    c = contract("calendar/list_events")
    rsps.get(EVENTS, json=c.example)
    found = Calendar(graph_http).find_events_by_tag(ORG, "2027:6e3c1a52-0d4b-4f7e-9a21-3b5c7d9e1f20")
    check_request(c, sent(rsps))
    assert [e.id for e in found] == [EVENT_ID] and found[0].tag == "2027:6e3c1a52-0d4b-4f7e-9a21-3b5c7d9e1f20"


def test_update_then_read_back_the_utc_answer_is_not_trusted(graph_http: Any, rsps: Any) -> None:
    """The PATCH answer comes in UTC whatever Prefer asked; samtal reads the event again anyway."""
    patch, get = contract("calendar/update_event"), contract("calendar/get_event")
    answer = copy.deepcopy(contract("calendar/create_event").example)
    answer.update(start={"dateTime": "2027-03-03T09:00:00.0000000", "timeZone": "UTC"},
                  end={"dateTime": "2027-03-03T10:00:00.0000000", "timeZone": "UTC"})
    check_answer(patch, answer, 200)
    rsps.patch(f"{EVENTS}/{EVENT_ID}", json=answer)
    moved = copy.deepcopy(get.example)
    moved.update(start=answer["start"], end=answer["end"])
    rsps.get(f"{EVENTS}/{EVENT_ID}", json=moved)
    event = Calendar(graph_http).update_event(ORG, EVENT_ID, start=datetime(2027, 3, 3, 9, tzinfo=UTC),
                                              end=datetime(2027, 3, 3, 10, tzinfo=UTC), time_zone="Europe/Stockholm")
    check_request(patch, sent(rsps, 0))
    check_request(get, sent(rsps, 1))
    assert event.start == datetime(2027, 3, 3, 9, tzinfo=UTC) and event.tag is not None


def test_cancel_and_delete_keep_their_contracts(graph_http: Any, rsps: Any) -> None:
    rsps.post(f"{EVENTS}/{EVENT_ID}/cancel", status=202)
    rsps.delete(f"{EVENTS}/{EVENT_ID}", status=204)
    cal = Calendar(graph_http)
    cal.cancel_event(ORG, EVENT_ID, "Samtalet ställs in.")
    cal.delete_event(ORG, EVENT_ID)
    check_request(contract("calendar/cancel_event"), sent(rsps, 0))
    check_request(contract("calendar/delete_event"), sent(rsps, 1))
    assert isinstance(rsps, responses.RequestsMock)
