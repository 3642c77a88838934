"""Scoring returned audit forms: read the content controls, score each section and the
whole, name the critical gaps, write a feedback letter per provider and ``audit-scores.csv``.

Controls are found by their tag, or where a program dropped it (LibreOffice) by their
hidden bookmark: never by position. A form is scored against the question set version
named in its properties, read from the question set file (which keeps every version).

A returned form is untrusted input, read by :mod:`contractgen.audit.read` with the limits
of :mod:`contractgen.base.untrusted` (a zip bomb is refused, not unpacked; no DTD or entity);
every problem is reported against the file and the question. One bad form never stops
the others.

The parts: :mod:`contractgen.audit.answers` (a scored form), :mod:`contractgen.audit.scorer`
(reading and scoring one form) and :mod:`contractgen.audit.scorefile` (``audit-scores.csv``);
their public names are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..base.atomic import write_atomic
from ..base.errors import ContractgenError, Location, Problem, display_path, plural
from ..base.workdays import add_working_days
from ..dspt.register import Provider
from ..letters.filenames import inside, letter_file_names
from ..letters.render import letter_clause
from ..library.clauses import ClauseLibrary
from ..library.workspace import Workspace
from ..schedule.assembly import render_clause_text
from ..word.blocks import Paragraph
from ..word.package import refuse_overwriting
from .answers import EARLIEST_AUDIT as EARLIEST_AUDIT
from .answers import LATEST_AUDIT as LATEST_AUDIT
from .answers import Answer as Answer
from .answers import AuditScore as AuditScore
from .answers import SectionScore as SectionScore
from .answers import _control_date as _control_date
from .answers import answer_contradictions as answer_contradictions
from .answers import percent as percent
from .answers import score_answers as score_answers
from .form import DOCUMENT_FEEDBACK, render_letter_document
from .read import FormError
from .scorefile import SCORE_FIELDS as SCORE_FIELDS
from .scorefile import SCORES_FILE as SCORES_FILE
from .scorefile import ProviderAudit as ProviderAudit
from .scorefile import latest_audit_scores as latest_audit_scores
from .scorefile import scores_csv as scores_csv
from .scorer import UNANSWERED_SHOWN as UNANSWERED_SHOWN
from .scorer import _Scorer
from .scorer import tags_for as tags_for

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


