"""The provider market on a date: where every provider in the register stands, what
changed since earlier DSPT exports, and the figures a commissioner reports.

Everything here is computed from a register, the current export and any earlier exports;
nothing is read or written. A provider's contractual position comes from one function,
:func:`assess`, the same model the letters use. :mod:`contractgen.overview.write` reads the
inputs and writes the files.

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cached_property

from ..audit.score import ProviderAudit
from ..base.names import normalise_name
from ..dspt.case import CE, CaseState, latest_certificate
from ..dspt.case import Certificate as CaseCertificate
from ..dspt.export import DsptExport
from ..dspt.followup import apply_certificate, provider_certificate
from ..dspt.position import ContractTerms, ContractualPosition, LetterKind, assess_position
from ..dspt.register import Provider
from ..dspt.status import DsptRecord, DsptStatus

#: The horizons (days from the date) of "publications that stop counting".
EXPIRY_HORIZONS = (30, 60, 90)
#: Cyber Essentials certificates expiring within this many days are listed.
CERTIFICATE_HORIZON = 90
#: The service type of a provider that is not in the current export.
NO_SERVICE_TYPE = "Not in the DSPT export"


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
        return self.standing in (Standing.MEETS, Standing.RENEW, Standing.IMPROVE, Standing.REMEDY, Standing.UNRECORDED)

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
    return Assessor(export, terms, as_of, held=held).position(provider, case)


class Assessor:
    """:func:`assess` for every provider of a register in one export on one date, fast.

    The letters' model works a position out once per tier and kind of record (status,
    assessment year, publication date) and copies it with each provider's own record
    (:func:`~contractgen.dspt.position.assess_position`). A
    provider not in the export is looked for among the export's names only when one of
    them is its name once normalised (the only names
    :meth:`~contractgen.dspt.export.DsptExport.near_matches` can add)."""

    def __init__(self, export: DsptExport, terms: Terms, as_of: dt.date, *, held: bool = False) -> None:
        self.export, self.terms, self.as_of, self.held = export, terms, as_of, held
        self._names: frozenset[str] | None = None
        self._codes: frozenset[str] | None = None

    def position(self, provider: Provider, case: CaseState | None = None) -> Position:
        record = self.export.by_code(provider.ods_code)
        base = assess_position(record, self.terms[provider.tier], self.as_of)
        contractual = apply_certificate(base, provider_certificate(provider, case))
        if contractual.certificate_unrecorded:
            standing = Standing.UNRECORDED
        elif contractual.kind is not LetterKind.START:
            standing = _STANDINGS[contractual.kind]
        elif record is not None:
            standing = Standing.NOT_PUBLISHED
        elif self.held and self._near(provider):
            standing = Standing.HELD
        else:
            standing = Standing.NOT_FOUND
        return Position(standing, contractual)

    def _near(self, provider: Provider) -> bool:
        """Whether :meth:`~contractgen.dspt.export.DsptExport.near_matches` finds a record
        for a provider not in the export, asked only when it can: a code one character
        away shares a code or a code less one character with ``provider``'s, and a name
        alike once normalised is one of the export's normalised names."""
        if self._names is None or self._codes is None:
            self._names = frozenset(normalise_name(r.clean_name) for r in self.export)
            self._codes = frozenset(v for r in self.export for v in _less_one(r.code))
        code = provider.ods_code.strip().upper()
        named = normalise_name(provider.name) in self._names
        if not named and self._codes.isdisjoint(_less_one(code)):
            return False
        # without its name among the export's, only the codes one character away can match
        closest: list[DsptRecord] | None = None if named else []
        return bool(self.export.near_matches(provider.ods_code, provider.name, closest))


def _less_one(code: str) -> set[str]:
    """The code and the code less each one of its characters: two codes one character
    apart (changed, added, dropped, two neighbours swapped) always share one of these."""
    return {code, *(code[:i] + code[i + 1:] for i in range(len(code)))}




