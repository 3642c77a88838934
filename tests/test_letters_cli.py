"""``contractgen letters`` and ``contractgen build`` on the command line: the printed
summary, messages, exit codes, and Ctrl-C in the middle of a batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import docx
import pytest

from contractgen.letters.render import LetterRenderer
from helpers import files_under, run_cli
from test_letters import EXAMPLE_KINDS, provider_row, read_report, write_export, write_register

ROOT = Path(__file__).resolve().parent.parent
REGISTER = "examples/example-borough-providers.csv"
EXPORT = "examples/dspt-export-2026-11-26.csv"
INTERRUPTED = "interrupted: finished files were kept, no file was left half-written"


@pytest.fixture
def ws(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in a copy of the example workspace, as a user in their workspace folder."""
    monkeypatch.chdir(workspace_dir)
    return workspace_dir


def letters(*args: str):
    return run_cli("letters", *args, "--workers", "1")


def example_letters(*args: str):
    return letters("example-borough", "--providers", REGISTER, "--dspt", EXPORT, "--as-of", "2026-11-26", *args)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in files_under(folder)}


# ----------------------------------------------------------------- the summary


def test_summary_example_borough(ws: Path) -> None:
    result = example_letters()
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "wrote 10 letters to out/example-borough-letters (1 start, 2 lapsed, 1 remedy, 2 improve, 3 confirm, 1 certificate)",
        "report: out/example-borough-letters/report.csv",
    ]
    assert result.stderr == ""
    rows = read_report(ws / "out" / "example-borough-letters")
    assert {r["ods_code"]: r["letter_kind"] for r in rows} == EXAMPLE_KINDS


def test_a_near_match_is_held_and_exits_1(ws: Path) -> None:
    register = ws / REGISTER
    register.write_text(register.read_text(encoding="utf-8").replace(",VN3B8,", ",VN3B7,"), encoding="utf-8")
    result = example_letters()
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "wrote 9 letters to out/example-borough-letters (1 start, 2 lapsed, 1 remedy, 2 improve, 2 confirm, 1 certificate)",
        "1 provider held for review (no letter): the export has no row with the register's code but has a near "
        "match; correct the code in the register, or check the organisation on the DSPT, then run again:",
        "  VN3B7 Dar Al-Salam Care (دار السلام للرعاية); near match in the export: VN3B8 DAR AL-SALAM CARE LIMITED",
        "report: out/example-borough-letters/report.csv",
    ]
    assert (ws / "out" / "example-borough-letters" / "unmatched.csv").is_file()


def test_without_dspt_the_user_must_choose(ws: Path) -> None:
    refused = letters("example-borough", "--providers", REGISTER, "--as-of", "2026-11-26")
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        "error: no DSPT export given: pass --dspt FILE (the CSV from the DSPT organisation search), or --no-dspt "
        "to write letters that say nothing about each provider's DSPT record"
    ]
    assert files_under(ws / "out") == []
    chosen = letters("example-borough", "--providers", REGISTER, "--as-of", "2026-11-26", "--no-dspt")
    assert chosen.exit_code == 0, chosen.stderr
    assert chosen.stdout.splitlines() == [
        "wrote 10 letters to out/example-borough-letters (10 start)",
        "no DSPT export read (--no-dspt): the letters say nothing about the providers' DSPT records",
        "report: out/example-borough-letters/report.csv",
    ]


def test_an_impossible_year_prefix_is_a_warning_with_its_row(ws: Path) -> None:
    export = write_export(ws / "export.csv", [("VM1A2", "MAPLE LODGE CARE HOME", "25/26 Standards Met", "10/07/2025")])
    result = letters("example-borough", "-p", REGISTER, "--dspt", "export.csv", "--as-of", "2026-11-26",
                     "--only", "VM1A2", "-o", "out", "--accept-export", "a one-row export for this test")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1] == (
        f"warning: {export.name}:2: Status: the status '25/26 Standards Met' is for 2025-26, which could be published "
        "only from 01/09/2025 to 31/08/2026, but the publication is dated 10/07/2025; the year in the status is "
        "used: check the row against the organisation's DSPT page"
    )


