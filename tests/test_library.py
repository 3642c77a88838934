"""The clause library through its API: what loads, and every problem reported with the
file, line and key, all at once."""

from __future__ import annotations

import pytest
from helpers import TINY_LIBRARY, ROOT, tiny_library

from contractgen.base.errors import LibraryError
from contractgen.library.clauses import ClauseStatus, load_library, load_library_files


@pytest.fixture
def here(tmp_path, monkeypatch):
    """Run in tmp_path, so that files are shown as clause_library/..."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load(here, changes=None):
    return load_library(tiny_library(here / "clause_library", changes))


def problems(here, changes) -> list[str]:
    with pytest.raises(LibraryError) as caught:
        load(here, changes)
    return [str(p) for p in caught.value.problems]


def clause_file(name: str, old: str, new: str) -> dict[str, str]:
    """A change to one file of the tiny library."""
    text = TINY_LIBRARY[name]
    assert text.count(old) == 1, old
    return {name: text.replace(old, new)}


# ------------------------------------------------------------------- what loads


def test_a_programming_error_while_loading_surfaces_instead_of_becoming_a_problem_in_the_file(here, monkeypatch):
    """Only what the input can cause is reported as the council's mistake; a bug in
    the code is not dressed up as a problem at some line of their clause file."""
    import contractgen.library.clauses as clauses

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(clauses, "parse_yaml", broken)
    with pytest.raises(ZeroDivisionError):
        load(here)


def test_the_shipped_library_loads():
    library = load_library(ROOT / "clause_library")
    assert library.tiers == ["foundation", "core", "advanced"]
    assert library.clause("dspt.requirement").status is ClauseStatus.APPROVED
    assert library.clause("dspt.entry-level").status is ClauseStatus.WITHDRAWN


def test_a_library_loads_with_its_tiers_sections_and_clauses(here):
    library = load(here)
    assert library.origin == "clause_library"
    assert library.spec.name == "Tiny library"
    assert library.spec.release == "2026.1"
    assert library.tiers == ["basic", "extra"]
    assert library.section_ids == ["general", "security"]
    # library order: section order, then id
    assert [c.id for c in library.ordered()] == ["t.intro", "t.old", "t.draft", "t.duty", "t.extra-only"]
    duty = library.clause("t.duty")
    assert duty.version == "1.1.0"
    assert duty.key == "t.duty@1.1.0"
    assert duty.parameters[0].name == "notice_days" and not duty.parameters[0].required
    assert library.parameters()["notice_days"].default == 5


def test_text_variants_by_tier(here):
    library = load(here)
    duty, extra_only, intro = (library.clause(c) for c in ("t.duty", "t.extra-only", "t.intro"))
    assert duty.text_for("basic").startswith("The Provider shall give notice")
    assert duty.text_for("extra").startswith("The Provider shall:")
    assert extra_only.text_for("basic") is None  # left out of that tier
    assert intro.text_for("extra") == intro.text_for("basic")  # one text for every tier


def test_an_unknown_clause_id_suggests_the_nearest(here):
    with pytest.raises(LibraryError) as caught:
        load(here).clause("t.dutty")
    assert caught.value.message == "unknown clause id 't.dutty' (did you mean 't.duty'?)"


def test_the_digest_follows_the_content(here):
    first = load(here).digest
    assert load(here).digest == first
    changed = load(here, clause_file("clauses/t.old.yaml", "No longer used.", "No longer in use."))
    assert changed.digest != first and len(first) == 64


def test_a_library_can_be_read_from_bytes_such_as_a_git_tree():
    files = {name: text.encode() for name, text in TINY_LIBRARY.items()}
    library = load_library_files(files, origin="release-2026.1:clause_library")
    assert sorted(library.clauses) == ["t.draft", "t.duty", "t.extra-only", "t.intro", "t.old"]
    files["clauses/t.duty.yaml"] = files["clauses/t.duty.yaml"].replace(b"version: 1.1.0\nstatus", b"version: 1.2.0\nstatus")
    with pytest.raises(LibraryError) as caught:
        load_library_files(files, origin="release-2026.1:clause_library")
    assert [str(p) for p in caught.value.problems] == [
        "release-2026.1:clause_library/clauses/t.duty.yaml:3:1: version: version 1.2.0 has no changelog "
        "entry (newest entry is 1.1.0); add a changelog entry for 1.2.0"
    ]


# ------------------------------------------------------------------- bad input

DUTY = "clauses/t.duty.yaml"
INTRO = "clauses/t.intro.yaml"


@pytest.mark.parametrize(
    "changes, expected",
    [
        pytest.param(
            clause_file(DUTY, "title: The duty", "titel: The duty"),
            # one problem, not also "title: required key is missing"
            ["clause_library/clauses/t.duty.yaml:2:1: titel: unknown key 'titel' (did you mean 'title'?)"],
            id="unknown-key",
        ),
        pytest.param(
            clause_file(DUTY, "applies_to: [schedule]", "applies_to: schedule"),
            ["clause_library/clauses/t.duty.yaml:6:1: applies_to: must be a list (one `- item` per line, or [a, b]) (got 'schedule')"],
            id="wrong-type-list",
        ),
        pytest.param(
            clause_file(DUTY, "status: approved", "status: aproved"),
            ["clause_library/clauses/t.duty.yaml:4:1: status: input should be 'draft', 'approved' or 'withdrawn' (got 'aproved')"],
            id="unknown-status",
        ),
        pytest.param(
            clause_file(DUTY, "    default: 5\n", "    default: five\n"),
            ["clause_library/clauses/t.duty.yaml:8:5: parameters[0]: default must be a whole number such as 10 (got 'five')"],
            id="default-of-wrong-type",
        ),
        pytest.param(
            clause_file(DUTY, "    type: integer", "    type: number"),
            ["clause_library/clauses/t.duty.yaml:9:5: parameters[0].type: input should be 'string', 'text', 'integer', "
             "'boolean', 'date', 'email', 'url' or 'choice' (got 'number')"],
            id="unknown-parameter-type",
        ),
        pytest.param(
            clause_file(DUTY, "  - name: notice_days", "  - name: Notice-Days"),
            ["clause_library/clauses/t.duty.yaml:8:5: parameters[0].name: 'Notice-Days' is not a parameter name: use lowercase "
             "letters, digits and underscores, starting with a letter, such as evidence_working_days"],
            id="bad-parameter-name",
        ),
        pytest.param(
            clause_file(DUTY, "id: t.duty", "id: T Duty"),
            ["clause_library/clauses/t.duty.yaml:1:1: id: 'T Duty' is not a clause id: use lowercase words joined by dots "
             "and hyphens, such as dspt.annual-renewal"],
            id="bad-id",
        ),
        pytest.param(
            clause_file(DUTY, "id: t.duty", "id: t.obligation"),
            # references to t.duty are not reported again: the file's own problem is enough
            ["clause_library/clauses/t.duty.yaml:1:1: id: the file name must match the id: rename the file to "
             "t.obligation.yaml or change the id to 't.duty'"],
            id="file-name-id-mismatch",
        ),
        pytest.param(
            clause_file(DUTY, "version: 1.1.0\nstatus", "version: 1.2.0\nstatus"),
            ["clause_library/clauses/t.duty.yaml:3:1: version: version 1.2.0 has no changelog entry (newest entry is "
             "1.1.0); add a changelog entry for 1.2.0"],
            id="version-without-changelog",
        ),
        pytest.param(
            clause_file(DUTY, "version: 1.1.0\nstatus", "version: 1.0.0\nstatus"),
            ["clause_library/clauses/t.duty.yaml:3:1: version: version 1.0.0 is older than the newest changelog entry "
             "(1.1.0); set version: 1.1.0"],
            id="version-behind-changelog",
        ),
        pytest.param(
            clause_file(DUTY, "  - version: 1.1.0\n    date: 2026-02-01", "  - version: 1.0.0\n    date: 2026-02-01"),
            ["clause_library/clauses/t.duty.yaml:3:1: version: version 1.1.0 has no changelog entry (newest entry is "
             "1.0.0); add a changelog entry for 1.1.0",
             "clause_library/clauses/t.duty.yaml:24:5: changelog[1].version: version 1.0.0 is in the changelog twice; "
             "give each change its own version"],
            id="changelog-version-twice",
        ),
        pytest.param(
            clause_file(DUTY, "version: 1.1.0\nstatus", "version: 1.1\nstatus"),
            ["clause_library/clauses/t.duty.yaml:3:1: version: must be text (got 1.1); put it in quotes to keep it as text"],
            id="version-read-as-a-number",
        ),
        pytest.param(
            clause_file(DUTY, "version: 1.1.0\nstatus", "version: v1.1\nstatus"),
            ["clause_library/clauses/t.duty.yaml:3:1: version: 'v1.1' is not a version like 1.2.0 (major.minor.patch)"],
            id="not-semver",
        ),
        pytest.param(
            clause_file(DUTY, "  extra: |", "  extar: |"),
            ["clause_library/clauses/t.duty.yaml:15:3: text.extar: unknown tier 'extar' (did you mean 'extra'?); use "
             "default or one of basic, extra"],
            id="unknown-tier-variant",
        ),
        pytest.param(
            clause_file(DUTY, "section: security", "section: securty"),
            ["clause_library/clauses/t.duty.yaml:5:1: section: unknown section 'securty' (did you mean 'security'?); "
             "sections are listed in library.yaml"],
            id="unknown-section",
        ),
        pytest.param(
            clause_file(INTRO, 'ref("t.duty")', 'ref("t.dutie")'),
            ["clause_library/clauses/t.intro.yaml:7:1: text: ref('t.dutie') points to no clause (did you mean 't.duty'?)"],
            id="ref-to-missing-clause",
        ),
        pytest.param(
            clause_file(INTRO, 'ref("t.duty")', 'ref("t.old")'),
            ["clause_library/clauses/t.intro.yaml:7:1: text: ref('t.old') points to a withdrawn clause; refer to its replacement"],
            id="ref-to-withdrawn-clause",
        ),
        pytest.param(
            clause_file(INTRO, 'ref("t.duty")', 'ref("t.draft")'),
            ["clause_library/clauses/t.intro.yaml:7:1: text: ref('t.draft') points to a draft clause, which schedules "
             "leave out unless drafts are included; approve t.draft first or remove the reference"],
            id="ref-to-draft-clause",
        ),
        pytest.param(
            clause_file(INTRO, 'ref("t.duty")', 'ref("t.extra-only")'),
            ["clause_library/clauses/t.intro.yaml:7:1: text: ref('t.extra-only') is used in the basic tier, which "
             "t.extra-only is left out of (it has no text for basic); refer to it only in texts for tiers that have it"],
            id="ref-to-clause-missing-from-a-tier",
        ),
        pytest.param(
            clause_file(INTRO, "{{ council.name }}", "{{ councel.name }} and {{ nosuch }}"),
            ["clause_library/clauses/t.intro.yaml:7:1: text: uses {{ councel }} but declares no parameter 'councel' "
             "(did you mean 'council'?); add it to `parameters` or fix the name",
             "clause_library/clauses/t.intro.yaml:7:1: text: uses {{ nosuch }} but declares no parameter 'nosuch'; "
             "add it to `parameters` or fix the name"],
            id="undefined-variable",
        ),
        pytest.param(
            clause_file(INTRO, "\n  The duty is in paragraph {{ ref(\"t.duty\") }}.", "\n  The duty is in paragraph {{ ref(\"t.duty\") }."),
            ["clause_library/clauses/t.intro.yaml:10: text: template syntax error: unexpected '}'"],
            id="template-syntax-error",
        ),
        pytest.param(
            clause_file(INTRO, "{{ council.name }}", "{{ council.name|nosuchfilter }}"),
            ["clause_library/clauses/t.intro.yaml:8: text: template syntax error: No filter named 'nosuchfilter'."],
            id="unknown-filter",  # was a traceback: Jinja finds it while listing the variables
        ),
        pytest.param(
            clause_file(INTRO, "title: Introduction", 'title: "Intro\\aduction"'),
            ["clause_library/clauses/t.intro.yaml:2:1: title: contains the control character U+0007, which a Word "
             "document cannot hold; delete it (it is often pasted invisibly from another program)"],
            id="control-character",
        ),
        pytest.param(
            clause_file(INTRO, "section: general", "section: general\nsection: security"),
            ["clause_library/clauses/t.intro.yaml:6:1: section: duplicate key 'section' (first defined on line 5); "
             "remove one of them"],
            id="duplicate-key",
        ),
        pytest.param(
            clause_file(INTRO, "title: Introduction", "title: Introduction: scope"),
            ["clause_library/clauses/t.intro.yaml:2:20: YAML syntax error: mapping values are not allowed here; put "
             "text that contains ': ' in quotes, or check the indentation"],
            id="yaml-syntax-error",
        ),
        pytest.param(
            {"clauses/t.extra-only.yaml": TINY_LIBRARY["clauses/t.extra-only.yaml"].replace(
                "changelog:", "parameters:\n  - name: notice_days\n    type: text\n    description: Other.\nchangelog:")},
            ["clause_library/clauses/t.extra-only.yaml:10:5: parameters[0].name: parameter 'notice_days' is declared "
             "differently in clause_library/clauses/t.duty.yaml (integer, default 5); declare it the same way"],
            id="parameter-declared-twice-differently",
        ),
        pytest.param(
            {"clauses/t.copy.yaml": TINY_LIBRARY["clauses/t.old.yaml"]},
            ["clause_library/clauses/t.copy.yaml:1:1: id: the file name must match the id: rename the file to t.old.yaml "
             "or change the id to 't.copy'"],
            id="id-used-twice",
        ),
        pytest.param(
            {"clauses/t.list.yaml": "- one\n- two\n"},
            ["clause_library/clauses/t.list.yaml:1:1: a clause file must be a mapping of keys (id, title, ...)"],
            id="clause-file-not-a-mapping",
        ),
        pytest.param(
            clause_file("library.yaml", 'release: "2026.1"', "release: 2026.1"),
            ['clause_library/library.yaml:2:1: release: write the release in quotes, such as "2026.1", so that YAML '
             "keeps it as text"],
            id="release-not-quoted",
        ),
        pytest.param(
            clause_file("library.yaml", "    minimum_status: Standards Met", "    minimum_status: Met"),
            ["clause_library/library.yaml:8:5: tiers.basic.minimum_status: input should be 'Approaching Standards', "
             "'Standards Met' or 'Standards Exceeded' (got 'Met')"],
            id="unknown-minimum-status",
        ),
        pytest.param(
            clause_file("library.yaml", "    title: Basic", "    titel: Basic"),
            ["clause_library/library.yaml:6:5: tiers.basic.titel: unknown key 'titel' (did you mean 'title'?)"],
            id="unknown-key-in-a-tier",
        ),
        pytest.param(
            clause_file(DUTY, "    type: integer", "    typ: integer"),
            ["clause_library/clauses/t.duty.yaml:9:5: parameters[0].typ: unknown key 'typ' (did you mean 'type'?)"],
            id="unknown-key-in-a-parameter",
        ),
        pytest.param(
            clause_file("library.yaml", "  - id: security", "  - id: Security Controls"),
            ["clause_library/library.yaml:16:5: sections[1].id: 'Security Controls' is not a section id: use lowercase "
             "words joined by hyphens, such as incidents"],
            id="bad-section-id",
        ),
    ],
)
def test_each_problem_names_the_file_line_and_key(here, changes, expected):
    assert problems(here, changes) == expected


def test_a_missing_library_file_is_reported(here):
    with pytest.raises(LibraryError) as caught:
        load(here, {"library.yaml": None})
    assert str(caught.value) == (
        "clause_library/library.yaml: no library.yaml here; a clause library folder needs one (see docs/workspace.md)"
    )


def test_every_problem_in_every_file_is_reported_at_once(here):
    changes = {
        **clause_file(DUTY, "version: 1.1.0\nstatus", "version: 1.0.0\nstatus"),
        **clause_file(INTRO, "title: Introduction", "titel: Introduction"),
        **clause_file("clauses/t.old.yaml", "status: withdrawn", "status: gone"),
        **clause_file("library.yaml", "name: Tiny library", "name: Tiny library\nnmae: x"),
    }
    with pytest.raises(LibraryError) as caught:
        load(here, changes)
    assert [str(p) for p in caught.value.problems] == [
        "clause_library/clauses/t.duty.yaml:3:1: version: version 1.0.0 is older than the newest changelog entry "
        "(1.1.0); set version: 1.1.0",
        "clause_library/clauses/t.intro.yaml:2:1: titel: unknown key 'titel' (did you mean 'title'?)",
        "clause_library/clauses/t.old.yaml:4:1: status: input should be 'draft', 'approved' or 'withdrawn' (got 'gone')",
        "clause_library/library.yaml:2:1: nmae: unknown key 'nmae' (did you mean 'name'?)",
    ]
    assert caught.value.message == "4 problems in the clause library"


def test_clauses_are_still_cross_checked_when_library_yaml_is_broken(here):
    changes = {
        **clause_file("library.yaml", "name: Tiny library", "name: Tiny library\nnmae: x"),
        **clause_file(DUTY, "version: 1.1.0\nstatus", "version: 1.2.0\nstatus"),
        **clause_file(INTRO, 'ref("t.duty")', 'ref("t.dutie")'),
    }
    assert problems(here, changes) == [
        "clause_library/clauses/t.duty.yaml:3:1: version: version 1.2.0 has no changelog entry (newest entry is "
        "1.1.0); add a changelog entry for 1.2.0",
        "clause_library/clauses/t.intro.yaml:7:1: text: ref('t.dutie') points to no clause (did you mean 't.duty'?)",
        "clause_library/library.yaml:2:1: nmae: unknown key 'nmae' (did you mean 'name'?)",
    ]
