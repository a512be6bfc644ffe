"""Build the built-in Word templates from ``content.py``: ``python -m templates.build``.

The packages are written from scratch (small styles, A4, Swedish or British English, Word 2013+
compatibility so ``w14`` checkboxes work) rather than from python-docx's default template, whose
350 KB of styles would slow every read (docs/documents.md#making-a-document). Output is deterministic: fixed zip
timestamps and document dates, so a rebuild without content changes gives identical files.
Content controls come from ``plugin.documents.oxml_build``; ``samtal templates check`` validates each
result against the ECMA-376 schemas.
"""
from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from lxml import etree

from plugin.documents import oxml, oxml_build
from plugin.documents.model import FORM_FIELDS
from templates import TEMPLATES_DIR
from templates.content import CONTENT, DATE_PLACEHOLDER, HEADER, PAGE, PLACEHOLDER, TITLES, Block

W = oxml.W_NS
LANG = {"sv": "sv-SE", "en": "en-GB"}
STAMP = (2026, 1, 1, 0, 0, 0)
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
NS_DECL = (f'xmlns:w="{W}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
           f'xmlns:w14="{oxml.W14_NS}" xmlns:mc="{oxml.MC_NS}" mc:Ignorable="w14"')
CONTENT_TYPES = DECL + """<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>
<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>
<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>
<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>
<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>
</Types>"""
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = DECL + f"""<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
<Relationship Id="rId3" Type="{REL}/extended-properties" Target="docProps/app.xml"/>
<Relationship Id="rId4" Type="{REL}/custom-properties" Target="docProps/custom.xml"/>
</Relationships>"""
DOCUMENT_RELS = DECL + f"""<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="{REL}/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="{REL}/numbering" Target="numbering.xml"/>
<Relationship Id="rId3" Type="{REL}/settings" Target="settings.xml"/>
<Relationship Id="rId4" Type="{REL}/header" Target="header1.xml"/>
<Relationship Id="rId5" Type="{REL}/footer" Target="footer1.xml"/>
</Relationships>"""
SETTINGS = DECL + f"""<w:settings xmlns:w="{W}"><w:zoom w:percent="100"/><w:defaultTabStop w:val="1304"/>
<w:characterSpacingControl w:val="doNotCompress"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>
<w:decimalSymbol w:val=","/><w:listSeparator w:val=";"/></w:settings>"""
NUMBERING = DECL + f"""<w:numbering xmlns:w="{W}">
<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="hybridMultilevel"/>
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="\u2022"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="\u2013"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="1440" w:hanging="360"/></w:pPr></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="1"><w:multiLevelType w:val="hybridMultilevel"/>
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
</w:numbering>"""


def styles(language: str) -> str:
    def para(sid: str, name: str, ppr: str = "", rpr: str = "", based: str = "Normal", extra: str = "") -> str:
        base = f'<w:basedOn w:val="{based}"/>' if based else ""
        return (f'<w:style w:type="paragraph" w:styleId="{sid}"><w:name w:val="{name}"/>{base}'
                f'<w:next w:val="Normal"/>{extra}<w:qFormat/>'
                f'{f"<w:pPr>{ppr}</w:pPr>" if ppr else ""}{f"<w:rPr>{rpr}</w:rPr>" if rpr else ""}</w:style>')
    return DECL + f"""<w:styles xmlns:w="{W}">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Calibri" w:eastAsia="Calibri" w:hAnsi="Calibri" w:cs="Calibri"/>
<w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="{LANG[language]}" w:eastAsia="en-US" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="264" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
{para("Title", "Title", '<w:spacing w:after="60"/>', '<w:color w:val="1F3864"/><w:sz w:val="48"/><w:szCs w:val="48"/>')}
{para("Subtitle", "Subtitle", '<w:spacing w:after="240"/>', '<w:color w:val="595959"/><w:sz w:val="28"/><w:szCs w:val="28"/>')}
{para("Heading1", "heading 1", '<w:keepNext/><w:spacing w:before="360" w:after="120"/><w:outlineLvl w:val="0"/>', '<w:b/><w:color w:val="1F3864"/><w:sz w:val="32"/><w:szCs w:val="32"/>')}
{para("Heading2", "heading 2", '<w:keepNext/><w:spacing w:before="240" w:after="60"/><w:outlineLvl w:val="1"/>', '<w:b/><w:color w:val="2F5496"/><w:sz w:val="26"/><w:szCs w:val="26"/>')}
{para("Heading3", "heading 3", '<w:keepNext/><w:spacing w:before="200" w:after="40"/><w:outlineLvl w:val="2"/>', '<w:b/><w:color w:val="2F5496"/><w:sz w:val="24"/><w:szCs w:val="24"/>')}
{para("Guidance", "Guidance", '<w:keepNext/><w:spacing w:after="80"/>', '<w:i/><w:color w:val="595959"/><w:sz w:val="20"/><w:szCs w:val="20"/>')}
{para("Answer", "Answer", '<w:pBdr><w:bottom w:val="single" w:sz="4" w:space="1" w:color="A6A6A6"/></w:pBdr><w:spacing w:after="240"/>')}
{para("ListBullet", "List Bullet", '<w:numPr><w:numId w:val="1"/></w:numPr><w:spacing w:after="60"/>')}
{para("Header", "header", '<w:tabs><w:tab w:val="right" w:pos="9072"/></w:tabs><w:spacing w:after="0"/>', '<w:color w:val="595959"/><w:sz w:val="18"/><w:szCs w:val="18"/>')}
{para("Footer", "footer", '<w:spacing w:after="0"/><w:jc w:val="center"/>', '<w:color w:val="595959"/><w:sz w:val="18"/><w:szCs w:val="18"/>')}
<w:style w:type="character" w:styleId="PlaceholderText"><w:name w:val="Placeholder Text"/><w:uiPriority w:val="99"/><w:semiHidden/><w:rPr><w:color w:val="808080"/></w:rPr></w:style>
<w:style w:type="table" w:styleId="FormTable"><w:name w:val="Form Table"/><w:tblPr><w:tblBorders>
<w:top w:val="single" w:sz="4" w:space="0" w:color="BFBFBF"/><w:left w:val="single" w:sz="4" w:space="0" w:color="BFBFBF"/>
<w:bottom w:val="single" w:sz="4" w:space="0" w:color="BFBFBF"/><w:right w:val="single" w:sz="4" w:space="0" w:color="BFBFBF"/>
<w:insideH w:val="single" w:sz="4" w:space="0" w:color="BFBFBF"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="BFBFBF"/>
</w:tblBorders><w:tblCellMar><w:top w:w="60" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="60" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
</w:styles>"""


