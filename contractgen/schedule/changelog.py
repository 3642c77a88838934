"""The release log of ``contractgen releases``: every release of the clause library, newest
first, each with what changed since the one before."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..base.errors import plural
from ..library.releases import (
    ReleaseHistory,
    library_at,
    library_at_release,
    release_history,
)
from ..library.workspace import Workspace
from .diff import diff_library


@dataclass(frozen=True)
class ReleaseEntry:
    """One line of ``contractgen releases``."""

    name: str  # "2026.2", or "unreleased" for the working tree
    date: dt.date | None  # the library's release_date
    commit: str | None
    changes: str  # "1 added, 6 changed, 1 withdrawn"


def list_releases(workspace: Workspace) -> tuple[list[ReleaseEntry], ReleaseHistory]:
    """Every release, newest first, each with what changed since the one before; first a
    line for the working tree when its library holds changes that are in no release."""
    history = release_history(workspace)
    versions = [library_at_release(workspace, r) for r in history.releases]
    entries = []
    for i, version in enumerate(versions):
        release = history.releases[i]
        if i == 0:
            changes = f"first release: {plural(len(version.library.clauses), 'clause')}"
        else:
            changes = _changes_text(diff_library(versions[i - 1], version).counts())
        entries.append(ReleaseEntry(release.name, version.library.spec.release_date, release.commit, changes))
    entries.reverse()
    now = library_at(workspace, None)
    if not versions or now.library.digest != versions[-1].library.digest:
        since = f" since {history.releases[-1].name}" if versions else ""
        changes = _changes_text(diff_library(versions[-1], now).counts()) if versions else plural(len(now.library.clauses), "clause")
        entries.insert(0, ReleaseEntry("unreleased", None, None, f"{changes}{since} (working tree)"))
    return entries, history


def _changes_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "no clause changed"
