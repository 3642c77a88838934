"""The clause library at any git reference: `library_at`, release tags, profile pins, and
`clauses list/show --at`, `schedule --at`."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from contractgen.base.errors import GitError
from contractgen.library.releases import (
    LibraryVersion,
    is_repository,
    latest_release,
    library_at,
    release_for_pin,
    release_history,
)
from contractgen.schedule.render import render_schedule
from contractgen.library.workspace import load_workspace
from helpers import custom_properties, docx_parts, docx_text, run_cli
from helpers_git import (
    NEW_RELEASE,
    OLD_RELEASE,
    build_release_history,
    commit_all,
    copy_example_workspace,
    git,
    git_identity,
    init_repo,
    module_git_env,
)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """The release history (no tags), plus a branch ``drafting`` at 2026.2 and two tags
    that disagree with the history: ``release-2026.1.5`` on the commit before 2026.2 (whose
    library.yaml still says 2026.1) and ``release-2026.1`` one commit after 2026.1."""
    with module_git_env(tmp_path_factory) as base:
        h = build_release_history(base / "ws")
        git(h.root, "tag", "release-2026.1.5", "HEAD~1")
        git(h.root, "tag", "release-2026.1", git(h.root, "rev-list", "--reverse", "HEAD").splitlines()[1])
        git(h.root, "branch", "drafting", "HEAD")
        yield h


@pytest.fixture(scope="module")
def ws(history):
    return load_workspace(history.root)


# ---------------------------------------------------------------- library_at


def test_working_tree_and_a_release_tag(ws, history):
    now = library_at(ws, None)
    assert isinstance(now, LibraryVersion)
    assert (now.label, now.ref, now.commit) == ("working tree", None, None)
    assert now.library.spec.release == "2026.2"
    assert now.library.origin.endswith("clause_library")
    old = library_at(ws, OLD_RELEASE)
    assert (old.ref, old.commit) == (OLD_RELEASE, history.old_commit)
    assert old.label == f"release 2026.1 ({history.old_commit[:7]})"
    assert old.release is not None and old.release.name == "2026.1"
    assert old.library.origin == f"{OLD_RELEASE}:clause_library"
    assert old.library.spec.release == "2026.1"
    assert old.library.clause("dspt.annual-renewal").version == "1.1.0"
    assert now.library.clause("dspt.annual-renewal").version == "1.2.0"
    assert "dspt.nhs-standard-contract" in old.library.clauses and "dspt.nhs-standard-contract" not in now.library.clauses
    assert "dspt.moving-tier" in now.library.clauses and "dspt.moving-tier" not in old.library.clauses
    # problems in a past library are located in it, and the digest tells versions apart
    assert old.library.digest != now.library.digest
    assert library_at(ws, NEW_RELEASE).library.digest == now.library.digest


@pytest.mark.parametrize("ref", ["drafting", "HEAD~1", "release-2026.1.5^", "release-2026.1"])
def test_branches_and_relative_references(ws, history, ref):
    version = library_at(ws, ref)
    assert version.label.startswith(f"{ref} (")
    expected = git(history.root, "rev-parse", f"{ref}^{{commit}}")
    assert version.commit == expected


def test_a_commit_sha_is_labelled_by_its_short_sha(ws, history):
    version = library_at(ws, history.old_commit[:10])
    assert version.label == history.old_commit[:7]
    assert version.commit == history.old_commit


def test_unknown_reference_names_it_and_the_tags(ws):
    with pytest.raises(GitError) as info:
        library_at(ws, "release-2099.1")
    message = info.value.message
    assert re.fullmatch(r"unknown git reference 'release-2099\.1' in \S+; give a branch, a commit sha or a tag such as .+; or give a release: 2026\.2, 2026\.1", message)
    assert sorted(message.split("such as ")[1].split(";")[0].split(", ")) == ["release-2026.1", "release-2026.1.5"]
    with pytest.raises(GitError) as info:
        library_at(ws, "2099.1")
    assert info.value.message == (
        "no release 2099.1 in the history of clause_library/library.yaml (releases: 2026.2, 2026.1); "
        "give a release, a branch, a tag or a commit"
    )


@pytest.mark.parametrize("ref", ["", "-p", "a\nb"])
def test_references_that_are_not_references(ws, ref):
    with pytest.raises(GitError, match="unknown git reference"):
        library_at(ws, ref)


def test_not_a_git_repository(tmp_path):
    ws = load_workspace(copy_example_workspace(tmp_path / "plain"))
    assert library_at(ws, None).library.spec.release == "2026.1"  # the working tree needs no git
    with pytest.raises(GitError, match=r"clause_library is not inside a git work tree \(fatal: not a git repository.*\); clone the clause library's repository \(`git clone <url>`\), or make this workspace one \(`git init && git add -A && git commit -m \"First release\"`\)"):
        library_at(ws, "main")
    assert not is_repository(ws.root)


def test_library_folder_missing_at_a_reference(tmp_path, monkeypatch):
    git_identity(monkeypatch, tmp_path / "home")
    root = copy_example_workspace(tmp_path / "ws")
    init_repo(root)
    (root / "README.md").write_text("before the library\n", encoding="utf-8")
    git(root, "add", "README.md")
    git(root, "commit", "-q", "-m", "readme only")
    commit_all(root, "library")
    ws = load_workspace(root)
    with pytest.raises(GitError, match=r"'clause_library' does not exist at git reference 'HEAD~1'"):
        library_at(ws, "HEAD~1")


def test_only_yaml_files_of_the_library_are_read_at_a_reference(tmp_path, monkeypatch):
    """As from a folder: a README or .gitkeep beside the clauses is not a clause."""
    git_identity(monkeypatch, tmp_path / "home")
    root = copy_example_workspace(tmp_path / "ws")
    (root / "clause_library" / "clauses" / ".gitkeep").write_text("", encoding="utf-8")
    (root / "clause_library" / "clauses" / "README.md").write_text("# Clauses\n", encoding="utf-8")
    (root / "clause_library" / "NOTES.txt").write_text("notes\n", encoding="utf-8")
    init_repo(root)
    commit_all(root, "library with notes")
    ws = load_workspace(root)
    assert set(library_at(ws, "HEAD").library.clauses) == set(library_at(ws, None).library.clauses)


def test_a_library_that_is_a_repository_of_its_own(tmp_path, monkeypatch):
    """The workspace is not in git, but its clause_library folder is a clone."""
    git_identity(monkeypatch, tmp_path / "home")
    root = copy_example_workspace(tmp_path / "ws")
    init_repo(root / "clause_library")
    commit_all(root / "clause_library", "2026.1")
    ws = load_workspace(root)
    version = library_at(ws, OLD_RELEASE)
    assert version.library.origin == f"{OLD_RELEASE}:."
    assert version.library.spec.release == "2026.1"
    assert latest_release(ws).name == OLD_RELEASE
    assert release_history(ws).library_file == "library.yaml"


# ---------------------------------------------------------------- releases and pins


def test_releases_come_from_the_history_of_library_yaml(ws, history):
    found = release_history(ws)
    assert [(r.name, r.commit) for r in found.releases] == [("2026.1", history.old_commit), ("2026.2", history.new_commit)]
    assert latest_release(ws).name == "2026.2"
    assert [str(p) for p in found.problems] == [
        f"tag release-2026.1: points at commit {git(history.root, 'rev-parse', '--short=7', 'release-2026.1')}, but "
        f"release 2026.1 is commit {history.old_commit[:7]}, where clause_library/library.yaml first says it; "
        "contractgen goes by the history, not the tag: move the tag "
        f"(`git tag -f release-2026.1 {history.old_commit[:7]}`) or delete it",
        f"tag release-2026.1.5: points at commit {git(history.root, 'rev-parse', '--short=7', 'HEAD~1')}, but no commit "
        "of clause_library/library.yaml makes release '2026.1.5'; contractgen goes by the history, not the tag: "
        "delete the tag (`git tag -d release-2026.1.5`)",
    ]


@pytest.mark.parametrize(
    "pin, release",
    [("2026.1", OLD_RELEASE), ("<2026.2", OLD_RELEASE), ("2026.*", NEW_RELEASE), (">=2026.1,<2026.1.5", OLD_RELEASE)],
)
def test_release_for_pin_is_the_newest_release_that_satisfies_it(ws, pin, release):
    assert release_for_pin(ws, pin).name == release


def test_release_for_an_unsatisfiable_pin(ws):
    with pytest.raises(GitError, match=r"no release satisfies the pin '2025\.\*': the working library does not, and no release in the history of clause_library/library.yaml does \(releases: 2026\.2, 2026\.1\); change the pin in the profile"):
        release_for_pin(ws, "2025.*")


def test_a_pin_the_working_library_no_longer_satisfies_renders_from_a_release(ws, tmp_path):
    out = tmp_path / "pinned.docx"
    result = render_schedule(ws, "pinned-2026-1", output=out)
    assert result.release == "2026.1"
    props = custom_properties(docx_parts(out))
    assert props["contractgen.library.source"] == f"{OLD_RELEASE}:clause_library"
    assert props["contractgen.library.release"] == "2026.1"
    assert props["contractgen.library.commit"] == history_commit(ws, OLD_RELEASE)
    assert props["clause:dspt.annual-renewal"] == "1.1.0"
    assert "clause:dspt.moving-tier" not in props
    # the same document as rendering that release explicitly
    at = tmp_path / "at.docx"
    render_schedule(ws, "pinned-2026-1", output=at, at=OLD_RELEASE)
    assert docx_text(out) == docx_text(at)


def test_the_newest_satisfying_release_is_chosen(ws, history, tmp_path):
    profile = history.root / "profiles" / "pinned-below.yaml"
    profile.write_text('extends: example-borough\nlibrary:\n  release: "<2026.2"\n', encoding="utf-8")
    try:
        out = tmp_path / "below.docx"
        render_schedule(ws, "pinned-below", output=out)
        props = custom_properties(docx_parts(out))
        assert props["contractgen.library.source"] == "2026.1:clause_library"
        assert "clause:dspt.moving-tier" not in props
    finally:
        profile.unlink()


def test_a_pin_no_release_satisfies_is_reported_with_its_location(history, monkeypatch):
    profile = history.root / "profiles" / "pinned-old.yaml"
    profile.write_text('extends: example-borough\nlibrary:\n  release: "2025.*"\n', encoding="utf-8")
    monkeypatch.chdir(history.root)
    try:
        result = run_cli("schedule", "pinned-old", "-o", "never.docx")
    finally:
        profile.unlink()
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "profiles/pinned-old.yaml:3:3: library.release: pins release '2025.*' but the clause library is "
        "release 2026.2; change the pin or render from that release"
    )
    assert not (history.root / "never.docx").exists()


def test_schedule_at_a_release(ws, tmp_path):
    out = tmp_path / "old.docx"
    result = render_schedule(ws, "example-borough", output=out, at=OLD_RELEASE)
    assert (result.release, result.clauses) == ("2026.1", 18)
    text = docx_text(out)
    assert "NHS-funded services" in text and "Moving between Tiers" not in text
    assert custom_properties(docx_parts(out))["contractgen.library.source"] == f"{OLD_RELEASE}:clause_library"


def test_pin_fallback_when_the_library_is_a_repository_of_its_own(tmp_path, monkeypatch):
    git_identity(monkeypatch, tmp_path / "home")
    root = copy_example_workspace(tmp_path / "ws")
    init_repo(root / "clause_library")
    commit_all(root / "clause_library", "2026.1")
    path = root / "clause_library" / "library.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('release: "2026.1"', 'release: "2026.2"'), encoding="utf-8")
    (root / "profiles" / "pinned.yaml").write_text('extends: example-borough\nlibrary:\n  release: "2026.1"\n', encoding="utf-8")
    result = render_schedule(load_workspace(root), "pinned", output=tmp_path / "p.docx")
    assert result.release == "2026.1"


# ---------------------------------------------------------------- command line


def test_clauses_show_at_a_release(history, monkeypatch):
    monkeypatch.chdir(history.root)
    old = run_cli("clauses", "show", "dspt.annual-renewal", "--at", OLD_RELEASE)
    assert old.exit_code == 0, old.output
    assert old.stdout.splitlines()[:2] == ["Annual renewal and evidence", "dspt.annual-renewal@1.1.0 (approved), section maintaining, for schedule"]
    assert "  evidence_working_days: integer = 10: Working Days after a publication," in old.stdout
    assert "1.2.0" not in old.stdout
    now = run_cli("clauses", "show", "dspt.annual-renewal")
    assert now.stdout.splitlines()[1].startswith("dspt.annual-renewal@1.2.0 ")
    assert "  1.2.0 (2026-10-01): Clearer parameter description." in now.stdout.splitlines()


def test_clauses_list_at_a_release(history, monkeypatch):
    monkeypatch.chdir(history.root)
    old = run_cli("clauses", "list", "--at", OLD_RELEASE)
    assert old.exit_code == 0
    ids = [line.split()[0] for line in old.stdout.splitlines()[:-1]]
    assert "dspt.nhs-standard-contract" in ids and "dspt.moving-tier" not in ids
    assert old.stdout.splitlines()[-1] == "33 clauses in release 2026.1"  # dspt.entry-level is withdrawn
    now = run_cli("clauses", "list", "--all", "--at", "drafting")
    assert now.stdout.splitlines()[-1] == "34 clauses in release 2026.2"
    assert re.search(r"^dspt\.verification +2\.0\.0 +withdrawn ", now.stdout, re.M)


def test_clauses_at_an_unknown_reference(history, monkeypatch):
    monkeypatch.chdir(history.root)
    for args in (["clauses", "list", "--at", "nope"], ["clauses", "show", "dspt.tier", "--at", "nope"], ["schedule", "example-borough", "--at", "nope"]):
        result = run_cli(*args)
        assert result.exit_code == 1, args
        assert result.stderr.startswith("error: unknown git reference 'nope' in .; give a branch, a commit sha or a tag such as "), args
        assert result.stderr.endswith("; or give a release: 2026.2, 2026.1\n"), args
        result = run_cli(*args[:-1], "2027.1")
        assert result.exit_code == 1, args
        assert result.stderr == "error: no release 2027.1 in the history of clause_library/library.yaml (releases: 2026.2, 2026.1); give a release, a branch, a tag or a commit\n"
        assert result.stdout == ""


def test_clauses_at_outside_a_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(copy_example_workspace(tmp_path / "plain"))
    result = run_cli("clauses", "list", "--at", OLD_RELEASE)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: clause_library is not inside a git work tree")
    assert run_cli("clauses", "list").exit_code == 0  # without --at, git is not needed


def test_git_missing_is_explained(history, monkeypatch):
    monkeypatch.chdir(history.root)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert shutil.which("git") is None
    result = run_cli("clauses", "list", "--at", OLD_RELEASE)
    assert result.exit_code == 1
    assert result.stderr == "error: git is not installed or not on PATH; install git (https://git-scm.com) and try again\n"


def test_reading_a_release_leaves_the_work_tree_alone(history, monkeypatch):
    monkeypatch.chdir(history.root)
    before = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, check=True).stdout
    head = git(history.root, "rev-parse", "HEAD")
    run_cli("clauses", "list", "--at", OLD_RELEASE)
    assert git(history.root, "rev-parse", "HEAD") == head
    assert subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, check=True).stdout == before


def history_commit(ws, name: str) -> str:
    release = release_history(ws).find(name)
    assert release is not None
    return release.commit
