"""The reminders' content: digests worked out from the records, and the words in Swedish and
English: names, times, reasons and links, escaped, and never a form's content."""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from plugin.records import Record, Status
from plugin.reminders_digests import LISTED, hr_digest, manager_digests
from plugin.reminders_text import Text, confirm_text, hr_digest_text, manager_digest_text, prepare_text, when
from plugin.report.data import OTHER
from plugin.settings import Settings
from tests.plugin.test_settings import GOOD, load

ZONE = ZoneInfo("Europe/Stockholm")
START = datetime(2027, 2, 9, 10, 0, tzinfo=ZONE)
NOW = datetime(2027, 2, 22, 9, 0, tzinfo=ZONE)
SECRET = "MARKER-goals-text-7f3a"


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return load(tmp_path, GOOD + "reminders: {sender: hr@example.se, hr_digest: hr@example.se}\n"
                                 "report: {min_group_size: 3}\n")


def rec(n: int, status: Status, *, manager: str = "m1", dept: str = "Matematik", note: str = "",
        start: datetime | None = START) -> Record:
    return Record(campaign="2027", employee_id=f"e{n}", employee_name=f"Person {n}", status=status,
                  manager_id=manager, manager_name=f"Chef {manager}", manager_email=f"{manager}@example.se",
                  department=dept, note=note, meeting_start=start,
                  meeting_end=start + timedelta(hours=1) if start else None,
                  document_url=f"https://example.sharepoint.com/doc{n}", form={"goals": SECRET})


def test_times_read_naturally_in_each_language() -> None:
    assert when(START, ZONE, "sv") == "tisdag 9 februari 2027 kl. 10.00"
    assert when(START, ZONE, "en") == "Tuesday 9 February 2027 at 10:00"
    assert when(START, ZONE, "sv", time_of_day=False) == "tisdag 9 februari 2027"


def test_prepare_names_the_time_the_manager_and_links_the_folder() -> None:
    sv = prepare_text("sv", employee="Eva <Ek>", manager="Bo Boss", start=START, zone=ZONE,
                      folder_url="https://example.sharepoint.com/f?a=1&b=2")
    assert sv.subject == "Snart dags för medarbetarsamtal med Bo Boss"
    assert "Hej Eva &lt;Ek&gt;!" in sv.html and "<Ek>" not in sv.html
    assert "tisdag 9 februari 2027 kl. 10.00" in sv.html
    assert '<a href="https://example.sharepoint.com/f?a=1&amp;b=2">' in sv.html
    en = prepare_text("en", employee="Eva", manager="Bo", start=START, zone=ZONE, folder_url="javascript:alert(1)")
    assert "Tuesday 9 February 2027 at 10:00" in en.html
    assert "javascript" not in en.html and "<a " not in en.html  # only web addresses become links


def test_confirm_says_whose_box_is_missing() -> None:
    to_manager = confirm_text("sv", "manager", employee="Eva Ek", manager="Bo Boss", start=START, zone=ZONE,
                              link="https://example.sharepoint.com/doc")
    assert "Hej Bo Boss!" in to_manager.html and "väntar på din bekräftelse" in to_manager.html
    assert "chefens bekräftelse" in to_manager.html
    to_employee = confirm_text("en", "employee", employee="Eva Ek", manager="Bo Boss", start=START, zone=ZONE,
                               link="https://example.sharepoint.com/doc")
    assert "Hello Eva Ek," in to_employee.html and "employee's confirmation box" in to_employee.html


def test_a_manager_digest_lists_only_what_needs_that_manager(settings: Settings) -> None:
    records = [
        rec(1, Status.UNSCHEDULABLE, note="no common free time for user 5b0c1e2f-0000-4000-8000-000000000001",
            start=None),
        rec(2, Status.HELD, note="waiting for the employee's confirmation"),
        rec(3, Status.DECLINED),
        rec(4, Status.SCHEDULED, start=NOW + timedelta(days=3)),
        rec(5, Status.FILED),
        rec(6, Status.HELD, start=NOW - timedelta(days=1)),  # held yesterday: not nagged yet
        rec(7, Status.SCHEDULED, manager="m2"),
    ]
    [digest] = manager_digests(records, settings, NOW)
    assert digest.manager_id == "m1" and digest.count == 3
    assert [s.employee for s in digest.stuck] == ["Person 1"]
    assert digest.stuck[0].reason == "no common free time for user …"  # ids taken out
    assert [(u.employee, u.missing) for u in digest.undocumented] == [("Person 2", ("employee",))]
    assert digest.declined == ("Person 3",)
    text = manager_digest_text("sv", digest, title="Medarbetarsamtal 2027", zone=ZONE)
    assert text.subject == "Medarbetarsamtal 2027: 3 samtal behöver din hjälp"
    for name in ("Person 1", "Person 2", "Person 3"):
        assert name in text.html
    assert "Person 4" not in text.html and "Person 6" not in text.html
    assert "väntar på medarbetarens bekräftelse" in text.html
    assert SECRET not in text.html
    en = manager_digest_text("en", digest, title="Round", zone=ZONE)
    assert en.subject == "Round: 3 dialogues need your help" and "waiting for the employee's confirmation" in en.html


