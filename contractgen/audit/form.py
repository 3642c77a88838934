"""The audit form: a Word document, through the council's letter template, that a
provider fills in with real content controls.

Each answer is a content control (``w:sdt``): a drop-down list (Yes, Partly, No, Not
applicable), a date picker, or a plain-text box for evidence. Every control carries two
names that do not depend on where it is in the document:

* a tag, ``cg:bcp:<version>:<question id>:<kind>``, which Word keeps;
* a hidden bookmark named from the tag (``_CGa`` and 16 hex digits), which LibreOffice
  keeps: LibreOffice 7.4 keeps the controls working but drops their tags when it saves.

The question text is a locked plain-text control of its own, so that the reader can tell
a form whose questions were edited. The question set, its version, the tier and the
profile are recorded in the document properties.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .. import __version__
from ..base.atomic import write_atomic
from ..base.environment import format_date
from ..base.errors import OutputError, Problem, UsageError, display_path, plural
from ..base.schema import suggest
from ..base.workdays import add_working_days
from ..base.xmltext import xml_attr, xml_text
from ..dspt.register import Provider, read_register
from ..letters.filenames import inside, letter_file_names
from ..letters.render import unbreakable_contacts
from ..library.auditquestions import (
    ANSWERS,
    AuditLibrary,
    Question,
    QuestionSet,
    load_audit,
)
from ..library.clauses import ClauseLibrary
from ..library.profiles import Profile, parameter_values
from ..library.workspace import Workspace
from ..schedule.assembly import base_context
from ..schedule.render import load_template, prepare
from ..word.blocks import Paragraph, Run, Style
from ..word.images import attach_logo
from ..word.ooxml import BodyWriter
from ..word.package import DocumentProperties, package_bytes, refuse_overwriting
from ..word.template import raw_xml

AUDIT_ID = "bcp"
DOCUMENT_FORM, DOCUMENT_FEEDBACK = "form", "feedback"

# what each empty control shows; a control still showing it has no answer
PLACEHOLDERS = {
    "answer": "Choose an answer",
    "date": "Choose a date",
    "evidence": "Type where the evidence is, and any notes",
    "text": "Type here",
}
#: The fields about the provider and the form, before the questions: (key, kind, label).
FORM_FIELDS = (
    ("provider.name", "text", "Organisation name"),
    ("provider.ods_code", "text", "ODS code"),
    ("form.completed-by", "text", "Completed by (name and role)"),
    ("form.completed-on", "date", "Date completed"),
)
STATUS_NOT_CHECKED = "not part of this audit"


# ------------------------------------------------------------------ names of controls


def control_tag(audit_id: str, version: str, key: str, kind: str) -> str:
    """The stable tag of a control: ``cg:bcp:1.0.0:roles.owner:answer``."""
    return f"cg:{audit_id}:{version}:{key}:{kind}"


def control_bookmark(tag: str) -> str:
    """The hidden bookmark that names a control where a program drops its tag."""
    return "_CGa" + hashlib.sha1(tag.encode("utf-8")).hexdigest()[:16]


def form_controls(qs: QuestionSet) -> list[tuple[str, str, str]]:
    """Every control a form of ``qs`` has: (tag, key, kind), in document order."""
    out = [(control_tag(qs.id, qs.version, key, kind), key, kind) for key, kind, _ in FORM_FIELDS]
    for q in qs.questions:
        kinds = ["question", "answer"] + (["date"] if q.date else []) + ["evidence"]
        out += [(control_tag(qs.id, qs.version, q.id, kind), q.id, kind) for kind in kinds]
    return out


# ------------------------------------------------------------------ content controls

_DATE_FORMAT = "d MMMM yyyy"


def _sdt(tag: str, alias: str, kind_xml: str, text: str, placeholder: bool, *, locked: bool = False) -> str:
    bookmark = control_bookmark(tag)
    bid = int(bookmark[4:12], 16) % 2_000_000_000
    ppr = (
        f'<w:alias w:val="{xml_attr(alias)}"/><w:tag w:val="{xml_attr(tag)}"/>'
        + ('<w:lock w:val="sdtContentLocked"/>' if locked else "")
        + ("<w:showingPlcHdr/>" if placeholder else "")
        + kind_xml
    )
    rpr = '<w:rPr><w:color w:val="808080"/></w:rPr>' if placeholder else ""
    return (
        f'<w:bookmarkStart w:id="{bid}" w:name="{bookmark}"/>'
        f"<w:sdt><w:sdtPr>{ppr}</w:sdtPr><w:sdtContent>"
        f'<w:r>{rpr}<w:t xml:space="preserve">{xml_text(text)}</w:t></w:r>'
        f'</w:sdtContent></w:sdt><w:bookmarkEnd w:id="{bid}"/>'
    )


def answer_control(tag: str, alias: str) -> str:
    items = "".join(f'<w:listItem w:displayText="{xml_attr(a)}" w:value="{xml_attr(a)}"/>' for a in ANSWERS)
    return _sdt(tag, alias, f"<w:dropDownList>{items}</w:dropDownList>", PLACEHOLDERS["answer"], True)


def date_control(tag: str, alias: str) -> str:
    kind = (
        f'<w:date><w:dateFormat w:val="{_DATE_FORMAT}"/><w:lid w:val="en-GB"/>'
        '<w:storeMappedDataAs w:val="dateTime"/><w:calendar w:val="gregorian"/></w:date>'
    )
    return _sdt(tag, alias, kind, PLACEHOLDERS["date"], True)


def text_control(tag: str, alias: str, value: str = "", kind: str = "text", *, locked: bool = False) -> str:
    multi = ' w:multiLine="1"' if kind == "evidence" else ""
    return _sdt(tag, alias, f"<w:text{multi}/>", value or PLACEHOLDERS[kind], not value, locked=locked)


# ------------------------------------------------------------------ the body


def _label(writer: BodyWriter, label: str, control: str, *, bold: bool = False) -> str:
    runs = writer.runs([Run(f"{label}: ", bold=bold)]) + control
    return writer.paragraph(Paragraph(Style.BODY), runs_xml=runs)


def form_body(qs: QuestionSet, writer: BodyWriter, provider: Provider | None, return_by: dt.date) -> str:
    """The body XML of a form: how to fill it in, the provider's details, the questions."""
    def para(*runs: Run, style: Style = Style.BODY) -> str:
        return writer.paragraph(Paragraph(style, tuple(runs)))

    def tag(key: str, kind: str) -> str:
        return control_tag(qs.id, qs.version, key, kind)

    out = [
        para(Run(
            "Please answer every question about your business continuity plan by choosing Yes, Partly, No "
            "or Not applicable, say where the evidence is, and return this document to us in Word format "
            f"(.docx) by {format_date(return_by)}. Answer in the boxes: text typed outside them is not read, "
            "and please do not change the questions."
        )),
        para(Run(
            "Not applicable answers are left out of your score. Questions marked critical matter most: "
            "a No or Partly there is reported to you as a critical gap."
        )),
        para(Run("About your organisation"), style=Style.HEADING),
    ]
    prefilled = {"provider.name": provider.name if provider else "", "provider.ods_code": provider.ods_code if provider else ""}
    for key, kind, label in FORM_FIELDS:
        control = (
            date_control(tag(key, kind), label) if kind == "date"
            else text_control(tag(key, kind), label, prefilled.get(key, ""))
        )
        out.append(_label(writer, label, control))
    for section in qs.sections:
        out.append(para(Run(f"{section.number}. {section.title}"), style=Style.HEADING))
        for q in section.questions:
            out += _question(writer, qs, q, para, tag)
    return "".join(out)


