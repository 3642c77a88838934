"""Finding the closest organisation names.

A council's register and the DSPT export spell one organisation's name differently
(``The Pines Ltd`` and ``THE PINES (VL50F)``). :func:`normalise_name` gives the form in
which names are compared, and :class:`NameIndex` finds, among tens of thousands of
names, the few most like a given one.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import heapq
import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import chain
from typing import Generic, Protocol, TypeVar

__all__ = ["NameIndex", "name_ratio", "names_alike", "normalise_name"]


class _Named(Protocol):
    """Anything with a name to compare: a :class:`~contractgen.dspt.status.DsptRecord`."""

    @property
    def clean_name(self) -> str:
        """The name as compared, without a bracketed code suffix."""
        ...


_R = TypeVar("_R", bound=_Named)


@functools.lru_cache(maxsize=65_536)
def normalise_name(name: str) -> str:
    """Name comparison form: ``The Pinés & Co. Limited`` -> ``the pines and co``.

    Kept for the last 65,536 names: an overview normalises every export's names, and
    successive exports hold mostly the same organisations."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("&", " and ")
    text = re.sub(r"[\W_]+", " ", text)
    words = text.split()
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def name_ratio(first: str, second: str) -> float:
    """How alike two names are once normalised: 1.0 for ``The Pines Ltd`` and
    ``THE PINES``, by :class:`difflib.SequenceMatcher`."""
    return difflib.SequenceMatcher(
        None, normalise_name(first), normalise_name(second), autojunk=False
    ).ratio()


#: How alike (:func:`name_ratio`) two names must be to be taken for the same organisation
#: when neither contains the other.
ALIKE_RATIO = 0.85


def names_alike(first: str, second: str) -> bool:
    """Whether two names may be one organisation's: once normalised, one contains the
    other as whole words (``Dar Al-Salam Care (دار السلام للرعاية)`` and ``DAR AL-SALAM
    CARE LIMITED``), or they are at least :data:`ALIKE_RATIO` alike. Long shared endings
    such as ``NHS Foundation Trust`` do not make two trusts alike."""
    a, b = normalise_name(first), normalise_name(second)
    if not a or not b:
        return False
    short, long = sorted((a, b), key=len)
    if f" {long} ".find(f" {short} ") >= 0:
        return True
    return name_ratio(first, second) >= ALIKE_RATIO


#: Trailing words dropped before names are compared: ``Langdale House Ltd`` is
#: ``Langdale House``.
_LEGAL_SUFFIXES = frozenset({"ltd", "limited", "plc", "llp", "cic", "lp"})


class NameIndex(Generic[_R]):
    """Normalised names with a trigram index: candidates first, difflib on a shortlist.

    A query's trigrams vote for the names that share them; only the names with the most
    shared trigrams are compared with :class:`difflib.SequenceMatcher`, and a candidate
    is skipped when its cheap upper bounds cannot beat the n-th best ratio so far.
    """

    SHORTLIST = 50
    COMMON = 200
    COMMON_SHARE = 0.1

    def __init__(self, records: Sequence[_R]) -> None:
        self._records = list(records)
        self._names = [normalise_name(r.clean_name) for r in self._records]
        postings: defaultdict[str, list[int]] = defaultdict(list)
        for i, norm in enumerate(self._names):
            for gram in _trigrams(norm):
                postings[gram].append(i)
        # each list as an array of 4-byte indexes: half the memory, and read the same way
        self._postings = {gram: array("I", found) for gram, found in postings.items()}
        self._known = frozenset(self._names)

    def has(self, name: str) -> bool:
        """Whether an indexed name is ``name`` once normalised."""
        return normalise_name(name) in self._known

    def closest(self, name: str, n: int, cutoff: float) -> list[_R]:
        """Up to ``n`` records whose normalised names are most like ``name``, best
        first, each with a :mod:`difflib` ratio of at least ``cutoff``."""
        query = normalise_name(name)
        if n <= 0 or not query:
            return []
        # in a fixed order (a set's order changes with each process's string hashing)
        lists: list[Sequence[int]] = [self._postings.get(g, ()) for g in sorted(_trigrams(query))]
        # Trigrams of common words ("care", "home") vote for thousands of names and
        # tell little: count them only when the query has few rarer trigrams.
        common = max(self.COMMON, int(len(self._names) * self.COMMON_SHARE))
        rare = [p for p in lists if len(p) <= common]
        counts = Counter(chain.from_iterable(rare if len(rare) >= 4 else lists))
        # the names sharing the most trigrams; among equals, the first in the export
        shortlist = [i for i, _ in heapq.nsmallest(max(self.SHORTLIST, n), counts.items(), key=_most_shared)]
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(query)
        bounds = []  # (-upper bound of the ratio, position in the shortlist, index)
        in_query = Counter(query)
        for k, i in enumerate(shortlist):
            name = self._names[i]
            total = len(name) + len(query)
            if 2.0 * min(len(name), len(query)) / total >= cutoff:  # SequenceMatcher.real_quick_ratio
                # its quick_ratio (the characters in common)
                in_name = Counter(name)  # not kept: a name's counts for every name would be megabytes
                shared = sum(v if v < in_query[c] else in_query[c] for c, v in in_name.items() if c in in_query)
                bounds.append((-(2.0 * shared / total), k, i))
        bounds.sort()  # the likeliest first: the n-th best ratio soon rules out the rest
        best: list[tuple[float, int]] = []  # (-ratio, index), kept sorted, at most n
        for bound, _, i in bounds:
            floor = -best[-1][0] if len(best) == n else cutoff
            if -bound < floor:
                break  # no candidate left can reach the n best (nor a ratio equal to the n-th)
            if len(best) == n and (bound, i) > best[-1]:
                continue  # at best equal to the n-th best, which is first by index
            matcher.set_seq1(self._names[i])
            ratio = matcher.ratio()
            if ratio >= floor:
                bisect.insort(best, (-ratio, i))
                del best[n:]
        return [self._records[i] for _, i in best]


def _most_shared(item: tuple[int, int]) -> tuple[int, int]:
    """Sort key of a (name index, shared trigrams) pair: most shared first, then the
    earlier name, so that the same names are compared in every run."""
    index, shared = item
    return -shared, index


def _trigrams(norm: str) -> set[str]:
    padded = f"  {norm} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}
