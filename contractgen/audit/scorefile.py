"""``audit-scores.csv``: written from the scored forms, and read back for the overview
(each provider's latest audit) (moved from :mod:`contractgen.audit.score`, which
re-exports them)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ..base.csvout import csv_bytes, read_csv_cell
from ..base.errors import InputError, Location, Problem, display_path
from ..library.auditquestions import NOT_APPLICABLE
from .answers import EARLIEST_AUDIT, LATEST_AUDIT, AuditScore

SCORES_FILE = "audit-scores.csv"
SCORE_FIELDS = ("ods_code", "provider", "profile", "tier", "question_set", "version", "completed_on", "scored_on",
                "overall", "critical_gaps", "answered", "not_applicable")


def scores_csv(scores: Sequence[AuditScore], scored_on: dt.date, letters: Sequence[str] = ()) -> bytes:
    """One row per scored form (UTF-8 with BOM, for Excel): overall and section scores
    as whole percentages (blank: every question Not applicable), critical gaps as ids."""
    section_ids: list[str] = []
    for s in scores:
        for sec in s.sections:
            if sec.id not in section_ids:
                section_ids.append(sec.id)
    rows = []
    for i, s in enumerate(scores):
        by_id = {sec.id: sec for sec in s.sections}
        rows.append([
            s.provider["ods_code"], s.provider["name"], s.profile, s.question_set.tier, s.question_set.id,
            s.question_set.version, s.completed_on.isoformat() if s.completed_on else "", scored_on.isoformat(),
            "" if s.overall is None else s.overall, "; ".join(a.question.id for a in s.critical_gaps),
            len(s.answers), sum(1 for a in s.answers if a.answer == NOT_APPLICABLE),
            *("" if sid not in by_id or by_id[sid].percent is None else by_id[sid].percent for sid in section_ids),
            s.file.name, letters[i] if i < len(letters) else "",
        ])
    return csv_bytes([*SCORE_FIELDS, *(f"section:{sid}" for sid in section_ids), "form", "letter"], rows)




@dataclass(frozen=True)
class ProviderAudit:
    """A provider's latest audit result, as an overview shows it."""

    ods_code: str
    provider: str
    overall: int | None
    critical_gaps: tuple[str, ...]  # question ids
    version: str
    completed_on: dt.date | None
    scored_on: dt.date


#: The columns of ``audit-scores.csv`` that :func:`latest_audit_scores` reads.
_SCORE_COLUMNS_READ = ("ods_code", "provider", "overall", "critical_gaps", "version", "completed_on", "scored_on")


def latest_audit_scores(files: Iterable[Path]) -> dict[str, ProviderAudit]:
    """Each provider's latest audit (by ODS code) from one or more ``audit-scores.csv``
    files: the latest completion date, then the latest scoring date, wins."""
    latest: dict[str, ProviderAudit] = {}
    give = f"give the {SCORES_FILE} that `contractgen audit score` wrote"
    for path in files:
        shown = display_path(path)
        if not path.is_file():
            raise InputError(f"{shown}: no such file; {give}")
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{shown}: cannot read the audit scores ({exc}); write it again with `contractgen audit score`") from exc
        reader = csv.DictReader(io.StringIO(text, newline=""))
        missing = [c for c in _SCORE_COLUMNS_READ if c not in (reader.fieldnames or [])]
        if missing:
            message = f"not a file of audit scores: no column {', '.join(missing)}; {give}"
            raise InputError(message, [Problem(Location(shown, 1), "", message)])
        for number, raw in enumerate(reader, start=2):
            row = {k: read_csv_cell(v) if isinstance(v, str) else v for k, v in raw.items()}
            try:
                entry = ProviderAudit(
                    ods_code=row["ods_code"].strip().upper(),
                    provider=row["provider"],
                    overall=int(row["overall"]) if row["overall"] else None,
                    critical_gaps=tuple(g.strip() for g in row["critical_gaps"].split(";") if g.strip()),
                    version=row["version"],
                    completed_on=dt.date.fromisoformat(row["completed_on"]) if row["completed_on"] else None,
                    scored_on=dt.date.fromisoformat(row["scored_on"]),
                )
            except (KeyError, ValueError, AttributeError) as exc:
                message = f"not a row of audit scores ({exc}); write the file again with `contractgen audit score`"
                raise InputError(message, [Problem(Location(shown, number), "", message)]) from exc
            wrong = _score_row_problem(entry)
            if wrong is not None:
                column, what = wrong
                message = f"{what}, which `contractgen audit score` never writes; write the file again with it"
                raise InputError(message, [Problem(Location(shown, number), column, message)])
            current = latest.get(entry.ods_code)
            if current is None or _recency(entry) >= _recency(current):
                latest[entry.ods_code] = entry
    return latest


_QUESTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _score_row_problem(a: ProviderAudit) -> tuple[str, str] | None:
    """(column, what is wrong) for a row of audit scores out of range, else None."""
    if a.overall is not None and not 0 <= a.overall <= 100:
        return "overall", f"the overall score {a.overall} is not a percentage from 0 to 100"
    for gap in a.critical_gaps:
        if not _QUESTION_ID.fullmatch(gap):
            return "critical_gaps", f"{gap!r} is not a question id"
    for column, day in (("completed_on", a.completed_on), ("scored_on", a.scored_on)):
        if day is not None and not EARLIEST_AUDIT <= day <= LATEST_AUDIT:
            return column, f"the date {day.isoformat()} is not between {EARLIEST_AUDIT.year} and {LATEST_AUDIT.year}"
    return None


def _recency(a: ProviderAudit) -> tuple[dt.date, dt.date]:
    return (a.completed_on or a.scored_on, a.scored_on)
