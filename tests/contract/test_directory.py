"""Directory calls: the request samtal sends keeps its contract, and the documented answer (the
contract's example) is read into the right records."""
from __future__ import annotations

import copy
from typing import Any

from connectors.graph.directory import Directory
from tests.contract.conftest import GRAPH, check_request, contract, sent


def test_list_users_follows_pages_of_100_and_reads_the_manager(graph_http: Any, rsps: Any) -> None:
    c = contract("directory/list_users")
    first = copy.deepcopy(c.example)
    last = {"value": [{"id": "3d1f5b7a-2c4e-4a6b-8d0f-1e3a5c7e9b21", "displayName": "Siv Ek",
                       "userPrincipalName": "siv.ek@contoso.se", "userType": "Guest", "manager": None}]}
    rsps.get(f"{GRAPH}/users", json=first)
    rsps.get(first["@odata.nextLink"], json=last)
    users = list(Directory(graph_http).list_users())
    check_request(c, sent(rsps, 0))
    check_request(c, sent(rsps, 1))  # the next link, followed as given
    maja, leo, siv = users
    assert (maja.upn, maja.manager_id, maja.department, maja.account_enabled, maja.user_type) == (
        "maja.holm@contoso.se", "0c8f2d41-7b6a-4e59-8d13-2a4f6c8e0b57", "Ekonomi", True, "Member")
    assert leo.manager_id is None and leo.mail is None and leo.address == "leo.berg@contoso.se"
    assert siv.is_guest and siv.manager_id is None and siv.account_enabled is None


def test_get_user_by_upn(graph_http: Any, rsps: Any) -> None:
    c = contract("directory/get_user")
    rsps.get(f"{GRAPH}/users/maja.holm@contoso.se", json=c.example)
    user = Directory(graph_http).get_user("maja.holm@contoso.se")
    check_request(c, sent(rsps))
    assert user.id == "6e3c1a52-0d4b-4f7e-9a21-3b5c7d9e1f20"
    assert user.manager_id == "0c8f2d41-7b6a-4e59-8d13-2a4f6c8e0b57" and user.preferred_language == "sv-SE"


def test_get_manager_and_the_documented_404(graph_http: Any, rsps: Any) -> None:
    c = contract("directory/get_manager")
    rsps.get(f"{GRAPH}/users/6e3c1a52-0d4b-4f7e-9a21-3b5c7d9e1f20/manager", json=c.example)
    rsps.get(f"{GRAPH}/users/0c8f2d41-7b6a-4e59-8d13-2a4f6c8e0b57/manager", status=404, json={"error": {
        "code": "Request_ResourceNotFound",
        "message": "Resource 'manager' does not exist or one of its queried reference-property objects are not present.",
        "innerError": {"date": "2027-02-15T07:00:00", "request-id": "r", "client-request-id": "c"}}})
    directory = Directory(graph_http)
    manager = directory.get_manager("6e3c1a52-0d4b-4f7e-9a21-3b5c7d9e1f20")
    assert manager is not None and manager.upn == "leo.berg@contoso.se"
    assert directory.get_manager("0c8f2d41-7b6a-4e59-8d13-2a4f6c8e0b57") is None
    for call in rsps.calls:
        check_request(c, call.request)


def test_direct_reports_are_users_only(graph_http: Any, rsps: Any) -> None:
    c = contract("directory/list_direct_reports")
    rsps.get(f"{GRAPH}/users/0c8f2d41-7b6a-4e59-8d13-2a4f6c8e0b57/directReports", json=c.example)
    reports = list(Directory(graph_http).list_direct_reports("0c8f2d41-7b6a-4e59-8d13-2a4f6c8e0b57"))
    check_request(c, sent(rsps))
    assert [r.upn for r in reports] == ["maja.holm@contoso.se"]  # the org contact is left out
    assert reports[0].manager_id == "0c8f2d41-7b6a-4e59-8d13-2a4f6c8e0b57"
