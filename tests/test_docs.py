"""Every command has help text and is documented (sqlite-utils' tests/test_docs.py): every
command and option of `--help` in docs/commands.md, every command named in docs/, and
every link and repository path in README.md and docs/ exists."""

from __future__ import annotations

import re

import click
import pytest
from helpers import ROOT, run_cli

from contractgen.cli import cli

README = ROOT / "README.md"
DOCS = ROOT / "docs"
COMMANDS_DOC = DOCS / "commands.md"


def commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    """(path, command) for every command and subcommand, e.g. (("clauses", "list"), ...)."""
    found = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        found.append(((*prefix, name), command))
        if isinstance(command, click.Group):
            found.extend(commands(command, (*prefix, name)))
    return found


ALL = commands()
IDS = [" ".join(path) for path, _ in ALL]


def test_the_commands_we_document_exist():
    names = set(IDS)
    assert {"init", "validate", "schedule", "clauses", "clauses list", "clauses show", "build"} <= names


@pytest.mark.parametrize("path, command", ALL, ids=IDS)
def test_every_command_has_help_text(path, command):
    assert (command.help or "").strip(), f"contractgen {' '.join(path)} has no help text"
    result = run_cli(*path, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: contractgen {' '.join(path)}")
    first_words = " ".join(command.help.split()[:6])
    assert first_words in " ".join(result.stdout.split())


@pytest.mark.parametrize("path, command", ALL, ids=IDS)
def test_every_option_has_help_text(path, command):
    missing = [
        "/".join(p.opts) for p in command.params
        if isinstance(p, click.Option) and not (p.help or "").strip() and not p.hidden
    ]
    assert missing == [], f"contractgen {' '.join(path)}: options without help: {missing}"


def test_the_top_level_help_lists_every_command():
    result = run_cli("--help")
    assert result.exit_code == 0
    for path, _ in ALL:
        if len(path) == 1:
            assert re.search(rf"^  {re.escape(path[0])}\s", result.stdout, re.M), path


def documents() -> list:
    return [README, *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("path, command", ALL, ids=IDS)
def test_every_command_is_in_the_docs(path, command):
    docs = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))
    name = "contractgen " + " ".join(path)
    in_code = re.search(rf"`{re.escape(name)}(?:[ `]|$)", docs, re.M)
    in_heading = re.search(rf"^#+ .*\b{re.escape(name)}\b", docs, re.M)
    assert in_code or in_heading, f"docs/ does not mention `{name}`"


def option_section(name: str) -> str:
    """The part of docs/commands.md under the heading `contractgen NAME` of "Every option"."""
    text = COMMANDS_DOC.read_text(encoding="utf-8")
    reference = text[text.index("\n## Every option"):]
    heading = f"\n### `{name}`\n"
    assert heading in reference, f"docs/commands.md 'Every option' has no section for `{name}`"
    section = reference[reference.index(heading) + len(heading):]
    return section[: section.index("\n### ")] if "\n### " in section else section


@pytest.mark.parametrize("path, command", ALL, ids=IDS)
def test_every_option_is_documented(path, command):
    section = option_section("contractgen " + " ".join(path))
    missing = [
        opt for p in command.params if isinstance(p, click.Option) and not p.hidden
        for opt in p.opts if opt.startswith("--") and f"`{opt}`" not in section
    ]
    assert missing == [], f"docs/commands.md does not document contractgen {' '.join(path)} {missing}"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def anchors(path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {slug(h) for h in re.findall(r"^#+ (.*)$", text, re.M)}


@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_leads_somewhere(doc):
    text = doc.read_text(encoding="utf-8")
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        file, _, anchor = target.partition("#")
        where = (doc.parent / file).resolve() if file else doc
        if not where.exists():
            broken.append(target)
        elif anchor and where.suffix == ".md" and anchor not in anchors(where):
            broken.append(target)
    assert broken == [], f"{doc.name}: links to nothing: {broken}"


#: First folders of the repository's own paths; a path under them that docs name must exist.
REPOSITORY_FOLDERS = ("contractgen/", "tests/", "docs/", "scripts/", "benchmarks/", ".ci/", ".github/", "clause_library/", "examples/")


@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_repository_path_named_exists(doc):
    text = doc.read_text(encoding="utf-8")
    named = {
        p.split("::")[0].rstrip(".,:;")
        for p in re.findall(r"`([.\w/-]+/[.\w/-]*)`", text)
        if p.startswith(REPOSITORY_FOLDERS)
    }
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert missing == [], f"{doc.name} names paths that do not exist: {missing}"


def test_ci_runs_the_readme_test_command():
    """`.ci/run` runs "the README's test command": the same install and the same pytest."""
    readme = README.read_text(encoding="utf-8")
    command = next(line for line in re.findall(r"```sh\n(.*?)\n```", readme, re.S) if "pytest" in line)
    install, run = command.split(" && ", 1)[1].split(" && ")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m venv .venv && " + install.replace("pip install ", "pip install -q ") in ci
    assert re.search(rf"^{re.escape(run)}$", ci, re.M)
