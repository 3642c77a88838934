"""A letter rendered: the letter clauses and the council's Word template, filled for one
provider's position, with the paragraphs of the schedule it cites and its properties."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import __version__
from ..base import untrusted
from ..base.environment import format_date
from ..base.errors import LibraryError, Problem, TemplateError
from ..base.untrusted import time_limit
from ..dspt.evidence import ExportChecks
from ..dspt.position import ContractualPosition, LetterKind
from ..dspt.register import Provider, salutation_for
from ..library.clauses import Clause, ClauseLibrary, ClauseStatus
from ..library.profiles import Profile, parameter_values
from ..library.releases import Provenance
from ..schedule.assembly import base_context, clause_numbers
from ..word.blocks import Paragraph, Run, Style
from ..word.images import attach_logo
from ..word.ooxml import BodyWriter
from ..word.package import DocumentProperties, package_bytes
from ..word.template import WordTemplate, raw_xml
from .texts import LetterTexts

SUPPORT_CLAUSE = "letter.support"
#: What differs from one letter to the next in the template's context: a template part
#: that uses none of these is rendered once per tier (see LetterRenderer._fixed_parts).
PER_LETTER_NAMES = frozenset({"provider", "letter_body"})
#: What of ``letter`` is the same for every letter of a kind in a batch: a part that uses
#: ``letter`` only for these (a header naming the subject) is rendered once per tier and kind.
KIND_LETTER_KEYS = frozenset({"subject", "date", "dspt", "heading"})
#: What the letter template's page header names: the subject of the letters.
DSPT_HEADING = "Data Security and Protection Toolkit"


def letter_clause(library: ClauseLibrary, clause_id: str) -> Clause:
    """The clause a letter is written from: it must exist, be approved and be for letters."""
    clause = library.clause(clause_id)
    if clause.status is not ClauseStatus.APPROVED:
        key, why = "status", f"is {clause.status.value}: letters are written from approved clauses only; set status: approved once it is reviewed"
    elif "letter" not in clause.applies_to:
        key, why = "applies_to", "is not a letter clause; add letter to its applies_to"
    else:
        return clause
    message = f"clause {clause.id} {why}"
    raise LibraryError(message, [Problem(library.locate(clause.id, key), key, message)])


#: The schedule's paragraphs a letter may cite, by the name letters use.
CITED_CLAUSES = {
    "remedial_plan": "dspt.remedial-plan", "breach": "dspt.remedial-plan#breach",
    "cyber_essentials": "dspt.cyber-essentials", "support": "dspt.support", "advanced_tier": "dspt.advanced-tier",
    "new_providers": "dspt.new-providers", "responsibilities": "dspt.responsibilities",
    "status_falls": "dspt.advanced-tier#status-falls", "lapse_notice": "dspt.cyber-essentials#lapse-notice",
    "change_of_status": "dspt.change-of-status", "foundation_tier": "dspt.foundation-tier",
}


def schedule_paragraphs(library: ClauseLibrary, profile: Profile, tier: str) -> dict[str, str]:
    """The numbers of the paragraphs letters cite in ``profile``'s schedule for ``tier``
    (blank when the schedule leaves one out)."""
    try:
        numbers = clause_numbers(library, profile, tier)
    except TemplateError:  # a schedule clause that cannot render: validate reports it; letters cite no number
        numbers = {}
    return {name: numbers.get(clause_id, "") for name, clause_id in CITED_CLAUSES.items()}


def status_on_record(position: ContractualPosition) -> str:
    """The letter's "DSPT status on record": only what was found, in the export's words
    (``2025-26 Standards Met``), and nothing at all when no export was checked."""
    record = position.record
    if not position.checked:
        return "not checked for this letter"
    if record is None:
        return "we could not find your ODS code in the DSPT organisation search"
    if not record.status.is_published:
        return "registered, no assessment published"
    return record.status_text if record.year_in_status else record.status.label


def nobreak(text: str | None) -> str | None:
    """An email address or phone number that a line never breaks inside: spaces become
    no-break spaces, hyphens non-breaking hyphens (written as Word's own)."""
    if text is None:
        return None
    return text.replace(" ", "\u00a0").replace("-", "\u2011")


def unbreakable_contacts(context: dict[str, Any]) -> None:
    """The contacts' and the signatory's emails and phones, never broken across lines."""
    for contact in (*context["contacts"].values(), context["signatory"]):
        for key in ("email", "phone"):
            if contact.get(key):
                contact[key] = nobreak(contact[key])


class LetterRenderer:
    """Everything that is the same for every letter of a batch, prepared once.

    With ``provenance`` a library holding unreleased changes makes every letter a draft:
    its header says so (the template's ``draft``; a template that does not use it gets the
    line at the top of the letter) and its properties record the commit."""

    def __init__(
        self, library: ClauseLibrary, profile: Profile, template: WordTemplate, as_of: dt.date,
        provenance: Provenance | None = None, export_checks: ExportChecks | None = None,
    ) -> None:
        self.library = library
        self.export_properties = export_checks.properties() if export_checks is not None else {}
        self.profile = profile
        self.template = template
        self.as_of = as_of
        self.provenance = provenance or Provenance()
        self.draft = self.provenance.draft_line
        self.draft_in_body = bool(self.draft) and "draft" not in template.variables()
        self.params = parameter_values(library, profile)
        self.contexts = {tier: base_context(library, profile, tier) for tier in library.tiers}
        for ctx in self.contexts.values():
            unbreakable_contacts(ctx)
        self.media: dict[str, bytes] = {}
        for ctx in self.contexts.values():
            self.media = attach_logo(ctx, profile)
        self.paragraphs = {tier: schedule_paragraphs(library, profile, tier) for tier in library.tiers}
        for kind in LetterKind:
            self.clause_for(kind)  # fail before the batch if a letter clause is missing
        library.clause(SUPPORT_CLAUSE)
        self.texts = LetterTexts(library)
        self.seconds = untrusted.MAX_RENDER_SECONDS  # one limit for all of a letter's renders
        self.fixed: dict[tuple[str, LetterKind], dict[str, bytes]] = {}  # rendered parts the same in every letter of a tier and kind
        per_letter = template.parts_using(PER_LETTER_NAMES) | {
            part for part in template.parts_using({"letter"}) if not (template.attributes_used(part, "letter") or {""}) <= KIND_LETTER_KEYS
        }
        self.fixed_names = template.templated_parts() - per_letter
        #: the parts that differ from one letter to the next (see package_bytes)
        self.unique_parts = frozenset(template.templated_parts() - self.fixed_names) | {"docProps/core.xml", "docProps/custom.xml"}

    def clause_for(self, kind: LetterKind) -> Clause:
        return letter_clause(self.library, f"letter.{kind.value}")

    def context(self, provider: Provider, position: ContractualPosition) -> dict[str, Any]:
        """What the letter template and the letter clauses see: every date comes
        formatted from ``position`` (no template computes one)."""
        record = position.record
        kind_clause = self.clause_for(position.kind)
        return {
            **self.contexts[provider.tier],
            **self.params,
            "draft": self.draft,
            "provider": {
                "name": provider.name,
                "ods_code": provider.ods_code,
                "contact_name": provider.contact_name,
                "salutation": salutation_for(provider),
                "email": provider.email,
                "address": provider.address,
                "tier": provider.tier,
                "cqc_registered": provider.cqc_registered,
                "found": record is not None,
                "published": position.status is not None and position.status.is_published,
                "status": status_on_record(position),
                "status_label": position.status.label if position.status is not None else "",
                "year_from_date": record is not None and record.year is not None and not record.year_in_status,
                "publication_date": format_date(record.publication_date) if record and record.publication_date else "",
            },
            "letter": {
                **position.as_context(),
                "subject": kind_clause.title,
                "paragraphs": self.paragraphs[provider.tier],  # the schedule's, for citing
                "date": format_date(self.as_of),
                "dspt": True,  # a DSPT letter: the template shows the DSPT status box and heading
                "heading": DSPT_HEADING,
            },
        }

    def body(self, provider: Provider, position: ContractualPosition, context: dict[str, Any] | None = None) -> list[Paragraph]:
        """The letter's wording: the kind's clause and the support paragraph."""
        context = context or self.context(provider, position)
        clauses = [self.clause_for(position.kind), self.library.clause(SUPPORT_CLAUSE)]
        return self.texts.paragraphs(clauses, provider.tier, context)

    def render(self, provider: Provider, position: ContractualPosition) -> bytes:
        """The letter's .docx, within one time limit for all its renders."""
        with time_limit(self.seconds):
            context = self.context(provider, position)
            paragraphs = self.body(provider, position, context)
            if self.draft_in_body:  # a council template without the draft line
                paragraphs = [Paragraph(Style.BODY, (Run(self.draft, bold=True),)), *paragraphs]
            writer = BodyWriter(letter_num_base=self.template.plan.letter_num_base if self.template.plan else 0)
            body = context["letter_body"] = raw_xml(writer.blocks(paragraphs))
            used_lists = max((p.list_id for p in paragraphs if p.style is Style.LETTER_ITEM), default=0)
            parts = self.template.render(
                context, writer=writer, properties=self.properties(provider, position), letter_lists=used_lists,
                media=self.media, fixed=self._fixed_parts(provider.tier, position.kind, context), lean=True, trusted=body,
            )
        return package_bytes(parts, unique=self.unique_parts)

    def _fixed_parts(self, tier: str, kind: LetterKind, context: dict[str, Any]) -> dict[str, bytes]:
        """The template parts that print nothing about the provider and, of the letter,
        only what its kind decides (a header with the council's logo and the subject):
        rendered and checked once per tier and kind."""
        if (tier, kind) not in self.fixed:
            self.fixed[tier, kind] = self.template.render_parts(context, self.fixed_names)
        return self.fixed[tier, kind]

    def properties(self, provider: Provider, position: ContractualPosition) -> DocumentProperties:
        kind_clause = self.clause_for(position.kind)
        support = self.library.clause(SUPPORT_CLAUSE)
        m = self.profile.model
        return DocumentProperties(
            title=f"Data Security and Protection Toolkit: {kind_clause.title}",
            subject=f"{provider.name} ({provider.ods_code})",
            creator=m.council.name,
            date=self.as_of,
            keywords=f"DSPT; letter; {position.kind.value}; {provider.tier}",
            description=position.reason,
            custom={
                "contractgen.version": __version__,
                "contractgen.library": self.library.spec.name,
                "contractgen.library.release": self.library.spec.release,
                "contractgen.library.sha256": self.library.digest,
                "contractgen.profile": self.profile.name,
                "contractgen.profile.sha256": self.profile.digest,
                "contractgen.letter.kind": position.kind.value,
                "contractgen.provider.ods_code": provider.ods_code,
                f"clause:{kind_clause.id}": kind_clause.version,
                f"clause:{support.id}": support.version,
                **self.provenance.properties(),
                **case_properties(position, self.as_of),
                **self.export_properties,
            },
        )


def case_properties(position: ContractualPosition, as_of: dt.date) -> dict[str, str]:
    """What ``contractgen case issued`` reads from a letter: its date, the dates it
    states and whether it closes the case."""
    props = {"contractgen.letter.date": as_of.isoformat()}
    for name in ("remedial_plan_due", "standard_by", "response_by"):
        day = getattr(position, name)
        if day is not None:
            props[f"contractgen.letter.{name}"] = day.isoformat()
    if position.closes_case:
        props["contractgen.letter.closes_case"] = "yes"
    return props
