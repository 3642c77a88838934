"""The commands that write what councils send: ``validate``, ``schedule``, ``letters``,
``overview`` and ``build`` (and ``clauses``, the library they are made from)."""

from __future__ import annotations

from pathlib import Path

import click

from ..base.errors import count_problems, display_path, plural
from .root import DATE, Group, OutputPath, Progress, cli, to_date, workspace_of


@cli.command("validate")
@click.pass_context
def validate_command(ctx: click.Context) -> None:
    """Check the clause library, every profile and every template; report every problem."""
    from ..commands.validate import validate_workspace  # lazy: keeps `contractgen --help` fast

    report = validate_workspace(workspace_of(ctx))
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    summary = ", ".join(
        plural(n, word)
        for n, word in ((report.clauses, "clause"), (report.profiles, "profile"),
                        (report.templates, "template"), (report.renders, "test render"))
    )
    if report.problems:
        click.echo(f"error: {count_problems(report.problems)} found ({summary})", err=True)
        ctx.exit(1)
    click.echo(f"ok: {summary}")


@cli.command("schedule")
@click.argument("profile")
@click.option("--tier", "-t", help="Render for this tier instead of the profile's default.")
@click.option("--output", "-o", type=OutputPath(path_type=Path, dir_okay=False), help="The .docx to write (default: out/PROFILE-schedule-TIER.docx).")
@click.option("--date", "date_", type=DATE, help="Document date, YYYY-MM-DD or DD/MM/YYYY (default: the profile's contract.date).")
@click.option("--include-drafts", is_flag=True, help="Include clauses whose status is draft.")
@click.option("--pdf", is_flag=True, help="Also write a PDF beside the .docx (needs LibreOffice).")
@click.option("--at", "at", metavar="REF", help="Render from the clause library at this release (2026.1), tag, branch or commit.")
@click.option("--compare-to", "compare_to", metavar="REF", help="Write the schedule as tracked changes from the library at REF, a release such as 2026.1 or a git reference (a contract variation).")
@click.option("--force", is_flag=True, help="Replace the file -o names although contractgen did not write it (a schedule it wrote is replaced anyway).")
@click.pass_context
def schedule_command(ctx, profile, tier, output, date_, include_drafts, pdf, at, compare_to, force) -> None:
    """Write the council's DSPT contract schedule as a Word document."""
    from ..schedule.render import render_schedule  # lazy: keeps `contractgen --help` fast

    result = render_schedule(
        workspace_of(ctx), profile, tier=tier, output=output, date=to_date(date_), include_drafts=include_drafts,
        pdf=pdf, at=at, compare_to=compare_to, force=force,
    )
    click.echo(
        f"wrote {display_path(result.path)} ({result.profile}, {result.tier} tier, {result.clauses} clauses, "
        f"library release {result.release})"
    )
    if result.draft:
        click.echo(result.draft)
    if result.note:
        click.echo(f"note: {result.note}", err=True)
    if result.pdf:
        click.echo(f"wrote {display_path(result.pdf)}")


@cli.group("clauses", cls=Group)
def clauses_group() -> None:
    """List and show the clauses of the library."""


AT_OPTION = click.option("--at", "at", metavar="REF", help="The library as it was at this release (2026.1), tag, branch or commit.")


@clauses_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include withdrawn clauses.")
@AT_OPTION
@click.pass_context
def clauses_list_command(ctx, show_all: bool, at: str | None) -> None:
    """One line per clause: id, version, status, section, tiers, title."""
    from ..library.catalogue import list_clauses  # lazy: keeps `contractgen --help` fast
    from ..library.releases import library_at  # lazy: keeps `contractgen --help` fast

    library = library_at(workspace_of(ctx), at).library
    for line in list_clauses(library, include_withdrawn=show_all):
        click.echo(line)


@clauses_group.command("show")
@click.argument("clause_id")
@AT_OPTION
@click.pass_context
def clauses_show_command(ctx, clause_id: str, at: str | None) -> None:
    """Everything about one clause, with each tier's text."""
    from ..library.releases import library_at  # lazy: keeps `contractgen --help` fast

    library = library_at(workspace_of(ctx), at).library
    from ..library.catalogue import describe_clause  # lazy: keeps `contractgen --help` fast

    click.echo(describe_clause(library, clause_id))


