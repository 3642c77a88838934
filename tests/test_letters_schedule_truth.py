"""Letters that a provider and the council's solicitor can read line by line against the
schedule the council issued: every paragraph a letter cites exists, with that meaning, in
a schedule that `contractgen build` writes; no date is restated as running once the
condition it rested on has failed; what a grace period may change is said both ways; a
re-run before the plan is due reminds of the notice instead of giving a new one; and the
schedule's own figures are stated.

Every date is stated by hand: 26 November 2026 + 20 Working Days = 24 December 2026
(no bank holiday on the way), + 3 months = 24 March 2027; Riverside & Vale's contract
begins on 1 July 2026, so its 6-month grace period for new providers and the Foundation
Tier's 6 months for a first publication both end on 1 January 2027; its letters ask for
a reply within 15 Working Days of 26 November 2026: 17 December 2026.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import example_export

from contractgen.casebook.issued import record_issued
from contractgen.commands.build import build_workspace
from contractgen.dspt.case import CaseEvent, EventKind, case_state
from contractgen.dspt.followup import assess_case_position
from contractgen.dspt.position import ContractTerms, LetterKind
from contractgen.dspt.status import DsptRecord, DsptStatus
from contractgen.letters.generate import LettersResult, generate_letters
from contractgen.library.clauses import load_library
from contractgen.library.workspace import Workspace
from contractgen.word.textconv import docx_to_text
from test_letters import letter_text, read_report

D = dt.date
NOV = D(2026, 11, 26)


def flat(text: str) -> str:
    return " ".join(text.split())


def council_letters(workspace: Workspace, council: str, out: Path, as_of: dt.date = NOV) -> LettersResult:
    return generate_letters(workspace, council, workspace.root / "examples" / f"{council}-providers.csv",
                            dspt_file=example_export(workspace.root, as_of), as_of=as_of,
                            output=out, workers=1)  # fmt: skip


@pytest.fixture
def sqlite_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTRACTGEN_DATABASE_URL", raising=False)  # the workspace's own SQLite file


# ----------------------------------------------------------------- 1. the schedules the letters cite


def test_build_writes_the_schedule_of_every_tier_a_register_uses(workspace: Workspace) -> None:
    """Both example registers put providers in all three tiers, so each council issues
    three schedules; before, only the profile's tier was written (2 schedules)."""
    result = build_workspace(workspace)
    assert not result.failed
    assert [p.path.name for p in result.schedules] == [
        "example-borough-schedule-foundation.docx", "example-borough-schedule-core.docx",
        "example-borough-schedule-advanced.docx", "riverside-and-vale-schedule-foundation.docx",
        "riverside-and-vale-schedule-core.docx", "riverside-and-vale-schedule-advanced.docx",
    ]  # fmt: skip
    assert result.summary().startswith("built 6 schedules and 16 letters for 2 councils and 2 market overviews in ")
    out = workspace.output_dir
    # Riverside Court (VM8K1, Advanced) is told paragraph 5.1 requires a CE Plus certificate:
    # so it does in the Advanced schedule; the Core one only encourages it.
    certificate = flat(docx_to_text(out / "example-borough-letters" / "VM8K1-riverside-court-care-centre.docx"))
    assert "throughout the contract (paragraph 5.1 of" in certificate
    advanced = flat(docx_to_text(out / "example-borough-schedule-advanced.docx"))
    assert "5.1 Cyber Essentials and Cyber Essentials Plus. The Provider shall hold a Current Cyber Essentials Plus certificate throughout the term of the Contract." in advanced
    core = flat(docx_to_text(out / "example-borough-schedule-core.docx"))
    assert "5.1 Cyber Essentials and Cyber Essentials Plus. The Council encourages the Provider" in core
    assert "The Provider is in the Advanced Tier." in advanced and "The Provider is in the Core Tier." in core


