"""Microsoft's Python SDK against the sandbox: getSchedule (whose parameters the SDK sends in
PascalCase), and an event created and read back, parsed into its own models
(tests/contract/sdk.py)."""
from __future__ import annotations

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.attendee import Attendee
from msgraph.generated.models.attendee_type import AttendeeType
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.event import Event
from msgraph.generated.models.event_type import EventType
from msgraph.generated.models.free_busy_status import FreeBusyStatus
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.location import Location
from msgraph.generated.models.online_meeting_provider_type import OnlineMeetingProviderType
from msgraph.generated.users.item.calendar.get_schedule.get_schedule_post_request_body import (
    GetSchedulePostRequestBody,
)

from tests.contract.sdk import SdkSandbox, run, sdk  # noqa: F401  (sdk: the fixture)

# The SDK's generated code warns about its own deprecated request-configuration classes.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

WEST = "W. Europe Standard Time"


def test_the_sdk_posts_get_schedule_in_pascal_case_and_reads_the_answer(sdk: SdkSandbox) -> None:  # noqa: F811
    async def body() -> None:
        request = GetSchedulePostRequestBody(
            schedules=["per.lind@example.se", "nobody@example.se"],
            start_time=DateTimeTimeZone(date_time="2027-02-03T08:00:00", time_zone=WEST),
            end_time=DateTimeTimeZone(date_time="2027-02-03T17:00:00", time_zone=WEST),
            availability_view_interval=60)
        config = RequestConfiguration()
        config.headers.add("Prefer", f'outlook.timezone="{WEST}"')
        answer = await sdk.client.users.by_user_id("anna.berg@example.se").calendar.get_schedule.post(request, config)
        assert answer is not None and answer.value is not None
        per, nobody = answer.value
        assert per.schedule_id == "per.lind@example.se" and per.error is None
        busy = [i for i in per.schedule_items or [] if i.status == FreeBusyStatus.Busy]
        assert busy and busy[0].start is not None and busy[0].start.date_time == "2027-02-03T09:00:00.0000000"
        assert busy[0].start.time_zone == WEST and per.availability_view == "022200000"
        assert per.working_hours is not None and per.working_hours.start_time is not None
        assert nobody.error is not None and nobody.error.response_code == "5009"
        method, _url, sent = next(s for s in sdk.sent if s[1].endswith("/calendar/getSchedule"))
        assert method == "POST" and {"Schedules", "StartTime", "EndTime", "AvailabilityViewInterval"} <= set(sent)

    run(body())


def test_the_sdk_creates_and_reads_an_event(sdk: SdkSandbox) -> None:  # noqa: F811
    async def body() -> None:
        draft = Event(
            subject="Medarbetarsamtal", body=ItemBody(content_type=BodyType.Html, content="<p>Hej Per</p>"),
            start=DateTimeTimeZone(date_time="2027-02-10T09:00:00", time_zone=WEST),
            end=DateTimeTimeZone(date_time="2027-02-10T10:00:00", time_zone=WEST),
            attendees=[Attendee(email_address=EmailAddress(address="per.lind@example.se", name="Per Lind"),
                                type=AttendeeType.Required)],
            locations=[Location(display_name="Rum 4"), Location(display_name="Teams")],
            is_online_meeting=True, online_meeting_provider=OnlineMeetingProviderType.TeamsForBusiness,
            transaction_id="5d1c7a0e-0000-4000-8000-00000000000a")
        events = sdk.client.users.by_user_id("anna.berg@example.se").events
        made = await events.post(draft)
        assert made is not None and made.id
        assert made.start is not None and made.start.time_zone == WEST  # in the request's zone
        assert made.start.date_time == "2027-02-10T09:00:00.0000000"
        assert made.has_attachments is False and made.type == EventType.SingleInstance
        assert [x.display_name for x in made.locations or []] == ["Rum 4", "Teams"]
        assert made.location is not None and made.location.display_name == "Rum 4; Teams"
        assert made.attendees and made.attendees[0].type == AttendeeType.Required
        assert made.online_meeting is not None and made.online_meeting.join_url

        config = RequestConfiguration()
        config.headers.add("Prefer", 'outlook.timezone="UTC"')
        got = await events.by_event_id(made.id).get(config)
        assert got is not None and got.id == made.id and got.subject == "Medarbetarsamtal"
        assert got.start is not None and got.start.date_time == "2027-02-10T08:00:00.0000000"
        assert got.start.time_zone == "UTC" and got.transaction_id == draft.transaction_id
        assert got.organizer is not None and got.organizer.email_address is not None
        assert got.organizer.email_address.address == "anna.berg@example.se"
        sent = next(body for method, url, body in sdk.sent if method == "POST" and url.endswith("/events"))
        assert sent["attendees"][0]["type"] == "required" and len(sent["locations"]) == 2

    run(body())
