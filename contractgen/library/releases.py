"""Releases of the clause library, found in its own git history, and the library at any
release or git reference.

A release is the commit where ``library.yaml`` first carries a new ``release:`` value:
git's own history search over that one file finds them (one ``git log -G`` call, nothing
checked out), so releases travel with every clone that has the history. Tags named by
``release_tag_pattern`` (``release-{version}``) are optional; where present they must
point at the release commit, and one that does not is reported, never believed.

Every command that takes a library version (``--at``, ``--compare-to``, ``diff``,
``check-versions``, a profile's pin) accepts a release name (``2026.1``), a tag or any
git reference; ``None`` means the working tree (what is on disk now).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from ..base.errors import GitError, Location, Problem, display_path
from ..base.gitrefs import (
    changed_paths,
    find_repo_root,
    history_of_key,
    read_tree,
    release_tags,
    resolve_ref,
    run_git,
)
from .clauses import (
    CLAUSES_DIR,
    LIBRARY_FILE,
    ClauseLibrary,
    files_digest,
    load_library,
    load_library_files,
)
from .profile_model import release_satisfies
from .workspace import Workspace

_RELEASE_NAME = re.compile(r"\d+(?:\.\d+)*")


@dataclass(frozen=True)
class Release:
    """A release of the clause library: the commit where ``library.yaml`` first says it."""

    name: str  # "2026.1"
    commit: str  # full sha
    committed: dt.date  # the commit's date

    @property
    def version(self) -> tuple[int, ...]:
        return release_version(self.name)

    @property
    def label(self) -> str:
        return f"release {self.name} ({self.commit[:7]})"


@dataclass(frozen=True)
class ReleaseHistory:
    """The releases reachable from HEAD, oldest first, and what disagrees with them."""

    repo: Path
    library_file: str  # library.yaml relative to the repository root
    releases: tuple[Release, ...]
    problems: tuple[Problem, ...] = ()  # tags that disagree, a release that went backwards

    def find(self, name: str) -> Release | None:
        return next((r for r in self.releases if r.name == name), None)

    def latest(self) -> Release:
        if not self.releases:
            raise GitError(
                f"no release of the clause library in the history of {self.library_file}: it has "
                "never been committed; commit it (`git add -A && git commit`) to make its first release"
            )
        return self.releases[-1]

    def names(self) -> str:
        return ", ".join(r.name for r in reversed(self.releases)) or "none"


@dataclass(frozen=True)
class LibraryVersion:
    """A library and where it came from: ``working tree``, ``release 2026.1 (3f2a9c1)``,
    ``main (3f2a9c1)``."""

    library: ClauseLibrary
    label: str
    ref: str | None  # None: the working tree
    commit: str | None
    release: Release | None = None  # when read at a release by its name


def release_version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split("."))


def release_history(workspace: Workspace, start: str = "HEAD") -> ReleaseHistory:
    """The releases of the workspace's clause library, from the history of ``library.yaml``
    as far as ``start`` (a commit; default HEAD)."""
    repo = find_repo_root(workspace.library_dir)
    subdir = _library_subdir(workspace, repo)
    path = f"{subdir}/{LIBRARY_FILE}" if subdir else LIBRARY_FILE
    releases: list[Release] = []
    problems: list[Problem] = []
    for change in history_of_key(repo, path, "release", start):
        if not _RELEASE_NAME.fullmatch(change.value) or any(r.name == change.value for r in releases):
            continue  # not a release name (the loader says why), or one already made
        if releases and release_version(change.value) <= releases[-1].version:
            problems.append(Problem(Location(f"{change.commit[:7]}:{path}"), "release", (
                f"commit {change.commit[:7]} ({change.date}) set the release back to "
                f"{change.value!r} after {releases[-1].name!r}; releases only go up, so it is not a release"
            )))
            continue
        releases.append(Release(change.value, change.commit, change.date))
    problems.extend(_tag_problems(workspace, repo, path, releases))
    return ReleaseHistory(repo, path, tuple(releases), tuple(problems))


def _tag_problems(workspace: Workspace, repo: Path, path: str, releases: list[Release]) -> list[Problem]:
    """Tags named like releases that do not point at the release they name."""
    by_name = {r.name: r for r in releases}
    problems = []
    for tag in release_tags(repo, workspace.config.release_tag_pattern):
        release = by_name.get(tag.version_text)
        if release is not None and release.commit == tag.commit:
            continue
        if release is None:
            why = f"no commit of {path} makes release {tag.version_text!r}"
            fix = f"delete the tag (`git tag -d {tag.name}`)"
        else:
            why = f"release {release.name} is commit {release.commit[:7]}, where {path} first says it"
            fix = f"move the tag (`git tag -f {tag.name} {release.commit[:7]}`) or delete it"
        problems.append(Problem(Location(f"tag {tag.name}"), "", (
            f"points at commit {tag.commit[:7]}, but {why}; contractgen goes by the history, "
            f"not the tag: {fix}"
        )))
    return problems


def resolve_release_ref(workspace: Workspace, ref: str) -> tuple[str, Release | None]:
    """The git reference for ``ref``, and the release when ``ref`` names one (``2026.1``).

    A release name is looked up in the history first; anything else is a git reference
    (a tag, a branch, a commit, ``HEAD~2``)."""
    if not _RELEASE_NAME.fullmatch(ref):
        repo = find_repo_root(workspace.library_dir)
        try:
            resolve_ref(repo, ref)
        except GitError as exc:
            try:
                names = release_history(workspace).names()
            except GitError:
                raise exc from None
            raise GitError(f"{exc.message}; or give a release: {names}") from None
        return ref, None
    history = release_history(workspace)
    release = history.find(ref)
    if release is not None:
        return release.commit, release
    repo = history.repo
    try:
        resolve_ref(repo, ref)
        return ref, None  # a branch or a commit sha that looks like a number
    except GitError:
        raise GitError(
            f"no release {ref} in the history of {history.library_file} (releases: {history.names()}); "
            "give a release, a branch, a tag or a commit"
        ) from None


def library_at(workspace: Workspace, ref: str | None) -> LibraryVersion:
    """The workspace's clause library at ``ref``: a release name, a tag, any git
    reference, or None for the working tree.

    The repository is the one that holds the library folder (usually the workspace's own;
    it may be a clone of its own inside the workspace). As from a folder, only
    ``library.yaml`` and the YAML files under ``clauses/`` are read: a README or a
    ``.gitkeep`` beside them is not a clause.
    """
    if ref is None:
        # recorded in documents relative to the workspace, not to wherever the command ran
        library = replace(load_library(workspace.library_dir), source=workspace.config.clause_library)
        return LibraryVersion(library, "working tree", None, None)
    git_ref, release = resolve_release_ref(workspace, ref)
    return _library_at_commit(workspace, git_ref, ref, release)


def library_at_release(workspace: Workspace, release: Release) -> LibraryVersion:
    return _library_at_commit(workspace, release.commit, release.name, release)


def _library_at_commit(workspace: Workspace, git_ref: str, shown: str, release: Release | None) -> LibraryVersion:
    repo = find_repo_root(workspace.library_dir)
    commit = resolve_ref(repo, git_ref)
    files = _library_files_at(workspace, repo, git_ref)
    subdir = _library_subdir(workspace, repo) or "."
    if release is not None:
        label = release.label
    else:
        label = f"{shown} ({commit[:7]})" if not commit.startswith(shown) else commit[:7]
    library = load_library_files(files, origin=f"{shown}:{subdir}")
    return LibraryVersion(library, label, shown, commit, release)


def _library_files_at(workspace: Workspace, repo: Path, git_ref: str) -> dict[str, bytes]:
    """The clause library's files at ``git_ref`` (``library.yaml`` and ``clauses/*.yaml``)."""
    subdir = _library_subdir(workspace, repo) or "."
    return {
        name: data
        for name, data in read_tree(repo, git_ref, subdir).items()  # messages name the ref given
        if name == LIBRARY_FILE or (name.startswith(CLAUSES_DIR + "/") and name.endswith((".yaml", ".yml")))
    }