def test_a_council_whose_register_uses_only_its_own_tier_issues_one_schedule(workspace: Workspace) -> None:
    register = workspace.root / "examples" / "example-borough-providers.csv"
    text = register.read_text(encoding="utf-8-sig")
    register.write_text(text.replace(",advanced", ",core").replace(",foundation", ",core"), encoding="utf-8")
    result = build_workspace(workspace)
    assert [p.path.name for p in result.schedules][:1] == ["example-borough-schedule-core.docx"]
    assert [p.path.name for p in result.schedules if p.profile == "example-borough"] == ["example-borough-schedule-core.docx"]
    assert len(result.schedules) == 4  # Riverside & Vale: foundation, core, advanced


# ----------------------------------------------------------------- 2 and 8. the case over time


def test_overdue_letter_says_the_plan_date_passed_and_the_tier_date_depended_on_it(workspace: Workspace, sqlite_cases, tmp_path: Path) -> None:
    nov = council_letters(workspace, "example-borough", tmp_path / "nov")
    record_issued(workspace, nov.output)
    may = council_letters(workspace, "example-borough", tmp_path / "may", D(2027, 5, 1))
    rows = {r["ods_code"]: r for r in read_report(may.output)}
    assert [rows["C4SD"][k] for k in ("letter_kind", "notice_date", "standard_by")] == ["overdue", "2026-11-26", "2027-03-24"]
    text = flat(letter_text(may, "C4SD"))
    assert ("That letter asked you to send us a Remedial Plan by 24 December 2026. That date has passed, and we have no "
            "record of receiving your plan. That letter also said that, for a plan sent on 24 December 2026, the date in it "
            "for reaching your tier could be no later than 24 March 2027; that date depended on a plan sent on time, and no "
            "plan was. This letter gives you no new date for your plan or for reaching your tier.") in text
    assert ("What now applies is what your contract says happens when a Remedial Plan is not sent: because the plan was "
            "not sent by the date your contract requires, the Council may treat this as a breach of the contract and use its "
            "rights under it, as paragraph 4.10 of Schedule 12 (Data Security and Protection) of your contract says.") in text
    assert "The dates in that letter still apply" not in text
    # Oakwood (VL5F2) is Advanced: its overdue letter cites the Advanced schedule, whose 4.10 says the same
    oakwood = flat(letter_text(may, "VL5F2"))
    assert "as paragraph 4.10 of Schedule 12 (Data Security and Protection) of your contract says" in oakwood


def test_a_run_before_the_plan_is_due_reminds_of_the_notice(workspace: Workspace, sqlite_cases, tmp_path: Path) -> None:
    nov = council_letters(workspace, "example-borough", tmp_path / "nov")
    record_issued(workspace, nov.output)
    dec = council_letters(workspace, "example-borough", tmp_path / "dec", D(2026, 12, 10))
    rows = {r["ods_code"]: r for r in read_report(dec.output)}
    assert [rows["C4SD"][k] for k in ("letter_kind", "notice_date", "response_by", "standard_by", "case")] == [
        "improve", "2026-11-26", "2026-12-24", "2027-03-24", "open"]
    text = flat(letter_text(dec, "C4SD"))
    assert ("Our notice of 26 November 2026 told you that under your contract this is a shortfall, and asked you to send "
            "us a Remedial Plan by 24 December 2026 at the latest. This letter is a reminder of that notice, not a new "
            "notice: that date still stands, and this letter does not change it. As that notice said, the plan must give "
            "the date by which you will publish at Standards Met or better, and your contract says that date can be no "
            "later than 3 months after the date of the plan unless we agree a later date in writing, so for a plan sent "
            "on 24 December 2026 it is 24 March 2027 at the latest.") in text
    assert "This letter is our notice" not in text
    assert "Send us your Remedial Plan by 24 December 2026." in text
    assert "12 January 2027" not in text  # 10 December + 20 Working Days: never offered
    lapsed = flat(letter_text(dec, "AH7Q"))
    assert "Our notice of 26 November 2026 told you that under your contract this is a shortfall" in lapsed
    assert "This letter is our notice" not in lapsed


