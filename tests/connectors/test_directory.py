"""Directory: users with $select and the manager expanded, managers, direct reports, on the wire."""
from __future__ import annotations

from typing import Any

import pytest
import responses
from responses import matchers

from connectors.graph import errors
from connectors.graph.directory import Directory, User, user_path
from connectors.graph.http import GraphHttp

GRAPH = "https://graph.microsoft.com/v1.0"
SELECT = ("id,displayName,userPrincipalName,mail,department,jobTitle,accountEnabled,"
          "preferredLanguage,userType")
EXPAND = "manager($select=id,displayName,userPrincipalName,mail)"
LIST_PARAMS = {"$select": SELECT, "$expand": EXPAND, "$top": "999"}


def user(uid: str, upn: str, **extra: Any) -> dict[str, Any]:
    body = {"id": uid, "displayName": f"Name {uid}", "userPrincipalName": upn, "mail": upn,
            "department": "HR", "jobTitle": "Specialist", "accountEnabled": True,
            "preferredLanguage": "sv-SE", "userType": "Member"}
    body.update(extra)
    return body


def not_found(code: str, message: str = "Resource does not exist.") -> dict[str, Any]:
    return {"error": {"code": code, "message": message,
                      "innerError": {"request-id": "rid-1", "date": "2025-03-04T08:15:02"}}}


