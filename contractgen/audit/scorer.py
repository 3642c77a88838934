"""Reading one returned audit form and scoring it against the question set version it
names: every control found by its tag or bookmark, each problem against the file and the
question (moved from :mod:`contractgen.audit.score`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..base.errors import Location, Problem, display_path, plural
from ..dspt.register import Provider, read_register
from ..library.auditquestions import ANSWERS, NOT_APPLICABLE, AuditLibrary, Question, QuestionSet, load_audit
from ..library.clauses import ClauseLibrary
from ..library.profiles import Profile
from ..library.workspace import Workspace
from ..schedule.render import prepare
from .answers import Answer, AuditScore, _control_date, answer_contradictions, score_answers
from .form import AUDIT_ID, DOCUMENT_FORM, FORM_FIELDS, control_bookmark, control_tag, form_controls
from .read import ControlValue, FormError, custom_properties, parse_part, read_controls, read_returned_parts


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
