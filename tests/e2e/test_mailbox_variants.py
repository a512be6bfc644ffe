"""Mailboxes samtal cannot use (docs/sandbox.md#user-variants, docs/failures.md#a6): one on an
Exchange server on-premises (``mailbox: onprem``, MailboxNotEnabledForRESTAPI) and one outside the
app's Exchange application access policy (``mailbox: restricted``, 403 ErrorAccessDenied), of an
employee and of a manager. Whoever samtal cannot book ends ``failed`` with the reason README's
troubleshooting table names; an employee outside the policy is booked all the same, since
samtal writes only the manager's calendar; and the pass goes on for everyone else."""
from __future__ import annotations

from typing import Any

from tests.e2e.checks import check_round, items_by_key, talk_events
from tests.e2e.conftest import NOW, ServeFactory, team_seed

NO_MAILBOX = "no Exchange Online mailbox samtal can read (5009)"
OUTSIDE = "the mailbox is outside the app's Exchange application access policy (ErrorAccessDenied)"


def _seed() -> dict[str, Any]:
    seed = team_seed(4)
    users = seed["users"]
    users[3]["mailbox"] = "onprem"        # Person 0
    users[4]["mailbox"] = "restricted"    # Person 1
    users[2]["mailbox"] = "restricted"    # Olga Other, a manager
    users.append({"userPrincipalName": "third.boss@example.se", "displayName": "Tor Third",
                  "manager": "head@example.se", "department": "Avdelningen", "mailbox": "onprem"})
    for n, boss in ((5, "other.boss"), (6, "other.boss"), (7, "third.boss")):
        users.append({"userPrincipalName": f"person{n}@example.se", "displayName": f"Person {n}",
                      "manager": f"{boss}@example.se", "department": "Avdelningen"})
    # Olga and Tor come first among the addresses free/busy is asked for: the mailbox asked
    # through is one samtal cannot use, and another asks instead
    users[2]["userPrincipalName"] = "a.other.boss@example.se"
    users[-3]["manager"] = users[-2]["manager"] = "a.other.boss@example.se"
    return seed


def test_mailboxes_samtal_cannot_use_fail_their_talks_with_the_reason_and_nothing_else(
        serve_tenant: ServeFactory) -> None:
    served = serve_tenant(_seed())
    served.run(NOW)
    state = served.state()
    items = check_round(served, state)
    by_name = {f["Title"]: f for f in items.values()}
    assert by_name["Person 0"]["Status"] == "failed" and by_name["Person 0"]["Note"] == NO_MAILBOX
    assert by_name["Tor Third"]["Status"] == "failed" and by_name["Tor Third"]["Note"] == NO_MAILBOX
    assert by_name["Person 7"]["Note"] == f"the manager's calendar cannot be read: {NO_MAILBOX}"
    for name in ("Person 5", "Person 6"):
        assert by_name[name]["Status"] == "failed"
        assert by_name[name]["Note"] == f"the manager's calendar cannot be read: {OUTSIDE}"
    # an employee outside the policy: booked in the manager's calendar, invited as anyone
    rut = by_name["Person 1"]
    assert rut["Status"] == "scheduled", rut["Note"]
    copies = [ev for ev in state["events"][rut["EmployeeId"]].values() if not ev["isOrganizer"]]
    assert len(copies) == 1 and not copies[0]["isCancelled"]
    # a manager outside the policy is booked as an employee (her manager's calendar is used)
    assert by_name["Olga Other"]["Status"] == "scheduled"
    for name in ("Bo Boss", "Person 2", "Person 3"):
        assert by_name[name]["Status"] == "scheduled", (name, by_name[name]["Note"])
    # nothing was written for the failed talks: no meeting, no folder
    failed = [f for f in items.values() if f["Status"] == "failed"]
    assert not any(talk_events(state).get(f["Key"]) for f in failed)
    assert not any(f["DriveId"] for f in failed)
    # and a later pass leaves them as they are
    served.run(NOW.replace(hour=15))
    assert {k: (f["Status"], f["Note"]) for k, f in items_by_key(served.state()).items()} == \
        {k: (f["Status"], f["Note"]) for k, f in items.items()}
