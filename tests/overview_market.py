"""A synthetic market of 200 providers over three DSPT exports, with every change kind.

Ten kinds of provider, twenty of each. ``ARCHETYPES`` is the hand-checked table: the
status in each export (None: not in it), the tier, the position in the latest export and
the changes since each earlier export. As of 31 May 2025 a 23/24 publication counts for 30
more days (renewal due); as of 30 November 2025 it has lapsed (it counted until 30 June
2025); a 24/25 publication counts until 30 June 2026, so as of 31 May 2026 it is due for
renewal.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

EXPORT_DATES = (dt.date(2025, 5, 31), dt.date(2025, 11, 30), dt.date(2026, 5, 31))
AS_OF = EXPORT_DATES[-1]
PER_KIND = 20

# letter, tier, (status in export 1, 2, 3), position now, changes since 1, changes since 2
ARCHETYPES = [
    ("A", "core", ("24/25 Standards Met", "24/25 Standards Met", "25/26 Standards Met"), "meets tier", [], []),
    ("B", "core", ("24/25 Standards Met",) * 3, "renewal due", [], []),
    ("C", "core", ("24/25 Approaching Standards", "24/25 Approaching Standards", "25/26 Standards Met"),
     "meets tier", ["newly met"], ["newly met"]),
    ("D", "core", ("23/24 Standards Met",) * 3, "lapsed", ["newly lapsed"], []),
    ("E", "advanced", ("24/25 Standards Exceeded", "24/25 Standards Exceeded", "25/26 Standards Met"),
     "below tier", ["fell a level"], ["fell a level"]),
    ("F", "core", (None, None, "25/26 Standards Met"), "meets tier",
     ["new to the register", "newly met"], ["new to the register", "newly met"]),
    ("G", "core", ("Not Published", "Not Published", None), "not found",
     ["left the register"], ["left the register"]),
    ("H", "core", (None, "25/26 Standards Not Met", "25/26 Standards Not Met"), "standards not met",
     ["new to the register"], []),
    ("I", "core", ("Not Published",) * 3, "not published", [], []),
    ("J", "foundation", ("24/25 Standards Met", "24/25 Standards Met", "25/26 Approaching Standards"),
     "meets tier", ["fell a level"], ["fell a level"]),
]
#: Names that must come out exactly as typed (and never as formulas).
TRICKY_NAMES = ["=SUM(A1:A9)", "+44 Care", "-minus Homes", "@home care", 'Oak & "Ash" <Care>',
                "دار السلام للرعاية", "Sunrise 🌅 Support", "Zoë's Homecare"]
_PUBLISHED = {"23/24": "15/05/2024", "24/25": "15/05/2025", "25/26": "15/10/2025"}


def code(kind: str, i: int, per_kind: int = PER_KIND) -> str:
    """Care-site codes (six characters above 100 of a kind); those that leave the register
    are non-NHS codes, so that no code in the latest export is a character away from
    theirs (they would be held for review)."""
    digits = 2 if per_kind <= 100 else 3
    if kind == "G":
        return f"8GX{i:0{digits}d}"
    return f"V{'LMN'[i % 3]}{'ABCDEFGHIJ'.index(kind)}{i:0{digits}d}"


def name(kind: str, i: int) -> str:
    if kind == "A" and i < len(TRICKY_NAMES):
        return TRICKY_NAMES[i]
    return f"Provider {kind}{i:02d} Care"


def write_market(folder: Path, per_kind: int = PER_KIND) -> tuple[Path, list[Path]]:
    """The register and the three exports (oldest first) in ``folder``: ten kinds of
    ``per_kind`` providers each (the benchmark uses 1,000)."""
    register = folder / "providers.csv"
    with register.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "ods_code", "contact_name", "email", "address", "cqc_registered", "tier"])
        for kind, tier, *_ in ARCHETYPES:
            for i in range(per_kind):
                w.writerow([name(kind, i), code(kind, i, per_kind), f"Manager {kind}{i}", f"m{kind}{i}@example.org",
                            f"{i} High Street", "yes", tier])
    exports = []
    for n, date in enumerate(EXPORT_DATES):
        path = folder / f"dspt-export-{date.isoformat()}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["Code", "Organisation Name", "Status", "Date Of Publication", "Primary Sector"])
            for kind, _tier, statuses, *_ in ARCHETYPES:
                status = statuses[n]
                if status is None:
                    continue
                for i in range(per_kind):
                    published = _PUBLISHED.get(status[:5], "") if status != "Not Published" else ""
                    if status.startswith("25/26") and n == 2 and kind != "H":
                        published = "15/04/2026"
                    sector = "Care Home" if i % 2 else "Domiciliary Care Organisation"
                    w.writerow([code(kind, i, per_kind), name(kind, i).upper(), status, published, sector])
        exports.append(path)
    return register, exports


def write_audit_scores(path: Path, rows: list[tuple[str, str, str, str, str, str]]) -> Path:
    """An ``audit-scores.csv`` as ``contractgen audit score`` writes it (UTF-8 with BOM),
    from rows of (ODS code, provider, overall, critical gaps, completed on, scored on)."""
    from contractgen.audit.score import SCORE_FIELDS

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow([*SCORE_FIELDS, "form", "letter"])
        for ods, provider, overall, gaps, completed, scored in rows:
            writer.writerow([ods, provider, "example-borough", "core", "bcp", "1.0.0", completed, scored,
                             overall, gaps, 22, 0, f"{ods}.docx", f"{ods}-bcp-feedback.docx"])
    return path
