"""One overwrite rule for every command: a file contractgen did not write (no contractgen
provenance in its properties) is never replaced without --force; a file it wrote itself
may be replaced by `schedule` and `build`. (letters, overview and audit refuse any file
without --force: tests/test_letters_cli.py, test_overview.py, test_audit.py.)"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from helpers import run_cli, stderr_lines

from contractgen.base.atomic import write_atomic
from contractgen.base.errors import OutputError, display_path
from contractgen.word.package import written_by_contractgen


@pytest.fixture
def ws(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(workspace_dir)
    return workspace_dir


def test_schedule_replaces_its_own_file_but_not_someone_elses(ws):
    assert run_cli("schedule", "example-borough", "-o", "schedule.docx").exit_code == 0
    assert written_by_contractgen(ws / "schedule.docx")
    again = run_cli("schedule", "example-borough", "-o", "schedule.docx")
    assert again.exit_code == 0, again.output
    (ws / "mine.docx").write_bytes(b"the officer's own notes")
    refused = run_cli("schedule", "example-borough", "-o", "mine.docx")
    assert refused.exit_code == 1
    assert stderr_lines(refused) == [
        "error: mine.docx already exists and contractgen did not write it; use --force to overwrite it, or choose another file with -o"
    ]
    assert (ws / "mine.docx").read_bytes() == b"the officer's own notes"
    forced = run_cli("schedule", "example-borough", "-o", "mine.docx", "--force")
    assert forced.exit_code == 0, forced.output
    assert written_by_contractgen(ws / "mine.docx")


def test_a_word_document_of_someone_else_is_not_contractgens(ws, tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("A letter the officer wrote in Word")
    document.save(str(tmp_path / "theirs.docx"))
    assert not written_by_contractgen(tmp_path / "theirs.docx")
    (tmp_path / "report.csv").write_text("name,ods_code\n", encoding="utf-8")
    assert not written_by_contractgen(tmp_path / "report.csv")
    (tmp_path / "notes.html").write_text("<html></html>", encoding="utf-8")
    assert not written_by_contractgen(tmp_path / "notes.html")


@pytest.mark.slow
def test_build_replaces_what_it_wrote_and_refuses_someone_elses_file(ws):
    first = run_cli("build")
    assert first.exit_code == 0, first.output
    for rel in ("out/example-borough-letters/report.csv", "out/example-borough-overview/overview.html",
                "out/example-borough-overview/overview.xlsx", "out/example-borough-overview/lso-referrals.csv"):
        assert written_by_contractgen(ws / rel), rel
    second = run_cli("build")
    assert second.exit_code == 0, second.output
    theirs = ws / "out" / "example-borough-schedule-core.docx"
    theirs.write_bytes(b"edited by hand")
    refused = run_cli("build")
    assert refused.exit_code == 1
    assert (
        "  error: out/example-borough-schedule-core.docx already exists and contractgen did not write it; use --force "
        "to overwrite it, or choose another file with -o"
    ) in stderr_lines(refused)
    assert theirs.read_bytes() == b"edited by hand"
    (ws / "out/example-borough-overview/overview.html").write_text("mine", encoding="utf-8")
    assert run_cli("build", "--force").exit_code == 0
    assert written_by_contractgen(theirs)


def test_diff_output_is_not_written_over_a_file_without_force(ws):
    (ws / "changes.md").write_text("my notes", encoding="utf-8")
    refused = run_cli("diff", "2026.1", "2026.2", "--format", "markdown", "-o", "changes.md")
    assert refused.exit_code == 1
    assert stderr_lines(refused) == [
        "error: changes.md already exists and contractgen did not write it; use --force to overwrite it, or choose another file with -o"
    ]
    assert (ws / "changes.md").read_text(encoding="utf-8") == "my notes"


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX's")
def test_a_written_file_is_readable_by_others_whatever_the_umask(tmp_path: Path) -> None:
    # a temporary file is made 0600; the file put in its place is 0644, as a file saved by hand (a letter shared
    # with a colleague's account on the same server must open), and nothing else is left in the folder
    old = os.umask(0o077)
    try:
        write_atomic(tmp_path / "letter.docx", b"letter")
        write_atomic(tmp_path / "report.csv", iter([b"a,b\r\n", b"1,2\r\n"]))
    finally:
        os.umask(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letter.docx", "report.csv"]
    for name in ("letter.docx", "report.csv"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644
    assert (tmp_path / "report.csv").read_bytes() == b"a,b\r\n1,2\r\n"


def test_a_temporary_file_made_in_a_scratch_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch's processes make their temporary files in folders of their own (made when
    missing) and rename them into the output folder; where that folder cannot be made,
    the message names it."""
    import tempfile

    made: list[str] = []
    real = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        made.append(kwargs["dir"])
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    scratch = tmp_path / ".~cg-b1" / "w1"
    write_atomic(tmp_path / "letter.docx", b"letter", scratch=scratch)
    assert (tmp_path / "letter.docx").read_bytes() == b"letter"
    assert made[-1] == scratch and list(scratch.iterdir()) == []  # made there, renamed away
    (tmp_path / ".~cg-b2").write_text("a file")
    with pytest.raises(OutputError) as caught:
        write_atomic(tmp_path / "other.docx", b"letter", scratch=tmp_path / ".~cg-b2" / "w1")
    assert caught.value.message.startswith(f"cannot write {display_path(tmp_path / 'other.docx')}: ")
    assert ".~cg-b2" in caught.value.message and caught.value.message.endswith("is a file, not a folder; choose another output path")
    assert not (tmp_path / "other.docx").exists()
