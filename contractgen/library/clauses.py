"""The clause library: ``library.yaml`` plus one YAML file per clause.

A library can be read from a folder or from any mapping of relative paths to bytes (a git
tree at a past release: see :mod:`contractgen.base.gitrefs`). Loading collects every problem
of every file before raising one :class:`~contractgen.base.errors.LibraryError`.

A clause's parameters are in :mod:`contractgen.library.parameters` and ``library.yaml``'s
model in :mod:`contractgen.library.libraryspec`; both are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Literal, Mapping

from jinja2 import TemplateSyntaxError
from pydantic import Field, field_validator

from ..base.environment import clause_environment, undeclared_variables
from ..base.errors import InputError, LibraryError, Location, Problem, count_problems, display_path
from ..base.schema import Strict, check_xml_text, suggest, validate_model
from ..base.untrusted import MAX_CLAUSE_CHARS
from ..base.yamlio import YamlDocument, decode_text, parse_yaml
from .libraryspec import DEFAULT_DEADLINES as DEFAULT_DEADLINES
from .libraryspec import DeadlineSpec as DeadlineSpec
from .libraryspec import DsptSettings as DsptSettings
from .libraryspec import LibrarySpec as LibrarySpec
from .libraryspec import SectionSpec as SectionSpec
from .libraryspec import TierSpec as TierSpec
from .libraryspec import VersionDeadline as VersionDeadline
from .parameters import DEFAULT_RANGES as DEFAULT_RANGES
from .parameters import PARAM_NAME as PARAM_NAME
from .parameters import Parameter as Parameter
from .parameters import ParameterType as ParameterType
from .parameters import check_parameter_value as check_parameter_value
from .parameters import default_range as default_range

LIBRARY_FILE = "library.yaml"
CLAUSES_DIR = "clauses"

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
CLAUSE_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)+$")
REF_CALL = re.compile(r"""ref\(\s*["']([^"']+)["']\s*\)""")
#: ``{{ anchor("breach-log") }}`` at the start of a paragraph: ``ref("clause-id#breach-log")`` then
#: points at that paragraph instead of the clause's first.
ANCHOR_CALL = re.compile(r"""anchor\(\s*["']([a-z][a-z0-9-]*)["']\s*\)""")

#: Names a clause text may use besides its own parameters (``audit``: the score a
#: business continuity plan audit feedback letter reports).
CONTEXT_NAMES = frozenset(
    {"council", "contract", "contacts", "tier", "dspt", "example", "ref", "anchor", "provider", "letter", "library", "audit"}
)


def parse_semver(text: str) -> tuple[int, int, int]:
    m = SEMVER.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a version like 1.2.0 (major.minor.patch)")
    return int(m[1]), int(m[2]), int(m[3])


class ClauseStatus(str, Enum):
    DRAFT = "draft"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"


class ChangelogEntry(Strict):
    version: str
    date: dt.date
    summary: str

    @field_validator("version")
    @classmethod
    def _semver(cls, v: str) -> str:
        parse_semver(v)
        return v


class Clause(Strict):
    """One clause, as written in ``clause_library/clauses/<id>.yaml``."""

    id: str
    title: str
    version: str
    status: ClauseStatus
    section: str
    applies_to: list[Literal["schedule", "letter"]] = Field(min_length=1)
    references: list[str] = []
    parameters: list[Parameter] = []
    text: str | dict[str, str]
    guidance: str = ""
    changelog: list[ChangelogEntry] = Field(min_length=1)

    _check_xml = field_validator("title", "guidance", "text", mode="before")(check_xml_text)

    @field_validator("text")
    @classmethod
    def _text_length(cls, v: str | dict[str, str]) -> str | dict[str, str]:
        for text in [v] if isinstance(v, str) else v.values():
            if len(text) > MAX_CLAUSE_CHARS:
                raise ValueError(
                    f"the text is {len(text):,} characters, more than the limit of {MAX_CLAUSE_CHARS:,} for one "
                    "clause; split it into several clauses"
                )
        return v

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not CLAUSE_ID.match(v):
            raise ValueError(
                f"{v!r} is not a clause id: use lowercase words joined by dots and hyphens, "
                "such as dspt.annual-renewal"
            )
        return v

    @field_validator("version")
    @classmethod
    def _version(cls, v: str) -> str:
        parse_semver(v)
        return v

    def text_for(self, tier: str) -> str | None:
        """The Markdown text for ``tier``; None when the clause leaves that tier out."""
        if isinstance(self.text, str):
            return self.text
        return self.text.get(tier, self.text.get("default"))

    @property
    def variants(self) -> dict[str, str]:
        """Every text variant by key (``default`` for a plain string)."""
        return {"default": self.text} if isinstance(self.text, str) else dict(self.text)

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"


@dataclass(frozen=True)
class ClauseLibrary:
    """A loaded, cross-checked clause library. Immutable: one loaded library is shared by
    every document of a run (see :func:`load_library_files`); to vary one, build a new one
    with :func:`dataclasses.replace`."""

    spec: LibrarySpec
    clauses: Mapping[str, Clause]
    origin: str  # where it was read from: a folder, or "release-2026.1:clause_library"
    sources: Mapping[str, YamlDocument] = field(default_factory=dict)  # clause id -> its file
    digest: str = ""  # SHA-256 of the files it was read from
    fingerprint: str = ""  # SHA-256 of its content, library.yaml's release_fingerprint line left out (content_fingerprint)
    source: str = ""  # what documents record: "clause_library", "release-2026.1:clause_library"

    def __post_init__(self) -> None:
        object.__setattr__(self, "clauses", MappingProxyType(dict(self.clauses)))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))

    @property
    def tiers(self) -> list[str]:
        return list(self.spec.tiers)

    @property
    def section_ids(self) -> list[str]:
        return [s.id for s in self.spec.sections]

    def clause(self, clause_id: str) -> Clause:
        try:
            return self.clauses[clause_id]
        except KeyError:
            raise LibraryError(
                f"unknown clause id {clause_id!r}{suggest(clause_id, self.clauses)}"
            ) from None

    def parameters(self) -> dict[str, Parameter]:
        """Every parameter declared by any clause, by name (consistency is checked on load)."""
        out: dict[str, Parameter] = {}
        for clause in self.clauses.values():
            for p in clause.parameters:
                out.setdefault(p.name, p)
        return out

    def ordered(self, applies_to: str = "schedule") -> list[Clause]:
        """Clauses for ``applies_to`` in library order: by section order, then by file name."""
        order = {s: i for i, s in enumerate(self.section_ids)}
        chosen = [c for c in self.clauses.values() if applies_to in c.applies_to]
        return sorted(chosen, key=lambda c: (order.get(c.section, len(order)), c.id))

    def locate(self, clause_id: str, *path: str | int) -> Location:
        doc = self.sources.get(clause_id)
        return doc.locate(tuple(path)) if doc else Location(self.origin)


