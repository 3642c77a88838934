"""Version discipline: every change to what a clause says comes with a new version.

:func:`check_versions` compares the clause library in the working tree with the library
at a release or git reference (by default the latest release in the history of
``library.yaml``) and reports one located
:class:`~contractgen.base.errors.Problem` per finding. The rules:

* **What needs a bump.** A clause's text (any tier variant, compared per tier as each tier
  sees it), its parameters (name, type, default, description, choices; their order does
  not matter), its title, ``applies_to``, section or status changed: the new version must
  be higher (semver) than the old one. Any change to the text counts, even of
  whitespace, because a line break in Markdown can split or join paragraphs.
* **What does not.** Edits to ``guidance`` and ``references`` (shown by
  ``contractgen clauses show``, never printed in a schedule or letter) and new changelog
  entries need no bump.
* **Versions only go up**, and a version above the old one needs its own changelog
  entry (the loader requires it too).
* **A changelog keeps its past**: an entry that was released may not be removed or
  altered (its date and summary; re-wrapping the summary's lines is fine).
* **An id names one clause for ever.** A withdrawn clause that comes back (draft or
  approved) without a higher version, a clause deleted after a release that comes back
  with a different content and no higher version, or a clause whose section *and* title
  both changed while its text is mostly different (word-level similarity below 35%)
  looks like a different clause reusing the id.
* **Released clauses are withdrawn, not deleted**, so that old schedules, which record
  each clause's id and version, can still be traced.
* New clauses may start at any version; an unchanged clause is fine.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from pydantic import ValidationError

from ..base.errors import GitError, InputError, LibraryError, Location, Problem, plural
from ..base.gitrefs import find_repo_root, read_tree
from ..base.yamlio import YamlDocument, decode_text, parse_yaml
from .auditquestions import audit_files, check_audit_versions
from .clauses import CLAUSES_DIR, Clause, ClauseLibrary, ClauseStatus, parse_semver
from .releases import check_release_value, library_at, release_history, release_location
from .workspace import Workspace

#: Below this word-level similarity of the default text, a clause whose section and title
#: both changed is taken for a different clause.
REUSE_SIMILARITY = 0.35


@dataclass(frozen=True)
class VersionReport:
    """What :func:`check_versions` found."""

    problems: list[Problem]
    compared: int  # clauses in either library
    against_label: str  # "release 2026.1 (3f2a9c1)"
    changed: list[str]  # ids of clauses in both whose content or version changed
    added: list[str] = field(default_factory=list)  # ids of new clauses
    unreleased_since: str | None = None  # clauses changed after this release, which library.yaml still names
    warnings: list[Problem] = field(default_factory=list)  # release tags that disagree with the history

    @property
    def ok(self) -> bool:
        return not self.problems


def check_versions(workspace: Workspace, against: str | None = None, *, release: bool = False) -> VersionReport:
    """Compare the working-tree library with the library at ``against`` (a release name,
    a tag or any git reference; default: the latest release in the history of
    ``library.yaml``) and report every version problem.

    Compared with a release, clauses changed since while ``library.yaml`` still names that
    release are *unreleased*: reported, and a problem with ``release`` (for CI on a
    release branch). A ``release:`` lower than the latest release is always a problem.
    """
    history = release_history(workspace) if against is None else None
    ref = history.latest().name if history is not None else against
    assert ref is not None
    new = library_at(workspace, None)
    try:
        old = library_at(workspace, ref)
    except LibraryError as exc:
        raise LibraryError(
            f"the clause library at {ref} cannot be read ({exc.message}); "
            "compare against another reference with --against",
            exc.problems,
        ) from exc
    since = f"release {old.release.name}" if old.release is not None else ref
    returning = sorted(set(new.library.clauses) - set(old.library.clauses))
    released = _released_clauses(workspace, returning) if returning else {}
    problems, changed, added = compare_libraries(old.library, new.library, since=since, released=released)
    problems += _audit_problems(workspace, old.commit or ref, since, new.library)
    if history is not None and old.release is not None:
        what = f"the latest release {old.release.name} ({old.release.commit[:7]})"
        problems[:0] = check_release_value(workspace, new.library, old.release.name, what)
    else:
        what = f"release {old.library.spec.release} at {old.label}"
        problems[:0] = check_release_value(workspace, new.library, old.library.spec.release, what)
    unreleased = None
    if old.release is not None and (changed or added) and new.library.spec.release == old.release.name:
        unreleased = old.release.name
        if release:
            problems.append(_unreleased_problem(workspace, old.release.name, changed + added))
    elif old.release is not None:
        problems += _fingerprint_problems(workspace, new.library, old.release.name)
    compared = len(set(old.library.clauses) | set(new.library.clauses))
    warnings = list(history.problems) if history is not None else []
    return VersionReport(problems, compared, old.label, changed, added, unreleased, warnings)


def _fingerprint_problems(workspace: Workspace, library: ClauseLibrary, latest: str) -> list[Problem]:
    """A release (the one being made, or the latest with nothing changed since) whose
    recorded ``release_fingerprint`` is not its clauses' content: every copy without git
    would call its documents drafts. A release that records none is not checked here (the
    documents say so)."""
    recorded = library.spec.release_fingerprint
    if recorded is None or recorded == library.fingerprint:
        return []
    making = library.spec.release != latest
    what = f"the clauses of release {library.spec.release}" + ("" if making else " as they are now")
    return [Problem(release_location(workspace, "release_fingerprint"), "release_fingerprint", (
        f"the recorded fingerprint is not {what}, so documents from a copy without git would be "
        f"drafts; set release_fingerprint: {library.fingerprint}"
    ))]


def _unreleased_problem(workspace: Workspace, name: str, ids: list[str]) -> Problem:
    return Problem(release_location(workspace), "release", (
        f"{plural(len(ids), 'clause')} changed since release {name} ({', '.join(sorted(ids))}) but "
        f"library.yaml still says release {name!r}; set a new release and release_date to release them"
    ))


def _audit_problems(workspace: Workspace, ref: str, since: str, library: ClauseLibrary) -> list[Problem]:
    """Question sets (``audits/``) must keep asking what each earlier version asked."""

    if not audit_files(workspace.library_dir):
        return []
    repo = find_repo_root(workspace.library_dir)
    subdir = workspace.library_dir.resolve().relative_to(repo.resolve()).as_posix()
    return check_audit_versions(workspace.library_dir, read_tree(repo, ref, subdir), f"{since}:{subdir}", since, library)


def compare_libraries(
    old: ClauseLibrary,
    new: ClauseLibrary,
    since: str,
    released: dict[str, tuple[str, Clause]] | None = None,
) -> tuple[list[Problem], list[str], list[str]]:
    """The problems, the changed ids and the added ids of ``new`` compared with ``old``
    (read at the git reference ``since``). ``released`` holds, for ids missing from
    ``old``, the newest version of that id in any release: ``{id: (release, clause)}``."""
    released = released or {}
    tiers = list(dict.fromkeys([*new.tiers, *old.tiers]))
    problems: list[Problem] = []
    changed: list[str] = []
    added: list[str] = []
    for cid in sorted(set(old.clauses) | set(new.clauses)):
        before, after = old.clauses.get(cid), new.clauses.get(cid)
        if after is None:
            assert before is not None
            problems.append(_deleted(old, new, before, since))
        elif before is None:
            earlier = released.get(cid)
            if earlier is not None and _returns_as_another(earlier[1], after, tiers):
                tag, clause = earlier
                problems.append(new.sources[cid].problem(("id",), (
                    f"{cid} was in {tag} (version {clause.version}), was deleted since and is back "
                    f"at version {after.version}: looks like a different clause reusing the id; "
                    "give the new clause a new id, and put the old file back as withdrawn"
                )))
            added.append(cid)
        else:
            found = _compare_clause(new, before, after, since, tiers)
            problems.extend(found)
            if found or after.version != before.version or _changes(before, after, tiers):
                changed.append(cid)
    return problems, changed, added


def summary(report: VersionReport) -> str:
    """``checked 30 clauses against release-2026.1 (3f2a9c1): 2 problems`` or ``...: ok,
    3 clauses changed with version bumps``."""
    head = f"checked {report.compared} clause{_s(report.compared)} against {report.against_label}"
    if report.problems:
        n = len(report.problems)
        return f"{head}: {n} problem{_s(n)}"
    n = len(report.changed)
    if n == 0:
        text = "ok, no clause changed"
    elif n == 1:
        text = "ok, 1 clause changed with a version bump"
    else:
        text = f"ok, {n} clauses changed with version bumps"
    if report.added:
        k = len(report.added)
        text += f", {k} new clause{_s(k)}"
    if report.unreleased_since:
        text += (
            f"; unreleased: library.yaml still says release {report.unreleased_since}; "
            "set a new release and release_date to release these changes"
        )
    return f"{head}: {text}"


# -- one clause -------------------------------------------------------------------------


def _compare_clause(new: ClauseLibrary, before: Clause, after: Clause, since: str, tiers: list[str]) -> list[Problem]:
    doc = new.sources[after.id]
    reused = _reused_id(doc, before, after, since, tiers)
    if reused is not None:
        return [reused]
    return _version_problems(doc, before, after, since, tiers) + _changelog_problems(doc, before, after, since)


def _reused_id(doc: YamlDocument, before: Clause, after: Clause, since: str, tiers: list[str]) -> Problem | None:
    """A withdrawn clause back at a version no higher, or a clause whose section, title
    and text all changed: the id now names a different clause."""
    cid = after.id
    reuse = "looks like a different clause reusing the id; give the new clause a new id and withdraw the old one"
    if before.status is ClauseStatus.WITHDRAWN and after.status is not ClauseStatus.WITHDRAWN and parse_semver(after.version) <= parse_semver(before.version):
        return doc.problem(("id",), (
            f"{cid} was withdrawn in {since} (version {before.version}) and is {after.status.value} "
            f"again at version {after.version}: {reuse} (to bring the same clause back, bump its "
            f"version above {before.version} and add a changelog entry)"
        ))
    if before.section == after.section or before.title == after.title:
        return None  # the text is compared only when both changed (difflib is slow)
    similarity = _similarity(before, after, tiers)
    if similarity < REUSE_SIMILARITY:
        return doc.problem(("id",), (
            f"{cid} changed section ({before.section} -> {after.section}) and title "
            f"({before.title!r} -> {after.title!r}) since {since}, and only {similarity:.0%} of its "
            f"text is the same: {reuse}"
        ))
    return None


def _version_problems(doc: YamlDocument, before: Clause, after: Clause, since: str, tiers: list[str]) -> list[Problem]:
    """The version goes up exactly when the clause changed, with a changelog entry for it."""
    cid = after.id
    old_v, new_v = parse_semver(before.version), parse_semver(after.version)
    changes = _changes(before, after, tiers)
    if new_v < old_v:
        fix = f"set it to a version above {before.version} ({_bumps(before.version)}) and add a changelog entry" if changes else f"set it back to {before.version}"
        return [doc.problem(("version",), (
            f"{cid} version went backwards: {after.version} is lower than {before.version} in "
            f"{since}; versions only go up: {fix}"
        ))]
    if new_v == old_v and changes:
        return [doc.problem(("version",), (
            f"{cid} changed ({', '.join(changes)}) since {since} but its version is still "
            f"{after.version}; bump it ({_bumps(after.version)}) and add a changelog entry"
        ))]
    if new_v > old_v and after.version not in {e.version for e in after.changelog}:
        return [doc.problem(("version",), (
            f"{cid} version went from {before.version} to {after.version} but its changelog has "
            f"no entry for {after.version}; add one (version: {after.version}, date, summary) "
            "saying what changed"
        ))]
    return []


def _changelog_problems(doc: YamlDocument, before: Clause, after: Clause, since: str) -> list[Problem]:
    """Every released changelog entry is still there, unedited."""
    cid = after.id
    problems: list[Problem] = []
    kept = {e.version: (i, e) for i, e in enumerate(after.changelog)}
    for entry in before.changelog:
        if entry.version not in kept:
            problems.append(doc.problem(("changelog",), (
                f"{cid} changelog entry {entry.version} ({entry.date}) of {since} was removed; "
                "a changelog keeps every past entry: put it back"
            )))
            continue
        i, now = kept[entry.version]
        altered = [
            name for name, a, b in (
                ("date", entry.date, now.date),
                ("summary", " ".join(entry.summary.split()), " ".join(now.summary.split())),
            ) if a != b
        ]
        if altered:
            problems.append(doc.problem(("changelog", i), (
                f"{cid} changelog entry {entry.version} was altered ({', '.join(altered)}) since "
                f"{since}; released entries are never edited: restore it and record the "
                "correction in the entry of a new version"
            )))
    return problems


def _changes(before: Clause, after: Clause, tiers: list[str]) -> list[str]:
    """What changed that needs a new version: ``["text [core]", "parameters [days]"]``."""
    what: list[str] = []
    if isinstance(before.text, str) and isinstance(after.text, str):
        if before.text != after.text:
            what.append("text")
    else:
        # as each tier sees it: moving a text into a tier variant, unchanged, is no change
        keys = [t for t in tiers if before.text_for(t) != after.text_for(t)]
        if keys:
            what.append(f"text [{', '.join(keys)}]")
    old_p = {p.name: p.model_dump() for p in before.parameters}
    new_p = {p.name: p.model_dump() for p in after.parameters}
    params = [n for n in dict.fromkeys([*new_p, *old_p]) if old_p.get(n) != new_p.get(n)]
    if params:
        what.append(f"parameters [{', '.join(params)}]")
    if before.title != after.title:
        what.append("title")
    if sorted(before.applies_to) != sorted(after.applies_to):
        what.append("applies_to")
    if before.section != after.section:
        what.append("section")
    if before.status is not after.status:
        what.append(f"status {before.status.value} -> {after.status.value}")
    return what


def _returns_as_another(earlier: Clause, after: Clause, tiers: list[str]) -> bool:
    """A deleted clause comes back without a higher version and with another content."""
    return parse_semver(after.version) <= parse_semver(earlier.version) and bool(_changes(earlier, after, tiers))


def _default_text(clause: Clause, tiers: list[str]) -> str:
    if isinstance(clause.text, str):
        return clause.text
    if "default" in clause.text:
        return clause.text["default"]
    return next((t for t in (clause.text_for(tier) for tier in tiers) if t is not None), "")


def _similarity(before: Clause, after: Clause, tiers: list[str]) -> float:
    """Word-level difflib ratio of the default texts (1.0: the same words)."""
    a, b = _default_text(before, tiers).split(), _default_text(after, tiers).split()
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _deleted(old: ClauseLibrary, new: ClauseLibrary, before: Clause, since: str) -> Problem:
    file = old.sources[before.id].file
    rel = file[len(old.origin) + 1 :] if file.startswith(old.origin + "/") else f"{CLAUSES_DIR}/{before.id}.yaml"
    where = f"({before.status.value}, version {before.version} in {since})"
    if before.status is ClauseStatus.WITHDRAWN:
        message = (
            f"{before.id} {where} was deleted; put the file back: withdrawn clauses stay in the "
            "library so old schedules can still be traced"
        )
    else:
        message = (
            f"{before.id} {where} was deleted; withdraw it (status: withdrawn, bump version, "
            "changelog entry) instead of deleting the file, so old schedules can still be traced"
        )
    return Problem(Location(f"{new.origin}/{rel}"), "", message)


def _bumps(version: str) -> str:
    major, minor, patch = parse_semver(version)
    return (
        f"{major}.{minor}.{patch + 1} for a correction, {major}.{minor + 1}.0 for a change of "
        f"meaning, {major + 1}.0.0 for a change of obligation"
    )


def _s(n: int) -> str:
    return "" if n == 1 else "s"


# -- releases ---------------------------------------------------------------------------


def _released_clauses(workspace: Workspace, ids: list[str]) -> dict[str, tuple[str, Clause]]:
    """For each of ``ids``, its highest version in any release: ``{id: (release, clause)}``.

    Old releases are read leniently: a file that today's schema rejects is skipped."""
    repo = find_repo_root(workspace.root)
    library = workspace.library_dir.resolve().relative_to(repo.resolve()).as_posix()
    folder = f"{library}/{CLAUSES_DIR}" if library != "." else CLAUSES_DIR
    wanted = set(ids)
    found: dict[str, tuple[str, Clause]] = {}
    try:
        releases = release_history(workspace).releases
    except GitError:
        return found  # a shallow clone: what it cannot see, it cannot hold against the id
    for release in releases:
        try:
            files = read_tree(repo, release.commit, folder)
        except GitError:
            continue  # no library at that release
        for rel, data in files.items():
            stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            if stem not in wanted:
                continue
            clause = _read_clause_leniently(data, f"{release.name}:{folder}/{rel}")
            if clause is None or clause.id != stem:
                continue
            previous = found.get(stem)
            if previous is None or parse_semver(clause.version) >= parse_semver(previous[1].version):
                found[stem] = (f"release {release.name}", clause)
    return found


def _read_clause_leniently(data: bytes, shown: str) -> Clause | None:
    try:
        doc = parse_yaml(decode_text(data, shown), shown)
        return Clause.model_validate(doc.data)
    except (InputError, ValidationError):  # an old file today's schema rejects is not evidence
        return None
