"""The DSPT export checked before anything is stated from it.

A letter is a legal notice: before one is written from an export, :func:`check_export`
looks at what the export can support on the letters' date (the as-of date):

- its **date**: the download date in its file name (``dspt-export-2026-05-29.csv``), else
  its latest publication (an export is downloaded on or after its latest publication, so
  an undated one may be as old as that, and is refused when that is over the limit);
- the **share of the register's codes** it holds;
- whether it holds **social care organisations** at all (its Primary Sector column);
- **publications dated after the as-of date** (a letter dated before the record it relies on);
- **duplicate codes** (the latest publication is used; the rows are named).

Each check over its limit (:class:`~contractgen.library.workspace.ExportLimits`, from
``contractgen.yaml``) refuses the run before anything is written, unless the user accepts
the export with a reason, which is then recorded with everything written. The letters and
the overview read the same checks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..base.environment import format_date
from ..base.errors import ContractgenError, display_path, plural
from ..library.workspace import ExportLimits
from .export import DsptExport

_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
#: Primary Sector values of social care organisations (compared case-blind, as parts):
#: the real 2019 export has ``Care Home`` and ``Domiciliary Care Organisation``.
SOCIAL_CARE_SECTORS = ("care home", "domiciliary care", "social care", "supported living", "home care", "nursing home")
CHECKS_FILE = "checks.txt"
#: The first line of checks.txt: how a later run knows contractgen wrote the file.
CHECKS_HEADER = "contractgen: checks of the DSPT export before the letters"
_SHOWN = 5


class ExportRefusedError(ContractgenError):
    """Raised when the DSPT export fails a check over its limit and the user did not
    accept it (``--accept-export REASON``): nothing is written."""


def date_in_file_name(path: Path | str) -> dt.date | None:
    """The download date a file name carries (``dspt-export-2023-10-17.csv``), or ``None``."""
    match = _DATE_IN_NAME.search(Path(path).name)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    return None


def export_date(path: Path | str, export: DsptExport) -> tuple[dt.date, str] | None:
    """When the export was downloaded, and how that is known: the date in its file name
    (``"its file name"``), else its latest publication date (``"its latest publication"``,
    a lower bound), else ``None`` (no dated row)."""
    named = date_in_file_name(path)
    if named is not None:
        return named, "its file name"
    dates = [r.publication_date for r in export if r.publication_date is not None]
    return (max(dates), "its latest publication") if dates else None


def is_social_care(sector: str | None) -> bool:
    """Whether a Primary Sector value is a social care one (:data:`SOCIAL_CARE_SECTORS`)."""
    folded = (sector or "").casefold()
    return any(part in folded for part in SOCIAL_CARE_SECTORS)


@dataclass(frozen=True)
class Check:
    """One check: what it found, whether that is over its limit, what to do if so."""

    name: str
    found: str
    over: bool = False
    fix: str = ""

    def line(self) -> str:
        mark = "OVER THE LIMIT" if self.over else "ok"
        return f"{self.name}: {mark}: {self.found}"


@dataclass
class ExportChecks:
    """Every check of one export against the as-of date and the register."""

    file: str
    as_of: dt.date
    date: dt.date | None
    dated_by: str
    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # duplicate codes and the like: never refuse
    accepted: str = ""  # the reason given with --accept-export

    @property
    def over(self) -> list[Check]:
        return [c for c in self.checks if c.over]

    @property
    def stale(self) -> bool:
        """Whether the export's date is over the age limit (the overview flags it)."""
        return any(c.over and c.name == "date" for c in self.checks)

    def enforce(self, accept_reason: str | None) -> None:
        """Refuse (:class:`ExportRefusedError`) when a check is over its limit and no
        reason is given to accept the export; record the reason when one is."""
        if accept_reason is not None and not accept_reason.strip():
            raise ExportRefusedError("--accept-export needs a reason, e.g. --accept-export \"checked by hand on the DSPT site\"")
        if not self.over:
            return
        if accept_reason:
            self.accepted = accept_reason.strip()
            return
        lines = [f"nothing written: the DSPT export {self.file} fails {plural(len(self.over), 'check')} "
                 f"for the date {self.as_of.isoformat()}:"]
        lines += [f"  {c.name}: {c.found}; {c.fix}" for c in self.over]
        lines.append("correct the export or the as-of date and run again, or give --accept-export \"REASON\" "
                     "to go on: the reason is recorded in the report and the letters")
        raise ExportRefusedError("\n".join(lines))

    def summary_lines(self) -> list[str]:
        """The lines of a run's summary: one per check over its limit, each warning, the acceptance."""
        lines = [f"export check: {c.name}: {c.found}" for c in self.over]
        lines += [f"export check: {w}" for w in self.warnings]
        if self.accepted:
            lines.append(f"export accepted despite {plural(len(self.over), 'failed check')}: {self.accepted}")
        return lines

    def text(self) -> bytes:
        """``checks.txt``: every check, plain text (UTF-8, CRLF like report.csv)."""
        lines = [CHECKS_HEADER, f"DSPT export: {self.file}", f"as of: {self.as_of.isoformat()}"]
        lines += [c.line() for c in self.checks]
        lines += [f"warning: {w}" for w in self.warnings]
        lines.append(f"accepted despite the checks over their limits: {self.accepted}" if self.accepted
                     else "accepted despite the checks: no (every check within its limit)" if not self.over
                     else "accepted despite the checks: no")
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")

    def properties(self) -> dict[str, str]:
        """What a letter's custom properties record of the checks."""
        props = {
            "contractgen.export.file": self.file,
            "contractgen.export.date": self.date.isoformat() if self.date else "",
            "contractgen.export.dated_by": self.dated_by,
            "contractgen.export.checks": "; ".join(f"{c.name} {'over' if c.over else 'ok'}" for c in self.checks),
        }
        if self.accepted:
            props["contractgen.export.accepted"] = self.accepted
        return props


