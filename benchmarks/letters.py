"""Benchmark: 1,000 provider letters against a plain docxtpl loop, in the same run.

    python benchmarks/letters.py [--count 1000] [--baseline-count 1000] [--pdf-count 50]

It runs in rounds (five by default): in each, the docxtpl loop writes a fifth of the
baseline's letters, then contractgen writes the whole batch on all cores and on one
worker, so that each round's ratio compares times taken seconds apart (the machine is
shared: what a neighbour runs moves both sides alike); the ratios printed are the medians
of the rounds'. Both sides render the same letter template with the same per-provider values:
* baseline: for each letter ``DocxTemplate(path)``, ``render(context)``, ``save(file)``;
* contractgen: ``generate_letters`` end to end (reading the register and the export,
  deciding every letter, rendering, writing every .docx atomically and report.csv), in
  this process, where the loop's set-up has already parsed the clause library and loaded
  the template (as for a second batch in one process); and once cold, in a fresh process
  (the memory probe of the same size), where the batch parses and loads them itself.
It prints both wall and CPU times (CPU: this process and its worker processes) and their
ratios against the targets (at least 30x in wall time, 15x in CPU); the peak memory of
batches of 1,000 and 10,000 letters, each in a fresh process, reading the same export of
32,000 rows, the size of the national one (target: within 10%: a council's letters read
the national export whatever its register's size), and for reference reading an export
of the register's providers only, which grows with the batch (the timed rounds read that
one); and ``--pdf`` for 50 letters against one LibreOffice batch call converting the same
letters in a profile that has started before and records its version, as a user's own does
once its desktop has run (target: at least 1.5x), and for reference in a new profile, where
LibreOffice runs its graphics self-tests first, as on a server where its desktop never ran
(contractgen's own profiles skip them). The machine is shared: compare the ratios, which
are measured in the same run, rather than the times.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from national import NATIONAL_ROWS, base36, other_organisations

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = dt.date(2026, 11, 26)
STATUSES = ["25/26 Standards Met", "24/25 Standards Met", "25/26 Approaching Standards",
            "25/26 Standards Not Met", "25/26 Standards Exceeded", "Not Published", None]
NAMES = ["Maple & Oak Care <Home>", "\"Café Crème\" Supported Living", "دار السلام للرعاية",
         "St Anne's Residential Home", "Sunrise 🌅 Home Support", "Zoë's Homecare Ltd"]


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
    return f"V{'LMN'[i % 3]}{base36(i)}" if exported else f"A{base36(i)}"


#: The national export's organisations not in the register, as of the benchmark's day.
OTHER_PUBLICATIONS = [(status, "20/06/2025" if status.startswith("24/25") else "15/06/2026") for status in STATUSES[:5]]


def make_inputs(folder: Path, count: int, export_rows: int | None = None) -> tuple[Path, Path]:
    """The register of ``count`` providers (six in seven in the export) and the export:
    those providers only, or ``export_rows`` rows with as many other organisations as
    it takes (the national export, whatever the register's size)."""
    # named for the day it was downloaded (the as-of date): an undated export is as old as its latest publication
    register, export = folder / "providers.csv", folder / f"dspt-export-{AS_OF.isoformat()}.csv"
    rows = 0
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
                rows += 1
        if export_rows is not None:
            ew.writerows(row + ["GP", "NHS Example ICB"] for row in other_organisations(max(0, export_rows - rows), OTHER_PUBLICATIONS))
    return register, export


def workspace():
    from contractgen.library.workspace import load_workspace

    return load_workspace(ROOT)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the worker processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_contractgen(
    count: int, tmp: Path, workers: int | None = None, pdf: bool = False, export_rows: int | None = None,
) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and letters written."""
    from contractgen.letters.generate import generate_letters

    register, export = make_inputs(tmp, count, export_rows)
    out = tmp / f"out-{count}"
    ws = workspace()
    start, cpu = time.perf_counter(), cpu_seconds()
    result = generate_letters(ws, "example-borough", register, dspt_file=export, as_of=AS_OF,
                              output=out, force=True, workers=workers, pdf=pdf)
    elapsed, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    assert len(result.written) == count, (len(result.written), result.rejected[:3])
    assert not result.held, result.held[:3]
    return elapsed, cpu, len(result.written)


def run_soffice_batch(count: int, tmp: Path) -> tuple[float, float]:
    """One LibreOffice call converting ``count`` letters (written by contractgen first),
    timed in two profiles: one that has started before and records its version (as a
    user's own does once its desktop has run), the target's baseline; and a new one (a
    server's, where the desktop never ran: LibreOffice runs its graphics self-tests at
    every start there)."""
    from contractgen.base.officeprofile import prepare_profile
    from contractgen.base.pdf import find_soffice

    run_contractgen(count, tmp)
    letters = sorted((tmp / f"out-{count}").glob("*.docx"))

    def call(profile: Path, outdir: Path) -> float:
        start = time.perf_counter()
        subprocess.run([find_soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                        "--nologo", "--nodefault", "--convert-to", "pdf", "--outdir", str(outdir),
                        *map(str, letters)], check=True, capture_output=True)
        elapsed = time.perf_counter() - start
        assert len(list(outdir.glob("*.pdf"))) == count
        return elapsed

    used = prepare_profile(tmp / "used-profile")
    call(used, tmp / "warm-up")  # the user's LibreOffice has started before
    return call(used, tmp / "pdf"), call(tmp / "new-profile", tmp / "pdf-new")


def prepare_baseline(count: int, tmp: Path) -> Callable[[], tuple[float, float]]:
    """The plain docxtpl loop over the same template and the same values, ready to run:
    each call writes the ``count`` letters again and returns its wall and CPU seconds."""
    import itertools

    from docxtpl import DocxTemplate
    from markupsafe import Markup

    from contractgen.dspt.export import read_export
    from contractgen.dspt.position import assess_position, contract_terms
    from contractgen.dspt.register import read_register
    from contractgen.letters.render import LetterRenderer
    from contractgen.schedule.assembly import render_clause_text
    from contractgen.schedule.render import load_template, prepare
    from contractgen.word.ooxml import BodyWriter

    tmp.mkdir(parents=True, exist_ok=True)
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

    def loop() -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.process_time()
        for i, ctx in enumerate(contexts):
            doc = DocxTemplate(path)
            doc.render(ctx, autoescape=True)  # names hold & and <: without escaping the XML breaks
            doc.save(out / f"{i}.docx")
        return time.perf_counter() - start, time.process_time() - cpu

    return loop


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident set of this process and of its largest worker, in MiB.

    This process's own peak is read from /proc (VmHWM) where there is one: ``ru_maxrss``
    survives ``exec``, so a probe started by a big process would report that process's
    peak (it did: every batch size showed the benchmark's own 156 MiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                own = int(line.split()[1]) / 1024
    return own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def memory_probe(count: int, export_rows: int | None) -> None:
    """Run in a fresh process so the peak belongs to this batch size alone; also the
    batch's wall and CPU time there, cold: the clause library parsed and the template
    loaded by the batch itself (the timed runs in the main process find both already
    loaded by the docxtpl loop's set-up, as a second batch in one process would)."""
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu, _ = run_contractgen(count, Path(tmp), export_rows=export_rows)
    own, worker = peak_rss_mb()
    print(f"{own:.1f} {worker:.1f} {wall:.3f} {cpu:.3f}")


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def pdf_rounds(args: argparse.Namespace, rows: list[tuple[float, float, float]]) -> None:
    """The rounds of ``--pdf`` against one LibreOffice call."""
    for r in range(args.pdf_rounds):  # LibreOffice's own time swings most: rounds again, the median
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "batch").mkdir()
            (Path(tmp) / "ours").mkdir()
            batch, new = run_soffice_batch(args.pdf_count, Path(tmp) / "batch")
            with_pdf, _, _ = run_contractgen(args.pdf_count, Path(tmp) / "ours", pdf=True)
        rows.append((batch, new, with_pdf))
        print(f"--pdf round {r + 1}: {with_pdf:.2f} s for {args.pdf_count} letters end to end; one LibreOffice batch call "
              f"converting them: {batch:.2f} s: {batch / with_pdf:.2f}x (in a new profile: {new:.2f} s: {new / with_pdf:.2f}x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--baseline-count", type=int, default=1000, help="letters in the docxtpl loop over all rounds (scaled to --count)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of the loop and contractgen, each ratio measured within one")
    ap.add_argument("--pdf-count", type=int, default=50, help="letters converted to PDF (0: skip)")
    ap.add_argument("--pdf-rounds", type=int, default=3, help="rounds of --pdf against one LibreOffice call")
    ap.add_argument("--memory-sizes", default="1000,10000", help="batch sizes whose peak memory is compared")
    ap.add_argument("--memory-probe", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--export-rows", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_probe:
        memory_probe(args.memory_probe, args.export_rows)
        return
    print(f"machine: {multiprocessing.cpu_count()} cores, Python {sys.version.split()[0]}")
    rounds: list[tuple[float, float, float, float, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        loop = prepare_baseline(args.baseline_count // args.rounds, Path(tmp) / "baseline")
        scale = args.count / (args.baseline_count // args.rounds)
        for r in range(args.rounds):  # each round: the loop, then contractgen, seconds apart
            base, base_cpu = loop()
            folders = [Path(tmp) / f"{name}-{r}" for name in ("all", "one")]
            for folder in folders:
                folder.mkdir()
            ours, ours_cpu, n = run_contractgen(args.count, folders[0])
            one, one_cpu, _ = run_contractgen(args.count, folders[1], workers=1)
            for folder in folders:
                shutil.rmtree(folder)
            rounds.append((base * scale, base_cpu * scale, ours, ours_cpu, one, one_cpu))
            print(f"round {r + 1}: docxtpl loop {base * scale:6.2f} s (CPU {base_cpu * scale:6.2f} s) for {args.count} letters; "
                  f"contractgen {ours:.2f} s (CPU {ours_cpu:.2f} s), one worker {one:.2f} s (CPU {one_cpu:.2f} s): "
                  f"{base * scale / ours:.1f}x wall, {base_cpu * scale / ours_cpu:.1f}x CPU")
    base, base_cpu, ours, ours_cpu, one, one_cpu = (statistics.median(column) for column in zip(*rounds))
    wall_x = statistics.median(b / o for b, _, o, _, _, _ in rounds)
    cpu_x = statistics.median(c / oc for _, c, _, oc, _, _ in rounds)
    print(f"docxtpl loop   : {base:7.2f} s for {args.count} letters ({base / args.count * 1000:.1f} ms/letter), CPU {base_cpu:.2f} s "
          f"(median of {args.rounds} rounds of {args.baseline_count // args.rounds}, scaled)")
    print(f"contractgen    : {ours:7.2f} s for {n} letters ({ours / n * 1000:.2f} ms/letter, all cores), CPU {ours_cpu:.2f} s (median)")
    print(f"contractgen x1 : {one:7.2f} s for {n} letters ({one / n * 1000:.2f} ms/letter, one worker), CPU {one_cpu:.2f} s (median)")
    print(f"wall ratio     : {wall_x:.1f}x the docxtpl loop, median of the rounds (target: at least 30x: {verdict(wall_x >= 30)})")
    print(f"CPU ratio      : {cpu_x:.1f}x the docxtpl loop, median of the rounds (target: at least 15x: {verdict(cpu_x >= 15)})")
    sizes = [int(x) for x in args.memory_sizes.split(",")]
    for export_rows in (None, NATIONAL_ROWS):  # the cold batch first, as the timed rounds read
        peaks = []
        for size in sizes:
            probe = [sys.executable, __file__, "--memory-probe", str(size)] + (["--export-rows", str(export_rows)] if export_rows else [])
            out = subprocess.run(probe, capture_output=True, text=True, check=True)
            own, worker, cold, cold_cpu = map(float, out.stdout.strip().splitlines()[-1].split())
            peaks.append((size, own, worker))
            if export_rows is None and size == args.count and len(peaks) == 1 + sizes.index(size):  # its first probe
                print(f"contractgen cold: {cold:7.2f} s for {size} letters in a fresh process (the clause library parsed and the "
                      f"template loaded in the batch; Python's start and imports not counted), CPU {cold_cpu:.2f} s: "
                      f"{base / cold:.1f}x the docxtpl loop's median in wall time, {base_cpu / cold_cpu:.1f}x in CPU")
        growth = max(peaks[-1][1:]) / max(peaks[0][1:]) - 1
        sized = (f"the national export ({export_rows:,} rows) for every batch" if export_rows
                 else "an export of the register's providers only (it grows with the batch)")
        target = f" (target: within 10%: {verdict(abs(growth) <= 0.10)})" if export_rows else " (for reference)"
        print(f"peak memory, {sized}: "
              + ", ".join(f"{size} letters {own:.0f} MiB (largest worker {worker:.0f} MiB)" for size, own, worker in peaks)
              + f"; {growth:+.0%} from {peaks[0][0]} to {peaks[-1][0]}{target}")
    if args.pdf_count:
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["CONTRACTGEN_CACHE_DIR"] = str(Path(tmp) / "cache")  # not the user's own
            try:
                run_contractgen(args.pdf_count, Path(tmp), pdf=True)  # like the user's LibreOffice, ours has started before
                pdf_rounds(args, rows)
            finally:
                del os.environ["CONTRACTGEN_CACHE_DIR"]
        pdf_x = statistics.median(b / w for b, _, w in rows)
        new_x = statistics.median(n / w for _, n, w in rows)
        print(f"--pdf          : {statistics.median(w for _, _, w in rows):7.2f} s for {args.pdf_count} letters end to end "
              f"(median); one LibreOffice batch call in a profile it has used before: {statistics.median(b for b, _, _ in rows):.2f} s: "
              f"{pdf_x:.2f}x, the median of the rounds (target: at least 1.5x: {verdict(pdf_x >= 1.5)}); in a new profile, "
              f"where it runs its graphics self-tests: {statistics.median(n for _, n, _ in rows):.2f} s: {new_x:.2f}x (for reference)")


if __name__ == "__main__":
    main()
