"""``samtal demo``: the whole round on the built-in sandbox tenant — no account needed.

It starts the sandbox in this process with a generated organisation, writes a campaign file for
it, and plays a campaign through in simulated time: a first run books every talk and prepares
the folders (and managers with a talk that could not be booked get their weekly digest by
e-mail); people accept or decline their invitations; the next run gives the declined talks a
new time; on the first morning of talks, employees get their prepare reminder; after the
meetings people fill in and confirm their forms in "Word"; the last run files them and reminds
whoever forgot to confirm. It prints progress and a summary (with what landed in people's
inboxes, read through the sandbox's control route), and leaves the campaign file, the generated
documents, the records as CSV, a summary and the sandbox's state in the output folder.
"""
from __future__ import annotations

import argparse
import html
import os
import re
import random
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from connectors.cli_options import SEED, whole
from connectors.graph import errors
from connectors.graph.client import GraphClient
from connectors.graph.mail_limits import SendingLimits
from connectors.graph.names import name_with_id, safe_name
from connectors.sandbox import FaultSpec, FaultSpecError, Sandbox
from connectors.sandbox.generate import generate_seed
from connectors.sandbox.people import People, alternatives
from plugin.cache import LookCache
from plugin.commands.common import wait_notices
from plugin.commands.status import ORDER, attention, grouped
from plugin.documents import wordsim
from plugin.progress import Progress
from plugin.reconcile import PassReport, Reconciler
from plugin.report import CSV_NAME, write_records_csv
from plugin.records import Record, Status
from plugin.settings import Settings, load_settings
from plugin.tables import table
from plugin.tenant import open_client

ZONE = ZoneInfo("Europe/Stockholm")
WINDOW = (date(2027, 2, 1), date(2027, 4, 30))
SECRET_VARIABLE = "SAMTAL_DEMO_SECRET"
SUMMARY_WIDTH = 100  # summary.md's tables: the same file on every terminal
MAX_PEOPLE = 5000
CAMPAIGN = """\
# A campaign file for the sandbox tenant samtal demo started (it served {graph_url} while the
# demo ran). To try it yourself: samtal sandbox --state {state} --port {port}, then
# SAMTAL_DEMO_SECRET=demo samtal status --config {config}
campaign: {{id: "2027", title: Medarbetarsamtal 2027, window: {{start: {start}, end: {end}}}}}
tenant:
  graph_url: {graph_url}
  tenant_id: 00000000-0000-4000-8000-000000000001
  client_id: 00000000-0000-4000-8000-000000000002
  client_secret: {{env: {secret}}}   # a sandbox accepts any token, but the reference is checked as usual
meetings: {{duration_minutes: 60, buffer_minutes: 15, max_per_manager_per_day: 3,
           time_zone: Europe/Stockholm, online: teams}}
folders: {{owner: employee, path: "Medarbetarsamtal/{{campaign}}"}}
records: {{site: "example.sharepoint.com:/sites/hr", list: Medarbetarsamtal}}
reminders: {{sender: {sender}}}
scope: {{exclude_users: [{sender}]}}   # the reminders' mailbox is no one's talk
"""
SENDER = "hr.samtal@example.se"
# The demo's hours pass in seconds: Exchange's 30 messages a minute per sender would make it wait
# for real minutes, so its sandbox and client take a message rate the simulated time can keep.
DEMO_SENDING = SendingLimits(messages_per_minute=100_000)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("samtal-demo"), metavar="DIR",
                        help="folder for the documents, records and summary (default ./samtal-demo)")
    parser.add_argument("--people", type=whole(1, MAX_PEOPLE, "a number of people"), default=60, metavar="N",
                        help=f"size of the generated organisation (default 60, at most {MAX_PEOPLE})")
    parser.add_argument("--seed", type=SEED, default=7, metavar="K",
                        help="random seed of the organisation and the people (default 7)")
    parser.add_argument("--faults", default="", metavar="LIST",
                        help="inject faults, comma-separated name=value (docs/sandbox.md#faults), "
                             "e.g. throttle=0.05,unavailable=0.02,latency_ms=20,seed=7")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def settings_path_segments(config: Path) -> list[str]:
    """``folders.path`` of the demo's campaign, as OneDrive path segments."""
    settings = load_settings(config, now=_local(WINDOW[0], 9), allow_past_window=True)
    return [safe_name(p) for p in settings.folders.path.split("/") if p.strip()]


def _local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE)


