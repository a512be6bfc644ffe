"""Zip entries kept compressed, and a zip written from them (for .docx packages).

A package's unchanging parts are compressed once and copied as bytes into every document made
from it; only the parts that differ are deflated per document. Every entry carries the same fixed
date, so the same content gives the same bytes. Used by the template renderer and the team
overview.
"""
from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

_DEFLATED = 8
_UTF8_NAME = 1 << 11
_DOS_DATE, _DOS_TIME = (0 << 9) | (1 << 5) | 1, 0  # 1980-01-01 00:00, the zip format's first day
# ZIP APPNOTE §4.3.7 (local file header), §4.3.12 (central directory), §4.3.16 (end record)
_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")


@dataclass(frozen=True)
class Stored:
    """One zip entry as stored: method, CRC-32, inflated size and the compressed bytes."""

    name: str
    method: int
    crc: int
    size: int
    data: bytes


def stored(name: str, data: bytes) -> Stored:
    """``data`` deflated (level 6, as python-docx and the form renderer use) for ``name``."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return Stored(name, _DEFLATED, zlib.crc32(data), len(data), packer.compress(data) + packer.flush())


def write_zip(entries: Sequence[Stored]) -> bytes:
    """A zip of ``entries`` in their order, each already compressed; deterministic bytes. A name
    that is not ASCII is written in UTF-8 with the language-encoding flag (APPNOTE §4.4.4 bit 11)."""
    out = io.BytesIO()
    central: list[bytes] = []
    for e in entries:
        try:
            name, flags = e.name.encode("ascii"), 0
        except UnicodeEncodeError:
            name, flags = e.name.encode("utf-8"), _UTF8_NAME
        offset = out.tell()
        out.write(_LOCAL.pack(b"PK\x03\x04", 20, flags, e.method, _DOS_TIME, _DOS_DATE, e.crc,
                              len(e.data), e.size, len(name), 0))
        out.write(name)
        out.write(e.data)
        central.append(_CENTRAL.pack(b"PK\x01\x02", 20, 20, flags, e.method, _DOS_TIME, _DOS_DATE, e.crc,
                                     len(e.data), e.size, len(name), 0, 0, 0, 0, 0, offset) + name)
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(_END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), start, 0))
    return out.getvalue()
