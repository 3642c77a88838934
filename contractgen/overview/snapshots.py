"""Where every provider of a register stands in one DSPT export, and what changed since
an earlier one: the positions :mod:`contractgen.overview.market` counts and lists.

Every provider's contractual position in an export comes from :func:`take_snapshot`
(:func:`assess` for one provider), the same model the letters use. A snapshot holds its
positions compactly, and the changes since an earlier export hold only their counts and
a few bytes a changed provider; a position or a change is made when it is read. So
beyond its inputs an overview holds a few bytes a provider, not a position per provider
in each export.

The change kinds, comparing a provider's position in an earlier export (as of that
export's date) with its position now:

* ``newly met``: it did not meet its tier then and meets it now;
* ``newly lapsed``: it had a publication that counted then, and its latest publication
  no longer counts now;
* ``fell a level``: it has a publication that counts both then and now, and the status
  now is lower on the ladder Standards Exceeded > Standards Met > Approaching Standards >
  the rest (Standards Not Met, plan agreed, Entry Level);
* ``new to the register``: its ODS code was not in the earlier export and is in the
  current one (it registered on the DSPT);
* ``left the register``: its ODS code was in the earlier export and is not in the
  current one.

A provider can have more than one change (new to the register and newly met).
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from itertools import islice
from typing import Any, overload

from ..base.names import normalise_name
from ..dspt.case import CaseState
from ..dspt.export import DsptExport
from ..dspt.followup import apply_certificate, certificate_key, provider_certificate
from ..dspt.position import ContractTerms, ContractualPosition, LetterKind, assess_position, with_record
from ..dspt.register import Provider
from ..dspt.status import DsptRecord, DsptStatus


class Standing(str, Enum):
    """A provider's contractual position in the overview; the value is its label."""

    MEETS = "meets tier"
    RENEW = "renewal due"
    IMPROVE = "below tier"
    #: Advanced tier, Standards Exceeded on record, but no Cyber Essentials Plus
    #: certificate recorded: neither meeting nor below, unknown until one is recorded.
    UNRECORDED = "certificate not recorded"
    REMEDY = "standards not met"
    LAPSED = "lapsed"
    NOT_PUBLISHED = "not published"
    NOT_FOUND = "not found"
    HELD = "held for review"

    @property
    def meets_tier(self) -> bool:
        return self in (Standing.MEETS, Standing.RENEW)

    @property
    def counts(self) -> bool:
        """Whether a publication counts on the date (whatever it meets)."""
        return self in (Standing.MEETS, Standing.RENEW, Standing.IMPROVE, Standing.REMEDY, Standing.UNRECORDED)

    @property
    def needs_support(self) -> bool:
        """Whether a Local Support Organisation should be told (lso-referrals.csv). A
        provider held for review is the council's to check first: its code is likely
        mistyped; one whose certificate is not recorded meets the DSPT side of its tier."""
        return not self.meets_tier and self not in (Standing.HELD, Standing.UNRECORDED)

    @property
    def key(self) -> str:
        """A short machine name: ``meets``, ``not-found`` (HTML classes, filters)."""
        return self.name.lower().replace("_", "-")


class ChangeKind(str, Enum):
    """How a provider's position changed since an earlier export (see the module)."""

    NEWLY_MET = "newly met"
    NEWLY_LAPSED = "newly lapsed"
    FELL_A_LEVEL = "fell a level"
    JOINED = "new to the register"
    LEFT = "left the register"


#: The schedule's terms for each tier (:func:`contractgen.dspt.position.contract_terms`).
Terms = Mapping[str, ContractTerms]