def _question(writer: BodyWriter, qs: QuestionSet, q: Question, para: Any, tag: Any) -> list[str]:
    critical = " (critical)" if q.critical else ""
    number = writer.runs([Run(f"{q.number}{critical} ", bold=True)])
    question = text_control(tag(q.id, "question"), f"Question {q.number}", q.text, locked=True)
    out = [
        writer.paragraph(Paragraph(Style.BODY), runs_xml=number + question),
        para(Run("What good looks like: ", italic=True), Run(q.help, italic=True)),
        para(Run("Evidence we expect: ", italic=True), Run(q.evidence, italic=True)),
        _label(writer, "Answer", answer_control(tag(q.id, "answer"), f"Answer {q.number}"), bold=True),
    ]
    if q.date:
        out.append(_label(writer, q.date, date_control(tag(q.id, "date"), f"Date {q.number}")))
    out.append(_label(writer, "Evidence and notes", text_control(tag(q.id, "evidence"), f"Evidence {q.number}", kind="evidence")))
    return out


# ------------------------------------------------------------------ through the template


def letter_context(
    library: ClauseLibrary, profile: Profile, tier: str, provider: dict[str, Any], *,
    subject: str, date: dt.date, response_by: dt.date | None, reason: str, kind: str,
) -> dict[str, Any]:
    """What the council's letter template receives for an audit document (docs/branding.md
    'Template variables') but ``letter_body``: the provider's DSPT status is not part of
    an audit. ``response_by`` is ``None`` for a document that asks for no reply: the
    template then shows no "Please respond by" row, as for a confirm or renew letter."""
    context = {**base_context(library, profile, tier), **parameter_values(library, profile)}
    context.update(
        draft="",  # the letter template's draft line: audit documents are not marked (see docs/audit.md)
        provider={
            "name": provider.get("name", ""),
            "ods_code": provider.get("ods_code", ""),
            "contact_name": provider.get("contact_name", ""),
            "salutation": provider.get("contact_name") or "Sir or Madam",
            "email": provider.get("email", ""),
            "address": provider.get("address", ""),
            "tier": tier,
            "cqc_registered": provider.get("cqc_registered"),
            "status": STATUS_NOT_CHECKED,
            "publication_date": "",
        },
        letter={
            "kind": kind, "subject": subject, "date": format_date(date), "response_by": format_date(response_by) if response_by else "",
            "next_deadline": "", "valid_until": "", "reason": reason,
            "dspt": False,  # not a DSPT letter: no DSPT status box, no DSPT page header
            "heading": "Business continuity plan audit",
        },
    )
    return context


