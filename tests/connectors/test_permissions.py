"""Who a permission is for, as Microsoft's own examples show permissions: ``grantedToV2`` first,
then ``grantedTo``; ids compared without case; an e-mail optional (the permission resource, the
invite and list-permissions pages of Graph v1.0)."""
from __future__ import annotations

import json
from typing import Any

import pytest
import responses

from connectors.graph.drive import Drive, Recipient
from connectors.graph.http import GraphHttp
from connectors.graph.permissions import parse_permission
from tests.connectors.conftest import GRAPH, FakeClock

DRIVE = "b!t18F8ybsHUq1z3"
D = f"{GRAPH}/drives/{DRIVE}"
ROBIN = "42f177f1-22c0-4be3-900d-4507125c5c20"  # as the directory gives it: lower case

# The response of the "Send a sharing invitation" example (driveitem-invite.md), shortened.
INVITED = {
    "@deprecated.GrantedTo": "GrantedTo has been deprecated. Refer to GrantedToV2",
    "grantedTo": {"user": {"displayName": "Robin Danielsen", "id": ROBIN.upper()}},
    "grantedToV2": {"user": {"id": ROBIN.upper(), "displayName": "Robin Danielsen"},
                    "siteUser": {"id": "1", "displayName": "Robin Danielsen", "loginName": "Robin Danielsen"}},
    "id": "CCFC7CA3-7A19-4D57-8CEF-149DB9DDFA62", "roles": ["write"],
}


@pytest.fixture
def drive(http: GraphHttp, clock: FakeClock) -> Drive:
    return Drive(http, sleep=clock.sleep)


def test_the_documented_invite_answer_is_for_the_person_by_id_whatever_the_case() -> None:
    perm = parse_permission(INVITED)
    assert perm.user_id == ROBIN.upper() and perm.user_email is None
    assert perm.display_name == "Robin Danielsen"
    assert perm.is_for(ROBIN) and perm.is_for(ROBIN.upper(), ["robin@contoso.com"])
    assert not perm.is_for("7e6d5c4b-3a29-4817-9605-f4e3d2c1b0a9", ["robin@contoso.com"])
    assert not perm.is_for("1")  # siteUser ids are SharePoint's, not a person's object id ...
    assert not perm.is_for(None, ["Robin Danielsen"])  # ... and a display name is no address


def test_grantedToV2_is_read_before_grantedTo_and_every_address_counts() -> None:
    perm = parse_permission({
        "id": "p", "roles": ["write"],
        "grantedTo": {"user": {"id": "OLD-ID", "displayName": "Old"}},
        "grantedToV2": {"user": {"id": "new-id", "displayName": "New", "email": "Per.Lind@Contoso.se"},
                        "siteUser": {"id": "9", "loginName": "i:0#.f|membership|per.lind@contoso.se"}},
        "invitation": {"email": "per@contoso.se", "signInRequired": True}})
    assert perm.user_id == "new-id" and perm.display_name == "New"
    assert perm.is_for("OLD-id") and perm.is_for("NEW-ID")
    assert perm.is_for(None, ["per.lind@contoso.SE"]) and perm.is_for(None, ["PER@contoso.se"])
    assert not perm.is_for(None, ["someone@contoso.se"])


def test_a_link_is_nobodys_even_with_named_people() -> None:
    perm = parse_permission({"id": "3", "roles": ["write"], "link": {"type": "edit"},
                             "grantedToIdentitiesV2": [{"user": {"id": ROBIN}}]})
    assert perm.is_link and perm.link_scope is None and not perm.is_for(ROBIN)


def test_invite_recognises_the_documented_answer_by_the_recipients_id(
        drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, f"{D}/items/01A/invite", json={"value": [INVITED]})
    result = drive.invite(DRIVE, "01A", [Recipient(email="robin@contoso.com", object_id=ROBIN)])
    assert result.ok and [p.id for p in result.granted] == [INVITED["id"]]
    body: Any = json.loads(rsps.calls[0].request.body)
    assert body["recipients"] == [{"email": "robin@contoso.com"}]


def test_invite_refuses_an_answer_for_someone_else(drive: Drive, rsps: responses.RequestsMock) -> None:
    """Before, one recipient and one returned permission were paired whoever it was for."""
    rsps.add(responses.POST, f"{D}/items/01A/invite", json={"value": [INVITED]})
    result = drive.invite(DRIVE, "01A", ["per@contoso.com"])
    assert not result.ok and not result.granted
    assert result.failed == (("per@contoso.com", "Graph returned no permission for this recipient"),)
    rsps.add(responses.POST, f"{D}/items/01B/invite", json={"value": [INVITED]})
    other = drive.invite(DRIVE, "01B", [Recipient(email="per@contoso.com",
                                                  object_id="7e6d5c4b-3a29-4817-9605-f4e3d2c1b0a9")])
    assert other.failed == (("7e6d5c4b-3a29-4817-9605-f4e3d2c1b0a9",
                             "Graph returned no permission for this recipient"),)


def test_invite_many_matches_by_id_case_insensitively(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, f"{GRAPH}/$batch", json={"responses": [
        {"id": "0", "status": 200, "body": {"value": [INVITED]}},
        {"id": "1", "status": 200, "body": {"value": [INVITED]}}]})
    ok, wrong = drive.invite_many([(DRIVE, "01A", Recipient("robin@contoso.com", ROBIN)),
                                   (DRIVE, "01B", Recipient("per@contoso.com", "someone-else"))])
    assert not isinstance(ok, Exception) and ok.ok
    assert not isinstance(wrong, Exception) and not wrong.ok
