"""A provider's case over time: the events a contracts officer records, and the state
the position reads from them.

Events are append-only: a correction is a new event that ``supersedes`` an earlier one,
never an edit in place. :func:`case_state` folds a provider's events, oldest first, into
a :class:`CaseState`:

* a notice that asks for a Remedial Plan (it promises ``remedial_plan_due``) opens a
  case when none is open; later letters while it is open (overdue, progress, another
  shortfall notice) never restart its dates;
* plan received, agreed or rejected, an extension agreed (until a date), evidence
  received, certificates, LSO referral and opt-out, notes;
* ``closed`` (with a reason) ends the case; the next notice opens a new one.

This module is plain data: the database that keeps the events is
:mod:`contractgen.casebook`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable


class EventKind(str, Enum):
    """What happened; the value is the name ``contractgen case record`` takes."""

    NOTICE = "notice"  # a letter served: its kind, the dates it promised, its file
    PLAN_RECEIVED = "plan-received"
    PLAN_AGREED = "plan-agreed"
    PLAN_REJECTED = "plan-rejected"
    EXTENSION = "extension"  # a later date for reaching the tier, agreed in writing (until)
    EVIDENCE = "evidence"
    CERTIFICATE = "certificate"  # Cyber Essentials or Cyber Essentials Plus: number, issued, expiry
    LSO_REFERRAL = "lso-referral"
    LSO_OPT_OUT = "lso-opt-out"  # the provider asked not to be referred (paragraph 8.2(c))
    NOTE = "note"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


EVENT_LABELS = {
    EventKind.NOTICE: "letter served",
    EventKind.PLAN_RECEIVED: "Remedial Plan received",
    EventKind.PLAN_AGREED: "Remedial Plan agreed",
    EventKind.PLAN_REJECTED: "Remedial Plan rejected (changes asked for)",
    EventKind.EXTENSION: "later date agreed",
    EventKind.EVIDENCE: "evidence received",
    EventKind.CERTIFICATE: "certificate recorded",
    EventKind.LSO_REFERRAL: "referred to the Local Support Organisation",
    EventKind.LSO_OPT_OUT: "asked not to be referred to the Local Support Organisation",
    EventKind.NOTE: "note",
    EventKind.CLOSED: "case closed",
}

CE = "ce"
CE_PLUS = "ce-plus"
SCHEMES = {CE: "Cyber Essentials", CE_PLUS: "Cyber Essentials Plus"}


@dataclass(frozen=True)
class CaseEvent:
    """One recorded event. ``data`` holds the kind's details (ISO dates as text):
    notice: ``letter_kind``, ``remedial_plan_due``, ``standard_by``, ``response_by``,
    ``file``, ``sha256``; extension: ``until``; certificate: ``scheme``, ``number``,
    ``issued``, ``expiry``; closed: ``reason``; any: ``text``."""

    ods_code: str
    kind: EventKind
    date: dt.date
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    supersedes: int | None = None
    recorded_by: str = ""
    recorded_at: dt.datetime | None = None
    batch: str | None = None  # the sha256 of the report.csv of the letters it came with

    def day(self, key: str) -> dt.date | None:
        """A date in ``data``, or ``None``."""
        value = self.data.get(key)
        return dt.date.fromisoformat(value) if value else None

    def summary(self) -> str:
        """One line for a timeline."""
        d = self.data
        if self.kind is EventKind.NOTICE:
            dates = ", ".join(f"{name.replace('_', ' ')} {d[name]}" for name in ("remedial_plan_due", "standard_by", "response_by") if d.get(name))
            text = f"{d.get('letter_kind', '')} letter served" + (f" ({dates})" if dates else "")
            return text + (f": {d['file']}" if d.get("file") else "")
        if self.kind is EventKind.EXTENSION:
            return f"later date agreed: until {d.get('until', '')}"
        if self.kind is EventKind.CERTIFICATE:
            name = SCHEMES.get(d.get("scheme", ""), d.get("scheme", ""))
            number = f" {d['number']}" if d.get("number") else ""
            return f"{name} certificate{number} recorded: issued {d.get('issued') or 'unknown'}, expires {d.get('expiry', '')}"
        if self.kind is EventKind.CLOSED and d.get("reason"):
            return f"case closed: {d['reason']}"
        return self.kind.label + (f": {d['text']}" if d.get("text") else "")


@dataclass(frozen=True)
class Certificate:
    """A Cyber Essentials (Plus) certificate: from the register or the case record."""

    scheme: str
    expiry: dt.date
    issued: dt.date | None = None
    number: str = ""
    source: str = "case record"  # or "register"

    def current(self, on: dt.date) -> bool:
        return on <= self.expiry


@dataclass(frozen=True)
class CaseState:
    """What the record says of one provider's case.

    ``open``: a notice asked for a Remedial Plan and no ``closed`` followed;
    ``notice``: the notice that opened the current (or last) case, whose dates later
    letters keep; the plan's progress within that case; ``extension_until``: a later
    date for reaching the tier agreed in writing; ``certificate``: the latest Cyber
    Essentials Plus certificate recorded (any case), ``ce_certificate`` the latest Cyber
    Essentials one; ``lso_referred`` and ``lso_opted_out``:
    the dates of the latest such events (any case)."""

    ods_code: str
    open: bool = False
    notice: CaseEvent | None = None
    plan_received: dt.date | None = None
    plan_agreed: dt.date | None = None
    plan_rejected: dt.date | None = None
    extension_until: dt.date | None = None
    closed: dt.date | None = None
    closed_reason: str = ""
    certificate: Certificate | None = None
    ce_certificate: Certificate | None = None
    lso_referred: dt.date | None = None
    lso_opted_out: dt.date | None = None
    events: tuple[CaseEvent, ...] = ()

    @property
    def status(self) -> str:
        """``open``, ``closed`` or blank (no case was ever opened)."""
        if self.open:
            return "open"
        return "closed" if self.notice is not None else ""

    @property
    def notice_date(self) -> dt.date | None:
        return self.notice.date if self.notice is not None else None

    @property
    def remedial_plan_due(self) -> dt.date | None:
        return self.notice.day("remedial_plan_due") if self.notice is not None else None

    @property
    def notice_standard_by(self) -> dt.date | None:
        return self.notice.day("standard_by") if self.notice is not None else None

    @property
    def standard_by(self) -> dt.date | None:
        """The date for reaching the tier: the agreed extension, else the notice's."""
        return self.extension_until or self.notice_standard_by

    @property
    def plan_in(self) -> bool:
        """A plan was received (or agreed) and not rejected since."""
        latest = max((d for d in (self.plan_received, self.plan_agreed) if d is not None), default=None)
        return latest is not None and (self.plan_rejected is None or latest >= self.plan_rejected)

    def overdue(self, on: dt.date) -> bool:
        """An open case whose Remedial Plan is past due and not in."""
        due = self.remedial_plan_due
        return self.open and due is not None and on > due and not self.plan_in

    def days_overdue(self, on: dt.date) -> int:
        due = self.remedial_plan_due
        return (on - due).days if self.overdue(on) and due is not None else 0


