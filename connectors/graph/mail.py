"""E-mail from a sender mailbox HR owns, sent exactly once, as named methods with typed results.

Facts: docs/graph.md#mail and docs/graph.md#sending-limits; failures it is built against:
docs/failures.md#mail.

Exactly once, in three steps that each survive a crash between them:

1. **Look up** the message's tag (samtal's single-value extended property, the reminder's key)
   in the sender's Drafts and Sent Items (:meth:`Mail.find_tagged`, :meth:`Mail.list_tagged`);
   in Drafts also by the property Exchange makes of the ``X-Samtal-Key`` header. In Sent Items:
   Exchange has it; never sent again. A draft marked as handed over less than
   :data:`~connectors.graph.mail_records.SUBMIT_GRACE` ago: in flight; left alone.
2. **Create** the draft from MIME (``POST /users/{sender}/messages``, ``Content-Type:
   text/plain``, a base64 ``multipart/alternative`` with text and HTML: the draft lands in
   Drafts), then **tag** it (``PATCH``: samtal's tag, the header's property, the categories;
   :meth:`Mail.create_draft`). The MIME form takes no JSON properties, hence two calls. A create
   whose fate is unknown is looked up before it is sent again. A crash between the two leaves a
   draft that carries the header's property (found, tagged, then sent) or, when Exchange did not
   keep it, nothing: such a draft is never found and never sent, and the reminder is created
   again, so it still goes once (docs/failures.md#m2).
3. **Send** it (:meth:`Mail.send_draft`, only a tagged draft): mark it as handed over, then
   ``POST /users/{sender}/messages/{id}/send`` (202 Accepted). Exchange moves it to Sent Items once
   transport has taken it. A send whose fate is unknown is never repeated by this call: the next
   lookup sees the mark or the sent copy.

:meth:`Mail.send_once` does the three for a list of drafts from one sender, paced under Exchange
Online's sending limits (:mod:`connectors.graph.mail_limits`): 30 messages a minute and 10,000
recipients a rolling day per sender; what does not fit comes back ``deferred`` with the moment it
may go. The application permissions this needs: ``Mail.ReadWrite`` (create, mark and look up
drafts; read Sent Items) and ``Mail.Send`` (send), both restricted to the sender mailbox by an
Exchange application access policy or RBAC for Applications (docs/graph.md#mail).
"""
from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, ParamSpec, TypeVar
from urllib.parse import quote

from connectors.graph import errors, mail_lookup
from connectors.graph.batch import BatchRequest, BatchResult, execute_batch
from connectors.graph.create_once import create_once
from connectors.graph.directory import user_path
from connectors.graph.http import GraphHttp
from connectors.graph.mail_limits import SendingBudget, SendingLimits, SendingPacer
from connectors.graph.mail_lookup import PAGE
from connectors.graph.mail_mime import mime_body
from connectors.graph.mail_records import (
    HEADER_TAG_PROPERTY_ID, MAIL_TAG_PROPERTY_ID, SUBMIT_GRACE, SUBMITTED_PROPERTY_ID, MessageDraft, MessageRef,
    malformed, message_from_json, parse_instant,
)

log = logging.getLogger(__name__)

MAX_CREATE_ATTEMPTS = 3
MIME_HEADERS = {"Content-Type": "text/plain"}  # the MIME form of the create (docs/graph.md#mail)
DeliveryState = Literal["sent", "already_sent", "in_flight", "deferred", "failed"]
# 403 ErrorAccessDenied on the sender's mailbox has two causes that only an administrator can
# fix, and the same code for both: the app lacks Mail.ReadWrite or Mail.Send ("Access is denied.
# Check credentials and try again.", microsoftgraph/microsoft-graph-docs#10880), or the access
# policy or RBAC scope leaves the sender mailbox out ("Access to OData is disabled.",
# https://learn.microsoft.com/graph/auth-limit-mailbox-access). docs/failures.md#m3.
SENDER_ACCESS_HINT = ("the app cannot use the sender mailbox: grant Mail.ReadWrite and Mail.Send (application) "
                      "and include the sender mailbox in the application access policy or RBAC scope")


