"""Scoring returned audit forms: read the content controls, score each section and the
whole, name the critical gaps, write a feedback letter per provider and ``audit-scores.csv``.

Controls are found by their tag, or where a program dropped it (LibreOffice) by their
hidden bookmark: never by position. A form is scored against the question set version
named in its properties, read from the question set file (which keeps every version).

A returned form is untrusted input, read by :mod:`contractgen.audit.read` with the limits
of :mod:`contractgen.base.untrusted` (a zip bomb is refused, not unpacked; no DTD or entity);
every problem is reported against the file and the question. One bad form never stops
the others.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import itertools
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..base.csvout import csv_bytes, read_csv_cell
from ..base.environment import format_date
from ..base.errors import (
    ContractgenError,
    InputError,
    Location,
    Problem,
    display_path,
    plural,
)
from ..base.workdays import add_working_days
from ..dspt.position import add_months
from ..dspt.register import Provider, read_register
from ..letters.generate import inside, letter_clause, letter_file_names
from ..library.auditquestions import (
    ANSWERS,
    NOT_APPLICABLE,
    AuditLibrary,
    Question,
    QuestionSet,
    load_audit,
)
from ..library.clauses import ClauseLibrary
from ..library.profiles import Profile
from ..library.workspace import Workspace
from ..schedule.assembly import render_clause_text
from ..schedule.render import prepare
from ..word.blocks import Paragraph
from ..word.package import refuse_overwriting, write_atomic
from .form import (
    AUDIT_ID,
    DOCUMENT_FEEDBACK,
    DOCUMENT_FORM,
    FORM_FIELDS,
    control_bookmark,
    control_tag,
    form_controls,
    render_letter_document,
)
from .read import (
    ControlValue,
    FormError,
    custom_properties,
    parse_part,
    read_controls,
    read_returned_parts,
)

SCORES_FILE = "audit-scores.csv"
# ------------------------------------------------------------------ scoring


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


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


class _Scorer:
    """Scores forms for one workspace; profiles and question sets are loaded once."""

    def __init__(self, workspace: Workspace, profile_ref: str | None, date: dt.date | None = None) -> None:
        self.workspace = workspace
        self.date = date or dt.date.today()  # the scoring date
        self.only = profile_ref
        self._prepare = prepare
        self.loaded: dict[str, tuple[ClauseLibrary, Profile, AuditLibrary]] = {}
        self.registers: dict[tuple[str, Path], dict[str, Provider]] = {}
        if profile_ref is not None:
            self.profile(profile_ref)

    def profile(self, name: str) -> tuple[ClauseLibrary, Profile, AuditLibrary]:
        if name not in self.loaded:
            library, profile = self._prepare(self.workspace, name)
            self.loaded[name] = (library, profile, load_audit(self.workspace.library_dir, AUDIT_ID, library))
        return self.loaded[name]

    def score(self, path: Path, providers_file: Path | None = None) -> AuditScore:
        score = self._score(path)
        if providers_file is not None:
            self._registered(score, providers_file)
        elif not score.provider.get("address"):
            shown = display_path(path)
            message = (f"the form does not say where {score.provider['name'] or 'the provider'} "
                       f"({score.provider['ods_code'] or 'no ODS code'}) is (it was a blank form): its feedback letter "
                       "could not be addressed; give the provider register with --providers")
            raise FormError(f"{shown}: {message}", [Problem(Location(shown), "provider.ods_code", message)])
        return score

    def _registered(self, score: AuditScore, providers_file: Path) -> None:
        """The form's provider in the register (else :class:`FormError`); its details for the letter."""
        library, profile, _ = self.profile(score.profile)
        key = (score.profile, providers_file)
        if key not in self.registers:
            register = read_register(providers_file, column_map=profile.model.letters.register_columns or None,
                                     tiers=library.tiers, default_tier=profile.model.tier)
            self.registers[key] = {p.ods_code: p for p in register.providers}
        code = score.provider["ods_code"]
        found = self.registers[key].get(code)
        if found is None:
            shown = display_path(score.file)
            message = (f"the form is for ODS code {code or '(none)'}, which is not in the register "
                       f"{display_path(providers_file)}; check the code the provider wrote on the form, or add the "
                       "provider to the register, then score the form again")
            raise FormError(f"{shown}: {message}", [Problem(Location(shown), "provider.ods_code", message)])
        score.provider.update(contact_name=found.contact_name, email=found.email, address=found.address)

    def _score(self, path: Path) -> AuditScore:
        shown = display_path(path)

        def fail(problems: list[Problem]) -> FormError:
            return FormError(f"{shown}: {plural(len(problems), 'problem')}; the form was not scored", problems)

        def problem(key: str, message: str) -> Problem:
            return Problem(Location(shown), key, message)

        parts = read_returned_parts(path)
        props = custom_properties(parts, shown)
        if props.get("contractgen.audit") != AUDIT_ID:
            raise fail([problem("", "not a contractgen business continuity audit form (it has no contractgen.audit "
                                    "property); score only the forms `contractgen audit form` wrote, returned as .docx")])
        if props.get("contractgen.audit.document") != DOCUMENT_FORM:
            raise fail([problem("", f"this is an audit {props.get('contractgen.audit.document') or 'document'}, not a form "
                                    "a provider fills in; score the returned forms")])
        name, council = props.get("contractgen.profile", ""), props.get("contractgen.council", "")
        if self.only is not None and name != self.loaded[self.only][1].name:
            raise fail([problem("", f"a form from another council: it was made for {council or 'an unknown council'} "
                                    f"(profile {name or 'unknown'}), not {self.loaded[self.only][1].model.council.name}; "
                                    "send it back to the council that sent it")])
        if name not in self.workspace.profile_names():
            raise fail([problem("", f"a form from another council: it was made for {council or 'an unknown council'} "
                                    f"(profile {name or 'unknown'}), which has no profile in this workspace; "
                                    "send it back to the council that sent it")])
        library, profile, audit = self.profile(name)
        if council != profile.model.council.name:
            raise fail([problem("", f"a form from another council: it was made for {council or 'an unknown council'}, "
                                    f"but profile {name} here is {profile.model.council.name}; send it back to the council that sent it")])
        version, tier = props.get("contractgen.audit.version", ""), props.get("contractgen.tier", "")
        if version not in audit.versions:
            raise fail([problem("", f"the form asks question set {AUDIT_ID} version {version or '(none)'}, which "
                                    f"{display_path(self.workspace.library_dir / 'audits' / (AUDIT_ID + '.yaml'))} does not have "
                                    f"(versions: {', '.join(audit.versions)}); was it made from a newer library?")])
        if tier not in library.tiers:
            raise fail([problem("", f"the form names an unknown tier {tier!r}; send the provider a new form")])
        qs = audit.at(version, tier)
        controls = form_controls(qs)
        by_bookmark = {control_bookmark(tag): tag for tag, _, _ in controls}
        document = parse_part(parts["word/document.xml"], "word/document.xml", shown)
        found = read_controls(document, by_bookmark)
        score = self._check(path, shown, props, name, qs, controls, found, problem, fail)
        issued = next((e.date for e in audit.spec.changelog if e.version == version), None)
        contradictions = answer_contradictions(score, self.date, issued, problem)
        if contradictions:
            raise fail(contradictions)
        return score

    def _check(
        self, path: Path, shown: str, props: dict[str, str], profile_name: str, qs: QuestionSet,
        controls: list[tuple[str, str, str]], found: dict[str, list[ControlValue]],
        problem: Callable[[str, str], Problem], fail: Callable[[list[Problem]], FormError],
    ) -> AuditScore:
        labels = {key: label for key, _, label in FORM_FIELDS}
        read = _read_form(qs, controls, found, labels, problem)
        problems = read.problems + _unanswered(read.unanswered, len({q.id for q in qs.questions}), problem)
        for key in ("provider.name", "provider.ods_code"):
            if not read.values.get((key, "text")) and not any(p.key == key for p in problems):
                problems.append(problem(key, f"{labels[key]} is empty; fill it in"))
        if problems:
            raise fail(problems)
        values, dates = read.values, read.dates
        answers = tuple(
            Answer(q, values[(q.id, "answer")], values.get((q.id, "evidence"), ""), dates.get((q.id, "date")))
            for q in qs.questions
        )
        return AuditScore(
            file=path, profile=profile_name, question_set=qs, provider=_provider_details(props, values),
            completed_by=values.get(("form.completed-by", "text"), ""),
            completed_on=dates.get(("form.completed-on", "date")),
            answers=answers, sections=score_answers(qs, {a.question.id: a.answer for a in answers}),
        )