def load_library(path: Path) -> ClauseLibrary:
    """Read the library folder at ``path`` (holding ``library.yaml`` and ``clauses/``)."""
    if not (path / LIBRARY_FILE).is_file():
        message = f"no {LIBRARY_FILE} here; a clause library folder needs one (see docs/workspace.md)"
        raise LibraryError(message, [Problem(Location(_show(path / LIBRARY_FILE)), "", message)])
    files: dict[str, bytes] = {LIBRARY_FILE: (path / LIBRARY_FILE).read_bytes()}
    clauses_dir = path / CLAUSES_DIR
    if clauses_dir.is_dir():
        for f in sorted(clauses_dir.rglob("*")):
            if f.is_file() and f.suffix in (".yaml", ".yml"):
                files[f.relative_to(path).as_posix()] = f.read_bytes()
    return load_library_files(files, origin=_show(path))


def _show(path: Path) -> str:

    return display_path(path)


_LOADED: dict[tuple[str, str], ClauseLibrary] = {}  # (origin, content digest) -> library


def files_digest(files: Mapping[str, bytes]) -> str:
    """SHA-256 over every file's relative path and bytes: what a document records."""
    return hashlib.sha256(b"".join(k.encode() + b"\0" + files[k] + b"\0" for k in sorted(files))).hexdigest()


