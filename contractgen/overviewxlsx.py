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
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .market import EXPIRY_HORIZONS, Market, Standing
from .overview import Provenance
from .overviewhtml import COLOURS
from .package import package_bytes

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


def put(ws: Worksheet, row: int, column: int, value: Any, number_format: str | None = None) -> None:
    """Write one cell; text is stored as text even when it looks like a formula."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(_FORMULA_STARTS):
            cell.quotePrefix = True  # Excel keeps it text when the cell is edited
    elif number_format:
        cell.number_format = number_format


def _header(ws: Worksheet, row: int, names: list[str]) -> None:
    for col, name in enumerate(names, start=1):
        put(ws, row, col, name)
        ws.cell(row=row, column=col).font = BOLD
        ws.cell(row=row, column=col).fill = HEADER_FILL


def render_xlsx(market: Market, provenance: Provenance) -> bytes:
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "Summary"
    _summary(summary, market, provenance)
    _providers(wb.create_sheet("Providers"), market)
    _changes(wb.create_sheet("Changes"), market)
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
        parts = {info.filename: z.read(info) for info in z.infolist()}
    # openpyxl stamps the time of saving as "modified"; the overview's date replaces it
    parts["docProps/core.xml"] = _MODIFIED.sub(
        rb"\g<1>" + stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", parts["docProps/core.xml"])
    return package_bytes(parts)


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _summary(ws: Worksheet, m: Market, provenance: Provenance) -> None:
    put(ws, 1, 1, f"DSPT market overview: {provenance.council}")
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    put(ws, 2, 1, "positions as of")
    put(ws, 2, 2, m.as_of, DATE_FORMAT)
    put(ws, 3, 1, "DSPT export")
    put(ws, 3, 2, m.current.label)
    put(ws, 4, 1, provenance.sentence())
    share = m.meeting
    rows: list[tuple[str, Any, str | None]] = [
        ("providers in the register", share.whole, None),
        ("meet their tier", share.part, None),
        ("share meeting their tier", share.part / share.whole if share.whole else 0.0, PERCENT_FORMAT),
        ("need support (referred to the LSO)", len(m.referrals()), None),
        *((f"publications stopping within {d} days", len(m.stopping_within(d)), None) for d in EXPIRY_HORIZONS),
    ]
    for i, (label, value, fmt) in enumerate(rows, start=6):
        put(ws, i, 1, label)
        put(ws, i, 2, value, fmt)
    row = 6 + len(rows) + 1
    tier_start = row
    row = _share_block(ws, row, "tier", m.by_tier())
    ws.add_chart(_bar_chart(ws, "Meeting their tier, by tier (%)", tier_start, row - 1, 4), "G6")
    type_start = row + 1
    row = _share_block(ws, type_start, "service type", m.by_service_type())
    ws.add_chart(_bar_chart(ws, "Meeting their tier, by service type (%)", type_start, row - 1, 4), "G22")
    row += 1
    _header(ws, row, ["position", "providers"])
    position_start = row
    for standing, n in m.by_standing().items():
        row += 1
        put(ws, row, 1, standing.value)
        put(ws, row, 2, n)
    ws.add_chart(_bar_chart(ws, "Providers by position", position_start, row, 2), "G38")
    row += 2
    _header(ws, row, ["export", "date", "meet their tier", "providers", "share"])
    trend_start = row
    for s in m.snapshots:
        row += 1
        put(ws, row, 1, s.label)
        put(ws, row, 2, s.date, DATE_FORMAT)
        put(ws, row, 3, s.meeting)
        put(ws, row, 4, len(s.positions))
        put(ws, row, 5, s.meeting / len(s.positions) if s.positions else 0.0, PERCENT_FORMAT)
    if m.previous:
        chart = LineChart()
        chart.title = "Share meeting their tier, by export"
        chart.add_data(Reference(ws, min_col=5, min_row=trend_start, max_row=row), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=trend_start + 1, max_row=row))
        chart.y_axis.number_format = PERCENT_FORMAT
        chart.legend = None
        ws.add_chart(chart, "G54")
    ws.column_dimensions["A"].width = 42
    for col in "BCDE":
        ws.column_dimensions[col].width = 14


def _share_block(ws: Worksheet, row: int, caption: str, shares: dict) -> int:
    """A table of shares from ``row``; returns the row after it."""
    _header(ws, row, [caption, "providers", "meet their tier", "share"])
    for name, s in shares.items():
        row += 1
        put(ws, row, 1, name)
        put(ws, row, 2, s.whole)
        put(ws, row, 3, s.part)
        put(ws, row, 4, s.part / s.whole if s.whole else 0.0, PERCENT_FORMAT)
    return row + 1


def _bar_chart(ws: Worksheet, title: str, header_row: int, last_row: int, column: int) -> BarChart:
    chart = BarChart()
    chart.type = "bar"
    chart.title = title
    chart.legend = None
    chart.add_data(Reference(ws, min_col=column, min_row=header_row, max_row=last_row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=last_row))
    if column == 4:
        chart.y_axis.number_format = PERCENT_FORMAT
    return chart


def _providers(ws: Worksheet, m: Market) -> None:
    _header(ws, 1, [name for name, _ in PROVIDER_COLUMNS])
    for col, (_, width) in enumerate(PROVIDER_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    fills = {s: PatternFill("solid", fgColor=COLOURS[s].lstrip("#").upper()) for s in Standing}
    white = Font(color="FFFFFF")
    for row, (p, pos) in enumerate(m.rows, start=2):
        record = pos.record
        values: list[tuple[Any, str | None]] = [
            (p.ods_code, None), (p.name, None), (p.tier, None), (m.service_type(pos), None),
            (pos.status_text, None),
            (record.publication_date if record is not None else None, DATE_FORMAT),
            (pos.valid_until, DATE_FORMAT), (pos.standing.value, None),
            (pos.contractual.shortfall_since, DATE_FORMAT), (pos.contractual.remedial_plan_due, DATE_FORMAT),
            (pos.contractual.standard_by, DATE_FORMAT), (pos.reason, None),
            (p.contact_name, None), (p.email, None),
            (p.cyber_essentials_expiry, DATE_FORMAT), (p.cyber_essentials_plus_expiry, DATE_FORMAT),
        ]
        for col, (value, fmt) in enumerate(values, start=1):
            if value is not None and value != "":
                put(ws, row, col, value, fmt)
        status = ws.cell(row=row, column=8)
        status.fill = fills[pos.standing]
        if pos.standing not in (Standing.IMPROVE, Standing.RENEW):
            status.font = white
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(PROVIDER_COLUMNS))}{len(m.providers) + 1}"


def _changes(ws: Worksheet, m: Market) -> None:
    _header(ws, 1, ["since export", "export date", "ODS code", "provider", "change", "status then",
                    "position then", "status now", "position now"])
    row = 1
    for since, changes in m.changes:
        for c in changes:
            row += 1
            for col, value in enumerate((since.label, since.date, c.provider.ods_code, c.provider.name, c.kind.value,
                                         c.before.status_text, c.before.standing.value, c.after.status_text,
                                         c.after.standing.value), start=1):
                put(ws, row, col, value, DATE_FORMAT if col == 2 else None)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:I{max(row, 1)}"
    for letter, width in zip("ABCDEFGHI", (32, 12, 10, 40, 20, 30, 18, 30, 18)):
        ws.column_dimensions[letter].width = width
