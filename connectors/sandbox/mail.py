"""Outlook mail: drafts, send, sendMail, and the messages of the well-known folders.

Facts copied (docs/graph.md#mail): ``POST /users/{id}/messages`` saves a JSON draft in Drafts and
answers 201 with it (``POST .../mailFolders/{folder}/messages`` saves it in that folder);
``GET``/``PATCH`` (200) and ``DELETE`` (204) a message; ``POST .../messages/{id}/send`` answers
202 with no body (https://learn.microsoft.com/graph/api/message-send) and ``POST .../sendMail``
``{message, saveToSentItems}`` 202 (https://learn.microsoft.com/graph/api/user-sendmail); what
transport does afterwards lives in ``transport.py``. Folders are addressed by their well-known
names ``drafts``, ``sentitems`` and ``inbox`` in any case
(https://learn.microsoft.com/graph/api/resources/mailfolder); listings take ``$filter`` on
samtal's kind of extended property and on times, ``$select``, ``$expand``, ``$top`` (1..1000,
default 10), ``$orderby`` and follow ``@odata.nextLink``. Users without a mailbox answer as the
calendar does (``calendar.mailbox``). A draft that is already in transport and is sent again is
sent again (a second copy leaves): the sandbox takes the worst case where Microsoft says nothing.

The MIME form of the create call and of ``sendMail`` (``Content-Type: text/plain``, base64) and
``GET .../messages/{id}/$value`` live in ``mime.py``.
"""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from connectors.sandbox import mime, odata, transport
from connectors.sandbox.calendar import mailbox
from connectors.sandbox.errors import GraphError, event_not_found
from connectors.sandbox.events import enum
from connectors.sandbox.http_types import Request, Response, empty, ok
from connectors.sandbox.messages import (
    IMPORTANCE, MessageFilter, apply_patch, folder_name, item_body, properties, recipients, render,
)
from connectors.sandbox.router import route

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

_CREATABLE = ("subject", "body", "toRecipients", "ccRecipients", "bccRecipients", "replyTo", "categories",
              "importance", "singleValueExtendedProperties", "isDeliveryReceiptRequested",
              "isReadReceiptRequested")
_ORDER = {"receiveddatetime": "receivedDateTime", "sentdatetime": "sentDateTime",
          "createddatetime": "createdDateTime", "lastmodifieddatetime": "lastModifiedDateTime"}


def _owner(app: Sandbox, p: dict[str, str]) -> dict[str, Any]:
    user = mailbox(app, p["user"])
    transport.settle(app)
    return user


def _context(req: Request, user: dict[str, Any], what: str) -> str:
    return odata.context_url(req, f"users('{user['id']}')/{what}")


def _draft_fields(body: dict[str, Any]) -> dict[str, Any]:
    unknown = [k for k in body if k not in _CREATABLE and not k.startswith("@")]
    if unknown:
        raise GraphError(400, "RequestBodyRead", f"The property '{unknown[0]}' does not exist on type "
                         "'Microsoft.OutlookServices.Message' or is not supported here.")
    return {
        "subject": str(body.get("subject") or ""), "body": item_body(body.get("body")),
        "toRecipients": recipients(body.get("toRecipients"), "toRecipients"),
        "ccRecipients": recipients(body.get("ccRecipients"), "ccRecipients"),
        "bccRecipients": recipients(body.get("bccRecipients"), "bccRecipients"),
        "replyTo": recipients(body.get("replyTo"), "replyTo"),
        "categories": [str(c) for c in body.get("categories") or []],
        "importance": enum(body.get("importance", "normal"), IMPORTANCE, "importance"),
        "singleValueExtendedProperties": properties(body.get("singleValueExtendedProperties")),
        "isDeliveryReceiptRequested": bool(body.get("isDeliveryReceiptRequested", False)),
        "isReadReceiptRequested": bool(body.get("isReadReceiptRequested", False)),
    }


