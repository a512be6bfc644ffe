"""`samtal templates check`: the built-in templates pass; broken ones say exactly what is wrong."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from plugin.cli import main
from plugin.documents import check_template
from templates import TEMPLATES_DIR
from plugin.documents import wordsim

FORM = (TEMPLATES_DIR / "form.sv.docx").read_bytes()


@pytest.mark.parametrize("path", sorted(TEMPLATES_DIR.glob("*.docx")), ids=lambda p: p.name)
def test_built_in_templates_pass(path: Path) -> None:
    assert check_template(path.read_bytes(), name=path.name) == ()


def _retag(old: str, new: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        wordsim.control(root, old).find(f"{wordsim.w('sdtPr')}/{wordsim.w('tag')}").set(wordsim.w("val"), new)
    return change


def _append(text: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        root.find(wordsim.w("body"))[-1].addprevious(wordsim.paragraph(text))
    return change


def _swap_alias_and_tag(root: etree._Element) -> None:
    pr = wordsim.control(root, "goals").find(wordsim.w("sdtPr"))
    pr.find(wordsim.w("alias")).addprevious(pr.find(wordsim.w("tag")))


def _inline_goals(root: etree._Element) -> None:
    sdt = wordsim.control(root, "goals")
    p = etree.Element(wordsim.w("p"))
    sdt.addprevious(p)
    content = sdt.find(wordsim.w("sdtContent"))
    inner = content.find(wordsim.w("p"))
    for run in list(inner):
        content.append(run)
    content.remove(inner)
    p.append(sdt)


def _unlock_name(root: etree._Element) -> None:
    lock = wordsim.control(root, "employee_name").find(f"{wordsim.w('sdtPr')}/{wordsim.w('lock')}")
    lock.getparent().remove(lock)


@pytest.mark.parametrize(("change", "expected"), [
    (_retag("goals", "goal"), ["unknown tag 'goal'", "no content control tagged 'goals'"]),
    (lambda r: wordsim.duplicate_control(r, "manager_confirmed"), ["tag 'manager_confirmed' is used 2 times"]),
    (_append("Hej {{ salary }}"), ["unknown placeholder {{ salary }}"]),
    (_append("Hej {{ employee_name"), ["unbalanced braces"]),
    (_swap_alias_and_tag, ["word/document.xml line", "w:sdtPr/w:alias", "w:alias': This element is not expected"]),
    (_inline_goals, ["'goals' must be a block-level rich-text control"]),
    (_unlock_name, ["'employee_name' is prefilled by samtal and must be locked"]),
    (lambda r: wordsim.delete_control(r, "health_discussed", keep_content=False),
     ["no content control tagged 'health_discussed' (checkbox"]),
])
def test_broken_form_templates_are_caught(change: Callable[[etree._Element], None], expected: list[str]) -> None:
    problems = check_template(wordsim.edit(FORM, change), name="form.sv.docx")
    joined = "\n".join(problems)
    for text in expected:
        assert text in joined, joined


def test_placeholder_in_a_control_title_is_caught() -> None:
    def change(root: etree._Element) -> None:
        alias = wordsim.control(root, "goals").find(f"{wordsim.w('sdtPr')}/{wordsim.w('alias')}")
        alias.set(wordsim.w("val"), "{{ employee_name }}s mål")
    problems = check_template(wordsim.edit(FORM, change), name="form.sv.docx")
    assert any("placeholder in the attribute val" in p for p in problems)


def test_manager_guide_only_knows_manager_placeholders() -> None:
    guide = (TEMPLATES_DIR / "manager_guide.en.docx").read_bytes()
    problems = check_template(wordsim.edit(guide, _append("For {{ employee_name }}")), name="manager_guide.en.docx")
    assert any("unknown placeholder {{ employee_name }}" in p for p in problems)
    as_prep = check_template(wordsim.edit(guide, _append("For {{ employee_name }}")), kind="prep_guide")
    assert not any("{{ employee_name }}" in p for p in as_prep) and any("team_size" in p for p in as_prep)


def test_cli_exit_statuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "form.sv.docx"
    good.write_bytes(FORM)
    assert main(["templates", "check", str(good)]) == 0
    assert "form.sv.docx: ok" in capsys.readouterr().out

    bad = tmp_path / "form.en.docx"
    bad.write_bytes(wordsim.edit(FORM, _retag("goals", "goal")))
    assert main(["templates", "check", str(bad)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("form.en.docx: ") for line in lines)

    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"hello")
    assert main(["templates", "check", str(junk)]) == 2
    assert "not a Word document" in capsys.readouterr().err
    assert main(["templates", "check", str(tmp_path / "missing.docx")]) == 2
    assert main(["templates"]) == 2
