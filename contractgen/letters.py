"""Provider guidance letters: one Word letter per provider, from the register and the
DSPT export, in batch.

The letter template is parsed and compiled once per batch; each letter is a Jinja render
of its parts and a zip write, done by one worker process per core. Every letter is
written to a temporary file and renamed into place, so an interrupted batch leaves whole
letters or none, and ``report.csv`` is written once every letter is, the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import multiprocessing
import os
import re
import signal
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from . import __version__
from .assembly import base_context, parameter_values, render_clause_text
from .blocks import Paragraph, Style
from .dspt import DsptStatus
from .dsptexport import DsptExport, read_export
from .environment import format_date
from .images import attach_logo
from .errors import LibraryError, OutputError, Problem, RegisterError, UsageError, display_path, plural
from .library import Clause, ClauseLibrary, ClauseStatus
from .package import DocumentProperties, package_bytes, refuse_overwriting, write_atomic
from .profiles import Profile
from .register import Provider, read_register
from .schedule import load_template, prepare
from .situation import LetterKind, Situation, decide_letter
from .wordml import BodyWriter
from .wordtemplate import WordTemplate, raw_xml
from .workdays import add_working_days
from .workspace import Workspace

REPORT_FIELDS = ("ods_code", "name", "tier", "dspt_status", "publication_date", "letter_kind", "response_by", "file")
SUPPORT_CLAUSE = "letter.support"
TEMP_PATTERN = ".~cg-*.part"
#: Names Windows reserves for devices, with any extension (ODS-shaped: CON, NUL, COM1...).
WINDOWS_DEVICE_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(10)), *(f"LPT{n}" for n in range(10))]
)
UNMATCHED_FILE = "unmatched.csv"
UNMATCHED_SHOWN = 10


@dataclass(frozen=True)
class LetterJob:
    """One letter to write: who, what situation, where."""

    provider: Provider
    situation: Situation
    file: str  # relative to the output folder


@dataclass
class LettersResult:
    """What ``generate_letters`` did."""

    output: Path
    written: list[LetterJob] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)  # register rows skipped
    unmatched: list[tuple[Provider, list[str]]] = field(default_factory=list)  # with closest export names
    pdfs: int = 0
    without_export: bool = False  # no --dspt: every provider gets a start letter
    report: Path | None = None

    @property
    def by_kind(self) -> dict[str, int]:
        counts = {k.value: 0 for k in LetterKind}
        for job in self.written:
            counts[job.situation.kind.value] += 1
        return counts

    @property
    def failed(self) -> bool:
        return bool(self.rejected)

    def summary_lines(self) -> list[str]:
        kinds = ", ".join(f"{n} {k}" for k, n in self.by_kind.items() if n)
        lines = [f"wrote {plural(len(self.written), 'letter')} to {display_path(self.output)}" + (f" ({kinds})" if kinds else "")]
        if self.pdfs:
            lines.append(f"converted {plural(self.pdfs, 'letter')} to PDF")
        if self.without_export:
            lines.append("no DSPT export given (--dspt FILE): every provider was sent a start letter")
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
        return lines


# ------------------------------------------------------------------ file names


def slug(text: str, limit: int = 60) -> str:
    """A safe file-name part: ASCII letters, digits and hyphens (accents folded)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-").lower()
    return cleaned[:limit].rstrip("-")


