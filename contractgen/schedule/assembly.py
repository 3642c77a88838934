"""Assembling a document from clauses: selection, clause text, numbering, cross-references.

Two passes: clause text is rendered (cross-references print markers) and parsed into
paragraphs; then the whole document is numbered (1, 1.1, (a), (i)) and every
cross-reference gets the number of the clause it points at.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator

import jinja2

from .. import __version__
from ..base.environment import clause_environment, format_date
from ..base.errors import Problem, TemplateError
from ..base.untrusted import MAX_CLAUSE_RENDERED_CHARS, RenderLimitError, render_bounded
from ..dspt.position import contract_terms, tier_requirement, worked_example
from ..dspt.status import DsptStatus
from ..library.clauses import Clause, ClauseLibrary
from ..library.profile_model import DEFAULT_SCHEDULE_TITLE
from ..library.profiles import Profile, parameter_values, select_clauses
from ..word.blocks import NUMBERED_LEVELS, Paragraph, Run, Style
from ..word.markup import anchor_marker, markdown_to_blocks, ref_marker
from ..word.numbering import format_number
from ..word.ooxml import bookmark_name


@dataclass(frozen=True)
class PlacedClause:
    """A clause as it appears in one document."""

    clause: Clause
    number: str  # the number of its first paragraph, e.g. "2.1"
    section_number: str


@dataclass(frozen=True)
class Assembly:
    """The body of a schedule: numbered paragraphs and the clauses they came from."""

    paragraphs: list[Paragraph]
    placed: list[PlacedClause]
    tier: str


def schedule_name(number: Any, title: str = DEFAULT_SCHEDULE_TITLE) -> str:
    """How a letter names the schedule a council issues, so that a paragraph it cites is
    read in the right one, by the schedule's own title (the profile's
    ``contract.schedule_title``, as its template's heading gives it: ``Schedule 12: Data
    Security and Protection``; the letter states the tier): ``Schedule 12 (Data Security
    and Protection)``, or without a schedule number ``the Data Security and Protection
    Schedule``."""
    if number:
        return f"Schedule {number} ({title})"
    return f"the {title} Schedule"


def base_context(library: ClauseLibrary, profile: Profile, tier: str) -> dict[str, Any]:
    """What clause text and templates can use besides parameters."""
    m = profile.model
    spec = library.spec
    tier_spec = spec.tiers[tier]
    deadline = spec.dspt.current_deadline
    terms = contract_terms(library, profile, tier)
    return {
        "council": m.council.model_dump(),
        "contract": m.contract.model_dump(),
        "contacts": m.contacts.model_dump(),
        "signatory": m.signatory.model_dump(),
        "tier": {
            "id": tier,
            **tier_spec.model_dump(),
            "requirement": tier_requirement(DsptStatus(tier_spec.minimum_status)),
            "schedule": schedule_name(m.contract.schedule_number, m.contract.schedule_title),
        },
        "dspt": {
            "deadline": deadline.text(),
            "renewal_window_days": terms.renewal_window_days,
        },
        "example": worked_example(terms, spec.release_date),
        "library": {
            "name": spec.name,
            "release": spec.release,
            "release_date": spec.release_date,
            "source": library.source,
        },
        "contractgen_version": __version__,
    }


def render_clause_text(
    clause: Clause,
    text: str,
    context: dict[str, Any],
    library: ClauseLibrary,
    *,
    mode: str = "clause",
    list_ids: Iterator[int] | None = None,
) -> list[Paragraph]:
    """Render one clause's Markdown through Jinja and parse it into paragraphs."""
    markdown = render_clause_markdown(clause, text, context, library, _compiled(text))
    return markdown_to_blocks(markdown, mode=mode, clause_id=clause.id, list_ids=list_ids)  # type: ignore[arg-type]


def render_clause_markdown(
    clause: Clause, text: str, context: dict[str, Any], library: ClauseLibrary, template: jinja2.Template
) -> str:
    """``template`` (the clause's ``text``, compiled) rendered to Markdown; a template
    error is reported at the clause's text in the library."""
    path = ("text",) if isinstance(clause.text, str) else ("text", _variant_key(clause, text))
    try:
        markdown = render_bounded(template, {**context, "ref": ref_marker, "anchor": anchor_marker})
        if len(markdown) > MAX_CLAUSE_RENDERED_CHARS:
            raise RenderLimitError(
                f"the text would be {len(markdown):,} characters, more than the limit of "
                f"{MAX_CLAUSE_RENDERED_CHARS:,} for one clause"
            )
        return markdown
    except jinja2.TemplateError as exc:
        message = str(getattr(exc, "message", None) or exc).rstrip(".")
        message = message.replace("'dict object' has no attribute", "there is no value named")
        loc = library.locate(clause.id, *path)
        raise TemplateError(
            f"clause {clause.id}: {message}",
            [Problem(loc, ".".join(map(str, path)), f"cannot render clause text: {message}; check the {{{{ }}}} tags")],
        ) from exc


@lru_cache(maxsize=512)
def _compiled(text: str) -> jinja2.Template:
    """Clause text compiled once per process (a letter batch renders each many times)."""
    return _environment().from_string(text)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return clause_environment()


def _variant_key(clause: Clause, text: str) -> str:
    return next((k for k, v in clause.variants.items() if v == text), "default")


