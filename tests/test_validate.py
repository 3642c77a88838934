"""``validate_workspace``: every problem of every file in one report, no cascades."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import docx
import pytest
from helpers import append, edit, files_under, line_of
from test_letters import letter_text

from contractgen.commands.validate import validate_workspace
from contractgen.letters.generate import generate_letters
from contractgen.library.workspace import load_workspace

BOROUGH = "profiles/example-borough.yaml"
RIVERSIDE = "profiles/riverside-and-vale.yaml"
REGION = "profiles/regions/north-west.yaml"


@pytest.fixture
def ws(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(workspace_dir)
    return workspace_dir


def report_of(root: Path):
    return validate_workspace(load_workspace(root))


def add_paragraph(template: Path, text: str) -> None:
    document = docx.Document(str(template))
    document.add_paragraph(text)
    document.save(str(template))


def test_the_example_workspace_is_valid(ws):
    report = report_of(ws)
    assert report.ok and report.problems == []
    assert report.warnings == []
    assert report.profiles == 2 and report.templates == 2
    assert report.clauses >= 20
    # every profile in every tier; every letter kind; the case record's overdue and progress in every tier and certificate
    # (expired, and none recorded) in the advanced one
    assert report.renders == 2 * 3 + 2 * 3 * 6 + 2 * (3 * 2 + 2)
    assert files_under(ws / "out") == []  # renders happen in memory


def test_a_schedule_template_that_does_not_print_the_schedules_title_is_a_warning(ws):
    """Letters cite the schedule by the profile's contract.schedule_title; a council's own
    template that writes its title as plain text may call it something else, so validate
    asks for a look (a warning: the text may well be the same)."""
    template = ws / "templates" / "schedule.docx"
    with zipfile.ZipFile(template) as z:
        parts = {info.filename: z.read(info) for info in z.infolist()}
    for name in ("word/document.xml", "word/footer1.xml"):
        parts[name] = parts[name].replace(b"{{ contract.schedule_title }}", b"Information Governance")
    with zipfile.ZipFile(template, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    report = report_of(ws)
    assert report.ok
    assert report.warnings == [
        "templates/schedule.docx does not print {{ contract.schedule_title }}: letters cite the schedule by the profile's "
        "contract.schedule_title (default: Data Security and Protection), so make sure that is the title this template "
        "gives the schedule, or print {{ contract.schedule_title }} in its heading"
    ]


def test_a_letter_date_that_is_not_the_schedules_is_reported(ws):
    """The consistency check: a letter that promises its own date, instead of the one the
    schedule's parameters give, is reported at the clause's text, once per tier."""
    edit(ws / "clause_library/clauses/letter.improve.yaml",  # the notice's sentence (a reminder repeats it)
         "in writing, so for a plan sent on {{ letter.remedial_plan_due }} it is {{ letter.standard_by }} at the latest.{% endif %}",
         "in writing, so you must reach it by 30 June 2027.{% endif %}")  # fmt: skip
    report = report_of(ws)
    where = f"clause_library/clauses/letter.improve.yaml:{line_of(ws / 'clause_library/clauses/letter.improve.yaml', 'text: |')}:1: text:"
    assert [str(p) for p in report.problems] == [
        f"{where} letter.improve for a provider in the {tier} tier as of 6 December 2026 {what}"
        for tier in ("foundation", "core", "advanced")
        for what in (
            "states 30 June 2027, which is none of the dates the schedule gives for it; take dates from letter.* "
            "(docs/letters.md 'How a letter's dates follow from the schedule')",
            # as of the library's release date, 6 December 2026 (a Sunday): the plan is due 20 Working Days
            # later, on 6 January 2027 (25 and 28 December and 1 January are bank holidays), and the
            # Standard 3 months after that
            "does not state standard_by (6 April 2027), which the schedule sets; use {{ letter.standard_by }}",
        )
    ]


def test_letters_follow_a_councils_remedial_period(ws):
    """A council that sets remedial_period_months in its profile gets letters that follow:
    the check passes, and the letters state the later date."""
    append(ws / BOROUGH, "parameters:\n  remedial_period_months: 6\n")
    report = report_of(ws)
    assert [str(p) for p in report.problems] == []
    assert report.ok
    # as of 26 November 2026 the plan is due 20 working days on (the default), on 24
    # December 2026; the latest date to reach the tier is six months after that
    result = generate_letters(load_workspace(ws), "example-borough", ws / "examples/example-borough-providers.csv",
                              dspt_file=ws / "examples/dspt-export-2026-11-26.csv", as_of=dt.date(2026, 11, 26),
                              output=ws / "letters", workers=1)  # fmt: skip
    for code in ("C4SD", "AW2T"):  # improve (core, Approaching Standards), remedy
        text = " ".join(letter_text(result, code).split())
        assert "please send your plan by 24 December 2026 at the latest" in text
        assert "no later than 6 months after the date of the plan" in text
        assert "for a plan sent on 24 December 2026 it is 24 June 2027 at the latest" in text


def test_problems_across_profiles_and_templates_are_all_reported(ws):
    edit(ws / BOROUGH, "  short_name: EBC", "  shortname: EBC")  # schema
    edit(ws / RIVERSIDE, "tier: advanced", "tier: advnced")  # against the library
    append(ws / RIVERSIDE, "parameters:\n  evidence_working_days: ten\n")
    add_paragraph(ws / "templates/schedule.docx", "Signed by {{ signatory.name }} for {{ councel.name }}.")
    (ws / "templates/letter.docx").unlink()
    report = report_of(ws)
    template_message = (
        "the template uses 'councel', which a schedule template does not receive; fix the tag in Word "
        "(docs/branding.md 'Template variables')"
    )
    assert [str(p) for p in report.problems] == [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'shortname')}:3: council.shortname: unknown key "
        "'shortname' (did you mean 'short_name'?)",
        f"profiles/riverside-and-vale.yaml:{line_of(ws / RIVERSIDE, 'tier: advnced')}:1: tier: unknown tier "
        "'advnced' (did you mean 'advanced'?); tiers: foundation, core, advanced",
        f"profiles/riverside-and-vale.yaml:{line_of(ws / RIVERSIDE, 'evidence_working_days: ten')}:3: "
        "parameters.evidence_working_days: must be a whole number such as 10 (got 'ten') "
        f"({report_parameter(ws, 'evidence_working_days')})",
        f'templates/schedule.docx: body, paragraph "Signed by {{{{ signatory.name }}}} for {{{{ councel.name }}}}.": '
        f"{template_message}",
        "profiles/riverside-and-vale.yaml:3:1: templates.letter: profile riverside-and-vale: letter template "
        "'letter.docx' not found in templates (templates there: schedule.docx); fix templates.letter or add the file",
    ]
    assert report.renders == 0 and not report.ok


def test_two_mistakes_in_one_profile_are_both_reported(ws):
    """An unknown key stops the profile loading, but its tier is still checked: `tier: coer`
    and a misspelt key are reported in one run (only the key was, before)."""
    edit(ws / BOROUGH, "tier: core", "tier: coer")
    edit(ws / BOROUGH, "  short_name: EBC", "  shortname: EBC")
    report = report_of(ws)
    assert [str(p) for p in report.problems] == [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'shortname')}:3: council.shortname: unknown key "
        "'shortname' (did you mean 'short_name'?)",
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'tier: coer')}:1: tier: unknown tier 'coer' (did you "
        "mean 'core'?); tiers: foundation, core, advanced",
    ]


def report_parameter(root: Path, name: str) -> str:
    from contractgen.library.clauses import load_library

    return load_library(root / "clause_library").parameters()[name].description


def test_library_problems_in_several_files_with_a_broken_profile(ws):
    edit(ws / "clause_library/clauses/dspt.support.yaml", "title: Support for the Provider", "titel: Support for the Provider")
    edit(ws / "clause_library/clauses/dspt.tier.yaml", "  core: |", "  cor: |")
    edit(ws / BOROUGH, "  start_date: 2026-04-01", "  start_date: soon")
    report = report_of(ws)
    support, tier = (ws / f"clause_library/clauses/dspt.{n}.yaml" for n in ("support", "tier"))
    assert [str(p) for p in report.problems] == [
        f"clause_library/clauses/dspt.support.yaml:{line_of(support, 'titel:')}:1: titel: unknown key 'titel' (did you mean 'title'?)",
        f"clause_library/clauses/dspt.tier.yaml:{line_of(tier, '  cor: |')}:3: text.cor: unknown tier 'cor' (did you "
        "mean 'core'?); use default or one of foundation, core, advanced",
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'start_date')}:3: contract.start_date: must be a date "
        "written as YYYY-MM-DD, such as 2026-06-30 (got 'soon')",
    ]
    assert report.clauses == 0 and report.renders == 0


def test_a_render_problem_is_reported_once_not_once_per_tier(ws):
    edit(ws / "clause_library/clauses/dspt.support.yaml", "text: |\n", "text: |\n  Call {{ contacts.lso.fax }}.\n\n")
    report = report_of(ws)
    line = line_of(ws / "clause_library/clauses/dspt.support.yaml", "text: |")
    assert [str(p) for p in report.problems] == [
        f"clause_library/clauses/dspt.support.yaml:{line}:1: text: cannot render clause text: there is no value "
        "named 'fax'; check the {{ }} tags"
    ]


def test_a_profile_with_problems_does_not_stop_the_others_being_rendered(ws):
    edit(ws / BOROUGH, "tier: core", "tier: gold")
    clause = ws / "clause_library/clauses/dspt.advanced-tier.yaml"
    edit(clause, "    A Provider in the Advanced Tier shall:", "    A Provider in the {{ tier.nosuch }} Tier shall:")
    report = report_of(ws)
    assert [str(p) for p in report.problems] == [
        f"profiles/example-borough.yaml:{line_of(ws / BOROUGH, 'tier: gold')}:1: tier: unknown tier 'gold'; tiers: "
        "foundation, core, advanced",
        # riverside-and-vale is still rendered, so the broken advanced text is found too
        f"clause_library/clauses/dspt.advanced-tier.yaml:{line_of(clause, '  advanced: |')}:3: text.advanced: cannot "
        "render clause text: there is no value named 'nosuch'; check the {{ }} tags",
    ]
    assert report.renders == 2 + 3 * 6 + 3 * 2 + 2  # riverside-and-vale in the foundation and core tiers; its letters (with the case record's)


# ------------------------------------------------------------------- a new workspace


def test_init_workspace_creates_one_that_validates_and_builds(tmp_path, monkeypatch):
    from contractgen.commands.build import build_workspace
    from contractgen.library.workspace import init_workspace

    monkeypatch.chdir(tmp_path)
    created = init_workspace(tmp_path / "council")
    assert created == ["contractgen.yaml", "clause_library", "templates", "profiles", "examples"]
    workspace = load_workspace(tmp_path / "council")
    assert validate_workspace(workspace).ok
    result = build_workspace(workspace)
    assert result.failed == []
    assert sorted(s.path.name for s in result.schedules) == [  # every tier the example registers use
        "example-borough-schedule-advanced.docx",
        "example-borough-schedule-core.docx",
        "example-borough-schedule-foundation.docx",
        "riverside-and-vale-schedule-advanced.docx",
        "riverside-and-vale-schedule-core.docx",
        "riverside-and-vale-schedule-foundation.docx",
    ]


@pytest.mark.parametrize(
    "setup, expected",
    [
        pytest.param(
            lambda root: (root / "council").write_text("a file"),
            "cannot create the workspace in council: File exists; choose a folder you can write to",
            id="a-file-in-the-way",
        ),
        pytest.param(
            lambda root: (root / "council").mkdir() or (root / "council" / "contractgen.yaml").write_text(""),
            "council is already a workspace: init would overwrite contractgen.yaml; choose an empty folder, or use "
            "--force to overwrite them",
            id="already-a-workspace",
        ),
        pytest.param(
            lambda root: (root / "council" / "templates").mkdir(parents=True),
            "council is not empty: init would overwrite templates; choose an empty folder, or use --force to "
            "overwrite them",
            id="a-folder-in-the-way",
        ),
    ],
)
def test_init_workspace_refuses_cleanly(tmp_path, monkeypatch, setup, expected):
    from contractgen.base.errors import WorkspaceError
    from contractgen.library.workspace import init_workspace

    monkeypatch.chdir(tmp_path)
    setup(tmp_path)
    with pytest.raises(WorkspaceError) as caught:
        init_workspace(tmp_path / "council")
    assert caught.value.message == expected
