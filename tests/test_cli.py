"""The command line as a user meets it: exit codes, exact messages on stderr (paths
relative to the workspace they run in), no tracebacks, and no file written on any error."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import docx
import pytest
from helpers import append, edit, files_under, line_of, run_cli, stderr_lines

from contractgen import __version__
from contractgen.library.clauses import ClauseStatus, load_library

BOROUGH = "profiles/example-borough.yaml"
REGION = "profiles/regions/north-west.yaml"
RIVERSIDE = "profiles/riverside-and-vale.yaml"
OUT = "out/refused.docx"


def profile_summary(n: int, name: str = "example-borough") -> str:
    """The last line when a profile has problems (schedule.prepare words it)."""
    return f"error: {n} problem{'' if n == 1 else 's'} in profile {name}"


@pytest.fixture
def ws(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Commands run inside a copy of the example workspace."""
    monkeypatch.chdir(workspace_dir)
    return workspace_dir


def library(root: Path):
    return load_library(root / "clause_library")


# ------------------------------------------------------------------- commands that work


def test_validate_reports_ok(ws):
    lib = library(ws)
    result = run_cli("validate")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"ok: {len(lib.clauses)} clauses, 2 profiles, 2 templates, 58 test renders\n"  # 42, and the case record's 16 (issue 15: with the certificate letter when none is recorded)
    assert result.stderr == ""


def test_schedule_writes_the_document_and_says_so(ws):
    lib = library(ws)
    result = run_cli("schedule", "example-borough", "-o", "schedule.docx")
    assert result.exit_code == 0, result.output
    placed = len([c for c in lib.ordered() if c.status is ClauseStatus.APPROVED and c.text_for("core") is not None])
    assert result.stdout == (
        f"wrote schedule.docx (example-borough, core tier, {placed} clauses, library release 2026.6)\n"
    )
    assert docx.Document("schedule.docx").core_properties.author == "Example Borough Council"


def test_schedule_defaults_to_the_output_folder(ws):
    result = run_cli("schedule", "riverside-and-vale", "--tier", "core", "--date", "2026-09-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("wrote out/riverside-and-vale-schedule-core.docx (riverside-and-vale, core tier, ")
    assert files_under(ws / "out") == ["riverside-and-vale-schedule-core.docx"]


def test_schedule_twice_gives_the_same_bytes(ws):
    assert run_cli("schedule", "example-borough", "-o", "a.docx").exit_code == 0
    assert run_cli("schedule", "example-borough", "-o", "b.docx").exit_code == 0
    assert Path("a.docx").read_bytes() == Path("b.docx").read_bytes()


def test_schedule_with_drafts(ws):
    append(ws / BOROUGH, "clauses:\n  include: [dspt.secure-email]\n")
    result = run_cli("schedule", "example-borough", "--include-drafts", "-o", "drafts.docx")
    assert result.exit_code == 0, result.output
    assert any("Secure email and NHSmail" in p.text for p in docx.Document("drafts.docx").paragraphs)


def test_clauses_list(ws):
    lib = library(ws)
    result = run_cli("clauses", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    listed = [line.split()[0] for line in lines[:-1]]
    current = [c.id for c in lib.clauses.values() if c.status is not ClauseStatus.WITHDRAWN]
    assert sorted(listed) == sorted(current)
    assert lines[-1] == f"{len(current)} clauses in release 2026.6"
    requirement = next(line for line in lines if line.startswith("dspt.requirement "))
    assert requirement.split()[1:5] == ["1.0.0", "approved", "requirement", "foundation,core,advanced"]
    all_lines = run_cli("clauses", "list", "--all").stdout.splitlines()
    assert any(line.startswith("dspt.entry-level ") and " withdrawn " in line for line in all_lines)


def test_clauses_show(ws):
    result = run_cli("clauses", "show", "dspt.tier")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:2] == ["The Provider's Tier", "dspt.tier@1.0.0 (approved), section requirement, for schedule"]
    assert "[foundation]" in lines and "[core]" in lines and "[advanced]" in lines
    assert lines[-3:-1] == ["", "Changelog:"]


def test_clauses_show_an_unknown_id(ws):
    result = run_cli("clauses", "show", "dspt.requirment")
    assert result.exit_code == 1
    assert stderr_lines(result) == ["error: unknown clause id 'dspt.requirment' (did you mean 'dspt.requirement'?)"]


def test_build_writes_every_councils_schedule(ws):
    result = run_cli("build")
    assert result.exit_code == 0, result.output
    written = files_under(ws / "out")
    assert "example-borough-schedule-core.docx" in written
    assert "riverside-and-vale-schedule-advanced.docx" in written
    lines = result.stdout.splitlines()
    # each council's schedule for every tier its register uses: both use all three (the
    # letters cite their provider's tier's paragraphs); before, only the profile's tier
    assert [line.split(":")[0] for line in lines[:6]] == [
        "[1/6] out/example-borough-schedule-foundation.docx", "[2/6] out/example-borough-schedule-core.docx",
        "[3/6] out/example-borough-schedule-advanced.docx", "[4/6] out/riverside-and-vale-schedule-foundation.docx",
        "[5/6] out/riverside-and-vale-schedule-core.docx", "[6/6] out/riverside-and-vale-schedule-advanced.docx",
    ]  # fmt: skip
    assert lines[1].startswith("[2/6] out/example-borough-schedule-core.docx: core tier, ")
    assert lines[5].startswith("[6/6] out/riverside-and-vale-schedule-advanced.docx: advanced tier, ")
    assert lines[-1].startswith("built 6 schedules")
    assert result.stderr == ""


def test_build_goes_on_after_a_broken_profile_and_fails_at_the_end(ws):
    edit(ws / BOROUGH, "tier: core", "tier: gold")
    problem = (
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'tier: gold')}:1: tier: unknown tier 'gold'; "
        "tiers: foundation, core, advanced"
    )
    result = run_cli("build")
    assert result.exit_code == 1
    assert f"  {problem}" in result.output.splitlines()
    assert (ws / "out/riverside-and-vale-schedule-advanced.docx").is_file()
    assert not any(f.startswith("example-borough-schedule") for f in files_under(ws / "out"))
    assert result.stdout.splitlines()[-1].endswith(
        "failed: example-borough, example-borough letters, example-borough overview")


