"""Drives, upload sessions, sharing against docs/graph.md#onedrive."""
from __future__ import annotations

import json

import pytest
import requests

from connectors.sandbox import Sandbox
from connectors.sandbox.seed import SeedError, load_seed
from tests.sandbox.conftest import Client

CHUNK = 327_680


def _drive(graph: Client, user: str = "anna.berg@example.se") -> str:
    return str(graph.get(f"/users/{user}/drive").json()["id"])


def test_unprovisioned_drive_404(graph: Client) -> None:
    assert graph.get("/users/no.drive@example.se/drive").status_code == 404


def test_folders_conflicts_and_paths(graph: Client) -> None:
    d = _drive(graph)
    made = graph.post(f"/drives/{d}/root:/Medarbetarsamtal%202027:/children", json={"name": "x", "folder": {}})
    assert made.status_code == 404  # parent missing
    top = graph.post(f"/drives/{d}/root/children", json={"name": "Medarbetarsamtal 2027", "folder": {}})
    assert top.status_code == 201 and top.json()["folder"] == {"childCount": 0}
    body = {"name": "Åsa Öberg", "folder": {}, "@microsoft.graph.conflictBehavior": "fail"}
    assert graph.post(f"/drives/{d}/root:/Medarbetarsamtal%202027:/children", json=body).status_code == 201
    dup = graph.post(f"/drives/{d}/root:/medarbetarsamtal%202027:/children", json=body)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "nameAlreadyExists"
    renamed = graph.post(f"/drives/{d}/root:/Medarbetarsamtal%202027:/children", json={**body, "@microsoft.graph.conflictBehavior": "rename"})
    assert renamed.json()["name"] == "Åsa Öberg 1"
    got = graph.get(f"/drives/{d}/root:/MEDARBETARSAMTAL%202027/%C3%85sa%20%C3%96berg:")
    assert got.status_code == 200 and got.json()["parentReference"]["path"] == "/drive/root:/Medarbetarsamtal%202027"  # percent-encoded


def test_name_rules(graph: Client) -> None:
    d = _drive(graph)
    for bad in ('a"b', "a*b", "a:b", "a<b", "a|b", " lead", "trail ", "dot.", "CON", "desktop.ini", "~$x"):
        r = graph.post(f"/drives/{d}/root/children", json={"name": bad, "folder": {}})
        assert r.status_code == 400, bad
        assert r.json()["error"]["code"] == "invalidRequest" and r.json()["error"]["innerError"]["code"] == "invalidPath"
    long = "/".join(["x" * 50] * 9)
    r = graph.call("PUT", f"/drives/{d}/root:/{long}/f.docx:/content", data=b"x")
    assert r.status_code == 400 and r.json()["error"]["innerError"]["code"] == "pathIsTooLong"


def test_put_content_creates_parents_and_replaces(graph: Client) -> None:
    d = _drive(graph)
    first = graph.call("PUT", f"/drives/{d}/root:/A/B/Underlag.docx:/content", data=b"one")
    assert first.status_code == 201 and first.json()["size"] == 3 and "cTag" in first.json()
    second = graph.call("PUT", f"/drives/{d}/root:/a/b/underlag.docx:/content", data=b"two!")
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    assert second.json()["eTag"] != first.json()["eTag"]
    children = graph.get(f"/drives/{d}/root:/A/B:/children").json()["value"]
    assert [c["name"] for c in children] == ["Underlag.docx"]
    content = graph.get(f"/drives/{d}/items/{first.json()['id']}/content")
    assert content.status_code == 302
    assert requests.get(content.headers["Location"], timeout=5).content == b"two!"


def test_children_paging(graph: Client) -> None:
    d = _drive(graph)
    for i in range(5):
        graph.post(f"/drives/{d}/root/children", json={"name": f"f{i}", "folder": {}})
    names, url = [], f"/drives/{d}/root/children?$top=2"
    while url:
        body = graph.get(url).json()
        names += [c["name"] for c in body["value"]]
        url = body.get("@odata.nextLink")
    assert names == [f"f{i}" for i in range(5)]


