"""A workspace: a folder with ``contractgen.yaml`` naming its library, templates and profiles.

Commands find it by walking up from the current folder, or take ``--workspace DIR``.
``contractgen init DIR`` creates one from the defaults shipped inside the package.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, field_validator

from ..base.errors import (
    Location,
    Problem,
    WorkspaceError,
    count_problems,
    display_argument,
    display_path,
)
from ..base.schema import PlausibleDate, Strict, validate_model
from ..base.yamlio import read_yaml
from .clauses import load_library
from .gitsetup import check_git_identity, commit_new_repository, enclosing_repository
from .onboarding import CouncilAnswers, NewProfile, profile_slug, write_profile

CONFIG_FILE = "contractgen.yaml"


class LetterRun(Strict):
    """A batch of letters that ``contractgen build`` writes."""

    profile: str
    providers: str  # register file, relative to the workspace
    dspt: str | None = None  # DSPT export, relative to the workspace
    no_dspt: bool = False  # without dspt: letters that say nothing about the DSPT record
    previous: list[str] = []  # earlier DSPT exports for the overview's changes and trend
    audit_scores: list[str] = []  # audit-scores.csv files: the overview shows each provider's latest audit
    as_of: PlausibleDate | None = None  # fixed for reproducible builds; omitted: today
    accept_export: str | None = None  # go on although the export fails a check (recorded)

    @field_validator("providers", "dspt", mode="after")
    @classmethod
    def _portable(cls, v: str | None) -> str | None:
        """``data\\providers.csv`` written on Windows is ``data/providers.csv`` everywhere."""
        return v.replace("\\", "/") if v else v

    @field_validator("previous", "audit_scores", mode="after")
    @classmethod
    def _portable_all(cls, v: list[str]) -> list[str]:
        return [p.replace("\\", "/") for p in v]


class ExportLimits(Strict):
    """``export_checks`` in ``contractgen.yaml``: the limits a DSPT export must be within
    before letters are written from it (see :mod:`contractgen.dspt.evidence`)."""

    max_age_days: int = Field(default=31, ge=0, le=3660)  # download date (file name) to the as-of date
    min_found: float = Field(default=0.5, ge=0, le=1)  # share of the register's ODS codes in the export
    min_found_register: int = Field(default=5, ge=1)  # ...checked for registers of at least this many codes
    social_care_required: bool = True  # at least one organisation with a social care Primary Sector
    future_publications_allowed: bool = False  # publications dated after the as-of date


class BuildSettings(Strict):
    letters: list[LetterRun] = []


class WorkspaceConfig(Strict):
    """``contractgen.yaml``."""

    clause_library: str = "clause_library"
    templates: str = "templates"
    profiles: str = "profiles"
    output: str = "out"
    examples: str = "examples"
    release_tag_pattern: str = Field(default="release-{version}", pattern=r"\{version\}")
    build: BuildSettings = BuildSettings()
    #: the case database's URL (a team's shared server); none: .contractgen/cases.sqlite3
    #: in the workspace. CONTRACTGEN_DATABASE_URL wins over it.
    database: str | None = None
    export_checks: ExportLimits = ExportLimits()


@dataclass(frozen=True)
class Workspace:
    root: Path
    config: WorkspaceConfig

    @property
    def library_dir(self) -> Path:
        return self.root / self.config.clause_library

    @property
    def templates_dir(self) -> Path:
        return self.root / self.config.templates

    @property
    def profiles_dir(self) -> Path:
        return self.root / self.config.profiles

    @property
    def output_dir(self) -> Path:
        return self.root / self.config.output

    def profile_names(self) -> list[str]:
        """Council profiles: the YAML files directly in ``profiles/`` (bases live below)."""
        if not self.profiles_dir.is_dir():
            return []
        return sorted(p.stem for p in self.profiles_dir.glob("*.yaml"))


def find_workspace(explicit: Path | None = None, start: Path | None = None) -> Workspace:
    """The workspace at ``explicit``, or the nearest one above ``start`` (default: cwd)."""
    if explicit is not None:
        if not (explicit / CONFIG_FILE).is_file():
            raise WorkspaceError(
                f"{display_path(explicit)} is not a contractgen workspace: it has no {CONFIG_FILE}; "
                f"create one with `contractgen init {display_argument(explicit)}`"
            )
        return load_workspace(explicit)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return load_workspace(folder)
    raise WorkspaceError(
        f"no {CONFIG_FILE} found in {display_path(here)} or any folder above it; run inside a "
        "workspace, pass --workspace DIR, or create one with `contractgen init DIR`"
    )


def load_workspace(root: Path) -> Workspace:
    shown = display_path(root / CONFIG_FILE)
    doc = read_yaml(root / CONFIG_FILE, shown)
    config, problems = validate_model(WorkspaceConfig, doc, data=doc.data or {})
    if config is None:
        raise WorkspaceError(f"{count_problems(problems)} in {shown}", problems)
    ws = Workspace(root=root.resolve(), config=config)
    missing = [
        Problem(doc.locate((key,)), key, f"folder {value!r} does not exist; create it or fix the path")
        for key, value in (("clause_library", config.clause_library), ("templates", config.templates), ("profiles", config.profiles))
        if not (ws.root / value).is_dir()
    ]
    if missing:
        raise WorkspaceError(f"{count_problems(missing)} in {shown}", missing)
    return ws


def defaults_root() -> Path:
    """The example workspace shipped with contractgen.

    In an installed wheel it lives in ``contractgen/_defaults``; in a source checkout
    (including editable installs) it is the repository itself.
    """
    package = Path(__file__).resolve().parent.parent  # contractgen/
    packaged = package / "_defaults"
    if (packaged / CONFIG_FILE).is_file():
        return packaged
    source = package.parent
    if (source / CONFIG_FILE).is_file():
        return source
    raise WorkspaceError("the installed contractgen has no default workspace; reinstall it")  # pragma: no cover


INIT_ITEMS = (CONFIG_FILE, "clause_library", "templates", "profiles", "examples")
#: What a workspace for one's own council is made of (no fictional councils, no examples).
COUNCIL_ITEMS = ("clause_library", "templates")
#: Written besides INIT_ITEMS when init makes a git repository.
GIT_ITEMS = (".gitignore", ".pre-commit-config.yaml")
#: Where a council keeps its register and DSPT exports: personal data, ignored by git.
DATA_DIR = "data"
REGISTER_COLUMNS = "name,ods_code,contact_name,email,address,cqc_registered,tier\n"

COUNCIL_CONFIG = """\
# contractgen workspace: where this workspace keeps its parts (paths relative to this file).
# The fields are described in docs/workspace.md.
clause_library: clause_library   # the versioned clauses, released in this folder's git history
templates: templates             # the Word templates of the schedule and the letters
profiles: profiles               # one YAML file per council
output: out                      # where `contractgen build` and the commands' defaults write
release_tag_pattern: "release-{{version}}"   # the name of release tags, if you tag releases

