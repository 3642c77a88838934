"""Writing a batch's letters: one worker process per core, each writing a share of the
letters whole (atomically), while the parent hands out chunks and reports progress.

Where the system can fork (Linux), the workers inherit the prepared renderer and the
batch (:class:`~contractgen.letters.batch.Batch`: an index per letter, each letter made
as it is written) and are sent where their chunks start and end. The parent writes the
first letter of each tier and kind first, so what every such letter prepares once
(clause texts compiled and parsed, fixed parts, shared parts compressed) is done once.
Elsewhere (Windows) each worker is spawned, prepares its own renderer from a
:class:`RendererRecipe` and is sent its letters. Ctrl-C is the parent's: it stops
handing out letters and waits for those in progress, so every letter is whole. Each
process makes its letters' temporary files in a folder of its own, in the batch's folder
inside the output folder (:data:`SCRATCH_PREFIX`), removed when the batch ends.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import shutil
import signal
import tempfile
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from ..base.atomic import write_atomic
from ..dspt.evidence import ExportChecks
from ..library.releases import Provenance
from ..library.workspace import Workspace
from ..schedule.render import load_template, prepare_version
from .batch import Batch, LetterJob
from .render import LetterRenderer

_RENDERER: LetterRenderer | None = None
_OUTPUT: Path | None = None
_SCRATCH: Path | None = None  # the batch's folder of temporary files (SCRATCH_PREFIX)
#: The batch's letters, for forked workers: they inherit the batch and are sent only where
#: a chunk of it starts and ends, not the letters themselves (pickled and unpickled).
_JOBS: Sequence[LetterJob] = ()
#: How worker processes start: fork where the system has it (the workers inherit the
#: prepared renderer), else spawn (Windows; macOS may too), where each worker prepares
#: its own renderer from the same files (:class:`RendererRecipe`).
START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


@dataclass(frozen=True)
class RendererRecipe:
    """What a spawned worker needs to prepare the renderer itself: only plain, picklable
    values (a compiled template cannot be sent to another process), and the batch's
    time limit for a letter."""

    workspace: Workspace
    profile_ref: str
    as_of: dt.date
    provenance: Provenance
    export_checks: ExportChecks | None = None
    seconds: float | None = None  # the parent's time limit for a letter

    def make(self) -> LetterRenderer:
        version, profile = prepare_version(self.workspace, self.profile_ref)
        template = load_template(self.workspace, profile, "letter")
        renderer = LetterRenderer(version.library, profile, template, self.as_of, self.provenance, self.export_checks)
        if self.seconds is not None:
            renderer.seconds = self.seconds
        return renderer


def _use(renderer: LetterRenderer | None, output: Path, scratch: Path | None = None) -> None:
    global _RENDERER, _OUTPUT, _SCRATCH
    _RENDERER, _OUTPUT, _SCRATCH = renderer, output, scratch


def _init_worker(recipe: RendererRecipe | None = None, output: Path | None = None, scratch: Path | None = None) -> None:
    """In a worker process: Ctrl-C is the parent's to handle. The parent stops handing
    out letters and waits for the ones in progress, so every letter is whole. A spawned
    worker (``recipe``) prepares its own renderer."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if recipe is not None and output is not None:
        _use(recipe.make(), output, scratch)


#: The batch's folder inside the output folder (a random part follows), where each process
#: makes its letters' temporary files in a folder of its own (``w`` and its process id):
#: two workers making files in one folder contend for it in the system's kernel (with the
#: disk slow here, 0.2 ms more a letter); a letter's rename into the output folder is then
#: the only step they share. Removed when the batch ends (the next batch removes any left
#: by a batch killed outright).
SCRATCH_PREFIX = ".~cg-b"


def _write_one(job: LetterJob) -> str:
    assert _RENDERER is not None and _OUTPUT is not None
    write_atomic(_OUTPUT / job.file, _RENDERER.render(job.provider, job.position),  # every file name was checked to stay in the folder before any letter (generate._check_before_writing)
                 scratch=_SCRATCH / f"w{os.getpid()}" if _SCRATCH is not None else None)  # fmt: skip
    return job.file


