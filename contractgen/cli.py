"""The command line: parse options, call one library function, print a short summary.

All errors are turned into messages and exit codes in exactly one place
(:meth:`_Group.invoke`): 1 for bad input, 2 for bad usage, 130 when interrupted.
Work is imported lazily inside each command so that ``--help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .base.errors import ContractgenError, count_problems, display_path, plural


class _Date(click.ParamType):
    """A date as councils write it: 2026-11-26 or 26/11/2026 (day first, as in England)."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        from .base.schema import check_plausible_date  # lazy: keeps `contractgen --help` fast

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


DATE = _Date()


class _Output(click.Path):
    """An output file or folder: never an empty name (which would name the current folder)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("is empty: give a file or folder name, such as out/schedule.docx", param, ctx)
        return super().convert(value, param, ctx)


def _plain_text(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A value printed into a document: no control characters, which Word cannot hold."""
    from .base.schema import find_xml_illegal  # lazy: keeps `contractgen --help` fast

    bad = find_xml_illegal(value) if value else None
    if bad:
        raise click.BadParameter(
            f"contains the control character {bad}, which a Word document cannot hold; type the name without it",
            ctx, param,
        )
    return value


class _Group(click.Group):
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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
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


def _workspace(ctx: click.Context):
    from .library.workspace import find_workspace  # lazy: keeps `contractgen --help` fast

    return find_workspace(ctx.obj)


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


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
    from .library.onboarding import CouncilAnswers  # lazy: keeps `contractgen --help` fast

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
    return CouncilAnswers(name=answers.pop("council"), start_date=_date(start) if start else None, **answers)


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
    from .library.workspace import create_workspace  # lazy: keeps `contractgen --help` fast

    answers = None if example else _council_answers(council)
    result = create_workspace(directory, git=not no_git, force=force, example=example, council=answers, profile=profile)
    click.echo(f"created workspace {display_path(directory)}: {', '.join(result.created)}")
    for action in result.actions:
        click.echo(action)
    if example:
        click.echo(f"next: cd {display_path(directory)} && contractgen validate && contractgen build")
    else:
        click.echo(f"next: fill in {result.created[3]} (contractgen validate lists what is still a placeholder)")


@cli.group("profile", cls=_Group)
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
    from .library.workspace import new_profile  # lazy: keeps `contractgen --help` fast

    ws = _workspace(ctx)
    result = new_profile(ws, name, _council_answers(council), force=force)
    click.echo(f"wrote {', '.join(display_path(p) for p in result.files)}")
    if result.placeholders:
        click.echo(f"next: fill in the {plural(result.placeholders, 'placeholder')} (contractgen validate lists them)")


