"""Readable ``git diff`` of Word documents: a git textconv driver for .docx files.

:func:`git_setup` makes git show every .docx of a repository as the plain text of
:func:`contractgen.word.textconv.docx_to_text` in ``git diff``, ``git log -p`` and
``git show``:

* ``.gitattributes`` (committed, so it applies in every clone) gets
  ``*.docx diff=contractgen-docx``;
* the repository's own git config (``.git/config``, not committed: every clone runs
  ``contractgen git-setup`` once) gets ``diff.contractgen-docx.textconv`` (the command
  git runs with the file name appended) and ``diff.contractgen-docx.cachetextconv``
  (git keeps each document's text in ``refs/notes/textconv/contractgen-docx`` so that
  ``git log -p`` converts each version once; git drops that cache when the command
  changes).

Running it again changes nothing. The documents themselves are untouched: this changes
only how git shows them.

The cache is keyed by the command, not by contractgen's version: after an upgrade that
changes the text of documents, drop it with
``git update-ref -d refs/notes/textconv/contractgen-docx``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from pathlib import Path

from ..base.errors import GitError, display_path
from ..base.gitrefs import find_repo_root, run_git
from .clauses import load_library

DRIVER = "contractgen-docx"
PATTERN = "*.docx"
ATTRIBUTES_LINE = f"{PATTERN} diff={DRIVER}"
ATTRIBUTES_FILE = ".gitattributes"
# A diff setting in a .gitattributes line: diff, -diff, !diff, diff=driver.
_DIFF_ATTRIBUTE = re.compile(r"^[-!]?diff(=.*)?$")


def git_setup(path: Path, command: str | None = None) -> list[str]:
    """Set up the repository holding ``path`` so that git shows .docx files as text.

    ``command`` is the textconv command (default: :func:`textconv_command`). Returns what
    was done, one line per action, empty when everything was already in place. Raises
    :class:`~contractgen.base.errors.GitError` when ``path`` is not inside a git work tree.
    """
    repo = find_repo_root(path)
    command = command or textconv_command()
    actions = _update_attributes(repo)
    for key, value in ((f"diff.{DRIVER}.textconv", command), (f"diff.{DRIVER}.cachetextconv", "true")):
        current = run_git(repo, ["config", "--local", "--get", key], check=False)
        if current.returncode == 0 and os.fsdecode(current.stdout.rstrip(b"\n")) == value:
            continue
        run_git(repo, ["config", "--local", "--replace-all", key, value])
        actions.append(f"set {key} = {value}")
    if not _attribute_applies(repo):
        actions.append(
            f"warning: .git/info/attributes overrides the diff of .docx files, so git does "
            f"not use {DRIVER}; remove its diff setting for *.docx"
        )
    return actions


def textconv_command() -> str:
    """``contractgen textconv`` when ``contractgen`` is on PATH, else this Python running
    ``-m contractgen textconv``, quoted for the shell that git runs it with."""
    if shutil.which("contractgen"):
        return "contractgen textconv"
    return f"{shell_quote(sys.executable)} -m contractgen textconv"


def shell_quote(path: str) -> str:
    """``path`` quoted for git's shell (``sh``, also on Windows, where git brings its own
    and forward slashes are safest)."""
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        path = path.replace("\\", "/")
        return f'"{path}"' if re.search(r"[^\w@%+=:,./-]", path) else path
    return shlex.quote(path)


def _update_attributes(repo: Path) -> list[str]:
    """Add (or correct) the ``*.docx`` line of ``.gitattributes``, keeping everything else."""
    file = repo / ATTRIBUTES_FILE
    shown = display_path(file)
    if file.exists() and not file.is_file() or file.is_symlink() and not file.exists():
        raise GitError(
            f"{shown} is not a file (a folder or a broken link); git reads {ATTRIBUTES_FILE} as a text file: "
            "move it away, then run git-setup again"
        )
    try:
        raw = file.read_bytes() if file.exists() else b""
    except OSError as exc:
        raise GitError(f"cannot read {shown} ({exc.strerror or exc}); fix it, then run git-setup again") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GitError(f"{shown} is not UTF-8 text; fix its encoding, then run git-setup again") from exc
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    docx = [i for i, line in enumerate(lines) if line.split()[:1] == [PATTERN]]
    # the last *.docx line that sets diff (binary means -diff -merge -text) wins in git
    setting = [i for i in docx if any(_DIFF_ATTRIBUTE.match(a) or a == "binary" for a in lines[i].split()[1:])]
    wanted = f"diff={DRIVER}"
    actions: list[str] = []
    last = lines[setting[-1]].split()[1:] if setting else []
    if wanted in last and "binary" not in last[last.index(wanted) + 1 :]:
        return actions
    if any(_DIFF_ATTRIBUTE.match(a) for a in last) and "binary" not in last:
        i = setting[-1]
        before = lines[i]
        parts = before.split()
        lines[i] = " ".join([parts[0], *(wanted if _DIFF_ATTRIBUTE.match(a) else a for a in parts[1:])])
        actions.append(f"changed '{before.strip()}' to '{lines[i]}' in {ATTRIBUTES_FILE}")
    elif file.exists():
        lines.append(ATTRIBUTES_LINE)  # after any '*.docx binary', which it overrides for diff only
        actions.append(f"added '{ATTRIBUTES_LINE}' to {ATTRIBUTES_FILE}")
    else:
        lines.append(ATTRIBUTES_LINE)
        actions.append(f"created {ATTRIBUTES_FILE} with '{ATTRIBUTES_LINE}'")
    file.write_bytes((newline.join(lines) + newline).encode("utf-8"))
    return actions


def _attribute_applies(repo: Path) -> bool:
    """Whether git now gives a .docx at the top of the repository our diff driver."""
    out = run_git(repo, ["check-attr", "diff", "--", "contractgen-probe.docx"]).stdout
    return out.decode("utf-8", "replace").strip().endswith(f": diff: {DRIVER}")


# -- a new workspace's repository (contractgen init) --------------------------------------

#: Every folder the README and docs write to, and the files that hold providers' names and
#: contact details: none of it belongs in the clause library's history.
GITIGNORE = """\
# What contractgen writes, and the personal data it reads (providers' names, emails and
# phones): none of it belongs in git. Keep registers and DSPT exports in data/.
/out/
/data/
/letters/
/overview/
/scored/
/forms/
/returned/
/.contractgen/
report.csv
unmatched.csv
lso-referrals.csv
audit-scores.csv
overview.html
overview.xlsx
*-providers.csv
*-providers.xlsx
dspt-export*.csv
dspt-export*.xlsx
# the fictional examples are not personal data
!/examples/**
# Word's and LibreOffice's lock files
~$*
.~lock.*#
"""

PRE_COMMIT_CONFIG = """\
# Checks before each commit, with pre-commit (https://pre-commit.com):
#   pip install pre-commit && pre-commit install
# These are contractgen's shipped hooks (its .pre-commit-hooks.yaml), run with the
# contractgen installed here. To pin a contractgen release instead, replace this `local`
# repo by the contractgen repository and a `rev:`, keeping the hook ids.
repos:
  - repo: local
    hooks:
      - id: contractgen-check-versions
        name: contractgen check-versions
        entry: contractgen check-versions
        language: system
        pass_filenames: false
        files: ^clause_library/
      - id: contractgen-validate
        name: contractgen validate
        entry: contractgen validate
        language: system
        pass_filenames: false
        files: ^(contractgen\\.yaml$|clause_library/|profiles/|templates/)
"""


def enclosing_repository(target: Path) -> Path | None:
    """The git work tree that ``target`` (which may not exist yet) would be inside."""
    folder = _existing_ancestor(target)
    result = run_git(folder, ["rev-parse", "--show-toplevel"], check=False)
    return Path(os.fsdecode(result.stdout.rstrip(b"\n"))) if result.returncode == 0 else None


def check_git_identity(target: Path) -> None:
    """Refuse before anything is written when git cannot make a commit: no identity."""
    result = run_git(_existing_ancestor(target), ["var", "GIT_COMMITTER_IDENT"], check=False)
    if result.returncode != 0:
        raise GitError(
            "git does not know who you are, so it cannot make the workspace's first commit; set "
            '`git config --global user.name "Your Name"` and `git config --global user.email '
            'you@example.org`, or use --no-git'
        )


def commit_new_repository(target: Path) -> list[str]:
    """``git init`` in ``target``, :func:`git_setup`, a ``.gitignore`` and a
    ``.pre-commit-config.yaml``, then the first commit of everything; what was done."""

    run_git(target, ["init", "-q"])
    actions = [f"created a git repository in {display_path(target)}"]
    actions += git_setup(target)
    for name, text in ((".gitignore", GITIGNORE), (".pre-commit-config.yaml", PRE_COMMIT_CONFIG)):
        (target / name).write_text(text, encoding="utf-8")
        actions.append(f"wrote {name}")
    release = load_library(target / "clause_library").spec.release
    run_git(target, ["add", "-A"])
    run_git(target, ["commit", "-q", "-m", f"Clause library release {release}"])
    sha = run_git(target, ["rev-parse", "--short=7", "HEAD"]).stdout.decode("ascii").strip()
    actions.append(f"committed everything ({sha}): release {release} of the clause library")
    return actions


def _existing_ancestor(path: Path) -> Path:
    path = Path(path).absolute()
    while not path.is_dir():
        path = path.parent
    return path


def git_user_name(path: Path) -> str | None:
    """The name git would sign a commit with from ``path`` (``user.name``, or
    ``GIT_AUTHOR_NAME``), or None when git has none (or is missing)."""
    try:
        result = run_git(_existing_ancestor(path), ["var", "GIT_AUTHOR_IDENT"], check=False)
    except GitError:
        return None
    ident = result.stdout.decode("utf-8", "replace").strip()
    name = ident.split(" <", 1)[0].strip() if result.returncode == 0 else ""
    return name or None
