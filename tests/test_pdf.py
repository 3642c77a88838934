"""``contractgen letters --pdf``: LibreOffice headless, one process per worker for the
whole batch; a clear refusal when it is missing; no LibreOffice left running."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import require_soffice, require_tool
from contractgen.base.errors import ExternalToolError, OutputError
from contractgen.letters.generate import generate_letters
from contractgen.base import officeprofile
from contractgen.base.officeprofile import PROFILE_SETTINGS, cache_folder, kept_profile, new_profile, prepare_profile
from contractgen.base.pdf import INSTALL_HINT, convert_to_pdf, start_pdf
from contractgen.library.workspace import load_workspace
from helpers import files_under, run_cli
from test_letters import read_report

REGISTER = "examples/example-borough-providers.csv"
EXPORT = "examples/dspt-export-2026-11-26.csv"
OOR = "{http://openoffice.org/2001/registry}"
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="a fake soffice is a shell script")


@pytest.fixture
def ws(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(workspace_dir)
    return workspace_dir


def pdf_letters(*args: str):
    return run_cli("letters", "example-borough", "-p", REGISTER, "--dspt", EXPORT, "--as-of", "2026-11-26", "--pdf", *args)


def fake_soffice(folder: Path, body: str) -> Path:
    """A ``soffice`` shell script in ``folder`` (put first on PATH by the caller)."""
    folder.mkdir(exist_ok=True)
    script = folder / "soffice"
    script.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    script.chmod(0o755)
    return script


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting for a parent that is gone (Linux /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# ----------------------------------------------------------------- LibreOffice missing


def test_no_libreoffice_is_a_clear_message_and_nothing_is_written(ws: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr("contractgen.base.pdf.install_folders", lambda env=None: [])  # nor in its install folders
    result = pdf_letters()
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"error: {INSTALL_HINT}"]
    assert "install it" in INSTALL_HINT and "leave out --pdf" in INSTALL_HINT
    assert not (ws / "out").exists()


def test_no_libreoffice_through_the_api(workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name, *args, **kwargs: None)
    monkeypatch.setattr("contractgen.base.pdf.install_folders", lambda env=None: [])  # nor in its install folders
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ExternalToolError, match="LibreOffice is needed for --pdf"):
        generate_letters(workspace, "example-borough", workspace.root / REGISTER, no_dspt=True, output=out, pdf=True, workers=1)
    assert files_under(out) == []


@POSIX_ONLY
def test_existing_pdfs_need_force(ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    fake_soffice(bin_dir, "exit 0")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    folder = ws / "out" / "example-borough-letters"
    folder.mkdir(parents=True)
    (folder / "VM1A2-maple-lodge-care-home.pdf").write_bytes(b"%PDF-1.4 an earlier letter")
    result = pdf_letters()
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: 1 file already exists in out/example-borough-letters (first: VM1A2-maple-lodge-care-home.pdf); "
        "use --force to overwrite it, or choose another folder with -o"
    ]
    assert files_under(folder) == ["VM1A2-maple-lodge-care-home.pdf"]


# ----------------------------------------------------------------- real LibreOffice


@pytest.mark.reader
def test_pdf_letters_with_libreoffice(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_soffice()
    pdftotext = require_tool("pdftotext")
    real_popen = subprocess.Popen
    soffice_calls: list[list[str]] = []

    def popen(args, *rest, **kwargs):
        if Path(args[0]).name in ("soffice", "libreoffice"):
            soffice_calls.append([str(a) for a in args])
        return real_popen(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    names = {"VM1A2": "Maple Lodge Care Home", "C4SD": "Smith & Daughters Domiciliary Care",
             "8KT41": '"Café Crème" Supported Living', "VL5F2": "Oakwood <Nursing> Home"}  # fmt: skip
    only = [arg for code in names for arg in ("--only", code)]
    result = pdf_letters(*only, "--workers", "2")
    monkeypatch.undo()

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "wrote 4 letters to out/example-borough-letters (2 improve, 2 confirm)",
        "converted 4 letters to PDF",
        "report: out/example-borough-letters/report.csv",
    ]
    # one LibreOffice per worker for the whole batch, each converting its share
    assert len(soffice_calls) == 2
    assert sorted(sum(1 for a in call if a.endswith(".docx")) for call in soffice_calls) == [2, 2]
    folder = ws / "out" / "example-borough-letters"
    rows = read_report(folder)
    letters = [r["file"] for r in rows]
    pdfs = [Path(f).with_suffix(".pdf").name for f in letters]
    assert files_under(folder) == sorted([*letters, *pdfs, "checks.txt", "report.csv"])  # no scratch folder left
    for row, pdf in zip(rows, pdfs):
        assert (folder / pdf).read_bytes().startswith(b"%PDF")
        text = subprocess.run([pdftotext, "-enc", "UTF-8", str(folder / pdf), "-"], capture_output=True, check=True).stdout
        flat = " ".join(text.decode("utf-8").split())
        assert names[row["ods_code"]] in flat, flat[:400]
        assert f"Our reference: EBC/ASC/2026/014/{row['ods_code']}" in flat


# ----------------------------------------------------------------- LibreOffice failing


@POSIX_ONLY
def test_a_failed_conversion_keeps_the_letters_and_the_report(workspace, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    bin_dir = tmp_path / "bin"
    fake_soffice(bin_dir, "exit 0")  # runs, converts nothing
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "out"
    with pytest.raises(ExternalToolError) as caught:
        generate_letters(workspace, "example-borough", workspace.root / REGISTER, no_dspt=True, output=out, pdf=True,
                         only=["VM1A2", "AW2T", "C4SD"], workers=2)  # fmt: skip
    assert re.fullmatch(
        r"LibreOffice could not convert 3 of 3 files to PDF \(first: [A-Z0-9]+-[a-z0-9-]+\.docx\); "
        r"the \.docx files are complete, try opening that one in LibreOffice",
        caught.value.message,
    )
    assert len([f for f in files_under(out) if f.endswith(".docx")]) == 3
    assert len(read_report(out)) == 3
    assert [f for f in files_under(out) if not f.endswith((".docx", ".csv"))] == []  # no scratch folder


@POSIX_ONLY
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="checks processes through /proc")
def test_a_slow_libreoffice_is_stopped_at_the_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    pids = tmp_path / "pids"
    # like the real soffice, the program that converts is a child of the one started
    fake_soffice(bin_dir, f'sleep 300 &\necho $! >> "{pids}"\nwait')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    files = []
    for n in range(3):
        files.append(tmp_path / f"letter{n}.docx")
        files[-1].write_bytes(b"PK")
    with pytest.raises(ExternalToolError, match="did not finish converting"):
        convert_to_pdf(files, tmp_path, workers=2, timeout=1)
    assert_all_stopped(pids, 2)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".~cg-pdf-")] == []


@POSIX_ONLY
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="checks processes through /proc")
def test_ctrl_c_during_conversion_leaves_no_libreoffice_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    pids = tmp_path / "pids"
    fake_soffice(bin_dir, f'sleep 300 &\necho $! >> "{pids}"\nwait')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    real_popen = subprocess.Popen

    class Interrupted(real_popen):  # type: ignore[misc, valid-type]
        def communicate(self, *args, **kwargs):
            deadline = time.monotonic() + 20
            while (not pids.exists() or len(pids.read_text().split()) < 2) and time.monotonic() < deadline:
                time.sleep(0.01)  # both LibreOffices are running
            raise KeyboardInterrupt

    monkeypatch.setattr(subprocess, "Popen", Interrupted)
    files = []
    for n in range(2):
        files.append(tmp_path / f"letter{n}.docx")
        files[-1].write_bytes(b"PK")
    with pytest.raises(KeyboardInterrupt):
        convert_to_pdf(files, tmp_path, workers=2)
    monkeypatch.undo()
    assert_all_stopped(pids, 2)


def assert_all_stopped(pids: Path, count: int) -> None:
    started = [int(p) for p in pids.read_text().split()]
    assert len(started) == count
    deadline = time.monotonic() + 10
    while any(alive(p) for p in started) and time.monotonic() < deadline:
        time.sleep(0.05)
    running = [p for p in started if alive(p)]
    for pid in running:  # do not leave them behind even when the test fails
        os.kill(pid, 9)
    assert running == [], "LibreOffice (or its child) was left running"


def test_pdf_of_no_letters_starts_no_libreoffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: pytest.fail("started a process"))
    assert convert_to_pdf([], tmp_path) == []


def test_output_error_is_not_hidden_by_pdf(workspace, tmp_path: Path) -> None:
    """--force is still needed for existing letters when --pdf is given."""
    out = tmp_path / "out"
    generate_letters(workspace, "example-borough", workspace.root / REGISTER, no_dspt=True, output=out, only=["VM1A2"], workers=1)
    with pytest.raises(OutputError, match="already exist"):
        generate_letters(workspace, "example-borough", workspace.root / REGISTER, no_dspt=True, output=out, only=["VM1A2"], pdf=True)


# ----------------------------------------------------------------- schedule --pdf


def test_schedule_pdf_without_libreoffice_writes_nothing(ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr("contractgen.base.pdf.install_folders", lambda env=None: [])  # nor in its install folders
    result = run_cli("schedule", "example-borough", "--pdf")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"error: {INSTALL_HINT}"]
    assert not (ws / "out").exists()


@pytest.mark.reader
def test_schedule_pdf_is_written_beside_the_docx(ws: Path) -> None:
    require_soffice()
    require_tool("pdftotext")
    result = run_cli("schedule", "riverside-and-vale", "--pdf", "-o", "tender/schedule-7.docx")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "wrote tender/schedule-7.pdf"
    text = subprocess.run(["pdftotext", "tender/schedule-7.pdf", "-"], capture_output=True, text=True, check=True).stdout
    assert "Riverside & Vale City Council" in text
    assert sorted(p.name for p in (ws / "tender").iterdir()) == ["schedule-7.docx", "schedule-7.pdf"]


# ----------------------------------------------------------------- LibreOffice's profile


def test_a_new_profile_records_a_version_above_any_libreoffice(tmp_path: Path) -> None:
    profile = prepare_profile(tmp_path / "profile")
    settings = ET.parse(profile / "user" / "registrymodifications.xcu").getroot()
    items = [(item.get(OOR + "path"), prop.get(OOR + "name"), prop.findtext("value"))
             for item in settings for prop in item]  # fmt: skip
    assert items == [("/org.openoffice.Setup/Product", "ooSetupLastVersion", "999.0")]
    assert sorted(p.name for p in (profile / "user").iterdir()) == ["registrymodifications.xcu"]
    with pytest.raises(FileExistsError):  # never someone's profile, changed
        prepare_profile(profile)


@pytest.mark.reader
def test_libreoffice_skips_its_graphics_self_tests_in_our_profile(ws: Path, tmp_path: Path) -> None:
    """On a profile that has not recorded its version (any new one, and any the desktop
    never opened), every start of LibreOffice runs its graphics self-tests and logs them;
    on ours it does not, and the letter converts the same."""
    soffice = require_soffice()
    pdftotext = require_tool("pdftotext")
    letter = tmp_path / "letter.docx"
    generate_letters(load_workspace(ws), "example-borough", ws / REGISTER, dspt_file=ws / EXPORT, as_of=dt.date(2026, 11, 26),
                     output=tmp_path / "letters", only=["VM1A2"], workers=1)  # fmt: skip
    (written,) = (tmp_path / "letters").glob("*.docx")
    written.rename(letter)
    texts = {}
    for name, profile in (("bare", tmp_path / "bare"), ("ours", prepare_profile(tmp_path / "ours"))):
        subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--convert-to", "pdf",
                        "--outdir", str(tmp_path / name), str(letter)], capture_output=True, check=True, timeout=180)  # fmt: skip
        texts[name] = subprocess.run([pdftotext, str(tmp_path / name / "letter.pdf"), "-"], capture_output=True, text=True, check=True).stdout
        texts[name + " tested"] = (profile / "user" / "GraphicsRenderTests.log").exists()
    assert texts["bare tested"] is True
    assert texts["ours tested"] is False
    assert texts["ours"] == texts["bare"]
    assert "Maple Lodge Care Home" in texts["ours"]


# A soffice that "converts" (an empty PDF for each .docx there is) and notes whether its profile
# was new (only our settings) or kept from an earlier run (marked by an earlier one).
CONVERTING_SOFFICE = """
prof=""; outdir=""; next=""
for a in "$@"; do
  if [ "$next" = outdir ]; then outdir="$a"; next=""; continue; fi
  case "$a" in
    -env:UserInstallation=file://*) prof="${a#-env:UserInstallation=file://}" ;;
    --outdir) next=outdir ;;
    *.docx) [ -f "$a" ] && printf '%%PDF-1.4' > "$outdir/$(basename "$a" .docx).pdf" ;;
  esac
