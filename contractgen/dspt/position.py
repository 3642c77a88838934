"""A provider's contractual position under the DSPT schedule, on a date.

One model, read by the letters, ``report.csv``, the schedule's worked examples and
``contractgen validate``: every date a document states is computed here, from the DSPT
record, the date, the provider's tier and the schedule's own clause parameters
(:class:`ContractTerms`), never in a template.

The rules, for an assessment year N-(N+1) (its toolkit version opens on 1 September N,
its deadline is 30 June N+1):

* a publication for that year counts until 30 June N+2 **inclusive** (the deadline of the
  next year); from 1 July N+2 it is out of date;
* ``start``: nothing on record (no row in the export, Not Published, or blank);
* ``lapsed``: the latest publication no longer counts, whatever its status (Entry Level
  included), or its year cannot be known (no year in the status and no date);
* ``remedy``: the current publication is Standards Not Met or Plan Agreed;
* ``improve``: current, but below what the tier needs (Entry Level meets no tier);
* ``renew``: meets the tier, but stops counting within the renewal window
  (``valid_until - as_of <= renewal_window_days``);
* ``confirm``: meets the tier, outside the window.

Approaching Standards meets the Foundation Tier for the one assessment year it is
published for: it cannot be republished, so a Foundation provider's next publication
(and any publication after a lapse or Standards Not Met) must be Standards Met.

Anything below the tier is a Shortfall under the Remedial Plan paragraph, unless the
provider is within a period the schedule allows for a first publication (the Foundation
Tier's months from the Commencement Date, or the grace period for new providers): the
Remedial Plan is due ``remedial_plan_working_days`` Working Days after the letter (the
Council's notice), and the plan's date for reaching the tier can be no later than
``remedial_period_months`` after the plan, so no later than that many months after the
day it is due.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from enum import Enum
from operator import attrgetter
from typing import Any, Callable

from ..base.environment import format_date
from ..base.workdays import add_working_days
from .status import (
    AssessmentYear,
    DsptRecord,
    DsptStatus,
)
from .terms import ContractTerms as ContractTerms
from .terms import add_months as add_months
from .terms import contract_terms as contract_terms
from .terms import worked_example as worked_example


class LetterKind(str, Enum):
    """The letter a provider gets; the value names its template."""

    START = "start"
    LAPSED = "lapsed"
    REMEDY = "remedy"
    IMPROVE = "improve"
    RENEW = "renew"
    CONFIRM = "confirm"
    # from the case record (contractgen.dspt.followup)
    OVERDUE = "overdue"  # the Remedial Plan an earlier notice asked for is late
    PROGRESS = "progress"  # the plan is in; the tier is not yet reached
    CERTIFICATE = "certificate"  # Advanced tier: no current Cyber Essentials Plus certificate


# ------------------------------------------------------------------------ position


@dataclass(frozen=True, slots=True)
class ContractualPosition:
    """A provider's position under its schedule on ``as_of``, and the letter it calls for.

    * ``checked``: False when no DSPT export was read (``letters --no-dspt``); nothing is
      then known of the record, ``meets_tier`` is ``None`` and no date depends on it.
    * ``meets_tier``: True, False, or ``None`` when it cannot be said: not checked, or an
      Advanced-tier provider meeting its tier on the DSPT record with no Cyber Essentials
      Plus certificate recorded (``certificate_unrecorded``; never counted as meeting).
    * ``assessment_year``: of the record relied on (``None``: nothing on record, or its
      year cannot be known); ``valid_until``: the last day it counts.
    * ``required``: the tier's minimum; ``target``: the status the provider's next
      publication must reach (Standards Met in the Foundation Tier once Approaching
      Standards has been used or cannot be relied on).
    * ``shortfall``: below the tier outside any period allowed for a first publication,
      and never before the Commencement Date (the schedule applies the Remedial Plan
      paragraph from that date); ``shortfall_since``: the first day of it (the day after
      a publication stopped counting, or the date of a below-tier publication), never
      before the Commencement Date, and the Commencement Date (or the day after the
      period for a first publication) when the record shows no earlier start.
    * ``next_year`` and ``next_deadline``: the assessment year the provider must publish
      next and its deadline (for a current publication, the year after it).
    * ``remedial_plan_due``: the last day for the Remedial Plan (Shortfall only);
      ``standard_by``: the date by which the provider must reach its tier's standard
      (``None`` when it does); ``response_by``: the date the letter asks for a reply
      (``None`` when it asks for none).
    * ``first_publication_by``: the end of the period allowed for a first publication,
      when the provider is within it.
    * ``grace_until``: in a Shortfall, the last day of the grace period for new
      providers when it has not yet ended (it applies only to a provider that began
      less than twelve months before the Commencement Date, which the register does not
      say, so a letter can only mention it).
    * ``reason``: one sentence for the report.
    """

    kind: LetterKind
    as_of: dt.date
    terms: ContractTerms
    required: DsptStatus
    target: DsptStatus
    record: DsptRecord | None
    checked: bool
    assessment_year: AssessmentYear | None
    meets_tier: bool | None
    valid_until: dt.date | None
    shortfall: bool
    shortfall_since: dt.date | None
    next_year: AssessmentYear
    next_deadline: dt.date
    remedial_plan_due: dt.date | None
    standard_by: dt.date | None
    response_by: dt.date | None
    first_publication_by: dt.date | None
    grace_until: dt.date | None
    reason: str
    # --- the case record (contractgen.dspt.followup); the defaults: no case
    notice_date: dt.date | None = None  # the notice that opened the case (this letter's date when it opens one)
    case: str = ""  # the case once this letter is sent: open, closed or blank
    closes_case: bool = False  # the provider reached its tier: this letter closes the case
    plan_received: dt.date | None = None
    extension_until: dt.date | None = None
    certificate_expiry: dt.date | None = None  # Advanced tier: the current CE Plus certificate's
    certificate_reminder: bool = False  # it expires within the renewal window
    reminder: bool = False  # an open case's plan not yet due: this letter reminds of the notice, it is not a new one
    #: Advanced tier, meeting it on the DSPT record, but no Cyber Essentials Plus
    #: certificate recorded anywhere: ``meets_tier`` is then ``None`` (unknown).
    certificate_unrecorded: bool = False
    #: with ``grace_until``: the last day for the Remedial Plan if the grace period
    #: applies and the provider has not reached its tier when it ends (the Shortfall
    #: then starts the next day, and the plan is due that many Working Days after it)
    grace_plan_due: dt.date | None = None

    @property
    def tier(self) -> str:
        return self.terms.tier

    @property
    def status(self) -> DsptStatus | None:
        """The status on record (``None``: not in the export, or not checked)."""
        return self.record.status if self.record is not None else None

    @property
    def year(self) -> AssessmentYear | None:
        """Short for ``assessment_year``."""
        return self.assessment_year

    @property
    def before_commencement(self) -> bool:
        """Whether ``as_of`` is before the contract's Commencement Date."""
        start = self.terms.commencement
        return start is not None and self.as_of < start

    @property
    def first_year(self) -> AssessmentYear | None:
        """In the Foundation Tier's period for a first publication: the assessment year
        that publication is for (``next_year``), when its toolkit version is open from
        ``as_of`` to the period's end (``None`` otherwise: the letter then names no year)."""
        end = self.first_publication_by
        if end is None or not self.terms.approaching_once:
            return None
        year = AssessmentYear.open_on(self.as_of)
        same = year == self.next_year and AssessmentYear.open_on(end) == year
        return year if same and self.as_of >= year.opens() else None

    @property
    def following_deadline(self) -> dt.date | None:
        """The deadline of the year after ``first_year``: the Foundation Tier's date for
        Standards Met after a first publication at Approaching Standards."""
        return self.terms.deadline(self.first_year.next) if self.first_year is not None else None

    @property
    def plan_covers_next_year(self) -> bool:
        """In a Shortfall: whether publishing by the plan's latest date (``standard_by``)
        is also the publication for ``next_year`` by its deadline: that year's toolkit
        is open now and its deadline is not before ``standard_by``."""
        return (self.standard_by is not None and self.as_of >= self.next_year.opens()
                and self.standard_by <= self.next_deadline)

    def promised_dates(self) -> dict[str, dt.date]:
        """The dates a letter for this position promises, by name (for checks)."""
        dates = {
            "commencement": self.terms.commencement,
            "foundation_publication_by": self.terms.foundation_publication_by,
            "response_by": self.response_by,
            "standard_by": self.standard_by,
            "next_deadline": self.next_deadline if self.checked else None,  # unchecked: the schedule gives no such date
            "remedial_plan_due": self.remedial_plan_due,
            "valid_until": self.valid_until,
            "first_publication_by": self.first_publication_by,
            "notice_date": self.notice_date,
            "plan_received": self.plan_received,
            "extension_until": self.extension_until,
            "certificate_expiry": self.certificate_expiry,
            "grace_plan_due": self.grace_plan_due,
            "following_deadline": self.following_deadline,
        }
        return {name: day for name, day in dates.items() if day is not None}

    def as_context(self) -> dict[str, Any]:
        """The position as letter templates and clause text see it: dates formatted
        (``30 June 2027``, blank when there is none), statuses as labels."""

        def day(value: dt.date | None) -> str:
            return format_date(value) if value is not None else ""

        return {
            "kind": self.kind.value,
            "checked": self.checked,
            "meets_tier": self.meets_tier,
            "shortfall": self.shortfall,
            "required": self.required.label,
            "target": self.target.label,
            "target_phrase": status_or_better(self.target),
            "assessment_year": str(self.assessment_year) if self.assessment_year else "",
            "valid_until": day(self.valid_until),
            # the publication shown stopped counting before the letter's date; the
            # certificate the Advanced tier needs expired before it
            "record_lapsed": self.valid_until is not None and self.as_of > self.valid_until,
            "certificate_expired": self.certificate_expiry is not None and self.as_of > self.certificate_expiry,
            "shortfall_since": day(self.shortfall_since),
            "next_year": str(self.next_year),
            "next_deadline": day(self.next_deadline),
            "remedial_plan_due": day(self.remedial_plan_due),
            "standard_by": day(self.standard_by),
            "response_by": day(self.response_by),
            "first_publication_by": day(self.first_publication_by),
            "grace_until": day(self.grace_until),
            "grace_plan_due": day(self.grace_plan_due),
            "plan_covers_next_year": self.plan_covers_next_year,
            "first_year": str(self.first_year) if self.first_year else "",
            "following_year": str(self.first_year.next) if self.first_year else "",
            "following_deadline": day(self.following_deadline),
            "before_commencement": self.before_commencement,
            "commencement": day(self.terms.commencement),
            "foundation_publication_by": day(self.terms.foundation_publication_by),
            "foundation_window_open": self.terms.foundation_publication_by is not None and self.as_of <= self.terms.foundation_publication_by,
            "next_year_open": self.as_of >= self.next_year.opens(),
            "next_year_opens": f"{self.next_year.opens():%B %Y}",
            "reason": self.reason,
            # the schedule's periods, so that the letter states the same ones
            "remedial_plan_working_days": self.terms.remedial_plan_working_days,
            "remedial_period_months": self.terms.remedial_period_months,
            "status_change_working_days": self.terms.status_change_working_days,
            "incident_notice_hours": self.terms.incident_notice_hours,
            # the case record
            "notice_date": day(self.notice_date),
            "case": self.case,
            "closes_case": self.closes_case,
            "plan_received": day(self.plan_received),
            "extension_until": day(self.extension_until),
            "standard_passed": self.standard_by is not None and self.as_of > self.standard_by,
            "certificate_expiry": day(self.certificate_expiry),
            "certificate_reminder": self.certificate_reminder,
            "reminder": self.reminder,
            "certificate_unrecorded": self.certificate_unrecorded,
        }


