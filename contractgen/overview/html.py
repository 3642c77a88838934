"""``overview.html``: the market on one self-contained page.

Styles, the script and the SVG charts are inline and nothing is fetched, so the page
opens from an email attachment or a shared folder and prints on A4. The provider table
is sorted and filtered by a small script in the page (usable at 10,000 rows). Every
headline figure carries ``data-figure`` so tests can compare it with the computed one.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Sequence
from html import escape

from ..audit.score import ProviderAudit
from ..base.environment import format_date
from ..base.errors import plural
from ..dspt.evidence import ExportChecks
from ..dspt.register import Provider
from .charts import percent_bars, stacked_bar, trend_line
from .market import CERTIFICATE_HORIZON, EXPIRY_HORIZONS, Market, Position, Standing
from .provenance import Provenance

#: Lists other than the provider table show at most this many rows (overview.xlsx has all).
LISTED = 500
#: Rows of the table of every provider made at a time.
ROWS_A_PIECE = 500

COLOURS = {
    Standing.MEETS: "#2e7d4f",
    Standing.RENEW: "#8cbf3f",
    Standing.IMPROVE: "#f0b429",
    Standing.UNRECORDED: "#b9a36b",
    Standing.REMEDY: "#e8772e",
    Standing.LAPSED: "#c62828",
    Standing.NOT_PUBLISHED: "#8a94a6",
    Standing.NOT_FOUND: "#4a5568",
    Standing.HELD: "#6b46c1",
}

CSS = """
*{box-sizing:border-box}
body{font-family:"Segoe UI",Arial,"DejaVu Sans",sans-serif;color:#1b1f24;margin:0 auto;max-width:1100px;padding:16px 24px;line-height:1.4}
h1{font-size:1.6em;margin:.2em 0}.flags{border:2px solid #b3261e;padding:4px 12px;margin:8px 0}h2{font-size:1.25em;margin:1.4em 0 .4em;border-bottom:2px solid #2e7d4f}
h3{font-size:1.05em;margin:1em 0 .3em}
.meta{color:#4a5568;font-size:.9em}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px;margin:12px 0}
.figure{border:1px solid #d0d7de;border-radius:6px;padding:10px 12px}
.figure .n{font-size:1.9em;font-weight:700;display:block}
.figure .l{font-size:.9em;color:#4a5568}
table{border-collapse:collapse;width:100%;font-size:.88em;margin:.4em 0}
th,td{border-bottom:1px solid #e1e4e8;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f5f7}
td.num,th.num{text-align:right}
.badge{display:inline-block;padding:1px 6px;border-radius:9px;color:#fff;font-size:.85em;white-space:nowrap}
.badge.improve,.badge.renew{color:#1b1f24}
.controls{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0}
.controls input,.controls select{font:inherit;padding:3px 6px}
#providers{table-layout:fixed}
#providers th{cursor:pointer;user-select:none;position:sticky;top:0}
#providers td{overflow-wrap:normal;word-break:normal}
#providers td.long,#providers td:nth-child(11){overflow-wrap:anywhere}
#providers .badge{white-space:normal}
#providers th[aria-sort=ascending]::after{content:" \\25B2"}
#providers th[aria-sort=descending]::after{content:" \\25BC"}
.none{color:#4a5568;font-style:italic}
svg{width:100%;max-width:680px;height:auto;display:block;margin:6px 0}
@page{size:A4;margin:14mm 12mm}
@media print{
 body{max-width:none;padding:0;font-size:10pt}
 .controls{display:none}
 #providers tr[hidden]{display:table-row}
 section{break-inside:avoid-page}
 section.long{break-inside:auto}
 thead{display:table-header-group}
 tr{break-inside:avoid}
 #providers th{position:static}
 #providers{font-size:7.5pt}
 #providers th,#providers td{padding:2px 3px}
 .figure{break-inside:avoid}
}
"""

SCRIPT = """
(function(){
 var table=document.getElementById('providers');if(!table)return;
 var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows),heads=table.tHead.rows[0].cells;
 var text=rows.map(function(r){return r.textContent.toLowerCase();});
 var order=rows.map(function(_,i){return i;});
 var search=document.getElementById('filter-text'),pos=document.getElementById('filter-position'),
     tier=document.getElementById('filter-tier'),aud=document.getElementById('filter-audit'),shown=document.getElementById('shown');
 function key(row,col){var c=row.cells[col];var v=c.getAttribute('data-sort');return v===null?c.textContent.toLowerCase():v;}
 function filter(){
  var q=search.value.trim().toLowerCase(),p=pos.value,t=tier.value,a=aud?aud.value:'',n=0;
  for(var i=0;i<rows.length;i++){var r=rows[i];
   var ok=(!q||text[i].indexOf(q)>=0)&&(!p||r.getAttribute('data-position')===p)&&(!t||r.getAttribute('data-tier')===t)
    &&(!a||r.getAttribute('data-audit')===a);
   r.hidden=!ok;if(ok)n++;}
  shown.textContent=n;
 }
 function sort(col){
  var h=heads[col],dir=h.getAttribute('aria-sort')==='ascending'?-1:1,num=h.classList.contains('num');
  for(var i=0;i<heads.length;i++)heads[i].removeAttribute('aria-sort');
  h.setAttribute('aria-sort',dir===1?'ascending':'descending');
  var keys=rows.map(function(r){var k=key(r,col);return num?(k===''?null:parseFloat(k)):k;});
  order.sort(function(a,b){var x=keys[a],y=keys[b];
   if(x===null||y===null){if(x!==y)return x===null?1:-1;return a-b;}  /* a blank number sorts last both ways */
   if(x<y)return -dir;if(x>y)return dir;return a-b;});
  var f=document.createDocumentFragment();
  for(var j=0;j<order.length;j++)f.appendChild(rows[order[j]]);
  body.appendChild(f);
 }
 for(var i=0;i<heads.length;i++)(function(c){heads[c].addEventListener('click',function(){sort(c);});})(i);
 search.addEventListener('input',filter);pos.addEventListener('change',filter);tier.addEventListener('change',filter);
 if(aud)aud.addEventListener('change',filter);
 filter();
})();
"""


def render_html(market: Market, provenance: Provenance, checks: ExportChecks | None = None) -> bytes:
    """The page as UTF-8 bytes; the same market gives the same bytes. The export's checks
    over their limits (a stale export...) are flagged on the first screen."""
    return b"".join(html_chunks(market, provenance, checks))


def html_chunks(market: Market, provenance: Provenance, checks: ExportChecks | None = None) -> Iterator[bytes]:
    """:func:`render_html`'s bytes in chunks, made as they are written: the table of
    every provider (10,000 rows: 5 MB) is never whole in memory."""
    m = market
    title = f"DSPT market overview: {provenance.council}"
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">",
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">",
        f'<meta name="generator" content="contractgen {escape(provenance.version)}">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{escape(title)}</h1>",
        f'<p class="meta">Positions as of <b data-figure="as-of">{format_date(m.as_of)}</b>, '
        f"from the DSPT export {escape(m.current.label)}. {escape(provenance.sentence())}</p></header>",
        _export_flags(checks),
        _headline(m),
        _changes(m),
        _tiers_and_types(m),
        _standings(m),
        _stopping(m),
        _certificates(m),
    ]
    yield "".join(parts).encode("utf-8")
    for piece in _providers(m):
        yield piece.encode("utf-8")
    yield (f'<footer class="meta"><p>{escape(provenance.sentence())} Library SHA-256 '
           f"{escape(provenance.library_sha256)}; profile SHA-256 {escape(provenance.profile_sha256)}.</p></footer>"
           f"<script>{SCRIPT}</script></body></html>\n").encode("utf-8")


def _export_flags(checks: ExportChecks | None) -> str:
    """What the export cannot support, before any figure: the same checks as the letters'."""
    if checks is None or not (checks.over or checks.warnings):
        return ""
    items = [f"<li>{escape(c.name)}: {escape(c.found)}; {escape(c.fix)}</li>" for c in checks.over]
    items += [f"<li>{escape(w)}</li>" for w in checks.warnings]
    lead = ("The DSPT export fails a check: the figures below may not be true as of this date."
            if checks.over else "Check the DSPT export:")
    return f'<section class="flags" data-figure="export-checks"><p><b>{lead}</b></p><ul>{"".join(items)}</ul></section>'


def _more(count: int, what: str, sheet: str) -> str:
    """The note under a list cut at :data:`LISTED` rows (the page stays light to open)."""
    if count <= LISTED:
        return ""
    return (f'<p class="meta">The first {LISTED} of {count} {what} are listed; overview.xlsx has them all '
            f"(sheet {sheet}).</p>")


def _figure(key: str, value: str, label: str) -> str:
    return f'<div class="figure"><span class="n" data-figure="{key}">{escape(value)}</span><span class="l">{escape(label)}</span></div>'


def _headline(m: Market) -> str:
    share = m.meeting
    needing = m.referral_count
    within = m.stopping_count(EXPIRY_HORIZONS[-1])
    return (
        '<section id="headline"><h2>At a glance</h2><div class="figures">'
        + _figure("providers", str(share.whole), "providers in the register")
        + _figure("meeting", str(share.part), "meet their tier")
        + _figure("meeting-percent", f"{share.percent:.1f}%", "of providers meet their tier")
        + _figure("needing-support", str(needing), "need support (to refer to the LSO: lso-referrals.csv)")
        + _case_figures(m)
        + _figure("stopping-90", str(within), f"publications stop counting within {EXPIRY_HORIZONS[-1]} days")
        + ("" if m.audits is None else _figure(
            "audit-critical-gaps", str(len(m.with_critical_gaps())),
            f"have critical gaps in their latest business continuity plan audit ({len(m.audited())} audited)"))
        + "</div></section>"
    )


def _case_figures(m: Market) -> str:
    """Open cases, overdue Remedial Plans and LSO referrals, from the case record (none
    without one: nothing says "referred" unless a referral was recorded)."""
    if m.cases is None:
        return ""
    overdue = m.overdue_plans()
    oldest = f" (the oldest {overdue[0][2]} days)" if overdue else ""
    referred, opted_out = m.lso_referrals()
    return (
        _figure("open-cases", str(len(m.open_cases())), "open cases")
        + _figure("overdue-plans", str(len(overdue)), f"Remedial Plans overdue{oldest}")
        + _figure("lso-referred", str(referred), "referred to the LSO (recorded)")
        + _figure("lso-opted-out", str(opted_out), "asked not to be referred to the LSO")
    )


def _share_table(caption: str, key: str, shares: dict) -> str:
    rows = "".join(
        f'<tr data-{key}="{escape(name)}"><td>{escape(name)}</td><td class="num">{s.whole}</td>'
        f'<td class="num">{s.part}</td><td class="num">{s.percent:.1f}%</td></tr>'
        for name, s in shares.items()
    )
    return (f'<table id="by-{key}"><thead><tr><th>{escape(caption)}</th><th class="num">providers</th>'
            f'<th class="num">meet their tier</th><th class="num">%</th></tr></thead><tbody>{rows}</tbody></table>')


def _tiers_and_types(m: Market) -> str:
    tiers, types = m.by_tier(), m.by_service_type()
    return (
        '<section id="meeting"><h2>Meeting their tier</h2><h3>By tier</h3>'
        + percent_bars([(t, s.part, s.whole) for t, s in tiers.items()], "Share of providers meeting their tier, by tier")
        + _share_table("tier", "tier", tiers)
        + "<h3>By service type</h3>"
        + '<p class="meta">Service type is the Primary Sector the DSPT export gives the organisation.</p>'
        + percent_bars([(t, s.part, s.whole) for t, s in types.items()], "Share of providers meeting their tier, by service type")
        + _share_table("service type", "service-type", types)
        + "</section>"
    )


def _badge(standing: Standing) -> str:
    return f'<span class="badge {standing.key}" style="background:{COLOURS[standing]}">{escape(standing.value)}</span>'


def _standings(m: Market) -> str:
    counts = m.by_standing()
    rows = "".join(f'<tr data-standing="{s.key}"><td>{_badge(s)}</td><td class="num">{n}</td></tr>' for s, n in counts.items())
    return (
        '<section id="positions"><h2>Contractual positions</h2>'
        + stacked_bar([(s.value, n, COLOURS[s]) for s, n in counts.items()], "Providers by contractual position")
        + f'<table id="by-position"><thead><tr><th>position</th><th class="num">providers</th></tr></thead><tbody>{rows}</tbody></table>'
        + '<p class="meta">Meets tier: the latest publication counts and meets the tier\'s minimum. '
        f"Renewal due: it meets the tier but stops counting within {plural(m.renewal_window_days, 'day')}. "
        "Below tier: it counts but is below the minimum. Standards not met: it counts and is Standards Not Met "
        "or plan agreed. Lapsed: it no longer counts. Not published: registered, nothing published. "
        "Not found: the ODS code is not in the export. Held for review: the code is not in the export but one "
        "a character away is, with a name alike (most likely a mistyped code: check it before writing to the "
        "provider). Shortfall since and Remedial Plan due (in the table of every provider) follow the "
        f"schedule's Remedial Plan terms, for a letter dated {format_date(m.as_of)}.</p></section>"
    )


def _position_cells(p: Provider, pos: Position, as_of: dt.date | None = None) -> str:
    until = pos.valid_until
    cells = [
        f"<td>{escape(p.ods_code)}</td>", f"<td>{escape(p.name)}</td>",
        f"<td>{escape(pos.status_text)}</td>",
        _date_cell(until),
    ]
    if as_of is not None and until is not None:
        cells.append(f'<td class="num">{(until - as_of).days}</td>')
    return "".join(cells)


def _stopping(m: Market) -> str:
    counts = "".join(
        f'<tr><td>within {d} days</td><td class="num" data-figure="stopping-{d}-table">{m.stopping_count(d)}</td></tr>'
        for d in EXPIRY_HORIZONS
    )
    stopping = m.stopping_within(EXPIRY_HORIZONS[-1], limit=LISTED)
    rows = "".join(f"<tr>{_position_cells(p, pos, m.as_of)}</tr>" for p, pos in stopping)
    listing = (
        "<table><thead><tr><th>ODS code</th><th>provider</th><th>DSPT status</th><th>counts until</th>"
        f'<th class="num">days left</th></tr></thead><tbody>{rows}</tbody></table>'
        + _more(m.stopping_count(EXPIRY_HORIZONS[-1]), "publications", "Providers (filter on counts until)")
        if rows else '<p class="none">No publication stops counting within 90 days.</p>'
    )
    return (
        '<section id="stopping" class="long"><h2>Publications that stop counting soon</h2>'
        '<p class="meta">A publication for the year N-(N+1) counts until the deadline a year later; '
        "these count today and stop counting within the period (cumulative).</p>"
        f'<table id="stopping-counts"><tbody>{counts}</tbody></table>{listing}</section>'
    )


def _changes(m: Market) -> str:
    if not m.previous:
        return ('<section id="changes"><h2>Changes since earlier exports</h2><p class="none">No earlier export '
                "was given (--previous FILE), so there are no changes or trend to show.</p></section>")
    points = [(s.date.strftime("%d %b %Y"), 100 * s.meeting / len(s.positions) if s.positions else 0.0)
              for s in m.snapshots]
    trend_rows = "".join(
        f'<tr><td>{escape(s.label)}</td><td data-sort="{s.date.isoformat()}">{format_date(s.date)}</td>'
        f'<td class="num">{s.meeting}</td><td class="num">{len(s.positions)}</td>'
        f'<td class="num">{(100 * s.meeting / len(s.positions) if s.positions else 0):.1f}%</td></tr>'
        for s in m.snapshots
    )
    out = [
        '<section id="changes" class="long"><h2>Changes since earlier exports</h2>',
        '<p class="meta">Each earlier export is read as of its own date. Newly met: did not meet its tier then, '
        "meets it now. Newly lapsed: a publication counted then, and the latest one in this export no longer counts. Fell a level: a publication "
        "counts then and now, and the status now is lower (Standards Exceeded, Standards Met, Approaching "
        "Standards, then the rest). New to the register: the ODS code was not in the earlier export and is in "
        "this one (it registered on the DSPT). Left the register: the code was in the earlier export and is "
        "not in this one.</p>",
        trend_line(points, "Share of providers meeting their tier in each export"),
        "<table id=\"trend\"><thead><tr><th>export</th><th>date</th><th class=\"num\">meet their tier</th>"
        f'<th class="num">providers</th><th class="num">%</th></tr></thead><tbody>{trend_rows}</tbody></table>',
    ]
    for since, changes in reversed(m.changes):
        counts = m.change_counts(changes)
        out.append(f"<h3>Since {escape(since.label)} ({format_date(since.date)})</h3>")
        out.append('<table class="change-counts"><tbody>' + "".join(
            f'<tr data-change="{escape(k.value)}"><td>{escape(k.value)}</td><td class="num">{n}</td></tr>'
            for k, n in counts.items()) + "</tbody></table>")
        if changes:
            out.append("<table><thead><tr><th>ODS code</th><th>provider</th><th>change</th><th>then</th><th>now</th>"
                       "</tr></thead><tbody>" + "".join(
                           f"<tr><td>{escape(c.provider.ods_code)}</td><td>{escape(c.provider.name)}</td>"
                           f"<td>{escape(c.kind.value)}</td><td>{escape(c.before.status_text)} ({escape(c.before.standing.value)})</td>"
                           f"<td>{escape(c.after.status_text)} ({escape(c.after.standing.value)})</td></tr>"
                           for c in changes[:LISTED]) + "</tbody></table>" + _more(len(changes), "changes", "Changes"))
    out.append("</section>")
    return "".join(out)


def _certificates(m: Market) -> str:
    certs = m.certificates()
    if not m.certificates_known:
        body = ('<p class="none" data-figure="certificates">Not recorded: the register has no cyber_essentials_expiry '
                "or cyber_essentials_plus_expiry column and the case record holds no certificate, so nothing is known "
                "of the providers' certificates.</p>")
    elif not certs:
        body = (f'<p class="none">No Cyber Essentials or Cyber Essentials Plus certificate in the register or the case '
                f"record has expired or expires within {CERTIFICATE_HORIZON} days.</p>")
    else:
        body = ("<table id=\"certificates\"><thead><tr><th>ODS code</th><th>provider</th><th>certificate</th><th>expiry</th>"
                '<th>expired or days left</th></tr></thead><tbody>' + "".join(
                    f"<tr><td>{escape(c.provider.ods_code)}</td><td>{escape(c.provider.name)}</td><td>{escape(c.scheme)}</td>"
                    f'<td>{format_date(c.expiry)}</td><td data-sort="{c.days_left(m.as_of)}">{c.describe(m.as_of)}</td></tr>'
                    for c in certs)
                + "</tbody></table>")
    return (f'<section id="cyber-essentials"><h2>Cyber Essentials certificates</h2><p class="meta">From the register\'s '
            f"cyber_essentials_expiry and cyber_essentials_plus_expiry columns and the case record (the later expiry "
            f"of the two): expired, or expiring within "
            f"{CERTIFICATE_HORIZON} days. Both certificates last 12 months.</p>{body}</section>")


def _date_cell(day: dt.date | None) -> str:
    if day is None:
        return '<td data-sort=""></td>'
    return f'<td data-sort="{day.isoformat()}">{format_date(day)}</td>'


def _options(values: Iterable[tuple[str, str]]) -> str:
    return "".join(f'<option value="{escape(v)}">{escape(label)}</option>' for v, label in values)


#: The audit filter's values (``data-audit`` of a provider row) and labels.
AUDIT_FILTER = (("gaps", "critical gaps"), ("clear", "no critical gaps"), ("none", "not audited"))


def _audit_cells(audit: ProviderAudit | None) -> tuple[str, str]:
    """The row's ``data-audit`` value and its two cells: the latest audit's overall score
    and its critical gaps (how many, and the question ids)."""
    if audit is None:
        return "none", '<td class="num" data-sort=""></td><td class="num" data-sort=""></td>'
    completed = f", completed {format_date(audit.completed_on)}" if audit.completed_on else ""
    title = escape(f"question set version {audit.version}{completed}, scored {format_date(audit.scored_on)}")
    score = "" if audit.overall is None else str(audit.overall)
    gaps = len(audit.critical_gaps)
    listed = f": {', '.join(audit.critical_gaps)}" if gaps else ""
    return ("gaps" if gaps else "clear",
            f'<td class="num" data-sort="{score}" title="{title}">{score + "%" if score else "n/a"}</td>'
            f'<td class="num" data-sort="{gaps}">{gaps}{escape(listed)}</td>')


def _providers(m: Market) -> Iterator[str]:
    """The table of every provider, in pieces of :data:`ROWS_A_PIECE` rows."""
    audits = m.audits is not None
    # per cent of the table, in column order
    # (words are never broken: each column is wide enough for its longest word; only the
    # provider's name, its code and the critical gaps' question ids may break anywhere)
    widths = (6, 13, 9, 9, 11, 9, 11, 8, 8, 7, 9) if audits else (7, 16, 9, 10, 13, 11, 12, 10, 12)
    head = ("<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) +
            "</colgroup><thead><tr><th>ODS code</th><th>provider</th><th>tier</th><th>service type</th><th>DSPT status</th>"
            "<th>counts until</th><th>position</th><th>shortfall since</th><th>Remedial Plan due</th>"
            + ('<th class="num">BCP audit score</th><th class="num">critical gaps</th>' if audits else "")
            + "</tr></thead>")
    # the same few dates, tiers and positions recur over thousands of rows: each is written once
    dates: dict[dt.date | None, str] = {}
    badges = {s: f'<td data-sort="{i}">{_badge(s)}</td>' for i, s in enumerate(Standing)}

    def date_cell(day: dt.date | None) -> str:
        cell = dates.get(day)
        if cell is None:
            cell = dates[day] = _date_cell(day)
        return cell

    def row(p: Provider, pos: Position) -> str:
        audit_key, audit_cells = _audit_cells(m.audit(p)) if audits else ("", "")
        tier = escape(p.tier)
        return (
            f'<tr data-position="{pos.standing.key}" data-tier="{tier}"'
            + (f' data-audit="{audit_key}"' if audits else "") + f' title="{escape(pos.reason)}">'
            f'<td class="long">{escape(p.ods_code)}</td><td class="long">{escape(p.name)}</td><td>{tier}</td>'
            f"<td>{escape(m.service_type(pos))}</td><td>{escape(pos.status_text)}</td>"
            f"{date_cell(pos.valid_until)}{badges[pos.standing]}"
            f"{date_cell(pos.contractual.shortfall_since)}{date_cell(pos.contractual.remedial_plan_due)}"
            f"{audit_cells}</tr>"
        )
    controls = (
        '<div class="controls"><label>Search <input id="filter-text" type="search" placeholder="name, code, status"></label>'
        '<label>Position <select id="filter-position"><option value="">all</option>'
        + _options((s.key, s.value) for s in Standing) + "</select></label>"
        '<label>Tier <select id="filter-tier"><option value="">all</option>'
        + _options((t, t) for t in m.tiers) + "</select></label>"
        + ('<label>Audit <select id="filter-audit"><option value="">all</option>'
           + _options(AUDIT_FILTER) + "</select></label>" if audits else "")
        + f'<span>showing <b id="shown">{len(m.providers)}</b> of {plural(len(m.providers), "provider")}; click a heading to sort</span></div>'
    )
    note = ('<p class="meta">BCP audit score: the overall score of the provider\'s latest business continuity plan '
            "audit (n/a: every question answered Not applicable); critical gaps: how many critical questions it "
            "answered No or Partly, with their question ids. Blank: no audit in the scores given.</p>" if audits else "")
    yield f'<section id="all-providers" class="long"><h2>Every provider</h2>{note}{controls}<table id="providers">{head}<tbody>'
    rows = iter(m.rows)
    while piece := "".join(row(p, pos) for p, pos in itertools.islice(rows, ROWS_A_PIECE)):
        yield piece
    yield "</tbody></table></section>"


__all__: Sequence[str] = ["html_chunks", "render_html"]