def assemble_schedule(
    library: ClauseLibrary, profile: Profile, tier: str, clauses: list[Clause]
) -> Assembly:
    """Render, number and cross-reference the clauses of a schedule."""
    context = {**base_context(library, profile, tier), **parameter_values(library, profile)}
    sections = {s.id: s for s in library.spec.sections}
    paragraphs: list[Paragraph] = []
    current_section = None
    for clause in clauses:
        if clause.section != current_section:
            current_section = clause.section
            paragraphs.append(Paragraph(Style.SECTION, (Run(sections[clause.section].title),)))
        blocks = render_clause_text(clause, clause.text_for(tier) or "", context, library)
        lead = Run(f"{clause.title}. ", bold=True)
        if blocks and blocks[0].style is Style.CLAUSE:
            blocks[0] = blocks[0].with_(runs=(lead, *blocks[0].runs))
        else:
            blocks.insert(0, Paragraph(Style.CLAUSE, (lead,), clause_id=clause.id))
        blocks[0] = blocks[0].with_(bookmark=bookmark_name(clause.id))
        blocks[1:] = [b.with_(bookmark=bookmark_name(b.anchor)) if b.anchor else b for b in blocks[1:]]
        paragraphs.extend(blocks)
    numbered = number_paragraphs(paragraphs)
    placed, numbers = [], {}
    section_number = ""
    for p in numbered:
        if p.style is Style.SECTION:
            section_number = p.number.rstrip(".")
        if p.anchor:  # a paragraph anchored in its clause's text: ref("clause-id#name")
            numbers[p.anchor] = p.number
        if p.bookmark and p.clause_id and p.bookmark == bookmark_name(p.clause_id):
            numbers[p.clause_id] = p.number
            placed.append(PlacedClause(library.clauses[p.clause_id], p.number, section_number))
    resolved = [_resolve_refs(p, numbers, library, tier) for p in numbered]
    return Assembly(paragraphs=resolved, placed=placed, tier=tier)


_FORMATS = ("decimal", "decimal", "lowerLetter", "lowerRoman")  # w:numFmt of levels 0-3 (wordml)


def number_paragraphs(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Give each numbered paragraph the label Word will show (same rules as numbering.xml)."""
    counters = [0, 0, 0, 0]
    letter_counts: dict[int, int] = {}
    out = []
    for p in paragraphs:
        level = NUMBERED_LEVELS.get(p.style)
        if level is not None:
            counters[level] += 1
            for deeper in range(level + 1, 4):
                counters[deeper] = 0
            if level == 0:
                label = f"{counters[0]}."
            elif level == 1:
                label = f"{counters[0]}.{counters[1]}"
            else:
                label = f"({format_number(counters[level], _FORMATS[level])})"
            p = p.with_(number=label)
        elif p.style is Style.LETTER_ITEM:
            letter_counts[p.list_id] = letter_counts.get(p.list_id, 0) + 1
            p = p.with_(number=f"({format_number(letter_counts[p.list_id], 'lowerLetter')})")
        out.append(p)
    return out


def _resolve_refs(p: Paragraph, numbers: dict[str, str], library: ClauseLibrary, tier: str) -> Paragraph:
    if not any(r.ref for r in p.runs):
        return p
    runs = []
    for r in p.runs:
        if r.ref is not None:
            if r.ref not in numbers:
                why = "is not in this schedule"
                target = library.clauses.get(r.ref.split("#")[0])
                if target is not None and "#" in r.ref and target.id in numbers:
                    why = "is no paragraph of that clause in this tier: add {{ anchor(...) }} to the paragraph"
                if target is None:
                    why = "does not exist"
                elif target.text_for(tier) is None:
                    why = f"has no text for the {tier} tier"
                src = p.clause_id or "?"
                clause = library.clauses.get(src)
                path: tuple[str, ...] = ("text",)
                if clause is not None and not isinstance(clause.text, str):
                    path = ("text", _variant_key(clause, clause.text_for(tier) or ""))
                message = f"clause {src} refers to {r.ref}, which {why}; remove the reference or include that clause"
                raise TemplateError(message, [Problem(library.locate(src, *path), ".".join(path), message)])
            first = r.ref.split("#")[0] if numbers.get(r.ref.split("#")[0]) == numbers[r.ref] else r.ref  # anchored on the first paragraph
            r = Run(numbers[r.ref], r.bold, r.italic, None, ref=first)
        runs.append(r)
    return p.with_(runs=tuple(runs))


def document_date(profile: Profile, override: dt.date | None, library: ClauseLibrary) -> dt.date:
    """The date printed in and recorded on a document: --date, the profile's, or the
    library's release date; never the clock (so renders are reproducible)."""
    return override or profile.model.contract.date or library.spec.release_date


__all__ = [
    "Assembly",
    "PlacedClause",
    "assemble_schedule",
    "base_context",
    "document_date",
    "format_date",
    "number_paragraphs",
    "render_clause_markdown",
    "render_clause_text",
]


def clause_numbers(library: ClauseLibrary, profile: Profile, tier: str) -> dict[str, str]:
    """The paragraph number of each clause in ``profile``'s schedule for ``tier``
    (``dspt.remedial-plan``: ``4.7``) and of each anchored paragraph
    (``dspt.remedial-plan#breach``: ``4.10``), for letters that cite the schedule."""
    assembly = assemble_schedule(library, profile, tier, select_clauses(library, profile, tier))
    numbers = {placed.clause.id: placed.number.rstrip(".") for placed in assembly.placed}
    numbers.update({p.anchor: p.number.rstrip(".") for p in assembly.paragraphs if p.anchor and p.number})
    return numbers
