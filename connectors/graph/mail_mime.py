"""A :class:`~connectors.graph.mail_records.MessageDraft` as the MIME message Graph's create call
takes: ``multipart/alternative`` with a ``text/plain`` and a ``text/html`` part, both UTF-8.

Facts (docs/graph.md#mail): ``POST /users/{id}/messages`` with ``Content-Type: text/plain``
takes a MIME message encoded in base64 as the whole body (Create message, "Example 3: Create a
new message draft using MIME format"; Send messages with MIME content); the page names the
headers "To", "CC", "BCC", "Subject", and Microsoft's MIME example for sendMail also has
``From`` (the sender's own address) and a ``multipart/alternative`` of text and HTML. Names and
the subject are encoded as RFC 2047 words where they are not ASCII (å, ä, ö), which Python's
``email`` package does by itself with the ``SMTP`` policy (CRLF line ends, lines folded at 78).

``X-Samtal-Key`` carries the tag: Exchange's MIME reader makes it the named property
:data:`~connectors.graph.mail_records.HEADER_TAG_PROPERTY_ID` once that name is mapped in the
mailbox (MS-OXCMAIL 2.2.3.2.29; docs/graph.md#mail), so a draft a crash leaves untagged can
still be found. Nothing else about the reminder is in a header.
"""
from __future__ import annotations

import base64
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP

from connectors.graph.mail_records import TAG_HEADER, MessageDraft


def _address(address: str, name: str = "") -> Address:
    local, _, domain = address.rpartition("@")
    return Address(display_name=name, username=local, domain=domain)


def build_mime(sender: str, draft: MessageDraft) -> bytes:
    """``draft`` from ``sender`` (the mailbox's address) as MIME bytes, CRLF line ends.

    The text part comes first and the HTML part last: the last alternative is the one a reader
    prefers (RFC 2046, 5.1.4), and Exchange keeps the HTML as the message's body (MS-OXCMAIL
    2.2.3.3.2.1). Both parts are ``quoted-printable``: 7-bit on the wire, no line longer than SMTP
    allows, and still legible.
    """
    msg = EmailMessage(policy=SMTP)
    if "@" in sender:
        msg["From"] = _address(sender)
    msg["To"] = [_address(address, name) for address, name in draft.to]
    msg["Subject"] = draft.subject
    msg[TAG_HEADER] = draft.tag
    # set_content clears the Content-* headers, so Content-Language comes after the parts
    msg.set_content(draft.body_text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(draft.html_document(), subtype="html", charset="utf-8", cte="quoted-printable")
    for part in msg.iter_parts():
        del part["MIME-Version"]  # once, at the top
    if draft.language:
        msg["Content-Language"] = draft.language
    return msg.as_bytes()


def mime_body(sender: str, draft: MessageDraft) -> bytes:
    """The request body of the MIME create: :func:`build_mime` in base64 (ASCII)."""
    return base64.b64encode(build_mime(sender, draft))


__all__ = ["build_mime", "mime_body"]