# --------------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class Snapshot:
    """Every provider's position in one export, as of the export's date."""

    label: str  # the export's file name
    date: dt.date
    positions: tuple[Position, ...]  # in register order

    @cached_property
    def meeting(self) -> int:
        return sum(p.meets_tier for p in self.positions)

    def count(self, standing: Standing) -> int:
        return sum(p.standing is standing for p in self.positions)


def take_snapshot(
    providers: Sequence[Provider], export: DsptExport, label: str, date: dt.date, terms: Terms,
    *, held: bool = False, cases: Mapping[str, CaseState] | None = None,
) -> Snapshot:
    assessor = Assessor(export, terms, date, held=held)
    positions = tuple(assessor.position(p, (cases or {}).get(p.ods_code)) for p in providers)
    return Snapshot(label, date, positions)


@dataclass(frozen=True)
class Change:
    """One provider's change of one kind since an earlier export."""

    provider: Provider
    kind: ChangeKind
    since: Snapshot
    before: Position
    after: Position


#: The ladder "fell a level" reads: Exceeded 3, Met 2, Approaching 1, the rest 0.
def _level(position: Position) -> int:
    assert position.record is not None
    return position.record.status.rank or 0


def changes_since(before: Snapshot, now: Snapshot, providers: Sequence[Provider]) -> list[Change]:
    """Every change of every provider from ``before`` to ``now``, in register order."""
    found: list[Change] = []
    for provider, old, new in zip(providers, before.positions, now.positions):
        kinds = []
        if old.record is None and new.record is not None:
            kinds.append(ChangeKind.JOINED)
        if old.record is not None and new.record is None:
            kinds.append(ChangeKind.LEFT)
        if new.meets_tier and not old.meets_tier:
            kinds.append(ChangeKind.NEWLY_MET)
        if old.counts and new.standing is Standing.LAPSED:
            kinds.append(ChangeKind.NEWLY_LAPSED)
        if old.counts and new.counts and _level(new) < _level(old):
            kinds.append(ChangeKind.FELL_A_LEVEL)
        found.extend(Change(provider, kind, before, old, new) for kind in kinds)
    return found


# ----------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Share:
    """``part`` of ``whole``, with the percentage as shown (one decimal place)."""

    part: int
    whole: int

    @property
    def percent(self) -> float:
        return round(100 * self.part / self.whole, 1) if self.whole else 0.0

    def __str__(self) -> str:
        return f"{self.part} of {self.whole} ({self.percent:.1f}%)"


@dataclass(frozen=True)
class Certificate:
    """A Cyber Essentials certificate that has expired or expires soon."""

    provider: Provider
    scheme: str  # "Cyber Essentials" or "Cyber Essentials Plus"
    expiry: dt.date

    def days_left(self, as_of: dt.date) -> int:
        """Days until it expires; negative once it has expired."""
        return (self.expiry - as_of).days

    def describe(self, as_of: dt.date) -> str:
        """``expired 12 days ago``, ``expires today``, ``40 days left``: never negative days left."""
        days = self.days_left(as_of)
        if days < 0:
            return f"expired {-days} day{'s' if days != -1 else ''} ago"
        if days == 0:
            return "expires today"
        return f"{days} day{'s' if days != 1 else ''} left"


