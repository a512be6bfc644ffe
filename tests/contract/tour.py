"""A tour of the Graph connector: every public method of its classes, called once against the
sandbox through a :class:`~tests.contract.conftest.Recorder`, so that the routes the client uses
are *recorded* rather than listed by hand (tests/contract/README.md).

:data:`TOUR` maps ``Class.method`` to a step; :func:`connector_methods` lists the methods that
must have one (every public, non-static method of :data:`CONNECTOR_CLASSES`). A method added to a
connector class without a step here fails ``test_coverage.py``.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from connectors.graph import errors
from connectors.graph.calendar import Calendar
from connectors.graph.calendar_records import EventDraft
from connectors.graph.client import GraphClient, connect
from connectors.graph.directory import Directory
from connectors.graph.drive import Drive
from connectors.graph.lists import Lists
from connectors.graph.lists_schema import ColumnSpec
from connectors.graph.mail import Mail, MessageDraft
from connectors.sandbox import Sandbox
from connectors.sandbox.people import People
from tests.contract.conftest import Recorder

SEED = Path(__file__).resolve().parents[1] / "sandbox" / "seed.yaml"
CONNECTOR_CLASSES: tuple[type, ...] = (Directory, Calendar, Drive, Lists, Mail)
UTC = timezone.utc
ORGANISER, EMPLOYEE, NO_MAILBOX = "anna.berg@example.se", "per.lind@example.se", "no.drive@example.se"
WEST = "W. Europe Standard Time"


def connector_methods() -> list[str]:
    """``Class.method`` for every public method that can reach Graph (static methods cannot)."""
    out = []
    for cls in CONNECTOR_CLASSES:
        for name, value in vars(cls).items():
            if not name.startswith("_") and callable(value) and not isinstance(value, (staticmethod, classmethod)):
                out.append(f"{cls.__name__}.{name}")
    return sorted(out)


@dataclass
class Ctx:
    """What the steps share: the client and the things earlier steps made."""

    client: GraphClient
    people: People
    made: dict[str, Any] = field(default_factory=dict)


def _draft(tag: str, day: int) -> EventDraft:
    start = datetime(2027, 2, day, 9, tzinfo=UTC)
    return EventDraft(subject="Medarbetarsamtal", body_html="<p>Hej</p>", start=start, end=start + timedelta(hours=1),
                      time_zone=WEST, attendees=((EMPLOYEE, "Per Lind"),), tag=tag,
                      transaction_id=f"7f0c6a5e-0000-4000-8000-0000000000{day:02d}", online_meeting=True,
                      location="Rum 4", categories=("Medarbetarsamtal",))


def _drive(ctx: Ctx) -> Any:
    if "drive" not in ctx.made:
        per = ctx.client.directory.get_user(EMPLOYEE)
        ctx.made["per"] = per
        ctx.made["drive"] = ctx.client.drive.get_user_drive(per.id)
    return ctx.made["drive"]


def _folder(ctx: Ctx) -> Any:
    if "folder" not in ctx.made:
        ctx.made["folder"] = ctx.client.drive.ensure_folder(_drive(ctx).id, ["Medarbetarsamtal", "2027", "Per"])
    return ctx.made["folder"]


def _file(ctx: Ctx) -> Any:
    if "file" not in ctx.made:
        ctx.made["file"] = ctx.client.drive.upload(_drive(ctx).id, _folder(ctx).id, "Plan.docx", b"plan")
    return ctx.made["file"]


def _list(ctx: Ctx) -> tuple[str, str]:
    if "list" not in ctx.made:
        site = ctx.client.lists.get_site("example.sharepoint.com:/sites/hr")
        cols = [ColumnSpec("Key", "text", indexed=True), ColumnSpec("Status", "choice", indexed=True, choices=("a", "b"))]
        ctx.client.lists.ensure_list(site.id, "Medarbetarsamtal", cols)
        # the list exists now: a column it lacks is added to it (POST .../columns)
        info = ctx.client.lists.ensure_list(site.id, "Medarbetarsamtal", [*cols, ColumnSpec("Hold", "boolean")])
        ctx.made["list"] = (site.id, info.id)
    result: tuple[str, str] = ctx.made["list"]
    return result


def _item(ctx: Ctx) -> Any:
    if "item" not in ctx.made:
        site, lst = _list(ctx)
        ctx.made["item"] = ctx.client.lists.create_item(site, lst, {"Title": "Per", "Key": "2027:per", "Status": "a"})
    return ctx.made["item"]


def _event(ctx: Ctx) -> Any:
    if "event" not in ctx.made:
        ctx.made["event"] = ctx.client.calendar.create_event(ORGANISER, _draft("2027:per", 10))
    return ctx.made["event"]


def _schedules(ctx: Ctx) -> None:
    start = datetime(2027, 2, 1, tzinfo=UTC)
    ctx.client.calendar.get_schedules(ORGANISER, [EMPLOYEE, NO_MAILBOX, "nobody@example.se"], start,
                                      start + timedelta(days=7))


def _manager(ctx: Ctx) -> None:
    per = ctx.client.directory.get_user(EMPLOYEE)
    ctx.client.directory.get_manager(per.id)
    ctx.client.directory.get_manager(ORGANISER)  # no manager: the documented 404


def _update(ctx: Ctx) -> None:
    ev = _event(ctx)
    ctx.client.calendar.update_event(ORGANISER, ev.id, start=ev.start + timedelta(days=1),
                                     end=ev.end + timedelta(days=1), time_zone=WEST, subject="Medarbetarsamtal (flyttat)")


def _responses(ctx: Ctx) -> None:
    ev = _event(ctx)
    ctx.people.respond(EMPLOYEE, ev.id, "tentativelyAccept")
    ctx.client.calendar.attendee_responses(ORGANISER, ev.id)


def _cancel(ctx: Ctx) -> None:
    ev = ctx.client.calendar.create_event(ORGANISER, _draft("2027:cancel", 12))
    ctx.client.calendar.cancel_event(ORGANISER, ev.id, "Samtalet ställs in.")


def _delete(ctx: Ctx) -> None:
    ev = ctx.client.calendar.create_event(ORGANISER, _draft("2027:delete", 15))
    ctx.client.calendar.delete_event(ORGANISER, ev.id)


def _invite(ctx: Ctx) -> None:
    ctx.client.drive.invite(_drive(ctx).id, _folder(ctx).id, [ORGANISER])


def _permissions(ctx: Ctx) -> None:
    ctx.made["permissions"] = ctx.client.drive.list_permissions(_drive(ctx).id, _file(ctx).id)


def _remove_permission(ctx: Ctx) -> None:
    _invite(ctx)
    perms = ctx.client.drive.list_permissions(_drive(ctx).id, _folder(ctx).id)
    granted = next(p for p in perms if not p.inherited_from and "owner" not in p.roles)
    ctx.client.drive.remove_permission(_drive(ctx).id, _folder(ctx).id, granted.id)


def _upload(ctx: Ctx) -> None:
    drive, folder = _drive(ctx), _folder(ctx)
    ctx.client.drive.upload(drive.id, folder.id, "Liten.docx", b"liten")
    big = os.urandom(5 * 1024 * 1024 + 7)
    ctx.client.drive.upload(drive.id, folder.id, "Stor.bin", big)  # a session
    # Once more while the last range meets a 409 (docs/failures.md#u9): the session is committed
    # by a PUT of the item with @microsoft.graph.sourceUrl.
    ctx.people.session.put(f"{ctx.people.base}/faults", json={"spec": "upload_conflict=1"}, timeout=30).raise_for_status()
    try:
        ctx.client.drive.upload(drive.id, folder.id, "Stor.bin", big[::-1])
    finally:
        ctx.people.session.put(f"{ctx.people.base}/faults", json={"spec": ""}, timeout=30).raise_for_status()


def _update_if_match(ctx: Ctx) -> None:
    site, lst = _list(ctx)
    item = ctx.client.lists.get_item(site, lst, _item(ctx).id)
    assert item.etag is not None
    ctx.client.lists.update_item_if_match(site, lst, item.id, {"Status": "b"}, etag=item.etag)


def _delete_item(ctx: Ctx) -> None:
    site, lst = _list(ctx)
    made = ctx.client.lists.create_item(site, lst, {"Title": "Tmp", "Key": "2027:tmp", "Status": "a"})
    ctx.client.lists.delete_item(site, lst, made.id)


def _delete_items(ctx: Ctx) -> None:
    site, lst = _list(ctx)
    made = ctx.client.lists.create_items(site, lst, [{"Title": "T", "Key": "2027:t1", "Status": "a"}])
    assert not isinstance(made[0], errors.GraphError)
    ctx.client.lists.delete_items(site, lst, [(made[0].id, None)])


def _message(tag: str) -> MessageDraft:
    return MessageDraft(to=((EMPLOYEE, "Per Lind"),), subject="Förbered ditt medarbetarsamtal",
                        body_html="<p>Ditt samtal är tisdag kl. 10.00.</p>",
                        body_text="Ditt samtal är tisdag kl. 10.00.", tag=tag, language="sv-SE",
                        categories=("Medarbetarsamtal",))


def _mail_draft(ctx: Ctx) -> Any:
    if "draft" not in ctx.made:
        ctx.made["draft"] = ctx.client.mail.create_draft(ORGANISER, _message("2027:per:prepare:1"))
    return ctx.made["draft"]


def _send_draft(ctx: Ctx) -> None:
    if "sent" not in ctx.made:
        ctx.made["sent"] = ctx.client.mail.send_draft(ORGANISER, _mail_draft(ctx))


def _mime(ctx: Ctx) -> None:
    _send_draft(ctx)
    (sent,) = ctx.client.mail.find_tagged(ORGANISER, ["2027:per:prepare:1"])["2027:per:prepare:1"]
    assert b"multipart/alternative" in ctx.client.mail.get_mime(ORGANISER, sent.id)


def _send_once(ctx: Ctx) -> None:
    _send_draft(ctx)  # one already sent, one new
    ctx.client.mail.send_once(ORGANISER, [_message("2027:per:prepare:1"), _message("2027:per:confirm:1")])


def _delete_drive_items(ctx: Ctx) -> None:
    drive = _drive(ctx)
    gone = ctx.client.drive.upload(drive.id, _folder(ctx).id, "Bort.docx", b"bort")
    answers = ctx.client.drive.delete_items([(drive.id, gone.id), (drive.id, gone.id)])
    assert answers[0] is None and isinstance(answers[1], errors.NotFound), answers


def _call(step: Callable[[Ctx], Any]) -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        result = step(ctx)
        if hasattr(result, "__next__"):
            list(result)  # generators only ask Graph when iterated
    return run


TOUR: dict[str, Callable[[Ctx], None]] = {
    "Directory.list_users": _call(lambda c: c.client.directory.list_users()),
    "Directory.get_user": _call(lambda c: c.client.directory.get_user(EMPLOYEE)),
    "Directory.get_manager": _manager,
    "Directory.list_direct_reports": _call(
        lambda c: c.client.directory.list_direct_reports(c.client.directory.get_user(ORGANISER).id)),
    "Calendar.get_schedules": _schedules,
    "Calendar.create_event": _call(_event),
    "Calendar.create_events": _call(lambda c: c.client.calendar.create_events(
        [(ORGANISER, _draft("2027:batch1", 16)), (ORGANISER, _draft("2027:batch2", 17))])),
    "Calendar.get_event": _call(lambda c: c.client.calendar.get_event(ORGANISER, _event(c).id)),
    "Calendar.get_events": _call(lambda c: c.client.calendar.get_events([(ORGANISER, _event(c).id)])),
    "Calendar.find_events_by_tag": _call(lambda c: c.client.calendar.find_events_by_tag(ORGANISER, "2027:per")),
    "Calendar.find_events_by_tags": _call(lambda c: c.client.calendar.find_events_by_tags([(ORGANISER, "2027:per")])),
    "Calendar.find_events_by_tag_prefix": _call(lambda c: c.client.calendar.find_events_by_tag_prefix([ORGANISER], "2027:")),
    "Calendar.update_event": _update,
    "Calendar.attendee_responses": _responses,
    "Calendar.cancel_event": _cancel,
    "Calendar.delete_event": _delete,
    "Drive.get_user_drive": _call(_drive),
    "Drive.ensure_folder": _call(_folder),
    "Drive.get_item": _call(lambda c: c.client.drive.get_item(_drive(c).id, _folder(c).id)),
    "Drive.get_items": _call(lambda c: c.client.drive.get_items([(_drive(c).id, _folder(c).id)])),
    "Drive.get_item_by_path": _call(lambda c: c.client.drive.get_item_by_path(_drive(c).id, ["Medarbetarsamtal", "2027"])),
    "Drive.list_children": _call(lambda c: c.client.drive.list_children(_drive(c).id, _folder(c).id)),
    "Drive.upload": _upload,
    "Drive.upload_to_user_path": _call(lambda c: c.client.drive.upload_to_user_path(
        _drive(c) and c.made["per"].id, ["Medarbetarsamtal", "2027", "Per", "Ny.docx"], b"ny")),
    "Drive.upload_many": _call(lambda c: c.client.drive.upload_many([(_drive(c).id, _folder(c).id, "M.docx", b"m")])),
    "Drive.upload_many_to_user_paths": _call(lambda c: c.client.drive.upload_many_to_user_paths(
        [(_drive(c) and c.made["per"].id, ["Medarbetarsamtal", "2027", "Per", "N.docx"], b"n")])),
    "Drive.look_at_user_paths": _call(lambda c: c.client.drive.look_at_user_paths(
        [(_drive(c) and c.made["per"].id, ["Medarbetarsamtal", "2027", "Per"])])),
    "Drive.delete_items": _delete_drive_items,
    "Drive.download": _call(lambda c: c.client.drive.download(_drive(c).id, _file(c).id)),
    "Drive.fetch_file": _call(lambda c: c.client.drive.fetch_file(_drive(c).id, _file(c).id)),
    "Drive.replace_if_unchanged": _call(lambda c: c.client.drive.replace_if_unchanged(
        c.client.drive.get_item(_drive(c).id, _file(c).id), b"plan 2")),
    "Drive.download_many": _call(lambda c: c.client.drive.download_many([(_drive(c).id, _file(c).id)])),
    "Drive.invite": _invite,
    "Drive.invite_many": _call(lambda c: c.client.drive.invite_many([(_drive(c).id, _folder(c).id, ORGANISER)])),
    "Drive.list_permissions": _permissions,
    "Drive.remove_permission": _remove_permission,
    "Lists.get_site": _call(lambda c: c.client.lists.get_site("example.sharepoint.com:/sites/hr")),
    "Lists.ensure_list": _call(_list),
    "Lists.find_list": _call(lambda c: c.client.lists.find_list(_list(c)[0], "Medarbetarsamtal")),
    "Lists.get_list": _call(lambda c: c.client.lists.get_list(*_list(c), refresh=True)),
    "Lists.create_item": _call(_item),
    "Lists.update_item": _call(lambda c: c.client.lists.update_item(*_list(c), _item(c).id, {"Status": "b"})),
    "Lists.update_item_if_match": _update_if_match,
    "Lists.get_item": _call(lambda c: c.client.lists.get_item(*_list(c), _item(c).id)),
    "Lists.delete_item": _delete_item,
    "Lists.create_items": _call(lambda c: c.client.lists.create_items(*_list(c), [{"Title": "B", "Key": "2027:b", "Status": "a"}])),
    "Lists.update_items": _call(lambda c: c.client.lists.update_items(*_list(c), [(_item(c).id, {"Status": "a"})])),
    "Lists.delete_items": _delete_items,
    "Lists.query_items": _call(lambda c: c.client.lists.query_items(*_list(c), equals={"Key": "2027:per"})),
    "Lists.get_items": _call(lambda c: c.client.lists.get_items(*_list(c))),
    "Mail.create_draft": _call(_mail_draft),
    "Mail.create_drafts": _call(lambda c: c.client.mail.create_drafts(
        ORGANISER, [_message("2027:per:digest:1"), _message("2027:per:digest:2")])),
    "Mail.send_draft": _send_draft,
    "Mail.get_mime": _mime,
    "Mail.send_once": _send_once,
    "Mail.find_tagged": _call(lambda c: c.client.mail.find_tagged(ORGANISER, ["2027:per:prepare:1", "2027:none"])),
    "Mail.list_tagged": _call(lambda c: c.client.mail.list_tagged(ORGANISER, "2027:per:")),
    "Mail.budget": _call(lambda c: c.client.mail.budget(ORGANISER)),
}


@dataclass
class TourResult:
    recorder: Recorder
    graph_url: str
    called: set[str]
    failures: dict[str, str]


def run_tour(steps: dict[str, Callable[[Ctx], None]] | None = None, *, session: Recorder | None = None) -> TourResult:
    """Serve the test seed, run every step through a :class:`Recorder` (``session``, else a new
    one), and tell which connector methods ran (wrapped for the duration) and which steps failed
    (with the error)."""
    steps = TOUR if steps is None else steps
    called: set[str] = set()
    originals: list[tuple[type, str, Any]] = []
    for qualified in connector_methods():
        cls_name, name = qualified.split(".")
        cls = next(c for c in CONNECTOR_CLASSES if c.__name__ == cls_name)
        original = vars(cls)[name]

        def wrapper(*args: Any, __q: str = qualified, __f: Any = original, **kwargs: Any) -> Any:
            called.add(__q)
            return __f(*args, **kwargs)

        originals.append((cls, name, original))
        setattr(cls, name, wrapper)
    recorder = Recorder() if session is None else session
    failures: dict[str, str] = {}
    try:
        sandbox = Sandbox.from_seed(SEED)
        with sandbox.serve(port=0) as server:
            client = connect(graph_url=server.graph_url, tenant_id="t", client_id="c", credential=None,
                             session=recorder)
            ctx = Ctx(client, People(server.url))
            for name, step in steps.items():
                try:
                    step(ctx)
                except Exception as err:  # reported by the test, with the step's name
                    failures[name] = f"{type(err).__name__}: {err}"
            graph_url = server.graph_url
    finally:
        for cls, name, original in originals:
            setattr(cls, name, original)
    return TourResult(recorder, graph_url, called, failures)
