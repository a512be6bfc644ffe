"""List item fields on their way to SharePoint: each field checked against the list's columns and
its value written as SharePoint expects it.

Wire facts: docs/graph.md#sharepoint-lists; failure scenarios docs/failures.md#sharepoint-lists.
What this module takes care of:

- fields are written by internal column name, checked against the list's columns before
  sending (docs/failures.md#l4, docs/failures.md#l5); ``XxxLookupId`` is accepted for
  person/lookup columns (docs/failures.md#l1, docs/failures.md#l2, docs/failures.md#l3);
- values are serialised as SharePoint expects: booleans as JSON booleans, instants as ISO 8601
  UTC with ``Z``, dates as UTC midnight on purpose (docs/failures.md#l7), numbers as numbers;
  text longer than the column allows is cut with a WARNING naming the column and the item key,
  never the value (SharePoint counts UTF-16 code units);
- OData strings are escaped (``'`` → ``''``) by :func:`odata_string`.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any

from connectors.graph.lists_schema import NOTE_LIMIT, TEXT_LIMIT, ColumnInfo, ListInfo
from connectors.graph.upload import parse_instant

log = logging.getLogger("connectors.graph.lists")  # the lists connector's log, under its name

FieldValue = str | bool | int | float | None


def odata_string(value: str) -> str:
    """``value`` for inside an OData string literal: ``'`` doubled."""
    return value.replace("'", "''")


def truncate_utf16(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-16 code units (how SharePoint counts), never mid-character."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return text[:i]
    return text


def serialise(info: ListInfo, fields: Mapping[str, Any], label: str) -> dict[str, Any]:
    """``fields`` as the JSON of a create or a PATCH of the list ``info``; ``label`` names the
    item in a truncation warning. Raises ValueError for a field the list has no column for and
    for a value its column does not take."""
    if not fields:
        raise ValueError("no fields to write")
    out: dict[str, Any] = {}
    for name, value in fields.items():
        col = _column_for(info, name)
        out[name] = _value(col, name, value, label)
    return out


def key_label(key_field: str | None, fields: Mapping[str, Any], item_id: str | None) -> str:
    """How a truncation warning names the item: its key, else its id, else ``(new)``."""
    key = fields.get(key_field) if key_field else None
    if isinstance(key, str) and key:
        return key
    return f"id {item_id}" if item_id else "(new)"


def _value(col: ColumnInfo | None, name: str, value: Any, label: str) -> Any:
    kind = col.kind if col else "unknown"
    if value is None:
        return None
    if kind == "boolean" and not isinstance(value, bool):
        raise ValueError(f"field {name}: a yes/no column takes True or False")
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ValueError(f"field {name}: a number column takes a number")
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"field {name}: a datetime must carry a time zone")
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"  # date-only columns: UTC midnight, on purpose (docs/failures.md#l7)
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"field {name}: numbers must be finite")
        return value
    if not isinstance(value, str):
        raise ValueError(f"field {name}: cannot write a {type(value).__name__}")
    if kind == "dateTime":
        when = parse_instant(value)
        if when is None:
            raise ValueError(f"field {name}: not an ISO 8601 date and time")
        return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    limit = _text_limit(col)
    if limit is not None:
        cut = truncate_utf16(value, limit)
        if cut != value:
            log.warning("list item %s: column %s cut to %d characters (SharePoint's limit)",
                        label, name, limit)
            return cut
    return value


def _text_limit(col: ColumnInfo | None) -> int | None:
    if col is None:
        return None
    if col.kind == "text":
        return min(col.max_length or TEXT_LIMIT, TEXT_LIMIT)
    if col.kind == "choice":
        return TEXT_LIMIT
    if col.kind == "note":
        return NOTE_LIMIT
    return None


def _column_for(info: ListInfo, name: str) -> ColumnInfo | None:
    """The column a field name writes; raises for names the list does not have
    (docs/failures.md#l4)."""
    base = name.split("@", 1)[0]
    if base in info.columns:
        return info.columns[base] if base == name else None
    if base.endswith("LookupId") and base[: -len("LookupId")] in info.columns:
        return None  # person or lookup column written by its id (docs/failures.md#l1): passed as given
    raise ValueError(f"the list has no column named {name!r} (use internal names, not display names)")
