"""The team overview's .docx package: built once, then copied as compressed bytes per document.

The fast path of docs/documents.md#making-a-document, without a template file: python-docx builds an empty
landscape A4 document once (its default styles supply ``Title``, ``Heading1`` and
``TableGrid``; ``Normal`` is set to 10 pt), and every part except ``word/document.xml`` and
``docProps/core.xml`` is kept as the zip stored it (deflated bytes, CRC-32, size). Each overview
then writes a new zip in which only those two parts are compressed; the ~800 kB of styles are
never inflated or deflated again. Every entry carries the same fixed date, so the same content
gives the same bytes.
"""
from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from xml.sax.saxutils import escape

from docx import Document
from docx.shared import Pt

from plugin.documents.safety import Package
from plugin.documents.zipparts import Stored, stored, write_zip

DOCUMENT_PART, CORE_PART = "word/document.xml", "docProps/core.xml"


@dataclass(frozen=True)
class Base:
    """The parts every overview shares, in package order; ``None`` marks where the per-document
    ``word/document.xml`` and ``docProps/core.xml`` go."""

    parts: tuple[Stored | None, ...]
    names: tuple[str, ...]

    def build(self, document_xml: bytes, core_xml: bytes) -> bytes:
        """The .docx bytes with the two per-document parts filled in."""
        fresh = {DOCUMENT_PART: stored(DOCUMENT_PART, document_xml), CORE_PART: stored(CORE_PART, core_xml)}
        return write_zip([part if part is not None else fresh[name]
                          for name, part in zip(self.names, self.parts)])


def _build_base() -> Base:
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    out = io.BytesIO()
    doc.save(out)
    package = Package(out.getvalue(), label="team overview base")
    names = tuple(package.entries)
    if DOCUMENT_PART not in names or CORE_PART not in names:
        raise RuntimeError("python-docx's default package lacks the document or core properties part")
    parts: list[Stored | None] = []
    for name in names:
        if name in (DOCUMENT_PART, CORE_PART):
            parts.append(None)
            continue
        method, crc, size, data = package.stored(name)
        parts.append(Stored(name, method, crc, size, data))
    return Base(tuple(parts), names)


_base: Base | None = None
_lock = threading.Lock()


def base() -> Base:
    """The shared parts, built on first use and kept in memory."""
    global _base
    with _lock:
        if _base is None:
            _base = _build_base()
        return _base


def core_properties_xml(title: str, identifier: str) -> bytes:
    """``docProps/core.xml`` with a fixed date (no clock: same content, same bytes)."""
    when = '<dcterms:{0} xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:{0}>'
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
            ' xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{escape(title)}</dc:title><dc:creator>samtal</dc:creator>"
            "<cp:lastModifiedBy>samtal</cp:lastModifiedBy><cp:revision>1</cp:revision>"
            f"{when.format('created')}{when.format('modified')}"
            f"<dc:identifier>{escape(identifier)}</dc:identifier></cp:coreProperties>").encode("utf-8")
