"""A workspace: a folder with ``contractgen.yaml`` naming its library, templates and profiles.

Commands find it by walking up from the current folder, or take ``--workspace DIR``.
``contractgen init DIR`` creates one from the defaults shipped inside the package.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from .errors import Location, Problem, WorkspaceError, count_problems, display_path
from .schema import Strict, validate_model
from .yamlio import read_yaml

CONFIG_FILE = "contractgen.yaml"


class LetterRun(Strict):
    """A batch of letters that ``contractgen build`` writes."""

    profile: str
    providers: str  # register file, relative to the workspace
    dspt: str | None = None  # DSPT export, relative to the workspace
    no_dspt: bool = False  # without dspt: letters that say nothing about the DSPT record
    previous: list[str] = []  # earlier DSPT exports for the overview's changes and trend
    as_of: dt.date | None = None  # fixed for reproducible builds; omitted: today


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
                f"create one with `contractgen init {explicit}`"
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
    packaged = Path(__file__).parent / "_defaults"
    if (packaged / CONFIG_FILE).is_file():
        return packaged
    source = Path(__file__).resolve().parent.parent
    if (source / CONFIG_FILE).is_file():
        return source
    raise WorkspaceError("the installed contractgen has no default workspace; reinstall it")  # pragma: no cover


INIT_ITEMS = (CONFIG_FILE, "clause_library", "templates", "profiles", "examples")


def init_workspace(target: Path) -> list[str]:
    """Create a workspace at ``target`` from the shipped defaults; return what was created."""
    if (target / CONFIG_FILE).exists():
        raise WorkspaceError(
            f"{display_path(target)} is already a workspace ({CONFIG_FILE} exists); "
            "choose an empty folder"
        )
    source = defaults_root()
    clashes = [name for name in INIT_ITEMS if (target / name).exists()]
    if clashes:
        raise WorkspaceError(
            f"{display_path(target)} already has {', '.join(clashes)}; choose an empty folder "
            "or move them away first",
            [Problem(Location(display_path(target / c)), "", "already exists") for c in clashes],
        )
    created = []
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "~$*")
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in INIT_ITEMS:
            src = source / name
            if src.is_dir():
                shutil.copytree(src, target / name, ignore=ignore)
            elif src.is_file():
                shutil.copy2(src, target / name)
            else:
                continue
            created.append(name)
    except OSError as exc:
        why = exc.strerror or str(exc)
        where = display_path(exc.filename) if getattr(exc, "filename", None) else display_path(target)
        shown = display_path(target)
        detail = why if where == shown else f"{where}: {why}"
        raise WorkspaceError(
            f"cannot create the workspace in {shown}: {detail}; choose a folder you can write to"
        ) from exc
    return created
