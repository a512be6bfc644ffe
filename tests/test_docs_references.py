"""The project's documents stand alone, and every reference into them leads somewhere.

Every text file of the repository (``.py``, ``.md``, ``.yaml``, ``.yml``, ``.toml``, ``.txt``;
tracked, or new and not ignored) is read for references, written as docs/README.md
("Referring to these documents") says:

- ``docs/<name>.md`` and ``docs/<name>.md#<anchor>`` (and ``README.md#<anchor>``) anywhere, and
  relative Markdown links (``[text](sandbox.md#faults)``) in Markdown files: the document must
  exist and the anchor must be one of its headings, slugged as GitHub does;
- ``tests/<path>.py::<name>``: the test must exist;
- failure ids (a letter and a number, as the catalogue's headings) are written as links to
  their entry, ``docs/failures.md#t14``: a bare id in a Python comment or docstring, or in a
  Markdown, YAML or text file other than the catalogue and the documents' index, is reported;
- nothing names the team's own documents, which are not in the repository.

The checker is plain functions over a root and a list of files, so the unit tests below plant
broken references in a throw-away tree and see them reported. This file is left out of the
repository-wide checks: its test data are broken on purpose.
"""
from __future__ import annotations

import ast
import io
import os
import re
import subprocess
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = frozenset({".py", ".md", ".yaml", ".yml", ".toml", ".txt"})
CATALOGUE = "docs/failures.md"
# Pages that may name failure ids bare: the catalogue itself and the index that lists its ranges.
BARE_IDS_ALLOWED = frozenset({CATALOGUE, "docs/README.md"})
_SKIP_DIRS = frozenset({".git", ".venv", "venv", "__pycache__", ".mypy_cache", ".pytest_cache",
                        "build", "dist", "node_modules", "samtal-demo"})

# Tokens that look like failure ids but mean something else where they stand, by file.
NOT_FAILURE_IDS: dict[str, frozenset[str]] = {
    "plugin/printable.py": frozenset({"C1"}),  # C1 control characters (ECMA-48)
    "tests/plugin/test_printable.py": frozenset({"C1"}),
    "tests/e2e/test_hostile_names.py": frozenset({"C1"}),
    "plugin/overview/package.py": frozenset({"A4"}),  # the paper size
    "plugin/overview/wml.py": frozenset({"A4"}),
    "templates/build.py": frozenset({"A4"}),
    "connectors/graph/clouds.py": frozenset({"L4", "L5"}),  # US Government impact levels
}

# The team's own documents, which are not in the repository. Spelled in pieces so that this
# file does not name them itself.
_TEAM_DOCS = ("graph-" + "facts", "graph-" + "shapes", "graph-" + "failure-modes", "docx-" + "forms",
              "calendar-" + "facts")
_SPEC = "SP" + "EC"
FORBIDDEN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"\b{_SPEC}\b"), "the team's specification"),
    (re.compile(rf"as_{_SPEC.lower()}_says\b"), "the team's specification"),
    (re.compile("|".join(re.escape(name) for name in _TEAM_DOCS)), "a team-only reference document"),
    (re.compile(re.escape("shared/" + "reference") + "|" + re.escape("../" + "shared")), "the team's shared folder"),
    (re.compile(r"\b(?:OD|GD|GC|SPT)\b(?=[ \t]+(?:``|`|[\w./-]+\.md\b|in\b))"),
     "a source abbreviation of the team's reference documents (cite the Microsoft Learn page)"),
)

_DOC_REF = re.compile(r"(?<![\w/.-])(docs/[\w.-]+\.md|[A-Z][A-Z_]*\.md)(?:#([\w-]+))?")
# A section of the README named in a message to a person: "(README: Least privilege)".
_README_SECTION = re.compile(r"\bREADME: ([A-Z][A-Za-z ]*[A-Za-z])")
_TEST_REF = re.compile(r"(?<![\w/.-])(tests/[\w/]+\.py)::(\w+)")
_MD_LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_BARE_ID = re.compile(r"(?<![\w#/.+%-])([TAUFCLPM]\d{1,2})(?![\w+])")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_HTML_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"", re.IGNORECASE)