def audit_properties(
    library: ClauseLibrary, profile: Profile, qs: QuestionSet, provider: dict[str, Any], *,
    title: str, date: dt.date, document: str, extra: dict[str, str] | None = None,
) -> DocumentProperties:
    """Core and custom properties of an audit form or feedback letter."""
    m = profile.model
    custom = {
        "contractgen.version": __version__,
        "contractgen.library.release": library.spec.release,
        "contractgen.library.sha256": library.digest,
        "contractgen.profile": profile.name,
        "contractgen.profile.sha256": profile.digest,
        "contractgen.council": m.council.name,
        "contractgen.tier": qs.tier,
        "contractgen.audit": qs.id,
        "contractgen.audit.version": qs.version,
        "contractgen.audit.document": document,
    }
    for key in ("ods_code", "name", "contact_name", "email", "address"):
        if provider.get(key):
            custom[f"contractgen.provider.{key}"] = str(provider[key])
    custom.update(extra or {})
    who = f"{provider['name']} ({provider['ods_code']})" if provider.get("name") else "a care provider"
    return DocumentProperties(
        title=title, subject=who, creator=m.council.name, date=date,
        keywords=f"business continuity; audit; {qs.id} {qs.version}; {qs.tier}",
        description=f"{qs.title}, question set {qs.id} version {qs.version}, {qs.tier} tier",
        custom=custom,
    )


#: What writes an audit document's body: given the template context and the writer,
#: its body XML, or paragraphs (clause text, whose lettered lists need numbering).
BodyMaker = Callable[[dict[str, Any], BodyWriter], "str | list[Paragraph]"]


def render_letter_document(
    workspace: Workspace, library: ClauseLibrary, profile: Profile, qs: QuestionSet, provider: dict[str, Any],
    *, body: BodyMaker, subject: str, date: dt.date, response_by: dt.date | None, reason: str, document: str,
    extra: dict[str, str] | None = None,
) -> bytes:
    """An audit document's bytes through the council's letter template."""
    template = load_template(workspace, profile, "letter")
    writer = BodyWriter(letter_num_base=template.plan.letter_num_base if template.plan else 0)
    context = letter_context(library, profile, qs.tier, provider, subject=subject, date=date,
                             response_by=response_by, reason=reason, kind=f"audit-{document}")
    unbreakable_contacts(context)  # as in the guidance letters: emails and phones never break across lines
    made = body(context, writer)
    lists = 0
    if not isinstance(made, str):
        lists = max((p.list_id for p in made if p.style is Style.LETTER_ITEM), default=0)
        made = writer.blocks(made)
    context["letter_body"] = raw_xml(made)
    media = attach_logo(context, profile)
    props = audit_properties(library, profile, qs, provider, title=subject,
                             date=date, document=document, extra=extra)
    parts = template.render(context, writer=writer, properties=props, letter_lists=lists, media=media)
    return package_bytes(parts)


# ------------------------------------------------------------------ the command


@dataclass
class AuditFormsResult:
    """What ``write_audit_forms`` wrote."""

    paths: list[Path] = field(default_factory=list)
    version: str = ""
    tiers: dict[str, int] = field(default_factory=dict)
    rejected: list[Problem] = field(default_factory=list)  # register rows skipped

    @property
    def failed(self) -> bool:
        return bool(self.rejected)

    def summary_lines(self) -> list[str]:
        tiers = ", ".join(f"{n} {t}" for t, n in self.tiers.items())
        where = display_path(self.paths[0]) if len(self.paths) == 1 else display_path(self.paths[0].parent) if self.paths else ""
        lines = [f"wrote {plural(len(self.paths), 'audit form')}{' to ' + where if where else ''} "
                 f"(question set {AUDIT_ID} {self.version}; {tiers})"]
        if self.rejected:
            rows = len({(p.location.file, p.location.line) for p in self.rejected})
            lines.append(f"{plural(rows, 'register row')} rejected (no form written):")
            lines.extend(f"  {p}" for p in self.rejected)
        return lines


