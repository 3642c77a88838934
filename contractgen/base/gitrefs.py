"""Read any version of the clause library straight out of git, without checking it out.

Everything here runs ``git -C <repo> ...`` with ``LC_ALL=C`` and never touches the work
tree, the index or HEAD, so it is safe while the user has uncommitted edits. A whole
folder at a ref costs two git processes (``ls-tree`` and ``cat-file --batch``), however
many files it holds. Contents are the raw blobs (no end-of-line conversion, no smudge
filters): the same bytes on every platform.

Releases themselves are found in the history of ``library.yaml`` (:func:`history_of_key`);
tags that follow a pattern such as ``release-{version}`` or ``v{version}`` (the version
dotted integers, ``2026.1``, ``2026.1.2``, compared numerically) are optional and only
checked against that history.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import GitError, InputError, display_path

_VERSION_PLACEHOLDER = "{version}"
_SHOWN_TAGS = 5
# Set by git for hooks and textconv drivers; they would override `git -C repo`.
_REPO_ENV = frozenset(
    {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR",
     "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE"}
)


@dataclass(frozen=True)
class ReleaseTag:
    """A git tag that names a release of the clause library."""

    name: str  # e.g. "release-2026.1"
    version: tuple[int, ...]  # e.g. (2026, 1)
    commit: str  # full sha of the tagged commit

    @property
    def version_text(self) -> str:
        return ".".join(str(part) for part in self.version)


def find_repo_root(path: Path) -> Path:
    """The top folder of the git work tree that holds ``path`` (a file or a folder)."""
    path = Path(path)
    if not path.exists():
        raise GitError(f"{display_path(path)}: no such file or folder")
    folder = path if path.is_dir() else path.parent
    result = run_git(folder, ["rev-parse", "--show-toplevel"], check=False)
    if result.returncode != 0:
        raise GitError(
            f"{display_path(path)} is not inside a git work tree "
            f"({_first_line(result.stderr)}); clone the clause library's repository "
            "(`git clone <url>`), or make this workspace one "
            "(`git init && git add -A && git commit -m \"First release\"`)"
        )
    return Path(os.fsdecode(result.stdout.rstrip(b"\n")))


def resolve_ref(repo: Path, ref: str) -> str:
    """The full sha of the commit that ``ref`` (branch, tag, sha, ``HEAD~2``...) names."""
    if not ref or ref.startswith("-") or any(c in ref for c in "\n\r\0"):
        raise GitError(f"unknown git reference '{ref}' in {display_path(repo)}{_tags_hint(repo)}")
    result = run_git(
        repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
        check=False,
    )
    if result.returncode != 0:
        if b"not a git repository" in result.stderr:
            find_repo_root(repo)  # raises the explanation
        raise GitError(f"unknown git reference '{ref}' in {display_path(repo)}{_tags_hint(repo)}")
    return result.stdout.decode("ascii").strip()


def read_tree(repo: Path, ref: str, subdir: str) -> dict[str, bytes]:
    """Every file under ``subdir`` as it was at ``ref``, keyed by its POSIX path inside
    ``subdir`` (for ``"clause_library"``: ``"clauses/dspt.yaml"``, ``"library.yaml"``),
    ready for loading a library from a mapping. ``subdir`` is relative to the repository root;
    ``""`` or ``"."`` means the whole tree. Submodules and symbolic links are skipped.
    """
    commit = resolve_ref(repo, ref)
    folder = _clean_subdir(subdir)
    treeish = f"{commit}:{folder}" if folder else f"{commit}^{{tree}}"
    listing = run_git(repo, ["ls-tree", "-r", "-z", "--end-of-options", treeish], check=False)
    if listing.returncode != 0:
        kind = run_git(repo, ["cat-file", "-t", treeish], check=False).stdout.strip()
        what = "is a file, not a folder" if kind == b"blob" else "does not exist"
        raise GitError(
            f"'{folder}' {what} at git reference '{ref}' (commit {commit[:12]}); "
            f"check the folder name, or list what is there with `git ls-tree {ref}`"
        )
    names: list[str] = []
    shas: list[str] = []
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, sha = meta.split(b" ")
        if kind != b"blob" or mode == b"120000":
            continue
        names.append(name.decode("utf-8", "surrogateescape"))
        shas.append(sha.decode("ascii"))
    blobs = _cat_blobs(repo, shas)
    return dict(zip(names, blobs, strict=True))


def read_file(repo: Path, ref: str, path: str) -> bytes | None:
    """The bytes of ``path`` (relative to the repository root) at ``ref``, or None when
    the file did not exist at that ref."""
    commit = resolve_ref(repo, ref)
    name = _clean_subdir(path)
    if not name or "\n" in name:
        raise GitError(f"'{path}' is not a file path inside the repository")
    out = run_git(repo, ["cat-file", "--batch"], stdin=f"{commit}:{name}\n".encode()).stdout
    header, _, rest = out.partition(b"\n")
    fields = header.split(b" ")
    if fields[-1] in (b"missing", b"ambiguous"):
        return None
    if fields[1] != b"blob":
        raise GitError(
            f"'{name}' is a folder, not a file, at git reference '{ref}'; "
            "read folders with read_tree"
        )
    return rest[: int(fields[2])]


def release_tags(repo: Path, pattern: str) -> list[ReleaseTag]:
    """Tags matching ``pattern`` (``"release-{version}"``) that point at commits, oldest
    version first. Versions compare numerically: 2026.10 comes after 2026.9."""
    tags = _matching_tags(repo, pattern, ["refs/tags"])
    return sorted(tags, key=lambda t: (t.version, t.name))


@dataclass(frozen=True)
class ValueChange:
    """A commit whose diff of one file adds a line ``key: value`` at the top level."""

    commit: str  # full sha
    date: dt.date  # committer date
    value: str  # the value as written, without quotes or a trailing comment


def history_of_key(repo: Path, path: str, key: str, start: str = "HEAD") -> list[ValueChange]:
    """Every commit reachable from ``start`` (a commit sha or HEAD) whose change to ``path`` adds a top-level line
    ``key: ...``, parents before children: one ``git log -G`` over that file (git's own
    history search; nothing is checked out). A commit that deletes the line without adding
    one is not listed. Raises :class:`GitError` in a shallow clone, whose history is cut
    off, with the command that fetches the rest."""
    if run_git(repo, ["rev-parse", "--is-shallow-repository"]).stdout.strip() == b"true":
        raise GitError(
            f"{display_path(repo)} is a shallow clone (made with `git clone --depth`): its history "
            f"is cut off, so the releases in {path} cannot be found; fetch the whole history "
            "with `git fetch --unshallow` and try again"
        )
    name = _clean_subdir(path)
    result = run_git(repo, [
        "log", "--topo-order", "--reverse", "--no-color", "--no-ext-diff", "--no-textconv",
        "--no-renames", "-p", "--unified=0", f"-G^{re.escape(key)}:", "--format=%x00%H %cs",
        start, "--", name,
    ], check=False)
    if result.returncode != 0:
        if any(m in result.stderr for m in (b"does not have any commits", b"unknown revision", b"bad revision")):
            return []  # a new repository without a first commit
        raise GitError(f"`git log` over {name} failed in {display_path(repo)}: {_first_line(result.stderr)}")
    line_start = f"+{key}:".encode()
    changes = []
    for block in result.stdout.split(b"\0")[1:]:
        header, _, patch = block.partition(b"\n")
        sha, day = header.decode("ascii").split(" ")
        added = [line for line in patch.split(b"\n") if line.startswith(line_start)]
        if added:
            value = _scalar(added[-1][len(line_start):].decode("utf-8", "replace"))
            changes.append(ValueChange(sha, dt.date.fromisoformat(day), value))
    return changes


def changed_paths(repo: Path, paths: list[str]) -> list[str]:
    """The files under ``paths`` (relative to the repository root) that differ from HEAD in
    the work tree: modified, staged, deleted or untracked (ignored files excepted)."""
    out = run_git(repo, ["status", "--porcelain", "-z", "--untracked-files=all", "--", *paths]).stdout
    return [entry[3:].decode("utf-8", "surrogateescape") for entry in out.split(b"\0") if len(entry) > 3]


def _scalar(text: str) -> str:
    """``"2026.1"  # a comment`` -> ``2026.1``."""
    text = text.strip()
    if text[:1] in ("'", '"'):
        end = text.find(text[0], 1)
        return text[1:end] if end > 0 else text[1:]
    return text.split(" #", 1)[0].strip()


