"""Version discipline, in small git repositories holding a copy of the example workspace."""

from __future__ import annotations

import dataclasses

import datetime as dt
import re
from pathlib import Path

import pytest

from helpers_git import copy_example_workspace, git, git_identity

from contractgen.base.errors import GitError, LibraryError
from contractgen.library.clauses import load_library
from contractgen.library.releases import library_at
from contractgen.library.versions import VersionReport, check_versions, compare_libraries, summary
from contractgen.library.workspace import load_workspace

CLAUSES = Path("clause_library/clauses")
BUMPS_100 = "bump it (1.0.1 for a correction, 1.1.0 for a change of meaning, 2.0.0 for a change of obligation) and add a changelog entry"


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch, tmp_path):
    """No user or system git configuration; a fixed identity."""
    git_identity(monkeypatch, tmp_path / "home")


def commit_all(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def ws(tmp_path: Path, monkeypatch) -> Path:
    """The example workspace committed (release 2026.1, no tag); the current folder."""
    workspace_dir = copy_example_workspace(tmp_path / "ws")
    git(workspace_dir, "init", "-q", "-b", "main")
    commit_all(workspace_dir, "library 2026.1")
    monkeypatch.chdir(workspace_dir)
    return workspace_dir


def edit(ws: Path, clause_id: str, old: str, new: str) -> None:
    path = ws / CLAUSES / f"{clause_id}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def bump(ws: Path, clause_id: str, old: str, new: str, summary_text: str = "Corrected.") -> None:
    edit(ws, clause_id, f"version: {old}\nstatus", f"version: {new}\nstatus")
    path = ws / CLAUSES / f"{clause_id}.yaml"
    with path.open("a", encoding="utf-8") as f:
        f.write(f"  - version: {new}\n    date: 2026-09-01\n    summary: {summary_text}\n")


def line_of(ws: Path, clause_id: str, start: str) -> int:
    """The 1-based number of the first line of a clause file that starts with ``start``."""
    text = (ws / CLAUSES / f"{clause_id}.yaml").read_text(encoding="utf-8")
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def check(ws: Path, against: str | None) -> VersionReport:
    return check_versions(load_workspace(ws), against=against)


def since(against: str | None) -> str:
    return against or "release 2026.1"


def lines(report: VersionReport) -> list[str]:
    return [str(p) for p in report.problems]


BOTH = pytest.mark.parametrize("against", [None, "HEAD"], ids=["latest-release", "HEAD"])


# -- refusals ---------------------------------------------------------------------------


@BOTH
def test_unbumped_text_change_in_one_tier_variant(ws, against):
    edit(ws, "dspt.tier", "Standards Met, which the Provider shall achieve", "Standards Met, which the Provider must achieve")
    report = check(ws, against)
    assert lines(report) == [
        f"clause_library/clauses/dspt.tier.yaml:3:1: version: dspt.tier changed (text [core]) since {since(against)} "
        f"but its version is still 1.0.0; {BUMPS_100}"
    ]
    assert not report.ok
    assert report.changed == ["dspt.tier"]
    sha = git(ws, "rev-parse", "--short=7", "HEAD")
    assert summary(report) == f"checked 34 clauses against {since(against)} ({sha}): 1 problem"


@BOTH
def test_unbumped_parameter_default_change(ws, against):
    edit(ws, "dspt.incident-reporting", "default: 24", "default: 12")
    assert lines(check(ws, against)) == [
        f"clause_library/clauses/dspt.incident-reporting.yaml:3:1: version: dspt.incident-reporting changed "
        f"(parameters [incident_notice_hours]) since {since(against)} but its version is still 1.0.1; "
        # issue 19 bumped dspt.incident-reporting to 1.0.1 (its breach-log anchor)
        "bump it (1.0.2 for a correction, 1.1.0 for a change of meaning, 2.0.0 for a change of obligation) and add a changelog entry"
    ]


def test_unbumped_text_and_parameter_description_change_names_both(ws):
    edit(ws, "dspt.annual-renewal", "review, update and republish", "review, refresh and republish")
    edit(ws, "dspt.annual-renewal", "within which it provides\n      information.", "within which it provides\n      the information.")
    assert lines(check(ws, None)) == [
        "clause_library/clauses/dspt.annual-renewal.yaml:3:1: version: dspt.annual-renewal changed "
        "(text, parameters [evidence_working_days]) since release 2026.1 but its version is still 1.1.0; "
        "bump it (1.1.1 for a correction, 1.2.0 for a change of meaning, 2.0.0 for a change of obligation) "
        "and add a changelog entry"
    ]


@pytest.mark.parametrize(
    ("clause_id", "old", "new", "what"),
    [
        ("dspt.staff-training", "title: Staff training", "title: Training of staff", "title"),
        ("dspt.staff-training", "section: people", "section: security", "section"),
        ("dspt.secure-email", "status: draft", "status: approved", "status draft -> approved"),
    ],
)
def test_unbumped_title_section_or_status_change(ws, clause_id, old, new, what):
    edit(ws, clause_id, old, new)
    (problem,) = check(ws, "HEAD").problems
    assert problem.message.startswith(f"{clause_id} changed ({what}) since HEAD but its version is still ")


def test_version_backwards(ws):
    edit(ws, "dspt.annual-renewal", "version: 1.1.0\nstatus", "version: 1.0.0\nstatus")
    path = ws / CLAUSES / "dspt.annual-renewal.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("  - version: 1.1.0")], encoding="utf-8")
    changelog_line = line_of(ws, "dspt.annual-renewal", "changelog:")
    assert lines(check(ws, None)) == [
        "clause_library/clauses/dspt.annual-renewal.yaml:3:1: version: dspt.annual-renewal version went backwards: "
        "1.0.0 is lower than 1.1.0 in release 2026.1; versions only go up: set it back to 1.1.0",
        f"clause_library/clauses/dspt.annual-renewal.yaml:{changelog_line}:1: changelog: dspt.annual-renewal changelog entry "
        "1.1.0 (2026-04-01) of release 2026.1 was removed; a changelog keeps every past entry: put it back",
    ]


def test_version_backwards_with_a_change_asks_for_a_version_above_the_old_one(ws):
    edit(ws, "dspt.tier", "version: 1.0.0\nstatus", "version: 0.9.0\nstatus")
    edit(ws, "dspt.tier", "- version: 1.0.0", "- version: 0.9.0")
    edit(ws, "dspt.tier", "Standards Met, which the Provider shall achieve", "Standards Met, which the Provider must achieve")
    assert [p.message for p in check(ws, None).problems] == [
        "dspt.tier version went backwards: 0.9.0 is lower than 1.0.0 in release 2026.1; versions only go up: "
        "set it to a version above 1.0.0 (1.0.1 for a correction, 1.1.0 for a change of meaning, 2.0.0 for a "
        "change of obligation) and add a changelog entry",
        "dspt.tier changelog entry 1.0.0 (2025-04-01) of release 2026.1 was removed; a changelog keeps every "
        "past entry: put it back",
    ]


def test_bump_without_changelog_entry_is_refused_by_the_loader_naming_the_file(ws):
    edit(ws, "dspt.annual-renewal", "version: 1.1.0\nstatus", "version: 1.2.0\nstatus")
    with pytest.raises(LibraryError) as caught:
        check(ws, None)
    assert str(caught.value) == (
        "clause_library/clauses/dspt.annual-renewal.yaml:3:1: version: version 1.2.0 has no changelog entry "
        "(newest entry is 1.1.0); add a changelog entry for 1.2.0\n"
        "error: 1 problem in the clause library"
    )


def test_bump_without_changelog_entry_is_also_checked_explicitly(ws):
    workspace = load_workspace(ws)
    old = library_at(workspace, "HEAD").library
    new = library_at(workspace, None).library
    clause = new.clauses["dspt.tier"]
    new = dataclasses.replace(new, clauses={**new.clauses, "dspt.tier": clause.model_copy(update={"version": "1.1.0"})})
    problems, changed, added = compare_libraries(old, new, since="HEAD")
    assert [str(p) for p in problems] == [
        "clause_library/clauses/dspt.tier.yaml:3:1: version: dspt.tier version went from 1.0.0 to 1.1.0 but its "
        "changelog has no entry for 1.1.0; add one (version: 1.1.0, date, summary) saying what changed"
    ]
    assert (changed, added) == (["dspt.tier"], [])


def test_altered_changelog_entry(ws):
    edit(ws, "dspt.tier", "summary: First release.", "summary: First published.")
    entry_line = line_of(ws, "dspt.tier", "  - version: 1.0.0")
    assert lines(check(ws, None)) == [
        f"clause_library/clauses/dspt.tier.yaml:{entry_line}:5: changelog[0]: dspt.tier changelog entry 1.0.0 was altered "
        "(summary) since release 2026.1; released entries are never edited: restore it and record the "
        "correction in the entry of a new version"
    ]


def test_rewrapped_changelog_summary_is_not_an_alteration(ws):
    edit(ws, "dspt.annual-renewal", "(it was\n      fixed at 10", "(it\n      was fixed at 10")
    assert check(ws, None).ok


@BOTH
def test_withdrawn_clause_coming_back_is_an_id_reuse(ws, against):
    edit(ws, "dspt.entry-level", "status: withdrawn", "status: approved")
    assert lines(check(ws, against)) == [
        f"clause_library/clauses/dspt.entry-level.yaml:1:1: id: dspt.entry-level was withdrawn in {since(against)} "
        "(version 2.0.0) and is approved again at version 2.0.0: looks like a different clause reusing the id; "
        "give the new clause a new id and withdraw the old one (to bring the same clause back, bump its version "
        "above 2.0.0 and add a changelog entry)"
    ]


def test_withdrawn_clause_brought_back_with_a_bump_passes(ws):
    edit(ws, "dspt.entry-level", "status: withdrawn", "status: approved")
    bump(ws, "dspt.entry-level", "2.0.0", "3.0.0", "Reinstated.")
    assert check(ws, None).ok


def test_new_section_title_and_text_is_an_id_reuse(ws):
    path = ws / CLAUSES / "dspt.staff-training.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("text: |\n"), text.index("guidance: |")
    path.write_text(
        text[:start]
        + "text: |\n  The Provider shall keep its servers in a locked room with a log of every visitor.\n"
        + text[end:],
        encoding="utf-8",
    )
    edit(ws, "dspt.staff-training", "title: Staff training", "title: Server rooms")
    edit(ws, "dspt.staff-training", "section: people", "section: security")
    bump(ws, "dspt.staff-training", "1.0.0", "2.0.0")
    (line,) = lines(check(ws, None))
    # the percentage depends on the shipped text of dspt.staff-training
    assert re.fullmatch(
        re.escape(
            "clause_library/clauses/dspt.staff-training.yaml:1:1: id: dspt.staff-training changed section "
            "(people -> security) and title ('Staff training' -> 'Server rooms') since release 2026.1, and only "
            "PERCENT of its text is the same: looks like a different clause reusing the id; give the new clause "
            "a new id and withdraw the old one"
        ).replace("PERCENT", r"\d%"),
        line,
    ), line


def test_deleted_clause(ws):
    (ws / CLAUSES / "dspt.support.yaml").unlink()
    report = check(ws, None)
    assert lines(report) == [
        "clause_library/clauses/dspt.support.yaml: dspt.support (approved, version 1.0.0 in release 2026.1) was "
        "deleted; withdraw it (status: withdrawn, bump version, changelog entry) instead of deleting the file, "
        "so old schedules can still be traced"
    ]
    assert report.compared == 34


def test_deleted_withdrawn_clause(ws):
    (ws / CLAUSES / "dspt.entry-level.yaml").unlink()
    assert [p.message for p in check(ws, "HEAD").problems] == [
        "dspt.entry-level (withdrawn, version 2.0.0 in HEAD) was deleted; put the file back: withdrawn clauses "
        "stay in the library so old schedules can still be traced"
    ]


def test_clause_deleted_after_a_release_and_back_with_other_text_is_an_id_reuse(ws):
    original = (ws / CLAUSES / "dspt.support.yaml").read_text(encoding="utf-8")
    (ws / CLAUSES / "dspt.support.yaml").unlink()
    commit_all(ws, "delete dspt.support")
    (ws / CLAUSES / "dspt.support.yaml").write_text(original, encoding="utf-8")
    edit(ws, "dspt.support", "title: ", "title: New ")
    report = check(ws, "HEAD")
    assert lines(report) == [
        "clause_library/clauses/dspt.support.yaml:1:1: id: dspt.support was in release 2026.1 (version 1.0.0), "
        "was deleted since and is back at version 1.0.0: looks like a different clause reusing the id; give the "
        "new clause a new id, and put the old file back as withdrawn"
    ]


def test_clause_deleted_after_a_release_and_restored_unchanged_passes(ws):
    original = (ws / CLAUSES / "dspt.support.yaml").read_text(encoding="utf-8")
    (ws / CLAUSES / "dspt.support.yaml").unlink()
    commit_all(ws, "delete dspt.support")
    (ws / CLAUSES / "dspt.support.yaml").write_text(original, encoding="utf-8")
    report = check(ws, "HEAD")
    assert report.ok and report.added == ["dspt.support"]


def test_every_finding_is_reported_at_once(ws):
    edit(ws, "dspt.tier", "Standards Met, which the Provider shall achieve", "Standards Met, which the Provider must achieve")
    edit(ws, "dspt.incident-reporting", "default: 24", "default: 12")
    (ws / CLAUSES / "dspt.support.yaml").unlink()
    report = check(ws, None)
    assert [p.location.file.rsplit("/", 1)[-1] for p in report.problems] == [
        "dspt.incident-reporting.yaml", "dspt.support.yaml", "dspt.tier.yaml",
    ]
    assert summary(report).endswith(": 3 problems")


# -- acceptances ------------------------------------------------------------------------


@BOTH
def test_bumped_change_with_changelog_entry_passes(ws, against):
    edit(ws, "dspt.tier", "Standards Met, which the Provider shall achieve", "Standards Met, which the Provider must achieve")
    bump(ws, "dspt.tier", "1.0.0", "1.0.1")
    report = check(ws, against)
    assert report.ok and report.problems == []
    assert report.changed == ["dspt.tier"]
    sha = git(ws, "rev-parse", "--short=7", "HEAD")
    unreleased = "; unreleased: library.yaml still says release 2026.1; set a new release and release_date to release these changes"
    assert summary(report) == (
        f"checked 34 clauses against {since(against)} ({sha}): ok, 1 clause changed with a version bump"
        + (unreleased if against is None else "")
    )


def test_guidance_and_references_edits_need_no_bump(ws):
    edit(ws, "dspt.staff-training", "Annual training for everyone", "Yearly training for everyone")
    edit(ws, "dspt.staff-training", "  - National Data Guardian standard 3 (Training)\n", "")
    report = check(ws, None)
    assert report.ok and report.changed == []
    assert summary(report).endswith(": ok, no clause changed")


def test_same_text_moved_into_tier_variants_is_no_change(ws):
    path = ws / CLAUSES / "dspt.staff-training.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("text: |\n"), text.index("guidance: |")
    body = text[start + len("text: |\n") : end]
    variants = "".join(f"  {tier}: |\n" + "".join(f"  {line}" if line.strip() else line for line in body.splitlines(True)) for tier in ("foundation", "core", "advanced"))
    path.write_text(text[:start] + "text:\n" + variants + text[end:], encoding="utf-8")
    assert load_workspace(ws) and isinstance(library_at(load_workspace(ws), None).library.clauses["dspt.staff-training"].text, dict)
    assert check(ws, None).ok


def test_new_clause_passes_at_any_version(ws):
    source = (ws / CLAUSES / "dspt.staff-training.yaml").read_text(encoding="utf-8")
    new = source.replace("id: dspt.staff-training", "id: dspt.staff-vetting").replace("version: 1.0.0\n", "version: 0.3.0\n", 1)
    new = new.replace("- version: 1.0.0", "- version: 0.3.0")
    (ws / CLAUSES / "dspt.staff-vetting.yaml").write_text(new, encoding="utf-8")
    report = check(ws, None)
    assert report.ok and report.added == ["dspt.staff-vetting"] and report.compared == 35
    assert ": ok, no clause changed, 1 new clause; unreleased: " in summary(report)


def set_release(ws: Path, release: str, date: str = "2026-04-01") -> None:
    path = ws / "clause_library" / "library.yaml"
    text = path.read_text(encoding="utf-8")
    assert 'release: "2026.1"\nrelease_date: 2026-04-01' in text
    path.write_text(text.replace('release: "2026.1"\nrelease_date: 2026-04-01', f'release: "{release}"\nrelease_date: {date}'), encoding="utf-8")


def change_tier_clause(ws: Path) -> None:
    edit(ws, "dspt.tier", "Standards Met, which the Provider shall achieve", "Standards Met, which the Provider must achieve")
    bump(ws, "dspt.tier", "1.0.0", "1.0.1")


def test_default_is_the_latest_release_in_the_history(ws):
    change_tier_clause(ws)
    set_release(ws, "2026.2", "2026-04-01")  # two releases on one day
    commit_all(ws, "release 2026.2")
    report = check(ws, None)
    assert report.ok and report.changed == [] and report.unreleased_since is None
    assert report.against_label == f"release 2026.2 ({git(ws, 'rev-parse', '--short=7', 'HEAD')})"
    assert check(ws, "2026.1").changed == ["dspt.tier"]
    assert check(ws, "2026.1").unreleased_since is None  # library.yaml names a new release


def test_uncommitted_clause_edits_are_compared_and_reported_unreleased(ws):
    change_tier_clause(ws)
    report = check(ws, None)
    assert report.ok and report.changed == ["dspt.tier"] and report.unreleased_since == "2026.1"
    assert summary(report).endswith(
        ": ok, 1 clause changed with a version bump; unreleased: library.yaml still says release 2026.1; "
        "set a new release and release_date to release these changes"
    )
    commit_all(ws)  # committed, still not released
    assert check(ws, None).unreleased_since == "2026.1"
    strict = check_versions(load_workspace(ws), None, release=True)
    assert lines(strict) == [
        "clause_library/library.yaml:6:1: release: 1 clause changed since release 2026.1 (dspt.tier) but library.yaml "
        "still says release '2026.1'; set a new release and release_date to release them"
    ]
    set_release(ws, "2026.2")
    assert check_versions(load_workspace(ws), None, release=True).ok


def test_a_release_that_goes_backwards_is_refused(ws):
    set_release(ws, "2025.9")
    commit_all(ws, "back")
    head = check(ws, None)
    first = git(ws, "rev-parse", "--short=7", "HEAD~1")
    assert lines(head) == [
        f"clause_library/library.yaml:6:1: release: release '2025.9' is lower than the latest release 2026.1 ({first}); "
        "releases only go up: set it to '2026.1' or a higher release"
    ]
    assert not check(ws, "HEAD~1").ok  # what CI runs: the previous commit said 2026.1


def test_a_release_whose_recorded_fingerprint_is_not_its_clauses_is_refused_with_the_value_to_set(ws):
    """Copies without git (a shared folder, a zip) decide by the fingerprint whether a
    document is released: a release that records a stale one would make every such
    document a draft. check-versions names the line and prints the value to set."""
    change_tier_clause(ws)
    set_release(ws, "2026.2", "2026-09-01")
    library = ws / "clause_library/library.yaml"
    stale = "0" * 64
    text = library.read_text(encoding="utf-8")
    library.write_text(text.replace("release_date: 2026-09-01\n", f'release_date: 2026-09-01\nrelease_fingerprint: "{stale}"\n'), encoding="utf-8")
    assert 'release_fingerprint: "' + stale in library.read_text(encoding="utf-8")
    right = load_library(ws / "clause_library").fingerprint  # of the files, its own line left out
    assert lines(check(ws, None)) == [
        "clause_library/library.yaml:8:1: release_fingerprint: the recorded fingerprint is not the clauses of release "
        f"2026.2, so documents from a copy without git would be drafts; set release_fingerprint: {right}"
    ]
    library.write_text(library.read_text(encoding="utf-8").replace(stale, right), encoding="utf-8")
    assert check(ws, None).ok
    commit_all(ws, "release 2026.2")
    assert check(ws, None).ok and check(ws, "HEAD~1").ok  # released: nothing changed since, the fingerprint agrees


# -- git errors -------------------------------------------------------------------------


def test_no_release_yet(workspace_dir, monkeypatch):
    git(workspace_dir, "init", "-q", "-b", "main")
    monkeypatch.chdir(workspace_dir)
    with pytest.raises(GitError) as caught:
        check(workspace_dir, None)
    assert caught.value.message == (
        "no release of the clause library in the history of clause_library/library.yaml: it has never been "
        "committed; commit it (`git add -A && git commit`) to make its first release"
    )


def test_unknown_reference(ws):
    with pytest.raises(GitError, match="unknown git reference 'release-1999.1'"):
        check(ws, "release-1999.1")


def test_not_a_repository(workspace_dir, monkeypatch):
    monkeypatch.chdir(workspace_dir)
    with pytest.raises(GitError, match="is not inside a git work tree"):
        check(workspace_dir, None)


def test_new_section_and_title_with_the_same_text_is_not_an_id_reuse(ws):
    edit(ws, "dspt.staff-training", "title: Staff training", "title: Training of staff")
    edit(ws, "dspt.staff-training", "section: people", "section: security")
    bump(ws, "dspt.staff-training", "1.0.0", "1.1.0", "Moved to the security section.")
    assert check(ws, None).ok
