"""How much of one form samtal is willing to read, so one crafted or runaway document cannot
stall a pass.

A generated form has 13 content controls and under a hundred paragraphs; one filled in at great
length has a few hundred paragraphs and tens of thousands of characters. The defaults are about
a hundred times that. What a form holds beyond them is not something two people typed in a
talk: text pasted thousands of times, or a small zip crafted to unpack into hundreds of thousands
of paragraphs. Such a form is refused with :class:`FormTooLargeError`, whose message says what
was too large and what to do, before its fields are read: the cost of refusing is unpacking and
parsing at most :attr:`ReadingBudget.max_part_bytes` of XML (a fraction of a second), and the
sizes the zip directory declares are checked before anything is unpacked.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from plugin.documents import oxml
from plugin.documents.model import FormTooLargeError
from plugin.documents.safety import Package

_DELTEXT = oxml.w("delText")
_ADVICE = ("; open it in Word, remove what does not belong to the talk (text pasted many times?) "
           "and save it: samtal reads it again once it has changed")


@dataclass(frozen=True)
class ReadingBudget:
    """The most one form may hold for samtal to read it."""

    max_part_bytes: int = 8 * 1024 * 1024  # each XML part read (word/document.xml above all), unpacked
    max_paragraphs: int = 20_000
    max_controls: int = 2_000
    max_characters: int = 2_000_000  # visible text and text in tracked deletions alike

    def check_part(self, package: Package, name: str) -> None:
        """Refuse a part whose unpacked size, as the zip directory declares it, is over the
        budget (:meth:`Package.read` refuses a part that unpacks to more than it declares)."""
        size = package.entries[name].size if package.has(name) else 0
        if size > self.max_part_bytes:
            raise FormTooLargeError(
                f"the form is too large to read: its part {name} unpacks to {_size(size)}, "
                f"more than the {_size(self.max_part_bytes)} a form may hold{_ADVICE}")

    def check_tree(self, doc: etree._Element) -> None:
        """Refuse a document with more paragraphs, content controls or characters than the
        budget allows; one pass over the tree, before any field is read."""
        paragraphs = controls = characters = 0
        for el in doc.iter(oxml.W_P, oxml.W_SDT, oxml.W_T, _DELTEXT):
            tag = el.tag
            if tag == oxml.W_P:
                paragraphs += 1
            elif tag == oxml.W_SDT:
                controls += 1
            else:
                characters += len(el.text or "")
        for count, limit, what in ((paragraphs, self.max_paragraphs, "paragraphs"),
                                   (controls, self.max_controls, "content controls"),
                                   (characters, self.max_characters, "characters of text")):
            if count > limit:
                raise FormTooLargeError(f"the form is too large to read: it has {count:,} {what}, "
                                        f"more than the {limit:,} a form may have{_ADVICE}")


def _size(n: int) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 1_000_000 else f"{n:,} bytes"


DEFAULT_BUDGET = ReadingBudget()