def test_build_reports_problems_on_stderr(ws):
    edit(ws / BOROUGH, "tier: core", "tier: gold")
    result = run_cli("build")
    assert "unknown tier 'gold'" in result.stderr
    assert "unknown tier 'gold'" not in result.stdout


def test_init_creates_a_workspace_that_validates_and_builds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("init", "council", "--no-git", "--example")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "created workspace council: contractgen.yaml, clause_library, templates, profiles, examples",
        "next: cd council && contractgen validate && contractgen build",
    ]
    assert not (tmp_path / "council" / ".git").exists()
    assert run_cli("--workspace", "council", "validate").exit_code == 0
    monkeypatch.chdir(tmp_path / "council")
    built = run_cli("build")
    assert built.exit_code == 0, built.output
    assert "example-borough-schedule-core.docx" in files_under(tmp_path / "council" / "out")


def test_init_refuses_an_existing_workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli("init", "council", "--no-git", "--example").exit_code == 0
    result = run_cli("init", "council", "--no-git", "--example")
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "council/contractgen.yaml: would be overwritten",
        "council/clause_library: would be overwritten",
        "council/templates: would be overwritten",
        "council/profiles: would be overwritten",
        "council/examples: would be overwritten",
        "error: council is already a workspace: init would overwrite contractgen.yaml, clause_library, templates, "
        "profiles, examples; choose an empty folder, or use --force to overwrite them",
    ]


def test_init_refuses_a_folder_with_a_clash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "council" / "profiles").mkdir(parents=True)
    (tmp_path / "council" / ".gitignore").write_text("mine\n", encoding="utf-8")
    result = run_cli("init", "council")
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "council/profiles: would be overwritten",
        "council/.gitignore: would be overwritten",
        "error: council is not empty: init would overwrite profiles, .gitignore; choose an empty folder, or use "
        "--force to overwrite them",
    ]
    assert files_under(tmp_path / "council") == [".gitignore"]
    # a folder with other things in it: nothing would be overwritten, but it is still asked for
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "minutes.txt").write_text("x", encoding="utf-8")
    result = run_cli("init", "notes", "--no-git")
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "error: notes is not empty (it has minutes.txt); choose an empty folder, or use --force to create the "
        "workspace beside them (nothing there would be overwritten)"
    ]
    forced = run_cli("init", "notes", "--no-git", "--force")
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "notes" / "minutes.txt").read_text(encoding="utf-8") == "x"
    assert (tmp_path / "notes" / "contractgen.yaml").is_file()


