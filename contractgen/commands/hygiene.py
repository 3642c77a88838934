"""What must not be in git: generated output and personal data among the tracked files.

A register names providers' contacts with their emails and phones; a letter, a report or
an overview repeats them. ``contractgen init`` ignores every folder contractgen writes to
(``.gitignore``); ``contractgen validate`` warns about such files that are tracked all the
same (committed before the ignore, or added with ``git add -f``).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path, PurePosixPath

from ..base.errors import ContractgenError
from ..base.gitrefs import run_git
from ..library.workspace import Workspace

#: Folders the docs write outputs to, and where registers and exports are kept.
OUTPUT_FOLDERS = frozenset({"out", "letters", "overview", "scored", "forms", "returned", "data", ".contractgen"})
#: Files contractgen writes that list providers.
REPORTS = frozenset({"report.csv", "unmatched.csv", "lso-referrals.csv", "audit-scores.csv", "overview.html", "overview.xlsx"})
_LETTER_MARKS = (b'name="contractgen.letter.kind"', b'name="contractgen.provider.')


def tracked_personal_data(workspace: Workspace) -> list[str]:
    """One warning per tracked file of the workspace that looks like generated output or
    personal data (the shipped fictional examples excepted); none outside git."""
    try:
        listed = run_git(workspace.root, ["ls-files", "-z", "--", "."], check=False)
    except ContractgenError:
        return []  # no git: nothing is tracked
    if listed.returncode != 0:
        return []
    examples = PurePosixPath(workspace.config.examples)
    warnings = []
    for raw in listed.stdout.split(b"\0"):
        if not raw:
            continue
        name = PurePosixPath(os.fsdecode(raw))
        if name.is_relative_to(examples):
            continue
        why = _looks_like(workspace.root / name, name)
        if why:
            warnings.append(
                f"{name} is tracked by git and looks like {why}; remove it from git with `git rm --cached {name}` "
                "(the file stays) and keep such files in an ignored folder (`contractgen init` ignores out/, letters/, data/ ...)"
            )
    return warnings


def _looks_like(path: Path, name: PurePosixPath) -> str | None:
    if name.parts[0] in OUTPUT_FOLDERS and len(name.parts) > 1:
        return f"generated output or personal data (it is in {name.parts[0]}/, where contractgen's outputs and registers go)"
    lower = name.name.lower()
    if lower in REPORTS:
        return "a contractgen report, which lists providers and their contacts"
    if lower.endswith((".csv", ".xlsx")) and ("providers" in lower or "register" in lower):
        return "a provider register, which holds people's names, emails and phones"
    if lower.startswith("dspt-export") and lower.endswith((".csv", ".xlsx")):
        return "a DSPT export"
    if lower.endswith(".docx") and _is_letter(path):
        return "a letter to a provider (its properties name the provider)"
    return None


def _is_letter(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("docProps/custom.xml")
            custom = archive.read(info) if info.file_size < 1_000_000 else b""
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, NotImplementedError, EOFError):
        return False
    return any(mark in custom for mark in _LETTER_MARKS)
