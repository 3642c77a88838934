"""Audit question sets: ``clause_library/audits/<id>.yaml``, versioned like clauses.

A question set (the business continuity plan audit, ``bcp``) has sections of questions;
each question has help, the evidence expected, a weight, whether it is critical, the
tiers it is asked in, and the clause or DSPT evidence item it checks.

Every version a council ever sent out stays readable from the file itself, so a form
returned months later is scored against the questions it asked, on any clone (tags or
no tags): a question records the version that added it (``since``), the version that
dropped it (``withdrawn``), and under ``earlier`` what it said before a change. The
set at version V is every question with ``since <= V < withdrawn``, each with the
values of the first ``earlier`` entry whose ``until`` is after V.

Loading collects every problem of the file, located by line and key, before raising one
:class:`~contractgen.base.errors.LibraryError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from pydantic import Field, field_validator

from ..base.errors import (
    ContractgenError,
    InputError,
    LibraryError,
    Location,
    Problem,
    count_problems,
    display_path,
)
from ..base.schema import Strict, XmlText, check_xml_text, suggest, validate_model
from ..base.yamlio import YamlDocument, decode_text, parse_yaml, read_yaml
from .clauses import ChangelogEntry, ClauseLibrary, parse_semver

AUDITS_DIR = "audits"
#: The answers a provider chooses from, and what each is worth.
ANSWERS: dict[str, float | None] = {"Yes": 1.0, "Partly": 0.5, "No": 0.0, "Not applicable": None}
NOT_APPLICABLE = "Not applicable"
QUESTION_ID = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+(?:-[a-z0-9]+)*$")
SECTION_ID = re.compile(r"^[a-z][a-z0-9-]*$")


def _semver(v: str) -> str:
    parse_semver(v)
    return v


def _matching(pattern: re.Pattern[str], what: str) -> Callable[[str], str]:
    """A validator: the value must match ``pattern``; else "'x' is not <what>"."""
    def check(v: str) -> str:
        if not pattern.match(v):
            raise ValueError(f"{v!r} is not {what}")
        return v
    return check


class Earlier(Strict):
    """What a question said in the versions before ``until``."""

    until: str
    text: XmlText | None = None
    help: XmlText | None = None
    evidence: XmlText | None = None
    weight: int | None = Field(default=None, ge=1, le=10)
    critical: bool | None = None
    tiers: list[str] | None = None
    date: XmlText | None = None
    not_applicable: bool | None = None
    date_within_months: int | None = Field(default=None, ge=0, le=120)
    critical_in: list[str] | None = None

    _until = field_validator("until")(_semver)


class QuestionSpec(Strict):
    id: str
    text: XmlText
    help: XmlText
    evidence: XmlText
    weight: int = Field(ge=1, le=10)
    critical: bool
    tiers: list[str] = Field(min_length=1)
    clause: str | None = None
    dspt_item: XmlText | None = None
    date: XmlText | None = None  # label of a date picker, when the question asks for a date
    #: whether "Not applicable" may be the answer (never for a duty that applies to every provider)
    not_applicable: bool = True
    #: a Yes or Partly needs the date, no older than this many months before the form's completion (0: any date)
    date_within_months: int = Field(default=0, ge=0, le=120)
    critical_in: list[str] = []  # tiers in which the question is critical although `critical` is false
    since: str | None = None
    withdrawn: str | None = None
    earlier: list[Earlier] = []

    _versions = field_validator("since", "withdrawn")(lambda v: v if v is None else _semver(v))
    _id = field_validator("id")(_matching(QUESTION_ID, "a question id: use the section id, a dot and lowercase words joined by hyphens, such as roles.owner"))


class SectionSpec(Strict):
    id: str
    title: XmlText
    questions: list[QuestionSpec] = Field(min_length=1)

    _id = field_validator("id")(_matching(SECTION_ID, "a section id: use lowercase words joined by hyphens, such as roles"))


class QuestionSetSpec(Strict):
    """``clause_library/audits/<id>.yaml``."""

    id: str
    title: XmlText
    version: str
    sources: list[XmlText] = Field(min_length=1)
    sections: list[SectionSpec] = Field(min_length=1)
    changelog: list[ChangelogEntry] = Field(min_length=1)

    _version = field_validator("version")(_semver)
    _xml = field_validator("id", mode="before")(check_xml_text)


@dataclass(frozen=True)
class Question:
    """One question as a given version of the set asks it."""

    id: str
    section: str
    number: str  # "1.2": section and question number within this form
    text: str
    help: str
    evidence: str
    weight: int
    critical: bool
    clause: str | None
    dspt_item: str | None
    date: str | None
    not_applicable: bool = True
    date_within_months: int = 0

    @property
    def checks(self) -> str:
        """What the question checks, for people: a clause id or a DSPT item."""
        return "; ".join(x for x in (f"clause {self.clause}" if self.clause else "", self.dspt_item or "") if x)


@dataclass(frozen=True)
class Section:
    id: str
    number: int
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class QuestionSet:
    """The questions of one version of a set, for one tier."""

    id: str
    title: str
    version: str
    tier: str
    sections: tuple[Section, ...]

    @property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]


@dataclass(frozen=True)
class AuditLibrary:
    """A loaded question set with all its versions."""

    spec: QuestionSetSpec
    doc: YamlDocument
    tiers: tuple[str, ...]

    @property
    def versions(self) -> list[str]:
        return sorted({e.version for e in self.spec.changelog}, key=parse_semver)

    def at(self, version: str | None = None, tier: str | None = None) -> QuestionSet:
        """The questions asked by ``version`` (default: the current one) in ``tier``
        (default: every question of the version, whatever its tiers)."""
        version = version or self.spec.version
        if version not in self.versions:
            raise LibraryError(
                f"question set {self.spec.id} has no version {version}{suggest(version, self.versions)}; "
                f"versions: {', '.join(self.versions)}"
            )
        key = parse_semver(version)
        sections: list[Section] = []
        for section in self.spec.sections:
            asked: list[tuple[QuestionSpec, dict[str, Any]]] = []
            for q in section.questions:
                if q.since and parse_semver(q.since) > key:
                    continue
                if q.withdrawn and parse_semver(q.withdrawn) <= key:
                    continue
                values: dict[str, Any] = q.model_dump(include={"text", "help", "evidence", "weight", "critical", "tiers", "date",
                                                               "not_applicable", "date_within_months", "critical_in"})
                for entry in sorted(q.earlier, key=lambda e: parse_semver(e.until)):
                    if key < parse_semver(entry.until):
                        values.update({k: v for k, v in entry.model_dump(exclude={"until"}).items() if v is not None})
                        break
                if tier is not None and tier not in values["tiers"]:
                    continue
                asked.append((q, values))
            if not asked:
                continue
            number = len(sections) + 1
            sections.append(Section(section.id, number, section.title, tuple(
                Question(
                    id=q.id, section=section.id, number=f"{number}.{i}", text=v["text"], help=v["help"],
                    evidence=v["evidence"], weight=v["weight"], critical=v["critical"] or (tier is not None and tier in v["critical_in"]),
                    clause=q.clause, dspt_item=q.dspt_item, date=v["date"], not_applicable=v["not_applicable"],
                    date_within_months=v["date_within_months"],
                )
                for i, (q, v) in enumerate(asked, start=1)
            )))
        return QuestionSet(self.spec.id, self.spec.title, version, tier or "", tuple(sections))


def audit_files(library_dir: Path) -> list[Path]:
    folder = library_dir / AUDITS_DIR
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def load_audit(library_dir: Path, audit_id: str, library: ClauseLibrary) -> AuditLibrary:
    """Read ``<library>/audits/<audit_id>.yaml`` and check it against the clause library."""
    path = library_dir / AUDITS_DIR / f"{audit_id}.yaml"
    if not path.is_file():
        found = [p.stem for p in audit_files(library_dir)]
        message = (
            f"no question set {audit_id!r} in {display_path(library_dir / AUDITS_DIR)}"
            f"{suggest(audit_id, found)}; question sets there: {', '.join(found) or 'none'}"
        )
        raise LibraryError(message, [Problem(Location(display_path(path)), "", message)])
    return load_audit_file(path, library)


def load_audit_file(path: Path, library: ClauseLibrary) -> AuditLibrary:
    return _load_audit_doc(read_yaml(path, display_path(path)), path.stem, library)


def _load_audit_doc(doc: YamlDocument, stem: str, library: ClauseLibrary) -> AuditLibrary:
    spec, problems = validate_model(QuestionSetSpec, doc)
    if spec is not None:
        problems = _cross_check(spec, doc, library, stem)
    if problems or spec is None:
        raise LibraryError(f"{count_problems(problems)} in the question set {doc.file}", problems)
    return AuditLibrary(spec=spec, doc=doc, tiers=tuple(library.tiers))


def _cross_check(spec: QuestionSetSpec, doc: YamlDocument, library: ClauseLibrary, stem: str) -> list[Problem]:
    problems: list[Problem] = []
    if spec.id != stem:
        problems.append(doc.problem(("id",), f"the file name must match the id: rename the file to {spec.id}.yaml or change the id to {stem!r}"))
    logged = [e.version for e in spec.changelog]
    newest = max(logged, key=parse_semver)
    if spec.version != newest:
        problems.append(doc.problem(("version",), f"version {spec.version} is not the newest changelog entry ({newest}); "
                                    f"set version: {newest}, or add a changelog entry for {spec.version}"))
    for i, v in enumerate(logged):
        if v in logged[:i]:
            problems.append(doc.problem(("changelog", i, "version"), f"version {v} is in the changelog twice; give each change its own version"))

    seen: dict[str, str] = {}
    section_ids: list[str] = []
    for si, section in enumerate(spec.sections):
        if section.id in section_ids:
            problems.append(doc.problem(("sections", si, "id"), f"section id {section.id!r} is used twice; give each section its own id"))
        section_ids.append(section.id)
        for qi, q in enumerate(section.questions):
            base: tuple = ("sections", si, "questions", qi)
            if q.id in seen:
                problems.append(doc.problem(base + ("id",), f"question id {q.id!r} is also used at {seen[q.id]}; give each question its own id"))
            seen.setdefault(q.id, f"line {doc.locate(base + ('id',)).line}")
            problems.extend(_question_problems(doc, library, logged, base, section.id, q))
    for version in logged:
        if parse_semver(version) > parse_semver(spec.version):
            continue
        asked = [q for s in spec.sections for q in s.questions
                 if not (q.since and parse_semver(q.since) > parse_semver(version))
                 and not (q.withdrawn and parse_semver(q.withdrawn) <= parse_semver(version))]
        if not asked:
            problems.append(doc.problem(("changelog",), f"version {version} asks no question; every version needs at least one"))
    return sorted(problems, key=lambda p: (p.location.line or 0, p.location.column or 0, p.key))


def _question_problems(doc: YamlDocument, library: ClauseLibrary, logged: list[str], base: tuple, section_id: str, q: QuestionSpec) -> list[Problem]:
    """One question at ``base``: its id, what it checks, its tiers and its versions."""
    problems: list[Problem] = []
    if q.id.split(".", 1)[0] != section_id:
        problems.append(doc.problem(base + ("id",), f"question id {q.id!r} must start with its section id: {section_id}.{q.id.split('.', 1)[1]}"))
    if q.clause is None and q.dspt_item is None:
        problems.append(doc.problem(base, "say what the question checks: add `clause:` (a clause id) or `dspt_item:` (the DSPT evidence item, with the toolkit version)"))
    if q.clause is not None and q.clause not in library.clauses:
        problems.append(doc.problem(base + ("clause",), f"clause {q.clause!r} is not in the clause library{suggest(q.clause, library.clauses)}"))
    problems += _unknown_tiers(doc, library, q.tiers, base + ("tiers",))
    problems += _unlogged_version(doc, logged, q.since, base + ("since",))
    problems += _unlogged_version(doc, logged, q.withdrawn, base + ("withdrawn",))
    if q.since and q.withdrawn and parse_semver(q.withdrawn) <= parse_semver(q.since):
        problems.append(doc.problem(base + ("withdrawn",), f"withdrawn in {q.withdrawn}, before or when it was added ({q.since})"))
    if q.date_within_months and not q.date:
        problems.append(doc.problem(base + ("date_within_months",), "date_within_months needs a `date:` (the date the answer is checked against)"))
    problems += _unknown_tiers(doc, library, q.critical_in or None, base + ("critical_in",))
    for ei, entry in enumerate(q.earlier):
        problems += _unlogged_version(doc, logged, entry.until, base + ("earlier", ei, "until"))
        problems += _unknown_tiers(doc, library, entry.tiers, base + ("earlier", ei, "tiers"))
    return problems


def _unlogged_version(doc: YamlDocument, logged: list[str], value: str | None, path: tuple) -> list[Problem]:
    if value is not None and value not in logged:
        return [doc.problem(path, f"version {value} has no changelog entry{suggest(value, logged)}; name a version listed under changelog")]
    return []


def _unknown_tiers(doc: YamlDocument, library: ClauseLibrary, tiers: list[str] | None, path: tuple) -> list[Problem]:
    return [
        doc.problem(path + (j,), f"unknown tier {t!r}{suggest(t, library.tiers)}; tiers: {', '.join(library.tiers)}")
        for j, t in enumerate(tiers or []) if t not in library.tiers
    ]


def check_audits(library_dir: Path, library: ClauseLibrary) -> tuple[int, list[Problem]]:
    """For ``contractgen validate``: load every question set; return (loaded, problems)."""
    loaded, problems = 0, []
    for path in audit_files(library_dir):
        try:
            load_audit_file(path, library)
            loaded += 1
        except InputError as exc:  # the file's own mistakes (YAML, schema, unreadable); a bug in the code surfaces
            problems.extend(exc.problems or [Problem(Location(display_path(path)), "", str(exc))])
    return loaded, problems



def check_audit_history(old: AuditLibrary, new: AuditLibrary, since: str) -> list[Problem]:
    """What ``check-versions`` reports: every version of the set at ``since`` must still
    ask exactly the same questions, so that forms already sent are scored as they were
    asked."""
    problems = []
    for version in old.versions:
        if version not in new.versions:
            problems.append(new.doc.problem(("changelog",), (
                f"version {version} of question set {new.spec.id} (at {since}) is gone from the changelog; forms "
                "sent with it could no longer be scored; keep its changelog entry")))
            continue
        for tier in new.tiers:
            if old.at(version, tier) != new.at(version, tier):
                problems.append(new.doc.problem(("version",), (
                    f"what version {version} of question set {new.spec.id} asks in the {tier} tier changed since "
                    f"{since}: forms already sent with it would be scored against other questions; keep the old "
                    "values under the question's `earlier:` (or use `since:`/`withdrawn:`) and give the change a new "
                    "version and changelog entry")))
                break
    return problems


def check_audit_versions(library_dir: Path, files_at_ref: dict[str, bytes], origin: str, since: str, library: ClauseLibrary) -> list[Problem]:
    """:func:`check_audit_history` for every question set of the working library that
    also exists in ``files_at_ref`` (the library folder's files at a git reference)."""
    problems: list[Problem] = []
    for path in audit_files(library_dir):
        rel = f"{AUDITS_DIR}/{path.name}"
        if rel not in files_at_ref:
            continue  # a new question set: nothing was sent with it yet
        try:
            old = _load_audit_doc(parse_yaml(decode_text(files_at_ref[rel], f"{origin}/{rel}"), f"{origin}/{rel}"), path.stem, library)
        except ContractgenError:
            continue  # an unreadable old file cannot have been sent
        try:
            new = load_audit_file(path, library)
        except ContractgenError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(check_audit_history(old, new, since))
    return problems
