"""``case``: each provider's case over time, in the case database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..base.errors import display_path, plural
from .root import DATE, Group, cli, print_notes, to_date, workspace_of


@cli.group("case", cls=Group)
def case_group() -> None:
    """Each provider's case over time: letters sent, plans received, extensions,
    certificates, LSO referrals (kept in the case database)."""


@case_group.command("issued")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--on", "on", type=DATE, help="The date the letters were sent, YYYY-MM-DD (default: the date each letter bears).")
@click.pass_context
def case_issued_command(ctx, directory: Path, on) -> None:
    """Record that the letters of a reviewed run in DIRECTORY were sent (reads its
    report.csv and each letter's properties)."""
    from ..casebook.issued import record_issued  # lazy: keeps `contractgen --help` fast

    result = record_issued(workspace_of(ctx), directory, to_date(on))
    print_notes(result.notes)
    closed = f"; {plural(result.closed, 'case')} closed (tier reached)" if result.closed else ""
    click.echo(f"recorded {plural(result.letters, 'letter')} from {display_path(directory)} as sent{closed}")


@case_group.command("record")
@click.argument("code")
@click.argument("event", metavar="EVENT")
@click.option("--date", "date_", type=DATE, help="When it happened, YYYY-MM-DD (default: today).")
@click.option("--letter-kind", help="notice: the kind of letter served.")
@click.option("--remedial-plan-due", type=DATE, help="notice: the Remedial Plan due date it gave.")
@click.option("--standard-by", type=DATE, help="notice: the date it gave for reaching the tier.")
@click.option("--response-by", type=DATE, help="notice: the reply date it gave.")
@click.option("--file", "file_", help="notice: the letter's file.")
@click.option("--until", type=DATE, help="extension: the later date agreed in writing for reaching the tier.")
@click.option("--scheme", type=click.Choice(["ce", "ce-plus"]), help="certificate: Cyber Essentials (ce) or Cyber Essentials Plus (ce-plus).")
@click.option("--number", help="certificate: its number.")
@click.option("--issued", type=DATE, help="certificate: the date it was issued.")
@click.option("--expiry", type=DATE, help="certificate: the date it expires.")
@click.option("--reason", help="closed: why the case is closed.")
@click.option("--text", help="A note to keep with the event.")
@click.option("--supersedes", type=int, metavar="ID", help="This event corrects the earlier event ID (see `case show`).")
@click.pass_context
def case_record_command(ctx, code, event, date_, letter_kind, remedial_plan_due, standard_by, response_by, file_, until, scheme, number, issued, expiry, reason, text, supersedes) -> None:
    """Record an EVENT for the provider CODE: notice, plan-received, plan-agreed,
    plan-rejected, extension, evidence, certificate, lso-referral, lso-opt-out, note,
    closed."""
    from ..casebook.record import record_event  # lazy: keeps `contractgen --help` fast

    details = {
        "letter_kind": letter_kind, "remedial_plan_due": to_date(remedial_plan_due), "standard_by": to_date(standard_by),
        "response_by": to_date(response_by), "file": file_, "until": to_date(until), "scheme": scheme, "number": number,
        "issued": to_date(issued), "expiry": to_date(expiry), "reason": reason, "text": text,
    }
    result = record_event(workspace_of(ctx), code, event, on=to_date(date_), details=details, supersedes=supersedes)
    print_notes(result.notes)
    for e in result.events:
        click.echo(f"recorded #{e.id} {e.ods_code} {e.date.isoformat()} {e.summary()}")


@case_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.pass_context
def case_import_command(ctx, file: Path) -> None:
    """Record many events at once from a CSV or XLSX (columns ods_code, event, date, and
    the details: until, scheme, number, issued, expiry, reason, text...)."""
    from ..casebook.importing import import_events  # lazy: keeps `contractgen --help` fast

    result = import_events(workspace_of(ctx), file)
    print_notes(result.notes)
    click.echo(f"recorded {plural(len(result.events), 'event')} from {display_path(file)}")


@case_group.command("show")
@click.argument("code")
@click.option("--as-of", "as_of", type=DATE, help="Judge overdue plans as of this date (default: today).")
@click.pass_context
def case_show_command(ctx, code, as_of) -> None:
    """Show the timeline of the provider CODE's case."""
    from ..casebook.record import show_case  # lazy: keeps `contractgen --help` fast

    view = show_case(workspace_of(ctx), code)
    print_notes(view.notes)
    for line in view.lines(to_date(as_of) or dt.date.today()):
        click.echo(line)


@case_group.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only open cases.")
@click.option("--overdue", "overdue_only", is_flag=True, help="Only cases whose Remedial Plan is overdue.")
@click.option("--as-of", "as_of", type=DATE, help="Judge overdue plans as of this date (default: today).")
@click.pass_context
def case_list_command(ctx, open_only, overdue_only, as_of) -> None:
    """List the providers' cases, one line each."""
    from ..casebook.record import case_summary, list_cases  # lazy: keeps `contractgen --help` fast

    on = to_date(as_of) or dt.date.today()
    cases, notes = list_cases(workspace_of(ctx), open_only=open_only, overdue_only=overdue_only, on=on)
    print_notes(notes)
    for case in cases:
        click.echo(f"{case.ods_code}: {case_summary(case, on) or 'no case'}")
    if not cases:
        click.echo("no cases" + (" match" if open_only or overdue_only else " recorded"))


@case_group.command("export")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="The file to write, .csv or .json (default: CSV to the screen).")
@click.option("--format", "-f", "fmt", type=click.Choice(["csv", "json"]), help="The format (default: from the file's extension, else CSV).")
@click.pass_context
def case_export_command(ctx, output, fmt) -> None:
    """Export every event of every case (CSV or JSON), for backup, audit and a
    council's own systems."""
    from ..casebook.record import export_cases  # lazy: keeps `contractgen --help` fast

    data, notes = export_cases(workspace_of(ctx), output, fmt)
    print_notes(notes)
    if output is None:
        click.echo(data.decode("utf-8").lstrip("\ufeff"), nl=False)
    else:
        click.echo(f"wrote {display_path(output)}")
