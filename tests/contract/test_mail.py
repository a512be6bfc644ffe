"""Mail calls: the requests samtal sends keep their contracts, and the documented answers (the
contracts' examples) are read right."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from connectors.graph.mail import Mail
from connectors.graph.mail_limits import SendingLimits, SendingPacer
from connectors.graph.mail_records import MessageDraft, MessageRef
from tests.contract.conftest import GRAPH, Exchange, check_answer, check_request, contract, sent

SENDER = "hr.samtal@contoso.se"
BOX = f"{GRAPH}/users/{SENDER}"
TAG = "2027:6e3c1a52-0d4b-4f7e-9a21-3b5c7d9e1f20:prepare:1"


def _mail(graph_http: Any) -> Mail:
    return Mail(graph_http, pacer=SendingPacer(SendingLimits(), clock=lambda: 1_804_000_000.0, sleep=lambda s: None))


def _draft() -> MessageDraft:
    return MessageDraft(to=(("maja.holm@contoso.se", "Maja Holm"),), subject="Förbered ditt medarbetarsamtal",
                        body_html="<p>Ditt samtal med Leo Berg är tisdag 9 mars kl. 10.00.</p>",
                        body_text="Ditt samtal med Leo Berg är tisdag 9 mars kl. 10.00.", tag=TAG,
                        language="sv-SE", categories=("Medarbetarsamtal",))


def test_a_created_draft_is_read_from_the_documented_answer(graph_http: Any, rsps: Any) -> None:
    c, update = contract("mail/create_message"), contract("mail/update_message")
    rsps.post(f"{BOX}/messages", status=201, json=c.example)
    rsps.patch(f"{BOX}/messages/AAMkADNlNYjSAAA=", json={"id": "AAMkADNlNYjSAAA="})
    ref = _mail(graph_http).create_draft(SENDER, _draft())
    check_request(c, sent(rsps, 0))
    check_request(update, sent(rsps, 1))  # then its tag
    assert ref == MessageRef("AAMkADNlNYjSAAA=", TAG, "drafts", ("maja.holm@contoso.se",),
                             datetime(2027, 3, 5, 7, 12, 44, tzinfo=timezone.utc))


def test_a_message_mime_is_read_as_the_documented_text(graph_http: Any, rsps: Any) -> None:
    c = contract("mail/get_mime")
    mime = (b"From: HR <hr.samtal@contoso.se>\r\nTo: Maja Holm <maja.holm@contoso.se>\r\nSubject: x\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n\r\nHej\r\n")
    rsps.get(f"{BOX}/messages/AAMkADNlNYjSAAB=/$value", body=mime, content_type="text/plain")
    assert _mail(graph_http).get_mime(SENDER, "AAMkADNlNYjSAAB=") == mime
    check_request(c, sent(rsps))


def test_tagged_sent_items_are_read_from_the_documented_answer(graph_http: Any, rsps: Any) -> None:
    c = contract("mail/list_folder_messages")
    rsps.get(f"{BOX}/mailFolders/drafts/messages", json={"value": []})
    rsps.get(f"{BOX}/mailFolders/sentitems/messages", json=c.example)
    found = _mail(graph_http).list_tagged(SENDER, "2027:")
    for call in rsps.calls:
        check_request(c, call.request)
    (message,) = found[TAG]
    assert message.is_sent and message.id == "AAMkADNlNYjSAAB="
    assert message.sent == datetime(2027, 3, 5, 7, 12, 51, tzinfo=timezone.utc)
    assert message.submitted is None  # a mark is read on drafts only
    assert message.recipients == ("maja.holm@contoso.se",)


def test_the_lookups_of_find_tagged_keep_the_listing_contract(graph_http: Any, rsps: Any) -> None:
    c = contract("mail/list_folder_messages")
    batch = contract("batch/batch")
    seen: list[dict[str, Any]] = []

    def answer(req: Any) -> tuple[int, dict[str, str], str]:
        items = json.loads(req.body)["requests"]
        seen.extend(items)
        body = {"responses": [{"id": r["id"], "status": 200,
                               "body": c.example if "sentitems" in r["url"] else {"value": []}} for r in items]}
        check_answer(batch, body, 200)
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    rsps.add_callback("POST", f"{GRAPH}/$batch", callback=answer)
    found = _mail(graph_http).find_tagged(SENDER, [TAG])
    check_request(batch, sent(rsps))
    for item in seen:
        check_request(c, Exchange(item["method"], GRAPH + item["url"], item.get("headers") or {}, None))
    assert [m.folder for m in found[TAG]] == ["sentitems"]


def test_the_mark_and_the_send_keep_their_contracts(graph_http: Any, rsps: Any) -> None:
    listing, update, send = (contract(f"mail/{n}") for n in ("list_folder_messages", "update_message", "send_message"))
    rsps.get(f"{BOX}/mailFolders/sentitems/messages", json={"value": []})
    rsps.patch(f"{BOX}/messages/AAMkADNlNYjSAAA=", json={"id": "AAMkADNlNYjSAAA="})
    rsps.post(f"{BOX}/messages/AAMkADNlNYjSAAA=/send", status=202)
    _mail(graph_http).send_draft(SENDER, MessageRef("AAMkADNlNYjSAAA=", TAG, "drafts", ("maja.holm@contoso.se",)))
    check_request(listing, sent(rsps, 0))
    check_request(update, sent(rsps, 1))
    check_request(send, sent(rsps, 2))
