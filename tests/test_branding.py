"""A council's own Word template: one made in Word without contractgen's styles gets them
(with real numbering), one that restyles them keeps its own definitions, and letter
lists restart at (a) in any template."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Pt

from conftest import require_soffice
from contractgen.base.officeprofile import prepare_profile
from contractgen.schedule.render import render_schedule
from contractgen.letters.generate import generate_letters
from contractgen.library.workspace import Workspace
from helpers import docx_parts, docx_text, edit

AS_OF = "2026-11-26"


def plain_template(path: Path, body: list[str]) -> Path:
    """A template as a council would make it in Word: its own styles, none of ours."""
    doc = Document()
    doc.styles["Normal"].font.name = "Georgia"
    for text in body:
        doc.add_paragraph(text)
    doc.save(path)
    return path


def use_template(workspace: Workspace, kind: str, name: str) -> None:
    edit(workspace.profiles_dir / "regions" / "north-west.yaml", f"  {kind}: {kind}.docx", f"  {kind}: {name}")


def test_a_plain_word_template_gets_the_clause_styles_and_real_numbering(workspace: Workspace, tmp_path: Path) -> None:
    plain_template(workspace.templates_dir / "ours.docx", ["{{ council.name }}: {{ contract.reference }}", "{{p schedule_body }}"])
    use_template(workspace, "schedule", "ours.docx")
    result = render_schedule(workspace, "example-borough", output=tmp_path / "s.docx")
    parts = docx_parts(result.path)
    styles = parts["word/styles.xml"].decode()
    for style in ("CGSection", "CGClause", "CGItem", "CGSubItem", "CGBullet", "CGLink"):
        assert f'w:styleId="{style}"' in styles
    assert 'w:styleId="Normal"' in styles and "Georgia" in styles  # the council's own styles are kept
    numbering = parts["word/numbering.xml"].decode()
    assert 'w:val="%1.%2"' in numbering and 'w:val="(%3)"' in numbering
    text = docx_text(result.path)
    assert "Example Borough Council: EBC/ASC/2026/014" in text
    assert re.search(r"^1\. .*Definitions and interpretation", text, re.MULTILINE | re.IGNORECASE)
    assert re.search(r"^\s*1\.1 Definitions\.", text, re.MULTILINE)
    assert re.search(r"^\s*\(a\) ", text, re.MULTILINE)


def test_a_template_without_a_numbering_part_gets_one(workspace: Workspace, tmp_path: Path) -> None:
    path = plain_template(workspace.templates_dir / "bare.docx", ["{{p schedule_body }}"])
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist() if i.filename != "word/numbering.xml"}
    parts["word/_rels/document.xml.rels"] = re.sub(rb'<Relationship [^>]*numbering.xml"/>', b"", parts["word/_rels/document.xml.rels"])
    parts["[Content_Types].xml"] = re.sub(rb'<Override PartName="/word/numbering.xml"[^>]*/>', b"", parts["[Content_Types].xml"])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    path.write_bytes(buf.getvalue())
    use_template(workspace, "schedule", "bare.docx")
    result = render_schedule(workspace, "example-borough", output=tmp_path / "s.docx")
    out = docx_parts(result.path)
    assert b"numbering.xml" in out["word/_rels/document.xml.rels"]
    assert b'PartName="/word/numbering.xml"' in out["[Content_Types].xml"]
    assert re.search(r"^\s*1\.1 ", docx_text(result.path), re.MULTILINE)
    Document(str(result.path))  # python-docx opens it


def test_a_template_that_restyles_the_clauses_keeps_its_own_definitions(workspace: Workspace, tmp_path: Path) -> None:
    doc = Document(str(workspace.templates_dir / "schedule.docx"))
    doc.styles["CG Clause"].font.size = Pt(13)
    doc.save(workspace.templates_dir / "branded.docx")
    use_template(workspace, "schedule", "branded.docx")
    result = render_schedule(workspace, "example-borough", output=tmp_path / "s.docx")
    styles = docx_parts(result.path)["word/styles.xml"].decode()
    clause = re.search(r'<w:style [^>]*w:styleId="CGClause".*?</w:style>', styles, re.DOTALL).group(0)
    assert '<w:sz w:val="26"/>' in clause  # 13 pt, as the council set it
    assert styles.count('w:styleId="CGClause"') == 1


def test_letter_lists_restart_at_a_in_each_list(workspace: Workspace, tmp_path: Path) -> None:
    edit(workspace.library_dir / "clauses" / "letter.support.yaml", "text: |\n", "text: |\n  1. first support step\n  2. second support step\n\n")
    out = tmp_path / "letters"
    generate_letters(workspace, "example-borough", workspace.root / "examples" / "example-borough-providers.csv",
                     dspt_file=workspace.root / "examples" / "dspt-export-2026-11-26.csv", as_of=dt.date(2026, 11, 26), output=out,
                     only=["AW2T"], workers=1)  # fmt: skip
    text = docx_text(next(out.glob("AW2T-*.docx")))
    labels = re.findall(r"^\s*\(([a-z])\) ", text, re.MULTILINE)
    # the remedy letter's own list (a)...(e), then the support list starting again at (a)
    assert labels[:5] == ["a", "b", "c", "d", "e"]
    assert labels[-2:] == ["a", "b"]
    assert "(a) first support step" in text


@pytest.mark.reader
def test_libreoffice_numbers_a_plain_template_like_word(workspace: Workspace, tmp_path: Path) -> None:
    require_soffice()
    plain_template(workspace.templates_dir / "ours.docx", ["{{p schedule_body }}"])
    use_template(workspace, "schedule", "ours.docx")
    result = render_schedule(workspace, "example-borough", output=tmp_path / "s.docx")
    profile = prepare_profile(tmp_path / "lo-profile")
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "txt:Text (encoded):UTF8",
         "--outdir", str(tmp_path), str(result.path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    text = (tmp_path / "s.txt").read_text(encoding="utf-8-sig")
    assert re.search(r"^\s*1\.\s+Definitions and interpretation", text, re.MULTILINE)  # caps is formatting
    assert re.search(r"^\s*1\.1\s+Definitions\.", text, re.MULTILINE)
    assert re.search(r"^\s*\(a\)\s+", text, re.MULTILINE)


@pytest.mark.reader
def test_numbering_follows_a_paragraph_added_by_hand(workspace: Workspace, tmp_path: Path) -> None:
    """Numbering is in the styles, not typed in: a paragraph a user adds with the "CG
    Clause" style is numbered in sequence and the clauses after it move on."""
    require_soffice()
    result = render_schedule(workspace, "example-borough", output=tmp_path / "s.docx")
    doc = Document(str(result.path))
    target = next(p for p in doc.paragraphs if p.style.style_id == "CGClause" and p.text.startswith("The DSPT requirement."))
    target.insert_paragraph_before("A clause added by hand in Word.", style="CG Clause")
    doc.save(str(tmp_path / "edited.docx"))
    profile = prepare_profile(tmp_path / "lo-profile")
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "txt:Text (encoded):UTF8",
         "--outdir", str(tmp_path), str(tmp_path / "edited.docx")],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    text = (tmp_path / "edited.txt").read_text(encoding="utf-8-sig")
    assert re.search(r"^\s*2\.1\s+A clause added by hand in Word\.", text, re.MULTILINE)
    assert re.search(r"^\s*2\.2\s+The DSPT requirement\.", text, re.MULTILINE)
