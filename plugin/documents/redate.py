"""A form whose talk moved: is it still as samtal rendered it, and its date set anew.

When a booked talk gets a new time, the form's date follows the booking only if nobody has
written in the form yet. "Written in" is judged on the form as read, not on its bytes: Word
opening and saving a form without edits rewrites the package (revision ids, settings, its own
zip) but reads back the same, so such a form still follows. Only the date control is then
rewritten, in the document as it is; every other part of the package is copied as stored.
"""
from __future__ import annotations

import datetime as dt

from lxml import etree

from plugin.documents import oxml, oxml_build
from plugin.documents.model import FORM_FIELDS, DamagedDocumentError, FormReading
from plugin.documents.safety import MAX_FILE_BYTES, Package
from plugin.documents.zipparts import Stored, stored, write_zip

DATE_TAG = "meeting_date"
_DOCUMENT = "word/document.xml"
#: Prefilled by samtal and locked in Word: they say nothing about whether people wrote in the form.
_PREFILLED = frozenset(tag for tag, spec in FORM_FIELDS.items() if spec.locked)


def untouched(reading: FormReading) -> bool:
    """True when the form reads as samtal rendered it, apart from its date: every field people
    fill in is still empty (or its placeholder), no box is checked, and the reading found
    nothing to report (no text outside the fields, no missing, copied or unknown control, no
    LibreOffice save). The prefilled names and the date are not looked at."""
    if reading.form_id is None or reading.problems or reading.unread:
        return False
    for tag, spec in FORM_FIELDS.items():
        if tag in _PREFILLED or tag == DATE_TAG:
            continue
        value = reading.fields.get(tag)
        if spec.kind == "checkbox":
            if value is not False:
                return False
        elif value not in ("", None):
            return False
    return True


def set_form_date(data: bytes, day: dt.date, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """``data`` with its date control set to ``day`` the way Word sets a picked date (the
    ``yyyy-MM-dd`` text, no placeholder). Only ``word/document.xml`` is rewritten; every other
    entry keeps its stored bytes. Raises :class:`DocumentError` when the form cannot be opened
    or does not hold exactly one date control tagged ``meeting_date``."""
    package = Package(data, max_bytes=max_bytes, label="form")
    doc = package.xml(_DOCUMENT)
    dates = [sdt for sdt in oxml.controls(doc)
             if oxml.control_tag(sdt) == DATE_TAG and oxml.control_kind(sdt) == "date"]
    if len(dates) != 1:
        raise DamagedDocumentError(f"the form has {len(dates)} date controls tagged '{DATE_TAG}', not one")
    try:
        oxml_build.fill_date(dates[0], day, day.isoformat())
    except ValueError as err:
        raise DamagedDocumentError(f"the form's date control cannot be set: {err}") from err
    xml = etree.tostring(doc, xml_declaration=True, encoding="UTF-8", standalone=True)
    entries: list[Stored] = []
    for name in package.entries:
        if name == _DOCUMENT:
            entries.append(stored(name, xml))
        else:
            method, crc, size, raw = package.stored(name)
            entries.append(Stored(name, method, crc, size, raw))
    return write_zip(entries)
