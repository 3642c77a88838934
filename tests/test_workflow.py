"""Reviewable change where a council starts: a fresh clone without tags, a shallow clone,
a workspace made by `contractgen init`, and documents built from unreleased changes."""

from __future__ import annotations

import difflib
import subprocess
from pathlib import Path

import pytest

from contractgen.library.releases import release_history
from contractgen.schedule.render import render_schedule
from contractgen.library.workspace import load_workspace
from helpers import custom_properties, docx_parts, docx_text, run_cli, stderr_lines, without_version
from helpers_git import (
    NEW_RELEASE,
    OLD_RELEASE,
    SHIPPED_CLAUSES,
    SHIPPED_RELEASE,
    SHIPPED_RELEASE_DATE,
    build_release_history,
    copy_example_workspace,
    commit_all,
    edit,
    git,
    git_identity,
    module_git_env,
)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    with module_git_env(tmp_path_factory) as base:
        yield build_release_history(base / "origin")


@pytest.fixture
def clone(history, tmp_path, monkeypatch):
    """A fresh clone of the release history (it has no tags); the current folder."""
    git_identity(monkeypatch, tmp_path / "home")
    target = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--no-tags", history.root.as_uri(), str(target)], check=True)
    assert git(target, "tag") == ""
    monkeypatch.chdir(target)
    return target


def short(repo: Path, ref: str) -> str:
    return git(repo, "rev-parse", "--short=7", ref)


# ---------------------------------------------------------------- a fresh clone


def test_releases_on_a_fresh_clone(clone):
    result = run_cli("releases")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "release  date        commit   changes",
        f"2026.2   2026-10-01  {short(clone, 'HEAD')}  1 added, 1 removed, 1 withdrawn, 5 changed",
        f"2026.1   2026-04-01  {short(clone, 'HEAD~6')}  first release: {SHIPPED_CLAUSES} clauses",
    ]
    assert result.stderr == ""


def test_releases_lists_unreleased_working_tree_changes_first(clone):
    edit(clone / "clause_library" / "clauses" / "dspt.support.yaml", "free support", "free and confidential support")
    lines = run_cli("releases").stdout.splitlines()
    assert lines[:2] == [
        "release     date        commit   changes",
        "unreleased  -           -        1 changed since 2026.2 (working tree)",
    ]
    assert lines[2].startswith("2026.2      2026-10-01  ")


def test_the_review_commands_on_a_fresh_clone(clone, tmp_path):
    diff = run_cli("diff")
    assert diff.exit_code == 0, diff.output
    assert diff.stdout.splitlines()[-1] == f"release 2026.2 ({short(clone, 'HEAD')}) → working tree: no changes; {SHIPPED_CLAUSES} unchanged"
    versions = run_cli("check-versions")
    assert versions.stdout == f"checked {SHIPPED_CLAUSES} clauses against release 2026.2 ({short(clone, 'HEAD')}): ok, no clause changed\n"
    shown = run_cli("clauses", "show", "dspt.annual-renewal", "--at", OLD_RELEASE)
    assert shown.stdout.splitlines()[1] == "dspt.annual-renewal@1.1.0 (approved), section maintaining, for schedule"
    out = tmp_path / "old.docx"
    schedule = run_cli("schedule", "example-borough", "--at", OLD_RELEASE, "-o", str(out))
    assert schedule.exit_code == 0, schedule.output
    assert schedule.stdout.endswith("library release 2026.1)\n")
    props = custom_properties(docx_parts(out))
    assert props["contractgen.library.commit"] == git(clone, "rev-parse", "HEAD~6")
    assert "Draft" not in docx_text(out)
    between = run_cli("diff", OLD_RELEASE, NEW_RELEASE)
    assert between.stdout.splitlines()[-1].endswith(f": 1 added, 1 removed, 1 withdrawn, 5 changed; {SHIPPED_CLAUSES - 7} unchanged")


def test_a_profile_pin_on_a_fresh_clone(clone, tmp_path):
    (clone / "profiles" / "any-2026.yaml").write_text('extends: example-borough\nlibrary:\n  release: "2026.*"\n', encoding="utf-8")
    result = render_schedule(load_workspace(clone), "any-2026", output=tmp_path / "a.docx")
    assert result.release == "2026.2"
    result = render_schedule(load_workspace(clone), "pinned-2026-1", output=tmp_path / "p.docx")
    assert result.release == "2026.1"
    assert custom_properties(docx_parts(tmp_path / "p.docx"))["contractgen.library.source"] == "2026.1:clause_library"


