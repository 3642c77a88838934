"""Writing the CSV files contractgen hands to people (``report.csv``, ``unmatched.csv``,
``lso-referrals.csv``, ``audit-scores.csv``), safely for spreadsheets.

Those files are opened in Excel or LibreOffice by council staff and by Local Support
Organisations, and their cells hold text from providers' names and returned forms. A cell
that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is
a formula to a spreadsheet: ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` would run when
the file is opened. As OWASP recommends ("CSV Injection"), such a cell is written with a
leading apostrophe, which spreadsheets show as text; :func:`read_csv_cell` takes it off
again for contractgen's own readers of these files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

#: A cell starting with one of these is evaluated by a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> str:
    """``value`` as CSV cell text that no spreadsheet evaluates: a leading apostrophe
    before text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return."""
    text = "" if value is None else str(value)
    return "'" + text if _needs_apostrophe(text) else text


def _needs_apostrophe(text: str) -> bool:
    # a text that already begins with apostrophes before a formula gets one more, so
    # that read_csv_cell gives back exactly what was written
    stripped = text.lstrip("'")
    return stripped.startswith(FORMULA_STARTS)


def read_csv_cell(text: str) -> str:
    """The value :func:`neutralise_cell` wrote as ``text`` (one apostrophe off)."""
    return text[1:] if text.startswith("'") and _needs_apostrophe(text[1:]) else text


def csv_bytes(header: Iterable[object], rows: Iterable[Iterable[object]]) -> bytes:
    """A CSV file as Excel opens it: UTF-8 with a byte-order mark, CRLF line ends, every
    cell through :func:`neutralise_cell`."""
    return b"".join(csv_chunks(header, rows))


def csv_chunks(header: Iterable[object], rows: Iterable[Iterable[object]], rows_per_chunk: int = 500) -> Iterator[bytes]:
    """The bytes of :func:`csv_bytes`, a few hundred rows at a time: a file of 10,000 rows
    is written without ever being held whole."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")
    writer.writerow([neutralise_cell(v) for v in header])
    for n, row in enumerate(rows, 1):
        writer.writerow([neutralise_cell(v) for v in row])
        if n % rows_per_chunk == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


__all__ = ["FORMULA_STARTS", "csv_bytes", "csv_chunks", "neutralise_cell", "read_csv_cell"]
