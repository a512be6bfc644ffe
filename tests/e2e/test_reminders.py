"""Reminders by e-mail on the sandbox, with ``--now`` stepping through a round: each kind goes at
its time to its person in their language, as text and HTML saying the same, and never again on
re-runs; nothing goes at night; a crash after the draft's create, after its tag, or after the
send ends with one delivered message; Exchange's sending limit holds with 200 reminders due at
once; no message holds a form's content, in either part; a person who left the round gets
nothing; ``plan`` says what a run would send and how long it takes, ``status`` what each talk
got."""
from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any

import pytest
import requests

from connectors.graph.mail_limits import SendingLimits
from connectors.sandbox.generate import generate_seed
from connectors.sandbox.people import alternatives
from plugin.cache import LookCache
from plugin.cli import main
from plugin.documents import wordsim
from plugin.lease import LeaseTerms
from plugin.progress import Progress, Step
from plugin.reconcile import PassReport, Reconciler
from plugin.records import Record, Status
from plugin.reminders_due import in_hours
from plugin.reminders_text import when
from plugin.tenant import open_client
from tests.e2e.conftest import AFTER, NOW, WINDOW, ZONE, ServeFactory, Served, later_lease, team_seed
from tests.e2e.test_crash import Crash

SENDER = "hr.samtal@example.se"
HR = "hr@example.se"
REMINDERS = f"reminders: {{sender: {SENDER}, hr_digest: {HR}}}\n"
# Exchange's per-minute limit without the minute: tests send more than 30 in a real minute.
FAST = SendingLimits(messages_per_minute=10_000)
MARKERS = {tag: f"MARKER-{tag}-{n}-zq" for n, tag in enumerate(
    ("previous_goals_followup", "goals", "development_plan", "competence_needs", "expectations",
     "health_notes", "manager_feedback"))}


def with_mailboxes(seed: dict[str, Any]) -> dict[str, Any]:
    seed["users"] += [
        {"userPrincipalName": SENDER, "displayName": "HR Medarbetarsamtal", "preferredLanguage": "sv-SE"},
        {"userPrincipalName": HR, "displayName": "Hanna HR", "preferredLanguage": "sv-SE"},
    ]
    return seed


def served_with_reminders(serve_tenant: ServeFactory, seed: dict[str, Any], extra: str = "",
                          **options: Any) -> Served:
    served = serve_tenant(with_mailboxes(seed), **options)
    served.config.write_text(served.config.read_text(encoding="utf-8") + REMINDERS + extra, encoding="utf-8")
    return served


def run(served: Served, now: datetime, *, limits: SendingLimits = FAST, dry_run: bool = False,
        session: requests.Session | None = None, lease: LeaseTerms | None = None,
        progress: Progress | None = None) -> PassReport:
    settings = served.settings(now)
    kw: dict[str, Any] = {"policy": served.policy, "sending_limits": limits}
    if session is not None:
        kw["session"] = session
    return Reconciler(open_client(settings, **kw), settings, now=now, dry_run=dry_run, cache=LookCache(None),
                      look_every=timedelta(hours=6), lease=lease, progress=progress).run()


def inbox(served: Served, user: str) -> list[dict[str, Any]]:
    return served.people.inbox(user)


def delivered(served: Served) -> dict[str, list[dict[str, Any]]]:
    """Every inbox's messages by owner id (straight from the tenant's state)."""
    with served.sandbox.tenant.lock:
        boxes = dict((served.sandbox.tenant.data.get("mail") or {}).get("boxes") or {})
        return {uid: [m for m in box.values() if m.get("folder") == "inbox"] for uid, box in boxes.items()}


def count(served: Served) -> int:
    return sum(len(v) for v in delivered(served).values())


def text_of(message: dict[str, Any]) -> str:
    return str(message["subject"]) + " " + re.sub(r"<[^>]+>", " ", str(message["body"]["content"]))


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.seen: list[str] = []

    def handle_data(self, data: str) -> None:
        self.seen.append(data)


