"""The mail connector on the wire: the draft as MIME (text and HTML) then its tag, the mark then
the send, lookups by tag (and by the X-Samtal-Key header's property) in $batch calls, and
send_once's choices (sent before, in flight, left by a crash before or after its tag, new)."""
from __future__ import annotations

import base64
import email
import json
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import default
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
import responses

from connectors.graph import errors
from connectors.graph.http import GraphHttp
from connectors.graph.mail import Mail
from connectors.graph.mail_limits import SendingLimits, SendingPacer
from connectors.graph.mail_records import (
    HEADER_TAG_PROPERTY_ID, MAIL_TAG_PROPERTY_ID, SUBMITTED_PROPERTY_ID, MessageDraft, MessageRef,
)

from .conftest import GRAPH

SENDER = "hr.samtal@example.se"
BOX = f"{GRAPH}/users/{SENDER}"
BATCH = f"{GRAPH}/$batch"
START = 1_800_000_000.0
NOW = datetime.fromtimestamp(START, timezone.utc)


class WallClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _mail(http: GraphHttp, **limits: Any) -> Mail:
    wall = WallClock()
    return Mail(http, pacer=SendingPacer(SendingLimits(**limits), clock=wall, sleep=wall.sleep))


def _draft(tag: str, to: str = "per.lind@example.se") -> MessageDraft:
    return MessageDraft(to=((to, "Per Lind"),), subject="Förbered ditt samtal", body_html="<p>Hej Per</p>",
                        body_text="Hej Per", tag=tag, language="sv-SE", categories=("Medarbetarsamtal",))


def _message(mid: str, tag: str, *, submitted: datetime | None = None, sent: bool = False,
             header_only: bool = False) -> dict[str, Any]:
    """A message as a lookup answers it; ``header_only``: a MIME draft whose tagging PATCH never
    came (Exchange kept its X-Samtal-Key header as a property, nothing else)."""
    props = [{"id": HEADER_TAG_PROPERTY_ID if header_only else MAIL_TAG_PROPERTY_ID, "value": tag}]
    if submitted is not None:
        props.append({"id": SUBMITTED_PROPERTY_ID, "value": submitted.strftime("%Y-%m-%dT%H:%M:%SZ")})
    return {"id": mid, "createdDateTime": "2027-01-15T08:00:00Z", "sentDateTime": "2027-01-15T08:00:05Z",
            "isDraft": not sent, "subject": "Förbered ditt samtal",
            "toRecipients": [{"emailAddress": {"address": "per.lind@example.se", "name": "Per Lind"}}],
            "ccRecipients": [], "bccRecipients": [], "singleValueExtendedProperties": props}


def _no_sends_today(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{BOX}/mailFolders/sentitems/messages", json={"value": []},
             match=[responses.matchers.query_param_matcher({
                 "$filter": f"sentDateTime ge {(NOW - timedelta(days=1)).strftime('%Y-%m-%dT%H:%M:%SZ')}",
                 "$select": "sentDateTime,toRecipients,ccRecipients,bccRecipients", "$top": "250"})])


def _lookup_answer(found: dict[tuple[str, str], list[dict[str, Any]]]) -> Any:
    """A $batch callback answering tag lookups from ``found``: (folder, tag) -> messages for the
    lookups by samtal's tag, ("drafts:header", tag) for the lookup by the header's property."""
    def answer(req: Any) -> tuple[int, dict[str, str], str]:
        out = []
        for r in json.loads(req.body)["requests"]:
            url = urlsplit(r["url"])
            folder = url.path.split("/")[-2]
            where = parse_qs(url.query)["$filter"][0]
            tag = where.rsplit("ep/value eq '", 1)[1][:-2]
            key = (folder + ":header" if HEADER_TAG_PROPERTY_ID in where else folder, tag)
            out.append({"id": r["id"], "status": 200, "body": {"value": found.get(key, [])}})
        return 200, {"Content-Type": "application/json"}, json.dumps({"responses": out})
    return answer


