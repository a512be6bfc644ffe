"""Who gets a talk: every awkward directory case ends as a talk, excluded or failed with a reason."""
from __future__ import annotations

from connectors.graph.directory import User
from plugin.records import Status
from plugin.roster import build_roster
from plugin.settings import ScopeSettings


def u(id, manager=None, **kw):
    return User(id=id, display_name=kw.pop("name", id.upper()), upn=f"{id}@example.se",
                mail=f"{id}@example.se", manager_id=manager, account_enabled=kw.pop("enabled", True),
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
