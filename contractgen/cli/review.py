"""Reviewing the clause library: ``diff`` (text, Markdown, JSON or a Word redline),
``releases``, ``check-versions``, and git's ``textconv`` and ``git-setup``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..base.errors import display_path
from .root import DATE, OutputPath, cli, plain_text, to_date, workspace_of


@cli.command("diff")
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "markdown", "json", "docx"]), default="text", show_default=True, help="Output format.")
@click.option("--output", "-o", type=OutputPath(path_type=Path, dir_okay=False), help="Write to this file (required for docx).")
@click.option("--profile", "-p", "profile", metavar="NAME", help="Show parameter values from this council profile (docx; default: the library's defaults, each with a comment).")
@click.option("--author", callback=plain_text, help="Author of the tracked changes (docx; default: git user.name, else contractgen).")
@click.option("--date", "date_", type=DATE, help="Date of the tracked changes, YYYY-MM-DD or DD/MM/YYYY (docx; default: the new release date).")
@click.option("--force", is_flag=True, help="Replace the file -o names although contractgen did not write it.")
@click.pass_context
def diff_command(ctx, old, new, fmt, output, profile, author, date_, force) -> None:
    """Clause changes from OLD to NEW (releases such as 2026.1, tags or git references;
    defaults: the latest release against the working tree)."""
    from ..base.atomic import write_atomic  # lazy: keeps `contractgen --help` fast
    from ..library.releases import latest_release, library_at  # lazy: keeps `contractgen --help` fast
    from ..schedule.diff import diff_library  # lazy: keeps `contractgen --help` fast
    from ..schedule.diff_formats import (  # lazy: keeps `contractgen --help` fast
        format_docx,
        format_json,
        format_markdown,
        format_text,
    )
    from ..word.package import refuse_overwriting  # lazy: keeps `contractgen --help` fast

    ws = workspace_of(ctx)
    if output is not None and not force:
        refuse_overwriting(None, [output], own=True)
    old_ref = old or latest_release(ws).name
    newer = library_at(ws, new)
    result = diff_library(library_at(ws, old_ref), newer)
    if fmt == "docx":
        from ..library.gitsetup import git_user_name  # lazy: keeps `contractgen --help` fast
        from ..library.profiles import load_profile  # lazy: keeps `contractgen --help` fast

        if output is None:
            raise click.UsageError("--format docx writes a Word file: give it with -o FILE.docx")
        chosen = load_profile(profile, ws.profiles_dir) if profile else None
        who = author or git_user_name(ws.root) or "contractgen"
        write_atomic(output, format_docx(result, author=who, date=to_date(date_) or newer.library.spec.release_date, profile=chosen))
        click.echo(f"wrote {display_path(output)}: {result.summary()}")
        return
    if profile:
        raise click.UsageError("--profile applies to --format docx only")
    text = {
        "text": lambda: format_text(result, color=output is None and sys.stdout.isatty()),
        "markdown": lambda: format_markdown(result),
        "json": lambda: format_json(result),
    }[fmt]()
    if output is not None:
        write_atomic(output, text.encode("utf-8"))
        click.echo(f"wrote {display_path(output)}: {result.summary()}")
    else:
        click.echo(text, nl=False)
        if fmt != "text":  # the text format ends with its own summary
            click.echo(result.summary(), err=True)


@cli.command("releases")
@click.pass_context
def releases_command(ctx) -> None:
    """The releases of the clause library, newest first, from the history of library.yaml."""
    from ..schedule.changelog import list_releases  # lazy: keeps `contractgen --help` fast

    entries, history = list_releases(workspace_of(ctx))
    rows = [("release", "date", "commit", "changes")] + [
        (e.name, e.date.isoformat() if e.date else "-", e.commit[:7] if e.commit else "-", e.changes) for e in entries
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[3])
    for problem in history.problems:
        click.echo(f"warning: {problem}", err=True)


@cli.command("check-versions")
@click.option("--against", metavar="REF", help="Compare with this release (2026.1), tag or git reference (default: the latest release).")
@click.option("--release", "release", is_flag=True, help="Also fail when clauses changed since the release without a new release in library.yaml (for CI on a release branch).")
@click.pass_context
def check_versions_command(ctx, against: str | None, release: bool) -> None:
    """Refuse clause changes without a version bump and changelog entry."""
    from ..library.versions import check_versions, summary  # lazy: keeps `contractgen --help` fast

    report = check_versions(workspace_of(ctx), against, release=release)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    if report.problems:
        click.echo(f"error: {summary(report)}", err=True)
        ctx.exit(1)
    click.echo(summary(report))


@cli.command("textconv")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
def textconv_command(file: Path) -> None:
    """Print a .docx as stable plain text (for git diff)."""
    from ..word.textconv import docx_to_text  # lazy: keeps `contractgen --help` fast

    sys.stdout.buffer.write(docx_to_text(file).encode("utf-8"))
    sys.stdout.flush()


@cli.command("git-setup")
@click.argument("path", required=False, type=click.Path(path_type=Path, file_okay=False), default=".")
def git_setup_command(path: Path) -> None:
    """Make git diff and git log -p show the text of .docx files in this repository."""
    from ..library.gitsetup import git_setup  # lazy: keeps `contractgen --help` fast

    actions = git_setup(path)
    for action in actions:
        click.echo(action)
    if not actions:
        click.echo("already set up: git diff shows .docx files as text")
