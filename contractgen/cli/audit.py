"""``audit form`` and ``audit score``: business continuity plan audits."""

from __future__ import annotations

from pathlib import Path

import click

from .root import DATE, Group, OutputPath, cli, to_date, workspace_of


@cli.group("audit", cls=Group)
def audit_group() -> None:
    """Business continuity plan audit: send forms to providers, score the returned ones."""


@audit_group.command("form")
@click.argument("profile")
@click.option("--tier", "-t", help="Ask this tier's questions (default: the provider's tier, else the profile's).")
@click.option("--provider", "provider_code", metavar="CODE", help="Fill in this provider's details (ODS code in --providers).")
@click.option("--providers", "-p", "providers", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="The provider register (.csv or .xlsx), for --provider or --for-all.")
@click.option("--for-all", "for_all", is_flag=True, help="One form per provider in --providers, into the folder -o.")
@click.option("--output", "-o", type=OutputPath(path_type=Path), help="The .docx to write (with --for-all: the folder).")
@click.option("--date", "date_", type=DATE, help="Date of the form, YYYY-MM-DD or DD/MM/YYYY (default: today).")
@click.option("--force", is_flag=True, help="Overwrite forms that already exist.")
@click.pass_context
def audit_form_command(ctx, profile, tier, provider_code, providers, for_all, output, date_, force) -> None:
    """Write the business continuity plan audit form(s) as Word documents."""
    from ..audit.form import write_audit_forms  # lazy: keeps `contractgen --help` fast

    result = write_audit_forms(
        workspace_of(ctx), profile, tier=tier, provider_code=provider_code, providers_file=providers,
        for_all=for_all, output=output, date=to_date(date_), force=force,
    )
    for line in result.summary_lines():
        click.echo(line)
    if result.failed:
        ctx.exit(1)


@audit_group.command("score")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--output", "-o", required=True, type=OutputPath(path_type=Path, file_okay=False), help="Folder for the feedback letters and audit-scores.csv.")
@click.option("--profile", "profile", help="Only accept forms this council sent.")
@click.option("--date", "date_", type=DATE, help="Date of the feedback letters, YYYY-MM-DD or DD/MM/YYYY (default: today).")
@click.option("--force", is_flag=True, help="Overwrite feedback letters and audit-scores.csv that already exist.")
@click.option("--providers", "-p", "providers", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="The provider register (.csv or .xlsx): a form whose ODS code is not in it is refused, and each letter is addressed from it.")
@click.pass_context
def audit_score_command(ctx, files, output, profile, date_, force, providers) -> None:
    """Score returned audit forms: feedback letters and audit-scores.csv."""
    from ..audit.score import score_audit_forms  # lazy: keeps `contractgen --help` fast

    result = score_audit_forms(workspace_of(ctx), list(files), output, profile_ref=profile, date=to_date(date_), force=force,
                               providers_file=providers)
    for line in result.summary_lines():
        click.echo(line)
    for line in result.error_lines():
        click.echo(line, err=True)
    if result.failed:
        ctx.exit(1)
