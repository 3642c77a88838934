"""The document model between clause text and WordprocessingML.

Clause Markdown is parsed into these blocks; numbering labels and cross-reference
results are filled in once the whole document is assembled; :mod:`contractgen.word.ooxml`
writes them as Word XML, :mod:`contractgen.word.redline` compares two lists of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum


class Style(str, Enum):
    """Paragraph styles that contractgen writes. Their ids exist in every output document:
    taken from the council's template when it defines them, injected otherwise."""

    SECTION = "CGSection"  # level 1: "1"   section heading
    CLAUSE = "CGClause"  # level 2: "1.1" clause paragraph
    ITEM = "CGItem"  # level 3: "(a)"
    SUBITEM = "CGSubItem"  # level 4: "(i)"
    BULLET = "CGBullet"  # bullet list item
    BODY = "CGBody"  # unnumbered body text (continuations, letters)
    LETTER_ITEM = "CGLetterItem"  # "(a)" list in a letter, restarting per list
    HEADING = "CGHeading"  # unnumbered heading (letters, annexes)


#: styles that carry a number from the clause numbering scheme, by level (0-based)
NUMBERED_LEVELS = {Style.SECTION: 0, Style.CLAUSE: 1, Style.ITEM: 2, Style.SUBITEM: 3}


@dataclass(frozen=True)
class Run:
    """A stretch of text with one formatting.

    ``ref`` marks a cross-reference to a clause id: Word shows it as a REF field whose
    cached result is ``text`` (the clause number in this document).
    """

    text: str
    bold: bool = False
    italic: bool = False
    link: str | None = None
    ref: str | None = None
    line_break: bool = False  # a hard line break (text is empty)
    comment: str | None = None  # a Word comment on this text (redlines: which parameter)


@dataclass(frozen=True)
class Paragraph:
    """One Word paragraph."""

    style: Style
    runs: tuple[Run, ...] = ()
    number: str = ""  # the label Word shows, e.g. "2.1" or "(a)"; filled by numbering
    bookmark: str | None = None  # bookmark that cross-references point at
    clause_id: str | None = None  # the clause this paragraph came from
    list_id: int = 0  # for LETTER_ITEM: which list (numbering restarts per list)
    anchor: str | None = None  # "clause-id#name" when the clause text anchors this paragraph
    keep_with_next: bool = False  # a heading: never the last line of a page, its content on the next

    @property
    def text(self) -> str:
        return "".join("\n" if r.line_break else r.text for r in self.runs)

    def with_(self, **changes) -> "Paragraph":
        return replace(self, **changes)


@dataclass(frozen=True)
class Table:
    """A simple table: a header row and body rows of plain text cells."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = field(default_factory=tuple)
    widths: tuple[int, ...] = ()  # each column's share of the width in percent (default: Word decides)


Block = Paragraph | Table