@dataclass(frozen=True)
class Market:
    """The overview's data: providers and positions now, earlier snapshots, changes."""

    as_of: dt.date
    providers: tuple[Provider, ...]
    tiers: tuple[str, ...]
    terms: Terms
    current: Snapshot
    previous: tuple[Snapshot, ...]  # oldest first
    changes: tuple[tuple[Snapshot, tuple[Change, ...]], ...]  # per earlier export
    #: Each provider's latest business continuity plan audit, by ODS code; ``None`` when
    #: no audit scores were given (the overview then says nothing about audits).
    audits: Mapping[str, ProviderAudit] | None = None
    #: Whether the register has a Cyber Essentials expiry column: without one, nothing
    #: can be said about certificates ("not recorded").
    certificates_recorded: bool = True
    #: Each provider's case, by ODS code (the case record); ``None``: the overview says
    #: nothing about cases.
    cases: Mapping[str, CaseState] | None = None

    @property
    def positions(self) -> tuple[Position, ...]:
        return self.current.positions

    @property
    def rows(self) -> Iterable[tuple[Provider, Position]]:
        return zip(self.providers, self.positions)

    @property
    def snapshots(self) -> tuple[Snapshot, ...]:
        """Every export, oldest first, the current one last."""
        return (*self.previous, self.current)

    @property
    def meeting(self) -> Share:
        return Share(self.current.meeting, len(self.providers))

    @property
    def renewal_window_days(self) -> int:
        return next(iter(self.terms.values())).renewal_window_days

    def service_type(self, position: Position) -> str:
        record = position.record
        return (record.sector if record is not None and record.sector else None) or NO_SERVICE_TYPE

    def by_tier(self) -> dict[str, Share]:
        """Meeting their tier, per tier (every tier of the library, in its order)."""
        return _shares(((p.tier, pos) for p, pos in self.rows), self.tiers)

    def by_service_type(self) -> dict[str, Share]:
        """Meeting their tier, per service type (the export's Primary Sector), by name."""
        pairs = [(self.service_type(pos), pos) for pos in self.positions]
        types = sorted({t for t, _ in pairs} - {NO_SERVICE_TYPE}, key=str.casefold)
        if any(t == NO_SERVICE_TYPE for t, _ in pairs):
            types.append(NO_SERVICE_TYPE)
        return _shares(pairs, types)

    def by_standing(self) -> dict[Standing, int]:
        return {s: self.current.count(s) for s in Standing}

    def stopping_within(self, days: int) -> list[tuple[Provider, Position]]:
        """Publications that count today and stop counting within ``days`` days, soonest
        first (``valid_until - as_of <= days``)."""
        return [(p, pos) for p, pos, last in self._counting if (last - self.as_of).days <= days]

    @cached_property
    def _counting(self) -> list[tuple[Provider, Position, dt.date]]:
        """Publications that count today, with their last day, soonest first, then in
        register order: sorted once for every horizon of :meth:`stopping_within`."""
        rows = [(p, pos, pos.valid_until) for p, pos in self.rows if pos.counts and pos.valid_until is not None]
        return sorted(rows, key=lambda row: (row[2], row[0].row))

    def certificate_expiries(self, provider: Provider) -> tuple[dt.date | None, dt.date | None]:
        """The provider's Cyber Essentials and Cyber Essentials Plus expiry dates: the
        register's or the case record's, whichever is later (as the letters count the
        Plus one, :func:`~contractgen.dspt.followup.provider_certificate`); ``None`` when
        neither holds one."""
        case = self.case(provider)
        plus = provider_certificate(provider, case)
        basic = latest_certificate(
            CaseCertificate(CE, provider.cyber_essentials_expiry, source="register") if provider.cyber_essentials_expiry else None,
            case.ce_certificate if case is not None else None,
        )
        return (basic.expiry if basic else None), (plus.expiry if plus else None)

    @property
    def certificates_known(self) -> bool:
        """Whether anything is known of certificates: the register has a certificate
        column, or the case record holds a certificate for a provider of the register."""
        return self.certificates_recorded or any(
            c.certificate is not None or c.ce_certificate is not None for p in self.providers if (c := self.case(p)) is not None)

    def certificates(self) -> list[Certificate]:
        """Cyber Essentials (Plus) certificates expired, or expiring within
        :data:`CERTIFICATE_HORIZON` days, soonest first (register or case record, the
        later expiry of the two)."""
        found: list[Certificate] = []
        for p in self.providers:
            for scheme, expiry in zip(("Cyber Essentials", "Cyber Essentials Plus"), self.certificate_expiries(p)):
                if expiry is not None and (expiry - self.as_of).days <= CERTIFICATE_HORIZON:
                    found.append(Certificate(p, scheme, expiry))
        return sorted(found, key=lambda c: (c.expiry, c.provider.row, c.scheme))

    def referrals(self) -> list[tuple[Provider, Position]]:
        """Providers a Local Support Organisation should help, in register order,
        leaving out those that asked not to be referred (recorded in the case record)."""
        return list(self._referrals)

    @cached_property
    def _referrals(self) -> tuple[tuple[Provider, Position], ...]:
        return tuple((p, pos) for p, pos in self.rows if pos.needs_support and not self.opted_out(p))

    def case(self, provider: Provider) -> CaseState | None:
        return (self.cases or {}).get(provider.ods_code)

    def opted_out(self, provider: Provider) -> bool:
        """The provider asked not to be referred to the LSO (and no referral followed)."""
        case = self.case(provider)
        if case is None or case.lso_opted_out is None:
            return False
        return case.lso_referred is None or case.lso_referred < case.lso_opted_out

    def open_cases(self) -> list[tuple[Provider, CaseState]]:
        """Providers with an open case, in register order."""
        return [(p, c) for p in self.providers if (c := self.case(p)) is not None and c.open]

    def overdue_plans(self) -> list[tuple[Provider, CaseState, int]]:
        """Open cases whose Remedial Plan is overdue, with how many days, longest first."""
        rows = [(p, c, c.days_overdue(self.as_of)) for p, c in self.open_cases() if c.overdue(self.as_of)]
        return sorted(rows, key=lambda r: (-r[2], r[0].row))

    def lso_referrals(self) -> tuple[int, int]:
        """Referrals to the LSO recorded, and providers that asked not to be referred."""
        cases = [c for p in self.providers if (c := self.case(p)) is not None]
        return sum(c.lso_referred is not None for c in cases), sum(self.opted_out(p) for p in self.providers)

    def audit(self, provider: Provider) -> ProviderAudit | None:
        """The provider's latest audit, if audit scores were given and it has one."""
        return (self.audits or {}).get(provider.ods_code.upper())

    def audited(self) -> list[tuple[Provider, ProviderAudit]]:
        """Providers in the register with an audit, in register order."""
        return [(p, a) for p in self.providers if (a := self.audit(p)) is not None]

    def with_critical_gaps(self) -> list[tuple[Provider, ProviderAudit]]:
        """Providers whose latest audit has a critical gap, in register order."""
        return [(p, a) for p, a in self.audited() if a.critical_gaps]

    def change_counts(self, changes: Sequence[Change]) -> dict[ChangeKind, int]:
        return {k: sum(c.kind is k for c in changes) for k in ChangeKind}