def test_summary_riverside_and_vale(ws: Path) -> None:
    result = letters("riverside-and-vale", "-p", "examples/riverside-and-vale-providers.csv", "--dspt", EXPORT,
                     "--as-of", "2026-11-26", "-o", "rv")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "wrote 6 letters to rv (1 start, 1 lapsed, 1 improve, 2 renew, 1 certificate)",
        "report: rv/report.csv",
    ]


def test_summary_with_rejected_rows_exits_1(ws: Path) -> None:
    write_register(ws / "providers.csv", [
        provider_row("Maple Lodge", "VM1A2"),
        ["Two Problems", "AH7Q", "", "not-an-email", "", "maybe", "core"],
        provider_row("Bad Code", "../X1"),
        provider_row("Willow Tree", "AW2T"),
    ])  # fmt: skip
    result = letters("example-borough", "-p", "providers.csv", "--dspt", EXPORT, "--as-of", "2026-11-26", "-o", "out")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "wrote 2 letters to out (1 remedy, 1 confirm)",
        "2 register rows rejected (no letter written):",
        "  providers.csv:3: email: 'not-an-email' is not an email address; write one address like name@example.org, "
        "or leave the cell blank",
        "  providers.csv:3: cqc_registered: 'maybe' is not yes or no; write yes, no or leave it blank",
        "  providers.csv:4: ods_code: '../X1' is not an ODS code; ODS codes are 3 to 6 letters and digits, "
        "e.g. VM79V or ADAG",
        "report: out/report.csv",
    ]
    # the rejected rows are in report.csv too (they used to be missing: an intended change)
    assert [(r["ods_code"], r["letter_kind"]) for r in read_report(ws / "out")] == [
        ("VM1A2", "confirm"), ("AW2T", "remedy"), ("AH7Q", "rejected"), ("../X1", "rejected")]


def test_summary_with_no_letters(ws: Path) -> None:
    result = example_letters("--kind", "renew")  # nobody is in the renewal window
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "wrote 0 letters to out/example-borough-letters",
        "report: out/example-borough-letters/report.csv",
    ]
    assert read_report(ws / "out" / "example-borough-letters") == []


def test_only_and_kind_options(ws: Path) -> None:
    result = example_letters("--only", "vm1a2", "--only", "AW2T", "--kind", "REMEDY")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "wrote 1 letter to out/example-borough-letters (1 remedy)"
    assert [r["ods_code"] for r in read_report(ws / "out" / "example-borough-letters")] == ["AW2T"]


# ----------------------------------------------------------------- refusals


def test_strict_stops_at_a_bad_row_and_writes_nothing(ws: Path) -> None:
    write_register(ws / "providers.csv", [provider_row("Maple Lodge", "VM1A2"), provider_row("", "AH7Q"),
                                          provider_row("Bad Code", "../X1")])  # fmt: skip
    result = letters("example-borough", "-p", "providers.csv", "--strict", "--no-dspt")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "providers.csv:3: name: missing provider name; every provider needs one",
        "providers.csv:4: ods_code: '../X1' is not an ODS code; ODS codes are 3 to 6 letters and digits, e.g. VM79V or ADAG",
        "error: providers.csv: 2 problems in the provider register; correct the rows named above",
    ]
    assert files_under(ws / "out") == []


def test_existing_letters_need_force(ws: Path) -> None:
    assert example_letters().exit_code == 0
    folder = ws / "out" / "example-borough-letters"
    before = snapshot(folder)
    again = example_letters()
    assert again.exit_code == 1
    assert again.stdout == ""
    assert again.stderr.splitlines() == [
        f"error: {len(before)} files already exist in out/example-borough-letters "
        "(first: VM1A2-maple-lodge-care-home.docx); use --force to overwrite them, or choose another folder with -o"
    ]
    assert snapshot(folder) == before
    forced = example_letters("--force")
    assert forced.exit_code == 0, forced.stderr
    assert snapshot(folder) == before  # the same letters, byte for byte


