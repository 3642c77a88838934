"""`contractgen diff`: clause changes between two versions of the library, in text,
Markdown, JSON and a Word redline, checked against git repositories made under tmp_path.

Most tests share one repository (:func:`helpers_git.build_release_history`: releases
2026.1 and 2026.2 of the example library, with every kind of change between them). A
tiny library with its own tag pattern checks the text format line by line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import re
import subprocess
import sys

import pytest
from conftest import require_tool
from helpers import custom_properties, docx_parts, run_cli
from helpers_git import (
    BOLD_WORDS,
    INSERTED_PARAGRAPH,
    NEW_RELEASE,
    NS,
    OLD_RELEASE,
    REMOVED_PARAGRAPH,
    build_release_history,
    check_revision_structure,
    commit_all,
    copy_example_workspace,
    document_xml,
    edit,
    git,
    init_repo,
    module_git_env,
    pandoc_plain,
    paragraphs,
    pdf_text,
    resolve_changes,
)
from markdown_it import MarkdownIt

from contractgen.library.releases import library_at
from contractgen.library.workspace import load_workspace
from contractgen.schedule import diff_formats as diff_module
from contractgen.schedule.diff import ChangeKind, diff_library, diff_text
from contractgen.schedule.diff_formats import format_docx, format_json, format_markdown, format_text

DATE = dt.date(2026, 10, 1)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    with module_git_env(tmp_path_factory) as base:
        yield build_release_history(base / "ws")


@pytest.fixture(scope="module")
def ws(history):
    return load_workspace(history.root)


@pytest.fixture(scope="module")
def changes(ws):
    return diff_library(library_at(ws, OLD_RELEASE), library_at(ws, NEW_RELEASE))


def by_id(changes):
    return {c.id: c for c in changes.changes}


def joined(ops, *kinds):
    return "".join(op.text for op in ops if op.kind in kinds)


# ---------------------------------------------------------------- what changed


def test_every_kind_of_change_is_found(changes):
    assert {c.id: c.kind for c in changes.changes} == {
        "dspt.tier": ChangeKind.CHANGED,
        "dspt.moving-tier": ChangeKind.ADDED,
        "dspt.annual-renewal": ChangeKind.CHANGED,
        "dspt.remedial-plan": ChangeKind.CHANGED,
        "dspt.staff-training": ChangeKind.CHANGED,
        "dspt.support": ChangeKind.CHANGED,
        "dspt.verification": ChangeKind.WITHDRAWN,
        "dspt.nhs-standard-contract": ChangeKind.REMOVED,
    }
    assert changes.counts() == {"added": 1, "removed": 1, "withdrawn": 1, "changed": 5}
    assert changes.unchanged == 27
    assert (changes.old_release, changes.new_release) == ("2026.1", "2026.2")
    assert re.fullmatch(r"release 2026\.1 \([0-9a-f]{7}\)", changes.old)


def test_changes_follow_the_library_order(changes):
    # by section (requirement, tiers, maintaining, people, assurance, nhs), then id
    assert [c.id for c in changes.changes] == [
        "dspt.tier", "dspt.moving-tier", "dspt.annual-renewal", "dspt.remedial-plan",
        "dspt.staff-training", "dspt.support", "dspt.verification", "dspt.nhs-standard-contract",
    ]


def test_a_word_changed_in_one_tier_variant_is_reported_for_that_tier_only(changes):
    tier = by_id(changes)["dspt.tier"]
    assert (tier.old_version, tier.new_version) == ("1.0.0", "1.0.1")
    (text,) = tier.texts
    assert text.scope == "core"
    assert [(op.kind, op.text) for op in text.ops if op.kind != "equal"] == [
        ("delete", "having regard to"), ("insert", "taking into account"),
    ]
    assert tier.changelog == ("1.0.1 (2026-10-01): Core tier: plainer words.",)


def test_parameter_changes_keep_both_specifications(changes):
    (param,) = by_id(changes)["dspt.remedial-plan"].parameters
    assert param.name == "remedial_plan_working_days"
    assert (param.old["default"], param.new["default"]) == (20, 15)
    assert not by_id(changes)["dspt.remedial-plan"].texts  # the text itself is unchanged
    (desc,) = by_id(changes)["dspt.annual-renewal"].parameters
    assert desc.old["description"].startswith("Working Days after a publication")
    assert desc.new["description"].startswith("Working Days after each publication")


def test_added_removed_and_withdrawn_clauses(changes):
    c = by_id(changes)
    added = c["dspt.moving-tier"]
    assert (added.old_version, added.new_version, added.label) == (None, "1.0.0", "dspt.moving-tier 1.0.0")
    assert [(t.scope, t.old) for t in added.texts] == [("all tiers", None)]
    removed = c["dspt.nhs-standard-contract"]
    assert (removed.old_version, removed.new_version) == ("1.0.1", None)
    assert removed.texts[0].new is None and "NHS Standard Contract" in removed.texts[0].old
    withdrawn = c["dspt.verification"]
    assert withdrawn.label == "dspt.verification 1.0.0 → 2.0.0"
    assert [(f.name, f.old.value, f.new.value) for f in withdrawn.fields] == [("status", "approved", "withdrawn")]
    assert withdrawn.changelog == ("2.0.0 (2026-10-01): Withdrawn.",)


def test_paragraphs_removed_and_inserted_are_one_operation_each(changes):
    c = by_id(changes)
    (training,) = c["dspt.staff-training"].texts
    assert ("delete", REMOVED_PARAGRAPH + "\n\n") in [(op.kind, op.text) for op in training.ops]
    assert ("insert", "**") in [(op.kind, op.text) for op in training.ops]
    (support,) = c["dspt.support"].texts
    assert [(op.kind, op.text) for op in support.ops if op.kind != "equal"] == [("insert", INSERTED_PARAGRAPH + "\n\n")]


def test_ops_give_back_the_old_and_the_new_text(changes):
    for c in changes.changes:
        for t in c.texts:
            assert joined(t.ops, "equal", "delete") == (t.old or "")
            assert joined(t.ops, "equal", "insert") == (t.new or "")


@pytest.mark.parametrize(
    "old, new",
    [
        ("", ""),
        ("A.\n", ""),
        ("", "A.\n\nB.\n"),
        ("A.\n\nB.\n", "A.\n\nB.\n\nC.\n"),
        ("A one.\n\nB two.\n\nC three.\n", "A one.\n\nC three!\n"),
        ("A.\n\n\n  \nB.", "A.\n\nB."),
        ("1. a\n2. b\n\nEnd.", "1. a\n2. b\n3. c\n\nEnd."),
    ],
)
def test_diff_text_invariants(old, new):
    ops = diff_text(old, new)
    assert joined(ops, "equal", "delete") == old
    assert joined(ops, "equal", "insert") == new
    assert all(op.text for op in ops)
    assert all(a.kind != b.kind for a, b in zip(ops, ops[1:]))


def test_the_working_tree_equal_to_the_newest_release_has_no_changes(ws):
    result = diff_library(library_at(ws, NEW_RELEASE), library_at(ws, None))
    assert result.changes == [] and result.unchanged == 34
    assert result.new == "working tree"
    assert result.summary().endswith(": no changes; 34 unchanged")


# ---------------------------------------------------------------- text


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny library with the tag pattern v{version}: v1.0, then v1.1 changing a
    parameter default and one tier's text, adding a clause and withdrawing one."""
    duty = """\
id: t.duty
title: The duty
version: {version}
status: approved
section: general
applies_to: [schedule]
parameters:
  - name: notice_days
    type: integer
    default: {days}
    description: Working Days for notice.
text:
  default: |
    The Provider shall give notice within {{{{ notice_days }}}} Working Days.
  extra: |
    The Provider shall give {prompt}notice.

    It shall keep a log.
changelog:
  - version: 1.0.0
    date: 2026-01-01
    summary: First release.
"""
    old = """\
id: t.old
title: Old clause
version: {version}
status: {status}
section: general
applies_to: [schedule]
text: Old words.
changelog:
  - version: 1.0.0
    date: 2026-01-01
    summary: First release.
"""
    new = """\
id: t.new
title: New clause
version: 1.0.0
status: approved
section: general
applies_to: [schedule]
text: New words.
changelog:
  - version: 1.0.0
    date: 2026-02-01
    summary: First release.
"""
    library = """\
name: Tiny
release: "{release}"
release_date: 2026-0{month}-01
tiers:
  basic: {{title: Basic, description: Basic., minimum_status: Standards Met}}
  extra: {{title: Extra, description: Extra., minimum_status: Standards Exceeded}}
sections:
  - {{id: general, title: General}}
"""
    with module_git_env(tmp_path_factory) as base:
        root = init_repo(base / "tiny")
        (root / "contractgen.yaml").write_text('release_tag_pattern: "v{version}"\n', encoding="utf-8")
        for folder in ("templates", "profiles", "clause_library/clauses"):
            (root / folder).mkdir(parents=True, exist_ok=True)
            (root / folder / ".keep").write_text("", encoding="utf-8")
        clauses = root / "clause_library" / "clauses"
        (root / "clause_library" / "library.yaml").write_text(library.format(release="1.0", month=1), encoding="utf-8")
        (clauses / "t.duty.yaml").write_text(duty.format(version="1.0.0", days=5, prompt=""), encoding="utf-8")
        (clauses / "t.old.yaml").write_text(old.format(version="1.0.0", status="approved"), encoding="utf-8")
        commit_all(root, "1.0")
        git(root, "tag", "v1.0")  # tags are optional; these agree with the history
        (root / "clause_library" / "library.yaml").write_text(library.format(release="1.1", month=2), encoding="utf-8")
        (clauses / "t.duty.yaml").write_text(
            duty.format(version="1.1.0", days=10, prompt="prompt ")
            + "  - version: 1.1.0\n    date: 2026-02-01\n    summary: Prompt notice.\n",
            encoding="utf-8",
        )
        (clauses / "t.old.yaml").write_text(
            old.format(version="2.0.0", status="withdrawn") + "  - version: 2.0.0\n    date: 2026-02-01\n    summary: Withdrawn.\n",
            encoding="utf-8",
        )
        (clauses / "t.new.yaml").write_text(new, encoding="utf-8")
        commit_all(root, "1.1")
        git(root, "tag", "v1.1")
        yield root


