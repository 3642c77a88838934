"""Council profiles: one YAML file per council in ``profiles/``.

``extends:`` names a base profile (regional defaults live in a sub-folder such as
``profiles/regions/``); the base is deep-merged under the profile: mappings merge key by
key, anything else (text, lists) is replaced. Every problem is reported with the file,
line and key where the value was written, whichever file of the chain that is.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..base.errors import (
    Location,
    Problem,
    ProfileError,
    UsageError,
    count_problems,
    display_path,
    unique_problems,
)
from ..base.schema import suggest, validate_model
from ..base.yamlio import KeyPath, YamlDocument, format_key_path, read_yaml
from .clauses import REF_CALL, Clause, ClauseLibrary, ClauseStatus, check_parameter_value
from .profile_model import ProfileModel, release_satisfies


class ProfileSchemaError(ProfileError):
    """A profile's keys or types are wrong (:func:`load_profile`); it keeps the files read,
    so that ``contractgen validate`` can still report what else is wrong in them."""

    def __init__(self, message: str, problems: list[Problem], docs: list[YamlDocument], merged: dict[str, Any]) -> None:
        super().__init__(message, problems)
        self.docs = docs
        self.merged = merged

    def tier_problems(self, library: ClauseLibrary) -> list[Problem]:
        """The tier, checked against the library although the rest did not load."""
        tier = self.merged.get("tier")
        if not isinstance(tier, str) or tier in library.tiers:
            return []
        owner = next((d for d in self.docs if ("tier",) in d.positions), self.docs[0])
        return [owner.problem(("tier",), unknown_tier(tier, library.tiers))]


def unknown_tier(tier: str, tiers: Any) -> str:
    return f"unknown tier {tier!r}{suggest(tier, tiers)}; tiers: {', '.join(tiers)}"


@dataclass
class Profile:
    """A council profile, merged with its bases and checked against a library."""

    name: str  # file stem
    path: Path
    model: ProfileModel
    docs: list[YamlDocument]  # the chain, most specific first
    digest: str  # sha256 of the merged data: what the document records

    def locate(self, path: KeyPath) -> Location:
        for doc in self.docs:
            if tuple(path) in doc.positions:
                return doc.locate(path)
        return self.docs[0].locate(path)

    def problem(self, path: KeyPath, message: str) -> Problem:
        return Problem(self.locate(path), format_key_path(path), message)

    @property
    def files(self) -> list[str]:
        return [d.file for d in self.docs]

    @property
    def logo_path(self) -> Path | None:
        """The council's logo, relative to the profile file that named it."""
        logo = self.model.council.logo
        if not logo:
            return None
        for doc in self.docs:
            if ("council", "logo") in doc.positions:
                return Path(doc.file).parent / logo
        return self.path.parent / logo


def resolve_profile_path(ref: str, profiles_dir: Path) -> Path:
    """A profile named by file stem (``example-borough``) or by path."""
    candidate = Path(ref)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return candidate
    stem_path = profiles_dir / f"{ref}.yaml"
    if stem_path.is_file():
        return stem_path
    names = sorted(p.stem for p in profiles_dir.glob("*.yaml")) if profiles_dir.is_dir() else []
    raise UsageError(
        f"no profile {ref!r}{suggest(ref, names)}; profiles in {display_path(profiles_dir)}: "
        f"{', '.join(names) or 'none'}"
    )


