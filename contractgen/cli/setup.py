"""``init`` and ``profile new``: a council's workspace and profile, from options and, at a
terminal, questions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..base.errors import display_path, plural
from .root import DATE, Group, cli, to_date, workspace_of


def _council_options(command):
    """The options ``init`` and ``profile new`` share: what to write in the council's profile."""
    for option in reversed([
        click.option("--council", "council", metavar="NAME", help="The council's name, as it prints on every page."),
        click.option("--region", metavar="NAME", help="A region whose councils share a base profile (their Local Support Organisation), such as 'North West'."),
        click.option("--tier", type=click.Choice(["foundation", "core", "advanced"]), help="The providers' default tier (default: core)."),
        click.option("--start-date", "start_date", type=DATE, help="The contract's Commencement Date, YYYY-MM-DD or DD/MM/YYYY."),
        click.option("--signatory", metavar="NAME", help="Who signs the letters."),
        click.option("--email", metavar="ADDRESS", help="The commissioning team's email address."),
        click.option("--phone", metavar="NUMBER", help="The commissioning team's phone number."),
        click.option("--logo", type=click.Path(path_type=Path, dir_okay=False), help="The council's logo, a .png or .jpg (copied into profiles/logos/)."),
    ]):
        command = option(command)
    return command


def _optional(kind: click.ParamType):
    """A prompt's conversion where Enter (nothing) is an answer too."""
    return lambda text: kind.convert(text, None, None) if text.strip() else None


def _interactive() -> bool:
    """Whether to ask questions: only when a person is at a terminal."""
    return sys.stdin.isatty()


def _council_answers(values: dict[str, Any]):
    """The council's details from the options and, in a terminal only, questions for the rest."""
    from ..library.onboarding import CouncilAnswers  # lazy: keeps `contractgen --help` fast

    answers = {key: values[key] for key in ("council", "region", "tier", "start_date", "signatory", "email", "phone", "logo")}
    if _interactive():
        questions = [
            ("council", "The council's name", None), ("region", "Region (Enter for none)", None),
            ("tier", "Default tier (foundation, core, advanced)", "core"), ("start_date", "Contract start date, YYYY-MM-DD (Enter for later)", None),
            ("signatory", "Who signs the letters", None), ("email", "Commissioning team's email", None),
            ("phone", "Commissioning team's phone", None), ("logo", "Logo file, .png or .jpg (Enter for none)", None),
        ]
        procs: dict[str, Any] = {"tier": _optional(click.Choice(["foundation", "core", "advanced"])), "start_date": _optional(DATE),
                                 "logo": _optional(click.Path(path_type=Path, dir_okay=False, exists=True))}
        for key, text, default in questions:
            if answers[key] is None:
                answer = click.prompt(text, default=default or "", show_default=bool(default), value_proc=procs.get(key), err=True)
                answers[key] = answer or None
    start = answers.pop("start_date")
    return CouncilAnswers(name=answers.pop("council"), start_date=to_date(start) if start else None, **answers)


@cli.command("init")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--example", is_flag=True, help="Copy the shipped example workspace (two fictional councils, registers and a DSPT export) instead.")
@click.option("--profile", "profile", metavar="NAME", help="The council profile's name (default: from the council's name, else the folder's).")
@_council_options
@click.option("--no-git", "no_git", is_flag=True, help="Do not make a git repository (no first commit, no git-setup, no pre-commit config).")
@click.option("--force", is_flag=True, help="Create it in a folder that is not empty, overwriting the workspace's files there.")
def init_command(directory: Path, example: bool, profile: str | None, no_git: bool, force: bool, **council: Any) -> None:
    """Create a new workspace in DIRECTORY for your council (the shipped clause library and
    templates, and a profile for the council), as a git repository with a first commit
    (the clause library's first release). In a terminal it asks for what the options do
    not say; elsewhere it leaves placeholders that `contractgen validate` lists."""
    from ..library.workspace import create_workspace  # lazy: keeps `contractgen --help` fast

    answers = None if example else _council_answers(council)
    result = create_workspace(directory, git=not no_git, force=force, example=example, council=answers, profile=profile)
    click.echo(f"created workspace {display_path(directory)}: {', '.join(result.created)}")
    for action in result.actions:
        click.echo(action)
    if example:
        click.echo(f"next: cd {display_path(directory)} && contractgen validate && contractgen build")
    else:
        click.echo(f"next: fill in {result.created[3]} (contractgen validate lists what is still a placeholder)")


@cli.group("profile", cls=Group)
def profile_group() -> None:
    """Council profiles: add another council to this workspace."""


@profile_group.command("new")
@click.argument("name")
@_council_options
@click.option("--force", is_flag=True, help="Replace a profile of that name.")
@click.pass_context
def profile_new_command(ctx, name: str, force: bool, **council: Any) -> None:
    """Write profiles/NAME.yaml for another council, every field commented; in a terminal
    it asks for what the options do not say."""
    from ..library.workspace import new_profile  # lazy: keeps `contractgen --help` fast

    ws = workspace_of(ctx)
    result = new_profile(ws, name, _council_answers(council), force=force)
    click.echo(f"wrote {', '.join(display_path(p) for p in result.files)}")
    if result.placeholders:
        click.echo(f"next: fill in the {plural(result.placeholders, 'placeholder')} (contractgen validate lists them)")