def test_list_users_selects_expands_and_pages_through_an_empty_page(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    page2 = f"{GRAPH}/users?$select={SELECT}&$expand={EXPAND}&$top=999&$skiptoken=AAA"
    page3 = f"{GRAPH}/users?$skiptoken=BBB%3D%3D"
    rsps.get(f"{GRAPH}/users", match=[matchers.query_param_matcher(LIST_PARAMS)],
             json={"value": [user("u1", "asa@contoso.se",
                                  manager={"@odata.type": "#microsoft.graph.user", "id": "m1",
                                           "displayName": "Björn"})],
                   "@odata.nextLink": page2})
    rsps.get(page2, match=[matchers.query_param_matcher({**LIST_PARAMS, "$skiptoken": "AAA"})],
             json={"value": [], "@odata.nextLink": page3})
    rsps.get(page3, match=[matchers.query_param_matcher({"$skiptoken": "BBB=="})],
             json={"value": [user("m1", "bjorn@contoso.se", manager=None),
                             user("g1", "gast_fabrikam.com#EXT#@contoso.onmicrosoft.com",
                                  userType="Guest", mail=None, department=None,
                                  accountEnabled=False)],
                   "@odata.nextLink": ""})

    users = list(Directory(http).list_users())

    assert [u.id for u in users] == ["u1", "m1", "g1"]
    assert users[0] == User(id="u1", display_name="Name u1", upn="asa@contoso.se",
                            mail="asa@contoso.se", department="HR", job_title="Specialist",
                            account_enabled=True, preferred_language="sv-SE", user_type="Member",
                            manager_id="m1")
    assert users[1].manager_id is None
    guest = users[2]
    assert guest.is_guest and guest.mail is None and guest.department is None
    assert guest.account_enabled is False
    # The first URL is built once with OData punctuation readable ('=' inside a value is
    # escaped); later pages follow the nextLink verbatim.
    assert rsps.calls[0].request.url == (
        f"{GRAPH}/users?$select={SELECT}"
        "&$expand=manager($select%3Did,displayName,userPrincipalName,mail)&$top=999")
    assert rsps.calls[1].request.url == page2
    assert rsps.calls[2].request.url == page3
    assert len(rsps.calls) == 3  # the empty nextLink ended it


def test_list_users_sends_the_filter(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    flt = "department eq 'not HR' and accountEnabled eq true"  # 'not' in a literal is fine
    rsps.get(f"{GRAPH}/users",
             match=[matchers.query_param_matcher({**LIST_PARAMS, "$filter": flt})],
             json={"value": [user("u1", "a@contoso.se")]})
    assert [u.id for u in Directory(http).list_users(filter=flt)] == ["u1"]
    with pytest.raises(ValueError):
        list(Directory(http).list_users(filter="  "))
    for advanced in ("accountEnabled ne false", "endsWith(mail,'@contoso.se')",
                     "not(department eq 'HR')"):
        with pytest.raises(ValueError, match="advanced"):
            list(Directory(http).list_users(filter=advanced))
    assert len(rsps.calls) == 1


def test_an_error_on_page_three_raises_instead_of_truncating(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{GRAPH}/users", json={"value": [user("u1", "a@c.se")],
                                     "@odata.nextLink": f"{GRAPH}/users?$skiptoken=2"})
    rsps.get(f"{GRAPH}/users?$skiptoken=2", json={"value": [user("u2", "b@c.se")],
                                                  "@odata.nextLink": f"{GRAPH}/users?$skiptoken=3"})
    rsps.get(f"{GRAPH}/users?$skiptoken=3", status=403,
             json={"error": {"code": "Authorization_RequestDenied",
                             "message": "Insufficient privileges to complete the operation."}})
    seen: list[str] = []
    with pytest.raises(errors.Forbidden) as info:
        for u in Directory(http).list_users():
            seen.append(u.id)
    assert seen == ["u1", "u2"]
    assert info.value.outcome is errors.Outcome.NEEDS_CONSENT


def test_get_user_percent_encodes_a_guest_upn(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    upn = "gast_fabrikam.com#EXT#@contoso.onmicrosoft.com"
    rsps.get(f"{GRAPH}/users/gast_fabrikam.com%23EXT%23@contoso.onmicrosoft.com",
             match=[matchers.query_param_matcher({"$select": SELECT, "$expand": EXPAND})],
             json=user("g1", upn, userType="Guest"))
    got = Directory(http).get_user(upn)
    assert got.upn == upn and got.is_guest


def test_get_user_with_a_dollar_upn_uses_the_key_form() -> None:
    assert user_path("$adm@contoso.se") == "/users('$adm@contoso.se')"
    assert user_path("o'brien@contoso.se") == "/users/o%27brien@contoso.se"
    with pytest.raises(ValueError):
        user_path(" ")


def test_get_user_404_raises_not_found(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{GRAPH}/users/nobody@contoso.se", status=404,
             json=not_found("Request_ResourceNotFound"))
    with pytest.raises(errors.NotFound) as info:
        Directory(http).get_user("nobody@contoso.se")
    assert info.value.code == "Request_ResourceNotFound"
    assert "nobody" not in str(info.value)  # the path in the message is redacted


def test_a_user_without_a_manager_gets_none(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{GRAPH}/users/u1/manager", match=[matchers.query_param_matcher({"$select": SELECT})],
             status=404, json=not_found(
                 "Request_ResourceNotFound",
                 "Resource 'manager' does not exist or one of its queried reference-property "
                 "objects are not present."))
    assert Directory(http).get_manager("u1") is None


def test_get_manager_returns_the_manager_and_raises_other_404s(
        http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{GRAPH}/users/u1/manager",
             json={"@odata.type": "#microsoft.graph.user", **user("m1", "bjorn@contoso.se")})
    rsps.get(f"{GRAPH}/users/u2/manager", status=404, json=not_found("ResourceNotFound"))
    rsps.get(f"{GRAPH}/users/u3/manager",
             json={"@odata.type": "#microsoft.graph.orgContact", "id": "c1", "displayName": "X"})
    d = Directory(http)
    manager = d.get_manager("u1")
    assert manager is not None and manager.id == "m1" and manager.upn == "bjorn@contoso.se"
    with pytest.raises(errors.NotFound):
        d.get_manager("u2")
    assert d.get_manager("u3") is None


def test_direct_reports_skip_contacts_and_page(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    nxt = f"{GRAPH}/users/m1/directReports?$select={SELECT}&$skiptoken=X"
    rsps.get(f"{GRAPH}/users/m1/directReports",
             match=[matchers.query_param_matcher({"$select": SELECT})],
             json={"value": [
                 {"@odata.type": "#microsoft.graph.user", **user("u1", "a@contoso.se")},
                 {"@odata.type": "#microsoft.graph.orgContact", "id": "c1",
                  "displayName": "Extern Konsult", "mail": "k@fabrikam.com"},
             ], "@odata.nextLink": nxt})
    rsps.get(nxt, json={"value": [
        {"@odata.type": "#microsoft.graph.device", "id": "d1"},
        {"@odata.type": "#microsoft.graph.user", **user("u2", "b@contoso.se")},
    ]})
    reports = list(Directory(http).list_direct_reports("m1"))
    assert [(r.id, r.manager_id) for r in reports] == [("u1", "m1"), ("u2", "m1")]


def test_a_user_without_id_is_a_clear_error(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{GRAPH}/users", json={"value": [{"displayName": "ghost"}]})
    with pytest.raises(errors.GraphError, match="without an id"):
        list(Directory(http).list_users())
