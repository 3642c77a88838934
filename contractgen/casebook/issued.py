"""``contractgen case issued DIR``: record that the letters of a reviewed run were sent.

It reads the run's ``report.csv`` and each letter's own properties (the kind, the
provider and the dates it states, which ``contractgen letters`` writes into the .docx),
checks that they agree, and records one ``notice`` event per letter, with the letter's
file and checksum, in **one** transaction: the whole batch is recorded, or none of it.
A letter that says its case is closed (the provider reached its tier) closes the case.
A batch is known by the checksum of its ``report.csv`` and is recorded once.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..base.environment import format_date
from ..base.errors import CaseError, Location, Problem, display_argument, display_path
from ..base.untrusted import parse_xml, read_zip
from ..dspt.case import CaseEvent, EventKind
from ..library.workspace import Workspace
from . import record
from .store import open_casebook

REPORT = "report.csv"
#: The custom properties of a letter that ``case issued`` reads (``contractgen.letter.*``).
PROPERTY_PREFIX = "contractgen.letter."
DATE_PROPERTIES = ("remedial_plan_due", "standard_by", "response_by")
HELD = "held"
_NS = {"cp": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
       "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"}


def batch_id(folder: Path) -> str | None:
    """The batch in ``folder``: the sha256 of its report.csv (``None``: no report)."""
    report = folder / REPORT
    return hashlib.sha256(report.read_bytes()).hexdigest() if report.is_file() else None


def unissued_batch(workspace: Workspace, folder: Path) -> str | None:
    """A warning when ``folder`` holds a letters run never recorded as issued, else None.
    Reads the record only (no database file is created for it)."""
    batch = batch_id(folder)
    if batch is None:
        return None
    book = open_casebook(workspace, create=False)
    try:
        recorded = book is not None and book.batch_recorded(batch)
    finally:
        if book is not None:
            book.close()
    if recorded:
        return None
    return (f"{display_path(folder)} holds letters that were never recorded as sent; if they were, record them "
            f"first with `contractgen case issued {display_argument(folder)}`, or write this run to another folder with -o")


@dataclass
class IssuedResult:
    folder: Path
    events: list[CaseEvent] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def letters(self) -> int:
        return sum(1 for e in self.events if e.kind is EventKind.NOTICE)

    @property
    def closed(self) -> int:
        return sum(1 for e in self.events if e.kind is EventKind.CLOSED)


def record_issued(workspace: Workspace, folder: Path, on: dt.date | None = None, *, today: dt.date | None = None) -> IssuedResult:
    """Record the letters in ``folder`` as sent on ``on`` (default: the date each letter
    bears), in one transaction. Refuses a folder without report.csv, a letter that is
    missing or does not match its row, a batch recorded before, and a sending date after
    ``today`` (default: :func:`~contractgen.casebook.record.current_date`): letters are
    recorded as sent on or after the day they are sent."""
    report = folder / REPORT
    shown = display_path(report)
    if not report.is_file():
        raise CaseError(f"{display_path(folder)} has no {REPORT}: give the folder that `contractgen letters` wrote")
    data = report.read_bytes()
    batch = hashlib.sha256(data).hexdigest()
    events = [e for number, row in _report_rows(data, shown) for e in _row_events(folder, shown, number, row, on, batch)]
    _refuse_future(events, folder, on, today or record.current_date())
    book = open_casebook(workspace)
    assert book is not None
    try:
        with book.transaction() as conn:
            if book.batch_recorded(batch, conn):
                raise CaseError(f"the letters in {display_path(folder)} were already recorded as sent; nothing was recorded again")
            stored = [book.add(conn, e) for e in events]
        return IssuedResult(folder, stored, book.notes)
    finally:
        book.close()


def _refuse_future(events: list[CaseEvent], folder: Path, on: dt.date | None, today: dt.date) -> None:
    """No letter recorded as sent on a day that has not come."""
    day = max((e.date for e in events), default=None)
    if day is None or day <= today:
        return
    if on is not None:
        raise CaseError(f"--on {on.isoformat()}: the date {format_date(on)} is in the future (today is {format_date(today)}); "
                        "record the letters as sent on or after the day they are sent")
    raise CaseError(f"the letters in {display_path(folder)} are dated {format_date(day)}, after today ({format_date(today)}); "
                    "record them as sent once they are sent, or give the day they were sent with --on")


def _report_rows(data: bytes, shown: str) -> list[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaseError(f"{shown} is not UTF-8: give the report.csv that `contractgen letters` wrote, unchanged") from exc
    reader = csv.DictReader(io.StringIO(text))
    needed = {"ods_code", "letter_kind", "file"}
    if not needed <= set(reader.fieldnames or ()):
        missing = sorted(needed - set(reader.fieldnames or ()))[0]
        message = f"has no {missing} column: give the report.csv that `contractgen letters` wrote, unchanged"
        raise CaseError(f"{shown}: {message}", [Problem(Location(shown, 1), missing, message)])
    return [(reader.line_num, row) for row in reader]


def _row_events(folder: Path, shown: str, number: int, row: dict[str, str], on: dt.date | None, batch: str) -> list[CaseEvent]:
    code, kind, file = row["ods_code"].strip(), row["letter_kind"].strip(), row["file"].strip()
    if kind == HELD or not file:
        return []
    where = Location(shown, number)
    letter = folder / file
    if not letter.is_file() or not letter.resolve().is_relative_to(folder.resolve()):
        message = f"the letter {file} is not in {display_path(folder)}; were letters moved or deleted after the run?"
        raise CaseError(f"{where}: {message}", [Problem(where, "file", message)])
    raw = letter.read_bytes()
    props = letter_properties(letter)
    if props.get("contractgen.provider.ods_code") != code or props.get(PROPERTY_PREFIX + "kind") != kind:
        message = f"{file} is not the {kind} letter for {code} that the report names; run the letters again rather than editing the folder"
        raise CaseError(f"{where}: {message}", [Problem(where, "file", message)])
    dated = props.get(PROPERTY_PREFIX + "date")
    day = on or (dt.date.fromisoformat(dated) if dated else dt.date.today())
    details = {"letter_kind": kind, "file": file, "sha256": hashlib.sha256(raw).hexdigest()}
    details.update({name: props[PROPERTY_PREFIX + name] for name in DATE_PROPERTIES if props.get(PROPERTY_PREFIX + name)})
    events = [CaseEvent(code, EventKind.NOTICE, day, details, batch=batch)]
    if row.get("case", "").strip() == "closed" and props.get(PROPERTY_PREFIX + "closes_case") == "yes":
        events.append(CaseEvent(code, EventKind.CLOSED, day, {"reason": f"tier reached ({kind} letter)"}, batch=batch))
    return events


def letter_properties(path: Path) -> dict[str, str]:
    """The custom properties of a letter (name to text)."""
    shown = display_path(path)
    resave = "give the letter as contractgen wrote it"
    parts = read_zip(path, shown, CaseError, resave, "not a Word .docx file")
    custom = parts.get("docProps/custom.xml")
    if custom is None:
        return {}
    root = parse_xml(custom, shown, "docProps/custom.xml", CaseError, resave)
    return {str(p.get("name", "")): "".join(str(t) for t in p.itertext()) for p in root.findall("cp:property", _NS)}


__all__ = ["IssuedResult", "batch_id", "letter_properties", "record_issued", "unissued_batch"]