def test_a_shallow_clone_names_git_fetch_unshallow(history, tmp_path, monkeypatch):
    target = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", history.root.as_uri(), str(target)], check=True)
    monkeypatch.chdir(target)
    message = (
        "error: . is a shallow clone (made with `git clone --depth`): its history is cut off, so the releases in "
        "clause_library/library.yaml cannot be found; fetch the whole history with `git fetch --unshallow` and try again"
    )
    for args in (["releases"], ["diff"], ["check-versions"], ["clauses", "show", "dspt.tier", "--at", OLD_RELEASE]):
        result = run_cli(*args)
        assert result.exit_code == 1, args
        assert stderr_lines(result) == [message], args
    assert run_cli("check-versions", "--against", "HEAD").exit_code == 0  # what needs no history still works


# ---------------------------------------------------------------- releases in the history


def test_two_releases_on_one_day_and_a_disagreeing_tag(clone):
    library = clone / "clause_library" / "library.yaml"
    edit(library, 'release: "2026.2"', 'release: "2026.3"')  # same release_date, same commit date
    commit_all(clone, "2026.3")
    edit(library, 'release: "2026.3"', 'release: "2026.3.1"')
    commit_all(clone, "2026.3.1")
    git(clone, "tag", "release-2026.3", "HEAD")  # on 2026.3.1's commit
    result = run_cli("releases")
    assert [line.split()[:2] for line in result.stdout.splitlines()[1:4]] == [
        ["2026.3.1", "2026-10-01"], ["2026.3", "2026-10-01"], ["2026.2", "2026-10-01"],
    ]
    assert result.stdout.splitlines()[1].endswith("no clause changed")
    assert stderr_lines(result) == [
        f"warning: tag release-2026.3: points at commit {short(clone, 'HEAD')}, but release 2026.3 is commit "
        f"{short(clone, 'HEAD~1')}, where clause_library/library.yaml first says it; contractgen goes by the history, "
        f"not the tag: move the tag (`git tag -f release-2026.3 {short(clone, 'HEAD~1')}`) or delete it"
    ]
    assert run_cli("diff", "2026.3", "2026.3.1").stdout.splitlines()[-1].endswith(f"no changes; {SHIPPED_CLAUSES} unchanged")
    checked = run_cli("check-versions")
    assert checked.exit_code == 0 and stderr_lines(checked) == stderr_lines(result)  # CI sees it too


def test_a_release_that_goes_backwards_is_refused(clone):
    library = clone / "clause_library" / "library.yaml"
    edit(library, 'release: "2026.2"', 'release: "2026.1.9"')
    result = run_cli("check-versions")
    assert result.exit_code == 1
    assert stderr_lines(result)[0] == (
        f"clause_library/library.yaml:6:1: release: release '2026.1.9' is lower than the latest release 2026.2 "
        f"({short(clone, 'HEAD')}); releases only go up: set it to '2026.2' or a higher release"
    )
    commit_all(clone, "back")
    history = release_history(load_workspace(clone))
    assert [r.name for r in history.releases] == ["2026.1", "2026.2"]  # the step back is no release
    assert [p.message for p in history.problems] == [
        f"commit {short(clone, 'HEAD')} (2026-01-01) set the release back to '2026.1.9' after '2026.2'; "
        "releases only go up, so it is not a release"
    ]


def test_unreleased_clause_changes_are_reported_and_fail_with_release(clone):
    edit(clone / "clause_library" / "clauses" / "dspt.support.yaml", "free support", "free and confidential support")
    result = run_cli("check-versions")
    assert result.exit_code == 1 and "dspt.support changed (text) since release 2026.2" in result.stderr
    path = clone / "clause_library" / "clauses" / "dspt.support.yaml"
    text = path.read_text(encoding="utf-8").replace("\nversion: 1.1.0\n", "\nversion: 1.1.1\n")
    path.write_text(text + "  - version: 1.1.1\n    date: 2026-11-01\n    summary: Confidential support.\n", encoding="utf-8")
    result = run_cli("check-versions")
    assert result.exit_code == 0
    assert result.stdout.endswith(
        "ok, 1 clause changed with a version bump; unreleased: library.yaml still says release 2026.2; "
        "set a new release and release_date to release these changes\n"
    )
    strict = run_cli("check-versions", "--release")
    assert strict.exit_code == 1
    assert stderr_lines(strict)[0] == (
        "clause_library/library.yaml:6:1: release: 1 clause changed since release 2026.2 (dspt.support) but library.yaml "
        "still says release '2026.2'; set a new release and release_date to release them"
    )


# ---------------------------------------------------------------- documents from unreleased changes


