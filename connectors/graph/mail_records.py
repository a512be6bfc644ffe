"""Typed records of the mail connector, and the only code that reads Outlook's message JSON.

Shapes: docs/graph.md#mail (the message resource,
https://learn.microsoft.com/graph/api/resources/message). Every time on a record is an aware
datetime in UTC: Outlook writes message timestamps as ``DateTimeOffset`` in UTC
(``2027-02-15T07:12:44Z``), and they are read by their offset, never assumed.

samtal tags each message it writes with its own single-value extended property
(:data:`MAIL_TAG_PROPERTY_ID`), in the same property set as the events' tag
(:data:`~connectors.graph.calendar_records.TAG_PROPERTY_ID`) but with its own name, so that a
meeting request Exchange files in an organiser's Sent Items can never be taken for a reminder.
Before it asks Exchange to send a draft, samtal writes a second property on it,
:data:`SUBMITTED_PROPERTY_ID` (the time it asked): Exchange moves a sent draft from Drafts to
Sent Items only once transport has taken it (docs/graph.md#mail, "Send mail by using the
Microsoft Graph API"), so a draft that carries the mark was handed over moments ago and must not
be sent again.

A draft is created from MIME (text and HTML alternatives), which carries no JSON properties, so
the tag is written by a ``PATCH`` right after. The MIME also carries the tag as the header
``X-Samtal-Key``; Exchange's MIME reader turns such a header into the named property
:data:`HEADER_TAG_PROPERTY_ID` (PS_INTERNET_HEADERS), but only once that name is mapped in the
mailbox, which samtal's ``PATCH`` does by writing it too (docs/graph.md#mail). A draft a crash
left between the two calls is found by that property (:attr:`MessageRef.tagged` is false) and
tagged before it is sent; one that carries neither is never found and never sent.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from connectors.graph import errors

# samtal's property set (the GUID of calendar_records.TAG_PROPERTY_ID); the names say what the
# values are. Name matching in $filter is case-sensitive (docs/graph.md#mail), so these exact
# strings are used everywhere.
MAIL_TAG_PROPERTY_ID = "String {feed13f3-197a-4d00-9c43-90c321a1472e} Name samtalMailKey"
SUBMITTED_PROPERTY_ID = "String {feed13f3-197a-4d00-9c43-90c321a1472e} Name samtalSubmittedAt"
# The MIME header that carries the tag, and the named property Exchange makes of an X- header:
# property set PS_INTERNET_HEADERS ({00020386-0000-0000-C000-000000000046}), the header's name as
# written (MS-OXCMAIL 2.2.3.2.29, docs/graph.md#mail). The same spelling in both places.
TAG_HEADER = "X-Samtal-Key"
HEADER_TAG_PROPERTY_ID = f"String {{00020386-0000-0000-C000-000000000046}} Name {TAG_HEADER}"

# A draft marked as handed to Exchange this long ago and still in Drafts was not taken by
# transport (the process died between the mark and the send, or transport refused it and put a
# non-delivery report in the sender's Inbox): it is sent again. Younger than this, it is in flight.
SUBMIT_GRACE = timedelta(minutes=15)

Folder = Literal["drafts", "sentitems"]
FOLDERS: tuple[Folder, ...] = ("drafts", "sentitems")
MESSAGE_FIELDS = "id,createdDateTime,sentDateTime,isDraft,subject,toRecipients,ccRecipients,bccRecipients"
MAX_SUBJECT = 255  # Outlook's subject is a string; samtal keeps it to one line a list can show
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def malformed(message: str) -> errors.GraphError:
    """An answer from Graph that samtal cannot read (permanent: it needs a person to look)."""
    return errors.GraphError(f"unexpected answer from Graph: {message}")


@dataclass(frozen=True)
class MessageDraft:
    """A message samtal wants sent from a sender mailbox HR owns.

    ``to`` holds ``(address, display name)`` pairs; ``tag`` is the reminder's key, stored on
    the message as :data:`MAIL_TAG_PROPERTY_ID` so that a later pass finds it in Drafts or Sent
    Items. Tags are compared without regard to case, as Exchange filters them
    (docs/graph.md#mail). ``language`` (``sv-SE``, ``en-US``) is written as the ``lang`` of the
    HTML body and the message's ``Content-Language``, for screen readers and spelling.
    ``categories`` are Outlook categories on the sender's copy (HR can sort the sent reminders
    by them).

    The body comes twice, with the same content: ``body_html`` (the inside of ``<body>``) and
    ``body_text`` (plain text: paragraphs apart by a blank line, list items as ``- ``, links
    written out). The message goes as ``multipart/alternative`` with both
    (:mod:`connectors.graph.mail_mime`). Sources: docs/graph.md#mail.
    """

    to: tuple[tuple[str, str], ...]
    subject: str
    body_html: str
    body_text: str
    tag: str
    language: str | None = None
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.to:
            raise ValueError("MessageDraft.to needs at least one recipient")
        for address, _name in self.to:
            if "@" not in address or address != address.strip():
                raise ValueError(f"not an e-mail address: {address!r}")
        if not self.tag.strip() or self.tag != self.tag.strip():
            raise ValueError("MessageDraft.tag (the reminder's key) is required, without outer spaces")
        if not self.subject.strip() or "\n" in self.subject or "\r" in self.subject:
            raise ValueError("MessageDraft.subject must be one non-empty line")
        if len(self.subject) > MAX_SUBJECT:
            raise ValueError(f"MessageDraft.subject is longer than {MAX_SUBJECT} characters")
        if _CONTROL.search(self.subject) or _CONTROL.search(self.body_html) or _CONTROL.search(self.body_text):
            raise ValueError("MessageDraft subject and body may not hold control characters")
        if not self.body_text.strip():
            raise ValueError("MessageDraft.body_text (the plain-text alternative) is required")
        if self.language is not None and not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", self.language):
            raise ValueError(f"MessageDraft.language is not a language tag: {self.language!r}")

    @property
    def recipients(self) -> tuple[str, ...]:
        """The addresses as Exchange counts them against the daily recipient limit."""
        return tuple(address for address, _ in self.to)

    def html_document(self) -> str:
        """``body_html`` as a whole HTML document whose ``lang`` is the draft's language."""
        if "<html" in self.body_html[:200].lower():
            return self.body_html
        lang = f' lang="{html.escape(self.language, quote=True)}"' if self.language else ""
        return (f'<html{lang}><head><meta charset="utf-8"></head>'
                f"<body>{self.body_html}</body></html>")