def test_as_of_is_taken_day_first_too(ws: Path) -> None:
    """--as-of 26/11/2026 (as a council writes it) is 26 November 2026, as 2026-11-26 is
    (an intended change: it was refused as not matching '%Y-%m-%d')."""
    iso = letters("example-borough", "--providers", REGISTER, "--dspt", EXPORT, "--as-of", "2026-11-26", "-o", "iso")
    english = letters("example-borough", "--providers", REGISTER, "--dspt", EXPORT, "--as-of", "26/11/2026", "-o", "english")
    assert iso.exit_code == english.exit_code == 0, english.output
    assert (ws / "iso" / "report.csv").read_bytes() == (ws / "english" / "report.csv").read_bytes()
    assert "2026-12-24" in (ws / "english" / "report.csv").read_text(encoding="utf-8-sig")  # response_by, 20 working days on


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["letters", "nope", "-p", REGISTER],
         "error: no profile 'nope'; profiles in profiles: example-borough, riverside-and-vale"),
        (["letters", "example-borough", "-p", REGISTER, "--as-of", "2026-13-01"],
         "Error: Invalid value for '--as-of': '2026-13-01' is not a date: write it as YYYY-MM-DD (2026-11-26) or DD/MM/YYYY (26/11/2026)."),
        (["letters", "example-borough", "-p", REGISTER, "--as-of", "11/26/2026"],  # month first: no 26th month
         "Error: Invalid value for '--as-of': '11/26/2026' is not a date: write it as YYYY-MM-DD (2026-11-26) or DD/MM/YYYY (26/11/2026)."),
        (["letters", "example-borough", "-p", REGISTER, "--kind", "gold"],
         "Error: Invalid value for '--kind': 'gold' is not one of 'start', 'lapsed', 'remedy', 'improve', 'renew', "
         "'confirm', 'overdue', 'progress', 'certificate'."),
        (["letters", "example-borough", "-p", REGISTER, "--no-dspt", "--only", "VM1A2", "--only", "ZZZ9"],
         "error: --only ZZZ9: no provider with that ODS code in examples/example-borough-providers.csv"),
        (["letters", "example-borough"], "Error: Missing option '--providers' / '-p'."),
        (["letters", "example-borough", "-p", "missing.csv"],
         "Error: Invalid value for '--providers' / '-p': File 'missing.csv' does not exist."),
    ],
)  # fmt: skip
def test_usage_errors_exit_2_and_write_nothing(ws: Path, args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == message
    assert result.stdout == ""
    assert files_under(ws / "out") == []


def test_an_output_folder_that_cannot_be_made(ws: Path) -> None:
    (ws / "a-file").write_text("not a folder", encoding="utf-8")
    result = example_letters("-o", "a-file/letters")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot create the folder a-file/letters: ")
    assert result.stderr.rstrip().endswith("choose another folder with -o")


# ----------------------------------------------------------------- interruptions


def test_interrupted_in_process_exits_130_with_whole_letters(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = LetterRenderer.render
    calls = {"n": 0}

    def render(self, provider, position):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(self, provider, position)

    monkeypatch.setattr(LetterRenderer, "render", render)
    result = example_letters()
    assert result.exit_code == 130
    assert result.stderr.splitlines() == [INTERRUPTED]
    folder = ws / "out" / "example-borough-letters"
    assert len(files_under(folder)) == 3
    for name in files_under(folder):
        assert name.endswith(".docx")
        docx.Document(str(folder / name))


#: ``python -c`` for the Ctrl-C test: contractgen, with the letters after the first ten
#: held in the workers until the parent has received SIGINT (its handler releases them,
#: then raises KeyboardInterrupt as Python's own does). So the interruption always comes
#: mid-batch, whatever the speed of the machine: no timing, no retry.
HELD_BATCH = """
import signal, sys, time
from pathlib import Path
import contractgen.letters.pool as pool
from contractgen.cli import main
release = Path(sys.argv.pop(1))
write_one = pool._write_one
def held_write_one(job):
    if int(job.file.removesuffix(".docx").rsplit("-", 1)[1]) >= 10:
        give_up = time.monotonic() + 120
        while not release.exists() and time.monotonic() < give_up:
            time.sleep(0.005)
    return write_one(job)
pool._write_one = held_write_one
def interrupted(signum, frame):
    release.touch()
    raise KeyboardInterrupt
signal.signal(signal.SIGINT, interrupted)
sys.argv[0] = "contractgen"
main()
"""


@pytest.mark.skipif(os.name != "posix", reason="Ctrl-C is simulated with SIGINT to a process group (POSIX)")
@pytest.mark.slow
def test_ctrl_c_mid_batch_leaves_only_whole_letters(workspace_dir: Path, tmp_path: Path) -> None:
    count = 300
    rows = [provider_row(f"Provider & Sons {i}", f"V{'LMN'[i % 3]}{i:03d}", ("foundation", "core", "advanced")[i % 3])
            for i in range(count)]  # fmt: skip
    register = write_register(tmp_path / "providers.csv", rows)
    export = write_export(tmp_path / "dspt-export-2026-11-26.csv", [(r[1], r[0].upper(), "25/26 Standards Met", "12/06/2026") for r in rows])
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-c", HELD_BATCH, str(tmp_path / "release"), "-w", str(workspace_dir), "letters",
               "example-borough", "-p", str(register), "--dspt", str(export), "--as-of", "2026-11-26", "-o", str(out),
               "--workers", "2"]  # fmt: skip
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120  # for a hang only: the outcome does not depend on it
        while len(list(out.glob("*.docx"))) < 10:  # the first ten are written, the rest held
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the first ten letters were not written within 120 s"
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole group gets SIGINT
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    err = stderr.decode()
    assert proc.returncode == 130, err
    assert err.splitlines() == [INTERRUPTED]  # no worker's traceback either
    assert stdout == b""
    names = files_under(out)
    letters = [n for n in names if n.endswith(".docx")]
    assert names == letters, "temporary files or a report were left behind"
    assert 10 <= len(letters) < count  # the letters in progress were finished, the rest not started
    for name in letters:
        with zipfile.ZipFile(out / name) as z:
            assert z.testzip() is None, name
        docx.Document(str(out / name))


# ----------------------------------------------------------------- contractgen build


def test_build_writes_both_councils_letters(ws: Path) -> None:
    result = run_cli("build")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "built 6 schedules and 16 letters for 2 councils and 2 market overviews in out"  # every tier the registers use
    assert "wrote 10 letters to out/example-borough-letters (1 start, 2 lapsed, 1 remedy, 2 improve, 3 confirm, 1 certificate)" in lines
    assert "wrote 6 letters to out/riverside-and-vale-letters (1 start, 1 lapsed, 1 improve, 2 renew, 1 certificate)" in lines
    assert "report: out/example-borough-letters/report.csv" in lines
    assert "report: out/riverside-and-vale-letters/report.csv" in lines
    for council, count in (("example-borough", 10), ("riverside-and-vale", 6)):
        folder = ws / "out" / f"{council}-letters"
        assert len([n for n in files_under(folder) if n.endswith(".docx")]) == count
        assert len(read_report(folder)) == count
    before = snapshot(ws / "out" / "example-borough-letters")
    again = run_cli("build")  # the build owns its folders: it overwrites, with the same bytes
    assert again.exit_code == 0, again.stderr
    assert snapshot(ws / "out" / "example-borough-letters") == before


def test_letters_help(ws: Path) -> None:
    result = run_cli("letters", "--help")
    assert result.exit_code == 0
    for option in ("--providers", "--dspt", "--as-of", "--output", "--only", "--kind", "--pdf", "--force", "--strict"):
        assert option in result.stdout


def test_build_letters_without_an_export_must_say_no_dspt(ws: Path) -> None:
    config = ws / "contractgen.yaml"
    text = config.read_text(encoding="utf-8")
    riverside = "      providers: examples/riverside-and-vale-providers.csv\n      dspt: examples/dspt-export-2026-11-26.csv\n"
    assert riverside in text
    config.write_text(text.replace(riverside, "      providers: examples/riverside-and-vale-providers.csv\n"), encoding="utf-8")
    refused = run_cli("build")
    assert refused.exit_code == 1
    assert "  error: no DSPT export given: pass --dspt FILE (the CSV from the DSPT organisation search), or --no-dspt " \
           "to write letters that say nothing about each provider's DSPT record" in refused.stderr.splitlines()
    config.write_text(text.replace(riverside, riverside.replace("dspt: examples/dspt-export-2026-11-26.csv", "no_dspt: true")),
                      encoding="utf-8")  # fmt: skip
    built = run_cli("build")
    assert built.exit_code == 0, built.stderr
    assert "no DSPT export read (--no-dspt): the letters say nothing about the providers' DSPT records" in built.stdout
