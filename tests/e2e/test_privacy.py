"""A folder belongs to exactly one talk (docs/architecture.md#privacy): the privacy check itself,
long names whose first 80+ characters are the same, a folder at a talk's path that is another's,
and a manager change on a tenant that answers permissions as Microsoft's documented examples do."""
from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from plugin.documents import TalkContext, render_form
from plugin.placement import FILE_NAMES
from tests.e2e.checks import check_round, items_by_key, path_segments
from tests.e2e.conftest import NOW, ServeFactory, Served, team_seed
from tests.e2e.privacy import OverShared, check_privacy

# A department prefix longer than the 80 characters names used to be cut to.
PREFIX = ("Institutionen för matematik, avdelningen för tillämpad matematik och matematisk "
          "statistik (KTH) – ")
assert len(PREFIX) > 80


def long_names_seed() -> dict[str, Any]:
    """Two managers whose own names start with PREFIX; each has two reports named PREFIX + "Anna
    Svensson" / "Anna Svenberg": one pair in their own OneDrives, one pair without (their folders
    go to the manager's OneDrive, beside the manager's own talk folder)."""
    people: list[dict[str, Any]] = [
        {"userPrincipalName": "head@example.se", "displayName": "Hedda Head"},
        {"userPrincipalName": "maria@example.se", "displayName": PREFIX + "Maria Chef", "manager": "head@example.se"},
        {"userPrincipalName": "mats@example.se", "displayName": PREFIX + "Mats Chef", "manager": "head@example.se"},
    ]
    for boss, drive in (("maria", True), ("mats", False)):
        for who, name in (("svensson", "Anna Svensson"), ("svenberg", "Anna Svenberg")):
            people.append({"userPrincipalName": f"{who}.{boss}@example.se", "displayName": PREFIX + name,
                           "manager": f"{boss}@example.se", "oneDrive": drive,
                           "preferredLanguage": "sv-SE"})
    return {"tenant": {"domain": "example.se"}, "users": people,
            "sites": [{"path": "/sites/hr", "displayName": "HR"}]}


def scheduled(served: Served) -> dict[str, dict[str, Any]]:
    return {f["Title"] + " / " + f["ManagerName"]: f for f in items_by_key(served.state()).values()
            if f["Status"] == "scheduled"}


# ---------------------------------------------------------------------------- the check itself
def test_the_privacy_check_catches_each_kind_of_over_share(serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(2))
    served.run(NOW)
    tenant = served.sandbox.tenant
    check_privacy(tenant.data, tenant.blobs)  # a clean round passes
    talks = [f for f in items_by_key(served.state()).values() if f["Status"] == "scheduled"]
    talk, other = talks[0], talks[1]
    drive = tenant.data["drives"][talk["DriveId"]]
    folder = drive["items"][talk["FolderId"]]
    campaign = drive["items"][folder["parentId"]]
    stranger = next(u for u in tenant.data["users"].values()
                    if u["id"] not in (talk["EmployeeId"], talk["ManagerId"]))
    grant = {"id": "planted", "roles": ["read"],
             "grantedTo": {"user": {"id": stranger["id"], "email": stranger["mail"], "displayName": "X"}}}
    link = {"id": "planted-link", "roles": ["read"], "link": {"scope": "organization", "type": "view"}}
    form = next(i for i in drive["items"].values() if i["id"] == talk["FormItemId"])
    plants = [
        (folder, grant, "is visible to"),              # a third person on a talk folder
        (campaign, grant, "outside every talk folder"),  # a grant on the campaign folder
        (form, link, "a sharing link"),                 # a link on a form
    ]
    for item, perm, words in plants:
        item["permissions"].append(perm)
        with pytest.raises(OverShared, match=words):
            check_privacy(tenant.data, tenant.blobs)
        item["permissions"].remove(perm)
    # a second talk's form in the folder
    ctx = TalkContext(campaign_id="2027", campaign_title="x", employee_id=other["EmployeeId"],
                      employee_name="x", manager_name="y", language="sv")
    tenant.blobs["planted-form"] = render_form(ctx)
    drive["items"]["planted-form"] = {**copy.deepcopy(form), "id": "planted-form", "name": "Kopia.docx"}
    with pytest.raises(OverShared, match="holds the forms of 2 talks"):
        check_privacy(tenant.data, tenant.blobs)
    del drive["items"]["planted-form"]
    # two records naming one folder
    items = next(lst for site in tenant.data["sites"].values() for lst in site["lists"].values()
                 if lst["displayName"] == "Medarbetarsamtal")["items"]
    entry = next(i for i in items.values() if i["fields"]["Key"] == other["Key"])
    kept = dict(entry["fields"])
    entry["fields"].update(DriveId=talk["DriveId"], FolderId=talk["FolderId"])
    with pytest.raises(OverShared, match="name one folder"):
        check_privacy(tenant.data, tenant.blobs)
    entry["fields"] = kept
    check_privacy(tenant.data, tenant.blobs)


