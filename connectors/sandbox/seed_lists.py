"""The lists a seed puts on a site (``sites[].lists``), checked before they are created.

Each list is ``displayName`` (required), optionally ``description``, ``list`` (``{template: ...}``),
``columns`` (Graph columnDefinition bodies: ``name`` and exactly one type facet, such as
``text: {}``) and ``items`` (field dicts). This module checks the shapes and makes the values
plain JSON (a YAML date becomes its ISO text), so the seed can be saved with the state; what
only creating the list can tell (a field that is no column, a value a column refuses) is reported
by :meth:`connectors.sandbox.app.Sandbox.from_seed`, naming the list and the item.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

#: Column type facets (Graph columnDefinition), one per column.
FACETS = ("boolean", "calculated", "choice", "currency", "dateTime", "geolocation", "hyperlinkOrPicture",
          "lookup", "number", "personOrGroup", "text", "term", "thumbnail", "contentApprovalStatus")
_FLAGS = ("indexed", "required", "enforceUniqueValues", "hidden", "readOnly")
_TEXTS = ("displayName", "description")

Fail = Callable[[str, str], None]


def check_lists(fail: Fail, where: str, raw: Any) -> list[dict[str, Any]]:
    """The site's lists as plain JSON, or the problems passed to ``fail(where, message)``."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        fail(where, "lists must be a list of mappings with a displayName")
        return []
    out: list[dict[str, Any]] = []
    for i, spec in enumerate(raw):
        name = spec.get("displayName") if isinstance(spec, dict) else None
        w = f"{where} lists[{i}]" + (f" {name!r}" if isinstance(name, str) else "")
        if not isinstance(spec, dict) or not isinstance(name, str) or not name.strip():
            fail(w, "must be a mapping with a displayName (text)")
            continue
        plain = _plain(fail, w, spec)
        if not isinstance(plain, dict):
            continue
        ok = _text(fail, w, "description", plain.get("description"))
        template = plain.get("list")
        if template is not None and not (isinstance(template, dict) and
                                         isinstance(template.get("template", ""), str)):
            fail(w, "list must be a mapping such as {template: genericList}")
            ok = False
        ok = _columns(fail, w, plain.get("columns")) and ok
        ok = _items(fail, w, plain.get("items")) and ok
        if ok:
            out.append(plain)
    return out


def _columns(fail: Fail, where: str, raw: Any) -> bool:
    if raw is None:
        return True
    if not isinstance(raw, list):
        fail(where, "columns must be a list of column definitions")
        return False
    ok = True
    for i, col in enumerate(raw):
        name = col.get("name") if isinstance(col, dict) else None
        w = f"{where} columns[{i}]" + (f" {name!r}" if isinstance(name, str) else "")
        if not isinstance(col, dict) or not isinstance(name, str) or not name.strip():
            fail(w, "must be a mapping with a name (text)")
            ok = False
            continue
        facets = [f for f in FACETS if f in col]
        if len(facets) != 1:
            fail(w, f"needs exactly one type such as text: {{}} (one of {', '.join(FACETS)}), "
                    f"not {len(facets)}")
            ok = False
        elif col[facets[0]] is not None and not isinstance(col[facets[0]], dict):
            fail(w, f"{facets[0]} must be a mapping of its settings ({{}} for none)")
            ok = False
        for flag in _FLAGS:
            if flag in col and not isinstance(col[flag], bool):
                fail(w, f"{flag} must be true or false, not {col[flag]!r}")
                ok = False
        for key in _TEXTS:
            ok = _text(fail, w, key, col.get(key)) and ok
    return ok


def _items(fail: Fail, where: str, raw: Any) -> bool:
    if raw is None:
        return True
    if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
        fail(where, "items must be a list of mappings of field values")
        return False
    return True


def _text(fail: Fail, where: str, key: str, value: Any) -> bool:
    if value is None or isinstance(value, str):
        return True
    fail(where, f"{key} must be text, not {value!r}")
    return False


def _plain(fail: Fail, where: str, value: Any) -> Any:
    """``value`` as plain JSON: dates and times as ISO text; None after a ``fail`` for anything
    else that JSON cannot hold (or a mapping key that is not text)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list):
        items = [_plain(fail, where, v) for v in value]
        return items if all(i is not None or v is None for i, v in zip(items, value)) else None
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            fail(where, f"a key that is not text in {value!r}")
            return None
        plain = {k: _plain(fail, where, v) for k, v in value.items()}
        return plain if all(plain[k] is not None or value[k] is None for k in value) else None
    fail(where, f"a value that is not text, a number, true/false or a list: {value!r}")
    return None
