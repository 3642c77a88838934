"""Output files written whole or not at all: each through a temporary file in its target
folder (or a folder inside it), renamed into place, so an interrupted run leaves the old
file or none, and a set of files (the overview's three) can be renamed only once all of
them are made.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable

from .errors import OutputError, display_path


def write_atomic(path: Path, data: bytes | Iterable[bytes], *, force: bool = True, scratch: Path | None = None) -> None:
    """Write ``data`` (bytes, or chunks of them: a large file need not be held whole) to
    ``path`` through a temporary file and a rename.

    With ``force=False`` an existing file is refused (:class:`OutputError`). ``scratch``:
    the folder for the temporary file (made when missing), instead of ``path``'s own; it
    must be on the same file system, such as a folder inside ``path``'s (a batch's
    worker processes each make their files in their own, so that they do not contend for
    the output folder in the system's kernel twice a letter, only once).
    """
    commit(write_temporary(path, data, force=force, scratch=scratch), path)


def write_temporary(path: Path, data: bytes | Iterable[bytes | bytearray], *, force: bool = True,
                    scratch: Path | None = None) -> Path:  # fmt: skip
    """Write ``data`` to a temporary file beside ``path`` (or in ``scratch``) and return
    it, for :func:`commit` to rename once the files written with it are all made (on
    failure the temporary file is removed: nothing is left half-written)."""
    if not force and path.exists():
        raise OutputError(f"{display_path(path)} already exists; use --force to overwrite it")
    try:
        fd, tmp = _temporary_in(scratch or path.parent, path.suffix)
    except (FileExistsError, NotADirectoryError) as exc:
        raise OutputError(
            f"cannot write {display_path(path)}: {display_path(Path(exc.filename or path.parent))} "
            "is a file, not a folder; choose another output path"
        ) from exc
    except OSError as exc:
        where = Path(exc.filename).parent if scratch is not None and exc.filename else path.parent  # the folder that refused
        raise OutputError(f"cannot write to {display_path(where)}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            _readable(fd, tmp)
            if isinstance(data, (bytes, bytearray)):
                fh.write(data)
            else:
                fh.writelines(data)
    except BaseException as exc:
        discard(Path(tmp))
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise
    return Path(tmp)


def _temporary_in(folder: Path, suffix: str) -> tuple[int, str]:
    """A new temporary file in ``folder``, made first when missing: tried before the
    folder is (every letter of a batch but the first finds it there), and where it fails
    the folder is made, which raises the error that names what is in the way."""
    try:
        return tempfile.mkstemp(prefix=".~cg-", suffix=suffix + ".part", dir=folder)
    except (FileNotFoundError, NotADirectoryError):
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(prefix=".~cg-", suffix=suffix + ".part", dir=folder)


def _readable(fd: int, tmp: str) -> None:
    """Permissions 0644 (mkstemp makes 0600): through the open file where the system can
    (a letter of a batch saves a lookup of its path: a tenth of the time its file takes)."""
    if hasattr(os, "fchmod"):
        os.fchmod(fd, 0o644)
    else:  # Windows before Python 3.13
        os.chmod(tmp, 0o644)


def commit(temporary: Path, path: Path) -> None:
    """Rename a file of :func:`write_temporary` to ``path`` (atomic on one file system)."""
    try:
        os.replace(temporary, path)
    except OSError as exc:
        discard(temporary)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc


def discard(temporary: Path) -> None:
    """Remove a temporary file that will not be committed (if it is still there)."""
    try:
        os.unlink(temporary)
    except OSError:
        pass