@cli.command("letters")
@click.argument("profile")
@click.option("--providers", "-p", "providers", required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True), help="The provider register (.csv or .xlsx).")
@click.option("--dspt", "dspt", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="The DSPT organisation search export (.csv or .xlsx).")
@click.option("--no-dspt", "no_dspt", is_flag=True, help="Write the letters without a DSPT export: they then say nothing about each provider's DSPT record.")
@click.option("--as-of", "as_of", type=DATE, help="Decide each letter as of this date, YYYY-MM-DD or DD/MM/YYYY (default: today).")
@click.option("--output", "-o", type=OutputPath(path_type=Path, file_okay=False), help="Folder for the letters (default: out/PROFILE-letters).")
@click.option("--only", multiple=True, metavar="CODE", help="Only the provider with this ODS code (repeatable).")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["start", "lapsed", "remedy", "improve", "renew", "confirm", "overdue", "progress", "certificate"], case_sensitive=False), help="Only letters of this kind (repeatable).")
@click.option("--pdf", is_flag=True, help="Also convert each letter to PDF with LibreOffice.")
@click.option("--force", is_flag=True, help="Overwrite letters that already exist.")
@click.option("--strict", is_flag=True, help="Stop at any bad register row instead of skipping it.")
@click.option("--accept-export", "accept_export", metavar="REASON", help="Write the letters although the DSPT export fails a check (too old, too few codes found...); the reason is recorded in checks.txt and the letters.")
@click.option("--workers", type=click.IntRange(1, 16), help="Worker processes (default: one per core).")
@click.pass_context
def letters_command(ctx, profile, providers, dspt, no_dspt, as_of, output, only, kinds, pdf, force, strict, accept_export, workers) -> None:
    """Write one DSPT guidance letter per provider, and report.csv."""
    from ..letters.generate import generate_letters  # lazy: keeps `contractgen --help` fast

    bar = Progress("letters")
    result = generate_letters(
        workspace_of(ctx), profile, providers, dspt_file=dspt, no_dspt=no_dspt, as_of=to_date(as_of), output=output,
        only=only, kinds=kinds, pdf=pdf, force=force, strict=strict, accept_export=accept_export, workers=workers,
        start=bar.start, progress=bar.advance,
    )
    bar.finish()
    for line in result.summary_lines():
        click.echo(line)
    if result.failed:
        ctx.exit(1)


@cli.command("overview")
@click.argument("profile")
@click.option("--providers", "-p", "providers", required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True), help="The provider register (.csv or .xlsx).")
@click.option("--dspt", "dspt", required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True), help="The latest DSPT organisation search export (.csv or .xlsx).")
@click.option("--previous", "previous", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True), help="An earlier export to compare with (repeatable; dated by the YYYY-MM-DD in its name).")
@click.option("--as-of", "as_of", type=DATE, help="Positions as of this date, YYYY-MM-DD or DD/MM/YYYY (default: today).")
@click.option("--output", "-o", type=OutputPath(path_type=Path, file_okay=False), help="Folder for the files (default: out/PROFILE-overview).")
@click.option("--force", is_flag=True, help="Overwrite an earlier overview in the folder.")
@click.option("--audit-scores", "audit_scores", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="An audit-scores.csv of `contractgen audit score` (repeatable): each provider's latest audit score and critical gaps.")
@click.pass_context
def overview_command(ctx, profile, providers, dspt, previous, as_of, output, force, audit_scores) -> None:
    """The market at a glance: overview.html, overview.xlsx and lso-referrals.csv."""
    from ..overview.write import build_overview  # lazy: keeps `contractgen --help` fast

    result = build_overview(
        workspace_of(ctx), profile, providers, dspt, previous=previous, as_of=to_date(as_of), output=output, force=force,
        audit_scores=audit_scores,
    )
    for line in result.summary_lines():
        click.echo(line)




@cli.command("build")
@click.option("--force", is_flag=True, help="Replace files in the output folders that contractgen did not write (what it wrote is replaced anyway).")
@click.pass_context
def build_command(ctx, force: bool) -> None:
    """The main job: every council's schedule for each tier it uses (and letters) into out/."""
    from ..commands.build import build_workspace  # lazy: keeps `contractgen --help` fast

    ws = workspace_of(ctx)
    result = build_workspace(ws, progress=click.echo, error=lambda line: click.echo(line, err=True), force=force)
    click.echo(result.summary())
    if result.failed:
        ctx.exit(1)
