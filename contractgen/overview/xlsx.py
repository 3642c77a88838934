"""``overview.xlsx``: the overview for Excel users, made with openpyxl.

Three sheets: ``Summary`` (headline figures with native Excel charts), ``Providers`` (one
row per provider: frozen header, filters, real dates, the position coloured) and
``Changes`` (every change since each earlier export). Text is always stored as text: a
name beginning with ``=``, ``+``, ``-`` or ``@`` is never a formula. The zip is rewritten
with fixed timestamps, so the same market gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ..word.package import package_chunks
from .html import COLOURS
from .market import EXPIRY_HORIZONS, Market, Standing
from .provenance import Provenance
from .xlsxrows import Cell, FastRows

DATE_FORMAT = "dd/mm/yyyy"
PERCENT_FORMAT = "0.0%"
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F3F5F7")
_FORMULA_STARTS = ("=", "+", "-", "@")
PROVIDER_COLUMNS = (
    ("ODS code", 10), ("provider", 40), ("tier", 12), ("service type", 28), ("DSPT status", 30),
    ("published", 12), ("counts until", 12), ("position", 18), ("shortfall since", 12),
    ("Remedial Plan due", 12), ("standard by", 12), ("reason", 60), ("contact", 22),
    ("email", 30), ("Cyber Essentials expiry", 14), ("Cyber Essentials Plus expiry", 14),
)
#: Added to ``PROVIDER_COLUMNS`` when audit scores are given: the latest business
#: continuity plan audit's overall score (a fraction, shown as a percentage), its
#: critical gaps (how many, then the question ids) and when it was completed.
AUDIT_COLUMNS = (
    ("BCP audit score", 12), ("critical gaps", 10), ("critical gap questions", 40), ("audit completed", 12),
)


class _Sheet:
    """A write-only worksheet filled row by row (openpyxl's fast mode), counting rows."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.row = 0

    def cell(self, value: Any, number_format: str | None = None, *, font: Font | None = None,
             fill: PatternFill | None = None) -> Any:
        """A value to append; text is stored as text even when it looks like a formula."""
        text_formula = isinstance(value, str) and value.startswith(_FORMULA_STARTS)
        if not (text_formula or number_format or font or fill) or value is None:
            return value
        cell = WriteOnlyCell(self.ws, value)
        if text_formula:
            cell.data_type = "s"
            cell.quotePrefix = True  # Excel keeps it text when the cell is edited
        if number_format and not isinstance(value, str):
            cell.number_format = number_format
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
        return cell

    def add(self, *values: Any, formats: Sequence[str | None] = ()) -> int:
        """Append a row of values (``formats`` by position); returns its row number."""
        self.ws.append([self.cell(v, formats[i] if i < len(formats) else None) for i, v in enumerate(values)])
        self.row += 1
        return self.row

    def header(self, *names: str) -> int:
        self.ws.append([self.cell(n, font=BOLD, fill=HEADER_FILL) for n in names])
        self.row += 1
        return self.row

    def widths(self, widths: Sequence[int]) -> None:
        for col, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(col)].width = width


