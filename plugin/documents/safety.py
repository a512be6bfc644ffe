"""Opening .docx bytes from strangers: bounded zip reading and XML without DTDs or entities.

A form comes back from a person's OneDrive, so it is untrusted input. Every limit is checked
before work is done: the file size, the number of zip entries, each part's declared size and
the declared total (a zip bomb declares little and inflates a lot, so reads are bounded too, and
stop one byte past the limit). XML is parsed by lxml with entity resolution, DTD loading and
network access off, and any document that declares a DTD (where entities live) is refused before
parsing, so neither "billion laughs" nor external entities are expanded.
"""
from __future__ import annotations

import io
import struct
import threading
import zipfile
import zlib
from dataclasses import dataclass

from lxml import etree

from plugin.documents.model import (
    DamagedDocumentError,
    HostileDocumentError,
    NotADocxError,
    OversizedDocumentError,
)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 1000
MAX_PART_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 128 * 1024 * 1024

_local = threading.local()  # lxml parsers must not be shared between threads


def _parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                                 dtd_validation=False, huge_tree=False)
        _local.parser = parser
    return parser


def parse_xml(data: bytes, part: str) -> etree._Element:
    """Parse one XML part; a DTD or entity declaration is hostile, broken XML is damaged."""
    head = data[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise NotADocxError(f"{part}: UTF-16 XML is not used by Word documents")
    if b"<!" in data and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):  # one scan when absent
        raise HostileDocumentError(f"{part}: declares a DTD or entities, which Word documents never do")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as err:
        raise DamagedDocumentError(f"{part}: not well-formed XML ({err})") from err
    if root.getroottree().docinfo.doctype:
        raise HostileDocumentError(f"{part}: declares a DTD")
    return root


_END = struct.Struct("<4s4H2LH")  # end of central directory record (APPNOTE §4.3.16)
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # central directory file header (APPNOTE §4.3.12)


