"""The message resource as Outlook answers it, and the ``$filter``/``$expand`` of message listings
(docs/graph.md#mail; https://learn.microsoft.com/graph/api/resources/message).

Facts copied:

- a JSON draft (``POST /users/{id}/messages``) answers 201 with the message: ``isDraft: true``,
  ``isRead: true``, ``createdDateTime``, ``receivedDateTime`` and ``sentDateTime`` all the moment
  it was saved, ``body.contentType`` lower-case with HTML wrapped in an ``<html>`` document, no
  ``from``/``sender`` until it is sent, empty ``ccRecipients``/``bccRecipients``/``replyTo``
  (example 1 of https://learn.microsoft.com/graph/api/user-post-messages);
- single-value extended properties come back only when asked for with
  ``$expand=singleValueExtendedProperties($filter=id eq '...')`` (several ids joined by ``or``,
  as clients send it), and messages are found by one with
  ``$filter=singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...')`` or
  ``startswith(ep/value, '...')``; the name in the id matches with case, the value without
  (https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get);
- ``$top`` is 1..1000, default 10 (https://learn.microsoft.com/graph/api/user-list-messages).
"""
from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from connectors.sandbox import filters, odata
from connectors.sandbox.errors import GraphError
from connectors.sandbox.events import enum, svep_key
from connectors.sandbox.http_types import Request
from connectors.sandbox.state import iso_z

FOLDERS = {"drafts": "drafts", "sentitems": "sentitems", "inbox": "inbox"}  # well-known names, any case
IMPORTANCE = ("low", "normal", "high")
_ANY = re.compile(
    r"singleValueExtendedProperties/any\(\s*(?P<v>\w+)\s*:\s*(?P=v)/id\s+eq\s+'(?P<id>(?:[^']|'')*)'\s+and\s+"
    r"(?:(?P=v)/value\s+eq\s+'(?P<eq>(?:[^']|'')*)'|startswith\(\s*(?P=v)/value\s*,\s*'(?P<sw>(?:[^']|'')*)'\s*\))\s*\)",
    re.IGNORECASE)
_EXPAND = re.compile(r"singleValueExtendedProperties\(\s*\$filter=(?P<ids>.+)\)", re.IGNORECASE)
_EXPAND_ID = re.compile(r"\(?\s*id\s+eq\s+'(?P<id>(?:[^']|'')*)'\s*\)?", re.IGNORECASE)
_DATETIME = re.compile(r"(?<!')\b(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)")
_FILTERABLE = {"sentdatetime": "sentDateTime", "receiveddatetime": "receivedDateTime", "isread": "isRead",
               "isdraft": "isDraft", "subject": "subject", "createddatetime": "createdDateTime"}
_TIMES = ("sentDateTime", "receivedDateTime", "createdDateTime")
_PATCHABLE = ("subject", "body", "toRecipients", "ccRecipients", "bccRecipients", "replyTo", "categories",
              "importance", "isRead", "singleValueExtendedProperties", "isDeliveryReceiptRequested",
              "isReadReceiptRequested")


def folder_name(raw: str) -> str:
    """A well-known folder name as the sandbox keeps it; other folders do not exist here."""
    name = FOLDERS.get(raw.lower())
    if name is None:
        raise GraphError(404, "ErrorInvalidIdMalformed", "Id is malformed.") if not raw.isalpha() else \
            GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
    return name


def recipients(raw: Any, what: str) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise GraphError(400, "ErrorInvalidRecipients", f"{what} must be a collection.")
    out = []
    for r in raw:
        address = ((r or {}).get("emailAddress") or {}).get("address") if isinstance(r, dict) else None
        if not isinstance(address, str) or "@" not in address:
            raise GraphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid., A message can't be "
                             "sent because it contains no recipients." if not address else
                             f"At least one recipient isn't valid., Recipient '{address}' is not resolved.")
        name = r["emailAddress"].get("name")
        out.append({"emailAddress": {"name": name if isinstance(name, str) and name else address,
                                     "address": address}})
    return out


