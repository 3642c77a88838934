"""``contractgen case import FILE``: many events at once, from a CSV or XLSX (a response
tracker kept in Excel), all in one transaction, with every bad row reported by its
row number and column before anything is recorded."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from ..base.errors import CaseError, ContractgenError, Location, Problem, count_problems, display_path
from ..base.tables import Table, header_key, read_table
from ..dspt.case import CaseEvent
from ..library.workspace import Workspace
from .record import DATE_DETAILS, CaseResult, current_date, event_kind, make_event, ods_code
from .store import open_casebook

#: The columns an import reads (headers are matched ignoring case, spaces and underscores).
COLUMNS = ("ods_code", "event", "date", "letter_kind", "remedial_plan_due", "standard_by", "response_by", "file",
           "until", "scheme", "number", "issued", "expiry", "reason", "text", "supersedes")
REQUIRED = ("ods_code", "event", "date")


#: An option a message names (``--until``), read as the column it comes from.
_OPTION = re.compile(r"--([a-z][a-z-]*)")


def import_events(workspace: Workspace, path: Path, today: dt.date | None = None) -> CaseResult:
    """Record every row of ``path`` as an event, in one transaction: all rows or none.
    A row dated after ``today`` (default :func:`~contractgen.casebook.record.current_date`)
    is refused, as ``case record`` refuses it; each bad row is named by its number and
    column (and in an .xlsx, the worksheet and cell)."""
    today = today or current_date()
    table = read_table(path, CaseError)
    shown = display_path(path)
    keys = [header_key(h) for h in table.header]
    index = {key: i for i, key in enumerate(keys) if key in {header_key(c) for c in COLUMNS}}
    missing = [c for c in REQUIRED if header_key(c) not in index]
    if missing:
        message = f"no {missing[0]} column; the columns are {', '.join(COLUMNS)} ({', '.join(REQUIRED)} needed)"
        raise CaseError(f"{shown}: {message}", [Problem(Location(shown, 1), missing[0], message)])
    events: list[CaseEvent] = []
    problems: list[Problem] = []
    for number, values in table.rows:
        row = {c: _cell(values, index.get(header_key(c))) for c in COLUMNS}
        try:
            events.append(_event(row, today))
        except (ContractgenError, ValueError) as exc:
            problems.append(_row_problem(table, index, number, str(getattr(exc, "message", exc))))
    if problems:
        raise CaseError(f"{count_problems(problems)} in {shown}: nothing was recorded; correct the rows and import again", problems)
    book = open_casebook(workspace)
    assert book is not None
    try:
        return CaseResult(book.record(events), book.notes)
    finally:
        book.close()


def _row_problem(table: Table, index: dict[str, int], number: int, message: str) -> Problem:
    """The problem of row ``number``; in an .xlsx, located at the worksheet's cell of the
    column the message is about (it names the column, ``date: ...``, or the option the
    column stands for, ``--until``)."""
    named = message.split(":", 1)[0] if ":" in message else ""
    option = _OPTION.search(message)
    column = named if named in COLUMNS else (option.group(1).replace("-", "_") if option else "")
    i = index.get(header_key(column)) if column in COLUMNS else None
    if table.sheet is None or i is None:
        return Problem(Location(table.file, number), "", message)
    return Problem(Location(table.file, number, i + 1), "",
                   f"{message} (worksheet {table.sheet!r}, cell {_letter(i)}{number}, column {table.header[i]!r})")


def _letter(i: int) -> str:
    """The spreadsheet letter of the 0-based column ``i`` (0: A, 26: AA)."""
    letters = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(values: list[object], i: int | None) -> Any:
    if i is None or i >= len(values) or values[i] is None:
        return None
    value = values[i]
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else str(value).strip()


def _date(name: str, value: Any) -> dt.date | None:
    if value in (None, "") or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CaseError(f"{name}: {value!r} is not a date; write it as YYYY-MM-DD") from None


def _event(row: dict[str, Any], today: dt.date) -> CaseEvent:
    for name in REQUIRED:
        if not row[name]:
            raise CaseError(f"{name}: empty; every row needs {', '.join(REQUIRED)}")
    on = _date("date", row["date"])
    assert on is not None
    details = {k: (_date(k, v) if k in DATE_DETAILS else v) for k, v in row.items() if k not in (*REQUIRED, "supersedes")}
    supersedes = int(row["supersedes"]) if row["supersedes"] else None
    return make_event(ods_code(str(row["ods_code"])), event_kind(str(row["event"])), on, details, supersedes, today=today)


__all__ = ["COLUMNS", "import_events"]