# ---------------------------------------------------------------------------- long names
@pytest.mark.parametrize("owner", ["employee", "manager"])
def test_long_names_alike_in_their_first_80_characters_get_a_folder_each(
        serve_tenant: ServeFactory, owner: str) -> None:
    served = serve_tenant(long_names_seed(), folders_owner=owner)
    report = served.run(NOW)
    assert not report.retry_later
    state = served.state()
    items = check_round(served, state, folders_owner=owner)  # each form is its own talk's
    talks = [f for f in items.values() if f["Status"] == "scheduled"]
    assert len(talks) == 6  # two managers and four reports
    folders = {(f["DriveId"], f["FolderId"]) for f in talks}
    assert len(folders) == len(talks), "two talks share a folder"
    users = state["users"]
    for f in talks:
        drive = state["drives"][f["DriveId"]]
        name = path_segments(drive, drive["items"][f["FolderId"]])[-1]
        assert name.endswith(f"({f['EmployeeId']})"), name  # the whole id, never cut
        assert len(name) <= 120
        assert name.startswith(PREFIX[:40]), name
        if owner == "manager" or users[f["EmployeeId"]]["oneDrive"] is not True:
            assert drive["ownerId"] == f["ManagerId"]
        else:
            assert drive["ownerId"] == f["EmployeeId"]
    # Mats's own folder and his reports' folders are in one campaign folder of his OneDrive
    mats = next(u["id"] for u in users.values() if u["userPrincipalName"] == "mats@example.se")
    in_mats_drive = [f for f in talks if state["drives"][f["DriveId"]]["ownerId"] == mats]
    assert len(in_mats_drive) == (3 if owner == "employee" else 2)
    assert not served.run(NOW + timedelta(minutes=5)).actions  # a second pass finds every folder its own


# ---------------------------------------------------------------------------- a folder already there
def clash_seed() -> dict[str, Any]:
    """Maja manages four people without a OneDrive (their folders go to hers) and one with."""
    people: list[dict[str, Any]] = [
        {"userPrincipalName": "head@example.se", "displayName": "Hedda Head"},
        {"userPrincipalName": "maja@example.se", "displayName": "Maja Chef", "manager": "head@example.se"},
        {"userPrincipalName": "bo@example.se", "displayName": "Bo Berg", "manager": "maja@example.se"},
    ]
    for who in ("alva", "cecilia", "dan", "erik"):
        people.append({"userPrincipalName": f"{who}@example.se", "displayName": who.title() + " Ek",
                       "manager": "maja@example.se", "oneDrive": False, "preferredLanguage": "sv-SE"})
    return {"tenant": {"domain": "example.se"}, "users": people,
            "sites": [{"path": "/sites/hr", "displayName": "HR"}]}


