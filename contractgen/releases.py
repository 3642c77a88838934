"""The clause library at any git reference: a release tag, a branch, a commit.

``None`` as the reference means the working tree (what is on disk now). Releases are
tags named by the workspace's ``release_tag_pattern`` (``release-{version}``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .errors import GitError
from .gitrefs import ReleaseTag, find_repo_root, latest_release_tag, read_tree, release_tags, resolve_ref
from .library import CLAUSES_DIR, LIBRARY_FILE, ClauseLibrary, load_library, load_library_files
from .profiles import release_satisfies
from .workspace import Workspace


@dataclass(frozen=True)
class LibraryVersion:
    """A library and where it came from: ``working tree`` or ``release-2026.1 (3f2a9c1)``."""

    library: ClauseLibrary
    label: str
    ref: str | None  # None: the working tree
    commit: str | None


def library_at(workspace: Workspace, ref: str | None) -> LibraryVersion:
    """The workspace's clause library at ``ref`` (None: the working tree).

    The repository is the one that holds the library folder (usually the workspace's own;
    it may be a clone of its own inside the workspace). As from a folder, only
    ``library.yaml`` and the YAML files under ``clauses/`` are read: a README or a
    ``.gitkeep`` beside them is not a clause.
    """
    if ref is None:
        # recorded in documents relative to the workspace, not to wherever the command ran
        library = replace(load_library(workspace.library_dir), source=workspace.config.clause_library)
        return LibraryVersion(library, "working tree", None, None)
    repo = find_repo_root(workspace.library_dir)
    commit = resolve_ref(repo, ref)
    try:
        subdir = workspace.library_dir.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:  # pragma: no cover - git reports the folder's own work tree
        raise GitError(f"{workspace.library_dir} is not inside the git repository {repo}") from None
    files = {
        name: data
        for name, data in read_tree(repo, ref, subdir).items()  # messages name the ref given
        if name == LIBRARY_FILE or (name.startswith(CLAUSES_DIR + "/") and name.endswith((".yaml", ".yml")))
    }
    label = f"{ref} ({commit[:7]})" if not commit.startswith(ref) else commit[:7]
    library = load_library_files(files, origin=f"{ref}:{subdir}")
    return LibraryVersion(library, label, ref, commit)


def latest_release(workspace: Workspace, before: str | None = None) -> ReleaseTag:
    """The release tag with the highest version (with ``before``: the one preceding it)."""
    repo = find_repo_root(workspace.library_dir)
    return latest_release_tag(repo, workspace.config.release_tag_pattern, before=before)


def release_for_pin(workspace: Workspace, pin: str) -> ReleaseTag:
    """The newest release tag whose version satisfies a profile's ``library.release`` pin."""
    repo = find_repo_root(workspace.library_dir)
    matching = [t for t in release_tags(repo, workspace.config.release_tag_pattern) if release_satisfies(t.version_text, pin)]
    if not matching:
        raise GitError(
            f"no release satisfies the pin {pin!r}: the working library does not, and no tag "
            f"matching '{workspace.config.release_tag_pattern}' does; change the pin in the profile"
        )
    return matching[-1]


def is_repository(path: Path) -> bool:
    try:
        find_repo_root(path)
        return True
    except GitError:
        return False
