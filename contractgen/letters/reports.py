"""The batch's reports: report.csv, one row per letter (then the providers held for
review and the register rows rejected), and unmatched.csv, the providers whose code is
not in the export with the closest names found there. A contracts officer opens both in
Excel (UTF-8 with a byte-order mark)."""

from __future__ import annotations

import datetime as dt
from typing import Iterator, Protocol, Sequence

from ..base.csvout import csv_bytes
from ..dspt.position import ContractualPosition
from ..dspt.register import Provider

REPORT_FIELDS = (
    "ods_code", "name", "tier", "dspt_status", "assessment_year", "publication_date", "letter_kind",
    "response_by", "standard_by", "file", "notice_date", "case",
)
UNMATCHED_FILE = "unmatched.csv"
#: ``letter_kind`` in report.csv of a provider held for review (no letter written).
HELD = "held"
#: ``letter_kind`` in report.csv of a register row that could not be read (no letter).
REJECTED = "rejected"


class Letter(Protocol):
    """One letter of the batch (:class:`~contractgen.letters.batch.LetterJob`)."""

    @property
    def provider(self) -> Provider: ...

    @property
    def position(self) -> ContractualPosition: ...

    @property
    def file(self) -> str: ...


def report_csv(
    jobs: Sequence[Letter], held: Sequence[tuple[Provider, list[str]]] = (), rejected: Sequence[Provider] = (),
) -> bytes:
    """One row per letter, then one per provider held for review (``letter_kind``
    ``held``, no file), then one per register row rejected (``rejected``, no file: what
    the row held; the command names the problem with the row's number): what a contracts officer opens in Excel (UTF-8 with BOM). Dates
    are ISO; ``response_by`` and ``standard_by`` are blank when the letter asks for no
    reply or the provider already meets its tier."""
    return csv_bytes(REPORT_FIELDS, report_rows(jobs, held, rejected))


def report_rows(
    jobs: Sequence[Letter], held: Sequence[tuple[Provider, list[str]]], rejected: Sequence[Provider],
) -> Iterator[list[str]]:
    """report.csv's rows, one at a time (a batch's rows are never all held at once)."""

    def iso(day: dt.date | None) -> str:
        return day.isoformat() if day is not None else ""

    for job in jobs:
        position = job.position
        record = position.record
        yield [
            job.provider.ods_code,
            job.provider.name,
            job.provider.tier,
            record.status_text if record is not None else "",
            str(position.assessment_year) if position.assessment_year else "",
            iso(record.publication_date if record is not None else None),
            position.kind.value,
            iso(position.response_by),
            iso(position.standard_by),
            job.file,
            iso(position.notice_date),
            position.case,
        ]
    for provider, _near in held:
        yield [provider.ods_code, provider.name, provider.tier, "", "", "", HELD, "", "", "", "", ""]
    for provider in rejected:
        yield [provider.ods_code, provider.name, provider.tier, "", "", "", REJECTED, "", "", "", "", ""]


def unmatched_csv(
    unmatched: Sequence[tuple[Provider, list[str]]], held: Sequence[tuple[Provider, list[str]]] = ()
) -> bytes:
    """Providers whose code is not in the export: those held for review (no letter: the
    export has a near match) and those sent a start letter, with the names found there."""
    rows = [(provider.ods_code, provider.name, "held for review: no letter", "; ".join(close)) for provider, close in held]
    rows += [(provider.ods_code, provider.name, "start letter", "; ".join(close)) for provider, close in unmatched]
    return csv_bytes(("ods_code", "name", "action", "closest_in_export"), rows)


__all__ = ["HELD", "REJECTED", "REPORT_FIELDS", "UNMATCHED_FILE", "report_csv", "report_rows", "unmatched_csv"]