def both_parts(message: dict[str, Any], language: str | None = None) -> tuple[str, str]:
    """The message's text and HTML alternatives, checked: both there, the same words (markup
    aside), the MIME's Content-Language the recipient's (``sv``/``en``) when given."""
    parts = alternatives(message)
    assert set(parts) == {"text/plain", "text/html"}, (message["subject"], sorted(parts))
    seen = _Visible()
    seen.feed(parts["text/html"])
    html_words = Counter(re.findall(r"\w+", " ".join(seen.seen)))
    assert Counter(re.findall(r"\w+", parts["text/plain"])) == html_words, message["subject"]
    if language is not None:
        assert f"Content-Language: {language}" in str(message["mime"]), message["subject"]
    return parts["text/plain"], parts["text/html"]


def records(report: PassReport) -> dict[str, Record]:
    return {r.employee_email: r for r in report.records}


def moment_before(start: datetime, served: Served) -> datetime:
    """A moment in sending hours within the three days before ``start``."""
    settings = served.settings(start)
    local = start.astimezone(ZONE)
    for days in (2, 1, 3):
        for hour in (9, 16):  # a Monday morning's talk: Friday afternoon
            at = (local - timedelta(days=days)).replace(hour=hour, minute=30)
            if start - timedelta(days=3) <= at < start and in_hours(settings, at):
                return at
    raise AssertionError(f"no sending hours in the three days before {start}")


def fill(served: Served, record: Record, confirm: tuple[str, ...]) -> None:
    client = served.client(AFTER)
    data = client.drive.download(record.drive_id, record.form_item_id)
    served.people.save_file(record.drive_id, record.form_item_id,
                            wordsim.fill_form(data, MARKERS, confirm=confirm, health_discussed=True))


