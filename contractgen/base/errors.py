"""The one exception hierarchy of contractgen.

Every error a user can cause by what they feed the tool (a YAML file, a template, a
register, an export, a command-line value) is a :class:`ContractgenError`. The command
line maps these to messages and exit codes in exactly one place
(``contractgen.cli._handle_errors``); the library never prints and never imports click.

Messages name the file, line and key, say what is wrong and how to fix it.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Location:
    """Where a problem is: a file, and when known a 1-based line and column."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


@dataclass(frozen=True)
class Problem:
    """One finding: where, which key (dotted path, may be empty) and what is wrong."""

    location: Location
    key: str
    message: str

    def __str__(self) -> str:
        key = f" {self.key}:" if self.key else ""
        return f"{self.location}:{key} {self.message}"


def plural(n: int, word: str) -> str:
    """``1 problem``, ``2 problems``: every count a user reads is written this way."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def count_problems(problems: list[Problem]) -> str:
    return plural(len(problems), "problem")


def unique_problems(problems: list[Problem]) -> list[Problem]:
    """The problems in order, each reported once (several checks can find the same one)."""
    seen: set[str] = set()
    out = []
    for p in problems:
        if str(p) not in seen:
            seen.add(str(p))
            out.append(p)
    return out


def display_path(path: str | Path) -> str:
    """A path as the user should see it: relative to the current folder when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)


def display_argument(path: str | Path) -> str:
    """:func:`display_path` as it can be typed after a command in the user's shell: quoted
    when it holds a space, an ampersand, a quote or anything else the shell would read
    (``'Zoë & Co/letters'``; on Windows ``"Zoë & Co\\letters"``)."""
    shown = display_path(path)
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        return f'"{shown}"' if re.search(r"[^\w@%+=:,./\\-]", shown) else shown
    return shlex.quote(shown)


class ContractgenError(Exception):
    """Base class: bad input or a refused operation. Exit code 1 unless a subclass says."""

    exit_code = 1

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[Problem] = list(problems or [])

    def __str__(self) -> str:
        return "\n".join(self.report_lines())

    def report_lines(self) -> list[str]:
        """Each located problem on its own line (``file:line:col: key: message``), then
        one ``error:`` line saying what failed (unless a problem already said it)."""
        lines = [str(p) for p in self.problems]
        if not self.problems or all(p.message != self.message for p in self.problems):
            lines.append(f"error: {self.message}")
        return lines


class UsageError(ContractgenError):
    """A command-line value is wrong (unknown profile name, bad date, bad option mix)."""

    exit_code = 2


class WorkspaceError(ContractgenError):
    """No workspace found, or ``contractgen.yaml`` is missing or names missing folders."""


class InputError(ContractgenError):
    """A YAML, CSV or XLSX file cannot be read or does not match its schema.

    Carries one :class:`Problem` per finding so that all of them are reported at once.
    """


class LibraryError(InputError):
    """The clause library is inconsistent: unknown ids, bad references, bad versions."""


class ProfileError(InputError):
    """A council profile is invalid: unknown keys, missing parameters, unknown tiers."""


class TemplateError(InputError):
    """A Word template or clause text cannot be rendered (syntax, undefined variable,
    a value XML cannot hold)."""


class RegisterError(InputError):
    """The provider register has bad rows (reported with their row numbers)."""


class ExportError(InputError):
    """A DSPT organisation-search export cannot be read or holds an unknown status."""


class OutputError(ContractgenError):
    """An output cannot be written: it exists (use --force), or the folder is not writable."""


class GitError(ContractgenError):
    """A git reference cannot be read: not a repository, unknown ref, no release tag."""


class ExternalToolError(ContractgenError):
    """A required external program (LibreOffice, git) is missing or failed."""


class VersionDisciplineError(ContractgenError):
    """Clause versions were not bumped, went backwards, or an id was reused."""


class CaseError(InputError):
    """A case event cannot be recorded: unknown provider code or event, a bad date or
    option, a letters folder that cannot be recorded as issued, a bad import row."""


class CaseDatabaseError(ContractgenError):
    """The case database cannot be used: locked by another program for too long,
    read-only, damaged, not a contractgen database, or made by a newer contractgen.
    Nothing is written when it is raised."""

    exit_code = 3
