"""``samtal status``: how far the campaign has come, per department and per manager, and who
needs attention — read from the records list only (it writes nothing).

Exit status: 0 every talk is on track; 1 some talks need a person's attention (unschedulable,
failed, declined without a new time, or held for review: a form found but not filed, the reason
in the note), or the records could not be read; 2 bad settings or
arguments (also: ``--manager`` matches no one, or several people); 3 an administrator must act
first. With ``--manager`` the status concerns that manager's talks only. The e-mail reminders
each talk's record counts are shown (``--manager``: per talk; else in all, and per talk that
needs attention).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from connectors.graph import errors
from connectors.graph.addresses import address_key, id_key
from plugin.commands.common import add_config_arguments, exit_status_of, load_from_args, wait_notices
from plugin.records import Record, Status
from plugin.store import RecordStore
from plugin.tables import table
from plugin.tenant import open_client
from plugin.upcoming import describe, disposal_ahead

ORDER = [s.value for s in (Status.SCHEDULED, Status.DECLINED, Status.HELD, Status.FILED,
                           Status.UNSCHEDULABLE, Status.FAILED, Status.EXCLUDED)]
ATTENTION = (Status.UNSCHEDULABLE, Status.FAILED, Status.DECLINED)
EXIT_ATTENTION = 1
EXIT_CONSENT = 3
EXIT_BAD_INPUT = 2
EXIT_CODES = """exit status:
  0  every talk (of the manager, with --manager) is on track
  1  some talks need a person's attention (unschedulable, failed, declined, form held for
     review), or Graph failed
  2  bad settings or arguments; --manager matches no one, or more than one manager
  3  an administrator must act first (consent, credentials)
  5  Graph or Entra ID cannot be reached (network down, or a wrong tenant.graph_url)"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EXIT_CODES
    add_config_arguments(parser)
    parser.add_argument("--manager", metavar="NAME_OR_EMAIL", default=None,
                        help="one manager's talks, one per line (display name, e-mail or object id)")
    parser.add_argument("--by", choices=("department", "manager", "both"), default="both",
                        help="group the counts by department, by manager, or both (default)")


def load_records(args: argparse.Namespace) -> tuple[list[Record] | None, int]:
    settings = load_from_args(args, allow_past_window=True)
    try:
        client = open_client(settings, notices=wait_notices())
        store = RecordStore.open_existing(client.lists, settings.records.site, settings.records.list)
        if store is None:
            print(f"no records yet: the list {settings.records.list!r} does not exist on "
                  f"{settings.records.site} (samtal run creates it)")
            return [], 0
        args.records_store = store  # for the disposal ahead (retention_lines), without opening it again
        return list(store.load(settings.campaign.id).values()), 0
    except errors.GraphError as err:
        print(f"samtal: {err}", file=sys.stderr)
        return None, exit_status_of(err)


def grouped(records: Iterable[Record], key: str, *, width: int | None = None) -> str:
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        name = (r.department if key == "department" else r.manager_name or r.manager_email) or "(none)"
        groups[name][r.status.value] += 1
    rows = []
    for name in sorted(groups):
        c = groups[name]
        rows.append([name, *(c.get(s, 0) for s in ORDER), sum(c.values())])
    return table([key, *ORDER, "total"], rows, width=width)


def attention(records: Iterable[Record]) -> list[Record]:
    """Talks a person has to act on: by status, or held for review (a form not filed)."""
    return sorted((r for r in records if r.status in ATTENTION or r.held_for_review),
                  key=lambda r: (r.status.value, r.manager_name, r.employee_name))


def managed_by(records: Iterable[Record], who: str) -> tuple[list[Record], list[str]]:
    """The records of the manager ``who`` names (display name, e-mail or id, any case), and
    the managers matched (more than one: the name is ambiguous)."""
    name, key = who.strip().casefold(), address_key(who)
    mine = [r for r in records if key and (name == r.manager_name.casefold() or key in (
        address_key(r.manager_email), id_key(r.manager_id)))]
    return mine, sorted({r.manager_id or r.manager_email for r in mine})


