"""The command line's root: the ``contractgen`` group, where every error becomes a
message and an exit code (:meth:`Group.invoke`: 1 for bad input, 2 for bad usage, 130
when interrupted), and what the commands share (date and output options, the
workspace, the progress bar)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..base.errors import ContractgenError


class DateType(click.ParamType):
    """A date as councils write it: 2026-11-26 or 26/11/2026 (day first, as in England)."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        from ..base.schema import check_plausible_date  # lazy: keeps `contractgen --help` fast

        if isinstance(value, (dt.datetime, dt.date)):
            return value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
        text = str(value).strip()
        for form in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                day = dt.datetime.strptime(text, form)
            except ValueError:
                continue
            try:  # a year 1 or 9999 overflows every deadline
                check_plausible_date(day.date())
            except ValueError as exc:
                self.fail(str(exc), param, ctx)
            return day
        self.fail(f"{value!r} is not a date: write it as YYYY-MM-DD (2026-11-26) or DD/MM/YYYY (26/11/2026).", param, ctx)


DATE = DateType()


class OutputPath(click.Path):
    """An output file or folder: never an empty name (which would name the current folder)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("is empty: give a file or folder name, such as out/schedule.docx", param, ctx)
        return super().convert(value, param, ctx)


def plain_text(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A value printed into a document: no control characters, which Word cannot hold."""
    from ..base.schema import find_xml_illegal  # lazy: keeps `contractgen --help` fast

    bad = find_xml_illegal(value) if value else None
    if bad:
        raise click.BadParameter(
            f"contains the control character {bad}, which a Word document cannot hold; type the name without it",
            ctx, param,
        )
    return value


class Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ContractgenError as exc:
            for line in exc.report_lines():
                click.echo(line, err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted: finished files were kept, no file was left half-written", err=True)
            ctx.exit(130)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--workspace", "-w", type=click.Path(path_type=Path, file_okay=False), default=None,
    help="The workspace folder (default: the nearest folder with contractgen.yaml).",
)
@click.version_option(__version__, prog_name="contractgen")
@click.pass_context
def cli(ctx: click.Context, workspace: Path | None) -> None:
    """DSPT contract schedules, provider letters and reviewable clause changes
    for councils' adult social care contracts."""
    ctx.obj = workspace


def workspace_of(ctx: click.Context):
    from ..library.workspace import find_workspace  # lazy: keeps `contractgen --help` fast

    return find_workspace(ctx.obj)


def to_date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None




class Progress:
    """A progress bar on a terminal; silent when output is redirected."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def start(self, total: int) -> None:
        if sys.stderr.isatty() and total > 1:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def print_notes(notes: list[str]) -> None:
    for note in notes:
        click.echo(note, err=True)


def main() -> None:  # pragma: no cover - the console script
    cli(prog_name="contractgen")
