"""DSPT statuses, assessment years, status parsing and records.

The Data Security and Protection Toolkit (DSPT) organisation search downloads one row
per organisation: its ODS code, name, latest status and date of publication. This module
holds one such row as a typed :class:`DsptRecord`, and reads a status such as
``22/23 Standards Met`` or ``Standards Met (19-20)`` into a :class:`DsptStatus` and an
:class:`AssessmentYear`. Reading the export itself is :mod:`contractgen.dspt.export`.

Nothing here decides what a status means for a contract: see
:mod:`contractgen.situation`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class DeadlineRule:
    """From the toolkit version that opens in ``from_start`` (2019 is 2019-20) until a
    later rule, a version N-(N+1)'s submission deadline is ``day`` ``month`` of N+1."""

    from_start: int
    month: int
    day: int


#: Each toolkit version's submission deadline: 31 March until 2018-19, 30 September 2020
#: for 2019-20 (extended because of COVID-19), 30 June from 2020-21. The clause library
#: states these with their sources (``library.yaml``, ``dspt.submission_deadlines``) and
#: :func:`contractgen.dspt.position.contract_terms` passes the library's; these are the
#: defaults for code without a library.
DEADLINE_RULES: tuple[DeadlineRule, ...] = (
    DeadlineRule(2018, 3, 31),
    DeadlineRule(2019, 9, 30),
    DeadlineRule(2020, 6, 30),
)


@functools.lru_cache(maxsize=256)
def version_deadline(start: int, rules: tuple[DeadlineRule, ...] = DEADLINE_RULES) -> dt.date:
    """The deadline of the version opening in ``start`` under ``rules`` (the earliest
    rule also covers any earlier version). One date object per year and rules: every
    position of a batch holds one."""
    ordered = sorted(rules, key=lambda r: r.from_start)
    rule = ordered[0]
    for candidate in ordered:
        if candidate.from_start <= start:
            rule = candidate
    return dt.date(start + 1, rule.month, rule.day)

#: Each toolkit version (assessment year N-(N+1)) opens for publication on about this day
#: of N (2025-26 opened on 1 September 2025). A publication made after the deadline but
#: before the next version opens (July, August) is a late publication for the earlier
#: year.
OPENS_MONTH = 9
OPENS_DAY = 1
#: The first DSPT version (it replaced the Information Governance Toolkit in April 2018),
#: and the first to open in September.
FIRST_VERSION = 2018
SEPTEMBER_VERSIONS_FROM = 2020

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


@dataclass(frozen=True, order=True, slots=True)
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

    @property
    def next(self) -> AssessmentYear:
        """The following assessment year: 2025-26 -> 2026-27 (one object per year: every
        position of a batch holds two)."""
        return _assessment_year(self.start + 1)

    def deadline(
        self, month: int | None = None, day: int | None = None, rules: tuple[DeadlineRule, ...] = DEADLINE_RULES
    ) -> dt.date:
        """The submission deadline: the version's own (:data:`DEADLINE_RULES`; 2025-26:
        30 June 2026, 2019-20: 30 September 2020, 2018-19: 31 March 2019), or ``day``
        ``month`` after the year when both are given."""
        if month is not None and day is not None:
            return dt.date(self.start + 1, month, day)
        return version_deadline(self.start, rules)

    def counts_until(
        self, month: int | None = None, day: int | None = None, rules: tuple[DeadlineRule, ...] = DEADLINE_RULES
    ) -> dt.date:
        """The last day a publication for this year counts (inclusive).

        It counts until the next year's deadline: 2025-26 counts until 30 June 2027,
        2018-19 until 30 September 2020 (the extended 2019-20 deadline).
        """
        return self.next.deadline(month, day, rules)

    def opens(self) -> dt.date:
        """The day this toolkit version opens for publication: 1 September of its first
        calendar year (2025-26: 1 September 2025). The first two versions of the DSPT,
        2018-19 and 2019-20, opened in April (the 2019 export has "(19-20)" publications
        from June 2019)."""
        if self.start < SEPTEMBER_VERSIONS_FROM:
            return dt.date(self.start, 4, 1)
        return dt.date(self.start, OPENS_MONTH, OPENS_DAY)

    def accepts_publication_on(self, published: dt.date) -> bool:
        """Whether a publication for this year can be dated ``published``: from the day
        the version opens until 31 August of its second calendar year (late
        publications in July and August included)."""
        return self.opens() <= published < dt.date(self.start + 1, OPENS_MONTH, OPENS_DAY)

    @classmethod
    def open_on(cls, day: dt.date) -> AssessmentYear:
        """The toolkit version a publication made on ``day`` without a year is for.

        From 1 September of year Z: Z-(Z+1). Before it: (Z-1)-Z, including July and
        August, when publications are late ones for the year whose deadline has just
        passed (the 2023 export labels those 22/23), and April to June 2019 (the 2019
        export's unsuffixed rows, beside "(19-20)" ones). Never before 2018-19, the
        first version of the DSPT.
        """
        opens = dt.date(day.year, OPENS_MONTH, OPENS_DAY)
        start = day.year if day >= opens else day.year - 1
        return cls(max(start, FIRST_VERSION))

    @classmethod
    def due_next(
        cls, day: dt.date, month: int | None = None, day_of_month: int | None = None,
        rules: tuple[DeadlineRule, ...] = DEADLINE_RULES,
    ) -> AssessmentYear:
        """The first assessment year whose deadline is on or after ``day``: on
        20 June 2026, 2025-26 (30 June 2026); on 1 July 2026, 2026-27; on 1 August 2020,
        2019-20 (30 September 2020)."""
        year = cls(max(day.year - 2, 1900))
        while day > year.deadline(month, day_of_month, rules):
            year = year.next
        return year

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
    def from_publication_date(cls, published: dt.date) -> AssessmentYear:
        """The year a publication on ``published`` was for (see :meth:`open_on`)."""
        return cls.open_on(published)

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
    """A status text that is not a DSPT status.

    :func:`~contractgen.dspt.export.read_export` reports these.
    """

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
    """NFKC (non-breaking spaces become spaces), whitespace runs collapsed, stripped:
    ``text`` itself when it is so already (most names: a copy of each of an export's
    32,000 names, kept by the name cache, would be 2.6 MB)."""
    collapsed = " ".join(unicodedata.normalize("NFKC", text).split())
    return text if collapsed == text else collapsed