def test_each_kind_goes_at_its_time_to_its_person_in_their_language_once(serve_tenant: ServeFactory) -> None:
    served = served_with_reminders(serve_tenant, team_seed(4))
    booked = run(served, NOW)
    talks = {r.employee_email: r for r in booked.records if r.status is Status.SCHEDULED and r.event_id}
    assert len(talks) == 6  # four reports, two managers of the head
    assert booked.reminders is not None and booked.reminders.due == {"hr_digest": 1}
    [hr_digest] = inbox(served, HR)
    assert hr_digest["subject"] == "Medarbetarsamtal 2027: veckans läge"
    text, _ = both_parts(hr_digest, "sv")
    assert "Så här ligger Medarbetarsamtal 2027 till" in text
    assert run(served, NOW + timedelta(minutes=30)).reminders.found == 1  # type: ignore[union-attr]
    assert len(inbox(served, HR)) == 1

    first = min(talks.values(), key=lambda r: r.meeting_start or AFTER)
    assert first.meeting_start is not None
    at = moment_before(first.meeting_start, served)
    due = {e for e, r in talks.items() if r.meeting_start and at < r.meeting_start <= at + timedelta(days=3)}

    before = count(served)
    night = run(served, at.replace(hour=3))
    assert night.reminders is not None and night.reminders.outside_hours and count(served) == before
    plan = run(served, at, dry_run=True)
    assert plan.reminders is not None and plan.reminders.due.get("prepare") == len(due) and count(served) == before

    sent = run(served, at)
    assert sent.reminders is not None and sent.reminders.due.get("prepare") == len(due)
    assert sent.reminders.sent == sent.reminders.total_due  # and this week's HR digest
    for email in due:
        record = talks[email]
        [message] = inbox(served, email)
        language = record.language
        subject = ("Snart dags för medarbetarsamtal med" if language == "sv" else "Your employee dialogue with")
        assert message["subject"].startswith(subject)
        assert when(record.meeting_start, ZONE, language) in text_of(message)  # type: ignore[arg-type]
        text, _ = both_parts(message, language)  # the same, in the same language, as plain text
        assert when(record.meeting_start, ZONE, language) in text  # type: ignore[arg-type]
        assert record.folder_url in text  # the link written out
        assert [r["emailAddress"]["address"] for r in message["toRecipients"]] == [email]
        assert records(sent)[email].reminders_sent == 1 and records(sent)[email].last_reminder_at == at
    assert {r.language for e, r in talks.items() if e in due} <= {"sv", "en"}
    for email in set(talks) - due:
        assert inbox(served, email) == []
    after_prepare = count(served)
    run(served, at + timedelta(hours=1))
    assert count(served) == after_prepare  # never again

    # After the talks: every employee of the boss confirmed; the boss forgot. Person 0 left the
    # round before confirming (due a confirm reminder, were they still in it). Olga Other (English)
    # and the boss did not confirm their own talks with the head.
    boss_talks = [r for e, r in talks.items() if e.startswith("person") and e != "person0@example.se"]
    for record in boss_talks:
        fill(served, record, ("employee_confirmed",))
    served.config.write_text(served.config.read_text(encoding="utf-8")
                             + "scope: {exclude_users: [person0@example.se]}\n", encoding="utf-8")
    before = {e: len(inbox(served, e)) for e in talks}
    late = run(served, AFTER)
    assert late.reminders is not None and late.reminders.sent >= 3
    boss = inbox(served, "boss@example.se")
    confirms = [m for m in boss if m["subject"] == "Påminnelse: bekräfta dokumentationen av medarbetarsamtalet"
                and "väntar på din bekräftelse" in text_of(m)]  # as their reports' manager
    assert sorted(re.search(r"med (Person \d)", text_of(m)).group(1) for m in confirms) == [  # type: ignore[union-attr]
        "Person 1", "Person 2", "Person 3"]
    [digest] = [m for m in boss if m["subject"].endswith("samtal behöver din hjälp")]
    assert "Person 3" in text_of(digest) and "Person 0" not in text_of(digest)
    for message in confirms:
        both_parts(message, "sv")
    digest_text, _ = both_parts(digest, "sv")
    assert "\n- Person 3" in digest_text  # a list item, as text
    for email in talks:
        if email.startswith("person"):
            assert len(inbox(served, email)) == before[email]  # employees confirmed: no confirm reminder
    assert len(inbox(served, "person0@example.se")) == before["person0@example.se"]
    assert len(inbox(served, "other.boss@example.se")) == before["other.boss@example.se"] + 1
    [olga] = inbox(served, "other.boss@example.se")[:1]  # the newest: to her, in English
    assert olga["subject"] == "Reminder: please confirm the employee dialogue documentation"
    olga_text, _ = both_parts(olga, "en")
    assert "Hello Olga Other," in olga_text and "tick the employee's confirmation box" in olga_text
    head = [m for m in inbox(served, "head@example.se")
            if m["subject"] == "Påminnelse: bekräfta dokumentationen av medarbetarsamtalet"]
    assert sorted(re.search(r"med (\w+ \w+)", text_of(m)).group(1) for m in head) == [  # type: ignore[union-attr]
        "Bo Boss", "Olga Other"]
    total = count(served)
    run(served, AFTER + timedelta(hours=2))
    assert count(served) == total  # never again

    for box in delivered(served).values():
        for message in box:
            text, html = both_parts(message)  # every reminder: text and HTML, the same content
            for body in (str(message["subject"]), str(message["body"]["content"]), text, html):
                assert not [m for m in MARKERS.values() if m in body], message["subject"]


class SendingWatched(Progress):
    """Progress that notes, at each move of the reminders step, how many messages the sandbox's
    transport had been handed by then."""

    def __init__(self, served: Served) -> None:
        super().__init__(quiet=True)
        self.served = served
        self.total = 0
        self.moves: list[tuple[int, int]] = []  # (n, messages submitted so far)

    @contextmanager
    def step(self, label: str, total: int, unit: str = "talks") -> Iterator[Step]:
        watched = self

        class Moves:
            def update(self, n: int = 1) -> None:
                if label.startswith("sending reminders"):
                    watched.moves.append((n, watched.served.stats()["mail"]["submitted"]))

        if label.startswith("sending reminders"):
            self.total = total
        yield Moves()


