"""Drive answers as Microsoft documents them: addressing the way SDKs do it, the properties of a
driveItem and a permission, completing an upload session by request, and a OneDrive that is
missing for want of a licence (docs/graph.md#onedrive, docs/sandbox.md#graph-routes)."""
from __future__ import annotations

from urllib.parse import quote

import pytest
import requests

from connectors.sandbox import FaultSpec, Sandbox
from connectors.sandbox.seed import SeedError, load_seed
from tests.sandbox.conftest import Client

CHUNK = 327_680


def _drive(graph: Client, user: str = "anna.berg@example.se") -> str:
    return str(graph.get(f"/users/{user}/drive").json()["id"])


def test_items_root_and_paths_relative_to_any_item(graph: Client) -> None:
    d = _drive(graph)
    root = graph.get(f"/drives/{d}/root").json()
    assert graph.get(f"/drives/{d}/items/root").json()["id"] == root["id"]
    assert graph.get(f"/drives/{d}/items/ROOT").json()["id"] == root["id"]
    made = graph.call("PUT", f"/drives/{d}/items/root:/a/b.docx:/content", data=b"one")
    assert made.status_code == 201 and made.json()["name"] == "b.docx"
    folder = graph.get(f"/drives/{d}/items/root:/a:").json()
    assert [c["name"] for c in graph.get(f"/drives/{d}/items/root/children").json()["value"]] == ["a"]
    relative = graph.get(f"/drives/{d}/items/{folder['id']}:/b.docx:")
    assert relative.status_code == 200 and relative.json()["id"] == made.json()["id"]
    assert graph.get(f"/drives/{d}/items/{folder['id']}:/b.docx:/content").status_code == 302


def test_a_path_put_whole_into_the_item_segment_as_sdks_send_it(graph: Client) -> None:
    """Microsoft's Python SDK sends ``by_drive_item_id("root:/a b/c#1.docx:")`` as one
    percent-encoded segment: ``items/root%3A%2Fa%20b%2Fc%231.docx%3A/content``."""
    d = _drive(graph)
    segment = quote("root:/Mapp med mellanslag/c#1 100%.docx:", safe="")
    put = graph.call("PUT", f"/drives/{d}/items/{segment}/content", data=b"hello")
    assert put.status_code == 201 and put.json()["name"] == "c#1 100%.docx"
    by_path = graph.get(f"/drives/{d}/root:/Mapp%20med%20mellanslag/c%231%20100%25.docx:")
    assert by_path.status_code == 200 and by_path.json()["id"] == put.json()["id"]
    got = graph.get(f"/drives/{d}/items/{segment}")
    assert got.status_code == 200 and got.json()["id"] == put.json()["id"]
    folder = by_path.json()["parentReference"]["id"]
    relative = graph.get(f"/drives/{d}/items/{quote(folder + ':/c#1 100%.docx:', safe='')}")
    assert relative.status_code == 200 and relative.json()["id"] == put.json()["id"]
    children = graph.get(f"/drives/{d}/items/{quote('root:/Mapp med mellanslag:', safe='')}/children")
    assert [c["name"] for c in children.json()["value"]] == ["c#1 100%.docx"]