@cli.command("validate")
@click.pass_context
def validate_command(ctx: click.Context) -> None:
    """Check the clause library, every profile and every template; report every problem."""
    from .commands.validate import validate_workspace  # lazy: keeps `contractgen --help` fast

    report = validate_workspace(_workspace(ctx))
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
@click.option("--output", "-o", type=_Output(path_type=Path, dir_okay=False), help="The .docx to write (default: out/PROFILE-schedule-TIER.docx).")
@click.option("--date", "date_", type=DATE, help="Document date, YYYY-MM-DD or DD/MM/YYYY (default: the profile's contract.date).")
@click.option("--include-drafts", is_flag=True, help="Include clauses whose status is draft.")
@click.option("--pdf", is_flag=True, help="Also write a PDF beside the .docx (needs LibreOffice).")
@click.option("--at", "at", metavar="REF", help="Render from the clause library at this release (2026.1), tag, branch or commit.")
@click.option("--compare-to", "compare_to", metavar="REF", help="Write the schedule as tracked changes from the library at REF, a release such as 2026.1 or a git reference (a contract variation).")
@click.option("--force", is_flag=True, help="Replace the file -o names although contractgen did not write it (a schedule it wrote is replaced anyway).")
@click.pass_context
def schedule_command(ctx, profile, tier, output, date_, include_drafts, pdf, at, compare_to, force) -> None:
    """Write the council's DSPT contract schedule as a Word document."""
    from .schedule.render import render_schedule  # lazy: keeps `contractgen --help` fast

    result = render_schedule(
        _workspace(ctx), profile, tier=tier, output=output, date=_date(date_), include_drafts=include_drafts,
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


@cli.group("clauses", cls=_Group)
def clauses_group() -> None:
    """List and show the clauses of the library."""


AT_OPTION = click.option("--at", "at", metavar="REF", help="The library as it was at this release (2026.1), tag, branch or commit.")


@clauses_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include withdrawn clauses.")
@AT_OPTION
@click.pass_context
def clauses_list_command(ctx, show_all: bool, at: str | None) -> None:
    """One line per clause: id, version, status, section, tiers, title."""
    from .library.catalogue import list_clauses  # lazy: keeps `contractgen --help` fast
    from .library.releases import library_at  # lazy: keeps `contractgen --help` fast

    library = library_at(_workspace(ctx), at).library
    for line in list_clauses(library, include_withdrawn=show_all):
        click.echo(line)


@clauses_group.command("show")
@click.argument("clause_id")
@AT_OPTION
@click.pass_context
def clauses_show_command(ctx, clause_id: str, at: str | None) -> None:
    """Everything about one clause, with each tier's text."""
    from .library.releases import library_at  # lazy: keeps `contractgen --help` fast

    library = library_at(_workspace(ctx), at).library
    from .library.catalogue import describe_clause  # lazy: keeps `contractgen --help` fast

    click.echo(describe_clause(library, clause_id))


@cli.command("letters")
@click.argument("profile")
@click.option("--providers", "-p", "providers", required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True), help="The provider register (.csv or .xlsx).")
@click.option("--dspt", "dspt", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="The DSPT organisation search export (.csv or .xlsx).")
@click.option("--no-dspt", "no_dspt", is_flag=True, help="Write the letters without a DSPT export: they then say nothing about each provider's DSPT record.")
@click.option("--as-of", "as_of", type=DATE, help="Decide each letter as of this date, YYYY-MM-DD or DD/MM/YYYY (default: today).")
@click.option("--output", "-o", type=_Output(path_type=Path, file_okay=False), help="Folder for the letters (default: out/PROFILE-letters).")
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
    from .letters.generate import generate_letters  # lazy: keeps `contractgen --help` fast

    bar = _Progress("letters")
    result = generate_letters(
        _workspace(ctx), profile, providers, dspt_file=dspt, no_dspt=no_dspt, as_of=_date(as_of), output=output,
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
@click.option("--output", "-o", type=_Output(path_type=Path, file_okay=False), help="Folder for the files (default: out/PROFILE-overview).")
@click.option("--force", is_flag=True, help="Overwrite an earlier overview in the folder.")
@click.option("--audit-scores", "audit_scores", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="An audit-scores.csv of `contractgen audit score` (repeatable): each provider's latest audit score and critical gaps.")
@click.pass_context
def overview_command(ctx, profile, providers, dspt, previous, as_of, output, force, audit_scores) -> None:
    """The market at a glance: overview.html, overview.xlsx and lso-referrals.csv."""
    from .overview.write import build_overview  # lazy: keeps `contractgen --help` fast

    result = build_overview(
        _workspace(ctx), profile, providers, dspt, previous=previous, as_of=_date(as_of), output=output, force=force,
        audit_scores=audit_scores,
    )
    for line in result.summary_lines():
        click.echo(line)


class _Progress:
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


@cli.command("diff")
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "markdown", "json", "docx"]), default="text", show_default=True, help="Output format.")
@click.option("--output", "-o", type=_Output(path_type=Path, dir_okay=False), help="Write to this file (required for docx).")
@click.option("--profile", "-p", "profile", metavar="NAME", help="Show parameter values from this council profile (docx; default: the library's defaults, each with a comment).")
@click.option("--author", callback=_plain_text, help="Author of the tracked changes (docx; default: git user.name, else contractgen).")
@click.option("--date", "date_", type=DATE, help="Date of the tracked changes, YYYY-MM-DD or DD/MM/YYYY (docx; default: the new release date).")
@click.option("--force", is_flag=True, help="Replace the file -o names although contractgen did not write it.")
@click.pass_context
def diff_command(ctx, old, new, fmt, output, profile, author, date_, force) -> None:
    """Clause changes from OLD to NEW (releases such as 2026.1, tags or git references;
    defaults: the latest release against the working tree)."""
    from .library.releases import latest_release, library_at  # lazy: keeps `contractgen --help` fast
    from .schedule.diff import (  # lazy: keeps `contractgen --help` fast
        diff_library,
        format_docx,
        format_json,
        format_markdown,
        format_text,
    )
    from .word.package import refuse_overwriting, write_atomic  # lazy: keeps `contractgen --help` fast

    ws = _workspace(ctx)
    if output is not None and not force:
        refuse_overwriting(None, [output], own=True)
    old_ref = old or latest_release(ws).name
    newer = library_at(ws, new)
    result = diff_library(library_at(ws, old_ref), newer)
    if fmt == "docx":
        from .library.gitsetup import git_user_name  # lazy: keeps `contractgen --help` fast
        from .library.profiles import load_profile  # lazy: keeps `contractgen --help` fast

        if output is None:
            raise click.UsageError("--format docx writes a Word file: give it with -o FILE.docx")
        chosen = load_profile(profile, ws.profiles_dir) if profile else None
        who = author or git_user_name(ws.root) or "contractgen"
        write_atomic(output, format_docx(result, author=who, date=_date(date_) or newer.library.spec.release_date, profile=chosen))
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
    from .schedule.changelog import list_releases  # lazy: keeps `contractgen --help` fast

    entries, history = list_releases(_workspace(ctx))
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
    from .library.versions import check_versions, summary  # lazy: keeps `contractgen --help` fast

    report = check_versions(_workspace(ctx), against, release=release)
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
    from .word.textconv import docx_to_text  # lazy: keeps `contractgen --help` fast

    sys.stdout.buffer.write(docx_to_text(file).encode("utf-8"))
    sys.stdout.flush()