def test_the_reminder_flag_keeps_the_notices_dates_to_the_day_the_plan_is_due() -> None:
    """The position behind the reminder: an open case whose plan is not yet due (up to and
    including 24 December 2026) is a reminder with the notice's date and dates; from 25
    December it is overdue; a first notice is never a reminder."""
    core = ContractTerms(tier="core", minimum=DsptStatus.STANDARDS_MET)
    record = DsptRecord.from_raw("C4SD", "SMITH & DAUGHTERS", "25/26 Approaching Standards", D(2026, 6, 27))
    notice = {"letter_kind": "improve", "remedial_plan_due": "2026-12-24", "standard_by": "2027-03-24", "response_by": "2026-12-24"}
    case = case_state("C4SD", [CaseEvent("C4SD", EventKind.NOTICE, NOV, notice, id=1)])
    first = assess_case_position(record, core, NOV)
    assert (first.kind, first.reminder, first.notice_date) == (LetterKind.IMPROVE, False, NOV)
    for day in (D(2026, 12, 10), D(2026, 12, 24)):
        again = assess_case_position(record, core, day, case=case)
        assert (again.kind, again.reminder, again.notice_date) == (LetterKind.IMPROVE, True, NOV)
        assert (again.remedial_plan_due, again.standard_by, again.response_by) == (D(2026, 12, 24), D(2027, 3, 24), D(2026, 12, 24))
        assert again.as_context()["reminder"] is True
    late = assess_case_position(record, core, D(2026, 12, 25), case=case)
    assert (late.kind, late.reminder, late.notice_date) == (LetterKind.OVERDUE, False, NOV)


# ----------------------------------------------------------------- 3 and 4. grace period and first publication


def test_improve_inside_a_grace_period_that_may_apply_says_both_ways(workspace: Workspace, tmp_path: Path) -> None:
    text = flat(letter_text(council_letters(workspace, "riverside-and-vale", tmp_path / "rv"), "VM2Q6"))
    assert ("Unless the grace period for new providers applies to you (see below), under your contract this is a "
            "shortfall, and your contract asks you to send us a Remedial Plan within 20 working days of the earlier of "
            "your becoming aware of the shortfall and our notice of it. This letter is our notice, so unless the grace "
            "period applies to you, please send your plan by 24 December 2026 at the latest.") in text
    assert ("The grace period for new providers in your contract applies to a provider that first registered with the "
            "Care Quality Commission or, if it does not need to register, first began to provide care and support "
            "services, less than twelve months before the contract began on 1 July 2026. Our records do not show whether "
            "it applies to you. If it does, you are not in shortfall while it lasts, up to and including 1 January 2027, "
            "its last day, provided that you meet the conditions in paragraph 3.4 of Schedule 7 (Data Security and "
            "Protection) of your contract, including publishing at Standards Met or better by 1 January 2027; you then "
            "need not send a Remedial Plan by 24 December 2026, but please tell us by then that the grace period applies "
            "to you. If you have not published at Standards Met or better by the end of 1 January 2027, you will be in "
            "shortfall from the next day, and your contract then asks you to send us a Remedial Plan within 20 working "
            "days, by 29 January 2027 at the latest. If the grace period does not apply to you, "
            "you are in shortfall now and the date above for your Remedial Plan applies.") in text
    assert "(b) Unless the grace period for new providers applies to you, send us your Remedial Plan by 24 December 2026." in text
    assert ("(c) Publish at Standards Met or better by the date in your plan or, if the grace period for new providers "
            "applies to you, by 1 January 2027, its last day,") in text
    assert "may apply to you until" not in text