def status_or_better(status: DsptStatus) -> str:
    """``Standards Met or better``; ``Standards Exceeded`` alone (nothing is above it)."""
    return status.label if status is DsptStatus.STANDARDS_EXCEEDED else f"{status.label} or better"


def tier_requirement(minimum: DsptStatus) -> str:
    """What a tier needs, in a letter's words: ``Standards Met or better``; for the
    Foundation Tier the one year of Approaching Standards and then Standards Met."""
    if minimum is DsptStatus.APPROACHING_STANDARDS:
        return (
            "Approaching Standards with an action plan for one assessment year only, "
            "then Standards Met or better"
        )
    return status_or_better(minimum)


#: Positions worked out, by the terms, the day, the flags and the kind of record (what
#: :func:`assess_position` reads of a record: status, assessment year, publication date),
#: and what else a caller's position was made from (:func:`by_kind_of_record`).
_POSITIONS: dict[tuple, ContractualPosition] = {}


def assess_position(
    record: DsptRecord | None,
    terms: ContractTerms,
    as_of: dt.date,
    *,
    checked: bool = True,
    new_provider: bool = False,
) -> ContractualPosition:
    """The position of a provider whose DSPT record is ``record`` (``None``: not in the
    export) under ``terms`` on ``as_of``.

    ``checked=False`` says no export was read: the position then claims nothing about
    the record. ``new_provider`` applies the grace period for new providers from the
    Commencement Date (``terms.commencement``).

    Worked out once per terms, day and kind of record, and copied with each record (a
    batch of letters has a few dozen kinds of record among thousands of providers).
    """
    read = record if checked else None  # nothing about the record is claimed: it is not read
    return by_kind_of_record(read, terms, as_of, checked, new_provider, (), lambda: _assess_position(read, terms, as_of, checked, new_provider))


