"""WordprocessingML for the team overview, built as strings: headings, paragraphs, tables.

Every text goes through :func:`plugin.documents.placeholders.clean` (characters XML 1.0 forbids
dropped, tabs as spaces) and :func:`xml.sax.saxutils.escape` (``&``, ``<``, ``>``); the element
order follows the ECMA-376 schema (``tblPr``: ``tblStyle``, ``tblW``, ``tblLook``; ``tc``:
``tcPr`` before the paragraphs), which the tests check against ``wml.xsd``.
"""
from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from plugin.documents.placeholders import clean

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# A4 landscape, 1.8 cm margins (1020 twips), as python-docx set it for this document before.
PAGE_W, PAGE_H, MARGIN = 16838, 11906, 1020
TEXT_WIDTH = PAGE_W - 2 * MARGIN
SECTION = (f'<w:sectPr><w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}" w:orient="landscape"/>'
           f'<w:pgMar w:top="{MARGIN}" w:right="{MARGIN}" w:bottom="{MARGIN}" w:left="{MARGIN}" '
           'w:header="720" w:footer="720" w:gutter="0"/><w:cols w:space="720"/>'
           '<w:docGrid w:linePitch="360"/></w:sectPr>')
_LOOK = ('<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
         'w:noHBand="0" w:noVBand="1"/>')


def run(text: str, *, bold: bool = False) -> str:
    """One run of text (spaces kept as written)."""
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{escape(clean(text))}</w:t></w:r>'


def paragraph(text: str, style: str | None = None, *, bold: bool = False) -> str:
    """A paragraph with one run, in ``style`` (a style id such as ``Heading1``) when given."""
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    body = run(text, bold=bold) if text else ""
    return f"<w:p>{props}{body}</w:p>"


def cell_paragraphs(text: str, *, bold: bool = False) -> str:
    """A cell's text: one paragraph per non-blank line (right-trimmed), at least one paragraph."""
    lines = [line.rstrip() for line in clean(text).splitlines() if line.strip()] or [""]
    return "".join(paragraph(line, bold=bold) for line in lines)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A ``TableGrid`` table across the text width, columns equal, the header row bold."""
    width = round(TEXT_WIDTH / len(header))
    tc_pr = f'<w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
    parts = ['<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>',
             _LOOK, "</w:tblPr><w:tblGrid>", f'<w:gridCol w:w="{width}"/>' * len(header), "</w:tblGrid>"]
    for index, row in enumerate([header, *rows]):
        if len(row) != len(header):
            raise ValueError(f"a table row has {len(row)} cells, the header {len(header)}")
        parts.append("<w:tr>")
        for text in row:
            parts.append(f"<w:tc>{tc_pr}{cell_paragraphs(text, bold=index == 0)}</w:tc>")
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


def document(blocks: Sequence[str]) -> bytes:
    """``word/document.xml`` holding ``blocks`` (paragraphs and tables) and the landscape section."""
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>'
            + "".join(blocks) + SECTION + "</w:body></w:document>").encode("utf-8")
