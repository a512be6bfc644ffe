"""The mail connector against the sandbox: a crash between draft and send, a send whose answer was
lost, a message still in transport, and 200 reminders at once under the sending limits; every
story ends with exactly one message in the person's inbox."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from connectors.graph import errors
from connectors.graph.client import GraphClient, connect
from connectors.graph.mail import MessageDraft
from connectors.graph.mail_limits import SendingLimits
from connectors.sandbox import FaultSpec, Sandbox
from connectors.sandbox.people import People

SEED = Path(__file__).with_name("seed.yaml")
SENDER, PER = "anna.berg@example.se", "per.lind@example.se"


class Served:
    def __init__(self, sandbox: Sandbox, url: str, graph_url: str) -> None:
        self.sandbox, self.url, self.graph_url = sandbox, url, graph_url
        self.people = People(url)

    def client(self, limits: SendingLimits | None = None, session: requests.Session | None = None) -> GraphClient:
        """A fresh client: a new process, knowing nothing of what an earlier one did."""
        return connect(graph_url=self.graph_url, tenant_id="t", client_id="c", credential=None,
                       sending_limits=limits, session=session)

    def mail_stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self.sandbox.stats()["mail"]
        return stats


@pytest.fixture()
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    params = getattr(request, "param", {}) or {}
    raw = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    raw["tenant"].update(params.get("tenant", {}))
    users = raw["users"]
    for n in range(params.get("extra_people", 0)):
        users.append({"userPrincipalName": f"p{n}@example.se", "displayName": f"Person {n}"})
    sandbox = Sandbox.from_seed(raw, faults=FaultSpec.parse(params.get("faults")))
    with sandbox.serve(port=0) as server:
        yield Served(sandbox, server.url, server.graph_url)


def _draft(tag: str = "2027:per:prepare:1", to: str = PER) -> MessageDraft:
    return MessageDraft(to=((to, "Per Lind"),), subject="Förbered ditt samtal", body_html="<p>Hej</p>", body_text="Hej", tag=tag,
                        language="sv-SE")


def test_a_draft_left_by_a_crash_is_found_and_sent_once(served: Served) -> None:
    made = served.client().mail.create_draft(SENDER, _draft())  # ... and the process dies here
    found = served.client().mail.find_tagged(SENDER, [made.tag])[made.tag]
    assert [(m.id, m.folder) for m in found] == [(made.id, "drafts")]
    assert found[0].needs_send(served.client().mail.pacer.now())
    (first,) = served.client().mail.send_once(SENDER, [_draft()])
    assert first.state == "sent" and first.message is not None and first.message.id == made.id  # no new draft
    for _ in range(2):  # later passes
        (again,) = served.client().mail.send_once(SENDER, [_draft()])
        assert again.state == "already_sent" and again.message is not None and again.message.is_sent
    assert len(served.people.inbox(PER)) == 1 and served.people.inbox(SENDER, "drafts") == []


def test_a_message_sent_before_the_crash_is_found_in_sent_items(served: Served) -> None:
    mail = served.client().mail
    mail.send_draft(SENDER, mail.create_draft(SENDER, _draft()))  # ... and the process dies before recording it
    (sent,) = served.client().mail.find_tagged(SENDER, ["2027:per:prepare:1"])["2027:per:prepare:1"]
    assert sent.is_sent and sent.sent is not None
    (again,) = served.client().mail.send_once(SENDER, [_draft()])
    assert again.state == "already_sent"
    assert len(served.people.inbox(PER)) == 1


class Crash(BaseException):
    """The process died (nothing in the connector catches it)."""


class DiesAfterCreate(requests.Session):
    """The process dies right after Graph saved a MIME draft: its tagging PATCH never goes."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.method == "PATCH":
            raise AssertionError("the process is gone: nothing after the create")
        response = super().send(request, **kwargs)
        if request.method == "POST" and str(request.url).endswith("/messages"):
            raise Crash("the process dies")
        return response


def _crash_after_create(served: Served, tag: str) -> None:
    with pytest.raises(Crash):
        served.client(session=DiesAfterCreate()).mail.send_once(SENDER, [_draft(tag)])


def test_a_draft_left_between_create_and_tag_is_found_by_its_header_then_sent_once(served: Served) -> None:
    served.client().mail.send_once(SENDER, [_draft("2027:per:prepare:0")])  # an earlier reminder: the name is mapped
    _crash_after_create(served, "2027:per:prepare:1")
    (left,) = served.people.inbox(SENDER, "drafts")
    assert [p["id"] for p in left["singleValueExtendedProperties"]] == [
        "String {00020386-0000-0000-C000-000000000046} Name X-Samtal-Key"]  # the header's property only
    (found,) = served.client().mail.find_tagged(SENDER, ["2027:per:prepare:1"])["2027:per:prepare:1"]
    assert found.id == left["id"] and not found.tagged
    (out,) = served.client().mail.send_once(SENDER, [_draft("2027:per:prepare:1")])
    assert out.state == "sent" and out.message is not None and out.message.id == left["id"]  # no new draft
    (again,) = served.client().mail.send_once(SENDER, [_draft("2027:per:prepare:1")])
    assert again.state == "already_sent"
    assert len(served.people.inbox(PER)) == 2 and served.people.inbox(SENDER, "drafts") == []  # .0 and .1, once each


