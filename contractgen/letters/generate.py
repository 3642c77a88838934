"""Provider guidance letters: one Word letter per provider, from the register and the
DSPT export, in batch.

The letter template is parsed and compiled once per batch; each letter is a Jinja render
of its parts and a zip write, done by one worker process per core (forked after the
parent has prepared everything the letters share, and decided the batch: which provider
gets which letter, held as an index per letter, :mod:`~contractgen.letters.batch`). Every letter is
written to a temporary file and renamed into place, so an interrupted batch leaves whole
letters or none, and ``report.csv`` is written once every letter is, the same way.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ..base.atomic import write_atomic
from ..base.background import Background
from ..base.csvout import csv_chunks
from ..base.errors import (
    OutputError,
    Problem,
    UsageError,
    display_path,
    plural,
)
from ..base.pdf import PdfConversion, find_soffice, start_pdf
from ..casebook.issued import unissued_batch
from ..casebook.store import read_cases
from ..dspt.evidence import CHECKS_FILE, ExportChecks, check_export
from ..dspt.export import DsptExport, read_export
from ..dspt.position import LetterKind, contract_terms
from ..dspt.register import Provider, RegisterResult, read_register
from ..library.clauses import ClauseLibrary
from ..library.profiles import Profile
from ..library.releases import provenance
from ..library.workspace import Workspace
from ..schedule.render import load_template, prepare_version
from ..word.package import refuse_overwriting
from .batch import Batch, LetterJob, PositionFinder, choose_letters, find_closest_names
from .filenames import inside_resolved
from .pool import RendererRecipe, default_workers, remove_stale_scratch, run_jobs
from .render import LetterRenderer
from .reports import REPORT_FIELDS, UNMATCHED_FILE, report_rows, unmatched_csv

TEMP_PATTERN = ".~cg-*.part"
UNMATCHED_SHOWN = 10


@dataclass
class LettersResult:
    """What ``generate_letters`` did."""

    output: Path
    #: The letters written, in the register's order: each is made again when it is taken
    #: (:class:`~contractgen.letters.batch.Batch`), from what the batch was decided from
    #: (the register, the export and the case record, which the result keeps).
    written: Sequence[LetterJob] = ()
    rejected: list[Problem] = field(default_factory=list)  # register rows skipped
    unmatched: list[tuple[Provider, list[str]]] = field(default_factory=list)  # with closest export names
    held: list[tuple[Provider, list[str]]] = field(default_factory=list)  # near matches: no letter
    export_warnings: list[Problem] = field(default_factory=list)
    pdfs: int = 0
    without_export: bool = False  # --no-dspt: letters say nothing about the DSPT record
    report: Path | None = None
    draft: str = ""  # the draft line the letters carry (unreleased clause changes), "" when released
    warnings: list[str] = field(default_factory=list)  # e.g. the folder held a batch never recorded as sent
    export_checks: ExportChecks | None = None  # what the export was checked for before any letter

    @property
    def by_kind(self) -> dict[str, int]:
        kinds = self.written.kinds if isinstance(self.written, Batch) else Counter(j.position.kind for j in self.written)
        return {k.value: kinds[k] for k in LetterKind}

    @property
    def failed(self) -> bool:
        return bool(self.rejected or self.held)

    def summary_lines(self) -> list[str]:
        kinds = ", ".join(f"{n} {k}" for k, n in self.by_kind.items() if n)
        lines = [f"wrote {plural(len(self.written), 'letter')} to {display_path(self.output)}" + (f" ({kinds})" if kinds else "")]
        if self.draft:
            lines.append(self.draft)
        if self.pdfs:
            lines.append(f"converted {plural(self.pdfs, 'letter')} to PDF")
        if self.without_export:
            lines.append("no DSPT export read (--no-dspt): the letters say nothing about the providers' DSPT records")
        for warning in self.export_warnings:
            lines.append(f"warning: {warning}")
        lines.extend(f"warning: {warning}" for warning in self.warnings)
        if self.held:
            lines.append(
                f"{plural(len(self.held), 'provider')} held for review (no letter): the export has no row with "
                "the register's code but has a near match; correct the code in the register, or check the "
                "organisation on the DSPT, then run again:"
            )
            for provider, near in self.held[:UNMATCHED_SHOWN]:
                lines.append(f"  {provider.ods_code} {provider.name}; near match in the export: {'; '.join(near)}")
            if len(self.held) > UNMATCHED_SHOWN:
                lines.append(f"  ... and {len(self.held) - UNMATCHED_SHOWN} more: all are listed in {display_path(self.output / UNMATCHED_FILE)}")
        if self.unmatched:
            lines.append(f"{plural(len(self.unmatched), 'provider')} not found in the DSPT export (sent a start letter):")
            for provider, close in self.unmatched[:UNMATCHED_SHOWN]:
                hint = f"; closest names in the export: {'; '.join(close)}" if close else ""
                lines.append(f"  {provider.ods_code} {provider.name}{hint}")
            if len(self.unmatched) > UNMATCHED_SHOWN:
                more = len(self.unmatched) - UNMATCHED_SHOWN
                lines.append(f"  ... and {more} more: all are listed with the closest names in {display_path(self.output / UNMATCHED_FILE)}")
        if self.rejected:
            rows = len({(p.location.file, p.location.line) for p in self.rejected})  # a row may have several problems
            lines.append(f"{plural(rows, 'register row')} rejected (no letter written):")
            lines.extend(f"  {p}" for p in self.rejected)
        if self.report:
            lines.append(f"report: {display_path(self.report)}")
        if self.export_checks is not None:
            lines += self.export_checks.summary_lines()
        return lines


# ------------------------------------------------------------------ the command


def generate_letters(
    workspace: Workspace,
    profile_ref: str,
    providers_file: Path,
    *,
    dspt_file: Path | None = None,
    no_dspt: bool = False,
    as_of: dt.date | None = None,
    output: Path | None = None,
    only: Iterable[str] = (),
    kinds: Iterable[str] = (),
    pdf: bool = False,
    force: bool = False,
    replace_own: bool = False,
    strict: bool = False,
    accept_export: str | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    start: Callable[[int], None] | None = None,
) -> LettersResult:
    """Write one guidance letter per provider in the register, and ``report.csv``.

    Without ``dspt_file`` the letters can say nothing about a provider's DSPT record, so
    the caller must say so with ``no_dspt``; otherwise :class:`UsageError`. The export is
    checked first (:func:`~contractgen.dspt.evidence.check_export`): over a limit nothing
    is written unless ``accept_export`` gives the reason to go on. A file
    that would be replaced is refused without ``force`` (with ``replace_own``: only a
    file contractgen did not write). The steps: read and check the inputs, decide each
    provider's letter, refuse before writing anything, render and write the letters,
    then the reports and the PDFs.
    """
    as_of = as_of or dt.date.today()
    version, profile = prepare_version(workspace, profile_ref)
    check_export_options(dspt_file, no_dspt)
    with Background(lambda: provenance(workspace, version)) as asking_git:  # while the inputs are read
        kinds_wanted = wanted_kinds(kinds)
        output = output or workspace.output_dir / f"{profile.name}-letters"
        register = read_providers(providers_file, version.library, profile, strict=strict)
        export, checks = checked_export(workspace, dspt_file, as_of, register.providers, accept_export)
        codes = {c.strip().upper() for c in only}
        providers = selected_providers(register.providers, codes, providers_file)
        result = LettersResult(output=output, rejected=list(register.problems), without_export=export is None)
        result.export_warnings, result.export_checks = (list(export.warnings) if export is not None else []), checks
        terms = {tier: contract_terms(version.library, profile, tier) for tier in version.library.tiers}
        choice = choose_letters(providers, PositionFinder(export, terms, as_of, read_cases(workspace)), kinds_wanted, closest_later=True)
        jobs, result.held, result.unmatched = choice.batch, choice.held, choice.unmatched
        targets = _check_before_writing(output, jobs, result, checks, pdf=pdf, force=force, replace_own=replace_own)
        origin = asking_git.result()
        result.draft = origin.draft_line
        renderer = LetterRenderer(version.library, profile, load_template(workspace, profile, "letter"), as_of, origin, checks)
        recipe = RendererRecipe(workspace, profile_ref, as_of, origin, checks, renderer.seconds)
        _make_folder(output)
        result.warnings.extend(w for w in [unissued_batch(workspace, output)] if w)  # a batch never recorded as sent
        if start:
            start(len(jobs))
        rejected = [] if codes or kinds_wanted else register.rejected  # a selection reports only itself
        after = _Afterwards(result, jobs, rejected, checks, targets, lambda: find_closest_names(export, choice.later))
        after.run(renderer, recipe, workers or default_workers(), progress or (lambda _n: None))
        return result


@dataclass
class _Afterwards:
    """What follows the letters: the reports, and the PDFs. LibreOffice starts before the
    workers (its start-up, seconds, overlaps the first letters of each kind and the
    workers' writing) and converts the letters as they are written."""

    result: LettersResult
    jobs: Batch
    rejected: Sequence[Provider]
    checks: ExportChecks | None
    targets: list[Path]  # the letters' paths for PDFs (none: no PDFs)
    also: Callable[[], None]  # the parent's own work while the workers write
    conversions: list[PdfConversion] = field(default_factory=list)

    def run(self, renderer: LetterRenderer, recipe: RendererRecipe, workers: int, progress: Callable[[int], None]) -> None:
        output = self.result.output
        try:
            if self.targets:
                self.conversions.append(start_pdf(self.targets, output, workers=workers, early=True))
            run_jobs(renderer, recipe, output, self.jobs, workers, progress, self.also)
            _write_reports(self.result, self.jobs, self.rejected)
            write_checks(output, self.checks)
            self.result.pdfs = len(self.conversions[0].finish()) if self.conversions else 0
        finally:
            for conversion in self.conversions:  # interrupted, or a letter failed: no LibreOffice left running
                conversion.stop()



def read_providers(providers_file: Path, library: ClauseLibrary, profile: Profile, *, strict: bool) -> RegisterResult:
    """The register (with ``strict``, any problem refuses the batch)."""
    register = read_register(
        providers_file,
        column_map=profile.model.letters.register_columns or None,
        tiers=library.tiers,
        default_tier=profile.model.tier,
    )
    if strict:
        register.raise_for_problems()
    return register


def check_export_options(dspt_file: Path | None, no_dspt: bool) -> None:
    """Exactly one of ``--dspt FILE`` and ``--no-dspt``."""
    if dspt_file is None and not no_dspt:
        raise UsageError(
            "no DSPT export given: pass --dspt FILE (the CSV from the DSPT organisation search), "
            "or --no-dspt to write letters that say nothing about each provider's DSPT record"
        )
    if dspt_file is not None and no_dspt:
        raise UsageError("--dspt and --no-dspt cannot be used together; choose one")


def wanted_kinds(kinds: Iterable[str]) -> set[str]:
    """The letter kinds ``--kind`` asks for (all when empty), checked."""
    wanted = {k.lower() for k in kinds}
    bad = wanted - {k.value for k in LetterKind}
    if bad:
        raise UsageError(f"unknown letter kind {sorted(bad)[0]!r}; kinds: {', '.join(k.value for k in LetterKind)}")
    return wanted


def selected_providers(providers: Sequence[Provider], only: Iterable[str], providers_file: Path) -> list[Provider]:
    """The providers ``--only`` names (all when empty); a code not in the register is refused."""
    wanted_codes = {c.strip().upper() for c in only}
    missing_only = wanted_codes - {p.ods_code for p in providers}
    if missing_only:
        raise UsageError(f"--only {sorted(missing_only)[0]}: no provider with that ODS code in {display_path(providers_file)}")
    return [p for p in providers if not wanted_codes or p.ods_code in wanted_codes]


def _check_before_writing(
    output: Path, jobs: Batch, result: LettersResult, checks: ExportChecks | None, *, pdf: bool, force: bool,
    replace_own: bool,
) -> list[Path]:
    """Everything that can refuse the batch, checked before anything is written; the
    letters' paths for the PDFs (none without ``pdf``)."""
    resolved = output.resolve()
    targets: Iterable[Path] = (inside_resolved(resolved, output, file) for file in jobs.files())
    kept = list(targets) if pdf else []  # only the PDFs need the paths kept (10,000 paths: 3 MB)
    if force:
        collections.deque(targets, maxlen=0)  # each name is still checked to stay in the folder
    else:
        letters = [*kept, *(t.with_suffix(".pdf") for t in kept)] if pdf else targets
        extra = [output / name for name in ([CHECKS_FILE] * bool(checks) + [UNMATCHED_FILE] * bool(result.unmatched or result.held))]
        refuse_overwriting(output, itertools.chain(letters, [output / "report.csv", *extra]), own=replace_own)
    if pdf:
        find_soffice()  # refuse before writing anything when LibreOffice is missing
    return kept


def _make_folder(output: Path) -> None:
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {display_path(output)}: {exc.strerror or exc}; choose another folder with -o") from exc
    _remove_stale_temporaries(output)


def _write_reports(result: LettersResult, jobs: Batch, rejected: Sequence[Provider]) -> None:
    """report.csv (before any PDF: a failed conversion still leaves the report of the
    letters), with the ``rejected`` register rows; unmatched.csv when a provider was
    held or not found."""
    result.written = jobs
    result.report = result.output / "report.csv"
    write_atomic(result.report, csv_chunks(REPORT_FIELDS, report_rows(jobs, result.held, rejected)))  # never held whole
    if result.unmatched or result.held:
        write_atomic(result.output / UNMATCHED_FILE, unmatched_csv(result.unmatched, result.held))


def checked_export(
    workspace: Workspace, dspt_file: Path | None, as_of: dt.date, providers: Sequence[Provider], accept_export: str | None,
) -> tuple[DsptExport | None, ExportChecks | None]:
    """The export and its checks (:func:`~contractgen.dspt.evidence.check_export`), refused
    over a limit unless ``accept_export`` gives a reason; ``(None, None)`` without one."""
    if dspt_file is None:
        return None, None
    export = read_export(dspt_file)
    checks = check_export(dspt_file, export, as_of, [p.ods_code for p in providers], workspace.config.export_checks)
    checks.enforce(accept_export)
    return export, checks


def write_checks(output: Path, checks: ExportChecks | None) -> None:
    """``checks.txt`` beside ``report.csv``, when an export was checked."""
    if checks is not None:
        write_atomic(output / CHECKS_FILE, checks.text())


def _remove_stale_temporaries(folder: Path) -> None:
    """Temporary files of a batch that was killed outright (not interrupted) are removed,
    with its processes' folders of them."""
    for stale in folder.glob(TEMP_PATTERN):
        try:
            stale.unlink()
        except OSError:
            pass
    remove_stale_scratch(folder)


__all__ = ["LettersResult", "generate_letters"]