def item_body(raw: Any) -> dict[str, str]:
    content = raw or {}
    if not isinstance(content, dict):
        raise GraphError(400, "ErrorInvalidRequest", "body must be an itemBody object.")
    kind = str(content.get("contentType") or "text").lower()
    if kind not in ("html", "text"):
        raise GraphError(400, "ErrorInvalidRequest", f"Invalid body contentType '{content.get('contentType')}'.")
    return {"contentType": kind, "content": str(content.get("content") or "")}


def properties(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(p, dict) and isinstance(p.get("id"), str) for p in raw):
        raise GraphError(400, "ErrorInvalidExtendedProperty", "singleValueExtendedProperties must be a collection of {id, value}.")
    for p in raw:
        if not re.match(r"\s*\w+\s+(\{[0-9a-fA-F-]+\}\s+(Name|Id)\s+\S|0x[0-9a-fA-F]+)", p["id"]):
            raise GraphError(400, "ErrorInvalidExtendedPropertyValue", f"The extended property id '{p['id']}' is not valid.")
    return [{"id": p["id"], "value": None if p.get("value") is None else str(p["value"])} for p in raw]


def stamp(msg: dict[str, Any]) -> None:
    msg["version"] = msg.get("version", 0) + 1
    msg["changeKey"] = base64.b64encode(hashlib.sha256(f"{msg['id']}|{msg['version']}".encode()).digest()[:18]).decode()
    msg["lastModifiedDateTime"] = iso_z()


def apply_patch(msg: dict[str, Any], body: dict[str, Any]) -> None:
    """A PATCH of a message: only the documented updatable properties; recipients and body only
    while it is a draft (https://learn.microsoft.com/graph/api/message-update)."""
    unknown = [k for k in body if k not in _PATCHABLE and not k.startswith("@")]
    if unknown:
        raise GraphError(400, "ErrorInvalidPropertyRequest", f"The property '{unknown[0]}' cannot be updated.")
    if not msg["isDraft"] and any(k in body for k in ("subject", "body", "toRecipients", "ccRecipients", "bccRecipients")):
        raise GraphError(400, "ErrorInvalidPropertyRequest", "Only a draft's subject, body and recipients can be updated.")
    for key in ("toRecipients", "ccRecipients", "bccRecipients", "replyTo"):
        if key in body:
            msg[key] = recipients(body[key], key)
    if "body" in body:
        msg["body"] = item_body(body["body"])
    if "subject" in body:
        msg["subject"] = str(body["subject"] or "")
    if "categories" in body:
        msg["categories"] = [str(c) for c in body["categories"] or []]
    if "importance" in body:
        msg["importance"] = enum(body["importance"], IMPORTANCE, "importance")
    for key in ("isRead", "isDeliveryReceiptRequested", "isReadReceiptRequested"):
        if key in body:
            msg[key] = bool(body[key])
    if any(k in body for k in ("subject", "body", "toRecipients", "ccRecipients", "bccRecipients")):
        msg.pop("mime", None)  # the MIME it was made from no longer says what it holds
    if "singleValueExtendedProperties" in body:
        merged = {svep_key(x["id"]): x for x in msg["singleValueExtendedProperties"]}
        merged.update({svep_key(x["id"]): x for x in properties(body["singleValueExtendedProperties"])})
        msg["singleValueExtendedProperties"] = list(merged.values())
    stamp(msg)


def _wrap_html(content: str) -> str:
    if "<html" in content.lower():
        return content
    return ('<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n'
            f"</head>\r\n<body>\r\n{content}\r\n</body>\r\n</html>\r\n")