@cli.command("git-setup")
@click.argument("path", required=False, type=click.Path(path_type=Path, file_okay=False), default=".")
def git_setup_command(path: Path) -> None:
    """Make git diff and git log -p show the text of .docx files in this repository."""
    from .library.gitsetup import git_setup  # lazy: keeps `contractgen --help` fast

    actions = git_setup(path)
    for action in actions:
        click.echo(action)
    if not actions:
        click.echo("already set up: git diff shows .docx files as text")


@cli.command("build")
@click.option("--force", is_flag=True, help="Replace files in the output folders that contractgen did not write (what it wrote is replaced anyway).")
@click.pass_context
def build_command(ctx, force: bool) -> None:
    """The main job: every council's schedule for each tier it uses (and letters) into out/."""
    from .commands.build import build_workspace  # lazy: keeps `contractgen --help` fast

    ws = _workspace(ctx)
    result = build_workspace(ws, progress=click.echo, error=lambda line: click.echo(line, err=True), force=force)
    click.echo(result.summary())
    if result.failed:
        ctx.exit(1)


@cli.group("audit", cls=_Group)
def audit_group() -> None:
    """Business continuity plan audit: send forms to providers, score the returned ones."""


@audit_group.command("form")
@click.argument("profile")
@click.option("--tier", "-t", help="Ask this tier's questions (default: the provider's tier, else the profile's).")
@click.option("--provider", "provider_code", metavar="CODE", help="Fill in this provider's details (ODS code in --providers).")
@click.option("--providers", "-p", "providers", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="The provider register (.csv or .xlsx), for --provider or --for-all.")
@click.option("--for-all", "for_all", is_flag=True, help="One form per provider in --providers, into the folder -o.")
@click.option("--output", "-o", type=_Output(path_type=Path), help="The .docx to write (with --for-all: the folder).")
@click.option("--date", "date_", type=DATE, help="Date of the form, YYYY-MM-DD or DD/MM/YYYY (default: today).")
@click.option("--force", is_flag=True, help="Overwrite forms that already exist.")
@click.pass_context
def audit_form_command(ctx, profile, tier, provider_code, providers, for_all, output, date_, force) -> None:
    """Write the business continuity plan audit form(s) as Word documents."""
    from .audit.form import write_audit_forms  # lazy: keeps `contractgen --help` fast

    result = write_audit_forms(
        _workspace(ctx), profile, tier=tier, provider_code=provider_code, providers_file=providers,
        for_all=for_all, output=output, date=_date(date_), force=force,
    )
    for line in result.summary_lines():
        click.echo(line)
    if result.failed:
        ctx.exit(1)


