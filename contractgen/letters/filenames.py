"""Letter file names: one safe, unique ``ODS-name.docx`` per provider, never outside
its folder (used by the letters and the audit forms)."""

from __future__ import annotations

import itertools
import os
import re
import unicodedata
from pathlib import Path
from typing import Sequence

from ..base.errors import OutputError, display_path
from ..dspt.register import Provider

#: Names Windows reserves for devices, with any extension (ODS-shaped: CON, NUL, COM1...).
WINDOWS_DEVICE_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(10)), *(f"LPT{n}" for n in range(10))]
)


def slug(text: str, limit: int = 60) -> str:
    """A safe file-name part: ASCII letters, digits and hyphens (accents folded)."""
    folded = text if text.isascii() else unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-").lower()
    return cleaned[:limit].rstrip("-")


def letter_file_names(providers: Sequence[Provider]) -> list[str]:
    """One unique, safe file name per provider: ``ODS-name-slug.docx``.

    Names come from codes and names but can never hold a path separator, ``..`` or a
    reserved character, and never collide (a counter is added when two would).
    """
    names = FileNames()
    return [names.next(p) for p in providers]


def plain_file_name(provider: Provider) -> str:
    """The provider's file name when no earlier one in its batch took it."""
    stem = "-".join(part for part in (slug(provider.ods_code, 12).upper(), slug(provider.name)) if part) or "provider"
    if stem.upper() in WINDOWS_DEVICE_NAMES:
        stem += "-letter"  # CON.docx would open the console on Windows, not a file
    return f"{stem}.docx"


class FileNames:
    """The file names of a batch, given one provider at a time (:func:`letter_file_names`):
    the names taken so far are held, in lower case, so that none is given twice."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def next(self, provider: Provider, plain: str | None = None) -> str:
        """The provider's name: its plain one (:func:`plain_file_name`, or ``plain`` when
        the caller has it), with a counter when an earlier provider took it (names
        differing only in case collide on Windows)."""
        stem = (plain or plain_file_name(provider))[: -len(".docx")]
        candidate = stem
        for n in itertools.count(2):
            if candidate.lower() not in self._used:
                break
            candidate = f"{stem}-{n}"
        self._used.add(candidate.lower())
        return f"{candidate}.docx"


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refusing anything that would land outside ``folder``."""
    return inside_resolved(folder.resolve(), folder, name)


def inside_resolved(resolved: Path, folder: Path, name: str) -> Path:
    """:func:`inside` with ``folder`` already resolved (``resolved``): for a batch of names."""
    target = resolved / name
    plain = name not in ("", ".", "..") and not any(sep in name for sep in ("/", "\\", ":", os.sep))
    if plain and not os.path.islink(target):
        return target  # a plain name in the resolved folder: it cannot be anywhere else
    target = (folder / name).resolve()  # only a name that may climb out is resolved
    if not target.is_relative_to(resolved) or target == resolved:
        raise OutputError(f"refusing to write {name!r}: it would leave {display_path(folder)}")
    return target