def test_a_clean_released_build_says_nothing_and_a_dirty_one_is_a_draft(clone, tmp_path):
    ws = load_workspace(clone)
    clean = tmp_path / "clean.docx"
    render_schedule(ws, "example-borough", output=clean, date=None)
    props = custom_properties(docx_parts(clean))
    assert (props["contractgen.library.commit"], props["contractgen.library.dirty"]) == (git(clone, "rev-parse", "HEAD"), "false")
    assert "contractgen.library.unreleased_since" not in props
    # files outside the clause library and profiles do not make a build a draft
    (clone / "NOTES.md").write_text("notes\n", encoding="utf-8")
    (clone / "templates" / "scratch.txt").write_text("x\n", encoding="utf-8")
    render_schedule(ws, "example-borough", output=clean)
    assert custom_properties(docx_parts(clean))["contractgen.library.dirty"] == "false"
    clean_text = docx_text(clean)
    assert "Draft" not in clean_text

    edit(clone / "clause_library" / "clauses" / "dspt.support.yaml", "free support", "free and confidential support")
    dirty = tmp_path / "dirty.docx"
    render_schedule(ws, "example-borough", output=dirty)
    props = custom_properties(docx_parts(dirty))
    assert props["contractgen.library.dirty"] == "true"
    assert props["contractgen.library.unreleased_since"] == "2026.2"
    built = run_cli("build")
    assert built.exit_code == 0, built.output
    # the schedules of every tier the example registers use, and the third council's (7)
    assert "[2/7] out/example-borough-schedule-core.docx: core tier, 17 clauses; Draft: includes unreleased changes since release 2026.2" in built.stdout.splitlines()
    added = [line for line in difflib.ndiff(clean_text.splitlines(), docx_text(dirty).splitlines()) if line.startswith("+ ")]
    assert [line for line in added if "Draft" in line] == [
        "+ [header] Draft: includes unreleased changes since release 2026.2",
        "+ Draft: includes unreleased changes since release 2026.2",
    ]


def test_a_released_build_matches_the_golden_text(clone, tmp_path):
    out = tmp_path / "core.docx"
    render_schedule(load_workspace(clone), "example-borough", output=out)
    text = docx_text(out)
    assert "Draft" not in text and "Moving between Tiers" in text
    render_schedule(load_workspace(clone), "example-borough", output=out, at=OLD_RELEASE)
    released = docx_text(out)
    assert "Draft" not in released
    # the history's first release is the shipped example library, relabelled 2026.1: the
    # released build reads as that library does from a plain folder (whose text the
    # schedule goldens pin), draft line and all left out
    fresh = copy_example_workspace(tmp_path / "fresh")
    render_schedule(load_workspace(fresh), "example-borough", output=tmp_path / "fresh.docx")
    assert released == docx_text(tmp_path / "fresh.docx")


def _letters(clone, out):
    import datetime as dt

    from contractgen.letters.generate import generate_letters

    return generate_letters(load_workspace(clone), "example-borough", clone / "examples" / "example-borough-providers.csv",
                            dspt_file=clone / "examples" / "dspt-export-2026-11-26.csv", as_of=dt.date(2026, 11, 26),
                            output=out, workers=1)


def test_letters_from_unreleased_clause_changes_are_drafts(clone, tmp_path):
    released = _letters(clone, tmp_path / "released")
    assert not released.draft and not any("Draft" in line for line in released.summary_lines())
    first = tmp_path / "released" / released.written[0].file
    props = custom_properties(docx_parts(first))
    assert (props["contractgen.library.commit"], props["contractgen.library.dirty"]) == (git(clone, "rev-parse", "HEAD"), "false")
    assert "contractgen.library.unreleased_since" not in props
    clean_text = docx_text(first)
    assert "Draft" not in clean_text

    edit(clone / "clause_library" / "clauses" / "letter.support.yaml", "Better Security, Better Care is a free",
         "Better Security, Better Care is a free and confidential")
    draft = _letters(clone, tmp_path / "draft")
    line = "Draft: includes unreleased changes since release 2026.2"
    assert draft.draft == line and draft.summary_lines()[1] == line
    for job in draft.written:
        letter = tmp_path / "draft" / job.file
        props = custom_properties(docx_parts(letter))
        assert props["contractgen.library.dirty"] == "true"
        assert props["contractgen.library.unreleased_since"] == "2026.2"
        assert props["contractgen.library.commit"] == git(clone, "rev-parse", "HEAD")
    added = [x for x in difflib.ndiff(clean_text.splitlines(), docx_text(tmp_path / "draft" / draft.written[0].file).splitlines())
             if x.startswith("+ ")]
    assert [x for x in added if "Draft" in x] == [f"+ [header] {line}"]
    built = run_cli("build")
    assert built.exit_code == 0, built.output
    out = built.stdout.splitlines()
    wrote = [i for i, x in enumerate(out) if x.startswith("wrote ") and "letters" in x]
    assert wrote and all(out[i + 1] == line for i in wrote)


