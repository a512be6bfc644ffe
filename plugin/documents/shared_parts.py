"""What is derived from the parts every form of one template or one producer shares
(``word/numbering.xml``: list formats; ``docProps/app.xml``: the application that saved the
form), remembered so that reading many forms parses each such part once.
"""
from __future__ import annotations

import threading
from typing import TypeVar

from plugin.documents import oxml, oxml_read
from plugin.documents.safety import Package

_V = TypeVar("_V")
NUMBERING_PART, APP_PART = "word/numbering.xml", "docProps/app.xml"

#: What was derived from parts that every form of one template or one producer shares
#: (``word/numbering.xml``, ``docProps/app.xml``), keyed by the part as stored in the zip
#: (:meth:`Package.stored`), so a hit costs neither inflating nor parsing. Small parts only,
#: a few entries: a stranger's huge part is never kept.
_CACHE_ENTRIES, _CACHE_MAX_STORED = 32, 64 * 1024
_numbering_cache: dict[tuple[int, int, int, bytes], dict[str, dict[int, str]]] = {}
_app_cache: dict[tuple[int, int, int, bytes], str] = {}
_cache_lock = threading.Lock()


def numbering_formats(package: Package) -> dict[str, dict[int, str]]:
    """List formats by numId (none when the form has no numbering part)."""
    if not package.has(NUMBERING_PART):
        return {}
    key = package.stored(NUMBERING_PART)
    formats = _numbering_cache.get(key)
    if formats is None:
        formats = oxml_read.numbering_formats(package.xml(NUMBERING_PART))
        _remember(_numbering_cache, key, formats)
    return formats


def application(package: Package) -> str:
    """``docProps/app.xml``'s ``Application`` (``LibreOffice/7.4…`` for LibreOffice files)."""
    if not package.has(APP_PART):
        return ""
    key = package.stored(APP_PART)
    name = _app_cache.get(key)
    if name is None:
        name = oxml.application_name(package.xml(APP_PART))
        _remember(_app_cache, key, name)
    return name


def _remember(cache: dict[tuple[int, int, int, bytes], _V], key: tuple[int, int, int, bytes],
              value: _V) -> None:
    if len(key[3]) > _CACHE_MAX_STORED:
        return
    with _cache_lock:
        if len(cache) >= _CACHE_ENTRIES:
            cache.clear()
        cache[key] = value