def test_upload_session(graph: Client) -> None:
    d = _drive(graph)
    s = graph.post(f"/drives/{d}/root:/Docs/Stort.docx:/createUploadSession", json={"item": {"@microsoft.graph.conflictBehavior": "fail"}}).json()
    url = s["uploadUrl"]
    assert "/v1.0" not in url and s["nextExpectedRanges"] == ["0-"]
    data = bytes(range(256)) * 3000  # 768,000 bytes
    assert requests.put(url, data=data[:CHUNK], headers={"Authorization": "Bearer x", "Content-Range": f"bytes 0-{CHUNK - 1}/{len(data)}"}, timeout=5).status_code == 401
    odd = requests.put(url, data=data[:1000], headers={"Content-Range": f"bytes 0-999/{len(data)}"}, timeout=5)
    assert odd.status_code == 400  # not a multiple of 320 KiB
    r = requests.put(url, data=data[:CHUNK], headers={"Content-Range": f"bytes 0-{CHUNK - 1}/{len(data)}"}, timeout=5)
    assert r.status_code == 202 and r.json()["nextExpectedRanges"] == [f"{CHUNK}-"]
    overlap = requests.put(url, data=data[:CHUNK], headers={"Content-Range": f"bytes 0-{CHUNK - 1}/{len(data)}"}, timeout=5)
    assert overlap.status_code == 416
    assert requests.get(url, timeout=5).json()["nextExpectedRanges"] == [f"{CHUNK}-"]
    rest = data[CHUNK:]
    done = requests.put(url, data=rest, headers={"Content-Range": f"bytes {CHUNK}-{len(data) - 1}/{len(data)}"}, timeout=5)
    assert done.status_code == 201 and done.json()["size"] == len(data)
    assert requests.get(url, timeout=5).status_code == 404  # session finished
    s2 = graph.post(f"/drives/{d}/root:/Docs/x.docx:/createUploadSession", json={}).json()
    assert requests.delete(s2["uploadUrl"], timeout=5).status_code == 204


def test_invite_and_inherited_permissions(graph: Client) -> None:
    d = _drive(graph)
    folder = graph.post(f"/drives/{d}/root/children", json={"name": "Per", "folder": {}}).json()
    r = graph.post(f"/drives/{d}/items/{folder['id']}/invite", json={
        "recipients": [{"email": "per.lind@example.se"}, {"objectId": graph.get("/users/asa.oberg@example.se").json()["id"]}],
        "roles": ["write"], "requireSignIn": True, "sendInvitation": False})
    assert r.status_code == 200
    perms = r.json()["value"]
    assert [p["grantedTo"]["user"]["email"] for p in perms] == ["per.lind@example.se", "asa.oberg@example.se"]
    doc = graph.call("PUT", f"/drives/{d}/items/{folder['id']}:/Underlag.docx:/content", data=b"x").json()
    listed = graph.get(f"/drives/{d}/items/{doc['id']}/permissions").json()["value"]
    inherited = [p for p in listed if p.get("inheritedFrom", {}).get("id") == folder["id"]]
    assert len(inherited) == 2
    assert graph.call("DELETE", f"/drives/{d}/items/{doc['id']}/permissions/{inherited[0]['id']}").status_code == 400
    assert graph.call("DELETE", f"/drives/{d}/items/{folder['id']}/permissions/{inherited[0]['id']}").status_code == 204
    guest = graph.post(f"/drives/{d}/items/{folder['id']}/invite", json={
        "recipients": [{"email": "stranger@else.where"}], "roles": ["read"], "requireSignIn": True})
    assert guest.status_code == 400


def test_user_uploads_new_version(graph: Client) -> None:
    d = _drive(graph, "per.lind@example.se")
    before = graph.call("PUT", f"/drives/{d}/root:/Samtal/Form.docx:/content", data=b"v1").json()
    r = graph.control("PUT", "drives/per.lind@example.se/content", params={"path": "/Samtal/Form.docx"}, data=b"v2 by Per")
    assert r.status_code == 200
    after = graph.get(f"/drives/{d}/items/{before['id']}").json()
    assert after["eTag"] != before["eTag"] and after["cTag"] != before["cTag"] and after["size"] == 9


def test_if_match_guards_a_replace_against_a_concurrent_save(graph: Client) -> None:
    """If-Match with the eTag (or cTag) read earlier: the write happens only while the file is
    still that version; once someone saved a new one, 412 resourceModified and nothing changes."""
    d = _drive(graph, "per.lind@example.se")
    first = graph.call("PUT", f"/drives/{d}/root:/Samtal/Form.docx:/content", data=b"v1").json()
    item = f"/drives/{d}/items/{first['id']}"
    ours = graph.call("PUT", f"{item}/content", data=b"v2 by samtal", headers={"If-Match": first["eTag"]})
    assert ours.status_code == 200 and ours.json()["eTag"] != first["eTag"]
    stale = graph.call("PUT", f"{item}/content", data=b"v3 by samtal", headers={"If-Match": first["eTag"]})
    assert stale.status_code == 412
    error = stale.json()["error"]
    assert (error["code"], error["innerError"]["code"]) == ("resourceModified", "entityTagDoesNotMatch")
    by_ctag = graph.call("PUT", f"{item}/content", data=b"v3 by samtal", headers={"If-Match": ours.json()["cTag"]})
    assert by_ctag.status_code == 200
    graph.control("PUT", "drives/per.lind@example.se/content", params={"path": "/Samtal/Form.docx"}, data=b"Per's")
    late = graph.call("PUT", f"{item}/content", data=b"v4 by samtal", headers={"If-Match": by_ctag.json()["eTag"]})
    assert late.status_code == 412
    assert requests.get(graph.get(f"{item}/content").headers["Location"], timeout=5).content == b"Per's"
    assert graph.call("PUT", f"{item}/content", data=b"any", headers={"If-Match": "*"}).status_code == 200
    missing = graph.call("PUT", f"/drives/{d}/root:/Samtal/Nope.docx:/content", data=b"x", headers={"If-Match": "*"})
    assert missing.status_code == 412  # nothing there to match
    current = graph.get(item).json()["eTag"]
    assert graph.post(f"{item}/createUploadSession", json={}, headers={"If-Match": first["eTag"]}).status_code == 412
    assert graph.post(f"{item}/createUploadSession", json={}, headers={"If-Match": current}).status_code == 200