@dataclass(frozen=True)
class Delivery:
    """What :meth:`Mail.send_once` did with one draft, by its tag.

    ``state``: ``sent`` (handed to Exchange by this call), ``already_sent`` (found in Sent
    Items), ``in_flight`` (a draft marked as handed over moments ago, by an earlier pass: left
    alone, and not known to have gone, since that pass may have died before its send), ``deferred``
    (the sender's sending limits leave no room now: ``retry_at`` says when), ``failed``
    (``error`` says why; its ``outcome`` sorts it). ``message`` is the draft or sent message
    samtal holds for the tag, when there is one; ``at`` is when it was sent or handed over.
    """

    tag: str
    state: DeliveryState
    message: MessageRef | None = None
    at: datetime | None = None
    retry_at: datetime | None = None
    error: errors.GraphError | None = None

    @property
    def delivered(self) -> bool:
        """Sent, by this call or before: the reminder counts as gone out. A draft ``in_flight`` does
        not: a later call finds it in Sent Items, or sends it once the grace is over."""
        return self.state in ("sent", "already_sent")


def _sender_error(err: errors.GraphError) -> errors.GraphError:
    """A refusal of the sender mailbox is the administrator's to fix (docs/failures.md#m3), not a
    fact about one person as it is for a talk's mailbox: needs re-consent, with what to grant."""
    if isinstance(err, errors.Forbidden):
        err.outcome = errors.Outcome.NEEDS_CONSENT
        err.hint = SENDER_ACCESS_HINT
    return err


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _as_sender(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """A method on the sender mailbox: its refusals are sorted by :func:`_sender_error`."""
    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except errors.Forbidden as err:
            _sender_error(err)
            raise
    return wrapper


class Mail:
    """Named mail operations over one :class:`GraphHttp`; ``sender`` is a mailbox's UPN or id.

    One :class:`~connectors.graph.mail_limits.SendingPacer` per client keeps every sender's
    sending limits for all threads of the process.
    """

    def __init__(self, http: GraphHttp, limits: SendingLimits | None = None, *,
                 pacer: SendingPacer | None = None) -> None:
        self.http = http
        self.pacer = pacer or SendingPacer(limits or SendingLimits())
        if self.pacer.notices is None:  # a wait for Exchange's minute is told like any other
            self.pacer.notices = getattr(http, "notices", None)

    # ------------------------------------------------------------------ paths
    @staticmethod
    def _messages(sender: str) -> str:
        return user_path(sender) + "/messages"

    @staticmethod
    def _message(sender: str, message_id: str) -> str:
        if not message_id or not message_id.strip():
            raise ValueError("a message id is required")
        return user_path(sender) + "/messages/" + quote(message_id, safe="=")


    # ------------------------------------------------------------------ lookups
    @_as_sender
    def find_tagged(self, sender: str, tags: Sequence[str]) -> dict[str, list[MessageRef]]:
        """The messages carrying each of ``tags`` in ``sender``'s Drafts and Sent Items
        (:func:`connectors.graph.mail_lookup.find_tagged`)."""
        return mail_lookup.find_tagged(self.http, sender, tags)

    @_as_sender
    def list_tagged(self, sender: str, prefix: str) -> dict[str, list[MessageRef]]:
        """Every message in ``sender``'s Drafts and Sent Items whose tag starts with ``prefix``
        (:func:`connectors.graph.mail_lookup.list_tagged`)."""
        return mail_lookup.list_tagged(self.http, sender, prefix)

    @_as_sender
    def get_mime(self, sender: str, message_id: str) -> bytes:
        """The MIME of a message in ``sender``'s mailbox (``GET .../messages/{id}/$value``, 200,
        ``text/plain``): the message as Exchange holds it, both alternatives of a reminder."""
        resp = self.http.get(self._message(sender, message_id) + "/$value", headers={"Accept": "text/plain"},
                             mailbox=sender)
        return resp.content

    # ------------------------------------------------------------------ drafts
    @_as_sender
    def create_draft(self, sender: str, draft: MessageDraft) -> MessageRef:
        """Save ``draft`` in ``sender``'s Drafts and tag it; nothing is sent.

        The create sends the MIME message (:func:`~connectors.graph.mail_mime.mime_body`, 201);
        then a ``PATCH`` writes samtal's tag, the ``X-Samtal-Key`` header's property and the
        categories (:meth:`_tag_draft`). When the POST's fate is unknown (connection dropped after
        sending, or a 5xx), the tag is looked up in Drafts first; only when it is not there is
        the create sent again, at most :data:`MAX_CREATE_ATTEMPTS` times. A draft already there
        for the tag is tagged (when it is not yet) and returned.
        """
        return self._tag_draft(sender, self._create(sender, draft), draft)

    @_as_sender
    def create_drafts(self, sender: str, drafts: Sequence[MessageDraft]) -> list[MessageRef | errors.GraphError]:
        """:meth:`create_draft` for many drafts of one sender in ``$batch`` calls (the creates,
        then the ``PATCH`` es that tag them): one answer per draft, in order, the draft saved and
        tagged or the error that one met. Items whose fate is unknown are looked up by their tags
        before they are created again."""
        tags = [d.tag.lower() for d in drafts]
        if len(set(tags)) != len(tags):
            raise ValueError("create_drafts: two drafts carry the same tag")
        def lookup(indices: Sequence[int]) -> dict[int, MessageRef | None | errors.GraphError]:
            found = self.find_tagged(sender, [drafts[i].tag for i in indices])
            return {i: next((m for m in found[drafts[i].tag] if m.folder == "drafts"), None) for i in indices}

        made = create_once(
            self.http, len(drafts), what="draft", attempts=MAX_CREATE_ATTEMPTS, lookup=lookup,
            request=lambda i: BatchRequest(str(i), "POST", self._messages(sender), data=mime_body(sender, drafts[i]),
                                           headers=MIME_HEADERS),
            parse=lambda i, body: _untagged(message_from_json(body, "drafts", drafts[i].tag)),
            refused=_sender_error)
        todo = [i for i, m in enumerate(made) if isinstance(m, MessageRef) and not m.tagged]
        answers = execute_batch(self.http, [
            BatchRequest(str(i), "PATCH", self._message(sender, _ref(made[i]).id), body=_tag_body(drafts[i]),
                         idempotent=True) for i in todo])
        for i in todo:
            res = answers[str(i)]
            made[i] = (dataclasses.replace(_ref(made[i]), tagged=True) if res.ok else
                       _sender_error(res.error or malformed("a failed tagging without an error")))
        return made

    def _tag_draft(self, sender: str, message: MessageRef, draft: MessageDraft) -> MessageRef:
        """Write samtal's tag, the ``X-Samtal-Key`` header's property and ``draft``'s categories
        on the draft ``message`` (``PATCH``, 200); returns it ``tagged``. A draft already tagged
        is returned as it is. Writing the header's property maps its name in the mailbox, so
        that Exchange keeps the header of later MIME drafts as that property (docs/graph.md#mail).
        """
        if message.folder != "drafts":
            raise ValueError("_tag_draft: only a draft is tagged")
        if message.tag.lower() != draft.tag.lower():
            raise ValueError("_tag_draft: the draft carries another tag")
        if message.tagged:
            return message
        self.http.patch(self._message(sender, message.id), json=_tag_body(draft), mailbox=sender)
        return dataclasses.replace(message, tagged=True)

    def _create(self, sender: str, draft: MessageDraft) -> MessageRef:
        body = mime_body(sender, draft)
        last: errors.GraphError | None = None
        for attempt in range(1, MAX_CREATE_ATTEMPTS + 1):
            try:
                resp = self.http.post(self._messages(sender), data=body, headers=MIME_HEADERS, mailbox=sender)
            except errors.TransportError as err:
                if not err.maybe_applied:
                    raise
                last = err
            except errors.ServerError as err:
                last = err
            else:
                return _untagged(message_from_json(resp.json_object(), "drafts", draft.tag))
            log.info("creating a draft failed (attempt %d: %s); looking for it by its tag", attempt, type(last).__name__)
            made = [m for m in self.find_tagged(sender, [draft.tag])[draft.tag] if m.folder == "drafts"]
            if made:
                return made[0]
        assert last is not None
        last.message += f" (draft not created after {MAX_CREATE_ATTEMPTS} attempts)"
        raise last

    # ------------------------------------------------------------------ sending
    @_as_sender
    def send_draft(self, sender: str, message: MessageRef, *, max_wait_s: float | None = None) -> MessageRef:
        """Hand the draft ``message`` to Exchange to send; returns it with ``submitted`` set.

        Waits for the sender's message rate first (:class:`SendingPacer`); raises
        :class:`~connectors.graph.errors.SendingLimit` without sending when the rolling day has
        no room for its recipients, or when the wait would pass ``max_wait_s``. Then marks the
        draft as handed over (PATCH, :data:`SUBMITTED_PROPERTY_ID`) and sends it (202). A send
        whose fate is unknown raises and is not repeated here: the next lookup tells.
        """
        if message.folder != "drafts":
            raise ValueError("send_draft: only a draft can be sent")
        if not message.tagged:
            raise ValueError("send_draft: only a draft carrying samtal's tag is sent (tag it first)")
        self._seed(sender)
        recipients = max(1, len(message.recipients))
        reserved = self.pacer.reserve(sender, recipients, max_wait_s=max_wait_s)
        now = self.pacer.now()
        path = self._message(sender, message.id)
        try:
            self.http.patch(path, json={"singleValueExtendedProperties": [
                {"id": SUBMITTED_PROPERTY_ID, "value": now.strftime("%Y-%m-%dT%H:%M:%SZ")}]}, mailbox=sender)
        except errors.GraphError:
            self.pacer.release(sender, reserved, recipients)  # not marked, so certainly not sent
            raise
        try:
            self.http.post(path + "/send", mailbox=sender)  # no body: requests sends Content-Length: 0
        except errors.TransportError as err:
            if err.maybe_applied:
                self.pacer.sent(sender, reserved, recipients)
            else:
                self.pacer.release(sender, reserved, recipients)
            raise
        except errors.ServerError as err:
            # A 5xx to a send may have sent it all the same (docs/failures.md#m5): it stays
            # counted, is never repeated here, and the next lookup finds it marked or sent.
            self.pacer.sent(sender, reserved, recipients)
            err.outcome = errors.Outcome.RETRY
            err.hint = "the message may have gone; the next pass looks it up before sending"
            raise
        except errors.StatusError:
            self.pacer.release(sender, reserved, recipients)  # Graph refused it: nothing left
            raise
        self.pacer.sent(sender, reserved, recipients)
        return dataclasses.replace(message, submitted=now)

    def send_once(self, sender: str, drafts: Sequence[MessageDraft], *, now: datetime | None = None,
                  max_wait_s: float | None = None, grace: timedelta = SUBMIT_GRACE,
                  advance: Callable[[int], None] | None = None) -> list[Delivery]:
        """Send each of ``drafts`` from ``sender`` unless its tag was sent before; one
        :class:`Delivery` per draft, in order.

        Looks all tags up first (:meth:`find_tagged`): a sent copy is ``already_sent``, a draft
        handed over less than ``grace`` before ``now`` is ``in_flight`` (``now`` is wall-clock time,
        as the mark is written: the pacer's clock by default, never a campaign's ``--now``), a
        draft left by a crash is sent (tagged first when the crash came before its tag), and a
        tag with nothing is created and sent. Paced under
        the sending limits; once the day (or ``max_wait_s``, the longest this call waits for the
        minute's allowance: without it, 2,000 messages take about 67 minutes) leaves no room, the
        rest come back ``deferred``. A lookup that fails fails every draft (what was sent is unknown); a failure
        of the sender's own mailbox (no mailbox, refused access) fails the rest at once; any
        other failure belongs to its draft only. Nothing is raised for a failed Graph call.

        ``advance(n)``, when given, is called on this thread as drafts are settled, ``n`` counting
        each draft sent, found sent or in flight, or failed, as it is settled (one by one while the
        pacing waits for Exchange's minute); a ``deferred`` draft is not counted, since it waits for
        a later call. A caller shows progress with it; what it does must not raise.
        """
        tags = [d.tag.lower() for d in drafts]
        if len(set(tags)) != len(tags):
            raise ValueError("send_once: two drafts carry the same tag")
        if not drafts:
            return []
        moment = now or self.pacer.now()
        out: list[Delivery] = []

        def settle(delivery: Delivery) -> None:
            out.append(delivery)
            if advance is not None and delivery.state != "deferred":
                advance(1)

        try:
            found = self.find_tagged(sender, [d.tag for d in drafts])
        except errors.GraphError as err:  # nothing is known, so nothing is sent
            for d in drafts:
                settle(Delivery(d.tag, "failed", error=_sender_error(err)))
            return out
        stop: Delivery | None = None
        for draft in drafts:
            if stop is not None:
                settle(dataclasses.replace(stop, tag=draft.tag, message=None))
                continue
            messages = found[draft.tag]
            sent = sorted((m for m in messages if m.is_sent), key=lambda m: m.sent or m.created or moment)
            if sent:
                settle(Delivery(draft.tag, "already_sent", sent[0], sent[0].sent))
                continue
            waiting = [m for m in messages if m.in_flight(moment, grace)]
            if waiting:
                settle(Delivery(draft.tag, "in_flight", waiting[0], waiting[0].submitted))
                continue
            try:
                left = sorted(messages, key=lambda m: not m.tagged)  # a tagged draft first
                target = self._tag_draft(sender, left[0], draft) if left else self.create_draft(sender, draft)
                done = self.send_draft(sender, target, max_wait_s=max_wait_s)
            except errors.SendingLimit as limit:
                stop = Delivery(draft.tag, "deferred", retry_at=limit.retry_at, error=limit)
                settle(stop)
                continue
            except errors.GraphError as err:
                failed = Delivery(draft.tag, "failed", error=_sender_error(err))
                settle(failed)
                if isinstance(err, (errors.MailboxUnavailable, errors.Forbidden, errors.Unauthorized)):
                    stop = failed  # the sender's mailbox itself: every other send meets the same
                continue
            settle(Delivery(draft.tag, "sent", done, done.submitted))
        return out

    # ------------------------------------------------------------------ the budget
    @_as_sender
    def budget(self, sender: str) -> SendingBudget:
        """Where ``sender`` stands against its sending limits: sends in the rolling minute,
        recipients in the rolling day, when the next send may go. The first call for a sender
        in a process reads what its Sent Items hold of the past day (mail people sent by hand
        counts too); later ones count what this process sent."""
        self._seed(sender)
        return self.pacer.budget(sender)

    def _seed(self, sender: str) -> None:
        if self.pacer.is_seeded(sender):
            return
        since = self.pacer.now() - timedelta(seconds=self.pacer.limits.day_s)
        query = {"$filter": f"sentDateTime ge {since.strftime('%Y-%m-%dT%H:%M:%SZ')}",
                 "$select": "sentDateTime,toRecipients,ccRecipients,bccRecipients", "$top": PAGE}
        sent: list[tuple[datetime, int]] = []
        for item in self.http.paginate(mail_lookup.folder_path(sender, "sentitems"), params=query, mailbox=sender):
            when = parse_instant(item.get("sentDateTime"), "sentDateTime")
            if when is None:
                continue
            count = sum(len(item.get(k) or []) for k in ("toRecipients", "ccRecipients", "bccRecipients")
                        if isinstance(item.get(k) or [], list))
            sent.append((when, max(1, count)))
        self.pacer.seed(sender, sent)


def _tag_body(draft: MessageDraft) -> dict[str, Any]:
    """The ``PATCH`` that tags a draft created from MIME (message-update: categories and
    single-value extended properties can be written on a draft)."""
    return {
        "categories": list(draft.categories),
        "singleValueExtendedProperties": [{"id": MAIL_TAG_PROPERTY_ID, "value": draft.tag},
                                          {"id": HEADER_TAG_PROPERTY_ID, "value": draft.tag}],
    }


def _untagged(message: MessageRef) -> MessageRef:
    """A draft just created from MIME: not tagged until its ``PATCH``."""
    return dataclasses.replace(message, tagged=False)


def _ref(item: MessageRef | errors.GraphError) -> MessageRef:
    assert isinstance(item, MessageRef)
    return item


__all__ = ["Mail", "Delivery", "MessageDraft", "MessageRef", "SendingBudget", "SendingLimits"]
