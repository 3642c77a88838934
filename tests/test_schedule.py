"""Rendering schedules through the library API: golden text for every council and tier,
reproducibility, provenance, real Word structure, names as typed, and clean refusals."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import docx
import pytest
from helpers import (
    NS,
    append,
    check_golden,
    core_properties,
    custom_properties,
    docx_parts,
    docx_text,
    edit,
    files_under,
    line_of,
    render_docx,
    without_version,
    xml,
)
from jinja2.sandbox import SecurityError
from lxml import etree

from contractgen import __version__
from contractgen.library.profiles import select_clauses
from contractgen.schedule.assembly import assemble_schedule
from contractgen.word.blocks import Style
from contractgen.base.errors import ContractgenError, ProfileError, TemplateError, UsageError
from contractgen.library.clauses import load_library
from contractgen.word.package import package_bytes
from contractgen.library.profiles import load_profile
from contractgen.schedule.render import build_schedule_parts, prepare, render_schedule
from contractgen.word.ooxml import bookmark_name
from contractgen.library.workspace import load_workspace

PROFILES = ("example-borough", "riverside-and-vale")
TIERS = ("foundation", "core", "advanced")
W = "{%s}" % NS["w"]


@pytest.fixture
def ws(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(workspace_dir)
    return workspace_dir


def workspace_of(root: Path):
    return load_workspace(root)


def built(root: Path, profile: str = "example-borough", **options):
    """(parts, assembly, library, profile) of a schedule rendered in memory."""
    workspace = workspace_of(root)
    library, prof = prepare(workspace, profile, include_drafts=options.get("include_drafts", False))
    parts, assembly = build_schedule_parts(workspace, library, prof, **options)
    return parts, assembly, library, prof


def body_paragraphs(parts):
    return xml(parts, "word/document.xml").iter(f"{W}p")


def style_of(p) -> str | None:
    el = p.find(f"{W}pPr/{W}pStyle")
    return el.get(f"{W}val") if el is not None else None


# ------------------------------------------------------------------- golden text


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("profile", PROFILES)
def test_golden_text(ws, profile, tier):
    """The text a reader sees, numbers included, for each council in each tier.

    Regenerate after an intended change with ``UPDATE_GOLDEN=1 python -m pytest
    tests/test_schedule.py -k golden`` and review the diff of tests/golden/.
    """
    text = docx_text(render_docx(workspace_of(ws), profile, tier=tier))
    check_golden(f"{profile}-{tier}.txt", without_version(text))


def test_golden_files_are_the_six_expected():
    golden = sorted(p.name for p in (Path(__file__).parent / "golden").glob("*.txt"))
    assert golden == sorted(f"{p}-{t}.txt" for p in PROFILES for t in TIERS)


# ------------------------------------------------------------------- the API


def test_render_schedule_writes_the_document(ws):
    result = render_schedule(workspace_of(ws), "example-borough")
    assert result.path == ws / "out" / "example-borough-schedule-core.docx"
    assert (result.profile, result.tier, result.release) == ("example-borough", "core", "2026.6")
    assert result.size == result.path.stat().st_size
    assert result.clauses == len(custom_clause_versions(docx_parts(result.path)))
    document = docx.Document(str(result.path))  # python-docx opens it
    assert any("Example Borough Council" in p.text for p in document.paragraphs)


def test_render_schedule_for_another_tier_and_path(ws):
    result = render_schedule(workspace_of(ws), "riverside-and-vale", tier="foundation", output=ws / "elsewhere" / "s.docx")
    assert result.path.is_file() and result.tier == "foundation"
    assert "Foundation Tier requirements" in docx_text(result.path)


def test_each_tier_has_its_own_requirements(ws):
    texts = {tier: docx_text(render_docx(workspace_of(ws), "example-borough", tier=tier)) for tier in TIERS}
    assert "The Provider is in the Foundation Tier." in texts["foundation"]
    assert "The Provider is in the Core Tier." in texts["core"]
    assert "The Provider is in the Advanced Tier." in texts["advanced"]
    assert "Advanced Tier requirements." not in texts["core"]
    assert "| DSPT status required | Standards Exceeded" in texts["advanced"]


def test_drafts_appear_only_when_asked_for(ws):
    append(ws / "profiles/example-borough.yaml", "clauses:\n  include: [dspt.secure-email]\n")
    with pytest.raises(ProfileError):
        built(ws)
    parts, assembly, *_ = built(ws, include_drafts=True)
    assert "dspt.secure-email" in [pc.clause.id for pc in assembly.placed]
    assert custom_properties(parts)["clause:dspt.secure-email"] == "0.1.0"


def test_withdrawn_clauses_never_appear(ws):
    _, assembly, *_ = built(ws, include_drafts=True)
    assert "dspt.entry-level" not in [pc.clause.id for pc in assembly.placed]


def test_an_excluded_clause_is_left_out_and_numbering_closes_up(ws):
    _, before, *_ = built(ws)
    training_paragraphs = sum(1 for p in before.paragraphs if p.clause_id == "dspt.staff-training" and p.style is Style.CLAUSE)
    append(ws / "profiles/example-borough.yaml", "clauses:\n  exclude: [dspt.staff-training]\n")
    _, after, *_ = built(ws)
    assert [pc.clause.id for pc in after.placed] == [pc.clause.id for pc in before.placed if pc.clause.id != "dspt.staff-training"]
    number = {pc.clause.id: pc.number for pc in before.placed}["dspt.suppliers"]
    section, clause = number.split(".")
    assert {pc.clause.id: pc.number for pc in after.placed}["dspt.suppliers"] == f"{section}.{int(clause) - training_paragraphs}"


# ------------------------------------------------------------------- reproducible


def test_two_renders_are_byte_identical(ws):
    workspace = workspace_of(ws)
    assert render_docx(workspace, "riverside-and-vale") == render_docx(workspace, "riverside-and-vale")


def test_written_files_are_byte_identical(ws):
    workspace = workspace_of(ws)
    first = render_schedule(workspace, "example-borough", output=ws / "a.docx").path.read_bytes()
    second = render_schedule(workspace, "example-borough", output=ws / "b.docx").path.read_bytes()
    assert first == second


def test_the_folder_the_command_runs_in_does_not_change_the_bytes(ws, tmp_path, monkeypatch):
    monkeypatch.chdir(ws)
    inside = render_schedule(workspace_of(ws), "example-borough", output=tmp_path / "a.docx").path.read_bytes()
    monkeypatch.chdir(tmp_path)
    outside = render_schedule(workspace_of(ws), "example-borough", output=tmp_path / "b.docx").path.read_bytes()
    assert inside == outside
    assert custom_properties(docx_parts(inside))["contractgen.library.source"] == "clause_library"


def test_another_date_changes_only_the_dates(ws):
    workspace = workspace_of(ws)
    d1, d2 = dt.date(2026, 5, 20), dt.date(2027, 9, 15)  # neither is the release date
    one = docx_parts(render_docx(workspace, "example-borough", date=d1))
    two = docx_parts(render_docx(workspace, "example-borough", date=d2))
    assert sorted(one) == sorted(two)
    changed = sorted(name for name in one if one[name] != two[name])
    assert changed == ["docProps/core.xml", "word/document.xml"]

    def neutral(data: bytes, d: dt.date) -> bytes:
        return data.replace(f"{d.day} {d:%B %Y}".encode(), b"DATE").replace(d.isoformat().encode(), b"DATE")

    for name in changed:
        assert neutral(one[name], d1) == neutral(two[name], d2), name
    assert "| Date | 15 September 2027 |" in docx_text(render_docx(workspace, "example-borough", date=d2))


def test_the_default_date_is_the_profiles_then_the_librarys(ws):
    text = docx_text(render_docx(workspace_of(ws), "riverside-and-vale"))
    assert "| Date | 15 June 2026 |" in text  # contract.date in the profile
    edit(ws / "profiles/riverside-and-vale.yaml", "  date: 2026-06-15\n", "")
    text = docx_text(render_docx(workspace_of(ws), "riverside-and-vale"))
    assert "| Date | 6 December 2026 |" in text  # the library's release date, never the clock


# ------------------------------------------------------------------- provenance


def custom_clause_versions(parts) -> dict[str, str]:
    return {k[len("clause:"):]: v for k, v in custom_properties(parts).items() if k.startswith("clause:")}


def test_properties_record_version_release_profile_and_clauses(ws):
    parts, assembly, library, profile = built(ws, tier="advanced")
    custom = custom_properties(parts)
    assert custom["contractgen.version"] == __version__
    assert custom["contractgen.library.release"] == "2026.6"
    assert custom["contractgen.library"] == library.spec.name
    assert custom["contractgen.profile"] == "example-borough"
    assert custom["contractgen.profile.sha256"] == profile.digest
    assert re.fullmatch(r"[0-9a-f]{64}", profile.digest)
    assert custom["contractgen.tier"] == "advanced"
    assert custom_clause_versions(parts) == {pc.clause.id: pc.clause.version for pc in assembly.placed}
    assert custom_clause_versions(parts)["dspt.definitions"] == library.clause("dspt.definitions").version

    core = core_properties(parts)
    assert core["title"] == "Schedule 12: Data Security and Protection"  # as the document's own title says
    assert core["subject"] == (
        "Adult Social Care (Care and Support at Home) Framework Agreement (EBC/ASC/2026/014): "
        "DSPT requirements, Advanced tier"
    )
    assert core["creator"] == "Example Borough Council"
    assert core["description"] == (
        f"Generated by contractgen {__version__} from clause library release 2026.6 and profile example-borough"
    )
    assert core["created"] == core["modified"] == "2026-04-01T00:00:00Z"


def test_the_schedule_is_titled_by_the_profiles_schedule_title(ws):
    """A council whose contract calls the schedule something else says so in its
    profile: the heading, every page's footer and the document's title follow it (and
    the letters cite it: test_letters.py)."""
    edit(ws / "profiles" / "example-borough.yaml", "  schedule_number: 12\n",
         "  schedule_number: 12\n  schedule_title: Information Governance & Cyber Security\n")
    parts, _assembly, _library, _profile = built(ws, tier="core")
    assert core_properties(parts)["title"] == "Schedule 12: Information Governance & Cyber Security"
    heading = next(p for p in body_paragraphs(parts) if "".join(p.itertext()).startswith("Schedule"))
    assert "".join(heading.itertext()) == "Schedule 12: Information Governance & Cyber Security"
    footer = "".join(xml(parts, "word/footer1.xml").itertext())
    assert footer.startswith("Schedule 12: Information Governance & Cyber Security")
    assert "Data Security and Protection" not in footer


def test_a_blank_schedule_title_is_refused_with_its_line(ws):
    edit(ws / "profiles" / "example-borough.yaml", "  schedule_number: 12\n", "  schedule_number: 12\n  schedule_title: '  '\n")
    with pytest.raises(ProfileError) as caught:
        built(ws)
    assert [str(p) for p in caught.value.problems] == [
        "profiles/example-borough.yaml:16:3: contract.schedule_title: give the schedule's title as its heading names it, "
        "such as Data Security and Protection (at most 120 characters)"
    ]


def test_the_profile_fingerprint_changes_with_the_profile(ws):
    first = custom_properties(built(ws)[0])["contractgen.profile.sha256"]
    edit(ws / "profiles/example-borough.yaml", "  short_name: EBC", "  short_name: EB")
    assert custom_properties(built(ws)[0])["contractgen.profile.sha256"] != first


# ------------------------------------------------------------------- Word structure


def test_paragraphs_carry_the_clause_styles(ws):
    parts, assembly, library, _ = built(ws)
    styles = [style_of(p) for p in body_paragraphs(parts)]
    sections_used = sorted({pc.clause.section for pc in assembly.placed}, key=library.section_ids.index)
    assert styles.count("CGSection") == len(sections_used)
    assert styles.count("CGClause") >= len(assembly.placed)
    assert "CGItem" in styles and "CGBullet" in styles
    # no hand-typed numbers: the numbers come from Word's numbering
    texts = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in body_paragraphs(parts) if style_of(p) == "CGClause"]
    assert not any(re.match(r"\s*\d+\.\d+\s", t) for t in texts)


def test_numbering_is_one_multilevel_list_linked_to_the_styles(ws):
    parts, *_ = built(ws)
    numbering, styles = xml(parts, "word/numbering.xml"), xml(parts, "word/styles.xml")
    (abstract,) = [a for a in numbering.iter(f"{W}abstractNum") if a.find(f"{W}name") is not None and a.find(f"{W}name").get(f"{W}val") == "CG Clauses"]
    assert abstract.find(f"{W}multiLevelType").get(f"{W}val") == "multilevel"
    levels = {
        int(lvl.get(f"{W}ilvl")): (lvl.find(f"{W}lvlText").get(f"{W}val"), lvl.find(f"{W}numFmt").get(f"{W}val"), lvl.find(f"{W}pStyle").get(f"{W}val"))
        for lvl in abstract.iter(f"{W}lvl")
    }
    assert levels == {
        0: ("%1.", "decimal", "CGSection"),
        1: ("%1.%2", "decimal", "CGClause"),
        2: ("(%3)", "lowerLetter", "CGItem"),
        3: ("(%4)", "lowerRoman", "CGSubItem"),
    }
    abstract_id = abstract.get(f"{W}abstractNumId")
    nums = {n.get(f"{W}numId"): n.find(f"{W}abstractNumId").get(f"{W}val") for n in numbering.iter(f"{W}num")}
    for ilvl, style_id in enumerate(("CGSection", "CGClause", "CGItem", "CGSubItem")):
        (style,) = [s for s in styles.iter(f"{W}style") if s.get(f"{W}styleId") == style_id]
        num_pr = style.find(f"{W}pPr/{W}numPr")
        assert nums[num_pr.find(f"{W}numId").get(f"{W}val")] == abstract_id, style_id
        assert int(num_pr.find(f"{W}ilvl").get(f"{W}val")) == ilvl, style_id
    rels = parts["word/_rels/document.xml.rels"].decode()
    assert 'Target="numbering.xml"' in rels


def word_numbers(parts) -> dict[str, str]:
    """The number Word shows for each bookmarked paragraph, worked out from the styles in
    document order as numbering.xml defines them (%1. and %1.%2)."""
    section = clause = 0
    numbers = {}
    for p in body_paragraphs(parts):
        style = style_of(p)
        if style == "CGSection":
            section, clause = section + 1, 0
        elif style == "CGClause":
            clause += 1
        for mark in p.iter(f"{W}bookmarkStart"):
            numbers[mark.get(f"{W}name")] = f"{section}.{clause}"
    return numbers


def ref_fields(parts) -> list[tuple[str, str]]:
    """(bookmark, cached result) of every REF field in the body."""
    found = []
    for p in body_paragraphs(parts):
        runs = list(p.iter(f"{W}r"))
        for i, r in enumerate(runs):
            instr = r.find(f"{W}instrText")
            if instr is not None and instr.text.strip().startswith("REF "):
                name = instr.text.split()[1]
                assert runs[i + 1].find(f"{W}fldChar").get(f"{W}fldCharType") == "separate"
                result = runs[i + 2].findtext(f"{W}t")
                assert runs[i + 3].find(f"{W}fldChar").get(f"{W}fldCharType") == "end"
                assert runs[i - 1].find(f"{W}fldChar").get(f"{W}fldCharType") == "begin"
                found.append((name, result))
    return found


@pytest.mark.parametrize("tier", TIERS)
def test_cross_references_are_ref_fields_with_the_right_number(ws, tier):
    parts, assembly, *_ = built(ws, tier=tier)
    numbers = word_numbers(parts)
    refs = ref_fields(parts)
    assert len(refs) >= 10
    for name, cached in refs:
        assert name in numbers, f"REF to a missing bookmark {name}"
        assert cached == numbers[name], name
    # every clause is bookmarked where it starts, under a stable name, and each anchored
    # paragraph where it is (issue 19: the Breach Log paragraph, 6.9; the paragraph on failing
    # to send or carry out a Remedial Plan, 4.10, which the overdue and progress letters cite)
    anchors = {bookmark_name("dspt.incident-reporting#breach-log"): "6.9", bookmark_name("dspt.remedial-plan#breach"): "4.10"}
    if tier == "advanced":  # the certificate letter cites them: a status falling to Standards Met, notice of a lapsed certificate
        anchors |= {bookmark_name("dspt.advanced-tier#status-falls"): "3.2", bookmark_name("dspt.cyber-essentials#lapse-notice"): "5.3"}
    assert {**{bookmark_name(pc.clause.id): pc.number for pc in assembly.placed}, **anchors} == numbers


def test_bookmarks_are_legal_word_names(ws):
    parts, *_ = built(ws)
    names = [b.get(f"{W}name") for b in xml(parts, "word/document.xml").iter(f"{W}bookmarkStart")]
    assert names and all(re.fullmatch(r"_[A-Za-z0-9_]{1,39}", n) for n in names)
    ids = [b.get(f"{W}id") for b in xml(parts, "word/document.xml").iter(f"{W}bookmarkStart")]
    assert len(set(ids)) == len(ids)


def part_text(parts, name: str) -> str:
    return "".join(t.text or "" for t in xml(parts, name).iter(f"{W}t"))


def test_header_and_footer(ws):
    parts, *_ = built(ws, "riverside-and-vale")
    headers = [n for n in parts if re.fullmatch(r"word/header\d*\.xml", n)]
    footers = [n for n in parts if re.fullmatch(r"word/footer\d*\.xml", n)]
    assert any("Riverside & Vale City Council" in part_text(parts, h) and "RVCC/CH/2026-27/003" in part_text(parts, h) for h in headers)
    instructions = [i.text.strip() for f in footers for i in xml(parts, f).iter(f"{W}instrText")]
    assert "PAGE" in instructions and "NUMPAGES" in instructions


def test_document_control_lists_every_clause_and_version(ws):
    parts, assembly, *_ = built(ws, tier="advanced")
    lines = docx_text(package_bytes(parts)).splitlines()
    start = lines.index("| Clause | Title | Clause id | Version |")
    rows = [line.strip("| ").split(" | ") for line in lines[start + 1 :] if line.startswith("|")]
    assert [(r[0], r[2], r[3]) for r in rows] == [(pc.number, pc.clause.id, pc.clause.version) for pc in assembly.placed]


# ------------------------------------------------------------------- names as typed

NAME = 'Tŵr & "Quay" <North> O\'Brien — مجلس 🏛️ *Council*'
TITLE = "Care & Support <Home> 'Frame' \"work\" – Zoë – عقد – 🤝"
OFFER = "50% < 100% & \"free\" — دعم 👍 [not a link](x)"


def yaml_quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_names_come_out_exactly_as_typed(ws):
    profile = ws / "profiles/example-borough.yaml"
    edit(profile, "  name: Example Borough Council", f"  name: {yaml_quoted(NAME)}")
    edit(profile, "  title: Adult Social Care (Care and Support at Home) Framework Agreement", f"  title: {yaml_quoted(TITLE)}")
    # a clause with a text parameter, so that a parameter value goes through clause Markdown too
    clause = ws / "clause_library/clauses/dspt.support.yaml"
    edit(clause, "parameters: []", "parameters:\n  - name: local_offer\n    type: string\n    default: none\n    description: What the Council offers.")
    edit(clause, "text: |\n", "text: |\n  The Council also offers: {{ local_offer }}.\n\n")
    append(profile, f"parameters:\n  local_offer: {yaml_quoted(OFFER)}\n")

    data = render_docx(workspace_of(ws), "example-borough")
    parts = docx_parts(data)
    for name, part in parts.items():
        if name.endswith((".xml", ".rels")):
            etree.fromstring(part)  # well-formed
    document = docx.Document(io.BytesIO(data))
    assert document.core_properties.author == NAME
    assert document.core_properties.subject.startswith(TITLE)
    text = docx_text(data)
    assert f"[header] {NAME}\tEBC/ASC/2026/014" in text
    assert f"Between {NAME} (the Council) and the Provider named in the Contract." in text
    assert f'"Council" means {NAME};' in text
    assert f'"Contract" means the contract known as {TITLE} (reference EBC/ASC/2026/014)' in text
    assert f"The Council also offers: {OFFER}." in text
    assert f"## {TITLE}" in text


def test_the_shipped_ampersand_name_prints_as_typed(ws):
    text = docx_text(render_docx(workspace_of(ws), "riverside-and-vale"))
    assert "Riverside & Vale City Council" in text and "&amp;" not in text


# ------------------------------------------------------------------- refusals


def refused(root: Path, profile: str = "example-borough", **options) -> ContractgenError:
    """Render to a file; it must fail and leave nothing behind."""
    before = files_under(root)
    with pytest.raises(ContractgenError) as caught:
        render_schedule(workspace_of(root), profile, output=root / "out" / "refused.docx", **options)
    assert files_under(root) == before, "a refused render wrote a file"
    return caught.value


def lines(error: ContractgenError) -> list[str]:
    return error.report_lines()


def test_an_unknown_tier_is_a_usage_error(ws):
    error = refused(ws, tier="gold")
    assert isinstance(error, UsageError) and error.exit_code == 2
    assert lines(error) == ["error: unknown tier 'gold'; tiers: foundation, core, advanced"]


def test_an_undefined_variable_in_clause_text_is_refused_before_rendering(ws):
    edit(ws / "clause_library/clauses/dspt.support.yaml", "text: |\n", "text: |\n  Call {{ lso_phone }}.\n\n")
    line = line_of(ws / "clause_library/clauses/dspt.support.yaml", "text: |")
    assert lines(refused(ws)) == [
        f"clause_library/clauses/dspt.support.yaml:{line}:1: text: uses {{{{ lso_phone }}}} but declares no "
        "parameter 'lso_phone'; add it to `parameters` or fix the name",
        "error: 1 problem in the clause library",
    ]


def test_an_undefined_attribute_in_clause_text_is_refused_when_rendering(ws):
    edit(ws / "clause_library/clauses/dspt.support.yaml", "text: |\n", "text: |\n  Call {{ contacts.lso.fax }}.\n\n")
    line = line_of(ws / "clause_library/clauses/dspt.support.yaml", "text: |")
    assert lines(refused(ws)) == [
        f"clause_library/clauses/dspt.support.yaml:{line}:1: text: cannot render clause text: there is no value "
        "named 'fax'; check the {{ }} tags",
        "error: clause dspt.support: there is no value named 'fax'",
    ]


def write_template(path: Path, extra: str, *, header: bool = False) -> None:
    """Add a paragraph (or header text) to a copy of the shipped template with python-docx."""
    document = docx.Document(str(path))
    if header:
        document.sections[0].header.paragraphs[0].add_run(extra)
    else:
        document.add_paragraph(extra)
    document.save(str(path))


def test_an_undefined_variable_in_the_word_template(ws):
    write_template(ws / "templates/schedule.docx", "Signed for {{ nosuch }}.")
    message = (
        "the template uses 'nosuch', which is not a template variable; fix the tag in Word "
        "(docs/branding.md 'Template variables' lists them)"
    )
    assert lines(refused(ws)) == [
        f'templates/schedule.docx: body, paragraph "Signed for {{{{ nosuch }}}}.": {message}',
        f"error: {message}",
    ]


def test_an_undefined_attribute_in_a_template_header(ws):
    write_template(ws / "templates/schedule.docx", " {{ council.mayor }}", header=True)
    error = refused(ws)
    assert len(error.problems) == 1
    assert str(error.problems[0]).startswith('templates/schedule.docx: header 1, paragraph "{{ council.name }}')
    assert "there is no value named 'mayor'" in str(error.problems[0])


@pytest.mark.parametrize(
    "expression, unsafe",
    [
        ("''.__class__.__mro__", "access to attribute '__class__' of 'str' object is unsafe"),
        ("council.name.__class__.__mro__[1].__subclasses__()", "access to attribute '__class__' of 'str' object is unsafe"),
        ("'{0.__class__}'.format(council)", "access to attribute '__class__' of 'dict' object is unsafe"),
        ("council.update({'name': 'X'})", "access to attribute 'update' of 'dict' object is unsafe"),
        ("ref.__globals__", "access to attribute '__globals__' of 'function' object is unsafe"),
    ],
)
def test_clause_text_cannot_escape_the_sandbox(ws, expression, unsafe):
    edit(ws / "clause_library/clauses/dspt.support.yaml", "text: |\n", f"text: |\n  Bad {{{{ {expression} }}}} here.\n\n")
    error = refused(ws)
    assert isinstance(error, TemplateError)
    assert isinstance(error.__cause__, SecurityError)
    assert lines(error)[-1] == f"error: clause dspt.support: {unsafe}"


@pytest.mark.parametrize(
    "expression, why",
    [
        ("range(10**9)|list|length", "the number 1000000000 is too large for a template (the limit is 100000)"),
        ("'x' * 10**9", "the repeated text or list would be too long for a template"),
        ("1 / 0", "cannot work out 1 / 0: division by zero"),
        ("council.name|long_date", "long_date needs a date, not 'Example Borough Council'"),
    ],
)
def test_clause_text_that_fails_is_reported_not_raised(ws, expression, why):
    edit(ws / "clause_library/clauses/dspt.support.yaml", "text: |\n", f"text: |\n  Bad {{{{ {expression} }}}} here.\n\n")
    assert lines(refused(ws))[-1] == f"error: clause dspt.support: {why}"


def test_a_word_template_cannot_escape_the_sandbox(ws):
    write_template(ws / "templates/schedule.docx", "{{ ''.__class__.__mro__ }}")
    error = refused(ws)
    assert isinstance(error.__cause__, SecurityError)
    assert "access to attribute '__class__' of 'str' object is unsafe" in lines(error)[0]


def test_a_template_that_is_not_a_docx(ws):
    (ws / "templates/schedule.docx").write_text("not a Word file")
    assert lines(refused(ws)) == [
        "templates/schedule.docx: not a Word .docx file (it is not a zip package); save it from Word as .docx"
    ]


def test_a_missing_template_file(ws):
    (ws / "templates/schedule.docx").unlink()
    line = line_of(ws / "profiles/regions/north-west.yaml", "  schedule: schedule.docx")
    message = "template 'schedule.docx' not found in templates; fix templates.schedule or add the file"
    assert lines(refused(ws)) == [f"profiles/regions/north-west.yaml:{line}:3: templates.schedule: {message}"]


def test_a_template_named_in_the_profile_that_does_not_exist(ws):
    append(ws / "profiles/riverside-and-vale.yaml", "templates:\n  schedule: riverside.docx\n")
    line = line_of(ws / "profiles/riverside-and-vale.yaml", "  schedule: riverside.docx")
    message = "template 'riverside.docx' not found in templates; fix templates.schedule or add the file"
    assert lines(refused(ws, "riverside-and-vale")) == [f"profiles/riverside-and-vale.yaml:{line}:3: templates.schedule: {message}"]


def test_a_reference_to_an_excluded_clause_is_refused_at_the_exclusion(ws):
    append(ws / "profiles/example-borough.yaml", "clauses:\n  exclude: [dspt.core-tier]\n")
    line = line_of(ws / "profiles/example-borough.yaml", "  exclude: [dspt.core-tier]")
    assert lines(refused(ws)) == [
        f"profiles/example-borough.yaml:{line}:13: clauses.exclude[0]: cannot leave out dspt.core-tier: dspt.tier "
        "(core tier) refers to it; stop excluding dspt.core-tier, or exclude dspt.tier as well",
        "error: 1 problem in profile example-borough",
    ]


def assemble_without(root: Path, missing: str, tier: str = "core"):
    """Assemble with ``missing`` left out of the clause list (what assembly alone sees)."""
    library = load_library(root / "clause_library")
    profile = load_profile("example-borough", root / "profiles")
    clauses = [c for c in select_clauses(library, profile, tier) if c.id != missing]
    return assemble_schedule(library, profile, tier, clauses)


def test_assembly_refuses_a_reference_to_a_clause_not_in_the_schedule(ws):
    with pytest.raises(TemplateError) as caught:
        assemble_without(ws, "dspt.remedial-plan")
    assert caught.value.message.startswith("clause dspt.definitions refers to dspt.remedial-plan, which is not in this schedule")


def test_assembly_locates_a_broken_reference_in_the_tiers_text(ws):
    with pytest.raises(TemplateError) as caught:
        assemble_without(ws, "dspt.core-tier")
    (problem,) = caught.value.problems
    assert problem.key == "text.core"
    assert problem.location.line == line_of(ws / "clause_library/clauses/dspt.tier.yaml", "  core: |")


def test_a_control_character_in_a_profile_is_refused_naming_the_field(ws):
    edit(ws / "profiles/example-borough.yaml", "  short_name: EBC", '  short_name: "E\\aBC"')
    line = line_of(ws / "profiles/example-borough.yaml", "  short_name:")
    assert lines(refused(ws))[0] == (
        f"profiles/example-borough.yaml:{line}:3: council.short_name: contains the control character U+0007, which a "
        "Word document cannot hold; delete it (it is often pasted invisibly from another program)"
    )


UNSAFE = "access to attribute '__class__' of 'str' object is unsafe"


def test_clause_sandbox_messages_read_cleanly(ws):
    edit(ws / "clause_library/clauses/dspt.support.yaml", "text: |\n", "text: |\n  {{ ''.__class__ }}\n\n")
    error = refused(ws)
    line = line_of(ws / "clause_library/clauses/dspt.support.yaml", "text: |")
    assert lines(error) == [
        f"clause_library/clauses/dspt.support.yaml:{line}:1: text: cannot render clause text: {UNSAFE}; check the {{{{ }}}} tags",
        f"error: clause dspt.support: {UNSAFE}",
    ]
    assert ".;" not in str(error)


def test_template_sandbox_messages_read_cleanly(ws):
    write_template(ws / "templates/schedule.docx", "{{ ''.__class__ }}")
    error = refused(ws)
    message = f"the template cannot be rendered: {UNSAFE}; fix the tag in Word (docs/branding.md 'Template variables')"
    assert lines(error) == [f'templates/schedule.docx: body, paragraph "{{{{ \'\'.__class__ }}}}": {message}', f"error: {message}"]
    assert ".;" not in str(error)


def test_a_value_with_docxtpl_escapes_prints_as_typed(ws):
    edit(ws / "profiles/example-borough.yaml", "  name: Example Borough Council", '  name: "Council {_{ x }_}"')
    assert "[header] Council {_{ x }_}\t" in docx_text(render_docx(workspace_of(ws), "example-borough"))


def test_long_lists_are_labelled_as_word_labels_them():
    """After (z) Word writes (aa), (bb): the cached labels (and REF results) must agree."""
    from contractgen.schedule.assembly import number_paragraphs
    from contractgen.word.blocks import Paragraph, Style

    paragraphs = [Paragraph(Style.SECTION), Paragraph(Style.CLAUSE)] + [Paragraph(Style.ITEM) for _ in range(28)]
    labels = [p.number for p in number_paragraphs(paragraphs)]
    assert labels[:3] == ["1.", "1.1", "(a)"]
    assert labels[-3:] == ["(z)", "(aa)", "(bb)"]