_FINGERPRINT_LINE = re.compile(rb"^release_fingerprint:.*(?:\r?\n|$)", re.M)


def content_fingerprint(files: Mapping[str, bytes]) -> str:
    """SHA-256 of the clause library's files (paths and bytes) with the
    ``release_fingerprint:`` line of library.yaml left out: computed from the files
    alone, so it needs no git, and recordable in the library.yaml it covers."""
    return files_digest({k: _FINGERPRINT_LINE.sub(b"", v) if k == LIBRARY_FILE else v for k, v in files.items()})


def load_library_files(files: Mapping[str, bytes], origin: str) -> ClauseLibrary:
    """Build a library from relative paths -> bytes; ``origin`` prefixes file names.

    Libraries are immutable once loaded, so the same content is parsed once per process
    (``build`` and ``validate`` render many profiles from one library).
    """
    digest = files_digest(files)
    cached = _LOADED.get((origin, digest))
    if cached is not None:
        return cached
    elsewhere = next((lib for (_, d), lib in _LOADED.items() if d == digest), None)
    if elsewhere is not None:
        library = _read_from(elsewhere, origin)
    else:
        library = replace(_load(files, origin), digest=digest, source=origin, fingerprint=content_fingerprint(files))
    if len(_LOADED) > 16:
        _LOADED.clear()
    _LOADED[(origin, digest)] = library
    return library


def _read_from(library: ClauseLibrary, origin: str) -> ClauseLibrary:
    """``library`` as read from ``origin``: the same files elsewhere (a copy of the
    workspace, a release) load into the same library, which only says where its files are
    (``origin``, and the file of each clause's source)."""
    moved = {cid: YamlDocument(origin + doc.file[len(library.origin):], doc.data, doc.positions)
             for cid, doc in library.sources.items()}
    return replace(library, origin=origin, source=origin, sources=moved)


def _load(files: Mapping[str, bytes], origin: str) -> ClauseLibrary:
    problems: list[Problem] = []

    def shown(rel: str) -> str:
        return f"{origin}/{rel}"

    def parse(rel: str) -> YamlDocument | None:
        try:
            return parse_yaml(decode_text(files[rel], shown(rel)), shown(rel))
        except InputError as exc:  # the file's own mistakes; a bug in the code surfaces
            problems.extend(exc.problems or [Problem(Location(shown(rel)), "", str(exc))])
        return None

    if LIBRARY_FILE not in files:
        message = f"no {LIBRARY_FILE} in the clause library"
        raise LibraryError(message, [Problem(Location(shown(LIBRARY_FILE)), "", message)])
    spec_doc = parse(LIBRARY_FILE)
    spec = None
    if spec_doc is not None:
        spec, found = validate_model(LibrarySpec, spec_doc)
        problems.extend(found)

    clauses: dict[str, Clause] = {}
    sources: dict[str, YamlDocument] = {}
    # ids of clause files that have problems of their own: a reference to one of them is
    # not reported again as "points to no clause"
    unusable: set[str] = set()
    for rel in sorted(files):
        if not rel.startswith(CLAUSES_DIR + "/"):
            continue
        stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        doc = parse(rel)
        if doc is None:
            unusable.add(stem)
            continue
        clause, found, spoiled = _clause_in(doc, stem, sources)
        problems.extend(found)
        unusable.update(spoiled)
        if clause is not None:
            clauses[clause.id] = clause
            sources[clause.id] = doc

    problems.extend(_cross_check(spec, clauses, sources, unusable))
    if problems:
        raise LibraryError(f"{count_problems(problems)} in the clause library", sorted(problems, key=_order))
    assert spec is not None
    return ClauseLibrary(spec=spec, clauses=clauses, origin=origin, sources=sources)