def test_a_folder_at_a_talks_path_is_used_only_when_it_is_that_talks(serve_tenant: ServeFactory) -> None:
    """Before the round, Maja's OneDrive already has something where four talk folders go: Alva's
    folder holds Bo's form (copied there), Cecilia's a file of Maja's own, Dan's his own form (a
    pass that stopped), and a file stands where Erik's folder goes. Alva's, Cecilia's and Erik's
    talks fail with the reason and nothing is written or shared there; Dan's folder is his and
    is used."""
    served = serve_tenant(clash_seed())
    client = served.client()
    users = {u.upn.split("@")[0]: u for u in client.directory.list_users()}
    maja = users["maja"]

    def path(who: str, file: str) -> list[str]:
        u = users[who]
        return ["Medarbetarsamtal", "2027", f"{u.display_name} ({u.id})", file]

    def form_of(who: str) -> bytes:
        return render_form(TalkContext(campaign_id="2027", campaign_title="Medarbetarsamtal 2027",
                                       employee_id=users[who].id, employee_name=users[who].display_name,
                                       manager_name=maja.display_name, language="sv"))

    form = FILE_NAMES["sv"]["form"]
    planted = {
        "alva": client.drive.upload_to_user_path(maja.id, path("alva", form), form_of("bo")),
        "cecilia": client.drive.upload_to_user_path(maja.id, path("cecilia", "Anteckningar.txt"), b"Maja's"),
        "dan": client.drive.upload_to_user_path(maja.id, path("dan", form), form_of("dan")),
        "erik": client.drive.upload_to_user_path(maja.id, path("erik", "")[:-1], b"not a folder"),
    }
    before = served.state()

    report = served.run(NOW)
    assert not report.retry_later
    state = served.state()
    f = {state["users"][r["EmployeeId"]]["userPrincipalName"].split("@")[0]: r
         for r in items_by_key(state).values()}
    for who in ("alva", "cecilia"):
        assert f[who]["Status"] == "failed", (who, f[who])
        assert "is not this talk's" in f[who]["Note"] and "nothing was written" in f[who]["Note"]
        assert f[who]["Note"].count(maja.id) == 1 and users[who].display_name not in f[who]["Note"]
        item = planted[who]
        drive = state["drives"][item.drive_id]["items"]
        folder_id = item.parent_id
        assert folder_id is not None
        # the folder and what it holds are exactly as planted: no file added or replaced, no share
        assert {i: v for i, v in drive.items() if v["parentId"] == folder_id} == \
            {i: v for i, v in before["drives"][item.drive_id]["items"].items() if v["parentId"] == folder_id}
        assert drive[folder_id]["permissions"] == [] and not f[who]["DriveId"]
    assert "another talk" in f["alva"]["Note"] and "no document samtal made" in f["cecilia"]["Note"]
    assert f["erik"]["Status"] == "failed" and "a file stands where" in f["erik"]["Note"]
    assert not f["erik"]["DriveId"] and served.blob(planted["erik"].id) == b"not a folder"
    dan = f["dan"]
    assert dan["Status"] == "scheduled" and dan["FolderId"] == planted["dan"].parent_id
    assert dan["FormItemId"] == planted["dan"].id  # his form, kept as it was
    assert f["bo"]["Status"] == "scheduled" and f["bo"]["FolderId"] != planted["alva"].parent_id
    # the next pass tries the failed talks again, and they fail the same way, writing nothing
    again = served.run(NOW + timedelta(hours=7))
    assert {a.what for a in again.actions} <= {"failed"} and not again.retry_later
    assert served.state()["drives"] == state["drives"]


# ---------------------------------------------------------------------------- manager change
def documented(seed: dict[str, Any]) -> dict[str, Any]:
    seed = copy.deepcopy(seed)
    seed["tenant"]["variants"] = {"permissions": "documented"}
    return seed


def test_a_manager_change_takes_back_access_on_a_tenant_answering_as_documented(
        serve_tenant: ServeFactory) -> None:
    """Permissions answered as in Microsoft's examples (the id an upper-case GUID, a display name
    and no e-mail): the share is recognised as the manager's, and after the manager changes the
    former manager's access is really gone."""
    served = serve_tenant(documented(team_seed(3)))
    served.run(NOW)
    talk = next(f for f in items_by_key(served.state()).values() if f["Title"] == "Person 0")
    users = {u["userPrincipalName"]: u for u in served.state()["users"].values()}
    old, new = users["boss@example.se"], users["other.boss@example.se"]
    assert served.control("PUT", "users/person0@example.se/manager",
                          json={"manager": "other.boss@example.se"}).status_code == 204

    report = served.run(NOW + timedelta(days=1))
    assert [a.what for a in report.actions] == ["move to the new manager"], report.actions
    state = served.state()
    folder = state["drives"][talk["DriveId"]]["items"][talk["FolderId"]]
    assert [p["grantedTo"]["user"]["id"] for p in folder["permissions"]] == [new["id"]]
    perms = served.client().drive.list_permissions(talk["DriveId"], talk["FolderId"])
    assert not any(p.is_for(old["id"]) for p in perms) and any(p.is_for(new["id"]) for p in perms)
    assert all(p.user_email is None for p in perms)  # as documented: no address to fall back on
    check_round(served, state, graph_reads=True)


