"""``samtal doctor``: check a tenant before the first run — one cheap call per capability.

It reports, one line each: the token (``invalid_auth``), the consented permissions against
``manifest.yaml`` (``missing_permission``), the records site and list (``not_found``), the
directory, a sample of mailboxes and OneDrives, the campaign's time zone against the
mailboxes', and whether reminders are on (and can use their sender's mailbox). It writes nothing, unless ``--write-check UPN`` asks it to write (and delete again)
a test event, a test file and a test list item, and to create the records list when it is
missing (:mod:`plugin.write_check`). Exit status: 0 all good, 1 problems found (a write step
that failed among them), 2 bad settings,
3 no token at all, 5 Graph or Entra ID cannot be reached (``unreachable``: the network, or a
wrong ``tenant.graph_url`` / ``tenant.authority``; the checks after it are not tried).
"""
from __future__ import annotations

import argparse
import itertools
from datetime import timedelta
from collections.abc import Callable
from dataclasses import dataclass, field

from connectors.cli_options import whole
from connectors.graph import errors
from connectors.graph.client import GraphClient
from connectors.graph.addresses import address_key
from connectors.graph.calendar_records import Schedule
from connectors.graph.directory import User
from connectors.timezones import UnknownTimeZone, same_zone
from plugin.commands.common import EXIT_UNREACHABLE, add_config_arguments, load_from_args, wait_notices
from plugin.commands.window import refuse_unbooked_past_window
from plugin.manifest import load_manifest
from plugin.planning import cannot_ask, schedule_window
from plugin.scheduling.rules import rules_from_settings
from plugin.settings import Settings
from plugin.store import RecordStore
from plugin.talks import address_of
from plugin.tenant import open_client
from plugin.write_check import WriteCheck, advice

EXIT_PROBLEMS = 1
EXIT_NO_TOKEN = 3
MAX_SAMPLE = 100
UNREACHABLE = "unreachable"


@dataclass
class Findings:
    lines: list[tuple[bool, str, str]] = field(default_factory=list)  # (ok, check, message)

    def ok(self, check: str, message: str) -> None:
        self.lines.append((True, check, message))

    def bad(self, check: str, code: str, message: str) -> None:
        self.lines.append((False, check, f"{code}: {message}"))

    @property
    def unreachable(self) -> bool:
        """Whether a check could not reach Graph or Entra ID at all (the rest would not either)."""
        return any(not ok and msg.startswith(UNREACHABLE + ":") for ok, _, msg in self.lines)

    @property
    def problems(self) -> int:
        return sum(1 for ok, _, _ in self.lines if not ok)

    def render(self) -> str:
        return "\n".join(f"{'ok ' if ok else 'BAD'}  {check:<12} {msg}" for ok, check, msg in self.lines)