def _clause_in(doc: YamlDocument, stem: str, sources: dict[str, YamlDocument]) -> tuple[Clause | None, list[Problem], set[str]]:
    """The clause in one parsed file named ``stem``, or None; with the file's problems and
    the ids it makes unusable (a reference to them is not reported again)."""
    if not isinstance(doc.data, dict):
        return None, [doc.problem((), "a clause file must be a mapping of keys (id, title, ...)")], {stem}
    clause, found = validate_model(Clause, doc)
    if clause is None:
        return None, found, {stem, str(doc.data.get("id"))}
    if stem != clause.id:
        message = f"the file name must match the id: rename the file to {clause.id}.yaml or change the id to {stem!r}"
        return None, [*found, doc.problem(("id",), message)], {stem, clause.id}
    if clause.id in sources:  # pragma: no cover - two files cannot have the same stem
        other = sources[clause.id].file
        return None, [*found, doc.problem(("id",), f"clause id {clause.id!r} is also used by {other}")], set()
    return clause, found, set()


def _order(p: Problem) -> tuple:
    return (p.location.file, p.location.line or 0, p.location.column or 0, p.key)


def _unknown_variants(clause: Clause, tiers: list[str]) -> bool:
    """Whether the clause has text variants for unknown tiers (reported on their own)."""
    return isinstance(clause.text, dict) and any(k != "default" and k not in tiers for k in clause.text)


def _cross_check(
    spec: LibrarySpec | None, clauses: dict[str, Clause], sources: dict[str, YamlDocument], unusable: set[str]
) -> list[Problem]:
    """What no single file can know: sections, references, tiers, parameter consistency.
    Without a valid ``library.yaml`` (``spec`` None) sections and tiers are not checked,
    but everything else still is."""

    problems: list[Problem] = []
    sections = [s.id for s in spec.sections] if spec is not None else None
    tiers = list(spec.tiers) if spec is not None else None
    declared: dict[str, tuple[Parameter, str]] = {}
    for cid, clause in clauses.items():
        doc = sources[cid]
        if sections is not None and clause.section not in sections:
            problems.append(doc.problem(("section",), f"unknown section {clause.section!r}{suggest(clause.section, sections)}; sections are listed in library.yaml"))
        problems.extend(_version_problems(doc, clause))
        if isinstance(clause.text, dict) and tiers is not None:
            for key in clause.text:
                if key != "default" and key not in tiers:
                    problems.append(doc.problem(("text", key), f"unknown tier {key!r}{suggest(key, tiers)}; use default or one of {', '.join(tiers)}"))
        problems.extend(_parameter_problems(doc, clause, declared))
        for key, text in clause.variants.items():
            path = ("text",) if isinstance(clause.text, str) else ("text", key)
            problems.extend(_text_problems(doc, path, clause, text, clauses, unusable, tiers))
    return problems


def _version_problems(doc: YamlDocument, clause: Clause) -> list[Problem]:
    """The version is the newest changelog entry, and each version is logged once."""
    problems: list[Problem] = []
    newest = max(clause.changelog, key=lambda e: parse_semver(e.version))
    logged = [e.version for e in clause.changelog]
    if clause.version not in logged:
        problems.append(doc.problem(("version",), f"version {clause.version} has no changelog entry (newest entry is {newest.version}); add a changelog entry for {clause.version}"))
    elif newest.version != clause.version:
        problems.append(doc.problem(("version",), f"version {clause.version} is older than the newest changelog entry ({newest.version}); set version: {newest.version}"))
    for i, entry in enumerate(clause.changelog):
        if entry.version in logged[:i]:
            problems.append(doc.problem(("changelog", i, "version"), f"version {entry.version} is in the changelog twice; give each change its own version"))
    return problems


def _parameter_problems(doc: YamlDocument, clause: Clause, declared: dict[str, tuple[Parameter, str]]) -> list[Problem]:
    """A parameter is declared the same way in every clause that has it; ``declared``
    records the first declaration of each name across the clauses checked so far."""
    problems: list[Problem] = []
    for i, p in enumerate(clause.parameters):
        if p.name in declared and (declared[p.name][0].type, declared[p.name][0].default) != (p.type, p.default):
            first, where = declared[p.name]
            problems.append(doc.problem(("parameters", i, "name"), f"parameter {p.name!r} is declared differently in {where} ({first.type.value}, default {first.default!r}); declare it the same way"))
        declared.setdefault(p.name, (p, doc.file))
    return problems


