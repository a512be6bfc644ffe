"""Directory routes against docs/graph.md#directory."""
from __future__ import annotations

from tests.sandbox.conftest import Client

DEFAULT = {"businessPhones", "displayName", "givenName", "id", "jobTitle", "mail", "mobilePhone",
           "officeLocation", "preferredLanguage", "surname", "userPrincipalName"}


def test_users_default_select_and_headers(graph: Client) -> None:
    r = graph.get("/users", headers={"client-request-id": "abc-123"})
    assert r.status_code == 200
    assert r.headers["client-request-id"] == "abc-123" and r.headers["request-id"]
    user = r.json()["value"][0]
    assert set(user) == DEFAULT  # no department, no accountEnabled without $select
    assert "kontakt@partner.se" not in [u["userPrincipalName"] for u in r.json()["value"]]


def test_users_named_select_expand_manager(graph: Client) -> None:
    r = graph.get("/users", params={"$select": "id,displayName,department,accountEnabled",
                                    "$expand": "manager($select=id,displayName,mail)", "$top": "999"})
    values = {u["displayName"]: u for u in r.json()["value"]}
    per = values["Per Lind"]
    assert set(per) == {"id", "displayName", "department", "accountEnabled", "manager"}
    assert per["manager"] == {"@odata.type": "#microsoft.graph.user", "id": values["Anna Berg"]["id"],
                              "displayName": "Anna Berg", "mail": "anna.berg@example.se"}
    assert "manager" not in values["Anna Berg"]
    assert values["Åsa Öberg"]["accountEnabled"] is False


def test_top_limit_and_single_only_properties(graph: Client) -> None:
    r = graph.get("/users", params={"$top": "1000"})
    assert r.status_code == 400 and "between 1 and 999" in r.json()["error"]["message"]
    assert graph.get("/users", params={"$select": "id,hireDate"}).status_code == 501


def test_paging_is_opaque_and_signed(graph: Client) -> None:
    seen, url, pages = [], "/users?$top=2&$select=id", 0
    while url:
        body = graph.get(url).json()
        seen += [u["id"] for u in body["value"]]
        url = body.get("@odata.nextLink")
        pages += 1
    assert pages == 3 and len(seen) == len(set(seen)) == 5
    first = graph.get("/users?$top=2").json()["@odata.nextLink"]
    forged = first[: first.index("$skiptoken=") + 11] + "RFNwdAIAAQWzQsIGZhbHNlXQ.AAAA"
    assert graph.get(forged).status_code == 400
    other_query = first.replace("$top=2", "$top=3")
    assert graph.get(other_query).status_code == 400


def test_filters(graph: Client) -> None:
    def names(flt: str) -> set[str]:
        r = graph.get("/users", params={"$filter": flt})
        assert r.status_code == 200, r.text
        return {u["displayName"] for u in r.json()["value"]}

    assert names("accountEnabled eq false") == {"Åsa Öberg"}
    assert names("department eq 'hr' and accountEnabled eq true") == {"Nils Utandrive", }
    assert names("userPrincipalName eq 'per.lind@example.se'") == {"Per Lind"}
    assert names("mail eq 'gast@extern.se'") == {"Gäst Extern"}
    assert graph.get("/users", params={"$filter": "city eq 'x'"}).json()["error"]["code"] == "Request_UnsupportedQuery"


def test_user_manager_and_direct_reports(graph: Client) -> None:
    per = graph.get("/users/per.lind@example.se").json()
    assert per["@odata.context"].endswith("#users/$entity")
    assert graph.get(f"/users/{per['id']}/manager").json()["displayName"] == "Anna Berg"
    r = graph.get("/users/anna.berg@example.se/manager")
    assert r.status_code == 404 and r.json()["error"]["code"] == "Request_ResourceNotFound"
    assert set(r.json()["error"]["innerError"]) >= {"date", "request-id", "client-request-id"}
    reports = graph.get("/users/anna.berg@example.se/directReports", params={"$select": "id,displayName,mail"}).json()["value"]
    types = {x["displayName"]: x["@odata.type"] for x in reports}
    assert types["Kontakt Partner"] == "#microsoft.graph.orgContact"
    assert types["Gäst Extern"] == "#microsoft.graph.user"
    guest = graph.get("/users/gast@extern.se", params={"$select": "userType"}).json()
    assert guest["userType"] == "Guest"
    assert graph.get("/users/nobody@example.se").status_code == 404


def test_requires_bearer_token(graph: Client) -> None:
    import requests

    r = requests.get(graph.graph + "/users", timeout=5)
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidAuthenticationToken"
