"""Reading the DSPT organisation search export in every real format: the modern CSV and
the 2019 XLSX.

The export has one row per organisation: its ODS code, name, latest status and date of
publication. :func:`read_export` reads it into a :class:`DsptExport` of typed
:class:`~contractgen.dspt.status.DsptRecord` objects, one per ODS code, with lookups by code
and by name. Every problem in the file is collected and raised at once as one
:class:`~contractgen.base.errors.ExportError`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..base.errors import ExportError, Location, Problem, count_problems, display_path
from ..base.names import NameIndex, names_alike, normalise_name
from ..base.schema import find_xml_illegal
from ..base.tables import Table, header_key, read_table
from ..base.untrusted import MAX_TABLE_BYTES, UnreadableCell
from .status import (
    EXPECTED_STATUSES,
    QIO_MARKER,
    DsptRecord,
    UnknownStatusError,
)

#: Export columns by our field name: the header spellings of each known format.
EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("Code", "ODSCode", "ODS Code"),
    "name": ("Organisation Name", "OrganisationName"),
    "status": ("Status", "PublicationStatus"),
    "publication_date": ("Date Of Publication", "DateOfPublication"),
    "sector": ("Primary Sector", "PrimarySector"),
}
_OPTIONAL_COLUMNS = {"sector"}
_CODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_MAX_ROWS_SHOWN = 5


@dataclass
class DsptExport:
    """The records of one export, one per ODS code, with lookups by code and by name.

    When a code appears more than once the latest publication is kept (latest
    assessment year, then latest publication date, then the later row); the others are
    in ``duplicates``. ``warnings`` are rows read as they are but worth checking: a
    year in the status that is impossible for the publication date.
    """

    file: str
    records: list[DsptRecord]
    duplicates: list[DsptRecord] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_code = {r.code: r for r in self.records}

    @cached_property
    def _names(self) -> NameIndex[DsptRecord]:
        """Built on the first name lookup (a third of a second for 32,000 names)."""
        return NameIndex(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[DsptRecord]:
        return iter(self.records)

    def by_code(self, code: str) -> DsptRecord | None:
        """The record for an ODS code (any case, surrounding spaces ignored)."""
        return self._by_code.get(code.strip().upper())

    def has_name(self, name: str) -> bool:
        """Whether a record's name is ``name`` once normalised (case, accents,
        punctuation, ``Ltd``): a set lookup, where :meth:`closest_names` compares names."""
        return self._names.has(name)

    def closest_names(
        self, name: str, n: int = 3, cutoff: float = 0.6
    ) -> list[DsptRecord]:
        """Up to ``n`` records whose names are most like ``name``, best first.

        Names are compared normalised (case, accents, punctuation, ``&``/``and``, a
        trailing ``Ltd``/``Limited``, the bracketed code suffix) by their
        :mod:`difflib` ratio, which must be at least ``cutoff``. A trigram index picks
        the candidates (names sharing no three-letter sequence with ``name`` are never
        returned), so a lookup among 32,000 names takes one or two milliseconds
        instead of a third of a second.
        """
        return self._names.closest(name, n, cutoff)

    def near_matches(self, code: str, name: str, closest: list[DsptRecord] | None = None) -> list[DsptRecord]:
        """Records that may be the organisation a register row means although its code
        is not in the export: a code one character away (one changed, added, dropped or
        two swapped) with a name alike (:func:`~contractgen.base.names.names_alike`), or the same name once
        normalised (case, accents, punctuation, ``Ltd``). Best first: codes, then names.
        ``closest``: ``closest_names(name, 3)`` when the caller has it (a name the same once
        normalised has ratio 1, so it is among those whenever it is among the three best
        at any cutoff): the search is not done twice.
        """
        wanted = code.strip().upper()
        found: dict[str, DsptRecord] = {}
        for other in _one_edit_away(wanted):
            record = self._by_code.get(other)
            if record is not None and names_alike(name, record.clean_name):
                found.setdefault(record.code, record)
        norm = normalise_name(name)
        for record in self.closest_names(name, 3, cutoff=0.99) if closest is None else closest:
            if normalise_name(record.clean_name) == norm and record.code != wanted:
                found.setdefault(record.code, record)
        return list(found.values())


#: Exports already read in this process, by content and the name shown: ``build`` reads
#: the same export for each council's letters and overview, and a real export (32,000
#: rows) takes about two seconds to parse; hashing it takes milliseconds.
_READ: dict[tuple[str, str], DsptExport] = {}


def read_export(path: Path) -> DsptExport:
    """:func:`read_export_file`, parsed once per process for the same file content
    (callers only read the returned export, never change it)."""
    try:
        if path.stat().st_size > MAX_TABLE_BYTES:
            return read_export_file(path)  # refused there, before anything is read
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return read_export_file(path)  # read_table words the error
    key = (digest, display_path(path))
    if key not in _READ:
        if len(_READ) >= 8:
            _READ.clear()
        _READ[key] = read_export_file(path)
    return _READ[key]


def read_export_file(path: Path) -> DsptExport:
    """Read a DSPT organisation-search export (.csv or .xlsx) as a DsptExport.

    Columns are found by header name (case and spaces ignored); other columns are
    ignored. Every problem (unknown status, unreadable date, missing code) is collected
    and raised at once as one :class:`ExportError`; a missing column raises at once.
    A status without a year takes the year from its publication date
    (:meth:`~contractgen.dspt.status.AssessmentYear.open_on`); a status whose year is impossible
    for its date is kept and listed in ``warnings`` with its row.
    """
    table = read_table(path, ExportError)
    reader = _ExportReader(table, _find_columns(table))
    rows = (reader.read(number, values) for number, values in table.rows)
    records = [record for record in rows if record is not None]
    problems = reader.finish()
    if problems:
        raise ExportError(
            f"{table.file}: {count_problems(problems)} in the DSPT "
            f"export; correct {'them' if len(problems) > 1 else 'it'} or download the export again",
            problems,
        )
    kept, duplicates = _latest_per_code(records)
    return DsptExport(table.file, kept, duplicates, reader.warnings)


class _ExportReader:
    """Turns export rows into records; collects problems, unknown statuses by value."""

    def __init__(self, table: Table, columns: dict[str, int]) -> None:
        self.table = table
        self.columns = columns
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.unknown: dict[str, list[int]] = {}
        self.dates: dict[str, tuple[dt.date | None, str | None]] = {}
        self.texts: dict[str, str] = {}  # one string per distinct status and sector
        self.code, self.name, self.status = columns["code"], columns["name"], columns["status"]
        self.date_index, self.sector = columns["publication_date"], columns.get("sector")
        self.width = max(columns.values()) + 1

    def read(self, number: int, values: list[object]) -> DsptRecord | None:
        if _plain_row(values, self.width):
            return self.read_plain(number, values)  # type: ignore[arg-type]
        return self.read_cells(number, values)

    def read_plain(self, number: int, values: list[str]) -> DsptRecord | None:
        """A CSV row whose cells are all text without a character XML cannot hold
        (nearly every row): :meth:`read_cells` without the checks that cannot fail."""
        code = values[self.code].strip().upper()
        if not code:
            return self.read_cells(number, values)  # type: ignore[arg-type]
        published, date_error = self.date(values[self.date_index])
        if date_error:
            return self.read_cells(number, values)  # type: ignore[arg-type]
        raw_status = self.shared(values[self.status].strip())
        sector = self.shared(values[self.sector].strip()) if self.sector is not None else ""
        try:
            record = DsptRecord.from_raw(
                code, values[self.name].strip(), raw_status, published, sector or None, number
            )
        except UnknownStatusError:
            self.unknown.setdefault(raw_status, []).append(number)
            return None
        conflict = record.year_conflict
        if conflict:
            self.problem(number, "status", conflict, into=self.warnings)
        return record

    def shared(self, text: str) -> str:
        """``text``, as the first row that had it: every record of the export holds its
        status and sector, which few distinct texts make up."""
        return self.texts.setdefault(text, text)

    def date(self, text: str) -> tuple[dt.date | None, str | None]:
        """:func:`_read_date` of a text cell, once per distinct text."""
        found = self.dates.get(text)
        if found is None:
            found = self.dates[text] = _read_date(text)
        return found

    def read_cells(self, number: int, values: list[object]) -> DsptRecord | None:
        def cell(name: str) -> object:
            index = self.columns.get(name)
            return values[index] if index is not None and index < len(values) else None

        ok = True
        for name in ("code", "name", "status", "sector"):
            value = cell(name)
            bad = find_xml_illegal(_text(value)) if name in self.columns else None
            if isinstance(value, UnreadableCell):
                self.problem(number, name, value.problem())
                ok = False
            elif bad:
                self.problem(number, name, (
                    f"contains the control character {bad}, which a Word letter cannot hold; the export is "
                    "damaged: download it again"
                ))
                ok = False
        code, code_error = _read_code(cell("code"), cell("name"))
        if code_error:
            self.problem(number, "code", code_error)
            ok = False
        published, date_error = _read_date(cell("publication_date"))
        if date_error:
            self.problem(number, "publication_date", date_error)
            ok = False
        raw_status = self.shared(_text(cell("status")))
        try:
            record = DsptRecord.from_raw(
                code,
                _text(cell("name")),
                raw_status,
                published,
                self.shared(_text(cell("sector"))) or None,
                number,
            )
        except UnknownStatusError:
            self.unknown.setdefault(raw_status, []).append(number)
            return None
        conflict = record.year_conflict
        if ok and conflict:
            self.problem(number, "status", conflict, into=self.warnings)
        return record if ok else None

    def problem(
        self, number: int, name: str, message: str, *, into: list[Problem] | None = None
    ) -> None:
        header = self.table.header[self.columns[name]]
        found = self.problems if into is None else into
        found.append(Problem(Location(self.table.file, number), header, message))

    def finish(self) -> list[Problem]:
        """All problems by row: one per distinct unknown status, at its first row."""
        for raw, rows in self.unknown.items():
            message = f"unknown DSPT status {raw!r}; expected {EXPECTED_STATUSES}"
            if len(rows) > 1:
                shown = ", ".join(str(r) for r in rows[1 : _MAX_ROWS_SHOWN + 1])
                more = len(rows) - 1 - _MAX_ROWS_SHOWN
                message += f"; also on rows {shown}"
                message += f" and {more} more" if more > 0 else ""
            self.problem(rows[0], "status", message)
        return sorted(self.problems, key=lambda p: p.location)


def _find_columns(table: Table) -> dict[str, int]:
    keys = {name: {header_key(s) for s in spellings} for name, spellings in
            EXPORT_COLUMNS.items()}  # fmt: skip
    found: dict[str, int] = {}
    for index, header in enumerate(table.header):
        for name, spellings in keys.items():
            if name not in found and header_key(header) in spellings:
                found[name] = index
    missing = [
        n for n in EXPORT_COLUMNS if n not in found and n not in _OPTIONAL_COLUMNS
    ]
    if missing:
        wanted = ", ".join(
            " or ".join(repr(s) for s in EXPORT_COLUMNS[n][:2]) for n in missing
        )
        present = ", ".join(repr(h) for h in table.header if h) or "none"
        message = (
            f"missing column{'s' if len(missing) > 1 else ''} {wanted}; columns found: "
            f"{present}. Use the CSV from the DSPT organisation search"
        )
        raise ExportError(message, [Problem(Location(table.file, 1), "", message)])
    return found


def _plain_row(values: list[object], width: int) -> bool:
    """Whether a row has every column and only plain text cells without a character
    XML cannot hold, so that no cell check can fail on it."""
    if len(values) < width:
        return False
    for value in values:
        if type(value) is not str:
            return False
    return find_xml_illegal("".join(values)) is None  # type: ignore[arg-type]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_code(value: object, name: object) -> tuple[str, str | None]:
    """An ODS code cell: (code, None) or ("", what is wrong).

    Excel turned the code ``APR6`` into 1 April 2006 in the 2019 export; such a code is
    recovered from the name's bracketed suffix, ``LEAF CARE SERVICES LTD (APR6)``.
    """
    if isinstance(value, dt.date):
        match = re.search(r"\(\s*([A-Za-z0-9]+)\s*\)\s*$", _text(name))
        if match:
            return match.group(1).upper(), None
        return "", (
            "the ODS code cell holds a date (Excel converts codes such as APR6); "
            "format the column as text and type the code again"
        )
    code = _text(value).upper()
    return (code, None) if code else ("", "missing ODS code; every row needs one")


#: Text shaped like a date in one of the formats, whatever its numbers.
_DATE_SHAPE = re.compile(r"\d{1,2}/\d{1,2}/\d{1,4}(?: [\d:]+)?|\d{1,4}-\d{1,2}-\d{1,2}")
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")


#: The publication dates an export can hold (the toolkit began in 2018; its forerunner,
#: the IG Toolkit, in 2003): anything else is a typing or Excel mistake (a date number of
#: -5 is 25/12/1899), and a date near year 9999 would overflow every deadline after it.
EARLIEST_PUBLICATION = dt.date(2000, 1, 1)
LATEST_PUBLICATION = dt.date(2099, 12, 31)


def _read_date(value: object) -> tuple[dt.date | None, str | None]:
    """A publication date cell: (date, None), (None, None) when blank or the QIO
    marker, or (None, what is wrong)."""
    day, problem = _parse_date(value)
    if day is not None and not EARLIEST_PUBLICATION <= day <= LATEST_PUBLICATION:
        return None, (
            f"the date {day.strftime('%d/%m/')}{day.year:04d} cannot be a DSPT publication date (they fall "
            f"between {EARLIEST_PUBLICATION.year} and {LATEST_PUBLICATION.year}; Excel shows a date number below 1 "
            "as 1899 or 1900); type the date again as dd/mm/yyyy, or leave it blank"
        )
    return day, problem


def _parse_date(value: object) -> tuple[dt.date | None, str | None]:
    if isinstance(value, UnreadableCell):
        return None, value.problem()
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    text = _text(value)
    if not text or text.casefold() == QIO_MARKER.casefold():
        return None, None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date(), None
        except ValueError:
            pass
    if _DATE_SHAPE.fullmatch(text):
        return None, (
            f"the date {text!r} does not exist (check the day, the month and the year); "
            "write it as dd/mm/yyyy (e.g. 30/06/2025) or leave it blank"
        )
    return None, (
        f"cannot read the date {text!r}; write it as dd/mm/yyyy (e.g. 30/06/2025) "
        "or leave it blank"
    )


def _latest_per_code(
    records: list[DsptRecord],
) -> tuple[list[DsptRecord], list[DsptRecord]]:
    def recency(r: DsptRecord) -> tuple[int, dt.date, int]:
        return (
            r.year.start if r.year else -1,
            r.publication_date or dt.date.min,
            r.row,
        )

    best: dict[str, DsptRecord] = {}
    order: list[str] = []
    duplicates: list[DsptRecord] = []
    for record in records:
        held = best.get(record.code)
        if held is None:
            best[record.code] = record
            order.append(record.code)
        elif recency(record) > recency(held):
            duplicates.append(held)
            best[record.code] = record
        else:
            duplicates.append(record)
    return [best[c] for c in order], duplicates


def _one_edit_away(code: str) -> set[str]:
    """Every code one character away from ``code``: changed, added, dropped, or two
    neighbours swapped."""
    out: set[str] = set()
    for i in range(len(code) + 1):
        head, tail = code[:i], code[i:]
        out.update(head + c + tail for c in _CODE_CHARS)  # added
        if tail:
            out.add(head + tail[1:])  # dropped
            out.update(head + c + tail[1:] for c in _CODE_CHARS)  # changed
        if len(tail) > 1:
            out.add(head + tail[1] + tail[0] + tail[2:])  # swapped
    out.discard(code)
    return out
