"""``contractgen overview``: the market at a glance for commissioners.

Reads the register, the current DSPT export and any earlier exports, works out every
provider's position (:mod:`contractgen.overview.market`) and writes three files: ``overview.html``
(one self-contained page), ``overview.xlsx`` and ``lso-referrals.csv``. Each is made as
it is written to a temporary file, and the three are renamed into place only when all
are whole, so a failure leaves none of them half-written. Beyond the inputs, it holds a
few bytes a provider: no file is ever whole in memory, nor are the positions of every
provider (:class:`~contractgen.overview.snapshots.Snapshot`).
"""

from __future__ import annotations

import datetime as dt
import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from ..audit.score import latest_audit_scores
from ..base.atomic import commit, discard, write_temporary
from ..base.csvout import csv_chunks
from ..base.errors import UsageError, display_path, plural
from ..casebook.store import read_cases
from ..dspt.evidence import ExportChecks, check_export
from ..dspt.evidence import export_date as dated_export
from ..dspt.export import DsptExport, read_export
from ..dspt.position import contract_terms
from ..dspt.register import Provider, read_register
from ..letters.filenames import inside
from ..library.workspace import Workspace
from ..schedule.render import prepare
from ..word.package import refuse_overwriting
from .html import html_chunks
from .market import EXPIRY_HORIZONS, Market, Position, survey_market
from .provenance import Provenance
from .xlsx import xlsx_chunks

HTML_FILE = "overview.html"
XLSX_FILE = "overview.xlsx"
REFERRALS_FILE = "lso-referrals.csv"
REFERRAL_FIELDS = (
    "ods_code", "name", "need", "tier", "dspt_status", "publication_date", "counts_until",
    "contact_name", "email", "address", "cqc_registered", "reason",
)


@dataclass
class OverviewResult:
    """What ``build_overview`` did."""

    market: Market
    output: Path
    files: list[Path] = field(default_factory=list)
    export_checks: ExportChecks | None = None

    def summary_lines(self) -> list[str]:
        m = self.market
        lines = [f"{m.meeting} providers meet their tier as of {m.as_of.isoformat()}"]
        lines += [f"  tier {tier}: {share}" for tier, share in m.by_tier().items()]
        standings = ", ".join(f"{n} {s.value}" for s, n in m.by_standing().items() if n)
        lines.append(f"positions: {standings or 'no providers'}")
        lines.append("publications stopping within " + ", ".join(
            f"{days} days: {m.stopping_count(days)}" for days in EXPIRY_HORIZONS))
        for since, changes in m.changes:
            counts = ", ".join(f"{n} {k.value}" for k, n in m.change_counts(changes).items() if n)
            lines.append(f"since {since.label} ({since.date.isoformat()}): {counts or 'no changes'}")
        lines.append(f"{plural(m.referral_count, 'provider')} to refer to the Local Support Organisation")
        if m.audits is not None:
            lines.append(f"business continuity plan audits: {len(m.audited())} of {plural(len(m.providers), 'provider')} "
                         f"audited, {len(m.with_critical_gaps())} with critical gaps")
        if self.export_checks is not None:
            lines += self.export_checks.summary_lines()
        lines += [f"wrote {display_path(f)}" for f in self.files]
        return lines


def export_date(path: Path, export: DsptExport) -> dt.date:
    """When an earlier export was downloaded: the date in its file name
    (``dspt-export-2023-10-17.csv``), else its latest publication date
    (:func:`contractgen.dspt.evidence.export_date`, shared with the letters' checks)."""
    dated = dated_export(path, export)
    if dated is None:
        raise UsageError(
            f"--previous {display_path(path)}: cannot tell when this export was downloaded; "
            "put its date in the file name, e.g. dspt-export-2026-10-31.csv"
        )
    return dated[0]


