"""DSPT statuses, assessment years and the organisation-search export.

The Data Security and Protection Toolkit (DSPT) organisation search downloads one row
per organisation: its ODS code, name, latest status and date of publication. This module
reads every real format of that export (the modern CSV and the 2019 XLSX) into typed
:class:`DsptRecord` objects, and reads a status such as ``22/23 Standards Met`` or
``Standards Met (19-20)`` into a :class:`DsptStatus` and an :class:`AssessmentYear`.

Nothing here decides what a status means for a contract: see
:mod:`contractgen.situation`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from pathlib import Path

from .errors import ExportError, Location, Problem
from .names import NameIndex
from .tables import Table, header_key, read_table

#: The submission deadline of an assessment year N-(N+1) is this day in N+1 (30 June
#: since 2021; it was 31 March before). Every function takes month and day as
#: parameters; these are only the defaults.
DEADLINE_MONTH = 6
DEADLINE_DAY = 30

#: The text the 2019 export writes in the date cell for assessments completed through a
#: Qualified Improvement Organisation: no date is known, the row is otherwise valid.
QIO_MARKER = "CompletedThroughQIO"


# --------------------------------------------------------------------------- statuses


class DsptStatus(Enum):
    """A DSPT publication status; the value is the label the export writes."""

    STANDARDS_EXCEEDED = "Standards Exceeded"
    STANDARDS_MET = "Standards Met"
    APPROACHING_STANDARDS = "Approaching Standards"
    STANDARDS_NOT_MET = "Standards Not Met"
    PLAN_AGREED = "Standards not fully met (plan agreed)"
    ENTRY_LEVEL = "Entry Level"
    NOT_PUBLISHED = "Not Published"

    @property
    def label(self) -> str:
        """The display label, as written by the export (``Standards Met``)."""
        return self.value

    @property
    def rank(self) -> int | None:
        """Position on the tier ladder: Approaching 1 < Met 2 < Exceeded 3.

        ``None`` for statuses that meet no tier (Not Met, Plan Agreed, Entry Level,
        Not Published).
        """
        return _RANKS.get(self)

    @property
    def is_published(self) -> bool:
        """True for every status except Not Published (or blank)."""
        return self is not DsptStatus.NOT_PUBLISHED

    def meets(self, minimum: DsptStatus) -> bool:
        """Whether this status satisfies a tier whose minimum status is ``minimum``.

        ``minimum`` must be one of the tier statuses (Approaching, Met, Exceeded);
        anything else raises :class:`ValueError`, since no tier can ask for it.
        """
        wanted = minimum.rank
        if wanted is None:
            raise ValueError(
                f"{minimum.label!r} cannot be a tier's minimum; use one of "
                + ", ".join(repr(s.label) for s in TIER_STATUSES)
            )
        own = self.rank
        return own is not None and own >= wanted

    def __str__(self) -> str:
        return self.value


_RANKS = {
    DsptStatus.APPROACHING_STANDARDS: 1,
    DsptStatus.STANDARDS_MET: 2,
    DsptStatus.STANDARDS_EXCEEDED: 3,
}

#: The statuses a tier may require, lowest first.
TIER_STATUSES: tuple[DsptStatus, ...] = (
    DsptStatus.APPROACHING_STANDARDS,
    DsptStatus.STANDARDS_MET,
    DsptStatus.STANDARDS_EXCEEDED,
)


# --------------------------------------------------------------------- assessment years


@dataclass(frozen=True, order=True)
class AssessmentYear:
    """A DSPT assessment year, named like a financial year: start 2025 is 2025-26."""

    start: int

    def __post_init__(self) -> None:
        if not 1900 <= self.start <= 9998:
            raise ValueError(f"assessment year out of range: {self.start}")

    def __str__(self) -> str:
        return f"{self.start}-{(self.start + 1) % 100:02d}"

    @property
    def short(self) -> str:
        """The export's prefix form: ``25/26``."""
        return f"{self.start % 100:02d}/{(self.start + 1) % 100:02d}"

    def deadline(self, month: int = DEADLINE_MONTH, day: int = DEADLINE_DAY) -> dt.date:
        """The submission deadline: 30 June after the year (2025-26: 30 June 2026)."""
        return dt.date(self.start + 1, month, day)

    def counts_until(
        self, month: int = DEADLINE_MONTH, day: int = DEADLINE_DAY
    ) -> dt.date:
        """The last day a publication for this year counts (inclusive).

        It counts until the next year's deadline: 2025-26 counts until 30 June 2027.
        """
        return dt.date(self.start + 2, month, day)

    @classmethod
    def from_prefix(cls, text: str) -> AssessmentYear:
        """``25/26`` (also ``2025/26``, ``2025-26``, ``25-26``) -> 2025-26."""
        return cls._from_pair(text, text)

    @classmethod
    def from_suffix(cls, text: str) -> AssessmentYear:
        """``(19-20)`` (also ``(19/20)``, ``(2019-20)``) -> 2019-20."""
        inner = text.strip()
        if not (inner.startswith("(") and inner.endswith(")")):
            raise ValueError(f"not an assessment year suffix: {text!r}")
        return cls._from_pair(inner[1:-1], text)

    @classmethod
    def from_publication_date(
        cls, published: dt.date, month: int = DEADLINE_MONTH, day: int = DEADLINE_DAY
    ) -> AssessmentYear:
        """The year a publication on ``published`` was for.

        On or before the deadline day of year Z: (Z-1)-Z; after it: Z-(Z+1).
        """
        if published <= dt.date(published.year, month, day):
            return cls(published.year - 1)
        return cls(published.year)

    @classmethod
    def _from_pair(cls, text: str, shown: str) -> AssessmentYear:
        match = _YEAR_PAIR.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"not an assessment year: {shown!r}")
        first, second = match.group(1), match.group(2)
        start = int(first) if len(first) == 4 else 2000 + int(first)
        if int(second) != (start + 1) % 100:
            raise ValueError(f"not consecutive years: {shown!r}")
        return cls(start)


