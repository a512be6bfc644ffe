"""Which talk a samtal document belongs to, read from its custom document properties only.

:func:`plugin.documents.render` stamps every prep guide and form with the talk's key
(``samtal_campaign_id`` + ``samtal_employee_id``) and the kind of document (``samtal_document``).
This reads that stamp back without reading the rest of the document: cheap enough to look at
every file of a folder before writing into it. Word and LibreOffice keep custom properties when
people save the file.
"""
from __future__ import annotations

from dataclasses import dataclass

from plugin.documents import oxml
from plugin.documents.model import DocumentError
from plugin.documents.render import PROP_CAMPAIGN, PROP_EMPLOYEE, PROP_KIND
from plugin.documents.safety import Package


@dataclass(frozen=True)
class Stamp:
    """The talk (``{campaign}:{employee id}``) and kind (``prep_guide``, ``form``) of a document."""

    key: str
    kind: str


def read_stamp(data: bytes) -> Stamp | None:
    """The talk stamp of a .docx, or None when the file is not a Word document, is damaged, or
    carries no talk stamp (a manager's guide, a team overview, anything a person put there)."""
    try:
        package = Package(data, label="document")
        if not package.has(oxml.CUSTOM_PART):
            return None
        props = oxml.read_custom_properties(package.xml(oxml.CUSTOM_PART))
    except DocumentError:
        return None
    campaign, employee = props.get(PROP_CAMPAIGN, ""), props.get(PROP_EMPLOYEE, "")
    if not campaign or not employee:
        return None
    return Stamp(f"{campaign}:{employee}", props.get(PROP_KIND, ""))
