"""``contractgen build``: the main job over a whole workspace."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import ContractgenError
from .schedule import ScheduleResult, render_schedule
from .workspace import Workspace


@dataclass
class BuildResult:
    schedules: list[ScheduleResult] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # "profile: message"
    output: Path | None = None

    def summary(self) -> str:
        parts = [f"{len(self.schedules)} schedule{'s' if len(self.schedules) != 1 else ''}"]
        text = f"built {', '.join(parts)} in {self.output}"
        if self.failed:
            text += f"; {len(self.failed)} failed"
        return text


def build_workspace(workspace: Workspace, progress: Callable[[str], None] | None = None) -> BuildResult:
    """Write every council's schedule for its own tier into the workspace's output folder.

    A profile that fails is reported and the others are still built.
    """
    say = progress or (lambda _line: None)
    result = BuildResult(output=workspace.output_dir)
    names = workspace.profile_names()
    for i, name in enumerate(names, start=1):
        try:
            done = render_schedule(workspace, name)
        except ContractgenError as exc:
            result.failed.append(name)
            for line in exc.report_lines():
                say(f"  {line}")
            continue
        result.schedules.append(done)
        say(f"[{i}/{len(names)}] {done.path.relative_to(workspace.root) if done.path.is_relative_to(workspace.root) else done.path}: {done.tier} tier, {done.clauses} clauses")
    return result