_YEAR_PAIR = re.compile(r"(\d{4}|\d{2})\s*[/-]\s*(\d{2})")


# ---------------------------------------------------------------------- status parsing


class UnknownStatusError(ValueError):
    """A status text that is not a DSPT status. :func:`read_export` reports these."""

    def __init__(self, raw: str) -> None:
        super().__init__(f"unknown DSPT status {raw!r}; expected {EXPECTED_STATUSES}")
        self.raw = raw


#: How a status problem says what would have been accepted.
EXPECTED_STATUSES = (
    "one of "
    + ", ".join(repr(s.label) for s in DsptStatus)
    + ", optionally with a year such as '25/26 ' before it or ' (19-20)' after it, "
    "or blank"
)

_LABELS = {s.label.casefold(): s for s in DsptStatus}
_PREFIX = re.compile(r"^((?:\d{4}|\d{2})\s*[/-]\s*\d{2})\s+(.*)$")
_SUFFIX = re.compile(r"^(.*?)\s*(\((?:\d{4}|\d{2})\s*[/-]\s*\d{2}\))$")


def _collapse(text: str) -> str:
    """NFKC (non-breaking spaces become spaces), whitespace runs collapsed, stripped."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def parse_status(raw: str | None) -> tuple[DsptStatus, AssessmentYear | None]:
    """Read a status as exported: ``22/23 Standards Met`` -> (STANDARDS_MET, 2022-23).

    Accepts a year prefix (``22/23 ``) or suffix (`` (19-20)``) or none, any letter
    case, extra or non-breaking spaces. Blank or ``None`` is NOT_PUBLISHED (registered,
    never published). Anything else raises :class:`UnknownStatusError`: never guessed.
    """
    if raw is None:
        return DsptStatus.NOT_PUBLISHED, None
    text = _collapse(raw)
    if not text:
        return DsptStatus.NOT_PUBLISHED, None
    year: AssessmentYear | None = None
    body = text
    prefix = _PREFIX.match(text)
    suffix = _SUFFIX.match(text)
    try:
        if prefix is not None:
            year, body = AssessmentYear.from_prefix(prefix.group(1)), prefix.group(2)
        elif suffix is not None:
            year, body = AssessmentYear.from_suffix(suffix.group(2)), suffix.group(1)
    except ValueError as exc:
        raise UnknownStatusError(raw) from exc
    status = _LABELS.get(body.casefold())
    if status is None:
        raise UnknownStatusError(raw)
    return status, year


# ---------------------------------------------------------------------------- records


@dataclass(frozen=True)
class DsptRecord:
    """One organisation's row in a DSPT export.

    ``code`` is upper-cased and stripped, ``name`` stripped; ``year`` is the assessment
    year of the latest publication (from the status prefix or suffix, else from the
    publication date, else ``None``; always ``None`` when nothing is published).
    ``row`` is the 1-based row in the export (the header is row 1).
    """

    code: str
    name: str
    status: DsptStatus
    raw_status: str
    year: AssessmentYear | None = None
    publication_date: dt.date | None = None
    sector: str | None = None
    row: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", self.code.strip().upper())
        object.__setattr__(self, "name", self.name.strip())

    @property
    def clean_name(self) -> str:
        """The name without its bracketed code suffix: ``THE PINES (VL50F)`` -> ``THE
        PINES``. Spaces are collapsed; other brackets (``(Hexham)``) are kept."""
        return clean_org_name(self.name, self.code)

    @property
    def status_text(self) -> str:
        """The status as an organisation page shows it: ``2022-23 Standards Met``."""
        if self.year is None:
            return self.status.label
        return f"{self.year} {self.status.label}"

    @classmethod
    def from_raw(
        cls,
        code: str,
        name: str,
        raw_status: str | None,
        publication_date: dt.date | None = None,
        sector: str | None = None,
        row: int = 0,
        *,
        deadline_month: int = DEADLINE_MONTH,
        deadline_day: int = DEADLINE_DAY,
    ) -> DsptRecord:
        """Build a record from export values; raises :class:`UnknownStatusError`."""
        status, year = parse_status(raw_status)
        if status is DsptStatus.NOT_PUBLISHED:
            year = None  # a date beside "Not Published" is of an older, unknown result
        elif year is None and publication_date is not None:
            year = AssessmentYear.from_publication_date(
                publication_date, deadline_month, deadline_day
            )
        return cls(
            code=code,
            name=name,
            status=status,
            raw_status=raw_status or "",
            year=year,
            publication_date=publication_date,
            sector=sector or None,
            row=row,
        )


def clean_org_name(name: str, code: str) -> str:
    """``name`` without a trailing ``(CODE)`` that holds ``code``; spaces collapsed."""
    text = _collapse(name)
    match = re.fullmatch(r"(.*?)\s*\(\s*([^()]*?)\s*\)", text)
    if match and code and match.group(2).casefold() == code.strip().casefold():
        return match.group(1) or text
    return text


# ------------------------------------------------------------------------ the export

#: Export columns by our field name: the header spellings of each known format.
EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("Code", "ODSCode", "ODS Code"),
    "name": ("Organisation Name", "OrganisationName"),
    "status": ("Status", "PublicationStatus"),
    "publication_date": ("Date Of Publication", "DateOfPublication"),
    "sector": ("Primary Sector", "PrimarySector"),
}
_OPTIONAL_COLUMNS = {"sector"}
_MAX_ROWS_SHOWN = 5


@dataclass
class DsptExport:
    """The records of one export, one per ODS code, with lookups by code and by name.

    When a code appears more than once the latest publication is kept (latest
    assessment year, then latest publication date, then the later row); the others are
    in ``duplicates``.
    """

    file: str
    records: list[DsptRecord]
    duplicates: list[DsptRecord] = field(default_factory=list)

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


def read_export(
    path: Path,
    *,
    deadline_month: int = DEADLINE_MONTH,
    deadline_day: int = DEADLINE_DAY,
) -> DsptExport:
    """Read a DSPT organisation-search export (.csv or .xlsx) as a DsptExport.

    Columns are found by header name (case and spaces ignored); other columns are
    ignored. Every problem (unknown status, unreadable date, missing code) is collected
    and raised at once as one :class:`ExportError`; a missing column raises at once.
    ``deadline_month``/``deadline_day`` give the year of statuses that carry none.
    """
    table = read_table(path, ExportError)
    reader = _ExportReader(table, _find_columns(table), deadline_month, deadline_day)
    rows = (reader.read(number, values) for number, values in table.rows)
    records = [record for record in rows if record is not None]
    problems = reader.finish()
    if problems:
        count = len(problems)
        raise ExportError(
            f"{table.file}: {count} problem{'s' if count > 1 else ''} in the DSPT "
            "export; correct them or download the export again",
            problems,
        )
    kept, duplicates = _latest_per_code(records)
    return DsptExport(table.file, kept, duplicates)


class _ExportReader:
    """Turns export rows into records; collects problems, unknown statuses by value."""

    def __init__(
        self, table: Table, columns: dict[str, int], month: int, day: int
    ) -> None:
        self.table = table
        self.columns = columns
        self.month, self.day = month, day
        self.problems: list[Problem] = []
        self.unknown: dict[str, list[int]] = {}

    def read(self, number: int, values: list[object]) -> DsptRecord | None:
        def cell(name: str) -> object:
            index = self.columns.get(name)
            return values[index] if index is not None and index < len(values) else None

        ok = True
        code, code_error = _read_code(cell("code"), cell("name"))
        if code_error:
            self.problem(number, "code", code_error)
            ok = False
        published, date_error = _read_date(cell("publication_date"))
        if date_error:
            self.problem(number, "publication_date", date_error)
            ok = False
        raw_status = _text(cell("status"))
        try:
            record = DsptRecord.from_raw(
                code,
                _text(cell("name")),
                raw_status,
                published,
                _text(cell("sector")) or None,
                number,
                deadline_month=self.month,
                deadline_day=self.day,
            )
        except UnknownStatusError:
            self.unknown.setdefault(raw_status, []).append(number)
            return None
        return record if ok else None

    def problem(self, number: int, name: str, message: str) -> None:
        header = self.table.header[self.columns[name]]
        self.problems.append(
            Problem(Location(self.table.file, number), header, message)
        )

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


_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")


def _read_date(value: object) -> tuple[dt.date | None, str | None]:
    """A publication date cell: (date, None), (None, None) when blank or the QIO
    marker, or (None, what is wrong)."""
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