@dataclass(frozen=True)
class Position:
    """A provider's position on a date, from its record in one export: the contractual
    position the letters use, and where the overview puts it."""

    standing: Standing
    contractual: ContractualPosition

    @property
    def record(self) -> DsptRecord | None:
        return self.contractual.record

    @property
    def valid_until(self) -> dt.date | None:
        """The last day the latest publication counts."""
        return self.contractual.valid_until

    @property
    def reason(self) -> str:
        return self.contractual.reason

    @property
    def meets_tier(self) -> bool:
        return self.standing.meets_tier

    @property
    def counts(self) -> bool:
        """Whether a publication counts on the date (whatever it meets)."""
        return self.standing.counts

    @property
    def needs_support(self) -> bool:
        """Whether to refer the provider to the Local Support Organisation: its standing
        needs support, unless a current Standards Met (or better) publication is all it
        has, its only gap being a Cyber Essentials Plus certificate (paid, not DSPT help)."""
        status = self.contractual.status
        only_certificate = (self.standing is Standing.IMPROVE and status is not None
                            and status.meets(DsptStatus.STANDARDS_MET))
        return self.standing.needs_support and not only_certificate

    @property
    def status_text(self) -> str:
        if self.record is None:
            return "not in the export"
        return self.record.status_text


_STANDINGS = {
    LetterKind.CONFIRM: Standing.MEETS,
    LetterKind.RENEW: Standing.RENEW,
    LetterKind.IMPROVE: Standing.IMPROVE,
    LetterKind.REMEDY: Standing.REMEDY,
    LetterKind.LAPSED: Standing.LAPSED,
    LetterKind.CERTIFICATE: Standing.IMPROVE,  # Advanced tier without a current CE Plus certificate
}


def assess(provider: Provider, export: DsptExport, terms: Terms, as_of: dt.date, *, held: bool = False, case: CaseState | None = None) -> Position:
    """A provider's position as of ``as_of``: the one adapter onto the letters' model
    (:func:`~contractgen.dspt.position.assess_position`). With ``held``, a provider whose
    code is not in the export but one close to it is (with a name alike) is held for
    review, as the letters hold it. The Advanced tier's certificate is counted as the
    letters count it (the register's, or the case record's ``case`` when later)."""
    cases = None if case is None else {provider.ods_code: case}
    return take_snapshot([provider], export, export.file, as_of, terms, held=held, cases=cases).position(0)


def _standing(record: DsptRecord | None, contractual: ContractualPosition) -> Standing | None:
    """Where the overview puts a provider whose record is ``record`` and position
    ``contractual`` (the position shared by its kind of record, which holds no record);
    ``None`` when it is not in the export (not found, or held for review)."""
    if contractual.certificate_unrecorded:
        return Standing.UNRECORDED
    if contractual.kind is not LetterKind.START:
        return _STANDINGS[contractual.kind]
    if record is not None:
        return Standing.NOT_PUBLISHED
    return None


def held_for_review(export: DsptExport, providers: Sequence[Provider]) -> list[bool]:
    """Whether :meth:`~contractgen.dspt.export.DsptExport.near_matches` finds a record for
    each of ``providers`` (none of them in ``export``), asked only when it can: a code one
    character away shares a code or a code less one character with the provider's, and a
    name alike once normalised is one of the export's normalised names. The export is
    read once for all of them, and nothing is kept of it (no index of its codes)."""
    codes: dict[str, list[int]] = {}
    names: dict[str, list[int]] = {}
    for n, provider in enumerate(providers):
        for variant in _less_one(provider.ods_code.strip().upper()):
            codes.setdefault(variant, []).append(n)
        names.setdefault(normalise_name(provider.name), []).append(n)
    near_code, named = [False] * len(providers), [False] * len(providers)
    if providers:
        for record in export:
            for variant in _less_one(record.code):
                for n in codes.get(variant, ()):
                    near_code[n] = True
            for n in names.get(_normalise_once(record.clean_name), ()):
                named[n] = True
    # without its name among the export's, only the codes one character away can match
    return [(near_code[n] or named[n])
            and bool(export.near_matches(p.ods_code, p.name, None if named[n] else []))
            for n, p in enumerate(providers)]


#: :func:`~contractgen.base.names.normalise_name` without its cache: each of the export's
#: names is normalised once here, and caching them all would keep them (2 MB for 10,000).
_normalise_once = normalise_name.__wrapped__


def _less_one(code: str) -> set[str]:
    """The code and the code less each one of its characters: two codes one character
    apart (changed, added, dropped, two neighbours swapped) always share one of these."""
    return {code, *(code[:i] + code[i + 1:] for i in range(len(code)))}


