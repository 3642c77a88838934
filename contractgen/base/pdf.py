"""PDF through LibreOffice, headless: one soffice process per worker for a whole batch.

Each process gets its own temporary user profile (so it neither clashes with a desktop
LibreOffice the user has open nor with the other worker; made to start quickly:
:mod:`.officeprofile`) and converts its share of the files into a temporary folder;
finished PDFs are renamed into place.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .errors import ExternalToolError
from .officeprofile import cache_folder, drop_profile, keep_profile, kept_profile, new_profile

INSTALL_HINT = (
    "LibreOffice is needed for --pdf but was not found (no `soffice` or `libreoffice` on PATH, "
    "nor in its usual install folder); install it (Debian/Ubuntu: `sudo apt-get install "
    "libreoffice-writer`; Windows/macOS: libreoffice.org) or leave out --pdf"
)


def install_folders(env: dict[str, str] | None = None) -> list[Path]:
    """Where LibreOffice's installers put ``soffice`` when it is not on PATH: Windows
    (Program Files, 64- and 32-bit), macOS (Applications) and the Linux tarballs."""
    env = dict(os.environ) if env is None else env
    places = [Path(env[var]) / "LibreOffice" / "program" / "soffice.exe"
              for var in ("PROGRAMFILES", "PROGRAMW6432", "PROGRAMFILES(X86)") if env.get(var)]
    places += [
        Path("C:/Program Files/LibreOffice/program/soffice.exe"),
        Path("C:/Program Files (x86)/LibreOffice/program/soffice.exe"),
        Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
        Path.home() / "Applications" / "LibreOffice.app" / "Contents" / "MacOS" / "soffice",
        Path("/usr/lib/libreoffice/program/soffice"),
        Path("/opt/libreoffice/program/soffice"),
    ]
    return places


def find_soffice() -> str:
    """LibreOffice's ``soffice``: on PATH, else in its usual install folder."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for place in install_folders():
        if place.is_file():
            return str(place)
    raise ExternalToolError(INSTALL_HINT)


def convert_to_pdf(files: list[Path], output: Path, *, workers: int = 2, timeout: float = 3600) -> list[Path]:
    """Convert ``files`` to PDFs in ``output``; return the PDFs written."""
    if not files:
        return []
    return start_pdf(files, output, workers=workers).finish(timeout)


def start_pdf(files: list[Path], output: Path, *, workers: int = 2, early: bool = False) -> "PdfConversion":
    """Start converting ``files`` (one LibreOffice per worker, each with its share) and
    return at once; :meth:`PdfConversion.finish` waits for the PDFs. ``early``: some of
    the files are still being written (atomically: a file is whole or absent), so one
    LibreOffice may reach a file before it exists; ``finish`` converts those again."""
    soffice = find_soffice()
    # LibreOffice needs absolute paths (its profile is a file: URI; its cwd is its own)
    files = [f.resolve() for f in files]
    output = output.resolve()
    workers = max(1, min(workers, len(files)))
    conversion = PdfConversion(files, output, Path(tempfile.mkdtemp(prefix=".~cg-pdf-", dir=output)), early=early,
                               kept=kept_profile(soffice, cache_folder()))
    try:
        for n in range(workers):
            conversion.launch(soffice, n, files[n::workers])
    except BaseException:
        conversion.stop()
        raise
    return conversion


class _Soffice(NamedTuple):
    """One LibreOffice of a conversion: its process, its folder (``profile``, ``out``),
    the files it was given, and whether its profile is a copy of the kept one."""

    proc: subprocess.Popen[bytes]
    folder: Path
    share: list[Path]
    copied: bool


@dataclass
class PdfConversion:
    """LibreOffice processes converting a batch, each its share into its own folder."""

    files: list[Path]
    output: Path
    scratch: Path
    early: bool = False
    kept: Path | None = None  # the profile kept between runs (officeprofile.kept_profile)
    procs: list[_Soffice] = field(default_factory=list)

    def launch(self, soffice: str, n: int, share: list[Path]) -> None:
        folder = self.scratch / str(n)
        profile, outdir = folder / "profile", folder / "out"
        copied = new_profile(profile, self.kept)
        outdir.mkdir()
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--nologo", "--nodefault", "--convert-to", "pdf", "--outdir", str(outdir), *map(str, share)]
        # its own process group: soffice starts soffice.bin as a child, and _stop ends both
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=_POSIX)
        self.procs.append(_Soffice(proc, folder, share, copied))

    def finish(self, timeout: float = 3600) -> list[Path]:
        """Wait for every LibreOffice; move the PDFs into place; return them. A file with
        no PDF fails the batch (started ``early``: after one more conversion of it)."""
        written, failed = self._collect(timeout)
        if failed and self.early:  # reached before it was written, most likely: once more
            more, failed = start_pdf(failed, self.output, workers=1)._collect(timeout)
            written += more
        if failed:
            raise ExternalToolError(
                f"LibreOffice could not convert {len(failed)} of {len(self.files)} files to PDF "
                f"(first: {failed[0].name}); the .docx files are complete, try opening that one in LibreOffice"
            )
        return written

    def _collect(self, timeout: float) -> tuple[list[Path], list[Path]]:
        """The PDFs moved into place, and the files that got none."""
        try:
            written: list[Path] = []
            failed: list[Path] = []
            for proc, folder, share, copied in self.procs:
                try:
                    proc.communicate(timeout=timeout)
                except subprocess.TimeoutExpired:
                    if copied:  # it hung in the kept profile, which may be the fault
                        drop_profile(self.kept)
                    raise ExternalToolError(f"LibreOffice did not finish converting {len(share)} file{'s' if len(share) != 1 else ''} within {timeout:.0f} s")
                before = len(failed)
                for source in share:
                    made = folder / "out" / (source.stem + ".pdf")
                    if made.is_file() and made.stat().st_size > 0:
                        target = self.output / made.name
                        os.replace(made, target)
                        written.append(target)
                    else:
                        failed.append(source)
                if len(failed) == before and proc.returncode == 0:  # its LibreOffice did all it was given
                    keep_profile(folder / "profile", self.kept)
                elif copied and (not self.early or proc.returncode != 0 or len(failed) - before == len(share)):
                    # it started from the kept profile, which may be the fault; started early,
                    # a few files missed (reached before they were written) are not its fault
                    drop_profile(self.kept)
            return written, failed
        finally:
            self.stop()

    def stop(self) -> None:
        """Timed out, failed, interrupted (Ctrl-C) or done: no LibreOffice left running,
        no scratch folder left behind."""
        for soffice in self.procs:
            _stop(soffice.proc)
        shutil.rmtree(self.scratch, ignore_errors=True)


_POSIX = os.name == "posix"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End a LibreOffice that is still running, with the processes it started."""
    if proc.poll() is None:
        try:
            if _POSIX:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except OSError:
            pass  # it ended meanwhile
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
