"""The overview in the programs people open it with: overview.html in headless Chromium
(driven by Playwright, with Debian's own browser), overview.xlsx in LibreOffice Calc.
These never skip in CI."""

from __future__ import annotations

import csv
import re
import struct
from pathlib import Path

import pytest

from contractgen.overview.market import Standing
from contractgen.overview.write import build_overview
from overview_market import AS_OF, code, write_audit_scores, write_market

pytestmark = pytest.mark.reader

#: Chromium's flags for a closed network and a throwaway profile.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, after checking its signature and header chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


class Browser:
    """One Chromium for the module, a fresh profile; a page per file, recording every
    console error, page error and request."""

    def __init__(self, context) -> None:
        self.context = context

    def open(self, path: Path):
        page = self.context.new_page()
        page.errors = []  # type: ignore[attr-defined]
        page.requests = []  # type: ignore[attr-defined]
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("request", lambda r: page.requests.append(r.url))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        return page


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    from conftest import require_tool

    executable = require_tool("chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=executable, headless=True,
            args=CHROMIUM_FLAGS, viewport={"width": 1200, "height": 900}, offline=True)
        try:
            yield Browser(context)
        finally:
            context.close()


@pytest.fixture(scope="module")
def market_files(tmp_path_factory: pytest.TempPathFactory):
    from contractgen.library.workspace import load_workspace
    from conftest import ROOT

    folder = tmp_path_factory.mktemp("market")
    register, exports = write_market(folder)
    return build_overview(load_workspace(ROOT), "example-borough", register, exports[-1], previous=exports[:-1],
                          as_of=AS_OF, output=folder / "out")


@pytest.fixture(scope="module")
def audited_files(tmp_path_factory: pytest.TempPathFactory):
    """The synthetic market with audit scores for 30 providers: every third has a
    critical gap, one has no overall score (every question Not applicable)."""
    from contractgen.library.workspace import load_workspace
    from conftest import ROOT

    folder = tmp_path_factory.mktemp("audited")
    register, exports = write_market(folder)
    rows = [(code("A", i), f"A{i}", "" if i == 5 else str(40 + 2 * i), "roles.owner" if i % 3 == 0 else "",
             "2026-04-01", "2026-04-10") for i in range(15)]
    rows += [(code("B", i), f"B{i}", str(90 - i), "", "2026-04-01", "2026-04-10") for i in range(15)]
    scores = write_audit_scores(folder / "audit-scores.csv", rows)
    return build_overview(load_workspace(ROOT), "example-borough", register, exports[-1], previous=exports[:-1],
                          as_of=AS_OF, output=folder / "out", audit_scores=[scores])


def test_audit_columns_sort_and_filter(browser, audited_files) -> None:
    m = audited_files.market
    page = browser.open(audited_files.output / "overview.html")
    assert page.errors == []
    assert figure(page, "audit-critical-gaps") == str(len(m.with_critical_gaps())) == "5"
    heads = page.eval_on_selector_all("#providers thead th", "hs => hs.map(h => h.innerText.trim())")
    assert heads[-2:] == ["BCP audit score", "critical gaps"]
    page.click("#providers th:nth-child(10)")  # the score, as a number; blanks (not audited, n/a) last
    scores = _column(page, 9)
    expected = sorted(a.overall for _, a in m.audited() if a.overall is not None)
    assert scores[:len(expected)] == [f"{n}%" for n in expected]
    assert sorted(set(scores[len(expected):])) == ["", "n/a"]  # n/a and not audited: blanks, after
    assert len(scores) == 200
    page.click("#providers th:nth-child(11)")
    page.click("#providers th:nth-child(11)")  # most critical gaps first
    assert _column(page, 10)[:5] == ["1: roles.owner"] * 5
    page.select_option("#filter-audit", "gaps")
    assert page.inner_text("#shown") == "5"
    assert sorted(_column(page, 0)) == sorted(p.ods_code for p, _ in m.with_critical_gaps())
    page.select_option("#filter-audit", "clear")
    assert page.inner_text("#shown") == "25"
    page.select_option("#filter-audit", "none")
    assert page.inner_text("#shown") == "170"
    page.select_option("#filter-position", Standing.LAPSED.key)  # with the other filters
    assert page.inner_text("#shown") == "20"
    page.select_option("#filter-audit", "")
    page.select_option("#filter-position", "")
    page.fill("#filter-text", "roles.owner")
    assert page.inner_text("#shown") == "5"
    assert page.errors == []
    page.close()


def figure(page, key: str) -> str:
    return page.locator(f'[data-figure="{key}"]').first.inner_text()