def test_a_draft_that_carries_neither_property_is_never_sent_and_the_message_goes_once(served: Served) -> None:
    """A fresh sender mailbox: Exchange keeps no property of the X-Samtal-Key header yet, so a
    crash between create and tag leaves a draft nobody can find. It stays in Drafts, unsent; the
    reminder is made again and goes once."""
    _crash_after_create(served, "2027:per:prepare:1")
    (orphan,) = served.people.inbox(SENDER, "drafts")
    assert orphan["singleValueExtendedProperties"] == []
    assert served.client().mail.find_tagged(SENDER, ["2027:per:prepare:1"]) == {"2027:per:prepare:1": []}
    for _ in range(2):
        served.client().mail.send_once(SENDER, [_draft("2027:per:prepare:1")])
    assert len(served.people.inbox(PER)) == 1 and served.mail_stats()["submitted"] == 1
    assert [m["id"] for m in served.people.inbox(SENDER, "drafts")] == [orphan["id"]]  # left behind, never sent


class LosesSendAnswers(requests.Session):
    """A session whose ``send`` reaches Graph but whose answer is lost on the way back."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        response = super().send(request, **kwargs)
        if str(request.url).endswith("/send"):
            raise requests.ConnectionError("connection reset by peer after the request was sent")
        return response


def test_a_send_whose_answer_was_lost_is_in_flight_then_sent_never_twice(served: Served) -> None:
    (lost,) = served.client(session=LosesSendAnswers()).mail.send_once(SENDER, [_draft()])
    assert lost.state == "failed" and isinstance(lost.error, errors.TransportError)
    assert lost.error.outcome is errors.Outcome.RETRY
    (next_pass,) = served.client().mail.send_once(SENDER, [_draft()])
    assert next_pass.state == "already_sent"  # it went: the sandbox's transport took it at once
    assert len(served.people.inbox(PER)) == 1


@pytest.mark.parametrize("served", [{"faults": "transport_ms=400"}], indirect=True)
def test_a_message_still_in_transport_is_in_flight_not_sent_again(served: Served) -> None:
    (first,) = served.client().mail.send_once(SENDER, [_draft()])
    assert first.state == "sent"
    (second,) = served.client().mail.send_once(SENDER, [_draft()])  # a pass moments later
    assert second.state == "in_flight" and not second.delivered  # left alone; a later pass tells
    assert second.message is not None and second.message.folder == "drafts"
    time.sleep(0.45)
    (third,) = served.client().mail.send_once(SENDER, [_draft()])
    assert third.state == "already_sent"
    assert len(served.people.inbox(PER)) == 1 and served.mail_stats()["submitted"] == 1


@pytest.mark.parametrize("served", [{"extra_people": 200, "faults": "send_per_minute=25,send_minute_s=0.3"}],
                         indirect=True)
def test_200_reminders_at_once_keep_the_message_rate(served: Served) -> None:
    limits = SendingLimits(messages_per_minute=25, minute_s=0.3)
    drafts = [_draft(f"2027:p{n}:prepare:1", to=f"p{n}@example.se") for n in range(200)]
    started = time.monotonic()
    out = served.client(limits).mail.send_once(SENDER, drafts)
    took = time.monotonic() - started
    assert [d.state for d in out] == ["sent"] * 200
    stats = served.mail_stats()
    assert (stats["delivered"], stats["over_rate"], stats["refused"]) == (200, 0, 0)
    assert took >= 7 * 0.3  # eight bursts of 25, 0.3 s apart
    assert all(len(served.people.inbox(f"p{n}@example.se")) == 1 for n in (0, 99, 199))
    # A client that does not know the limits is caught by the sandbox: the excess is carried over.
    quick = served.client(SendingLimits(messages_per_minute=1000, minute_s=0.3)).mail
    quick.send_once(SENDER, [_draft(f"2027:p{n}:confirm:1", to=f"p{n}@example.se") for n in range(40)])
    assert served.mail_stats()["over_rate"] > 0


@pytest.mark.parametrize("served", [{"tenant": {"sendingLimits": {"recipientsPerDay": 5}}, "extra_people": 8}],
                         indirect=True)
def test_the_day_is_remembered_across_processes_and_the_rest_waits(served: Served) -> None:
    limits = SendingLimits(recipients_per_day=5)
    first = served.client(limits).mail.send_once(
        SENDER, [_draft(f"t{n}", to=f"p{n}@example.se") for n in range(3)])
    assert [d.state for d in first] == ["sent"] * 3
    later = served.client(limits).mail  # a new process reads the day from Sent Items
    assert later.budget(SENDER).recipients_today == 3
    out = later.send_once(SENDER, [_draft(f"t{n}", to=f"p{n}@example.se") for n in range(7)])
    assert [d.state for d in out] == ["already_sent"] * 3 + ["sent"] * 2 + ["deferred"] * 2
    assert out[5].retry_at is not None and out[5].retry_at == out[6].retry_at
    assert served.mail_stats()["refused"] == 0  # samtal stopped before Exchange had to


def test_a_sender_without_a_mailbox_fails_at_once(served: Served) -> None:
    with pytest.raises(errors.MailboxUnavailable):
        served.client().mail.budget("no.drive@example.se")
    out = served.client().mail.send_once("no.drive@example.se", [_draft("a"), _draft("b")])
    assert [d.state for d in out] == ["failed", "failed"]
