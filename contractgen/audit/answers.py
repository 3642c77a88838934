"""A scored audit form: its answers, each section's score and the whole, and the answers
the form's own dates or the question set contradict (moved from
:mod:`contractgen.audit.score`, which re-exports them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable

from ..base.environment import format_date
from ..base.errors import Problem
from ..dspt.position import add_months
from ..library.auditquestions import ANSWERS, NOT_APPLICABLE, Question, QuestionSet
from .read import ControlValue


@dataclass(frozen=True)
class Answer:
    question: Question
    answer: str
    evidence: str
    date: dt.date | None


@dataclass(frozen=True)
class SectionScore:
    id: str
    number: int
    title: str
    earned: Fraction
    possible: int  # the weights of the questions not answered Not applicable

    @property
    def percent(self) -> int | None:
        return percent(self.earned, self.possible)


def percent(earned: Fraction, possible: int) -> int | None:
    """A whole percentage, halves rounded up; None when every question was Not applicable."""
    if possible == 0:
        return None
    return int(Fraction(100) * earned / possible + Fraction(1, 2))


@dataclass(frozen=True)
class AuditScore:
    """One scored form."""

    file: Path
    profile: str
    question_set: QuestionSet
    provider: dict[str, str]
    completed_by: str
    completed_on: dt.date | None
    answers: tuple[Answer, ...]
    sections: tuple[SectionScore, ...]

    @property
    def earned(self) -> Fraction:
        return sum((s.earned for s in self.sections), Fraction(0))

    @property
    def possible(self) -> int:
        return sum(s.possible for s in self.sections)

    @property
    def overall(self) -> int | None:
        return percent(self.earned, self.possible)

    @property
    def critical_gaps(self) -> list[Answer]:
        """Critical questions answered No or Partly."""
        return [a for a in self.answers if a.question.critical and a.answer in ("No", "Partly")]

    @property
    def improvements(self) -> list[Answer]:
        """The other questions answered No or Partly."""
        return [a for a in self.answers if not a.question.critical and a.answer in ("No", "Partly")]


def score_answers(qs: QuestionSet, answers: dict[str, str]) -> tuple[SectionScore, ...]:
    """Each section's score: Yes 1, Partly 1/2, No 0 times the weight; Not applicable
    answers are left out of what was possible."""
    out = []
    for section in qs.sections:
        earned, possible = Fraction(0), 0
        for q in section.questions:
            value = ANSWERS[answers[q.id]]
            if value is None:
                continue
            earned += Fraction(value) * q.weight
            possible += q.weight
        out.append(SectionScore(section.id, section.number, section.title, earned, possible))
    return tuple(out)


#: Dates an audit can carry (a form completed on 9999-12-31 is a mistake).
EARLIEST_AUDIT, LATEST_AUDIT = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def _control_date(value: ControlValue) -> tuple[dt.date | None, str | None]:
    """A date control's date (None when blank), or what is wrong with it."""
    if not value.text:
        return None, None
    try:
        day = _parse_date(value)
    except ValueError:
        return None, f"{value.text!r} is not a date; pick one with the date picker"
    if day is not None and not EARLIEST_AUDIT <= day <= LATEST_AUDIT:
        return None, f"{day.isoformat()} is not between {EARLIEST_AUDIT.year} and {LATEST_AUDIT.year}; pick the date with the date picker"
    return day, None


def _parse_date(value: ControlValue) -> dt.date | None:
    if value.full_date:
        try:
            return dt.date.fromisoformat(value.full_date[:10])
        except ValueError:
            pass
    for fmt in ("%d %B %Y", "%d/%m/%Y", "%Y-%m-%d", "%d %b %Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(value.text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(value.text)




def answer_contradictions(
    score: AuditScore, scored_on: dt.date, issued: dt.date | None, problem: Callable[[str, str], Problem],
) -> list[Problem]:
    """Answers the form's own dates or the question set contradict: a completion date
    after the scoring date or before the question set's version was issued; "Not
    applicable" to a question that allows no such answer; a Yes or Partly whose date is
    missing, after the completion or older than the question's window."""
    problems = []
    done = score.completed_on
    if done is not None and done > scored_on:
        problems.append(problem("form.completed-on", f"the completion date {format_date(done)} is after the scoring date "
                                                     f"{format_date(scored_on)}; correct the completion date"))
        done = None
    elif done is not None and issued is not None and done < issued:
        problems.append(problem("form.completed-on", f"the completion date {format_date(done)} is before question set "
                                                     f"{score.question_set.id} {score.question_set.version} was issued "
                                                     f"({format_date(issued)}); correct the completion date"))
        done = None
    on = done or scored_on
    for a in score.answers:
        problems += _answer_problems(a, on, "the form was completed" if done else "the form is scored", problem)
    return problems


def _answer_problems(a: Answer, on: dt.date, when: str, problem: Callable[[str, str], Problem]) -> list[Problem]:
    q = a.question
    what = f"question {q.number} ({q.id})"
    if a.answer == NOT_APPLICABLE and not q.not_applicable:
        return [problem(q.id, f"{what} cannot be answered {NOT_APPLICABLE}: it is a duty of every provider the "
                              "contract covers; answer Yes, Partly or No")]
    if not q.date_within_months or a.answer not in ("Yes", "Partly") or not q.date:
        return []
    label = q.date[0].lower() + q.date[1:]
    if a.date is None:
        return [problem(q.id, f"{what} is answered {a.answer} but gives no {label}; give the date, or answer No")]
    if a.date > on:
        return [problem(q.id, f"{what}: the {label}, {format_date(a.date)}, is after {when} ({format_date(on)}); correct the date")]
    oldest = add_months(on, -q.date_within_months)
    if a.date < oldest:
        return [problem(q.id, f"{what} is answered {a.answer}, but the {label}, {format_date(a.date)}, is more than "
                              f"{q.date_within_months} months before {when} ({format_date(on)}); answer No, or give "
                              "the date of the latest one")]
    return []
