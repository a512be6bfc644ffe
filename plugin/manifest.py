"""The plugin's manifest (``manifest.yaml``): id, names, version, Graph permissions with their
reasons, and the settings. Loaded into frozen dataclasses; a malformed manifest names the field."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MANIFEST_PATH = Path(__file__).resolve().parents[1] / "manifest.yaml"


class ManifestError(ValueError):
    pass


@dataclass(frozen=True)
class Permission:
    name: str
    type: str
    reason: str
    alternative: str | None = None
    only_when: str | None = None  # a setting (reminders.sender): needed only when it is set

    def needed(self, settings: object | None) -> bool:
        """Whether the campaign ``settings`` need this permission (None: every campaign might)."""
        if self.only_when is None or settings is None:
            return True
        value: object = settings
        for part in self.only_when.split("."):  # the setting's key is its attribute path
            value = getattr(value, part, None)
        return value is not None


@dataclass(frozen=True)
class SettingDoc:
    key: str
    type: str
    description: str
    required: bool = False


@dataclass(frozen=True)
class Manifest:
    id: str
    names: dict[str, str]
    version: str
    permissions: tuple[Permission, ...]
    settings: tuple[SettingDoc, ...]


def _need(data: dict[str, Any], key: str, where: str, kind: type) -> Any:
    if key not in data:
        raise ManifestError(f"{where}: '{key}' is missing")
    value = data[key]
    if not isinstance(value, kind):
        raise ManifestError(f"{where}.{key}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def load_manifest(path: Path = MANIFEST_PATH) -> Manifest:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ManifestError(f"{path}: cannot be read: {err}") from err
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: expected a mapping at the top")
    where = path.name
    perms = []
    for i, raw in enumerate(_need(data, "permissions", where, list)):
        w = f"{where}: permissions[{i}]"
        if not isinstance(raw, dict):
            raise ManifestError(f"{w}: expected a mapping")
        perms.append(Permission(_need(raw, "name", w, str), _need(raw, "type", w, str),
                                _need(raw, "reason", w, str), raw.get("alternative"), raw.get("only_when")))
    settings = []
    for i, raw in enumerate(_need(data, "settings", where, list)):
        w = f"{where}: settings[{i}]"
        if not isinstance(raw, dict):
            raise ManifestError(f"{w}: expected a mapping")
        settings.append(SettingDoc(_need(raw, "key", w, str), _need(raw, "type", w, str),
                                   _need(raw, "description", w, str), bool(raw.get("required", False))))
    names = _need(data, "name", where, dict)
    return Manifest(_need(data, "id", where, str), {str(k): str(v) for k, v in names.items()},
                    str(_need(data, "version", where, str)), tuple(perms), tuple(settings))