# --------------------------------------------------------------------------- snapshots

#: Every standing, in order: a snapshot holds each provider's as its index here.
STANDINGS = tuple(Standing)
_INDEX = {s: i for i, s in enumerate(STANDINGS)}
#: By a standing's index: whether it meets the tier, and whether a publication counts.
MEETS = tuple(s.meets_tier for s in STANDINGS)
COUNTS = tuple(s.counts for s in STANDINGS)
_LAPSED = _INDEX[Standing.LAPSED]


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Every provider's position in one export, as of the export's date.

    Held compactly, a few bytes a provider, not a position each: each provider's
    standing (one byte) and the index of
    its contractual position among the few distinct ones (positions differ by kind of
    record, tier and certificate; only the record differs between providers of a kind).
    A :class:`Position` is made, with the provider's own record, when it is read.
    """

    label: str  # the export's file name
    date: dt.date
    providers: Sequence[Provider] = field(repr=False)
    export: DsptExport = field(repr=False)
    #: each provider's standing (its index in ``Standing``), in register order
    standings: bytes = field(repr=False)
    #: each provider's contractual position: its index in ``shared``, in register order
    kinds: array[int] = field(repr=False)
    #: the distinct contractual positions, without a record
    shared: tuple[ContractualPosition, ...] = field(repr=False)

    @property
    def positions(self) -> Positions:
        """Every provider's position, in register order, each made as it is read."""
        return Positions(self)

    def position(self, index: int) -> Position:
        """The position of the register's ``index``-th provider, with its own record."""
        record = self.export.by_code(self.providers[index].ods_code)
        shared = self.shared[self.kinds[index]]
        return Position(STANDINGS[self.standings[index]], shared if record is None else with_record(shared, record))

    def contractual(self, index: int) -> ContractualPosition:
        """The provider's contractual position, without its record (what it shares)."""
        return self.shared[self.kinds[index]]

    def record(self, index: int) -> DsptRecord | None:
        return self.export.by_code(self.providers[index].ods_code)

    @cached_property
    def meeting(self) -> int:
        return sum(self.standings.count(_INDEX[s]) for s in Standing if s.meets_tier)

    def count(self, standing: Standing) -> int:
        return self.standings.count(_INDEX[standing])


class Positions(Sequence[Position]):
    """A snapshot's positions, in register order, each made when it is read (none held)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot

    def __len__(self) -> int:
        return len(self._snapshot.standings)

    @overload
    def __getitem__(self, index: int) -> Position: ...

    @overload
    def __getitem__(self, index: slice) -> list[Position]: ...

    def __getitem__(self, index: int | slice) -> Position | list[Position]:
        indices = range(len(self))
        if isinstance(index, slice):
            return [self._snapshot.position(i) for i in indices[index]]
        return self._snapshot.position(indices[index])

    def __iter__(self) -> Iterator[Position]:
        return map(self._snapshot.position, range(len(self)))


def take_snapshot(
    providers: Sequence[Provider], export: DsptExport, label: str, date: dt.date, terms: Terms,
    *, held: bool = False, cases: Mapping[str, CaseState] | None = None,
) -> Snapshot:
    """Every provider's position in ``export`` as of ``date``: worked out once per tier,
    kind of record (what :func:`~contractgen.dspt.position.assess_position` reads of a
    record: status, assessment year, publication date) and certificate (Advanced tier:
    :func:`~contractgen.dspt.followup.apply_certificate`), and shared."""
    found: dict[tuple[Any, ...], int] = {}
    shared: list[ContractualPosition] = []
    standings = bytearray(len(providers))
    kinds = array("I", [0]) * len(providers)
    missing: list[int] = []  # not in the export: not found, or held for review
    for i, provider in enumerate(providers):
        record = export.by_code(provider.ods_code)
        certificate = provider_certificate(provider, cases.get(provider.ods_code) if cases else None)
        kind = None if record is None else (record.status, record.year, record.publication_date)
        # a certificate changes only the positions of a tier whose minimum is Standards Exceeded
        key = (provider.tier, kind, certificate_key(certificate, terms[provider.tier]))
        index = found.get(key)
        if index is None:
            contractual = apply_certificate(assess_position(record, terms[provider.tier], date), certificate)
            index = found[key] = len(shared)
            shared.append(with_record(contractual, None))
        kinds[i] = index
        standing = _standing(record, shared[index])
        if standing is None:
            standing = Standing.NOT_FOUND
            missing.append(i)
        standings[i] = _INDEX[standing]
    if held:
        for i, near in zip(missing, held_for_review(export, [providers[i] for i in missing])):
            if near:
                standings[i] = _INDEX[Standing.HELD]
    return Snapshot(label, date, providers, export, bytes(standings), kinds, tuple(shared))


@dataclass(frozen=True)
class Change:
    """One provider's change of one kind since an earlier export."""

    provider: Provider
    kind: ChangeKind
    since: Snapshot
    before: Position
    after: Position


