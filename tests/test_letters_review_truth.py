"""The example letters read as a provider and as the council's solicitor would, against
the schedules ``contractgen build`` writes (review truth-2): each sentence that was
untrue, unsupported or confusing is stated here as it now reads.

Every date is stated by hand. Letters of Thursday 26 November 2026: + 20 Working Days =
Thursday 24 December 2026 (no bank holiday on the way), + 3 months = 24 March 2027.
Riverside & Vale's contract begins on 1 July 2026: its 6-month grace period for new
providers and the Foundation Tier's 6 months for a first publication both have 1 January
2027 as their last day. A Shortfall after the grace period starts on Saturday 2 January
2027; 20 Working Days after it (Friday 1 January is New Year's Day; none after it): 4-8,
11-15, 18-22 and 25-29 January, so the plan is due on Friday 29 January 2027. The
2026-27 toolkit opened on 1 September 2026, its deadline is 30 June 2027; the 2027-28
deadline is 30 June 2028.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from contractgen.base.workdays import add_working_days
from contractgen.dspt.position import ContractTerms, assess_position
from contractgen.dspt.status import AssessmentYear, DsptRecord, DsptStatus
from contractgen.letters.generate import LettersResult
from contractgen.library.workspace import Workspace
from test_letters import letter_text
from test_letters_schedule_truth import council_letters, flat

D = dt.date
NOV = D(2026, 11, 26)


@pytest.fixture
def eb(workspace: Workspace, tmp_path: Path) -> LettersResult:
    return council_letters(workspace, "example-borough", tmp_path / "eb")


@pytest.fixture
def rv(workspace: Workspace, tmp_path: Path) -> LettersResult:
    return council_letters(workspace, "riverside-and-vale", tmp_path / "rv")


def text_of(result: LettersResult, code: str) -> str:
    return flat(letter_text(result, code))


# ----------------------------------------------------------------- 1. the grace period's end and plan date


def test_the_plan_date_after_a_grace_period_is_twenty_working_days_after_the_day_it_ends() -> None:
    assert add_working_days(D(2027, 1, 2), 20) == D(2027, 1, 29)
    terms = ContractTerms(tier="core", minimum=DsptStatus.STANDARDS_MET, commencement=D(2026, 7, 1))
    record = DsptRecord("VM2Q6", "QUAYSIDE LODGE", DsptStatus.APPROACHING_STANDARDS, "25/26 Approaching Standards",
                        AssessmentYear(2025), D(2026, 6, 30))
    position = assess_position(record, terms, NOV)
    assert (position.grace_until, position.grace_plan_due) == (D(2027, 1, 1), D(2027, 1, 29))
    assert position.remedial_plan_due == D(2026, 12, 24)
    assert position.promised_dates()["grace_plan_due"] == D(2027, 1, 29)
    after = assess_position(record, terms, D(2027, 1, 4))  # the grace period has ended: no grace date
    assert (after.grace_until, after.grace_plan_due) == (None, None)


def test_improve_in_a_grace_period_gives_its_last_day_paragraph_and_plan_date(rv: LettersResult) -> None:
    text = text_of(rv, "VM2Q6")
    assert ("If it does, you are not in shortfall while it lasts, up to and including 1 January 2027, its last day, "
            "provided that you meet the conditions in paragraph 3.4 of Schedule 7 (Data Security and Protection) of "
            "your contract, including publishing at Standards Met or better by 1 January 2027;") in text
    assert ("If you have not published at Standards Met or better by the end of 1 January 2027, you will be in "
            "shortfall from the next day, and your contract then asks you to send us a Remedial Plan within 20 working "
            "days, by 29 January 2027 at the latest.") in text
    assert "as described above" not in text and "before it ends" not in text


# ----------------------------------------------------------------- 2. the certificate shortfall from the schedule


def test_the_certificate_shortfall_rests_on_the_schedules_paragraphs(eb: LettersResult) -> None:
    text = text_of(eb, "VM8K1")
    assert ("Under your contract this is a shortfall. Your contract defines Standards Exceeded as Standards Met "
            "together with a current Cyber Essentials Plus certificate, so without one your DSPT status has fallen to "
            "Standards Met, and paragraph 3.2 of Schedule 12 (Data Security and Protection) of your contract says that "
            "when that happens, for example because a Cyber Essentials Plus certificate has expired, you remain in the "
            "Advanced tier and paragraph 4.7, on Remedial Plans, applies. Paragraph 5.3 also asks you to give us notice "
            "under paragraph 4.4 when your certificate stops being current without being renewed. Your contract asks "
            "you to send us a Remedial Plan within 20 working days of the earlier of your becoming aware of the "
            "shortfall and our notice of it. This letter is our notice, so please send your plan by 24 December 2026 "
            "at the latest.") in text
    assert ("The date in your plan is the one that counts for your certificate. Separately, the deadline for "
            "publishing the 2026-27 assessment is 30 June 2027.") in text


# ----------------------------------------------------------------- 3. the schedule by its own title


def test_letters_name_the_schedule_by_its_title(eb: LettersResult, rv: LettersResult) -> None:
    assert "(paragraph 5.1 of Schedule 12 (Data Security and Protection) of your contract)" in text_of(eb, "VM8K1")
    assert "(paragraph 5.1 of Schedule 7 (Data Security and Protection) of your contract)" in text_of(rv, "VN6H1")
    assert ("the Foundation Tier requirements of Schedule 7 (Data Security and Protection) of your contract give you "
            "until 1 January 2027") in text_of(rv, "8HX22")
    for result in (eb, rv):
        for job in result.written:
            text = text_of(result, job.provider.ods_code)
            assert "DSPT schedule" not in text and " Tier) of your contract" not in text, job.provider.ods_code


# ----------------------------------------------------------------- 4 and 10. remedy: progress reports, subject


def test_remedy_progress_reports_and_subject(eb: LettersResult) -> None:
    raw = letter_text(eb, "AW2T")
    assert "Data Security and Protection Toolkit: Standards Not Met – a Remedial Plan is needed" in raw.splitlines()
    assert ("We will look at it, tell you if we need any changes, and then ask you for progress reports, monthly, or "
            "as often as we reasonably ask, until you have published at Standards Met or better.") in flat(raw)


# ----------------------------------------------------------------- 5. the business continuity test


def test_advanced_improve_states_the_business_continuity_test_as_its_own_item(eb: LettersResult) -> None:
    text = text_of(eb, "VL5F2")
    assert ("(a) If you do not hold a current Cyber Essentials certificate, get one first; then book your Cyber "
            "Essentials Plus assessment with a certification body. (b) Test the data and cyber security parts of your "
            "business continuity plan at least once every twelve months, using a realistic scenario such as a cyber "
            "attack or a prolonged loss of systems, and send us a short report of each test, the lessons learned and "
            "the changes you made to the plan within 10 working days of the test, as your contract asks (paragraph "
            "3.1 of Schedule 12 (Data Security and Protection) of your contract).") in text
    assert "has been tested in the last 12 months" not in text


# ----------------------------------------------------------------- 6. the Foundation start letter


def test_foundation_start_says_which_publication_is_due_when(rv: LettersResult) -> None:
    text = text_of(rv, "8HX22")
    assert ("your contract asks you to send us a copy of that action plan within 10 working days of publishing "
            "(paragraph 3.1 of Schedule 7 (Data Security and Protection) of your contract).") in text
    assert ("Which publication is due when, if that period for a first publication applies to you: your contract needs "
            "your first publication by 1 January 2027, earlier than "
            "the DSPT's own deadline for 2026-27 (30 June 2027), and it can be the 2026-27 assessment at Approaching "
            "Standards. Your contract then needs the 2027-28 assessment published at Standards Met or better by 30 June "
            "2028, that year's deadline.") in text
    assert "The deadline for publishing the 2026-27 assessment is 30 June 2027." not in text


# ----------------------------------------------------------------- 7. the deadline sentence after a plan date


def test_shortfall_letters_say_the_plans_date_is_the_one_that_counts(eb: LettersResult, rv: LettersResult) -> None:
    for result, code, target in ((eb, "AW2T", "Standards Met or better"), (eb, "VL2N9", "Standards Met or better"),
                                 (eb, "VL5F2", "Standards Exceeded"), (rv, "VM2Q6", "Standards Met or better")):
        text = text_of(result, code)
        assert (f"Reaching {target} by the date in your plan also covers the 2026-27 publication, whose deadline is "
                "30 June 2027.") in text, code
        assert "The deadline for publishing the 2026-27 assessment is 30 June 2027." not in text, code


# ----------------------------------------------------------------- 8, 9 and 11


def test_an_entry_level_record_needs_a_full_assessment(eb: LettersResult) -> None:
    text = text_of(eb, "VL2N9")
    assert ("Entry Level was a status below Standards Met for social care providers starting out on the DSPT, and it "
            "was withdrawn in March 2021. There is no Entry Level publication to renew: you need to complete the full "
            "current assessment and publish it at Standards Met or better.") in text
    assert "It should say why you have no current publication at Standards Met or better, what is left to do," in text
    assert "Renewing means" not in text and "why your publication lapsed" not in text


def test_foundation_confirm_does_not_repeat_itself(eb: LettersResult) -> None:
    text = text_of(eb, "8KT41")
    assert ("Your next assessment, for 2026-27, needs to be published at Standards Met or better by 30 June 2027. A "
            "social care provider can publish at Approaching Standards only once.") in text
    assert "so that publication needs to be" not in text


def test_start_asks_for_both_named_roles(eb: LettersResult) -> None:
    text = text_of(eb, "AS9R")
    assert ("Name your Senior Responsible Person, who is accountable for data security in your organisation, and your "
            "Data Security Lead, who leads the day-to-day work including the DSPT, as your contract asks (paragraph 7.1 "
            "of Schedule 12 (Data Security and Protection) of your contract), and tell us who they both are") in text
