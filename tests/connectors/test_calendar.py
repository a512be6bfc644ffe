"""Calendar: getSchedule chunking, events on the wire, duplicate-free create, times by their zone."""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from responses import matchers

from connectors.graph import errors
from connectors.graph.calendar import Calendar
from connectors.graph.calendar_records import TAG_PROPERTY_ID, AttendeeStatus, BusyItem, EventDraft
from connectors.graph.calendar_schedules import split_window
from connectors.graph.calendar_times import parse_date_time, to_date_time_zone
from connectors.graph.http import GraphHttp
from connectors.timezones import UnknownTimeZone

GRAPH = "https://graph.microsoft.com/v1.0"
ORG = "bjorn.ek@contoso.se"
PREFER = matchers.header_matcher({"Prefer": 'outlook.timezone="UTC"'})
SCHEDULE_URL = f"{GRAPH}/users/{ORG}/calendar/getSchedule"
EVENTS_URL = f"{GRAPH}/users/{ORG}/events"
EVENT_ID = "AAMkADk0MGFkODE3-AAA="
FIELDS = ("id,iCalUId,subject,start,end,isAllDay,isCancelled,organizer,attendees,transactionId,"
          "webLink,onlineMeeting")
TAG_EXPAND = f"singleValueExtendedProperties($filter=id eq '{TAG_PROPERTY_ID}')"
UTC = timezone.utc
STHLM = ZoneInfo("Europe/Stockholm")


def dtz(text: str, zone: str = "UTC") -> dict[str, str]:
    return {"dateTime": text, "timeZone": zone}


def event_json(event_id: str = EVENT_ID, *, start: str = "2027-03-26T08:00:00.0000000",
               end: str = "2027-03-26T09:00:00.0000000", zone: str = "UTC",
               tag: str | None = "2027:u1", transaction_id: str | None = "tx-1",
               **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": event_id, "iCalUId": "040000008200E00074C5B7101A82E008", "subject": "Medarbetarsamtal",
        "start": dtz(start, zone), "end": dtz(end, zone), "isCancelled": False, "isAllDay": False,
        "organizer": {"emailAddress": {"name": "Björn Ek", "address": ORG}},
        "attendees": [{"type": "required", "status": {"response": "none",
                                                      "time": "0001-01-01T00:00:00Z"},
                       "emailAddress": {"name": "Åsa Öberg", "address": "asa@contoso.se"}}],
        "webLink": "https://outlook.office365.com/owa/?itemid=x",
        "onlineMeeting": {"joinUrl": "https://teams.microsoft.com/l/meetup-join/x"},
    }
    if transaction_id:
        body["transactionId"] = transaction_id
    if tag is not None:
        body["singleValueExtendedProperties"] = [{"id": TAG_PROPERTY_ID, "value": tag}]
    body.update(extra)
    return body


def draft(**changes: Any) -> EventDraft:
    values: dict[str, Any] = dict(
        subject="Medarbetarsamtal: Åsa Öberg", body_html="<p>Hej Åsa!</p>",
        start=datetime(2027, 3, 26, 9, 0, tzinfo=STHLM), end=datetime(2027, 3, 26, 10, 0, tzinfo=STHLM),
        time_zone="Europe/Stockholm", attendees=(("asa@contoso.se", "Åsa Öberg"),),
        tag="2027:u1", transaction_id="tx-1", location="Rum Älven", online_meeting=True,
        categories=("Medarbetarsamtal",), allow_new_time_proposals=False)
    values.update(changes)
    return EventDraft(**values)


def sent_json(call: Any) -> Any:
    return json.loads(call.request.body)


# ---------------------------------------------------------------------- getSchedule
def schedule_info(address: str, items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"scheduleId": address, "availabilityView": "", "scheduleItems": items or [],
            "workingHours": {"daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                             "startTime": "08:00:00.0000000", "endTime": "16:30:00.0000000",
                             "timeZone": {"name": "W. Europe Standard Time"}}}


