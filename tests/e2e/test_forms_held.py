"""Forms that must not be filed as they stand, on the sandbox: a small crafted form that unpacks
into a huge one, a form copied into a new document (no identity), and what reaches the list and
the CSV from a form whose names were edited, with an unknown control and an answer longer than
the list can hold."""
from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from lxml import etree

from connectors.graph.lists_schema import NOTE_LIMIT
from plugin.cache import LookCache
from plugin.commands.status import attention
from plugin.documents import read_form, wordsim
from plugin.documents import workers as document_workers
from plugin.records import REVIEW, SHORTENED_MARK, from_fields
from plugin.report.csv_export import records_csv
from tests.e2e.checks import items_by_key, list_items
from tests.e2e.conftest import AFTER, NOW, ServeFactory, Served, team_seed
from tests.plugin.documents.test_budget import with_stray_paragraphs

CONFIRM = ("employee_confirmed", "manager_confirmed")


def by_name(served: Served) -> dict[str, dict[str, Any]]:
    return {f["Title"]: f for f in items_by_key(served.state()).values()}


def filled(served: Served, talk: dict[str, Any], texts: dict[str, str] | None = None) -> bytes:
    return wordsim.fill_form(served.blob(talk["FormItemId"]), texts or {"goals": "Skriva klart boken"},
                             confirm=CONFIRM, health_discussed=True)


def save(served: Served, talk: dict[str, Any], data: bytes) -> None:
    served.people.save_file(talk["DriveId"], talk["FormItemId"], data)


def records_of(served: Served) -> list[Any]:
    return [from_fields(i["fields"], i["id"]) for i in list_items(served.state())]


def needing_attention(served: Served) -> dict[str, str]:
    """Who ``samtal status`` lists as needing a person, besides the head without a manager."""
    return {r.employee_name: r.status.value for r in attention(records_of(served)) if r.employee_name != "Hedda Head"}