def build_overview(
    workspace: Workspace,
    profile_ref: str,
    providers_file: Path,
    dspt_file: Path,
    *,
    previous: Sequence[Path] = (),
    as_of: dt.date | None = None,
    output: Path | None = None,
    force: bool = False,
    audit_scores: Sequence[Path] = (),
    replace_own: bool = False,
) -> OverviewResult:
    """Write ``overview.html``, ``overview.xlsx`` and ``lso-referrals.csv`` for a council.

    Every earlier export is compared with the current one as of its own date (see
    :func:`export_date`). A register with any bad row is refused: every figure counts
    every provider. With ``audit_scores`` (``audit-scores.csv`` files of ``contractgen
    audit score``), each provider's latest audit score and critical gaps are shown too.
    """

    with _collector_paused():
        return _build_overview(workspace, profile_ref, providers_file, dspt_file, previous=previous, as_of=as_of,
                               output=output, force=force, audit_scores=audit_scores, replace_own=replace_own)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused: the inputs (a register and exports of 10,000
    rows each) stay alive until the overview is written, and the collector would
    otherwise walk them again and again for nothing as the files are made."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build_overview(
    workspace: Workspace, profile_ref: str, providers_file: Path, dspt_file: Path, *, previous: Sequence[Path],
    as_of: dt.date | None, output: Path | None, force: bool, audit_scores: Sequence[Path], replace_own: bool,
) -> OverviewResult:
    as_of = as_of or dt.date.today()
    library, profile = prepare(workspace, profile_ref)
    output = output or workspace.output_dir / f"{profile.name}-overview"
    register = read_register(
        providers_file,
        column_map=profile.model.letters.register_columns or None,
        tiers=library.tiers,
        default_tier=profile.model.tier,
    )
    register.raise_for_problems()
    terms = {tier: contract_terms(library, profile, tier) for tier in library.tiers}
    current = read_export(dspt_file)
    checks = check_export(dspt_file, current, as_of, [p.ods_code for p in register.providers], workspace.config.export_checks)
    earlier = _earlier_exports(previous, as_of)
    audits = latest_audit_scores(audit_scores) if audit_scores else None
    recorded = bool(register.columns & {"cyber_essentials_expiry", "cyber_essentials_plus_expiry"})
    market = survey_market(register.providers, library.tiers, terms, (current, dspt_file.name, as_of), earlier, audits,
                           certificates_recorded=recorded, cases=read_cases(workspace) or None)  # the case record
    provenance = Provenance.of(library, profile)

    targets = {name: inside(output, name) for name in (HTML_FILE, XLSX_FILE, REFERRALS_FILE)}
    if not force:
        refuse_overwriting(output, list(targets.values()), own=replace_own)
    _write_all(targets, market, provenance, checks)
    return OverviewResult(market, output, list(targets.values()), checks)


def _write_all(targets: dict[str, Path], market: Market, provenance: Provenance, checks: ExportChecks) -> None:
    """The three files, each made as it is written to a temporary file (none is ever
    whole in memory), and renamed only when all three are made: a failure leaves none
    of them, and no earlier overview's files beside new ones."""
    made: dict[str, Path] = {}
    try:
        made[HTML_FILE] = write_temporary(targets[HTML_FILE], html_chunks(market, provenance, checks))
        made[XLSX_FILE] = write_temporary(targets[XLSX_FILE], xlsx_chunks(market, provenance))
        made[REFERRALS_FILE] = write_temporary(targets[REFERRALS_FILE], referrals_chunks(market))
        for name, temporary in made.items():
            commit(temporary, targets[name])
    except BaseException:
        for temporary in made.values():  # those not yet renamed (a renamed one is gone)
            discard(temporary)
        raise


def _earlier_exports(previous: Sequence[Path], as_of: dt.date) -> list[tuple[DsptExport, str, dt.date]]:
    """Each earlier export with its file name and its own date, none after ``as_of``."""
    earlier = []
    for path in previous:
        export = read_export(path)
        date = export_date(path, export)
        if date > as_of:
            raise UsageError(
                f"--previous {display_path(path)} is dated {date.isoformat()}, after the "
                f"overview's date {as_of.isoformat()}; give earlier exports with --previous "
                "and the latest with --dspt (or a later --as-of)"
            )
        earlier.append((export, path.name, date))
    return earlier


def referrals_chunks(market: Market) -> Iterator[bytes]:
    """lso-referrals.csv: the providers that need support, with contact details (UTF-8
    with BOM, like report.csv), for the Local Support Organisation; in chunks, each row
    made as it is written."""
    return csv_chunks(REFERRAL_FIELDS, (_referral_row(p, pos) for p, pos in market.iter_referrals()))


def _referral_row(p: Provider, pos: Position) -> list[str]:
    record = pos.record
    return [
        p.ods_code,
        p.name,
        pos.standing.value,
        p.tier,
        record.status_text if record is not None else "",
        record.publication_date.isoformat() if record is not None and record.publication_date else "",
        pos.valid_until.isoformat() if pos.valid_until else "",
        p.contact_name,
        p.email,
        p.address,
        {True: "yes", False: "no", None: ""}[p.cqc_registered],
        pos.reason,
    ]
