"""What a DELETE moves to the recycle bins, read and restored through the control routes
(docs/sandbox.md#the-recycle-bins); a column added to an existing list."""
from __future__ import annotations

from connectors.sandbox import Sandbox
from connectors.sandbox.state import Tenant
from tests.sandbox.conftest import Client

SITE = "/sites/example.sharepoint.com:/sites/hr"


def _drive(graph: Client, user: str = "per.lind@example.se") -> str:
    return str(graph.get(f"/users/{user}/drive").json()["id"])


def _bin(graph: Client, **params: str) -> list[dict]:
    r = graph.control("GET", "recyclebin", params=params)
    assert r.status_code == 200
    return list(r.json()["value"])


def test_a_deleted_folder_goes_with_its_files_and_its_share_and_comes_back_whole(graph: Client) -> None:
    d = _drive(graph)
    made = graph.call("PUT", f"/drives/{d}/root:/Samtal/2025/Per/Form.docx:/content", data=b"the form")
    assert made.status_code == 201
    folder = graph.get(f"/drives/{d}/root:/Samtal/2025/Per:").json()
    shared = graph.post(f"/drives/{d}/items/{folder['id']}/invite", json={
        "recipients": [{"email": "anna.berg@example.se"}], "roles": ["write"], "requireSignIn": True,
        "sendInvitation": False})
    assert shared.status_code == 200
    assert graph.call("DELETE", f"/drives/{d}/items/{folder['id']}").status_code == 204
    assert graph.get(f"/drives/{d}/items/{folder['id']}").status_code == 404
    assert graph.get(f"/drives/{d}/items/{made.json()['id']}").status_code == 404
    assert graph.get(f"/drives/{d}/root:/Samtal/2025:").json()["folder"]["childCount"] == 0

    [entry] = _bin(graph)
    assert entry["kind"] == "driveItem" and entry["driveId"] == d and entry["itemId"] == folder["id"]
    assert (entry["name"], entry["path"], entry["folder"], entry["itemCount"]) == ("Per", "/Samtal/2025/Per", True, 2)
    assert _bin(graph, drive="per.lind@example.se") == [entry] and _bin(graph, drive="anna.berg@example.se") == []

    restored = graph.control("POST", f"recyclebin/{entry['id']}/restore")
    assert restored.status_code == 200 and restored.json()["itemId"] == folder["id"]
    assert _bin(graph) == []
    moved = graph.get(f"/drives/{d}/items/{made.json()['id']}/content")
    assert moved.status_code == 302 and graph.get(moved.headers["Location"]).content == b"the form"
    perms = graph.get(f"/drives/{d}/items/{folder['id']}/permissions").json()["value"]
    assert any((p.get("grantedTo") or {}).get("user", {}).get("email") == "anna.berg@example.se" for p in perms)
    assert graph.control("POST", f"recyclebin/{entry['id']}/restore").status_code == 404  # restored once


def test_a_file_whose_folder_was_deleted_after_it_comes_back_in_a_folder_made_again(graph: Client) -> None:
    d = _drive(graph)
    file = graph.call("PUT", f"/drives/{d}/root:/Samtal/2025/Guide.docx:/content", data=b"guide").json()
    top = graph.get(f"/drives/{d}/root:/Samtal/2025:").json()
    assert graph.call("DELETE", f"/drives/{d}/items/{file['id']}").status_code == 204
    assert graph.call("DELETE", f"/drives/{d}/items/{top['id']}").status_code == 204
    first, second = _bin(graph)
    assert (first["name"], second["name"]) == ("Guide.docx", "2025")
    assert graph.control("POST", f"recyclebin/{first['id']}/restore").status_code == 200
    again = graph.get(f"/drives/{d}/root:/Samtal/2025/Guide.docx:")
    assert again.status_code == 200 and again.json()["id"] == file["id"]
    # the folder made again stands where the deleted one was: that one cannot come back over it
    clash = graph.control("POST", f"recyclebin/{second['id']}/restore")
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "nameAlreadyExists"


def test_a_stale_if_match_deletes_nothing(graph: Client) -> None:
    d = _drive(graph)
    file = graph.call("PUT", f"/drives/{d}/root:/Samtal/x.docx:/content", data=b"1").json()
    graph.call("PUT", f"/drives/{d}/items/{file['id']}/content", data=b"2")
    stale = graph.call("DELETE", f"/drives/{d}/items/{file['id']}", headers={"If-Match": file["eTag"]})
    assert stale.status_code == 412 and _bin(graph) == []
    assert graph.get(f"/drives/{d}/items/{file['id']}").status_code == 200


def test_a_deleted_list_item_keeps_its_fields_and_its_id_and_the_bin_is_saved(graph: Client, sandbox: Sandbox) -> None:
    site = graph.get(SITE).json()["id"]
    lst = graph.post(f"/sites/{site}/lists", json={"displayName": "R", "columns": [
        {"name": "Key", "text": {}, "indexed": True}]}).json()["id"]
    base = f"/sites/{site}/lists/{lst}/items"
    item = graph.post(base, json={"fields": {"Title": "Per", "Key": "2025:per"}}).json()
    assert graph.call("DELETE", f"{base}/{item['id']}").status_code == 204
    [entry] = _bin(graph, site=site)
    assert entry["kind"] == "listItem" and entry["listId"] == lst and entry["itemId"] == item["id"]
    assert entry["fields"] == {"Title": "Per", "Key": "2025:per"}

    saved = Tenant.from_json(sandbox.tenant.to_json())
    assert saved.data["recycleBin"] == sandbox.tenant.data["recycleBin"]

    assert graph.control("POST", f"recyclebin/{entry['id']}/restore").status_code == 200
    back = graph.get(f"{base}/{item['id']}", params={"$expand": "fields"}).json()
    assert back["fields"]["Key"] == "2025:per"
    assert graph.control("POST", "recyclebin/nope/restore").status_code == 404


def test_a_column_is_added_to_an_existing_list_once(graph: Client) -> None:
    site = graph.get(SITE).json()["id"]
    lst = graph.post(f"/sites/{site}/lists", json={"displayName": "R", "columns": [
        {"name": "Key", "text": {}, "indexed": True}]}).json()["id"]
    added = graph.post(f"/sites/{site}/lists/{lst}/columns", json={"name": "Hold", "boolean": {}})
    assert added.status_code == 201 and added.json()["name"] == "Hold" and added.json()["boolean"] == {}
    names = [c["name"] for c in graph.get(f"/sites/{site}/lists/{lst}/columns").json()["value"]]
    assert names == ["Title", "Key", "Hold"]
    again = graph.post(f"/sites/{site}/lists/{lst}/columns", json={"name": "hold", "boolean": {}})
    assert again.status_code == 409 and again.json()["error"]["code"] == "nameAlreadyExists"
    item = graph.post(f"/sites/{site}/lists/{lst}/items", json={"fields": {"Key": "k", "Hold": True}})
    assert item.status_code == 201 and item.json()["fields"]["Hold"] is True
