"""The council's provider register: who gets a letter, where, and at which tier.

A register is a CSV or XLSX file with one provider per row. Its columns are, by default,
``name, ods_code, contact_name, email, address, cqc_registered, tier`` and, optionally,
``cyber_essentials_expiry, cyber_essentials_plus_expiry`` (dates); a council whose
spreadsheet uses its own headers maps our field names to them with ``column_map``.

Bad rows do not stop the reading: each finding becomes a :class:`Problem` (file, row,
column, what is wrong and how to fix it) and the row is left out of ``providers``. A
missing column is different: nothing can be read, so :class:`RegisterError` is raised.
Values pass through exactly as typed, apart from surrounding spaces.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from ..base.errors import Location, Problem, RegisterError, count_problems
from ..base.schema import find_xml_illegal
from ..base.tables import Table, header_key, read_table
from ..base.untrusted import UnreadableCell

#: Our field names, in the order of the default register columns.
FIELDS: tuple[str, ...] = (
    "name",
    "ods_code",
    "contact_name",
    "email",
    "address",
    "cqc_registered",
    "tier",
    "salutation",
    "cyber_essentials_expiry",
    "cyber_essentials_plus_expiry",
)
#: Fields whose column may be absent (``tier``: every provider gets the default tier;
#: ``salutation``: letters greet the contact as :func:`salutation_for` says; the Cyber
#: Essentials expiry dates are only for the overview).
OPTIONAL_FIELDS = frozenset({"tier", "salutation", "cyber_essentials_expiry", "cyber_essentials_plus_expiry"})
#: Date fields: a real spreadsheet date, ``yyyy-mm-dd`` or ``dd/mm/yyyy``, or blank.
DATE_FIELDS = ("cyber_essentials_expiry", "cyber_essentials_plus_expiry")
#: Fields that must have a value in every row.
REQUIRED_VALUES = ("name", "ods_code")

_TRUE = frozenset({"yes", "y", "true", "1"})
_FALSE = frozenset({"no", "n", "false", "0"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


# -------------------------------------------------------------------------- ODS codes


class OdsCodeKind(Enum):
    """What an ODS code's shape says about the organisation. Shapes only: a code of the
    right shape may still not exist."""

    HEAD_OFFICE = (
        "care provider head office"  # 4 characters, usually A... or C...: ADAG
    )
    CARE_SITE = "care site"  # 5 characters starting VL, VM or VN: VM79V
    NON_NHS = "non-NHS organisation"  # 5 characters starting 8: 8JL70
    ORGANISATION = "NHS trust or other organisation"  # 3 characters: RXX, 00L, 204
    SITE = "site of an organisation"  # other 5 characters: RXX01, FA123
    PRACTICE = "GP or dental practice"  # 6 characters: F81205, V04070


_ODS_CHARS = re.compile(r"[A-Z0-9]+")


def classify_ods_code(code: str) -> OdsCodeKind | None:
    """The kind of an ODS code from its shape, or ``None`` when it cannot be one.

    Only clear garbage is refused: characters other than letters and digits, or a length
    other than 3 to 6. Letter case and surrounding spaces are ignored.
    """
    text = code.strip().upper()
    if not _ODS_CHARS.fullmatch(text) or not 3 <= len(text) <= 6:
        return None
    if len(text) == 3:
        return OdsCodeKind.ORGANISATION
    if len(text) == 4:
        return OdsCodeKind.HEAD_OFFICE
    if len(text) == 6:
        return OdsCodeKind.PRACTICE
    if text[:2] in ("VL", "VM", "VN"):
        return OdsCodeKind.CARE_SITE
    if text[0] == "8":
        return OdsCodeKind.NON_NHS
    return OdsCodeKind.SITE


# -------------------------------------------------------------------------- providers


@dataclass(frozen=True, slots=True)
class Provider:
    """One provider from the register. ``row`` is its spreadsheet row (header = 1)."""

    name: str
    ods_code: str
    contact_name: str
    email: str
    address: str
    cqc_registered: bool | None
    tier: str
    row: int
    salutation: str = ""  # as typed in the register's optional salutation column
    cyber_essentials_expiry: dt.date | None = None
    cyber_essentials_plus_expiry: dt.date | None = None


@dataclass
class RegisterResult:
    """The good rows as providers, and one problem per finding in the other rows."""

    file: str
    providers: list[Provider] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    columns: frozenset[str] = frozenset()  # our field names of the columns the file has
    rejected: list[Provider] = field(default_factory=list)  # what a bad row held, for report.csv

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise :class:`RegisterError` listing every problem, if there are any."""
        if self.problems:
            raise RegisterError(
                f"{self.file}: {count_problems(self.problems)} in the "
                "provider register; correct the rows named above",
                self.problems,
            )