def load_profile(ref: str | Path, profiles_dir: Path) -> Profile:
    """Read a profile (by stem or path), follow ``extends`` and validate the schema."""
    path = resolve_profile_path(str(ref), profiles_dir)
    docs: list[YamlDocument] = []
    seen: list[Path] = []
    current: Path | None = path
    while current is not None:
        resolved = current.resolve()
        if resolved in seen:
            chain = " -> ".join(display_path(p) for p in [*seen, resolved])
            raise ProfileError(
                f"profiles extend each other in a circle: {chain}",
                [docs[-1].problem(("extends",), f"circular extends: {chain}; remove one `extends`")],
            )
        seen.append(resolved)
        doc = read_yaml(current, display_path(current))
        if not isinstance(doc.data, dict):
            raise ProfileError("a profile must be a mapping", [doc.problem((), "a profile must be a mapping of keys (council, contract, ...)")])
        docs.append(doc)
        base = doc.data.get("extends")
        current = None
        if base is not None:
            if not isinstance(base, str):
                raise ProfileError("bad extends", [doc.problem(("extends",), "must be the name of a base profile, such as regions/north-west")])
            current = _base_path(base, current_dir=Path(doc.file).parent, profiles_dir=profiles_dir)
            if current is None:
                raise ProfileError(
                    f"base profile {base!r} not found",
                    [doc.problem(("extends",), f"no base profile {base!r}: looked for {display_path(profiles_dir / (base + '.yaml'))}")],
                )
    merged: dict[str, Any] = {}
    for doc in reversed(docs):
        merged = deep_merge(merged, doc.data)
    merged["extends"] = docs[0].data.get("extends")
    model, problems = _validate_merged(docs, merged)
    if model is None:
        raise ProfileSchemaError(f"{count_problems(problems)} in profile {path.stem}", problems, docs, merged)
    digest = hashlib.sha256(json.dumps(merged, sort_keys=True, default=str).encode()).hexdigest()
    return Profile(name=path.stem, path=path, model=model, docs=docs, digest=digest)


def _base_path(base: str, *, current_dir: Path, profiles_dir: Path) -> Path | None:
    for root in (profiles_dir, current_dir):
        candidate = root / (base if base.endswith((".yaml", ".yml")) else f"{base}.yaml")
        if candidate.is_file():
            return candidate
    return None


def _validate_merged(docs: list[YamlDocument], merged: dict[str, Any]) -> tuple[ProfileModel | None, list[Problem]]:
    model, problems = validate_model(ProfileModel, docs[0], data=merged)
    if model is not None:
        return model, []
    located = []
    for p in problems:
        path = _parse_key(p.key)
        owner = next((d for d in docs if path in d.positions), docs[0])
        located.append(Problem(owner.locate(path), p.key, p.message))
    return None, located


def _parse_key(key: str) -> KeyPath:
    out: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", key):
        out.append(int(index) if index else name)
    return tuple(out)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; other values in ``override`` replace the base's."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


# ------------------------------------------------------------ against a library


def check_profile(profile: Profile, library: ClauseLibrary, *, include_drafts: bool = False) -> list[Problem]:
    """What the schema cannot see: tiers, clause ids, parameters, the release pin."""
    m = profile.model
    problems: list[Problem] = []
    tiers = library.tiers
    if m.tier not in tiers:
        problems.append(profile.problem(("tier",), unknown_tier(m.tier, tiers)))
    problems.extend(_chosen_clause_problems(profile, library, include_drafts=include_drafts))
    problems.extend(_given_parameter_problems(profile, library))
    problems.extend(_missing_parameter_problems(profile, library, include_drafts=include_drafts))
    problems.extend(_references_to_excluded(profile, library, include_drafts=include_drafts))
    if m.library.release is not None and not release_satisfies(library.spec.release, m.library.release):
        problems.append(profile.problem(("library", "release"), f"pins release {m.library.release!r} but the clause library is release {library.spec.release}; change the pin or render from that release"))
    problems.extend(_logo_problems(profile))
    return unique_problems(problems)


def _chosen_clause_problems(profile: Profile, library: ClauseLibrary, *, include_drafts: bool) -> list[Problem]:
    """Each id under clauses.include and clauses.exclude names a clause that can be chosen."""
    m = profile.model
    problems: list[Problem] = []
    for kind, ids in (("include", m.clauses.include), ("exclude", m.clauses.exclude)):
        for i, cid in enumerate(ids):
            path: tuple[str | int, ...] = ("clauses", kind, i)
            clause = library.clauses.get(cid)
            if clause is None:
                problems.append(profile.problem(path, f"unknown clause id {cid!r}{suggest(cid, library.clauses)}; `contractgen clauses list` shows them"))
            elif kind == "include" and clause.status is ClauseStatus.WITHDRAWN:
                problems.append(profile.problem(path, f"clause {cid!r} is withdrawn (version {clause.version}); remove it from clauses.include"))
            elif kind == "include" and clause.status is ClauseStatus.DRAFT and not include_drafts:
                problems.append(profile.problem(path, f"clause {cid!r} is a draft; approve it in the library, or render with --include-drafts"))
    return problems


