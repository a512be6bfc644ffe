"""The documentation keeps up with the code: every setting and permission of manifest.yaml is in
README.md, the manifest lists exactly the keys the campaign-file loader accepts, and README's
commands table shows every option of every command (and none it does not have)."""
from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from plugin.settings_table import accepted_keys

ROOT = Path(__file__).parents[2]


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))
    return data


def readme_section(name: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(
        rf"<!-- section: {name} -->(.*?)<!-- end section: {name} -->", text, flags=re.DOTALL
    )
    assert match, f"README.md has no section {name}"
    return match.group(1)


@pytest.mark.parametrize("key", [s["key"] for s in manifest()["settings"]])
def test_every_manifest_setting_is_in_the_readme_configuration_table(key: str) -> None:
    assert f"| `{key}` |" in readme_section("configuration")


@pytest.mark.parametrize("name", [p["name"] for p in manifest()["permissions"]])
def test_every_manifest_permission_is_in_the_readme(name: str) -> None:
    assert f"`{name}`" in readme_section("permissions")


def test_manifest_settings_are_exactly_the_keys_the_loader_accepts() -> None:
    documented = [s["key"] for s in manifest()["settings"]]
    assert len(documented) == len(set(documented)), "a setting is listed twice in manifest.yaml"
    assert not set(accepted_keys()) - set(documented), "accepted but not in manifest.yaml"
    assert not set(documented) - set(accepted_keys()), "in manifest.yaml but not accepted"


def test_readme_configuration_table_lists_no_unknown_key() -> None:
    rows = re.findall(r"^\| `([a-z_.]+)` \|", readme_section("configuration"), flags=re.MULTILINE)
    assert set(rows) == set(accepted_keys())


def test_every_manifest_setting_has_a_description() -> None:
    for entry in manifest()["settings"]:
        assert entry.get("description"), entry["key"]
        assert entry.get("type"), entry["key"]


# Options every command shares, documented once above the commands table (and `-h`).
COMMON_OPTIONS = frozenset({"-h", "--help", "--now", "-v", "--verbose", "--trace"})


def _commands() -> list[tuple[str, argparse.ArgumentParser]]:
    """(``samtal status``, its parser) for every command and subcommand."""
    from plugin.cli import build_parser

    found: list[tuple[str, argparse.ArgumentParser]] = []

    def walk(prefix: str, parser: argparse.ArgumentParser) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.append((f"{prefix} {name}", sub))
                    walk(f"{prefix} {name}", sub)

    walk("samtal", build_parser())
    return found


def _row(command: str) -> str:
    rows = [line for line in readme_section("commands").splitlines() if line.startswith(f"| `{command} ")
            or line.startswith(f"| `{command}`")]
    assert len(rows) == 1, f"README's commands table has {len(rows)} rows for {command}"
    return rows[0]


def _cells(row: str) -> list[str]:
    """The cells of a table row (``\\|`` inside a cell is a pipe, not a border)."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]]


@pytest.mark.parametrize(("command", "parser"), [
    (name, parser) for name, parser in _commands()
    if not any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)])
def test_every_option_of_every_command_is_in_its_readme_row(command: str, parser: argparse.ArgumentParser) -> None:
    row = _row(command)
    usage = _cells(row)[0]
    missing = [option for action in parser._actions for option in action.option_strings
               if option not in COMMON_OPTIONS and not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", usage)]
    assert missing == [], f"{command}: not in README's commands table: {missing}"


def test_the_options_every_command_shares_are_above_the_table() -> None:
    from plugin.cli import build_parser

    intro = readme_section("commands").split("| command |")[0]
    top = [o for a in build_parser()._actions for o in a.option_strings if o not in ("-h", "--help")]
    for option in ("--now", "-v", "--verbose", "--config", *top):
        assert re.search(rf"`[^`]*(?<![\w-]){re.escape(option)}(?![\w-])[^`]*`", intro), option


def test_the_readme_names_no_option_a_command_does_not_have() -> None:
    known = {c: {o for a in p._actions for o in a.option_strings} for c, p in _commands()}
    for command, options in known.items():
        if any(command != other and other.startswith(command + " ") for other in known):
            continue  # `samtal templates`: its rows are its subcommands'
        usage = _cells(_row(command))[0]
        named = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", usage))
        assert named <= options, f"{command}: README names {sorted(named - options)}"


def test_docs_records_has_every_column_and_status_of_the_list() -> None:
    """docs/records.md#columns has a row for each column samtal creates (indexed ones say so), and
    docs/records.md#statuses a heading for each status."""
    from plugin.records import COLUMNS, Status

    text = (ROOT / "docs" / "records.md").read_text(encoding="utf-8")
    columns = text.split("\n## Columns\n", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| ([^|]*) \|", columns, flags=re.MULTILINE)}
    assert [c.name for c in COLUMNS if c.name not in rows] == []
    assert [c.name for c in COLUMNS if c.indexed and "indexed" not in rows[c.name]] == []
    assert [s.value for s in Status if f"\n### {s.value}\n" not in text] == []