def _before(start: datetime) -> datetime:
    """9:00 on the last weekday at least a day before ``start`` (within the three days a prepare
    reminder is due)."""
    day = start.astimezone(ZONE).date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return max(_local(day, 9), start - timedelta(days=3))


def run(args: argparse.Namespace) -> int:
    try:
        faults = FaultSpec.parse(args.faults) if args.faults else None
    except FaultSpecError as err:
        print(f"samtal demo: --faults: {err}", file=sys.stderr)
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    progress = Progress(quiet=args.quiet)
    seed = generate_seed(args.people, seed=args.seed, window_start=WINDOW[0], window_end=WINDOW[1])
    seed["users"].append({"userPrincipalName": SENDER, "displayName": "HR Medarbetarsamtal",
                          "preferredLanguage": "sv-SE"})  # the mailbox HR owns that sends reminders
    seed["tenant"]["sendingLimits"] = {"messagesPerMinute": DEMO_SENDING.messages_per_minute}
    progress.say(f"samtal demo: a sandbox tenant with {args.people} generated people "
                 f"(seed {args.seed}{', faults ' + args.faults if args.faults else ''})")
    sandbox = Sandbox.from_seed(seed, faults=faults)
    os.environ.setdefault(SECRET_VARIABLE, "demo")
    with sandbox.serve(port=0) as server:
        config = out / "campaign.yaml"
        config.write_text(CAMPAIGN.format(graph_url=server.graph_url, port=server.port,
                                          state=out / "sandbox-state.json", config=config,
                                          start=WINDOW[0], end=WINDOW[1], secret=SECRET_VARIABLE,
                                          sender=SENDER),
                          encoding="utf-8")
        demo = _Demo(config, out, progress, People(server.url), random.Random(args.seed))
        final = demo.play()
        sandbox.save(out / "sandbox-state.json")
        requests_served = sandbox.stats().get("requests", 0)
    summary = demo.summary(final, requests_served)
    print(summary)
    progress.say(f"\nThe campaign file, documents, records.csv and summary.md are in {out}/")
    return 0


