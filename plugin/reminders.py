"""Reminders by e-mail: a stage of the pass, after watching (docs/architecture.md#one-pass, stage 9;
README.md#reminders). Off unless ``reminders.sender`` is set.

What is due comes from the records as the pass left them (:mod:`plugin.reminders_due`), for the
people in the round only: someone excluded, failed out of the round or gone from the directory
gets nothing, and neither does a manager who is not in it. Each message is written in its
recipient's language (:func:`plugin.documents.choose_language`, as for invitations;
:mod:`plugin.reminders_text`) and sent exactly once (:mod:`plugin.reminders_send`). A talk's
record counts its reminders once all that were due for it went out.

Outside the sending hours nothing is sent: the next pass in hours sends what is due then. A dry
run counts what it would send and sends nothing. When Exchange's sending budget of the day is
spent, the rest waits for a later pass, and the pass report says so: it is not a failure.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors.graph import errors
from connectors.graph.addresses import address_key, id_key
from connectors.graph.directory import User
from connectors.graph.mail import Delivery, MessageDraft
from plugin.documents import choose_language
from plugin.pass_context import Action, PassContext
from plugin.records import Record, Status
from plugin.reminders_digests import hr_digest, manager_digests
from plugin.reminders_due import (
    Due, Tally, after_sending, digest_due, hr_digest_key, in_hours, iso_week, manager_digest_key,
    talk_reminders_due,
)
from plugin.reminders_text import Text, confirm_text, hr_digest_text, manager_digest_text, prepare_text
from plugin.roster import Entry
from plugin.settings import Settings


@dataclass(frozen=True)
class Outgoing:
    """One message to send: its key (the tag), kind, recipient, language and words; for a talk
    reminder, the key of the talk's record."""

    key: str
    kind: str
    address: str
    name: str
    language: str
    text: Text
    record_key: str = ""


def sent_mark(key: str) -> str:
    """The look-cache's entry for a digest this machine saw sent (only a cache: without it the
    digest's tag is looked up in the mailbox again)."""
    return f"mail:{key}"


def _language(user: User, settings: Settings) -> str:
    return choose_language(user.preferred_language, settings.language.default)


def talk_messages(due: Iterable[Due], records: Mapping[str, Record], entries: Mapping[str, Entry],
                  settings: Settings) -> list[Outgoing]:
    """The messages of talk reminders ``due``, addressed from the directory (``entries``: the
    roster by employee id, people in the round only)."""
    zone = settings.meetings.zone.tzinfo
    out = []
    for d in due:
        record = records[d.record_key]
        entry = entries[id_key(record.employee_id)]
        employee, manager = entry.employee, entry.manager
        assert manager is not None
        who = employee if d.to == "employee" else manager
        # the employee reads the language of their documents and invitation
        lang = (record.language if d.to == "employee" and record.language in ("sv", "en")
                else _language(who, settings))
        if d.kind == "prepare":
            assert record.meeting_start is not None
            text = prepare_text(lang, employee=employee.display_name, manager=manager.display_name,
                                start=record.meeting_start, zone=zone, folder_url=record.folder_url)
        else:
            text = confirm_text(lang, d.to, employee=employee.display_name, manager=manager.display_name,
                                start=record.meeting_start, zone=zone,
                                link=record.document_url or record.folder_url)
        out.append(Outgoing(d.key, d.kind, who.address, who.display_name, lang, text, record.key))
    return out


def in_round(records: Iterable[Record], entries: Mapping[str, Entry]) -> list[Record]:
    """The records of talks of people in the round, with the manager the directory gives them
    now (a talk that is moving to a new manager waits until it has moved)."""
    out = []
    for record in records:
        entry = entries.get(id_key(record.employee_id))
        if entry is None or not entry.in_round or entry.manager is None or record.status is Status.EXCLUDED:
            continue
        if id_key(record.manager_id) != id_key(entry.manager.id):
            continue
        out.append(record)
    return out


def digest_messages(records: list[Record], all_records: list[Record], users: Mapping[str, User],
                    settings: Settings, now: datetime, list_url: str) -> list[Outgoing]:
    """This week's digests: one per manager with something that needs them (a manager in the
    directory, account enabled), and HR's when ``reminders.hr_digest`` is set."""
    r, zone = settings.reminders, settings.meetings.zone.tzinfo
    week, title = iso_week(now, settings), settings.campaign.title
    out = []
    if r.manager_digest is not None:
        for digest in manager_digests(records, settings, now):
            manager = users.get(id_key(digest.manager_id))
            if manager is None or manager.account_enabled is False:
                continue
            lang = _language(manager, settings)
            out.append(Outgoing(manager_digest_key(settings.campaign.id, manager.id, week), "manager_digest",
                                manager.address, manager.display_name, lang,
                                manager_digest_text(lang, digest, title=title, zone=zone)))
    if r.hr_digest:
        reader = next((u for u in users.values() if address_key(r.hr_digest) in u.addresses), None)
        lang = _language(reader, settings) if reader is not None else settings.language.default
        out.append(Outgoing(hr_digest_key(settings.campaign.id, week), "hr_digest", r.hr_digest,
                            reader.display_name if reader else "HR", lang,
                            hr_digest_text(lang, hr_digest(all_records, settings, now, list_url),
                                           now=now, zone=zone)))
    return out