def by_kind_of_record(
    record: DsptRecord | None, terms: ContractTerms, as_of: dt.date, checked: bool, new_provider: bool,
    also: tuple, make: Callable[[], ContractualPosition],
) -> ContractualPosition:
    """The position ``make`` makes, made once per terms, day, flags, kind of record and
    ``also`` (hashable: what else ``make`` reads, the same for every record of the kind),
    and copied with each record (:func:`with_record`); without ``checked``, with none."""
    if not checked:
        record = None
    kind = None if record is None else (record.status, record.year, record.publication_date)
    key = (id(terms), as_of, checked, new_provider, kind, also)
    known = _POSITIONS.get(key)
    if known is None or known.terms is not terms:  # (another terms object at the same address)
        if len(_POSITIONS) >= 4096:
            _POSITIONS.clear()
        known = _POSITIONS[key] = make()
    return known if known.record is record else with_record(known, record)


def with_record(position: ContractualPosition, record: DsptRecord | None) -> ContractualPosition:
    """``position`` with another record: the copy :func:`dataclasses.replace` would make,
    without running its fields through ``__init__`` again (three times faster; the class
    is a frozen dataclass with slots, each set by its descriptor)."""
    twin = object.__new__(ContractualPosition)
    for put, value in zip(_PUT_FIELDS, _GET_FIELDS(position)):
        put(twin, value)
    _PUT_RECORD(twin, record)
    return twin