def reminders_of(r: Record, zone: ZoneInfo) -> str:
    """``2, last 2027-02-22``: the e-mail reminders the talk's record counts; "-" for none."""
    if not r.reminders_sent:
        return "-"
    last = f", last {r.last_reminder_at.astimezone(zone):%Y-%m-%d}" if r.last_reminder_at else ""
    return f"{r.reminders_sent}{last}"


def manager_view(records: list[Record], zone: ZoneInfo) -> str:
    def when(r: Record) -> str:
        return r.meeting_start.astimezone(zone).strftime("%Y-%m-%d %H:%M") if r.meeting_start else "-"
    rows = [(r.employee_name, r.status.value, when(r), reminders_of(r, zone), r.note)
            for r in sorted(records, key=lambda r: (r.meeting_start is None, r.meeting_start, r.employee_name))]
    return table(["employee", "status", "meeting", "reminders", "note"], rows)


def reminders_line(records: list[Record], zone: ZoneInfo) -> str:
    """How many e-mail reminders the records count, to how many talks; "" when none."""
    reminded = [r for r in records if r.reminders_sent]
    if not reminded:
        return ""
    last = max((r.last_reminder_at for r in reminded if r.last_reminder_at), default=None)
    when = f", the last on {last.astimezone(zone):%Y-%m-%d}" if last else ""
    return (f"reminders sent: {sum(r.reminders_sent for r in reminded)} to {len(reminded)} "
            f"talk{'s' if len(reminded) != 1 else ''}{when}")


def retention_lines(args: argparse.Namespace) -> list[str]:
    """What passes its retention within 30 days, in other campaigns (:mod:`plugin.upcoming`);
    nothing when the records list was not opened. A read that fails is said, not fatal."""
    store: RecordStore | None = getattr(args, "records_store", None)
    if store is None:
        return []
    settings = load_from_args(args, allow_past_window=True)
    try:
        return describe(disposal_ahead(store, settings),
                        settings.now.astimezone(settings.meetings.zone.tzinfo).date())
    except errors.GraphError as err:
        print(f"samtal: the disposal ahead could not be read: {err}", file=sys.stderr)
        return []


def run(args: argparse.Namespace) -> int:
    records, code = load_records(args)
    if records is None:
        return code
    if getattr(args, "manager", None):
        mine, managers = managed_by(records, args.manager)
        if not mine:
            print(f"samtal status: no talks of a manager {args.manager!r} in this campaign", file=sys.stderr)
            return EXIT_BAD_INPUT
        if len(managers) > 1:
            print(f"samtal status: {args.manager!r} names {len(managers)} managers; give the e-mail "
                  "address instead", file=sys.stderr)
            return EXIT_BAD_INPUT
        settings = load_from_args(args, allow_past_window=True)
        print(manager_view(mine, settings.meetings.zone.tzinfo))
        return EXIT_ATTENTION if attention(mine) else 0
    zone = load_from_args(args, allow_past_window=True).meetings.zone.tzinfo
    total = Counter(r.status.value for r in records)
    print(table(["status", "talks"], [(s, total.get(s, 0)) for s in ORDER] + [("total", len(records))]))
    for key in (("department", "manager") if args.by == "both" else (args.by,)):
        print()
        print(grouped(records, key))
    sent = reminders_line(records, zone)
    if sent:
        print(f"\n{sent}")
    ahead = retention_lines(args)
    if ahead:
        print()
        print("\n".join(ahead))
    needs = attention(records)
    if needs:
        print(f"\nneeds attention ({len(needs)}):")
        print(table(["status", "employee", "manager", "reminders", "reason"],
                    [(r.status.value, r.employee_name, r.manager_name, reminders_of(r, zone), r.note)
                     for r in needs]))
        return EXIT_ATTENTION
    return 0