def test_outside_a_workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate")
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "error: no contractgen.yaml found in . or any folder above it; run inside a workspace, pass --workspace DIR, "
        "or create one with `contractgen init DIR`"
    ]
    result = run_cli("--workspace", "elsewhere", "validate")
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "error: elsewhere is not a contractgen workspace: it has no contractgen.yaml; create one with "
        "`contractgen init elsewhere`"
    ]
    result = run_cli("--workspace", "Zoë & Co's <council>", "validate")  # the command shown can be typed as it is
    assert stderr_lines(result) == [
        "error: Zoë & Co's <council> is not a contractgen workspace: it has no contractgen.yaml; create one with "
        "`contractgen init 'Zoë & Co'\"'\"'s <council>'`"
    ]


def test_a_workspace_is_found_from_a_subfolder(ws, monkeypatch):
    monkeypatch.chdir(ws / "profiles" / "regions")
    assert run_cli("validate").exit_code == 0


def test_version():
    result = run_cli("--version")
    assert result.exit_code == 0 and result.stdout == f"contractgen, version {__version__}\n"


# ------------------------------------------------------------------- usage errors: exit 2


@pytest.mark.parametrize(
    "args, expected",
    [
        pytest.param(
            ["schedule", "example-borugh", "-o", OUT],
            ["error: no profile 'example-borugh' (did you mean 'example-borough'?); profiles in profiles: "
             "example-borough, riverside-and-vale"],
            id="unknown-profile",
        ),
        pytest.param(
            ["schedule", "example-borough", "--tier", "gold", "-o", OUT],
            ["error: unknown tier 'gold'; tiers: foundation, core, advanced"],
            id="unknown-tier-option",
        ),
        pytest.param(
            ["schedule", "example-borough", "--tier", "Advanced", "-o", OUT],
            ["error: unknown tier 'Advanced' (did you mean 'advanced'?); tiers: foundation, core, advanced"],
            id="unknown-tier-option-by-case",
        ),
        pytest.param(
            ["schedule", "example-borough", "--date", "2026-13-01", "-o", OUT],
            ["Usage: contractgen schedule [OPTIONS] PROFILE",
             "Try 'contractgen schedule --help' for help.",
             "",
             "Error: Invalid value for '--date': '2026-13-01' is not a date: write it as YYYY-MM-DD (2026-11-26) or DD/MM/YYYY (26/11/2026)."],
            id="bad-date",
        ),
        pytest.param(
            ["schedule", "example-borough", "--date", "1 April 2026", "-o", OUT],
            ["Usage: contractgen schedule [OPTIONS] PROFILE",
             "Try 'contractgen schedule --help' for help.",
             "",
             "Error: Invalid value for '--date': '1 April 2026' is not a date: write it as YYYY-MM-DD (2026-11-26) or DD/MM/YYYY (26/11/2026)."],
            id="bad-date-format",
        ),
        pytest.param(
            ["schedule"],
            ["Usage: contractgen schedule [OPTIONS] PROFILE",
             "Try 'contractgen schedule --help' for help.",
             "",
             "Error: Missing argument 'PROFILE'."],
            id="missing-profile",
        ),
    ],
)
def test_usage_errors_exit_2(ws, args, expected):
    before = files_under(ws)
    result = run_cli(*args)
    assert result.exit_code == 2
    assert stderr_lines(result) == expected
    assert result.stdout == ""
    assert files_under(ws) == before


# ------------------------------------------------------------------- bad input: exit 1
#
# Each case edits the workspace copy and returns the exact stderr lines it expects.

Case = Callable[[Path], list[str]]