def xlsx_chunks(market: Market, provenance: Provenance) -> Iterator[bytes | bytearray]:
    """The workbook's bytes a part at a time, for writing to a file (the same market
    gives the same bytes): the large sheets' rows are made and compressed as they are
    written, and the workbook is never whole in memory."""
    wb = Workbook(write_only=True)
    _summary(_Sheet(wb.create_sheet("Summary")), market, provenance)
    # the large sheets' rows are written after saving (contractgen.overview.xlsxrows)
    fast = {
        "xl/worksheets/sheet2.xml": _providers(_Sheet(wb.create_sheet("Providers")), market),
        "xl/worksheets/sheet3.xml": _changes(_Sheet(wb.create_sheet("Changes")), market),
    }
    stamp = dt.datetime.combine(market.as_of, dt.time())
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = provenance.council
    wb.properties.title = f"DSPT market overview: {provenance.council}"
    wb.properties.description = provenance.sentence()
    for name, value in (("contractgen.version", provenance.version), ("contractgen.library", provenance.library),
                        ("contractgen.library.release", provenance.release),
                        ("contractgen.library.sha256", provenance.library_sha256),
                        ("contractgen.profile", provenance.profile),
                        ("contractgen.profile.sha256", provenance.profile_sha256)):
        props = wb.custom_doc_props  # type: ignore[attr-defined]  # openpyxl 3.1; the stubs lag
        props.append(StringProperty(name=name, value=value))
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        saved = {info.filename: z.read(info) for info in z.infolist()}
    # openpyxl stamps the time of saving as "modified"; the overview's date replaces it
    saved["docProps/core.xml"] = _MODIFIED.sub(
        rb"\g<1>" + stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", saved["docProps/core.xml"])
    parts: dict[str, bytes | Iterable[bytes]] = {**saved}
    for name, rows in fast.items():
        parts[name] = rows.apply(saved[name])  # the large sheets' rows, compressed as they are made
    return package_chunks(parts)


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _summary(sheet: _Sheet, m: Market, provenance: Provenance) -> None:
    ws = sheet.ws
    sheet.widths([42, 14, 14, 14, 14])
    ws.append([sheet.cell(f"DSPT market overview: {provenance.council}", font=Font(bold=True, size=14))])
    sheet.row += 1
    sheet.add("positions as of", m.as_of, formats=(None, DATE_FORMAT))
    sheet.add("DSPT export", m.current.label)
    sheet.add(provenance.sentence())
    sheet.add()
    share = m.meeting
    sheet.add("providers in the register", share.whole)
    sheet.add("meet their tier", share.part)
    sheet.add("share meeting their tier", share.part / share.whole if share.whole else 0.0,
              formats=(None, PERCENT_FORMAT))
    sheet.add("need support (to refer to the LSO)", m.referral_count)
    if m.cases is not None:
        referred, opted_out = m.lso_referrals()
        overdue = m.overdue_plans()
        sheet.add("open cases", len(m.open_cases()))
        sheet.add("Remedial Plans overdue", len(overdue))
        sheet.add("days the oldest overdue plan is late", overdue[0][2] if overdue else 0)
        sheet.add("referred to the LSO (recorded)", referred)
        sheet.add("asked not to be referred to the LSO", opted_out)
    if m.audits is not None:
        sheet.add("business continuity plan audits (latest per provider)", len(m.audited()))
        sheet.add("with critical gaps in their latest audit", len(m.with_critical_gaps()))
    for days in EXPIRY_HORIZONS:
        sheet.add(f"publications stopping within {days} days", m.stopping_count(days))
    sheet.add()
    first, last = _share_block(sheet, "tier", m.by_tier())
    ws.add_chart(_bar_chart(ws, "Meeting their tier, by tier (%)", first, last, 4), "G6")
    sheet.add()
    first, last = _share_block(sheet, "service type", m.by_service_type())
    ws.add_chart(_bar_chart(ws, "Meeting their tier, by service type (%)", first, last, 4), "G22")
    sheet.add()
    first = sheet.header("position", "providers")
    for standing, n in m.by_standing().items():
        last = sheet.add(standing.value, n)
    ws.add_chart(_bar_chart(ws, "Providers by position", first, last, 2), "G38")
    sheet.add()
    first = sheet.header("export", "date", "meet their tier", "providers", "share")
    for s in m.snapshots:
        last = sheet.add(s.label, s.date, s.meeting, len(s.positions),
                         s.meeting / len(s.positions) if s.positions else 0.0,
                         formats=(None, DATE_FORMAT, None, None, PERCENT_FORMAT))
    if m.previous:
        chart = LineChart()
        chart.title = "Share meeting their tier, by export"
        chart.add_data(Reference(ws, min_col=5, min_row=first, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=first + 1, max_row=last))
        chart.y_axis.number_format = PERCENT_FORMAT
        chart.legend = None
        ws.add_chart(chart, "G54")


def _share_block(sheet: _Sheet, caption: str, shares: dict) -> tuple[int, int]:
    """A table of shares; returns its header row and last row."""
    first = last = sheet.header(caption, "providers", "meet their tier", "share")
    for name, s in shares.items():
        last = sheet.add(name, s.whole, s.part, s.part / s.whole if s.whole else 0.0,
                         formats=(None, None, None, PERCENT_FORMAT))
    return first, last


def _bar_chart(ws: Any, title: str, header_row: int, last_row: int, column: int) -> BarChart:
    chart = BarChart()
    chart.type = "bar"
    chart.title = title
    chart.legend = None
    chart.add_data(Reference(ws, min_col=column, min_row=header_row, max_row=last_row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=last_row))
    if column == 4:
        chart.y_axis.number_format = PERCENT_FORMAT
    return chart


def _quoted(cell: Any) -> None:
    cell.quotePrefix = True  # Excel keeps the text text when the cell is edited


def _date(cell: Any) -> None:
    cell.number_format = DATE_FORMAT


def _text(value: str) -> Cell:
    """Text, with the quote-prefix style when it looks like a formula."""
    return (value, "quoted" if value.startswith(_FORMULA_STARTS) else None)


def _providers(sheet: _Sheet, m: Market) -> FastRows:
    ws = sheet.ws
    columns = PROVIDER_COLUMNS + (AUDIT_COLUMNS if m.audits is not None else ())
    sheet.widths([w for _, w in columns])
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(m.providers) + 1}"
    sheet.header(*(name for name, _ in columns))
    white = Font(color="FFFFFF")

    def coloured(standing: Standing) -> Any:
        def style(cell: Any) -> None:
            cell.fill = PatternFill("solid", fgColor=COLOURS[standing].lstrip("#").upper())
            if standing not in (Standing.IMPROVE, Standing.RENEW, Standing.UNRECORDED):
                cell.font = white
        return style

    def percent(cell: Any) -> None:
        cell.number_format = "0%"

    styles = {"quoted": _quoted, "date": _date, **{s.key: coloured(s) for s in Standing}}
    if m.audits is not None:  # only then: without scores the workbook is as before, byte for byte
        styles["percent"] = percent
    rows = FastRows(ws, styles)
    rows.probe()
    rows.feed(lambda: _provider_rows(m))
    return rows


