"""`contractgen schedule PROFILE --compare-to REF`: a council's whole schedule as tracked
changes from the library at REF to the current one (a contract variation).

The variation is read back three ways: over its XML (:func:`helpers_git.resolve_changes`),
by pandoc (``--track-changes=accept|reject``) and by LibreOffice (Accept All / Reject
All, then its text export). Accepting every change must give exactly the schedule of the
new library; rejecting every change must give the schedule of the old one
(``schedule --at release-2026.1``), except for the document-control section.

What is ignored, and why: the variation starts with a heading saying what it varies
(untracked: it is true of the variation whichever way it is read), and in the *document
control* section a clause added or removed leaves an empty table row where its text was
inserted or deleted (Word tracks a row's text, and contractgen does not track whole rows).
The release, its date and every value of the clause table are tracked. Nothing else is
ignored.
"""

from __future__ import annotations

import datetime as dt

import pytest

from contractgen.schedule.render import render_schedule
from contractgen.word.ooxml import bookmark_name
from contractgen.library.workspace import load_workspace
from conftest import require_tool
from helpers import custom_properties, docx_parts, run_cli
from helpers_git import (
    BOLD_WORDS,
    INSERTED_PARAGRAPH,
    NEW_RELEASE,
    NS,
    OLD_RELEASE,
    REMOVED_PARAGRAPH,
    TIER_NEW_WORDS,
    W,
    build_release_history,
    check_revision_structure,
    document_xml,
    module_git_env,
    pandoc_plain,
    paragraph_text,
    paragraphs,
    pdf_text,
    resolve_changes,
)

AUTHOR = "contractgen: clause library 2026.1 to 2026.2"
VARIATION_DATE = dt.date(2026, 10, 1)  # release 2026.2 of the test history
CONTROL = "Document control"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    with module_git_env(tmp_path_factory) as base:
        yield build_release_history(base / "ws")


@pytest.fixture(scope="module")
def ws(history):
    return load_workspace(history.root)


@pytest.fixture(scope="module")
def docs(ws, tmp_path_factory):
    """For each (profile, tier): the variation, the new schedule and the old schedule."""
    folder = tmp_path_factory.mktemp("variation")
    out = {}
    for profile, tier in (("example-borough", None), ("riverside-and-vale", None), ("example-borough", "foundation")):
        key = f"{profile}-{tier or 'default'}"
        files = {name: folder / f"{key}-{name}.docx" for name in ("variation", "new", "old")}
        render_schedule(ws, profile, tier=tier, output=files["variation"], compare_to=OLD_RELEASE)
        # dated as the variation is (the release it introduces), so that accepting its changes gives this document
        render_schedule(ws, profile, tier=tier, output=files["new"], date=VARIATION_DATE)
        render_schedule(ws, profile, tier=tier, output=files["old"], at=OLD_RELEASE, date=VARIATION_DATE)
        out[key] = files
    return out


@pytest.fixture(scope="module")
def borough(docs):
    return docs["example-borough-default"]


HEADING = ("CGHeading", "Variation from clause library release 2026.1 (1 April 2026) to release 2026.2 (1 October 2026)")


def split_control(rows: list[tuple[str, str]]) -> tuple[list, list]:
    index = [text for _, text in rows].index(CONTROL)
    return rows[:index], rows[index:]