def letter_file_names(providers: Sequence[Provider]) -> list[str]:
    """One unique, safe file name per provider: ``ODS-name-slug.docx``.

    Names come from codes and names but can never hold a path separator, ``..`` or a
    reserved character, and never collide (a counter is added when two would).
    """
    used: set[str] = set()
    names = []
    for p in providers:
        stem = "-".join(part for part in (slug(p.ods_code, 12).upper(), slug(p.name)) if part) or "provider"
        if stem.upper() in WINDOWS_DEVICE_NAMES:
            stem += "-letter"  # CON.docx would open the console on Windows, not a file
        candidate = stem
        for n in itertools.count(2):
            if candidate.lower() not in used:
                break
            candidate = f"{stem}-{n}"
        used.add(candidate.lower())
        names.append(f"{candidate}.docx")
    return names


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refusing anything that would land outside ``folder``."""
    target = (folder / name).resolve()
    if not target.is_relative_to(folder.resolve()) or target == folder.resolve():
        raise OutputError(f"refusing to write {name!r}: it would leave {display_path(folder)}")
    return target


# ------------------------------------------------------------------ rendering


def letter_clause(library: ClauseLibrary, clause_id: str) -> Clause:
    """The clause a letter is written from: it must exist, be approved and be for letters."""
    clause = library.clause(clause_id)
    if clause.status is not ClauseStatus.APPROVED:
        key, why = "status", f"is {clause.status.value}: letters are written from approved clauses only; set status: approved once it is reviewed"
    elif "letter" not in clause.applies_to:
        key, why = "applies_to", "is not a letter clause; add letter to its applies_to"
    else:
        return clause
    message = f"clause {clause.id} {why}"
    raise LibraryError(message, [Problem(library.locate(clause.id, key), key, message)])


class LetterRenderer:
    """Everything that is the same for every letter of a batch, prepared once."""

    def __init__(self, library: ClauseLibrary, profile: Profile, template: WordTemplate, as_of: dt.date) -> None:
        self.library = library
        self.profile = profile
        self.template = template
        self.as_of = as_of
        self.params = parameter_values(library, profile)
        self.contexts = {tier: base_context(library, profile, tier) for tier in library.tiers}
        self.media: dict[str, bytes] = {}
        for ctx in self.contexts.values():
            self.media = attach_logo(ctx, profile)
        self.response_days = profile.model.letters.response_working_days
        self.response_by = add_working_days(as_of, self.response_days)
        for kind in LetterKind:
            self.clause_for(kind)  # fail before the batch if a letter clause is missing
        library.clause(SUPPORT_CLAUSE)

    def clause_for(self, kind: LetterKind) -> Clause:
        return letter_clause(self.library, f"letter.{kind.value}")

    def context(self, provider: Provider, situation: Situation) -> dict[str, Any]:
        record = situation.record
        tier_ctx = self.contexts[provider.tier]
        if record is None:
            status = "no DSPT publication on record"
        elif record.status is DsptStatus.NOT_PUBLISHED:
            status = "registered, with no assessment published"
        else:
            status = record.status_text
        kind_clause = self.clause_for(situation.kind)
        return {
            **tier_ctx,
            **self.params,
            "provider": {
                "name": provider.name,
                "ods_code": provider.ods_code,
                "contact_name": provider.contact_name,
                "salutation": provider.contact_name or "Sir or Madam",
                "email": provider.email,
                "address": provider.address,
                "tier": provider.tier,
                "cqc_registered": provider.cqc_registered,
                "status": status,
                "publication_date": format_date(record.publication_date) if record and record.publication_date else "",
            },
            "letter": {
                "kind": situation.kind.value,
                "subject": kind_clause.title,
                "date": format_date(self.as_of),
                "response_by": format_date(self.response_by),
                "next_deadline": format_date(situation.next_deadline),
                "valid_until": format_date(situation.valid_until) if situation.valid_until else "",
                "reason": situation.reason,
            },
        }

    def render(self, provider: Provider, situation: Situation) -> bytes:
        context = self.context(provider, situation)
        lists = itertools.count(1)
        paragraphs: list[Paragraph] = []
        for clause in (self.clause_for(situation.kind), self.library.clause(SUPPORT_CLAUSE)):
            text = clause.text_for(provider.tier) or ""
            paragraphs += render_clause_text(clause, text, context, self.library, mode="letter", list_ids=lists)
        writer = BodyWriter(letter_num_base=self.template.plan.letter_num_base if self.template.plan else 0)
        context["letter_body"] = raw_xml(writer.blocks(paragraphs))
        used_lists = max((p.list_id for p in paragraphs if p.style is Style.LETTER_ITEM), default=0)
        parts = self.template.render(context, writer=writer, properties=self.properties(provider, situation), letter_lists=used_lists, media=self.media)
        return package_bytes(parts)

    def properties(self, provider: Provider, situation: Situation) -> DocumentProperties:
        kind_clause = self.clause_for(situation.kind)
        support = self.library.clause(SUPPORT_CLAUSE)
        m = self.profile.model
        return DocumentProperties(
            title=f"Data Security and Protection Toolkit: {kind_clause.title}",
            subject=f"{provider.name} ({provider.ods_code})",
            creator=m.council.name,
            date=self.as_of,
            keywords=f"DSPT; letter; {situation.kind.value}; {provider.tier}",
            description=situation.reason,
            custom={
                "contractgen.version": __version__,
                "contractgen.library": self.library.spec.name,
                "contractgen.library.release": self.library.spec.release,
                "contractgen.library.sha256": self.library.digest,
                "contractgen.profile": self.profile.name,
                "contractgen.profile.sha256": self.profile.digest,
                "contractgen.letter.kind": situation.kind.value,
                "contractgen.provider.ods_code": provider.ods_code,
                f"clause:{kind_clause.id}": kind_clause.version,
                f"clause:{support.id}": support.version,
            },
        )


# ------------------------------------------------------------------ workers

_RENDERER: LetterRenderer | None = None
_OUTPUT: Path | None = None


def _use(renderer: LetterRenderer, output: Path) -> None:
    global _RENDERER, _OUTPUT
    _RENDERER, _OUTPUT = renderer, output


def _init_worker() -> None:
    """In a worker process: Ctrl-C is the parent's to handle. The parent stops handing
    out letters and waits for the ones in progress, so every letter is whole."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _write_one(job: LetterJob) -> str:
    assert _RENDERER is not None and _OUTPUT is not None
    write_atomic(inside(_OUTPUT, job.file), _RENDERER.render(job.provider, job.situation))
    return job.file


