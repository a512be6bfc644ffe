"""MIME in the sandbox's mail: the MIME form of the create call, ``$value``, and the named
properties Exchange makes of a MIME message's ``X-`` headers (docs/sandbox.md#mail).

Facts copied (docs/graph.md#mail):

- ``POST /users/{id}/messages`` with ``Content-Type: text/plain`` takes a MIME message encoded in
  base64 as the body and answers 201 with the message; a body that is not base64 answers 400
  ``ErrorMimeContentInvalidBase64String`` "Invalid base64 string for MIME content."
  (https://learn.microsoft.com/graph/api/user-post-messages). MIME that is "malformed, missing"
  answers 400 too ("MIME content does not contain all required information, malformed
  formatting, or empty.", https://learn.microsoft.com/graph/outlook-send-mime-message); Graph
  names no code for it, the sandbox answers ``ErrorMimeContentInvalid`` (the code Exchange Web
  Services has for it);
- the draft is the message Exchange reads out of the MIME: subject, recipients, ``from`` (as in
  the page's MIME example) and one body, the HTML alternative when there is one (MS-OXCMAIL
  2.2.3.3.2.1, "text/HTML" first); the MIME itself is kept, as Exchange keeps the parts it did
  not convert (MS-OXCMAIL 2.4.3.1, ``PidTagMimeSkeleton``), and is what ``$value`` answers and
  what recipients receive;
- an ``X-`` header becomes the named property ``String {00020386-0000-0000-C000-000000000046}
  Name <header>`` (PS_INTERNET_HEADERS, MS-OXCMAIL 2.2.3.2.29), but only when that name is
  already mapped in the mailbox: since Exchange 2010 "no x-headers are ever promoted to
  individual properties if a client has not already requested (and mapped) them" (Exchange Team
  Blog, "Named Properties, Round 2: What lies Ahead", 2009). The sandbox maps a name when a
  client writes a property of that name (a JSON create, a ``PATCH``, ``sendMail``);
- ``GET .../messages/{id}/$value`` answers 200 ``Content-Type: text/plain`` with the message's
  MIME (https://learn.microsoft.com/graph/api/message-get, "Example 4").
"""
from __future__ import annotations

import base64
import binascii
import re
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP, default
from email.utils import format_datetime, getaddresses
from typing import TYPE_CHECKING, Any

from connectors.sandbox.errors import GraphError
from connectors.sandbox.events import svep_key

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

PS_INTERNET_HEADERS = "{00020386-0000-0000-C000-000000000046}"
# X- headers MS-OXCMAIL 2.2.3.2.29 says MIME readers do not make properties of
_NOT_PROMOTED = ("x-ms-exchange-organization-", "x-ms-exchange-forest-", "x-mimeole", "x-ms-tnef-correlator")


def header_property_id(name: str) -> str:
    return f"String {PS_INTERNET_HEADERS} Name {name}"


def _names(app: Sandbox, uid: str) -> list[str]:
    data: dict[str, Any] = app.tenant.data.setdefault("mail", {})
    named: dict[str, list[str]] = data.setdefault("named", {})
    return named.setdefault(uid, [])


def map_names(app: Sandbox, uid: str, props: list[dict[str, Any]]) -> None:
    """Remember the named properties a client wrote in ``uid``'s mailbox (their names are mapped
    from then on)."""
    names = _names(app, uid)
    for p in props:
        key = svep_key(p["id"])
        if " name " in key and key not in names:
            names.append(key)


def _invalid() -> GraphError:
    return GraphError(400, "ErrorMimeContentInvalid", "MIME content does not contain all required information, "
                      "malformed formatting, or empty.")


def decode_create(raw: bytes) -> bytes:
    """The MIME message of a create's body (base64, line breaks allowed)."""
    try:
        data = base64.b64decode(b"".join(raw.split()), validate=True)
    except (binascii.Error, ValueError):
        raise GraphError(400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.") from None
    if not data.strip():
        raise _invalid()
    return data


def _people(msg: EmailMessage, header: str) -> list[dict[str, Any]]:
    out = []
    for name, address in getaddresses([str(v) for v in msg.get_all(header) or []]):
        if address:
            out.append({"emailAddress": {"name": name or address, "address": address}})
    return out


def read(app: Sandbox, uid: str, data: bytes) -> dict[str, Any]:
    """The draft's fields read out of the MIME ``data``, as Exchange reads them: subject,
    recipients, ``from``, one body (HTML first), the ``X-`` headers whose names are mapped in
    ``uid``'s mailbox as PS_INTERNET_HEADERS properties, and the MIME itself (``mime``)."""
    try:
        msg = BytesParser(policy=default).parsebytes(data)
    except (ValueError, TypeError, IndexError):
        raise _invalid() from None
    if not isinstance(msg, EmailMessage) or not msg.keys() or any(
            type(d).__name__ in ("MissingHeaderBodySeparatorDefect", "InvalidHeaderDefect") for d in msg.defects):
        raise _invalid()
    part = msg.get_body(preferencelist=("html", "plain"))
    body = {"contentType": "text", "content": ""}
    if part is not None:
        content = part.get_content()
        body = {"contentType": "html" if part.get_content_subtype() == "html" else "text", "content": str(content)}
    mapped = _names(app, uid)
    props = []
    for name, value in msg.items():
        lowered = name.lower()
        if lowered.startswith("x-") and not lowered.startswith(_NOT_PROMOTED):
            prop = header_property_id(name)
            if svep_key(prop) in mapped:
                props.append({"id": prop, "value": str(value)})
    sender = _people(msg, "From")
    return {
        "subject": str(msg.get("Subject") or ""), "body": body,
        "toRecipients": _people(msg, "To"), "ccRecipients": _people(msg, "Cc"), "bccRecipients": _people(msg, "Bcc"),
        "from": sender[0] if sender else None, "singleValueExtendedProperties": props,
        "mime": data.decode("utf-8", "replace"),
    }


def _address(r: dict[str, Any]) -> str:
    e = r["emailAddress"]
    name = str(e.get("name") or "")
    return f"{name} <{e['address']}>" if name and name != e["address"] else str(e["address"])


def mime_of(msg: dict[str, Any]) -> bytes:
    """The message's MIME: what was created from MIME as it was given, else written from its
    fields (one body part, as it is stored)."""
    if isinstance(msg.get("mime"), str):
        return str(msg["mime"]).encode("utf-8")
    out = EmailMessage(policy=SMTP)
    if msg.get("from"):
        out["From"] = _address(msg["from"])
    for header, key in (("To", "toRecipients"), ("Cc", "ccRecipients")):
        if msg[key]:
            out[header] = ", ".join(_address(r) for r in msg[key])
    out["Subject"] = msg["subject"]
    out["Date"] = format_datetime(_when(msg["sentDateTime"]))
    out["Message-ID"] = msg["internetMessageId"]
    body = msg["body"]
    out.set_content(body["content"], subtype="html" if body["contentType"] == "html" else "plain",
                    charset="utf-8", cte="quoted-printable")
    return out.as_bytes()


def _when(stamp: str) -> Any:
    import datetime as dt

    return dt.datetime.fromisoformat(re.sub(r"Z$", "+00:00", stamp))
