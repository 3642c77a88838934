"""The provider market on a date: where every provider in the register stands, what
changed since earlier DSPT exports, and the figures a commissioner reports.

Everything here is computed from a register, the current export and any earlier exports;
nothing is read or written. The positions in each export and the changes between them are
:mod:`contractgen.overview.snapshots`'s (the change kinds are described there).
:mod:`contractgen.overview.write` reads the inputs and writes the files.
"""

from __future__ import annotations

import datetime as dt
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from ..audit.score import ProviderAudit
from ..dspt.case import CE, CaseState, latest_certificate
from ..dspt.case import Certificate as CaseCertificate
from ..dspt.export import DsptExport
from ..dspt.followup import provider_certificate
from ..dspt.register import Provider
from ..dspt.status import DsptRecord
from .snapshots import (
    COUNTS,
    MEETS,
    STANDINGS,
    Change,
    ChangeKind,
    Changes,
    Position,
    Positions,
    Snapshot,
    Standing,
    Terms,
    assess,
    changes_since,
    take_snapshot,
)

#: The horizons (days from the date) of "publications that stop counting".
EXPIRY_HORIZONS = (30, 60, 90)
#: Cyber Essentials certificates expiring within this many days are listed.
CERTIFICATE_HORIZON = 90
#: The service type of a provider that is not in the current export.
NO_SERVICE_TYPE = "Not in the DSPT export"


def service_type_of(record: DsptRecord | None) -> str:
    """A provider's service type: its record's Primary Sector, or :data:`NO_SERVICE_TYPE`."""
    return (record.sector if record is not None and record.sector else None) or NO_SERVICE_TYPE

#: What the overview's other modules and its callers import from here (some defined in .snapshots).
__all__ = [
    "CERTIFICATE_HORIZON", "EXPIRY_HORIZONS", "NO_SERVICE_TYPE", "Certificate", "Change", "ChangeKind", "Changes",
    "Market", "Position", "Positions", "Share", "Snapshot", "Standing", "Terms", "assess", "changes_since",
    "survey_market", "take_snapshot",
]


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
    changes: tuple[tuple[Snapshot, Changes], ...]  # per earlier export
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
    def positions(self) -> Positions:
        """Every provider's position now, in register order, each made as it is read."""
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
        return service_type_of(position.record)

    def by_tier(self) -> dict[str, Share]:
        """Meeting their tier, per tier (every tier of the library, in its order)."""
        meets = (MEETS[s] for s in self.current.standings)
        return _shares(zip((p.tier for p in self.providers), meets), self.tiers)

    def by_service_type(self) -> dict[str, Share]:
        """Meeting their tier, per service type (the export's Primary Sector), by name."""
        now = self.current
        met: dict[str, int] = {}
        total: dict[str, int] = {}
        for i, standing in enumerate(now.standings):
            kind = service_type_of(now.record(i))
            total[kind] = total.get(kind, 0) + 1
            met[kind] = met.get(kind, 0) + MEETS[standing]
        types = sorted(set(total) - {NO_SERVICE_TYPE}, key=str.casefold)
        if NO_SERVICE_TYPE in total:
            types.append(NO_SERVICE_TYPE)
        return {t: Share(met[t], total[t]) for t in types}

    def by_standing(self) -> dict[Standing, int]:
        return {s: self.current.count(s) for s in Standing}

    def stopping_within(self, days: int, limit: int | None = None) -> list[tuple[Provider, Position]]:
        """Publications that count today and stop counting within ``days`` days, soonest
        first (``valid_until - as_of <= days``); the first ``limit`` of them if given."""
        order = self._counting[0][:self.stopping_count(days)]
        return [(self.providers[i], self.current.position(i)) for i in order[:limit]]

    def stopping_count(self, days: int) -> int:
        """How many publications :meth:`stopping_within` ``days`` lists."""
        return bisect_right(self._counting[1], days)

    @cached_property
    def _counting(self) -> tuple[array[int], array[int]]:
        """Publications that count today (the providers' indices) and the days each has
        left, soonest first, then in register order: sorted once for every horizon of
        :meth:`stopping_within`."""
        now = self.current
        rows = [(last, self.providers[i].row, i) for i, standing in enumerate(now.standings)
                if COUNTS[standing] and (last := now.contractual(i).valid_until) is not None]
        rows.sort()
        return array("I", (i for _, _, i in rows)), array("l", ((last - self.as_of).days for last, _, _ in rows))

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
        return list(self.iter_referrals())

    def iter_referrals(self) -> Iterator[tuple[Provider, Position]]:
        """:meth:`referrals`, each position made as it is read."""
        for i in self._referrals:
            yield self.providers[i], self.current.position(i)

    @property
    def referral_count(self) -> int:
        return len(self._referrals)

    @cached_property
    def _referrals(self) -> array[int]:
        """The referred providers' indices in the register. The standing alone rules most
        providers out; a position is made only for those it does not (Position.needs_support
        reads the standing again, and the status)."""
        now = self.current
        return array("I", (i for i, (p, standing) in enumerate(zip(self.providers, now.standings))
                           if STANDINGS[standing].needs_support and now.position(i).needs_support and not self.opted_out(p)))

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
        if isinstance(changes, Changes):
            return dict(changes.counts)
        return {k: sum(c.kind is k for c in changes) for k in ChangeKind}


def _shares(pairs: Iterable[tuple[str, bool]], keys: Sequence[str]) -> dict[str, Share]:
    """Per key, how many of ``(key, meets its tier)`` meet their tier, of how many."""
    met = {k: 0 for k in keys}
    total = {k: 0 for k in keys}
    for key, meets in pairs:
        total[key] += 1
        met[key] += meets
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
    changes = tuple((s, changes_since(s, now)) for s in earlier)
    return Market(current[2], tuple(providers), tuple(tiers), terms, now, earlier, changes, audits,
                  certificates_recorded=certificates_recorded, cases=cases)