# ---------------------------------------------------------------------------- the checker
def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading's text (before numbering duplicates): link and code
    marks dropped, lower case, every character but letters, digits, ``_``, ``-`` and spaces
    removed, spaces turned into hyphens."""
    text = _MD_LINK.sub(lambda m: m.group(1), heading)
    text = text.replace("`", "").replace("*", "").lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in "_- " or _is_mark(ch))
    return text.replace(" ", "-")


def _is_mark(ch: str) -> bool:
    import unicodedata
    return unicodedata.category(ch).startswith("M")


def anchors_of(markdown: str) -> set[str]:
    """Every anchor a Markdown text offers: its headings' slugs (a repeated one numbered ``-1``,
    ``-2`` as GitHub does; headings in fenced code are not headings) and explicit HTML anchors."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    fenced = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        match = _HEADING.match(line)
        if match:
            slug = github_slug(match.group(2).strip())
            n = seen.get(slug, 0)
            found.add(slug if n == 0 else f"{slug}-{n}")
            seen[slug] = n + 1
        found.update(_HTML_ANCHOR.findall(line))
    return found


def failure_ids(catalogue: str) -> set[str]:
    """The ids the catalogue defines: its ``### X9`` headings."""
    return {m.group(1) for m in re.finditer(r"^### ([TAUFCLPM]\d{1,2})\s*$", catalogue, flags=re.MULTILINE)}


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


class Repository:
    """The text files under ``root`` (paths relative to it, with ``/``) and what they offer."""

    def __init__(self, root: Path, files: Iterable[str]) -> None:
        self.root = root
        self.files = sorted(f for f in files if Path(f).suffix in TEXT_SUFFIXES)
        self._texts: dict[str, str] = {}
        self._anchors: dict[str, set[str]] = {}

    def text(self, rel: str) -> str:
        if rel not in self._texts:
            self._texts[rel] = (self.root / rel).read_text(encoding="utf-8")
        return self._texts[rel]

    def exists(self, rel: str) -> bool:
        return (self.root / rel).is_file()

    def heading_texts(self, rel: str) -> list[str]:
        """The headings of a Markdown file as a reader sees them, lower case (no ``#``, code or
        emphasis marks; headings in fenced code are not headings)."""
        found, fenced = [], False
        for line in self.text(rel).splitlines():
            if _FENCE.match(line):
                fenced = not fenced
            elif not fenced and (match := _HEADING.match(line)):
                found.append(match.group(2).replace("`", "").replace("*", "").strip().lower())
        return found

    def anchors(self, rel: str) -> set[str]:
        if rel not in self._anchors:
            self._anchors[rel] = anchors_of(self.text(rel))
        return self._anchors[rel]