def test_text_format_line_by_line(tiny):
    v10, v11 = git(tiny, "rev-parse", "--short=7", "v1.0"), git(tiny, "rev-parse", "--short=7", "v1.1")
    result = run_cli("-w", str(tiny), "diff", "v1.0", "v1.1")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"clause library v1.0 ({v10}) (release 1.0) → v1.1 ({v11}) (release 1.1)",
        "",
        "changed   t.duty 1.0.0 → 1.1.0  The duty",
        "    parameter notice_days default: 5 → 10",
        "    text [extra]:",
        "      The Provider shall give {+prompt +}notice.",
        "",
        "      ...",
        "    changelog 1.1.0 (2026-02-01): Prompt notice.",
        "",
        "added     t.new 1.0.0  New clause",
        "    text [all tiers]:",
        "      New words.",
        "    changelog 1.0.0 (2026-02-01): First release.",
        "",
        "withdrawn t.old 1.0.0 → 2.0.0  Old clause",
        "    status: approved → withdrawn",
        "    changelog 2.0.0 (2026-02-01): Withdrawn.",
        "",
        f"v1.0 ({v10}) → v1.1 ({v11}): 1 added, 1 withdrawn, 1 changed; 0 unchanged",
    ]
    assert result.stdout.endswith(" unchanged\n")  # the shell prompt starts on its own line
    assert result.stderr == ""