def _shares(pairs: Iterable[tuple[str, Position]], keys: Sequence[str]) -> dict[str, Share]:
    met = {k: 0 for k in keys}
    total = {k: 0 for k in keys}
    for key, position in pairs:
        total[key] += 1
        met[key] += position.meets_tier
    return {k: Share(met[k], total[k]) for k in keys}


def survey_market(
    providers: Sequence[Provider],
    tiers: Sequence[str],
    terms: Terms,
    current: tuple[DsptExport, str, dt.date],
    previous: Sequence[tuple[DsptExport, str, dt.date]] = (),
    audits: Mapping[str, ProviderAudit] | None = None,
    *,
    certificates_recorded: bool = True,
    cases: Mapping[str, CaseState] | None = None,
) -> Market:
    """The market as of the current export's date, compared with each earlier export.

    Exports are ``(export, label, date)``; earlier ones are put in date order. Only the
    current export holds providers for review (in earlier ones they count as not found).
    ``audits`` (each provider's latest audit, by ODS code) is carried as given.
    """
    now = take_snapshot(providers, current[0], current[1], current[2], terms, held=True, cases=cases)
    earlier = tuple(
        take_snapshot(providers, export, label, date, terms)
        for export, label, date in sorted(previous, key=lambda e: (e[2], e[1]))
    )
    changes = tuple((s, tuple(changes_since(s, now, providers))) for s in earlier)
    return Market(current[2], tuple(providers), tuple(tiers), terms, now, earlier, changes, audits,
                  certificates_recorded=certificates_recorded, cases=cases)