def _run_jobs(renderer: LetterRenderer, output: Path, jobs: list[LetterJob], workers: int, progress: Callable[[int], None]) -> None:
    _use(renderer, output)
    if workers <= 1 or len(jobs) < 8:
        for job in jobs:
            _write_one(job)
            progress(1)
        return
    # fork: the workers inherit the compiled template instead of re-reading it
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker) as pool:
        try:
            for _ in pool.map(_write_one, jobs, chunksize=max(1, min(32, len(jobs) // (workers * 8)))):
                progress(1)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def default_workers() -> int:
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1), 8))


# ------------------------------------------------------------------ the command


def generate_letters(
    workspace: Workspace,
    profile_ref: str,
    providers_file: Path,
    *,
    dspt_file: Path | None = None,
    as_of: dt.date | None = None,
    output: Path | None = None,
    only: Iterable[str] = (),
    kinds: Iterable[str] = (),
    pdf: bool = False,
    force: bool = False,
    strict: bool = False,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    start: Callable[[int], None] | None = None,
) -> LettersResult:
    """Write one guidance letter per provider in the register, and ``report.csv``."""
    as_of = as_of or dt.date.today()
    library, profile = prepare(workspace, profile_ref)
    output = output or workspace.output_dir / f"{profile.name}-letters"
    kinds_wanted = {k.lower() for k in kinds}
    bad = kinds_wanted - {k.value for k in LetterKind}
    if bad:
        raise UsageError(f"unknown letter kind {sorted(bad)[0]!r}; kinds: {', '.join(k.value for k in LetterKind)}")

    register = read_register(
        providers_file,
        column_map=profile.model.letters.register_columns or None,
        tiers=library.tiers,
        default_tier=profile.model.tier,
    )
    if strict:
        register.raise_for_problems()
    export: DsptExport | None = read_export(dspt_file) if dspt_file is not None else None

    wanted_codes = {c.strip().upper() for c in only}
    providers = [p for p in register.providers if not wanted_codes or p.ods_code in wanted_codes]
    missing_only = wanted_codes - {p.ods_code for p in register.providers}
    if missing_only:
        raise UsageError(f"--only {sorted(missing_only)[0]}: no provider with that ODS code in {display_path(providers_file)}")

    spec = library.spec
    deadline = spec.dspt.submission_deadline
    window = profile.model.letters.renewal_window_days
    window = spec.dspt.renewal_window_days if window is None else window
    situations = []
    result = LettersResult(output=output, rejected=list(register.problems))
    for p in providers:
        record = export.by_code(p.ods_code) if export is not None else None
        minimum = DsptStatus(spec.tiers[p.tier].minimum_status)
        situation = decide_letter(record, minimum, as_of, deadline_month=deadline.month, deadline_day=deadline.day, renewal_window_days=window)
        situations.append(situation)
    chosen = [(p, s) for p, s in zip(providers, situations) if not kinds_wanted or s.kind.value in kinds_wanted]
    result.without_export = export is None
    for p, s in chosen:  # only those sent a start letter (--kind may leave them out)
        if s.record is None and export is not None:
            close = [f"{r.code} {r.clean_name}" for r in export.closest_names(p.name, 3)]
            result.unmatched.append((p, close))
    names = letter_file_names([p for p, _ in chosen])
    jobs = [LetterJob(p, s, name) for (p, s), name in zip(chosen, names)]

    # Everything that can refuse the batch is checked before anything is written.
    targets = [inside(output, job.file) for job in jobs]
    report = output / "report.csv"
    if not force:
        pdfs = [t.with_suffix(".pdf") for t in targets] if pdf else []
        refuse_overwriting(output, [*targets, *pdfs, report, *([output / UNMATCHED_FILE] if result.unmatched else [])])
    if pdf:
        from .pdf import find_soffice

        find_soffice()  # refuse before writing anything when LibreOffice is missing
    renderer = LetterRenderer(library, profile, load_template(workspace, profile, "letter"), as_of)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {display_path(output)}: {exc.strerror or exc}; choose another folder with -o") from exc
    _remove_stale_temporaries(output)
    if start:
        start(len(jobs))
    _run_jobs(renderer, output, jobs, workers or default_workers(), progress or (lambda _n: None))
    result.written = jobs
    result.report = report  # before the PDFs: a failed conversion still leaves the report of the letters
    write_atomic(report, report_csv(jobs, renderer.response_by))
    if result.unmatched:
        write_atomic(output / UNMATCHED_FILE, unmatched_csv(result.unmatched))
    if pdf:
        from .pdf import convert_to_pdf

        result.pdfs = len(convert_to_pdf(targets, output, workers=workers or default_workers()))
    return result


def report_csv(jobs: Sequence[LetterJob], response_by: dt.date) -> bytes:
    """One row per letter: what a contracts officer opens in Excel (UTF-8 with BOM)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(REPORT_FIELDS)
    for job in jobs:
        record = job.situation.record
        writer.writerow([
            job.provider.ods_code,
            job.provider.name,
            job.provider.tier,
            record.status_text if record is not None else "",
            record.publication_date.isoformat() if record is not None and record.publication_date else "",
            job.situation.kind.value,
            response_by.isoformat(),
            job.file,
        ])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def unmatched_csv(unmatched: Sequence[tuple[Provider, list[str]]]) -> bytes:
    """Providers not found in the export, with the closest names found there: wrong codes
    show up here."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(("ods_code", "name", "closest_in_export"))
    for provider, close in unmatched:
        writer.writerow((provider.ods_code, provider.name, "; ".join(close)))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _remove_stale_temporaries(folder: Path) -> None:
    """Temporary files of a batch that was killed outright (not interrupted) are removed."""
    for stale in folder.glob(TEMP_PATTERN):
        try:
            stale.unlink()
        except OSError:
            pass


__all__ = ["LetterRenderer", "LettersResult", "generate_letters", "letter_file_names", "report_csv", "RegisterError"]
