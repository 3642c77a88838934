"""``contractgen overview``: the market figures, changes, files and errors, without Click
(except the CLI tests at the end). Browsers and LibreOffice: test_overview_readers.py."""

from __future__ import annotations

import re

import csv
import datetime as dt
import io
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from contractgen.base.errors import ExportError, OutputError, RegisterError, UsageError
from contractgen.dspt.export import read_export
from contractgen.dspt.followup import apply_certificate, provider_certificate
from contractgen.dspt.position import assess_position
from contractgen.overview.market import ChangeKind, Standing
from contractgen.overview.html import render_html
from contractgen.overview.provenance import Provenance
from contractgen.overview.write import build_overview
from contractgen.schedule.render import prepare
from conftest_shared import require_shared_data
from helpers import run_cli
from overview_market import ARCHETYPES, AS_OF, PER_KIND, TRICKY_NAMES, code, write_audit_scores, write_market

REGISTER = "examples/example-borough-providers.csv"
EXPORT = "examples/dspt-export-2026-11-26.csv"
PREVIOUS = "examples/dspt-export-2026-05-29.csv"
EXAMPLE_AS_OF = dt.date(2026, 11, 26)


def example(workspace, tmp_path: Path, **kwargs):
    root = workspace.root
    kwargs.setdefault("previous", [root / PREVIOUS])
    return build_overview(workspace, "example-borough", root / REGISTER, root / EXPORT,
                          as_of=EXAMPLE_AS_OF, output=tmp_path / "out", **kwargs)


