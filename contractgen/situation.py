"""Which letter a provider needs, from its DSPT record, its tier's minimum and a date.

The rules, for an assessment year N-(N+1) (deadline 30 June N+1):

* a publication for that year counts until 30 June N+2 **inclusive**; from 1 July N+2
  it is out of date;
* ``start``: nothing on record (no row in the export, Not Published, or blank);
* ``lapsed``: the latest publication no longer counts, whatever its status (Entry Level
  included), or its year cannot be known (no year in the status and no date);
* ``remedy``: the current publication is Standards Not Met or Plan Agreed;
* ``improve``: current, but below the tier's minimum (Entry Level meets no tier);
* ``renew``: meets the tier, but stops counting within the renewal window
  (``valid_until - as_of <= renewal_window_days``);
* ``confirm``: meets the tier, outside the window.

Deadline month and day are parameters (30 June by default; before 2021 it was 31 March).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from .environment import format_date
from .dspt import (
    DEADLINE_DAY,
    DEADLINE_MONTH,
    TIER_STATUSES,
    AssessmentYear,
    DsptRecord,
    DsptStatus,
)

#: How many days before a publication stops counting the letter asks to renew.
RENEWAL_WINDOW_DAYS = 90



class LetterKind(str, Enum):
    """The letter a provider gets; the value names its template."""

    START = "start"
    LAPSED = "lapsed"
    REMEDY = "remedy"
    IMPROVE = "improve"
    RENEW = "renew"
    CONFIRM = "confirm"


@dataclass(frozen=True)
class Situation:
    """A provider's DSPT situation on a date, and the letter it calls for.

    ``year`` is the assessment year of the latest publication (``None`` when nothing is
    on record or the year cannot be known); ``valid_until`` the last day it counts (in
    the past when lapsed); ``next_deadline`` the next deadline on or after the date;
    ``reason`` one plain-English sentence for the report.
    """

    kind: LetterKind
    record: DsptRecord | None
    year: AssessmentYear | None
    valid_until: dt.date | None
    next_deadline: dt.date
    reason: str


def decide_letter(
    record: DsptRecord | None,
    minimum: DsptStatus,
    as_of: dt.date,
    *,
    deadline_month: int = DEADLINE_MONTH,
    deadline_day: int = DEADLINE_DAY,
    renewal_window_days: int = RENEWAL_WINDOW_DAYS,
) -> Situation:
    """Decide the letter for ``record`` (``None``: not in the export) as of ``as_of``.

    ``minimum`` is the tier's minimum status: Approaching Standards, Standards Met or
    Standards Exceeded; anything else, or a negative window, raises :class:`ValueError`.
    """
    if minimum not in TIER_STATUSES:
        raise ValueError(
            f"{minimum.label!r} cannot be a tier's minimum; use one of "
            + ", ".join(repr(s.label) for s in TIER_STATUSES)
        )
    if renewal_window_days < 0:
        raise ValueError(f"renewal window must not be negative: {renewal_window_days}")
    deadline = next_deadline(as_of, deadline_month, deadline_day)

    def situation(
        kind: LetterKind,
        reason: str,
        year: AssessmentYear | None = None,
        until: dt.date | None = None,
    ) -> Situation:
        return Situation(kind, record, year, until, deadline, reason)

    if record is None:
        return situation(
            LetterKind.START,
            "The DSPT export has no organisation with this ODS code, so nothing is on "
            "record.",
        )
    status = record.status
    if status is DsptStatus.NOT_PUBLISHED:
        return situation(
            LetterKind.START,
            "The organisation is registered on the DSPT but has no published "
            "assessment.",
        )
    year = record.year
    if year is None:
        return situation(
            LetterKind.LAPSED,
            f"The latest publication ({status.label}) shows no assessment year or "
            "date, so it cannot be shown to be current.",
        )
    until = year.counts_until(deadline_month, deadline_day)
    if as_of > until:
        return situation(
            LetterKind.LAPSED,
            f"The latest publication, {year} {status.label}, counted until "
            f"{format_date(until)} and is out of date.",
            year,
            until,
        )
    if status in (DsptStatus.STANDARDS_NOT_MET, DsptStatus.PLAN_AGREED):
        return situation(
            LetterKind.REMEDY,
            f"The {year} publication is {status.label}: the mandatory standards are "
            "not met.",
            year,
            until,
        )
    if not status.meets(minimum):
        return situation(
            LetterKind.IMPROVE,
            f"The {year} publication is {status.label}, below the {minimum.label} "
            "required.",
            year,
            until,
        )
    days_left = (until - as_of).days
    if days_left <= renewal_window_days:
        return situation(
            LetterKind.RENEW,
            f"The {year} publication ({status.label}) meets the required "
            f"{minimum.label} but counts only until {format_date(until)}, "
            f"{_days(days_left)}.",
            year,
            until,
        )
    return situation(
        LetterKind.CONFIRM,
        f"The {year} publication ({status.label}) meets the required {minimum.label} "
        f"and counts until {format_date(until)}.",
        year,
        until,
    )


def next_deadline(
    as_of: dt.date, month: int = DEADLINE_MONTH, day: int = DEADLINE_DAY
) -> dt.date:
    """The next deadline (30 June by default) on or after ``as_of``."""
    this_year = dt.date(as_of.year, month, day)
    return this_year if as_of <= this_year else dt.date(as_of.year + 1, month, day)


def _days(count: int) -> str:
    if count == 0:
        return "which is today"
    return f"{count} day{'s' if count != 1 else ''} away"
