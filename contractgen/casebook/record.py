"""``contractgen case record``, ``show``, ``list`` and ``export``: one public function
each, used by the command line and by tests without it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..base.atomic import write_atomic
from ..base.csvout import csv_bytes
from ..base.environment import format_date
from ..base.errors import CaseError, UsageError, display_path
from ..dspt.case import SCHEMES, CaseEvent, CaseState, EventKind
from ..library.workspace import Workspace
from .store import Casebook, open_casebook

#: The details each event takes (``--until`` for an extension...), and which it needs.
DETAILS: dict[EventKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    EventKind.NOTICE: (("letter_kind", "remedial_plan_due", "standard_by", "response_by", "file", "text"), ("letter_kind",)),
    EventKind.EXTENSION: (("until", "text"), ("until",)),
    EventKind.CERTIFICATE: (("scheme", "number", "issued", "expiry", "text"), ("scheme", "expiry")),
    EventKind.CLOSED: (("reason", "text"), ()),
}
DATE_DETAILS = frozenset({"remedial_plan_due", "standard_by", "response_by", "until", "issued", "expiry"})
EXPORT_FIELDS = ("id", "ods_code", "event", "date", "details", "supersedes", "superseded", "recorded_by", "recorded_at", "batch")


@dataclass
class CaseResult:
    """What a case command did: the events it recorded, and lines to show once."""

    events: list[CaseEvent] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def event_kind(name: str) -> EventKind:
    try:
        return EventKind(name.strip().lower())
    except ValueError:
        raise UsageError(f"unknown case event {name!r}; events: {', '.join(k.value for k in EventKind)}") from None


def ods_code(text: str) -> str:
    code = text.strip().upper()
    if not code or not code.replace("-", "").isalnum() or len(code) > 32:
        raise UsageError(f"{text!r} is not an ODS code: use the provider's code from the register, such as VM1A2")
    return code


def current_date() -> dt.date:
    """Today, as the case commands see it: the reference date for refusing an event
    dated in the future (tests of a dated scenario replace it)."""
    return dt.date.today()


def make_event(
    code: str, kind: EventKind, on: dt.date, details: Mapping[str, Any], supersedes: int | None = None,
    *, today: dt.date | None = None,
) -> CaseEvent:
    """A checked event: only the details its kind takes, with those it needs, and with
    ``today``, never dated after it (an event is recorded on or after it happens).

    Raises :class:`CaseError` naming the option that is missing, not allowed or wrong."""
    if today is not None and on > today:
        raise CaseError(f"--date {on.isoformat()}: the date {format_date(on)} is in the future (today is "
                        f"{format_date(today)}); record an event on or after the day it happens")
    allowed, needed = DETAILS.get(kind, (("text",), ()))
    given = {k: v for k, v in details.items() if v not in (None, "")}
    extra = sorted(set(given) - set(allowed))
    if extra:
        raise CaseError(f"{kind.value} takes no {_option(extra[0])}; it takes: {', '.join(_option(a) for a in allowed)}")
    missing = [n for n in needed if n not in given]
    if missing:
        raise CaseError(f"{kind.value} needs {_option(missing[0])}")
    data = {k: (v.isoformat() if isinstance(v, dt.date) else str(v).strip()) for k, v in given.items()}
    if kind is EventKind.CERTIFICATE and data["scheme"] not in SCHEMES:
        raise CaseError(f"--scheme {data['scheme']!r} is not a certificate scheme; use {' or '.join(SCHEMES)}")
    return CaseEvent(code, kind, on, data, supersedes=supersedes)


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def record_event(
    workspace: Workspace, code: str, event: str, *, on: dt.date | None = None,
    details: Mapping[str, Any] | None = None, supersedes: int | None = None, today: dt.date | None = None,
) -> CaseResult:
    """Record one event for the provider ``code`` (dated ``on``, default ``today``), in one
    transaction. ``supersedes`` names an earlier event of the same provider that this one
    corrects. ``today`` (default :func:`current_date`): an event dated after it is refused."""
    kind = event_kind(event)
    today = today or current_date()
    new = make_event(ods_code(code), kind, on or today, details or {}, supersedes, today=today)
    book = _open(workspace)
    try:
        if supersedes is not None:
            _check_supersedes(book, new)
        return CaseResult(book.record([new]), book.notes)
    finally:
        book.close()


def _check_supersedes(book: Casebook, new: CaseEvent) -> None:
    earlier = {e.id: e for e in book.events(new.ods_code)}
    if new.supersedes not in earlier:
        raise CaseError(f"--supersedes {new.supersedes}: {new.ods_code} has no event {new.supersedes}; `contractgen case show {new.ods_code}` lists its events with their numbers")


def _open(workspace: Workspace) -> Casebook:
    book = open_casebook(workspace)
    assert book is not None
    return book


# ------------------------------------------------------------------ reading


@dataclass
class CaseView:
    """A provider's case with its full timeline (superseded events marked)."""

    state: CaseState
    events: list[CaseEvent]
    notes: list[str] = field(default_factory=list)

    def lines(self, on: dt.date) -> list[str]:
        """The timeline a contracts officer reads."""
        s = self.state
        superseded = {e.supersedes for e in self.events if e.supersedes is not None}
        head = f"{s.ods_code}: " + (case_summary(s, on) or "no case")
        lines = [head]
        for e in self.events:
            mark = " (superseded)" if e.id in superseded else ""
            corrects = f" [corrects #{e.supersedes}]" if e.supersedes else ""
            who = f"; recorded by {e.recorded_by} {e.recorded_at:%Y-%m-%d %H:%M} UTC" if e.recorded_at else ""
            lines.append(f"  #{e.id} {e.date.isoformat()} {e.summary()}{corrects}{mark}{who}")
        return lines


