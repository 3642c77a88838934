"""Benchmark: reading the real 2019 DSPT export and looking up closest names in it.

    python benchmarks/exports.py [--data ../shared/data]

The wall-clock limits that tests/test_dspt.py used to assert (and that failed on a
loaded machine: a test asserts behaviour, a benchmark measures speed):

* reading ``dspt-export-2019-06-17.xlsx`` (31,970 rows): under 15 s;
* 1,000 closest-name lookups of names with two letters swapped in that export: under 15 s;
* 200 lookups in a synthetic export of 5,000 look-alike names: under 5 s.

The real export lives beside the project (``../shared/data``) and is never copied into
it; without it only the synthetic measurement runs.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REAL = "dspt-export-2019-06-17.xlsx"
HEADER = "Code,Organisation Name,Status,Date Of Publication,Primary Sector,Integrated Care Board (where available, from ODS)"


def verdict(seconds: float, limit: float) -> str:
    return f"{seconds:6.2f} s (limit {limit:g} s: {'met' if seconds < limit else 'NOT met'})"


def real_export(path: Path) -> None:
    from contractgen.dspt.export import read_export_file

    started = time.perf_counter()
    export = read_export_file(path)  # not the per-process cache: a real read
    print(f"read {REAL} ({len(export):,} rows): " + verdict(time.perf_counter() - started, 15))
    rng = random.Random(1)
    sample = rng.sample(export.records, 1000)

    def swap_two_letters(text: str) -> str:
        i = rng.randrange(len(text) - 1)
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]

    queries = [swap_two_letters(r.clean_name.lower()) for r in sample]
    started = time.perf_counter()
    for q in queries:
        export.closest_names(q)
    print("1,000 closest-name lookups in it: " + verdict(time.perf_counter() - started, 15))


def synthetic_export() -> None:
    from contractgen.dspt.export import read_export

    rng = random.Random(7)
    words = ["care", "home", "house", "lodge", "court", "manor", "the", "green"]
    words += ["park", "view", "hall", "services", "healthcare", "ltd", "st", "oak"]
    names = [" ".join(rng.choice(words) for _ in range(rng.randint(2, 4))) + f" {i}" for i in range(5000)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "names.csv"
        lines = [HEADER] + [f"C{i:04d},\"{name}\",Standards Met,,," for i, name in enumerate(names)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        export = read_export(path)
        started = time.perf_counter()
        for name in names[:200]:
            export.closest_names(name)
        print("200 lookups among 5,000 look-alike names: " + verdict(time.perf_counter() - started, 5))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    if (args.data / REAL).is_file():
        real_export(args.data / REAL)
    else:
        print(f"{args.data / REAL} not found: the real export is skipped")
    synthetic_export()


if __name__ == "__main__":
    main()
