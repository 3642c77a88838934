"""Property-based tests (hypothesis): whatever a council types into a profile, a clause,
a register or an export, every command keeps three promises:

1. it exits 0, or 1 with a message, and never prints a traceback;
2. every .docx it writes opens in python-docx (and a sample of them in LibreOffice);
3. it touches nothing outside its output folder.

Settings are modest and derandomised so that CI (2 cores, shared) is deterministic.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import run_cli

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Text a person might type or paste: any character (control characters, quotes, <, &,
#: accents, Arabic, emoji, Jinja and Markdown markers), often short.
FRAGMENTS = st.sampled_from([
    "{{", "}}", "{%", "%}", "{#", "<", ">", "&", "&amp;", "'", '"', "\\", "*", "_", "[", "](", "#", "1.",
    "- ", "\n", "\r\n", "\t", "\x00", "\x0b", "\ufffe", "\u202e", "دار السلام", "😀", "Zoë", "---", ": ",
    "{{ council.name }}", "{% include 'x' %}", "{{ 9**9**9 }}", "31/02/2026", "00/00/0000",
])
TEXT = st.lists(st.one_of(st.text(max_size=12), FRAGMENTS), max_size=6).map("".join)

#: A sample of the documents written, opened in LibreOffice in one batch at the end.
SAMPLED: list[Path] = []
SAMPLE_EVERY = 10


@pytest.fixture
def ws(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(workspace_dir)
    return workspace_dir


def snapshot(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` (outside ``skip``) with its size and modification time."""
    out = {}
    for path in root.rglob("*"):
        if path.is_file() and skip not in path.parents:
            stat = path.stat()
            out[path.relative_to(root).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return out


class Keeps:
    """Run a command in the workspace and check the three promises."""

    def __init__(self, ws: Path, tmp: Path, sampled: Path) -> None:
        self.ws, self.tmp, self.runs = ws, tmp, 0
        self.sampled = sampled  # outlives the test: a passed test's tmp_path is deleted as it ends
        self.sample_every = SAMPLE_EVERY

    def run(self, *args: str) -> None:
        self.runs += 1
        out = self.tmp / f"out{self.runs}"
        before = snapshot(self.tmp.parent, out)
        result = run_cli(*args, "-o", str(out) if args[0] == "letters" else str(out / "s.docx"))
        # 1. exit 0, or 1 with a message; run_cli already failed on any exception/traceback
        assert result.exit_code in (0, 1), result.output
        if result.exit_code == 1:  # letters reports rejected rows in its summary on stdout
            assert (result.stderr + result.stdout).strip(), "refused without a message"
        # 2. every document opens
        for written in sorted(out.rglob("*.docx")) if out.exists() else []:
            docx.Document(str(written))
            if self.runs % self.sample_every == 1 % self.sample_every and len(SAMPLED) < 6:
                kept = self.sampled / f"{len(SAMPLED)}-{written.name}"
                shutil.copy(written, kept)
                SAMPLED.append(kept)
        # 3. nothing outside the output folder
        after = snapshot(self.tmp.parent, out)
        assert after == before, f"files outside the output folder changed: {set(after) ^ set(before)}"


@pytest.fixture(scope="session")
def sampled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the documents sampled for LibreOffice are kept until its test reads them."""
    return tmp_path_factory.mktemp("sampled")


@pytest.fixture
def keeps(ws: Path, tmp_path: Path, sampled: Path) -> Iterator[Keeps]:
    scratch = tmp_path / "runs"
    scratch.mkdir()
    yield Keeps(ws, scratch, sampled)


def profile_with(ws: Path, name: str, address: list[str], reference: str, contact: str) -> None:
    path = ws / "profiles/fuzzed.yaml"
    data = {
        "extends": "example-borough",
        "council": {"name": name, "address": address},
        "contract": {"reference": reference},
        "contacts": {"commissioning": {"name": contact}},
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@SETTINGS
@given(name=TEXT, address=st.lists(TEXT, max_size=3), reference=TEXT, contact=TEXT)
@pytest.mark.slow
def test_any_profile_values(ws: Path, keeps: Keeps, name: str, address: list[str], reference: str, contact: str):
    profile_with(ws, name, address, reference, contact)
    keeps.run("schedule", "fuzzed")


@pytest.fixture
def support_clause(ws: Path) -> tuple[Path, str]:
    """The clause whose text is fuzzed, and its text as shipped."""
    path = ws / "clause_library/clauses/dspt.support.yaml"
    return path, path.read_text(encoding="utf-8")


@SETTINGS
@given(text=TEXT)
@pytest.mark.slow
def test_any_clause_text(keeps: Keeps, support_clause: tuple[Path, str], text: str):
    path, original = support_clause
    block = "".join(f"  {line}\n" for line in text.split("\n"))
    path.write_text(original.replace("text: |\n", f"text: |\n{block}\n", 1), encoding="utf-8")
    keeps.run("schedule", "example-borough")


REGISTER_HEADER = ["name", "ods_code", "contact_name", "email", "address", "cqc_registered", "tier"]
GOOD_ROW = ["Maple Lodge Care Home", "VM1A2", "Grace Okafor", "manager@maplelodge.example.org", "12 Maple Road", "yes", "core"]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


@SETTINGS
@given(name=TEXT, address=TEXT, contact=TEXT)
@pytest.mark.slow
def test_any_provider_name_and_address(ws: Path, keeps: Keeps, name: str, address: str, contact: str):
    row = [name, "VM1A2", contact, "manager@maplelodge.example.org", address, "yes", "core"]
    write_csv(ws / "examples/fuzzed.csv", REGISTER_HEADER, [GOOD_ROW[:1] + ["AH7Q"] + GOOD_ROW[2:], row])
    keeps.run("letters", "example-borough", "-p", "examples/fuzzed.csv", "--dspt", "examples/dspt-export-2026-11-26.csv",
              "--as-of", "2026-11-26", "--workers", "1")


@SETTINGS
@given(column=st.sampled_from(REGISTER_HEADER), value=TEXT, strict=st.booleans())
@pytest.mark.slow
def test_any_register_cell(ws: Path, keeps: Keeps, column: str, value: str, strict: bool):
    row = list(GOOD_ROW)
    row[REGISTER_HEADER.index(column)] = value
    write_csv(ws / "examples/fuzzed.csv", REGISTER_HEADER, [row])
    keeps.run("letters", "example-borough", "-p", "examples/fuzzed.csv", "--no-dspt", "--as-of", "2026-11-26", "--workers", "1",
              *(["--strict"] if strict else []))


EXPORT_HEADER = ["Code", "Organisation Name", "Status", "Date Of Publication", "Primary Sector"]
EXPORT_ROW = ["VM1A2", "MAPLE LODGE CARE HOME", "25/26 Standards Met", "12/06/2026", "Care Home"]
DATES = st.one_of(
    TEXT,
    st.tuples(st.integers(0, 40), st.integers(0, 14), st.integers(0, 3000)).map(lambda t: "%02d/%02d/%04d" % t),
)


@SETTINGS
@given(column=st.sampled_from(EXPORT_HEADER), value=st.one_of(TEXT, DATES))
def test_any_export_cell(ws: Path, keeps: Keeps, column: str, value: str):
    row = list(EXPORT_ROW)
    row[EXPORT_HEADER.index(column)] = value
    write_csv(ws / "examples/fuzzed-export.csv", EXPORT_HEADER, [row])
    keeps.run("letters", "example-borough", "-p", "examples/example-borough-providers.csv", "--dspt",
              "examples/fuzzed-export.csv", "--as-of", "2026-11-26", "--workers", "1", "--only", "VM1A2")


@pytest.mark.reader
def test_a_sample_of_the_fuzzed_documents_opens_in_libreoffice(libreoffice, ws: Path, keeps: Keeps, tmp_path: Path):
    """One LibreOffice batch over the documents sampled by the properties above (pytest
    keeps file order); run alone, it makes its own sample from awkward values."""
    if not SAMPLED:
        keeps.sample_every = 1
        for i, name in enumerate(["Maple & Oak <Care> \"Home\"", "دار السلام 😀", "Zoë {{ x }} {% if %}"]):
            profile_with(ws, name, [name, "\u202e" + name], f"REF/{i}", name)
            keeps.run("schedule", "fuzzed")
    texts = libreoffice.convert_all(SAMPLED, tmp_path, "txt:Text")
    assert len(texts) == len(SAMPLED) >= 3
    assert all(t.stat().st_size > 0 for t in texts)


@SETTINGS
@given(rows=st.lists(st.lists(st.one_of(TEXT, st.sampled_from(["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "'=1"])), max_size=4), max_size=4))
def test_no_csv_cell_contractgen_writes_is_a_formula(rows: list[list[str]]):
    """Every CSV contractgen writes goes through csv_bytes: no cell a spreadsheet would
    evaluate, and contractgen's own readers get the value back."""
    from contractgen.base.csvout import FORMULA_STARTS, csv_bytes, read_csv_cell

    data = csv_bytes(["h"], rows)
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(read) == len(rows) + 1
    for written, original in zip(read[1:], rows):
        for cell, value in zip(written, original):
            assert not cell.startswith(FORMULA_STARTS)
            assert read_csv_cell(cell) == value


FEW = settings(SETTINGS, max_examples=12)


@FEW
@given(day=st.dates(), as_of=st.dates())
def test_any_start_date_and_as_of(ws: Path, day, as_of):
    """Any date in or out of range: a document, or a located error (exit 1) or a usage
    error naming the option (exit 2); never a traceback (run_cli fails on one)."""
    profile = ws / "profiles/example-borough.yaml"
    text = profile.read_text(encoding="utf-8")
    profile.write_text(text.replace("start_date: 2026-04-01", f"start_date: {day.isoformat()}"), encoding="utf-8")
    try:
        result = run_cli("schedule", "example-borough", "-o", "s.docx")
        assert result.exit_code in (0, 1), result.output
        if result.exit_code == 1:
            assert result.stderr.startswith("profiles/example-borough.yaml:16:"), result.stderr
        letters = run_cli("letters", "example-borough", "-p", "examples/example-borough-providers.csv", "--no-dspt",
                          "--as-of", as_of.isoformat(), "--force", "--only", "VM1A2")
        assert letters.exit_code in (0, 1, 2), letters.output
        if letters.exit_code == 2:
            assert "'--as-of'" in letters.stderr
    finally:
        profile.write_text(text, encoding="utf-8")


@FEW
@given(name=st.sampled_from(["remedial_plan_working_days", "remedial_period_months", "incident_notice_hours",
                             "new_provider_grace_months"]),
       value=st.one_of(st.integers(-10**6, 10**6), st.integers(-10**40, 10**40)))
def test_any_parameter_value(ws: Path, name: str, value: int):
    profile = ws / "profiles/example-borough.yaml"
    text = profile.read_text(encoding="utf-8")
    profile.write_text(text + f"parameters:\n  {name}: {value}\n", encoding="utf-8")
    try:
        result = run_cli("schedule", "example-borough", "-o", "s.docx")
        assert result.exit_code in (0, 1), result.output
        if result.exit_code == 1:
            assert result.stderr.startswith(f"profiles/example-borough.yaml:{len(text.splitlines()) + 2}:3: parameters.{name}: "), result.stderr
    finally:
        profile.write_text(text, encoding="utf-8")
