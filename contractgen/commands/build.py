"""``contractgen build``: the main job over a whole workspace."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, TypeVar

from ..base.errors import ContractgenError, display_path, plural
from ..letters.generate import generate_letters, read_providers
from ..library.workspace import LetterRun, Workspace
from ..overview.write import OverviewResult, build_overview
from ..schedule.render import ScheduleResult, prepare, render_schedule

T = TypeVar("T")


@dataclass
class BuildResult:
    schedules: list[ScheduleResult] = field(default_factory=list)
    letters: list[int] = field(default_factory=list)  # letters written, one entry per council (a batch's letters are not kept)
    overviews: list[OverviewResult] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # what failed, by profile
    output: Path | None = None

    def summary(self) -> str:
        n = len(self.schedules)
        parts = [plural(n, "schedule")]
        if self.letters:
            count = sum(self.letters)
            parts.append(f"{plural(count, 'letter')} for {plural(len(self.letters), 'council')}")
        if self.overviews:
            parts.append(plural(len(self.overviews), "market overview"))
        text = f"built {' and '.join(parts)} in {display_path(self.output) if self.output else '?'}"
        if self.failed:
            text += f"; {len(self.failed)} failed: {', '.join(self.failed)}"
        return text


def build_workspace(
    workspace: Workspace,
    progress: Callable[[str], None] | None = None,
    error: Callable[[str], None] | None = None,
    force: bool = False,
) -> BuildResult:
    """Write every council's schedules into the workspace's output folder (one for its
    profile's tier and one for each other tier its providers' register uses, since a
    letter cites the paragraphs of its provider's tier's schedule), and the letters and
    market overview of every council with letters configured.

    A profile that fails is reported and the others are still built. The build replaces
    what contractgen wrote there before; a file it did not write is refused (that
    profile fails) unless ``force``.
    """
    say = progress or (lambda _line: None)
    build = _Build(workspace, say, error or say, force)
    build.schedules()
    for run in workspace.config.build.letters:
        build.letters(run)
        if run.dspt:  # the council's market overview beside its letters, as of the same date
            build.overview(run)
    return build.result


def schedule_tiers(workspace: Workspace, name: str) -> list[str | None]:
    """The tiers of the schedules council ``name`` issues: its profile's tier and every
    tier that the register of one of its letters runs gives a provider, in the library's
    order. ``[None]`` (the profile's tier, whatever it is) when the profile or a register
    cannot be read: rendering the schedule or the letters reports why."""
    try:
        library, profile = prepare(workspace, name)
        used = {profile.model.tier}
        for run in workspace.config.build.letters:
            if run.profile == name:
                register = read_providers(workspace.root / run.providers, library, profile, strict=False)
                used.update(provider.tier for provider in register.providers)
    except ContractgenError:
        return [None]
    return [tier for tier in library.tiers if tier in used]


class _Build:
    """The steps of one build. Each is attempted: one that fails is reported and
    recorded, and the others still run."""

    def __init__(self, workspace: Workspace, say: Callable[[str], None], complain: Callable[[str], None], force: bool) -> None:
        self.workspace = workspace
        self.force = force  # replace files contractgen did not write; what it wrote is replaced anyway
        self.say = say
        self.complain = complain
        self.result = BuildResult(output=workspace.output_dir)

    def attempt(self, what: str, make: Callable[[], T]) -> T | None:
        """``make()``, or ``None`` after reporting its error and recording ``what`` failed."""
        try:
            return make()
        except ContractgenError as exc:
            self.result.failed.append(what)
            for line in exc.report_lines():
                self.complain(f"  {line}")
            return None

    def schedules(self) -> None:
        """Every council's schedule for each tier it issues (:func:`schedule_tiers`)."""
        wanted = [(name, tier) for name in self.workspace.profile_names() for tier in schedule_tiers(self.workspace, name)]
        for i, (name, tier) in enumerate(wanted, start=1):
            what = name if tier is None else f"{name} {tier} schedule"
            done = self.attempt(what, partial(render_schedule, self.workspace, name, tier=tier, force=self.force))
            if done is not None:
                self.result.schedules.append(done)
                draft = f"; {done.draft}" if done.draft else ""
                self.say(f"[{i}/{len(wanted)}] {display_path(done.path)}: {done.tier} tier, {done.clauses} clauses{draft}")

    def letters(self, run: LetterRun) -> None:
        """One council's letters to its providers."""
        workspace = self.workspace
        letters = self.attempt(f"{run.profile} letters", partial(
            generate_letters,
            workspace,
            run.profile,
            workspace.root / run.providers,
            dspt_file=workspace.root / run.dspt if run.dspt else None,
            no_dspt=run.no_dspt,
            as_of=run.as_of,
            accept_export=run.accept_export,
            force=self.force,
            replace_own=True,  # an earlier build's letters are replaced, someone else's file is not
        ))
        if letters is not None:
            self.result.letters.append(len(letters.written))
            if letters.failed:
                self.result.failed.append(f"{run.profile} letters")
            for line in letters.summary_lines():
                self.say(line)

    def overview(self, run: LetterRun) -> None:
        """One council's market overview."""
        workspace = self.workspace
        assert run.dspt is not None
        overview = self.attempt(f"{run.profile} overview", partial(
            build_overview,
            workspace,
            run.profile,
            workspace.root / run.providers,
            workspace.root / run.dspt,
            previous=[workspace.root / p for p in run.previous],
            as_of=run.as_of,
            force=self.force,
            replace_own=True,
            audit_scores=[workspace.root / p for p in run.audit_scores],
        ))
        if overview is not None:
            self.result.overviews.append(overview)
            for line in overview.summary_lines():
                self.say(line)
