"""`samtal templates check`: the built-in templates pass; broken ones say exactly what is wrong."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from plugin.cli import main
from plugin.documents import check_template, oxml
from plugin.documents.positions import paragraph_place
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
    (_retag("goals", "goal"), ["the control tagged 'goal' (title 'Nya mål') has an unknown tag",
                               "no content control tagged 'goals'"]),
    (lambda r: wordsim.duplicate_control(r, "manager_confirmed"), ["tag 'manager_confirmed' is used 2 times"]),
    (_append("Hej {{ salary }}"), ["word/document.xml: paragraph 38 ('Hej {{ salary }}'): unknown placeholder "
                                   "{{ salary }}; known: "]),
    (_append("Hej {{ employee_name"), ["word/document.xml: paragraph 38 ('Hej {{ employee_name'): unbalanced braces"]),
    (_swap_alias_and_tag, ["word/document.xml, the control tagged 'goals' (title 'Nya mål'): Element 'w:alias': "
                           "This element is not expected"]),
    (_inline_goals, ["the control tagged 'goals' (title 'Nya mål') must be a block-level rich-text control"]),
    (_unlock_name, ["the control tagged 'employee_name' (title 'Medarbetare') is prefilled by samtal and must be locked"]),
    (lambda r: wordsim.delete_control(r, "health_discussed", keep_content=False),
     ["no content control tagged 'health_discussed' (checkbox"]),
])
def test_broken_form_templates_are_caught(change: Callable[[etree._Element], None], expected: list[str]) -> None:
    problems = check_template(wordsim.edit(FORM, change), name="form.sv.docx")
    joined = "\n".join(problems)
    for text in expected:
        assert text in joined, joined
    assert not re.search(r"\bline \d", joined), joined  # Word's XML is one line: a line number says nothing


def test_an_unknown_placeholder_is_named_where_each_use_of_it_is() -> None:
    """Like every other problem, an unknown placeholder says which paragraph it is in (a template
    has dozens); one line for each paragraph that uses it, even when Word split it into runs."""
    def change(root: etree._Element) -> None:
        body = root.find(wordsim.w("body"))
        body[-1].addprevious(wordsim.paragraph("Lön: {{ salary }} kr, {{ salary }} i år"))
        body[-1].addprevious(wordsim.paragraph("Bonus"))
        body[-1].addprevious(wordsim.paragraph("Ny lön: {{ salary }}"))  # in two runs: "Ny lön: {{", " salary }}"
    problems = check_template(wordsim.edit(FORM, change), name="form.sv.docx")
    unknown = [p.split("; known:")[0] for p in problems if "unknown placeholder" in p]
    assert unknown == [
        "word/document.xml: paragraph 38 ('Lön: {{ salary }} kr, {{ salary }} i år'): unknown placeholder {{ salary }}",
        "word/document.xml: paragraph 40 ('Ny lön: {{ salary }}'): unknown placeholder {{ salary }}"]


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
    as_prep = wordsim.edit(guide, _append("For {{ employee_name }}"))
    assert check_template(as_prep, kind="prep_guide") == (  # samtal's own guide says what it is
        "this is a manager's guide, not a prep guide: its document property samtal_template says so; "
        "check it with --kind manager_guide",)
    # without the property, the placeholders speak: a prep guide knows no team_size
    without_property = wordsim.edit(as_prep, lambda root: [root.remove(c) for c in list(root)],
                                    part="docProps/custom.xml")
    problems = check_template(without_property, kind="prep_guide")
    assert not any("{{ employee_name }}" in p for p in problems) and any("team_size" in p for p in problems)


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


def test_the_wrong_kind_is_named_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    form = tmp_path / "form.sv.docx"
    form.write_bytes(FORM)
    assert main(["templates", "check", str(form), "--kind", "prep_guide"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("form.sv.docx: this is a documentation form, not a prep guide: it holds the form's "
                          "content controls (employee_name, ") and "check it with --kind form" in out
    assert "ok" not in out.split()
    assert main(["templates", "check", str(form), "--kind", "manager_guide"]) == 1
    assert "not a manager's guide" in capsys.readouterr().out

    guide = tmp_path / "guide.docx"  # a name that says nothing: the content decides
    guide.write_bytes((TEMPLATES_DIR / "prep_guide.en.docx").read_bytes())
    assert main(["templates", "check", str(guide), "--kind", "form"]) == 1
    assert "guide.docx: this is not a documentation form: it has none of the form's content controls" \
        in capsys.readouterr().out
    assert main(["templates", "check", str(guide)]) == 0


def test_a_read_error_names_the_file_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"hello")
    assert main(["templates", "check", str(junk)]) == 2
    err = capsys.readouterr().err
    assert err == f"{junk} is not a Word document (.docx is a zip file)\n"
    assert err.count("junk.docx") == 1


def test_places_are_paragraphs_with_their_text() -> None:
    body = etree.fromstring(
        f'<w:body xmlns:w="{oxml.W_NS}"><w:p><w:r><w:t>Nya mål för året som kommer, '
        'med utvecklingsplan och uppföljning</w:t></w:r></w:p><w:p/><w:p><w:r><w:t>Hälsa</w:t></w:r></w:p></w:body>')
    first, empty, last = body.findall(oxml.W_P)
    assert paragraph_place(first) == "paragraph 1 ('Nya mål för året som kommer, med utveck…')"
    assert paragraph_place(empty) == "paragraph 2 (empty, after 'Nya mål för året som kommer, med utveck…')"
    assert paragraph_place(last.find(oxml.W_R)) == "paragraph 3 ('Hälsa')"