def test_a_letter_template_without_the_draft_line_gets_it_in_the_letter(clone, tmp_path):
    from helpers_audit import edit_part

    template = clone / "templates" / "letter.docx"
    data = template.read_bytes()
    for tag in ("{%p if draft %}", "{{ draft }}", "{%p endif %}"):
        data = edit_part(data, "word/header1.xml", tag, "")
    template.write_bytes(data)
    git(clone, "commit", "-q", "-am", "a council's own letter template")
    edit(clone / "clause_library" / "clauses" / "letter.support.yaml", "Better Security, Better Care is a free",
         "Better Security, Better Care is a free and confidential")
    draft = _letters(clone, tmp_path / "draft")
    text = docx_text(tmp_path / "draft" / draft.written[0].file)
    assert "[header] Draft" not in text
    assert "\nDraft: includes unreleased changes since release 2026.2\n" in text


def test_a_profile_edit_sets_the_dirty_flag_only(clone, tmp_path):
    profile = clone / "profiles" / "example-borough.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "# reviewed\n", encoding="utf-8")
    out = tmp_path / "p.docx"
    render_schedule(load_workspace(clone), "example-borough", output=out)
    props = custom_properties(docx_parts(out))
    assert props["contractgen.library.dirty"] == "true" and "contractgen.library.unreleased_since" not in props
    assert "Draft" not in docx_text(out)


# ---------------------------------------------------------------- contractgen init


def test_init_makes_a_repository_where_review_works_at_once(tmp_path, monkeypatch):
    git_identity(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    result = run_cli("init", "council", "--example")
    assert result.exit_code == 0, result.output
    repo = tmp_path / "council"
    lines = result.stdout.splitlines()
    assert lines[0] == "created workspace council: contractgen.yaml, clause_library, templates, profiles, examples"
    assert lines[1:3] == ["created a git repository in council", "created .gitattributes with '*.docx diff=contractgen-docx'"]
    assert lines[-3:] == [
        "wrote .pre-commit-config.yaml",
        f"committed everything ({short(repo, 'HEAD')}): release {SHIPPED_RELEASE} of the clause library",
        "next: cd council && contractgen validate && contractgen build",
    ]
    assert git(repo, "status", "--porcelain") == ""
    assert "contractgen-check-versions" in (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    monkeypatch.chdir(repo)
    assert run_cli("releases").stdout.splitlines()[1] == f"{SHIPPED_RELEASE}   {SHIPPED_RELEASE_DATE}  {short(repo, 'HEAD')}  first release: {SHIPPED_CLAUSES} clauses"
    assert run_cli("check-versions").exit_code == 0
    assert run_cli("diff").stdout.splitlines()[-1].endswith(f"→ working tree: no changes; {SHIPPED_CLAUSES} unchanged")
    # a generated schedule, committed, then changed: git diff shows its words
    assert run_cli("schedule", "example-borough", "-o", "schedule.docx").exit_code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "schedule")
    edit(repo / "clause_library" / "clauses" / "dspt.support.yaml", "free support", "free and confidential support")
    assert run_cli("schedule", "example-borough", "-o", "schedule.docx").exit_code == 0
    diff = git(repo, "diff", "--", "schedule.docx")
    assert "Binary files" not in diff
    assert any(line.startswith("+") and "free and confidential support" in line for line in diff.splitlines())
    assert f"+[header] Draft: includes unreleased changes since release {SHIPPED_RELEASE}" in diff.splitlines()


def test_init_without_a_git_identity_refuses_before_writing(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "empty-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("EMAIL", "")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    probe = subprocess.run(["git", "var", "GIT_COMMITTER_IDENT"], capture_output=True)
    if probe.returncode == 0:
        pytest.skip("git finds an identity from the system (user name and host name)")
    result = run_cli("init", "council")
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "error: git does not know who you are, so it cannot make the workspace's first commit; set "
        '`git config --global user.name "Your Name"` and `git config --global user.email you@example.org`, '
        "or use --no-git"
    ]
    assert not (tmp_path / "council").exists()


def test_init_inside_a_repository_makes_no_second_one(tmp_path, monkeypatch):
    git_identity(monkeypatch, tmp_path / "home")
    outer = tmp_path / "outer"
    outer.mkdir()
    git(outer, "init", "-q")
    monkeypatch.chdir(outer)
    result = run_cli("init", "council", "--example")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == (
        "council is inside the git repository . : no new repository made; commit the workspace there and run "
        "`contractgen git-setup`"
    ).replace(". :", ".:")
    assert not (outer / "council" / ".git").exists()