_FIELDS = [f.name for f in fields(ContractualPosition) if f.name != "record"]
_GET_FIELDS = attrgetter(*_FIELDS)
_PUT_FIELDS = [vars(ContractualPosition)[name].__set__ for name in _FIELDS]
_PUT_RECORD = vars(ContractualPosition)["record"].__set__


def _assess_position(
    record: DsptRecord | None, terms: ContractTerms, as_of: dt.date, checked: bool, new_provider: bool,
) -> ContractualPosition:
    year = record.year if record is not None else None
    published = record is not None and record.status.is_published
    until = terms.counts_until(year) if published and year is not None else None
    status = record.status if published and record is not None else None
    current = until is not None and as_of <= until
    meets = current and status is not None and status.meets(terms.minimum)
    next_year = year.next if current and year is not None else terms.due_next(as_of)
    kind, reason = _kind_and_reason(record, status, year, until, as_of, terms, checked)

    below = checked and not meets
    window_end = terms.first_publication_by(new_provider) if below else None
    # The Foundation Tier's months are for a provider with nothing published (a record
    # below the tier is a Shortfall under dspt.foundation-tier); the grace period for new
    # providers covers any record.
    in_window = window_end is not None and as_of <= window_end and (not published or new_provider)
    before_start = terms.commencement is not None and as_of < terms.commencement  # the schedule applies from then
    shortfall = below and not in_window and not before_start
    plan_due = add_working_days(as_of, terms.remedial_plan_working_days) if shortfall else None
    standard_by, response_by = _reply_dates(terms, as_of, checked=checked and not (below and before_start), plan_due=plan_due,
                                            window_end=window_end if in_window else None)
    grace_until = _grace_until(terms, as_of, record) if shortfall else None
    grace_plan_due = _grace_plan_due(terms, grace_until)
    return ContractualPosition(
        kind=kind,
        as_of=as_of,
        terms=terms,
        required=terms.minimum,
        target=_target(terms, published),
        record=record,
        checked=checked,
        assessment_year=year if published else None,
        meets_tier=meets if checked else None,
        valid_until=until,
        shortfall=shortfall,
        shortfall_since=_shortfall_since(kind, until, record, terms, new_provider) if shortfall else None,
        next_year=next_year,
        next_deadline=terms.deadline(next_year),
        remedial_plan_due=plan_due,
        standard_by=standard_by,
        response_by=response_by,
        first_publication_by=window_end if in_window else None,
        grace_until=grace_until, grace_plan_due=grace_plan_due, reason=reason,
    )


def _target(terms: ContractTerms, published: bool) -> DsptStatus:
    """The status the provider is asked to publish next."""
    if terms.approaching_once and not published:
        return DsptStatus.APPROACHING_STANDARDS  # the first publication may use it
    if terms.approaching_once:
        return DsptStatus.STANDARDS_MET
    return terms.minimum