def _is_release_content(workspace: Workspace, release: Release, library: ClauseLibrary) -> bool:
    """Whether ``library`` is ``release``'s content: whether its files are the release's
    (their digest, which is what a loaded library's digest is), without parsing the
    release (a quarter of a second in every batch of letters)."""
    files = _library_files_at(workspace, find_repo_root(workspace.library_dir), release.commit)
    return files_digest(files) == library.digest


def _library_subdir(workspace: Workspace, repo: Path) -> str:
    try:
        subdir = workspace.library_dir.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:  # pragma: no cover - git reports the folder's own work tree
        raise GitError(f"{workspace.library_dir} is not inside the git repository {repo}") from None
    return "" if subdir == "." else subdir


def latest_release(workspace: Workspace) -> Release:
    """The newest release in the history of ``library.yaml``."""
    return release_history(workspace).latest()


def release_for_pin(workspace: Workspace, pin: str) -> Release:
    """The newest release whose name satisfies a profile's ``library.release`` pin."""
    history = release_history(workspace)
    matching = [r for r in history.releases if release_satisfies(r.name, pin)]
    if not matching:
        raise GitError(
            f"no release satisfies the pin {pin!r}: the working library does not, and no release "
            f"in the history of {history.library_file} does (releases: {history.names()}); "
            "change the pin in the profile"
        )
    return max(matching, key=lambda r: r.version)