def yaml_syntax_error(ws: Path) -> list[str]:
    edit(ws / BOROUGH, "  name: Example Borough Council", '  name: "Example Borough Council')
    end = len((ws / BOROUGH).read_text().splitlines()) + 1
    start = line_of(ws / BOROUGH, '"Example Borough Council')
    return [
        f"profiles/example-borough.yaml:{end}:1: YAML syntax error: while scanning a quoted scalar (which starts on "
        f"line {start}), found unexpected end of stream; check the indentation and quoting here"
    ]


def duplicate_key(ws: Path) -> list[str]:
    first = line_of(ws / BOROUGH, "tier: core")
    append(ws / BOROUGH, "tier: advanced\n")
    second = line_of(ws / BOROUGH, "tier: advanced")
    return [f"profiles/example-borough.yaml:{second}:1: tier: duplicate key 'tier' (first defined on line {first}); remove one of them"]


def unknown_key(ws: Path) -> list[str]:
    edit(ws / BOROUGH, "  short_name: EBC", "  shortname: EBC")
    return [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'shortname')}:3: council.shortname: unknown key "
        "'shortname' (did you mean 'short_name'?)",
        "error: 1 problem in profile example-borough",
    ]


def wrong_type(ws: Path) -> list[str]:
    edit(ws / BOROUGH, "  start_date: 2026-04-01", "  start_date: next April")
    return [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'start_date')}:3: contract.start_date: must be a "
        "date written as YYYY-MM-DD, such as 2026-06-30 (got 'next April')",
        "error: 1 problem in profile example-borough",
    ]


def python_tag(ws: Path) -> list[str]:
    edit(ws / BOROUGH, "tier: core", "tier: !!python/object/apply:os.system ['touch pwned']")
    return [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'tier: !!python')}:7: tier: the YAML tag "
        "!!python/object/apply:os.system is not allowed: contractgen reads plain data (text, numbers, dates, "
        "true/false, lists and mappings) only; remove the tag"
    ]


def control_character(ws: Path) -> list[str]:
    edit(ws / BOROUGH, "  reference: EBC/ASC/2026/014", '  reference: "EBC/ASC/2026/014\\a"')
    return [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, '  reference:')}:3: contract.reference: contains "
        "the control character U+0007, which a Word document cannot hold; delete it (it is often pasted "
        "invisibly from another program)",
        "error: 1 problem in profile example-borough",
    ]


def unknown_tier(ws: Path) -> list[str]:
    edit(ws / BOROUGH, "tier: core", "tier: gold")
    return [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'tier: gold')}:1: tier: unknown tier 'gold'; "
        "tiers: foundation, core, advanced",
        profile_summary(1),
    ]


def unknown_clause_ids(ws: Path) -> list[str]:
    append(ws / BOROUGH, "clauses:\n  include: [dspt.secure-emial]\n  exclude: [dspt.suport]\n")
    return [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'include:')}:13: clauses.include[0]: unknown clause "
        "id 'dspt.secure-emial' (did you mean 'dspt.secure-email'?); `contractgen clauses list` shows them",
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'exclude:')}:13: clauses.exclude[0]: unknown clause "
        "id 'dspt.suport' (did you mean 'dspt.support'?); `contractgen clauses list` shows them",
        profile_summary(2),
    ]


def withdrawn_included(ws: Path) -> list[str]:
    append(ws / BOROUGH, "clauses:\n  include: [dspt.entry-level]\n")
    version = library(ws).clause("dspt.entry-level").version
    return [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'include:')}:13: clauses.include[0]: clause "
        f"'dspt.entry-level' is withdrawn (version {version}); remove it from clauses.include",
        profile_summary(1),
    ]


def draft_without_flag(ws: Path) -> list[str]:
    append(ws / BOROUGH, "clauses:\n  include: [dspt.secure-email]\n")
    return [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'include:')}:13: clauses.include[0]: clause "
        "'dspt.secure-email' is a draft; approve it in the library, or render with --include-drafts",
        profile_summary(1),
    ]