def test_start_letter_states_the_first_publication_period_on_its_condition_and_the_reply_as_our_request(workspace: Workspace, tmp_path: Path) -> None:
    text = flat(letter_text(council_letters(workspace, "riverside-and-vale", tmp_path / "rv"), "8HX22"))
    assert ("If you had no DSPT publication when your contract began on 1 July 2026, the Foundation Tier requirements "
            "of Schedule 7 (Data Security and Protection) of your contract give you until 1 January 2027 "
            "to publish your first assessment at Approaching Standards or better.") in text
    assert ("(b) Name your Senior Responsible Person, who is accountable for data security in your organisation, and "
            "your Data Security Lead, who leads the day-to-day work including the DSPT, as your contract asks (paragraph "
            "7.1 of Schedule 7 (Data Security and Protection) of your contract), and tell us who they both are when you "
            "reply to this letter.") in text
    assert ("(c) Tell us when you expect to publish. Your contract asks you to tell us this when we ask; we ask you to "
            "reply by 17 December 2026.") in text
    assert ("(d) Complete the assessment and publish it at Approaching Standards or better by 1 January 2027, if that "
            "period for a first publication applies to you,") in text
    assert "Your contract gives you until 1 January 2027" not in text
    assert "tell us who they are by 17 December 2026" not in text
    assert "grace period" not in text  # no shortfall: the grace period changes nothing here


# ----------------------------------------------------------------- 5, 6 and 7. what a letter may state


def test_no_first_step_for_a_provider_whose_history_is_unknown(workspace: Workspace, tmp_path: Path) -> None:
    result = council_letters(workspace, "example-borough", tmp_path / "eb")
    text = flat(letter_text(result, "C4SD"))  # fell from Standards Met (May export) to Approaching Standards
    assert "A social care provider can publish at Approaching Standards only once: your next publication must be at Standards Met or better." in text
    for job in result.written:
        assert "first step" not in letter_text(result, job.provider.ods_code)


def test_confirm_states_the_schedules_hours_for_an_incident(workspace: Workspace, tmp_path: Path) -> None:
    text = flat(letter_text(council_letters(workspace, "example-borough", tmp_path / "eb"), "VM1A2"))
    assert ("It also asks you to tell us within 24 hours of becoming aware of any data breach or cyber security incident "
            "that affects, or is likely to affect, the care you provide for us, the people who receive it or their "
            "personal data.") in text
    assert "within the time it sets" not in text
    profile = workspace.profiles_dir / "example-borough.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "parameters:\n  incident_notice_hours: 12\n", encoding="utf-8")
    text = flat(letter_text(council_letters(workspace, "example-borough", tmp_path / "eb12"), "VM1A2"))
    assert "It also asks you to tell us within 12 hours of becoming aware of any data breach" in text


def test_lapsed_states_the_schedules_working_days_for_a_changed_ods_code(workspace: Workspace, tmp_path: Path) -> None:
    text = flat(letter_text(council_letters(workspace, "example-borough", tmp_path / "eb"), "AH7Q"))
    assert ("(d) If your ODS code has changed, or your DSPT publication no longer covers the care you provide for us "
            "(for example after a change of ownership), your contract asks you to tell us within 5 working days of "
            "becoming aware of it.") in text
    assert "straight away" not in text


# ----------------------------------------------------------------- 9. the Advanced schedule agrees with itself


def test_advanced_business_continuity_test_is_a_duty(workspace: Workspace, tmp_path: Path) -> None:
    library = load_library(workspace.library_dir)
    clause = library.clause("dspt.business-continuity")
    assert "The Council encourages the Provider to test" in (clause.text_for("core") or "")
    assert "The Council encourages the Provider to test" not in (clause.text_for("advanced") or "")
    build_workspace(workspace)
    advanced = flat(docx_to_text(workspace.output_dir / "riverside-and-vale-schedule-advanced.docx"))
    assert ("(d) test the data and cyber security parts of its Business Continuity Plan at least once every twelve months" in advanced)
    assert ("6.3 The Provider shall review the Business Continuity Plan at least once every twelve months, after any "
            "activation and after any significant change to its systems or to the Services, and shall make sure that the "
            "staff who may need to use it know where to find it, including when systems are unavailable. The Provider "
            "shall test the data and cyber security parts of the plan at least once every twelve months, as paragraph 3.1 "
            "requires.") in advanced
    assert "encourages the Provider to test" not in advanced