def test_a_manager_with_nothing_to_do_gets_no_digest(settings: Settings) -> None:
    assert manager_digests([rec(1, Status.SCHEDULED), rec(2, Status.FILED)], settings, NOW) == []


def test_hr_digest_counts_by_status_and_merges_small_departments(settings: Settings) -> None:
    records = ([rec(i, Status.FILED, dept="Matematik") for i in range(4)]
               + [rec(10, Status.FAILED, dept="Fysik", note="no mailbox"), rec(11, Status.SCHEDULED, dept="Kemi"),
                  rec(12, Status.SCHEDULED, dept="Kemi")])
    digest = hr_digest(records, settings, NOW, "https://example.sharepoint.com/sites/hr/Lists/M")
    assert digest.total == 7 and dict(digest.by_status)[Status.FILED] == 4
    assert [d for d, _ in digest.departments] == ["Matematik", OTHER]  # Fysik 1 + Kemi 2 merged
    assert [(s.employee, s.reason) for s in digest.needs] == [("Person 10", "no mailbox")]
    text = hr_digest_text("sv", digest, now=NOW, zone=ZONE)
    assert "Övriga (små avdelningar)" in text.html and "Fysik" not in text.html and "Kemi" not in text.html
    assert "Person 10" in text.html and "samtal report --config campaign.yaml" in text.html
    assert 'href="https://example.sharepoint.com/sites/hr/Lists/M"' in text.html
    assert SECRET not in text.html
    assert hr_digest_text("en", digest, now=NOW, zone=ZONE).subject.endswith("this week's progress")


def test_long_lists_are_cut_and_counted(settings: Settings) -> None:
    records = [rec(i, Status.DECLINED) for i in range(LISTED + 7)]
    [digest] = manager_digests(records, settings, NOW)
    text = manager_digest_text("en", digest, title="Round", zone=ZONE)
    assert text.html.count("<li>") == LISTED + 1 and "… and 7 more" in text.html


def test_a_swedish_digest_says_the_reason_in_swedish(settings: Settings) -> None:
    """Reasons are stored in English; a Swedish digest says them as the Swedish report does."""
    records = [rec(1, Status.FAILED, note="no Exchange Online mailbox samtal can read (5009)", start=None)]
    [digest] = manager_digests(records, settings, NOW)
    sv = manager_digest_text("sv", digest, title="Medarbetarsamtal 2027", zone=ZONE)
    assert "det finns ingen brevlåda i Exchange Online som samtal kan läsa (5009)" in sv.html
    assert "no Exchange Online mailbox" not in sv.html
    en = manager_digest_text("en", digest, title="Round", zone=ZONE)
    assert "no Exchange Online mailbox samtal can read (5009)" in en.html


def words_of_html(markup: str) -> Counter[str]:
    """The words a reader of the HTML sees (tags out, entities read; an address only where it is
    written out as text)."""
    parser = _Visible()
    parser.feed(markup)
    return Counter(re.findall(r"\w+", " ".join(parser.seen)))


def words_of_text(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text))


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.seen: list[str] = []

    def handle_data(self, data: str) -> None:
        self.seen.append(data)


def _every_kind(settings: Settings) -> list[tuple[str, Text]]:
    records = [rec(1, Status.UNSCHEDULABLE, note="no common free time", start=None),
               rec(2, Status.HELD, note="waiting for the employee's confirmation"), rec(3, Status.DECLINED),
               rec(4, Status.FILED, dept="Fysik")] + [rec(10 + i, Status.DECLINED) for i in range(LISTED + 2)]
    [digest] = manager_digests(records, settings, NOW)
    hr = hr_digest(records, settings, NOW, "https://example.sharepoint.com/sites/hr/Lists/M")
    out = []
    for lang in ("sv", "en"):
        out += [
            (f"prepare {lang}", prepare_text(lang, employee="Åsa <Ö> & Co", manager="Bo", start=START, zone=ZONE,
                                             folder_url="https://example.sharepoint.com/f?a=1&b=2")),
            (f"prepare, no link {lang}", prepare_text(lang, employee="Eva", manager="Bo", start=START, zone=ZONE,
                                                      folder_url="javascript:alert(1)")),
            (f"confirm {lang}", confirm_text(lang, "manager", employee="Eva", manager="Bo", start=START, zone=ZONE,
                                             link="https://example.sharepoint.com/doc")),
            (f"manager digest {lang}", manager_digest_text(lang, digest, title="Round", zone=ZONE)),
            (f"hr digest {lang}", hr_digest_text(lang, hr, now=NOW, zone=ZONE)),
        ]
    return out