class _Demo:
    def __init__(self, config: Path, out: Path, progress: Progress, people: People,
                 rng: random.Random) -> None:
        self.config = config
        self.out = out
        self.progress = progress
        self.people = people
        self.rng = rng
        self.cache = LookCache(out / "cache.json")
        if self.cache.path is not None and self.cache.path.exists():
            self.cache.path.unlink()
            self.cache = LookCache(out / "cache.json")
        self.story: list[tuple[str, str]] = []

    def _pass(self, label: str, now: datetime, *, watch_all: bool = False) -> tuple[Settings, GraphClient, PassReport]:
        self.progress.say(f"\n== {label} ({now:%Y-%m-%d %H:%M}) ==")
        settings = load_settings(self.config, now=now, allow_past_window=True)
        client = open_client(settings, notices=wait_notices(self.progress.quiet), sending_limits=DEMO_SENDING)
        before = int(str(self.people.stats().get("requests", 0)))
        report = Reconciler(client, settings, now=now, cache=self.cache, progress=self.progress,
                            look_every=timedelta(hours=1), watch_all=watch_all).run()
        spent = int(str(self.people.stats().get("requests", 0))) - before
        done = Counter(a.what for a in report.actions)
        line = ", ".join(f"{n} {what}" for what, n in sorted(done.items())) or "nothing to do"
        line += f" ({spent} Graph requests)"
        self.story.append((label, line))
        self.progress.say(line)
        if report.retry_later:
            self.progress.say(f"{len(report.retry_later)} talk(s) left for the next run (passing problems)")
        return settings, client, report

    def play(self) -> list[Record]:
        start = _local(WINDOW[0] - timedelta(days=10), 9)
        _, client, report = self._pass("run 1: book every talk and prepare the folders", start)
        booked = [r for r in report.records if r.status is Status.SCHEDULED and r.event_id]

        declined = 0
        for record in booked:
            answer = "decline" if self.rng.random() < 0.12 else "accept"
            self.people.respond(record.employee_email or record.employee_id, record.event_id, answer)
            declined += answer == "decline"
        self.progress.say(f"\n{len(booked) - declined} people accepted their invitation, {declined} declined")
        self._pass("run 2: declined talks get a new time", start + timedelta(days=1), watch_all=True)
        _, _, report = self._pass("run 3: twenty minutes later, nothing new: a handful of requests",
                                  start + timedelta(days=1, minutes=20))
        first = min((r.meeting_start for r in report.records if r.meeting_start), default=None)
        if first is not None:
            self._pass("run 4: the first talks are days away: prepare reminders to their employees",
                       _before(first))

        end = _local(WINDOW[1] + timedelta(days=3), 9)
        settings = load_settings(self.config, now=end, allow_past_window=True)
        client = open_client(settings, notices=wait_notices(self.progress.quiet))
        filled = self._fill_forms(client, report.records)  # the records as they are after the moves
        self.progress.say(f"\nafter the talks, {filled} forms were filled in and confirmed in Word")
        _, client, report = self._pass("run 5: talks held, confirmed forms filed, reminders to whoever "
                                       "has not confirmed", end)
        self._save_documents(client, report.records)
        return report.records

    def _fill_forms(self, client: GraphClient, records: list[Record]) -> int:
        filled = 0
        with self.progress.step("people fill in forms", len(records)) as bar:
            for record in records:
                bar.update(1)
                if not (record.form_item_id and record.drive_id):
                    continue
                luck = self.rng.random()
                if luck < 0.07:
                    continue  # not started yet
                confirm = ("employee_confirmed", "manager_confirmed") if luck >= 0.15 else ("employee_confirmed",)
                data = client.drive.download(record.drive_id, record.form_item_id)
                texts = _answers(self.rng, record.language or "sv")
                data = wordsim.fill_form(data, texts, confirm=confirm, health_discussed=self.rng.random() < 0.8,
                                         day=record.meeting_start.astimezone(ZONE).date() if record.meeting_start else None)
                self.people.save_file(record.drive_id, record.form_item_id, data)
                filled += len(confirm) == 2
        return filled

    def _save_documents(self, client: GraphClient, records: list[Record]) -> None:
        docs = self.out / "documents"
        docs.mkdir(exist_ok=True)
        wanted = [r for r in records if r.drive_id and r.folder_id]
        with self.progress.step("saving the documents", len(wanted)) as bar:
            for record in wanted:
                bar.update(1)
                folder = docs / name_with_id(record.employee_name, record.employee_id, max_length=120)
                folder.mkdir(exist_ok=True)
                for child in client.drive.list_children(record.drive_id, record.folder_id):
                    if not child.is_folder:
                        (folder / safe_name(child.name)).write_bytes(
                            client.drive.download(record.drive_id, child.id))
        managers = sorted({r.manager_id for r in records if r.manager_id})
        segments = [p for p in settings_path_segments(self.config) if p]
        for manager_id in managers:  # the manager's guide and the team overview
            try:
                info = client.drive.get_user_drive(manager_id)
            except errors.GraphError:
                continue
            home = client.drive.get_item_by_path(info.id, segments)
            if home is None:
                continue
            name = next((r.manager_name for r in records if r.manager_id == manager_id), manager_id)
            target = docs / name_with_id(name, f"chef {manager_id}", max_length=120)
            for child in client.drive.list_children(info.id, home.id):
                if not child.is_folder:
                    target.mkdir(exist_ok=True)
                    (target / safe_name(child.name)).write_bytes(client.drive.download(info.id, child.id))
        write_records_csv(records, self.out / CSV_NAME)  # the same file samtal report writes

    def summary(self, records: list[Record], requests_served: object) -> str:
        counts = Counter(r.status.value for r in records)
        lines = ["# samtal demo", "", "## The campaign, run by run", ""]
        lines += [f"- {label}: {what}" for label, what in self.story]
        lines += ["", "## Records by status", "", "```",
                  table(["status", "talks"], [(s, counts.get(s, 0)) for s in ORDER] + [("total", len(records))],
                        width=SUMMARY_WIDTH),
                  "```", "", "## By department", "", "```", grouped(records, "department", width=SUMMARY_WIDTH), "```"]
        needs = attention(records)
        if needs:
            lines += ["", f"## Needs attention ({len(needs)})", "", "```",
                      table(["status", "employee", "reason"],
                            [(r.status.value, r.employee_name, r.note) for r in needs], width=SUMMARY_WIDTH),
                      "```"]
        lines += self._reminders()
        lines += ["", f"Graph requests served by the sandbox: {requests_served}", ""]
        text = "\n".join(lines)
        (self.out / "summary.md").write_text(text, encoding="utf-8")
        return text


    def _reminders(self) -> list[str]:
        """What the reminders' sender sent, by kind, and one of each kind as it landed in its
        recipient's inbox (read through the sandbox's control route)."""
        sent = self.people.inbox(SENDER, "sentitems")
        kinds: dict[str, list[dict[str, object]]] = {}
        for message in sent:
            kind = _kind(_tag(message))
            if kind:
                kinds.setdefault(kind, []).append(message)
        if not kinds:
            return []
        lines = ["", "## Reminders by e-mail", "",
                 f"{len(sent)} messages from {SENDER}: " + ", ".join(f"{len(kinds[k])} {k}" for k in _KINDS if k in kinds)]
        for kind in ("prepare", "confirm (to the manager)", "manager digest"):
            if kind not in kinds:
                continue
            message = kinds[kind][-1]  # the oldest of its kind
            to = _recipients(message)[0]
            landed = next((m for m in self.people.inbox(to) if m.get("internetMessageId") == message.get("internetMessageId")), None)
            if landed is None:
                continue
            text = alternatives(landed).get("text/plain") or _plain(landed)  # the plain-text alternative
            lines += ["", f"### A {kind} reminder, as it landed in {to}'s inbox", "", "```",
                      f"Subject: {landed['subject']}", "", text.strip(), "```"]
        return lines