def test_a_drive_item_carries_the_documented_properties(graph: Client) -> None:
    d = _drive(graph, "per.lind@example.se")
    per = graph.get("/users/per.lind@example.se").json()
    made = graph.call("PUT", f"/drives/{d}/root:/Samtal%202027/Form.docx:/content", data=b"v1").json()
    app = {"application": {"id": made["createdBy"]["application"]["id"], "displayName": "samtal sandbox client"},
           "user": {"displayName": "SharePoint App"}}
    assert made["createdBy"] == app and made["lastModifiedBy"] == app
    assert made["fileSystemInfo"] == {"createdDateTime": made["createdDateTime"],
                                      "lastModifiedDateTime": made["lastModifiedDateTime"]}
    ref = made["parentReference"]
    folder = graph.get(f"/drives/{d}/root:/Samtal%202027:").json()
    assert ref == {"driveType": "business", "driveId": d, "id": folder["id"], "name": "Samtal 2027",
                   "path": "/drive/root:/Samtal%202027", "siteId": ref["siteId"]}
    assert ref["siteId"].startswith("example-my.sharepoint.com,") and len(ref["siteId"].split(",")) == 3
    assert folder["parentReference"]["name"] == "OneDrive" and folder["parentReference"]["path"] == "/drive/root:"
    assert "cTag" not in folder and made["cTag"].startswith('"c:{') and made["eTag"].startswith('"{')
    assert made["file"]["mimeType"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    root = graph.get(f"/drives/{d}/root").json()
    assert root["root"] == {} and set(root["parentReference"]) == {"driveType", "driveId", "siteId"}
    graph.control("PUT", "drives/per.lind@example.se/content", params={"path": "/Samtal 2027/Form.docx"}, data=b"v2")
    saved = graph.get(f"/drives/{d}/items/{made['id']}").json()
    assert saved["lastModifiedBy"] == {"user": {"email": per["mail"], "id": per["id"], "displayName": per["displayName"]}}
    assert saved["createdBy"] == app
    site = graph.get("/sites/example.sharepoint.com:/sites/hr").json()
    library = graph.get(f"/sites/{site['id']}/drive").json()
    assert library["driveType"] == "documentLibrary"
    doc = graph.call("PUT", f"/drives/{library['id']}/root:/x.docx:/content", data=b"x").json()
    assert doc["parentReference"]["driveType"] == "documentLibrary" and doc["parentReference"]["siteId"] == site["id"]


def test_a_permission_names_its_person_in_granted_to_v2_by_default(graph: Client) -> None:
    d = _drive(graph)
    per = graph.get("/users/per.lind@example.se").json()
    folder = graph.post(f"/drives/{d}/root/children", json={"name": "Per", "folder": {}}).json()
    perm = graph.post(f"/drives/{d}/items/{folder['id']}/invite", json={
        "recipients": [{"email": "per.lind@example.se"}], "roles": ["write"], "requireSignIn": True,
        "sendInvitation": False}).json()["value"][0]
    person = {"email": per["mail"], "id": per["id"], "displayName": per["displayName"]}
    assert perm["grantedTo"] == {"user": person}
    assert perm["grantedToV2"]["user"] == person
    site_user = perm["grantedToV2"]["siteUser"]
    assert site_user["loginName"] == f"i:0#.f|membership|{per['userPrincipalName'].lower()}"
    assert site_user["id"].isdigit() and site_user["email"] == per["mail"]
    assert perm["@deprecated.GrantedTo"] == "GrantedTo has been deprecated. Refer to GrantedToV2"


def _upload_all(graph: Client, d: str, path: str, data: bytes, **item: object) -> tuple[str, requests.Response]:
    body: dict[str, object] = {"item": {"@microsoft.graph.conflictBehavior": "replace", **item}}
    if "deferCommit" in item:
        body = {"item": {"@microsoft.graph.conflictBehavior": "replace"}, "deferCommit": item["deferCommit"]}
    url = graph.post(f"/drives/{d}/root:/{path}:/createUploadSession", json=body).json()["uploadUrl"]
    last = None
    for start in range(0, len(data), CHUNK):
        part = data[start:start + CHUNK]
        last = requests.put(url, data=part, timeout=5, headers={
            "Content-Range": f"bytes {start}-{start + len(part) - 1}/{len(data)}"})
    assert last is not None
    return url, last


def test_a_deferred_session_is_completed_by_an_empty_post(graph: Client) -> None:
    d = _drive(graph)
    data = bytes(range(256)) * 1500  # 384,000 bytes: two fragments
    url, last = _upload_all(graph, d, "Docs/Stor.docx", data, deferCommit=True)
    assert last.status_code == 202 and last.json()["nextExpectedRanges"] == []
    assert graph.get(f"/drives/{d}/root:/Docs/Stor.docx:").status_code == 404  # not there yet
    assert requests.post(url, data=b"x", timeout=5).status_code == 400  # the completing POST is empty
    done = requests.post(url, timeout=5)
    assert done.status_code == 201 and done.json()["size"] == len(data)
    item = graph.get(f"/drives/{d}/root:/Docs/Stor.docx:/content")
    assert requests.get(item.headers["Location"], timeout=5).content == data
    assert requests.get(url, timeout=5).status_code == 404  # the session ended


def test_a_session_that_met_a_conflict_is_committed_by_put_with_its_url() -> None:
    """Fault ``upload_conflict``: the last fragment answers 409 and keeps the bytes; a PUT of the
    item by path with ``name``, ``conflictBehavior`` and ``sourceUrl`` commits them."""
    seed = {"users": [{"userPrincipalName": "anna@example.se", "displayName": "Anna"}]}
    sandbox = Sandbox.from_seed(seed, faults=FaultSpec.parse("upload_conflict=1"))
    with sandbox.serve(port=0) as server:
        graph = Client(server.graph_url)
        d = _drive(graph, "anna@example.se")
        old = graph.call("PUT", f"/drives/{d}/root:/Docs/Stor.docx:/content", data=b"old").json()
        data = bytes(range(256)) * 1500
        url, last = _upload_all(graph, d, "Docs/Stor.docx", data)
        assert last.status_code == 409 and last.json()["error"]["code"] == "nameAlreadyExists"
        assert requests.get(url, timeout=5).json()["nextExpectedRanges"] == []
        commit = {"name": "Stor.docx", "@microsoft.graph.conflictBehavior": "replace", "@microsoft.graph.sourceUrl": url}
        stale = graph.call("PUT", f"/drives/{d}/root:/Docs/Stor.docx:", json=commit, headers={"If-Match": '"{X},9"'})
        assert stale.status_code == 412
        replaced = graph.call("PUT", f"/drives/{d}/root:/Docs/Stor.docx:", json=commit)
        assert replaced.status_code == 200 and replaced.json()["id"] == old["id"]
        assert replaced.json()["size"] == len(data) and requests.get(url, timeout=5).status_code == 404
        # rename, committed through the parent folder's path as the page's example does
        url2, _ = _upload_all(graph, d, "Docs/Stor.docx", data[:1000])
        renamed = graph.call("PUT", f"/drives/{d}/root:/Docs:", json={
            "name": "Stor.docx", "@microsoft.graph.conflictBehavior": "rename", "@microsoft.graph.sourceUrl": url2})
        assert renamed.status_code == 201 and renamed.json()["name"] == "Stor 1.docx"
        # a URL that is no upload session of this tenant, and a session still missing bytes
        foreign = graph.call("PUT", f"/drives/{d}/root:/Docs/Stor.docx:", json={
            **commit, "@microsoft.graph.sourceUrl": "https://example.org/file.docx"})
        assert foreign.status_code == 400
        url3 = graph.post(f"/drives/{d}/root:/Docs/Half.docx:/createUploadSession", json={}).json()["uploadUrl"]
        requests.put(url3, data=data[:CHUNK], timeout=5, headers={"Content-Range": f"bytes 0-{CHUNK - 1}/{len(data)}"})
        half = graph.call("PUT", f"/drives/{d}/root:/Docs/Half.docx:", json={**commit, "@microsoft.graph.sourceUrl": url3})
        assert half.status_code == 400 and graph.get(f"/drives/{d}/root:/Docs/Half.docx:").status_code == 404


def test_a_onedrive_missing_for_want_of_a_licence_answers_400() -> None:
    seed = {"users": [{"userPrincipalName": "anna@example.se", "displayName": "Anna"},
                      {"userPrincipalName": "ola@example.se", "displayName": "Ola", "oneDrive": "unlicensed"},
                      {"userPrincipalName": "nils@example.se", "displayName": "Nils", "oneDrive": False}]}
    sandbox = Sandbox.from_seed(seed)
    with sandbox.serve(port=0) as server:
        graph = Client(server.graph_url)
        for path in ("/users/ola@example.se/drive", "/users/ola@example.se/drive/root:/a/b.docx:"):
            r = graph.get(path)
            assert r.status_code == 400 and r.json()["error"]["code"] == "BadRequest"
            assert r.json()["error"]["message"] == "Unable to retrieve user's mysite URL."
        put = graph.call("PUT", "/users/ola@example.se/drive/root:/a/b.docx:/content", data=b"x")
        assert put.status_code == 400
        missing = graph.get("/users/nils@example.se/drive")
        assert missing.status_code == 404 and missing.json()["error"]["message"] == "User's mysite not found."
    with pytest.raises(SeedError, match="oneDrive must be true or false, unlicensed, not 'yes'"):
        load_seed({"users": [{"userPrincipalName": "a@example.se", "displayName": "A", "oneDrive": "yes"}]})


def test_lists_and_list_items_name_the_app_that_wrote_them(graph: Client) -> None:
    site = graph.get("/sites/example.sharepoint.com:/sites/hr").json()
    lst = graph.post(f"/sites/{site['id']}/lists", json={"displayName": "Prov", "list": {"template": "genericList"}})
    assert lst.status_code == 201
    item = graph.post(f"/sites/{site['id']}/lists/{lst.json()['id']}/items", json={"fields": {"Title": "x"}}).json()
    for body in (lst.json(), item):
        assert body["createdBy"]["user"] == {"displayName": "SharePoint App"}
        assert body["lastModifiedBy"]["user"] == {"displayName": "SharePoint App"}
        assert body["createdBy"]["application"]["displayName"] == "samtal sandbox client"