def render(req: Request, msg: dict[str, Any], *, context: str | None = None) -> dict[str, Any]:
    """The message's JSON, cut by ``$select``, with ``$expand``-ed extended properties."""
    body = msg["body"]
    text = re.sub(r"<(head|style|script)\b.*?</\1>", " ", body["content"], flags=re.IGNORECASE | re.DOTALL)
    preview = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()[:255]
    full: dict[str, Any] = {
        "@odata.etag": f'W/"{msg["changeKey"]}"', "id": msg["id"],
        "createdDateTime": msg["createdDateTime"], "lastModifiedDateTime": msg["lastModifiedDateTime"],
        "changeKey": msg["changeKey"], "categories": msg["categories"],
        "receivedDateTime": msg["receivedDateTime"], "sentDateTime": msg["sentDateTime"],
        "hasAttachments": False, "internetMessageId": msg["internetMessageId"], "subject": msg["subject"],
        "bodyPreview": preview, "importance": msg["importance"], "parentFolderId": msg["parentFolderId"],
        "conversationId": msg["conversationId"], "isDeliveryReceiptRequested": msg["isDeliveryReceiptRequested"],
        "isReadReceiptRequested": msg["isReadReceiptRequested"], "isRead": msg["isRead"], "isDraft": msg["isDraft"],
        "webLink": f"https://outlook.office365.com/owa/?ItemID={msg['id']}&exvsurl=1&viewmodel=ReadMessageItem",
        "inferenceClassification": "focused",
        "body": {"contentType": body["contentType"],
                 "content": _wrap_html(body["content"]) if body["contentType"] == "html" else body["content"]},
        "toRecipients": msg["toRecipients"], "ccRecipients": msg["ccRecipients"],
        "bccRecipients": msg["bccRecipients"], "replyTo": msg["replyTo"], "flag": {"flagStatus": "notFlagged"},
    }
    if msg.get("from"):
        full["sender"] = msg["from"]
        full["from"] = msg["from"]
    select = odata.select_fields(req)
    if select:
        wanted = {s.lower() for s in select}
        full = {k: v for k, v in full.items() if k.lower() in wanted or k in ("@odata.etag", "id")}
    expand = (req.query.get("$expand") or "").strip()
    if expand:
        m = _EXPAND.fullmatch(expand)
        ids = [svep_key(x.group("id").replace("''", "'")) for x in _EXPAND_ID.finditer(m.group("ids"))] if m else []
        rest = _EXPAND_ID.sub(" ", m.group("ids")) if m else "x"
        if not ids or re.sub(r"\bor\b", "", rest, flags=re.IGNORECASE).strip():
            raise GraphError(400, "BadRequest", f"Expand '{expand}' is not supported on messages.")
        full["singleValueExtendedProperties"] = [
            p for p in msg["singleValueExtendedProperties"] if svep_key(p["id"]) in ids]
    if context:
        full = {"@odata.context": context, **full}
    return full


class MessageFilter:
    """A listing's ``$filter``: extended-property clauses plus plain comparisons."""

    def __init__(self, req: Request) -> None:
        text = (req.query.get("$filter") or "").strip()
        self.props: list[tuple[str, str, str]] = []  # (property key, "eq"|"startswith", value)
        for m in _ANY.finditer(text):
            value, op = (m.group("eq"), "eq") if m.group("eq") is not None else (m.group("sw"), "startswith")
            self.props.append((svep_key(m.group("id").replace("''", "'")), op, value.replace("''", "'")))
        rest = _ANY.sub("", text).strip()
        rest = re.sub(r"^(and\s+)+|(\s+and)+$", "", rest, flags=re.IGNORECASE).strip()
        rest = re.sub(r"\s+and\s+and\s+", " and ", rest, flags=re.IGNORECASE)
        rest = _DATETIME.sub(lambda d: "'" + _normal_time(d.group(1)) + "'", rest)
        self.groups: list[list[filters.Clause]] = []
        if rest:
            try:
                self.groups = filters.parse(rest)
            except filters.FilterSyntaxError as err:
                raise GraphError(400, "ErrorInvalidUrlQueryFilter",
                                 f"The query filter contains one or more invalid nodes: {err}") from None
            for group in self.groups:
                for c in group:
                    if c.path.lower() not in _FILTERABLE:
                        raise GraphError(400, "ErrorInvalidProperty",
                                         f"Could not find a property named '{c.path}' on type 'microsoft.graph.message'.")

    def matches(self, msg: dict[str, Any]) -> bool:
        for key, op, value in self.props:
            if not any(svep_key(p["id"]) == key and isinstance(p.get("value"), str) and
                       (p["value"].lower() == value.lower() if op == "eq" else p["value"].lower().startswith(value.lower()))
                       for p in msg["singleValueExtendedProperties"]):
                return False
        if not self.groups:
            return True
        return filters.matches(self.groups, lambda path: msg.get(_FILTERABLE[path.lower()]))


def _normal_time(text: str) -> str:
    """An OData DateTimeOffset literal as the sandbox stores times: ``2027-02-15T07:12:44Z``."""
    import datetime as dt

    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return iso_z(value)
