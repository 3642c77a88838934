"""``contractgen build``: the main job over a whole workspace."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, TypeVar

from ..base.errors import ContractgenError, display_path, plural
from ..letters.generate import LettersResult, generate_letters
from ..library.workspace import Workspace
from ..overview.write import OverviewResult, build_overview
from ..schedule.render import ScheduleResult, render_schedule

T = TypeVar("T")


@dataclass
class BuildResult:
    schedules: list[ScheduleResult] = field(default_factory=list)
    letters: list[LettersResult] = field(default_factory=list)
    overviews: list[OverviewResult] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # what failed, by profile
    output: Path | None = None

    def summary(self) -> str:
        n = len(self.schedules)
        parts = [plural(n, "schedule")]
        if self.letters:
            count = sum(len(r.written) for r in self.letters)
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
) -> BuildResult:
    """Write every council's schedule for its own tier into the workspace's output folder,
    and the letters and market overview of every council with letters configured.

    A profile that fails is reported and the others are still built.
    """
    say = progress or (lambda _line: None)
    complain = error or say
    result = BuildResult(output=workspace.output_dir)

    def attempt(what: str, make: Callable[[], T]) -> T | None:
        """``make()``, or ``None`` after reporting its error and recording ``what`` failed."""
        try:
            return make()
        except ContractgenError as exc:
            result.failed.append(what)
            for line in exc.report_lines():
                complain(f"  {line}")
            return None

    names = workspace.profile_names()
    for i, name in enumerate(names, start=1):
        done = attempt(name, partial(render_schedule, workspace, name))
        if done is not None:
            result.schedules.append(done)
            draft = f"; {done.draft}" if done.draft else ""
            say(f"[{i}/{len(names)}] {display_path(done.path)}: {done.tier} tier, {done.clauses} clauses{draft}")
    for run in workspace.config.build.letters:
        letters = attempt(f"{run.profile} letters", partial(
            generate_letters,
            workspace,
            run.profile,
            workspace.root / run.providers,
            dspt_file=workspace.root / run.dspt if run.dspt else None,
            no_dspt=run.no_dspt,
            as_of=run.as_of,
            accept_export=run.accept_export,
            force=True,  # the build owns its output folder
        ))
        if letters is not None:
            result.letters.append(letters)
            if letters.failed:
                result.failed.append(f"{run.profile} letters")
            for line in letters.summary_lines():
                say(line)
        if run.dspt:  # the council's market overview beside its letters, as of the same date
            overview = attempt(f"{run.profile} overview", partial(
                build_overview,
                workspace,
                run.profile,
                workspace.root / run.providers,
                workspace.root / run.dspt,
                previous=[workspace.root / p for p in run.previous],
                as_of=run.as_of,
                force=True,
                audit_scores=[workspace.root / p for p in run.audit_scores],
            ))
            if overview is not None:
                result.overviews.append(overview)
                for line in overview.summary_lines():
                    say(line)
    return result
