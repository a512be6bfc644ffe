"""``samtal export`` (docs/records.md#requests-for-access): one person's records and documents
from every campaign, and nothing about anyone else, read without writing to the tenant.

Three campaigns (2027, 2028 and 2029) are run on one sandbox tenant, a year apart, with e-mail
reminders on; every talk's form is filled in with text no one else's holds (goals and health
notes) and filed. In 2028 Person 0 is reminded to prepare (the record of it is theirs); in
2029 Person 0's form is changed after it was filed (the export holds it as it is now). Each
export is then searched, every file and every XML part inside its Word documents, for every
other person's name, address, object id and text.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from plugin.cli import main
from plugin.documents import wordsim
from plugin.overview.document import FILE_NAMES as OVERVIEW_NAMES
from tests.e2e.test_carry_and_overview import text_of
from tests.e2e.checks import list_items, utc
from tests.e2e.conftest import AFTER, NOW, ZONE, ServeFactory, Served, team_seed
from tests.e2e.test_reminders import REMINDERS, moment_before, with_mailboxes

YEARS = ("2027", "2028", "2029")
CAMPAIGNS = {year: (NOW + timedelta(days=365 * n), AFTER + timedelta(days=365 * n)) for n, year in enumerate(YEARS)}
REMINDED = "2028"  # Person 0 gets the reminder to prepare for this campaign's talk
EDITED = "2029"  # Person 0's form of this campaign is changed after it was filed
CHANGED = "Ändrat efter arkiveringen av Person 0"


def goals(campaign: str, uid: str) -> str:
    return f"Mål{campaign}x{uid[:8]}"


def health(campaign: str, uid: str) -> str:
    return f"Hälsa{campaign}x{uid[:8]}"


def campaign_file(served: Served, campaign: str) -> Served:
    """The same tenant with a campaign file for ``campaign`` (its id, its window that year)."""
    if campaign == YEARS[0]:
        return served
    path = served.config.with_name(f"campaign-{campaign}.yaml")
    text = served.config.read_text(encoding="utf-8").replace(
        'id: "2027", title: Medarbetarsamtal 2027', f'id: "{campaign}", title: Medarbetarsamtal {campaign}')
    path.write_text(text.replace("2027-02-01", f"{campaign}-02-01").replace("2027-03-31", f"{campaign}-03-31"),
                    encoding="utf-8")
    return dataclasses.replace(served, config=path)


def person0(served: Served, campaign: str) -> dict[str, Any]:
    return next(f["fields"] for f in list_items(served.state())
                if f["fields"]["Campaign"] == campaign and f["fields"]["Title"] == "Person 0")


def fill_and_file(served: Served, campaign: str, now: datetime, after: datetime) -> None:
    served.run(now)
    if campaign == REMINDED:
        served.run(moment_before(utc(person0(served, campaign)["MeetingStart"]), served))
    for f in list_items(served.state()):
        fields = f["fields"]
        if fields["Campaign"] != campaign or not fields.get("FormItemId"):
            continue
        uid = fields["EmployeeId"]
        data = wordsim.fill_form(served.blob(fields["FormItemId"]),
                                 {"goals": goals(campaign, uid), "health_notes": health(campaign, uid)},
                                 confirm=("employee_confirmed", "manager_confirmed"), health_discussed=True,
                                 day=utc(fields["MeetingStart"]).astimezone(ZONE).date())
        served.people.save_file(fields["DriveId"], fields["FormItemId"], data)
    served.run(after, watch_all=True)
    if campaign == EDITED:
        fields = person0(served, campaign)
        data = served.blob(fields["FormItemId"])
        served.people.save_file(fields["DriveId"], fields["FormItemId"], wordsim.fill_form(
            data, {"goals": CHANGED, "health_notes": health(campaign, fields["EmployeeId"])}))


@pytest.fixture(scope="module")
def tenant(serve_tenant: ServeFactory) -> Served:
    """Three campaigns, every form filled and filed; the manager's OneDrive holds the talk folders
    of their team (``folders.owner: manager``), beside their guide and team overview."""
    served = serve_tenant(with_mailboxes(team_seed(3)), folders_owner="manager")
    served.config.write_text(served.config.read_text(encoding="utf-8") + REMINDERS, encoding="utf-8")
    for campaign in YEARS:
        fill_and_file(campaign_file(served, campaign), campaign, *CAMPAIGNS[campaign])
    filed = [f["fields"] for f in list_items(served.state()) if f["fields"]["Status"] == "filed"]
    assert {(f["Campaign"], f["Title"]) for f in filed} >= {(c, "Person 0") for c in CAMPAIGNS}
    return served


@pytest.fixture(autouse=True)
def _secret(secret_env: None) -> Iterator[None]:
    yield


def users(served: Served) -> dict[str, dict[str, Any]]:
    return {u["userPrincipalName"]: u for u in served.state()["users"].values()}


def export(served: Served, who: str, out: Path, *extra: str) -> int:
    return main(["export", "--config", str(served.config), "--now", (AFTER + timedelta(days=400)).isoformat(),
                 "--employee", who, "--out", str(out), *extra])


def texts(out: Path) -> dict[str, str]:
    """Every file of the export as text, each XML part of a Word document on its own, also
    with its tags taken out (Word splits a text into runs, at spelling marks and edits)."""
    found: dict[str, str] = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for part in z.namelist():
                    xml = z.read(part).decode("utf-8", "replace")
                    found[f"{path.relative_to(out)}!{part}"] = xml
                    found[f"{path.relative_to(out)}!{part} (text)"] = re.sub(r"<[^>]*>", "", xml)
        else:
            found[str(path.relative_to(out))] = data.decode("utf-8-sig")
    return found


def traces(user: dict[str, Any]) -> list[str]:
    """What would show a person in a file: name, addresses, object id, their forms' text."""
    uid = user["id"]
    return [user["displayName"], user["userPrincipalName"], user.get("mail") or user["userPrincipalName"], uid,
            *(goals(c, uid) for c in CAMPAIGNS), *(health(c, uid) for c in CAMPAIGNS)]