def test_page_opens_without_errors_or_network(browser, market_files) -> None:
    page = browser.open(market_files.output / "overview.html")
    assert page.errors == []
    assert page.requests and all(url.startswith("file://") for url in page.requests), page.requests
    page.close()


def test_headline_numbers_in_the_dom_equal_the_computed_ones(browser, market_files) -> None:
    m = market_files.market
    page = browser.open(market_files.output / "overview.html")
    assert figure(page, "providers") == str(len(m.providers)) == "200"
    assert figure(page, "meeting") == str(m.meeting.part) == "100"
    assert figure(page, "meeting-percent") == f"{m.meeting.percent:.1f}%" == "50.0%"
    assert figure(page, "needing-support") == str(len(m.referrals()))
    assert figure(page, "stopping-90") == str(len(m.stopping_within(90))) == "20"
    tiers = page.eval_on_selector_all("#by-tier tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))")
    assert tiers == [[t, str(s.whole), str(s.part), f"{s.percent:.1f}%"] for t, s in m.by_tier().items()]
    types = page.eval_on_selector_all("#by-service-type tbody tr", "rows => rows.map(r => r.cells[2].innerText)")
    assert types == [str(s.part) for s in m.by_service_type().values()]
    positions = page.eval_on_selector_all("#by-position tbody tr", "rows => rows.map(r => r.cells[1].innerText)")
    assert positions == [str(n) for n in m.by_standing().values()]
    changes = page.eval_on_selector_all(".change-counts", "ts => ts.map(t => [...t.rows].map(r => r.cells[1].innerText))")
    assert changes == [[str(n) for n in m.change_counts(c).values()] for _, c in reversed(m.changes)]
    page.close()


def _column(page, index: int) -> list[str]:
    return page.eval_on_selector_all(
        "#providers tbody tr:not([hidden])", f"rows => rows.map(r => r.cells[{index}].innerText)")


def test_sorting_the_provider_table(browser, market_files) -> None:
    page = browser.open(market_files.output / "overview.html")
    page.click("#providers th:nth-child(1)")
    codes = _column(page, 0)
    assert codes == sorted(codes, key=str.lower) and len(codes) == 200
    page.click("#providers th:nth-child(1)")
    assert _column(page, 0) == sorted(codes, key=str.lower, reverse=True)
    page.click("#providers th:nth-child(6)")  # counts until: by date, blanks first
    keys = page.eval_on_selector_all("#providers tbody tr", "rows => rows.map(r => r.cells[5].dataset.sort)")
    assert keys == sorted(keys)
    assert page.get_attribute("#providers th:nth-child(6)", "aria-sort") == "ascending"
    assert page.errors == []
    page.close()


def test_filtering_the_provider_table(browser, market_files) -> None:
    m = market_files.market
    page = browser.open(market_files.output / "overview.html")
    page.select_option("#filter-position", Standing.LAPSED.key)
    assert page.inner_text("#shown") == "20"
    assert set(_column(page, 0)) == {code("D", i) for i in range(20)}
    page.select_option("#filter-position", "")
    page.select_option("#filter-tier", "advanced")
    assert page.inner_text("#shown") == str(m.by_tier()["advanced"].whole)
    page.select_option("#filter-tier", "")
    page.fill("#filter-text", "دار السلام")
    assert _column(page, 1) == ["دار السلام للرعاية"]
    page.fill("#filter-text", "=sum(")
    assert _column(page, 1) == ["=SUM(A1:A9)"]
    page.fill("#filter-text", "")
    assert page.inner_text("#shown") == "200"
    assert page.errors == []
    page.close()