def missing_parameter(ws: Path) -> list[str]:
    clause = ws / "clause_library/clauses/dspt.incident-reporting.yaml"
    edit(clause, "    default: 24\n", "")
    description = library(ws).parameters()["incident_notice_hours"].description
    return [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'extends:')}:1: parameters: missing parameter "
        f"'incident_notice_hours' (integer) needed by clause dspt.incident-reporting: {description}",
        profile_summary(1),
    ]


def mistyped_parameter(ws: Path) -> list[str]:
    append(ws / BOROUGH, "parameters:\n  incident_notice_hours: 24 hours\n")
    description = library(ws).parameters()["incident_notice_hours"].description
    return [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'incident_notice_hours')}:3: "
        f"parameters.incident_notice_hours: must be a whole number such as 10 (got '24 hours') ({description})",
        profile_summary(1),
    ]


def unsatisfiable_pin(ws: Path) -> list[str]:
    edit(ws / REGION, 'release: ">=2026.1"', 'release: "2027.1"')
    return [
        f"profiles/regions/north-west.yaml:{line_of(ws / REGION, 'release:')}:3: library.release: pins release "
        "'2027.1' but the clause library is release 2026.6; change the pin or render from that release",
        profile_summary(1),
    ]


def extends_cycle(ws: Path) -> list[str]:
    append(ws / REGION, "extends: example-borough\n")
    chain = "profiles/example-borough.yaml -> profiles/regions/north-west.yaml -> profiles/example-borough.yaml"
    return [
        f"profiles/regions/north-west.yaml:{line_of(ws / REGION, 'extends: example-borough')}:1: extends: circular extends: "
        f"{chain}; remove one `extends`",
        f"error: profiles extend each other in a circle: {chain}",
    ]


def extends_missing_base(ws: Path) -> list[str]:
    edit(ws / BOROUGH, "extends: regions/north-west", "extends: regions/north-east")
    return [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'extends:')}:1: extends: no base profile "
        "'regions/north-east': looked for profiles/regions/north-east.yaml",
        "error: base profile 'regions/north-east' not found",
    ]


def excluded_but_referred_to(ws: Path) -> list[str]:
    append(ws / BOROUGH, "clauses:\n  exclude: [dspt.core-tier]\n")
    return [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'exclude:')}:13: clauses.exclude[0]: cannot leave "
        "out dspt.core-tier: dspt.tier (core tier) refers to it; stop excluding dspt.core-tier, or exclude "
        "dspt.tier as well",
        profile_summary(1),
    ]


def ref_to_missing_clause(ws: Path) -> list[str]:
    clause = ws / "clause_library/clauses/dspt.cyber-essentials.yaml"
    edit(clause, 'under paragraph {{ ref("dspt.requirement") }}', 'under paragraph {{ ref("dspt.requirements") }}')
    return [
        f"clause_library/clauses/dspt.cyber-essentials.yaml:{line_of(clause, '  default: |')}:3: text.default: "
        "ref('dspt.requirements') points to no clause (did you mean 'dspt.requirement'?)",
        "error: 1 problem in the clause library",
    ]


def undefined_clause_variable(ws: Path) -> list[str]:
    clause = ws / "clause_library/clauses/dspt.support.yaml"
    edit(clause, "text: |\n", "text: |\n  Call {{ nosuch }}.\n\n")
    return [
        f"clause_library/clauses/dspt.support.yaml:{line_of(clause, 'text: |')}:1: text: uses {{{{ nosuch }}}} "
        "but declares no parameter 'nosuch'; add it to `parameters` or fix the name",
        "error: 1 problem in the clause library",
    ]


def unknown_tier_variant(ws: Path) -> list[str]:
    clause = ws / "clause_library/clauses/dspt.cyber-essentials.yaml"
    edit(clause, "  advanced: |", "  advance: |")
    return [
        f"clause_library/clauses/dspt.cyber-essentials.yaml:{line_of(clause, '  advance: |')}:3: text.advance: "
        "unknown tier 'advance' (did you mean 'advanced'?); use default or one of foundation, core, advanced",
        "error: 1 problem in the clause library",
    ]