def _mime_of(request: Any) -> EmailMessage:
    """The MIME message a create sent (``Content-Type: text/plain``, base64)."""
    assert request.headers["Content-Type"] == "text/plain"
    body = request.body if isinstance(request.body, bytes) else request.body.encode()
    parsed = email.message_from_bytes(base64.b64decode(body, validate=True), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _created(req: Any) -> tuple[int, dict[str, str], str]:
    """A MIME create answered 201 with a draft whose id is ``d-`` and its X-Samtal-Key."""
    return 201, {}, json.dumps({**_message("d-" + str(_mime_of(req)["X-Samtal-Key"]), "x"),
                                "singleValueExtendedProperties": None})


def _tagging(tag: str) -> dict[str, Any]:
    return {"categories": ["Medarbetarsamtal"], "singleValueExtendedProperties": [
        {"id": MAIL_TAG_PROPERTY_ID, "value": tag}, {"id": HEADER_TAG_PROPERTY_ID, "value": tag}]}


def test_a_draft_is_created_as_mime_with_text_and_html_then_tagged(http: GraphHttp,
                                                                   rsps: responses.RequestsMock) -> None:
    rsps.post(f"{BOX}/messages", status=201, json={**_message("d1", "x"), "singleValueExtendedProperties": None})
    rsps.patch(f"{BOX}/messages/d1", json=_message("d1", "2027:per:prepare:1"))
    draft = MessageDraft(to=(("asa.oberg@example.se", "Åsa Öberg"), ("per.lind@example.se", "")),
                         subject="Förbered ditt samtal med Åsa", body_html="<p>Hej Åsa &amp; Per</p>",
                         body_text="Hej Åsa & Per\n\n- första punkten", tag="2027:per:prepare:1", language="sv-SE",
                         categories=("Medarbetarsamtal",))
    ref = _mail(http).create_draft(SENDER, draft)
    create, tag = rsps.calls[0].request, rsps.calls[1].request
    raw = base64.b64decode(create.body, validate=True)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78 and raw.isascii()  # 7-bit, SMTP's lines
    head = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ").split(b"\r\n")  # unfolded
    for header in (b"To: ", b"Subject: "):  # names and subject as RFC 2047 words: no raw å, ä, ö
        line = next(x for x in head if x.startswith(header))
        assert b"=?utf-8?q?=C3=85sa" in line or b"=?utf-8?q?F=C3=B6rbered" in line
    mime = _mime_of(create)
    assert mime["From"] == SENDER and mime["Subject"] == "Förbered ditt samtal med Åsa"
    assert [(a.display_name, a.addr_spec) for a in mime["To"].addresses] == [
        ("Åsa Öberg", "asa.oberg@example.se"), ("", "per.lind@example.se")]
    assert mime["Content-Language"] == "sv-SE" and mime["X-Samtal-Key"] == "2027:per:prepare:1"
    assert mime.get_content_type() == "multipart/alternative"
    text, html = mime.iter_parts()  # the text first, the HTML (preferred) last
    assert (text.get_content_type(), text.get_content_charset()) == ("text/plain", "utf-8")
    assert (html.get_content_type(), html.get_content_charset()) == ("text/html", "utf-8")
    assert text["Content-Transfer-Encoding"] == html["Content-Transfer-Encoding"] == "quoted-printable"
    assert text.get_content() == "Hej Åsa & Per\r\n\r\n- första punkten\r\n"  # CRLF, as MIME has it
    assert html.get_content() == ('<html lang="sv-SE"><head><meta charset="utf-8"></head>'
                                  "<body><p>Hej Åsa &amp; Per</p></body></html>\r\n")
    assert tag.method == "PATCH" and json.loads(tag.body) == _tagging("2027:per:prepare:1")
    assert ref == MessageRef("d1", "2027:per:prepare:1", "drafts", ("per.lind@example.se",),
                             datetime(2027, 1, 15, 8, tzinfo=timezone.utc))
    assert ref.tagged


def test_a_create_answered_500_is_looked_up_and_not_made_twice(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.post(f"{BOX}/messages", status=500, json={"error": {"code": "ErrorInternalServerError", "message": "x"}})
    rsps.add_callback(responses.POST, BATCH, callback=_lookup_answer({("drafts", "t:1"): [_message("made", "t:1")]}))
    ref = _mail(http).create_draft(SENDER, _draft("t:1"))
    assert ref.id == "made" and ref.folder == "drafts" and ref.tagged
    assert [c.request.method for c in rsps.calls] == ["POST", "POST"]  # the create, the lookup: tagged, no PATCH
    assert rsps.calls[1].request.url == BATCH


def test_a_lost_create_found_by_its_header_is_tagged_not_made_again(http: GraphHttp,
                                                                     rsps: responses.RequestsMock) -> None:
    rsps.post(f"{BOX}/messages", body=requests.ConnectionError("connection reset by peer"))
    rsps.add_callback(responses.POST, BATCH, callback=_lookup_answer(
        {("drafts:header", "t:1"): [_message("made", "t:1", header_only=True)]}))
    rsps.patch(f"{BOX}/messages/made", json=_message("made", "t:1"))
    ref = _mail(http).create_draft(SENDER, _draft("t:1"))
    assert ref.id == "made" and ref.tagged
    assert sum(1 for c in rsps.calls if c.request.url == f"{BOX}/messages") == 1
    assert json.loads(rsps.calls[-1].request.body) == _tagging("t:1")


def test_many_drafts_go_as_mime_in_batch_then_are_tagged_in_batch(http: GraphHttp,
                                                                   rsps: responses.RequestsMock) -> None:
    seen: list[list[dict[str, Any]]] = []

    def answer(req: Any) -> tuple[int, dict[str, str], str]:
        items = json.loads(req.body)["requests"]
        seen.append(items)
        out = []
        for r in items:
            if r["method"] == "POST":  # a MIME create: base64 on the wire, as a batch sends a non-JSON body
                assert r["headers"]["Content-Type"] == "text/plain"
                mime = email.message_from_bytes(base64.b64decode(base64.b64decode(r["body"])), policy=default)
                body = {**_message("d-" + str(mime["X-Samtal-Key"]), "x"), "singleValueExtendedProperties": None}
                out.append({"id": r["id"], "status": 201, "body": body})
            else:
                out.append({"id": r["id"], "status": 200 if not r["url"].endswith("d-b") else 404,
                            "body": {} if not r["url"].endswith("d-b") else
                            {"error": {"code": "ErrorItemNotFound", "message": "gone"}}})
        return 200, {"Content-Type": "application/json"}, json.dumps({"responses": out})

    rsps.add_callback(responses.POST, BATCH, callback=answer)
    made = _mail(http).create_drafts(SENDER, [_draft("a"), _draft("b")])
    assert [c["method"] for c in seen[0]] == ["POST", "POST"] and [c["method"] for c in seen[1]] == ["PATCH", "PATCH"]
    assert [c["body"] for c in seen[1]] == [_tagging("a"), _tagging("b")]
    assert isinstance(made[0], MessageRef) and made[0].id == "d-a" and made[0].tagged
    assert isinstance(made[1], errors.NotFound)  # its tag could not be written: not a draft to send


def test_sending_reads_the_day_marks_the_draft_then_sends_it(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    _no_sends_today(rsps)
    rsps.patch(f"{BOX}/messages/d=1", json=_message("d=1", "t:1"))
    rsps.post(f"{BOX}/messages/d=1/send", status=202)
    mail = _mail(http)
    draft = MessageRef("d=1", "t:1", "drafts", ("per.lind@example.se",))
    done = mail.send_draft(SENDER, draft)
    assert done.submitted == NOW and done.in_flight(NOW)
    patch, send = rsps.calls[1].request, rsps.calls[2].request
    assert json.loads(patch.body) == {"singleValueExtendedProperties": [
        {"id": SUBMITTED_PROPERTY_ID, "value": "2027-01-15T08:00:00Z"}]}
    assert send.body is None and send.headers["Content-Length"] == "0"
    assert mail.budget(SENDER).recipients_today == 1  # counted; and the day is read only once
    assert len(rsps.calls) == 3


def test_a_send_graph_refused_gives_the_budget_back(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    _no_sends_today(rsps)
    rsps.patch(f"{BOX}/messages/d1", json=_message("d1", "t:1"))
    rsps.post(f"{BOX}/messages/d1/send", status=404,
              json={"error": {"code": "ErrorItemNotFound", "message": "The specified object was not found in the store."}})
    mail = _mail(http)
    with pytest.raises(errors.NotFound):
        mail.send_draft(SENDER, MessageRef("d1", "t:1", "drafts", ("a@example.se",)))
    assert mail.budget(SENDER).recipients_today == 0


def test_a_send_whose_answer_was_lost_is_not_sent_again(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    _no_sends_today(rsps)
    rsps.patch(f"{BOX}/messages/d1", json=_message("d1", "t:1"))
    rsps.post(f"{BOX}/messages/d1/send", body=requests.ConnectionError("connection reset by peer"))
    mail = _mail(http)
    with pytest.raises(errors.TransportError) as caught:
        mail.send_draft(SENDER, MessageRef("d1", "t:1", "drafts", ("a@example.se",)))
    assert caught.value.maybe_applied
    assert sum(1 for c in rsps.calls if c.request.url.endswith("/send")) == 1
    assert mail.budget(SENDER).recipients_today == 1  # it may have gone: it stays counted


def test_find_tagged_asks_three_places_per_tag_twenty_to_a_batch(http: GraphHttp,
                                                                  rsps: responses.RequestsMock) -> None:
    tagged_and_header = {**_message("d3", "T:3", submitted=NOW)}
    tagged_and_header["singleValueExtendedProperties"] = [*tagged_and_header["singleValueExtendedProperties"],
                                                          {"id": HEADER_TAG_PROPERTY_ID, "value": "T:3"}]
    rsps.add_callback(responses.POST, BATCH, callback=_lookup_answer({
        ("sentitems", "t:0"): [_message("s0", "t:0", sent=True)],
        ("drafts", "t:3"): [tagged_and_header], ("drafts:header", "t:3"): [tagged_and_header],
        ("drafts:header", "t:5"): [_message("d5", "t:5", header_only=True)]}))
    tags = [f"t:{i}" for i in range(11)]
    found = _mail(http).find_tagged(SENDER, tags + ["t:0"])
    assert list(found) == tags
    assert [m.id for m in found["t:0"]] == ["s0"] and found["t:0"][0].is_sent
    assert [m.id for m in found["t:3"]] == ["d3"]  # found twice, once in the answer
    assert found["t:3"][0].folder == "drafts" and found["t:3"][0].submitted == NOW and found["t:3"][0].tagged
    assert [(m.id, m.tag, m.tagged) for m in found["t:5"]] == [("d5", "t:5", False)]  # a crash before its tag
    assert all(found[t] == [] for t in tags if t not in ("t:0", "t:3", "t:5"))
    items = [r for c in rsps.calls for r in json.loads(c.request.body)["requests"]]
    assert [len(json.loads(c.request.body)["requests"]) for c in rsps.calls] == [20, 13]
    places = [(unquote(urlsplit(r["url"]).path).rsplit("/", 2)[1], parse_qs(urlsplit(r["url"]).query)["$filter"][0])
              for r in items[:3]]
    assert places == [
        ("drafts", f"singleValueExtendedProperties/Any(ep: ep/id eq '{MAIL_TAG_PROPERTY_ID}' and ep/value eq 't:0')"),
        ("drafts", f"singleValueExtendedProperties/Any(ep: ep/id eq '{HEADER_TAG_PROPERTY_ID}' and ep/value eq 't:0')"),
        ("sentitems", f"singleValueExtendedProperties/Any(ep: ep/id eq '{MAIL_TAG_PROPERTY_ID}' and ep/value eq 't:0')")]
    first = urlsplit(items[0]["url"])
    assert (items[0]["method"], unquote(first.path)) == ("GET", f"/users/{SENDER}/mailFolders/drafts/messages")
    assert parse_qs(first.query)["$expand"] == [
        f"singleValueExtendedProperties($filter=id eq '{MAIL_TAG_PROPERTY_ID}' "
        f"or id eq '{SUBMITTED_PROPERTY_ID}' or id eq '{HEADER_TAG_PROPERTY_ID}')"]


def test_a_tag_with_a_quote_is_escaped_and_a_failed_lookup_raises(http: GraphHttp,
                                                                  rsps: responses.RequestsMock) -> None:
    def answer(req: Any) -> tuple[int, dict[str, str], str]:
        items = json.loads(req.body)["requests"]
        assert "ep/value eq 'o''brien'" in unquote(items[0]["url"])
        return 200, {"Content-Type": "application/json"}, json.dumps({"responses": [
            {"id": items[0]["id"], "status": 200, "body": {"value": []}},
            {"id": items[1]["id"], "status": 200, "body": {"value": []}},
            {"id": items[2]["id"], "status": 403, "body": {"error": {"code": "ErrorAccessDenied",
                                                                      "message": "Access is denied."}}}]})
    rsps.add_callback(responses.POST, BATCH, callback=answer)
    with pytest.raises(errors.Forbidden):
        _mail(http).find_tagged(SENDER, ["o'brien"])


def test_list_tagged_pages_both_folders_by_prefix(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{BOX}/mailFolders/drafts/messages", json={
        "value": [_message("d1", "2027:a")], "@odata.nextLink": f"{BOX}/mailFolders/drafts/messages?$skiptoken=x"})
    rsps.get(f"{BOX}/mailFolders/drafts/messages", json={"value": [_message("d2", "2027:a:2")]})
    rsps.get(f"{BOX}/mailFolders/drafts/messages", json={"value": [_message("d3", "2027:c", header_only=True)]})
    rsps.get(f"{BOX}/mailFolders/sentitems/messages", json={"value": [_message("s1", "2027:b", sent=True)]})
    found = _mail(http).list_tagged(SENDER, "2027:")
    assert sorted(found) == ["2027:a", "2027:a:2", "2027:b", "2027:c"] and found["2027:b"][0].is_sent
    assert not found["2027:c"][0].tagged
    assert rsps.calls[1].request.url == f"{BOX}/mailFolders/drafts/messages?$skiptoken=x"
    filters = [parse_qs(urlsplit(c.request.url).query)["$filter"][0] for c in rsps.calls if "skiptoken" not in c.request.url]
    assert filters == [f"singleValueExtendedProperties/Any(ep: ep/id eq '{prop}' and startswith(ep/value, '2027:'))"
                       for prop in (MAIL_TAG_PROPERTY_ID, HEADER_TAG_PROPERTY_ID, MAIL_TAG_PROPERTY_ID)]


def test_send_once_sends_only_what_was_never_sent(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    _no_sends_today(rsps)
    rsps.add_callback(responses.POST, BATCH, callback=_lookup_answer({
        ("sentitems", "sent"): [_message("s1", "sent", sent=True)],
        ("drafts", "sent"): [_message("old-draft", "sent")],          # a stray draft beside the sent one
        ("drafts", "flight"): [_message("d-flight", "flight", submitted=NOW - timedelta(minutes=2))],
        ("drafts", "crash"): [_message("d-crash", "crash")],          # created, never sent: a crash
        ("drafts", "stale"): [_message("d-stale", "stale", submitted=NOW - timedelta(hours=2))]}))
    rsps.add_callback(responses.POST, f"{BOX}/messages", callback=_created, content_type="application/json")
    for mid in ("d-crash", "d-stale", "d-new"):
        rsps.patch(f"{BOX}/messages/{mid}", json=_message(mid, "x"))
        rsps.post(f"{BOX}/messages/{mid}/send", status=202)
    rsps.patch(f"{BOX}/messages/d-new", json=_message("d-new", "x"))  # its tag, then its mark
    out = _mail(http).send_once(SENDER, [_draft(t) for t in ("sent", "flight", "crash", "stale", "new")])
    assert [(d.tag, d.state) for d in out] == [("sent", "already_sent"), ("flight", "in_flight"),
                                               ("crash", "sent"), ("stale", "sent"), ("new", "sent")]
    assert [d.delivered for d in out] == [True, False, True, True, True]  # in flight: not known to have gone
    assert out[0].message is not None and out[0].message.id == "s1"
    sends = [c.request.url.rsplit("/", 2)[1] for c in rsps.calls if c.request.url.endswith("/send")]
    assert sends == ["d-crash", "d-stale", "d-new"]
    assert sum(1 for c in rsps.calls if c.request.url == f"{BOX}/messages") == 1  # one create, for "new"


def test_a_crash_between_create_and_tag_leaves_a_draft_that_is_tagged_and_sent_once(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    """The process dies after the MIME create and before its PATCH: the next pass finds the draft
    by the property Exchange made of its X-Samtal-Key header, tags it, then sends it, once."""
    _no_sends_today(rsps)
    rsps.add_callback(responses.POST, f"{BOX}/messages", callback=_created, content_type="application/json")
    rsps.patch(f"{BOX}/messages/d-t", body=requests.ConnectionError("the process is gone"))
    with pytest.raises(errors.TransportError):
        _mail(http).create_draft(SENDER, _draft("t"))
    rsps.add_callback(responses.POST, BATCH, callback=_lookup_answer(
        {("drafts:header", "t"): [_message("d-t", "t", header_only=True)]}))
    rsps.replace(responses.PATCH, f"{BOX}/messages/d-t", json=_message("d-t", "t"))
    rsps.post(f"{BOX}/messages/d-t/send", status=202)
    (out,) = _mail(http).send_once(SENDER, [_draft("t")])
    assert out.state == "sent" and out.message is not None and out.message.id == "d-t"
    patches = [json.loads(c.request.body) for c in rsps.calls if c.request.method == "PATCH"][-2:]
    assert patches[0] == _tagging("t")  # tagged before anything else
    assert [p["id"] for p in patches[1]["singleValueExtendedProperties"]] == [SUBMITTED_PROPERTY_ID]
    assert sum(1 for c in rsps.calls if c.request.url.endswith("/send")) == 1
    assert sum(1 for c in rsps.calls if c.request.url == f"{BOX}/messages") == 1  # never created again


def test_a_draft_exchange_kept_no_tag_of_is_never_sent_and_the_message_goes_once_anew(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    """The process dies between create and PATCH, and Exchange kept no property of the header (its
    name was not yet mapped in the mailbox): the draft carries neither property, no lookup finds
    it, and nothing sends it; the next pass makes a new draft and sends that one, once."""
    _no_sends_today(rsps)
    rsps.post(f"{BOX}/messages", status=201, json={**_message("orphan", "x"), "singleValueExtendedProperties": None})
    rsps.patch(f"{BOX}/messages/orphan", body=requests.ConnectionError("the process is gone"))
    with pytest.raises(errors.TransportError):
        _mail(http).create_draft(SENDER, _draft("t"))
    crashed = len(rsps.calls)
    rsps.add_callback(responses.POST, BATCH, callback=_lookup_answer({}))  # neither property: nothing found
    rsps.replace(responses.POST, f"{BOX}/messages", status=201,
                 json={**_message("fresh", "x"), "singleValueExtendedProperties": None})
    rsps.patch(f"{BOX}/messages/fresh", json=_message("fresh", "t"))
    rsps.post(f"{BOX}/messages/fresh/send", status=202)
    (out,) = _mail(http).send_once(SENDER, [_draft("t")])
    assert out.state == "sent" and out.message is not None and out.message.id == "fresh"
    sends = [c.request.url for c in rsps.calls if c.request.url.endswith("/send")]
    assert sends == [f"{BOX}/messages/fresh/send"]
    assert not [c for c in list(rsps.calls)[crashed:] if "orphan" in c.request.url]  # left alone, never sent


def test_only_a_tagged_draft_is_sent() -> None:
    with pytest.raises(ValueError):
        Mail.send_draft(None, "s", MessageRef("d", "t", "drafts", tagged=False))  # type: ignore[arg-type]


def test_send_once_defers_what_the_day_has_no_room_for(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    _no_sends_today(rsps)
    rsps.add_callback(responses.POST, BATCH, callback=_lookup_answer({}))
    rsps.add_callback(responses.POST, f"{BOX}/messages", content_type="application/json", callback=_created)
    for n in range(3):
        rsps.patch(f"{BOX}/messages/d-t{n}", json=_message(f"d-t{n}", "x"))
    for n in range(2):
        rsps.post(f"{BOX}/messages/d-t{n}/send", status=202)
    out = _mail(http, recipients_per_day=2).send_once(SENDER, [_draft(f"t{n}") for n in range(4)])
    assert [d.state for d in out] == ["sent", "sent", "deferred", "deferred"]
    assert out[2].retry_at == NOW + timedelta(days=1) and isinstance(out[3].error, errors.SendingLimit)
    assert sum(1 for c in rsps.calls if c.request.url == f"{BOX}/messages") == 3  # t2's draft waits in Drafts


def test_send_once_advances_as_each_draft_is_settled_and_not_for_what_waits(http: GraphHttp,
                                                                           rsps: responses.RequestsMock) -> None:
    """A caller's progress moves as each message goes (sending is paced: 200 take minutes), not
    once at the end; a draft deferred to a later call is not counted."""
    _no_sends_today(rsps)
    rsps.add_callback(responses.POST, BATCH, callback=_lookup_answer({
        ("sentitems", "t0"): [_message("s0", "t0", sent=True)]}))
    rsps.add_callback(responses.POST, f"{BOX}/messages", content_type="application/json", callback=_created)
    for n in range(1, 4):
        rsps.patch(f"{BOX}/messages/d-t{n}", json=_message(f"d-t{n}", "x"))
    for n in range(1, 3):
        rsps.post(f"{BOX}/messages/d-t{n}/send", status=202)
    seen: list[tuple[int, int]] = []  # (n, sends made so far) at each call

    def advance(n: int) -> None:
        seen.append((n, sum(1 for c in rsps.calls if c.request.url.endswith("/send"))))

    out = _mail(http, recipients_per_day=2).send_once(SENDER, [_draft(f"t{n}") for n in range(5)],
                                                      advance=advance)
    assert [d.state for d in out] == ["already_sent", "sent", "sent", "deferred", "deferred"]
    assert seen == [(1, 0), (1, 1), (1, 2)]  # found sent, then each send as it went; none for the rest


def test_send_once_advances_for_every_draft_a_failed_lookup_fails(http: GraphHttp,
                                                                  rsps: responses.RequestsMock) -> None:
    rsps.post(BATCH, status=503, json={"error": {"code": "serviceUnavailable", "message": "down"}})
    seen: list[int] = []
    out = _mail(http).send_once(SENDER, [_draft("t"), _draft("u")], advance=seen.append)
    assert [d.state for d in out] == ["failed", "failed"] and seen == [1, 1]


def test_exchange_refusing_for_its_limit_is_a_sending_limit(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    _no_sends_today(rsps)
    rsps.add_callback(responses.POST, BATCH, callback=_lookup_answer({("drafts", "t"): [_message("d1", "t")]}))
    rsps.patch(f"{BOX}/messages/d1", json=_message("d1", "t"))
    rsps.post(f"{BOX}/messages/d1/send", status=403, json={"error": {
        "code": "ErrorExceededMessageLimit",
        "message": "Cannot send mail. Daily Message/Recipient limit exceeded."}})
    out = _mail(http).send_once(SENDER, [_draft("t"), _draft("u")])
    assert [d.state for d in out] == ["deferred", "deferred"]
    assert isinstance(out[0].error, errors.SendingLimit) and out[0].error.outcome is errors.Outcome.RETRY


def test_a_sender_without_a_mailbox_fails_everything_at_once(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    _no_sends_today(rsps)
    rsps.add_callback(responses.POST, BATCH, callback=_lookup_answer({}))
    rsps.post(f"{BOX}/messages", status=404, json={"error": {
        "code": "MailboxNotEnabledForRESTAPI", "message": "REST API is not yet supported for this mailbox."}})
    out = _mail(http).send_once(SENDER, [_draft(f"t{n}") for n in range(5)])
    assert [d.state for d in out] == ["failed"] * 5
    assert all(isinstance(d.error, errors.MailboxUnavailable) for d in out)
    assert sum(1 for c in rsps.calls if c.request.url == f"{BOX}/messages") == 1


def test_drafts_reject_what_would_break_a_mail() -> None:
    for bad in ({"to": ()}, {"to": (("no-at", ""),)}, {"subject": "two\nlines"}, {"tag": " t"},
                {"subject": "x" * 256}, {"body_html": "a\x07b"}, {"body_text": "a\x07b"}, {"body_text": " \n"},
                {"language": "svenska!"}):
        fields: dict[str, Any] = {"to": (("a@example.se", "A"),), "subject": "S", "body_html": "<p>x</p>",
                                  "body_text": "x", "tag": "t", **bad}
        with pytest.raises(ValueError):
            MessageDraft(**fields)
    whole = MessageDraft(to=(("a@example.se", ""),), subject="S", body_html="<html><body>x</body></html>",
                         body_text="x", tag="t")
    assert whole.html_document() == "<html><body>x</body></html>"


def test_a_refusal_of_the_sender_mailbox_is_for_an_administrator(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    """403 ErrorAccessDenied on the sender: Mail.ReadWrite missing, or the sender outside the access
    policy. Either way an administrator must act: needs re-consent, not a fact about one person."""
    denied = {"error": {"code": "ErrorAccessDenied", "message": "Access is denied. Check credentials and try again."}}
    rsps.add_callback(responses.POST, BATCH, callback=_lookup_answer({}))
    rsps.post(f"{BOX}/messages", status=403, json=denied)
    mail = _mail(http)
    with pytest.raises(errors.Forbidden) as caught:
        mail.create_draft(SENDER, _draft("t"))
    assert caught.value.outcome is errors.Outcome.NEEDS_CONSENT and "Mail.ReadWrite" in str(caught.value)
    out = mail.send_once(SENDER, [_draft("t"), _draft("u")])
    assert [d.state for d in out] == ["failed", "failed"]
    assert all(d.error is not None and d.error.outcome is errors.Outcome.NEEDS_CONSENT for d in out)
    assert sum(1 for c in rsps.calls if c.request.url == f"{BOX}/messages") == 2  # one each call, then it stopped


def test_a_send_answered_504_stays_counted_and_is_in_flight_for_the_next_pass(http: GraphHttp,
                                                                              rsps: responses.RequestsMock) -> None:
    """Graph answered 504 to a send that went all the same: never sent again by this call, kept
    in the day's count, and retry later (the next lookup decides), not a permanent failure."""
    _no_sends_today(rsps)
    rsps.add_callback(responses.POST, BATCH, callback=_lookup_answer({("drafts", "t"): [_message("d1", "t")]}))
    rsps.patch(f"{BOX}/messages/d1", json=_message("d1", "t"))
    rsps.post(f"{BOX}/messages/d1/send", status=504, json={"error": {"code": "UnknownError", "message": ""}})
    mail = _mail(http)
    (out,) = mail.send_once(SENDER, [_draft("t")])
    assert out.state == "failed" and out.error is not None and out.error.outcome is errors.Outcome.RETRY
    assert sum(1 for c in rsps.calls if c.request.url.endswith("/send")) == 1
    assert mail.budget(SENDER).recipients_today == 1
    marked = MessageRef("d1", "t", "drafts", ("per.lind@example.se",), submitted=NOW)
    assert marked.in_flight(NOW + timedelta(minutes=14)) and marked.needs_send(NOW + timedelta(minutes=16))
