"""Reading CSV and XLSX tables by header name.

Both the DSPT organisation-search export (:mod:`contractgen.dspt.export`) and the council's
provider register (:mod:`contractgen.dspt.register`) are spreadsheets whose columns are found
by their header, not their position. :func:`read_table` reads either format into a
:class:`Table` (the header row and the numbered data rows); :func:`header_key` is the
form in which headers are compared.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import ExportError, InputError, Location, Problem, display_path
from .untrusted import MAX_TABLE_BYTES, xlsx_rows
from .yamlio import decode_text

__all__ = ["Table", "header_key", "read_table"]


@dataclass
class Table:
    """Rows of a CSV or XLSX file: the header, and the data rows with their numbers."""

    file: str
    header: list[str]
    rows: list[tuple[int, list[object]]]


def read_table(path: Path, error: type[InputError] = ExportError) -> Table:
    """Read the first sheet of an .xlsx, or a UTF-8 .csv (BOM or not), as a Table.

    The first non-blank row is the header. Row numbers are the spreadsheet's (the first
    row is 1; in a CSV a quoted value may span lines, so a row can start below its
    number). Blank rows are dropped. Other extensions, a missing, unreadable or empty
    file raise ``error``.
    """
    shown = display_path(path)

    def fail(message: str, line: int | None = None) -> InputError:
        return error(message, [Problem(Location(shown, line), "", message)])

    suffix = path.suffix.casefold()
    if suffix not in (".csv", ".xlsx"):
        kind = f"a {path.suffix} file" if path.suffix else "a file without an extension"
        raise fail(f"cannot read {kind}; save it as .csv (UTF-8) or .xlsx")
    if not path.is_file():
        raise fail("file not found; check the path")
    raw_rows = (
        _csv_rows(path, shown, error) if suffix == ".csv" else xlsx_rows(path, shown, error)
    )
    header: list[str] | None = None
    rows: list[tuple[int, list[object]]] = []
    for number, values in enumerate(raw_rows, start=1):
        if not any(v is not None and str(v).strip() for v in values):
            continue
        if header is None:
            header = ["" if v is None else str(v).strip() for v in values]
        else:
            rows.append((number, values))
    if header is None:
        raise fail("the file is empty; the first row must hold the column headers", 1)
    return Table(shown, header, rows)


def _csv_rows(path: Path, shown: str, error: type[InputError]) -> list[list[object]]:
    try:
        if path.stat().st_size > MAX_TABLE_BYTES:
            message = f"the file is larger than {MAX_TABLE_BYTES // 1_000_000} MB; is it the right file?"
            raise error(message, [Problem(Location(shown), "", message)])
        text = decode_text(path.read_bytes(), shown)
    except OSError as exc:
        message = f"cannot read file: {exc.strerror or exc}"
        raise error(message, [Problem(Location(shown), "", message)]) from exc
    except InputError as exc:
        raise error(exc.message, exc.problems) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return [list(r) for r in reader]
    except csv.Error as exc:
        message = f"not a readable CSV file ({exc}); save it again as CSV"
        location = Location(shown, reader.line_num)
        raise error(message, [Problem(location, "", message)]) from exc


def header_key(text: str) -> str:
    """Header comparison key: case-, space- and underscore-insensitive."""
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", text)).casefold()