class Changes(Sequence[Change]):
    """Every change of every provider from ``since`` to ``now``, in register order, each
    made when it is read: only the counts of each kind are held, and for each provider
    that changed its index in the register and its kinds of change (five bytes)."""

    def __init__(self, since: Snapshot, now: Snapshot) -> None:
        self.since, self.now = since, now
        counts = dict.fromkeys(ChangeKind, 0)
        self._changed = array("I")
        self._kinds_of = bytearray()  # a bit for each kind (_BITS)
        for i, kinds in self._kinds():
            self._changed.append(i)
            self._kinds_of.append(sum(_BITS[kind] for kind in kinds))
            for kind in kinds:
                counts[kind] += 1
        self.counts: Mapping[ChangeKind, int] = counts
        self._length = sum(counts.values())

    def _kinds(self) -> Iterator[tuple[int, list[ChangeKind]]]:
        """Each provider that changed (its index in the register) and its kinds of change."""
        since, now = self.since, self.now
        for i, (before, after) in enumerate(zip(since.standings, now.standings)):
            old, new = since.record(i), now.record(i)
            kinds = []
            if old is None and new is not None:
                kinds.append(ChangeKind.JOINED)
            if old is not None and new is None:
                kinds.append(ChangeKind.LEFT)
            if MEETS[after] and not MEETS[before]:
                kinds.append(ChangeKind.NEWLY_MET)
            if COUNTS[before] and after == _LAPSED:
                kinds.append(ChangeKind.NEWLY_LAPSED)
            if COUNTS[before] and COUNTS[after] and _level(new) < _level(old):
                kinds.append(ChangeKind.FELL_A_LEVEL)
            if kinds:
                yield i, kinds

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[Change]:
        since, now = self.since, self.now
        for i, bits in zip(self._changed, self._kinds_of):
            provider, before, after = since.providers[i], since.position(i), now.position(i)
            for kind in _LISTED:
                if bits & _BITS[kind]:
                    yield Change(provider, kind, since, before, after)

    @overload
    def __getitem__(self, index: int) -> Change: ...

    @overload
    def __getitem__(self, index: slice) -> list[Change]: ...

    def __getitem__(self, index: int | slice) -> Change | list[Change]:
        if isinstance(index, slice):
            if index.start is None and index.step is None and index.stop is not None and index.stop >= 0:
                return list(islice(self, index.stop))  # the first few (a page's list)
            return list(self)[index]
        position = range(self._length)[index]
        return next(islice(self, position, None))


#: The order a provider's changes are listed in, and each kind's bit.
_LISTED = (ChangeKind.JOINED, ChangeKind.LEFT, ChangeKind.NEWLY_MET, ChangeKind.NEWLY_LAPSED, ChangeKind.FELL_A_LEVEL)
_BITS = {kind: 1 << n for n, kind in enumerate(_LISTED)}


#: The ladder "fell a level" reads: Exceeded 3, Met 2, Approaching 1, the rest 0.
def _level(record: DsptRecord | None) -> int:
    assert record is not None
    return record.status.rank or 0


def changes_since(before: Snapshot, now: Snapshot) -> Changes:
    """Every change of every provider from ``before`` to ``now``, in register order."""
    return Changes(before, now)