@dataclass(frozen=True)
class MessageRef:
    """A tagged message in a sender's mailbox: a draft, or one Exchange has sent.

    ``folder`` is ``drafts`` or ``sentitems``; ``id`` is the message's id in that folder (a sent
    draft gets a new id in Sent Items); ``recipients`` are its To/Cc/Bcc addresses; ``created``
    is ``createdDateTime``; ``sent`` is ``sentDateTime`` (sent items only); ``submitted`` is the
    time samtal asked Exchange to send it (:data:`SUBMITTED_PROPERTY_ID`), drafts only.
    ``tagged`` is false for a draft found only by its ``X-Samtal-Key`` header
    (:data:`HEADER_TAG_PROPERTY_ID`): a crash came between its create and the ``PATCH`` that tags
    it, and it is tagged before it is sent.
    """

    id: str
    tag: str
    folder: Folder
    recipients: tuple[str, ...] = ()
    created: datetime | None = None
    sent: datetime | None = None
    submitted: datetime | None = None
    tagged: bool = True

    @property
    def is_sent(self) -> bool:
        """In Sent Items: Exchange has taken it; it is never sent again."""
        return self.folder == "sentitems"

    def in_flight(self, now: datetime, grace: timedelta = SUBMIT_GRACE) -> bool:
        """A draft samtal handed to Exchange less than ``grace`` before ``now`` (an aware
        datetime): transport has not moved it to Sent Items yet, and it must not be sent again."""
        if now.tzinfo is None:
            raise ValueError("in_flight: now must be an aware datetime")
        return (self.folder == "drafts" and self.submitted is not None
                and now - self.submitted < grace)

    def needs_send(self, now: datetime, grace: timedelta = SUBMIT_GRACE) -> bool:
        """A draft to send: never handed to Exchange, or handed over more than ``grace`` ago and
        still not taken (sending it again is what is left to do)."""
        return self.folder == "drafts" and not self.in_flight(now, grace)


