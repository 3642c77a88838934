"""The README's "Your first council, in ten steps", run as a newcomer would: every
``$ contractgen ...`` of its console blocks, in order, in a fresh folder, its output
compared with the README's (``...`` stands for lines the README leaves out). The steps
the README describes in words are done here: filling in the profile (step 4), and putting
a register and a DSPT export in ``data/`` (steps 6 and 7: the fictional examples). The
README's letters and overview are as of 26 November 2026, the date in the export's name;
the test passes that date, which the README leaves to the clock."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from helpers import ROOT, console_blocks, run_cli
from helpers_git import git_identity

SECTION = "## Your first council, in ten steps"
PROFILE = "profiles/northshire-county-council.yaml"
FILLED = {
    "the commissioning team": "Adult Social Care Commissioning", "the street address": "County Hall, Castle Street",
    "the town and postcode": "Northshire NS1 1AA", "the contract title": "Home Care Framework Agreement",
    "the contract reference": "NCC/ASC/2027/001", "number": "9",
    "the commissioning team's email": "asc.contracts@northshire.example.gov.uk", "the commissioning team's phone": "01632 960 400",
    "the Local Support Organisation": "Northshire Care Association", "its email": "dspt@northshire-care.example.org",
    "its phone": "01632 960 500", "who signs the letters": "Sam Okafor", "their job title": "Head of Commissioning",
}


def guide_steps() -> list[tuple[str, list[str]]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[: section.index("\n## ", 1)]
    return [step for block in console_blocks(section, skip_blank=True) for step in block]


def matches(expected: list[str], actual: list[str]) -> bool:
    """``expected`` in order in ``actual``, each ``...`` standing for any lines."""
    pattern = "".join(".*?\n" if line == "..." else re.escape(line) + "\n" for line in expected)
    return re.fullmatch(r"(?s)" + pattern + (".*" if expected and expected[-1] == "..." else ""), "\n".join(actual) + "\n") is not None


def fill_in(profile: Path) -> None:
    text = re.sub(r'"TODO: ([^"]*)"', lambda m: f'"{FILLED[m.group(1)]}"', profile.read_text(encoding="utf-8"))
    profile.write_text(text.replace("start_date: null", "start_date: 2027-04-01"), encoding="utf-8")


@pytest.mark.slow
def test_the_readme_first_council_guide(tmp_path, monkeypatch):
    git_identity(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    steps = guide_steps()
    assert [command.split()[:2] for command, _ in steps] == [
        ["contractgen", "init"], ["cd", "northshire"], ["contractgen", "validate"], ["contractgen", "validate"],
        ["contractgen", "schedule"], ["contractgen", "letters"], ["contractgen", "overview"],
    ], "the README's guide and this test are out of step"
    validated = 0
    for command, expected in steps:
        words = shlex.split(command)
        if words[0] == "cd":
            monkeypatch.chdir(Path.cwd() / words[1])
            continue
        if words[1] == "validate":
            validated += 1
            if validated == 2:  # step 4: the officer fills in the profile
                fill_in(Path.cwd() / PROFILE)
        if words[1] == "letters":  # steps 6 and 7: a register and a DSPT export in data/
            shutil.copyfile(ROOT / "examples" / "example-borough-providers.csv", "data/providers.csv")
            shutil.copyfile(ROOT / "examples" / "dspt-export-2026-11-26.csv", "data/dspt-export-2026-11-26.csv")
        if words[1] in ("letters", "overview"):
            words += ["--as-of", "2026-11-26"]
        result = run_cli(*words[1:])
        actual = (result.stdout + result.stderr).splitlines()
        assert matches(expected, actual), f"README step `{command}` printed:\n" + "\n".join(actual)
    status = __import__("subprocess").run(["git", "status", "--porcelain"], capture_output=True, text=True, check=True).stdout
    assert status.splitlines() == [f" M {PROFILE}"]  # step 10: only the profile to commit; letters and data ignored