def _plain_directory(data: bytes) -> list[zipfile.ZipInfo] | None:
    """The entries of a plain zip, read straight from its central directory: one disk, no
    archive comment, no zip64, nothing before the entries, no extra fields (the way Word and
    samtal write a .docx). None for anything else, which ``zipfile`` then reads in full; this
    only saves building a ``ZipFile`` for the common case and gives what ``infolist()`` would."""
    end = len(data) - _END.size
    if end < 0 or data[end:end + 4] != b"PK\x05\x06":
        return None
    _, disk, cd_disk, here, count, cd_size, cd_offset, comment = _END.unpack_from(data, end)
    if disk or cd_disk or comment or here != count or cd_offset + cd_size != end \
            or count > MAX_ENTRIES or data[end - 20:end - 16] == b"PK\x06\x07":  # zip64 locator
        return None
    infos: list[zipfile.ZipInfo] = []
    pos = cd_offset
    for _ in range(count):
        if pos + _CENTRAL.size > end:
            return None
        (sig, _cv, _cs, _ev, _es, flags, method, time, date, crc, csize, size,
         name_len, extra_len, comment_len, _disk, _iattr, _eattr, offset) = _CENTRAL.unpack_from(data, pos)
        if sig != b"PK\x01\x02" or extra_len or 0xFFFFFFFF in (csize, size, offset):
            return None
        raw = data[pos + _CENTRAL.size:pos + _CENTRAL.size + name_len]
        try:
            name = raw.decode("utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            return None
        if "\x00" in name or "\\" in name:  # zipfile rewrites these; leave them to it
            return None
        info = zipfile.ZipInfo(name, ((date >> 9) + 1980, (date >> 5) & 0xF, date & 0x1F,
                                      time >> 11, (time >> 5) & 0x3F, (time & 0x1F) * 2))
        info.flag_bits, info.compress_type, info.CRC = flags, method, crc
        info.compress_size, info.file_size, info.header_offset = csize, size, offset
        infos.append(info)
        pos += _CENTRAL.size + name_len + comment_len
    return infos if pos == end else None


@dataclass(frozen=True)
class Entry:
    """One zip entry as found: name, declared size, and the info needed to copy it."""

    name: str
    size: int
    info: zipfile.ZipInfo


class Package:
    """A .docx opened with limits. ``read(name)`` returns a part's bytes, bounded."""

    def __init__(self, data: bytes, *, max_bytes: int = MAX_FILE_BYTES, label: str = "document") -> None:
        if len(data) > max_bytes:
            raise OversizedDocumentError(
                f"{label} is {len(data):,} bytes; the limit is {max_bytes:,} bytes")
        if not data.startswith(b"PK"):
            raise NotADocxError(f"{label} is not a Word document (.docx is a zip file)")
        self._data = data
        infos = _plain_directory(data)
        if infos is None:  # anything unusual: let zipfile read (or refuse) it
            try:
                infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as err:
                raise DamagedDocumentError(f"{label} is a damaged zip file ({err})") from err
        if len(infos) > MAX_ENTRIES:
            raise OversizedDocumentError(
                f"{label} has {len(infos):,} zip entries; the limit is {MAX_ENTRIES:,}")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise OversizedDocumentError(
                f"{label} unpacks to {total:,} bytes; the limit is {MAX_TOTAL_BYTES:,}")
        self.label = label
        self.entries: dict[str, Entry] = {}
        for info in infos:
            if info.flag_bits & 0x1:
                raise NotADocxError(f"{label} is encrypted or password-protected")
            self.entries.setdefault(info.filename, Entry(info.filename, info.file_size, info))
        if "word/document.xml" not in self.entries or "[Content_Types].xml" not in self.entries:
            raise NotADocxError(f"{label} is a zip file but not a Word document (no word/document.xml)")
        self._read_total = 0

    def has(self, name: str) -> bool:
        return name in self.entries

    def read(self, name: str) -> bytes:
        """The part's bytes, inflated at most one byte past the smaller of its declared size and
        the limits, and checked against its CRC-32."""
        entry = self.entries.get(name)
        if entry is None:
            raise DamagedDocumentError(f"{self.label} has no part {name}")
        limit = min(MAX_PART_BYTES, MAX_TOTAL_BYTES - self._read_total)
        if entry.size > limit:
            raise OversizedDocumentError(f"{self.label}: {name} unpacks to {entry.size:,} bytes; "
                                         f"the limit is {limit:,}")
        data = self._inflate(entry, limit)
        if len(data) > limit:
            raise OversizedDocumentError(
                f"{self.label}: {name} unpacks to more than {limit:,} bytes (a zip bomb?)")
        if len(data) != entry.size or zlib.crc32(data) != entry.info.CRC:
            raise DamagedDocumentError(f"{self.label}: {name} cannot be unpacked (its size or "
                                       "CRC-32 does not match the zip directory)")
        self._read_total += len(data)
        return data

    def stored(self, name: str) -> tuple[int, int, int, bytes]:
        """What the zip holds for a part, not inflated: ``(method, CRC-32, size, compressed
        bytes)``. Equal keys inflate to equal bytes, so a caller may cache what it derived from a
        part that was read and checked once (parts every form of one producer shares)."""
        entry = self.entries.get(name)
        if entry is None:
            raise DamagedDocumentError(f"{self.label} has no part {name}")
        start, end = self._span(entry)
        return entry.info.compress_type, entry.info.CRC, entry.size, self._data[start:end]

    def _span(self, entry: Entry) -> tuple[int, int]:
        """Where the part's compressed bytes are: after its local header (ZIP APPNOTE §4.3.7:
        30 fixed bytes, then the name and the extra field, whose lengths are at offsets 26, 28)."""
        info, data = entry.info, self._data
        offset = info.header_offset
        if offset < 0 or offset + 30 > len(data) or data[offset:offset + 4] != b"PK\x03\x04":
            raise DamagedDocumentError(f"{self.label}: {entry.name} has no local zip header")
        name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
        start = offset + 30 + name_len + extra_len
        end = start + info.compress_size
        if end > len(data):
            raise DamagedDocumentError(f"{self.label}: {entry.name} is cut off (truncated file)")
        return start, end

    def _inflate(self, entry: Entry, limit: int) -> bytes:
        """Inflate straight from the file's bytes (no ``ZipExtFile`` per part), bounded."""
        start, end = self._span(entry)
        bound = min(entry.size, limit) + 1
        method = entry.info.compress_type
        if method == zipfile.ZIP_STORED:
            return self._data[start:min(end, start + bound)]
        if method != zipfile.ZIP_DEFLATED:
            raise DamagedDocumentError(f"{self.label}: {entry.name} uses zip compression method "
                                       f"{method}; Word documents use deflate")
        try:
            return zlib.decompressobj(-zlib.MAX_WBITS).decompress(
                memoryview(self._data)[start:end], bound)
        except zlib.error as err:
            raise DamagedDocumentError(f"{self.label}: {entry.name} cannot be unpacked ({err})") from err

    def xml(self, name: str) -> etree._Element:
        return parse_xml(self.read(name), name)
