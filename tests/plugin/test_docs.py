"""The documentation keeps up with the code: every setting and permission of manifest.yaml is in
README.md, and the manifest lists exactly the keys the campaign-file loader accepts."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from plugin.settings import accepted_keys

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