@audit_group.command("score")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--output", "-o", required=True, type=_Output(path_type=Path, file_okay=False), help="Folder for the feedback letters and audit-scores.csv.")
@click.option("--profile", "profile", help="Only accept forms this council sent.")
@click.option("--date", "date_", type=DATE, help="Date of the feedback letters, YYYY-MM-DD or DD/MM/YYYY (default: today).")
@click.option("--force", is_flag=True, help="Overwrite feedback letters and audit-scores.csv that already exist.")
@click.option("--providers", "-p", "providers", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="The provider register (.csv or .xlsx): a form whose ODS code is not in it is refused, and each letter is addressed from it.")
@click.pass_context
def audit_score_command(ctx, files, output, profile, date_, force, providers) -> None:
    """Score returned audit forms: feedback letters and audit-scores.csv."""
    from .audit.score import score_audit_forms  # lazy: keeps `contractgen --help` fast

    result = score_audit_forms(_workspace(ctx), list(files), output, profile_ref=profile, date=_date(date_), force=force,
                               providers_file=providers)
    for line in result.summary_lines():
        click.echo(line)
    for line in result.error_lines():
        click.echo(line, err=True)
    if result.failed:
        ctx.exit(1)


# --------------------------------------------------------------------------- case


@cli.group("case", cls=_Group)
def case_group() -> None:
    """Each provider's case over time: letters sent, plans received, extensions,
    certificates, LSO referrals (kept in the case database)."""


def _notes(notes: list[str]) -> None:
    for note in notes:
        click.echo(note, err=True)


@case_group.command("issued")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--on", "on", type=DATE, help="The date the letters were sent, YYYY-MM-DD (default: the date each letter bears).")
@click.pass_context
def case_issued_command(ctx, directory: Path, on) -> None:
    """Record that the letters of a reviewed run in DIRECTORY were sent (reads its
    report.csv and each letter's properties)."""
    from .casebook.issued import record_issued  # lazy: keeps `contractgen --help` fast

    result = record_issued(_workspace(ctx), directory, _date(on))
    _notes(result.notes)
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
    from .casebook.record import record_event  # lazy: keeps `contractgen --help` fast

    details = {
        "letter_kind": letter_kind, "remedial_plan_due": _date(remedial_plan_due), "standard_by": _date(standard_by),
        "response_by": _date(response_by), "file": file_, "until": _date(until), "scheme": scheme, "number": number,
        "issued": _date(issued), "expiry": _date(expiry), "reason": reason, "text": text,
    }
    result = record_event(_workspace(ctx), code, event, on=_date(date_), details=details, supersedes=supersedes)
    _notes(result.notes)
    for e in result.events:
        click.echo(f"recorded #{e.id} {e.ods_code} {e.date.isoformat()} {e.summary()}")


@case_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.pass_context
def case_import_command(ctx, file: Path) -> None:
    """Record many events at once from a CSV or XLSX (columns ods_code, event, date, and
    the details: until, scheme, number, issued, expiry, reason, text...)."""
    from .casebook.importing import import_events  # lazy: keeps `contractgen --help` fast

    result = import_events(_workspace(ctx), file)
    _notes(result.notes)
    click.echo(f"recorded {plural(len(result.events), 'event')} from {display_path(file)}")


@case_group.command("show")
@click.argument("code")
@click.option("--as-of", "as_of", type=DATE, help="Judge overdue plans as of this date (default: today).")
@click.pass_context
def case_show_command(ctx, code, as_of) -> None:
    """Show the timeline of the provider CODE's case."""
    from .casebook.record import show_case  # lazy: keeps `contractgen --help` fast

    view = show_case(_workspace(ctx), code)
    _notes(view.notes)
    for line in view.lines(_date(as_of) or dt.date.today()):
        click.echo(line)


@case_group.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only open cases.")
@click.option("--overdue", "overdue_only", is_flag=True, help="Only cases whose Remedial Plan is overdue.")
@click.option("--as-of", "as_of", type=DATE, help="Judge overdue plans as of this date (default: today).")
@click.pass_context
def case_list_command(ctx, open_only, overdue_only, as_of) -> None:
    """List the providers' cases, one line each."""
    from .casebook.record import case_summary, list_cases  # lazy: keeps `contractgen --help` fast

    on = _date(as_of) or dt.date.today()
    cases, notes = list_cases(_workspace(ctx), open_only=open_only, overdue_only=overdue_only, on=on)
    _notes(notes)
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
    from .casebook.record import export_cases  # lazy: keeps `contractgen --help` fast

    data, notes = export_cases(_workspace(ctx), output, fmt)
    _notes(notes)
    if output is None:
        click.echo(data.decode("utf-8").lstrip("\ufeff"), nl=False)
    else:
        click.echo(f"wrote {display_path(output)}")


def main() -> None:  # pragma: no cover - the console script
    cli(prog_name="contractgen")


if __name__ == "__main__":  # pragma: no cover
    main()
