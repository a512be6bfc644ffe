"""OneDrive named methods on the wire (docs/graph.md#onedrive; docs/failures.md#names-files-and-sharing)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from typing import Any

import pytest
import responses

from connectors.graph import errors
from connectors.graph.drive import Drive
from connectors.graph.http import GraphHttp
from connectors.graph.names import safe_name
from tests.connectors.conftest import GRAPH, TOKEN, FakeClock

DRIVE = "b!t18F8ybsHUq1z3"
D = f"{GRAPH}/drives/{DRIVE}"



def sent_json(request: Any) -> Any:
    """The JSON body a request carried (``responses`` types bodies loosely)."""
    return json.loads(request.body)

def folder(item_id: str, name: str, **extra: object) -> dict[str, object]:
    return {"id": item_id, "name": name, "folder": {"childCount": 0}, "eTag": f'"{{{item_id}}},1"',
            "webUrl": f"https://contoso-my.sharepoint.com/x/{item_id}",
            "lastModifiedDateTime": "2025-03-04T08:25:00Z",
            "parentReference": {"driveId": DRIVE, "id": "01ROOT", "path": "/drive/root:"}, **extra}


NOT_FOUND = {"error": {"code": "itemNotFound", "message": "The resource could not be found."}}


@pytest.fixture
def drive(http: GraphHttp, clock: FakeClock) -> Drive:
    return Drive(http, sleep=clock.sleep)


def urls(rsps: responses.RequestsMock) -> list[str]:
    return [f"{c.request.method} {c.request.url}" for c in rsps.calls]


# ---------------------------------------------------------------------------- drives
def test_user_drive(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{GRAPH}/users/bjorn.ek@contoso.se/drive", json={
        "id": DRIVE, "driveType": "business", "webUrl": "https://contoso-my.sharepoint.com/personal/b/Documents",
        "owner": {"user": {"id": "9a8b", "displayName": "Björn Ek"}}})
    info = drive.get_user_drive("bjorn.ek@contoso.se")
    assert (info.id, info.owner_id) == (DRIVE, "9a8b")
    assert info.web_url and info.web_url.endswith("/Documents")


def test_unprovisioned_drive_is_a_distinct_error(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{GRAPH}/users/ext_x.se%23EXT%23@contoso.onmicrosoft.com/drive", status=404,
             json=NOT_FOUND, headers={"request-id": "rid-1"})
    with pytest.raises(errors.DriveNotProvisioned) as err:
        drive.get_user_drive("ext_x.se#EXT#@contoso.onmicrosoft.com")   # guest UPN '#' encoded once
    assert isinstance(err.value, errors.NotFound)
    assert (err.value.status, err.value.code, err.value.request_id) == (404, "itemNotFound", "rid-1")
    assert "@" not in err.value.path.replace("…@…", "")                  # the address is redacted
    assert err.value.outcome is errors.Outcome.PERMANENT


NO_MY_SITE_URL = {"error": {"code": "BadRequest", "message": "Unable to retrieve user's mysite URL.",
                            "innerError": {"request-id": "rid-2"}}}


def test_a_user_whose_onedrive_cannot_be_found_has_no_drive(drive: Drive, rsps: responses.RequestsMock) -> None:
    """400 "Unable to retrieve user's mysite URL." (docs/failures.md#f15) is the user's answer,
    not a bad request of ours: DriveNotProvisioned, on the drive and on a PUT by path."""
    rsps.add(responses.GET, f"{GRAPH}/users/ola@contoso.se/drive", status=400, json=NO_MY_SITE_URL)
    rsps.add(responses.PUT, f"{GRAPH}/users/ola@contoso.se/drive/root:/Samtal/a.docx:/content"
                            "?@microsoft.graph.conflictBehavior=replace", status=400, json=NO_MY_SITE_URL)
    with pytest.raises(errors.DriveNotProvisioned) as err:
        drive.get_user_drive("ola@contoso.se")
    assert (err.value.status, err.value.request_id) == (400, "rid-2")
    assert err.value.outcome is errors.Outcome.PERMANENT
    with pytest.raises(errors.DriveNotProvisioned):
        drive.upload_to_user_path("ola@contoso.se", ["Samtal", "a.docx"], b"x")
    assert len(rsps.calls) == 2  # a permanent answer: not tried again



def test_a_drive_answering_404_file_not_found_has_no_onedrive(drive: Drive, rsps: responses.RequestsMock) -> None:
    """The third way users report a missing OneDrive, 404 UnknownError "404 FILE NOT FOUND"
    (alcionai/corso#3846; docs/failures.md#f15): any 404 on a user's drive is "no OneDrive"."""
    body = {"error": {"code": "UnknownError", "message": "404 FILE NOT FOUND", "innerError": {"request-id": "rid-3"}}}
    rsps.add(responses.GET, f"{GRAPH}/users/ola@contoso.se/drive", status=404, json=body)
    rsps.add(responses.PUT, f"{GRAPH}/users/ola@contoso.se/drive/root:/Samtal/a.docx:/content"
                            "?@microsoft.graph.conflictBehavior=replace", status=404, json=body)
    with pytest.raises(errors.DriveNotProvisioned):
        drive.get_user_drive("ola@contoso.se")
    with pytest.raises(errors.DriveNotProvisioned):
        drive.upload_to_user_path("ola@contoso.se", ["Samtal", "a.docx"], b"x")

# ---------------------------------------------------------------------------- paths and folders
def test_item_by_path_encodes_every_awkward_character_once(drive: Drive, rsps: responses.RequestsMock) -> None:
    segments = ["Medarbetarsamtal 2025", safe_name("Åsa #1: 100%/?")]
    expected = f"{D}/root:/Medarbetarsamtal%202025/%C3%85sa%20%231%EF%BC%9A%20100%25%EF%BC%8F%EF%BC%9F:"
    rsps.add(responses.GET, expected, json=folder("01A", segments[1]))
    item = drive.get_item_by_path(DRIVE, segments)
    assert item is not None and item.is_folder and item.name == "Åsa #1： 100%／？"
    assert rsps.calls[0].request.url == expected  # not double-encoded: docs/failures.md#f1
    assert item.last_modified == datetime(2025, 3, 4, 8, 25, tzinfo=timezone.utc)
    assert item.parent_path == "/drive/root:"


def test_item_by_path_missing_is_none(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{D}/root:/Nope:", status=404, json=NOT_FOUND)
    assert drive.get_item_by_path(DRIVE, ["Nope"]) is None


def test_ensure_folder_that_exists_is_one_get(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{D}/root:/Medarbetarsamtal/2025:", json=folder("01Y", "2025"))
    assert drive.ensure_folder(DRIVE, ["Medarbetarsamtal", "2025"]).id == "01Y"
    assert urls(rsps) == [f"GET {D}/root:/Medarbetarsamtal/2025:"]


def test_ensure_folder_creates_only_the_missing_tail(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{D}/root:/Medarbetarsamtal/2025/%C3%85sa%20%C3%96berg:", status=404, json=NOT_FOUND)
    rsps.add(responses.GET, f"{D}/root:/Medarbetarsamtal/2025:", json=folder("01Y", "2025"))
    rsps.add(responses.POST, f"{D}/items/01Y/children", status=201, json=folder("01NEW", "Åsa Öberg"))
    item = drive.ensure_folder(DRIVE, ["Medarbetarsamtal", "2025", "Åsa Öberg"])
    assert item.id == "01NEW"
    post = rsps.calls[-1].request
    assert sent_json(post) == {"name": "Åsa Öberg", "folder": {},
                                     "@microsoft.graph.conflictBehavior": "fail"}
    assert post.headers["Content-Type"] == "application/json"
    assert len([c for c in rsps.calls if c.request.method == "POST"]) == 1


def test_ensure_folder_creates_the_whole_path_from_the_root(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{D}/root:/A/B:", status=404, json=NOT_FOUND)
    rsps.add(responses.GET, f"{D}/root:/A:", status=404, json=NOT_FOUND)
    rsps.add(responses.POST, f"{D}/root/children", status=201, json=folder("01A", "A"))
    rsps.add(responses.POST, f"{D}/items/01A/children", status=201, json=folder("01B", "B"))
    assert drive.ensure_folder(DRIVE, ["A", "B"]).id == "01B"
    assert [u for u in urls(rsps) if u.startswith("POST")] == [f"POST {D}/root/children",
                                                               f"POST {D}/items/01A/children"]


def test_ensure_folder_409_reads_the_existing_folder(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{D}/root:/A/B:", status=404, json=NOT_FOUND)      # a concurrent creator wins
    rsps.add(responses.GET, f"{D}/root:/A:", json=folder("01A", "A"))
    rsps.add(responses.POST, f"{D}/items/01A/children", status=409,
             json={"error": {"code": "nameAlreadyExists", "message": "The specified item name already exists."}})
    rsps.add(responses.GET, f"{D}/root:/A/B:", json=folder("01B", "B"))
    assert drive.ensure_folder(DRIVE, ["A", "B"]).id == "01B"
    assert len([c for c in rsps.calls if c.request.method == "POST"]) == 1       # never a duplicate


def test_ensure_folder_409_while_path_lookup_still_misses_lists_the_parent(
        drive: Drive, rsps: responses.RequestsMock) -> None:
    # docs/failures.md#f8: an existing folder reported missing under load; and docs/failures.md#f5:
    # OneDrive's case-insensitivity.
    rsps.add(responses.GET, f"{D}/root:/A/Plan:", status=404, json=NOT_FOUND)
    rsps.add(responses.GET, f"{D}/root:/A:", json=folder("01A", "A"))
    rsps.add(responses.POST, f"{D}/items/01A/children", status=409,
             json={"error": {"code": "nameAlreadyExists", "message": "exists"}})
    rsps.add(responses.GET, f"{D}/items/01A/children", json={
        "value": [folder("01X", "other")], "@odata.nextLink": f"{D}/items/01A/children?$skiptoken=p2"})
    rsps.add(responses.GET, f"{D}/items/01A/children?$skiptoken=p2", json={"value": [folder("01P", "PLAN")]})
    assert drive.ensure_folder(DRIVE, ["A", "Plan"]).id == "01P"


def test_ensure_folder_refuses_a_file_in_the_way(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{D}/root:/A:", json={"id": "01F", "name": "A", "file": {}})
    with pytest.raises(errors.Conflict, match="file stands"):
        drive.ensure_folder(DRIVE, ["A"])


@pytest.mark.parametrize("segments", [["ok", "a:b"], [" lead"], ["CON"], []])
def test_ensure_folder_refuses_unsafe_names_before_sending(drive: Drive, rsps: responses.RequestsMock,
                                                           segments: list[str]) -> None:
    with pytest.raises(ValueError):
        drive.ensure_folder(DRIVE, segments)
    assert len(rsps.calls) == 0


def test_list_children_pages(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{D}/items/01A/children",
             json={"value": [], "@odata.nextLink": f"{D}/items/01A/children?$skiptoken=X"})
    rsps.add(responses.GET, f"{D}/items/01A/children?$skiptoken=X",
             json={"value": [{"id": "01F", "name": "Underlag.docx", "size": 48213, "file": {},
                              "cTag": '"c:{F},1"'}]})
    items = list(drive.list_children(DRIVE, "01A"))
    assert [(i.id, i.size, i.is_folder, i.ctag) for i in items] == [("01F", 48213, False, '"c:{F},1"')]


# ---------------------------------------------------------------------------- upload and download
def test_simple_upload_put(drive: Drive, rsps: responses.RequestsMock) -> None:
    url = f"{D}/items/01A:/L%C3%B6n%20%231%20100%25.docx:/content?@microsoft.graph.conflictBehavior=replace"
    rsps.add(responses.PUT, url, status=201, json={
        "id": "01F", "name": "Lön #1 100%.docx", "size": 5, "eTag": '"{F},1"', "cTag": '"c:{F},1"',
        "parentReference": {"driveId": DRIVE, "id": "01A"}, "file": {"mimeType": "x"}})
    item = drive.upload(DRIVE, "01A", "Lön #1 100%.docx", b"hello",
                        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    req = rsps.calls[0].request
    assert req.url == url and req.body == b"hello"
    assert req.headers["Authorization"] == f"Bearer {TOKEN}"
    assert str(req.headers["Content-Type"]).endswith("wordprocessingml.document")
    assert (item.id, item.etag, item.last_modified) == ("01F", '"{F},1"', None)


def test_zero_byte_file_is_one_simple_put(http: GraphHttp, rsps: responses.RequestsMock) -> None:
    drive = Drive(http, simple_upload_limit=0)  # docs/failures.md#u8
    rsps.add(responses.PUT, f"{D}/items/01A:/tom.txt:/content?@microsoft.graph.conflictBehavior=replace",
             status=201, json={"id": "01E", "name": "tom.txt", "size": 0, "file": {}})
    assert drive.upload(DRIVE, "01A", "tom.txt", b"").size == 0
    assert len(rsps.calls) == 1 and not rsps.calls[0].request.body


def test_upload_conflict_fail_raises(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.PUT, f"{D}/items/01A:/a.docx:/content?@microsoft.graph.conflictBehavior=fail",
             status=409, json={"error": {"code": "nameAlreadyExists", "message": "exists"}})
    with pytest.raises(errors.Conflict):
        drive.upload(DRIVE, "01A", "a.docx", b"x", conflict="fail")
    with pytest.raises(ValueError):
        drive.upload(DRIVE, "01A", "a.docx", b"x", conflict="overwrite")


def test_replace_that_gets_item_not_found_is_tried_once_more(drive: Drive, rsps: responses.RequestsMock,
                                                             clock: FakeClock) -> None:
    url = f"{D}/items/01A:/a.docx:/content?@microsoft.graph.conflictBehavior=replace"
    rsps.add(responses.PUT, url, status=404, json=NOT_FOUND)  # docs/failures.md#f7
    rsps.add(responses.PUT, url, status=200, json={"id": "01F", "name": "a.docx", "file": {}})
    assert drive.upload(DRIVE, "01A", "a.docx", b"x").id == "01F"
    assert len(rsps.calls) == 2 and clock.sleeps


def test_path_too_long_is_a_permanent_invalid_name(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.PUT, f"{D}/items/01A:/a.docx:/content?@microsoft.graph.conflictBehavior=replace",
             status=400, json={"error": {"code": "invalidRequest", "message": "too long",
                                         "innererror": {"code": "pathIsTooLong"}}})  # docs/failures.md#f4
    with pytest.raises(errors.InvalidName) as err:
        drive.upload(DRIVE, "01A", "a.docx", b"x")
    assert err.value.outcome is errors.Outcome.PERMANENT and len(rsps.calls) == 1


def test_download_follows_302_without_the_bearer_token(drive: Drive, rsps: responses.RequestsMock) -> None:
    location = "https://contoso-my.sharepoint.com/_layouts/15/download.aspx?UniqueId=u&tempauth=secret"
    rsps.add(responses.GET, f"{D}/items/01F/content", status=302, headers={"Location": location})
    rsps.add(responses.GET, location, body=b"PK\x03\x04docx", content_type="application/octet-stream")
    assert drive.download(DRIVE, "01F") == b"PK\x03\x04docx"
    first, second = (c.request for c in rsps.calls)
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "Authorization" not in second.headers
    assert second.url == location


def test_download_accepts_bytes_directly(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{D}/items/01F/content", body=b"raw", content_type="application/octet-stream")
    assert drive.download(DRIVE, "01F") == b"raw"


def _file(item_id: str = "01F", version: int = 3, **extra: object) -> dict[str, object]:
    return {"id": item_id, "name": "Dokumentation medarbetarsamtal.docx", "size": 7146,
            "eTag": f'"{{{item_id}}},{version}"', "cTag": f'"c:{{{item_id}}},{version}"', "file": {},
            "parentReference": {"driveId": DRIVE, "id": "01A"}, **extra}


def test_fetch_file_reads_the_item_then_its_download_url_without_the_token(
        drive: Drive, rsps: responses.RequestsMock) -> None:
    location = "https://contoso-my.sharepoint.com/_layouts/15/download.aspx?UniqueId=u&tempauth=secret"
    rsps.add(responses.GET, f"{D}/items/01F", json=_file(**{"@microsoft.graph.downloadUrl": location}))
    rsps.add(responses.GET, location, body=b"PK\x03\x04form", content_type="application/octet-stream")
    got = drive.fetch_file(DRIVE, "01F")
    assert got.data == b"PK\x03\x04form" and got.item.etag == '"{01F},3"' and got.item.download_url == location
    first, second = (c.request for c in rsps.calls)
    assert first.headers["Authorization"] == f"Bearer {TOKEN}" and "Authorization" not in second.headers


def test_fetch_file_without_a_download_url_uses_the_content_route(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{D}/items/01F", json=_file())
    rsps.add(responses.GET, f"{D}/items/01F/content", body=b"raw", content_type="application/octet-stream")
    assert drive.fetch_file(DRIVE, "01F").data == b"raw"


def test_replace_if_unchanged_sends_if_match_and_a_stale_tag_is_precondition_failed(
        drive: Drive, rsps: responses.RequestsMock) -> None:
    item = Drive.item_from(_file(), DRIVE)
    rsps.add(responses.PUT, f"{D}/items/01F/content", json=_file(version=4))
    assert drive.replace_if_unchanged(item, b"new").etag == '"{01F},4"'
    sent = rsps.calls[0].request
    assert sent.headers["If-Match"] == '"{01F},3"' and sent.body == b"new"
    assert "conflictBehavior" not in str(sent.url)
    rsps.replace(responses.PUT, f"{D}/items/01F/content", status=412, json={"error": {
        "code": "resourceModified", "message": "changed", "innerError": {"code": "entityTagDoesNotMatch"}}})
    with pytest.raises(errors.PreconditionFailed) as err:
        drive.replace_if_unchanged(item, b"new")
    assert err.value.code == "entityTagDoesNotMatch" and len(rsps.calls) == 2  # 412 is not retried
    with pytest.raises(ValueError):
        drive.replace_if_unchanged(Drive.item_from({**_file(), "eTag": None}, DRIVE), b"new")


# ---------------------------------------------------------------------------- sharing
def perm(pid: str, email: str, uid: str, **extra: object) -> dict[str, object]:
    return {"id": pid, "roles": ["write"], "grantedTo": {"user": {"email": email, "id": uid, "displayName": "X"}},
            **extra}


def test_invite_sends_one_post_for_everyone(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, f"{D}/items/01A/invite", json={"value": [
        perm("p2", "Marta.Lindqvist@contoso.se", "7e6d"), perm("p1", "other@contoso.se", "3f2b")]})
    result = drive.invite(DRIVE, "01A", ["marta.lindqvist@contoso.se", "3f2b"], message="Här är underlaget.")
    assert sent_json(rsps.calls[0].request) == {
        "recipients": [{"email": "marta.lindqvist@contoso.se"}, {"objectId": "3f2b"}],
        "roles": ["write"], "requireSignIn": True, "sendInvitation": False, "message": "Här är underlaget."}
    assert result.ok and [p.id for p in result.granted] == ["p2", "p1"]
    assert result.granted[0].roles == ("write",)


def test_invite_refused_for_one_recipient_still_shares_with_the_others(
        drive: Drive, rsps: responses.RequestsMock) -> None:
    bad = {"error": {"code": "invalidRequest", "message": "The request is malformed or incorrect."}}
    # docs/failures.md#f11: refused all at once
    rsps.add(responses.POST, f"{D}/items/01A/invite", status=400, json=bad)
    rsps.add(responses.POST, f"{D}/items/01A/invite", json={"value": [perm("p1", "a@contoso.se", "1")]})
    rsps.add(responses.POST, f"{D}/items/01A/invite", status=400, json=bad)
    result = drive.invite(DRIVE, "01A", ["a@contoso.se", "guest@else.com"])
    assert [p.id for p in result.granted] == ["p1"]
    assert result.failed == (("guest@else.com", "400 invalidRequest"),)
    bodies = [sent_json(c.request)["recipients"] for c in rsps.calls]
    assert bodies == [[{"email": "a@contoso.se"}, {"email": "guest@else.com"}],
                      [{"email": "a@contoso.se"}], [{"email": "guest@else.com"}]]


def test_invite_reports_recipients_graph_returned_nothing_for(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, f"{D}/items/01A/invite", json={"value": [perm("p1", "a@contoso.se", "1")]})
    result = drive.invite(DRIVE, "01A", ["a@contoso.se", "b@contoso.se"], roles=("read",))
    assert [p.id for p in result.granted] == ["p1"] and not result.ok
    assert [r for r, _ in result.failed] == ["b@contoso.se"]


def test_invite_validates_input_before_sending(drive: Drive, rsps: responses.RequestsMock) -> None:
    cases: list[dict[str, Any]] = [{"recipients": []}, {"recipients": ["a@b.se"], "roles": ("owner",)},
                                   {"recipients": ["a@b.se"], "message": "x" * 2001}, {"recipients": [" "]}]
    for kwargs in cases:
        with pytest.raises(ValueError):
            drive.invite(DRIVE, "01A", **kwargs)
    assert len(rsps.calls) == 0


def test_permissions_include_inherited_ones(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{D}/items/01A/permissions", json={"value": [
        {"id": "own", "roles": ["owner"], "grantedToV2": {"user": {"id": "u0", "displayName": "Ägare"}}},
        perm("inh", "m@contoso.se", "u1", inheritedFrom={"driveId": DRIVE, "id": "01PARENT", "path": "/drive/root:/A"}),
        {"id": "lnk", "roles": ["read"], "link": {"scope": "organization", "type": "view"}},
    ]})
    perms = {p.id: p for p in drive.list_permissions(DRIVE, "01A")}
    assert perms["own"].user_id == "u0" and perms["own"].inherited_from is None
    assert perms["inh"].inherited_from == "01PARENT" and perms["inh"].user_email == "m@contoso.se"
    assert perms["lnk"].link_scope == "organization" and perms["lnk"].user_id is None


def test_remove_permission_treats_404_as_done(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.DELETE, f"{D}/items/01A/permissions/aTowIy5t", status=204)
    rsps.add(responses.DELETE, f"{D}/items/01A/permissions/gone", status=404, json=NOT_FOUND)
    drive.remove_permission(DRIVE, "01A", "aTowIy5t")
    drive.remove_permission(DRIVE, "01A", "gone")
    assert [c.request.method for c in rsps.calls] == ["DELETE", "DELETE"]


def test_no_token_or_names_in_logs(drive: Drive, rsps: responses.RequestsMock,
                                   caplog: pytest.LogCaptureFixture) -> None:
    location = "https://contoso-my.sharepoint.com/_layouts/15/download.aspx?tempauth=tmp-secret"
    rsps.add(responses.GET, f"{D}/root:/%C3%85sa%20%C3%96berg:", json=folder("01A", "Åsa Öberg"))
    rsps.add(responses.GET, f"{D}/items/01F/content", status=302, headers={"Location": location})
    rsps.add(responses.GET, location, body=b"x", content_type="application/octet-stream")
    with caplog.at_level("DEBUG"):
        drive.get_item_by_path(DRIVE, ["Åsa Öberg"])
        drive.download(DRIVE, "01F")
    text = caplog.text
    assert TOKEN not in text and "tmp-secret" not in text and "Åsa" not in text and "%C3%85sa" not in text


def test_upload_to_user_path_creates_parents_in_one_put(drive: Drive, rsps: responses.RequestsMock) -> None:
    url = f"{GRAPH}/users/u-1/drive/root:/Medarbetarsamtal/2027/%C3%85sa%20%23%C3%96berg/Plan.docx:/content"
    rsps.put(url, status=201, json={
        "id": "01FILE", "name": "Plan.docx", "file": {}, "size": 3, "webUrl": "https://x/f",
        "parentReference": {"driveId": DRIVE, "id": "01FOLDER", "path": "/drive/root:/Medarbetarsamtal/2027/Åsa #Öberg"}})
    item = drive.upload_to_user_path("u-1", ["Medarbetarsamtal", "2027", "Åsa #Öberg", "Plan.docx"], b"abc",
                                     conflict="fail")
    assert (item.id, item.drive_id, item.parent_id) == ("01FILE", DRIVE, "01FOLDER")
    call = rsps.calls[0]
    assert call.request.url == url + "?@microsoft.graph.conflictBehavior=fail"
    assert call.request.body == b"abc"


def test_upload_to_user_path_without_onedrive(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.put(f"{GRAPH}/users/u-2/drive/root:/A/b.docx:/content", status=404, json=NOT_FOUND)
    with pytest.raises(errors.DriveNotProvisioned):
        drive.upload_to_user_path("u-2", ["A", "b.docx"], b"x")


def test_upload_to_user_path_conflict_with_fail(drive: Drive, rsps: responses.RequestsMock) -> None:
    rsps.put(f"{GRAPH}/users/u-3/drive/root:/A/b.docx:/content", status=409,
             json={"error": {"code": "nameAlreadyExists", "message": "exists"}})
    with pytest.raises(errors.Conflict):
        drive.upload_to_user_path("u-3", ["A", "b.docx"], b"x", conflict="fail")


def test_a_download_url_never_shows_in_an_items_repr() -> None:
    item = Drive.item_from(_file(**{"@microsoft.graph.downloadUrl": "https://x/download.aspx?tempauth=secret"}), DRIVE)
    assert item.download_url and "tempauth" not in repr(item)