def _text_problems(
    doc: YamlDocument, path: tuple, clause: Clause, text: str,
    clauses: dict[str, Clause], unusable: set[str], tiers: list[str] | None,
) -> list[Problem]:
    """One text variant: its template syntax, its variables and its references."""
    try:
        used = undeclared_variables(text, clause_environment)
    except TemplateSyntaxError as exc:
        # block scalars start on the line after their key
        line = (doc.locate(path).line or 0) + (exc.lineno or 1)
        return [Problem(Location(doc.file, line), ".".join(map(str, path)), f"template syntax error: {exc.message}")]
    names = {p.name for p in clause.parameters}
    problems: list[Problem] = []
    for name in sorted(used - names - CONTEXT_NAMES):
        problems.append(doc.problem(path, f"uses {{{{ {name} }}}} but declares no parameter {name!r}{suggest(name, names | CONTEXT_NAMES)}; add it to `parameters` or fix the name"))
    for target in REF_CALL.findall(text):
        if target in unusable and target not in clauses:
            continue  # that clause's own file is reported
        message = _ref_problem(target, clause, text, clauses, tiers)
        if message is not None:
            problems.append(doc.problem(path, message))
    return problems


def _anchor_problem(target: str, clauses: dict[str, Clause], tiers: list[str] | None) -> str | None:
    """What is wrong with the anchor of ``ref("clause-id#name")``: every text of that
    clause that a schedule uses must anchor a paragraph ``name``."""
    clause_id, name = target.split("#", 1)
    texts = [t for t in clauses[clause_id].variants.values() if t is not None] if clause_id in clauses else []
    lacking = [t for t in texts if name not in ANCHOR_CALL.findall(t)]
    if texts and lacking:
        found = sorted({a for t in texts for a in ANCHOR_CALL.findall(t)})
        return (f"ref({target!r}) points to no paragraph of {clause_id}: its text has no {{{{ anchor({name!r}) }}}}"
                f"{' (anchors: ' + ', '.join(found) + ')' if found else ''}; put {{{{ anchor({name!r}) }}}} at the start of the paragraph that holds the duty")
    return None


def _ref_problem(target: str, clause: Clause, text: str, clauses: dict[str, Clause], tiers: list[str] | None) -> str | None:
    """What is wrong with ``ref(target)`` in ``text`` of ``clause``, if anything."""
    if "#" in target:
        return _ref_problem(target.split("#", 1)[0], clause, text, clauses, tiers) or _anchor_problem(target, clauses, tiers)
    if target not in clauses:
        return f"ref({target!r}) points to no clause{suggest(target, clauses)}"
    if clauses[target].status is ClauseStatus.WITHDRAWN and clause.status is not ClauseStatus.WITHDRAWN:
        return f"ref({target!r}) points to a withdrawn clause; refer to its replacement"
    if clauses[target].status is ClauseStatus.DRAFT and clause.status is ClauseStatus.APPROVED:
        return f"ref({target!r}) points to a draft clause, which schedules leave out unless drafts are included; approve {target} first or remove the reference"
    if "schedule" not in clauses[target].applies_to:
        return f"ref({target!r}) points to a clause that is not in schedules"
    if tiers is not None and "schedule" in clause.applies_to and not _unknown_variants(clauses[target], tiers):
        # the text is used in these tiers; the target must be there too
        used_in = [t for t in tiers if clause.text_for(t) == text]
        missing = [t for t in used_in if clauses[target].text_for(t) is None]
        if missing:
            which = " and ".join(missing)
            return f"ref({target!r}) is used in the {which} tier{'s' if len(missing) > 1 else ''}, which {target} is left out of (it has no text for {which}); refer to it only in texts for tiers that have it"
    return None