def tracked_files(root: Path) -> list[str]:
    """The repository's files: tracked, or new and not ignored (git), else a walk of the tree."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=root, capture_output=True, check=True).stdout.decode("utf-8")
        return [f for f in out.split("\0") if f and (root / f).is_file()]
    except (OSError, subprocess.CalledProcessError):
        found = []
        for here, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not d.endswith(".egg-info")]
            found += [Path(here, n).relative_to(root).as_posix() for n in names]
        return found


def _lines(text: str) -> Iterator[tuple[int, str]]:
    return enumerate(text.splitlines(), start=1)


def _resolve(base: str, target: str) -> str:
    """``target`` of a link in file ``base``, relative to the root."""
    joined = os.path.normpath(os.path.join(os.path.dirname(base), target))
    return Path(joined).as_posix()


def _check_target(repo: Repository, where: str, line: int, rel: str, anchor: str | None,
                  shown: str) -> Iterator[Problem]:
    if rel.startswith("../") or rel == "..":
        yield Problem(where, line, f"{shown}: points outside the repository")
    elif not repo.exists(rel):
        yield Problem(where, line, f"{shown}: no such file {rel}")
    elif anchor and rel.endswith(".md") and anchor not in repo.anchors(rel):
        yield Problem(where, line, f"{shown}: {rel} has no heading with the anchor #{anchor}")


def reference_problems(repo: Repository) -> list[Problem]:
    """Every reference to a document, a heading or a test that does not exist."""
    problems: list[Problem] = []
    for rel in repo.files:
        text = repo.text(rel)
        is_markdown = rel.endswith(".md")
        for n, line in _lines(text):
            plain = line
            if is_markdown:  # links in code spans are examples, not links
                for m in _MD_LINK.finditer(re.sub(r"`[^`]*`", "", line)):
                    target = m.group(2)
                    if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                        continue
                    path, _, anchor = target.partition("#")
                    dest = rel if not path else _resolve(rel, path)
                    problems += _check_target(repo, rel, n, dest, anchor or None, f"link ({target})")
                plain = _MD_LINK.sub(lambda m: m.group(1), line)
            for m in _DOC_REF.finditer(plain):
                problems += _check_target(repo, rel, n, m.group(1), m.group(2), m.group(0))
            for m in _README_SECTION.finditer(plain):
                if not repo.exists("README.md") or not any(
                        h.startswith(m.group(1).lower()) for h in repo.heading_texts("README.md")):
                    problems.append(Problem(rel, n, f"{m.group(0)!r}: README.md has no section of that name"))
            for m in _TEST_REF.finditer(plain):
                path, name = m.group(1), m.group(2)
                if not repo.exists(path):
                    problems.append(Problem(rel, n, f"{m.group(0)}: no such file {path}"))
                elif not re.search(rf"^\s*(?:async\s+)?(?:def|class)\s+{name}\b", repo.text(path), re.MULTILINE):
                    problems.append(Problem(rel, n, f"{m.group(0)}: {path} has no test {name}"))
    return problems


def _python_prose(source: str) -> Iterator[tuple[int, str]]:
    """The comments and docstrings of a Python source, with the line each line of them is on."""
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            yield tok.start[0], tok.string
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                for k, line in enumerate(first.value.value.splitlines()):
                    yield first.lineno + k, line


def bare_id_problems(repo: Repository) -> list[Problem]:
    """Failure ids written bare instead of as ``docs/failures.md#<id>``."""
    if not repo.exists(CATALOGUE):
        return [Problem(CATALOGUE, 0, "the failure catalogue is missing")]
    ids = failure_ids(repo.text(CATALOGUE))
    problems: list[Problem] = []
    for rel in repo.files:
        if rel in BARE_IDS_ALLOWED:
            continue
        text = repo.text(rel)
        prose = _python_prose(text) if rel.endswith(".py") else _lines(text)
        allowed = NOT_FAILURE_IDS.get(rel, frozenset())
        for n, line in prose:
            if rel.endswith(".md"):
                line = _MD_LINK.sub("", line)
            for m in _BARE_ID.finditer(line):
                if m.group(1) in ids and m.group(1) not in allowed:
                    problems.append(Problem(rel, n, f"bare failure id {m.group(1)}: write "
                                                    f"docs/failures.md#{m.group(1).lower()}"))
    return problems


def forbidden_problems(repo: Repository) -> list[Problem]:
    """Everything that refers to documents users and contributors cannot see."""
    problems: list[Problem] = []
    for rel in repo.files:
        for n, line in _lines(repo.text(rel)):
            for pattern, what in FORBIDDEN:
                for m in pattern.finditer(line):
                    problems.append(Problem(rel, n, f"{m.group(0)!r} refers to {what}, which is not in "
                                                    "the repository: point into docs/ or say it in place"))
    return problems