def _p(text: str = "", style: str | None = None, bold: bool = False) -> etree._Element:
    p = etree.Element(oxml.W_P)
    if style:
        etree.SubElement(etree.SubElement(p, oxml.W_PPR), oxml.w("pStyle")).set(oxml.W_VAL, style)
    if text:
        r = etree.SubElement(p, oxml.W_R)
        if bold:
            etree.SubElement(etree.SubElement(r, oxml.W_RPR), oxml.w("b"))
        t = etree.SubElement(r, oxml.W_T)
        t.text = text
        oxml.preserve_space(t)
    return p


def _table(rows: list[tuple[str, etree._Element]]) -> etree._Element:
    tbl = etree.Element(oxml.W_TBL)
    pr = etree.SubElement(tbl, oxml.w("tblPr"))
    etree.SubElement(pr, oxml.w("tblStyle")).set(oxml.W_VAL, "FormTable")
    etree.SubElement(pr, oxml.w("tblW"), {oxml.w("w"): "5000", oxml.w("type"): "pct"})
    etree.SubElement(pr, oxml.w("tblLook"), {oxml.w("val"): "0000"})
    grid = etree.SubElement(tbl, oxml.w("tblGrid"))
    for width in ("2835", "6237"):
        etree.SubElement(grid, oxml.w("gridCol")).set(oxml.w("w"), width)
    for label, value in rows:
        tr = etree.SubElement(tbl, oxml.W_TR)
        for width, content in (("2835", _p(label, bold=True)), ("6237", value)):
            tc = etree.SubElement(tr, oxml.W_TC)
            tcpr = etree.SubElement(tc, oxml.w("tcPr"))
            etree.SubElement(tcpr, oxml.w("tcW"), {oxml.w("w"): width, oxml.w("type"): "dxa"})
            if width == "2835":
                etree.SubElement(tcpr, oxml.w("shd"), {oxml.w("val"): "clear", oxml.w("color"): "auto",
                                                       oxml.w("fill"): "F2F2F2"})
            tc.append(content)
    return tbl


