"""Audit forms in real readers: LibreOffice fills and saves a form that is then scored;
LibreOffice and pandoc show every question of the blank form."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from helpers import custom_properties, docx_parts
from helpers_audit import answers, fill_form, libreoffice_fill, provider_details
from conftest import ROOT as REPO_ROOT, require_tool

from contractgen.audit.form import control_tag, write_audit_forms
from contractgen.library.auditquestions import load_audit
from contractgen.audit.score import score_audit_forms
from contractgen.library.clauses import load_library

DATE = dt.date(2026, 12, 1)
#: The example register: a blank form comes back without an address, so scoring needs it.
EXAMPLE_REGISTER = REPO_ROOT / "examples" / "example-borough-providers.csv"

pytestmark = pytest.mark.reader  # LibreOffice, pandoc and pdftotext


def _form(workspace, tmp_path: Path, tier: str = "advanced") -> tuple[Path, object]:
    out = tmp_path / "form.docx"
    write_audit_forms(workspace, "example-borough", tier=tier, output=out, date=DATE)
    qs = load_audit(workspace.library_dir, "bcp", load_library(workspace.library_dir)).at(tier=tier)
    return out, qs


def test_libreoffice_fills_a_form_that_is_then_scored(workspace, tmp_path: Path, libreoffice) -> None:
    form, qs = _form(workspace, tmp_path)
    values = {**answers(qs, roles_owner="No", cyber_scenario="Partly", premises_power="Not applicable"), **provider_details(qs)}
    values[control_tag(qs.id, qs.version, "testing.tested", "date")] = dt.date(2026, 10, 2)
    values[control_tag(qs.id, qs.version, "testing.tested", "evidence")] = "Exercise record, 2 October 2026 & <lessons>"
    filled = libreoffice_fill(libreoffice, form, tmp_path / "filled-by-libreoffice.docx", values)
    parts = docx_parts(filled)
    xml = parts["word/document.xml"].decode("utf-8")
    # what LibreOffice 7.4 does: the controls stay content controls, their tags are dropped
    assert "<w:dropDownList>" in xml and "<w:date" in xml
    assert "cg:bcp:" not in xml
    assert custom_properties(parts)["contractgen.audit.version"] == qs.version  # properties survive
    result = score_audit_forms(workspace, [filled], tmp_path / "out", date=dt.date(2027, 1, 11), providers_file=EXAMPLE_REGISTER)  # issue 19: scored after its completion
    assert not result.failed, result.error_lines()
    score = result.scored[0][0]
    assert score.provider["ods_code"] == "AS9R" and score.completed_on == dt.date(2026, 12, 10)
    by_id = {a.question.id: a for a in score.answers}
    assert by_id["roles.owner"].answer == "No"
    assert by_id["cyber.scenario"].answer == "Partly"
    assert by_id["premises.power"].answer == "Not applicable"
    assert by_id["testing.tested"].date == dt.date(2026, 10, 2)
    assert by_id["testing.tested"].evidence == "Exercise record, 2 October 2026 & <lessons>"
    assert by_id["staff.shortage"].evidence == ""  # LibreOffice keeps the placeholder as text: read as empty
    assert [a.question.id for a in score.critical_gaps] == ["roles.owner", "cyber.scenario"]


def test_blank_form_shows_every_question_in_libreoffice_and_pandoc(workspace, tmp_path: Path, libreoffice) -> None:
    require_tool("pandoc")
    form, qs = _form(workspace, tmp_path)
    lo_text = " ".join(libreoffice.text(form).split())
    pandoc_text = " ".join(subprocess.run(
        ["pandoc", "-f", "docx", "-t", "plain", "--wrap=none", str(form)], capture_output=True, text=True, check=True
    ).stdout.split())
    for q in qs.questions:
        assert q.text in lo_text, q.id
        assert q.text in pandoc_text, q.id
    for section in qs.sections:
        assert f"{section.number}. {section.title}" in lo_text
    assert lo_text.count("Choose an answer") == len(qs.questions)


def test_header_footer_reference_and_reply_row_as_libreoffice_prints_them(workspace, tmp_path: Path, libreoffice) -> None:
    """A blank form names no provider, a provider's form and letters name it; a feedback
    letter shows "Please respond by" only when it asks for a plan (a critical gap)."""
    from helpers_git import pdf_text

    require_tool("pdftotext")
    register = workspace.root / "examples" / "example-borough-providers.csv"
    blank = tmp_path / "blank.docx"
    write_audit_forms(workspace, "example-borough", tier="core", output=blank, date=DATE)
    mine = tmp_path / "provider.docx"
    write_audit_forms(workspace, "example-borough", provider_code="AS9R", providers_file=register, output=mine, date=DATE)
    qs = load_audit(workspace.library_dir, "bcp", load_library(workspace.library_dir)).at(tier="core")
    letters = []
    for name, gaps in (("gap", {"it_records_backups": "No"}), ("no-gap", {"premises_power": "No"})):
        filled = tmp_path / f"{name}-form.docx"
        filled.write_bytes(fill_form(mine, {**answers(qs, **gaps), **provider_details(qs)}))
        result = score_audit_forms(workspace, [filled], tmp_path / name, date=dt.date(2027, 1, 11), providers_file=EXAMPLE_REGISTER)
        letter = tmp_path / f"{name}-letter.docx"  # one name each: LibreOffice names the PDF after it
        letter.write_bytes((tmp_path / name / result.scored[0][1]).read_bytes())
        letters.append(letter)
    pdfs = libreoffice.convert_all([blank, mine, *letters], tmp_path / "pdf")
    texts = [" ".join(pdf_text(pdf).split()) for pdf in pdfs]
    for text in texts:
        assert "()" not in text and ":  " not in text
    blank_text, mine_text, gap_text, no_gap_text = texts
    assert "Our reference: EBC/ASC/2026/014 Dear Sir or Madam" in blank_text
    assert "Example Borough Council Page 1 of" in blank_text
    assert "Example Borough Council: Sunrise 🌅 Home Support (AS9R) Page 1 of" in mine_text  # as registered
    assert "Our reference: EBC/ASC/2026/014/AS9R" in mine_text
    assert "Please respond by 31 December 2026" in blank_text and "Please respond by 31 December 2026" in mine_text
    assert "Please respond by 8 February 2027" in gap_text  # the name as the form was filled in:
    assert "Example Borough Council: Sunrise Home Support (AS9R) Page 1 of" in gap_text
    assert "closing these gaps by 8 February 2027" in gap_text
    assert "Please respond by" not in no_gap_text and "There are no critical gaps" in no_gap_text
    assert "Example Borough Council: Sunrise Home Support (AS9R) Page 1 of" in no_gap_text