_KINDS = ("prepare", "confirm (to the employee)", "confirm (to the manager)", "manager digest", "HR digest")


def _tag(message: dict[str, object]) -> str:
    props = message.get("singleValueExtendedProperties")
    for p in props if isinstance(props, list) else []:
        if isinstance(p, dict) and str(p.get("id", "")).endswith("samtalMailKey"):
            return str(p.get("value") or "")
    return ""


def _kind(tag: str) -> str:
    """The kind of reminder a tag (plugin/reminders_due.py) names."""
    parts = tag.split(":")
    if len(parts) < 4 or parts[0] != "rem":
        return ""
    return {"prepare": "prepare", "confirm-employee": "confirm (to the employee)",
            "confirm-manager": "confirm (to the manager)"}.get(
        parts[3], "manager digest" if parts[2] == "manager" else "HR digest" if parts[2] == "hr" else "")


def _recipients(message: dict[str, object]) -> list[str]:
    raw = message.get("toRecipients")
    return [str(r["emailAddress"]["address"]) for r in raw if isinstance(r, dict)] if isinstance(raw, list) else []


def _plain(message: dict[str, object]) -> str:
    """A message's HTML body as text: a paragraph a line, tags out."""
    body = message.get("body")
    content = str(body.get("content", "")) if isinstance(body, dict) else ""
    content = re.sub(r"<(head|style)\b.*?</\1>", "", content, flags=re.IGNORECASE | re.DOTALL)
    content = re.sub(r"</p>|<br\s*/?>|</li>|</tr>", "\n", content, flags=re.IGNORECASE)
    content = re.sub(r"<li>", "- ", content, flags=re.IGNORECASE)
    text = html.unescape(re.sub(r"<[^>]+>", " ", content))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


_ANSWERS = {
    "sv": {
        "previous_goals_followup": ["Förra årets mål är till största delen uppnådda.",
                                    "- Kursutvecklingen blev klar\n- Handledarutbildningen återstår"],
        "goals": ["- Utveckla kursen i linjär algebra\n- Ta fram en ny forskningsansökan",
                  "- Införa det nya ärendesystemet\n- Minska övertiden"],
        "development_plan": ["Högskolepedagogisk kurs under hösten.", "Mentorsprogram och en konferens."],
        "competence_needs": ["Handledning av doktorander", "Projektledning", "Programmering i Python"],
        "expectations": ["Tydliga prioriteringar och regelbundna avstämningar."],
    },
    "en": {
        "previous_goals_followup": ["Most of last year's goals were reached.",
                                    "- The course redesign is done\n- Supervisor training remains"],
        "goals": ["- Develop the linear algebra course\n- Write a new grant application",
                  "- Roll out the new case system\n- Reduce overtime"],
        "development_plan": ["A course in teaching in higher education this autumn.", "Mentoring and one conference."],
        "competence_needs": ["Supervising doctoral students", "Project management", "Programming in Python"],
        "expectations": ["Clear priorities and regular check-ins."],
    },
}


def _answers(rng: random.Random, language: str) -> dict[str, str]:
    table_ = _ANSWERS["en" if language == "en" else "sv"]
    texts = {tag: rng.choice(options) for tag, options in table_.items()}
    texts["health_notes"] = "Discussed workload." if language == "en" else "Vi pratade om arbetsbelastningen."
    texts["manager_feedback"] = "Good support." if language == "en" else "Bra stöd från chefen."
    return texts