def plan_messages(pc: PassContext, roster: Iterable[Entry], users: Iterable[User]) -> list[Outgoing]:
    """Every message due this pass (talk reminders, then digests), whatever the hour."""
    s, now = pc.settings, pc.now
    entries = {id_key(e.employee.id): e for e in roster if e.in_round}
    by_id = {id_key(u.id): u for u in users}
    records = pc.book.all()
    mine = in_round(records, entries)
    by_key = {r.key: r for r in mine}
    out = talk_messages(talk_reminders_due(mine, s, now), by_key, entries, s)
    if digest_due(s, now):
        store = pc.book.store
        list_url = (store.info.web_url or "") if store is not None else ""
        out += [m for m in digest_messages(mine, records, by_id, s, now, list_url)
                if pc.cache.due(sent_mark(m.key), now, timedelta.max)]
    return out


def send_reminders(pc: PassContext, roster: Iterable[Entry], users: Iterable[User]) -> None:
    """The reminders stage: what is due, sent exactly once from ``reminders.sender`` within the
    sending hours (a dry run counts it); the talks' records count what went out."""
    r = pc.settings.reminders
    if r.sender is None:
        return
    messages = plan_messages(pc, roster, users)
    tally = Tally(due=dict(Counter(m.kind for m in messages)))
    pc.report.reminders = tally
    if not messages:
        return
    if not in_hours(pc.settings, pc.now):
        tally.outside_hours = True
        return
    if pc.dry_run:
        return
    drafts = [MessageDraft(to=((m.address, m.name),), subject=m.text.subject, body_html=m.text.html,
                           body_text=m.text.text, tag=m.key, language=m.language,
                           categories=(f"samtal {pc.settings.campaign.id}",))
              for m in messages]
    with pc.progress.step(f"sending reminders from {r.sender}", len(drafts), unit="reminders") as bar:
        # the bar moves as each message goes: sending is paced to Exchange's minute
        deliveries = pc.client.mail.send_once(r.sender, drafts, advance=bar.update)
    _record(pc, tally, messages, deliveries)


def _record(pc: PassContext, tally: Tally, messages: list[Outgoing], deliveries: list[Delivery]) -> None:
    """Count what went out, write the talks' records whose reminders are all done, note in the
    look-cache the digests that went; then sort what failed."""
    done: Counter[str] = Counter()
    undone: set[str] = set()
    failed: Counter[str] = Counter()
    consent: errors.GraphError | None = None
    for message, delivery in zip(messages, deliveries):
        if delivery.delivered:
            if delivery.state == "sent":
                tally.sent += 1
                pc.report.actions.append(Action(message.record_key or message.key, message.name, "",
                                                f"reminded ({message.kind.replace('_', ' ')})"))
            else:
                tally.found += 1
            if message.record_key:
                done[message.record_key] += 1
            else:
                pc.cache.looked(sent_mark(message.key), pc.now)
            continue
        undone.add(message.record_key)
        err = delivery.error
        if delivery.state == "in_flight":
            # marked as handed over by a pass that may have died before its send: a later pass
            # finds it sent, or sends it once the grace is over (docs/failures.md#m5)
            tally.left += 1
        elif delivery.state == "deferred":
            tally.left += 1
            tally.limit_reached = tally.limit_reached or str(err or "the sender's sending limits are spent")
        elif err is not None and err.outcome is errors.Outcome.NEEDS_CONSENT:
            consent = consent or err
            tally.left += 1
        elif err is not None and err.outcome is errors.Outcome.RETRY:
            tally.left += 1
            pc.report.retry_later.append(f"{message.key}: reminder not sent: {err}")
        else:
            failed[str(err)] += 1
    tally.problems += [f"{n} reminder(s) not sent: {why}" for why, n in failed.items()]
    records = [after_sending(record, n, pc.now) for key, n in sorted(done.items())
               if key not in undone and (record := pc.book.get(key)) is not None]
    pc.put_all("recording reminders sent", records)
    if consent is not None:
        pc.leave_for_next_pass("reminders", consent)  # an administrator must act: stops the pass

