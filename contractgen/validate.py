"""``contractgen validate``: check the library, every profile and every template at once."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import ContractgenError, Location, Problem, display_path
from .library import ClauseLibrary, load_library
from .profiles import check_profile, load_profile
from .schedule import build_schedule_parts
from .wordtemplate import WordTemplate
from .workspace import Workspace

#: Top-level names each kind of template receives (README "Template variables").
SCHEDULE_VARIABLES = frozenset(
    {"council", "contract", "contacts", "signatory", "tier", "dspt", "library", "contractgen_version",
     "schedule_body", "document_date", "clauses", "profile"}
)
LETTER_VARIABLES = frozenset(
    {"council", "contract", "contacts", "signatory", "tier", "dspt", "library", "contractgen_version",
     "provider", "letter", "letter_body", "profile"}
)


@dataclass
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)
    clauses: int = 0
    profiles: int = 0
    templates: int = 0
    renders: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_workspace(workspace: Workspace) -> ValidationReport:
    """Collect every problem in the workspace; render each profile in each tier in memory."""
    report = ValidationReport()
    library: ClauseLibrary | None = None
    try:
        library = load_library(workspace.library_dir)
        report.clauses = len(library.clauses)
    except ContractgenError as exc:
        report.problems.extend(_problems(exc))

    template_kinds: dict[str, set[str]] = {}
    profiles = []
    for name in workspace.profile_names():
        try:
            profile = load_profile(name, workspace.profiles_dir)
        except ContractgenError as exc:
            report.problems.extend(_problems(exc))
            continue
        report.profiles += 1
        for kind in ("schedule", "letter"):
            template_kinds.setdefault(getattr(profile.model.templates, kind), set()).add(kind)
        if library is None:
            continue
        found = check_profile(profile, library, include_drafts=False)
        report.problems.extend(found)
        if not found:
            profiles.append(profile)

    for path in sorted(workspace.templates_dir.glob("*.docx")):
        if path.name.startswith("~$"):
            continue  # Word's lock file while the template is open
        shown = display_path(path)
        try:
            template = WordTemplate.load(path, shown)
        except ContractgenError as exc:
            report.problems.extend(_problems(exc))
            continue
        report.templates += 1
        kinds = template_kinds.get(path.name, set())
        allowed = frozenset().union(*(SCHEDULE_VARIABLES if k == "schedule" else LETTER_VARIABLES for k in kinds)) if kinds else SCHEDULE_VARIABLES | LETTER_VARIABLES
        for name in sorted(template.variables() - allowed):
            kind = " or ".join(sorted(kinds)) or "schedule or letter"
            report.problems.append(
                Problem(Location(shown), "", f"the template uses '{name}', which a {kind} template does not receive; fix the tag in Word (README 'Template variables')")
            )

    if library is not None and not report.problems:
        for profile in profiles:
            for tier in library.tiers:
                try:
                    build_schedule_parts(workspace, library, profile, tier=tier)
                    report.renders += 1
                except ContractgenError as exc:
                    report.problems.extend(_problems(exc))
    seen: set[str] = set()
    unique = []
    for p in report.problems:
        if str(p) not in seen:
            seen.add(str(p))
            unique.append(p)
    report.problems = unique
    return report


def _problems(exc: ContractgenError) -> list[Problem]:
    return exc.problems or [Problem(Location("?"), "", exc.message)]
