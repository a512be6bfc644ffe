"""The in-memory tenant: directory, mailboxes, drives, sites; one re-entrant lock; save and load.

Everything lives in ``Tenant.data`` (plain JSON values) plus ``Tenant.blobs`` (file bytes by item
id) so that :meth:`Tenant.to_json` / :meth:`Tenant.from_json` round-trip exactly: a saved state
loads back identically and saves again to the same bytes. Handlers take ``tenant.lock`` for the
whole of one request, so concurrent writers cannot interleave half-done changes.
"""
from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
import os
import threading
from typing import Any

from connectors.sandbox.seed import in_exchange_online, stable_id

STATE_VERSION = 1


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def iso_z(moment: dt.datetime | None = None) -> str:
    """``2025-03-04T08:20:11Z`` (drive items, list items)."""
    return (moment or utc_now()).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_z7(moment: dt.datetime | None = None) -> str:
    """``2025-03-04T08:20:11.1234567Z`` (event timestamps)."""
    m = moment or utc_now()
    return m.strftime("%Y-%m-%dT%H:%M:%S.") + f"{m.microsecond:06d}0Z"


class Tenant:
    def __init__(self, seed: dict[str, Any], data: dict[str, Any] | None = None,
                 blobs: dict[str, bytes] | None = None) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.data: dict[str, Any] = data if data is not None else _build(seed)
        self.blobs: dict[str, bytes] = blobs if blobs is not None else {}
        self.key = os.urandom(32)  # signs skiptokens, upload and download URLs of this process
        self.index()

    # -- indexes (derived, never saved) --------------------------------------------------------
    def index(self) -> None:
        """Ids, UPNs and mail addresses (any case) → user id.

        An address two users hold reaches one mailbox, as in Exchange Online: the UPN's holder
        (at least one SMTP address of an Office 365 user matches the UPN,
        https://www.michev.info/Blog/Post/2048/did-you-know-at-least-one-smtp-address-needs-to-match-the-upn-in-office-365),
        else the first user in the seed with it as ``mail`` (Entra ID quarantines a later
        duplicate proxy address, https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/how-to-connect-syncservice-duplicate-attribute-resiliency).
        """
        d = self.data
        self.by_ref: dict[str, str] = {}
        order = {u["id"]: n for n, u in enumerate(self.seed.get("users", []))}
        users = sorted(d["users"].items(), key=lambda kv: order.get(kv[0], len(order)))
        for uid, u in users:
            self.by_ref[uid.lower()] = uid
            self.by_ref[u["userPrincipalName"].lower()] = uid
        for uid, u in users:
            self.by_ref.setdefault(u["mail"].lower(), uid)
        self.user_drive = {v["ownerId"]: k for k, v in d["drives"].items() if v["kind"] == "user"}
        self.site_drive = {v["siteId"]: k for k, v in d["drives"].items() if v["kind"] == "site"}

    def user(self, ref: str) -> dict[str, Any] | None:
        uid = self.by_ref.get(ref.lower())
        return self.data["users"].get(uid) if uid else None

    def next_seq(self) -> int:
        self.data["seq"] += 1
        return int(self.data["seq"])

    def new_id(self, kind: str) -> str:
        digest = hashlib.sha256(f"{self.data['tenantId']}|{kind}|{self.next_seq()}".encode()).digest()
        if kind == "event":
            return "AAMkAD" + base64.urlsafe_b64encode(digest[:30]).decode() + "AAA="
        if kind == "item":
            return "01" + base64.b32encode(digest[:20]).decode()
        if kind == "perm":
            return "aTowIy5mfG1lbWJlcnNoaXB8" + base64.urlsafe_b64encode(digest[:12]).decode()
        return str(stable_id(kind, digest.hex()))

    # -- save / load ----------------------------------------------------------------------------
    def to_json(self) -> str:
        with self.lock:
            doc = {
                "version": STATE_VERSION, "seed": self.seed, "data": self.data,
                "blobs": {k: base64.b64encode(v).decode() for k, v in sorted(self.blobs.items())},
            }
            return json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Tenant:
        doc = json.loads(text)
        if doc.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported sandbox state version {doc.get('version')!r}")
        blobs = {k: base64.b64decode(v) for k, v in doc["blobs"].items()}
        return cls(doc["seed"], doc["data"], blobs)

    def reset(self) -> None:
        with self.lock:
            self.data = _build(self.seed)
            self.blobs = {}
            self.index()


def _build(seed: dict[str, Any]) -> dict[str, Any]:
    """Fresh tenant data from a normalised seed."""
    tenant = seed["tenant"]
    created = "2024-01-15T08:00:00Z"
    data: dict[str, Any] = {
        "seq": 0, "tenantId": tenant["id"], "users": {}, "contacts": {}, "events": {}, "drives": {},
        "sites": {}, "uploads": {}, "recycleBin": [],
    }
    for u in seed["users"]:
        data["users"][u["id"]] = copy.deepcopy(u)
        if in_exchange_online(u):
            data["events"][u["id"]] = {}
    for c in seed["contacts"]:
        data["contacts"][c["id"]] = copy.deepcopy(c)
    host = tenant["sharepointHost"]
    my_host = host.replace(".sharepoint.com", "-my.sharepoint.com")
    for u in seed["users"]:
        if u["oneDrive"] is True:  # False: never provisioned; "unlicensed": no site at all
            personal = u["userPrincipalName"].replace("@", "_").replace(".", "_").lower()
            _add_drive(data, "user", u["id"], None, f"https://{my_host}/personal/{personal}/Documents",
                       created, "OneDrive")
    for s in seed["sites"]:
        sid = f"{host},{stable_id('site', s['path'].lower())},{stable_id('web', s['path'].lower())}"
        data["sites"][sid] = {
            "id": sid, "path": s["path"], "hostname": host, "displayName": s["displayName"],
            "name": s["path"].rsplit("/", 1)[-1], "webUrl": f"https://{host}{s['path']}",
            "createdDateTime": created, "lists": {}, "userInfo": {},
        }
        _add_drive(data, "site", None, sid, f"https://{host}{s['path']}/Shared Documents", created, "Documents")
    return data


def _add_drive(data: dict[str, Any], kind: str, owner: str | None, site: str | None, web_url: str,
               created: str, name: str) -> None:
    key = owner or site or ""
    digest = hashlib.sha256(f"drive|{key}".encode()).digest()
    drive_id = "b!" + base64.urlsafe_b64encode(digest + digest[:18]).decode().rstrip("=")
    root_id = "01" + base64.b32encode(hashlib.sha256(f"root|{key}".encode()).digest()[:20]).decode()
    data["drives"][drive_id] = {
        "id": drive_id, "kind": kind, "ownerId": owner, "siteId": site, "webUrl": web_url, "name": name,
        "rootId": root_id, "createdDateTime": created,
        "items": {root_id: {
            "id": root_id, "name": "root", "parentId": None, "folder": True, "version": 1,
            "guid": str(stable_id("item", root_id)).upper(), "createdDateTime": created,
            "lastModifiedDateTime": created, "size": 0, "permissions": [], "mimeType": None,
        }},
    }
