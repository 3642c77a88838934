"""The review workflow (docs/review.md, linked from the README), command by command, on a
clean clone of this repository.

Each ``$ command`` of the ``console`` blocks in "The review workflow, step by step from a
fresh clone" is run in order and its output compared with the document's; commit ids are
compared as ``<sha>`` (the document shows this repository's, a new commit's differs). The
edits the document describes in words between the blocks are made here, in the same order.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import IN_CI
from contractgen.library.clauses import load_library
from helpers import console_blocks, edit, run_cli
from helpers_git import RELEASE_LINES, document_xml, git_identity, paragraphs, resolve_changes

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## The review workflow, step by step from a fresh clone"
DOC = "docs/review.md"
SHA = re.compile(r"\b[0-9a-f]{7}\b")


def walkthrough() -> list[list[tuple[str, list[str]]]]:
    """The console blocks of the section: each a list of (command, expected output lines)."""
    text = (ROOT / DOC).read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[: section.index("\n## ", 1)] if "\n## " in section[1:] else section
    return console_blocks(section)


EDITS = [
    lambda clone: edit(clone / "clause_library/clauses/dspt.remedial-plan.yaml", "\n    default: 20\n", "\n    default: 15\n"),
    lambda clone: (
        edit(clone / "clause_library/clauses/dspt.remedial-plan.yaml", "\nversion: 1.1.1\n", "\nversion: 1.2.0\n"),
        (clone / "clause_library/clauses/dspt.remedial-plan.yaml").open("a", encoding="utf-8").write(
            "  - version: 1.2.0\n    date: 2026-12-07\n    summary: Remedial Plans within 15 Working Days by default.\n"
        ),
    ),
    lambda clone: release(clone / "clause_library", "2026.7", "2026-12-07"),
]


def release(library: Path, name: str, date: str) -> None:
    """Set library.yaml's release lines, whichever release they name, as the document says:
    the new release, its date and the changed library's fingerprint."""
    path = library / "library.yaml"
    text = path.read_text(encoding="utf-8")
    assert len(RELEASE_LINES.findall(text)) == 1, f"no single release:/release_date: pair in {path}"
    lines = f'release: "{name}"\nrelease_date: {date}\n'
    path.write_text(RELEASE_LINES.sub(lines, text), encoding="utf-8")
    fingerprint = load_library(library).fingerprint  # of the files without a fingerprint line
    path.write_text(RELEASE_LINES.sub(f'{lines}release_fingerprint: "{fingerprint}"\n', text), encoding="utf-8")
    assert load_library(library).fingerprint == fingerprint


def run(command: str, clone: Path) -> list[str]:
    """One README command in the clone: contractgen in-process, git as itself."""
    if command.startswith(("git clone ", "python3 -m venv ")):
        return []  # the test made the clone; it runs the contractgen under test
    pipeline = command.split(" | ")
    words = shlex.split(pipeline[0])
    if words[0] == "git":
        result = subprocess.run(words, cwd=clone, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        out = result.stdout
    else:
        assert words[0] == "contractgen", command
        result = run_cli(*words[1:])
        out = result.stdout + result.stderr
    for stage in pipeline[1:]:
        grep, pattern = shlex.split(stage)
        assert grep == "grep"
        out = "".join(line for line in out.splitlines(keepends=True) if pattern in line)
    return out.splitlines()


@pytest.mark.slow
def test_the_readme_review_workflow_from_a_clean_clone(tmp_path, monkeypatch):
    if not (ROOT / ".git").exists():
        if IN_CI:
            pytest.fail("CI must run in a git clone of the project: the README's workflow needs its history")
        pytest.skip("the project folder is not a git repository")
    git_identity(monkeypatch, tmp_path / "home")
    clone = tmp_path / "contractgen"
    subprocess.run(["git", "clone", "-q", "--no-tags", str(ROOT), str(clone)], check=True)
    if subprocess.run(["git", "-C", str(clone), "rev-parse", "--is-shallow-repository"], capture_output=True, text=True).stdout.strip() == "true":
        pytest.skip("this project folder is a shallow clone: `git fetch --unshallow` to run the workflow")
    bindir = Path(sys.executable).parent
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")  # `contractgen` for git-setup
    monkeypatch.chdir(clone)
    blocks = walkthrough()
    assert len(blocks) == len(EDITS) + 1, "the README's walkthrough and this test's edits are out of step"
    for i, block in enumerate(blocks):
        for command, expected in block:
            actual = run(command, clone)
            if command.startswith("contractgen git-setup") and not (bindir / "contractgen").exists():
                continue  # the textconv command names this Python instead
            assert [SHA.sub("<sha>", line) for line in actual] == [SHA.sub("<sha>", line) for line in expected], (
                f"README step `{command}` printed:\n" + "\n".join(actual)
            )
        if i < len(EDITS):
            EDITS[i](clone)
    # what the README says of the redline: values, tracked; and of the release: not a draft
    root = document_xml(clone / "remedial-plan-redline.docx")
    accepted = "\n".join(t for _, t in paragraphs(resolve_changes(root, "accept")))
    rejected = "\n".join(t for _, t in paragraphs(resolve_changes(root, "reject")))
    assert "within 15 Working Days" in accepted and "within 20 Working Days" in rejected
    assert "{{" not in accepted
    assert run("contractgen schedule example-borough -o released.docx", clone)[0].endswith("library release 2026.7)")
    assert run("contractgen textconv released.docx | grep Draft", clone) == []