@dataclass
class _FormValues:
    """What a form's controls say: values and dates by (key, kind), the questions left
    unanswered, and the problems found reading them."""

    problems: list[Problem] = field(default_factory=list)
    unanswered: list[Question] = field(default_factory=list)
    values: dict[tuple[str, str], str] = field(default_factory=dict)
    dates: dict[tuple[str, str], dt.date | None] = field(default_factory=dict)


def _read_form(
    qs: QuestionSet, controls: list[tuple[str, str, str]], found: dict[str, list[ControlValue]],
    labels: dict[str, str], problem: Callable[[str, str], Problem],
) -> _FormValues:
    """Read every control the form should have; a control of another question set, a
    control copied twice or one deleted is a problem."""
    read = _FormValues()
    questions = {q.id: q for q in qs.questions}
    expected = {tag for tag, _, _ in controls}
    for tag in sorted(set(found) - expected):
        read.problems.append(problem("", f"a control tagged {tag!r} does not belong to question set {qs.id} {qs.version} "
                                         "for this tier; send the provider a new form"))
    for tag, key, kind in controls:
        q = questions.get(key)
        what = f"question {q.number} ({key})" if q else labels.get(key, key)
        got = found.get(tag, [])
        if len(got) > 1:
            read.problems.append(problem(key, f"{what}: the {kind} box appears {len(got)} times (copied and pasted?); keep one"))
        elif not got:
            read.problems += _missing_control(qs, found, key, kind, what, problem)
        else:
            _read_value(read, got[0], q, key, kind, what, problem)
    return read