def _write_some(jobs: list[LetterJob]) -> int:
    for job in jobs:
        _write_one(job)
    return len(jobs)


def _write_range(start: int, stop: int) -> int:
    """In a forked worker: the letters ``start`` to ``stop`` of the inherited batch."""
    for job in _JOBS[start:stop]:
        _write_one(job)
    return stop - start


def run_jobs(
    renderer: LetterRenderer, recipe: RendererRecipe, output: Path, jobs: Batch, workers: int,
    progress: Callable[[int], None], meanwhile: Callable[[], None] = lambda: None,
) -> None:
    """Write the letters of ``jobs``; ``meanwhile``: the parent's own work, done while
    the workers write the first letters (with one worker, after the letters)."""
    output = output.resolve()
    try:
        scratch: Path | None = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=output))
    except OSError:
        scratch = None  # the temporary files beside the letters, then; a letter says what is wrong
    try:
        _run(renderer, recipe, output, scratch, jobs, workers, progress, meanwhile)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def remove_stale_scratch(output: Path) -> None:
    """The folders of temporary files of batches killed outright (:data:`SCRATCH_PREFIX`),
    which may hold a letter's temporary file."""
    for folder in output.glob(SCRATCH_PREFIX + "*"):
        shutil.rmtree(folder, ignore_errors=True)


def _run(
    renderer: LetterRenderer, recipe: RendererRecipe, output: Path, scratch: Path | None, jobs: Batch,
    workers: int, progress: Callable[[int], None], meanwhile: Callable[[], None],
) -> None:
    if workers <= 1 or len(jobs) < 8:
        _use(renderer, output, scratch)
        for job in jobs:
            _write_one(job)
            progress(1)
        meanwhile()
        return
    global _JOBS
    ctx = multiprocessing.get_context(START_METHOD)
    if START_METHOD == "fork":  # the workers inherit the renderer and the batch instead of preparing them
        jobs = _first_of_each_kind(renderer, output, scratch, jobs, progress)
        _JOBS = jobs
        gc.freeze()  # the workers' collections leave the inherited objects (and pages) alone
        init_args: tuple[RendererRecipe | None, Path | None, Path | None] = (None, None, None)
    else:
        init_args = (recipe, output, scratch)
    size = max(1, min(32, len(jobs) // (workers * 8)))
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=init_args) as pool:
            try:
                # a few chunks in flight, not the whole batch: memory stays flat as it grows
                pending: deque[Future[int]] = deque()
                for i in range(0, len(jobs), size):
                    chunk = (i, min(i + size, len(jobs)))
                    forked = START_METHOD == "fork"
                    pending.append(pool.submit(_write_range, *chunk) if forked else pool.submit(_write_some, jobs[slice(*chunk)]))
                    if len(pending) > 4 * workers:
                        meanwhile()  # the workers have letters to write meanwhile
                        meanwhile = _nothing
                        progress(pending.popleft().result())
                meanwhile()
                while pending:
                    progress(pending.popleft().result())
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    finally:
        gc.unfreeze()
        _JOBS = ()


def _first_of_each_kind(renderer: LetterRenderer, output: Path, scratch: Path | None, jobs: Batch,
                        progress: Callable[[int], None]) -> Batch:  # fmt: skip
    """Before the workers are forked: the first letter of each tier and kind, written here
    so that what every such letter needs once (the clause texts compiled and parsed, the
    fixed parts rendered, the parts every letter shares compressed) is done once and
    inherited, not once in each worker. The other letters are left for the workers."""
    _use(renderer, output, scratch)
    renderer.template.prepare_lean()
    first = sorted(jobs.first_of_each.values())
    for i in first:
        _write_one(jobs[i])
        progress(1)
    return jobs.without(frozenset(first))


def _nothing() -> None:
    pass


def default_workers() -> int:
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1), 8))


__all__ = ["RendererRecipe", "SCRATCH_PREFIX", "START_METHOD", "default_workers", "remove_stale_scratch", "run_jobs"]