def echo_schedules(request: Any) -> tuple[int, dict[str, str], str]:
    body = json.loads(request.body)
    return 200, {"Content-Type": "application/json"}, json.dumps(
        {"value": [schedule_info(a) for a in body["schedules"]]})


def test_get_schedule_pins_the_body_and_reads_items_hours_and_errors(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    start = datetime(2025, 3, 10, 8, 0, tzinfo=STHLM)
    end = datetime(2025, 3, 10, 17, 0, tzinfo=STHLM)
    rsps.post(SCHEDULE_URL, match=[PREFER, matchers.json_params_matcher({
        "schedules": [ORG, "asa@contoso.se", "okand@fabrikam.com"],
        "startTime": {"dateTime": "2025-03-10T07:00:00", "timeZone": "UTC"},
        "endTime": {"dateTime": "2025-03-10T16:00:00", "timeZone": "UTC"},
        "availabilityViewInterval": 60})],
        json={"value": [
            schedule_info(ORG, [
                {"status": "busy", "subject": "Ledningsgrupp",
                 "start": dtz("2025-03-10T10:00:00.0000000", "W. Europe Standard Time"),
                 "end": dtz("2025-03-10T12:00:00.0000000", "W. Europe Standard Time")},
                {"status": "free", "start": dtz("2025-03-10T13:00:00.0000000"),
                 "end": dtz("2025-03-10T14:00:00.0000000")}]),
            schedule_info("ASA@contoso.se", [
                {"status": "tentative", "start": dtz("2025-03-10T12:00:00.1234567"),
                 "end": dtz("2025-03-10T13:00:00.0000000")},
                {"status": "oof", "start": dtz("2025-03-10T13:00:00.0000000"),
                 "end": dtz("2025-03-10T14:00:00.0000000")}]),
            {"scheduleId": "okand@fabrikam.com", "availabilityView": "", "scheduleItems": [],
             "error": {"message": "Unable to resolve the recipient.",
                       "responseCode": "ErrorMailRecipientNotFound"}},
        ]})
    got = Calendar(http).get_schedules(ORG, [ORG, "asa@contoso.se", "okand@fabrikam.com"],
                                       start, end, interval_minutes=60)
    assert list(got) == [ORG, "asa@contoso.se", "okand@fabrikam.com"]
    boss = got[ORG]
    # 10:00 in W. Europe on 10 March (winter, UTC+1) is 09:00Z; the free item is dropped.
    assert boss.items == (BusyItem(datetime(2025, 3, 10, 9, tzinfo=UTC),
                                   datetime(2025, 3, 10, 11, tzinfo=UTC), "busy"),)
    assert boss.error is None
    hours = boss.working_hours
    assert hours is not None and hours.days[0] == "monday" and hours.start == time(8, 0)
    assert hours.end == time(16, 30) and hours.time_zone == "W. Europe Standard Time"
    assert hours.tzinfo.utcoffset(datetime(2025, 7, 1, 12)) == timedelta(hours=2)
    asa = got["asa@contoso.se"]
    assert [i.status for i in asa.items] == ["tentative", "oof"]
    assert asa.items[0].start == datetime(2025, 3, 10, 12, 0, 0, 123456, tzinfo=UTC)
    unknown = got["okand@fabrikam.com"]
    assert unknown.error == "ErrorMailRecipientNotFound" and unknown.items == ()
    assert unknown.working_hours is None


def test_45_addresses_take_three_calls(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.add_callback(responses.POST, SCHEDULE_URL, callback=echo_schedules)
    addresses = [f"p{i:02d}@contoso.se" for i in range(45)]
    got = Calendar(http).get_schedules(ORG, addresses, datetime(2027, 3, 1, tzinfo=UTC),
                                       datetime(2027, 3, 20, tzinfo=UTC))
    sizes = [len(sent_json(c)["schedules"]) for c in rsps.calls]
    assert sizes == [20, 20, 5]
    assert list(got) == addresses and all(s.error is None for s in got.values())


def test_a_100_day_window_takes_two_windows_merged_per_address(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=100)
    spanning = {"status": "oof", "start": dtz("2027-03-02T00:00:00.0000000"),
                "end": dtz("2027-03-05T00:00:00.0000000")}
    first = {"status": "busy", "start": dtz("2027-01-05T09:00:00.0000000"),
             "end": dtz("2027-01-05T10:00:00.0000000")}
    rsps.post(SCHEDULE_URL, json={"value": [schedule_info("a@contoso.se", [first, spanning])]})
    rsps.post(SCHEDULE_URL, json={"value": [schedule_info("a@contoso.se", [spanning])]})
    got = Calendar(http).get_schedules(ORG, ["a@contoso.se"], start, end)
    windows = [(sent_json(c)["startTime"]["dateTime"], sent_json(c)["endTime"]["dateTime"])
               for c in rsps.calls]
    assert windows == [("2027-01-01T00:00:00", "2027-03-03T00:00:00"),
                       ("2027-03-03T00:00:00", "2027-04-11T00:00:00")]
    assert [i.status for i in got["a@contoso.se"].items] == ["busy", "oof"]  # no duplicate


def test_windows_stay_under_62_days() -> None:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    for days in (1, 61, 62, 123, 200):
        parts = split_window(start, start + timedelta(days=days))
        assert all(b - a < timedelta(days=62) for a, b in parts)
        assert parts[0][0] == start and parts[-1][1] == start + timedelta(days=days)
        assert all(parts[i][1] == parts[i + 1][0] for i in range(len(parts) - 1))


def test_an_address_missing_from_the_answer_is_marked(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.post(SCHEDULE_URL, json={"value": [schedule_info("a@contoso.se")]})
    got = Calendar(http).get_schedules(ORG, ["a@contoso.se", "b@contoso.se"],
                                       datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 1, 2, tzinfo=UTC))
    assert got["b@contoso.se"].error == "NoScheduleReturned"


def test_custom_time_zone_working_hours(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    info = schedule_info("a@contoso.se")
    info["workingHours"]["timeZone"] = {
        "@odata.type": "#microsoft.graph.customTimeZone", "bias": -60, "name": "Customized Time Zone",
        "standardOffset": {"time": "03:00:00.0000000", "dayOccurrence": 5, "dayOfWeek": "sunday",
                           "month": 10, "year": 0},
        "daylightOffset": {"daylightBias": -60, "time": "02:00:00.0000000", "dayOccurrence": 5,
                           "dayOfWeek": "sunday", "month": 3, "year": 0}}
    rsps.post(SCHEDULE_URL, json={"value": [info]})
    got = Calendar(http).get_schedules(ORG, ["a@contoso.se"], datetime(2027, 1, 1, tzinfo=UTC),
                                       datetime(2027, 1, 2, tzinfo=UTC))
    hours = got["a@contoso.se"].working_hours
    assert hours is not None and hours.custom is not None
    assert hours.time_zone == "Customized Time Zone"
    tz = hours.tzinfo
    # Last Sunday of March 2027 is the 28th, of October the 31st.
    assert datetime(2027, 3, 27, 12, tzinfo=tz).utcoffset() == timedelta(hours=1)
    assert datetime(2027, 3, 29, 12, tzinfo=tz).utcoffset() == timedelta(hours=2)
    assert datetime(2027, 10, 30, 12, tzinfo=tz).utcoffset() == timedelta(hours=2)
    assert datetime(2027, 11, 1, 12, tzinfo=tz).utcoffset() == timedelta(hours=1)
    assert datetime(2027, 6, 1, 6, tzinfo=UTC).astimezone(tz).hour == 8


def test_get_schedule_is_a_read_retried_after_a_500_and_no_mailbox_raises(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.post(SCHEDULE_URL, status=500, json={"error": {"code": "InternalServerError",
                                                        "message": "x"}})
    rsps.post(SCHEDULE_URL, json={"value": [schedule_info("a@contoso.se")]})
    day = datetime(2027, 1, 1, tzinfo=UTC)
    got = Calendar(http).get_schedules(ORG, ["a@contoso.se"], day, day + timedelta(days=1))
    assert got["a@contoso.se"].error is None and len(rsps.calls) == 2
    rsps.post(f"{GRAPH}/users/guest@contoso.se/calendar/getSchedule", status=404, json={
        "error": {"code": "MailboxNotEnabledForRESTAPI", "message": "REST API is not supported"}})
    with pytest.raises(errors.MailboxUnavailable):
        Calendar(http).get_schedules("guest@contoso.se", ["a@contoso.se"], day,
                                     day + timedelta(days=1))


def test_get_schedule_rejects_bad_input(http: GraphHttp) -> None:
    cal = Calendar(http)
    day = datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="aware"):
        cal.get_schedules(ORG, ["a@c.se"], datetime(2027, 1, 1), day)
    with pytest.raises(ValueError, match="after"):
        cal.get_schedules(ORG, ["a@c.se"], day, day)
    with pytest.raises(ValueError, match="interval"):
        cal.get_schedules(ORG, ["a@c.se"], day, day + timedelta(days=1), interval_minutes=2)
    with pytest.raises(ValueError, match="address"):
        cal.get_schedules(ORG, ["nobody"], day, day + timedelta(days=1))
    with pytest.raises(TypeError):
        cal.get_schedules(ORG, "a@c.se", day, day + timedelta(days=1))


# ---------------------------------------------------------------------- events: create
CREATE_BODY = {
    "subject": "Medarbetarsamtal: Åsa Öberg",
    "body": {"contentType": "HTML", "content": "<p>Hej Åsa!</p>"},
    "start": {"dateTime": "2027-03-26T09:00:00", "timeZone": "W. Europe Standard Time"},
    "end": {"dateTime": "2027-03-26T10:00:00", "timeZone": "W. Europe Standard Time"},
    "attendees": [{"emailAddress": {"address": "asa@contoso.se", "name": "Åsa Öberg"},
                   "type": "required"}],
    "allowNewTimeProposals": False,
    "isOnlineMeeting": True,
    "onlineMeetingProvider": "teamsForBusiness",
    "categories": ["Medarbetarsamtal"],
    "transactionId": "tx-1",
    "singleValueExtendedProperties": [{"id": TAG_PROPERTY_ID, "value": "2027:u1"}],
    "location": {"displayName": "Rum Älven"},
}
FIND_PARAMS = {
    "$filter": (f"singleValueExtendedProperties/Any(ep: ep/id eq '{TAG_PROPERTY_ID}' "
                "and ep/value eq '2027:u1')"),
    "$expand": TAG_EXPAND, "$select": FIELDS}


def test_create_event_pins_the_body_and_reads_the_answer(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    # The answer echoes the request's zone (docs/failures.md#c1): it is read by its own timeZone field.
    rsps.post(EVENTS_URL, status=201, match=[PREFER, matchers.json_params_matcher(CREATE_BODY)],
              json=event_json(start="2027-03-26T09:00:00.0000000", end="2027-03-26T10:00:00.0000000",
                              zone="W. Europe Standard Time", tag=None))
    event = Calendar(http).create_event(ORG, draft())
    assert event.start == datetime(2027, 3, 26, 8, tzinfo=UTC)
    assert event.end == datetime(2027, 3, 26, 9, tzinfo=UTC)
    assert event.tag == "2027:u1" and event.transaction_id == "tx-1"
    assert event.organizer == ORG and event.ical_uid and event.web_link
    assert event.join_url == "https://teams.microsoft.com/l/meetup-join/x"
    assert event.attendees == (AttendeeStatus("asa@contoso.se", "Åsa Öberg", "required", "none"),)


def test_create_without_online_meeting_or_location(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.post(EVENTS_URL, status=201, json=event_json())
    Calendar(http).create_event(ORG, draft(online_meeting=False, location=None,
                                           attendees=(("asa@contoso.se", ""),)))
    body = sent_json(rsps.calls[0])
    assert body["isOnlineMeeting"] is False and "onlineMeetingProvider" not in body
    assert "location" not in body and body["attendees"][0]["emailAddress"] == {"address": "asa@contoso.se"}


def test_dropped_connection_then_lookup_finds_the_event_exactly_once(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    posts: list[Any] = []

    def dropped(request: Any) -> tuple[int, dict[str, str], str]:
        posts.append(request)
        raise requests.ConnectionError("('Connection aborted.', RemoteDisconnected("
                                       "'Remote end closed connection without response'))")

    rsps.add_callback(responses.POST, EVENTS_URL, callback=dropped)
    rsps.get(EVENTS_URL, match=[PREFER, matchers.query_param_matcher(FIND_PARAMS)],
             json={"value": [event_json()]})
    event = Calendar(http).create_event(ORG, draft())
    assert len(posts) == 1  # never re-sent once the event was found
    assert event.id == EVENT_ID and event.tag == "2027:u1"
    assert [c.request.method for c in rsps.calls] == ["POST", "GET"]


def test_dropped_connection_not_found_sends_the_same_create_again(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.post(EVENTS_URL, body=requests.ConnectionError("Connection aborted."))
    rsps.post(EVENTS_URL, status=201, json=event_json())
    rsps.get(EVENTS_URL, json={"value": []})
    Calendar(http).create_event(ORG, draft())
    posts = [c for c in rsps.calls if c.request.method == "POST"]
    assert len(posts) == 2
    assert sent_json(posts[0]) == sent_json(posts[1]) == CREATE_BODY  # same transactionId


def test_a_500_on_create_is_looked_up_and_bounded(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.post(EVENTS_URL, status=500, json={"error": {"code": "ErrorInternalServerError",
                                                      "message": "boom"}})
    rsps.get(EVENTS_URL, json={"value": []})
    with pytest.raises(errors.ServerError, match="after 3 attempts"):
        Calendar(http).create_event(ORG, draft())
    assert [c.request.method for c in rsps.calls] == ["POST", "GET"] * 3


def test_a_lookup_prefers_our_transaction_and_skips_cancelled(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.post(EVENTS_URL, status=502, json={"error": {"code": "BadGateway", "message": "x"}})
    rsps.get(EVENTS_URL, json={"value": [
        event_json("cancelled", isCancelled=True, transaction_id="tx-1"),
        event_json("older", transaction_id="tx-0"),
        event_json("ours", transaction_id="tx-1")]})
    assert Calendar(http).create_event(ORG, draft()).id == "ours"


def test_a_refused_connection_is_retried_by_http_without_lookup(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.post(EVENTS_URL, body=requests.ConnectionError("Failed to establish a new connection: "
                                                        "[Errno 111] Connection refused"))
    rsps.post(EVENTS_URL, status=201, json=event_json())
    Calendar(http).create_event(ORG, draft())
    assert [c.request.method for c in rsps.calls] == ["POST", "POST"]


def test_event_draft_validates_before_sending() -> None:
    with pytest.raises(ValueError, match="aware"):
        draft(start=datetime(2027, 3, 26, 9))
    with pytest.raises(ValueError, match="after"):
        draft(end=datetime(2027, 3, 26, 8, tzinfo=STHLM))
    with pytest.raises(UnknownTimeZone):
        draft(time_zone="GMT+6:30")  # Graph answers such a label with a 500 (docs/failures.md#c2)
    with pytest.raises(ValueError, match="tag"):
        draft(tag=" ")
    with pytest.raises(ValueError, match="attendee"):
        draft(attendees=(("Åsa", "Åsa"),))


# ---------------------------------------------------------------------- events: read
def test_get_event_pins_select_expand_prefer_and_reads_by_its_zone(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{EVENTS_URL}/{EVENT_ID}",
             match=[PREFER, matchers.query_param_matcher({"$select": FIELDS, "$expand": TAG_EXPAND})],
             json=event_json(start="2027-03-26T01:00:00.0000000", end="2027-03-26T02:00:00.0000000",
                             zone="Pacific Standard Time", tag="2027:u1"))
    event = Calendar(http).get_event(ORG, EVENT_ID)
    # Asked for UTC, answered in Pacific time (docs/failures.md#c4): 01:00 PDT is 08:00Z.
    assert event.start == datetime(2027, 3, 26, 8, tzinfo=UTC)
    assert event.tag == "2027:u1"


def test_dst_nine_oclock_stockholm_before_and_after_the_switch(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    for day, event_id in ((26, "before"), (30, "after")):
        rsps.get(f"{EVENTS_URL}/{event_id}", json=event_json(
            event_id, start=f"2027-03-{day}T09:00:00.0000000", end=f"2027-03-{day}T10:00:00.0000000",
            zone="W. Europe Standard Time"))
    cal = Calendar(http)
    assert cal.get_event(ORG, "before").start == datetime(2027, 3, 26, 8, tzinfo=UTC)
    assert cal.get_event(ORG, "after").start == datetime(2027, 3, 30, 7, tzinfo=UTC)


def test_sending_times_across_the_switch() -> None:
    assert to_date_time_zone(datetime(2027, 3, 30, 7, tzinfo=UTC), "Europe/Stockholm") == {
        "dateTime": "2027-03-30T09:00:00", "timeZone": "W. Europe Standard Time"}
    assert to_date_time_zone(datetime(2027, 3, 26, 8, tzinfo=UTC), "W. Europe Standard Time") == {
        "dateTime": "2027-03-26T09:00:00", "timeZone": "W. Europe Standard Time"}


def test_seven_fractional_digits_and_explicit_offsets() -> None:
    assert parse_date_time("2027-03-26T08:00:00.9999999", "UTC") == datetime(
        2027, 3, 26, 8, 0, 0, 999999, tzinfo=UTC)
    assert parse_date_time("2027-03-26T08:00:00Z", None) == datetime(2027, 3, 26, 8, tzinfo=UTC)
    with pytest.raises(errors.GraphError, match="unknown zone"):
        parse_date_time("2027-03-26T08:00:00.0000000", "Mars/Olympus")
    with pytest.raises(errors.GraphError, match="could not be read"):
        parse_date_time("26/03/2027 08:00", "UTC")


def test_all_day_event_keeps_its_date(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{EVENTS_URL}/allday", json=event_json(
        "allday", start="2027-05-06T00:00:00.0000000", end="2027-05-07T00:00:00.0000000",
        isAllDay=True))
    event = Calendar(http).get_event(ORG, "allday")
    assert event.is_all_day and event.start.date().isoformat() == "2027-05-06"


def test_missing_event_and_missing_mailbox_and_blocked_mailbox(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{EVENTS_URL}/gone", status=404, json={"error": {
        "code": "ErrorItemNotFound", "message": "The specified object was not found in the store."}})
    rsps.get(f"{GRAPH}/users/onprem@contoso.se/events/x", status=404, json={"error": {
        "code": "MailboxNotEnabledForRESTAPI", "message": "The mailbox is either inactive, "
        "soft-deleted, or is hosted on-premise."}})
    rsps.get(f"{GRAPH}/users/blocked@contoso.se/events/x", status=403, json={"error": {
        "code": "ErrorAccessDenied", "message": "Access is denied. Check credentials and try again."}})
    cal = Calendar(http)
    with pytest.raises(errors.NotFound) as gone:
        cal.get_event(ORG, "gone")
    assert not isinstance(gone.value, errors.MailboxUnavailable)
    with pytest.raises(errors.MailboxUnavailable) as nobox:
        cal.get_event("onprem@contoso.se", "x")
    assert nobox.value.outcome is errors.Outcome.PERMANENT
    with pytest.raises(errors.Forbidden) as blocked:
        cal.get_event("blocked@contoso.se", "x")
    assert blocked.value.outcome is errors.Outcome.PERMANENT


def test_find_events_by_tag_escapes_quotes_and_pages(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    params = dict(FIND_PARAMS)
    params["$filter"] = (f"singleValueExtendedProperties/Any(ep: ep/id eq '{TAG_PROPERTY_ID}' "
                         "and ep/value eq '2027:o''brien')")
    nxt = f"{EVENTS_URL}?$skip=10"
    rsps.get(EVENTS_URL, match=[PREFER, matchers.query_param_matcher(params)],
             json={"value": [event_json("e1", tag="2027:o'brien")], "@odata.nextLink": nxt})
    rsps.get(nxt, match=[PREFER], json={"value": [event_json("e2", tag="2027:o'brien")]})
    found = Calendar(http).find_events_by_tag(ORG, "2027:o'brien")
    assert [e.id for e in found] == ["e1", "e2"]
    assert "%7Bfeed13f3" in (rsps.calls[0].request.url or "")  # braces escaped, quotes kept


def test_attendee_responses_are_cheap_and_camel_case(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{EVENTS_URL}/{EVENT_ID}",
             match=[PREFER, matchers.query_param_matcher({"$select": "attendees,isCancelled"})],
             json={"isCancelled": False, "attendees": [
                 {"type": "required", "status": {"response": "tentativelyAccepted"},
                  "emailAddress": {"name": "Åsa", "address": "asa@contoso.se"}},
                 {"type": "optional", "status": {"response": "Declined"},
                  "emailAddress": {"name": "Per", "address": "per@contoso.se"}},
                 {"type": "resource", "emailAddress": {"name": "Rum utan adress"}}]})
    got = Calendar(http).attendee_responses(ORG, EVENT_ID)
    assert got == (AttendeeStatus("asa@contoso.se", "Åsa", "required", "tentativelyAccepted"),
                   AttendeeStatus("per@contoso.se", "Per", "optional", "declined"))


# ---------------------------------------------------------------------- events: change
def test_update_patches_only_changed_fields_then_reads_back(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    new_start = datetime(2027, 3, 30, 13, tzinfo=STHLM)
    rsps.patch(f"{EVENTS_URL}/{EVENT_ID}", match=[PREFER, matchers.json_params_matcher({
        "start": {"dateTime": "2027-03-30T13:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": "2027-03-30T14:00:00", "timeZone": "W. Europe Standard Time"}})],
        json=event_json(start="2027-03-30T13:00:00.0000000", zone="W. Europe Standard Time", tag=None))
    rsps.get(f"{EVENTS_URL}/{EVENT_ID}", json=event_json(
        start="2027-03-30T11:00:00.0000000", end="2027-03-30T12:00:00.0000000"))
    event = Calendar(http).update_event(ORG, EVENT_ID, start=new_start,
                                        end=new_start + timedelta(hours=1),
                                        time_zone="W. Europe Standard Time")
    assert event.start == datetime(2027, 3, 30, 11, tzinfo=UTC) and event.tag == "2027:u1"


def test_update_subject_only_and_bad_updates(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.patch(f"{EVENTS_URL}/{EVENT_ID}",
               match=[matchers.json_params_matcher({"subject": "Ny rubrik"})], json=event_json())
    rsps.get(f"{EVENTS_URL}/{EVENT_ID}", json=event_json())
    cal = Calendar(http)
    cal.update_event(ORG, EVENT_ID, subject="Ny rubrik")
    start = datetime(2027, 3, 30, 13, tzinfo=UTC)
    with pytest.raises(ValueError, match="time_zone"):
        cal.update_event(ORG, EVENT_ID, start=start)
    with pytest.raises(ValueError, match="nothing"):
        cal.update_event(ORG, EVENT_ID)
    with pytest.raises(ValueError, match="after"):
        cal.update_event(ORG, EVENT_ID, start=start, end=start, time_zone="UTC")


def test_cancel_posts_the_comment_and_gone_is_done(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.post(f"{EVENTS_URL}/{EVENT_ID}/cancel", status=202,
              match=[matchers.json_params_matcher({"comment": "Samtalet flyttas."})])
    rsps.post(f"{EVENTS_URL}/gone/cancel", status=404,
              json={"error": {"code": "ErrorItemNotFound", "message": "not found"}})
    cal = Calendar(http)
    cal.cancel_event(ORG, EVENT_ID, "Samtalet flyttas.")
    cal.cancel_event(ORG, "gone", "x")
    assert len(rsps.calls) == 2  # one cancel each; the 404 was not retried or raised


def test_cancel_by_a_non_organizer_is_a_bad_request(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.post(f"{EVENTS_URL}/{EVENT_ID}/cancel", status=400, json={"error": {
        "code": "ErrorInvalidRequest", "message": "You need to be an organizer to cancel a meeting."}})
    with pytest.raises(errors.BadRequest, match="organizer"):
        Calendar(http).cancel_event(ORG, EVENT_ID, "x")


def test_delete_204_and_404_done_but_no_mailbox_raises(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.delete(f"{EVENTS_URL}/{EVENT_ID}", status=204)
    rsps.delete(f"{EVENTS_URL}/gone", status=404,
                json={"error": {"code": "ErrorItemNotFound", "message": "not found"}})
    rsps.delete(f"{GRAPH}/users/onprem@contoso.se/events/x", status=404,
                json={"error": {"code": "MailboxNotEnabledForRESTAPI", "message": "no"}})
    cal = Calendar(http)
    cal.delete_event(ORG, EVENT_ID)
    cal.delete_event(ORG, "gone")
    with pytest.raises(errors.MailboxUnavailable):
        cal.delete_event("onprem@contoso.se", "x")
    rsps.post(f"{GRAPH}/users/onprem@contoso.se/events/x/cancel", status=404,
              json={"error": {"code": "MailboxNotEnabledForRESTAPI", "message": "no"}})
    with pytest.raises(errors.MailboxUnavailable):
        cal.cancel_event("onprem@contoso.se", "x", "c")


def test_busy_time_from_the_availability_view(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    """from_view: runs of one digit become one item, rounded to the interval; 0 is free."""
    start = datetime(2027, 2, 1, 0, 0, tzinfo=timezone.utc)
    info = schedule_info("asa@contoso.se")
    info["availabilityView"] = "0022201030044"
    info["scheduleItems"] = [{"status": "busy", "start": {"dateTime": "2027-02-01T00:40:00.0000000", "timeZone": "UTC"},
                              "end": {"dateTime": "2027-02-01T01:10:00.0000000", "timeZone": "UTC"}}]
    rsps.post(SCHEDULE_URL, json={"value": [info]})
    got = Calendar(http).get_schedules(ORG, ["asa@contoso.se"], start, start + timedelta(hours=3, minutes=15),
                                       interval_minutes=15, from_view=True)["asa@contoso.se"]
    minute = timedelta(minutes=1)
    assert [(i.start - start, i.end - start, i.status) for i in got.items] == [
        (30 * minute, 75 * minute, "busy"), (90 * minute, 105 * minute, "tentative"),
        (120 * minute, 135 * minute, "oof"), (165 * minute, 195 * minute, "workingElsewhere")]
    assert got.working_hours is not None and got.error is None