_TABLE_RULE = re.compile(r"^\|(?:\s*:?-{3,}:?\s*\|)+\s*$")


def _cells(row: str) -> int:
    """The cells of a table row as GitHub counts them: every ``|`` not escaped as ``\\|``
    separates cells, inside a code span too."""
    return len(re.split(r"(?<!\\)\|", row.strip().strip("|")))


def table_problems(repo: Repository) -> list[Problem]:
    """Markdown tables that GitHub would not show as written: a block of ``|`` lines without its
    rule under the header (a blank line inside a table starts a block without one), or a row
    with more or fewer cells than its header."""
    problems: list[Problem] = []
    for rel in (f for f in repo.files if f.endswith(".md")):
        lines = repo.text(rel).splitlines()
        fenced, i = False, 0
        while i < len(lines):
            if _FENCE.match(lines[i]):
                fenced = not fenced
            if fenced or not lines[i].startswith("|"):
                i += 1
                continue
            end = i
            while end < len(lines) and lines[end].startswith("|"):
                end += 1
            if end - i < 2 or not _TABLE_RULE.match(lines[i + 1]):
                problems.append(Problem(rel, i + 1, "a table row without a header and rule above it "
                                                    "(is there a blank line inside the table?)"))
            else:
                width = _cells(lines[i])
                problems += [Problem(rel, k + 1, f"{_cells(lines[k])} cells where the header has {width} "
                                                 "(write a | inside a cell as \\|)")
                             for k in range(i + 2, end) if _cells(lines[k]) != width]
            i = end
    return problems


# ---------------------------------------------------------------------------- the repository
SELF = Path(__file__).resolve().relative_to(ROOT).as_posix()


@pytest.fixture(scope="module")
def repo() -> Repository:
    return Repository(ROOT, [f for f in tracked_files(ROOT) if f != SELF])


def _report(problems: list[Problem]) -> str:
    return f"{len(problems)} problem(s):\n" + "\n".join(str(p) for p in problems[:60])


def test_every_reference_into_the_documents_leads_to_a_file_and_a_heading(repo: Repository) -> None:
    assert any(f.startswith("docs/") for f in repo.files), "no documents found"
    problems = reference_problems(repo)
    assert not problems, _report(problems)


def test_failure_ids_are_written_as_links_to_their_entry(repo: Repository) -> None:
    problems = bare_id_problems(repo)
    assert not problems, _report(problems)


def test_nothing_refers_to_documents_outside_the_project(repo: Repository) -> None:
    problems = forbidden_problems(repo)
    assert not problems, _report(problems)


def test_every_table_in_the_documents_shows_as_a_table(repo: Repository) -> None:
    problems = table_problems(repo)
    assert not problems, _report(problems)


def test_the_catalogue_has_each_id_once_and_every_id_has_its_anchor(repo: Repository) -> None:
    text = repo.text(CATALOGUE)
    headings = re.findall(r"^### ([TAUFCLPM]\d{1,2})\s*$", text, flags=re.MULTILINE)
    assert len(headings) > 50 and len(headings) == len(set(headings))
    assert {h.lower() for h in headings} <= repo.anchors(CATALOGUE)


def id_ranges(text: str) -> set[str]:
    """The failure ids the ranges of a text name: ``T1–T22`` is T1, T2, …, T22."""
    named: set[str] = set()
    for letter, first, last in re.findall(r"\b([TAUFCLPM])(\d{1,2})–\1(\d{1,2})\b", text):
        named |= {f"{letter}{n}" for n in range(int(first), int(last) + 1)}
    return named


@pytest.mark.parametrize("where", ["docs/README.md", CATALOGUE])
def test_the_ranges_the_index_and_the_catalogue_name_are_the_catalogue_s_ids(repo: Repository, where: str) -> None:
    """The index (and the catalogue's own list of groups) says which ids exist: an entry added
    to the catalogue without its range growing leaves a reader looking for it elsewhere."""
    text = repo.text(where)
    if where == CATALOGUE:
        text = text.split("\n## ", 1)[0]  # the introduction, before the first section
    ids = failure_ids(repo.text(CATALOGUE))
    named = id_ranges(text)
    assert (sorted(ids - named), sorted(named - ids)) == ([], []), f"{where}: ranges to correct"