def check_release_value(workspace: Workspace, library: ClauseLibrary, before: str, what: str) -> list[Problem]:
    """A working-tree ``library.yaml`` whose release is lower than ``before`` (``what``
    says which release that is: ``the latest release 2026.1 (3f2a9c1)``)."""
    if release_version(library.spec.release) >= release_version(before):
        return []
    return [Problem(release_location(workspace), "release", (
        f"release {library.spec.release!r} is lower than {what}; releases only go up: set it to "
        f"{before!r} or a higher release"
    ))]


def release_location(workspace: Workspace, key: str = "release") -> Location:
    """Where the working tree's ``library.yaml`` sets ``key`` (its release, or
    ``release_fingerprint``)."""
    file = workspace.library_dir / LIBRARY_FILE
    lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    line = next((i for i, text in enumerate(lines, start=1) if text.startswith(f"{key}:")), None)
    return Location(display_path(file), line, 1 if line else None)


@dataclass(frozen=True)
class Provenance:
    """Where a document's clause library came from, in git terms; ``None`` throughout
    outside a git repository, where nothing is claimed."""

    commit: str | None = None  # the commit read, or HEAD under a working tree
    dirty: bool | None = None  # the working tree's clause library or profiles differ from HEAD
    release: str | None = None  # the latest release at or before it
    unreleased: bool = False  # the library holds changes that are in no release
    fingerprint_differs: bool = False  # its content is not the fingerprint its release recorded
    note: str = ""  # why whether it is released could not be checked (no git, no fingerprint)

    @property
    def draft_line(self) -> str:
        """``Draft: includes unreleased changes since release 2026.1``, or "" when released."""
        if not self.unreleased:
            return ""
        if self.fingerprint_differs and self.release is not None:
            return f"Draft: the clauses differ from release {self.release} (its recorded fingerprint)"
        if self.release is None:
            return "Draft: the clause library has not been released yet"
        return f"Draft: includes unreleased changes since release {self.release}"

    def properties(self) -> dict[str, str]:
        out = {}
        if self.commit is not None:
            out["contractgen.library.commit"] = self.commit
        if self.dirty is not None:
            out["contractgen.library.dirty"] = "true" if self.dirty else "false"
        if self.unreleased:
            out["contractgen.library.unreleased_since"] = self.release or "(no release)"
        if self.note:
            out["contractgen.library.release_unchecked"] = self.note
        return out


def provenance(workspace: Workspace, version: LibraryVersion) -> Provenance:
    """Whether ``version`` is a release of the library, or holds changes made since one.

    Only the clause library decides "unreleased" (its files, compared with the latest
    release reachable from the commit); the dirty flag also looks at the profiles. Other
    uncommitted files of the repository (a README, outputs) change neither."""
    if version.release is not None:
        return Provenance(version.release.commit, False, version.release.name, False)
    spec, fingerprint = version.library.spec, version.library.fingerprint
    differs = spec.release_fingerprint is not None and spec.release_fingerprint != fingerprint
    if not is_repository(workspace.library_dir):  # no git, or a copy without .git: the fingerprint alone decides
        if differs:
            return Provenance(None, None, spec.release, True, True)
        return Provenance(note="" if spec.release_fingerprint else _unchecked(spec.release))
    repo = find_repo_root(workspace.library_dir)
    head = version.commit
    dirty: bool | None = False
    if head is None:
        result = run_git(repo, ["rev-parse", "--verify", "--quiet", "HEAD"], check=False)
        if result.returncode != 0:  # a repository without a first commit
            return Provenance(None, True, None, True)
        head = result.stdout.decode("ascii").strip()
        folders = [p for p in (_folder(workspace.library_dir, repo), _folder(workspace.profiles_dir, repo)) if p is not None]
        dirty = bool(changed_paths(repo, folders))
    history = release_history(workspace, head)
    if not history.releases:
        return Provenance(head, dirty, None, True)
    latest = history.latest()
    released = _is_release_content(workspace, latest, version.library)
    return Provenance(head, dirty, latest.name, not released or differs, differs and released)


def _unchecked(release: str) -> str:
    """Why a library outside git cannot be shown to be ``release``."""
    why = ("git is not installed or not on PATH" if shutil.which("git") is None
           else "the workspace is not in a git repository (copied without its .git folder?)")
    return (f"cannot check that the clauses are release {release}: {why}, and library.yaml records no "
            "release_fingerprint")


def _folder(path: Path, repo: Path) -> str | None:
    try:
        return path.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        return None


def is_repository(path: Path) -> bool:
    try:
        find_repo_root(path)
        return True
    except GitError:
        return False