def _shortfall_since(
    kind: LetterKind, until: dt.date | None, record: DsptRecord | None, terms: ContractTerms, new_provider: bool,
) -> dt.date | None:
    """Since when the provider has fallen short: the day after its record lapsed, or
    the publication of a record below the tier; never before the Commencement Date (from
    which the schedule applies), and from the Commencement Date, or the day after the
    period for a first publication, when the record shows no earlier start."""
    since = None
    if kind is LetterKind.LAPSED and until is not None:
        since = until + dt.timedelta(days=1)
    elif kind in (LetterKind.REMEDY, LetterKind.IMPROVE) and record is not None:
        since = record.publication_date
    if terms.commencement is None:
        return since
    published = record is not None and record.status.is_published
    window = terms.first_publication_by(new_provider) if not published or new_provider else None
    earliest = window + dt.timedelta(days=1) if window is not None else terms.commencement
    return max(since or earliest, earliest)


def _reply_dates(
    terms: ContractTerms, as_of: dt.date, *, checked: bool, plan_due: dt.date | None, window_end: dt.date | None
) -> tuple[dt.date | None, dt.date | None]:
    """(the date to meet the standard by, the date to reply by): after a remedial plan
    in a Shortfall (``plan_due``); by the end of the first-publication window while it
    is open (``window_end``); a reply but no standard date when no export was read;
    nothing for confirm and renew, which ask for no reply."""
    if plan_due is not None:
        return add_months(plan_due, terms.remedial_period_months), plan_due
    if window_end is not None:
        return window_end, min(add_working_days(as_of, terms.response_working_days), window_end)
    if not checked:
        return None, add_working_days(as_of, terms.response_working_days)
    return None, None


def _grace_until(
    terms: ContractTerms, as_of: dt.date, record: DsptRecord | None
) -> dt.date | None:
    """The end of the grace period for new providers while it may still apply: it has
    not ended, and no publication shows the provider at work more than twelve months
    before the Commencement Date."""
    if terms.commencement is None:
        return None
    ends = add_months(terms.commencement, terms.new_provider_grace_months)
    published = record.publication_date if record is not None else None
    if published is not None and published < add_months(terms.commencement, -12):
        return None
    return ends if terms.commencement <= as_of <= ends else None


def _grace_plan_due(terms: ContractTerms, grace_until: dt.date | None) -> dt.date | None:
    """The Remedial Plan's last day for a provider whose grace period ends on
    ``grace_until`` (its last day) below its tier: the Shortfall starts the next day, the
    provider is aware of it then, and the plan is due ``remedial_plan_working_days``
    Working Days later (1 January 2027 ends it: shortfall from Saturday 2 January, plan
    by Friday 29 January 2027)."""
    if grace_until is None:
        return None
    return add_working_days(grace_until + dt.timedelta(days=1), terms.remedial_plan_working_days)


def _kind_and_reason(
    record: DsptRecord | None,
    status: DsptStatus | None,
    year: AssessmentYear | None,
    until: dt.date | None,
    as_of: dt.date,
    terms: ContractTerms,
    checked: bool,
) -> tuple[LetterKind, str]:
    minimum = terms.minimum
    if not checked:
        return LetterKind.START, "No DSPT export was checked for this letter (--no-dspt)."
    if record is None:
        return LetterKind.START, (
            "The DSPT export has no organisation with this ODS code, so we could not "
            "find a publication."
        )
    if status is None:
        return LetterKind.START, (
            "The organisation is registered on the DSPT but has no published assessment."
        )
    if year is None or until is None:
        return LetterKind.LAPSED, (
            f"The latest publication ({status.label}) shows no assessment year or date, "
            "so it cannot be shown to be current."
        )
    if as_of > until:
        return LetterKind.LAPSED, (
            f"The latest publication, {year} {status.label}, counted until "
            f"{format_date(until)} and is out of date."
        )
    if status in (DsptStatus.STANDARDS_NOT_MET, DsptStatus.PLAN_AGREED):
        return LetterKind.REMEDY, (
            f"The {year} publication is {status.label}: the mandatory standards are not met."
        )
    if not status.meets(minimum):
        return LetterKind.IMPROVE, (
            f"The {year} publication is {status.label}, below the {minimum.label} required."
        )
    days_left = (until - as_of).days
    if days_left <= terms.renewal_window_days:
        return LetterKind.RENEW, (
            f"The {year} publication ({status.label}) meets the required {minimum.label} "
            f"but counts only until {format_date(until)}, {_days(days_left)}."
        )
    return LetterKind.CONFIRM, (
        f"The {year} publication ({status.label}) meets the required {minimum.label} "
        f"and counts until {format_date(until)}."
    )


def _days(count: int) -> str:
    if count == 0:
        return "which is today"
    return f"{count} day{'s' if count != 1 else ''} away"


__all__ = [
    "ContractTerms",
    "ContractualPosition",
    "LetterKind",
    "add_months",
    "assess_position",
    "contract_terms",
    "status_or_better",
    "tier_requirement",
    "worked_example",
]
