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
import itertools
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import openpyxl
from lxml import etree
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._reader import VALUE_TAG, WorkSheetParser

from .errors import ExportError, InputError, Location, Problem, display_path
from .untrusted import MAX_TABLE_BYTES, MAX_TABLE_ROWS, UnreadableCell, check_zip, input_failure
from .yamlio import decode_text

__all__ = ["Table", "header_key", "read_table"]


@dataclass
class Table:
    """Rows of a CSV or XLSX file: the header, and the data rows with their numbers.

    ``rows`` can be iterated once: a CSV's rows are parsed as they are taken, so a large
    file is never held as a list of cells beside what its reader keeps of it (a problem
    found further down, such as a row past :data:`MAX_TABLE_ROWS`, is raised then)."""

    file: str
    header: list[str]
    rows: Iterator[tuple[int, list[object]]]
    sheet: str | None = None  # an .xlsx file's: the title of the (first) worksheet read


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
    raw_rows, sheet = (
        (_csv_rows(path, shown, error), None) if suffix == ".csv" else _xlsx_sheet(path, shown, error)
    )
    numbered = ((number, values) for number, values in enumerate(raw_rows, start=1) if not _blank(values))
    first = next(numbered, None)  # the first row that is not blank: the header
    if first is None:
        raise fail("the file is empty; the first row must hold the column headers", 1)
    header = ["" if v is None else str(v).strip() for v in first[1]]
    return Table(shown, header, numbered, sheet)


def _blank(values: list[object]) -> bool:
    """Whether a row has no cell with text (a CSV's row, all text, in one join)."""
    try:
        return not "".join(values).strip()  # type: ignore[arg-type]
    except TypeError:
        return not any(v is not None and str(v).strip() for v in values)


def _csv_rows(path: Path, shown: str, error: type[InputError]) -> Iterator[list[object]]:
    """A CSV file's rows, decoded and parsed as they are read: the file's bytes are held,
    never the whole text (a name with an emoji makes Python hold every character of a
    text in four bytes)."""
    try:
        if path.stat().st_size > MAX_TABLE_BYTES:
            message = f"the file is larger than {MAX_TABLE_BYTES // 1_000_000} MB; is it the right file?"
            raise error(message, [Problem(Location(shown), "", message)])
        raw = path.read_bytes()
    except OSError as exc:
        message = f"cannot read file: {exc.strerror or exc}"
        raise error(message, [Problem(Location(shown), "", message)]) from exc
    if raw.count(b"\n") > MAX_TABLE_ROWS + 1 and _over_the_row_limit(raw):
        raise _too_many_rows(error, shown)  # before any row is read: the readers need not go through 100,000 rows first
    return _parsed_rows(raw, shown, error)


def _reader(raw: bytes) -> Any:
    return csv.reader(io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline=""))


def _over_the_row_limit(raw: bytes) -> bool:
    """Whether a CSV with more lines than the limit allows also has more rows (a quoted
    cell may span lines); one row past the limit decides it, and a file that cannot be
    decoded or parsed is left to :func:`_parsed_rows`, which says where."""
    try:
        return sum(1 for _ in itertools.islice(_reader(raw), MAX_TABLE_ROWS + 2)) > MAX_TABLE_ROWS + 1
    except (csv.Error, UnicodeDecodeError):
        return False


def _parsed_rows(raw: bytes, shown: str, error: type[InputError]) -> Iterator[list[object]]:
    """A CSV's rows, decoded and parsed one at a time; one row past the limit is enough
    to refuse the file (the rest is never parsed). Bytes that are not UTF-8 are refused
    with their line, as :func:`~contractgen.base.yamlio.decode_text` says it."""
    reader = _reader(raw)
    count = 0
    try:
        for row in reader:
            count += 1
            if count > MAX_TABLE_ROWS + 1:
                raise _too_many_rows(error, shown)
            yield row
    except UnicodeDecodeError:
        try:
            decode_text(raw, shown)  # raises the located message
        except InputError as exc:
            raise error(exc.message, exc.problems) from None
        raise  # pragma: no cover - decode_text found what the reader did
    except csv.Error as exc:
        message = f"not a readable CSV file ({exc}); save it again as CSV"
        location = Location(shown, reader.line_num)
        raise error(message, [Problem(location, "", message)]) from exc


def _too_many_rows(error: type[InputError], shown: str) -> InputError:
    return input_failure(
        error, shown,
        f"the table has more than {MAX_TABLE_ROWS:,} rows, more than contractgen reads (the national DSPT "
        "export has tens of thousands); is it the right file? Filter it to the organisations you need",
    )


def header_key(text: str) -> str:
    """Header comparison key: case-, space- and underscore-insensitive."""
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", text)).casefold()


def xlsx_rows(path: Path, shown: str, error: type[InputError]) -> list[list[object]]:
    """The rows of an .xlsx file's first sheet (values, not formulas), each cell that
    cannot be read as an :class:`UnreadableCell`."""
    return _xlsx_sheet(path, shown, error)[0]


def _xlsx_sheet(path: Path, shown: str, error: type[InputError]) -> tuple[list[list[object]], str]:
    """:func:`xlsx_rows`, and the first sheet's title."""
    resave = "save it again as .xlsx"
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip(archive, shown, error, resave)
    except (zipfile.BadZipFile, OSError) as exc:
        raise input_failure(error, shown, f"cannot open the Excel workbook ({exc}); {resave}") from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, SyntaxError, etree.LxmlError) as exc:
        raise input_failure(error, shown, f"cannot open the Excel workbook ({exc}); {resave}") from exc
    try:
        if not book.worksheets:
            raise input_failure(error, shown, f"the workbook has no worksheet; {resave}")
        first = book.worksheets[0]
        return _sheet_rows(book, first, shown, error, resave), str(first.title)
    finally:
        book.close()


def _sheet_rows(book: Any, sheet: Any, shown: str, error: type[InputError], resave: str) -> list[list[object]]:
    # openpyxl's own row iterator stops at the first impossible date with a ValueError;
    # this parser keeps the raw text of such a cell instead (openpyxl's parse per cell).
    class CellParser(WorkSheetParser):
        def parse_cell(self, element: Any) -> dict[str, Any]:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                try:
                    cell: dict[str, Any] = super().parse_cell(element)
                    return cell
                except (ValueError, OverflowError, UserWarning):
                    raw = element.findtext(VALUE_TAG) or ""
                    return {"row": self.row_counter, "column": self.col_counter, "value": UnreadableCell(raw)}

    rows: list[list[object]] = []
    try:
        with sheet._get_source() as src:
            parser = CellParser(
                src, sheet._shared_strings, data_only=True, epoch=book.epoch,
                date_formats=book._date_formats, timedelta_formats=book._timedelta_formats,
            )
            for number, cells in parser.parse():
                if not 1 <= number <= len(rows) + 1_000_000:
                    raise input_failure(error, shown, f"the worksheet numbers a row {number}; {resave}")
                if number > MAX_TABLE_ROWS + 1:
                    raise _too_many_rows(error, shown)
                while len(rows) < number:
                    rows.append([])
                width = max((c["column"] for c in cells), default=0)
                if width > 16_384:
                    raise input_failure(error, shown, f"row {number} has {width} columns, more than Excel allows; {resave}")
                values: list[object] = [None] * width
                for c in cells:
                    values[c["column"] - 1] = c["value"]
                rows[number - 1] = values
    except (etree.LxmlError, SyntaxError, KeyError, IndexError, ValueError, TypeError) as exc:
        raise input_failure(error, shown, f"the first worksheet cannot be read ({exc}); {resave}") from exc
    return rows