def test_screenshot_and_a4_pdf(browser, market_files, tmp_path: Path) -> None:
    page = browser.open(market_files.output / "overview.html")
    shot = page.screenshot(full_page=True)
    width, height = png_size(shot)
    assert width == 1200 and height > 2000
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf))
    assert boxes and all(abs(float(w) - 595.92) < 1.5 and abs(float(h) - 842.88) < 1.5 for w, h in boxes), boxes
    (tmp_path / "overview.pdf").write_bytes(pdf)
    page.close()
    import subprocess

    from conftest import require_tool

    text = subprocess.run([require_tool("pdftotext"), "-layout", str(tmp_path / "overview.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "DSPT market overview" in text
    assert code("I", 19) in text  # only in the table of every provider, at the end: the whole table prints


def test_ten_thousand_rows_stay_usable(browser, tmp_path: Path) -> None:
    from contractgen.library.workspace import load_workspace
    from conftest import ROOT

    register, exports = write_market(tmp_path, per_kind=1000)
    result = build_overview(load_workspace(ROOT), "example-borough", register, exports[-1], previous=exports[:-1],
                            as_of=AS_OF, output=tmp_path / "out")
    page = browser.open(result.output / "overview.html")
    assert figure(page, "providers") == "10000"
    changes = page.inner_text("#changes")
    for count in (6000, 8000):  # since each earlier export
        assert f"The first 500 of {count} changes are listed; overview.xlsx has them all (sheet Changes)." in changes
    took = page.evaluate("""() => {
        const t0 = performance.now();
        document.querySelector('#providers th:nth-child(2)').click();
        const t1 = performance.now();
        const box = document.getElementById('filter-text');
        box.value = 'provider c'; box.dispatchEvent(new Event('input'));
        const t2 = performance.now();
        return [t1 - t0, t2 - t1, document.getElementById('shown').textContent];
    }""")
    sort_ms, filter_ms, shown = took
    assert shown == "1000"
    assert sort_ms < 3000 and filter_ms < 1500, took
    assert page.errors == []
    page.close()


def test_chromium_command_line_prints_the_page(market_files, tmp_path: Path) -> None:
    """Chromium's own --print-to-pdf, as a user without Playwright would print it."""
    import subprocess

    from conftest import require_tool

    chromium = require_tool("chromium")
    pdf = tmp_path / "printed.pdf"
    subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", (market_files.output / "overview.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


# ------------------------------------------------------------------ LibreOffice Calc


def test_xlsx_in_libreoffice(libreoffice_calc, market_files, tmp_path: Path) -> None:
    """LibreOffice opens overview.xlsx; every sheet converted to CSV holds the numbers."""
    m = market_files.market
    result = libreoffice_calc._run(
        "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
        "--outdir", str(tmp_path), str(market_files.output / "overview.xlsx"))
    sheets = {p.stem.split("-", 1)[1]: p for p in tmp_path.glob("overview-*.csv")}
    assert set(sheets) == {"Summary", "Providers", "Changes"}, result.stdout + result.stderr

    def rows(name: str) -> list[list[str]]:
        return list(csv.reader(sheets[name].open(encoding="utf-8", newline="")))

    summary = {r[0]: r[1] for r in rows("Summary") if len(r) > 1}
    assert summary["providers in the register"] == "200"
    assert summary["meet their tier"] == str(m.meeting.part)
    assert summary["share meeting their tier"] == "50.0%"
    assert summary["positions as of"] == AS_OF.strftime("%d/%m/%Y")
    providers = rows("Providers")
    assert len(providers) == 201
    header = providers[0]
    by_code = {r[0]: r for r in providers[1:]}
    first = by_code[code("A", 0)]
    assert first[header.index("provider")] == "=SUM(A1:A9)"  # text, never evaluated
    assert first[header.index("published")] == "15/04/2026"
    names = {r[header.index("provider")] for r in providers[1:]}
    assert {"+44 Care", "-minus Homes", "@home care", "دار السلام للرعاية", "Sunrise 🌅 Support"} <= names
    positions = [r[header.index("position")] for r in providers[1:]]
    assert positions.count("lapsed") == m.by_standing()[Standing.LAPSED]
    assert len(rows("Changes")) == 1 + sum(len(c) for _, c in m.changes)


# ------------------------------------------------------------------ the README's screenshot


def test_readme_screenshot_is_regenerated(tmp_path: Path) -> None:
    """scripts/overview_screenshot.py makes docs/overview.png from the example workspace
    (run as a user runs it); the committed one is a PNG of the same size (pixels may
    differ between machines)."""
    import subprocess
    import sys

    from conftest import ROOT, require_tool

    require_tool("chromium")
    fresh = tmp_path / "overview.png"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "overview_screenshot.py"), str(fresh)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {fresh}\n"
    for data in (fresh.read_bytes(), (ROOT / "docs" / "overview.png").read_bytes()):
        assert png_size(data) == (1200, 1900)
        assert 50_000 < len(data) < 3_000_000
    assert "docs/overview.png" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_no_word_of_the_provider_table_is_broken_or_cut(browser, market_files) -> None:
    """With the audit columns shown, on screen and printed on A4: words are never broken
    inside ("foundatio|n"), so each must fit its column: no cell's content is wider than
    the cell, but for the provider's code and name and the critical gaps, which may break."""
    page = browser.open(market_files.output / "overview.html")
    script = """() => {
        const out = [];
        for (const row of Array.from(document.querySelectorAll('#providers tbody tr')).slice(0, 400)) {
            row.querySelectorAll('td').forEach((td, i) => {
                if (td.classList.contains('long') || i === 10) return;
                if (td.scrollWidth > td.clientWidth + 1) out.push(td.textContent);
            });
        }
        return out;
    }"""
    assert page.evaluate(script) == []
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 720, "height": 1000})  # A4 less its margins, at 96 dpi
    assert page.evaluate(script) == []
    page.close()