def _blocks(kind: str, language: str, blocks: list[Block]) -> list[etree._Element]:
    out: list[etree._Element] = []
    for block in blocks:
        name, args = str(block[0]), block[1:]
        if name in ("title", "subtitle", "h1", "h2", "h3", "p", "guide", "bullet"):
            style = {"title": "Title", "subtitle": "Subtitle", "h1": "Heading1", "h2": "Heading2",
                     "h3": "Heading3", "guide": "Guidance", "bullet": "ListBullet"}.get(name)
            out.append(_p(str(args[0]), style))
        elif name == "question":
            out += [_p(str(args[0]), "Heading3"), _p(str(args[1]), "Guidance"), _p("", "Answer")]
        elif name == "info":
            out.append(_table([(str(label), _p(str(value))) for label, value in args[0]]))  # type: ignore[attr-defined]
        elif name == "fields":
            rows = []
            for tag in args[0]:  # type: ignore[attr-defined]
                spec = FORM_FIELDS[tag]
                title = spec.titles[language]
                p = _p()
                p.append(oxml_build.date_control(tag, title, DATE_PLACEHOLDER[language], LANG[language])
                         if spec.kind == "date" else oxml_build.text_control(tag, title, "{{ %s }}" % tag))
                rows.append((title, p))
            out.append(_table(rows))
        elif name == "field":
            tag = str(args[0])
            title = FORM_FIELDS[tag].titles[language]
            out += [_p(title, "Heading2" if FORM_FIELDS[tag].filed else "Heading3"),
                    _p(str(args[1]), "Guidance"),
                    oxml_build.richtext_control(tag, title, PLACEHOLDER[language])]
        elif name == "check":
            tag = str(args[0])
            p = _p()
            p.append(oxml_build.checkbox_control(tag, FORM_FIELDS[tag].titles[language]))
            r = etree.SubElement(p, oxml.W_R)
            t = etree.SubElement(r, oxml.W_T)
            t.text = " " + FORM_FIELDS[tag].titles[language]
            oxml.preserve_space(t)
            out.append(p)
        else:
            raise ValueError(f"unknown block {name!r} in {kind}.{language}")
    return out


def _section() -> str:
    return (f'<w:sectPr xmlns:w="{W}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<w:headerReference w:type="default" r:id="rId4"/><w:footerReference w:type="default" r:id="rId5"/>'
            '<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1417" w:right="1417" w:bottom="1417" w:left="1417" '
            'w:header="708" w:footer="708" w:gutter="0"/><w:cols w:space="708"/><w:docGrid w:linePitch="360"/></w:sectPr>')


def document(kind: str, language: str) -> bytes:
    root = etree.fromstring(f"<w:document {NS_DECL}><w:body/></w:document>".encode())
    body = root[0]
    for el in _blocks(kind, language, CONTENT[kind][language]):
        body.append(el)
    body.append(etree.fromstring(_section().encode()))
    etree.cleanup_namespaces(root, top_nsmap={"w": W, "w14": oxml.W14_NS, "mc": oxml.MC_NS})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def header(kind: str, language: str) -> str:
    who = "manager_name" if kind == "manager_guide" else "employee_name"
    return DECL + (f'<w:hdr {NS_DECL}><w:p><w:pPr><w:pStyle w:val="Header"/></w:pPr>'
                   f'<w:r><w:t xml:space="preserve">{{{{ campaign_title }}}} · {{{{ {who} }}}}</w:t></w:r>'
                   f'<w:r><w:tab/><w:t>{HEADER[language]}</w:t></w:r></w:p></w:hdr>')


def footer(language: str) -> str:
    page, of = PAGE[language]
    return DECL + (f'<w:ftr {NS_DECL}><w:p><w:pPr><w:pStyle w:val="Footer"/></w:pPr>'
                   f'<w:r><w:t xml:space="preserve">{page} </w:t></w:r>'
                   '<w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
                   f'<w:r><w:t xml:space="preserve"> {of} </w:t></w:r>'
                   '<w:fldSimple w:instr=" NUMPAGES "><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p></w:ftr>')


def core(kind: str, language: str) -> str:
    return DECL + ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                   'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
                   'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                   f'<dc:title>{TITLES[kind][language]}</dc:title><dc:creator>samtal</dc:creator>'
                   f'<dc:language>{LANG[language]}</dc:language>'
                   '<dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:created>'
                   '<dcterms:modified xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:modified>'
                   '</cp:coreProperties>')


APP = DECL + (f'<Properties xmlns="{oxml.APP_NS}"><Application>samtal</Application>'
              '<DocSecurity>0</DocSecurity></Properties>')


def build(kind: str, language: str) -> bytes:
    """The bytes of one template."""
    parts = {
        "[Content_Types].xml": CONTENT_TYPES.encode(), "_rels/.rels": PACKAGE_RELS.encode(),
        "word/document.xml": document(kind, language),
        "word/_rels/document.xml.rels": DOCUMENT_RELS.encode(),
        "word/styles.xml": styles(language).encode(), "word/numbering.xml": NUMBERING.encode(),
        "word/settings.xml": SETTINGS.encode(), "word/header1.xml": header(kind, language).encode(),
        "word/footer1.xml": footer(language).encode(), "docProps/core.xml": core(kind, language).encode(),
        "docProps/app.xml": APP.encode(),
        "docProps/custom.xml": oxml.custom_properties_xml({"samtal_template": f"{kind}.{language}"}),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return out.getvalue()


def main(target: Path = Path(TEMPLATES_DIR)) -> int:
    for kind in CONTENT:
        for language in ("sv", "en"):
            path = target / f"{kind}.{language}.docx"
            path.write_bytes(build(kind, language))
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(TEMPLATES_DIR)))
