"""LibreOffice's user profile for our conversions: a private one for each process, so that
LibreOffice neither clashes with a desktop LibreOffice the user has open nor with another
conversion, started as quickly as LibreOffice allows.

Two things make a headless start slow, and both are about the profile:

* LibreOffice runs its graphics self-tests (about a hundred drawings into large bitmaps:
  half a second, most of a headless start) whenever the profile has not recorded its
  version, which only the desktop's "what's new" notice records (LibreOffice 7.4: a
  headless start never records it, so it runs them at every start). A new profile says
  it is up to date (:data:`PROFILE_SETTINGS`).
* A new profile is set up on its first start (its folders, the bundled extensions
  registered): a quarter of a second more. After a conversion has succeeded, its profile
  is kept in the user's cache folder (:func:`cache_folder`), one for each LibreOffice
  installation, and later conversions start from a copy of it; a conversion that fails
  in a copy drops it, so that a damaged profile costs one run, not every run. The profile
  holds LibreOffice's settings only, never a document or its name; deleting the folder is
  safe.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

#: The settings a new profile starts with: a version above any LibreOffice's, so that it
#: counts as up to date and skips the graphics self-tests; nothing a conversion makes reads it.
PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse"><value>999.0</value></prop></item>
</oor:items>
"""

#: Where the kept profiles go instead of the user's cache folder (the tests use it);
#: empty: keep none.
CACHE_VARIABLE = "CONTRACTGEN_CACHE_DIR"


def prepare_profile(folder: Path) -> Path:
    """A new LibreOffice user profile in ``folder`` (which must not exist yet), with
    :data:`PROFILE_SETTINGS`; pass it as ``-env:UserInstallation=`` + its URI."""
    user = folder / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(PROFILE_SETTINGS, encoding="utf-8")
    return folder


def cache_folder(env: dict[str, str] | None = None, platform: str = sys.platform) -> Path | None:
    """contractgen's folder in the user's cache: ``%LOCALAPPDATA%`` on Windows,
    ``~/Library/Caches`` on macOS, ``$XDG_CACHE_HOME`` (else ``~/.cache``) elsewhere; or
    :data:`CACHE_VARIABLE`'s folder. None where there is none (nothing is kept)."""
    env = dict(os.environ) if env is None else env
    if CACHE_VARIABLE in env:
        return Path(env[CACHE_VARIABLE]) if env[CACHE_VARIABLE] else None
    if platform == "win32":
        base = env.get("LOCALAPPDATA")
        return Path(base) / "contractgen" / "cache" if base else None
    home = env.get("HOME") or env.get("USERPROFILE")
    if platform == "darwin":
        return Path(home) / "Library" / "Caches" / "contractgen" if home else None
    base = env.get("XDG_CACHE_HOME") or (str(Path(home) / ".cache") if home else "")
    return Path(base) / "contractgen" if base else None


def kept_profile(soffice: str, cache: Path | None) -> Path | None:
    """Where the profile kept for this LibreOffice installation is (or would be) in
    ``cache``: named after the program's path, size and time, and those of the version
    file beside it (``versionrc``; ``version.ini`` on Windows), so that another
    installation, or the same one upgraded, starts a profile of its own."""
    if cache is None:
        return None
    try:
        program = Path(os.path.realpath(soffice))
        marks = [f"{program}\0{program.stat().st_size}\0{program.stat().st_mtime_ns}"]
    except OSError:
        return None
    for version_file in (program.parent / "versionrc", program.parent / "version.ini"):
        try:
            marks.append(f"{version_file.stat().st_size}\0{version_file.stat().st_mtime_ns}")
        except OSError:
            continue
    digest = hashlib.sha256("\0".join(marks).encode()).hexdigest()[:16]
    return cache / f"libreoffice-profile-{digest}"


#: What a profile's settings must hold to be worth copying (a kept profile whose settings
#: file was cut short would start LibreOffice's self-tests again, yet convert).
_UP_TO_DATE = "ooSetupLastVersion"
#: LibreOffice's lock on a profile in use (``<profile>/.lock``): never kept or copied.
_LOCK = ".lock"


def new_profile(folder: Path, kept: Path | None) -> bool:
    """Make a profile for one LibreOffice process in ``folder``: a copy of the ``kept``
    one where there is one and it still says it is up to date (then True), else
    :func:`prepare_profile` (and a kept one that no longer says so is dropped)."""
    if kept is not None and kept.is_dir():
        try:
            shutil.copytree(kept, folder, ignore=shutil.ignore_patterns(_LOCK))
            if _UP_TO_DATE in (folder / "user" / "registrymodifications.xcu").read_text(encoding="utf-8", errors="replace"):
                return True
            drop_profile(kept)
        except OSError:
            pass
        shutil.rmtree(folder, ignore_errors=True)
    prepare_profile(folder)
    return False


def keep_profile(used: Path, kept: Path | None) -> None:
    """Keep ``used`` (a profile whose LibreOffice converted everything and has ended) as
    ``kept``, unless one is kept already or ``used`` is still locked. Copied to a
    temporary folder beside it and renamed, so a kept profile is whole or absent;
    anything that fails leaves nothing."""
    if kept is None or kept.exists() or (used / _LOCK).exists():
        return
    scratch: Path | None = None
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".~cg-profile-", dir=kept.parent))
        shutil.copytree(used, scratch / "profile", ignore=shutil.ignore_patterns(_LOCK))
        os.rename(scratch / "profile", kept)  # another run may have kept one meanwhile: then this fails
    except OSError:
        pass
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def drop_profile(kept: Path | None) -> None:
    """Drop the ``kept`` profile (a conversion failed or hung in a copy of it: the next
    starts anew). Renamed away first, so no run copies it half-deleted."""
    if kept is None or not kept.is_dir():
        return
    doomed: Path | None = None
    try:
        doomed = Path(tempfile.mkdtemp(prefix=".~cg-dropped-", dir=kept.parent))
        os.replace(kept, doomed / "profile")
    except OSError:
        pass  # another run dropped it first, or holds a file open in it (Windows)
    finally:
        if doomed is not None:
            shutil.rmtree(doomed, ignore_errors=True)