def assert_nothing_of(out: Path, others: list[dict[str, Any]]) -> None:
    found = texts(out)
    leaks = [(trace, where) for user in others for trace in traces(user)
             for where, text in found.items() if trace.lower() in text.lower()]
    assert leaks == [], f"another person in the export: {leaks[:5]}"


def documents_in(out: Path) -> dict[str, str]:
    """Each exported document's path and the text of its body."""
    return {str(p.relative_to(out)): re.sub(r"<[^>]*>", "", zipfile.ZipFile(p).read("word/document.xml").decode("utf-8"))
            for p in sorted(out.rglob("*.docx"))}


def test_one_employee_gets_every_campaign_and_nobody_else(tenant: Served, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    people = users(tenant)
    me, manager = people["person0@example.se"], people["boss@example.se"]
    before = tenant.sandbox.tenant.to_json()
    out = tmp_path / "export"
    assert export(tenant, "PERSON0@Example.SE", out) == 0  # any case
    assert tenant.sandbox.tenant.to_json() == before  # read only: the tenant is byte for byte the same
    assert "3 record(s) of 3 campaign(s) and 6 document(s) about Person 0" in capsys.readouterr().out

    data = json.loads((out / "records.json").read_text(encoding="utf-8"))
    records = {r["fields"]["Campaign"]: r["fields"] for r in data["records"]}
    assert set(records) == set(CAMPAIGNS) and data["person"]["object_id"] == me["id"]
    for campaign, fields in records.items():
        assert fields["EmployeeId"] == me["id"] and fields["Status"] == "filed"
        assert fields["Goals"] == goals(campaign, me["id"]) and fields["MeetingStart"].endswith("Z")
        assert "AuthorLookupId" not in fields and "Created" in fields
        # the record of the reminders sent to them: the one of REMINDED, none in the others
        assert (fields["RemindersSent"], bool(fields.get("LastReminderAt"))) == (
            (1, True) if campaign == REMINDED else (0, False)), campaign
    rows = list(csv.DictReader(io.StringIO((out / "records.csv").read_text(encoding="utf-8-sig"))))
    assert sorted(r["Campaign"] for r in rows) == sorted(CAMPAIGNS)
    assert (out / "records.csv").read_bytes().startswith(b"\xef\xbb\xbf")

    docs = documents_in(out)
    assert sorted(Path(p).parent.name for p in docs) == sorted(YEARS * 2)
    for campaign in CAMPAIGNS:  # the form as it is now, health notes included: they are the person's own
        assert any(p.startswith(campaign) and health(campaign, me["id"]) in body for p, body in docs.items())
    [edited] = [d["path"] for d in data["documents"] if d["campaign"] == EDITED and d["kind"] == "form"]
    assert CHANGED in docs[edited] and goals(EDITED, me["id"]) not in docs[edited]  # as it is now, not as filed
    readme = (out / "README.txt").read_text(encoding="utf-8")
    assert "RemindersSent" in readme and "LastReminderAt" in readme
    assert "Sent Items of the mailbox HR sends reminders from" in readme and "under Skickat" in readme
    assert "Person 0" in readme and "Team overviews" in readme and "Teamöversikter" in readme
    assert readme.index("Det samtal har") < readme.index("What samtal holds")  # Person 0 prefers Swedish
    others = [u for upn, u in people.items() if upn not in (me["userPrincipalName"], manager["userPrincipalName"])]
    assert_nothing_of(out, others)
    found = texts(out)  # the manager's name is in the records (who held the talk); their own talks are not
    leaks = [(trace, where) for c in CAMPAIGNS for trace in (goals(c, manager["id"]), health(c, manager["id"]))
             for where, text in found.items() if trace.lower() in text.lower()]
    assert leaks == []


def test_a_managers_export_holds_their_own_talks_not_their_teams(tenant: Served, tmp_path: Path) -> None:
    people = users(tenant)
    me, head = people["boss@example.se"], people["head@example.se"]
    out = tmp_path / "boss"
    assert export(tenant, me["id"].upper(), out) == 0
    data = json.loads((out / "records.json").read_text(encoding="utf-8"))
    assert {r["fields"]["EmployeeId"] for r in data["records"]} == {me["id"]}
    assert len(data["records"]) == len(YEARS) and len(documents_in(out)) == 2 * len(YEARS)
    # the team's talk folders and forms, the team overview and the guide are in this manager's OneDrive
    state = tenant.state()
    [drive] = [d for d in state["drives"].values() if d.get("ownerId") == me["id"]]
    overviews = [i for i in drive["items"].values() if i["name"] in OVERVIEW_NAMES.values()]
    person0 = people["person0@example.se"]["id"]
    assert overviews and any(goals("2027", person0) in re.sub(r"<[^>]*>", "", text_of(tenant.blob(i["id"])))
                             for i in overviews)
    assert sum(not i["folder"] for i in drive["items"].values()) >= 3 * 2 * len(YEARS) + len(overviews)
    assert_nothing_of(out, [u for upn, u in people.items() if upn not in (me["userPrincipalName"],
                                                                          head["userPrincipalName"])])


def test_a_strangers_form_in_the_folder_is_not_exported(tenant: Served, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    people = users(tenant)
    me, other = people["person0@example.se"], people["person1@example.se"]
    talks = {(f["fields"]["Campaign"], f["fields"]["EmployeeId"]): f["fields"] for f in list_items(tenant.state())}
    mine, theirs = talks[("2027", me["id"])], talks[("2027", other["id"])]
    drive = tenant.client().drive
    planted = [drive.upload(mine["DriveId"], mine["FolderId"], "Kopia av formuläret.docx",
                            tenant.blob(theirs["FormItemId"])).id,
               drive.upload(mine["DriveId"], mine["FolderId"], "Anteckningar.docx",
                            _plain_docx(f"Om {other['displayName']}: {goals('2027', other['id'])}")).id]
    try:
        out = tmp_path / "export"
        assert export(tenant, "person0@example.se", out) == 0
        printed = capsys.readouterr().out
        assert "Kopia av formuläret.docx (another talk's document)" in printed
        assert "Anteckningar.docx (not a document samtal made for this talk)" in printed
        assert len(documents_in(out)) == 2 * len(YEARS)
        assert "Campaign 2027: 2 other file(s) in the talk folder were not exported" in \
            (out / "README.txt").read_text(encoding="utf-8")
        assert_nothing_of(out, [other])
    finally:
        with tenant.sandbox.tenant.lock:
            for item_id in planted:
                del tenant.sandbox.tenant.data["drives"][mine["DriveId"]]["items"][item_id]
                tenant.sandbox.tenant.blobs.pop(item_id, None)


def _plain_docx(text: str) -> bytes:
    """A Word document samtal did not make (no talk stamp)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        z.writestr("word/document.xml", f'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats'
                   f'.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body>'
                   '</w:document>')
    return buffer.getvalue()


def test_a_person_who_has_left_is_found_by_the_address_in_their_records(tenant: Served, tmp_path: Path) -> None:
    people = users(tenant)
    gone = people["person2@example.se"]
    with tenant.sandbox.tenant.lock:
        saved = tenant.sandbox.tenant.data["users"].pop(gone["id"])
        tenant.sandbox.tenant.index()
    try:
        assert export(tenant, "Person2@example.se", tmp_path / "by-address") == 0
        assert export(tenant, gone["id"], tmp_path / "by-id") == 0
        for out in (tmp_path / "by-address", tmp_path / "by-id"):
            data = json.loads((out / "records.json").read_text(encoding="utf-8"))
            assert data["person"] == {"object_id": gone["id"], "name": "Person 2",
                                      "addresses": ["person2@example.se"], "in_directory": False}
            assert len(data["records"]) == len(YEARS) and len(documents_in(out)) == 2 * len(YEARS)
    finally:
        with tenant.sandbox.tenant.lock:
            tenant.sandbox.tenant.data["users"][gone["id"]] = saved
            tenant.sandbox.tenant.index()


def test_nobody_by_that_name_is_an_error_and_writes_nothing(tenant: Served, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "export"
    assert export(tenant, "nobody@example.se", out) == 2
    assert "nobody in the directory holds this address" in capsys.readouterr().err
    assert export(tenant, "00000000-0000-4000-8000-00000000dead", out) == 2
    assert "no user with this object id" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_an_out_folder_in_use_is_refused_and_a_previous_export_replaced(tenant: Served, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "export"
    assert export(tenant, "person0@example.se", out) == 0
    assert export(tenant, "person1@example.se", out) == 2  # never two people in one folder
    assert "is not empty" in capsys.readouterr().err
    assert export(tenant, "person1@example.se", out, "--force") == 0  # replaces the previous export
    data = json.loads((out / "records.json").read_text(encoding="utf-8"))
    assert data["person"]["name"] == "Person 1"
    assert_nothing_of(out, [users(tenant)["person0@example.se"]])
    (out / "mine.txt").write_text("not samtal's", encoding="utf-8")
    assert export(tenant, "person0@example.se", out, "--force") == 2
    assert (out / "mine.txt").exists() and (out / "records.json").exists()


def test_an_address_two_users_hold_is_refused_naming_both(tenant: Served, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    people = users(tenant)
    me, other = people["person0@example.se"], people["person1@example.se"]
    tenant.control("PUT", "users/person1@example.se/mail", json={"mail": "Person0@example.se"}).raise_for_status()
    try:
        assert export(tenant, "person0@example.se", tmp_path / "by-address") == 2
        err = capsys.readouterr().err
        assert "2 users in the directory hold this address" in err and me["id"] in err and other["id"] in err
        assert export(tenant, me["id"], tmp_path / "by-id") == 0  # the object id says which
    finally:
        tenant.control("PUT", "users/person1@example.se/mail", json={"mail": other["mail"]}).raise_for_status()


def test_talks_without_a_folder_give_their_records_and_say_so(tenant: Served, tmp_path: Path) -> None:
    out = tmp_path / "head"
    assert export(tenant, "head@example.se", out) == 0  # no manager: failed talks, never a folder
    data = json.loads((out / "records.json").read_text(encoding="utf-8"))
    assert [r["fields"]["Status"] for r in data["records"]] == ["failed"] * len(YEARS)
    assert data["no_folder"] == list(YEARS) and data["documents"] == []
    assert "Campaign 2029: the talk never had a folder" in (out / "README.txt").read_text(encoding="utf-8")


def test_a_disk_that_fails_half_way_leaves_nothing_behind(tenant: Served, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from plugin.export.disk import ExportWriter

    written = ExportWriter.file

    def full(self: ExportWriter, folder: str, name: str, data: bytes) -> str:
        if name == "records.json":
            raise OSError(28, "No space left on device")
        return written(self, folder, name, data)

    monkeypatch.setattr(ExportWriter, "file", full)
    out = tmp_path / "export"
    assert export(tenant, "person0@example.se", out) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert list(out.iterdir()) == []