def write_audit_forms(
    workspace: Workspace,
    profile_ref: str,
    *,
    tier: str | None = None,
    provider_code: str | None = None,
    providers_file: Path | None = None,
    for_all: bool = False,
    output: Path | None = None,
    date: dt.date | None = None,
    force: bool = False,
) -> AuditFormsResult:
    """Write a business continuity plan audit form: blank, for one provider of the
    register (``provider_code``), or one per provider (``for_all``, into a folder).
    Forms that exist already are refused, before anything is written, unless ``force``."""

    if (provider_code or for_all) and providers_file is None:
        raise UsageError("--provider and --for-all read the provider register: give it with --providers FILE")
    if provider_code and for_all:
        raise UsageError("give either --provider CODE or --for-all, not both")
    date = date or dt.date.today()
    library, profile = prepare(workspace, profile_ref)
    if tier is not None and tier not in library.tiers:
        raise UsageError(f"unknown tier {tier!r}{suggest(tier, library.tiers)}; tiers: {', '.join(library.tiers)}")
    audit = load_audit(workspace.library_dir, AUDIT_ID, library)
    return_by = add_working_days(date, profile.model.letters.response_working_days)
    result = AuditFormsResult(version=audit.spec.version)

    providers: list[Provider | None] = [None]
    if providers_file is not None:
        providers, result.rejected = _chosen_providers(library, profile, providers_file, provider_code, for_all=for_all)
    folder, targets = _form_targets(workspace, profile, providers, tier=tier, output=output, for_all=for_all)
    if not force:
        refuse_overwriting(folder, targets)

    jobs = []
    for provider, target in zip(providers, targets):
        form_tier = tier or (provider.tier if provider else profile.model.tier)
        jobs.append((provider, form_tier, target, render_form(workspace, library, profile, audit, provider, form_tier, date, return_by)))
    for provider, form_tier, target, data in jobs:  # every form rendered before any is written
        write_atomic(target, data)
        result.paths.append(target)
        result.tiers[form_tier] = result.tiers.get(form_tier, 0) + 1
    return result


def _chosen_providers(
    library: ClauseLibrary, profile: Profile, providers_file: Path, provider_code: str | None, *, for_all: bool
) -> tuple[list[Provider | None], list[Problem]]:
    """(the providers of the register to write forms for, the rejected rows): the one
    with ``provider_code``, or all of them (``for_all``)."""
    register = read_register(providers_file, column_map=profile.model.letters.register_columns or None,
                             tiers=library.tiers, default_tier=profile.model.tier)
    if provider_code:
        code = provider_code.strip().upper()
        chosen = [p for p in register.providers if p.ods_code == code]
        if not chosen:
            raise UsageError(f"--provider {code}: no provider with that ODS code in {display_path(providers_file)}")
        return list(chosen), []
    if for_all:
        return list(register.providers), register.problems
    raise UsageError("--providers FILE is read with --provider CODE or --for-all")


def _form_targets(
    workspace: Workspace, profile: Profile, providers: list[Provider | None], *, tier: str | None, output: Path | None, for_all: bool
) -> tuple[Path | None, list[Path]]:
    """(the folder of the forms with --for-all, else None; the file of each form):
    ``output`` names the folder (--for-all) or the one form."""
    if for_all:
        folder = output or workspace.output_dir / f"{profile.name}-{AUDIT_ID}-forms"
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{display_path(folder)} is a file; with --for-all, -o names a folder")
        names = letter_file_names([p for p in providers if p is not None])
        return folder, [inside(folder, n) for n in names]
    only = providers[0]
    default = f"{profile.name}-{AUDIT_ID}-form" + (f"-{only.ods_code}" if only else "") + f"-{tier or (only.tier if only else profile.model.tier)}.docx"
    return None, [output or workspace.output_dir / default]


def provider_fields(provider: Provider | None) -> dict[str, Any]:
    if provider is None:
        return {"name": "", "ods_code": ""}
    return {"name": provider.name, "ods_code": provider.ods_code, "contact_name": provider.contact_name,
            "email": provider.email, "address": provider.address, "cqc_registered": provider.cqc_registered}


def render_form(
    workspace: Workspace, library: ClauseLibrary, profile: Profile, audit: AuditLibrary,
    provider: Provider | None, tier: str, date: dt.date, return_by: dt.date,
) -> bytes:
    """One form's bytes."""
    qs = audit.at(tier=tier)
    return render_letter_document(
        workspace, library, profile, qs, provider_fields(provider),
        body=lambda _context, writer: form_body(qs, writer, provider, return_by),
        subject=f"{qs.title} ({library.spec.tiers[tier].title} tier)", date=date, response_by=return_by,
        reason="Business continuity plan audit form", document=DOCUMENT_FORM,
    )
