"""Exchange's transport in the sandbox: what happens to a message after ``send`` answered 202.

Facts copied (docs/graph.md#mail, docs/graph.md#sending-limits; Graph's "Send mail by using the
Microsoft Graph API", https://learn.microsoft.com/graph/outlook-things-to-know-about-send-mail):

- ``send`` and ``sendMail`` answer 202 once the message is saved in the sender's Drafts; transport
  takes it afterwards, then the store moves it from Drafts to Sent Items (a new id: a separate
  copy, https://github.com/microsoftgraph/microsoft-graph-docs/issues/6250), and each recipient's
  mailbox receives its copy. Until then the sent draft is still in Drafts (``transport_ms``
  fault: how long that takes here; 0 by default, so it happens within the same request);
- a sender's **message rate** (30 a minute): the excess is carried over to the following minutes,
  not refused (Exchange Online limits, "Sending limits"; quoted in
  https://github.com/MicrosoftDocs/OfficeDocs-Support/issues/1150): here the message is delivered
  as soon as the rolling minute has room, and counted in ``over_rate``;
- a sender's **recipient rate** (10,000 a rolling day,
  https://github.com/MicrosoftDocs/OfficeDocs-O365ServiceDescriptions/issues/201): past it the
  message does not leave; the sender gets a non-delivery report in its Inbox
  (``550 5.1.90``, https://github.com/MicrosoftDocs/OfficeDocs-Exchange/issues/2729), the draft
  stays in Drafts, and it is counted in ``refused``;
- a recipient in the tenant's domain with no mailbox gets the sender an NDR ``550 5.1.1``; an
  address outside the tenant's domains leaves for the internet (counted in ``external``).

The limits are ``tenant.sendingLimits`` of the seed (``messagesPerMinute``, ``recipientsPerDay``),
else Exchange Online's; the faults ``send_per_minute``, ``send_recipients_per_day``,
``send_minute_s`` and ``send_day_s`` override them (docs/sandbox.md#faults). Everything lives in
the tenant's data, so a saved state keeps the day's count and the messages still in transport.
Delivery is lazy: :func:`settle` runs at the start of every mail request and control route.
"""
from __future__ import annotations

import copy
import hashlib
import time
from typing import TYPE_CHECKING, Any

from connectors.sandbox.messages import stamp
from connectors.sandbox.state import iso_z

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

MESSAGES_PER_MINUTE = 30
RECIPIENTS_PER_DAY = 10_000
SYSTEM_SENDER = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e"  # the NDR's From, as Exchange Online signs them


def mail_data(app: Sandbox) -> dict[str, Any]:
    """The tenant's mail: mailboxes, the transport queue, each sender's log and the counters."""
    data: dict[str, Any] = app.tenant.data.setdefault("mail", {})
    data.setdefault("boxes", {})
    data.setdefault("queue", [])   # [deliver at (epoch), owner id, message id], in order
    data.setdefault("log", {})     # sender id -> [[deliver at (epoch), recipients], ...]
    data.setdefault("stats", {"submitted": 0, "delivered": 0, "over_rate": 0, "refused": 0, "external": 0})
    return data


def box(app: Sandbox, uid: str) -> dict[str, dict[str, Any]]:
    boxes: dict[str, dict[str, dict[str, Any]]] = mail_data(app)["boxes"]
    return boxes.setdefault(uid, {})


def limits(app: Sandbox) -> tuple[int, int, float, float]:
    """(messages per minute, recipients per day, minute in s, day in s) in force."""
    seeded = app.tenant.seed["tenant"].get("sendingLimits") or {}
    spec = app.faults.spec
    return (spec.send_per_minute or int(seeded.get("messagesPerMinute") or MESSAGES_PER_MINUTE),
            spec.send_recipients_per_day or int(seeded.get("recipientsPerDay") or RECIPIENTS_PER_DAY),
            spec.send_minute_s, spec.send_day_s)


def receives_mail(user: dict[str, Any]) -> bool:
    """Whether Exchange Online delivers to the user's mailbox here (an application access policy
    limits the app, not mail flow)."""
    return user.get("mailbox") is True or user.get("mailbox") == "restricted"


