"""Benchmark: the market overview of 10,000 providers over three DSPT exports.

    python benchmarks/overview.py [--per-kind 1000]

The market is the synthetic one of the tests (tests/overview_market.py: ten kinds of
provider, every change kind), scaled up. Each measurement runs in a fresh process so
that its peak memory (maximum resident set size) is its own:

* baseline: reading the inputs only (the register and the three exports);
* inputs held: the same, all of them held at once, as the overview holds them (the
  baseline lets the register go before it reads the exports);
* overview: ``build_overview`` end to end (reading, every position in every export, the
  changes, and writing overview.html, overview.xlsx and lso-referrals.csv).

It prints the time (wall, and CPU for the overview: on a shared machine the wall time
includes waiting for a core) and peak memory of both, the ratio of the overview to the baseline,
and the same for a market a tenth and a half the size, to show how both grow. Last, the
memory verdict (issue 18: the peak of the largest market within 10% of the smallest's),
measured with the market's three exports filled up to the national export's 32,000 rows
each (a council's overview reads the national exports, whatever its register's size);
and, for reference, with the exports of the market's providers only, which grow with
it, with the peak of the inputs held and what the overview adds to it, at both sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from national import NATIONAL_ROWS, other_organisations

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def child(mode: str, folder: Path) -> None:
    """In a fresh process: read or build, then print seconds (wall and CPU) and peak KiB as JSON."""
    import resource

    from overview_market import AS_OF

    from contractgen.dspt.export import read_export
    from contractgen.dspt.register import read_register
    from contractgen.library.workspace import load_workspace
    from contractgen.overview.write import build_overview

    register = folder / "providers.csv"
    exports = sorted(folder.glob("dspt-export-*.csv"))
    workspace = load_workspace(ROOT)
    start, cpu = time.perf_counter(), time.process_time()
    if mode in ("baseline", "held"):
        held = [read_register(register, tiers=["foundation", "core", "advanced"], default_tier="core")]
        if mode == "baseline":
            held.clear()
        held += [read_export(export) for export in exports]
    else:
        build_overview(workspace, "example-borough", register, exports[-1], previous=exports[:-1],
                       as_of=AS_OF, output=folder / "out", force=True)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_kib": peak}))


def measure(mode: str, folder: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(folder)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-kind", type=int, default=1000, help="providers of each of the ten kinds (default 1000)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    from overview_market import write_market

    print(f"contractgen overview benchmark, {dt.date.today().isoformat()}, Python {sys.version.split()[0]}")
    sizes = sorted({max(1, args.per_kind // 10), max(1, args.per_kind // 2), args.per_kind})
    peaks: dict[int, tuple[float, float]] = {}  # MiB: the overview's, the inputs held
    national_peaks: dict[int, float] = {}  # MiB: the overview's, reading national exports
    for per_kind in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write_market(folder, per_kind)
            base = measure("baseline", folder)
            full = measure("overview", folder)
            html = (folder / "out" / "overview.html").stat().st_size
            xlsx = (folder / "out" / "overview.xlsx").stat().st_size
            if per_kind in (sizes[0], sizes[-1]):
                peaks[per_kind * 10] = (full["peak_kib"] / 1024, measure("held", folder)["peak_kib"] / 1024)
                national(sorted(folder.glob("dspt-export-*.csv")))
                national_peaks[per_kind * 10] = measure("overview", folder)["peak_kib"] / 1024
        print(
            f"{per_kind * 10:>6} providers x 3 exports: overview {full['seconds']:.2f} s ({full['cpu']:.2f} s CPU), "
            f"peak {full['peak_kib'] / 1024:.0f} MiB; reading the inputs {base['seconds']:.2f} s, "
            f"peak {base['peak_kib'] / 1024:.0f} MiB; ratio {full['seconds'] / base['seconds']:.1f}x; "
            f"overview.html {html / 1e6:.1f} MB, overview.xlsx {xlsx / 1e6:.1f} MB"
        )
    print(memory_verdict(peaks, national_peaks))


#: The national export's organisations not in the register, as of the market's day.
OTHER_PUBLICATIONS = [("24/25 Standards Met", "15/05/2025"), ("25/26 Standards Met", "15/05/2025"),
                      ("24/25 Approaching Standards", "15/05/2025"), ("Not Published", "")]


def national(exports: list[Path], rows: int = NATIONAL_ROWS) -> None:
    """Each export filled up to ``rows`` rows with organisations that are not in the
    register, as the national export has them (:func:`national.other_organisations`)."""
    import csv

    for path in exports:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            have = sum(1 for _ in fh) - 1
        with path.open("a", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(row + ["GP"] for row in other_organisations(max(0, rows - have), OTHER_PUBLICATIONS))


def memory_verdict(peaks: dict[int, tuple[float, float]], national_peaks: dict[int, float]) -> str:
    """Issue 18's target: the largest market's peak within 10% of the smallest's, each
    reading three national exports; and, for reference, with exports of the market only."""
    (small, (peak_small, held_small)), (large, (peak_large, held_large)) = sorted(peaks.items())[0], sorted(peaks.items())[-1]
    growth = 100 * (peak_large / peak_small - 1)
    flat = 100 * (national_peaks[large] / national_peaks[small] - 1)
    return (
        f"memory, three national exports ({NATIONAL_ROWS:,} rows each) for every market: peak at {large} providers vs "
        f"{small}: {national_peaks[large]:.0f} vs {national_peaks[small]:.0f} MiB, {flat:+.0f}% "
        f"(target within 10%: {'met' if flat <= 10 else 'NOT met'})\n"
        f"memory, exports of the market's providers only (they grow with it; for reference): {peak_large:.0f} vs "
        f"{peak_small:.0f} MiB, {growth:+.0f}%; the inputs alone, held at once: "
        f"{held_large:.0f} vs {held_small:.0f} MiB ({100 * (held_large / held_small - 1):+.0f}%), "
        f"the overview on top of them: {peak_large - held_large:.0f} vs {peak_small - held_small:.0f} MiB"
    )


if __name__ == "__main__":
    main()