def tag_regex(pattern: str) -> re.Pattern[str]:
    """The regular expression for tag names of ``pattern``; group 1 is the version."""
    if pattern.count(_VERSION_PLACEHOLDER) != 1:
        raise InputError(
            f"release tag pattern '{pattern}' must contain {_VERSION_PLACEHOLDER} exactly "
            "once, e.g. 'release-{version}' or 'v{version}'"
        )
    prefix, suffix = pattern.split(_VERSION_PLACEHOLDER)
    return re.compile(rf"{re.escape(prefix)}(\d+(?:\.\d+)*){re.escape(suffix)}")


# -- helpers ----------------------------------------------------------------------------


def _matching_tags(repo: Path, pattern: str, selection: list[str]) -> list[ReleaseTag]:
    regex = tag_regex(pattern)
    fmt = "%(refname:strip=2)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)"
    out = run_git(repo, ["for-each-ref", f"--format={fmt}", *selection]).stdout
    tags = []
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        name, kind, sha, peeled_kind, peeled_sha = line.split("\0")
        match = regex.fullmatch(name)
        if not match:
            continue
        if kind == "commit":
            commit = sha
        elif kind == "tag" and peeled_kind == "commit":
            commit = peeled_sha
        else:
            continue  # a tag of a tree, a blob or a tag of a tag: not a release
        version = tuple(int(part) for part in match.group(1).split("."))
        tags.append(ReleaseTag(name=name, version=version, commit=commit))
    return tags


