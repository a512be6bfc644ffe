"""The sandbox's mail as Graph documents it: drafts, send and sendMail, the folders by extended
property, delivery into inboxes, and Exchange's sending limits (docs/sandbox.md#mail)."""
from __future__ import annotations

import base64
import copy
import email
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP, default
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.sandbox import FaultSpec, Sandbox
from connectors.sandbox.people import alternatives

from .conftest import Client

SEED = Path(__file__).with_name("seed.yaml")
TAG_ID = "String {feed13f3-197a-4d00-9c43-90c321a1472e} Name samtalMailKey"
HEADER_ID = "String {00020386-0000-0000-C000-000000000046} Name X-Samtal-Key"
ANNA, PER = "anna.berg@example.se", "per.lind@example.se"


def _seed(**tenant: Any) -> dict[str, Any]:
    raw = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    raw["tenant"].update(tenant)
    return dict(raw)


@pytest.fixture()
def box(request: pytest.FixtureRequest) -> Iterator[tuple[Sandbox, Client]]:
    """A sandbox of its own (seed changes through ``@pytest.mark.parametrize('box', [...], indirect=True)``)."""
    params = getattr(request, "param", {}) or {}
    sandbox = Sandbox.from_seed(_seed(**params.get("tenant", {})), faults=FaultSpec.parse(params.get("faults")))
    with sandbox.serve(port=0) as server:
        yield sandbox, Client(server.graph_url)


def _draft(c: Client, tag: str = "2027:per:prepare:1", to: str = PER, sender: str = ANNA) -> dict[str, Any]:
    r = c.post(f"/users/{sender}/messages", json={
        "subject": "Förbered ditt samtal", "body": {"contentType": "HTML", "content": "<p>Hej <b>Per</b></p>"},
        "toRecipients": [{"emailAddress": {"address": to, "name": "Per Lind"}}],
        "singleValueExtendedProperties": [{"id": TAG_ID, "value": tag}]})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _folder(c: Client, user: str, folder: str, **query: str) -> list[dict[str, Any]]:
    r = c.get(f"/users/{user}/mailFolders/{folder}/messages", params=query)
    assert r.status_code == 200, r.text
    value: list[dict[str, Any]] = r.json()["value"]
    return value


def _by_tag(tag: str, *, starts: bool = False) -> dict[str, str]:
    test = f"startswith(ep/value, '{tag}')" if starts else f"ep/value eq '{tag}'"
    return {"$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{TAG_ID}' and {test})",
            "$expand": f"singleValueExtendedProperties($filter=id eq '{TAG_ID}')"}


def test_a_draft_is_saved_in_drafts_as_documented(box: tuple[Sandbox, Client]) -> None:
    _, c = box
    made = _draft(c)
    assert made["isDraft"] is True and made["isRead"] is True and "from" not in made and "sender" not in made
    assert made["body"]["contentType"] == "html" and made["body"]["content"].startswith("<html>")
    assert made["bodyPreview"] == "Hej Per" and made["sentDateTime"] == made["createdDateTime"]
    assert "singleValueExtendedProperties" not in made  # only with $expand
    assert made["toRecipients"] == [{"emailAddress": {"name": "Per Lind", "address": PER}}]
    got = c.get(f"/users/{ANNA}/messages/{made['id']}", params={"$expand": _by_tag("x")["$expand"]}).json()
    assert got["singleValueExtendedProperties"] == [{"id": TAG_ID, "value": "2027:per:prepare:1"}]
    assert [m["id"] for m in _folder(c, ANNA, "Drafts", **_by_tag("2027:PER:prepare:1"))] == [made["id"]]  # value: any case
    wrong_name = TAG_ID.replace("samtalMailKey", "SAMTALMAILKEY")
    assert _folder(c, ANNA, "drafts", **{"$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{wrong_name}' "
                                          "and ep/value eq '2027:per:prepare:1')"}) == []  # the name: with case
    assert _folder(c, ANNA, "sentitems", **_by_tag("2027:per:prepare:1")) == []
    assert [m["id"] for m in _folder(c, ANNA, "drafts", **_by_tag("2027:per", starts=True))] == [made["id"]]


