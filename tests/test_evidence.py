"""Issue 19: the DSPT export is checked before any letter is written from it, and the
overview reads the same checks. Every expected value is stated by hand."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest_shared import require_shared_data
from helpers import docx_text, files_under, run_cli
from helpers_audit import answers, fill_form, provider_details
from test_audit import EXAMPLE_REGISTER, SCORED, audit_of, blank_form
from test_letters import letter_text, provider_row, write_export, write_register

from contractgen.audit.form import control_tag
from contractgen.audit.score import score_audit_forms
from contractgen.dspt.evidence import ExportRefusedError, check_export, export_date
from contractgen.dspt.export import read_export
from contractgen.dspt.position import assess_position, contract_terms
from contractgen.dspt.status import AssessmentYear, DsptRecord
from contractgen.letters.generate import generate_letters
from contractgen.library.clauses import load_library
from contractgen.library.workspace import ExportLimits
from contractgen.schedule.render import prepare
from contractgen.word.ooxml import bookmark_name

REGISTER = "examples/example-borough-providers.csv"
EXPORT = "examples/dspt-export-2026-11-26.csv"
OLD_EXPORT = "examples/dspt-export-2026-05-29.csv"
TRY_AGAIN = ('correct the export or the as-of date and run again, or give --accept-export "REASON" to go on: '
             "the reason is recorded in the report and the letters")


@pytest.fixture
def ws(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(workspace_dir)
    return workspace_dir


def letters(*args: str):
    return run_cli("letters", "example-borough", "--providers", REGISTER, "--workers", "1", "-o", "out", *args)


def test_an_export_dated_by_its_name_189_days_before_the_letters_is_refused(ws: Path) -> None:
    """Issue 19, example 1: Maple Lodge published 25/26 Standards Met on 12 June 2026,
    after this export of 29 May 2026 was downloaded: no letter may rely on it in December."""
    result = letters("--dspt", OLD_EXPORT, "--as-of", "2026-12-04")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: nothing written: the DSPT export examples/dspt-export-2026-05-29.csv fails 1 check for the date 2026-12-04:",
        "  date: dated 29 May 2026 by its file name, 189 days before 4 December 2026, over the limit of 31 days "
        "(export_checks.max_age_days); download the current export from the DSPT organisation search",
        TRY_AGAIN,
    ]
    assert not (ws / "out").exists()


def test_a_publication_after_the_as_of_date_is_refused(ws: Path) -> None:
    """Issue 19, example 3: a letter dated 1 October 2025 cannot confirm a publication of 27 June 2026."""
    result = letters("--dspt", EXPORT, "--as-of", "2025-10-01")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: nothing written: the DSPT export examples/dspt-export-2026-11-26.csv fails 1 check for the date 2025-10-01:",
        "  publications after the as-of date: 11 publications dated after 1 October 2025: row 2 VM1A2 (12 June 2026), "
        "row 4 C4SD (27 June 2026), row 5 8KT41 (2 May 2026), row 6 VN3B8 (15 June 2026), row 8 VL5F2 (30 June 2026) "
        "and 6 more; use the export of that date, or an as-of date on or after the latest publication",
        TRY_AGAIN,
    ]
    assert not (ws / "out").exists()


@pytest.mark.shared_data
def test_the_nhs_trusts_export_is_refused(ws: Path) -> None:
    """Issue 19, example 2: 211 NHS trusts, no care provider: not one "could not find your code" letter."""
    trusts = require_shared_data("dspt-export-2023-11-16-trusts.csv") / "dspt-export-2023-11-16-trusts.csv"
    result = letters("--dspt", str(trusts), "--as-of", "2023-11-20")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[1:3] == [
        "  register codes found: 0 of 10 (0%) of the register's ODS codes are in the export, under the limit of 50% "
        "(export_checks.min_found); check that the export is the full organisation search download and the "
        "register's codes are ODS codes",
        "  social care organisations: 0 of 211 organisations have a social care Primary Sector (sectors found: NHS Trust); "
        "download the export of all organisations, or of social care, not of another sector",
    ]
    assert lines[0].endswith("dspt-export-2023-11-16-trusts.csv fails 2 checks for the date 2023-11-20:")
    assert not (ws / "out").exists()


def test_accept_export_goes_on_and_records_the_reason(ws: Path) -> None:
    reason = "downloaded on 29 May; the DSPT site was down (checked by hand)"
    result = letters("--dspt", OLD_EXPORT, "--as-of", "2026-12-04", "--accept-export", reason)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-2:] == [
        "export check: date: dated 29 May 2026 by its file name, 189 days before 4 December 2026, over the limit of "
        "31 days (export_checks.max_age_days)",
        f"export accepted despite 1 failed check: {reason}",
    ]
    checks = (ws / "out" / "checks.txt").read_text(encoding="utf-8").splitlines()
    assert checks[0] == "contractgen: checks of the DSPT export before the letters"
    assert checks[1] == "DSPT export: examples/dspt-export-2026-05-29.csv"
    assert checks[2] == "as of: 2026-12-04"
    assert checks[3].startswith("date: OVER THE LIMIT: dated 29 May 2026 by its file name")
    assert checks[-1] == f"accepted despite the checks over their limits: {reason}"
    with zipfile.ZipFile(ws / "out" / "VM1A2-maple-lodge-care-home.docx") as z:
        custom = z.read("docProps/custom.xml").decode("utf-8")
    assert f"<vt:lpwstr>{reason}</vt:lpwstr>" in custom
    assert "<vt:lpwstr>2026-05-29</vt:lpwstr>" in custom
    assert "checks.txt" in files_under(ws / "out")


def test_accept_export_needs_a_reason(ws: Path) -> None:
    result = letters("--dspt", OLD_EXPORT, "--as-of", "2026-12-04", "--accept-export", "  ")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ['error: --accept-export needs a reason, e.g. --accept-export "checked by hand on the DSPT site"']


def test_checks_within_limits_are_written_beside_the_report(ws: Path) -> None:
    result = letters("--dspt", EXPORT, "--as-of", "2026-11-26")
    assert result.exit_code == 0, result.stderr
    assert (ws / "out" / "checks.txt").read_text(encoding="utf-8").splitlines() == [
        "contractgen: checks of the DSPT export before the letters",
        "DSPT export: examples/dspt-export-2026-11-26.csv",
        "as of: 2026-11-26",
        "date: ok: dated 26 November 2026 by its file name, 0 days before 26 November 2026 (limit 31 days)",
        "register codes found: ok: 10 of 10 (100%) of the register's ODS codes are in the export (limit 50%)",
        "social care organisations: ok: 16 of 16 organisations have a social care Primary Sector",
        "publications after the as-of date: ok: none after 26 November 2026",
        "accepted despite the checks: no (every check within its limit)",
    ]


def test_an_undated_export_may_be_as_old_as_its_latest_publication_and_is_refused_over_the_limit(ws: Path) -> None:
    """An export downloaded on or after its latest publication, with no date in its name,
    may be as old as that publication: 305 days before the letters' date, it cannot be
    stated as the provider's record (the reviewer's case). Within the limit it passes,
    with the uncertainty said; dated by its name, it is checked by that."""
    undated = ws / "export.csv"
    undated.write_bytes((ws / EXPORT).read_bytes())  # latest publication 30 June 2026
    result = letters("--dspt", "export.csv", "--as-of", "2027-05-01")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: nothing written: the DSPT export export.csv fails 1 check for the date 2027-05-01:",
        "  date: dated 30 June 2026 by its latest publication, 305 days before 1 May 2027; the download date is not "
        "known, so the export may be that old, over the limit of 31 days (export_checks.max_age_days); put the day you "
        "downloaded it in the file name (dspt-export-YYYY-MM-DD.csv), or download the current export from the DSPT "
        "organisation search",
        "correct the export or the as-of date and run again, or give --accept-export \"REASON\" to go on: the reason "
        "is recorded in the report and the letters",
    ]
    assert not (ws / "out").exists()
    result = letters("--dspt", "export.csv", "--as-of", "2026-07-20")  # 20 days after its latest publication
    assert result.exit_code == 0, result.stderr
    assert (ws / "out" / "checks.txt").read_text(encoding="utf-8").splitlines()[3] == (
        "date: ok: dated 30 June 2026 by its latest publication, 20 days before 20 July 2026; the download date is "
        "not known, so the export may be that old (limit 31 days)"
    )


def test_limits_come_from_contractgen_yaml(ws: Path) -> None:
    config = ws / "contractgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "export_checks:\n  max_age_days: 200\n", encoding="utf-8")
    result = letters("--dspt", OLD_EXPORT, "--as-of", "2026-12-04")
    assert result.exit_code == 0, result.stderr


def test_export_date_from_the_name_else_the_latest_publication(tmp_path: Path) -> None:
    named = write_export(tmp_path / "dspt-export-2026-10-31.csv", [("VM1A2", "MAPLE", "25/26 Standards Met", "12/06/2026")])
    assert export_date(named, read_export(named)) == (dt.date(2026, 10, 31), "its file name")
    plain = write_export(tmp_path / "export.csv", [("VM1A2", "MAPLE", "25/26 Standards Met", "12/06/2026"),
                                                   ("AH7Q", "HARBOUR", "25/26 Standards Met", "20/06/2026")])
    assert export_date(plain, read_export(plain)) == (dt.date(2026, 6, 20), "its latest publication")


def test_few_register_codes_found_is_only_checked_for_five_or_more(tmp_path: Path) -> None:
    export_file = write_export(tmp_path / "export.csv", [("VM1A2", "MAPLE", "25/26 Standards Met", "12/06/2026")])
    export = read_export(export_file)
    few = check_export(export_file, export, dt.date(2026, 6, 20), ["XX01", "XX02"], ExportLimits())
    assert few.over == []
    many = check_export(export_file, export, dt.date(2026, 6, 20), ["VM1A2", "XX01", "XX02", "XX03", "XX04"], ExportLimits())
    assert [c.name for c in many.over] == ["register codes found"]
    assert many.over[0].found.startswith("1 of 5 (20%) of the register's ODS codes")
    with pytest.raises(ExportRefusedError):
        many.enforce(None)


def test_duplicate_codes_are_named_with_their_rows(tmp_path: Path) -> None:
    export_file = write_export(tmp_path / "export.csv", [
        ("VM1A2", "MAPLE", "25/26 Standards Met", "12/06/2026"),
        ("VM1A2", "MAPLE", "24/25 Standards Met", "14/06/2025"),
    ])
    checks = check_export(export_file, read_export(export_file), dt.date(2026, 6, 20), ["VM1A2"], ExportLimits())
    assert checks.warnings == [
        "ODS code VM1A2 is on more than one row: row 2 is used (the latest publication), row 3 is not; "
        "check the organisation on the DSPT"
    ]
    assert checks.summary_lines() == ["export check: " + checks.warnings[0]]


def test_the_overview_flags_a_stale_export_on_its_first_screen(ws: Path) -> None:
    result = run_cli("overview", "example-borough", "-p", REGISTER, "--dspt", OLD_EXPORT, "--as-of", "2026-12-04", "-o", "ov")
    assert result.exit_code == 0, result.stderr
    assert ("export check: date: dated 29 May 2026 by its file name, 189 days before 4 December 2026, over the limit "
            "of 31 days (export_checks.max_age_days)") in result.stdout.splitlines()
    page = (ws / "ov" / "overview.html").read_text(encoding="utf-8")
    flags = page.index('data-figure="export-checks"')
    assert flags < page.index("<h2")  # before any figure
    assert "The DSPT export fails a check: the figures below may not be true as of this date." in page
    shutil.rmtree(ws / "ov")


def test_certificates_are_not_recorded_without_the_columns(ws: Path) -> None:
    """Issue 19, item 5: Riverside & Vale's register has no certificate columns: the
    overview says so instead of claiming that no certificate has expired."""
    result = run_cli("overview", "riverside-and-vale", "-p", "examples/riverside-and-vale-providers.csv", "--dspt", EXPORT,
                     "--as-of", "2026-11-26", "-o", "rv")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    page = (ws / "rv" / "overview.html").read_text(encoding="utf-8")
    # issue 15: the case record is read too, so the sentence says it holds none either
    assert ("Not recorded: the register has no cyber_essentials_expiry or cyber_essentials_plus_expiry column and the "
            "case record holds no certificate, so nothing is known of the providers' certificates.") in page
    assert "No Cyber Essentials or Cyber Essentials Plus certificate in the register has expired" not in page
    borough = run_cli("overview", "example-borough", "-p", REGISTER, "--dspt", EXPORT, "--as-of", "2026-11-26", "-o", "eb")
    assert borough.exit_code == 0, borough.stderr
    assert "Not recorded: the register has no" not in (ws / "eb" / "overview.html").read_text(encoding="utf-8")


def test_the_overview_claims_no_referral_and_refers_no_one_only_for_cyber_essentials_plus(ws: Path) -> None:
    """Issue 19, item 9: the tool writes a CSV, it does not refer anyone; Oakwood (VL5F2,
    advanced tier, 25/26 Standards Met) lacks only Cyber Essentials Plus."""
    result = run_cli("overview", "example-borough", "-p", REGISTER, "--dspt", EXPORT, "--as-of", "2026-11-26", "-o", "eb")
    assert result.exit_code == 0, result.stderr
    page = (ws / "eb" / "overview.html").read_text(encoding="utf-8")
    assert "need support (to refer to the LSO: lso-referrals.csv)" in page
    assert "referred to the LSO" not in page
    with (ws / "eb" / "lso-referrals.csv").open(encoding="utf-8-sig", newline="") as fh:
        referrals = list(csv.DictReader(fh))
    assert [r["ods_code"] for r in referrals] == ["AH7Q", "C4SD", "AS9R", "AW2T", "VL2N9"]


def test_an_advanced_provider_at_approaching_standards_is_told_standards_met_comes_first(workspace, tmp_path: Path) -> None:
    """Issue 19, item 9: the Advanced letter at Approaching Standards listed only the Cyber
    Essentials steps; Approaching Standards can be published once (DSPT: "You cannot
    republish at Approaching Standards"), so Standards Met comes first."""
    register = write_register(tmp_path / "r.csv", [provider_row("Quay Care", "VM2Q6", "advanced")])
    export = write_export(tmp_path / "dspt-export-2026-11-20.csv", [("VM2Q6", "QUAY CARE", "25/26 Approaching Standards", "30/06/2026")])
    result = generate_letters(workspace, "example-borough", register, dspt_file=export, as_of=dt.date(2026, 11, 26),
                              output=tmp_path / "out", workers=1)  # fmt: skip
    text = letter_text(result, "VM2Q6")
    assert ("A social care provider can publish at Approaching Standards only once: your next "
            "publication must be at Standards Met or better. Standards Exceeded means Standards Met together with a "
            "current Cyber Essentials Plus certificate, so reaching Standards Met comes first.") in text
    assert ("First reach Standards Met: work through the action plan that you uploaded with your assessment, which "
            "sets out what you still need to do. Then, if you do not hold a current Cyber Essentials certificate, get "
            "one; then book your Cyber Essentials Plus assessment") in text


# --------------------------------------------------------------- item 2: the Commencement Date


def test_no_shortfall_before_the_commencement_date(workspace, tmp_path: Path) -> None:
    """Issue 19, item 2: Riverside & Vale's contract starts on 1 July 2026; on 15 June 2026
    Parkview (23/24 Standards Met, counted until 30 June 2025) is not in shortfall."""
    register = workspace.root / "examples" / "riverside-and-vale-providers.csv"
    export = workspace.root / "examples" / "dspt-export-2026-05-29.csv"
    result = generate_letters(workspace, "riverside-and-vale", register, dspt_file=export, as_of=dt.date(2026, 6, 15),
                              output=tmp_path / "out", only=["VN9P3"], workers=1)  # fmt: skip
    (job,) = result.written
    assert (job.position.kind.value, job.position.shortfall, job.position.remedial_plan_due) == ("lapsed", False, None)
    assert job.position.response_by == dt.date(2026, 7, 6)  # 15 June 2026 + 20 working days
    text = letter_text(result, "VN9P3")
    assert "this is a shortfall" not in text and "13 July 2026" not in text
    assert ("Your contract begins on 1 July 2026, and from that date it needs Standards Met or better. If you are still "
            "below that level then, that will be a shortfall under your contract") in text
    assert "Tell us by 6 July 2026 when you expect to publish at Standards Met or better." in text


def test_shortfall_since_is_never_before_the_commencement_date(workspace, tmp_path: Path) -> None:
    """Example Borough's contract began on 1 April 2026: St Anne's (Entry Level, 2020)
    lapsed on 1 July 2021 but is in shortfall under this contract only from 1 April 2026;
    a provider in shortfall from the start (not published) shows 1 April 2026 too."""
    result = generate_letters(workspace, "example-borough", workspace.root / REGISTER,
                              dspt_file=workspace.root / EXPORT, as_of=dt.date(2026, 11, 26),
                              output=tmp_path / "out", workers=1)  # fmt: skip
    since = {j.provider.ods_code: j.position.shortfall_since for j in result.written if j.position.shortfall}
    assert since["VL2N9"] == dt.date(2026, 4, 1)
    assert since["AS9R"] == dt.date(2026, 4, 1)
    assert since["AH7Q"] == dt.date(2026, 7, 1)  # 24/25 Standards Met counted until 30 June 2026
    assert since["AW2T"] == dt.date(2026, 6, 29)  # published Standards Not Met on 29 June 2026


# --------------------------------------------------------------- item 3: --no-dspt letters


def test_no_dspt_letters_promise_only_the_schedules_dates(workspace, tmp_path: Path) -> None:
    """Issue 19, item 3: without an export, a Core provider is told the Remedial Plan terms,
    a Foundation provider paragraph 3.1(a)'s period; neither is told 30 June 2027."""
    result = generate_letters(workspace, "example-borough", workspace.root / REGISTER, no_dspt=True,
                              as_of=dt.date(2026, 11, 26), output=tmp_path / "out", workers=1)  # fmt: skip
    for job in result.written:
        assert "30 June 2027" not in letter_text(result, job.provider.ods_code), job.provider.ods_code
    core = letter_text(result, "VM1A2")
    assert ("If you do not have one, that is a shortfall under your contract: your contract asks you to send us a "
            "Remedial Plan within 20 working days of the earlier of your becoming aware of the shortfall and our notice "
            "of it, giving the date by which you will publish at Standards Met or better, no later than 3 months after "
            "the date of the plan unless we agree a later date in writing.") in core
    assert "Complete the assessment and publish it at Standards Met or better, and send us evidence" in core
    foundation = letter_text(result, "8KT41")  # commencement 1 April 2026 + 6 months = 1 October 2026, passed
    assert ("If you had no DSPT publication when your contract began, your contract gave you until 1 October 2026 to "
            "publish your first assessment, and that period has ended.") in foundation
    early = generate_letters(workspace, "example-borough", workspace.root / REGISTER, no_dspt=True, only=["8KT41"],
                             as_of=dt.date(2026, 5, 4), output=tmp_path / "early", workers=1)  # fmt: skip
    assert ("If you had no DSPT publication when your contract began, your contract gives you until 1 October 2026 to "
            "publish your first assessment at Approaching Standards or better.") in letter_text(early, "8KT41")


# --------------------------------------------------------------- item 4: deadlines per version


def test_each_toolkit_version_has_its_own_deadline() -> None:
    """Issue 19, item 4: 31 March until 2018-19; 2019-20 extended because of COVID-19 to
    30 September 2020 (dsptoolkit.nhs.uk/News/71); 30 June from 2020-21."""
    assert AssessmentYear(2018).deadline() == dt.date(2019, 3, 31)
    assert AssessmentYear(2019).deadline() == dt.date(2020, 9, 30)
    assert AssessmentYear(2020).deadline() == dt.date(2021, 6, 30)
    assert AssessmentYear(2025).deadline() == dt.date(2026, 6, 30)
    # a publication counts until the next version's deadline
    assert AssessmentYear(2018).counts_until() == dt.date(2020, 9, 30)
    assert AssessmentYear(2019).counts_until() == dt.date(2021, 6, 30)
    assert AssessmentYear.due_next(dt.date(2020, 8, 1)) == AssessmentYear(2019)
    assert AssessmentYear.due_next(dt.date(2020, 10, 1)) == AssessmentYear(2020)


def test_the_library_states_each_deadline_with_its_source(workspace) -> None:
    library, profile = prepare(workspace, "example-borough")
    deadlines = [(d.from_version, d.month, d.day) for d in library.spec.dspt.submission_deadlines]
    assert deadlines == [("2018-19", 3, 31), ("2019-20", 9, 30), ("2020-21", 6, 30)]
    sources = [d.source for d in library.spec.dspt.submission_deadlines]
    assert sources[1].startswith("https://dsptoolkit.nhs.uk/News/71 ")
    terms = contract_terms(library, profile, "core")
    old = DsptRecord.from_raw("VM1A2", "MAPLE", "Standards Met", dt.date(2019, 3, 1))  # 2018-19
    assert terms.counts_until(old.year) == dt.date(2020, 9, 30)
    lapsed = assess_position(old, terms, dt.date(2020, 10, 1))
    assert (lapsed.kind.value, lapsed.next_year, lapsed.next_deadline) == ("lapsed", AssessmentYear(2020), dt.date(2021, 6, 30))
    due = assess_position(DsptRecord.from_raw("VM1A2", "MAPLE", "Standards Met (19-20)", dt.date(2019, 6, 10)), terms, dt.date(2019, 7, 1))
    assert (due.next_year, due.next_deadline) == (AssessmentYear(2020), dt.date(2021, 6, 30))
    assert due.assessment_year == AssessmentYear(2019) and due.valid_until == dt.date(2021, 6, 30)


# --------------------------------------------------------------- item 7: paragraph anchors


def test_breach_log_refers_to_the_paragraph_that_requires_it(ws: Path) -> None:
    """Issue 19, item 7: the duty to keep a Breach Log is 6.9, not 6.5 (the first
    paragraph of dspt.incident-reporting)."""
    result = run_cli("schedule", "example-borough", "-o", "s.docx")
    assert result.exit_code == 0, result.stderr
    text = docx_text(ws / "s.docx")
    assert '"Breach Log" means the record of Personal Data Breaches that the Provider keeps under paragraph 6.9;' in text
    assert "  6.9 The Provider shall keep a Breach Log recording every Personal Data Breach" in text
    with zipfile.ZipFile(ws / "s.docx") as z:
        document = z.read("word/document.xml").decode("utf-8")
    name = bookmark_name("dspt.incident-reporting#breach-log")
    assert f'w:name="{name}"' in document and f"REF {name} " in document


def test_validate_reports_a_reference_to_a_missing_anchor(ws: Path) -> None:
    path = ws / "clause_library" / "clauses" / "dspt.definitions.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("dspt.incident-reporting#breach-log", "dspt.incident-reporting#breach-book"),
                    encoding="utf-8")  # fmt: skip
    result = run_cli("validate")
    assert result.exit_code == 1
    assert ("ref('dspt.incident-reporting#breach-book') points to no paragraph of dspt.incident-reporting: its text has "
            "no {{ anchor('breach-book') }} (anchors: breach-log); put {{ anchor('breach-book') }} at the start of the "
            "paragraph that holds the duty") in result.output