def test_the_reminders_step_moves_as_each_message_goes(serve_tenant: ServeFactory) -> None:
    """Sending is paced to Exchange's 30 a minute, so 200 reminders take minutes: the step's bar
    moves with each message sent, not once at the end."""
    served = served_with_reminders(serve_tenant, team_seed(4))
    served.config.write_text(served.config.read_text(encoding="utf-8").replace(
        "hr_digest: hr@example.se}", "hr_digest: hr@example.se, prepare_days_before: 60}"), encoding="utf-8")
    before = served.stats()["mail"]["submitted"]
    watched = SendingWatched(served)
    report = run(served, NOW, progress=watched)
    assert report.reminders is not None and report.reminders.due.get("prepare", 0) >= 3
    assert report.reminders.sent == report.reminders.total_due == watched.total
    assert watched.moves == [(1, before + n) for n in range(1, watched.total + 1)]


def test_every_employee_gets_one_prepare_reminder_before_their_talk_in_their_language(
        serve_tenant: ServeFactory) -> None:
    """Stepping through the round to the days before each talk: one prepare reminder each, within
    the three days before the talk and not before, in Swedish or English as the person reads."""
    # the sandbox's Exchange as fast as FAST: the passes send more than 30 in a real minute
    served = served_with_reminders(serve_tenant, team_seed(4), faults="send_per_minute=10000")
    talks = {r.employee_email: r for r in run(served, NOW).records if r.status is Status.SCHEDULED and r.event_id}
    assert len(talks) == 6

    def prepares(email: str) -> list[dict[str, Any]]:
        return [m for m in inbox(served, email) if m["subject"].startswith(
            ("Snart dags för medarbetarsamtal med", "Your employee dialogue with"))]

    due: set[str] = set()
    languages: set[str] = set()
    for record in sorted(talks.values(), key=lambda r: r.meeting_start or AFTER):
        assert record.meeting_start is not None
        if record.employee_email in due:
            continue  # came with an earlier step, checked there
        step = moment_before(record.meeting_start, served)
        run(served, step)
        for email, other in talks.items():
            assert other.meeting_start is not None
            got = prepares(email)
            if email in due:
                assert len(got) == 1, email  # never again
            elif other.meeting_start - timedelta(days=3) <= step:
                [message] = got
                assert step < other.meeting_start, email  # before the talk, not after
                assert [r["emailAddress"]["address"] for r in message["toRecipients"]] == [email]
                assert message["subject"].startswith(
                    "Snart dags för medarbetarsamtal med" if other.language == "sv" else "Your employee dialogue with")
                text, _ = both_parts(message, other.language)
                assert when(other.meeting_start, ZONE, other.language) in text and other.folder_url in text
                languages.add(other.language)
                due.add(email)
            else:
                assert got == [], email  # not yet
    assert due == set(talks) and languages == {"sv", "en"}


