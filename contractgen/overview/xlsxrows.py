"""Many rows in an openpyxl workbook, fast.

openpyxl writes a cell in about 20 microseconds; a sheet of 10,000 providers and 16
columns then takes seconds. Here openpyxl still makes the workbook (styles, charts,
frozen panes, filters), but a large sheet gets only its header and one *probe* row, a
cell in each style its rows need. After saving, the probe row is replaced by the real
rows, written directly as SpreadsheetML with the style numbers openpyxl gave the probe
cells. Text is written as inline strings, which are never formulas.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from ..base.xmltext import xml_text

#: One cell: a value (text, number, date or None) and the name of its style (or None).
Cell = tuple[Any, str | None]

_EPOCH = dt.date(1899, 12, 30)
_PROBE_TEXT = "probe"
#: Rows of a sheet encoded at a time.
ROWS_A_CHUNK = 500
#: Cells' XML kept for reuse, at most: the recurring ones (statuses, dates, reasons) are
#: made again soon after the cache is emptied; the names and codes never recur.
TAILS_KEPT = 4096


class FastRows:
    """The rows of one write-only sheet, written after openpyxl has saved the workbook.

    ``styles`` maps a style name to a styled openpyxl cell factory: ``{"date":
    lambda ws: cell}``. Call :meth:`probe` once after the header, then :meth:`apply` on
    the sheet's XML.
    """

    def __init__(self, ws: Any, styles: dict[str, Any]) -> None:
        self.ws = ws
        self.names = list(styles)
        self.styles = styles
        self._source: Callable[[], Iterable[Sequence[Cell]]] = lambda: ()

    def probe(self) -> None:
        """Append the probe row: one cell in each style, in order."""
        cells = []
        for name in self.names:
            cell = WriteOnlyCell(self.ws, _PROBE_TEXT)
            self.styles[name](cell)
            cells.append(cell)
        self.ws.append(cells)

    def feed(self, rows: Callable[[], Iterable[Sequence[Cell]]]) -> None:
        """The rows, made by ``rows()`` only as :meth:`apply` writes them: a large sheet's
        rows are never all in memory as values."""
        self._source = rows

    def apply(self, sheet_xml: bytes) -> Iterator[bytes]:
        """The sheet's XML with the probe row (row 2) replaced by the rows, in chunks (a
        large sheet is never whole in memory: :func:`~contractgen.word.package.package_chunks`
        compresses it as it comes). A write-only sheet has no ``<dimension>`` to update."""
        match = re.search(rb'<row r="2"[^>]*>.*?</row>', sheet_xml, re.S)
        if match is None:
            raise ValueError("the sheet has no probe row")
        ids = re.findall(rb'<c [^>]*?s="(\d+)"', match.group(0))
        if len(ids) != len(self.names):
            raise ValueError("the probe row lost a style")
        style_ids = {name: int(i) for name, i in zip(self.names, ids)}
        yield sheet_xml[: match.start()]
        lines = _rows(self._source(), style_ids)
        while chunk := "".join(itertools.islice(lines, ROWS_A_CHUNK)):
            yield chunk.encode("utf-8")
        yield sheet_xml[match.end():]


def _rows(rows: Iterable[Sequence[Cell]], style_ids: dict[str, int]) -> Iterable[str]:
    starts = [f'<c r="{get_column_letter(i)}' for i in range(1, 100)]
    # a cell is its reference and the rest; the rest (style, value) recurs over thousands of
    # rows (statuses, positions, dates, reasons) and is written once, keyed by the cell
    # itself when its value is text, else by type too (0, 0.0 and False are equal keys but
    # not the same cell; a text key has two items, a typed one three)
    tails: dict[tuple[Any, ...], str] = {}
    for number, row in enumerate(rows, start=2):
        ref = f'{number}"'
        cells = []
        for start, cell in zip(starts, row):
            key = cell if type(cell[0]) is str and type(cell) is tuple else (type(cell[0]), *cell)
            tail = tails.get(key)
            if tail is None:
                if len(tails) >= TAILS_KEPT:  # names and codes never recur: keep memory flat
                    tails.clear()
                tail = tails[key] = _tail(*cell, style_ids)
            if tail:
                cells.append(start + ref + tail)
        yield f'<row r="{number}">{"".join(cells)}</row>'


def _tail(value: Any, style: str | None, style_ids: dict[str, int]) -> str:
    """A cell's XML after its reference, or "" for no cell (an empty value)."""
    if value is None or value == "":
        return ""
    s = f' s="{style_ids[style]}"' if style else ""
    if isinstance(value, str):
        return f'{s} t="inlineStr"><is><t xml:space="preserve">{xml_text(value)}</t></is></c>'
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return f"{s}><v>{(day - _EPOCH).days}</v></c>"
    return f"{s}><v>{value}</v></c>"
