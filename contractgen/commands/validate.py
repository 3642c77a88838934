"""``contractgen validate``: check the library, every profile and every template at once.

Every problem is collected before anything is reported (one run shows them all): the
library, each profile against the library, each Word template (syntax and the variables
it uses), the templates each profile names, and then a test render of every profile in
every tier, and of every letter kind in every tier, whose dates must be the schedule's
(:mod:`contractgen.letters.check`). A render is only tried for a profile whose own checks passed and whose
template loaded, so one mistake is reported once rather than once per render.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jinja2 import nodes

from ..base.environment import template_environment, undeclared_variables
from ..base.errors import (
    ContractgenError,
    Location,
    Problem,
    display_path,
    unique_problems,
)
from ..base.untrusted import RenderLimitError
from ..letters.check import check_letter_dates
from ..library.auditquestions import check_audits
from ..library.clauses import ClauseLibrary, load_library
from ..library.onboarding import placeholder_problems, unless_placeholder
from ..library.profiles import Profile, ProfileSchemaError, check_profile, load_profile
from ..library.workspace import Workspace
from ..schedule.render import body_problems, build_schedule_parts, load_template
from ..word.template import WordTemplate
from .hygiene import tracked_personal_data

#: Top-level names each kind of template receives (docs/branding.md "Template variables").
SCHEDULE_VARIABLES = frozenset(
    {"council", "contract", "contacts", "signatory", "tier", "dspt", "example", "library", "contractgen_version",
     "schedule_body", "document_date", "clauses", "profile", "draft"}
)
LETTER_VARIABLES = frozenset(
    {"council", "contract", "contacts", "signatory", "tier", "dspt", "example", "library", "contractgen_version",
     "provider", "letter", "letter_body", "profile", "draft"}
)
TEMPLATE_KINDS = ("schedule", "letter")


@dataclass
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)
    clauses: int = 0
    profiles: int = 0
    templates: int = 0
    renders: int = 0
    warnings: list[str] = field(default_factory=list)  # tracked files that look like output or personal data; a title letters cannot check

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_workspace(workspace: Workspace) -> ValidationReport:
    """Collect every problem in the workspace; render each profile in each tier in memory."""
    report = ValidationReport()
    library = _check_library(workspace, report)
    profiles, checked = _check_profiles(workspace, library, report)
    usable = _check_templates(workspace, profiles, report)
    for profile in profiles:
        report.problems.extend(_missing_templates(workspace, profile))
    if library is not None:
        for profile in checked:
            if profile.model.templates.schedule in usable:  # else its template's problems are reported above
                if _test_render(workspace, library, profile, usable, report):
                    break  # a render limit: the same clause or template would stop every other render
    report.problems = unique_problems(report.problems)
    report.warnings += tracked_personal_data(workspace)
    return report


def _check_library(workspace: Workspace, report: ValidationReport) -> ClauseLibrary | None:
    """The clause library and its question sets; None if the library does not load."""
    try:
        library = load_library(workspace.library_dir)
    except ContractgenError as exc:
        report.problems.extend(_problems(exc, workspace))
        return None
    report.clauses = len(library.clauses)
    report.problems.extend(check_audits(workspace.library_dir, library)[1])
    return library


def _check_profiles(workspace: Workspace, library: ClauseLibrary | None, report: ValidationReport) -> tuple[list[Profile], list[Profile]]:
    """(the profiles that loaded, those of them consistent with the library)."""
    profiles: list[Profile] = []
    checked: list[Profile] = []
    for name in workspace.profile_names():
        try:
            profile = load_profile(name, workspace.profiles_dir)
        except ProfileSchemaError as exc:  # still: its tier, and what is a placeholder
            report.problems.extend(unless_placeholder(_problems(exc, workspace), placeholder_problems(exc.docs)))
            report.problems.extend(exc.tier_problems(library) if library is not None else [])
            continue
        except ContractgenError as exc:
            report.problems.extend(_problems(exc, workspace))
            continue
        report.profiles += 1
        profiles.append(profile)
        report.problems.extend(placeholder_problems(profile.docs))
        if library is None:
            continue
        found = check_profile(profile, library, include_drafts=False)
        report.problems.extend(found)
        if not found:
            checked.append(profile)
    return profiles, checked


def _check_templates(workspace: Workspace, profiles: list[Profile], report: ValidationReport) -> set[str]:
    """Each Word template in the workspace, against the kinds the profiles use it as;
    returns the file names of those that loaded without problems."""
    kinds_of: dict[str, set[str]] = {}  # template file name -> the kinds profiles use it as
    for profile in profiles:
        for kind in TEMPLATE_KINDS:
            kinds_of.setdefault(getattr(profile.model.templates, kind), set()).add(kind)

    usable: set[str] = set()
    for path in sorted(workspace.templates_dir.glob("*.docx")):
        if path.name.startswith("~$"):
            continue  # Word's lock file while the template is open
        try:
            template = WordTemplate.load(path, display_path(path))
        except ContractgenError as exc:
            report.problems.extend(_problems(exc, workspace))
            continue
        report.templates += 1
        found = _variable_problems(template, kinds_of.get(path.name, set())) or template.bare_tags
        found += [p for kind in sorted(kinds_of.get(path.name, set())) for p in body_problems(template, kind)]
        report.problems.extend(found)
        if not found:
            usable.add(path.name)
        if "schedule" in kinds_of.get(path.name, set()) and not _prints_schedule_title(template):
            report.warnings.append(
                f"{display_path(path)} does not print {{{{ contract.schedule_title }}}}: letters cite the schedule by the "
                "profile's contract.schedule_title (default: Data Security and Protection), so make sure that is the "
                "title this template gives the schedule, or print {{ contract.schedule_title }} in its heading"
            )
    return usable


def _prints_schedule_title(template: WordTemplate) -> bool:
    """Whether any part of the template prints ``contract.schedule_title`` (or hands
    ``contract`` to something whole, which may)."""
    for part in template.templated_parts():
        used = template.attributes_used(part, "contract")
        if used is None or "schedule_title" in used:
            return True
    return False


def _test_render(workspace: Workspace, library: ClauseLibrary, profile: Profile, usable: set[str], report: ValidationReport) -> bool:
    """Render the profile's schedule in every tier, then, if its letter template loaded,
    check every letter kind's dates against the schedule (rendering each whole letter as
    `letters` does). True when a render was stopped by a limit (time, size): no more are
    tried then, so that validate is never slower than the command."""
    for tier in library.tiers:
        try:
            build_schedule_parts(workspace, library, profile, tier=tier)
            report.renders += 1
        except ContractgenError as exc:
            report.problems.extend(_problems(exc, workspace))
            if _hit_a_limit(exc):
                return True
    if profile.model.templates.letter not in usable:
        return False
    try:
        found, letters = check_letter_dates(library, profile, load_template(workspace, profile, "letter"))
    except ContractgenError as exc:
        report.problems.extend(_problems(exc, workspace))
        return _hit_a_limit(exc)
    report.problems.extend(found)
    report.renders += letters
    return False


def _hit_a_limit(exc: BaseException) -> bool:
    """Whether ``exc`` was caused by a render limit (time or size)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, RenderLimitError):
            return True
        seen = seen.__cause__
    return False