def _provider_rows(m: Market) -> Iterator[list[Cell]]:
    for p, pos in m.rows:
        record = pos.record
        c = pos.contractual
        audit: list[Cell] = []
        if m.audits is not None:
            a = m.audit(p)
            audit = [(None, None)] * len(AUDIT_COLUMNS) if a is None else [
                (None if a.overall is None else a.overall / 100, "percent"), (len(a.critical_gaps), None),
                _text("; ".join(a.critical_gaps)), (a.completed_on, "date"),
            ]
        yield [
            _text(p.ods_code), _text(p.name), _text(p.tier), _text(m.service_type(pos)), _text(pos.status_text),
            (record.publication_date if record is not None else None, "date"), (pos.valid_until, "date"),
            (pos.standing.value, pos.standing.key),
            (c.shortfall_since, "date"), (c.remedial_plan_due, "date"), (c.standard_by, "date"),
            _text(pos.reason), _text(p.contact_name), _text(p.email),
            *((expiry, "date") for expiry in m.certificate_expiries(p)),
            *audit,
        ]


def _changes(sheet: _Sheet, m: Market) -> FastRows:
    ws = sheet.ws
    sheet.widths([32, 12, 10, 40, 20, 30, 18, 30, 18])
    ws.freeze_panes = "A2"
    count = sum(len(changes) for _, changes in m.changes)
    ws.auto_filter.ref = f"A1:I{count + 1}"
    sheet.header("since export", "export date", "ODS code", "provider", "change", "status then",
                 "position then", "status now", "position now")
    rows = FastRows(ws, {"quoted": _quoted, "date": _date})
    rows.probe()
    rows.feed(lambda: _change_rows(m))
    return rows


def _change_rows(m: Market) -> Iterator[list[Cell]]:
    for since, changes in m.changes:
        for c in changes:
            yield [_text(since.label), (since.date, "date"), _text(c.provider.ods_code),
                   _text(c.provider.name), (c.kind.value, None), _text(c.before.status_text),
                   (c.before.standing.value, None), _text(c.after.status_text), (c.after.standing.value, None)]