def test_default_old_is_the_latest_release_in_the_history(tiny):
    result = run_cli("-w", str(tiny), "diff")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("clause library release 1.1 (")
    assert result.stdout.splitlines()[0].endswith("→ working tree (release 1.1)")
    assert result.stdout.splitlines()[-1].endswith(": no changes; 3 unchanged")


def test_text_of_the_release_history(changes):
    text = format_text(changes)
    lines = text.splitlines()
    assert "\x1b[" not in text
    assert "    parameter remedial_plan_working_days default: 20 → 15" in lines
    assert "    parameter evidence_working_days description: Working Days after [-a-]{+each+} publication, certificate or test within which the Provider sends the Council evidence of it, or after a request within which it provides information." in lines
    assert f"      [-{REMOVED_PARAGRAPH}-]" in lines
    assert f"      {{+{INSERTED_PARAGRAPH}+}}" in lines
    assert f"      2. completes refresher data security awareness training {{+**+}}{BOLD_WORDS}{{+**+}}." in lines
    assert "      The Council has set the Provider's Tier [-having regard to-]{+taking into account+} the Provider's size, whether it is registered with the Care Quality Commission, the nature of the Services and the Provider's experience of the DSPT." in lines
    assert "    status: approved → withdrawn" in lines
    # unchanged paragraphs are left out
    assert "The Council shall:" not in text
    # every change marker is closed on the line where it opens
    for line in lines:
        assert line.count("[-") == line.count("-]") and line.count("{+") == line.count("+}"), line


