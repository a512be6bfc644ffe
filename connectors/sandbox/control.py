"""Control routes under ``/_sandbox/`` (no token needed; never counted as Graph requests).

| route | does |
| --- | --- |
| ``GET /_sandbox/stats`` | counters: ``requests`` (Graph requests served, batch items one by one, the ``$batch`` envelope not counted; upload/download URL hits included), ``throttled`` (429s), ``mailbox_concurrency_429``, ``unavailable`` (503s), ``dropped``, ``writes``, ``unauthorized``, ``batches``, ``by_route``, ``by_status``, ``max_concurrent_per_mailbox``, ``tokens_issued`` |
| ``POST /_sandbox/reset`` | back to the seed (state, counters, fault history; issued tokens expire) → 204 |
| ``GET /_sandbox/faults`` / ``PUT /_sandbox/faults`` ``{"spec": "throttle=0.1,seed=3"}`` | read or replace the fault spec |
| ``GET /_sandbox/ru`` / ``PUT /_sandbox/ru`` ``{"per_minute": 120, "per_day": 100000, "window_s": 6}`` | read SharePoint's RU meter (``ru.py``; also under ``ru`` in stats), or set its budgets (absent keys keep their value; the windows and RU counts start over) |
| ``POST /_sandbox/tokens/expire`` | every token issued so far answers 401 from now on → ``{"generation": n}`` |
| ``POST /_sandbox/events/respond`` ``{"user": "<upn or id>", "event_id": "<id>", "response": "accept|decline|tentativelyAccept", "sendResponse": true}`` | the person answers an invitation: ``event_id`` is the id of their copy, or of the organizer's event, or an ``iCalUId`` → 202 |
| ``PUT /_sandbox/drives/{user or drive id}/content?path=/a/b.docx`` or ``?item=<item id>`` (body: the bytes) | the person saves a new version of an existing file: content, size, version, eTag, cTag, lastModifiedDateTime and lastModifiedBy (the drive's owner, or ``?by=<upn or id>``) change → 200 with the driveItem |
| ``PUT /_sandbox/users/{upn or id}/manager`` ``{"manager": "<upn or id>"}`` (or ``null``) | HR changes the person's manager in Entra ID (``manager``, ``directReports`` and ``$expand=manager`` follow) → 204 |
| ``PUT /_sandbox/users/{upn or id}/mail`` ``{"mail": "<address>"}`` | HR (or the synchronisation from on-premises) changes the person's ``mail``; like Entra ID, it may repeat another user's ``mail`` or UPN (see ``state.py`` for which of them the address then reaches) → 204 |
| ``GET /_sandbox/mailboxes/{upn or id}/{inbox or drafts or sentitems}`` | what the person's folder holds, newest first, each message as Graph renders it with its extended properties (``mail.py``) → ``{"value": [...]}`` |
| ``GET /_sandbox/mail`` | the mail transport's counters: ``submitted``, ``delivered``, ``over_rate`` (sends past a sender's message rate, carried over), ``refused`` (past its recipients a day), ``external``, ``in_transport`` (also under ``mail`` in stats) |
| ``GET /_sandbox/state`` | the whole state as saved by ``--state`` (JSON) |
| ``GET /_sandbox/recyclebin`` (``?drive=<user or drive id>``, ``?site=<site id>``) | what ``DELETE`` moved to the recycle bins, oldest first (``recycle.py``) → ``{"value": [...]}`` |
| ``POST /_sandbox/recyclebin/{id}/restore`` | put an entry back where it was → 200 with the entry; 404, or 409 when something stands in its place |
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from connectors.sandbox import recycle
from connectors.sandbox.errors import GraphError
from connectors.sandbox.faults import FaultSpec, FaultSpecError
from connectors.sandbox.http_types import Request, Response, empty, ok
from connectors.sandbox.ru import RuMeter

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox


def handle(app: Sandbox, req: Request) -> Response:
    parts = [unquote(p) for p in req.path.strip("/").split("/")[1:]]
    method = req.method
    if parts == ["stats"] and method == "GET":
        return ok({**app.stats(), "tokens_issued": app.identity.issued})
    if parts == ["reset"] and method == "POST":
        app.reset()
        return empty(204)
    if parts == ["faults"] and method == "GET":
        return ok({"spec": app.faults.spec.describe()})
    if parts == ["faults"] and method == "PUT":
        try:
            spec = FaultSpec.parse(str(req.json_object().get("spec", "")))
        except FaultSpecError as err:
            raise GraphError(400, "invalidRequest", str(err)) from None
        app.set_faults(spec)
        return ok({"spec": spec.describe()})
    if parts == ["ru"] and method == "GET":
        return ok(app.ru.snapshot())
    if parts == ["ru"] and method == "PUT":
        return ok(_set_ru(app, req.json_object()).snapshot())
    if parts == ["tokens", "expire"] and method == "POST":
        return ok({"generation": app.identity.expire_all()})
    if parts == ["events", "respond"] and method == "POST":
        return _respond(app, req)
    if len(parts) == 3 and parts[0] == "drives" and parts[2] == "content" and method == "PUT":
        return _new_version(app, req, parts[1])
    if len(parts) == 3 and parts[0] == "users" and parts[2] == "manager" and method == "PUT":
        return _set_manager(app, req, parts[1])
    if len(parts) == 3 and parts[0] == "users" and parts[2] == "mail" and method == "PUT":
        return _set_mail(app, req, parts[1])
    if parts and parts[0] in ("mailboxes", "mail"):
        from connectors.sandbox import mail

        return mail.control(app, req, parts)
    if parts == ["recyclebin"] and method == "GET":
        with app.tenant.lock:
            return ok({"value": recycle.listing(app, drive=req.query.get("drive"), site=req.query.get("site"))})
    if len(parts) == 3 and parts[0] == "recyclebin" and parts[2] == "restore" and method == "POST":
        with app.tenant.lock:
            return ok(recycle.restore(app, parts[1]))
    if parts == ["state"] and method == "GET":
        return Response(200, app.tenant.to_json().encode(), {"Content-Type": "application/json"})
    raise GraphError(404, "NotFound", f"No control route {method} {req.path}.")


def _set_ru(app: Sandbox, body: dict[str, object]) -> RuMeter:
    unknown = set(body) - {"per_minute", "per_day", "window_s"}
    if unknown:
        raise GraphError(400, "invalidRequest", f"unknown RU settings {sorted(unknown)} (known: per_minute, per_day, window_s)")
    values: dict[str, float] = {}
    for name, value in body.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise GraphError(400, "invalidRequest", f"'{name}' must be a number above 0, got {value!r}")
        values[name] = value
    if any(name in values and values[name] != int(values[name]) for name in ("per_minute", "per_day")):
        raise GraphError(400, "invalidRequest", "per_minute and per_day are whole numbers of RU")
    per_minute, per_day = values.get("per_minute"), values.get("per_day")
    return app.set_ru_budget(int(per_minute) if per_minute else None, int(per_day) if per_day else None,
                             values.get("window_s"))


def _respond(app: Sandbox, req: Request) -> Response:
    from connectors.sandbox import calendar

    body = req.json_object()
    action = str(body.get("response", ""))
    if action.lower() not in calendar.RESPONSES:
        raise GraphError(400, "invalidRequest", "response must be accept, decline or tentativelyAccept.")
    with app.tenant.lock:
        user = calendar.mailbox(app, str(body.get("user", "")), as_app=False)  # the person in Outlook
        wanted = str(body.get("event_id", ""))
        box = app.tenant.data["events"].get(user["id"], {})
        ev = box.get(wanted) or next(
            (e for e in box.values() if not e["isOrganizer"] and (e["organizerRef"][1] == wanted or e["iCalUId"] == wanted)), None)
        if ev is None:
            raise GraphError(404, "ErrorItemNotFound", f"{user['userPrincipalName']} has no invitation for event '{wanted}'.")
        calendar.respond(app, user, ev, action, bool(body.get("sendResponse", True)))
    return empty(202)


def _set_manager(app: Sandbox, req: Request, ref: str) -> Response:
    wanted = req.json_object().get("manager")
    with app.tenant.lock:
        user = app.tenant.user(ref)
        if user is None:
            raise GraphError(404, "Request_ResourceNotFound", f"No user '{ref}'.")
        if wanted is None:
            user["managerId"] = None
            return empty(204)
        manager = app.tenant.user(str(wanted))
        if manager is None:
            raise GraphError(404, "Request_ResourceNotFound", f"No user '{wanted}' to be the manager.")
        if manager["id"] == user["id"]:
            raise GraphError(400, "Request_BadRequest", "A user cannot be their own manager.")
        user["managerId"] = manager["id"]
    return empty(204)


def _set_mail(app: Sandbox, req: Request, ref: str) -> Response:
    mail = req.json_object().get("mail")
    if not isinstance(mail, str) or "@" not in mail.strip():
        raise GraphError(400, "invalidRequest", "mail must be an address like name@example.se.")
    with app.tenant.lock:
        user = app.tenant.user(ref)
        if user is None:
            raise GraphError(404, "Request_ResourceNotFound", f"No user '{ref}'.")
        user["mail"] = mail.strip()
        app.tenant.index()
    return empty(204)


def _saver(app: Sandbox, req: Request, d: dict[str, Any]) -> str | None:
    """Who saves the new version: ``?by=<upn or id>``, else the drive's owner."""
    ref = req.query.get("by")
    if not ref:
        return d["ownerId"] if isinstance(d.get("ownerId"), str) else None
    user = app.tenant.user(ref)
    if user is None:
        raise GraphError(404, "Request_ResourceNotFound", f"No user '{ref}'.")
    return str(user["id"])