# What `contractgen build` writes besides every council's schedule: letters and the market
# overview from a register and a DSPT export. Keep both in data/ (git ignores it: they
# hold people's names and contact details). Uncomment and fill in when you have them:
build:
  letters: []
  # letters:
  #   - profile: {profile}
  #     providers: data/providers.csv             # your provider register
  #     dspt: data/dspt-export.csv                 # the DSPT organisation search download
  #     previous: []                               # earlier exports, for the overview's changes
"""


@dataclass(frozen=True)
class InitResult:
    """What :func:`create_workspace` did: the items copied, then one line per git step."""

    created: list[str]
    actions: list[str]


def create_workspace(
    target: Path, *, git: bool = True, force: bool = False, example: bool = False,
    council: CouncilAnswers | None = None, profile: str | None = None,
) -> InitResult:
    """A new workspace at ``target``, and (unless ``git`` is
    false) a git repository with a first commit, set up for ``git diff`` of .docx files
    and with a ``.pre-commit-config.yaml``: ``diff``, ``releases`` and ``check-versions``
    work at once, the first commit being the library's first release.

    With ``example`` it is a copy of the shipped example workspace (two fictional
    councils, their registers and a DSPT export); otherwise it is a workspace for one
    council (``council``; placeholders for what it does not say): the shipped clause
    library and templates, and a profile named ``profile`` (default: from the council's
    name, else the folder's).

    A folder that is not empty is refused without ``force``, naming what would be
    overwritten; with ``force`` those files are overwritten and the rest left alone.
    """

    repo = enclosing_repository(target) if git else None
    items = INIT_ITEMS if example else (CONFIG_FILE, *COUNCIL_ITEMS, "profiles", DATA_DIR)
    _refuse_non_empty(target, items + (GIT_ITEMS if git and repo is None else ()), force)
    if git and repo is None:
        check_git_identity(target)  # before anything is written
    refuse_links_outside(target, [*items, *GIT_ITEMS, ".gitattributes", ".git"])
    if example:
        created = init_workspace(target, force=True)
    else:
        answers = council or CouncilAnswers()
        name = profile or profile_name_for(answers, target)
        created = init_council_workspace(target, name, answers)
    if not git:
        return InitResult(created, [])
    if repo is not None:
        return InitResult(created, [
            f"{display_path(target)} is inside the git repository {display_path(repo)}: no new "
            "repository made; commit the workspace there and run `contractgen git-setup`"
        ])
    return InitResult(created, commit_new_repository(target))


def _refuse_non_empty(target: Path, items: tuple[str, ...], force: bool) -> None:
    if force or not target.is_dir() or not any(target.iterdir()):
        return
    shown = display_path(target)
    clashes = [name for name in items if (target / name).exists()]
    if clashes:
        what = "already a workspace" if CONFIG_FILE in clashes else "not empty"
        raise WorkspaceError(
            f"{shown} is {what}: init would overwrite {', '.join(clashes)}; choose an empty "
            "folder, or use --force to overwrite them",
            [Problem(Location(display_path(target / c)), "", "would be overwritten") for c in clashes],
        )
    others = sorted(p.name for p in target.iterdir())
    listed = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
    raise WorkspaceError(
        f"{shown} is not empty (it has {listed}); choose an empty folder, or use --force to "
        "create the workspace beside them (nothing there would be overwritten)"
    )


def refuse_links_outside(target: Path, items: list[str]) -> None:
    """Refuse to write the ``items`` of ``target`` when one of them, or anything below
    one of them, is a symbolic link that leads outside ``target``: ``--force`` overwrites
    files in the folder given, never a file elsewhere that a link points to."""
    if not target.exists():
        return
    root = target.resolve()
    for item in items:
        paths = [target / item]
        if (target / item).is_dir() and not (target / item).is_symlink():
            for folder, dirs, files in os.walk(target / item):  # links are not followed
                paths += [Path(folder) / name for name in (*dirs, *files)]
        for path in paths:
            if not path.is_symlink():
                continue
            resolved = path.resolve()
            if resolved != root and root not in resolved.parents:
                shown = (Path(display_path(target)) / path.relative_to(target)).as_posix()
                problem = (
                    f"a link to {resolved}, outside {display_path(target)}; init writes only inside the folder "
                    "it is given: remove the link, or choose another folder"
                )
                raise WorkspaceError(problem, [Problem(Location(shown), "", problem)])


def profile_name_for(answers: CouncilAnswers, target: Path) -> str:
    """The profile's name: from the council's name, else from the workspace's folder."""
    from_name = profile_slug(answers.name) if answers.name else ""
    return from_name or profile_slug(target.resolve().name)


def init_council_workspace(target: Path, name: str, answers: CouncilAnswers) -> list[str]:
    """The shipped clause library and templates, ``contractgen.yaml`` and one council's
    profile; an empty register in ``data/``. What was created, in order."""
    created = _copy_defaults(target, COUNCIL_ITEMS)
    try:
        (target / CONFIG_FILE).write_text(COUNCIL_CONFIG.format(profile=name), encoding="utf-8", newline="\n")
        data = target / DATA_DIR
        data.mkdir(exist_ok=True)
        if not (data / "providers.csv").exists():
            (data / "providers.csv").write_text(REGISTER_COLUMNS, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise _cannot_create(target, exc) from exc
    release = load_library(target / "clause_library").spec.release
    new = write_profile(target / "profiles", name, answers, release=release, force=True)
    return [CONFIG_FILE, *created, *(p.relative_to(target).as_posix() for p in new.files), f"{DATA_DIR}/providers.csv"]


def init_workspace(target: Path, *, force: bool = False) -> list[str]:
    """Copy the shipped defaults into ``target``; return what was created. Without
    ``force`` a workspace or any of its parts already there is refused."""
    if not force:
        _refuse_non_empty(target, INIT_ITEMS, force)
    return _copy_defaults(target, INIT_ITEMS)


def _copy_defaults(target: Path, items: tuple[str, ...]) -> list[str]:
    source = defaults_root()
    created = []
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "~$*")
    refuse_links_outside(target, list(items))
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in items:
            src = source / name
            if src.is_dir():
                shutil.copytree(src, target / name, ignore=ignore, dirs_exist_ok=True)
            elif src.is_file():
                shutil.copy2(src, target / name)
            else:
                continue
            created.append(name)
    except OSError as exc:
        raise _cannot_create(target, exc) from exc
    return created


def _cannot_create(target: Path, exc: OSError) -> WorkspaceError:
    why = exc.strerror or str(exc)
    where = display_path(exc.filename) if getattr(exc, "filename", None) else display_path(target)
    shown = display_path(target)
    detail = why if where == shown else f"{where}: {why}"
    return WorkspaceError(f"cannot create the workspace in {shown}: {detail}; choose a folder you can write to")


def new_profile(workspace: Workspace, name: str, answers: CouncilAnswers, *, force: bool = False) -> NewProfile:
    """``contractgen profile new NAME``: another council's profile in this workspace."""
    release = load_library(workspace.library_dir).spec.release
    return write_profile(workspace.profiles_dir, name, answers, release=release, force=force)
