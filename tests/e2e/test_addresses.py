"""Addresses that two accounts claim: mail addresses that differ only in case, or one
user's mail equal to another's UPN, as synchronised directories produce them. The round goes on:
the accounts in the clash (and the reports of a manager in one) are ``failed`` with the clash
named, everyone else is booked, and once the directory is fixed they are booked too."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.checks import check_round, items_by_key, talk_events
from tests.e2e.conftest import NOW, ServeFactory


def _user(upn: str, name: str, manager: str | None = None, **more: Any) -> dict[str, Any]:
    user: dict[str, Any] = {"userPrincipalName": upn, "displayName": name, "department": "Avdelningen",
                            "preferredLanguage": "sv-SE", **more}
    if manager:
        user["manager"] = manager
    return user


CLASHES = {
    # (a) two accounts whose mail differs only in case
    "case": [_user("kim.ek1@example.se", "Kim Ek", "boss@example.se", mail="Kim.Ek@example.se"),
             _user("kim.ek2@example.se", "Kim Ek", "boss@example.se", mail="kim.ek@example.se")],
    # (b) one account's mail is another's UPN, and that other account manages two people
    "upn": [_user("per.lind@example.se", "Per Lind", "head@example.se"),
            _user("pia.lind@example.se", "Pia Lind", "boss@example.se", mail="per.lind@example.se"),
            _user("anna.ek@example.se", "Anna Ek", "per.lind@example.se"),
            _user("bertil.ek@example.se", "Bertil Ek", "per.lind@example.se")],
}
FAILED = {"case": {"kim.ek1@example.se", "kim.ek2@example.se"},
          "upn": {"per.lind@example.se", "pia.lind@example.se", "anna.ek@example.se", "bertil.ek@example.se"}}
BOOKED = {"boss@example.se", "person0@example.se", "person1@example.se", "person2@example.se"}


def clash_seed(*kinds: str) -> dict[str, Any]:
    users = [
        _user("head@example.se", "Hedda Head"),
        _user("boss@example.se", "Bo Boss", "head@example.se"),
        *(_user(f"person{n}@example.se", f"Person {n}", "boss@example.se") for n in range(3)),
        *(user for kind in kinds for user in CLASHES[kind]),
    ]
    return {"tenant": {"domain": "example.se"}, "users": users,
            "sites": [{"path": "/sites/hr", "displayName": "HR"}]}


def by_upn(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {state["users"][f["EmployeeId"]]["userPrincipalName"]: f for f in items_by_key(state).values()}


@pytest.mark.parametrize("kind", sorted(CLASHES))
def test_one_clash_fails_its_people_and_the_pass_books_the_others(serve_tenant: ServeFactory, kind: str) -> None:
    served = serve_tenant(clash_seed(kind))
    report = served.run(NOW)
    assert not report.retry_later
    state = served.state()
    f = by_upn(state)
    assert {upn for upn, item in f.items() if item["Status"] == "scheduled"} == BOOKED
    assert {upn for upn, item in f.items() if item["Status"] == "failed"} == FAILED[kind] | {"head@example.se"}
    check_round(served, state)


def test_a_clash_of_addresses_fails_those_people_and_books_everyone_else(serve_tenant: ServeFactory) -> None:
    served = serve_tenant(clash_seed("case", "upn"))
    report = served.run(NOW)
    assert not report.retry_later
    state = served.state()
    ids = {u["userPrincipalName"]: u["id"] for u in state["users"].values()}
    f = by_upn(state)
    booked = BOOKED
    assert {upn for upn, item in f.items() if item["Status"] == "scheduled"} == booked
    # each side of a clash names the other account (its UPN and object id) and the address
    for upn, other, address in (("kim.ek1@example.se", "kim.ek2@example.se", "kim.ek@example.se"),
                                ("kim.ek2@example.se", "kim.ek1@example.se", "kim.ek@example.se"),
                                ("pia.lind@example.se", "per.lind@example.se", "per.lind@example.se"),
                                ("per.lind@example.se", "pia.lind@example.se", "per.lind@example.se")):
        note = f[upn]["Note"]
        assert f[upn]["Status"] == "failed", (upn, f[upn]["Status"])
        assert other in note and ids[other] in note and address in note.lower(), (upn, note)
    for upn in ("anna.ek@example.se", "bertil.ek@example.se"):  # their manager is in a clash
        note = f[upn]["Note"]
        assert f[upn]["Status"] == "failed" and "manager" in note and "pia.lind@example.se" in note, (upn, note)
    check_round(served, state)

    # the round goes on around them: a decline is moved, and the failed stay as they are
    talk = f["person0@example.se"]
    served.people.respond(talk["EmployeeEmail"], talk["EventId"], "decline")
    report = served.run(NOW + timedelta(hours=1), watch_all=True)
    assert {a.what for a in report.actions} == {"declined", "move (declined)"}
    after = by_upn(served.state())
    assert after["person0@example.se"]["EventId"] == talk["EventId"]
    assert after["person0@example.se"]["MeetingStart"] != talk["MeetingStart"]
    assert {u: after[u]["Note"] for u in f if f[u]["Status"] == "failed"} == \
        {u: f[u]["Note"] for u in f if f[u]["Status"] == "failed"}

    # HR gives Pia her own address: Per, Pia and Per's reports are booked in the next pass
    response = served.control("PUT", "users/pia.lind@example.se/mail", json={"mail": "pia.lind@example.se"})
    assert response.status_code == 204
    report = served.run(NOW + timedelta(hours=2), watch_all=True)
    assert not report.retry_later
    state = served.state()
    f = by_upn(state)
    fixed = {"per.lind@example.se", "pia.lind@example.se", "anna.ek@example.se", "bertil.ek@example.se"}
    assert {upn for upn, item in f.items() if item["Status"] == "scheduled"} == booked | fixed
    assert {f[u]["Status"] for u in ("kim.ek1@example.se", "kim.ek2@example.se")} == {"failed"}
    events = talk_events(state)
    assert events[f["anna.ek@example.se"]["Key"]][0][0] == ids["per.lind@example.se"]
    assert f["pia.lind@example.se"]["EmployeeEmail"] == "pia.lind@example.se"
    check_round(served, state)

    # and a talk moves to Per, now a manager with an address of his own
    response = served.control("PUT", "users/person1@example.se/manager", json={"manager": "per.lind@example.se"})
    assert response.status_code == 204
    report = served.run(NOW + timedelta(days=1))
    assert [a.what for a in report.actions] == ["move to the new manager"]
    state = served.state()
    assert by_upn(state)["person1@example.se"]["ManagerId"] == ids["per.lind@example.se"]
    check_round(served, state)