def configure(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument("--sample", type=whole(1, MAX_SAMPLE), default=5, metavar="N",
                        help=f"how many in-scope users' mailboxes and OneDrives to try (default 5, "
                             f"at most {MAX_SAMPLE})")
    parser.add_argument("--write-check", metavar="UPN", default=None,
                        help="also write and delete a test event in UPN's calendar, a test file below "
                             "folders.path in UPN's OneDrive and a test item in the records list "
                             "(created with its columns when missing); removes what an interrupted "
                             "check left")


def check_permissions(client: GraphClient, findings: Findings, settings: Settings | None = None) -> None:
    """The token's roles against manifest.yaml's permissions this campaign needs (those only
    reminders need, only when ``reminders.sender`` is set). A reminders permission missing from
    the token is left to :func:`check_reminders`: Exchange RBAC for Applications grants it
    outside the token."""
    manifest = load_manifest()
    roles = client.granted_roles()
    if roles is None:
        findings.ok("permissions", "not checked: a plain-HTTP sandbox accepts any token")
        return
    needed = [p for p in manifest.permissions if p.needed(settings)]
    missing = [p for p in needed if p.name not in roles and not (p.alternative and p.alternative in roles)
               and p.only_when is None]
    if missing:
        for p in missing:
            findings.bad("permissions", "missing_permission",
                         f"{p.name} is not consented ({p.reason.split('.')[0]}); grant admin consent")
    else:
        findings.ok("permissions", "granted: " + ", ".join(p.name for p in needed if p.name in roles
                                                           or (p.alternative and p.alternative in roles)))


def check_reminders(client: GraphClient, settings: Settings, findings: Findings) -> None:
    """Whether reminders are on and, when they are, whether samtal can use the sender's mailbox:
    its Drafts and Sent Items are looked at for a tag no reminder has (nothing is written and
    nothing is sent, also with ``--write-check``)."""
    sender = settings.reminders.sender
    if sender is None:
        findings.ok("reminders", "off (no reminders.sender): Mail.Send and Mail.ReadWrite are not needed")
        return
    client.mail.find_tagged(sender, [f"rem:{settings.campaign.id}:~doctor-check"])
    roles = client.granted_roles()
    mail = [p.name for p in load_manifest().permissions if p.only_when is not None]
    absent = [] if roles is None else [name for name in mail if name not in roles]
    said = f"on: sent from {sender}, whose Drafts and Sent Items samtal can read"
    if absent:
        said += (f"; {' and '.join(absent)} not in the token, so sending relies on an Exchange role "
                 "assignment (RBAC for Applications: Application Mail.Send, Application Mail.ReadWrite), "
                 "which doctor cannot check without sending a message")
    elif roles is not None:
        said += "; Mail.Send and Mail.ReadWrite are consented"
    findings.ok("reminders", said)


def _step(findings: Findings, check: str, work: Callable[[], None], area: str | None = None) -> bool:
    """Run one check; a failure becomes its line. With ``area`` (see
    :func:`plugin.write_check.advice`), a refusal or a miss says what to do about it there."""
    try:
        work()
        return True
    except errors.Unreachable as err:
        findings.bad(check, UNREACHABLE, str(err))
    except errors.NotFound as err:
        findings.bad(check, "not_found", _told(err, area))
    except errors.GraphError as err:
        code = "missing_permission" if err.outcome is errors.Outcome.NEEDS_CONSENT else "error"
        findings.bad(check, code, _told(err, area))
    return False


def _told(err: errors.GraphError, area: str | None) -> str:
    text = str(err)
    if area is None or not isinstance(err, (errors.Forbidden, errors.Unauthorized, errors.NotFound)):
        return text
    if err.hint:
        text = text.replace(f" — {err.hint}", "")
    return f"{text} — what to do: {advice(err, area)}"


def diagnose(client: GraphClient, settings: Settings, sample: int) -> Findings:
    f = Findings()
    try:
        client.granted_roles()
    except errors.AuthError as err:
        f.bad("token", "invalid_auth", str(err))
        return f
    except errors.Unreachable as err:
        f.bad("token", UNREACHABLE, str(err))
        return f
    f.ok("token", "sandbox static token" if client.is_sandbox
         else f"Entra ID issued a token for app {settings.tenant.client_id}")
    if not _step(f, "permissions", lambda: check_permissions(client, f, settings)) and f.unreachable:
        return f
    _step(f, "reminders", lambda: check_reminders(client, settings, f))

    def site_and_list() -> None:
        store = RecordStore.open_existing(client.lists, settings.records.site, settings.records.list)
        f.ok("site", f"{settings.records.site} reachable")
        if store is None:
            f.ok("list", f"{settings.records.list!r} does not exist yet; samtal run creates it")
        else:
            unindexed = [n for n in ("Key", "Campaign", "EmployeeId", "Status")
                         if n in store.info.columns and not store.info.columns[n].indexed]
            if unindexed:
                f.bad("list", "not_indexed", f"columns {', '.join(unindexed)} are not indexed; samtal run fixes it")
            else:
                f.ok("list", f"{settings.records.list!r} exists with {len(store.info.columns)} columns")
    if not _step(f, "site", site_and_list, area="site") and f.unreachable:
        return f

    people: list[User] = []

    def directory() -> None:
        users = client.directory.list_users()
        for user in itertools.islice(users, 2000):
            if user.manager_id and user.account_enabled is not False and not user.is_guest:
                people.append(user)
                if len(people) >= sample:
                    break
        f.ok("directory", f"users readable with managers ({len(people)} sampled)")
    if not _step(f, "directory", directory) or not people:
        return f

    zone = settings.meetings.zone
    f.ok("time zone", f"campaign zone {zone.iana} is {zone.windows} for Outlook")

    def mailboxes() -> None:
        start, _ = schedule_window(rules_from_settings(settings))
        end = start + timedelta(days=7)  # a week is enough to see that the mailbox answers
        addresses = [address_of(u) for u in people]
        schedules: dict[str, Schedule] = {}
        for asker in people:  # through the first mailbox that can ask (plugin/planning.py)
            try:
                schedules = {address_key(k): v for k, v in
                             client.calendar.get_schedules(asker.id, addresses, start, end).items()}
                break
            except (errors.NotFound, errors.Forbidden) as err:
                if not cannot_ask(err):
                    raise
        answers = [schedules.get(address_key(a)) for a in addresses]
        bad = [a for a, answer in zip(addresses, answers) if answer is None or answer.error]
        if bad:
            f.bad("mailboxes", "not_found", f"{len(bad)} of {len(addresses)} sampled mailboxes do not "
                  "answer free/busy (no Exchange Online mailbox, or outside the access policy)")
        else:
            f.ok("mailboxes", f"{len(addresses)} of {len(addresses)} sampled mailboxes answer free/busy")
        other = set()
        for sched in schedules.values():
            wh = sched.working_hours
            if wh is not None and wh.custom is None:
                try:
                    if not same_zone(wh.time_zone, zone.iana):
                        other.add(wh.time_zone)
                except UnknownTimeZone:
                    other.add(wh.time_zone)
        if other:
            f.ok("time zone", "some mailboxes work in other zones (" + ", ".join(sorted(other))
                 + "); samtal plans in each person's own hours")
    _step(f, "mailboxes", mailboxes)

    def drives() -> None:
        missing = 0
        for user in people:
            try:
                client.drive.get_user_drive(user.id)
            except errors.DriveNotProvisioned:
                missing += 1
        reached = len(people) - missing
        message = f"{reached} of {len(people)} sampled OneDrives reachable"
        if missing:
            message += (f"; {missing} without a OneDrive, never provisioned or none to find (their "
                        "folders go to the manager's OneDrive)")
        f.ok("drives", message)
    _step(f, "drives", drives)
    return f


def write_check(client: GraphClient, settings: Settings, upn: str, findings: Findings) -> None:
    """``--write-check UPN``: each step of :class:`plugin.write_check.WriteCheck` as a line."""
    for step in WriteCheck(client, settings, upn).run():
        if step.ok:
            findings.ok(step.name, step.text())
        else:
            findings.bad(step.name, step.code or "failed", step.text())


def run(args: argparse.Namespace) -> int:
    settings = load_from_args(args, allow_past_window=True)
    window = f"{settings.campaign.window.start} to {settings.campaign.window.end}"
    try:  # the same rule as run and plan: a window over with nothing booked is a mistyped year
        if refuse_unbooked_past_window(args, settings):
            window += "; the window is over, and run goes on with the talks it booked"
    except errors.GraphError:
        window += ("; the window is over: run and plan refuse it unless the campaign booked talks, "
                   "which could not be checked (see below)")
    print(f"ok   settings     {args.config} is valid (campaign {settings.campaign.id}, {window})")
    try:
        client = open_client(settings, notices=wait_notices())
    except errors.AuthError as err:
        print(f"BAD  token        invalid_auth: {err}")
        return EXIT_NO_TOKEN
    except errors.Unreachable as err:
        print(f"BAD  token        {UNREACHABLE}: {err}")
        return EXIT_UNREACHABLE
    findings = diagnose(client, settings, args.sample)
    token_ok = not any(check == "token" and not ok for ok, check, _ in findings.lines)
    if args.write_check and token_ok and not findings.unreachable:
        write_check(client, settings, args.write_check, findings)
    print(findings.render())
    if findings.unreachable:
        return EXIT_UNREACHABLE
    if any(check == "token" and not ok for ok, check, _ in findings.lines):
        return EXIT_NO_TOKEN
    return EXIT_PROBLEMS if findings.problems else 0