def _new_version(app: Sandbox, req: Request, owner: str) -> Response:
    from connectors.sandbox import drive

    path = req.query.get("path")
    item_id = req.query.get("item")
    if not path and not item_id:
        raise GraphError(400, "invalidRequest", "The query parameter 'path' (e.g. ?path=/Folder/File.docx) "
                         "or 'item' (an item id) names the file.")
    with app.tenant.lock:
        d = drive.find_drive(app, {"drive": owner} if owner.startswith("b!") else {"user": owner})
        if item_id:
            item = drive.items(app, d).get(item_id)
            if item is None:
                raise GraphError(404, "itemNotFound", f"No item '{item_id}' in that drive.")
        else:
            item = app.tenant.data["drives"][d["id"]]["items"][d["rootId"]]
            for segment in [s for s in (path or "").split("/") if s]:
                found = drive.child_named(app, d, item["id"], segment)
                if found is None:
                    raise GraphError(404, "itemNotFound", f"No file at '{path}' in that drive.")
                item = found
        if item["folder"]:
            raise GraphError(400, "invalidRequest", f"'{path or item_id}' is a folder.")
        drive.write_content(app, d, item, req.body, req.header("content-type"), bump=True, by=_saver(app, req, d))
        body = drive.render_item(app, req, d, item, context=True)
    return Response(200, json.loads(json.dumps(body)))
