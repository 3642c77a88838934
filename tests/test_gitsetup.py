"""`git diff` of generated schedules as text, through contractgen's textconv driver."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from contractgen.library import gitsetup
from contractgen.base.errors import GitError
from contractgen.library.gitsetup import git_setup, textconv_command

ROOT = Path(__file__).resolve().parent.parent
RENEWAL = Path("clause_library/clauses/dspt.annual-renewal.yaml")
#: A textconv that does not need the `contractgen textconv` command.
TEXTCONV = (
    f"{shlex.quote(sys.executable)} -c "
    + shlex.quote(
        "import sys; from contractgen.word.textconv import docx_to_text; "
        "sys.stdout.buffer.write(docx_to_text(sys.argv[1]).encode('utf-8'))"
    )
)
ADDED = "added '*.docx diff=contractgen-docx' to .gitattributes"
CREATED = "created .gitattributes with '*.docx diff=contractgen-docx'"


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch, tmp_path):
    """No user or system git configuration; a fixed identity; contractgen importable by
    the textconv processes that git starts."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{var}_NAME", "Lead")
        monkeypatch.setenv(f"GIT_{var}_EMAIL", "lead@example.org")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


@pytest.fixture
def repo(tmp_path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    return path


@pytest.fixture
def ws(workspace_dir: Path) -> Path:
    """The example workspace, committed: its first commit is release 2026.1."""
    git(workspace_dir, "init", "-q", "-b", "main")
    git(workspace_dir, "add", "-A")
    git(workspace_dir, "commit", "-q", "-m", "release 2026.1")
    return workspace_dir


def render(ws: Path) -> Path:
    from contractgen.schedule.render import render_schedule
    from contractgen.library.workspace import load_workspace

    out = ws / "schedules" / "example-borough.docx"
    render_schedule(load_workspace(ws), "example-borough", output=out)
    return out


def change_renewal_clause(ws: Path) -> None:
    """Reword the renewal duty and release it as 1.1.1."""
    path = ws / RENEWAL
    text = path.read_text(encoding="utf-8")
    assert text.count("review, update and republish") == 1
    text = text.replace("review, update and republish", "review, refresh and republish")
    text = text.replace("version: 1.1.0\nstatus", "version: 1.1.1\nstatus")
    text += "  - version: 1.1.1\n    date: 2026-09-01\n    summary: Refresh rather than update.\n"
    path.write_text(text, encoding="utf-8")


def changed_lines(diff: str, sign: str, words: str) -> list[str]:
    return [line for line in diff.splitlines() if line.startswith(sign) and words in line]


# -- a real git diff --------------------------------------------------------------------


@pytest.mark.slow
def test_git_diff_and_log_show_the_changed_words_of_a_schedule(ws):
    schedule = render(ws)
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "release 2026.1")
    change_renewal_clause(ws)
    render(ws)
    assert "Binary files a/schedules/example-borough.docx and b/schedules/example-borough.docx differ" in git(ws, "diff", "--", "schedules")

    assert git_setup(schedule, command=TEXTCONV) == [
        CREATED,
        f"set diff.contractgen-docx.textconv = {TEXTCONV}",
        "set diff.contractgen-docx.cachetextconv = true",
    ]

    diff = git(ws, "diff", "--", "schedules")
    assert "Binary files" not in diff
    (old,) = changed_lines(diff, "-", "The Provider shall review, update and republish its DSPT assessment")
    (new,) = changed_lines(diff, "+", "The Provider shall review, refresh and republish its DSPT assessment")
    assert old[1:].replace("update", "refresh") == new[1:]
    assert old.startswith("-  ") and "Annual renewal and evidence." in old  # numbered paragraph, as Word shows it
    assert len([line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]) <= 6

    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "dspt.annual-renewal 1.1.1")
    log = git(ws, "log", "-p", "--format=commit %s", "--", "schedules")
    assert changed_lines(log, "-", "review, update and republish") and changed_lines(log, "+", "review, refresh and republish")
    assert changed_lines(log, "+", "review, update and republish")  # the first commit, as text too
    assert "Binary files" not in log
    assert "refs/notes/textconv/contractgen-docx" in git(ws, "for-each-ref")  # cachetextconv at work
    assert git(ws, "log", "-p", "--format=commit %s", "--", "schedules") == log  # the same from the cache


@pytest.mark.slow
def test_default_command_runs_contractgen_textconv(ws, monkeypatch):
    monkeypatch.setenv("PATH", os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "contractgen").exists()))
    schedule = render(ws)
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "release 2026.1")
    change_renewal_clause(ws)
    render(ws)
    actions = git_setup(ws)
    assert f"set diff.contractgen-docx.textconv = {shlex.quote(sys.executable)} -m contractgen textconv" in actions
    diff = git(ws, "diff", "--", str(schedule.relative_to(ws)))
    assert changed_lines(diff, "+", "review, refresh and republish")


# -- .gitattributes and config ----------------------------------------------------------