def test_folder_with_its_children_in_one_get(graph: Client) -> None:
    d = _drive(graph)
    graph.call("PUT", f"/drives/{d}/root:/Samtal/Per%20(1)/a.docx:/content", data=b"a")
    graph.call("PUT", f"/drives/{d}/root:/Samtal/Per%20(1)/b.docx:/content", data=b"bb")
    got = graph.get(f"/users/anna.berg@example.se/drive/root:/Samtal/per%20(1):?$expand=children")
    assert got.status_code == 200 and got.json()["folder"] == {"childCount": 2}
    assert sorted((c["name"], c["size"]) for c in got.json()["children"]) == [("a.docx", 1), ("b.docx", 2)]
    assert "children" not in graph.get(f"/drives/{d}/root:/Samtal/Per%20(1):").json()
    assert graph.get(f"/drives/{d}/root:/Samtal/Nobody:?$expand=children").status_code == 404


def test_permissions_as_microsofts_examples_show_them() -> None:
    """``tenant.variants.permissions: documented``: grantedToV2 and grantedTo, the id in upper
    case, a display name and no e-mail, no inheritedFrom; invited by objectId as well."""
    seed = {"tenant": {"domain": "example.se", "variants": {"permissions": "documented"}},
            "users": [{"userPrincipalName": "anna@example.se", "displayName": "Anna"},
                      {"userPrincipalName": "per@example.se", "displayName": "Per", "manager": "anna@example.se"}]}
    sandbox = Sandbox.from_seed(seed)
    with sandbox.serve(port=0) as server:
        graph = Client(server.graph_url)
        per = graph.get("/users/per@example.se").json()["id"]
        d = _drive(graph, "anna@example.se")
        folder = graph.post(f"/drives/{d}/root/children", json={"name": "Per", "folder": {}}).json()
        invited = graph.post(f"/drives/{d}/items/{folder['id']}/invite", json={
            "recipients": [{"objectId": per.upper()}], "roles": ["write"], "requireSignIn": True,
            "sendInvitation": False}).json()["value"]
        assert invited == [{
            "@deprecated.GrantedTo": "GrantedTo has been deprecated. Refer to GrantedToV2",
            "grantedTo": {"user": {"displayName": "Per", "id": per.upper()}},
            "grantedToV2": {"user": {"id": per.upper(), "displayName": "Per"},
                            "siteUser": {"id": "2", "displayName": "Per", "loginName": "Per"}},
            "id": invited[0]["id"], "roles": ["write"]}]
        doc = graph.call("PUT", f"/drives/{d}/items/{folder['id']}:/x.docx:/content", data=b"x").json()
        listed = graph.get(f"/drives/{d}/items/{doc['id']}/permissions").json()["value"]
        anna = graph.get("/users/anna@example.se").json()["id"]
        assert sorted((p["grantedToV2"]["user"]["id"], p["roles"]) for p in listed) == sorted(
            [(per.upper(), ["write"]), (anna.upper(), ["owner"])])
        assert all("inheritedFrom" not in p and "email" not in json.dumps(p) for p in listed)
        # inherited permissions still cannot be removed on the child
        assert graph.call("DELETE", f"/drives/{d}/items/{doc['id']}/permissions/{invited[0]['id']}").status_code == 400
        assert graph.call("DELETE", f"/drives/{d}/items/{folder['id']}/permissions/{invited[0]['id']}").status_code == 204


def test_an_unknown_variant_is_refused() -> None:
    with pytest.raises(SeedError, match="tenant.variants.permissions: must be one of default, documented"):
        load_seed({"tenant": {"variants": {"permissions": "strange"}},
                   "users": [{"userPrincipalName": "a@example.se", "displayName": "A"}]})
    with pytest.raises(SeedError, match="tenant.variants.batches: unknown variant"):
        load_seed({"tenant": {"variants": {"batches": "x"}},
                   "users": [{"userPrincipalName": "a@example.se", "displayName": "A"}]})