def parse_status(raw: str | None) -> tuple[DsptStatus, AssessmentYear | None]:
    """Read a status as exported: ``22/23 Standards Met`` -> (STANDARDS_MET, 2022-23).

    Accepts a year prefix (``22/23 ``) or suffix (`` (19-20)``) or none, any letter
    case, extra or non-breaking spaces. Blank or ``None`` is NOT_PUBLISHED (registered,
    never published). Anything else raises :class:`UnknownStatusError`: never guessed.
    """
    if raw is None:
        return DsptStatus.NOT_PUBLISHED, None
    return _parse_status_text(raw)


@functools.lru_cache(maxsize=4096)
def _parse_status_text(raw: str) -> tuple[DsptStatus, AssessmentYear | None]:
    """:func:`parse_status` of a text, once per distinct text (an export of 32,000 rows
    holds a few dozen); an unknown status is not kept, and raises each time."""
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


@dataclass(frozen=True, slots=True)
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
    def year_in_status(self) -> bool:
        """Whether the export's status names the year (``25/26 Standards Met``), rather
        than the year being read from the publication date."""
        try:
            return parse_status(self.raw_status)[1] is not None
        except UnknownStatusError:
            return False

    @property
    def year_conflict(self) -> str | None:
        """Why the year in the status cannot be right for the publication date, or
        ``None``: a 25/26 status dated 10 July 2025 (before 2025-26 opened) is
        impossible. The status's year is still the one used."""
        if self.year is None or self.publication_date is None:
            return None
        if self.year.accepts_publication_on(self.publication_date):
            return None
        last = dt.date(self.year.start + 1, 8, 31)
        return (
            f"the status {self.raw_status.strip()!r} is for {self.year}, which could be "
            f"published only from {self.year.opens():%d/%m/%Y} to {last:%d/%m/%Y}, but the "
            f"publication is dated {self.publication_date:%d/%m/%Y}; the year in the "
            "status is used: check the row against the organisation's DSPT page"
        )

    @property
    def status_text(self) -> str:
        """The status as an organisation page shows it: ``2022-23 Standards Met``."""
        return _status_text(self.status, self.year)

    @classmethod
    def from_raw(
        cls,
        code: str,
        name: str,
        raw_status: str | None,
        publication_date: dt.date | None = None,
        sector: str | None = None,
        row: int = 0,
    ) -> DsptRecord:
        """Build a record from export values; raises :class:`UnknownStatusError`."""
        status, year = parse_status(raw_status)
        if status is DsptStatus.NOT_PUBLISHED:
            year = None  # a date beside "Not Published" is of an older, unknown result
        elif year is None and publication_date is not None:
            year = AssessmentYear.from_publication_date(publication_date)
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


@functools.lru_cache(maxsize=256)
def _assessment_year(start: int) -> AssessmentYear:
    return AssessmentYear(start)


@functools.lru_cache(maxsize=1024)
def _status_text(status: DsptStatus, year: AssessmentYear | None) -> str:
    """:attr:`DsptRecord.status_text`, once per status and year (a few dozen pairs)."""
    if year is None:
        return status.label
    return f"{year} {status.label}"


def clean_org_name(name: str, code: str) -> str:
    """``name`` without a trailing ``(CODE)`` that holds ``code``; spaces collapsed."""
    text = _collapse(name)
    match = re.fullmatch(r"(.*?)\s*\(\s*([^()]*?)\s*\)", text)
    if match and code and match.group(2).casefold() == code.strip().casefold():
        return match.group(1) or text
    return text