def new_message(app: Sandbox, owner: dict[str, Any], folder: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A message stored in ``owner``'s ``folder`` with ``fields`` over the defaults."""
    now = iso_z()
    mid = "AAMkAG" + app.tenant.new_id("event")[6:]
    msg: dict[str, Any] = {
        "id": mid, "folder": folder, "createdDateTime": now, "receivedDateTime": now, "sentDateTime": now,
        "subject": "", "body": {"contentType": "text", "content": ""}, "importance": "normal",
        "toRecipients": [], "ccRecipients": [], "bccRecipients": [], "replyTo": [], "from": None,
        "categories": [], "isRead": True, "isDraft": folder == "drafts", "isDeliveryReceiptRequested": False,
        "isReadReceiptRequested": False, "singleValueExtendedProperties": [],
        "internetMessageId": f"<{hashlib.sha256(mid.encode()).hexdigest()[:24].upper()}@sandbox.prod.outlook.com>",
        "conversationId": "AAQkAG" + hashlib.sha256(f"conv|{mid}".encode()).hexdigest()[:32],
        "parentFolderId": folder_id(owner["id"], folder),
    }
    msg.update(fields)
    stamp(msg)
    box(app, owner["id"])[mid] = msg
    return msg


def folder_id(uid: str, folder: str) -> str:
    return "AAMkAGFo" + hashlib.sha256(f"folder|{uid}|{folder}".encode()).hexdigest()[:40] + "AAA="


def submit(app: Sandbox, sender: dict[str, Any], msg: dict[str, Any], *, save: bool = True) -> None:
    """Hand the draft ``msg`` of ``sender`` to transport (what ``send`` and ``sendMail`` do after
    answering 202): refused past the recipient rate, carried over past the message rate."""
    data = mail_data(app)
    per_minute, per_day, minute_s, day_s = limits(app)
    now = time.time()
    count = len(msg["toRecipients"]) + len(msg["ccRecipients"]) + len(msg["bccRecipients"])
    log: list[list[float]] = data["log"].setdefault(sender["id"], [])
    log[:] = [e for e in log if e[0] > now - day_s]
    data["stats"]["submitted"] += 1
    if sum(int(e[1]) for e in log) + count > per_day:
        data["stats"]["refused"] += 1
        _bounce(app, sender, msg, "5.1.90", "Your message can't be sent because you've reached your daily "
                "limit for message recipients.")
        return
    at = now + app.faults.spec.transport_ms / 1000.0
    recent = sorted(e[0] for e in log)
    if len(recent) >= per_minute:
        earliest = recent[-per_minute] + minute_s
        if earliest > at:
            data["stats"]["over_rate"] += 1
            at = earliest
    log.append([at, count])
    msg["pending"] = {"at": at, "save": save}
    data["queue"].append([at, sender["id"], msg["id"]])
    data["queue"].sort(key=lambda q: q[0])
    settle(app)


def settle(app: Sandbox) -> None:
    """Deliver every message whose moment in transport has come."""
    data = mail_data(app)
    queue: list[list[Any]] = data["queue"]
    now = time.time()
    while queue and queue[0][0] <= now:
        at, uid, mid = queue.pop(0)
        msg = box(app, uid).get(mid)
        sender = app.tenant.data["users"].get(uid)
        if msg is None or sender is None or "pending" not in msg:
            continue  # deleted while in transport
        _deliver(app, sender, msg, float(at))


def _deliver(app: Sandbox, sender: dict[str, Any], msg: dict[str, Any], at: float) -> None:
    moment = iso_z(_utc(at))
    pending = msg.pop("pending")
    frm = {"emailAddress": {"name": sender["displayName"], "address": sender["mail"]}}
    del box(app, sender["id"])[msg["id"]]
    if pending["save"]:  # Sent Items holds a copy with a new id; the draft is gone
        new_message(app, sender, "sentitems", {
            **{k: copy.deepcopy(v) for k, v in msg.items() if k not in ("id", "folder", "parentFolderId", "version")},
            "isDraft": False, "sentDateTime": moment, "receivedDateTime": moment, "from": frm})
    domain = app.tenant.seed["tenant"]["domain"].lower()
    unknown = []
    for r in msg["toRecipients"] + msg["ccRecipients"] + msg["bccRecipients"]:
        address = r["emailAddress"]["address"]
        target = app.tenant.user(address)
        if target is not None and receives_mail(target):
            new_message(app, target, "inbox", {
                **{k: copy.deepcopy(v) for k, v in msg.items()
                   if k in ("subject", "body", "importance", "toRecipients", "ccRecipients", "internetMessageId",
                            "conversationId", "mime")},
                "isDraft": False, "isRead": False, "sentDateTime": moment, "receivedDateTime": moment, "from": frm})
            mail_data(app)["stats"]["delivered"] += 1
        elif address.lower().rpartition("@")[2] == domain:
            unknown.append(address)
        else:
            mail_data(app)["stats"]["external"] += 1
    if unknown:
        _bounce(app, sender, msg, "5.1.1", "The email address you entered couldn't be found: " + ", ".join(unknown))


def _bounce(app: Sandbox, sender: dict[str, Any], msg: dict[str, Any], code: str, why: str) -> None:
    """A non-delivery report in the sender's Inbox."""
    if not receives_mail(sender):
        return
    domain = app.tenant.seed["tenant"]["domain"]
    new_message(app, sender, "inbox", {
        "subject": f"Undeliverable: {msg['subject']}", "isRead": False, "isDraft": False,
        "body": {"contentType": "html", "content": f"<p>{why}</p><p>Remote Server returned '550 {code}'</p>"},
        "toRecipients": [{"emailAddress": {"name": sender["displayName"], "address": sender["mail"]}}],
        "from": {"emailAddress": {"name": "Microsoft Outlook", "address": f"{SYSTEM_SENDER}@{domain}"}},
    })


def stats(app: Sandbox) -> dict[str, Any]:
    """The transport's counters. Reading them changes nothing in a tenant that has no mail yet
    (a test compares whole states around calls that read stats)."""
    with app.tenant.lock:
        if "mail" not in app.tenant.data:
            return {"submitted": 0, "delivered": 0, "over_rate": 0, "refused": 0, "external": 0,
                    "in_transport": 0}
        settle(app)
        data = mail_data(app)
        return {**data["stats"], "in_transport": len(data["queue"])}


def _utc(epoch: float) -> Any:
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).replace(tzinfo=None)