def test_setup_twice_changes_nothing(repo):
    assert git_setup(repo, command="cat") == [
        CREATED,
        "set diff.contractgen-docx.textconv = cat",
        "set diff.contractgen-docx.cachetextconv = true",
    ]
    before = (repo / ".gitattributes").read_bytes()
    assert git_setup(repo, command="cat") == []
    assert (repo / ".gitattributes").read_bytes() == before == b"*.docx diff=contractgen-docx\n"
    assert git(repo, "config", "--local", "--get-all", "diff.contractgen-docx.textconv") == "cat\n"
    assert git(repo, "config", "--local", "--get-all", "diff.contractgen-docx.cachetextconv") == "true\n"
    assert git(repo, "check-attr", "diff", "--", "a/b/schedule.docx") == "a/b/schedule.docx: diff: contractgen-docx\n"


def test_a_new_command_replaces_the_old_one(repo):
    git_setup(repo, command="cat")
    assert git_setup(repo, command="contractgen textconv") == ["set diff.contractgen-docx.textconv = contractgen textconv"]
    assert git(repo, "config", "--local", "--get-all", "diff.contractgen-docx.textconv") == "contractgen textconv\n"


def test_existing_gitattributes_are_kept(repo):
    existing = "# binary assets\n*.png binary\n*.docx binary\n*.xlsx -diff\n"
    (repo / ".gitattributes").write_text(existing, encoding="utf-8")
    assert git_setup(repo / ".gitattributes", command="cat")[0] == ADDED
    assert (repo / ".gitattributes").read_text(encoding="utf-8") == existing + "*.docx diff=contractgen-docx\n"
    attrs = git(repo, "check-attr", "-a", "--", "x.docx")
    assert "x.docx: diff: contractgen-docx" in attrs and "x.docx: merge: unset" in attrs  # binary kept for merges
    assert git_setup(repo, command="cat") == []


def test_another_docx_diff_driver_is_replaced_in_place(repo):
    (repo / ".gitattributes").write_bytes(b"*.docx diff=word -text\r\n*.md text\r\n")
    assert git_setup(repo, command="cat")[0] == (
        "changed '*.docx diff=word -text' to '*.docx diff=contractgen-docx -text' in .gitattributes"
    )
    assert (repo / ".gitattributes").read_bytes() == b"*.docx diff=contractgen-docx -text\r\n*.md text\r\n"


def test_a_later_binary_line_is_overridden_by_appending(repo):
    (repo / ".gitattributes").write_text("*.docx diff=contractgen-docx\n*.docx binary\n", encoding="utf-8")
    assert git_setup(repo, command="cat")[0] == ADDED
    assert git(repo, "check-attr", "diff", "--", "x.docx") == "x.docx: diff: contractgen-docx\n"


def test_a_file_without_final_newline(repo):
    (repo / ".gitattributes").write_text("*.png binary", encoding="utf-8")
    git_setup(repo, command="cat")
    assert (repo / ".gitattributes").read_text(encoding="utf-8") == "*.png binary\n*.docx diff=contractgen-docx\n"


def test_from_a_subfolder_writes_the_top_gitattributes(repo):
    (repo / "schedules").mkdir()
    assert git_setup(repo / "schedules", command="cat")[0] == CREATED
    assert (repo / ".gitattributes").read_bytes() == b"*.docx diff=contractgen-docx\n"
    assert not (repo / "schedules" / ".gitattributes").exists()
    assert git(repo, "check-attr", "diff", "--", "schedules/x.docx") == "schedules/x.docx: diff: contractgen-docx\n"


def test_overriding_info_attributes_is_reported(repo):
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "attributes").write_text("*.docx -diff\n", encoding="utf-8")
    assert git_setup(repo, command="cat")[-1] == (
        "warning: .git/info/attributes overrides the diff of .docx files, so git does not use "
        "contractgen-docx; remove its diff setting for *.docx"
    )


def test_not_in_a_repository(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitError, match=r"plain is not inside a git work tree .*clone the clause library's repository"):
        git_setup(plain)
    assert not (plain / ".gitattributes").exists()


# -- the command ------------------------------------------------------------------------


def test_command_is_contractgen_when_on_path(monkeypatch):
    monkeypatch.setattr(gitsetup.shutil, "which", lambda name: f"/usr/local/bin/{name}")
    assert textconv_command() == "contractgen textconv"


def test_command_falls_back_to_this_python_quoted_for_the_shell(monkeypatch):
    monkeypatch.setattr(gitsetup.shutil, "which", lambda name: None)
    monkeypatch.setattr(gitsetup.sys, "executable", "/opt/python 3.11/bin/python")
    assert textconv_command() == "'/opt/python 3.11/bin/python' -m contractgen textconv"
    monkeypatch.setattr(gitsetup.sys, "executable", "/usr/bin/python3")
    assert textconv_command() == "/usr/bin/python3 -m contractgen textconv"


def test_quoted_command_survives_git_shell(tmp_path, repo):
    """A path with spaces and quotes runs as one program under git's shell."""
    folder = tmp_path / "it's a folder"
    folder.mkdir()
    script = folder / "conv"
    script.write_text("#!/bin/sh\necho converted \"$1\"\n", encoding="utf-8")
    script.chmod(0o755)
    git_setup(repo, command=gitsetup.shell_quote(str(script)))
    (repo / "a.docx").write_bytes(b"one")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "one")
    (repo / "a.docx").write_bytes(b"two")
    diff = git(repo, "diff")
    assert "-converted " in diff and "+converted " in diff