# --------------------------------------------------------------- item 6: audit answers that agree


def _score(workspace, tmp_path: Path, extra: dict | None = None, tier: str = "core", **by_id: str):
    qs = audit_of(workspace).at(tier=tier)
    values = {**answers(qs, "Yes", **by_id), **provider_details(qs), **(extra or {})}
    path = tmp_path / "returned.docx"
    path.write_bytes(fill_form(blank_form(workspace, tmp_path, tier), values))
    return qs, score_audit_forms(workspace, [path], tmp_path / "out", date=SCORED, force=True, providers_file=EXAMPLE_REGISTER)


def test_a_critical_question_cannot_be_not_applicable(workspace, tmp_path: Path) -> None:
    critical = {q.id.replace(".", "_").replace("-", "_"): "Not applicable" for q in audit_of(workspace).at(tier="core").questions if q.critical}
    _, result = _score(workspace, tmp_path, **critical)
    assert result.scored == []
    messages = [p.message for _, problems in result.failed for p in problems]
    assert len(messages) == len(critical) == 8
    assert messages[0] == ("question 1.1 (roles.owner) cannot be answered Not applicable: it is a duty of every provider "
                           "the contract covers; answer Yes, Partly or No")


def test_a_yes_about_the_last_twelve_months_needs_a_date_within_them(workspace, tmp_path: Path) -> None:
    qs = audit_of(workspace).at(tier="core")
    tag = control_tag(qs.id, qs.version, "testing.reviewed", "date")
    _, result = _score(workspace, tmp_path, {tag: dt.date(2020, 1, 1)})
    assert [p.message for _, problems in result.failed for p in problems] == [
        "question 9.1 (testing.reviewed) is answered Yes, but the date of the last review, 1 January 2020, is more than "
        "12 months before the form was completed (10 December 2026); answer No, or give the date of the latest one"
    ]
    _, within = _score(workspace, tmp_path, {tag: dt.date(2025, 12, 10)})  # exactly twelve months: accepted
    assert within.failed == [] and within.scored[0][0].overall == 100


