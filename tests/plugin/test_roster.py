"""Who gets a talk: every awkward directory case ends as a talk, excluded or failed with a reason."""
from __future__ import annotations

from connectors.graph.directory import User
from plugin.records import Status
from plugin.roster import build_roster
from plugin.settings_sections import ScopeSettings


def u(id, manager=None, **kw):
    return User(id=id, display_name=kw.pop("name", id.upper()), upn=f"{id}@example.se",
                mail=kw.pop("mail", f"{id}@example.se"), manager_id=manager, account_enabled=kw.pop("enabled", True),
                user_type=kw.pop("type", "Member"), department=kw.pop("department", "Matematik"), **kw)


def scope(**kw):
    base = dict(departments=(), exclude_departments=(), exclude_users=())
    base.update(kw)
    return ScopeSettings(**base)


def by_id(entries):
    return {e.employee.id: e for e in entries}


def test_awkward_cases_each_get_a_status_and_reason():
    users = [
        u("head"), u("boss", "head"), u("ann", "boss"), u("guest", "boss", type="Guest"),
        u("off", "boss", enabled=False), u("selfie", "selfie"), u("c1", "c2"), u("c2", "c1"),
        u("lost", "nobody"), u("underdisabled", "off"), u("dup1", "boss", name="Anna Berg"),
        u("dup2", "boss", name="Anna Berg"),
    ]
    e = by_id(build_roster(users, scope()))
    assert e["ann"].in_round and e["ann"].manager.id == "boss"
    assert e["boss"].in_round and e["boss"].manager.id == "head"  # a manager is also a report
    assert (e["head"].status, "no manager") == (Status.FAILED, e["head"].reason[:10])
    assert e["guest"].status is Status.EXCLUDED and "guest" in e["guest"].reason
    assert e["off"].status is Status.EXCLUDED and "disabled" in e["off"].reason
    assert e["selfie"].status is Status.FAILED and "own manager" in e["selfie"].reason
    assert e["c1"].status is Status.FAILED and "cycle (C1 → C2 → C1)" in e["c1"].reason
    assert e["c2"].status is Status.FAILED
    assert e["lost"].status is Status.FAILED and "not a user" in e["lost"].reason
    assert e["underdisabled"].status is Status.FAILED and "disabled" in e["underdisabled"].reason
    assert e["dup1"].in_round and e["dup2"].in_round
    assert len(e) == len(users)


def test_scope_filters():
    users = [u("head"), u("a", "head", department="Fysik"), u("b", "head"), u("c", "head")]
    e = by_id(build_roster(users, scope(departments=("Matematik",), exclude_users=("c@example.se",))))
    assert e["a"].status is Status.EXCLUDED and "scope.departments" in e["a"].reason
    assert e["b"].in_round
    assert e["c"].status is Status.EXCLUDED and "exclude_users" in e["c"].reason
    e = by_id(build_roster(users, scope(exclude_departments=("fysik",))))
    assert e["a"].status is Status.EXCLUDED and "exclude_departments" in e["a"].reason


def test_order_is_stable():
    users = [u("z", "m"), u("m"), u("a", "m")]
    assert [x.employee.id for x in build_roster(users, scope())] == ["a", "m", "z"]


def test_an_address_two_accounts_hold_fails_both_and_the_reports_of_a_manager_among_them():
    users = [
        u("head"), u("boss", "head"), u("ann", "boss"),
        # mail addresses that differ only in case
        u("kim1", "boss", mail="Kim.Ek@example.se"), u("kim2", "boss", mail="kim.ek@EXAMPLE.se"),
        # one account's mail is another's UPN (in another case); that other account manages two
        u("per", "head"), u("pia", "boss", mail="PER@example.se"), u("rep1", "per"), u("rep2", "per"),
        # the same address twice on one account is no clash
        u("solo", "boss", mail="SOLO@example.se"),
    ]
    e = by_id(build_roster(users, scope()))
    assert {k for k, x in e.items() if x.in_round} == {"boss", "ann", "solo"}
    for who, other, address in (("kim1", "kim2", "Kim.Ek@example.se"), ("kim2", "kim1", "kim.ek@EXAMPLE.se"),
                                ("per", "pia", "per@example.se"), ("pia", "per", "PER@example.se")):
        reason = e[who].reason
        assert e[who].status is Status.FAILED and reason.startswith("address clash: " + address), reason
        assert f"{other}@example.se (object id {other})" in reason, reason  # the other account, by UPN and id
    assert "is also the mail of kim2@example.se" in e["kim1"].reason
    assert "is also the mail of per@example.se" not in e["pia"].reason
    assert "is also the UPN and mail of per@example.se" in e["pia"].reason
    assert "is also the mail of pia@example.se" in e["per"].reason
    for rep in ("rep1", "rep2"):
        reason = e[rep].reason
        assert e[rep].status is Status.FAILED and reason.startswith("the manager's address clashes"), reason
        assert "pia@example.se (object id pia)" in reason and "object id per" in reason
    assert "Entra ID" in e["kim1"].reason and "Entra ID" in e["rep1"].reason  # what to fix, and where


def test_an_account_out_of_the_round_still_holds_its_address():
    users = [u("head"), u("boss", "head"), u("old", "boss", enabled=False, mail="ann@example.se"),
             u("ann", "boss"), u("guest", "boss", type="Guest", mail="Boss@Example.se")]
    e = by_id(build_roster(users, scope()))
    assert e["old"].status is Status.EXCLUDED and e["guest"].status is Status.EXCLUDED
    assert e["ann"].status is Status.FAILED and "old@example.se (object id old)" in e["ann"].reason
    assert e["boss"].status is Status.FAILED and "guest@example.se" in e["boss"].reason


def test_many_holders_of_one_address_are_counted_beyond_three():
    users = [u("head")] + [u(f"p{n}", "head", mail="shared@example.se") for n in range(6)]
    e = by_id(build_roster(users, scope()))
    assert all(e[f"p{n}"].status is Status.FAILED for n in range(6))
    assert "and of 2 more accounts" in e["p0"].reason and "object id p3" in e["p0"].reason
    assert "object id p4" not in e["p0"].reason


def test_object_ids_and_excluded_users_match_in_any_case():
    users = [u("aaaa-head"), u("bbbb-boss", "AAAA-HEAD"), u("cccc", "BBBB-Boss"), u("dddd", "bbbb-boss")]
    e = by_id(build_roster(users, scope(exclude_users=("DDDD@Example.SE",))))
    assert e["bbbb-boss"].in_round and e["bbbb-boss"].manager.id == "aaaa-head"
    assert e["cccc"].in_round and e["cccc"].manager.id == "bbbb-boss"
    assert e["dddd"].status is Status.EXCLUDED
    loop = [u("x1", "X2"), u("x2", "x1")]
    assert all("cycle" in x.reason for x in build_roster(loop, scope()))