@pytest.mark.usefixtures("secret_env")
def test_plan_says_what_a_run_would_send_and_how_long_and_status_counts_per_talk(
        serve_tenant: ServeFactory, capsys: pytest.CaptureFixture[str]) -> None:
    """The commands as an administrator runs them: ``plan`` counts the reminders a run would send
    now, by kind, and how long that takes at Exchange's limits, sending nothing (at night: none
    would go); ``status --manager`` shows each talk's reminders."""
    served = served_with_reminders(serve_tenant, team_seed(4))

    def samtal(*args: str, now: datetime) -> str:
        main([*args, "--config", str(served.config), "--now", now.isoformat()])
        return capsys.readouterr().out

    samtal("run", "-q", now=NOW)
    talks = {r.employee_email: r for r in run(served, NOW + timedelta(minutes=10)).records if r.event_id}
    first = min(talks.values(), key=lambda r: r.meeting_start or AFTER)
    assert first.meeting_start is not None
    at = moment_before(first.meeting_start, served)
    due = [r for r in talks.values() if r.meeting_start and at < r.meeting_start <= at + timedelta(days=3)]
    before = count(served)
    out = samtal("plan", "-q", now=at)
    line = next(x for x in out.splitlines() if x.startswith("reminders this plan would send:"))
    assert line.startswith(f"reminders this plan would send: {len(due) + 1} ({len(due)} prepare, 1 HR digest) "
                           f"from {SENDER}, taking under a minute at Exchange's limits (30 messages a minute, "
                           "10,000 recipients a day)"), line
    night = samtal("plan", "-q", now=at.replace(hour=22, minute=0))
    assert (f"reminders: {len(due) + 1} due ({len(due)} prepare, 1 HR digest), none sent: outside the sending "
            "hours (08:00-17:00 on working days); the next run within them sends them") in night
    assert count(served) == before  # a plan sends nothing

    out = samtal("run", "-q", now=at)
    assert f"reminders: {len(due) + 1} sent ({len(due)} prepare, 1 HR digest)" in out
    assert count(served) == before + len(due) + 1
    boss = samtal("status", "--manager", "boss@example.se", now=at)
    for record in talks.values():
        if record.manager_email != "boss@example.se":
            continue
        row = next(x for x in boss.splitlines() if x.startswith(record.employee_name + " ")) + " "
        assert (f" 1, last {at:%Y-%m-%d} " in row) == (record in due), row
        assert (" - " in row) == (record not in due), row
    assert any(f" 1, last {at:%Y-%m-%d} " in x + " " for x in boss.splitlines())  # one of the boss's was due


class CrashAt(requests.Session):
    """The process dies right after a ``method`` (POST or PATCH) whose URL ends with ``suffix``, or
    for a PATCH contains it (the server did it)."""

    def __init__(self, suffix: str, method: str = "POST", nth: int = 1) -> None:
        super().__init__()
        self.suffix, self.method, self.nth = suffix, method, nth
        self.dead = False

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kw: Any) -> requests.Response:
        if self.dead:
            raise Crash("the process is gone")
        verb = method.decode() if isinstance(method, bytes) else method
        target = url.decode() if isinstance(url, bytes) else url
        response = super().request(verb, target, *args, **kw)
        path = target.split("?")[0]
        if verb.upper() == self.method and (path.endswith(self.suffix) or (verb.upper() == "PATCH" and self.suffix in path)):
            self.nth -= 1
            if self.nth == 0:
                self.dead = True
                raise Crash(f"killed right after {verb} {target}")
        return response


def sender_box(served: Served) -> list[dict[str, Any]]:
    with served.sandbox.tenant.lock:
        sender = served.sandbox.tenant.user(SENDER)
        assert sender is not None
        return list(served.sandbox.tenant.data["mail"]["boxes"][sender["id"]].values())


def tags_in(messages: list[dict[str, Any]]) -> set[str]:
    return {p["value"] for m in messages for p in m["singleValueExtendedProperties"] if p["id"].endswith("samtalMailKey")}


