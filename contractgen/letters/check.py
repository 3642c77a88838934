"""``contractgen validate``'s letter check: every date a letter states is the schedule's.

For each tier and each letter kind, the letter is rendered for a synthetic provider whose
DSPT record calls for that kind, as of the library's release date; every date in its
wording must be one the model (:mod:`contractgen.dspt.position`) gives for the schedule's own
parameters, and the dates the model promises (the reply date, the date for reaching the
tier, the next deadline) must all be stated. A clause that writes a date of its own, or
leaves out one the schedule sets, is reported at its text. A council that changes
``remedial_period_months`` in its profile gets letters that follow, and this check
proves it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from ..base.environment import format_date
from ..base.errors import Problem
from ..dspt.case import CE_PLUS, CaseEvent, Certificate, EventKind, case_state
from ..dspt.followup import apply_case, apply_certificate, reads_certificate
from ..dspt.position import (
    ContractTerms,
    ContractualPosition,
    LetterKind,
    assess_position,
    contract_terms,
)
from ..dspt.register import Provider
from ..dspt.status import AssessmentYear, DsptRecord
from ..library.clauses import ClauseLibrary
from ..library.profiles import Profile
from ..word.template import WordTemplate
from .render import LetterRenderer

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(rf"\b(\d{{1,2}}) ({_MONTHS}) (\d{{4}})\b")
#: Dates a letter must state when the model has them.
PROMISED = ("response_by", "standard_by", "next_deadline")


def check_letter_dates(library: ClauseLibrary, profile: Profile, template: WordTemplate) -> tuple[list[Problem], int]:
    """Problems with the dates in ``profile``'s letters, and how many letters were read."""
    as_of = library.spec.release_date
    renderer = LetterRenderer(library, profile, template, as_of)
    problems: list[Problem] = []
    checked = 0
    for tier in library.tiers:
        terms = contract_terms(library, profile, tier)
        positions = [assess_position(record, terms, day) for kind, record, day in synthetic_cases(terms, as_of)]
        positions = [p for p, (kind, _r, _d) in zip(positions, synthetic_cases(terms, as_of)) if p.kind is kind]
        for position in [*positions, *case_positions(terms, as_of)]:  # a kind these terms cannot give is left out
            renderer.as_of = position.as_of
            provider = Provider("Synthetic Care Ltd", "VM0X0", "A Manager", "", "", True, tier, 0)
            text = " ".join(p.text for p in renderer.body(provider, position))
            renderer.render(provider, position)  # the whole letter, as `letters` renders it
            checked += 1
            problems += _date_problems(library, position, text)
    return problems, checked


def case_positions(terms: ContractTerms, as_of: dt.date) -> Iterator[ContractualPosition]:
    """The kinds the case record calls for: overdue and progress after a Standards Not
    Met notice served on ``as_of`` (the progress one with a later date agreed), and for a
    tier that needs Standards Exceeded, an expired Cyber Essentials Plus certificate and
    none recorded."""
    year = AssessmentYear.open_on(as_of)
    record = DsptRecord.from_raw("VM0X0", "SYNTHETIC CARE LTD", f"{year.short} Standards Not Met", year.opens())
    notice = assess_position(record, terms, as_of)
    due, by = notice.remedial_plan_due, notice.standard_by
    if due is None or by is None:
        return
    served = CaseEvent("VM0X0", EventKind.NOTICE, as_of, {"letter_kind": notice.kind.value, "remedial_plan_due": due.isoformat(), "standard_by": by.isoformat()}, id=1)
    later = due + dt.timedelta(days=10)
    yield apply_case(assess_position(record, terms, later), case_state("VM0X0", [served]))
    plan = [served, CaseEvent("VM0X0", EventKind.PLAN_RECEIVED, due, id=2),
            CaseEvent("VM0X0", EventKind.EXTENSION, due, {"until": (by + dt.timedelta(days=30)).isoformat()}, id=3)]
    yield apply_case(assess_position(record, terms, later), case_state("VM0X0", plan))
    if reads_certificate(terms):
        exceeded = DsptRecord.from_raw("VM0X0", "SYNTHETIC CARE LTD", f"{year.short} Standards Exceeded", year.opens())
        expired = Certificate(CE_PLUS, as_of - dt.timedelta(days=10))
        yield apply_certificate(assess_position(exceeded, terms, as_of), expired)
        yield apply_certificate(assess_position(exceeded, terms, as_of), None)


def synthetic_cases(terms: ContractTerms, as_of: dt.date) -> Iterator[tuple[LetterKind, DsptRecord | None, dt.date]]:
    """For each kind, a record and a date that call for it under ``terms``."""
    year = AssessmentYear.open_on(as_of)

    def record(status: str, published: AssessmentYear) -> DsptRecord:
        return DsptRecord.from_raw("VM0X0", "SYNTHETIC CARE LTD", f"{published.short} {status}", published.opens())

    below = {"Approaching Standards": "Entry Level", "Standards Met": "Approaching Standards",
             "Standards Exceeded": "Standards Met"}[terms.minimum.label]  # fmt: skip
    yield LetterKind.START, None, as_of
    yield LetterKind.LAPSED, record(terms.minimum.label, AssessmentYear(year.start - 2)), as_of
    yield LetterKind.REMEDY, record("Standards Not Met", year), as_of
    yield LetterKind.IMPROVE, record(below, year), as_of
    renewing = record(terms.minimum.label, year)
    until = terms.counts_until(year)
    yield LetterKind.RENEW, renewing, until - dt.timedelta(days=min(10, terms.renewal_window_days))
    yield LetterKind.CONFIRM, renewing, year.opens()


def _date_problems(library: ClauseLibrary, position: ContractualPosition, text: str) -> list[Problem]:
    stated = {dt.datetime.strptime(" ".join(m.groups()), "%d %B %Y").date() for m in _DATE.finditer(text)}
    record = position.record
    known = {position.as_of, *position.promised_dates().values()}
    for extra in (record.publication_date if record else None, position.shortfall_since, position.grace_until):
        if extra is not None:
            known.add(extra)
    clause_id = f"letter.{position.kind.value}"
    where = library.locate(clause_id, "text")
    case = f"{clause_id} for a provider in the {position.tier} tier as of {format_date(position.as_of)}"
    problems = [
        Problem(where, "text", f"{case} states {format_date(day)}, which is none of the dates the schedule gives "
                "for it; take dates from letter.* (docs/letters.md 'How a letter's dates follow from the schedule')")
        for day in sorted(stated - known)
    ]
    promised = position.promised_dates()
    for name in PROMISED:
        day = promised.get(name)
        if day is not None and day not in stated:
            problems.append(Problem(where, "text", f"{case} does not state {name} ({format_date(day)}), which the "
                                    f"schedule sets; use {{{{ letter.{name} }}}}"))
    return problems