def test_send_moves_the_draft_to_sent_items_and_delivers_it(box: tuple[Sandbox, Client]) -> None:
    _, c = box
    made = _draft(c)
    r = c.post(f"/users/{ANNA}/messages/{made['id']}/send")
    assert r.status_code == 202 and r.content == b""
    assert _folder(c, ANNA, "drafts") == []
    (sent,) = _folder(c, ANNA, "sentitems", **_by_tag("2027:per:prepare:1"))
    assert sent["id"] != made["id"] and sent["isDraft"] is False  # a copy with its own id
    assert sent["from"]["emailAddress"]["address"] == ANNA
    assert sent["singleValueExtendedProperties"] == [{"id": TAG_ID, "value": "2027:per:prepare:1"}]
    assert c.get(f"/users/{ANNA}/messages/{made['id']}").status_code == 404
    (got,) = _folder(c, PER, "inbox")
    assert got["subject"] == "Förbered ditt samtal" and got["isRead"] is False and got["isDraft"] is False
    assert got["from"] == {"emailAddress": {"name": "Anna Berg", "address": ANNA}}
    assert got["receivedDateTime"] == sent["sentDateTime"]
    (seen,) = c.control("GET", f"mailboxes/{PER}/inbox").json()["value"]
    assert seen["id"] == got["id"] and "Hej <b>Per</b>" in seen["body"]["content"]
    assert c.control("GET", "mail").json() == {"submitted": 1, "delivered": 1, "over_rate": 0, "refused": 0,
                                               "external": 0, "in_transport": 0}


def test_send_mail_in_one_call_and_without_a_sent_copy(box: tuple[Sandbox, Client]) -> None:
    _, c = box
    message = {"subject": "Veckans samtal", "body": {"contentType": "Text", "content": "Tre samtal väntar."},
               "toRecipients": [{"emailAddress": {"address": PER}}, {"emailAddress": {"address": "x@extern.se"}}]}
    assert c.post(f"/users/{ANNA}/sendMail", json={"message": message, "saveToSentItems": False}).status_code == 202
    assert c.post(f"/users/{ANNA}/sendMail", json={"Message": message}).status_code == 202  # any case; saved
    assert len(_folder(c, ANNA, "sentitems")) == 1 and _folder(c, ANNA, "drafts") == []
    assert [m["body"]["contentType"] for m in _folder(c, PER, "inbox")] == ["text", "text"]
    assert c.control("GET", "mail").json()["external"] == 2


