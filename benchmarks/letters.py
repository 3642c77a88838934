"""Benchmark: 1,000 provider letters against a plain docxtpl loop, in the same run.

    python benchmarks/letters.py [--count 1000] [--baseline-count 1000]

Both sides render the same letter template with the same per-provider values:
* baseline: for each letter ``DocxTemplate(path)``, ``render(context)``, ``save(file)``;
* contractgen: ``generate_letters`` end to end (reading the register and the export,
  deciding every letter, rendering, writing every .docx atomically and report.csv).
It prints both timings, the ratio and the peak memory of batches of different sizes
(memory must stay flat as the batch grows).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = dt.date(2026, 11, 26)
STATUSES = ["25/26 Standards Met", "24/25 Standards Met", "25/26 Approaching Standards",
            "25/26 Standards Not Met", "25/26 Standards Exceeded", "Not Published", None]
NAMES = ["Maple & Oak Care <Home>", "\"Café Crème\" Supported Living", "دار السلام للرعاية",
         "St Anne's Residential Home", "Sunrise 🌅 Home Support", "Zoë's Homecare Ltd"]


#: Digits and capital letters: three of them number 46,656 providers.
BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_PROVIDERS = 36**3


def provider_code(i: int, exported: bool) -> str:
    """A unique ODS code for provider ``i`` (any ``i`` below :data:`MAX_PROVIDERS`).

    Providers in the export get care-site codes (VL, VM or VN then three characters);
    those missing from it get head-office codes (A then three characters), which are no
    edit away from any care-site code (an edit of a 4-character code that starts with A
    never starts with VL, VM or VN), so none of them is a near match (which would be
    held for review instead of written)."""
    if not 0 <= i < MAX_PROVIDERS:
        raise ValueError(f"the benchmark makes at most {MAX_PROVIDERS:,} providers")
    digits = "".join(BASE36[(i // 36**k) % 36] for k in (2, 1, 0))
    return f"V{'LMN'[i % 3]}{digits}" if exported else f"A{digits}"


def make_inputs(folder: Path, count: int) -> tuple[Path, Path]:
    register, export = folder / "providers.csv", folder / "export.csv"
    with register.open("w", newline="", encoding="utf-8") as r, export.open("w", newline="", encoding="utf-8-sig") as e:
        rw, ew = csv.writer(r), csv.writer(e)
        rw.writerow(["name", "ods_code", "contact_name", "email", "address", "cqc_registered", "tier"])
        ew.writerow(["Code", "Organisation Name", "Status", "Date Of Publication", "Primary Sector",
                     "Integrated Care Board (where available, from ODS)"])
        for i in range(count):
            status = STATUSES[i % len(STATUSES)]
            code = provider_code(i, exported=status is not None)
            name = f"{NAMES[i % len(NAMES)]} {i}"
            tier = ("foundation", "core", "core", "advanced")[i % 4]
            rw.writerow([name, code, f"Manager {i}", f"m{i}@example.org", f"{i} High Street\nExampleton EX{i % 9 + 1} 1AA", "yes", tier])
            if status is not None:
                ew.writerow([code, name.upper(), status, "15/06/2026" if "25/26" in status else "20/06/2025", "Care Home", "NHS Example ICB"])
    return register, export


def workspace():
    from contractgen.library.workspace import load_workspace

    return load_workspace(ROOT)


def run_contractgen(count: int, tmp: Path, workers: int | None = None) -> tuple[float, int]:
    from contractgen.letters.generate import generate_letters

    register, export = make_inputs(tmp, count)
    out = tmp / f"out-{count}"
    start = time.perf_counter()
    result = generate_letters(workspace(), "example-borough", register, dspt_file=export, as_of=AS_OF,
                              output=out, force=True, workers=workers)
    elapsed = time.perf_counter() - start
    assert len(result.written) == count, (len(result.written), result.rejected[:3])
    return elapsed, len(result.written)


def run_baseline(count: int, tmp: Path) -> float:
    """The plain docxtpl loop over the same template and the same values."""
    from docxtpl import DocxTemplate

    from contractgen.letters.generate import LetterRenderer
    from contractgen.dspt.register import read_register
    from contractgen.dspt.export import read_export
    from contractgen.dspt.position import assess_position, contract_terms
    from contractgen.schedule.render import load_template, prepare
    from contractgen.word.ooxml import BodyWriter
    from contractgen.schedule.assembly import render_clause_text
    import itertools

    from markupsafe import Markup

    ws = workspace()
    library, profile = prepare(ws, "example-borough")
    template = load_template(ws, profile, "letter")
    renderer = LetterRenderer(library, profile, template, AS_OF)
    register, export = make_inputs(tmp, count)
    providers = read_register(register, tiers=library.tiers, default_tier="core").providers
    records = read_export(export)
    contexts = []
    for p in providers:
        s = assess_position(records.by_code(p.ods_code), contract_terms(library, profile, p.tier), AS_OF)
        ctx = renderer.context(p, s)
        lists = itertools.count(1)
        paragraphs = []
        for clause in (renderer.clause_for(s.kind), library.clause("letter.support")):
            paragraphs += render_clause_text(clause, clause.text_for(p.tier) or "", ctx, library, mode="letter", list_ids=lists)
        ctx["letter_body"] = Markup(BodyWriter().blocks(paragraphs))  # inserted as XML, like ours
        contexts.append(ctx)
    path = ws.templates_dir / "letter.docx"
    out = tmp / "baseline"
    out.mkdir()
    start = time.perf_counter()
    for i, ctx in enumerate(contexts):
        doc = DocxTemplate(path)
        doc.render(ctx, autoescape=True)  # names hold & and <: without escaping the XML breaks
        doc.save(out / f"{i}.docx")
    return time.perf_counter() - start


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def memory_probe(count: int) -> None:
    """Run in a fresh process so the peak belongs to this batch size alone."""
    with tempfile.TemporaryDirectory() as tmp:
        run_contractgen(count, Path(tmp))
    print(f"{peak_rss_mb():.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--baseline-count", type=int, default=1000, help="letters in the docxtpl loop (scaled to --count)")
    ap.add_argument("--memory-probe", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_probe:
        memory_probe(args.memory_probe)
        return
    print(f"machine: {multiprocessing.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        folders = {name: Path(tmp) / name for name in ("baseline", "all", "one")}
        for folder in folders.values():
            folder.mkdir()
        base = run_baseline(args.baseline_count, folders["baseline"])
        base_scaled = base * args.count / args.baseline_count
        shutil.rmtree(folders["baseline"])
        ours, n = run_contractgen(args.count, folders["all"])
        one, _ = run_contractgen(args.count, folders["one"], workers=1)
    print(f"docxtpl loop   : {base:7.2f} s for {args.baseline_count} letters ({base / args.baseline_count * 1000:.1f} ms/letter)")
    print(f"contractgen    : {ours:7.2f} s for {n} letters ({ours / n * 1000:.1f} ms/letter, all cores)")
    print(f"contractgen x1 : {one:7.2f} s for {n} letters ({one / n * 1000:.1f} ms/letter, one worker)")
    print(f"ratio          : {ours / base_scaled:.3f} of the docxtpl loop ({base_scaled / ours:.1f}x faster; target: at most 0.2)")
    import subprocess

    peaks = []
    for size in (250, 1000, 2000):
        out = subprocess.run([sys.executable, __file__, "--memory-probe", str(size)], capture_output=True, text=True, check=True)
        peaks.append((size, float(out.stdout.strip().splitlines()[-1])))
    print("peak memory    : " + ", ".join(f"{size} letters {mb:.0f} MB" for size, mb in peaks))


if __name__ == "__main__":
    main()
