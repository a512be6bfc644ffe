"""What of a person's list item ``samtal export`` gives (plugin/export/items.py): every column
samtal or HR added, none of SharePoint's own bookkeeping, and no other person in a note."""
from __future__ import annotations

import uuid

from connectors.graph.directory import User
from plugin.export.items import ANOTHER_ACCOUNT, ANOTHER_PERSON, Keep, exported_fields, scrub_note
from plugin.roster import build_roster
from plugin.settings_sections import ScopeSettings

IDS = {name: str(uuid.uuid5(uuid.NAMESPACE_DNS, name)) for name in ("head", "boss", "kim", "kia", "a", "b", "c")}


def user(name: str, manager: str | None = None, mail: str | None = None) -> User:
    return User(id=IDS[name], display_name=f"{name.title()} Person", upn=f"{name}@example.se",
                mail=mail or f"{name}@example.se", manager_id=IDS[manager] if manager else None,
                account_enabled=True, user_type="Member")


def reasons(users: list[User]) -> dict[str, str]:
    scope = ScopeSettings(departments=(), exclude_departments=(), exclude_users=())
    return {e.employee.upn.split("@")[0]: e.reason for e in build_roster(users, scope)}


def keep(name: str) -> Keep:
    return Keep(frozenset({IDS[name]}), frozenset({f"{name}@example.se"}), frozenset({f"{name.title()} Person"}))


def fields(name: str, note: str, manager: str | None) -> dict[str, object]:
    return {"Title": f"{name.title()} Person", "EmployeeId": IDS[name], "EmployeeEmail": f"{name}@example.se",
            "ManagerId": IDS[manager] if manager else "", "ManagerName": f"{manager.title()} Person" if manager else "",
            "ManagerEmail": f"{manager}@example.se" if manager else "", "Note": note}


def test_an_address_clash_note_keeps_the_person_and_drops_the_other_account() -> None:
    # Kia's mail is Kim's UPN (in another case): the roster names the other account by UPN and id
    why = reasons([user("head"), user("boss", "head"), user("kim", "boss"), user("kia", "boss", mail="KIM@example.se")])
    note = why["kim"]
    assert "kia@example.se" in note and IDS["kia"] in note  # what the list holds
    scrubbed = exported_fields(fields("kim", note, "boss"), keep("kim"))["Note"]
    assert isinstance(scrubbed, str)
    assert "kia@example.se" not in scrubbed and IDS["kia"] not in scrubbed and ANOTHER_ACCOUNT in scrubbed
    assert "kim@example.se" in scrubbed and IDS["kim"] in scrubbed  # the person's own identity stays
    assert scrubbed.startswith("address clash: ") and "Entra ID" in scrubbed


def test_a_manager_chain_that_loops_names_only_the_person_and_their_manager() -> None:
    note = reasons([user("a", "b"), user("b", "c"), user("c", "a")])["a"]
    assert "C Person" in note
    scrubbed = scrub_note(note, keep("a").with_record(fields("a", note, "b")))
    assert scrubbed == note.replace("C Person", ANOTHER_PERSON)
    assert "A Person" in scrubbed and "B Person" in scrubbed


def test_the_manager_and_the_folder_owner_stay_in_a_note() -> None:
    note = (f"the talk's folder is in the OneDrive of {IDS['boss']}, who is no longer the employee's manager; "
            f"a folder of talk 2027:{IDS['kia']} stands at the path; mail boss@example.se or KIA@example.se")
    scrubbed = scrub_note(note, keep("kim").with_record(fields("kim", note, "boss")))
    assert IDS["boss"] in scrubbed and "boss@example.se" in scrubbed
    assert IDS["kia"] not in scrubbed and "KIA@example.se" not in scrubbed
    assert scrubbed.count(ANOTHER_ACCOUNT) == 2


def test_every_column_but_sharepoints_own_bookkeeping_is_exported() -> None:
    raw = {**fields("kim", "", "boss"), "RemindersSent": 2, "LastReminderAt": "2027-02-20T08:00:00Z", "Hold": True,
           "Created": "2027-01-20T08:00:00Z", "Modified": "2027-04-05T07:00:00Z", "id": "7",
           "AuthorLookupId": "11", "EditorLookupId": "12", "ContentType": "Item", "_UIVersionString": "3.0",
           "Attachments": False, "_ComplianceTag": "", "@odata.etag": "\"x,3\""}
    out = exported_fields(raw, keep("kim"))
    assert set(out) == set(fields("kim", "", "boss")) | {"RemindersSent", "LastReminderAt", "Hold", "Created",
                                                          "Modified", "id"}
    assert out["RemindersSent"] == 2 and out["Hold"] is True