def _variable_problems(template: WordTemplate, kinds: set[str]) -> list[Problem]:
    """Names the template uses that its kind of template does not receive, each located
    at the first paragraph that uses it."""
    allowed: frozenset[str] = frozenset()
    for kind in kinds or TEMPLATE_KINDS:
        allowed |= SCHEDULE_VARIABLES if kind == "schedule" else LETTER_VARIABLES
    described = " or ".join(sorted(kinds)) if kinds else "schedule or letter"
    env = template_environment()
    problems = []
    for part, source in sorted(template.sources.items()):
        unknown = undeclared_variables(source, template_environment) - allowed
        if not unknown:
            continue
        ast = env.parse(source)  # the lines where they are used
        for name in sorted(unknown):
            line = min((n.lineno for n in ast.find_all(nodes.Name) if n.name == name), default=None)
            message = (
                f"the template uses '{name}', which a {described} template does not receive; "
                "fix the tag in Word (docs/branding.md 'Template variables')"
            )
            problems.append(template._problem(part, line, message))
    return problems


def _missing_templates(workspace: Workspace, profile: Profile) -> list[Problem]:
    problems = []
    for kind in TEMPLATE_KINDS:
        name = getattr(profile.model.templates, kind)
        if not (workspace.templates_dir / name).is_file():
            available = sorted(p.name for p in workspace.templates_dir.glob("*.docx") if not p.name.startswith("~$"))
            problems.append(profile.problem(
                ("templates", kind),
                f"profile {profile.name}: {kind} template {name!r} not found in "
                f"{display_path(workspace.templates_dir)} (templates there: {', '.join(available) or 'none'}); "
                f"fix templates.{kind} or add the file",
            ))
    return problems


def _problems(exc: ContractgenError, workspace: Workspace) -> list[Problem]:
    return exc.problems or [Problem(Location(display_path(workspace.root)), "", exc.message)]