def test_text_is_coloured_only_when_asked(changes):
    coloured = format_text(changes, color=True)
    assert "\x1b[31m[-having regard to-]\x1b[0m" in coloured
    assert "\x1b[32m{+taking into account+}\x1b[0m" in coloured
    assert "\x1b[1mchanged   dspt.tier 1.0.0 → 1.0.1  The Provider's Tier\x1b[0m" in coloured


@pytest.mark.slow
def test_cli_colours_a_terminal_but_not_a_pipe(history):
    command = [sys.executable, "-m", "contractgen", "-w", str(history.root), "diff", OLD_RELEASE, NEW_RELEASE]
    piped = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "\x1b[" not in piped.stdout
    main, secondary = pty.openpty()
    try:
        proc = subprocess.run(command, stdout=secondary, stderr=subprocess.PIPE, check=True, timeout=120)
        os.close(secondary)
        out = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(main)
    assert proc.returncode == 0
    assert b"\x1b[31m[-having regard to-]\x1b[0m" in out


# ---------------------------------------------------------------- markdown


def test_markdown_names_each_clause_by_id_and_version(changes):
    md = format_markdown(changes)
    assert md.startswith("## Clause library changes: release 2026.1 (")
    assert "Release 2026.1 → 2026.2: 1 added, 1 removed, 1 withdrawn, 5 changed; 27 unchanged." in md
    assert "| `dspt.remedial-plan` Shortfalls and Remedial Plans | changed | 1.1.1 → 1.2.0 |" in md
    assert "| `dspt.nhs-standard-contract` NHS-funded services | removed | 1.0.1 → — |" in md
    for heading in (
        "### `dspt.tier` 1.0.1: The Provider's Tier (changed)",
        "### `dspt.moving-tier` 1.0.0: Moving between Tiers (added)",
        "### `dspt.annual-renewal` 1.2.0: Annual renewal and evidence (changed)",
        "### `dspt.verification` 2.0.0: Information, monitoring and audit (withdrawn)",
        "### `dspt.nhs-standard-contract` 1.0.1: NHS-funded services (removed)",
    ):
        assert heading in md.splitlines()
    assert "- **parameter `remedial_plan_working_days` default**: 20 → 15" in md
    assert "The Council has set the Provider's Tier ~~having regard to~~ **taking into account** the Provider" in md
    assert f"> **{INSERTED_PARAGRAPH}**" in md.splitlines()
    assert f"> ~~{REMOVED_PARAGRAPH}~~" in md.splitlines()
    assert md.endswith("\n") and not md.endswith("\n\n")
    assert "\n\n\n" not in md


def test_markdown_keeps_the_paragraphs_of_a_removed_clause(changes):
    md = format_markdown(changes)
    section = md.split("### `dspt.nhs-standard-contract`")[1]
    quoted = [line for line in section.splitlines() if line.startswith(">")]
    assert len([q for q in quoted if q != ">"]) == 3  # three paragraphs, not one long line
    assert "{{ status\\_change\\_working\\_days }}" in section  # Markdown characters escaped


def test_markdown_renders_as_a_pull_request_description(changes):
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(format_markdown(changes))
    assert html.count("<table>") == 1 and html.count("<tr>") == 9
    assert "<s>having regard to</s> <strong>taking into account</strong>" in html
    assert html.count("<h3>") == 8
    assert "<code>dspt.annual-renewal</code> 1.2.0" in html


# ---------------------------------------------------------------- json


def test_json_has_kinds_versions_and_word_operations(changes):
    data = json.loads(format_json(changes))
    assert data["old"]["release"] == "2026.1" and data["new"]["release"] == "2026.2"
    assert data["counts"] == {"added": 1, "removed": 1, "withdrawn": 1, "changed": 5}
    assert data["unchanged"] == 27
    entries = {c["id"]: c for c in data["changes"]}
    assert {k: v["kind"] for k, v in entries.items()}["dspt.verification"] == "withdrawn"
    assert entries["dspt.verification"]["fields"] == [{"name": "status", "old": "approved", "new": "withdrawn"}]
    assert entries["dspt.remedial-plan"]["parameters"][0]["old"]["default"] == 20
    assert entries["dspt.remedial-plan"]["parameters"][0]["new"]["default"] == 15
    assert (entries["dspt.moving-tier"]["old_version"], entries["dspt.moving-tier"]["new_version"]) == (None, "1.0.0")
    (tier_text,) = entries["dspt.tier"]["texts"]
    assert tier_text["scope"] == "core"
    assert ["delete", "having regard to"] in tier_text["ops"] and ["insert", "taking into account"] in tier_text["ops"]
    for c in data["changes"]:
        for t in c["texts"]:
            assert {op[0] for op in t["ops"]} <= {"equal", "insert", "delete"}
            assert "".join(x for k, x in t["ops"] if k != "insert") == (t["old"] or "")
            assert "".join(x for k, x in t["ops"] if k != "delete") == (t["new"] or "")