def _missing_control(
    qs: QuestionSet, found: dict[str, list[ControlValue]], key: str, kind: str, what: str, problem: Callable[[str, str], Problem],
) -> list[Problem]:
    """A control deleted from the form (an empty answer box is reported as unanswered)."""
    if kind == "question":
        return [problem(key, f"{what} is missing from the form (deleted?); send the provider a new form")]
    if kind == "answer" and found.get(tags_for(qs, key, "question")):
        return [problem(key, f"{what}: the answer box is gone, so an answer typed over it cannot be read; "
                             "ask the provider to choose the answer in the drop-down of a new form")]
    if kind != "answer":
        return [problem(key, f"{what}: the {kind} box is gone; ask the provider to use a new form")]
    return []


def _read_value(
    read: _FormValues, value: ControlValue, q: Question | None, key: str, kind: str, what: str, problem: Callable[[str, str], Problem],
) -> None:
    """One control's value: the question text as asked, an answer from the list, a date, or text."""
    if kind == "question":
        if not _same_text(value.text, q.text if q else ""):
            read.problems.append(problem(key, f"{what}: the question text was changed to {value.text!r}; the answers "
                                              "cannot be scored against a changed question; ask the provider to answer the question as asked"))
    elif kind == "answer" and q is not None:
        choice = next((a for a in ANSWERS if a.casefold() == value.text.casefold()), None)
        if not value.text:
            read.unanswered.append(q)
        elif choice is None:
            read.problems.append(problem(key, f"{what}: the answer {value.text!r} is not one of {', '.join(ANSWERS)}; "
                                              "choose one from the drop-down"))
        else:
            read.values[(key, kind)] = choice
    elif kind == "date":
        read.dates[(key, kind)], wrong = _control_date(value)
        if wrong:
            read.problems.append(problem(key, f"{what}: {wrong}"))
    else:
        read.values[(key, kind)] = value.text