def parse_instant(value: Any, what: str) -> datetime | None:
    """A Graph ``DateTimeOffset`` (``2027-02-15T07:12:44Z``, with up to 7 fraction digits) as an
    aware UTC datetime; None for a missing value."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise malformed(f"{what} is not a timestamp")
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?", value.strip())
    if m is None:
        raise malformed(f"{what} is not a timestamp: {value!r}")
    base, fraction, zone = m.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    moment = datetime.fromisoformat(base).replace(microsecond=micro)
    if zone in (None, "Z"):
        return moment.replace(tzinfo=timezone.utc)  # Outlook's message times are UTC
    return datetime.fromisoformat(base + zone).replace(microsecond=micro).astimezone(timezone.utc)


def _addresses(raw: Any, what: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise malformed(f"{what} is not a list")
    out = []
    for r in raw:
        address = ((r or {}).get("emailAddress") or {}).get("address") if isinstance(r, dict) else None
        if isinstance(address, str) and address:
            out.append(address)
    return tuple(out)


def property_value(item: dict[str, Any], prop_id: str) -> str | None:
    """The value of the single-value extended property ``prop_id`` expanded on ``item``."""
    props = item.get("singleValueExtendedProperties")
    if props is None:
        return None
    if not isinstance(props, list):
        raise malformed("singleValueExtendedProperties is not a list")
    want = prop_id.lower()
    for p in props:
        if isinstance(p, dict) and str(p.get("id", "")).lower() == want:
            value = p.get("value")
            return value if isinstance(value, str) else None
    return None


def message_from_json(item: Any, folder: Folder, tag: str | None = None) -> MessageRef:
    """A :class:`MessageRef` from one message of a create answer or a folder listing.

    ``tag`` is the tag expected (a create answer carries no extended properties unless they
    are expanded); otherwise the expanded :data:`MAIL_TAG_PROPERTY_ID` is read, and for a draft
    without it the :data:`HEADER_TAG_PROPERTY_ID` (then ``tagged`` is false).
    """
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise malformed("a message without an id")
    found = property_value(item, MAIL_TAG_PROPERTY_ID)
    header = property_value(item, HEADER_TAG_PROPERTY_ID) if folder == "drafts" else None
    the_tag = found if found is not None else tag if tag is not None else header
    if the_tag is None:
        raise malformed("a message without samtal's tag")
    submitted_raw = property_value(item, SUBMITTED_PROPERTY_ID)
    try:
        submitted = parse_instant(submitted_raw, "samtalSubmittedAt")
    except errors.GraphError:
        submitted = datetime.min.replace(tzinfo=timezone.utc)  # unreadable mark: long past
    recipients = (_addresses(item.get("toRecipients"), "toRecipients")
                  + _addresses(item.get("ccRecipients"), "ccRecipients")
                  + _addresses(item.get("bccRecipients"), "bccRecipients"))
    return MessageRef(
        id=item["id"], tag=the_tag, folder=folder, recipients=recipients,
        created=parse_instant(item.get("createdDateTime"), "createdDateTime"),
        sent=parse_instant(item.get("sentDateTime"), "sentDateTime") if folder == "sentitems" else None,
        submitted=submitted if folder == "drafts" else None,
        tagged=found is not None or tag is not None,
    )