def file_name_id_mismatch(ws: Path) -> list[str]:
    (ws / "clause_library/clauses/dspt.support.yaml").rename(ws / "clause_library/clauses/dspt.helpdesk.yaml")
    return [
        "clause_library/clauses/dspt.helpdesk.yaml:1:1: id: the file name must match the id: rename the file to "
        "dspt.support.yaml or change the id to 'dspt.helpdesk'",
        "error: 1 problem in the clause library",
    ]


def version_without_changelog(ws: Path) -> list[str]:
    clause = ws / "clause_library/clauses/dspt.support.yaml"
    current = library(ws).clause("dspt.support").version
    major, minor, patch = map(int, current.split("."))
    bumped = f"{major}.{minor + 1}.0"
    edit(clause, f"\nversion: {current}\n", f"\nversion: {bumped}\n")
    return [
        f"clause_library/clauses/dspt.support.yaml:{line_of(clause, 'version: ' + bumped)}:1: version: version "
        f"{bumped} has no changelog entry (newest entry is {current}); add a changelog entry for {bumped}",
        "error: 1 problem in the clause library",
    ]


def word_template_variable(ws: Path) -> list[str]:
    document = docx.Document("templates/schedule.docx")
    document.add_paragraph("Approved by {{ nosuch }}.")
    document.save("templates/schedule.docx")
    message = (
        "the template uses 'nosuch', which is not a template variable; fix the tag in Word "
        "(docs/branding.md 'Template variables' lists them)"
    )
    return [f'templates/schedule.docx: body, paragraph "Approved by {{{{ nosuch }}}}.": {message}', f"error: {message}"]


def not_a_docx(ws: Path) -> list[str]:
    (ws / "templates/schedule.docx").write_bytes(b"%PDF-1.7 not a Word file")
    return ["templates/schedule.docx: not a Word .docx file (it is not a zip package); save it from Word as .docx"]


def missing_template(ws: Path) -> list[str]:
    (ws / "templates/schedule.docx").unlink()
    message = "template 'schedule.docx' not found in templates; fix templates.schedule or add the file"
    return [f"profiles/regions/north-west.yaml:{line_of(ws / REGION, '  schedule:')}:3: templates.schedule: {message}"]


def sandbox_escape(ws: Path) -> list[str]:
    clause = ws / "clause_library/clauses/dspt.support.yaml"
    edit(clause, "text: |\n", "text: |\n  {{ ''.__class__.__mro__[1].__subclasses__() }}\n\n")
    unsafe = "access to attribute '__class__' of 'str' object is unsafe"
    return [
        f"clause_library/clauses/dspt.support.yaml:{line_of(clause, 'text: |')}:1: text: cannot render clause "
        f"text: {unsafe}; check the {{{{ }}}} tags",
        f"error: clause dspt.support: {unsafe}",
    ]


CASES: list[Case] = [
    yaml_syntax_error, duplicate_key, unknown_key, wrong_type, python_tag, control_character, unknown_tier,
    unknown_clause_ids, withdrawn_included, draft_without_flag, missing_parameter, mistyped_parameter,
    unsatisfiable_pin, extends_cycle, extends_missing_base, excluded_but_referred_to, ref_to_missing_clause,
    undefined_clause_variable, unknown_tier_variant, file_name_id_mismatch, version_without_changelog,
    word_template_variable, not_a_docx, missing_template, sandbox_escape,
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__.replace("_", "-"))
def test_bad_input_exits_1_with_the_exact_message_and_writes_nothing(ws, case):
    expected = case(ws)
    before = files_under(ws)
    result = run_cli("schedule", "example-borough", "-o", OUT)
    assert stderr_lines(result) == expected
    assert result.exit_code == 1
    assert result.stdout == ""
    assert files_under(ws) == before  # no output, no temporary file left behind
    assert not (ws / "pwned").exists()


@pytest.mark.parametrize(
    "case",
    # the template case is worded by validate itself (see test_validate_reports_every_problem_at_once)
    [c for c in CASES if c is not word_template_variable],
    ids=lambda c: c.__name__.replace("_", "-"),
)
def test_validate_reports_the_same_problem(ws, case):
    expected = [line for line in case(ws) if not line.startswith("error:")]
    result = run_cli("validate")
    assert result.exit_code == 1
    lines = stderr_lines(result)
    assert lines[-1].startswith("error: ") and " found (" in lines[-1]
    for line in expected:
        if line.startswith("profiles/regions/north-west.yaml") and "templates.schedule" in line:
            continue  # validate words missing templates per profile: see test_validate_with_a_missing_template
        assert line in lines, f"{line!r} not in\n" + "\n".join(lines)


