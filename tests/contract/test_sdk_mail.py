"""Microsoft's Python SDK against the sandbox's mail: a tagged draft created, found by its tag,
sent, and the received copy read from the recipient's Inbox, and its MIME (``$value``); sendMail
with its parameters as the SDK spells them (tests/contract/sdk.py)."""
from __future__ import annotations

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.message import Message
from msgraph.generated.models.recipient import Recipient
from msgraph.generated.models.single_value_legacy_extended_property import SingleValueLegacyExtendedProperty
from msgraph.generated.users.item.mail_folders.item.messages.messages_request_builder import MessagesRequestBuilder
from msgraph.generated.users.item.send_mail.send_mail_post_request_body import SendMailPostRequestBody

from tests.contract.sdk import SdkSandbox, run, sdk  # noqa: F401  (sdk: the fixture)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TAG_ID = "String {feed13f3-197a-4d00-9c43-90c321a1472e} Name samtalMailKey"
ANNA, PER = "anna.berg@example.se", "per.lind@example.se"


def _message(subject: str, tag: str | None = None) -> Message:
    return Message(subject=subject, body=ItemBody(content_type=BodyType.Html, content="<p>Hej Per</p>"),
                   to_recipients=[Recipient(email_address=EmailAddress(address=PER, name="Per Lind"))],
                   single_value_extended_properties=[SingleValueLegacyExtendedProperty(id=TAG_ID, value=tag)]
                   if tag else None)


def test_the_sdk_drafts_finds_by_tag_sends_and_reads_the_inbox(sdk: SdkSandbox) -> None:  # noqa: F811
    async def body() -> None:
        anna = sdk.client.users.by_user_id(ANNA)
        made = await anna.messages.post(_message("Förbered ditt samtal", "2027:per:prepare:1"))
        assert made is not None and made.id and made.is_draft is True and made.from_ is None
        assert made.body is not None and made.body.content_type == BodyType.Html

        query = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(
            filter=f"singleValueExtendedProperties/Any(ep: ep/id eq '{TAG_ID}' and ep/value eq '2027:per:prepare:1')",
            expand=[f"singleValueExtendedProperties($filter=id eq '{TAG_ID}')"], top=5)
        config = RequestConfiguration(query_parameters=query)
        found = await anna.mail_folders.by_mail_folder_id("drafts").messages.get(config)
        assert found is not None and found.value is not None and [m.id for m in found.value] == [made.id]
        props = found.value[0].single_value_extended_properties or []
        assert [(p.id, p.value) for p in props] == [(TAG_ID, "2027:per:prepare:1")]

        await anna.messages.by_message_id(made.id).send.post()
        sent = await anna.mail_folders.by_mail_folder_id("sentitems").messages.get(config)
        assert sent is not None and sent.value is not None and len(sent.value) == 1
        assert sent.value[0].id != made.id and sent.value[0].is_draft is False
        inbox = await sdk.client.users.by_user_id(PER).mail_folders.by_mail_folder_id("inbox").messages.get()
        assert inbox is not None and inbox.value is not None
        (got,) = inbox.value
        assert got.subject == "Förbered ditt samtal" and got.is_read is False
        assert got.from_ is not None and got.from_.email_address is not None
        assert got.from_.email_address.address == ANNA and got.received_date_time is not None
        assert got.id is not None
        mime = await sdk.client.users.by_user_id(PER).messages.by_message_id(got.id).content.get()  # GET .../$value
        assert mime is not None and b"Subject: =?utf-8?" in mime and b"Hej Per" in mime

    run(body())


def test_the_sdk_sends_mail_in_one_call(sdk: SdkSandbox) -> None:  # noqa: F811
    async def body() -> None:
        request = SendMailPostRequestBody(message=_message("Veckans samtal"), save_to_sent_items=False)
        await sdk.client.users.by_user_id(ANNA).send_mail.post(request)
        method, _url, sent = next(s for s in sdk.sent if s[1].endswith("/sendMail"))
        assert method == "POST" and {"Message", "SaveToSentItems"} <= set(sent)  # PascalCase, as for getSchedule
        inbox = await sdk.client.users.by_user_id(PER).mail_folders.by_mail_folder_id("Inbox").messages.get()
        assert inbox is not None and inbox.value is not None
        assert [m.subject for m in inbox.value] == ["Veckans samtal"]
        sent_items = await sdk.client.users.by_user_id(ANNA).mail_folders.by_mail_folder_id("SentItems").messages.get()
        assert sent_items is not None and sent_items.value == []

    run(body())