def test_a_crash_after_create_after_tag_or_after_send_ends_with_one_message(serve_tenant: ServeFactory) -> None:
    """Crash points, each in a sender mailbox that sent a reminder before (Exchange keeps the
    X-Samtal-Key header of a MIME draft as a property once the name is mapped): after the MIME
    create (the draft is found by its header, tagged, sent), after the tagging PATCH, after the
    send. Each ends with one delivered message of both parts, nothing left in Drafts."""
    monday = NOW + timedelta(days=5)  # the next week's HR digest is due
    for crash in (CrashAt("/messages"), CrashAt("/messages/", "PATCH"), CrashAt("/send")):
        served = served_with_reminders(serve_tenant, team_seed(1))
        run(served, NOW)
        try:
            run(served, monday, session=crash)
        except Crash:
            pass
        else:
            raise AssertionError("the pass did not reach the mail")
        left = [sorted(p["id"].rsplit(" ", 1)[1] for p in m["singleValueExtendedProperties"])
                for m in sender_box(served) if m["folder"] == "drafts"]
        assert left == {"POST /messages": [["X-Samtal-Key"]], "PATCH /messages/": [["X-Samtal-Key", "samtalMailKey"]],
                        "POST /send": []}[f"{crash.method} {crash.suffix}"]  # what each crash left in Drafts
        report = run(served, monday + timedelta(hours=1), lease=later_lease())
        got = inbox(served, HR)
        assert [m["subject"] for m in got] == ["Medarbetarsamtal 2027: veckans läge"] * 2
        for message in got:
            both_parts(message, "sv")
        box = sender_box(served)
        assert sorted(m["folder"] for m in box) == ["sentitems"] * 2, crash.suffix
        assert tags_in(box) == {"rem:2027:hr:2027-W03", "rem:2027:hr:2027-W04"}
        assert report.reminders is not None and report.reminders.sent + report.reminders.found == 1, crash.suffix
        run(served, monday + timedelta(hours=2), lease=later_lease())
        assert len(inbox(served, HR)) == 2  # and never again


def test_a_crash_after_the_first_create_of_a_mailbox_leaves_a_draft_never_sent(serve_tenant: ServeFactory) -> None:
    """The first reminder a sender mailbox ever holds: Exchange keeps no property of its header yet,
    so a crash between create and tag leaves a draft no lookup finds. It is never sent; the next
    pass makes the reminder again and it goes once. The draft stays in the sender's Drafts."""
    served = served_with_reminders(serve_tenant, team_seed(1))
    try:
        run(served, NOW, session=CrashAt("/messages"))
    except Crash:
        pass
    else:
        raise AssertionError("the pass did not reach the mail")
    (orphan,) = sender_box(served)
    assert orphan["folder"] == "drafts" and orphan["singleValueExtendedProperties"] == []
    for hours in (1, 2):
        run(served, NOW + timedelta(hours=hours), lease=later_lease())
    [digest] = inbox(served, HR)
    both_parts(digest, "sv")
    box = sender_box(served)
    assert sorted(m["folder"] for m in box) == ["drafts", "sentitems"]
    assert [m["id"] for m in box if m["folder"] == "drafts"] == [orphan["id"]]  # left behind, unsent
    assert tags_in(box) == {"rem:2027:hr:2027-W03"}