def as_read(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A resolved variation without its heading and the empty rows of the control table."""
    assert HEADING in rows
    before, control = split_control([r for r in rows if r != HEADING])
    return before + [r for r in control if r[1]]


# ---------------------------------------------------------------- the XML


def test_every_change_is_a_tracked_change_with_author_and_date(borough):
    root = document_xml(borough["variation"])
    counts = check_revision_structure(root)
    assert counts["ins"] and counts["del"] and counts["ins_mark"] and counts["del_mark"]
    for el in root.iter(f"{{{W}}}ins", f"{{{W}}}del"):
        assert el.get(f"{{{W}}}author") == AUTHOR
        # the new release's date (1 October 2026): the profile's contract date (1 April 2026) is the original
        # contract's, before the release this variation introduces (it used to be used: an intended change)
        assert el.get(f"{{{W}}}date") == "2026-10-01T00:00:00Z"
    # the plain schedules have no tracked changes
    assert check_revision_structure(document_xml(borough["new"]))["ins"] == 0


@pytest.mark.parametrize("key", ["example-borough-default", "riverside-and-vale-default", "example-borough-foundation"])
def test_accepting_gives_the_new_schedule_and_rejecting_the_old(docs, key):
    files = docs[key]
    root = document_xml(files["variation"])
    new, old = paragraphs(document_xml(files["new"])), paragraphs(document_xml(files["old"]))
    assert as_read(paragraphs(resolve_changes(root, "accept"))) == new
    assert as_read(paragraphs(resolve_changes(root, "reject"))) == old  # the document control too


def test_a_changed_cross_reference_number_is_a_deleted_and_an_inserted_field(borough):
    root = document_xml(borough["variation"])
    target = bookmark_name("dspt.new-providers")
    deleted = [d for d in root.iter(f"{{{W}}}del") if target in "".join(t.text for t in d.iter(f"{{{W}}}delInstrText"))]
    inserted = [
        i for i in root.iter(f"{{{W}}}ins")
        if target in "".join(t.text or "" for t in i.iter(f"{{{W}}}instrText"))
        and i.getparent().find("w:pPr/w:rPr/w:ins", NS) is None  # not the new clause's own
    ]
    # dspt.moving-tier was inserted before dspt.new-providers: 3.4 became 3.5 everywhere
    assert deleted and len(inserted) == len(deleted)
    assert {d.findtext(".//w:delText", namespaces=NS) for d in deleted} == {"3.4"}
    assert {i.findtext(".//w:t", namespaces=NS) for i in inserted} == {"3.5"}


def test_the_kinds_of_change_appear_as_expected(borough):
    root = document_xml(borough["variation"])
    marks = {"ins": [], "del": []}
    for p in root.iter(f"{{{W}}}p"):
        for kind in marks:
            if p.find(f"w:pPr/w:rPr/w:{kind}", NS) is not None:
                marks[kind].append(paragraph_text(p))
    # a paragraph removed and one inserted are whole paragraphs, marks included
    assert REMOVED_PARAGRAPH in marks["del"]
    assert INSERTED_PARAGRAPH in marks["ins"]
    # the added clause, with its bookmark; the withdrawn and the removed clause, and the
    # NHS section heading that went with the removed clause
    assert any(t.startswith("Moving between Tiers. ") for t in marks["ins"])
    assert "NHS-funded services" in marks["del"]
    assert any(t.startswith("Information, monitoring and audit. ") for t in marks["del"])
    assert any(t.startswith("NHS-funded services. ") for t in marks["del"])
    # words made bold: deleted plain, inserted bold
    bold = [i for i in root.iter(f"{{{W}}}ins") if i.findtext(".//w:t", namespaces=NS) == BOLD_WORDS]
    assert len(bold) == 1 and bold[0].find("w:r/w:rPr/w:b", NS) is not None
    plain = [d for d in root.iter(f"{{{W}}}del") if d.findtext(".//w:delText", namespaces=NS) == BOLD_WORDS]
    assert len(plain) == 1 and plain[0].find("w:r/w:rPr/w:b", NS) is None
    # a changed parameter default: 20 -> 15 Working Days, twice in the remedial plan clause
    assert [d.findtext(".//w:delText", namespaces=NS) for d in root.iter(f"{{{W}}}del")].count("20") == 2
    # the tier text changed for the core tier
    assert any(TIER_NEW_WORDS.split(" the Provider's size")[0] in paragraph_text(p) for p in root.iter(f"{{{W}}}p"))


def test_the_core_tier_wording_is_not_a_change_for_an_advanced_tier_council(docs):
    root = document_xml(docs["riverside-and-vale-default"]["variation"])
    changed = {t.text for el in root.iter(f"{{{W}}}ins") for t in el.iter(f"{{{W}}}t")}
    assert "taking into account" not in " ".join(changed)
    assert check_revision_structure(root)["ins"] > 0  # it has the other changes


def test_a_variation_to_the_same_library_has_no_changes(ws, tmp_path):
    out = tmp_path / "same.docx"
    render_schedule(ws, "example-borough", output=out, compare_to=NEW_RELEASE)
    assert check_revision_structure(document_xml(out)) == {"ins": 0, "del": 0, "ins_mark": 0, "del_mark": 0}


def test_variation_properties_describe_the_new_library(borough):
    props = custom_properties(docx_parts(borough["variation"]))
    assert props["contractgen.library.release"] == "2026.2"
    assert props["clause:dspt.moving-tier"] == "1.0.0"
    assert "clause:dspt.verification" not in props


def test_variation_properties_record_the_old_library(borough):
    props = custom_properties(docx_parts(borough["variation"]))
    assert props["contractgen.variation.from_release"] == "2026.1"
    assert props["contractgen.variation.from"] == "2026.1:clause_library"  # the release and where it was read
    assert props["contractgen.library.release"] == "2026.2"  # the library the variation moves to
    assert props["contractgen.profile"] == "example-borough"
    assert props["contractgen.tier"] == "core"
    assert sorted(name for name, value in props.items() if "2026.1" in value) == [
        "contractgen.variation.from", "contractgen.variation.from_release",
    ]


# ---------------------------------------------------------------- independent readers


@pytest.mark.reader
def test_pandoc_reads_the_variation_accepted_and_rejected(borough):
    require_tool("pandoc")
    accepted = pandoc_plain(borough["variation"], "accept")
    rejected = pandoc_plain(borough["variation"], "reject")
    old, new = pandoc_plain(borough["old"]), pandoc_plain(borough["new"])
    for text in (accepted, rejected):
        assert text.count(HEADING[1] + "\n\n") == 1
    accepted, rejected = (t.replace(HEADING[1] + "\n\n", "") for t in (accepted, rejected))
    assert accepted.split(CONTROL)[0] == new.split(CONTROL)[0]
    assert rejected.split(CONTROL)[0] == old.split(CONTROL)[0]
    assert "release 2026.2 of 1 October 2026" in accepted.split(CONTROL)[1]
    assert "release 2026.1 of 1 April 2026" in rejected.split(CONTROL)[1]
    assert REMOVED_PARAGRAPH in rejected and REMOVED_PARAGRAPH not in accepted


@pytest.mark.reader
def test_libreoffice_opens_accepts_and_rejects_the_variation(borough, libreoffice, tmp_path):
    require_tool("pdftotext")
    pdf = pdf_text(libreoffice.to_pdf(borough["variation"], tmp_path))
    assert "Moving between Tiers" in pdf and "NHS-funded services" in pdf
    accepted = libreoffice.text(borough["variation"], "Accept").replace(HEADING[1] + "\n", "")
    rejected = libreoffice.text(borough["variation"], "Reject").replace(HEADING[1] + "\n", "")
    old, new = libreoffice.text(borough["old"]), libreoffice.text(borough["new"])
    assert accepted.split(CONTROL)[0] == new.split(CONTROL)[0]
    assert rejected.split(CONTROL)[0] == old.split(CONTROL)[0]
    assert "release 2026.2 of 1 October 2026" in accepted.split(CONTROL)[1]
    assert "release 2026.1 of 1 April 2026" in rejected.split(CONTROL)[1]
    # LibreOffice's text has Word's numbers: the clause after the inserted one is 3.5
    assert any(line.strip().startswith("3.5 New providers.") for line in accepted.splitlines())
    assert any(line.strip().startswith("3.4 New providers.") for line in rejected.splitlines())


# ---------------------------------------------------------------- command line


def test_cli_writes_a_variation(history, monkeypatch):
    monkeypatch.chdir(history.root)
    result = run_cli("schedule", "example-borough", "--compare-to", OLD_RELEASE)
    assert result.exit_code == 0, result.output
    out = history.root / "out" / "example-borough-variation-core.docx"
    assert result.stdout == "wrote out/example-borough-variation-core.docx (example-borough, core tier, 17 clauses, library release 2026.2)\n"
    assert check_revision_structure(document_xml(out))["ins"] > 0


def test_cli_variation_from_an_unknown_reference(history, monkeypatch, tmp_path):
    monkeypatch.chdir(history.root)
    result = run_cli("schedule", "example-borough", "--compare-to", "release-1999.1", "-o", str(tmp_path / "v.docx"))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: unknown git reference 'release-1999.1'")
    assert not (tmp_path / "v.docx").exists()


def test_variation_between_two_past_releases(ws, tmp_path):
    """--at and --compare-to together: release 2026.1 to the commit before 2026.2."""
    out = tmp_path / "v.docx"
    result = render_schedule(ws, "example-borough", output=out, at="HEAD~1", compare_to=OLD_RELEASE)
    assert result.release == "2026.1"  # that commit's library.yaml was not bumped yet
    root = document_xml(out)
    assert paragraphs(root)[17] == ("CGHeading", "Variation from clause library release 2026.1 (1 April 2026) to a draft with unreleased changes since release 2026.1")
    assert "Draft: includes unreleased changes since release 2026.1" in [t for _, t in paragraphs(root)]
    assert check_revision_structure(root)["ins"] > 0
    assert any(t.startswith("Moving between Tiers. ") for _, t in paragraphs(resolve_changes(root, "accept")))
    assert not any(t.startswith("Moving between Tiers. ") for _, t in paragraphs(resolve_changes(root, "reject")))


def test_a_variation_is_not_dated_before_the_release_it_introduces(ws, tmp_path):
    out = tmp_path / "v.docx"
    render_schedule(ws, "example-borough", output=out, compare_to=OLD_RELEASE)
    assert custom_properties(docx_parts(out))  # written
    assert "1 October 2026" in paragraph_text(document_xml(out)) and "1 April 2026" in paragraph_text(document_xml(out))
    early = run_cli("--workspace", str(ws.root), "schedule", "example-borough", "--compare-to", OLD_RELEASE,
                    "--date", "2026-09-30", "-o", str(tmp_path / "early.docx"))
    assert early.exit_code == 2
    assert early.stderr.splitlines() == [
        "error: --date 2026-09-30 is before release 2026.2 (1 October 2026), which the variation introduces; date it "
        "on or after 2026-10-01"
    ]
    assert not (tmp_path / "early.docx").exists()


def test_variation_dates_follow_the_document_date(ws, tmp_path):
    out = tmp_path / "v.docx"
    render_schedule(ws, "example-borough", output=out, compare_to=OLD_RELEASE, date=dt.date(2026, 11, 2))
    dates = {el.get(f"{{{W}}}date") for el in document_xml(out).iter(f"{{{W}}}ins")}
    assert dates == {"2026-11-02T00:00:00Z"}