def read_register(
    path: Path,
    *,
    column_map: Mapping[str, str] | None = None,
    tiers: Sequence[str],
    default_tier: str,
) -> RegisterResult:
    """Read a provider register (.csv or .xlsx).

    ``column_map`` maps our field names (:data:`FIELDS`) to the council's headers; the
    others keep their default header. Headers match ignoring case, spaces, ``_`` and
    ``-``. ``tiers`` are the profile's tier names (a cell matches ignoring case) and
    ``default_tier`` applies to blank tier cells or when there is no tier column.

    Raises :class:`RegisterError` for an unreadable file, a missing column or an unknown
    field in ``column_map``; row findings are returned in ``problems``.
    """
    if default_tier not in tiers:
        raise ValueError(f"default tier {default_tier!r} is not one of {list(tiers)}")
    table = read_table(path, RegisterError)
    headers = _expected_headers(table.file, column_map or {})
    columns = _find_columns(table, headers)
    reader = _RowReader(table, columns, tiers, default_tier)
    result = RegisterResult(table.file, columns=frozenset(columns))
    for number, values in table.rows:
        provider = reader.read(number, values)
        if provider is not None:
            result.providers.append(provider)
    result.problems = reader.problems
    result.rejected = reader.rejected
    return result


def _expected_headers(file: str, column_map: Mapping[str, str]) -> dict[str, str]:
    unknown = [k for k in column_map if k not in FIELDS]
    if unknown:
        message = (
            f"letters.register_columns names unknown field{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(k) for k in unknown)}; the fields are "
            f"{', '.join(FIELDS)}"
        )
        raise RegisterError(message, [Problem(Location(file), "letters.register_columns", message)])
    return {name: column_map.get(name, name) for name in FIELDS}


def _find_columns(table: Table, headers: dict[str, str]) -> dict[str, int]:
    by_key: dict[str, list[int]] = {}
    for index, header in enumerate(table.header):
        if header:
            by_key.setdefault(header_key(header), []).append(index)
    columns: dict[str, int] = {}
    problems: list[Problem] = []
    found = ", ".join(repr(h) for h in table.header if h)
    for name, header in headers.items():
        matches = by_key.get(header_key(header), [])
        if len(matches) > 1:
            message = (
                f"{len(matches)} columns match {header!r} (for {name}); "
                "rename all but one of them"
            )
            problems.append(Problem(Location(table.file, 1), header, message))
        elif matches:
            columns[name] = matches[0]
        elif name not in OPTIONAL_FIELDS:
            message = (
                f"no column {header!r} (for {name}); columns found: {found}. "
                f"Rename the column, or map {name} to your header in the profile's "
                f"letters.register_columns ({name}: Your Header)"
            )
            problems.append(Problem(Location(table.file, 1), header, message))
    if problems:
        raise RegisterError(problems[0].message, problems)
    return columns