@pytest.fixture()
def reads(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every form the pass reads (in the pass's thread: these rounds are far below pooling)."""
    seen: list[bytes] = []
    real = read_form

    def counting(data: bytes, **kw: Any) -> Any:
        seen.append(data)
        return real(data, **kw)
    monkeypatch.setattr(document_workers, "read_form", counting)
    return seen


def test_a_small_crafted_form_does_not_stall_the_run_and_is_held_for_review(
        serve_tenant: ServeFactory, reads: list[bytes]) -> None:
    served = serve_tenant(team_seed(3))
    served.run(NOW)
    talks = by_name(served)
    clean = filled(served, talks["Person 0"])
    crafted = with_stray_paragraphs(clean, 150_000)
    assert len(crafted) < 24_000  # the form was 22.7 KB
    save(served, talks["Person 0"], crafted)
    save(served, talks["Person 1"], filled(served, talks["Person 1"]))

    cache = LookCache(None)
    start = time.perf_counter()
    served.run(AFTER, watch_all=True, cache=cache)
    took = time.perf_counter() - start
    assert took < 20, f"the pass took {took:.0f} s"  # 110 s before reading had a budget
    after = by_name(served)
    held = after["Person 0"]
    assert held["Status"] == "held" and held["Goals"] is None and not held["FiledAt"]
    assert held["Note"].startswith(REVIEW + "the form is too large to read: it has 150,0")
    assert "paragraphs, more than the 20,000 a form may have" in held["Note"]
    assert after["Person 1"]["Status"] == "filed"
    assert needing_attention(served) == {"Person 0": "held"}

    # The next pass downloads the unchanged form but does not read it again ...
    reads.clear()
    served.run(AFTER + timedelta(hours=1), watch_all=True, cache=cache)
    assert crafted not in reads and len(reads) == 3  # the unfinished forms: Person 2's and the two managers'

    assert by_name(served)["Person 0"]["Note"] == held["Note"]

    # ... until it changes: the extra text removed, it is read and filed.
    save(served, talks["Person 0"], clean)
    served.run(AFTER + timedelta(hours=2), watch_all=True, cache=cache)
    fixed = by_name(served)["Person 0"]
    assert fixed["Status"] == "filed" and not fixed["Note"].startswith(REVIEW)
    assert needing_attention(served) == {}


def test_a_form_copied_into_a_new_document_is_held_not_filed_under_the_folders_person(
        serve_tenant: ServeFactory) -> None:
    """Person 1's confirmed answers, copied into a new document (so without samtal's form id)
    and saved over Person 0's form: before, they were filed as Person 0's, with a note."""
    served = serve_tenant(team_seed(2))
    served.run(NOW)
    talks = by_name(served)

    def drop(root: etree._Element) -> None:
        for prop in list(root):
            root.remove(prop)
    copy = wordsim.edit(filled(served, talks["Person 1"], {"goals": "Person ettans mål"}), drop,
                        part="docProps/custom.xml")
    save(served, talks["Person 0"], copy)

    served.run(AFTER, watch_all=True)
    held = by_name(served)["Person 0"]
    assert held["Status"] == "held" and held["Goals"] is None and not held["FiledAt"]
    assert held["Note"].startswith(REVIEW + "the file in this folder is not the form samtal made for this talk")
    assert "Person ettans mål" not in json.dumps(list_items(served.state()), ensure_ascii=False)
    assert needing_attention(served) == {"Person 0": "held"}


def test_the_list_and_the_csv_hold_the_directorys_names_known_fields_and_a_shortened_long_answer(
        serve_tenant: ServeFactory) -> None:
    served = serve_tenant(team_seed(1))
    served.run(NOW)
    talk = by_name(served)["Person 0"]
    goals = "\n".join(f"Mål {i}: en lång och utförlig beskrivning av vad som ska göras under året." for i in range(1_000))
    assert len(goals) > NOTE_LIMIT
    secret = "Hemlig text i en tagg"

    def tamper(root: etree._Element) -> None:
        wordsim.control(root, "manager_name").find(f".//{wordsim.w('t')}").text = "Mallory Manager"
        sdt = etree.Element(wordsim.w("sdt"))
        etree.SubElement(etree.SubElement(sdt, wordsim.w("sdtPr")), wordsim.w("tag")).set(wordsim.w("val"), secret)
        etree.SubElement(etree.SubElement(etree.SubElement(sdt, wordsim.w("sdtContent")), wordsim.w("p")), wordsim.w("r"))
        wordsim.control(root, "goals").addnext(sdt)
    form = wordsim.edit(filled(served, talk, {"goals": goals}), tamper)
    save(served, talk, form)

    served.run(AFTER, watch_all=True)
    filed = by_name(served)["Person 0"]
    assert filed["Status"] == "filed"
    # names: the directory's, whatever the locked controls were made to say
    assert filed["Title"] == "Person 0" and filed["ManagerName"] == "Bo Boss"
    assert "the manager's name in the form differs from the directory's" in filed["Note"]
    # a field over SharePoint's limit: a shortened copy, said so; the document keeps it all
    assert len(filed["Goals"]) <= NOTE_LIMIT and filed["Goals"].endswith(SHORTENED_MARK)
    assert goals.startswith(filed["Goals"][: -len(SHORTENED_MARK)] + "\n")
    assert f"Goals is {len(goals):,} characters, more than the list can hold: the list holds a shortened copy" in filed["Note"]
    assert "the whole text is in the document" in filed["Note"]
    assert served.blob(talk["FormItemId"]) == form and read_form(form).fields["goals"] == goals
    # an unknown control is counted, never named, in the list and in the CSV
    assert "1 unknown field" in filed["Note"]
    raw = json.dumps(list_items(served.state()), ensure_ascii=False)
    csv_text = records_csv(records_of(served))
    for leak in (secret, "Mallory"):
        assert leak not in raw and leak not in csv_text
    assert "1 unknown field" in csv_text and "Bo Boss" in csv_text