def _is_mime(req: Request) -> bool:
    """``Content-Type: text/plain``: the body is a MIME message in base64 (docs/graph.md#mail)."""
    return (req.header("content-type") or "application/json").lower().startswith("text/plain")


def _fields(app: Sandbox, req: Request, user: dict[str, Any], body: Any = None) -> dict[str, Any]:
    """A message's fields from the request: read out of MIME, or from JSON (whose named
    properties are then mapped in the mailbox)."""
    if body is None and _is_mime(req):
        fields = mime.read(app, user["id"], mime.decode_create(req.body))
        fields["toRecipients"] = recipients(fields["toRecipients"], "toRecipients")
        fields["ccRecipients"] = recipients(fields["ccRecipients"], "ccRecipients")
        fields["bccRecipients"] = recipients(fields["bccRecipients"], "bccRecipients")
        return fields
    fields = _draft_fields(req.json_object() if body is None else body)
    mime.map_names(app, user["id"], fields["singleValueExtendedProperties"])
    return fields


def create_message(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user = _owner(app, p)
    folder = folder_name(unquote(p.get("folder") or "drafts"))
    msg = transport.new_message(app, user, folder, _fields(app, req, user))
    return ok(render(req, msg, context=_context(req, user, "messages/$entity")), 201)


def _get(app: Sandbox, p: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    user = _owner(app, p)
    msg = transport.box(app, user["id"]).get(unquote(p["message"]))
    if msg is None or ("folder" in p and msg["folder"] != folder_name(unquote(p["folder"]))):
        raise event_not_found()
    return user, msg


def get_message(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user, msg = _get(app, p)
    return ok(render(req, msg, context=_context(req, user, "messages/$entity")))


def get_mime(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    """``GET .../messages/{id}/$value``: the message's MIME, ``text/plain`` (message-get, Example 4)."""
    _user, msg = _get(app, p)
    return ok(mime.mime_of(msg), 200, **{"Content-Type": "text/plain"})


def update_message(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user, msg = _get(app, p)
    apply_patch(msg, req.json_object())
    mime.map_names(app, user["id"], msg["singleValueExtendedProperties"])
    return ok(render(req, msg, context=_context(req, user, "messages/$entity")))


def delete_message(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user, msg = _get(app, p)
    del transport.box(app, user["id"])[msg["id"]]
    return empty(204)


def send_message(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user, msg = _get(app, p)
    if not msg["isDraft"]:
        raise GraphError(400, "ErrorInvalidRequest", "Only a draft message can be sent.")
    if not (msg["toRecipients"] or msg["ccRecipients"] or msg["bccRecipients"]):
        raise GraphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid., A message can't be "
                         "sent because it contains no recipients.")
    if "pending" in msg:  # already in transport: a second copy leaves too
        msg = transport.new_message(app, user, "drafts", {k: copy.deepcopy(v) for k, v in msg.items()
                                                          if k not in ("id", "pending", "version")})
    transport.submit(app, user, msg)
    return empty(202)


def send_mail(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    """``sendMail`` with ``{message, saveToSentItems}`` in JSON, or a MIME message (then saved to
    Sent Items, as the page says of the MIME form)."""
    user = _owner(app, p)
    save = True
    if _is_mime(req):
        fields = _fields(app, req, user)
    else:
        params = req.action_params("message", "saveToSentItems")
        message = params.get("message")
        if not isinstance(message, dict):
            raise GraphError(400, "ErrorInvalidParameter", "The parameter 'message' is required.")
        fields = _fields(app, req, user, message)
        save = bool(params.get("saveToSentItems", True))
    if not (fields["toRecipients"] or fields["ccRecipients"] or fields["bccRecipients"]):
        raise GraphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid., A message can't be "
                         "sent because it contains no recipients.")
    msg = transport.new_message(app, user, "drafts", fields)
    transport.submit(app, user, msg, save=save)
    return empty(202)


def list_messages(app: Sandbox, req: Request, p: dict[str, str]) -> Response:
    user = _owner(app, p)
    folder = folder_name(unquote(p["folder"])) if "folder" in p else None
    wanted = MessageFilter(req)
    size = odata.top(req, 10, 1000, code="ErrorInvalidUrlQuery")
    found = [m for m in transport.box(app, user["id"]).values()
             if (folder is None or m["folder"] == folder) and wanted.matches(m)]
    order = (req.query.get("$orderby") or "receivedDateTime desc").strip()
    field, _, direction = order.partition(" ")
    key = _ORDER.get(field.lower())
    if key is None:
        raise GraphError(400, "ErrorInvalidProperty", f"The $orderby property '{field}' is not supported here.")
    found.sort(key=lambda m: (m[key], m["createdDateTime"]), reverse=direction.strip().lower() != "asc")
    where = f"mailFolders('{folder}')/messages" if folder else "messages"
    return ok(odata.page(app, req, found, size, _context(req, user, where), lambda m: render(req, m)))


_U = r"/users/(?P<user>[^/]+)"
_F = r"/mailFolders/(?P<folder>[^/]+)"
_M = r"/messages/(?P<message>[^/]+)"
ROUTES = [
    route("POST /users/{id}/messages", _U + r"/messages", create_message, "mail", "user"),
    route("GET /users/{id}/messages", _U + r"/messages", list_messages, "mail", "user"),
    route("POST /users/{id}/mailFolders/{id}/messages", _U + _F + r"/messages", create_message, "mail", "user"),
    route("GET /users/{id}/mailFolders/{id}/messages", _U + _F + r"/messages", list_messages, "mail", "user"),
    route("GET /users/{id}/messages/{id}", _U + r"(?:" + _F + r")?" + _M, get_message, "mail", "user"),
    route("PATCH /users/{id}/messages/{id}", _U + r"(?:" + _F + r")?" + _M, update_message, "mail", "user"),
    route("DELETE /users/{id}/messages/{id}", _U + r"(?:" + _F + r")?" + _M, delete_message, "mail", "user"),
    route("POST /users/{id}/messages/{id}/send", _U + r"(?:" + _F + r")?" + _M + r"/send", send_message, "mail", "user"),
    route("GET /users/{id}/messages/{id}/$value", _U + r"(?:" + _F + r")?" + _M + r"/(?:\$|%24)value", get_mime,
          "mail", "user"),
    route("POST /users/{id}/sendMail", _U + r"/sendMail", send_mail, "mail", "user"),
]


def control(app: Sandbox, req: Request, parts: list[str]) -> Response:
    """``GET /_sandbox/mailboxes/{user}/{inbox|drafts|sentitems}``: what a person's folder holds,
    newest first, as Graph renders messages (with the extended properties, and ``mime``: the
    message's MIME as ``$value`` gives it), for tests and the demo to read what someone
    received; ``GET /_sandbox/mail``: the transport's counters."""
    if parts == ["mail"] and req.method == "GET":
        return ok(transport.stats(app))
    if len(parts) != 3 or req.method != "GET":
        raise GraphError(404, "NotFound", f"No control route {req.method} {req.path}.")
    with app.tenant.lock:
        user = app.tenant.user(parts[1])
        if user is None:
            raise GraphError(404, "Request_ResourceNotFound", f"No user '{parts[1]}'.")
        transport.settle(app)
        folder = folder_name(parts[2])
        found = sorted((m for m in transport.box(app, user["id"]).values() if m["folder"] == folder),
                       key=lambda m: (m["receivedDateTime"], m["createdDateTime"]), reverse=True)
        plain = Request("GET", req.path, "", {}, b"", req.base)
        value = []
        for m in found:
            out = render(plain, m)
            out["singleValueExtendedProperties"] = copy.deepcopy(m["singleValueExtendedProperties"])
            out["mime"] = mime.mime_of(m).decode("utf-8", "replace")
            value.append(out)
    return ok({"value": value})