done
if [ -f "$prof/user/marked" ]; then echo kept >> "{log}"; else echo new >> "{log}"; fi
echo "$(ls "$prof/user")" > "$prof/user/marked"
"""


def made(folder: Path) -> Path:
    folder.mkdir()
    return folder


def some_files(folder: Path, count: int) -> list[Path]:
    folder.mkdir(exist_ok=True)
    files = [folder / f"letter{n}.docx" for n in range(count)]
    for f in files:
        f.write_bytes(b"PK")
    return files


def test_the_cache_folder_is_the_users_own_on_each_system() -> None:
    assert cache_folder({"LOCALAPPDATA": r"C:\Users\ann\AppData\Local"}, "win32") == Path(r"C:\Users\ann\AppData\Local") / "contractgen" / "cache"
    assert cache_folder({"HOME": "/Users/ann"}, "darwin") == Path("/Users/ann/Library/Caches/contractgen")
    assert cache_folder({"HOME": "/home/ann"}, "linux") == Path("/home/ann/.cache/contractgen")
    assert cache_folder({"HOME": "/home/ann", "XDG_CACHE_HOME": "/var/cache/ann"}, "linux") == Path("/var/cache/ann/contractgen")
    assert cache_folder({"HOME": "/home/ann", "CONTRACTGEN_CACHE_DIR": "/srv/cg"}, "linux") == Path("/srv/cg")
    assert cache_folder({"HOME": "/home/ann", "CONTRACTGEN_CACHE_DIR": ""}, "linux") is None  # keep nothing
    assert cache_folder({}, "win32") is None
    assert cache_folder({}, "linux") is None


def test_a_kept_profile_belongs_to_one_installation(tmp_path: Path) -> None:
    program = tmp_path / "soffice"
    program.write_text("one")
    first = kept_profile(str(program), tmp_path / "cache")
    assert first is not None and first.parent == tmp_path / "cache" and first.name.startswith("libreoffice-profile-")
    assert kept_profile(str(program), tmp_path / "cache") == first
    os.utime(program, ns=(0, 10**18))  # the same installation, upgraded
    assert kept_profile(str(program), tmp_path / "cache") not in (first, None)
    assert kept_profile(str(tmp_path / "gone"), tmp_path / "cache") is None
    assert kept_profile(str(program), None) is None


@POSIX_ONLY
def test_a_profile_is_kept_after_a_conversion_and_later_ones_start_from_it(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    log = tmp_path / "log"
    fake_soffice(tmp_path / "bin", CONVERTING_SOFFICE.replace("{log}", str(log)))
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("CONTRACTGEN_CACHE_DIR", str(tmp_path / "cache"))
    files = some_files(tmp_path / "in", 4)

    assert len(convert_to_pdf(files, made(tmp_path / "out1"), workers=2)) == 4
    assert log.read_text().split() == ["new", "new"]
    (kept,) = (tmp_path / "cache").iterdir()  # whole: no scratch folder beside it
    assert (kept / "user" / "marked").read_text().split() == ["registrymodifications.xcu"]

    assert len(convert_to_pdf(files, made(tmp_path / "out2"), workers=2)) == 4
    assert log.read_text().split() == ["new", "new", "kept", "kept"]
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [kept.name]
    assert files_under(tmp_path / "out2") == [f"letter{n}.pdf" for n in range(4)]  # no scratch folder left


@POSIX_ONLY
def test_no_profile_is_kept_from_a_failed_conversion_or_a_locked_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTRACTGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    files = some_files(tmp_path / "in", 2)
    fake_soffice(tmp_path / "bin", "exit 0")  # converts nothing
    with pytest.raises(ExternalToolError, match="could not convert 2 of 2 files"):
        convert_to_pdf(files, made(tmp_path / "out1"), workers=1)
    assert not (tmp_path / "cache").exists() or list((tmp_path / "cache").iterdir()) == []
    # converts everything, and ends with its profile still locked (LibreOffice's lock: <profile>/.lock)
    fake_soffice(tmp_path / "bin", CONVERTING_SOFFICE.replace("{log}", str(tmp_path / "log")) + 'touch "$prof/.lock"')
    assert len(convert_to_pdf(files, made(tmp_path / "out2"), workers=1)) == 2
    assert not (tmp_path / "cache").exists() or list((tmp_path / "cache").iterdir()) == []


def test_a_kept_profile_is_copied_without_a_lock_and_only_while_it_says_it_is_up_to_date(tmp_path: Path) -> None:
    kept = prepare_profile(tmp_path / "kept")
    (kept / ".lock").write_text("User=ann")
    assert new_profile(tmp_path / "copy", kept) is True
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == ["user"]
    # its settings cut short (a power cut as it was written): LibreOffice would run its self-tests again
    (kept / "user" / "registrymodifications.xcu").write_text('<?xml version="1.0" encoding="UTF-8"?>\n<oor:items')
    assert new_profile(tmp_path / "other", kept) is False
    assert (tmp_path / "other" / "user" / "registrymodifications.xcu").read_text(encoding="utf-8") == PROFILE_SETTINGS
    assert not kept.exists()  # dropped
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy", "other"]  # nothing left of it


@POSIX_ONLY
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="checks processes through /proc")
def test_a_libreoffice_that_hangs_in_a_kept_profile_drops_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTRACTGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    hang = tmp_path / "hang"
    fake_soffice(tmp_path / "bin", f'p="${{1#-env:UserInstallation=file://}}"; [ -f "{hang}" ] && [ -f "$p/user/marked" ] && exec sleep 300\n'
                 + CONVERTING_SOFFICE.replace("{log}", str(tmp_path / "log")))  # fmt: skip
    files = some_files(tmp_path / "in", 2)
    convert_to_pdf(files, made(tmp_path / "out1"), workers=1)
    (kept,) = (tmp_path / "cache").iterdir()
    hang.touch()
    with pytest.raises(ExternalToolError, match="did not finish converting 2 files within 1 s"):
        convert_to_pdf(files, made(tmp_path / "out2"), workers=1, timeout=1)
    assert not kept.exists()


@POSIX_ONLY
def test_letters_reached_before_they_were_written_do_not_drop_the_kept_profile(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Started early, LibreOffice may find a letter not written yet: it converts the rest,
    and the retry converts that one, in a copy of the same kept profile."""
    log = tmp_path / "log"
    monkeypatch.setenv("CONTRACTGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    fake_soffice(tmp_path / "bin", CONVERTING_SOFFICE.replace("{log}", str(log)))
    files = some_files(tmp_path / "in", 3)
    convert_to_pdf(files, made(tmp_path / "out1"), workers=1)
    (kept,) = (tmp_path / "cache").iterdir()
    late = files[0].rename(tmp_path / "late.docx")  # not written yet when LibreOffice starts
    conversion = start_pdf(files, made(tmp_path / "out2"), workers=1, early=True)
    for proc in conversion.procs:
        proc.proc.wait()
    late.rename(files[0])  # written meanwhile
    assert len(conversion.finish()) == 3
    assert log.read_text().split() == ["new", "kept", "kept"]
    assert kept.is_dir()


@POSIX_ONLY
def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "log"
    fake_soffice(tmp_path / "bin", CONVERTING_SOFFICE.replace("{log}", str(log)))
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("CONTRACTGEN_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
    files = some_files(tmp_path / "in", 2)
    for run in range(2):
        assert len(convert_to_pdf(files, made(tmp_path / f"out{run}"), workers=1)) == 2
    assert log.read_text().split() == ["new", "new"]


@POSIX_ONLY
def test_a_conversion_that_fails_in_a_kept_profile_drops_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A damaged kept profile costs one run, not every run: the letters' retry and the
    next run start from a new profile."""
    log = tmp_path / "log"
    monkeypatch.setenv("CONTRACTGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    files = some_files(tmp_path / "in", 2)
    # a LibreOffice that, once broken, fails wherever its profile was kept (marked) and converts in a new one
    broken = tmp_path / "broken"
    fake_soffice(tmp_path / "bin", f'p="${{1#-env:UserInstallation=file://}}"; [ -f "{broken}" ] && [ -f "$p/user/marked" ] && exit 1\n'
                 + CONVERTING_SOFFICE.replace("{log}", str(log)))  # fmt: skip
    convert_to_pdf(files, made(tmp_path / "out1"), workers=1)
    (kept,) = (tmp_path / "cache").iterdir()
    broken.touch()
    with pytest.raises(ExternalToolError, match="could not convert 2 of 2 files"):
        convert_to_pdf(files, made(tmp_path / "out2"), workers=1)
    assert not kept.exists() and list((tmp_path / "cache").iterdir()) == []  # no half-deleted profile either
    assert len(convert_to_pdf(files, made(tmp_path / "out3"), workers=1)) == 2
    assert log.read_text().split() == ["new", "new"]
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [kept.name]  # kept again, from the new one
    # the letters' conversion (started early) tries once more: in a new profile
    assert len(start_pdf(files, made(tmp_path / "out4"), workers=1, early=True).finish()) == 2
    assert log.read_text().split() == ["new", "new", "new"]


def test_a_kept_profile_that_cannot_be_copied_gives_a_new_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = tmp_path / "kept"
    (kept / "user").mkdir(parents=True)
    (kept / "user" / "settings").write_text("kept")

    def copy_fails_halfway(source, target, *args, **kwargs):
        (Path(target) / "user").mkdir(parents=True)
        (Path(target) / "user" / "half").write_text("")
        raise OSError("disk full")

    monkeypatch.setattr(officeprofile.shutil, "copytree", copy_fails_halfway)
    assert new_profile(tmp_path / "profile", kept) is False
    assert sorted(p.name for p in (tmp_path / "profile" / "user").iterdir()) == ["registrymodifications.xcu"]


@pytest.mark.reader
def test_libreoffice_converts_the_same_in_a_kept_profile(ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_soffice()
    pdftotext = require_tool("pdftotext")
    monkeypatch.setenv("CONTRACTGEN_CACHE_DIR", str(tmp_path / "cache"))
    generate_letters(load_workspace(ws), "example-borough", ws / REGISTER, dspt_file=ws / EXPORT, as_of=dt.date(2026, 11, 26),
                     output=tmp_path / "letters", only=["VM1A2", "C4SD"], workers=1)  # fmt: skip
    letters = sorted((tmp_path / "letters").glob("*.docx"))
    texts = []
    for run in range(2):
        pdfs = convert_to_pdf(letters, made(tmp_path / f"pdf{run}"), workers=2)
        texts.append([subprocess.run([pdftotext, str(p), "-"], capture_output=True, text=True, check=True).stdout for p in sorted(pdfs)])
        if run == 0:
            (kept,) = (tmp_path / "cache").iterdir()
            assert (kept / "user" / "registrymodifications.xcu").is_file()
            assert not (kept / "user" / "GraphicsRenderTests.log").exists()
            # LibreOffice's settings only: nothing of the letters, their names or where they are
            told = [str(tmp_path).encode(), b"VM1A2", b"C4SD", b"Maple", b"Daughters", b".docx"]
            for f in kept.rglob("*"):
                assert f.name != ".lock"
                if f.is_file():
                    assert not [t for t in told if t in f.read_bytes()], f
    assert texts[1] == texts[0]
    assert "Smith & Daughters Domiciliary Care" in " ".join(texts[1][0].split() + texts[1][1].split())


# ----------------------------------------------------------------- where LibreOffice is found


def test_libreoffice_is_found_in_its_usual_install_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from contractgen.base import pdf

    places = [str(p) for p in pdf.install_folders({})]
    assert "C:/Program Files/LibreOffice/program/soffice.exe" in [p.replace("\\", "/") for p in places]
    assert "/Applications/LibreOffice.app/Contents/MacOS/soffice" in [p.replace("\\", "/") for p in places]
    windows = pdf.install_folders({"PROGRAMFILES": str(tmp_path / "Program Files")})[0]
    assert windows == tmp_path / "Program Files" / "LibreOffice" / "program" / "soffice.exe"
    windows.parent.mkdir(parents=True)
    windows.write_bytes(b"")
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)  # not on PATH
    monkeypatch.setattr(pdf, "install_folders", lambda env=None: [tmp_path / "nowhere" / "soffice", windows])
    assert pdf.find_soffice() == str(windows)


def test_calc_is_found_beside_writer_or_reported_missing(tmp_path: Path) -> None:
    """test_xlsx_in_libreoffice skips (outside CI) when LibreOffice has Writer but not Calc:
    Calc is its library beside soffice (Linux, Windows) or in Frameworks (macOS)."""
    from conftest import calc_library

    program = tmp_path / "program"
    program.mkdir()
    (program / "soffice").write_bytes(b"")
    assert calc_library(str(program / "soffice")) is None  # Writer only
    (program / "libsclo.so").write_bytes(b"")
    assert calc_library(str(program / "soffice")) == program / "libsclo.so"
    mac = tmp_path / "LibreOffice.app" / "Contents"
    (mac / "MacOS").mkdir(parents=True)
    (mac / "Frameworks").mkdir()
    (mac / "MacOS" / "soffice").write_bytes(b"")
    (mac / "Frameworks" / "libsclo.dylib").write_bytes(b"")
    assert calc_library(str(mac / "MacOS" / "soffice")) == mac / "Frameworks" / "libsclo.dylib"