def effective_events(events: Iterable[CaseEvent]) -> list[CaseEvent]:
    """The events that stand, in order (date, then recording): those no later event
    supersedes."""
    listed = list(events)
    superseded = {e.supersedes for e in listed if e.supersedes is not None}
    standing = [e for e in listed if e.id is None or e.id not in superseded]
    return sorted(standing, key=lambda e: (e.date, e.id or 0))


def case_state(ods_code: str, events: Iterable[CaseEvent]) -> CaseState:
    """Fold ``ods_code``'s events into its :class:`CaseState`."""
    standing = effective_events(e for e in events if e.ods_code == ods_code)
    state: dict[str, Any] = {"ods_code": ods_code, "events": tuple(standing)}
    for event in standing:
        _apply(state, event)
    return CaseState(**state)


_PLAN_FIELDS = {
    EventKind.PLAN_RECEIVED: "plan_received",
    EventKind.PLAN_AGREED: "plan_agreed",
    EventKind.PLAN_REJECTED: "plan_rejected",
}


def _apply(state: dict[str, Any], event: CaseEvent) -> None:
    kind = event.kind
    if kind is EventKind.NOTICE:
        if not state.get("open") and event.data.get("remedial_plan_due"):
            for key in ("plan_received", "plan_agreed", "plan_rejected", "extension_until", "closed"):
                state[key] = None
            state.update(open=True, notice=event, closed_reason="")
    elif kind in _PLAN_FIELDS and state.get("open"):
        state[_PLAN_FIELDS[kind]] = event.date
    elif kind is EventKind.EXTENSION and state.get("open"):
        state["extension_until"] = event.day("until")
    elif kind is EventKind.CLOSED and state.get("open"):
        state.update(open=False, closed=event.date, closed_reason=event.data.get("reason", ""))
    elif kind is EventKind.CERTIFICATE and event.data.get("scheme") in SCHEMES and event.day("expiry"):
        expiry, scheme = event.day("expiry"), event.data["scheme"]
        assert expiry is not None
        state["certificate" if scheme == CE_PLUS else "ce_certificate"] = Certificate(
            scheme, expiry, event.day("issued"), event.data.get("number", ""), "case record")
    elif kind is EventKind.LSO_REFERRAL:
        state["lso_referred"] = event.date
    elif kind is EventKind.LSO_OPT_OUT:
        state["lso_opted_out"] = event.date


def latest_certificate(*certificates: Certificate | None) -> Certificate | None:
    """The certificate that expires last (the later one wins: a renewal recorded in the
    case beats an old register entry, and the other way round)."""
    known = [c for c in certificates if c is not None]
    return max(known, key=lambda c: c.expiry, default=None)


__all__ = [
    "CE",
    "CE_PLUS",
    "CaseEvent",
    "CaseState",
    "Certificate",
    "EventKind",
    "case_state",
    "effective_events",
    "latest_certificate",
]