def case_summary(s: CaseState, on: dt.date) -> str:
    """One line: open since, plan due or in, the date for the tier; or closed."""
    if s.notice is None:
        return ""
    if not s.open:
        return f"closed on {s.closed.isoformat() if s.closed else ''}" + (f" ({s.closed_reason})" if s.closed_reason else "")
    parts = [f"open since {s.notice.date.isoformat()} ({s.notice.data.get('letter_kind', '')} letter)"]
    if s.overdue(on):
        parts.append(f"Remedial Plan overdue by {s.days_overdue(on)} days (due {s.remedial_plan_due})")
    elif s.plan_agreed and s.plan_in:
        parts.append(f"plan agreed {s.plan_agreed.isoformat()}")
    elif s.plan_in and s.plan_received:
        parts.append(f"plan received {s.plan_received.isoformat()}")
    elif s.remedial_plan_due:
        parts.append(f"Remedial Plan due {s.remedial_plan_due.isoformat()}")
    if s.standard_by:
        parts.append(f"tier by {s.standard_by.isoformat()}" + (" (extended)" if s.extension_until else ""))
    return "; ".join(parts)


def show_case(workspace: Workspace, code: str) -> CaseView:
    """The case of provider ``code`` and every event recorded for it."""
    book = _open(workspace)
    try:
        events = book.events(ods_code(code))
        view = CaseView(book.case(ods_code(code)), events, book.notes)
    finally:
        book.close()
    return view


def list_cases(workspace: Workspace, *, open_only: bool = False, overdue_only: bool = False, on: dt.date | None = None) -> tuple[list[CaseState], list[str]]:
    """Every provider's case (only the open ones, or only those whose plan is overdue
    on ``on``), by ODS code; and the lines to show once."""
    on = on or dt.date.today()
    book = _open(workspace)
    try:
        cases = list(book.cases().values())
        notes = book.notes
    finally:
        book.close()
    if open_only:
        cases = [c for c in cases if c.open]
    if overdue_only:
        cases = [c for c in cases if c.overdue(on)]
    return cases, notes


def export_cases(workspace: Workspace, output: Path | None = None, fmt: str | None = None) -> tuple[bytes, list[str]]:
    """Every event, CSV (UTF-8 with BOM, for Excel) or JSON: chosen by ``fmt``, else by
    ``output``'s suffix, else CSV. Written atomically to ``output`` when given; the bytes
    are returned either way."""
    chosen = (fmt or (output.suffix.lstrip(".") if output is not None else "") or "csv").lower()
    if chosen not in ("csv", "json"):
        raise UsageError(f"cannot export the case record as {chosen!r}: use a .csv or .json file, or --format csv|json")
    book = _open(workspace)
    try:
        events = book.events()
        notes = book.notes
    finally:
        book.close()
    data = events_json(events) if chosen == "json" else events_csv(events)
    if output is not None:
        try:
            write_atomic(output, data)
        except OSError as exc:
            raise CaseError(f"cannot write {display_path(output)}: {exc.strerror or exc}") from exc
    return data, notes


def _rows(events: list[CaseEvent]) -> list[dict[str, Any]]:
    superseded = {e.supersedes for e in events if e.supersedes is not None}
    return [
        {
            "id": e.id, "ods_code": e.ods_code, "event": e.kind.value, "date": e.date.isoformat(), "details": e.data,
            "supersedes": e.supersedes, "superseded": e.id in superseded, "recorded_by": e.recorded_by,
            "recorded_at": e.recorded_at.isoformat() if e.recorded_at else None, "batch": e.batch,
        }
        for e in events
    ]


def events_json(events: list[CaseEvent]) -> bytes:
    return (json.dumps({"events": _rows(events)}, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def events_csv(events: list[CaseEvent]) -> bytes:
    """The events as Excel opens them (a cell that would be a formula is neutralised;
    the JSON export keeps every value exactly)."""
    rows = []
    for row in _rows(events):
        row["details"] = json.dumps(row["details"], ensure_ascii=False, sort_keys=True)
        row["superseded"] = "yes" if row["superseded"] else ""
        rows.append(["" if row[k] is None else row[k] for k in EXPORT_FIELDS])
    return csv_bytes(EXPORT_FIELDS, rows)


__all__ = ["CaseResult", "CaseView", "case_summary", "event_kind", "export_cases", "list_cases", "make_event", "record_event", "show_case"]
