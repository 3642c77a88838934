"""The schedule's terms a provider's position is judged by, and the dates they give.

:class:`ContractTerms` are the numbers of a council's schedule in one tier (the
periods for a Remedial Plan, for reaching the tier, for a first publication, the
renewal window...), read from the clause library's parameters and the profile
(:func:`contract_terms`); :func:`add_months` is the calendar month the schedule's periods
count in, and :func:`worked_example` the dates the schedule's examples quote.
:mod:`contractgen.dspt.position` judges a provider's record by them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass

from ..base.environment import format_date
from ..library.clauses import ClauseLibrary
from ..library.profiles import Profile, parameter_values
from .status import DEADLINE_RULES, TIER_STATUSES, AssessmentYear, DeadlineRule, DsptStatus

# --------------------------------------------------------------------------- terms


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """The schedule's terms that decide a provider's position, for one tier.

    Built by :func:`contract_terms` from the library (deadline, renewal window, clause
    parameter defaults), the council's profile (its parameter values, letter settings
    and the contract's start date) and the tier. The defaults are the library's.
    """

    tier: str
    minimum: DsptStatus  # the tier's minimum DSPT Status
    deadline_month: int | None = None  # with deadline_day: one deadline for every version
    deadline_day: int | None = None
    deadline_rules: tuple[DeadlineRule, ...] = DEADLINE_RULES  # each version's deadline (the library's)
    renewal_window_days: int = 90
    remedial_plan_working_days: int = 20  # dspt.remedial-plan
    remedial_period_months: int = 3  # dspt.remedial-plan
    new_provider_grace_months: int = 6  # dspt.new-providers
    foundation_publication_months: int = 6  # dspt.foundation-tier
    status_change_working_days: int = 5  # dspt.change-of-status
    incident_notice_hours: int = 24  # dspt.incident-reporting
    response_working_days: int = 20  # profile letters.response_working_days
    commencement: dt.date | None = None  # the profile's contract.start_date

    def __post_init__(self) -> None:
        if self.minimum not in TIER_STATUSES:
            raise ValueError(
                f"{self.minimum.label!r} cannot be a tier's minimum; use one of "
                + ", ".join(repr(s.label) for s in TIER_STATUSES)
            )
        for name in (
            "renewal_window_days", "remedial_plan_working_days", "remedial_period_months",
            "new_provider_grace_months", "foundation_publication_months",
            "status_change_working_days", "incident_notice_hours", "response_working_days",
        ):  # fmt: skip
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative: {getattr(self, name)}")

    @property
    def approaching_once(self) -> bool:
        """True for a tier whose minimum is Approaching Standards (the Foundation Tier):
        it accepts that status once, after which Standards Met is needed."""
        return self.minimum is DsptStatus.APPROACHING_STANDARDS

    def deadline(self, year: AssessmentYear) -> dt.date:
        return year.deadline(self.deadline_month, self.deadline_day, self.deadline_rules)

    def counts_until(self, year: AssessmentYear) -> dt.date:
        return year.counts_until(self.deadline_month, self.deadline_day, self.deadline_rules)

    def due_next(self, day: dt.date) -> AssessmentYear:
        """The first assessment year whose deadline is on or after ``day``."""
        return AssessmentYear.due_next(day, self.deadline_month, self.deadline_day, self.deadline_rules)

    @property
    def foundation_publication_by(self) -> dt.date | None:
        """The Foundation Tier's last day for a first publication by a provider with none
        at the Commencement Date (``foundation_publication_months`` after it); ``None``
        in other tiers or without a Commencement Date."""
        if self.commencement is None or not self.approaching_once:
            return None
        return add_months(self.commencement, self.foundation_publication_months)

    def first_publication_by(self, new_provider: bool = False) -> dt.date | None:
        """The last day of the period the schedule allows for a first publication, from
        the Commencement Date: the Foundation Tier's months, and for a new provider the
        grace period; the later of the two applies. ``None`` without either."""
        if self.commencement is None:
            return None
        ends = []
        if self.approaching_once:
            ends.append(add_months(self.commencement, self.foundation_publication_months))
        if new_provider:
            ends.append(add_months(self.commencement, self.new_provider_grace_months))
        return max(ends, default=None)


def contract_terms(library: ClauseLibrary, profile: Profile, tier: str) -> ContractTerms:
    """The terms of ``profile``'s schedule for ``tier``: the library's deadlines and
    renewal window, the clause parameters (the profile's values, else the defaults), the
    profile's letter settings and the contract's start date as the Commencement Date."""
    spec = library.spec
    params = parameter_values(library, profile)
    letters = profile.model.letters

    def number(name: str) -> int:
        return int(params.get(name, getattr(ContractTerms, name)))

    return ContractTerms(
        tier=tier,
        minimum=DsptStatus(spec.tiers[tier].minimum_status),
        deadline_rules=tuple(DeadlineRule(d.version_start, d.month, d.day) for d in spec.dspt.submission_deadlines),
        renewal_window_days=(
            spec.dspt.renewal_window_days
            if letters.renewal_window_days is None
            else letters.renewal_window_days
        ),
        remedial_plan_working_days=number("remedial_plan_working_days"),
        remedial_period_months=number("remedial_period_months"),
        new_provider_grace_months=number("new_provider_grace_months"),
        foundation_publication_months=number("foundation_publication_months"),
        status_change_working_days=number("status_change_working_days"),
        incident_notice_hours=number("incident_notice_hours"),
        response_working_days=letters.response_working_days,
        commencement=profile.model.contract.start_date,
    )



# --------------------------------------------------------------------------- dates


@functools.lru_cache(maxsize=4096)
def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day ``months`` later; the last day of the month when that month
    is shorter (31 January + 1 month = 28 or 29 February). Once per day and count: a
    batch's positions share a few dozen such dates."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def worked_example(terms: ContractTerms, on: dt.date) -> dict[str, str]:
    """The dates the schedule's examples quote, for the toolkit version open on ``on``
    (the library's release date): the year, its deadline and how long it counts."""
    year = AssessmentYear.open_on(on)
    return {
        "year": str(year),
        "opens": format_date(year.opens()),
        "deadline": format_date(terms.deadline(year)),
        "counts_until": format_date(terms.counts_until(year)),
        "next_year": str(year.next),
    }


__all__ = ["ContractTerms", "add_months", "contract_terms", "worked_example"]
