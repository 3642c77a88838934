"""Text into XML: escaping for element content and attributes, and Word's no-break hyphen.

Shared by the Word writer, the Jinja environment for Word templates and the Excel rows,
so that none of them needs to import another for a constant.
"""

from __future__ import annotations

#: U+2011 in text is written as Word's own non-breaking hyphen, which Word and
#: LibreOffice both keep on one line with its neighbours.
NON_BREAKING_HYPHEN = "\u2011"
NO_BREAK_HYPHEN_XML = '</w:t><w:noBreakHyphen/><w:t xml:space="preserve">'


def xml_text(text: str) -> str:
    """Escape text for element content."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(text: str) -> str:
    return xml_text(text).replace('"', "&quot;")