def test_the_plain_text_says_what_the_html_says(settings: Settings) -> None:
    """Both alternatives of every kind of message hold the same words: paragraphs, list items,
    table cells and the addresses of the links; only markup differs."""
    for kind, text in _every_kind(settings):
        assert words_of_text(text.text) == words_of_html(text.html), kind
        assert "<" not in text.text.replace("<Ö>", "") and "&amp;" not in text.text, kind  # no markup, no entities
        assert "javascript" not in text.text, kind  # an address that is no link is left out of both
        assert SECRET not in text.text, kind


def test_the_plain_text_reads_as_text() -> None:
    sv = prepare_text("sv", employee="Åsa <Ö>", manager="Bo Boss", start=START, zone=ZONE,
                      folder_url="https://example.sharepoint.com/f?a=1&b=2")
    paragraphs = sv.text.split("\n\n")
    assert paragraphs[0] == "Hej Åsa <Ö>!"
    assert "Öppna mappen: https://example.sharepoint.com/f?a=1&b=2" in paragraphs  # the link written out
    assert paragraphs[-2:] == ["Vänliga hälsningar\nHR", "Det här mejlet skickas automatiskt och går inte att svara på.\n"]


def test_lists_and_tables_in_plain_text(settings: Settings) -> None:
    records = [rec(i, Status.DECLINED) for i in range(3)] + [rec(9, Status.FILED, dept="Matematik")]
    [digest] = manager_digests(records, settings, NOW)
    text = manager_digest_text("en", digest, title="Round", zone=ZONE).text
    assert "\n- Person 0\n- Person 1\n- Person 2" in text
    hr = hr_digest_text("sv", hr_digest(records, settings, NOW, ""), now=NOW, zone=ZONE).text
    assert "status | samtal\ndokumenterat | 1\navböjt | 3" in hr


def test_the_swedish_digests_and_report_call_each_status_the_same(settings: Settings) -> None:
    """HR reads a status in the weekly digest and looks for it in the report: the same Swedish word
    for the same status in both, and in the manager's digest. Each status has its own count here,
    so a label's count says which status it stands for."""
    from plugin.report import build, render_page

    records: list[Record] = []
    for n, status in enumerate(Status, start=1):
        records += [rec(100 * n + i, status, dept=f"Avdelning {i % 2}", note="no common free time"
                        if status is Status.UNSCHEDULABLE else "no manager in Entra ID: set the user's "
                        "manager attribute" if status is Status.FAILED else "") for i in range(n)]
    count = {status: n for n, status in enumerate(Status, start=1)}
    hr = hr_digest_text("sv", hr_digest(records, settings, NOW, ""), now=NOW, zone=ZONE).text
    table = hr.split("status | samtal\n", 1)[1].split("\n\n", 1)[0]
    in_digest = {label: int(n) for label, n in (row.split(" | ") for row in table.splitlines())}
    page = render_page(build(records, campaign_id="2027", title="Medarbetarsamtal 2027", now=NOW,
                             window=(NOW.date(), NOW.date() + timedelta(days=60)), zone=ZONE), "sv")
    rows = re.search(r'<table class="status">.*?<tbody>(.*?)</tbody>', page).group(1)  # type: ignore[union-attr]
    in_report = {label: int(n) for label, n in re.findall(r"<tr><td>([^<]*)</td><td[^>]*>(\d+)</td></tr>", rows)}
    in_report.pop("totalt")
    assert in_digest == in_report and sorted(in_report.values()) == sorted(count.values())
    word = {n: label for label, n in in_report.items()}
    assert word[count[Status.FAILED]] == "stoppat av ett fel" and word[count[Status.UNSCHEDULABLE]] == "kunde inte bokas"
    for status in (Status.UNSCHEDULABLE, Status.FAILED, Status.DECLINED):  # the talks that need a person
        assert f"Person {100 * count[status]} (chef Chef m1), {word[count[status]]}" in hr, status
    managers = manager_digests(records, settings, NOW)
    manager = "\n".join(manager_digest_text("sv", d, title="Round", zone=ZONE).text for d in managers)
    for status in (Status.UNSCHEDULABLE, Status.FAILED):
        assert f"Person {100 * count[status]}: {word[count[status]]}" in manager, status
    assert "fastnat" not in hr + manager and "misslyck" not in hr + manager + page
    english = "\n".join(manager_digest_text("en", d, title="Round", zone=ZONE).text for d in managers)
    assert f"Person {100 * count[Status.FAILED]}: failed" in english and "stuck" not in english  # as the report