def test_a_completion_date_after_the_scoring_date_is_refused(workspace, tmp_path: Path) -> None:
    qs = audit_of(workspace).at(tier="core")
    _, result = _score(workspace, tmp_path, {control_tag(qs.id, qs.version, "form.completed-on", "date"): dt.date(2027, 2, 1)})
    assert [p.message for _, problems in result.failed for p in problems][0] == (
        "the completion date 1 February 2027 is after the scoring date 11 January 2027; correct the completion date")


def test_an_untested_plan_is_a_critical_gap_in_the_advanced_tier(workspace, tmp_path: Path) -> None:
    """The Advanced Tier makes a yearly test of the plan a contract duty (dspt.advanced-tier)."""
    _, advanced = _score(workspace, tmp_path, tier="advanced", testing_tested="No")
    assert [a.question.id for a in advanced.scored[0][0].critical_gaps] == ["testing.tested"]
    _, core = _score(workspace, tmp_path, tier="core", testing_tested="No")
    assert core.scored[0][0].critical_gaps == [] and [a.question.id for a in core.scored[0][0].improvements] == ["testing.tested"]


# --------------------------------------------------------------- item 8: releases true without git


NOT_CHECKED = ("note: cannot check that the clauses are release 2026.6: {why}, and library.yaml records no release_fingerprint")
FINGERPRINT_LINE = re.compile(r"^release_fingerprint:.*\n", re.M)