def read_csv(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# ------------------------------------------------------------------ golden numbers: the example workspace


def test_example_workspace_golden_numbers(workspace, tmp_path: Path) -> None:
    m = example(workspace, tmp_path).market
    # Riverside Court (VM8K1, Advanced): Standards Exceeded, but its CE Plus certificate
    # expired on 1 November 2026, so it does not meet its tier (issue 15; it used to count)
    assert (m.meeting.part, m.meeting.whole, m.meeting.percent) == (3, 10, 30.0)
    assert {t: (s.part, s.whole) for t, s in m.by_tier().items()} == {
        "foundation": (1, 1), "core": (2, 7), "advanced": (0, 2)}
    assert {t: (s.part, s.whole) for t, s in m.by_service_type().items()} == {
        "Care Home": (2, 5), "Domiciliary Care Organisation": (0, 4), "Social Care": (1, 1)}
    assert {p.ods_code: pos.standing.value for p, pos in m.rows} == {
        "VM1A2": "meets tier", "AH7Q": "lapsed", "C4SD": "below tier", "8KT41": "meets tier",
        "VN3B8": "meets tier", "AS9R": "not published", "VL5F2": "below tier", "VM8K1": "below tier",
        "AW2T": "standards not met", "VL2N9": "lapsed"}
    assert [len(m.stopping_within(d)) for d in (30, 60, 90)] == [0, 0, 0]
    [(since, changes)] = m.changes
    # on 29 May 2026 Oakwood (VL5F2, Advanced) was 24/25 Standards Exceeded with no CE Plus
    # certificate in the register: not counted as meeting (issue 15; it used to count: 5)
    assert (since.label, since.date, since.meeting) == ("dspt-export-2026-05-29.csv", dt.date(2026, 5, 29), 4)
    assert {p.ods_code: pos.standing.value for p, pos in zip(m.providers, since.positions)}["VL5F2"] == "certificate not recorded"
    assert [(c.provider.ods_code, c.kind.value) for c in changes] == [
        ("AH7Q", "newly lapsed"), ("C4SD", "fell a level"), ("8KT41", "new to the register"),
        ("8KT41", "newly met"), ("VL5F2", "fell a level")]
    assert [(c.provider.ods_code, c.scheme, c.expiry.isoformat()) for c in m.certificates()] == [
        ("AH7Q", "Cyber Essentials", "2026-02-28"), ("VM8K1", "Cyber Essentials Plus", "2026-11-01"),
        ("VM1A2", "Cyber Essentials", "2026-12-15")]


def test_expired_certificates_say_how_long_ago_not_negative_days_left(workspace, tmp_path: Path) -> None:
    """As of 26 November 2026: AH7Q's certificate expired on 28 February 2026, 271 days
    before; VM8K1's on 1 November 2026, 25 days before; VM1A2's expires on 15 December 2026,
    19 days on (it used to show -271 and -25 'days left': an intended change)."""
    html = (example(workspace, tmp_path).output / "overview.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="cyber-essentials">'):]
    section = section[: section.index("</section>")]
    cells = re.findall(r'<td data-sort="(-?\d+)">([^<]*)</td>', section)
    assert cells == [("-271", "expired 271 days ago"), ("-25", "expired 25 days ago"), ("19", "19 days left")]
    assert "-271" not in re.sub(r'data-sort="-?\d+"', "", section)


def test_the_provider_table_keeps_words_whole_with_the_audit_columns(workspace, tmp_path: Path) -> None:
    """Only the provider's code and name and the critical gaps' question ids may break
    inside a word; the tier ("foundation") and the other columns never do ("foundatio|n")."""
    html = (example(workspace, tmp_path).output / "overview.html").read_text(encoding="utf-8")
    assert "#providers td{overflow-wrap:normal;word-break:normal}" in html
    assert "#providers td.long,#providers td:nth-child(11){overflow-wrap:anywhere}" in html  # 11: critical gaps
    row = re.search(r'<tr data-position="[^"]*" data-tier="foundation"[^>]*>(.*?)</tr>', html).group(1)
    assert re.findall(r"<td( class=\"long\")?>([^<]*)</td>", row)[:3] == [(' class="long"', "8KT41"), (' class="long"', "&quot;Café Crème&quot; Supported Living"), ("", "foundation")]


def test_example_referrals_csv(workspace, tmp_path: Path) -> None:
    result = example(workspace, tmp_path)
    rows = read_csv(result.output / "lso-referrals.csv")
    # issue 19: VL5F2 (advanced, 25/26 Standards Met) lacks only Cyber Essentials Plus, a
    # paid certificate, not DSPT support: it is no longer referred to the LSO
    assert [(r["ods_code"], r["need"]) for r in rows] == [
        ("AH7Q", "lapsed"), ("C4SD", "below tier"), ("AS9R", "not published"),
        ("AW2T", "standards not met"), ("VL2N9", "lapsed")]
    first = rows[0]
    assert first["contact_name"] == "Tom Pennington" and first["email"] == "office@harbourview.example.org"
    assert first["address"] == "Unit 3, Quay Business Park\nExampleton EX3 1HV"
    assert first["dspt_status"] == "2024-25 Standards Met" and first["counts_until"] == "2026-06-30"
    assert {r["ods_code"]: r["name"] for r in rows}["AS9R"] == "Sunrise 🌅 Home Support"


def test_a_mistyped_code_is_held_for_review_not_referred(workspace, tmp_path: Path) -> None:
    register = tmp_path / "providers.csv"
    text = (workspace.root / REGISTER).read_text(encoding="utf-8")
    register.write_text(text.replace(",VN3B8,", ",VN3B7,"), encoding="utf-8")
    result = build_overview(workspace, "example-borough", register, workspace.root / EXPORT,
                            as_of=EXAMPLE_AS_OF, output=tmp_path / "out")
    position = {p.ods_code: pos for p, pos in result.market.rows}["VN3B7"]
    assert position.standing is Standing.HELD and not position.meets_tier
    assert "VN3B7" not in {r["ods_code"] for r in read_csv(result.output / "lso-referrals.csv")}
    page = (result.output / "overview.html").read_text(encoding="utf-8")
    assert '<tr data-position="held" data-tier="core"' in page


def test_summary_lines(workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert example(workspace, tmp_path).summary_lines() == [
        "3 of 10 (30.0%) providers meet their tier as of 2026-11-26",
        "  tier foundation: 1 of 1 (100.0%)",
        "  tier core: 2 of 7 (28.6%)",
        "  tier advanced: 0 of 2 (0.0%)",
        "positions: 3 meets tier, 3 below tier, 1 standards not met, 2 lapsed, 1 not published",
        "publications stopping within 30 days: 0, 60 days: 0, 90 days: 0",
        "since dspt-export-2026-05-29.csv (2026-05-29): 1 newly met, 1 newly lapsed, 2 fell a level, "
        "1 new to the register",
        "5 providers to refer to the Local Support Organisation",
        "wrote out/overview.html",
        "wrote out/overview.xlsx",
        "wrote out/lso-referrals.csv",
    ]


# ------------------------------------------------------------------ the synthetic market: hand-checked table


@pytest.fixture
def synthetic(workspace, tmp_path: Path):
    register, exports = write_market(tmp_path)
    return build_overview(workspace, "example-borough", register, exports[-1], previous=exports[:-1],
                          as_of=AS_OF, output=tmp_path / "out")


def test_synthetic_market_matches_the_hand_checked_table(synthetic) -> None:
    m = synthetic.market
    positions = {p.ods_code: pos.standing.value for p, pos in m.rows}
    changes = [{(c.provider.ods_code, c.kind.value) for c in found} for _, found in m.changes]
    for kind, _tier, _statuses, now, since_first, since_second in ARCHETYPES:
        for i in range(PER_KIND):
            c = code(kind, i)
            assert positions[c] == now, (kind, c)
            assert {k for cc, k in changes[0] if cc == c} == set(since_first), (kind, c)
            assert {k for cc, k in changes[1] if cc == c} == set(since_second), (kind, c)


def test_every_position_is_the_letters_model_s_own(synthetic) -> None:
    """The overview works each kind of record's position out once and copies it per
    provider (overview.snapshots.take_snapshot): every copy equals the letters' model run on the
    provider's own record, in every export, and a provider is held only where the letters
    would hold it (test_a_mistyped_code_is_held_for_review_not_referred has one held)."""
    m = synthetic.market
    for snapshot in m.snapshots:
        export = read_export(synthetic.output.parent / snapshot.label)
        for p, pos in zip(m.providers, snapshot.positions):
            record = export.by_code(p.ods_code)
            assert pos.record == record
            assert pos.contractual == apply_certificate(assess_position(record, m.terms[p.tier], snapshot.date),
                                                        provider_certificate(p))
            held = snapshot is m.current and record is None and bool(export.near_matches(p.ods_code, p.name))
            assert (pos.standing is Standing.HELD) == held, p.ods_code


def test_synthetic_market_totals(synthetic) -> None:
    m = synthetic.market
    assert len(m.providers) == 200
    # E's 20 advanced providers were 24/25 Standards Exceeded in the first two exports with
    # no certificate columns in the register: not counted as meeting (issue 15; it was 100, 80)
    assert [(s.date.isoformat(), s.meeting) for s in m.snapshots] == [
        ("2025-05-31", 80), ("2025-11-30", 60), ("2026-05-31", 100)]
    assert {s.value: n for s, n in m.by_standing().items()} == {
        "meets tier": 80, "renewal due": 20, "below tier": 20, "certificate not recorded": 0, "standards not met": 20,
        "lapsed": 20, "not published": 20, "not found": 20, "held for review": 0}
    assert {t: (s.part, s.whole) for t, s in m.by_tier().items()} == {
        "foundation": (20, 20), "core": (80, 160), "advanced": (0, 20)}
    first, second = (m.change_counts(c) for _, c in m.changes)
    assert {k.value: n for k, n in first.items()} == {
        "newly met": 40, "newly lapsed": 20, "fell a level": 40, "new to the register": 40, "left the register": 20}
    assert {k.value: n for k, n in second.items()} == {
        "newly met": 40, "newly lapsed": 0, "fell a level": 40, "new to the register": 20, "left the register": 20}
    # B's 24/25 publications stop counting on 30 June 2026, 30 days after 31 May 2026
    assert [len(m.stopping_within(d)) for d in (29, 30, 60, 90)] == [0, 20, 20, 20]
    # issue 19: the 20 advanced providers below tier have Standards Met (only Cyber
    # Essentials Plus missing): not referred to the LSO, so 100 - 20
    assert len(m.referrals()) == 80


def test_positions_and_changes_are_made_when_read_the_same_each_time(synthetic) -> None:
    """Issue 18: the market holds no position nor change per provider; each is made when
    read, with the provider's own record, and reads the same however it is reached."""
    m = synthetic.market
    positions = list(m.positions)
    assert len(m.positions) == len(positions) == 200
    assert m.positions[5] == positions[5] and m.positions[-1] == positions[-1]
    assert m.positions[10:13] == positions[10:13]
    assert [pos.record for pos in positions] == [m.current.export.by_code(p.ods_code) for p in m.providers]
    assert all(isinstance(s.standings, bytes) for s in m.snapshots)  # one byte a provider
    for _, changes in m.changes:
        every = list(changes)
        assert len(changes) == len(every) == sum(m.change_counts(changes).values())
        assert changes[:7] == every[:7] and changes[3] == every[3] and changes[-1] == every[-1]
        assert m.change_counts(changes) == {k: sum(c.kind is k for c in every) for k in ChangeKind}
    # the publications that stop counting: the first few of them as listed, and how many
    assert m.stopping_within(90, limit=5) == m.stopping_within(90)[:5]
    assert [m.stopping_count(d) for d in (29, 30, 60, 90)] == [len(m.stopping_within(d)) for d in (29, 30, 60, 90)]
    assert m.referral_count == len(m.referrals()) == len(list(m.iter_referrals())) == 80


def test_same_inputs_same_bytes(workspace, tmp_path: Path) -> None:
    register, exports = write_market(tmp_path)
    outputs = []
    for n in (1, 2):
        result = build_overview(workspace, "example-borough", register, exports[-1], previous=exports[:-1],
                                as_of=AS_OF, output=tmp_path / f"out{n}")
        outputs.append({f.name: f.read_bytes() for f in result.files})
    assert outputs[0] == outputs[1]
    with zipfile.ZipFile(io.BytesIO(outputs[0]["overview.xlsx"])) as z:
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert core.count("2026-05-31T00:00:00Z") == 2  # created and modified: the overview's date, not the clock


def test_the_streamed_files_are_the_whole_ones(workspace, synthetic) -> None:
    """overview.html and the workbook's large sheets are written as they are made, never
    whole in memory: the page is the one made whole, and every part of the workbook has
    the CRC and size of what was streamed."""
    library, profile = prepare(workspace, "example-borough")
    html = next(f for f in synthetic.files if f.name == "overview.html")
    assert html.read_bytes() == render_html(synthetic.market, Provenance.of(library, profile), synthetic.export_checks)
    with zipfile.ZipFile(next(f for f in synthetic.files if f.name == "overview.xlsx")) as z:
        assert z.testzip() is None  # every part's CRC and size as streamed
        sheet = z.read("xl/worksheets/sheet2.xml")
    rows = len(synthetic.market.providers) + 1  # and the header
    assert sheet.count(b"<row ") == rows


@pytest.mark.parametrize("midway", [False, True])
def test_a_failure_while_making_the_files_leaves_none_of_them(workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               midway: bool) -> None:
    """The page is written first, to a temporary file; when the workbook then fails (before
    it is begun, or midway through writing it), the page and the workbook's temporary file
    go with it, and an earlier overview's files stay as they were."""
    before = {f.name: f.read_bytes() for f in example(workspace, tmp_path).files}

    def broken(*_args, **_kwargs):
        if midway:
            yield b"PK"
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("contractgen.overview.write.xlsx_chunks", broken if midway else lambda *a: next(broken()))
    # midway, the error comes while the workbook's temporary file is written: it names the file
    with pytest.raises(OutputError if midway else OSError, match="overview.xlsx: No space left" if midway else "No space left"):
        example(workspace, tmp_path, force=True)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(before)  # no temporary file left
    assert {name: (tmp_path / "out" / name).read_bytes() for name in before} == before


def test_previous_exports_are_put_in_date_order(workspace, tmp_path: Path) -> None:
    register, exports = write_market(tmp_path)
    m = build_overview(workspace, "example-borough", register, exports[-1], previous=[exports[1], exports[0]],
                       as_of=AS_OF, output=tmp_path / "out").market
    assert [s.label for s in m.previous] == [exports[0].name, exports[1].name]


# ------------------------------------------------------------------ the files


def test_xlsx_sheets_dates_colours_and_text(synthetic) -> None:
    wb = openpyxl.load_workbook(synthetic.output / "overview.xlsx")
    assert wb.sheetnames == ["Summary", "Providers", "Changes"]
    summary = {row[0]: row[1] for row in wb["Summary"].iter_rows(min_row=6, max_row=13, max_col=2, values_only=True)}
    assert summary["providers in the register"] == 200 and summary["meet their tier"] == 100
    assert summary["share meeting their tier"] == 0.5
    assert len(wb["Summary"]._charts) == 4
    providers = wb["Providers"]
    assert providers.freeze_panes == "A2" and providers.auto_filter.ref == "A1:P201"
    header = [c.value for c in providers[1]]
    rows = {r[0].value: r for r in providers.iter_rows(min_row=2)}
    first = rows[code("A", 0)]
    assert first[header.index("provider")].value == TRICKY_NAMES[0]
    assert first[header.index("provider")].data_type == "s"
    assert first[header.index("published")].value == dt.datetime(2026, 4, 15)
    assert first[header.index("published")].number_format == "dd/mm/yyyy"
    assert first[header.index("position")].fill.fgColor.rgb == "002E7D4F"
    changes = wb["Changes"]
    assert changes.max_row == 1 + 160 + 120


def test_xlsx_formula_looking_names_are_text(synthetic) -> None:
    with zipfile.ZipFile(synthetic.output / "overview.xlsx") as z:
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        strings = z.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in z.namelist() else b""
    assert not any(b"<f>" in s or b"<f " in s for s in sheets)
    for name in TRICKY_NAMES[:4]:
        assert name.encode() in strings or any(name.encode() in s for s in sheets)
    wb = openpyxl.load_workbook(synthetic.output / "overview.xlsx")
    names = [c.value for c in wb["Providers"]["B"]]
    assert all(n in names for n in TRICKY_NAMES)
    quoted = [c for c in wb["Providers"]["B"] if isinstance(c.value, str) and c.value[0] in "=+-@"]
    assert len(quoted) == 4 and all(c.quotePrefix for c in quoted)


def test_html_escapes_and_records_provenance(synthetic) -> None:
    page = (synthetic.output / "overview.html").read_text(encoding="utf-8")
    assert "Oak &amp; &quot;Ash&quot; &lt;Care&gt;" in page and "<Care>" not in page
    assert "دار السلام للرعاية" in page and "Sunrise 🌅 Support" in page
    assert "profile example-borough" in page and "clause library" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "<link" not in page and "src=" not in page


def test_refuses_to_overwrite_without_force(workspace, tmp_path: Path) -> None:
    example(workspace, tmp_path)
    with pytest.raises(OutputError, match=r"3 files already exist in .* \(first: overview.html\); use --force"):
        example(workspace, tmp_path)
    example(workspace, tmp_path, force=True)


# ------------------------------------------------------------------ bad input


def test_unknown_status_stops_with_its_rows(workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    register, exports = write_market(tmp_path)
    text = exports[0].read_text(encoding="utf-8-sig").replace("24/25 Standards Met", "24/25 Standards Mett")
    exports[0].write_text(text, encoding="utf-8-sig")
    with pytest.raises(ExportError) as caught:
        build_overview(workspace, "example-borough", register, exports[-1], previous=[exports[0]],
                       as_of=AS_OF, output=tmp_path / "out")
    assert str(caught.value.problems[0]) == (
        f"{exports[0].name}:2: Status: unknown DSPT status '24/25 Standards Mett'; expected "
        + caught.value.problems[0].message.split("expected ", 1)[1])
    assert "also on rows 3, 4, 5, 6, 7 and" in caught.value.problems[0].message
    assert not (tmp_path / "out").exists()


def test_previous_after_the_date_is_refused(workspace, tmp_path: Path) -> None:
    register, exports = write_market(tmp_path)
    with pytest.raises(UsageError, match=r"--previous .*dspt-export-2026-05-31.csv is dated 2026-05-31, after the "
                                         r"overview's date 2025-12-01"):
        build_overview(workspace, "example-borough", register, exports[1], previous=[exports[2]],
                       as_of=dt.date(2025, 12, 1), output=tmp_path / "out")


def test_previous_without_a_date_uses_its_latest_publication(workspace, tmp_path: Path) -> None:
    register, exports = write_market(tmp_path)
    undated = tmp_path / "older.csv"
    shutil.copy(exports[1], undated)
    m = build_overview(workspace, "example-borough", register, exports[-1], previous=[undated],
                       as_of=AS_OF, output=tmp_path / "out").market
    assert m.previous[0].date == dt.date(2025, 10, 15)


def test_bad_certificate_date_in_the_register(workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    register = tmp_path / "providers.csv"
    register.write_text("name,ods_code,contact_name,email,address,cqc_registered,tier,cyber_essentials_expiry\n"
                        "Maple,VM1A2,,,,yes,core,31 March 2026\n", encoding="utf-8")
    with pytest.raises(RegisterError) as caught:
        build_overview(workspace, "example-borough", register, workspace.root / EXPORT, as_of=EXAMPLE_AS_OF,
                       output=tmp_path / "out")
    assert [str(p) for p in caught.value.problems] == [
        "providers.csv:2: cyber_essentials_expiry: cannot read the date '31 March 2026'; write it as "
        "yyyy-mm-dd or dd/mm/yyyy (e.g. 2026-03-31), or leave the cell blank"]


def test_certificate_dates_from_xlsx_and_text(workspace, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["name", "ods_code", "contact_name", "email", "address", "cqc_registered", "tier",
               "Cyber Essentials Expiry", "cyber_essentials_plus_expiry"])
    ws.append(["Maple", "VM1A2", "", "", "", "yes", "core", dt.datetime(2026, 12, 1), "01/01/2027"])
    wb.save(tmp_path / "providers.xlsx")
    m = build_overview(workspace, "example-borough", tmp_path / "providers.xlsx", workspace.root / EXPORT,
                       as_of=EXAMPLE_AS_OF, output=tmp_path / "out").market
    p = m.providers[0]
    assert (p.cyber_essentials_expiry, p.cyber_essentials_plus_expiry) == (dt.date(2026, 12, 1), dt.date(2027, 1, 1))
    assert [c.scheme for c in m.certificates()] == ["Cyber Essentials", "Cyber Essentials Plus"]


# ------------------------------------------------------------------ the real exports


@pytest.mark.shared_data
def test_real_exports_as_current_and_previous(workspace, tmp_path: Path) -> None:
    data = require_shared_data("dspt-export-2019-06-17.xlsx", "dspt-export-2023-10-17-icb.csv",
                               "dspt-export-2023-11-16-trusts.csv")
    from contractgen.dspt.export import read_export

    trusts = read_export(data / "dspt-export-2023-11-16-trusts.csv")
    icb = read_export(data / "dspt-export-2023-10-17-icb.csv")
    old = read_export(data / "dspt-export-2019-06-17.xlsx")
    picked = [*trusts.records[:30], *icb.records[:10], *[r for r in old.records if r.sector == "Care Home"][:20]]
    register = tmp_path / "providers.csv"
    with register.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "ods_code", "contact_name", "email", "address", "cqc_registered", "tier"])
        w.writerows([r.clean_name, r.code, "", "", "", "", "core"] for r in picked)
    result = build_overview(
        workspace, "example-borough", register, data / "dspt-export-2023-11-16-trusts.csv",
        previous=[data / "dspt-export-2019-06-17.xlsx", data / "dspt-export-2023-10-17-icb.csv"],
        as_of=dt.date(2023, 11, 16), output=tmp_path / "out")
    m = result.market
    assert [s.date for s in m.snapshots] == [dt.date(2019, 6, 17), dt.date(2023, 10, 17), dt.date(2023, 11, 16)]
    now = {p.ods_code: pos for p, pos in m.rows}
    for r in trusts.records[:30]:
        assert now[r.code].record == r
    expected_met = sum(
        1 for r in trusts.records[:30]
        if (r.status.rank or 0) >= 2 and r.year is not None and dt.date(2023, 11, 16) <= r.year.counts_until())
    assert m.meeting.part == expected_met
    assert ChangeKind.LEFT in {c.kind for _, cs in m.changes for c in cs}
    assert {pos.standing for pos in m.positions} >= {Standing.NOT_FOUND, Standing.MEETS}
    assert (result.output / "overview.xlsx").stat().st_size > 0


# ------------------------------------------------------------------ the command line


def test_cli_overview(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_dir)
    result = run_cli("overview", "example-borough", "--providers", REGISTER, "--dspt", EXPORT,
                     "--previous", PREVIOUS, "--as-of", "2026-11-26")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "3 of 10 (30.0%) providers meet their tier as of 2026-11-26"
    assert lines[-3:] == ["wrote out/example-borough-overview/overview.html",
                          "wrote out/example-borough-overview/overview.xlsx",
                          "wrote out/example-borough-overview/lso-referrals.csv"]
    again = run_cli("overview", "example-borough", "--providers", REGISTER, "--dspt", EXPORT, "--as-of", "2026-11-26")
    assert again.exit_code == 1
    assert again.stderr == ("error: 3 files already exist in out/example-borough-overview (first: overview.html); "
                            "use --force to overwrite them, or choose another folder with -o\n")


def test_cli_overview_needs_dspt(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_dir)
    result = run_cli("overview", "example-borough", "--providers", REGISTER)
    assert result.exit_code == 2
    assert "Missing option '--dspt'" in result.stderr


def test_build_writes_each_councils_overview(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_dir)
    result = run_cli("build")
    assert result.exit_code == 0, result.stderr
    assert "2 market overviews" in result.stdout.splitlines()[-1]
    assert "overview" not in result.stderr
    for profile in ("example-borough", "riverside-and-vale"):
        assert sorted(p.name for p in (workspace_dir / "out" / f"{profile}-overview").iterdir()) == [
            "lso-referrals.csv", "overview.html", "overview.xlsx"]
    first = (workspace_dir / "out" / "example-borough-overview" / "overview.xlsx").read_bytes()
    run_cli("build")
    assert (workspace_dir / "out" / "example-borough-overview" / "overview.xlsx").read_bytes() == first


def test_cli_unknown_status_in_an_earlier_export(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_dir)
    earlier = workspace_dir / "dspt-export-2026-01-31.csv"
    earlier.write_text("Code,Organisation Name,Status,Date Of Publication\n"
                       "VM1A2,MAPLE LODGE,25/26 Standards Mett,12/06/2025\n", encoding="utf-8")
    result = run_cli("overview", "example-borough", "--providers", REGISTER, "--dspt", EXPORT,
                     "--previous", earlier.name, "--as-of", "2026-11-26")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("dspt-export-2026-01-31.csv:2: Status: unknown DSPT status '25/26 Standards Mett'; "
                               "expected one of 'Standards Exceeded'")
    assert lines[-1].startswith("error: dspt-export-2026-01-31.csv: 1 problem in the DSPT export")
    assert not (workspace_dir / "out" / "example-borough-overview").exists()


REAL_EXPORTS = ["dspt-export-2019-06-17.xlsx", "dspt-export-2023-10-17-icb.csv", "dspt-export-2023-11-16-trusts.csv"]


@pytest.mark.shared_data
@pytest.mark.parametrize("current", REAL_EXPORTS)
def test_each_real_export_as_the_current_one(workspace, tmp_path: Path, current: str) -> None:
    """Each real export as the current one, with the earlier real exports as previous; the
    positions equal the letters' model read record by record."""
    data = require_shared_data(*REAL_EXPORTS)
    from contractgen.dspt.export import read_export
    from contractgen.dspt.position import assess_position, contract_terms
    from contractgen.schedule.render import prepare

    export = read_export(data / current)
    picked = export.records[:: max(1, len(export.records) // 40)][:40]
    register = tmp_path / "providers.csv"
    with register.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "ods_code", "contact_name", "email", "address", "cqc_registered", "tier"])
        w.writerows([r.clean_name or r.code, r.code, "", "", "", "", "core"] for r in picked)
    as_of = dt.date.fromisoformat(current[12:22])
    earlier = [data / name for name in REAL_EXPORTS if name[12:22] < current[12:22]]
    m = build_overview(workspace, "example-borough", register, data / current, previous=earlier, as_of=as_of,
                       output=tmp_path / "out").market
    assert [s.date.isoformat() for s in m.previous] == [p.name[12:22] for p in earlier]
    library, profile = prepare(workspace, "example-borough")
    terms = contract_terms(library, profile, "core")
    for (p, pos), record in zip(m.rows, picked):
        assert pos.record == record
        assert pos.contractual == assess_position(record, terms, as_of)
    assert m.meeting.part == sum(pos.contractual.meets_tier is True for pos in m.positions)


# ------------------------------------------------------------------ audit scores (issue 10)


def example_scores(folder: Path) -> list[Path]:
    """Two scoring runs: VM1A2 audited twice (the later one has no gaps), AS9R with two
    critical gaps, AW2T with every question Not applicable, and a provider not in the
    register (left out)."""
    autumn = write_audit_scores(folder / "autumn" / "audit-scores.csv", [
        ("VM1A2", "Maple Lodge Care Home", "70", "roles.owner", "2026-09-01", "2026-09-10"),
        ("AS9R", "Sunrise Home Support", "55", "roles.owner; it-records.backups", "2026-09-02", "2026-09-10"),
    ])
    winter = write_audit_scores(folder / "winter" / "audit-scores.csv", [
        ("VM1A2", "Maple Lodge Care Home", "96", "", "2026-11-02", "2026-11-10"),
        ("AW2T", "Willow Court", "", "", "2026-11-03", "2026-11-10"),
        ("ZZ9Z", "Not In The Register Care", "20", "roles.owner", "2026-11-03", "2026-11-10"),
    ])
    return [winter, autumn]


def test_audit_scores_each_providers_latest(workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = example(workspace, tmp_path, audit_scores=example_scores(tmp_path))
    m = result.market
    assert [(p.ods_code, a.overall, a.critical_gaps) for p, a in m.audited()] == [
        ("VM1A2", 96, ()), ("AS9R", 55, ("roles.owner", "it-records.backups")), ("AW2T", None, ())]
    assert [p.ods_code for p, _ in m.with_critical_gaps()] == ["AS9R"]
    lines = result.summary_lines()
    assert lines[-4] == "business continuity plan audits: 3 of 10 providers audited, 1 with critical gaps"
    html = (tmp_path / "out" / "overview.html").read_text(encoding="utf-8")
    assert ('<span class="n" data-figure="audit-critical-gaps">1</span><span class="l">have critical gaps in their '
            "latest business continuity plan audit (3 audited)</span>") in html
    assert '<th class="num">BCP audit score</th><th class="num">critical gaps</th>' in html
    assert '<td class="num" data-sort="2">2: roles.owner, it-records.backups</td>' in html
    assert '<td class="num" data-sort="" title="question set version 1.0.0, completed 3 November 2026, scored 10 November 2026">n/a</td>' in html
    assert '<select id="filter-audit">' in html and "ZZ9Z" not in html
    wb = openpyxl.load_workbook(tmp_path / "out" / "overview.xlsx")
    summary = {row[0]: row[1] for row in wb["Summary"].iter_rows(min_row=6, max_row=20, max_col=2, values_only=True)}
    assert summary["business continuity plan audits (latest per provider)"] == 3
    assert summary["with critical gaps in their latest audit"] == 1
    providers = wb["Providers"]
    header = [c.value for c in providers[1]]
    assert header[-4:] == ["BCP audit score", "critical gaps", "critical gap questions", "audit completed"]
    assert providers.auto_filter.ref == "A1:T11"
    rows = {r[0].value: r for r in providers.iter_rows(min_row=2)}
    score = rows["AS9R"][header.index("BCP audit score")]
    assert score.value == 0.55 and score.number_format == "0%"
    assert rows["AS9R"][header.index("critical gaps")].value == 2
    assert rows["AS9R"][header.index("critical gap questions")].value == "roles.owner; it-records.backups"
    assert rows["VM1A2"][header.index("audit completed")].value == dt.datetime(2026, 11, 2)
    assert rows["AW2T"][header.index("BCP audit score")].value is None
    assert all(c.value is None for c in rows["AH7Q"][-4:])  # not audited


def test_without_audit_scores_nothing_about_audits(workspace, tmp_path: Path) -> None:
    result = example(workspace, tmp_path)
    assert result.market.audits is None
    assert not any("business continuity" in line for line in result.summary_lines())
    html = (tmp_path / "out" / "overview.html").read_text(encoding="utf-8").lower()
    assert "audit" not in html.split("<script>")[0]  # the page's script is the same either way
    wb = openpyxl.load_workbook(tmp_path / "out" / "overview.xlsx")
    assert [c.value for c in wb["Providers"][1]][-1] == "Cyber Essentials Plus expiry"
    assert not any("audit" in str(row[0]) for row in wb["Summary"].iter_rows(values_only=True))


def test_audit_scores_same_inputs_same_bytes(workspace, tmp_path: Path) -> None:
    scores = example_scores(tmp_path / "scores")
    example(workspace, tmp_path / "a", audit_scores=scores)
    example(workspace, tmp_path / "b", audit_scores=scores)
    for name in ("overview.html", "overview.xlsx"):
        assert (tmp_path / "a" / "out" / name).read_bytes() == (tmp_path / "b" / "out" / name).read_bytes()


def test_cli_overview_with_audit_scores(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_dir)
    winter, autumn = example_scores(workspace_dir / "scores")
    result = run_cli("overview", "example-borough", "--providers", REGISTER, "--dspt", EXPORT, "--as-of", "2026-11-26",
                     "--audit-scores", "scores/winter/audit-scores.csv", "--audit-scores", "scores/autumn/audit-scores.csv")
    assert result.exit_code == 0, result.stderr
    assert "business continuity plan audits: 3 of 10 providers audited, 1 with critical gaps" in result.stdout.splitlines()


def test_cli_overview_refuses_a_missing_or_wrong_scores_file(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_dir)
    base = ["overview", "example-borough", "--providers", REGISTER, "--dspt", EXPORT, "--as-of", "2026-11-26"]
    missing = run_cli(*base, "--audit-scores", "scored/audit-scores.csv")
    assert missing.exit_code == 1
    assert missing.stderr == ("error: scored/audit-scores.csv: no such file; give the audit-scores.csv that "
                              "`contractgen audit score` wrote\n")
    wrong = run_cli(*base, "--audit-scores", REGISTER)
    assert wrong.exit_code == 1
    assert wrong.stderr == (f"{REGISTER}:1: not a file of audit scores: no column provider, overall, critical_gaps, "
                            "version, completed_on, scored_on; give the audit-scores.csv that `contractgen audit score` wrote\n")
    bad_row = write_audit_scores(workspace_dir / "bad.csv", [("AS9R", "Sunrise", "ninety", "", "2026-11-02", "2026-11-10")])
    bad = run_cli(*base, "--audit-scores", bad_row.name)
    assert bad.exit_code == 1
    assert bad.stderr == ("bad.csv:2: not a row of audit scores (invalid literal for int() with base 10: 'ninety'); "
                          "write the file again with `contractgen audit score`\n")
    assert not (workspace_dir / "out" / "example-borough-overview").exists()  # nothing written


def test_build_shows_the_audit_scores_of_a_letters_run(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_dir)
    example_scores(workspace_dir / "scores")
    config = workspace_dir / "contractgen.yaml"
    text = config.read_text(encoding="utf-8")
    anchor = "    - profile: example-borough\n"
    assert anchor in text
    config.write_text(text.replace(anchor, anchor + "      audit_scores: [scores/winter/audit-scores.csv, "
                                                    "scores/autumn/audit-scores.csv]\n", 1), encoding="utf-8")
    result = run_cli("build")
    assert result.exit_code == 0, result.stderr
    assert "business continuity plan audits: 3 of 10 providers audited, 1 with critical gaps" in result.stdout.splitlines()
    html = (workspace_dir / "out" / "example-borough-overview" / "overview.html").read_text(encoding="utf-8")
    assert 'data-figure="audit-critical-gaps">1<' in html
    other = (workspace_dir / "out" / "riverside-and-vale-overview" / "overview.html").read_text(encoding="utf-8")
    assert "audit" not in other.lower().split("<script>")[0]


def test_a_part_given_in_chunks_is_zipped_as_the_whole_part() -> None:
    from contractgen.word.package import package_bytes

    whole = "".join(f'<row r="{i}"><c><v>Zoë &amp; Sons {i} 🌅</v></c></row>' for i in range(5000)).encode()
    chunks = iter([whole[:7], whole[7:70_000], b"", whole[70_000:]])
    assert package_bytes({"a.xml": b"<a/>", "sheet.xml": chunks}) == package_bytes({"a.xml": b"<a/>", "sheet.xml": whole})


def test_a_sheets_rows_take_the_probe_rows_place_in_chunks() -> None:
    """The rows are made only as the sheet is written, 500 to a chunk, where the probe row
    stood (a write-only sheet has no dimension element to update)."""
    from openpyxl import Workbook

    from contractgen.overview.xlsxrows import ROWS_A_CHUNK, FastRows

    ws = Workbook(write_only=True).create_sheet("s")
    rows = FastRows(ws, {"date": lambda cell: None})
    rows.feed(lambda: ([(f"Zoë & <Sons> {i}", None)] for i in range(ROWS_A_CHUNK + 1)))
    sheet = b'<worksheet><sheetData><row r="1"/><row r="2"><c s="1"/></row></sheetData></worksheet>'
    chunks = list(rows.apply(sheet))
    assert len(chunks) == 4  # the head, two chunks of rows, the tail
    xml = b"".join(chunks)
    assert xml.count(b"<row ") == ROWS_A_CHUNK + 2 and b'<c s="1"/>' not in xml
    assert b"Zo\xc3\xab &amp; &lt;Sons&gt; 500</t>" in xml and xml.endswith(b"</sheetData></worksheet>")


def test_a_rename_that_fails_leaves_no_temporary_file(workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The three files are renamed into place last; when one rename fails (a file held
    open on Windows), the error names the file and no temporary file is left behind."""
    import contractgen.base.atomic as package

    renames = []
    real = package.os.replace

    def replace(source, target):
        renames.append(Path(target).name)
        if Path(target).name == "overview.xlsx":
            raise PermissionError(13, "Permission denied")
        real(source, target)

    monkeypatch.setattr(package.os, "replace", replace)
    with pytest.raises(OutputError, match=r"cannot write .*overview\.xlsx: Permission denied"):
        example(workspace, tmp_path)
    assert renames == ["overview.html", "overview.xlsx"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["overview.html"]


def test_advanced_providers_of_one_kind_of_record_keep_their_own_certificates() -> None:
    """The positions a snapshot shares are told apart by what the certificate check reads
    (expiry and where it is recorded), for the Advanced tier only; a case record's
    certificate number does not make a position of its own."""
    from contractgen.dspt.case import CaseEvent, EventKind, case_state
    from contractgen.dspt.export import DsptExport
    from contractgen.dspt.position import ContractTerms
    from contractgen.dspt.register import Provider
    from contractgen.dspt.status import DsptRecord, DsptStatus
    from contractgen.overview.snapshots import take_snapshot

    day = dt.date(2026, 11, 26)
    terms = {"advanced": ContractTerms(tier="advanced", minimum=DsptStatus.STANDARDS_EXCEEDED),
             "core": ContractTerms(tier="core", minimum=DsptStatus.STANDARDS_MET)}
    expiries = [None, dt.date(2026, 11, 1), dt.date(2027, 6, 1), None, None, dt.date(2026, 11, 1)]
    providers = [Provider(name=f"Home {i}", ods_code=f"VM{i:03d}", contact_name="", email="", address="", cqc_registered=None,
                          tier="advanced" if i < 5 else "core", row=i + 2, cyber_essentials_plus_expiry=expiries[i])
                 for i in range(6)]
    export = DsptExport("dspt-export.csv", [DsptRecord.from_raw(p.ods_code, p.name, "25/26 Standards Exceeded", dt.date(2026, 3, 10))
                                            for p in providers])
    # providers 3 and 4: the same certificate in the case record (expiry 1 June 2027), under two numbers
    cases = {p.ods_code: case_state(p.ods_code, [CaseEvent(p.ods_code, EventKind.CERTIFICATE, dt.date(2026, 6, 1),
                                                           {"scheme": "ce-plus", "expiry": "2027-06-01", "number": f"CE-{i}"}, id=i)])
             for i, p in enumerate(providers) if i in (3, 4)}
    snapshot = take_snapshot(providers, export, "dspt-export.csv", day, terms, cases=cases)
    positions = [snapshot.position(i) for i in range(6)]
    for i, (p, pos) in enumerate(zip(providers, positions)):
        record = export.by_code(p.ods_code)
        assert pos.record is record
        assert pos.contractual == apply_certificate(assess_position(record, terms[p.tier], day), provider_certificate(p, cases.get(p.ods_code)))
    # by hand: none recorded: not known to meet; expired 1 November 2026: below its tier; current (1 June 2027, in the
    # register or the case record): meets it; a Core provider's expired certificate is not read
    assert [pos.standing.value for pos in positions] == [
        "certificate not recorded", "below tier", "meets tier", "meets tier", "meets tier", "meets tier"]
    assert [pos.contractual.certificate_expiry for pos in positions] == [
        None, dt.date(2026, 11, 1), dt.date(2027, 6, 1), dt.date(2027, 6, 1), dt.date(2027, 6, 1), None]
    # shared: none; expired; current in the register; current in the case record (both numbers); the Core one
    assert len(snapshot.shared) == 5