def test_validate_with_a_missing_template(ws):
    (ws / "templates/schedule.docx").unlink()
    result = run_cli("validate")
    assert result.exit_code == 1
    line = line_of(ws / REGION, "  schedule:")
    assert stderr_lines(result) == [
        f"profiles/regions/north-west.yaml:{line}:3: templates.schedule: profile example-borough: schedule template "
        "'schedule.docx' not found in templates (templates there: letter.docx); fix templates.schedule or add the file",
        "profiles/riverside-and-vale.yaml:3:1: templates.schedule: profile riverside-and-vale: schedule template "
        "'schedule.docx' not found in templates (templates there: letter.docx); fix templates.schedule or add the file",
        f"error: 2 problems found ({len(library(ws).clauses)} clauses, 2 profiles, 1 template, 0 test renders)",
    ]


def test_validate_reports_every_problem_at_once(ws):
    edit(ws / BOROUGH, "  short_name: EBC", "  shortname: EBC")
    edit(ws / RIVERSIDE, "tier: advanced", "tier: advnced")
    append(ws / RIVERSIDE, "clauses:\n  include: [dspt.entry-level]\n")
    document = docx.Document("templates/letter.docx")
    document.add_paragraph("Our ref {{ contract.referance }} / {{ schedule_body }}")
    document.save("templates/letter.docx")
    result = run_cli("validate")
    assert result.exit_code == 1
    assert result.stdout == ""
    version = library(ws).clause("dspt.entry-level").version
    assert stderr_lines(result) == [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'shortname')}:3: council.shortname: unknown key "
        "'shortname' (did you mean 'short_name'?)",
        f"profiles/riverside-and-vale.yaml:{line_of(ws / RIVERSIDE, 'tier: advnced')}:1: tier: unknown tier "
        "'advnced' (did you mean 'advanced'?); tiers: foundation, core, advanced",
        f"profiles/riverside-and-vale.yaml:{line_of(ws / RIVERSIDE, 'include:')}:13: clauses.include[0]: clause "
        f"'dspt.entry-level' is withdrawn (version {version}); remove it from clauses.include",
        'templates/letter.docx: body, paragraph "Our ref {{ contract.referance }} / {{ schedule_body }}": the '
        "template uses 'schedule_body', which a letter template does not receive; fix the tag in Word (docs/branding.md "
        "'Template variables')",
        f"error: 4 problems found ({len(library(ws).clauses)} clauses, 1 profile, 2 templates, 0 test renders)",
    ]


def test_the_profile_summary_counts_properly(ws):
    edit(ws / BOROUGH, "tier: core", "tier: gold")
    assert stderr_lines(run_cli("schedule", "example-borough"))[-1] == "error: 1 problem in profile example-borough"


@pytest.mark.parametrize(
    "old, new, expected",
    [
        pytest.param(
            "profiles: profiles", "profile: profiles",
            ["contractgen.yaml:4:1: profile: unknown key 'profile' (did you mean 'profiles'?)",
             "error: 1 problem in contractgen.yaml"],
            id="unknown-key",
        ),
        pytest.param(
            "templates: templates", "templates: branding",
            ["contractgen.yaml:3:1: templates: folder 'branding' does not exist; create it or fix the path",
             "error: 1 problem in contractgen.yaml"],
            id="missing-folder",
        ),
    ],
)
def test_a_broken_workspace_file(ws, old, new, expected):
    edit(ws / "contractgen.yaml", old, new)
    result = run_cli("validate")
    assert result.exit_code == 1
    assert stderr_lines(result) == expected


def test_an_output_path_through_a_file_is_refused_with_a_fix(ws):
    (ws / "afile").write_text("not a folder", encoding="utf-8")
    result = run_cli("schedule", "example-borough", "-o", "afile/schedule.docx")
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "error: cannot write afile/schedule.docx: afile is a file, not a folder; choose another output path"
    ]