class _RowReader:
    """Turns rows into providers, collecting problems and the codes seen so far."""

    def __init__(
        self,
        table: Table,
        columns: dict[str, int],
        tiers: Sequence[str],
        default_tier: str,
    ) -> None:
        self.table = table
        self.columns = columns
        self.tiers = {t.casefold(): t for t in tiers}
        self.default_tier = default_tier
        self.first_row: dict[str, int] = {}
        self.problems: list[Problem] = []
        self.rejected: list[Provider] = []
        self._row_ok = True
        self._number = 0
        self._plain = False

    def read(self, number: int, values: list[object]) -> Provider | None:
        self._row_ok, self._number = True, number
        self._plain = _plain_row(values)
        name = self.text(values, "name")
        code = self.text(values, "ods_code").upper()
        for fld, value in (("name", name), ("ods_code", code)):
            if not value:
                self.problem(fld, f"missing {_LABEL[fld]}; every provider needs one")
        if code:
            self.check_code(code)
        email = self.text(values, "email")
        if email and not _EMAIL.fullmatch(email):
            self.problem(
                "email",
                f"{email!r} is not an email address; write one address like "
                "name@example.org, or leave the cell blank",
            )
        provider = Provider(
            name=name,
            ods_code=code,
            contact_name=self.text(values, "contact_name"),
            email=email,
            address=self.text(values, "address"),
            cqc_registered=self.yes_no(values),
            tier=self.tier(values),
            row=number,
            salutation=self.text(values, "salutation"),
            cyber_essentials_expiry=self.date(values, "cyber_essentials_expiry"),
            cyber_essentials_plus_expiry=self.date(values, "cyber_essentials_plus_expiry"),
        )
        if not self._row_ok:
            self.rejected.append(provider)
            return None
        return provider

    def check_code(self, code: str) -> None:
        if classify_ods_code(code) is None:
            squeezed = re.sub(r"[\s\-._/]+", "", code)
            hint = (
                f"did you mean {squeezed!r}?"
                if squeezed != code and classify_ods_code(squeezed)
                else "ODS codes are 3 to 6 letters and digits, e.g. VM79V or ADAG"
            )
            self.problem("ods_code", f"{code!r} is not an ODS code; {hint}")
            return
        first = self.first_row.get(code)
        if first is not None:
            self.problem(
                "ods_code",
                f"duplicate ODS code {code!r}, first on row {first}; keep one row per "
                "provider",
            )
        else:
            self.first_row[code] = self._number

    def yes_no(self, values: list[object]) -> bool | None:
        text = self.text(values, "cqc_registered")
        folded = text.casefold()
        if not folded:
            return None
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        self.problem(
            "cqc_registered",
            f"{text!r} is not yes or no; write yes, no or leave it blank",
        )
        return None

    def tier(self, values: list[object]) -> str:
        text = self.text(values, "tier")
        if not text:
            return self.default_tier
        tier = self.tiers.get(text.casefold())
        if tier is not None:
            return tier
        close = difflib.get_close_matches(text.casefold(), list(self.tiers), n=1)
        hint = f"did you mean {self.tiers[close[0]]!r}? " if close else ""
        choices = ", ".join(repr(t) for t in self.tiers.values())
        self.problem(
            "tier",
            f"unknown tier {text!r}; {hint}the tiers are {choices} "
            f"(blank means {self.default_tier!r})",
        )
        return self.default_tier

    def date(self, values: list[object], name: str) -> dt.date | None:
        index = self.columns.get(name)
        value = values[index] if index is not None and index < len(values) else None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = self.text(values, name)
        if not text:
            return None
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                pass
        self.problem(
            name,
            f"cannot read the date {text!r}; write it as yyyy-mm-dd or dd/mm/yyyy "
            "(e.g. 2026-03-31), or leave the cell blank",
        )
        return None

    def text(self, values: list[object], name: str) -> str:
        index = self.columns.get(name)
        if index is None or index >= len(values):
            return ""
        value = values[index]
        if self._plain and "\r" not in value:  # type: ignore[operator]
            return value.strip()  # type: ignore[attr-defined]
        if isinstance(value, UnreadableCell):
            self.problem(name, value.problem())
            return str(value)
        text = cell_text(value)
        bad = find_xml_illegal(text)
        if bad:
            self.problem(
                name,
                f"contains the control character {bad}, which a Word letter cannot hold; "
                "delete it from the cell (it is often pasted invisibly from another program)",
            )
            return text.translate({ord(c): None for c in text if find_xml_illegal(c)})
        return text

    def problem(self, name: str, message: str) -> None:
        self._row_ok = False
        header = self.table.header[self.columns[name]]
        self.problems.append(
            Problem(Location(self.table.file, self._number), header, message)
        )


def _plain_row(values: list[object]) -> bool:
    """Whether every cell of a row is plain text (a CSV's) without a character XML
    cannot hold, so that :meth:`_RowReader.text` need not check each cell."""
    for value in values:
        if type(value) is not str:
            return False
    return find_xml_illegal("".join(values)) is None  # type: ignore[arg-type]


_LABEL = {"name": "provider name", "ods_code": "ODS code"}

#: Titles a letter keeps before the surname: ``Dr Helen Marsh`` -> ``Dr Marsh``.
_TITLES = frozenset(
    {"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "rev", "revd", "cllr"}
)
#: Titles used with the first name: ``Sir John Smith`` -> ``Sir John``.
_FIRST_NAME_TITLES = frozenset({"sir", "dame", "lady", "lord"})


def salutation_for(provider: Provider) -> str:
    """What follows "Dear" in a letter to ``provider``'s contact.

    The register's ``salutation`` cell when there is one; else a name that starts with a
    title gives the title and surname (``Dr Helen Marsh`` -> ``Dr Marsh``, ``Sir John
    Smith`` -> ``Sir John``); else the full name as typed; else ``Sir or Madam``.
    """
    if provider.salutation:
        return provider.salutation
    words = provider.contact_name.split()
    if len(words) >= 2:
        title = words[0].rstrip(".").casefold()
        if title in _TITLES:
            return f"{words[0]} {words[-1]}"
        if title in _FIRST_NAME_TITLES:
            return f"{words[0]} {words[1]}"
    return provider.contact_name or "Sir or Madam"


def cell_text(value: object) -> str:
    """A cell as text, exactly as typed apart from surrounding spaces.

    Excel numbers come back without a spurious ``.0``, booleans as ``yes``/``no``, dates
    as ``yyyy-mm-dd``; Windows line ends in multi-line cells become ``\\n``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
