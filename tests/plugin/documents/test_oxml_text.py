"""Text extraction: the one-pass text of controls and paragraphs, and the libxslt text of the
paragraphs outside the controls, agree with each other on Word's awkward constructs."""
from __future__ import annotations

import pytest
from lxml import etree

from plugin.documents import oxml, oxml_read
from plugin.documents.safety import Package
from tests.plugin.documents.test_read import _filled

_NS = f'xmlns:w="{oxml.W_NS}" xmlns:mc="{oxml.MC_NS}" xmlns:w14="{oxml.W14_NS}"'
BODY = f"""<w:document {_NS}><w:body>
<w:p><w:pPr><w:pStyle w:val="Heading1"/><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>
  <w:r><w:t>Rubrik</w:t><w:tab/><w:t>ett</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Före </w:t></w:r>
  <w:sdt><w:sdtPr><w:tag w:val="x"/></w:sdtPr><w:sdtContent><w:r><w:t>inne</w:t></w:r></w:sdtContent></w:sdt>
  <w:r><w:t>efter</w:t><w:br/><w:t>rad</w:t><w:noBreakHyphen/><w:cr/></w:r></w:p>
<w:p><w:del><w:r><w:delText>borta</w:delText></w:r></w:del><w:ins><w:r><w:t>ny</w:t></w:r></w:ins>
  <w:r><w:instrText>PAGE</w:instrText></w:r><w:moveFrom><w:r><w:t>flyttad</w:t></w:r></w:moveFrom></w:p>
<w:p><w:r><w:t>ram:</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:txbxContent>
  <w:p><w:r><w:t>i rutan</w:t></w:r></w:p></w:txbxContent></mc:Choice>
  <mc:Fallback><w:txbxContent><w:p><w:r><w:t>reserv</w:t></w:r></w:p></w:txbxContent></mc:Fallback>
  </mc:AlternateContent></w:r></w:p>
<w:sdt><w:sdtPr><w:tag w:val="block"/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>i kontroll</w:t></w:r></w:p>
  </w:sdtContent></w:sdt>
<w:tbl><w:tr><w:tc><w:p><w:pPr><w:pStyle w:val="Label"/></w:pPr><w:r><w:t>Cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p/>
</w:body></w:document>"""


def _python_texts(doc: etree._Element) -> list[tuple[str, str | None]]:
    return [(oxml_read.text_of(p, outside_controls=True), oxml_read.paragraph_style(p)) for p in oxml_read.outside_paragraphs(doc)]


def test_text_of_skips_what_word_does_not_show() -> None:
    doc = etree.fromstring(BODY.encode())
    paras = oxml_read.outside_paragraphs(doc)
    assert oxml_read.text_of(paras[0]) == "Rubrik\tett"  # the tab stop in w:tabs is not text
    assert oxml_read.text_of(paras[1]) == "Före inneefter\nrad-\n"
    assert oxml_read.text_of(paras[1], outside_controls=True) == "Före efter\nrad-\n"
    assert oxml_read.text_of(paras[2]) == "ny"  # deletions, field codes and moved-from text skipped
    assert oxml_read.text_of(paras[3]) == "ram:i rutan"  # the Markup Compatibility fallback skipped
    sdt = next(doc.iter(oxml.W_SDT))
    assert oxml_read.text_of(sdt, outside_controls=True) == "inne"  # a control's own content is kept


@pytest.mark.parametrize("source", ["constructs", "sv", "en"])
def test_outside_texts_in_one_pass_match_text_of_per_paragraph(source: str) -> None:
    doc = (etree.fromstring(BODY.encode()) if source == "constructs"
           else Package(_filled(source)).xml("word/document.xml"))
    expected = _python_texts(doc)
    assert oxml_read.outside_paragraph_texts(doc) == expected
    if source == "constructs":
        assert [t for t, _ in expected] == ["Rubrik\tett", "Före efter\nrad-\n", "ny", "ram:i rutan",
                                            "i rutan", "reserv", "Cell", ""]
        assert [s for _, s in expected][0] == "Heading1" and expected[6][1] == "Label"


def test_custom_properties_read_the_text_of_each_value() -> None:
    root = etree.fromstring(f"""<Properties xmlns="{oxml.CUSTOM_NS}" xmlns:vt="{oxml.VT_NS}">
      <property name="plain"><vt:lpwstr> 2027 </vt:lpwstr></property>
      <property name="empty"><vt:lpwstr/></property>
      <property name="commented"><!-- x --></property>
      <property name="mixed">a<vt:lpwstr>b</vt:lpwstr>c</property>
      <property name="nested"><vt:vector><vt:lpwstr>x</vt:lpwstr><vt:lpwstr>y</vt:lpwstr></vt:vector></property>
      <property>no name</property>
    </Properties>""".encode())
    assert oxml.read_custom_properties(root) == {"plain": "2027", "empty": "", "commented": "",
                                                 "mixed": "abc", "nested": "xy"}