def test_a_crash_between_marking_a_draft_and_sending_it_ends_with_one_message(serve_tenant: ServeFactory) -> None:
    """The pass dies after marking the prepare reminder's draft as handed over and before its send.
    A pass soon after leaves the marked draft alone (it may be in transport) and does not count it
    sent; a pass after the grace sends it; once, and counted once."""
    served = served_with_reminders(serve_tenant, team_seed(1))
    [talk] = [r for r in run(served, NOW).records if r.event_id and r.employee_email == "person0@example.se"]
    assert talk.meeting_start is not None
    at = moment_before(talk.meeting_start, served)
    try:  # PATCH 1 tags the prepare reminder's draft, PATCH 2 marks it handed over
        run(served, at, session=CrashAt("/messages/", "PATCH", nth=2))
    except Crash:
        pass
    else:
        raise AssertionError("the pass did not reach the mail")
    [marked] = [m for m in sender_box(served) if m["folder"] == "drafts"]
    assert [p for p in marked["singleValueExtendedProperties"] if p["id"].endswith("samtalSubmittedAt")]

    soon = run(served, at + timedelta(minutes=5), lease=later_lease())  # the real clock: within the grace
    assert soon.reminders is not None and (soon.reminders.left, soon.reminders.found) == (1, 0)
    assert inbox(served, "person0@example.se") == []
    assert records(soon)["person0@example.se"].reminders_sent == 0  # not counted: not known to have gone

    with served.sandbox.tenant.lock:  # twenty minutes of the real clock pass: the grace is over
        for p in marked_props(served):
            p["value"] = (datetime.now(timezone.utc) - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    later = run(served, at + timedelta(minutes=10), lease=later_lease())
    [prepare] = inbox(served, "person0@example.se")
    assert prepare["subject"].startswith(("Snart dags för medarbetarsamtal", "Your employee dialogue with"))
    assert records(later)["person0@example.se"].reminders_sent == 1
    run(served, at + timedelta(minutes=15), lease=later_lease())
    assert len(inbox(served, "person0@example.se")) == 1  # and never again
    assert [m["folder"] for m in sender_box(served)].count("drafts") == 0


def marked_props(served: Served) -> list[dict[str, Any]]:
    """The handed-over marks of the drafts in the sender's Drafts (in the tenant's state: call with
    its lock held)."""
    sender = served.sandbox.tenant.user(SENDER)
    assert sender is not None
    box = served.sandbox.tenant.data["mail"]["boxes"][sender["id"]]
    return [p for m in box.values() if m["folder"] == "drafts"
            for p in m["singleValueExtendedProperties"] if p["id"].endswith("samtalSubmittedAt")]


def test_the_sending_limit_holds_with_200_reminders_due_at_once(serve_tenant: ServeFactory) -> None:
    seed = generate_seed(240, seed=11, window_start=WINDOW[0], window_end=WINDOW[1])
    served = served_with_reminders(serve_tenant, seed, "",
                                   faults="send_recipients_per_day=80,send_minute_s=1,send_day_s=4")
    first = run(served, NOW).reminders  # books the round; only digests are due yet
    assert first is not None and first.sent == first.total_due
    over_rate = served.stats()["mail"]["over_rate"]  # that pass sent at FAST, past the sandbox's 30 a "minute"
    # then prepare reminders for every talk of the window at once: 60 days ahead
    served.config.write_text(served.config.read_text(encoding="utf-8").replace(
        "hr_digest: hr@example.se}", "prepare_days_before: 60, manager_digest: never}"), encoding="utf-8")
    time.sleep(4.1)
    # Exchange's limits with the windows scaled down, as the sandbox has them: 30 a "minute" of 1 s,
    # 80 recipients a "day" of 4 s
    limits = SendingLimits(messages_per_minute=30, recipients_per_day=80, minute_s=1, day_s=4)
    monday = datetime(2027, 2, 1, 9, 30, tzinfo=ZONE)
    passes = []
    while len(passes) < 6:
        report = run(served, monday + timedelta(minutes=len(passes)), limits=limits)
        assert report.reminders is not None
        passes.append(report.reminders)
        if not report.reminders.left:
            break
        time.sleep(4.1)  # the "day" rolls over
    due = passes[0].total_due
    assert due >= 200, due
    assert passes[0].sent == 80 and passes[0].left == due - 80 and passes[0].limit_reached
    assert sum(p.sent for p in passes) == due and not passes[-1].left
    stats = served.stats()["mail"]
    # every reminder left the sender (after the first pass's digests), none refused for the limit;
    # some people of the generated tenant have no Exchange Online mailbox to receive them
    assert stats["refused"] == 0 and stats["submitted"] == first.sent + due
    assert stats["over_rate"] == over_rate  # and none past its 30 messages a "minute"
    tags: list[str] = []
    with served.sandbox.tenant.lock:
        sender = served.sandbox.tenant.user(SENDER)
        assert sender is not None
        for m in served.sandbox.tenant.data["mail"]["boxes"][sender["id"]].values():
            tags += [p["value"] for p in m["singleValueExtendedProperties"] if p["id"].endswith("samtalMailKey")]
    assert len(tags) == len(set(tags)) == first.sent + due