def test_cli_json_parses(history):
    result = run_cli("-w", str(history.root), "diff", OLD_RELEASE, NEW_RELEASE, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["counts"]["changed"] == 5


# ---------------------------------------------------------------- docx


@pytest.fixture(scope="module")
def redline_files(changes, tmp_path_factory):
    """The diff as a Word redline, and the same document with each redline replaced by the
    plain new (or old) paragraphs: what accepting (or rejecting) every change must give.
    (A diff of NEW against NEW would have no clauses in it at all.)"""
    folder = tmp_path_factory.mktemp("diff-docx")
    files = {"redline": folder / "redline.docx", "new": folder / "new.docx", "old": folder / "old.docx"}
    files["redline"].write_bytes(format_docx(changes, author="Lead Drafter", date=DATE))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(diff_module, "redline_blocks", lambda old, new, writer, revision: writer.blocks(new))
        files["new"].write_bytes(format_docx(changes, author="Lead Drafter", date=DATE))
        mp.setattr(diff_module, "redline_blocks", lambda old, new, writer, revision: writer.blocks(old))
        files["old"].write_bytes(format_docx(changes, author="Lead Drafter", date=DATE))
    return files


def test_docx_changes_are_real_tracked_changes(redline_files):
    root = document_xml(redline_files["redline"])
    counts = check_revision_structure(root)
    assert counts["ins"] > 0 and counts["del"] > 0 and counts["ins_mark"] > 0 and counts["del_mark"] > 0
    for el in root.iter(f"{{{root.nsmap['w']}}}ins", f"{{{root.nsmap['w']}}}del"):
        assert el.get(f"{{{root.nsmap['w']}}}author") == "Lead Drafter"
        assert el.get(f"{{{root.nsmap['w']}}}date") == "2026-10-01T00:00:00Z"
    # the plain versions have none
    for name in ("new", "old"):
        assert check_revision_structure(document_xml(redline_files[name])) == {"ins": 0, "del": 0, "ins_mark": 0, "del_mark": 0}


def test_docx_accepted_and_rejected_over_the_xml(redline_files):
    root = document_xml(redline_files["redline"])
    assert paragraphs(resolve_changes(root, "accept")) == paragraphs(document_xml(redline_files["new"]))
    assert paragraphs(resolve_changes(root, "reject")) == paragraphs(document_xml(redline_files["old"]))


def test_docx_properties_and_summary(redline_files, changes):
    parts = docx_parts(redline_files["redline"])
    props = custom_properties(parts)
    assert props["contractgen.diff.old"] == changes.old and props["contractgen.diff.new"] == changes.new
    text = [t for _, t in paragraphs(document_xml(redline_files["redline"]))]
    old_sha, new_sha = changes.old.split("(")[1][:7], changes.new.split("(")[1][:7]
    assert text[:5] == [
        "Clause library changes",
        f"From: release 2026.1 of 1 April 2026 (commit {old_sha})",
        f"To: release 2026.2 of 1 October 2026 (commit {new_sha})",
        "Parameter values: the library's defaults; a comment on each value names its parameter, which each "
        "council sets in its profile. Names in square brackets, such as [council.name], are filled in from the "
        "council's profile; a cross-reference shows the title of the clause it points at.",
        "Tracked changes: by Lead Drafter, dated 1 October 2026. Accept or reject each one in Word.",
    ]
    assert text[5:8] == ["\n", "Summary", "1 added, 1 removed, 1 withdrawn, 5 changed; 27 unchanged."]
    # the summary table: clause, change, versions, the changelog entries of the change
    assert text[8:13] == ["Clause", "Change", "Old version", "New version", "Changelog"]
    assert text[13:18] == ["dspt.tier: The Provider's Tier", "changed", "1.0.0", "1.0.1", "1.0.1 (2026-10-01): Core tier: plainer words."]
    assert "dspt.remedial-plan 1.1.1 → 1.2.0: Shortfalls and Remedial Plans (changed)" in text
    assert "parameter remedial_plan_working_days default: 2015" in text  # both, as tracked
    assert not any("{{" in t or "{%" in t for t in text)
    footer = parts["word/footer1.xml"].decode() if "word/footer1.xml" in parts else ""
    assert "Clause library changes" in footer and " PAGE " in footer and " NUMPAGES " in footer


def test_docx_shows_parameter_values_with_a_comment_naming_each(redline_files):
    root = document_xml(redline_files["redline"])
    accepted = "\n".join(t for _, t in paragraphs(resolve_changes(root, "accept")))
    rejected = "\n".join(t for _, t in paragraphs(resolve_changes(root, "reject")))
    # the default of remedial_plan_working_days went from 20 to 15: the text shows the numbers
    assert "send a revised Remedial Plan within 15 Working Days." in accepted
    assert "send a revised Remedial Plan within 20 Working Days." in rejected
    assert "[New providers]" in accepted  # a cross-reference: the title of the clause it points at
    comments = docx_parts(redline_files["redline"])["word/comments.xml"].decode()
    assert "parameter remedial_plan_working_days: the library&apos;s default" in comments or \
        "parameter remedial_plan_working_days: the library's default" in comments
    assert root.findall(".//w:commentReference", NS) and len(root.findall(".//w:commentRangeStart", NS)) == comments.count("<w:comment ")


def test_docx_with_a_profile_shows_its_values(changes, ws):
    from contractgen.library.profiles import load_profile

    profile = load_profile("riverside-and-vale", ws.profiles_dir)
    root = document_xml(format_docx(changes, date=DATE, profile=profile))
    text = "\n".join(t for _, t in paragraphs(resolve_changes(root, "accept")))
    assert "Parameter values: as in the profile riverside-and-vale." in text
    assert "[council.name]" not in text


def test_docx_is_deterministic(changes):
    assert format_docx(changes, date=DATE) == format_docx(changes, date=DATE)


@pytest.mark.reader
def test_docx_read_by_pandoc_accepting_and_rejecting(redline_files):
    require_tool("pandoc")
    accepted = pandoc_plain(redline_files["redline"], "accept")
    rejected = pandoc_plain(redline_files["redline"], "reject")
    assert accepted == pandoc_plain(redline_files["new"])
    assert rejected == pandoc_plain(redline_files["old"])
    assert "taking into account" in accepted and "having regard to" not in accepted
    assert "having regard to" in rejected and "taking into account" not in rejected
    assert REMOVED_PARAGRAPH in rejected and REMOVED_PARAGRAPH not in accepted
    assert INSERTED_PARAGRAPH in accepted and INSERTED_PARAGRAPH not in rejected


@pytest.mark.reader
def test_docx_opened_and_resolved_by_libreoffice(redline_files, libreoffice, tmp_path):
    require_tool("pdftotext")
    pdf = pdf_text(libreoffice.to_pdf(redline_files["redline"], tmp_path))
    assert "Clause library changes" in pdf and "taking into account" in pdf and "having regard to" in pdf
    # the summary table and page X of Y, as LibreOffice lays them out
    assert re.search(r"Clause +Change +Old +New +Changelog\n +version +version\ndspt\.tier: The +changed +1\.0\.0 +1\.0\.1 +1\.0\.1 \(2026-10-01\): Core", pdf)
    assert "Page 1 of " in pdf and "Page 2 of " in pdf
    accepted = libreoffice.text(redline_files["redline"], "Accept")
    assert accepted == libreoffice.text(redline_files["new"])
    assert libreoffice.text(redline_files["redline"], "Reject") == libreoffice.text(redline_files["old"])
    # each clause's list is numbered from (a): the support clause's list follows the
    # staff training clause's but starts again
    lines = [line.strip() for line in accepted.splitlines()]
    assert any(line.startswith("(a)") and "explain to the Provider its Tier" in line for line in lines)
    assert any(line.startswith("(b)") and BOLD_WORDS in line for line in lines)


def test_cli_docx_needs_an_output_file(history):
    result = run_cli("-w", str(history.root), "diff", OLD_RELEASE, NEW_RELEASE, "-f", "docx")
    assert result.exit_code == 2
    assert "--format docx writes a Word file: give it with -o FILE.docx" in result.stderr


def test_cli_docx_dates_changes_with_the_new_release(history, tmp_path):
    out = tmp_path / "changes.docx"
    result = run_cli("-w", str(history.root), "diff", OLD_RELEASE, NEW_RELEASE, "-f", "docx", "-o", str(out), "--author", "A. Solicitor")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {out}: release 2026.1 (")
    root = document_xml(out)
    dates = {el.get(f"{{{root.nsmap['w']}}}date") for el in root.iter(f"{{{root.nsmap['w']}}}ins")}
    authors = {el.get(f"{{{root.nsmap['w']}}}author") for el in root.iter(f"{{{root.nsmap['w']}}}del")}
    assert dates == {"2026-10-01T00:00:00Z"} and authors == {"A. Solicitor"}
    # without --author: the person running it, as git knows them
    result = run_cli("-w", str(history.root), "diff", OLD_RELEASE, NEW_RELEASE, "-f", "docx", "-o", str(out))
    root = document_xml(out)
    assert {el.get(f"{{{root.nsmap['w']}}}author") for el in root.iter(f"{{{root.nsmap['w']}}}ins")} == {"Lead Drafter"}


def test_cli_writes_text_formats_to_a_file(history, tmp_path):
    out = tmp_path / "changes.md"
    result = run_cli("-w", str(history.root), "diff", OLD_RELEASE, NEW_RELEASE, "-f", "markdown", "-o", str(out))
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("## Clause library changes")


# ---------------------------------------------------------------- defaults and errors


@pytest.fixture
def clone(history, tmp_path, monkeypatch):
    """A clone of the release history (no tags) whose working tree we may edit."""
    from helpers_git import git_identity

    git_identity(monkeypatch, tmp_path / "home")
    subprocess.run(["git", "clone", "-q", str(history.root), str(tmp_path / "clone")], check=True)
    return tmp_path / "clone"


def test_default_compares_the_latest_release_with_the_working_tree(clone):
    edit(clone / "clause_library" / "clauses" / "dspt.support.yaml", "free support", "free and confidential support")
    result = run_cli("-w", str(clone), "diff")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"clause library release 2026\.2 \([0-9a-f]{7}\) → working tree \(release 2026\.2\)", lines[0])
    assert "changed   dspt.support 1.1.0  Support for the Provider" in lines  # no version bump
    assert any("free{+ and confidential+} support" in line for line in lines)
    assert lines[-1].endswith(": 1 changed; 33 unchanged")
    # one argument: that reference against the working tree
    result = run_cli("-w", str(clone), "diff", OLD_RELEASE)
    assert result.stdout.splitlines()[-1].endswith(": 1 added, 1 removed, 1 withdrawn, 5 changed; 27 unchanged")


def test_unknown_reference_is_named(history, monkeypatch):
    monkeypatch.chdir(history.root)
    result = run_cli("diff", "release-2099.1")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: unknown git reference 'release-2099.1' in .; the repository has no tags: give a branch name or a "
        "commit sha; or give a release: 2026.2, 2026.1\n"
    )
    result = run_cli("diff", OLD_RELEASE, "no-such-branch")
    assert result.exit_code == 1 and "unknown git reference 'no-such-branch'" in result.stderr


