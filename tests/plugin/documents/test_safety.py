"""Damaged, foreign, oversized and hostile files: clear errors, never a crash or a hang."""
from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree

from plugin.documents import (
    DamagedDocumentError, DocumentError, HostileDocumentError, NotADocxError, OversizedDocumentError,
    read_form, render_form,
)
from plugin.documents import oxml, safety
from plugin.documents import wordsim
from tests.plugin.documents.conftest import talk


def _zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def _replace_part(docx: bytes, part: str, data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(docx))
    return _zip({n: (data if n == part else src.read(n)) for n in src.namelist()})


@pytest.mark.parametrize(("data", "error", "message"), [
    (b"", NotADocxError, "not a Word document"),
    (b"%PDF-1.7 ...", NotADocxError, "not a Word document"),
    (b"PK\x03\x04 broken", DamagedDocumentError, "damaged zip"),
    (_zip({"hello.txt": b"hi"}), NotADocxError, "no word/document.xml"),
])
def test_not_a_form(data: bytes, error: type[DocumentError], message: str) -> None:
    with pytest.raises(error, match=message):
        read_form(data)


def test_truncated_form_is_damaged() -> None:
    docx = render_form(talk())
    with pytest.raises(DamagedDocumentError):
        read_form(docx[: len(docx) // 2])


def test_broken_xml_is_damaged() -> None:
    docx = _replace_part(render_form(talk()), "word/document.xml", b"<w:document><w:body>")
    with pytest.raises(DamagedDocumentError, match="word/document.xml: not well-formed"):
        read_form(docx)


def test_oversized_file() -> None:
    with pytest.raises(OversizedDocumentError, match="limit"):
        read_form(render_form(talk()), max_bytes=1000)


def test_zip_bomb_is_refused_before_inflating(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<a>" + b" " * (40 * 1024 * 1024) + b"</a>"})
    assert len(bomb) < 100_000
    with pytest.raises(OversizedDocumentError, match="word/document.xml unpacks to"):
        read_form(bomb)
    monkeypatch.setattr(safety, "MAX_TOTAL_BYTES", 1024 * 1024)
    with pytest.raises(OversizedDocumentError, match="unpacks to"):
        read_form(bomb)


def test_zip_bomb_with_lying_sizes_stops_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = bytearray(_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b" " * (3 * 1024 * 1024)}))
    # Declare 100 bytes in the central directory; reading must still stop at the part limit.
    central = bomb.rfind(b"PK\x01\x02", 0, bomb.rfind(b"word/document.xml"))
    bomb[central + 24:central + 28] = (100).to_bytes(4, "little")
    monkeypatch.setattr(safety, "MAX_PART_BYTES", 1024 * 1024)
    with pytest.raises((OversizedDocumentError, DamagedDocumentError)):
        read_form(bytes(bomb))


def test_too_many_entries() -> None:
    many = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<a/>",
                 **{f"x/{i}.xml": b"" for i in range(safety.MAX_ENTRIES)}}, zipfile.ZIP_STORED)
    with pytest.raises(OversizedDocumentError, match="zip entries"):
        read_form(many)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"><property name="samtal_campaign_id">&e;</property></Properties>"""


@pytest.mark.parametrize(("part", "xml"), [("word/document.xml", BILLION_LAUGHS), ("docProps/custom.xml", EXTERNAL)])
def test_entities_and_dtds_are_hostile(part: str, xml: bytes) -> None:
    docx = _replace_part(render_form(talk()), part, xml)
    with pytest.raises(HostileDocumentError, match="DTD"):
        read_form(docx)


def test_encrypted_entries_are_refused() -> None:
    docx = bytearray(render_form(talk()))
    central = docx.find(b"PK\x01\x02")
    docx[central + 8] |= 0x1  # the "encrypted" flag bit
    with pytest.raises(NotADocxError, match="encrypted"):
        read_form(bytes(docx))