def test_a_former_manager_who_keeps_the_folder_fails_the_move_loudly(serve_tenant: ServeFactory) -> None:
    """An employee without a OneDrive has the folder in the manager's; when the manager changes,
    the former one still owns it. The move fails naming the talk, nothing is shared with the new
    manager from that folder, and once the folder is removed the next run prepares a new one in
    the new manager's OneDrive."""
    seed = documented(team_seed(2))
    seed["users"][3]["oneDrive"] = False  # Person 0
    served = serve_tenant(seed)
    served.run(NOW)
    talk = next(f for f in items_by_key(served.state()).values() if f["Title"] == "Person 0")
    users = {u["userPrincipalName"]: u for u in served.state()["users"].values()}
    old, new = users["boss@example.se"], users["other.boss@example.se"]
    assert served.state()["drives"][talk["DriveId"]]["ownerId"] == old["id"]
    served.control("PUT", "users/person0@example.se/manager", json={"manager": "other.boss@example.se"})

    report = served.run(NOW + timedelta(days=1))
    moved = items_by_key(served.state())[talk["Key"]]
    assert moved["Status"] == "failed" and talk["Key"] in moved["Note"] and "can still see" in moved["Note"]
    folder = served.state()["drives"][talk["DriveId"]]["items"][talk["FolderId"]]
    assert [p["grantedTo"]["user"]["id"] for p in folder["permissions"]] == [talk["EmployeeId"]]
    assert [a.what for a in report.actions] == ["failed"]
    # a later pass does not share the old folder with the new manager either
    served.run(NOW + timedelta(days=2))
    again = items_by_key(served.state())[talk["Key"]]
    assert again["Status"] == "failed" and "no longer the employee's manager" in again["Note"]
    folder = served.state()["drives"][talk["DriveId"]]["items"][talk["FolderId"]]
    assert [p["grantedTo"]["user"]["id"] for p in folder["permissions"]] == [talk["EmployeeId"]]
    # HR moves the documents out and deletes the folder: the talk gets a folder with the new manager
    client = served.client()
    client.http.delete(f"/drives/{talk['DriveId']}/items/{talk['FolderId']}")
    served.run(NOW + timedelta(days=3))
    state = served.state()
    done = items_by_key(state)[talk["Key"]]
    assert done["Status"] == "scheduled" and done["ManagerId"] == new["id"]
    assert state["drives"][done["DriveId"]]["ownerId"] == new["id"]
    check_round(served, state, graph_reads=True)


def test_the_privacy_check_looks_into_the_recycle_bins(serve_tenant: ServeFactory) -> None:
    """A deleted talk folder comes back with its permissions when someone restores it: one in a
    recycle bin shared with a third person is a breach too, whether its record is in the list or
    in the site's recycle bin."""
    served = serve_tenant(team_seed(2))
    served.run(NOW)
    tenant = served.sandbox.tenant
    talk = next(f for f in items_by_key(served.state()).values() if f["Status"] == "scheduled")
    client = served.client()
    assert client.drive.delete_items([(talk["DriveId"], talk["FolderId"])]) == [None]
    check_privacy(tenant.data, tenant.blobs)  # binned as it was: still the talk's two people
    [entry] = [e for e in tenant.data["recycleBin"] if e["itemId"] == talk["FolderId"]]
    stranger = next(u for u in tenant.data["users"].values()
                    if u["id"] not in (talk["EmployeeId"], talk["ManagerId"]))
    form = entry["items"][talk["FormItemId"]]
    form["permissions"].append({"id": "planted", "roles": ["read"],
                                "grantedTo": {"user": {"id": stranger["id"], "email": stranger["mail"]}}})
    with pytest.raises(OverShared, match=r"is visible to .*\(in the recycle bin\)|in the recycle bin.*is visible to"):
        check_privacy(tenant.data, tenant.blobs)
    site, lst = next((s["id"], l["id"]) for s in tenant.data["sites"].values() for l in s["lists"].values())
    item = next(i for i in client.lists.get_items(site, lst) if i.fields.get("Key") == talk["Key"])
    client.lists.delete_item(site, lst, item.id)  # the record goes to the bin too: still its people
    with pytest.raises(OverShared, match="is visible to"):
        check_privacy(tenant.data, tenant.blobs)
    form["permissions"].pop()
    check_privacy(tenant.data, tenant.blobs)