def _provider_details(props: dict[str, str], values: dict[tuple[str, str], str]) -> dict[str, str]:
    """The provider's details the form was written with, and the name and ODS code as the provider filled them in."""
    provider = {k: v for k, v in ((k.removeprefix("contractgen.provider."), v) for k, v in props.items()
                                 if k.startswith("contractgen.provider."))}
    provider["name"] = values[("provider.name", "text")]
    provider["ods_code"] = values[("provider.ods_code", "text")].upper()
    return provider

#: Up to this many questions without an answer are reported one by one.
UNANSWERED_SHOWN = 5


def _unanswered(missing: list[Question], total: int, problem: Callable[[str, str], Problem]) -> list[Problem]:
    choose = f"choose {', '.join(list(ANSWERS)[:-1])} or {NOT_APPLICABLE} in each"
    if not missing:
        return []
    if len(missing) == total:
        return [problem("", f"none of the {total} questions is answered (is this the blank form?); {choose}")]
    if len(missing) > UNANSWERED_SHOWN:
        numbers = ", ".join(q.number for q in missing)
        return [problem("", f"{len(missing)} of the {total} questions have no answer ({numbers}); {choose}")]
    return [problem(q.id, f"question {q.number} ({q.id}) has no answer; {choose.replace(' in each', '')}") for q in missing]


def tags_for(qs: QuestionSet, key: str, kind: str) -> str:

    return control_tag(qs.id, qs.version, key, kind)


# ------------------------------------------------------------------ feedback letter


#: The letter clauses a feedback letter is written from, in order (clause_library/clauses).
FEEDBACK_CLAUSES = ("letter.audit-feedback", "letter.support")


def audit_values(score: AuditScore) -> dict[str, Any]:
    """What the feedback clause text reads as ``audit``: the score, never wording."""
    def gaps(answers: list[Answer]) -> list[dict[str, str]]:
        return [{"id": a.question.id, "number": a.question.number, "question": a.question.text,
                 "answer": a.answer, "help": a.question.help} for a in answers]

    return {
        "question_set": score.question_set.id,
        "version": score.question_set.version,
        "completed_on": score.completed_on,
        "completed_by": score.completed_by,
        "overall": score.overall,
        "sections": [{"id": s.id, "number": s.number, "title": s.title, "percent": s.percent} for s in score.sections],
        "critical_gaps": gaps(score.critical_gaps),
        "improvements": gaps(score.improvements),
    }


def feedback_paragraphs(library: ClauseLibrary, score: AuditScore, context: dict[str, Any], _writer: object = None) -> list[Paragraph]:
    """The feedback letter's body: the feedback clauses rendered with the score (and the
    letter template's context)."""

    context = {**context, "audit": audit_values(score)}
    lists = itertools.count(1)
    paragraphs: list[Paragraph] = []
    for clause_id in FEEDBACK_CLAUSES:
        clause = letter_clause(library, clause_id)
        text = clause.text_for(score.question_set.tier) or ""
        paragraphs += render_clause_text(clause, text, context, library, mode="letter", list_ids=lists)
    return keep_headings_with_content(paragraphs)


