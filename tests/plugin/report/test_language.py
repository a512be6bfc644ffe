"""HR's page in one language throughout, Swedish or English, reasons included: a title that says
the round's name once, plural forms that agree with their number, the language chosen by
``language.default`` or ``report --language``."""
from __future__ import annotations

import re
from dataclasses import replace
from html import escape, unescape
from pathlib import Path

import pytest

from plugin.records import Record, Status
from plugin.report import render_page, write_report
from plugin.report.page import PLURALS, STATUS_NAMES, TEXT, headline
from plugin.settings import Settings
from tests.plugin.overview.conftest import rec, settings  # noqa: F401 (a fixture)
from tests.plugin.report.test_report import data_of, organisation

NO_MAILBOX = "no Exchange Online mailbox samtal can read (ErrorMailRecipientNotFound)"
NO_TIME = "no common free time between 2027-02-01 and 2027-04-30 within working hours"


def known_reasons() -> list[Record]:
    """The test organisation, its problem talks with reasons samtal writes."""
    out = []
    for r in organisation():
        if r.status is Status.UNSCHEDULABLE:
            r = r.with_changes(note=NO_TIME)
        elif r.status is Status.FAILED:
            r = r.with_changes(note=NO_MAILBOX)
        out.append(r)
    return out


def visible(page: str) -> str:
    """The page's text as a reader sees it (no markup, no chart paths)."""
    page = re.sub(r"<svg.*?</svg>|<style>.*?</style>", " ", page, flags=re.DOTALL)
    return unescape(re.sub(r"<[^>]+>", "\n", page))


def test_the_swedish_page_has_no_english_label_or_reason() -> None:
    page = render_page(data_of(known_reasons()), "sv")
    seen = visible(page)
    english = [v for k, v in TEXT["en"].items() if v != TEXT["sv"][k] and k not in ("lang",)]
    english += [v for v in STATUS_NAMES["en"].values()]
    english += [form for forms in PLURALS["en"].values() for form in forms if form]
    for text in english:
        words = text.split("{")[0].strip(' "(')  # the words before any number or title
        assert not words or not re.search(rf"(?<!\w){re.escape(words)}(?!\w)", seen), text
    assert "chefen och medarbetaren har ingen gemensam ledig tid inom arbetstiden mellan 2027-02-01 och 2027-04-30" in seen
    assert "det finns ingen brevlåda i Exchange Online som samtal kan läsa (ErrorMailRecipientNotFound)" in seen
    assert 'lang="sv"' in page and NO_MAILBOX not in seen


def test_the_english_page_keeps_the_stored_reasons() -> None:
    seen = visible(render_page(data_of(known_reasons()), "en"))
    assert NO_MAILBOX in seen and NO_TIME in seen
    for k, v in TEXT["sv"].items():
        if v != TEXT["en"][k] and len(v) > 8:
            assert v.split("{")[0] not in seen, v


@pytest.mark.parametrize(("title", "sv", "en"), [
    ("Medarbetarsamtal 2027", "Medarbetarsamtal 2027", "Medarbetarsamtal 2027"),
    ("medarbetarsamtalen hösten 2027", "medarbetarsamtalen hösten 2027", "medarbetarsamtalen hösten 2027"),
    ("Employee dialogues 2027", "Employee dialogues 2027", "Employee dialogues 2027"),
    ("Hösten 2027", "Medarbetarsamtal: Hösten 2027", "Employee dialogues: Hösten 2027"),
])
def test_the_title_names_the_round_once(title: str, sv: str, en: str) -> None:
    assert headline(title, "sv") == sv and headline(title, "en") == en
    page = render_page(replace(data_of(organisation()), title=title), "sv")
    assert f"<h1>{escape(sv)}</h1>" in page and f"<title>{escape(sv)}</title>" in page
    assert "Medarbetarsamtal: Medarbetarsamtal" not in page


def test_plural_forms_agree_with_their_number() -> None:
    data = data_of(organisation())  # Ensam, a department of one, is left out; one need named once
    assert data.departments_hidden == 1
    sv, en = visible(render_page(data, "sv")), visible(render_page(data, "en"))
    assert "En person i en avdelning som är för liten för att visas" in sv and "1 personer" not in sv
    assert "One person in a department too small to show" in en and "1 people" not in en
    assert data.themes_once == 1 and "(ett sådant behov)" in sv and "(one such need)" in en
    assert "1 sådana" not in sv
    three = replace(data, themes_once=3)
    assert "(3 sådana behov)" in render_page(three, "sv") and "(3 such needs)" in render_page(three, "en")
    none = replace(data, themes_once=0)
    assert "Behov som bara en person har tagit upp visas inte. " in visible(render_page(none, "sv"))


def test_the_language_is_the_campaign_s_unless_asked(settings: Settings, tmp_path: Path) -> None:  # noqa: F811
    assert settings.language.default == "sv"
    default = write_report(known_reasons(), settings, tmp_path / "default")
    asked = write_report(known_reasons(), settings, tmp_path / "en", language="en")
    assert 'lang="sv"' in default.html.read_text(encoding="utf-8")
    assert 'lang="en"' in asked.html.read_text(encoding="utf-8")
    # the CSV is the records list's export: the reasons as stored, whatever the page's language
    assert NO_MAILBOX in default.csv.read_text(encoding="utf-8-sig")
    assert default.csv.read_bytes() == asked.csv.read_bytes()
