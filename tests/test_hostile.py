"""The hostile corpus (tests/hostile/): every file is one class of bad input, run through
every command that reads that kind of file. Each must end in its exact message and exit
code 1: no traceback, no hang, nothing written.

The binary files are built by tests/hostile/build_corpus.py; the limits are in
contractgen/base/untrusted.py and docs/security.md "Safety limits".
"""

from __future__ import annotations

import importlib.util
import shutil
import signal
from pathlib import Path
from types import ModuleType
from xml.sax.saxutils import escape

import pytest

from helpers import files_under, run_cli

HOSTILE = Path(__file__).resolve().parent / "hostile"
LETTERS = ("letters", "example-borough", "-p", "examples/example-borough-providers.csv", "--as-of", "2026-11-26")


@pytest.fixture
def ws(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(workspace_dir)
    monkeypatch.setattr("contractgen.base.untrusted.MAX_RENDER_SECONDS", 2.0)
    return workspace_dir


def refused(*args: str) -> list[str]:
    """Run a command that must refuse its input: exit 1, stderr lines, nothing on stdout."""
    result = run_cli(*args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    return result.stderr.splitlines()


def build_corpus() -> ModuleType:
    """tests/hostile/build_corpus.py (the folder is not a package)."""
    spec = importlib.util.spec_from_file_location("build_corpus", HOSTILE / "build_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_corpus_is_what_build_corpus_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    build_corpus = globals()["build_corpus"]()
    monkeypatch.setattr(build_corpus, "HERE", tmp_path)
    build_corpus.main()
    for built in tmp_path.rglob("*.*"):
        assert (HOSTILE / built.relative_to(tmp_path)).read_bytes() == built.read_bytes(), built.name


# ------------------------------------------------------------------------------- YAML

NESTED = "the data is nested more than 50 levels deep; contractgen files need a few levels: check the indentation and brackets"
YAML_CASES = {
    "deep-nesting.yaml": f"2:57: {NESTED}",
    "alias-loop.yaml": (
        "2:13: council.name[1]: the data is nested more than 50 levels deep (an alias *name inside the value it "
        "names repeats it without end); write the values out"
    ),
    "alias-bomb.yaml": (
        "1:34: a5[0][6][8][8][8][8]: the file expands to more than 200000 values (through anchors and aliases); write the values out "
        "instead of repeating aliases"
    ),
    "python-tag.yaml": (
        "2:9: council.name: the YAML tag !!python/object/apply:os.system is not allowed: contractgen reads plain "
        "data (text, numbers, dates, true/false, lists and mappings) only; remove the tag"
    ),
    "duplicate-key.yaml": "3:3: council.name: duplicate key 'name' (first defined on line 2); remove one of them",
    "tab-indent.yaml": (
        "2:1: YAML syntax error: while scanning for the next token, found character '\\t' that cannot start any "
        "token; indent with spaces, not tabs"
    ),
    "two-documents.yaml": (
        "3:1: YAML syntax error: expected a single document in the stream, but found another document; a file "
        "holds one document: remove the `---` line"
    ),
    "not-utf8.yaml": "2: not UTF-8 text (byte 0xe9); save the file as UTF-8",
    "jinja-in-yaml.yaml": "2:10: council.name: keys must be plain text, not lists or mappings",
}


@pytest.mark.parametrize("name", sorted(YAML_CASES))
def test_hostile_yaml_as_a_profile(ws: Path, name: str):
    shutil.copy(HOSTILE / "yaml" / name, ws / "profiles/hostile.yaml")
    problem = f"profiles/hostile.yaml:{YAML_CASES[name]}"
    assert refused("schedule", "hostile")[0] == problem
    assert refused("validate")[0] == problem
    assert files_under(ws / "out") == []


@pytest.mark.parametrize("name", sorted(YAML_CASES))
def test_hostile_yaml_as_a_clause(ws: Path, name: str):
    shutil.copy(HOSTILE / "yaml" / name, ws / "clause_library/clauses/hostile.yaml")
    problem = f"clause_library/clauses/hostile.yaml:{YAML_CASES[name]}"
    assert refused("clauses", "list") == [problem, "error: 1 problem in the clause library"]
    assert refused("validate")[0] == problem
    assert refused("schedule", "example-borough")[0] == problem


@pytest.mark.parametrize("name", sorted(YAML_CASES))
@pytest.mark.parametrize("target", ["contractgen.yaml", "clause_library/library.yaml"])
def test_hostile_yaml_as_the_workspace_or_library_file(ws: Path, name: str, target: str):
    shutil.copy(HOSTILE / "yaml" / name, ws / target)
    assert refused("validate")[0] == f"{target}:{YAML_CASES[name]}"


# ------------------------------------------------------------------------------- Jinja

LOADING = "template syntax error: {{% {} %}} is not allowed: a template cannot load other templates; write the text here instead"
TOO_LARGE = "the number 1000000000 is too large for a template (the limit is 100000)"
TOO_LONG = "a value would be longer than 2,000,000 characters or items"
REPEATED = "the repeated text or list would be too long for a template"
#: file -> (it is refused when compiled, the rule)
JINJA_CASES = {
    "include.j2": (True, LOADING.format("include")),
    "import.j2": (True, LOADING.format("import")),
    "from-import.j2": (True, LOADING.format("from ... import")),
    "extends.j2": (True, LOADING.format("extends")),
    "power-tower.j2": (False, "the power 387420489 is too large for a template"),
    "huge-power.j2": (False, "the power 1000000 is too large for a template"),
    "repeat-text.j2": (False, REPEATED),
    "repeat-list.j2": (False, REPEATED),
    "huge-range.j2": (False, TOO_LARGE),
    "wide-filter.j2": (False, TOO_LARGE),
    "wide-method.j2": (False, TOO_LARGE),
    "wide-format.j2": (False, "the format '%0999999999' asks for a width above 100000"),
    "replace-growth.j2": (False, TOO_LONG),
    "namespace-doubling.j2": (False, TOO_LONG),
    "recursion.j2": (False, "a macro or recursive loop calls itself too deeply"),
    "endless-loop.j2": (False, "rendering took longer than 2 seconds (a loop too large?)"),
    "dunder.j2": (False, "access to attribute '__class__' of 'str' object is unsafe"),
    "division-by-zero.j2": (False, "cannot work out 1 / 0: division by zero"),
}


def jinja(name: str) -> str:
    return (HOSTILE / "jinja" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(JINJA_CASES))
def test_hostile_jinja_in_clause_text(ws: Path, name: str):
    clause = ws / "clause_library/clauses/dspt.support.yaml"
    clause.write_text(clause.read_text(encoding="utf-8").replace("text: |\n", f"text: |\n  Bad {jinja(name)} here.\n\n", 1), encoding="utf-8")
    at_compile, rule = JINJA_CASES[name]
    if at_compile:
        expected = [f"clause_library/clauses/dspt.support.yaml:13: text: {rule}", "error: 1 problem in the clause library"]
        assert refused("validate")[0] == expected[0]
    else:
        expected = [
            f"clause_library/clauses/dspt.support.yaml:12:1: text: cannot render clause text: {rule}; check the {{{{ }}}} tags",
            f"error: clause dspt.support: {rule}",
        ]
    assert refused("schedule", "example-borough") == expected
    assert files_under(ws / "out") == []


@pytest.mark.parametrize("name", sorted(JINJA_CASES))
def test_hostile_jinja_in_a_word_template(ws: Path, name: str):
    corpus = build_corpus()
    source = jinja(name)
    body = corpus.document(escape(source))
    (ws / "templates/schedule.docx").write_bytes(corpus.docx({"word/document.xml": body}))
    at_compile, rule = JINJA_CASES[name]
    where = "templates/schedule.docx: body" + ("" if name == "recursion.j2" else f', paragraph "{source[:80]}"')
    if at_compile:  # the problem already says what failed
        expected = [f"{where}: {rule}"]
    else:
        message = f"the template cannot be rendered: {rule}; fix the tag in Word (docs/branding.md 'Template variables')"
        expected = [f"{where}: {message}", f"error: {message}"]
    assert refused("schedule", "example-borough") == expected
    assert files_under(ws / "out") == []


# ------------------------------------------------------------------------------- Word files

RESAVE = "open the template in Word and save it again as .docx"
DTD = (
    "word/document.xml declares a DTD (<!DOCTYPE ...>), which Word documents never hold and contractgen refuses "
    "(it can hide entities that read other files); "
)
NOT_ZIP = "not a Word .docx file (it is not a zip package); save it from Word as .docx"
#: file -> the message for a template ({resave} is how to get a sound file)
TEMPLATE_CASES = {
    "not-a-zip.docx": NOT_ZIP,
    "truncated.docx": NOT_ZIP,
    "no-document.docx": "not a Word document: it has no word/document.xml; save it from Word as .docx",
    "not-well-formed.docx": (
        "word/document.xml is not well-formed XML (Premature end of data in tag body line 2, line 2, column 92); {resave}"
    ),
    "utf16.docx": "word/document.xml is UTF-16 text, not UTF-8 as Word writes it; {resave}",
    "stray-byte.docx": "word/document.xml is not UTF-8 text (byte 0xff on line 2); {resave}",
    "xxe.docx": DTD + "{resave}",
    "entity-expansion.docx": DTD + "{resave}",
    "zip-bomb.docx": "the package member word/media/filler.bin expands 1025 times (more than 200): it looks like a zip bomb; {resave}",
    "path-traversal.docx": "the package holds a file named '../../evil.txt', which points outside the package; {resave}",
    "too-many-members.docx": "the package holds 2004 files, more than the limit of 2000; {resave}",
}


@pytest.mark.parametrize("name", sorted(TEMPLATE_CASES))
def test_hostile_word_template(ws: Path, name: str):
    message = TEMPLATE_CASES[name].format(resave=RESAVE)
    shutil.copy(HOSTILE / "templates" / name, ws / "templates/schedule.docx")
    assert refused("schedule", "example-borough") == [f"templates/schedule.docx: {message}"]
    assert refused("validate")[0] == f"templates/schedule.docx: {message}"
    shutil.copy(HOSTILE / "templates" / name, ws / "templates/letter.docx")
    assert refused(*LETTERS, "--no-dspt") == [f"templates/letter.docx: {message}"]
    assert files_under(ws / "out") == []
    assert not (ws.parent / "evil.txt").exists()


#: textconv (git diff) reads documents leniently: what it cannot read it says so.
TEXTCONV_CASES = {
    "not-a-zip.docx": "error: d.docx is not a Word document (.docx); open it in Word and save it as 'Word Document (.docx)'",
    "truncated.docx": "error: d.docx is not a Word document (.docx); open it in Word and save it as 'Word Document (.docx)'",
    "no-document.docx": (
        "error: d.docx has no Word document body; it is not a .docx (or it was saved as Strict Open XML): "
        "save it as 'Word Document (.docx)'"
    ),
    "not-well-formed.docx": (
        "error: d.docx: word/document.xml is not well-formed XML (Premature end of data in tag body line 2, line 2, "
        "column 92 (<string>, line 2)); the file is damaged, open and re-save it in Word"
    ),
    "stray-byte.docx": (
        "error: d.docx: word/document.xml is not well-formed XML (Invalid bytes in character encoding, line 2, "
        "column 92 (<string>, line 2)); the file is damaged, open and re-save it in Word"
    ),
    "zip-bomb.docx": (
        "d.docx: the package member word/media/filler.bin expands 1025 times (more than 200): it looks like a zip "
        "bomb; open it in Word and save it again as .docx"
    ),
    "path-traversal.docx": (
        "d.docx: the package holds a file named '../../evil.txt', which points outside the package; open it in "
        "Word and save it again as .docx"
    ),
    "too-many-members.docx": (
        "d.docx: the package holds 2004 files, more than the limit of 2000; open it in Word and save it again as .docx"
    ),
}


@pytest.mark.parametrize("name", sorted(TEMPLATE_CASES))
def test_hostile_document_through_textconv(ws: Path, name: str):
    shutil.copy(HOSTILE / "templates" / name, ws / "d.docx")
    if name in TEXTCONV_CASES:
        assert refused("textconv", "d.docx") == [TEXTCONV_CASES[name]]
    else:  # readable text; entities are never expanded or fetched
        result = run_cli("textconv", "d.docx")
        assert result.exit_code == 0
        assert "root:" not in result.stdout and "aaaaaaaaaa" not in result.stdout


# ------------------------------------------------------------------------------- registers and exports

REGISTER_CASES = {
    "impossible-date.xlsx": [
        "R:2: contact_name: Excel stores '2026-02-31' here as a date that does not exist; type the date again as "
        "dd/mm/yyyy, or clear the cell",
        "error: R: 1 problem in the provider register; correct the rows named above",
    ],
    "year-zero.xlsx": [
        "R:2: contact_name: Excel stores '0000-01-01' here as a date that does not exist; type the date again as "
        "dd/mm/yyyy, or clear the cell",
        "error: R: 1 problem in the provider register; correct the rows named above",
    ],
    "not-a-zip.xlsx": ["R: cannot open the Excel workbook (File is not a zip file); save it again as .xlsx"],
    "not-utf8.csv": ["R:2: not UTF-8 text (byte 0xe9); save the file as UTF-8"],
    "nul-byte.csv": [
        "R:2: name: contains the control character U+0000, which a Word letter cannot hold; delete it from the cell "
        "(it is often pasted invisibly from another program)",
        "error: R: 1 problem in the provider register; correct the rows named above",
    ],
}


@pytest.mark.parametrize("name", sorted(REGISTER_CASES))
def test_hostile_register(ws: Path, name: str):
    shown = f"examples/{name}"
    shutil.copy(HOSTILE / "registers" / name, ws / shown)
    args = ("letters", "example-borough", "-p", shown, "--no-dspt", "--as-of", "2026-11-26", "--strict")
    assert refused(*args) == [line.replace("R:", f"{shown}:") for line in REGISTER_CASES[name]]
    assert files_under(ws / "out") == []


DATE_FIX = "write it as dd/mm/yyyy (e.g. 30/06/2025) or leave it blank"
EXCEL_DATE = "Excel stores {!r} here as a date that does not exist; type the date again as dd/mm/yyyy, or clear the cell"
EXPORT_CASES = {
    "impossible-date.csv": f"2: Date Of Publication: the date '31/02/2026' does not exist (check the day, the month and the year); {DATE_FIX}",
    "zero-date.csv": f"2: Date Of Publication: the date '00/00/0000' does not exist (check the day, the month and the year); {DATE_FIX}",
    "year-zero.csv": f"2: Date Of Publication: the date '29/02/0000' does not exist (check the day, the month and the year); {DATE_FIX}",
    "impossible-date.xlsx": "2: Date Of Publication: " + EXCEL_DATE.format("2026-02-31"),
    "zero-date.xlsx": "2: Date Of Publication: " + EXCEL_DATE.format("0000-00-00"),
    "zip-bomb.xlsx": " the package member xl/filler.bin expands 1025 times (more than 200): it looks like a zip bomb; save it again as .xlsx",
    "entity-expansion.xlsx": (
        " cannot open the Excel workbook (limit on input amplification factor (from DTD and entities) breached: "
        "line 3, column 476); save it again as .xlsx"
    ),
    "damaged-sheet.xlsx": " cannot open the Excel workbook (no element found: line 2, column 317); save it again as .xlsx",
}
#: Files that cannot be read at all: one line, no row problems.
UNREADABLE = {"zip-bomb.xlsx", "entity-expansion.xlsx", "damaged-sheet.xlsx"}


@pytest.mark.parametrize("name", sorted(EXPORT_CASES))
def test_hostile_dspt_export(ws: Path, name: str):
    shown = f"examples/{name}"
    shutil.copy(HOSTILE / "exports" / name, ws / shown)
    lines = refused(*LETTERS, "--dspt", shown)
    assert lines[0] == f"{shown}:{EXPORT_CASES[name]}"
    if name in UNREADABLE:
        assert lines[1:] == []
    else:
        assert lines[1:] == [f"error: {shown}: 1 problem in the DSPT export; correct it or download the export again"]
    assert files_under(ws / "out") == []


def test_a_render_that_never_ends_is_stopped_by_the_timer(monkeypatch: pytest.MonkeyPatch):
    """The timer interrupts a loop that yields no output (checks between chunks cannot)."""
    import time

    from contractgen.base.environment import clause_environment
    from contractgen.base.untrusted import RenderLimitError, render_bounded

    monkeypatch.setattr("contractgen.base.untrusted.MAX_RENDER_SECONDS", 0.5)
    template = clause_environment().from_string(jinja("endless-loop.j2"))
    handler = signal.getsignal(signal.SIGALRM)
    started = time.monotonic()
    with pytest.raises(RenderLimitError, match="rendering took longer than 0.5 seconds"):
        render_bounded(template, {})
    assert time.monotonic() - started < 5
    assert signal.getsignal(signal.SIGALRM) == handler  # the caller's handler is back


def test_the_readme_lists_the_limits():
    from contractgen.base import environment
    from contractgen.base import untrusted
    from contractgen.base import yamlio

    section = (Path(__file__).resolve().parent.parent / "docs" / "security.md").read_text(encoding="utf-8").split("## Safety limits")[1]
    section = section.split("\n## ")[0].replace(",", "")
    for value in (
        f"{untrusted.MAX_YAML_BYTES // 1_000_000} MB", f"{untrusted.MAX_YAML_DEPTH} levels", f"{yamlio.MAX_VALUES} values",
        f"{untrusted.MAX_ZIP_MEMBERS} zip members", f"{untrusted.MAX_ZIP_BYTES // 1_000_000} MB uncompressed",
        f"{untrusted.MAX_ZIP_RATIO} times", f"{environment.MAX_INT_BITS} bits", f"{environment.MAX_REPEAT} characters",
        f"above {untrusted.MAX_ARGUMENT} passed", f"{untrusted.MAX_VALUE_CHARS} characters or items",
        f"{untrusted.MAX_RENDER_CHARS} characters out", f"{untrusted.MAX_RENDER_SECONDS:g} seconds per render",
        f"CSV at most {untrusted.MAX_TABLE_BYTES // 1_000_000} MB", f"at most {untrusted.MAX_IMAGE_BYTES // 1_000_000} MB",
    ):
        assert value in section, value
