"""A batch's letters, decided once and never all held: which providers of the register
get a letter, of what kind, under what file name.

Deciding a batch (:func:`choose_letters`) goes through the register once: each
provider's position, the providers held for review or not found in the export, and
each letter's file name (unique among the names given before it; the folder is checked
later). What it keeps is what the register and the export already hold, and an index
per letter: a letter (:class:`LetterJob`) is made again, the same, when it is written
or read (:class:`Batch`), since a provider's position is a function of its record, its
terms, the day, its case and its certificate (:class:`PositionFinder`). So the memory
of a batch of 10,000 letters is the register's and the export's, not 10,000 positions,
names and letters beside them.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Collection, Iterator, Mapping, Sequence, overload

from ..dspt.case import CaseState
from ..dspt.export import DsptExport
from ..dspt.followup import assess_case_position, provider_certificate
from ..dspt.position import ContractualPosition, LetterKind
from ..dspt.register import Provider
from ..dspt.terms import ContractTerms
from .filenames import FileNames, plain_file_name


@dataclass(frozen=True, slots=True)
class LetterJob:
    """One letter to write: who, in what position, where."""

    provider: Provider
    position: ContractualPosition
    file: str  # relative to the output folder


@dataclass(frozen=True)
class PositionFinder:
    """How a provider's position is found: its record in the export (none without one),
    its tier's terms, the day, its case in the case record (by ODS code) and its Cyber
    Essentials Plus certificate (the register's or the case record's)."""

    export: DsptExport | None
    terms: Mapping[str, ContractTerms]
    as_of: dt.date
    cases: Mapping[str, CaseState] = field(default_factory=dict)

    def of(self, provider: Provider) -> ContractualPosition:
        export = self.export
        record = export.by_code(provider.ods_code) if export is not None else None
        case = self.cases.get(provider.ods_code)
        return assess_case_position(
            record, self.terms[provider.tier], self.as_of, case=case,
            certificate=provider_certificate(provider, case), checked=export is not None,
        )


class Batch(Sequence[LetterJob]):
    """The letters of a batch, in the register's order: a sequence of
    :class:`LetterJob`, each made when it is taken. What is
    held is the register's providers, the index of each one that gets a letter, and the
    few file names that are not the provider's plain one (two names alike)."""

    def __init__(self, providers: Sequence[Provider], positions: PositionFinder) -> None:
        self.providers = providers
        self.positions = positions
        self.chosen = array("l")  # indices into providers
        self.renamed: dict[int, str] = {}  # by index into chosen: a name with a counter
        self.kinds: Counter[LetterKind] = Counter()
        self.first_of_each: dict[tuple[str, LetterKind], int] = {}  # (tier, kind): its first letter's index

    def add(self, index: int, kind: LetterKind, renamed: str | None = None) -> None:
        """Provider ``index``'s letter, of ``kind``; ``renamed``: its file name when it is
        not the plain one (:func:`~contractgen.letters.filenames.plain_file_name`)."""
        provider = self.providers[index]
        if renamed is not None:
            self.renamed[len(self.chosen)] = renamed
        self.first_of_each.setdefault((provider.tier, kind), len(self.chosen))
        self.chosen.append(index)
        self.kinds[kind] += 1

    def without(self, letters: Collection[int]) -> Batch:
        """The batch without the letters at ``letters`` (indices into it), for the
        workers to write (its ``kinds`` and ``first_of_each`` are left empty)."""
        left = Batch(self.providers, self.positions)
        for i, index in enumerate(self.chosen):
            if i not in letters:
                if i in self.renamed:
                    left.renamed[len(left.chosen)] = self.renamed[i]
                left.chosen.append(index)
        return left

    def file(self, i: int) -> str:
        """The file name of letter ``i`` (relative to the output folder)."""
        i = range(len(self.chosen))[i]
        return self.renamed.get(i) or plain_file_name(self.providers[self.chosen[i]])

    def files(self) -> Iterator[str]:
        return (self.file(i) for i in range(len(self.chosen)))

    def __len__(self) -> int:
        return len(self.chosen)

    @overload
    def __getitem__(self, i: int) -> LetterJob: ...

    @overload
    def __getitem__(self, i: slice) -> list[LetterJob]: ...

    def __getitem__(self, i: int | slice) -> LetterJob | list[LetterJob]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self.chosen)))]
        i = range(len(self.chosen))[i]  # as a list reads it (-1: the last letter), or IndexError
        provider = self.providers[self.chosen[i]]
        return LetterJob(provider, self.positions.of(provider), self.file(i))

    def __iter__(self) -> Iterator[LetterJob]:
        return (self[i] for i in range(len(self.chosen)))


@dataclass
class Choice:
    """What :func:`choose_letters` decided: the batch, and the providers with no letter
    or no record in the export (with names found there)."""

    batch: Batch
    held: list[tuple[Provider, list[str]]] = field(default_factory=list)  # near matches: no letter
    unmatched: list[tuple[Provider, list[str]]] = field(default_factory=list)  # start letter, closest names
    #: Entries of ``unmatched`` whose closest names are not needed to decide (no record
    #: has the provider's name): left empty for :func:`find_closest_names` to fill.
    later: list[tuple[Provider, list[str]]] = field(default_factory=list)


def choose_letters(
    providers: Sequence[Provider], positions: PositionFinder, kinds_wanted: set[str], *, closest_later: bool = False,
) -> Choice:
    """Each provider's letter (of the ``kinds_wanted``, all when empty) and its file name.

    A provider whose code is not in the export but has a near match there is held (no
    letter); one with no near match gets a start letter and is listed with the closest
    names. With ``closest_later`` the closest names are not looked up where they are not
    needed to decide (no record has the provider's name): see :attr:`Choice.later`."""
    export = positions.export
    choice = Choice(Batch(providers, positions))
    names = FileNames()
    for index, p in enumerate(providers):
        position = positions.of(p)
        if kinds_wanted and position.kind.value not in kinds_wanted:
            continue
        if export is not None and position.record is None:
            # near_matches looks among the closest names only for the same name, normalised
            later = closest_later and not export.has_name(p.name)
            closest = [] if later else export.closest_names(p.name, 3)
            near = export.near_matches(p.ods_code, p.name, closest)
            if near:  # a mistyped code, most likely: a person must look before any letter
                choice.held.append((p, [f"{r.code} {r.clean_name}" for r in near]))
                continue
            choice.unmatched.append((p, [f"{r.code} {r.clean_name}" for r in closest]))
            if later:
                choice.later.append(choice.unmatched[-1])
        plain = plain_file_name(p)
        file = names.next(p, plain)
        choice.batch.add(index, position.kind, file if file != plain else None)
    return choice


def find_closest_names(export: DsptExport | None, unmatched: Sequence[tuple[Provider, list[str]]]) -> None:
    """Fill each provider's list of the closest names in the export (left empty by
    :func:`choose_letters` with ``closest_later``)."""
    if export is not None:
        for provider, close in unmatched:
            close[:] = [f"{r.code} {r.clean_name}" for r in export.closest_names(provider.name, 3)]


__all__ = ["Batch", "Choice", "LetterJob", "PositionFinder", "choose_letters", "find_closest_names"]