def test_no_mailbox_answers_as_exchange_and_an_unknown_recipient_bounces(box: tuple[Sandbox, Client]) -> None:
    _, c = box
    r = c.post("/users/no.drive@example.se/messages", json={"subject": "x"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "MailboxNotEnabledForRESTAPI"
    assert c.post("/users/no.drive@example.se/sendMail", json={"message": {}}).status_code == 404
    made = _draft(c, to="nobody@example.se")
    assert c.post(f"/users/{ANNA}/messages/{made['id']}/send").status_code == 202
    (ndr,) = _folder(c, ANNA, "inbox")
    assert ndr["subject"] == "Undeliverable: Förbered ditt samtal" and "5.1.1" in ndr["body"]["content"]
    made = _draft(c, to="no.drive@example.se")  # a user without a mailbox cannot receive either
    c.post(f"/users/{ANNA}/messages/{made['id']}/send")
    assert len(_folder(c, ANNA, "inbox")) == 2


@pytest.mark.parametrize("box", [{"tenant": {"sendingLimits": {"messagesPerMinute": 2}},
                                  "faults": "send_minute_s=0.4"}], indirect=True)
def test_past_the_message_rate_the_excess_is_carried_over(box: tuple[Sandbox, Client]) -> None:
    _, c = box
    ids = [_draft(c, tag=f"t{n}")["id"] for n in range(3)]
    for mid in ids:
        assert c.post(f"/users/{ANNA}/messages/{mid}/send").status_code == 202
    assert [m["id"] for m in _folder(c, ANNA, "drafts")] == [ids[2]]  # still in transport
    assert len(_folder(c, PER, "inbox")) == 2
    stats = c.control("GET", "mail").json()
    assert (stats["over_rate"], stats["in_transport"]) == (1, 1)
    time.sleep(0.45)
    assert _folder(c, ANNA, "drafts") == [] and len(_folder(c, PER, "inbox")) == 3


@pytest.mark.parametrize("box", [{"tenant": {"sendingLimits": {"recipientsPerDay": 3}}}], indirect=True)
def test_past_the_recipients_of_a_day_nothing_leaves_and_the_sender_gets_an_ndr(box: tuple[Sandbox, Client]) -> None:
    _, c = box
    two = c.post(f"/users/{ANNA}/messages", json={"subject": "Två", "toRecipients": [
        {"emailAddress": {"address": PER}}, {"emailAddress": {"address": "asa.oberg@example.se"}}]}).json()
    c.post(f"/users/{ANNA}/messages/{two['id']}/send")
    one, late = _draft(c, tag="a"), _draft(c, tag="b")
    assert c.post(f"/users/{ANNA}/messages/{one['id']}/send").status_code == 202  # the third recipient
    assert c.post(f"/users/{ANNA}/messages/{late['id']}/send").status_code == 202  # 202, and yet ...
    assert [m["id"] for m in _folder(c, ANNA, "drafts")] == [late["id"]]  # ... it stays in Drafts
    (ndr,) = _folder(c, ANNA, "inbox")
    assert "5.1.90" in ndr["body"]["content"] and "daily limit for message recipients" in ndr["body"]["content"]
    assert len(_folder(c, PER, "inbox")) == 2
    assert c.control("GET", "mail").json()["refused"] == 1


@pytest.mark.parametrize("box", [{"faults": "transport_ms=300"}], indirect=True)
def test_a_sent_draft_stays_in_drafts_until_transport_takes_it_and_a_second_send_sends_twice(
        box: tuple[Sandbox, Client]) -> None:
    _, c = box
    made = _draft(c)
    c.post(f"/users/{ANNA}/messages/{made['id']}/send")
    assert [m["id"] for m in _folder(c, ANNA, "drafts")] == [made["id"]]
    assert c.post(f"/users/{ANNA}/messages/{made['id']}/send").status_code == 202  # the worst case
    time.sleep(0.35)
    assert len(_folder(c, ANNA, "sentitems")) == 2 and len(_folder(c, PER, "inbox")) == 2


def test_listings_page_and_refuse_what_graph_refuses(box: tuple[Sandbox, Client]) -> None:
    _, c = box
    for n in range(12):
        _draft(c, tag=f"2027:p:{n}")
    r = c.get(f"/users/{ANNA}/mailFolders/drafts/messages", params={**_by_tag("2027:p:", starts=True), "$top": "5",
                                                                     "$select": "id,subject"})
    page = r.json()
    seen = [m["id"] for m in page["value"]]
    assert set(page["value"][0]) == {"@odata.etag", "id", "subject", "singleValueExtendedProperties"}
    while "@odata.nextLink" in page:
        page = c.get(page["@odata.nextLink"]).json()
        seen += [m["id"] for m in page["value"]]
    assert len(seen) == len(set(seen)) == 12
    assert len(_folder(c, ANNA, "drafts")) == 10  # the default page
    assert c.get(f"/users/{ANNA}/mailFolders/drafts/messages", params={"$top": "1001"}).status_code == 400
    bad = c.get(f"/users/{ANNA}/mailFolders/drafts/messages", params={"$filter": "flavour eq 'x'"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "ErrorInvalidProperty"
    since = c.get(f"/users/{ANNA}/mailFolders/drafts/messages",
                  params={"$filter": "createdDateTime ge 2000-01-01T00:00:00Z", "$top": "50"})
    assert len(since.json()["value"]) == 12
    assert c.get(f"/users/{ANNA}/mailFolders/outbox/messages").status_code == 404


def test_a_message_can_be_read_patched_and_deleted(box: tuple[Sandbox, Client]) -> None:
    _, c = box
    made = _draft(c)
    mark = "String {feed13f3-197a-4d00-9c43-90c321a1472e} Name samtalSubmittedAt"
    r = c.call("PATCH", f"/users/{ANNA}/messages/{made['id']}",
               json={"singleValueExtendedProperties": [{"id": mark, "value": "2027-01-15T08:00:00Z"}]})
    assert r.status_code == 200
    got = c.get(f"/users/{ANNA}/mailFolders/drafts/messages/{made['id']}", params={
        "$expand": f"singleValueExtendedProperties($filter=id eq '{TAG_ID}' or id eq '{mark}')"}).json()
    assert {p["id"] for p in got["singleValueExtendedProperties"]} == {TAG_ID, mark}
    assert c.call("PATCH", f"/users/{ANNA}/messages/{made['id']}", json={"isDraft": False}).status_code == 400
    assert c.call("DELETE", f"/users/{ANNA}/messages/{made['id']}").status_code == 204
    assert c.get(f"/users/{ANNA}/messages/{made['id']}").status_code == 404


@pytest.mark.parametrize("box", [{"faults": "transport_ms=200"}], indirect=True)
def test_mail_in_transport_survives_save_and_load(box: tuple[Sandbox, Client], tmp_path: Path) -> None:
    sandbox, c = box
    made = _draft(c)
    c.post(f"/users/{ANNA}/messages/{made['id']}/send")
    sandbox.save(tmp_path / "state.json")
    again = Sandbox.load(tmp_path / "state.json", faults=copy.copy(sandbox.faults.spec))
    time.sleep(0.25)
    with again.serve(port=0) as server:
        d = Client(server.graph_url)
        assert len(_folder(d, PER, "inbox")) == 1 and len(_folder(d, ANNA, "sentitems")) == 1
        assert again.stats()["mail"]["delivered"] == 1


def test_seed_sending_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="sendingLimits.messagesPerMinute"):
        Sandbox.from_seed(_seed(sendingLimits={"messagesPerMinute": 0}))
    with pytest.raises(ValueError, match="sendingLimits.perHour"):
        Sandbox.from_seed(_seed(sendingLimits={"perHour": 3}))


def _mime(tag: str = "2027:per:prepare:1", to: str = PER) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = ANNA
    msg["To"] = f"Åsa Öberg <{to}>"
    msg["Subject"] = "Förbered ditt samtal"
    msg["X-Samtal-Key"] = tag
    msg["X-MS-Exchange-Organization-SCL"] = "-1"
    msg.set_content("Hej Åsa!\n\n- punkt", charset="utf-8", cte="quoted-printable")
    msg.add_alternative("<p>Hej Åsa!</p><ul><li>punkt</li></ul>", subtype="html", charset="utf-8",
                        cte="quoted-printable")
    return msg.as_bytes()


def _mime_draft(c: Client, data: bytes, sender: str = ANNA) -> dict[str, Any]:
    r = c.post(f"/users/{sender}/messages", data=base64.b64encode(data), headers={"Content-Type": "text/plain"})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_a_mime_draft_is_read_as_exchange_reads_it_and_its_mime_kept(box: tuple[Sandbox, Client]) -> None:
    _, c = box
    sent = _mime()
    made = _mime_draft(c, sent)
    assert made["isDraft"] is True and made["subject"] == "Förbered ditt samtal"
    assert made["toRecipients"] == [{"emailAddress": {"name": "Åsa Öberg", "address": PER}}]
    assert made["from"]["emailAddress"]["address"] == ANNA  # as the page's MIME example answers
    assert made["body"]["contentType"] == "html" and "<p>Hej Åsa!</p>" in made["body"]["content"]  # HTML first
    r = c.get(f"/users/{ANNA}/messages/{made['id']}/$value")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")
    assert r.content == sent  # the MIME as it was given
    kept = email.message_from_bytes(r.content, policy=default)
    assert [p.get_content_type() for p in kept.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    # $value is there for JSON messages too, written from their fields
    other = email.message_from_bytes(c.get(f"/users/{ANNA}/mailFolders/drafts/messages/{_draft(c)['id']}/$value").content,
                                     policy=default)
    assert other["Subject"] == "Förbered ditt samtal" and other.get_content_type() == "text/html"


def test_a_mime_body_that_is_not_base64_or_not_mime_is_refused_as_graph_does(box: tuple[Sandbox, Client]) -> None:
    _, c = box
    r = c.post(f"/users/{ANNA}/messages", data="this is not base64!", headers={"Content-Type": "text/plain"})
    assert r.status_code == 400 and r.json()["error"] == {
        "code": "ErrorMimeContentInvalidBase64String", "message": "Invalid base64 string for MIME content.",
        "innerError": r.json()["error"]["innerError"]}
    for junk in (b"", b"   ", b"no headers at all"):
        r = c.post(f"/users/{ANNA}/messages", data=base64.b64encode(junk), headers={"Content-Type": "text/plain"})
        assert r.status_code == 400 and r.json()["error"]["code"] in ("ErrorMimeContentInvalid",
                                                                      "ErrorMimeContentInvalidBase64String"), junk
    assert _folder(c, ANNA, "drafts") == []


def test_an_x_header_is_a_property_only_once_its_name_is_mapped_in_the_mailbox(box: tuple[Sandbox, Client]) -> None:
    """Exchange promotes an X- header to a PS_INTERNET_HEADERS named property only when a client
    has mapped that name in the mailbox before; writing the property once maps it."""
    _, c = box
    by_header = {"$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{HEADER_ID}' and ep/value eq 'k:1')",
                 "$expand": f"singleValueExtendedProperties($filter=id eq '{HEADER_ID}')"}
    first = _mime_draft(c, _mime("k:1"))
    assert _folder(c, ANNA, "drafts", **by_header) == []  # a fresh mailbox: the name is not mapped
    patched = c.call("PATCH", f"/users/{ANNA}/messages/{first['id']}", json={
        "singleValueExtendedProperties": [{"id": HEADER_ID, "value": "k:1"}]})
    assert patched.status_code == 200
    second = _mime_draft(c, _mime("k:1"))
    found = _folder(c, ANNA, "drafts", **by_header)
    assert sorted(m["id"] for m in found) == sorted([first["id"], second["id"]])
    (read,) = [m for m in found if m["id"] == second["id"]]
    assert read["singleValueExtendedProperties"] == [{"id": HEADER_ID, "value": "k:1"}]
    everything = c.get(f"/users/{ANNA}/messages/{second['id']}", params={
        "$expand": "singleValueExtendedProperties($filter=id eq "
                   "'String {00020386-0000-0000-C000-000000000046} Name X-MS-Exchange-Organization-SCL')"}).json()
    assert everything["singleValueExtendedProperties"] == []  # Exchange's own headers are never promoted
    # another mailbox has its own names
    third = _mime_draft(c, _mime("k:1"), sender=PER)
    assert [m["id"] for m in _folder(c, PER, "drafts", **by_header)] == [] and third["id"]


def test_a_mime_draft_is_delivered_with_both_parts_and_json_drafts_still_work(box: tuple[Sandbox, Client]) -> None:
    _, c = box
    made = _mime_draft(c, _mime())
    assert c.post(f"/users/{ANNA}/messages/{made['id']}/send").status_code == 202
    (got,) = c.control("GET", f"mailboxes/{PER}/inbox").json()["value"]
    parts = alternatives(got)
    assert parts["text/plain"].replace("\r\n", "\n") == "Hej Åsa!\n\n- punkt\n"
    assert parts["text/html"].startswith("<p>Hej Åsa!</p>") and got["body"]["contentType"] == "html"
    (sent,) = _folder(c, ANNA, "sentitems")
    assert "X-Samtal-Key: 2027:per:prepare:1" in c.get(f"/users/{ANNA}/messages/{sent['id']}/$value").text
    # a patched body is no longer what the MIME says: $value is written from the fields again
    json_made = _draft(c)
    c.call("PATCH", f"/users/{ANNA}/messages/{json_made['id']}", json={"subject": "Ny rubrik"})
    assert "Ny rubrik" in c.get(f"/users/{ANNA}/messages/{json_made['id']}/$value").text
    # sendMail takes MIME too
    r = c.post(f"/users/{ANNA}/sendMail", data=base64.b64encode(_mime("k:2")), headers={"Content-Type": "text/plain"})
    assert r.status_code == 202 and len(c.control("GET", f"mailboxes/{PER}/inbox").json()["value"]) == 2