# ---------------------------------------------------------------------------- the checker itself
@pytest.mark.parametrize("heading, slug", [
    ("Seed format", "seed-format"),
    ("T14", "t14"),
    ("plugin/scheduling", "pluginscheduling"),
    ("Names, files and sharing", "names-files-and-sharing"),
    ("`Retry-After` as a decimal", "retry-after-as-a-decimal"),
    ("Time zones and holidays", "time-zones-and-holidays"),
    ("HTTPS and the token endpoint", "https-and-the-token-endpoint"),
    ("Errors and the three outcomes", "errors-and-the-three-outcomes"),
    ("records.lease_minutes (the term)", "recordslease_minutes-the-term"),
    ("Åtgärder – nästa år", "åtgärder--nästa-år"),
    ("[Linked](x.md) heading", "linked-heading"),
])
def test_slugs_are_githubs(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


def test_repeated_headings_are_numbered_and_fenced_ones_are_not_headings() -> None:
    text = "# Doc\n## Notes\n### Notes\n## Notes\n```yaml\n# not a heading\n```\n<a id=\"here\"></a>\n"
    assert anchors_of(text) == {"doc", "notes", "notes-1", "notes-2", "here"}


def _tree(tmp_path: Path, files: dict[str, str]) -> Repository:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return Repository(tmp_path, files)


_DOCS = {
    "docs/guide.md": "# Guide\n\n## Seed format\n\nSee [faults](#faults) and [T1](failures.md#t1).\n\n## Faults\n",
    "docs/failures.md": "# Failures\n\n### T1\n\nText.\n\n### F7\n\nText.\n",
    "tests/test_a.py": "def test_real() -> None:\n    pass\n",
}


def test_good_references_pass(tmp_path: Path) -> None:
    repo = _tree(tmp_path, {**_DOCS, "pkg/mod.py": (
        '"""Seeds: docs/guide.md#seed-format; the whole guide: docs/guide.md."""\n'
        "X = 1  # docs/failures.md#f7: once more\n"),
        "README.md": "# Top\n\n[guide](docs/guide.md#faults); `tests/test_a.py::test_real`\n"})
    assert reference_problems(repo) == []
    assert bare_id_problems(repo) == []
    assert forbidden_problems(repo) == []


def test_a_planted_broken_reference_is_reported(tmp_path: Path) -> None:
    repo = _tree(tmp_path, {**_DOCS, "pkg/mod.py": (
        '"""Seeds: docs/guide.md#seed-formats."""\n'      # an anchor that does not exist
        "X = 1  # docs/missing.md#anything\n"),             # a document that does not exist
        "docs/other.md": "# Other\n\n[bad](guide.md#nowhere) [gone](gone.md) [ok](../README.md#top)\n",
        "README.md": "# Top\n\nSee `tests/test_a.py::test_gone`.\n"})
    found = [str(p) for p in reference_problems(repo)]
    assert any(p.startswith("pkg/mod.py:1:") and "#seed-formats" in p for p in found), found
    assert any(p.startswith("pkg/mod.py:2:") and "no such file docs/missing.md" in p for p in found), found
    assert any(p.startswith("docs/other.md:3:") and "#nowhere" in p for p in found), found
    assert any(p.startswith("docs/other.md:3:") and "no such file docs/gone.md" in p for p in found), found
    assert any(p.startswith("README.md:3:") and "has no test test_gone" in p for p in found), found
    assert len(found) == 5, found


def test_a_readme_section_named_in_a_message_must_exist(tmp_path: Path) -> None:
    repo = _tree(tmp_path, {**_DOCS, "README.md": "# Top\n\n## Least privilege\n\n### Retention: old rounds\n",
                            "pkg/hint.py": ('HINT = "add the person to the group (README: Least privilege)"\n'
                                            'MORE = "restorable (README: Retention)"  # a heading\'s start is enough\n'
                                            'GONE = "see the table (README: Troubleshooting)"\n')})
    assert [str(p) for p in reference_problems(repo)] == [
        "pkg/hint.py:3: 'README: Troubleshooting': README.md has no section of that name"]


def test_a_bare_failure_id_is_reported_where_it_stands(tmp_path: Path) -> None:
    repo = _tree(tmp_path, {**_DOCS, "pkg/mod.py": (
        '"""Replacing an Office file (F7)."""\n'
        "Y = 'F7'  # a string is not prose; T1 in a comment is\n"
        "Z = 'F0'  # F0 and T2 are no ids of this catalogue\n"),
        "CHANGELOG.md": "- retried once more (F7); see [F7](docs/failures.md#f7)\n"})
    found = sorted(str(p) for p in bare_id_problems(repo))
    assert found == ["CHANGELOG.md:1: bare failure id F7: write docs/failures.md#f7",
                     "pkg/mod.py:1: bare failure id F7: write docs/failures.md#f7",
                     "pkg/mod.py:2: bare failure id T1: write docs/failures.md#t1"]


def test_every_group_of_the_catalogue_is_checked_mail_included(tmp_path: Path) -> None:
    """Each letter of the catalogue's ids (T, A, U, F, C, L, P and the mail group's M) is an id:
    written bare it is reported, and a range of it counts."""
    catalogue = "# Failures\n\n" + "".join(f"### {i}\n\nText.\n\n" for i in ("T1", "A1", "U1", "F1", "C1",
                                                                               "L1", "P1", "M1", "M2"))
    repo = _tree(tmp_path, {"docs/failures.md": catalogue,
                            "pkg/mail.py": '"""Sent once, even after a crash (M2)."""\n'})
    assert failure_ids(repo.text("docs/failures.md")) == {"T1", "A1", "U1", "F1", "C1", "L1", "P1", "M1", "M2"}
    assert [str(p) for p in bare_id_problems(repo)] == ["pkg/mail.py:1: bare failure id M2: write docs/failures.md#m2"]
    assert id_ranges("mail (M1–M5), paging (P1–P2)") == {"M1", "M2", "M3", "M4", "M5", "P1", "P2"}


def test_a_table_broken_by_a_blank_line_or_a_pipe_is_reported(tmp_path: Path) -> None:
    repo = _tree(tmp_path, {"docs/t.md": (
        "| a | b |\n| --- | --- |\n| `x` | y |\n\n| `z` | w |\n"      # a blank line inside the table
        "\n| a | b |\n| --- | --- |\n| `i:0#.f|m` | y |\n| `i:0#.f\\|m` | y |\n"  # a bare pipe in code
        "\n```\n| not | a table |\n```\n")})
    assert [str(p).split(": ")[0] for p in table_problems(repo)] == ["docs/t.md:5", "docs/t.md:9"]


def test_references_to_the_teams_documents_are_reported(tmp_path: Path) -> None:
    planted = {
        "a.py": f"# {_SPEC} §7 format\n",
        "b.md": f"Facts: {_TEAM_DOCS[0]}.md §5\n",
        "c.yaml": f"# see ../{'shared'}/x\n",
        "d.py": '"""Upload session (OD ``api/driveitem.md``)."""\n',
        "e.py": f"def test_x_as_{_SPEC.lower()}_says() -> None: ...\n",
        "f.py": "FaultSpec = ColumnSpec = 'a spec of faults'  # not the specification\n",
    }
    found = sorted(p.path for p in forbidden_problems(_tree(tmp_path, planted)))
    assert found == ["a.py", "b.md", "c.yaml", "d.py", "e.py"]
