"""Business continuity plan audit: the question set, the form, scoring returned forms."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import zipfile
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import ROOT as REPO_ROOT
from helpers import check_golden, custom_properties, docx_parts, docx_text, files_under, line_of, run_cli, without_version
from helpers_audit import answers, edit_document, edit_part, fill_form, provider_details, read_parts
from lxml import etree

from contractgen.audit.form import control_bookmark, control_tag, write_audit_forms
from contractgen.audit.score import latest_audit_scores, score_audit_forms
from contractgen.base.errors import ContractgenError
from contractgen.commands.validate import validate_workspace
from contractgen.library.auditquestions import load_audit
from contractgen.library.clauses import load_library

DATE = dt.date(2026, 12, 1)
SCORED = dt.date(2027, 1, 11)  # after the forms were completed (provider_details: 10 December 2026)
# issue 19: a form is scored on or after its completion date, so every test scores on SCORED
REGISTER = "examples/example-borough-providers.csv"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
#: The example register: a blank form comes back without an address, so scoring needs it.
EXAMPLE_REGISTER = REPO_ROOT / "examples" / "example-borough-providers.csv"


def audit_of(workspace):
    return load_audit(workspace.library_dir, "bcp", load_library(workspace.library_dir))


def blank_form(workspace, tmp_path: Path, tier: str = "core", name: str = "blank.docx") -> Path:
    out = tmp_path / name
    write_audit_forms(workspace, "example-borough", tier=tier, output=out, date=DATE, force=True)  # a scratch file, written again by each helper call
    return out


def returned(workspace, tmp_path: Path, name: str = "returned.docx", tier: str = "core", default: str = "Yes", **by_id: str) -> Path:
    qs = audit_of(workspace).at(tier=tier)
    data = fill_form(blank_form(workspace, tmp_path, tier), {**answers(qs, default, **by_id), **provider_details(qs)})
    path = tmp_path / name
    path.write_bytes(data)
    return path


def score_one(workspace, path: Path, tmp_path: Path):
    result = score_audit_forms(workspace, [path], tmp_path / "scored", date=SCORED, force=True, providers_file=EXAMPLE_REGISTER)
    assert not result.failed, result.error_lines()
    return result.scored[0][0]


# ------------------------------------------------------------------ the question set


def test_question_set_tiers_and_sections(workspace) -> None:
    audit = audit_of(workspace)
    assert audit.versions == ["1.0.0", "1.1.0"]  # issue 19: 1.1.0 says which answers agree
    counts = {t: len(audit.at(tier=t).questions) for t in ("foundation", "core", "advanced")}
    assert counts == {"foundation": 16, "core": 22, "advanced": 23}
    titles = [s.title for s in audit.at(tier="core").sections]
    assert titles == [
        "Roles and contacts", "Critical services and people who need care first", "Loss of IT and records",
        "Cyber attack and data breach", "Loss of staff", "Premises and utilities", "Suppliers", "Communication",
        "Testing and review",
    ]
    for q in audit.at().questions:
        assert q.clause or q.dspt_item, q.id
    assert any("Exercise in a Box" in s for s in audit.spec.sources)


def test_validate_reports_located_problems_in_the_question_set(workspace_dir: Path, workspace) -> None:
    path = workspace_dir / "clause_library" / "audits" / "bcp.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in (
        ("tiers: [core, advanced]\n        clause: dspt.business-continuity\n  - id: priorities", "tiers: [core, advnced]\n        clause: dspt.business-continuity\n  - id: priorities"),
        ("clause: dspt.suppliers\n      - id: suppliers.contracts", "clause: dspt.supplier\n      - id: suppliers.contracts"),
        ("      - id: roles.activation\n", "      - id: roles.owner\n"),
        ("        weight: 1\n", "        wieght: 1\n"),
    ):
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    report = validate_workspace(workspace)
    shown = [str(p) for p in report.problems]
    rel = "clause_library/audits/bcp.yaml"
    assert shown == [f"{path}:{line_of(path, 'wieght: 1')}:9: sections[3].questions[2].wieght: unknown key 'wieght' (did you mean 'weight'?)"]
    # the model failed: fix the typo and the cross-checks run
    path.write_text(text.replace("wieght: 1", "weight: 1"), encoding="utf-8")
    shown = [str(p).split(rel, 1)[-1] for p in validate_workspace(workspace).problems]
    assert shown == [
        # (roles.owner is 13 lines long since issue 19 gave it not_applicable and an earlier: entry)
        f":{line_of(path, 'id: roles.owner') + 13}:9: sections[0].questions[1].id: question id 'roles.owner' is also used at line {line_of(path, 'id: roles.owner')}; give each question its own id",
        f":{line_of(path, 'tiers: [core, advnced]')}:23: sections[0].questions[2].tiers[1]: unknown tier 'advnced' (did you mean 'advanced'?); tiers: foundation, core, advanced",
        f":{line_of(path, 'clause: dspt.supplier')}:9: sections[6].questions[0].clause: clause 'dspt.supplier' is not in the clause library (did you mean 'dspt.suppliers'?)",
    ]


def test_validate_passes_on_the_shipped_question_set(workspace) -> None:
    assert validate_workspace(workspace).problems == []


def test_a_programming_error_in_a_question_set_surfaces_instead_of_becoming_a_problem_in_the_file(workspace, monkeypatch) -> None:
    import contractgen.library.auditquestions as auditquestions

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(auditquestions, "_cross_check", broken)
    with pytest.raises(ZeroDivisionError):
        auditquestions.check_audits(workspace.library_dir, load_library(workspace.library_dir))


# ------------------------------------------------------------------ the form


def test_blank_form_golden_text_and_controls(workspace, tmp_path: Path) -> None:
    path = blank_form(workspace, tmp_path)
    check_golden("audit/bcp-form-core.txt", without_version(docx_text(path)))
    parts = docx_parts(path)
    root = etree.fromstring(parts["word/document.xml"])
    qs = audit_of(workspace).at(tier="core")
    drops = root.xpath(".//w:sdt[w:sdtPr/w:dropDownList]", namespaces=NS)
    assert len(drops) == len(qs.questions) == 22
    items = [i.get(f"{{{W}}}value") for i in drops[0].findall(".//w:listItem", NS)]
    assert items == ["Yes", "Partly", "No", "Not applicable"]
    dates = root.xpath(".//w:sdt[w:sdtPr/w:date]", namespaces=NS)
    assert len(dates) == 1 + sum(1 for q in qs.questions if q.date)
    tags = [t.get(f"{{{W}}}val") for t in root.findall(".//w:sdtPr/w:tag", NS)]
    assert "cg:bcp:1.1.0:roles.owner:answer" in tags and len(tags) == len(set(tags))
    bookmarks = {b.get(f"{{{W}}}name") for b in root.iter(f"{{{W}}}bookmarkStart")}
    assert {control_bookmark(t) for t in tags} <= bookmarks
    props = custom_properties(parts)
    assert props["contractgen.audit"] == "bcp"
    assert props["contractgen.audit.version"] == "1.1.0"
    assert props["contractgen.profile"] == "example-borough"
    assert props["contractgen.tier"] == "core"
    assert props["contractgen.council"] == "Example Borough Council"


def _clean(text: str) -> None:
    """No dangling separator or empty brackets where a value is missing."""
    for line in text.splitlines():
        assert "()" not in line and not line.endswith(("/", ": ")), line
        assert ":  " not in line and ": \t" not in line and "/\t" not in line, line
        assert not (line.endswith("|  |") and line != "| Your organisation |  |"), line


def test_blank_form_names_no_provider_in_header_footer_or_reference(workspace, tmp_path: Path) -> None:
    text = docx_text(blank_form(workspace, tmp_path))
    assert "[footer] Example Borough Council\tPage 1 of 1\n" in text
    assert "\nOur reference: EBC/ASC/2026/014\n" in text
    assert "| ODS code |" not in text  # asked for in the form itself
    _clean(text)


def test_form_is_reproducible(workspace, tmp_path: Path) -> None:
    a = blank_form(workspace, tmp_path, name="a.docx").read_bytes()
    b = blank_form(workspace, tmp_path, name="b.docx").read_bytes()
    assert a == b


def test_form_for_one_provider_fills_in_its_details(workspace, tmp_path: Path) -> None:
    out = tmp_path / "form.docx"
    result = write_audit_forms(workspace, "example-borough", provider_code="vn3b8", providers_file=workspace.root / REGISTER, output=out, date=DATE)
    assert result.tiers == {"core": 1}
    text = docx_text(out)
    assert "Organisation name: Dar Al-Salam Care (دار السلام للرعاية)" in text
    assert "ODS code: VN3B8" in text
    assert "[footer] Example Borough Council: Dar Al-Salam Care (دار السلام للرعاية) (VN3B8)\tPage 1 of 1\n" in text
    assert "\nOur reference: EBC/ASC/2026/014/VN3B8\n" in text and "| ODS code | VN3B8 |" in text
    _clean(text)
    props = custom_properties(docx_parts(out))
    assert props["contractgen.provider.ods_code"] == "VN3B8"


def test_cli_form_for_all(workspace_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_dir)
    result = run_cli("audit", "form", "example-borough", "--for-all", "--providers", REGISTER, "-o", "forms", "--date", "2026-12-01")
    assert result.exit_code == 0, result.output
    assert result.stdout == "wrote 10 audit forms to forms (question set bcp 1.1.0; 7 core, 1 foundation, 2 advanced)\n"
    assert "VN3B8-dar-al-salam-care.docx" in files_under(workspace_dir / "forms")
    result = run_cli("audit", "form", "example-borough", "--provider", "ZZZZ", "--providers", REGISTER)
    assert result.exit_code == 2
    assert result.stderr == f"error: --provider ZZZZ: no provider with that ODS code in {REGISTER}\n"
    result = run_cli("audit", "form", "example-borough", "--for-all")
    assert result.exit_code == 2
    assert result.stderr == "error: --provider and --for-all read the provider register: give it with --providers FILE\n"


def _bytes_under(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in files_under(folder)}


def _refused(result, message: str, folder: Path, before: dict[str, bytes]) -> None:
    """The command wrote nothing and said why, on stderr, with exit code 1."""
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"error: {message}\n")
    assert _bytes_under(folder) == before


def test_cli_form_for_all_refuses_to_overwrite_without_force(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_dir)
    args = ("audit", "form", "example-borough", "--for-all", "--providers", REGISTER, "-o", "forms")
    assert run_cli(*args, "--date", "2026-12-01").exit_code == 0
    before = _bytes_under(workspace_dir / "forms")
    _refused(run_cli(*args, "--date", "2027-01-04"),
             "10 files already exist in forms (first: VM1A2-maple-lodge-care-home.docx); "
             "use --force to overwrite them, or choose another folder with -o", workspace_dir / "forms", before)
    forced = run_cli(*args, "--date", "2026-12-01", "--force")
    assert forced.exit_code == 0, forced.output
    assert _bytes_under(workspace_dir / "forms") == before  # same inputs, same bytes
    assert run_cli(*args, "--date", "2027-01-04", "--force").exit_code == 0
    assert _bytes_under(workspace_dir / "forms") != before
    form = workspace_dir / "forms" / "VM1A2-maple-lodge-care-home.docx"
    text = docx_text(form)  # the date given, printed; the return-by date counted from it
    assert "\n4 January 2027\nOur reference:" in text and "| Please respond by | 1 February 2027 |" in text
    assert b"<dcterms:created xsi:type=\"dcterms:W3CDTF\">2027-01-04T00:00:00Z</dcterms:created>" in docx_parts(form)["docProps/core.xml"]


def test_cli_one_form_refuses_to_overwrite_without_force(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_dir)
    first = run_cli("audit", "form", "example-borough", "--date", "2026-12-01")
    assert first.stdout == "wrote 1 audit form to out/example-borough-bcp-form-core.docx (question set bcp 1.1.0; 1 core)\n"
    out = _bytes_under(workspace_dir / "out")
    _refused(run_cli("audit", "form", "example-borough", "--date", "2027-01-04"),
             "out/example-borough-bcp-form-core.docx already exists; use --force to overwrite it, "
             "or choose another file with -o", workspace_dir / "out", out)
    before = out["example-borough-bcp-form-core.docx"]
    assert run_cli("audit", "form", "example-borough", "-o", "blank.docx", "--date", "2026-12-01").exit_code == 0
    _refused(run_cli("audit", "form", "example-borough", "-o", "blank.docx", "--date", "2027-01-04"),
             "blank.docx already exists; use --force to overwrite it, or choose another file with -o",
             workspace_dir / "out", out)
    assert (workspace_dir / "blank.docx").read_bytes() == before
    forced = run_cli("audit", "form", "example-borough", "-o", "blank.docx", "--date", "2026-12-01", "--force")
    assert forced.exit_code == 0, forced.output
    assert (workspace_dir / "blank.docx").read_bytes() == before


# ------------------------------------------------------------------ scoring


def expected_percent(qs, chosen: dict[str, str]) -> int | None:
    value = {"Yes": Fraction(1), "Partly": Fraction(1, 2), "No": Fraction(0)}
    earned = sum((value[a] * q.weight for q in qs.questions for qid, a in chosen.items() if q.id == qid and a in value), Fraction(0))
    possible = sum(q.weight for q in qs.questions if chosen[q.id] in value)
    return None if possible == 0 else int(Fraction(100) * earned / possible + Fraction(1, 2))


@pytest.mark.slow
def test_every_answer_combination_of_one_section(workspace, tmp_path: Path) -> None:
    qs = audit_of(workspace).at(tier="core")
    section = qs.sections[0]
    form = blank_form(workspace, tmp_path)
    choices = ("Yes", "Partly", "No", "Not applicable")
    files = []
    combos = list(itertools.product(choices, repeat=len(section.questions)))
    assert len(combos) == 64
    for n, combo in enumerate(combos):
        values = {**answers(qs), **provider_details(qs, code=f"T{n:03d}")}
        for q, a in zip(section.questions, combo):
            values[control_tag(qs.id, qs.version, q.id, "answer")] = a
        path = tmp_path / f"combo-{n:02d}.docx"
        path.write_bytes(fill_form(form, values))
        files.append((path, combo))
    register = tmp_path / "register.csv"  # the 64 providers the forms are for
    register.write_text("name,ods_code,contact_name,email,address,cqc_registered,tier\n" + "".join(
        f"Sunrise Home Support,T{n:03d},,,\"1 Dawn Parade, Exampleton\",yes,core\n" for n in range(64)), encoding="utf-8")
    result = score_audit_forms(workspace, [p for p, _ in files], tmp_path / "out", date=SCORED, providers_file=register)
    # issue 19: roles.owner (the section's first question) is critical, so Not applicable is refused
    assert section.questions[0].id == "roles.owner" and section.questions[0].critical
    assert [p for p, _ in result.failed] == [p for p, c in files if c[0] == "Not applicable"]
    files = [(p, c) for p, c in files if c[0] != "Not applicable"]
    for (score, _), (_, combo) in zip(result.scored, files):
        chosen = {q.id: "Yes" for q in qs.questions} | {q.id: a for q, a in zip(section.questions, combo)}
        section_chosen = {q.id: a for q, a in zip(section.questions, combo)}
        assert score.sections[0].percent == expected_percent(type(qs)(qs.id, qs.title, qs.version, qs.tier, (section,)), section_chosen), combo
        assert score.overall == expected_percent(qs, chosen), combo
        gaps = {a.question.id for a in score.critical_gaps}
        assert gaps == {q.id for q, a in zip(section.questions, combo) if q.critical and a in ("No", "Partly")}
        assert all(s.percent == 100 for s in score.sections[1:])


def test_not_applicable_is_left_out_of_the_denominator(workspace, tmp_path: Path) -> None:
    # issue 19: roles.owner is critical and cannot be Not applicable (it was here before)
    path = returned(workspace, tmp_path, roles_owner="Yes", roles_activation="Not applicable",
                    roles_team="Not applicable", cyber_scenario="No", cyber_accounts="Not applicable")
    score = score_one(workspace, path, tmp_path)
    assert score.sections[0].percent == 100  # owner (3) Yes, the others Not applicable -> 3 / 3
    # cyber: scenario (3) No, breach-reporting (2) Yes, accounts N/A -> 2 / 5
    assert score.sections[3].percent == 40
    assert score.possible == sum(q.weight for q in score.question_set.questions) - 2 - 2 - 1
    assert [a.question.id for a in score.critical_gaps] == ["cyber.scenario"]


def test_score_outputs_csv_and_feedback_letter(workspace, tmp_path: Path) -> None:
    path = returned(workspace, tmp_path, it_records_backups="Partly", premises_power="No")
    result = score_audit_forms(workspace, [path], tmp_path / "out", date=SCORED, providers_file=EXAMPLE_REGISTER)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "audit-scores.csv").read_bytes().decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["ods_code"] == "AS9R" and row["version"] == "1.1.0" and row["tier"] == "core"
    assert row["critical_gaps"] == "it-records.backups"
    assert row["completed_on"] == "2026-12-10" and row["scored_on"] == "2027-01-11"
    assert row["section:premises"] == "33"  # unavailable 1 Yes, power 2 No -> 1/3
    letter_name = result.scored[0][1]
    assert row["letter"] == letter_name == "AS9R-sunrise-home-support-bcp-feedback.docx"
    text = docx_text(tmp_path / "out" / letter_name)
    check_golden("audit/bcp-feedback.txt", without_version(text))
    props = custom_properties(docx_parts(tmp_path / "out" / letter_name))
    assert (props["clause:letter.audit-feedback"], props["clause:letter.support"]) == ("1.0.0", "1.0.0")
    first = (tmp_path / "out" / letter_name).read_bytes()
    score_audit_forms(workspace, [path], tmp_path / "again", date=SCORED, providers_file=EXAMPLE_REGISTER)
    assert (tmp_path / "again" / letter_name).read_bytes() == first
    assert (tmp_path / "again" / "audit-scores.csv").read_bytes() == (tmp_path / "out" / "audit-scores.csv").read_bytes()


def test_feedback_without_critical_gaps_asks_for_no_reply(workspace, tmp_path: Path) -> None:
    path = returned(workspace, tmp_path, premises_power="No")  # not a critical question
    result = score_audit_forms(workspace, [path], tmp_path / "out", date=SCORED, providers_file=EXAMPLE_REGISTER)
    assert result.scored[0][0].critical_gaps == []
    text = docx_text(tmp_path / "out" / result.scored[0][1])
    check_golden("audit/bcp-feedback-no-gaps.txt", without_version(text))
    assert "Please respond by" not in text and "8 February 2027" not in text
    assert "There are no critical gaps: every critical question was answered Yes or Not applicable." in text
    assert "| Your tier | Core: Standards Met or better |\n\n" in text
    _clean(text)


def test_feedback_with_a_critical_gap_asks_for_a_plan_by_the_date_it_shows(workspace, tmp_path: Path) -> None:
    path = returned(workspace, tmp_path, it_records_backups="No")
    result = score_audit_forms(workspace, [path], tmp_path / "out", date=SCORED, providers_file=EXAMPLE_REGISTER)
    text = docx_text(tmp_path / "out" / result.scored[0][1])
    assert "| Please respond by | 8 February 2027 |" in text
    assert "Please send us your plan for closing these gaps by 8 February 2027:" in text
    _clean(text)


def test_audit_documents_carry_no_dspt_box_or_heading(workspace, tmp_path: Path) -> None:
    """The form and the feedback letter are about business continuity, not the DSPT: no
    "DSPT status on record: not part of this audit" row, no DSPT page header or subject (they
    had the DSPT letter's: an intended change); a DSPT letter keeps all three."""
    path = returned(workspace, tmp_path)
    result = score_audit_forms(workspace, [path], tmp_path / "out", date=SCORED, providers_file=EXAMPLE_REGISTER)
    for text in (docx_text(blank_form(workspace, tmp_path, "core", "fresh.docx")), docx_text(tmp_path / "out" / result.scored[0][1])):
        assert "DSPT status on record" not in text and "not part of this audit" not in text
        assert "Data Security and Protection Toolkit" not in text
        assert "[header] Example Borough Council\tBusiness continuity plan audit" in text
    from contractgen.letters.generate import generate_letters

    letters = generate_letters(workspace, "example-borough", workspace.root / REGISTER, no_dspt=True, output=tmp_path / "letters",
                               only=["VM1A2"], as_of=dt.date(2026, 11, 26), workers=1)
    text = docx_text(tmp_path / "letters" / letters.written[0].file)
    assert "[header] Example Borough Council\tData Security and Protection Toolkit" in text
    assert "| DSPT status on record |" in text and "Data Security and Protection Toolkit: " in text


def test_a_form_for_a_provider_not_in_the_register_is_refused(workspace, tmp_path: Path) -> None:
    """With the register, a form whose ODS code is not in it is not scored (its letter would
    have no address, and the overview would count a provider it does not know); the others
    are, each letter addressed from the register."""
    qs = audit_of(workspace).at(tier="core")
    known = returned(workspace, tmp_path, "known.docx")  # AS9R Sunrise Home Support
    unknown = tmp_path / "unknown.docx"
    unknown.write_bytes(fill_form(blank_form(workspace, tmp_path, "core"),
                                  {**answers(qs), **provider_details(qs, name="Nowhere Care", code="VN9Z9")}))
    register = workspace.root / REGISTER
    result = score_audit_forms(workspace, [known, unknown], tmp_path / "out", date=SCORED, providers_file=register)
    assert [str(p) for _, problems in result.failed for p in problems] == [
        f"{unknown}: provider.ods_code: the form is for ODS code VN9Z9, which is not in the register {register}; check "
        "the code the provider wrote on the form, or add the provider to the register, then score the form again"
    ]
    (score, name), = result.scored
    assert score.provider["ods_code"] == "AS9R"
    text = docx_text(tmp_path / "out" / name)
    assert "Suite 5, 1 Dawn Parade" in text  # the register's address
    cli = run_cli("--workspace", str(workspace.root), "audit", "score", str(unknown), "-o", str(tmp_path / "cli"),
                  "--providers", str(register), "--date", "2027-01-11")
    assert cli.exit_code == 1
    assert "provider.ods_code: the form is for ODS code VN9Z9, which is not in the register" in cli.stderr


def test_a_blank_form_is_not_scored_without_the_register(workspace, tmp_path: Path) -> None:
    """A blank form names no address (the provider wrote only its name and code): without
    the register its feedback letter could not be addressed, so it is refused (it used to be
    scored and its letter had no address: an intended change)."""
    path = returned(workspace, tmp_path)
    result = score_audit_forms(workspace, [path], tmp_path / "out", date=SCORED)
    assert result.error_lines() == [
        f"{path}: provider.ods_code: the form does not say where Sunrise Home Support (AS9R) is (it was a blank form): its "
        "feedback letter could not be addressed; give the provider register with --providers",
        "error: 1 form not scored (problems above); nothing was written",
    ]
    assert files_under(tmp_path / "out") == []


def test_feedback_keeps_headings_with_their_content_and_contacts_whole(workspace, tmp_path: Path) -> None:
    """As the guidance letters do: the "Critical gaps" heading (and each heading, and the line
    that introduces a list) is kept with what follows it, never alone at the foot of a page;
    emails and phone numbers never break across lines (no-break spaces, Word's no-break hyphen)."""
    path = returned(workspace, tmp_path, it_records_backups="No")
    result = score_audit_forms(workspace, [path], tmp_path / "out", date=SCORED, providers_file=EXAMPLE_REGISTER)
    body = docx_parts(tmp_path / "out" / result.scored[0][1])["word/document.xml"].decode("utf-8")
    root = etree.fromstring(body.encode("utf-8"))
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

    def kept(text: str) -> bool:
        (p,) = [p for p in root.iter(f"{w}p") if "".join(t.text or "" for t in p.iter(f"{w}t")).strip() == text]
        return p.find(f"{w}pPr/{w}keepNext") is not None

    assert kept("Critical gaps") and kept("Score by section") and kept("What to improve")
    assert kept("Please send us your plan for closing these gaps by 8 February 2027:")
    # dspt-support@northshire-care.example.org and 0161 496 0000 (the Local Support Organisation)
    joined = body.replace('<w:t xml:space="preserve">', "<w:t>").replace("</w:t><w:noBreakHyphen/><w:t>", "<w:noBreakHyphen/>")
    assert "dspt<w:noBreakHyphen/>support@northshire<w:noBreakHyphen/>care.example.org" in joined
    assert "0161\u00a0496\u00a00000" in body and "0161 496 0000" not in body


def test_feedback_wording_comes_from_the_clause_library(workspace_dir: Path, workspace, tmp_path: Path) -> None:
    path = returned(workspace, tmp_path, premises_power="No")
    clause = workspace_dir / "clause_library" / "clauses" / "letter.audit-feedback.yaml"
    text = clause.read_text(encoding="utf-8")
    text = text.replace("Thank you for returning the business continuity plan audit form",
                        "Many thanks for sending back your business continuity plan audit form")
    text = text.replace("version: 1.0.0\n", "version: 1.0.1\n", 1)
    text += "  - version: 1.0.1\n    date: 2027-01-01\n    summary: Warmer thanks.\n"
    clause.write_text(text, encoding="utf-8")
    from contractgen.library.workspace import load_workspace

    result = score_audit_forms(load_workspace(workspace_dir), [path], tmp_path / "out", date=SCORED, providers_file=EXAMPLE_REGISTER)
    letter = tmp_path / "out" / result.scored[0][1]
    assert "\nMany thanks for sending back your business continuity plan audit form, completed on 10 December 2026" in docx_text(letter)
    assert custom_properties(docx_parts(letter))["clause:letter.audit-feedback"] == "1.0.1"

    clause.write_text(text.replace("status: approved", "status: draft"), encoding="utf-8")
    with pytest.raises(ContractgenError) as caught:
        score_audit_forms(load_workspace(workspace_dir), [path], tmp_path / "draft", date=SCORED, providers_file=EXAMPLE_REGISTER)
    assert caught.value.report_lines() == [
        f"{clause}:4:1: status: clause letter.audit-feedback is draft: letters are written from approved clauses only; "
        "set status: approved once it is reviewed",
    ]
    assert files_under(tmp_path / "draft") == []


def test_missing_answers_are_named(workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    qs = audit_of(workspace).at(tier="core")
    values = {**answers(qs), **provider_details(qs)}
    del values[control_tag("bcp", "1.1.0", "roles.team", "answer")]
    path = tmp_path / "one-missing.docx"
    path.write_bytes(fill_form(blank_form(workspace, tmp_path), values))
    complete = tmp_path / "complete.docx"  # scored beside it, so "the others were scored" is true
    complete.write_bytes(fill_form(blank_form(workspace, tmp_path), {**answers(qs), **provider_details(qs)}))
    result = score_audit_forms(workspace, [path, complete], tmp_path / "out", date=SCORED, providers_file=EXAMPLE_REGISTER)
    assert len(result.scored) == 1
    assert result.error_lines() == [
        "one-missing.docx: roles.team: question 1.3 (roles.team) has no answer; choose Yes, Partly, No or Not applicable",
        "error: 1 form not scored (problems above); the others were scored",
    ]


def test_an_older_question_set_version_is_scored_against_its_own_questions(workspace_dir: Path, workspace, tmp_path: Path) -> None:
    old_form = returned(workspace, tmp_path, name="old.docx")
    path = workspace_dir / "clause_library" / "audits" / "bcp.yaml"
    text = path.read_text(encoding="utf-8")
    old_text = "Does a named senior manager own the business continuity plan and approve it?"
    # issue 19 made 1.1.0 (which answers agree): this test adds 1.2.0 after it
    text = text.replace(f"        text: {old_text}\n",
                        "        text: Does a named member of the senior team own the plan and approve each version?\n", 1)
    text = text.replace('        earlier:\n          - until: "1.1.0"\n            not_applicable: true\n',
                        f'        earlier:\n          - until: "1.1.0"\n            not_applicable: true\n            text: {old_text}\n'
                        f"          - until: 1.2.0\n            text: {old_text}\n", 1)
    text = text.replace("version: 1.1.0\nsources:", "version: 1.2.0\nsources:")
    text = text.replace("      - id: roles.team\n", "      - id: roles.deputy\n        text: Is there a deputy owner?\n"
                        "        help: Someone can act for the owner.\n        evidence: The plan's control table.\n"
                        "        weight: 1\n        critical: false\n        tiers: [core]\n        clause: dspt.business-continuity\n"
                        "        since: 1.2.0\n      - id: roles.team\n", 1)
    text += "  - version: 1.2.0\n    date: 2027-01-01\n    summary: Clearer owner question; a deputy owner question.\n"
    path.write_text(text, encoding="utf-8")
    audit = audit_of(workspace)
    assert audit.versions == ["1.0.0", "1.1.0", "1.2.0"]
    assert len(audit.at("1.2.0", "core").questions) == 23
    score = score_one(workspace, old_form, tmp_path)
    assert score.question_set.version == "1.1.0"
    assert len(score.answers) == 22
    assert score.answers[0].question.text == old_text
    new_form = blank_form(workspace, tmp_path, name="new.docx")
    assert "Does a named member of the senior team own the plan" in docx_text(new_form)
    assert custom_properties(docx_parts(new_form))["contractgen.audit.version"] == "1.2.0"


# ------------------------------------------------------------------ bad returned files


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<" + b" " * (200 * 1024 * 1024))
    return buf.getvalue()


def test_bad_returned_files_are_reported_and_the_others_scored(workspace_dir: Path, workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = returned(workspace, tmp_path, name="good.docx")
    data = good.read_bytes()
    qs = audit_of(workspace).at(tier="core")
    bad = {
        "not-a-zip.docx": b"Dear council, here are our answers: Yes, Yes, No.",
        "bomb.docx": _bomb(),
        "damaged.docx": data[: len(data) // 2],
        "entity.docx": edit_part(data, "word/document.xml", "<w:document ",
                                 '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><w:document '),
        "foreign.docx": edit_part(data, "docProps/custom.xml", 'name="contractgen.audit"', 'name="something.else"'),
        "other-council.docx": edit_part(edit_part(data, "docProps/custom.xml", ">example-borough<", ">west-shire<"),
                                        "docProps/custom.xml", ">Example Borough Council<", ">West Shire Council<"),
        "edited-question.docx": edit_document(data, "Does the plan name an incident team with a deputy for each role?",
                                              "Does the plan name an incident team?"),
        "typed-over.docx": _typed_over(data, control_tag(qs.id, qs.version, "roles.activation", "answer")),
        "bad-answer.docx": fill_form(data, {control_tag(qs.id, qs.version, "staff.shortage", "answer"): "Mostly"}),
    }
    for name, content in bad.items():
        (workspace_dir / name).write_bytes(content)
    (workspace_dir / "good.docx").write_bytes(data)
    monkeypatch.chdir(workspace_dir)
    result = run_cli("audit", "score", "good.docx", *bad, "-o", "scored", "--date", "2027-01-11", "-p", REGISTER)
    assert result.exit_code == 1
    assert result.stdout == (
        "scored 1 audit form: 1 feedback letter in scored\n"
        "  AS9R Sunrise Home Support: 100%, 0 critical gaps\n"
        "scores: scored/audit-scores.csv\n"
    )
    err = result.stderr.splitlines()
    assert err[0] == "not-a-zip.docx: not a Word .docx file (it is not a zip package); ask the provider to save the form in Word as .docx"
    assert err[1] == ("bomb.docx: the package member word/document.xml expands 1028 times (more than 200): it looks like "
                      "a zip bomb; ask the provider to send the form again")
    assert err[2] == "damaged.docx: not a Word .docx file (it is not a zip package); ask the provider to save the form in Word as .docx"
    assert err[3] == ("entity.docx: refused: word/document.xml declares a document type or XML entities, which Word never writes "
                      "(it could make a reader fetch or expand content); ask the provider to send the form again")
    assert err[4] == ("foreign.docx: not a contractgen business continuity audit form (it has no contractgen.audit property); "
                      "score only the forms `contractgen audit form` wrote, returned as .docx")
    assert err[5] == ("other-council.docx: a form from another council: it was made for West Shire Council (profile west-shire), "
                      "which has no profile in this workspace; send it back to the council that sent it")
    assert err[6] == ("edited-question.docx: roles.team: question 1.3 (roles.team): the question text was changed to "
                      "'Does the plan name an incident team?'; the answers cannot be scored against a changed question; "
                      "ask the provider to answer the question as asked")
    assert err[7] == ("typed-over.docx: roles.activation: question 1.2 (roles.activation): the answer box is gone, so an answer "
                      "typed over it cannot be read; ask the provider to choose the answer in the drop-down of a new form")
    assert err[8] == ("bad-answer.docx: staff.shortage: question 5.1 (staff.shortage): the answer 'Mostly' is not one of "
                      "Yes, Partly, No, Not applicable; choose one from the drop-down")
    assert err[-1] == "error: 9 forms not scored (problems above); the others were scored"
    assert files_under(workspace_dir / "scored") == ["AS9R-sunrise-home-support-bcp-feedback.docx", "audit-scores.csv"]


def test_cli_score_refuses_to_overwrite_without_force(workspace_dir: Path, workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workspace_dir / "first.docx").write_bytes(returned(workspace, tmp_path, it_records_backups="Partly").read_bytes())
    (workspace_dir / "second.docx").write_bytes(returned(workspace, tmp_path).read_bytes())
    monkeypatch.chdir(workspace_dir)
    assert run_cli("audit", "score", "first.docx", "-o", "scored", "--date", "2027-01-11", "-p", REGISTER).exit_code == 0
    before = _bytes_under(workspace_dir / "scored")
    letter = docx_text(workspace_dir / "scored" / "AS9R-sunrise-home-support-bcp-feedback.docx")
    assert "\n11 January 2027\nOur reference:" in letter and "| Please respond by | 8 February 2027 |" in letter
    _refused(run_cli("audit", "score", "second.docx", "-o", "scored", "--date", "2027-01-12", "-p", REGISTER),
             "2 files already exist in scored (first: AS9R-sunrise-home-support-bcp-feedback.docx); "
             "use --force to overwrite them, or choose another folder with -o", workspace_dir / "scored", before)
    forced = run_cli("audit", "score", "second.docx", "-o", "scored", "--date", "2027-01-12", "--force", "-p", REGISTER)
    assert forced.exit_code == 0, forced.output
    after = _bytes_under(workspace_dir / "scored")
    assert sorted(after) == sorted(before) and after != before
    (workspace_dir / "scored" / "AS9R-sunrise-home-support-bcp-feedback.docx").unlink()
    left = _bytes_under(workspace_dir / "scored")
    _refused(run_cli("audit", "score", "first.docx", "-o", "scored", "--date", "2027-01-11", "-p", REGISTER),
             "1 file already exists in scored (first: audit-scores.csv); "
             "use --force to overwrite it, or choose another folder with -o", workspace_dir / "scored", left)
    assert list(left) == ["audit-scores.csv"]


def _typed_over(data: bytes, tag: str) -> bytes:
    """The answer control deleted and 'Yes' typed where it was (and its bookmark gone)."""
    parts = read_parts(data)
    root = etree.fromstring(parts["word/document.xml"])
    for sdt in root.iter(f"{{{W}}}sdt"):
        t = sdt.find("w:sdtPr/w:tag", NS)
        if t is not None and t.get(f"{{{W}}}val") == tag:
            parent = sdt.getparent()
            run = etree.Element(f"{{{W}}}r")
            etree.SubElement(run, f"{{{W}}}t").text = "Yes"
            for b in parent.findall("w:bookmarkStart", NS) + parent.findall("w:bookmarkEnd", NS):
                parent.remove(b)
            parent.replace(sdt, run)
            break
    parts["word/document.xml"] = etree.tostring(root)
    from contractgen.word.package import package_bytes

    return package_bytes(parts)


def test_only_forms_of_the_named_council(workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = returned(workspace, tmp_path)
    result = score_audit_forms(workspace, [path], tmp_path / "out", profile_ref="riverside-and-vale", date=SCORED)
    assert result.error_lines()[0] == (
        "returned.docx: a form from another council: it was made for Example Borough Council (profile example-borough), "
        "not Riverside & Vale City Council; send it back to the council that sent it"
    )


# ------------------------------------------------------------------ for the overview


def test_latest_audit_scores(workspace, tmp_path: Path) -> None:
    first = returned(workspace, tmp_path, name="first.docx", roles_owner="No")
    score_audit_forms(workspace, [first], tmp_path / "autumn", date=dt.date(2026, 12, 15), providers_file=EXAMPLE_REGISTER)  # issue 19: after its completion
    second = returned(workspace, tmp_path, name="second.docx")
    score_audit_forms(workspace, [second], tmp_path / "winter", date=dt.date(2027, 1, 5), providers_file=EXAMPLE_REGISTER)
    latest = latest_audit_scores([tmp_path / "winter" / "audit-scores.csv", tmp_path / "autumn" / "audit-scores.csv"])
    assert set(latest) == {"AS9R"}
    assert latest["AS9R"].overall == 100 and latest["AS9R"].critical_gaps == ()
    assert latest["AS9R"].scored_on == dt.date(2027, 1, 5)
    only_autumn = latest_audit_scores([tmp_path / "autumn" / "audit-scores.csv"])
    assert only_autumn["AS9R"].critical_gaps == ("roles.owner",)


# ------------------------------------------------------------------ version discipline


def test_check_versions_refuses_changing_what_a_sent_version_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers_git import commit_all, copy_example_workspace, git_identity, init_repo

    from contractgen.library.versions import check_versions
    from contractgen.library.workspace import load_workspace

    git_identity(monkeypatch, tmp_path / "home")
    root = copy_example_workspace(tmp_path / "ws")
    init_repo(root)
    commit_all(root, "Question set 1.0.0")
    path = root / "clause_library" / "audits" / "bcp.yaml"
    old_text = "Does a named senior manager own the business continuity plan and approve it?"
    new_text = "Does a named member of the senior team own the plan?"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace(f"text: {old_text}", f"text: {new_text}"), encoding="utf-8")
    ws = load_workspace(root)
    report = check_versions(ws, "HEAD")
    # issue 19 made 1.1.0: both sent versions now ask about the owner
    assert [p.message for p in report.problems] == [
        f"what version {v} of question set bcp asks in the foundation tier changed since HEAD: forms already sent "
        "with it would be scored against other questions; keep the old values under the question's `earlier:` (or use "
        "`since:`/`withdrawn:`) and give the change a new version and changelog entry" for v in ("1.0.0", "1.1.0")
    ]
    fixed = original.replace(f"        text: {old_text}\n", f"        text: {new_text}\n", 1)
    fixed = fixed.replace('        earlier:\n          - until: "1.1.0"\n            not_applicable: true\n',
                          f'        earlier:\n          - until: "1.1.0"\n            not_applicable: true\n            text: {old_text}\n'
                          f"          - until: 1.2.0\n            text: {old_text}\n", 1)
    fixed = fixed.replace("version: 1.1.0\nsources:", "version: 1.2.0\nsources:") + "  - version: 1.2.0\n    date: 2027-01-01\n    summary: Shorter owner question.\n"
    path.write_text(fixed, encoding="utf-8")
    assert check_versions(load_workspace(root), "HEAD").problems == []


def test_when_no_form_can_be_scored_nothing_is_written_and_nothing_else_is_claimed(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_dir)
    (workspace_dir / "not-a-form.docx").write_text("plain text, not a Word file", encoding="utf-8")
    result = run_cli("audit", "score", "not-a-form.docx", "-o", "scored")
    assert result.exit_code == 1
    assert result.stdout == "no audit form scored\n"
    assert result.stderr.splitlines() == [
        "not-a-form.docx: not a Word .docx file (it is not a zip package); ask the provider to save the form in Word as .docx",
        "error: 1 form not scored (problems above); nothing was written",
    ]
    assert not (workspace_dir / "scored").exists()