def keep_headings_with_content(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """A paragraph all in bold ("**Critical gaps**") is a heading, and a paragraph ending
    with a colon introduces what follows: each is kept on the page of the next paragraph."""
    kept = []
    for p, following in zip(paragraphs, [*paragraphs[1:], None]):
        words = [r for r in p.runs if r.text.strip()]
        heading = bool(words) and all(r.bold for r in words)
        lead_in = p.text.rstrip().endswith(":")
        kept.append(p.with_(keep_with_next=True) if following is not None and (heading or lead_in) else p)
    return kept


# ------------------------------------------------------------------ the command


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


@dataclass
class AuditScoresResult:
    """What ``score_audit_forms`` did."""

    output: Path
    scored: list[tuple[AuditScore, str]] = field(default_factory=list)  # with the letter's file name
    failed: list[tuple[Path, list[Problem]]] = field(default_factory=list)
    report: Path | None = None

    def error_lines(self) -> list[str]:
        """Every problem of the forms not scored, then one ``error:`` line (for stderr)."""
        if not self.failed:
            return []
        lines = [str(p) for _, problems in self.failed for p in problems]
        rest = "the others were scored" if self.scored else "nothing was written"
        lines.append(f"error: {plural(len(self.failed), 'form')} not scored (problems above); {rest}")
        return lines

    def summary_lines(self) -> list[str]:
        if not self.scored:
            return ["no audit form scored"]
        lines = [f"scored {plural(len(self.scored), 'audit form')}: {plural(len(self.scored), 'feedback letter')} "
                 f"in {display_path(self.output)}"]
        for score, _ in self.scored:
            gaps = len(score.critical_gaps)
            overall = f"{score.overall}%" if score.overall is not None else "n/a"
            lines.append(f"  {score.provider['ods_code']} {score.provider['name']}: {overall}, {plural(gaps, 'critical gap')}")
        if self.report:
            lines.append(f"scores: {display_path(self.report)}")
        return lines


SCORE_FIELDS = ("ods_code", "provider", "profile", "tier", "question_set", "version", "completed_on", "scored_on",
                "overall", "critical_gaps", "answered", "not_applicable")


def score_audit_forms(
    workspace: Workspace,
    files: Sequence[Path],
    output: Path,
    *,
    profile_ref: str | None = None,
    date: dt.date | None = None,
    force: bool = False,
    providers_file: Path | None = None,
) -> AuditScoresResult:
    """Score returned forms; write a feedback letter per form and ``audit-scores.csv``
    into ``output``. Forms that cannot be scored are reported in ``failed``. Files that
    exist already are refused, before anything is written, unless ``force``.

    With ``providers_file`` (the register) a form whose ODS code is not in the register
    is refused, and each feedback letter is addressed from the register."""

    date = date or dt.date.today()
    scorer = _Scorer(workspace, profile_ref, date)
    result = AuditScoresResult(output=output)
    scores: list[AuditScore] = []
    for path in files:
        try:
            scores.append(scorer.score(path, providers_file))
        except FormError as exc:
            result.failed.append((path, exc.problems))
        except ContractgenError as exc:  # the form's profile does not load here
            result.failed.append((path, exc.problems or [Problem(Location(display_path(path)), "", exc.message)]))
    names = letter_file_names([
        Provider(s.provider["name"], s.provider["ods_code"], "", "", "", None, s.question_set.tier, 0) for s in scores
    ])
    letters = []
    for score, name in zip(scores, names):
        library, profile, _ = scorer.profile(score.profile)
        # the letter asks for a reply (a plan for closing them) only about critical gaps
        response_by = add_working_days(date, profile.model.letters.response_working_days) if score.critical_gaps else None
        extra = {"contractgen.audit.score": "" if score.overall is None else str(score.overall),
                 "contractgen.audit.critical_gaps": "; ".join(a.question.id for a in score.critical_gaps),
                 **{f"clause:{c}": library.clause(c).version for c in FEEDBACK_CLAUSES}}
        data = render_letter_document(
            workspace, library, profile, score.question_set, score.provider,
            body=functools.partial(feedback_paragraphs, library, score),
            subject=f"{score.question_set.title}: feedback", date=date, response_by=response_by,
            reason="Business continuity plan audit feedback", document=DOCUMENT_FEEDBACK, extra=extra,
        )
        file = name.removesuffix(".docx") + "-bcp-feedback.docx"
        letters.append((inside(output, file), data))
        result.scored.append((score, file))
    report = output / SCORES_FILE if scores or not result.failed else None
    if not force:
        refuse_overwriting(output, [target for target, _ in letters] + ([report] if report else []))
    for target, data in letters:
        write_atomic(target, data)
    if report is not None:
        result.report = report
        write_atomic(report, scores_csv(scores, date, [f for _, f in result.scored]))
    return result


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


# ------------------------------------------------------------------ for the overview


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