def test_every_error_is_a_document_error() -> None:
    hostile = wordsim.edit(render_form(talk()), lambda r: None)
    assert read_form(hostile).fields["employee_name"] == "Åsa & <Öberg>"
    assert issubclass(HostileDocumentError, DocumentError) and issubclass(DocumentError, ValueError)


def test_checkbox_glyph_past_unicode_is_ignored_not_a_crash() -> None:
    def huge_glyph(root: etree._Element) -> None:
        state = next(wordsim.control(root, "health_discussed").iter(oxml.w14("checkedState")))
        state.set(oxml.w14("val"), "F" * 40)  # chr() of this overflows a C int
    reading = read_form(wordsim.edit(render_form(talk()), huge_glyph))
    assert reading.fields["health_discussed"] is False and "health_discussed" not in reading.unread


def test_a_part_that_inflates_past_its_declared_size_is_damaged() -> None:
    docx = bytearray(render_form(talk()))
    central = docx.rfind(b"PK\x01\x02", 0, docx.rfind(b"docProps/custom.xml"))
    docx[central + 24:central + 28] = (10).to_bytes(4, "little")  # declared 10 bytes
    with pytest.raises(DamagedDocumentError, match="docProps/custom.xml"):
        read_form(bytes(docx))


def test_a_part_whose_crc_does_not_match_is_damaged() -> None:
    docx = bytearray(render_form(talk()))
    central = docx.rfind(b"PK\x01\x02", 0, docx.rfind(b"word/document.xml"))
    docx[central + 16] ^= 0xFF  # CRC-32 in the central directory
    with pytest.raises(DamagedDocumentError, match="CRC-32"):
        read_form(bytes(docx))


def test_a_part_cut_off_by_a_lying_offset_is_damaged() -> None:
    docx = bytearray(render_form(talk()))
    central = docx.rfind(b"PK\x01\x02", 0, docx.rfind(b"word/document.xml"))
    docx[central + 42:central + 46] = (len(docx) - 10).to_bytes(4, "little")  # local header offset
    with pytest.raises(DamagedDocumentError, match="word/document.xml"):
        read_form(bytes(docx))


def test_stored_parts_inflate_like_zipfile() -> None:
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<a>\xc3\xa5</a>",
                 "docProps/app.xml": b"<x/>" * 50}, zipfile.ZIP_STORED)
    package = safety.Package(docx)
    assert package.read("word/document.xml") == b"<a>\xc3\xa5</a>"
    method, crc, size, stored = package.stored("docProps/app.xml")
    assert (method, size, stored) == (zipfile.ZIP_STORED, 200, b"<x/>" * 50)


_ZIP_FIELDS = ("filename", "flag_bits", "compress_type", "CRC", "compress_size", "file_size",
               "header_offset", "date_time")


def test_the_plain_zip_directory_reads_as_zipfile_does() -> None:
    for docx in (render_form(talk()), render_form(talk(language="en"))):
        fast = safety._plain_directory(docx)
        assert fast is not None
        assert [[getattr(i, k) for k in _ZIP_FIELDS] for i in fast] == \
            [[getattr(i, k) for k in _ZIP_FIELDS] for i in zipfile.ZipFile(io.BytesIO(docx)).infolist()]


def test_unusual_zips_are_left_to_zipfile_and_still_read() -> None:
    src = zipfile.ZipFile(io.BytesIO(render_form(talk())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.comment = b"an archive comment"
        for info in src.infolist():
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.extra = b"\xfe\xca\x00\x00"  # an empty extra field, as some zip tools write
            zf.writestr(copy, src.read(info.filename))
    docx = b"prefix" + out.getvalue()  # and bytes before the first entry
    assert safety._plain_directory(docx) is None
    with pytest.raises(NotADocxError):  # no longer starts with PK
        read_form(docx)
    assert safety._plain_directory(out.getvalue()) is None
    assert read_form(out.getvalue()).fields["employee_name"] == "Åsa & <Öberg>"