def _given_parameter_problems(profile: Profile, library: ClauseLibrary) -> list[Problem]:
    """Each parameter the profile gives is declared by a clause and has a value of its type."""
    problems: list[Problem] = []
    declared = library.parameters()
    for name, value in profile.model.parameters.items():
        path = ("parameters", name)
        if name not in declared:
            problems.append(profile.problem(path, f"unknown parameter {name!r}{suggest(name, declared)}; no clause declares it"))
            continue
        spec = declared[name]
        why = check_parameter_value(spec.type, value, spec.choices, spec.bounds)
        if why:
            problems.append(profile.problem(path, f"{why} ({spec.description})"))
    return problems


def _missing_parameter_problems(profile: Profile, library: ClauseLibrary, *, include_drafts: bool) -> list[Problem]:
    """Every required parameter of a clause the schedule may hold is given."""
    m = profile.model
    problems: list[Problem] = []
    excluded = set(m.clauses.exclude) - set(m.clauses.include)
    for clause in library.clauses.values():
        if clause.id in excluded or "schedule" not in clause.applies_to:
            continue
        if clause.status is ClauseStatus.WITHDRAWN:
            continue
        if clause.status is ClauseStatus.DRAFT and not include_drafts:
            continue
        for p in clause.parameters:
            if p.required and p.name not in m.parameters:
                problems.append(profile.problem(("parameters",), f"missing parameter {p.name!r} ({p.type.value}) needed by clause {clause.id}: {p.description}"))
    return problems


def _logo_problems(profile: Profile) -> list[Problem]:
    """The council's logo, if it names one, is a .png or .jpg file that exists."""
    m = profile.model
    if not m.council.logo:
        return []
    logo = profile.logo_path
    assert logo is not None
    if not logo.is_file():
        return [profile.problem(("council", "logo"), f"logo file {m.council.logo!r} not found (looked at {display_path(logo)})")]
    if logo.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        return [profile.problem(("council", "logo"), "the logo must be a .png or .jpg image")]
    return []


def select_clauses(
    library: ClauseLibrary, profile: Profile, tier: str, *, include_drafts: bool = False
) -> list[Clause]:
    """The clauses of a schedule for ``tier``, in library order."""
    choice = profile.model.clauses
    excluded = set(choice.exclude) - set(choice.include)
    chosen = []
    for clause in library.ordered("schedule"):
        if clause.id in excluded or clause.status is ClauseStatus.WITHDRAWN:
            continue
        if clause.status is ClauseStatus.DRAFT and not include_drafts:
            continue
        if clause.text_for(tier) is None:
            continue
        chosen.append(clause)
    return chosen


def parameter_values(library: ClauseLibrary, profile: Profile) -> dict[str, Any]:
    values = {name: p.default for name, p in library.parameters().items() if p.default is not None}
    values.update(profile.model.parameters)
    return values


def _references_to_excluded(profile: Profile, library: ClauseLibrary, *, include_drafts: bool) -> list[Problem]:
    """A clause the profile leaves out must not be referred to by one it keeps (in any
    tier: ``contractgen validate`` renders them all, and ``--tier`` can ask for any)."""
    choice = profile.model.clauses
    excluded = set(choice.exclude) - set(choice.include)
    if not excluded:
        return []
    users: dict[str, dict[str, list[str]]] = {}  # excluded id -> referring clause -> tiers
    for tier in library.tiers:
        for clause in select_clauses(library, profile, tier, include_drafts=include_drafts):
            for target in (t.split("#")[0] for t in REF_CALL.findall(clause.text_for(tier) or "")):
                if target in excluded:
                    tiers = users.setdefault(target, {}).setdefault(clause.id, [])
                    if tier not in tiers:
                        tiers.append(tier)
    problems = []
    for i, cid in enumerate(choice.exclude):
        if cid not in users:
            continue
        who = [
            user if len(tiers) == len(library.tiers) else f"{user} ({' and '.join(tiers)} tier{'s' if len(tiers) > 1 else ''})"
            for user, tiers in users[cid].items()
        ]
        listed = who[0] if len(who) == 1 else f"{', '.join(who[:-1])} and {who[-1]}"
        them = next(iter(users[cid])) if len(who) == 1 else "those clauses"
        problems.append(profile.problem(
            ("clauses", "exclude", i),
            f"cannot leave out {cid}: {listed} refer{'s' if len(who) == 1 else ''} to it; "
            f"stop excluding {cid}, or exclude {them} as well",
        ))
    return problems
