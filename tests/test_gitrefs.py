"""Reading files and release tags out of small git repositories made under tmp_path."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from helpers_git import git, git_identity

from contractgen.base import gitrefs
from contractgen.base.errors import GitError, InputError
from contractgen.base.gitrefs import (
    ReleaseTag,
    find_repo_root,
    history_of_key,
    read_file,
    read_tree,
    release_tags,
    resolve_ref,
)


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch, tmp_path):
    """No user or system git configuration; a fixed identity and dates."""
    git_identity(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)


def commit(repo: Path, files: dict[str, bytes | None], message: str = "change") -> str:
    """Write (or delete, for None) files, commit them all, return the sha."""
    for name, data in files.items():
        path = repo / name
        if data is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path) -> Path:
    path = tmp_path / "library"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    return path


def test_find_repo_root_from_a_subfolder_or_a_file(repo):
    commit(repo, {"clauses/dspt.yaml": b"id: x\n"})
    assert find_repo_root(repo / "clauses") == repo.resolve()
    assert find_repo_root(repo / "clauses" / "dspt.yaml") == repo.resolve()


def test_find_repo_root_outside_a_repository(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitError, match=r"plain is not inside a git work tree \(fatal: not a git repository.*\); "
                       r"clone the clause library's repository"):
        find_repo_root(plain)
    with pytest.raises(GitError, match="nowhere: no such file or folder$"):
        find_repo_root(tmp_path / "nowhere")


def test_resolve_ref_outside_a_repository(tmp_path):
    with pytest.raises(GitError, match="is not inside a git work tree"):
        resolve_ref(tmp_path, "HEAD")


def test_resolve_ref_branches_tags_and_expressions(repo):
    first = commit(repo, {"a.yaml": b"1"})
    second = commit(repo, {"a.yaml": b"2"})
    git(repo, "tag", "-a", "-m", "annotated", "release-2026.1", first)
    assert resolve_ref(repo, "main") == second
    assert resolve_ref(repo, "HEAD~1") == first
    assert resolve_ref(repo, "release-2026.1") == first  # annotated tags peel to the commit
    assert resolve_ref(repo, first[:10]) == first


def test_unknown_ref_lists_some_tags(repo):
    sha = commit(repo, {"a.yaml": b"1"})
    for n in range(1, 8):
        git(repo, "tag", f"release-2026.{n}", sha)
    with pytest.raises(GitError) as e:
        resolve_ref(repo, "release-2027.1")
    message = e.value.message
    assert message.startswith("unknown git reference 'release-2027.1' in library; give a branch, a commit sha or a tag such as ")
    assert message.endswith(", ...") and message.count("release-2026.") == 5
    with pytest.raises(GitError, match="unknown git reference '--output=x'"):
        resolve_ref(repo, "--output=x")


def test_unknown_ref_in_a_repository_without_tags(repo):
    commit(repo, {"a.yaml": b"1"})
    with pytest.raises(GitError, match="the repository has no tags: give a branch name or a commit sha$"):
        resolve_ref(repo, "nope")


def test_read_tree_returns_the_folder_as_it_was(repo):
    old = commit(repo, {
        "clauses/dspt.yaml": b"id: dspt\r\nversion: 1\n",
        "clauses/sub dir/café & co.yaml": b"",
        "clauses/binary.bin": bytes(range(256)) * 3 + b"\n",
        "profiles/x.yaml": b"council: X\n",
    })  # fmt: skip
    commit(repo, {"clauses/dspt.yaml": b"id: dspt\nversion: 2\n", "clauses/new.yaml": b"new\n"})
    assert read_tree(repo, old, "clauses") == {
        "dspt.yaml": b"id: dspt\r\nversion: 1\n",
        "sub dir/café & co.yaml": b"",
        "binary.bin": bytes(range(256)) * 3 + b"\n",
    }
    now = read_tree(repo, "HEAD", "./clauses/")
    assert now["dspt.yaml"] == b"id: dspt\nversion: 2\n" and "new.yaml" in now
    assert set(read_tree(repo, "HEAD", "")) == {
        "clauses/dspt.yaml", "clauses/sub dir/café & co.yaml", "clauses/binary.bin",
        "clauses/new.yaml", "profiles/x.yaml",
    }  # fmt: skip


def test_read_tree_ignores_uncommitted_edits(repo):
    commit(repo, {"clauses/a.yaml": b"committed\n"})
    (repo / "clauses" / "a.yaml").write_bytes(b"edited\n")
    (repo / "clauses" / "b.yaml").write_bytes(b"untracked\n")
    assert read_tree(repo, "HEAD", "clauses") == {"a.yaml": b"committed\n"}


def test_read_tree_uses_two_git_processes_whatever_the_file_count(repo, monkeypatch):
    commit(repo, {f"clauses/c{n:02}.yaml": f"id: c{n}\n".encode() for n in range(40)})
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(command, *args, **kwargs):
        calls.append(command[3:])
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(gitrefs.subprocess, "run", counting_run)
    files = read_tree(repo, "HEAD", "clauses")
    assert len(files) == 40 and files["c07.yaml"] == b"id: c7\n"
    assert [c[0] for c in calls] == ["rev-parse", "ls-tree", "cat-file"]


def test_read_tree_missing_folder_or_a_file(repo):
    sha = commit(repo, {"clauses/a.yaml": b"a"})
    with pytest.raises(GitError, match=rf"'profiles' does not exist at git reference 'HEAD' \(commit {sha[:12]}\); "):
        read_tree(repo, "HEAD", "profiles")
    with pytest.raises(GitError, match=r"'clauses/a.yaml' is a file, not a folder at git reference 'HEAD'"):
        read_tree(repo, "HEAD", "clauses/a.yaml")
    with pytest.raises(GitError, match="leaves the repository"):
        read_tree(repo, "HEAD", "../elsewhere")


def test_read_tree_of_an_empty_folder_tree(repo):
    commit(repo, {"clauses/a.yaml": b"a"})
    commit(repo, {"clauses/a.yaml": None, "other.txt": b"x"})
    with pytest.raises(GitError, match="does not exist"):
        read_tree(repo, "HEAD", "clauses")
    assert read_tree(repo, "HEAD~1", "clauses") == {"a.yaml": b"a"}


def test_read_file(repo):
    old = commit(repo, {"contractgen.yaml": b"library: clauses\n", "clauses/a b.yaml": b"x\n"})
    commit(repo, {"contractgen.yaml": None})
    assert read_file(repo, old, "contractgen.yaml") == b"library: clauses\n"
    assert read_file(repo, old, "clauses/a b.yaml") == b"x\n"
    assert read_file(repo, "HEAD", "contractgen.yaml") is None
    with pytest.raises(GitError, match="'clauses' is a folder, not a file"):
        read_file(repo, old, "clauses")
    with pytest.raises(GitError, match="unknown git reference 'v9'"):
        read_file(repo, "v9", "contractgen.yaml")


def test_release_tags_sorted_numerically(repo):
    a = commit(repo, {"a": b"1"})
    b = commit(repo, {"a": b"2"})
    git(repo, "tag", "release-2026.9", a)
    git(repo, "tag", "-a", "-m", "ten", "release-2026.10", b)  # annotated
    git(repo, "tag", "release-2026.1.2", a)
    git(repo, "tag", "release-2025.3", a)
    git(repo, "tag", "release-candidate", b)  # not a version
    git(repo, "tag", "v2027.1", b)  # another pattern
    git(repo, "tag", "release-2028.1", git(repo, "rev-parse", "HEAD^{tree}"))  # not a commit
    assert release_tags(repo, "release-{version}") == [
        ReleaseTag("release-2025.3", (2025, 3), a),
        ReleaseTag("release-2026.1.2", (2026, 1, 2), a),
        ReleaseTag("release-2026.9", (2026, 9), a),
        ReleaseTag("release-2026.10", (2026, 10), b),
    ]


def test_history_of_a_key_is_one_git_log(repo):
    """Commits that add a top-level ``release:`` line to one file, parents first."""
    one = commit(repo, {"library.yaml": b'name: x\nrelease: "2026.1"  # first\n'})
    commit(repo, {"library.yaml": b'name: y\nrelease: "2026.1"  # first\n', "other.yaml": b"release: 9\n"})
    two = commit(repo, {"library.yaml": b"name: y\nrelease: '2026.2'\nrelease_date: 2026-01-01\n"})
    commit(repo, {"library.yaml": b"name: y\nrelease_date: 2026-01-01\n"})  # release line deleted
    three = commit(repo, {"library.yaml": b"name: y\nrelease: 2026.10\n  release: nested\n"})
    changes = history_of_key(repo, "library.yaml", "release")
    assert [(c.commit, c.value) for c in changes] == [(one, "2026.1"), (two, "2026.2"), (three, "2026.10")]
    assert changes[0].date == dt.date(2026, 1, 1)
    assert history_of_key(repo, "library.yaml", "release", start=two)[-1].commit == two
    assert history_of_key(repo, "missing.yaml", "release") == []


def test_history_in_a_new_repository_is_empty(repo):
    assert history_of_key(repo, "library.yaml", "release") == []


def test_history_of_a_shallow_clone_names_the_fix(repo, tmp_path):
    commit(repo, {"library.yaml": b'release: "2026.1"\n'})
    commit(repo, {"library.yaml": b'release: "2026.2"\n'})
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", repo.as_uri(), str(shallow)], check=True, capture_output=True)
    with pytest.raises(GitError) as e:
        history_of_key(shallow, "clause_library/library.yaml", "release")
    assert e.value.message == (
        "shallow is a shallow clone (made with `git clone --depth`): its history is cut off, so the "
        "releases in clause_library/library.yaml cannot be found; fetch the whole history with "
        "`git fetch --unshallow` and try again"
    )


def test_bad_tag_pattern(repo):
    with pytest.raises(InputError, match=r"must contain \{version\} exactly once"):
        release_tags(repo, "release")


def test_git_missing_is_a_git_error(repo, monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(GitError, match="git is not installed or not on PATH"):
        resolve_ref(repo, "HEAD")


def test_git_dir_from_a_hook_does_not_redirect_reads(repo, tmp_path, monkeypatch):
    sha = commit(repo, {"a.yaml": b"mine"})
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    assert resolve_ref(repo, "HEAD") == sha
    assert read_file(repo, "HEAD", "a.yaml") == b"mine"


def test_read_tree_skips_symbolic_links_and_submodules(repo, tmp_path):
    (repo / "clauses").mkdir()
    (repo / "clauses" / "real.yaml").write_bytes(b"real\n")
    (repo / "clauses" / "link.yaml").symlink_to("real.yaml")
    git(repo, "add", "-A")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{'a' * 40},clauses/vendored")
    git(repo, "commit", "-q", "-m", "links")
    assert read_tree(repo, "HEAD", "clauses") == {"real.yaml": b"real\n"}