def test_not_a_git_repository(tmp_path, monkeypatch):
    ws = copy_example_workspace(tmp_path / "plain")
    monkeypatch.chdir(ws)
    result = run_cli("diff")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: clause_library is not inside a git work tree (fatal: not a git repository")
    assert "clone the clause library's repository (`git clone <url>`), or make this workspace one" in result.stderr


def test_the_first_commit_is_the_first_release(tmp_path, monkeypatch):
    from helpers_git import git_identity

    git_identity(monkeypatch, tmp_path / "home")
    ws = copy_example_workspace(tmp_path / "untagged")
    init_repo(ws)
    commit_all(ws, "first")
    monkeypatch.chdir(ws)
    result = run_cli("diff")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == f"release 2026.1 ({git(ws, 'rev-parse', '--short=7', 'HEAD')}) → working tree: no changes; 34 unchanged"
    result = run_cli("diff", "HEAD")
    assert result.exit_code == 0 and result.stdout.splitlines()[-1].endswith("no changes; 34 unchanged")


def _library(clause: str):
    from contractgen.library.clauses import load_library_files
    from contractgen.library.releases import LibraryVersion

    spec = (
        'name: Mini\nrelease: "1.0"\nrelease_date: 2026-01-01\n'
        "tiers:\n  basic: {title: Basic, description: B., minimum_status: Standards Met}\n"
        "sections:\n  - {id: general, title: General}\n  - {id: other, title: Other}\n"
    )
    lib = load_library_files({"library.yaml": spec.encode(), "clauses/m.one.yaml": clause.encode()}, origin="mem")
    return LibraryVersion(lib, "mem", None, None)


MINI = """\
id: m.one
title: {title}
version: {version}
status: approved
section: {section}
applies_to: [schedule]
references: {references}
parameters:
{parameters}
text: "The Provider shall act within {{{{ {param} }}}} days."
guidance: {guidance}
changelog:
  - version: 1.0.0
    date: 2026-01-01
    summary: First.
"""
GUIDANCE = "Commissioners should read this long piece of guidance carefully before they choose a value, because it explains"
OLD_PARAM = "  - {name: old_days, type: integer, default: 5, description: Days.}"
NEW_PARAM = "  - {name: new_days, type: integer, description: Days to act.}"


def test_properties_and_parameters_added_removed_and_changed():
    old = _library(MINI.format(title="One", version="1.0.0", section="general", references="[Standard A]", parameters=OLD_PARAM, param="old_days", guidance=f'"{GUIDANCE} the old rule."'))
    new = _library(MINI.format(title="The one | only", version="1.0.0", section="other", references="[Standard A, Standard B]", parameters=NEW_PARAM, param="new_days", guidance=f'"{GUIDANCE} the new rule."'))
    result = diff_library(old, new)
    (change,) = result.changes
    assert change.kind is ChangeKind.CHANGED and change.label == "m.one 1.0.0"  # no bump: still listed
    text = format_text(result).splitlines()
    assert "    title: One → The one | only" in text
    assert "    section: general → other" in text
    assert "    references: Standard A → Standard A; Standard B" in text
    assert f"    guidance: {GUIDANCE} the [-old-]{{+new+}} rule." in text
    assert "    parameter new_days: (none) → integer, required: Days to act." in text
    assert "    parameter old_days: integer, default 5: Days. → (none)" in text
    md = format_markdown(result)
    assert "- **title**: One → The one \\| only" in md
    assert "- **parameter `new_days`**: (none) → integer, required: Days to act." in md
    assert f"- **guidance**: {GUIDANCE} the ~~old~~ **new** rule." in md
    assert "| `m.one` The one \\| only | changed | 1.0.0 → 1.0.0 |" in md
    # the Word redline shows every property but the guidance, each as tracked changes
    root = document_xml(format_docx(result, date=DATE))
    accepted = [t for _, t in paragraphs(resolve_changes(root, "accept"))]
    rejected = [t for _, t in paragraphs(resolve_changes(root, "reject"))]
    assert "parameter old_days: (none)" in accepted and "parameter old_days: integer, default 5: Days." in rejected
    assert "references: Standard A; Standard B" in accepted and "references: Standard A" in rejected
    assert not any(t.startswith("guidance") for t in accepted)
    assert accepted[-1] == rejected[-1] == "End of changes."


def test_a_clause_withdrawn_with_a_text_change_shows_the_word_diff():
    clause = MINI.format(title="One", version="{v}", section="general", references="[]", parameters=OLD_PARAM, param="old_days", guidance='""')
    old = _library(clause.replace("{v}", "1.0.0"))
    new_text = clause.replace("{v}", "2.0.0").replace("status: approved", "status: withdrawn").replace("shall act", "must act")
    new = _library(new_text + "  - version: 2.0.0\n    date: 2026-02-01\n    summary: Withdrawn.\n")
    result = diff_library(old, new)
    assert result.changes[0].kind is ChangeKind.WITHDRAWN
    assert "      The Provider [-shall-]{+must+} act within {{ old_days }} days." in format_text(result).splitlines()
    assert "> The Provider ~~shall~~ **must** act within {{ old\\_days }} days." in format_markdown(result).splitlines()


def test_docx_letter_clauses_with_a_profile_show_provider_values_by_name(ws):
    """A letter clause's provider and letter values come from each letter: shown by name."""
    from contractgen.library.profiles import load_profile
    from contractgen.schedule.preview import preview_paragraphs

    library = library_at(ws, None).library
    clause = library.clause("letter.start")
    profile = load_profile("example-borough", ws.profiles_dir)
    text = "\n".join(p.text for p in preview_paragraphs(clause.text_for("core"), clause.id, library, "core", profile))
    assert "[provider.name] (ODS code [provider.ods_code])" in text
    assert profile.model.council.name in text and "{{" not in text and "{%" not in text