def _cat_blobs(repo: Path, shas: list[str]) -> list[bytes]:
    """Contents of the blobs ``shas`` from one ``git cat-file --batch`` process."""
    if not shas:
        return []
    out = run_git(repo, ["cat-file", "--batch"], stdin="".join(f"{s}\n" for s in shas).encode()).stdout
    blobs = []
    pos = 0
    for sha in shas:
        end = out.index(b"\n", pos)
        fields = out[pos:end].split(b" ")
        if len(fields) != 3:
            raise GitError(f"git object {sha} is missing from {display_path(repo)}; run `git fsck`")
        size = int(fields[2])
        blobs.append(out[end + 1 : end + 1 + size])
        pos = end + 1 + size + 1  # contents are followed by a newline
    return blobs


def _clean_subdir(subdir: str) -> str:
    parts = [p for p in subdir.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise GitError(f"'{subdir}' leaves the repository; give a path inside it")
    return "/".join(parts)


def _tags_hint(repo: Path) -> str:
    result = run_git(repo, ["tag", "--sort=-creatordate"], check=False)
    tags = result.stdout.decode("utf-8", "replace").split() if result.returncode == 0 else []
    if not tags:
        return "; the repository has no tags: give a branch name or a commit sha"
    shown = ", ".join(tags[:_SHOWN_TAGS]) + (", ..." if len(tags) > _SHOWN_TAGS else "")
    return f"; give a branch, a commit sha or a tag such as {shown}"


def _first_line(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else "git failed"


def run_git(
    repo: Path, args: list[str], *, stdin: bytes | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in _REPO_ENV}
    env.update(LC_ALL="C", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
    command = ["git", "-C", str(repo), *args]
    try:
        result = subprocess.run(command, input=stdin, capture_output=True, env=env, check=False)
    except FileNotFoundError as e:
        raise GitError(
            "git is not installed or not on PATH; install git (https://git-scm.com) "
            "and try again"
        ) from e
    if check and result.returncode != 0:
        raise GitError(
            f"`git {' '.join(args)}` failed in {display_path(repo)}: {_first_line(result.stderr)}"
        )
    return result