def check_export(
    path: Path | str, export: DsptExport, as_of: dt.date, register_codes: Iterable[str], limits: ExportLimits,
) -> ExportChecks:
    """Check ``export`` (read from ``path``) for letters or an overview dated ``as_of``
    about the providers with ``register_codes``; nothing is refused here (see
    :meth:`ExportChecks.enforce`)."""
    dated = export_date(path, export)
    checks = ExportChecks(display_path(path), as_of, dated[0] if dated else None, dated[1] if dated else "no dated row")
    checks.checks.append(_age(dated, as_of, limits))
    checks.checks.append(_found(export, register_codes, limits))
    checks.checks.append(_social_care(export, limits, checks.warnings))
    checks.checks.append(_future(export, as_of, limits))
    checks.warnings += _duplicates(export)
    return checks


def _age(dated: tuple[dt.date, str] | None, as_of: dt.date, limits: ExportLimits) -> Check:
    if dated is None:
        return Check("date", "the export has no date in its file name and no publication date", over=True,
                     fix="put the day you downloaded it in the file name, e.g. dspt-export-2026-10-31.csv")
    day, by = dated
    age = (as_of - day).days
    when = f"dated {format_date(day)} by {by}, {plural(abs(age), 'day')} {'before' if age >= 0 else 'after'} {format_date(as_of)}"
    if by != "its file name":
        # Downloaded on or after its latest publication: the export may be as old as that.
        when += "; the download date is not known, so the export may be that old"
    if age <= limits.max_age_days:
        return Check("date", when + f" (limit {limits.max_age_days} days)")
    fix = "download the current export from the DSPT organisation search"
    if by != "its file name":
        fix = "put the day you downloaded it in the file name (dspt-export-YYYY-MM-DD.csv), or " + fix
    return Check("date", when + f", over the limit of {limits.max_age_days} days (export_checks.max_age_days)", over=True, fix=fix)


def _found(export: DsptExport, register_codes: Iterable[str], limits: ExportLimits) -> Check:
    codes = sorted({c.strip().upper() for c in register_codes})
    if not codes:
        return Check("register codes found", "the register has no providers")
    found = sum(1 for c in codes if export.by_code(c) is not None)
    share = found / len(codes)
    text = f"{found} of {len(codes)} ({share:.0%}) of the register's ODS codes are in the export"
    if share >= limits.min_found:
        return Check("register codes found", text + f" (limit {limits.min_found:.0%})")
    if len(codes) < limits.min_found_register:  # a share of so few codes says nothing of the export
        return Check("register codes found", text + f" (not checked: fewer than {limits.min_found_register} codes)")
    return Check("register codes found", text + f", under the limit of {limits.min_found:.0%} (export_checks.min_found)",
                 over=True, fix="check that the export is the full organisation search download and the register's codes are ODS codes")


def _social_care(export: DsptExport, limits: ExportLimits, warnings: list[str]) -> Check:
    sectors = [r.sector for r in export if r.sector]
    if not sectors:
        warnings.append("the export has no Primary Sector values: whether it holds social care organisations is not recorded")
        return Check("social care organisations", "not recorded (no Primary Sector values)")
    care = sum(1 for s in sectors if is_social_care(s))
    text = f"{care} of {plural(len(export), 'organisation')} have a social care Primary Sector"
    if care or not limits.social_care_required:
        return Check("social care organisations", text)
    shown = ", ".join(sorted(set(sectors))[:_SHOWN])
    return Check("social care organisations", text + f" (sectors found: {shown})", over=True,
                 fix="download the export of all organisations, or of social care, not of another sector")


def _future(export: DsptExport, as_of: dt.date, limits: ExportLimits) -> Check:
    later = sorted((r for r in export if r.publication_date and r.publication_date > as_of), key=lambda r: r.row)
    if not later:
        return Check("publications after the as-of date", f"none after {format_date(as_of)}")
    rows = ", ".join(f"row {r.row} {r.code} ({format_date(r.publication_date)})" for r in later[:_SHOWN] if r.publication_date)
    more = f" and {len(later) - _SHOWN} more" if len(later) > _SHOWN else ""
    text = f"{plural(len(later), 'publication')} dated after {format_date(as_of)}: {rows}{more}"
    return Check("publications after the as-of date", text, over=not limits.future_publications_allowed,
                 fix="use the export of that date, or an as-of date on or after the latest publication")


def _duplicates(export: DsptExport) -> list[str]:
    out = []
    for dropped in sorted(export.duplicates, key=lambda r: r.row):
        kept = export.by_code(dropped.code)
        if kept is not None:
            out.append(f"ODS code {dropped.code} is on more than one row: row {kept.row} is used (the latest "
                       f"publication), row {dropped.row} is not; check the organisation on the DSPT")
    return out