def _drop_fingerprint(ws: Path) -> None:
    """library.yaml without the release_fingerprint line the shipped library may record."""
    path = ws / "clause_library" / "library.yaml"
    path.write_text(FINGERPRINT_LINE.sub("", path.read_text(encoding="utf-8")), encoding="utf-8")


def _record_fingerprint(ws: Path) -> None:
    _drop_fingerprint(ws)
    fingerprint = load_library(ws / "clause_library").fingerprint
    path = ws / "clause_library" / "library.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f'release_fingerprint: "{fingerprint}"\n', encoding="utf-8")
    assert load_library(ws / "clause_library").fingerprint == fingerprint  # the line itself is left out


def test_a_copy_without_git_is_checked_by_the_recorded_fingerprint(ws: Path) -> None:
    _record_fingerprint(ws)
    same = run_cli("schedule", "example-borough", "-o", "s.docx")
    assert same.exit_code == 0, same.stderr
    assert same.stdout.splitlines() == ["wrote s.docx (example-borough, core tier, 18 clauses, library release 2026.6)"]
    assert same.stderr == ""
    clause = ws / "clause_library" / "clauses" / "dspt.staff-training.yaml"
    clause.write_text(clause.read_text(encoding="utf-8").replace("The Provider shall", "The Provider must", 1), encoding="utf-8")
    changed = run_cli("schedule", "example-borough", "-o", "t.docx")
    assert changed.stdout.splitlines()[1] == "Draft: the clauses differ from release 2026.6 (its recorded fingerprint)"
    assert "Draft: the clauses differ from release 2026.6 (its recorded fingerprint)" in docx_text(ws / "t.docx")


def test_without_git_and_without_a_fingerprint_it_says_so(ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _drop_fingerprint(ws)
    result = run_cli("schedule", "example-borough", "-o", "s.docx")
    assert result.stderr.splitlines() == [NOT_CHECKED.format(why="the workspace is not in a git repository (copied without its .git folder?)")]
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    nogit = run_cli("schedule", "example-borough", "-o", "t.docx")
    assert nogit.stderr.splitlines() == [NOT_CHECKED.format(why="git is not installed or not on PATH")]
