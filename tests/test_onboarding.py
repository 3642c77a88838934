"""Your own council: `contractgen init DIR --council NAME` makes a workspace for that council
(a profile whose every field is commented, the shipped library and templates, no fictional
councils), asks for what is missing only at a terminal, and `validate` lists what is still
a placeholder; `contractgen profile new` adds a council; git ignores every output folder."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from helpers import files_under, run_cli, stderr_lines
from helpers_git import git_identity

from contractgen.library.clauses import load_library

NAME = "Northshire County Council"
PROFILE = "profiles/northshire-county-council.yaml"


def fill_in(path: Path) -> None:
    """Replace every placeholder as a council would."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'"TODO: ([^"]*)"', lambda m: '"' + ("x@northshire.example.gov.uk" if "email" in m.group(1) else "Filled " + m.group(1)) + '"', text)
    text = text.replace("start_date: null", "start_date: 2027-04-01")
    path.write_text(text, encoding="utf-8")


def test_init_makes_a_workspace_for_the_council_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("init", "nc", "--council", NAME, "--no-git", "--email", "asc@northshire.example.gov.uk")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "created workspace nc: contractgen.yaml, clause_library, templates, profiles/northshire-county-council.yaml, data/providers.csv",
        "next: fill in profiles/northshire-county-council.yaml (contractgen validate lists what is still a placeholder)",
    ]
    ws = tmp_path / "nc"
    assert not (ws / "examples").exists()
    assert sorted(p.name for p in (ws / "profiles").iterdir()) == ["northshire-county-council.yaml"]
    assert (ws / "data" / "providers.csv").read_text(encoding="utf-8") == "name,ods_code,contact_name,email,address,cqc_registered,tier\n"
    text = (ws / PROFILE).read_text(encoding="utf-8")
    assert 'name: "Northshire County Council"' in text
    assert 'email: "asc@northshire.example.gov.uk"' in text
    # every field has its one-line comment
    fields = [line for line in text.splitlines() if re.match(r"\s*[a-z_]+:", line)]
    assert len(fields) >= 30
    assert [line for line in fields if " # " not in line] == []
    # the shipped library, whole
    assert len(load_library(ws / "clause_library").clauses) == len(load_library(Path(__file__).parent.parent / "clause_library").clauses)


def test_validate_lists_every_placeholder_then_passes_once_filled_in(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli("init", "nc", "--council", NAME, "--no-git", "--tier", "foundation").exit_code == 0
    monkeypatch.chdir(tmp_path / "nc")
    result = run_cli("validate")
    assert result.exit_code == 1
    lines = stderr_lines(result)
    assert lines[0] == (
        f"{PROFILE}:8:7: council.address[0]: still a placeholder (TODO: the commissioning team); write this "
        "council's own value before anything is sent"
    )
    assert f"{PROFILE}:17:3: contract.start_date: still a placeholder (empty); write this council's own value before anything is sent" in lines
    keys = [line.split(" ")[1].rstrip(":") for line in lines[:-1]]
    assert keys == [
        "council.address[0]", "council.address[1]", "council.address[2]", "contract.title", "contract.reference",
        "contract.schedule_number", "contract.start_date", "contacts.commissioning.name", "contacts.commissioning.email",
        "contacts.commissioning.phone", "contacts.lso.name", "contacts.lso.email", "contacts.lso.phone",
        "signatory.name", "signatory.title", "signatory.email",
    ]
    # 21 renders: every tier (3) and letter kind in each tier (3 x 6); 8 more for the case letters of issue 15
    # (overdue and progress in every tier, certificate expired and not recorded in the advanced one): 29
    assert lines[-1] == "error: 16 problems found (31 clauses, 1 profile, 2 templates, 29 test renders)".replace(
        "31", str(len(load_library(tmp_path / "nc" / "clause_library").clauses)))
    fill_in(tmp_path / "nc" / PROFILE)
    assert run_cli("validate").exit_code == 0
    built = run_cli("schedule", "northshire-county-council")
    assert built.exit_code == 0, built.output
    assert "out/northshire-county-council-schedule-foundation.docx" in built.stdout


UNFINISHED = (
    "error: profile northshire-county-council is not filled in: 16 values are still placeholders from contractgen "
    "init; replace each TODO with the council's own value (contractgen validate lists them), then run this again"
)


def test_nothing_is_written_from_a_profile_that_still_holds_placeholders(tmp_path, monkeypatch):
    """A schedule or letter saying "TODO: who signs the letters" must never reach a
    provider: every command that writes documents refuses, names each placeholder with its
    line, and writes nothing; filled in, the same commands work."""
    monkeypatch.chdir(tmp_path)
    assert run_cli("init", "nc", "--council", NAME, "--no-git").exit_code == 0
    ws = tmp_path / "nc"
    monkeypatch.chdir(ws)
    before = files_under(ws)
    commands = {
        "schedule": ["schedule", "northshire-county-council"],
        "letters": ["letters", "northshire-county-council", "--providers", "data/providers.csv", "--no-dspt", "-o", "letters"],
        "audit form": ["audit", "form", "northshire-county-council", "-o", "forms/blank.docx"],
    }
    for name, args in commands.items():
        result = run_cli(*args)
        assert result.exit_code == 1, name
        lines = stderr_lines(result)
        assert lines[0] == (
            f"{PROFILE}:8:7: council.address[0]: still a placeholder (TODO: the commissioning team); write this "
            "council's own value before anything is sent"
        ), name
        assert f"{PROFILE}:42:3: signatory.email: still a placeholder (TODO: the commissioning team's email); write this council's own value before anything is sent" in lines
        assert lines[-1] == UNFINISHED, name
    built = run_cli("build")
    assert built.exit_code == 1
    assert stderr_lines(built)[-1] == "  " + UNFINISHED  # build reports each failure indented, and goes on
    assert files_under(ws) == before  # nothing written, not even an empty folder
    fill_in(ws / PROFILE)
    assert run_cli(*commands["schedule"]).exit_code == 0


def test_init_asks_at_a_terminal_only(tmp_path, monkeypatch):
    import contractgen.cli.setup

    monkeypatch.chdir(tmp_path)
    quiet = run_cli("init", "plain", "--no-git", input="Should Not Be Read\n")
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    assert '"TODO: the council\'s name"' in (tmp_path / "plain/profiles/plain.yaml").read_text(encoding="utf-8")

    monkeypatch.setattr(contractgen.cli.setup, "_interactive", lambda: True)
    logo = Path(__file__).parent.parent / "profiles/logos/example-borough.png"
    answers = [NAME, "North East", "advanced", "2027-04-01", "Dr Siân O'Connor", "asc@northshire.example.gov.uk", "01632 960 123", str(logo)]
    asked = run_cli("init", "nc", "--no-git", input="\n".join(answers) + "\n")
    assert asked.exit_code == 0, asked.output
    assert "The council's name:" in asked.stderr and "Logo file" in asked.stderr
    ws = tmp_path / "nc"
    text = (ws / PROFILE).read_text(encoding="utf-8")
    for expected in ('name: "Dr Siân O\'Connor"', "tier: advanced", "start_date: 2027-04-01", 'phone: "01632 960 123"',
                     'logo: "logos/northshire-county-council.png"', "extends: regions/north-east"):
        assert expected in text
    assert (ws / "profiles/logos/northshire-county-council.png").read_bytes() == logo.read_bytes()
    assert "lso:" in (ws / "profiles/regions/north-east.yaml").read_text(encoding="utf-8")
    # what the options say is not asked again
    given = run_cli("init", "nc2", "--no-git", "--council", NAME, "--region", "", "--tier", "core", "--start-date", "2027-04-01",
                    "--signatory", "A", "--email", "a@b.example", "--phone", "1", input="\n")
    assert given.exit_code == 0, given.output
    assert "The council's name" not in given.stderr and "Logo file" in given.stderr


def test_the_examples_only_with_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("init", "ex", "--example", "--no-git")
    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in (tmp_path / "ex/profiles").glob("*.yaml")) == ["example-borough", "riverside-and-vale"]
    assert (tmp_path / "ex/examples/dspt-export-2026-11-26.csv").is_file()


def test_profile_new_adds_a_council(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli("init", "nc", "--council", NAME, "--no-git").exit_code == 0
    monkeypatch.chdir(tmp_path / "nc")
    result = run_cli("profile", "new", "westshire", "--council", "Westshire & Vale Council", "--tier", "advanced")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["wrote profiles/westshire.yaml", "next: fill in the 16 placeholders (contractgen validate lists them)"]
    text = (tmp_path / "nc/profiles/westshire.yaml").read_text(encoding="utf-8")
    assert 'name: "Westshire & Vale Council"' in text and "tier: advanced" in text
    again = run_cli("profile", "new", "westshire")
    assert again.exit_code == 1
    assert stderr_lines(again) == ["error: profiles/westshire.yaml already exists; choose another name, or use --force to replace it"]
    bad = run_cli("profile", "new", "../escape")
    assert bad.exit_code == 2
    assert stderr_lines(bad) == ["error: '../escape' is not a profile name: use letters, digits and hyphens, such as escape"]


def test_git_ignores_every_output_folder_and_the_personal_data(tmp_path, monkeypatch):
    git_identity(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    result = run_cli("init", "nc", "--council", NAME)
    assert result.exit_code == 0, result.output
    ws = tmp_path / "nc"
    written = ["out/x.docx", "letters/report.csv", "letters/a-letter.docx", "overview/overview.html", "scored/audit-scores.csv",
               "forms/f.docx", "returned/r.docx", "data/providers.csv", ".contractgen/cases.sqlite", "report.csv",
               "unmatched.csv", "lso-referrals.csv", "dspt-export-2026-11-26.csv", "borough-providers.xlsx", "~$letter.docx"]
    for rel in written:
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text("x", encoding="utf-8")
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ws, capture_output=True, text=True, check=True)
    assert status.stdout == ""
    committed = subprocess.run(["git", "ls-files"], cwd=ws, capture_output=True, text=True, check=True).stdout.split()
    assert "profiles/northshire-county-council.yaml" in committed and not any(f.startswith("data/") for f in committed)
    assert files_under(ws / "data") == ["providers.csv"]


def test_validate_warns_about_tracked_output_and_personal_data(tmp_path, monkeypatch):
    git_identity(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    assert run_cli("init", "ex", "--example").exit_code == 0
    ws = tmp_path / "ex"
    monkeypatch.chdir(ws)
    assert run_cli("build").exit_code == 0
    (ws / "borough-providers.csv").write_text("name,ods_code\n", encoding="utf-8")
    (ws / "sent").mkdir()
    letter = next((ws / "out/example-borough-letters").glob("*.docx"))
    (ws / "sent" / "to-the-provider.docx").write_bytes(letter.read_bytes())
    subprocess.run(["git", "add", "-f", "out/example-borough-letters/report.csv", "borough-providers.csv", "sent/to-the-provider.docx"],
                   cwd=ws, check=True)
    result = run_cli("validate")
    assert result.exit_code == 0, result.output
    assert stderr_lines(result) == [
        "warning: borough-providers.csv is tracked by git and looks like a provider register, which holds people's names, emails and "
        "phones; remove it from git with `git rm --cached borough-providers.csv` (the file stays) and keep such files in an ignored "
        "folder (`contractgen init` ignores out/, letters/, data/ ...)",
        "warning: out/example-borough-letters/report.csv is tracked by git and looks like generated output or personal data (it is in "
        "out/, where contractgen's outputs and registers go); remove it from git with `git rm --cached "
        "out/example-borough-letters/report.csv` (the file stays) and keep such files in an ignored folder (`contractgen init` "
        "ignores out/, letters/, data/ ...)",
        "warning: sent/to-the-provider.docx is tracked by git and looks like a letter to a provider (its properties name the "
        "provider); remove it from git with `git rm --cached sent/to-the-provider.docx` (the file stays) and keep such files in an "
        "ignored folder (`contractgen init` ignores out/, letters/, data/ ...)",
    ]


def test_paths_written_on_windows_work_everywhere(workspace_dir, monkeypatch):
    """A profile's logo and contractgen.yaml's files written with backslashes, as a Windows
    user types them, are read as the same paths on Linux and macOS."""
    from helpers import edit

    monkeypatch.chdir(workspace_dir)
    edit(workspace_dir / "profiles/example-borough.yaml", "logo: logos/example-borough.png", "logo: logos\\example-borough.png")
    edit(workspace_dir / "contractgen.yaml", "      providers: examples/example-borough-providers.csv",
         "      providers: examples\\example-borough-providers.csv")
    assert run_cli("validate").exit_code == 0
    built = run_cli("build")
    assert built.exit_code == 0, built.output
    assert (workspace_dir / "out/example-borough-letters/report.csv").is_file()
