"""The position with the case record read (contractgen.dspt.followup), without a
database: every date stated by hand, at the boundaries (the day a plan falls due, the
day a certificate expires, the last day of the renewal window)."""

from __future__ import annotations

import datetime as dt

from contractgen.dspt.case import CE_PLUS, CaseEvent, Certificate, EventKind, case_state, effective_events, latest_certificate
from contractgen.dspt.followup import apply_case, apply_certificate, assess_case_position, provider_certificate
from contractgen.dspt.position import ContractTerms, LetterKind, assess_position
from contractgen.dspt.status import AssessmentYear, DsptRecord, DsptStatus

D = dt.date
NOV = D(2026, 11, 26)
ADVANCED = ContractTerms(tier="advanced", minimum=DsptStatus.STANDARDS_EXCEEDED)
CORE = ContractTerms(tier="core", minimum=DsptStatus.STANDARDS_MET)
Y2526 = AssessmentYear(2025)
EXCEEDED = DsptRecord.from_raw("VM8K1", "RIVERSIDE COURT", "25/26 Standards Exceeded", D(2026, 3, 10))
NOT_MET = DsptRecord.from_raw("C4SD", "SMITH & DAUGHTERS", "25/26 Standards Not Met", D(2026, 3, 10))
NOTICE = {"letter_kind": "remedy", "remedial_plan_due": "2026-12-24", "standard_by": "2027-03-24", "response_by": "2026-12-24"}


def cert(expiry: dt.date) -> Certificate:
    return Certificate(CE_PLUS, expiry)


def test_an_expired_certificate_is_a_shortfall_from_the_day_after_expiry() -> None:
    position = assess_case_position(EXCEEDED, ADVANCED, D(2026, 11, 26), certificate=cert(D(2026, 11, 1)))
    assert position.kind is LetterKind.CERTIFICATE
    assert (position.meets_tier, position.shortfall, position.shortfall_since) == (False, True, D(2026, 11, 2))
    # 26 November 2026 + 20 Working Days = 24 December 2026; + 3 months = 24 March 2027
    assert (position.remedial_plan_due, position.response_by, position.standard_by) == (D(2026, 12, 24), D(2026, 12, 24), D(2027, 3, 24))
    assert position.certificate_expiry == D(2026, 11, 1)
    assert position.reason == ("The Cyber Essentials Plus certificate (case record) expired on 1 November 2026: "
                               "the Advanced tier needs a current one.")


def test_a_certificate_counts_on_its_expiry_day_and_reminds_within_the_window() -> None:
    on_expiry = assess_case_position(EXCEEDED, ADVANCED, D(2026, 11, 26), certificate=cert(D(2026, 11, 26)))
    assert (on_expiry.kind, on_expiry.meets_tier, on_expiry.certificate_reminder) == (LetterKind.CONFIRM, True, True)
    in_window = assess_case_position(EXCEEDED, ADVANCED, D(2026, 11, 26), certificate=cert(D(2027, 2, 24)))  # 90 days
    assert (in_window.certificate_reminder, in_window.certificate_expiry) == (True, D(2027, 2, 24))
    outside = assess_case_position(EXCEEDED, ADVANCED, D(2026, 11, 26), certificate=cert(D(2027, 2, 25)))  # 91 days
    assert (outside.certificate_reminder, outside.certificate_expiry) == (False, D(2027, 2, 25))
    assert outside.as_context()["certificate_expiry"] == "25 February 2027"


def test_the_certificate_is_judged_only_where_the_tier_needs_it_and_is_otherwise_met() -> None:
    core = assess_case_position(EXCEEDED, CORE, D(2026, 11, 26), certificate=cert(D(2026, 11, 1)))
    assert (core.kind, core.certificate_expiry) == (LetterKind.CONFIRM, None)
    unknown = assess_case_position(EXCEEDED, ADVANCED, D(2026, 11, 26))  # none recorded: not counted as meeting (issue 15)
    assert (unknown.kind, unknown.meets_tier, unknown.certificate_unrecorded) == (LetterKind.CERTIFICATE, None, True)
    not_met = assess_case_position(NOT_MET, ADVANCED, D(2026, 11, 26), certificate=cert(D(2026, 11, 1)))
    assert not_met.kind is LetterKind.REMEDY
    unchecked = assess_case_position(None, ADVANCED, D(2026, 11, 26), certificate=cert(D(2026, 11, 1)), checked=False)
    assert unchecked.kind is LetterKind.START


def test_the_later_certificate_wins() -> None:
    register = Certificate(CE_PLUS, D(2026, 11, 1), source="register")
    renewed = Certificate(CE_PLUS, D(2027, 11, 29), source="case record")
    assert latest_certificate(register, renewed) is renewed
    assert latest_certificate(renewed, register) is renewed
    assert latest_certificate(None, register) is register
    assert latest_certificate() is None


def test_a_fresh_shortfall_opens_a_case_on_the_letters_date() -> None:
    position = apply_case(assess_position(NOT_MET, CORE, D(2026, 11, 26)), None)
    assert (position.kind, position.notice_date, position.case) == (LetterKind.REMEDY, D(2026, 11, 26), "open")
    met = apply_case(assess_position(EXCEEDED, CORE, D(2026, 11, 26)), None)
    assert (met.notice_date, met.case, met.closes_case) == (None, "", False)


def test_overdue_from_the_day_after_the_plan_was_due() -> None:
    case = case_state("C4SD", [CaseEvent("C4SD", EventKind.NOTICE, D(2026, 11, 26), NOTICE, id=1)])
    on_due = apply_case(assess_position(NOT_MET, CORE, D(2026, 12, 24)), case)
    assert on_due.kind is LetterKind.REMEDY  # due today: not late; the notice's dates, not new ones
    assert (on_due.remedial_plan_due, on_due.standard_by, on_due.response_by, on_due.notice_date) == (
        D(2026, 12, 24), D(2027, 3, 24), D(2026, 12, 24), D(2026, 11, 26))
    assert on_due.reminder is True  # a reminder of that notice, never a second notice with dates of its own
    assert apply_case(assess_position(NOT_MET, CORE, D(2026, 11, 26)), None).reminder is False  # the notice itself
    late = apply_case(assess_position(NOT_MET, CORE, D(2026, 12, 29)), case)
    assert late.kind is LetterKind.OVERDUE
    assert (late.remedial_plan_due, late.standard_by, late.response_by, late.notice_date, late.case) == (
        D(2026, 12, 24), D(2027, 3, 24), None, D(2026, 11, 26), "open")
    assert late.reason == "The Remedial Plan our notice of 26 November 2026 asked for by 24 December 2026 has not arrived."
    assert late.promised_dates()["notice_date"] == D(2026, 11, 26)


def test_progress_keeps_the_notices_date_or_the_agreed_one() -> None:
    events = [CaseEvent("C4SD", EventKind.NOTICE, D(2026, 11, 26), NOTICE, id=1),
              CaseEvent("C4SD", EventKind.PLAN_RECEIVED, D(2026, 12, 20), id=2)]
    progress = apply_case(assess_position(NOT_MET, CORE, D(2027, 1, 15)), case_state("C4SD", events))
    assert (progress.kind, progress.standard_by, progress.remedial_plan_due, progress.response_by, progress.plan_received) == (
        LetterKind.PROGRESS, D(2027, 3, 24), None, None, D(2026, 12, 20))
    assert progress.as_context()["standard_passed"] is False
    extended = case_state("C4SD", [*events, CaseEvent("C4SD", EventKind.EXTENSION, D(2027, 1, 10), {"until": "2027-06-30"}, id=3)])
    later = apply_case(assess_position(NOT_MET, CORE, D(2027, 3, 25)), extended)
    assert (later.standard_by, later.extension_until) == (D(2027, 6, 30), D(2027, 6, 30))
    passed = apply_case(assess_position(NOT_MET, CORE, D(2027, 3, 25)), case_state("C4SD", events))
    assert passed.as_context()["standard_passed"] is True  # 24 March 2027 has passed
    on_the_day = apply_case(assess_position(NOT_MET, CORE, D(2027, 3, 24)), case_state("C4SD", events))
    assert on_the_day.as_context()["standard_passed"] is False


def test_reaching_the_tier_closes_the_case() -> None:
    case = case_state("C4SD", [CaseEvent("C4SD", EventKind.NOTICE, D(2026, 11, 26), NOTICE, id=1)])
    met = DsptRecord.from_raw("C4SD", "SMITH & DAUGHTERS", "26/27 Standards Met", D(2027, 2, 1))
    position = apply_case(assess_position(met, CORE, D(2027, 2, 10)), case)
    assert (position.kind, position.closes_case, position.case, position.notice_date) == (LetterKind.CONFIRM, True, "closed", D(2026, 11, 26))
    closed = case_state("C4SD", [*case.events, CaseEvent("C4SD", EventKind.CLOSED, D(2027, 2, 10), {"reason": "tier reached"}, id=2)])
    after = apply_case(assess_position(met, CORE, D(2027, 3, 1)), closed)
    assert (after.closes_case, after.case, after.notice_date) == (False, "closed", None)
    # a new shortfall after the case closed opens a new one, on the new letter's date
    again = apply_case(assess_position(NOT_MET, CORE, D(2027, 3, 1)), closed)
    # 1 March 2027 + 20 Working Days: Good Friday (26 March) and Easter Monday (29 March) are not Working Days
    assert (again.kind, again.notice_date, again.case, again.remedial_plan_due) == (LetterKind.REMEDY, D(2027, 3, 1), "open", D(2027, 3, 31))


def test_the_register_and_the_case_record_certificates() -> None:
    from contractgen.dspt.register import Provider

    provider = Provider("Riverside Court", "VM8K1", "Amir Patel", "", "", True, "advanced", 9,
                        cyber_essentials_plus_expiry=D(2026, 11, 1))
    assert provider_certificate(provider) == Certificate(CE_PLUS, D(2026, 11, 1), source="register")
    renewed = case_state("VM8K1", [CaseEvent("VM8K1", EventKind.CERTIFICATE, D(2026, 12, 1), {"scheme": "ce-plus", "expiry": "2027-11-29"}, id=1)])
    assert provider_certificate(provider, renewed) == Certificate(CE_PLUS, D(2027, 11, 29), None, "", "case record")
    basic = case_state("VM8K1", [CaseEvent("VM8K1", EventKind.CERTIFICATE, D(2026, 12, 1), {"scheme": "ce", "expiry": "2027-11-29"}, id=1)])
    assert provider_certificate(provider, basic).expiry == D(2026, 11, 1)  # Cyber Essentials is not CE Plus


def test_an_empty_record_is_no_case_and_the_plans_order_on_one_day() -> None:
    empty = case_state("X1", [])
    assert (empty.open, empty.status, empty.notice, empty.plan_in) == (False, "", None, False)
    notice = CaseEvent("X1", EventKind.NOTICE, NOV, {"letter_kind": "lapsed", "remedial_plan_due": "2026-12-24"}, id=1)
    again = [notice, CaseEvent("X1", EventKind.PLAN_RECEIVED, D(2026, 12, 20), id=2),
             CaseEvent("X1", EventKind.PLAN_REJECTED, D(2027, 1, 5), id=3), CaseEvent("X1", EventKind.PLAN_AGREED, D(2027, 1, 20), id=4)]
    assert case_state("X1", again).plan_in  # the revised plan, agreed after the rejection
    same_day = [notice, CaseEvent("X1", EventKind.PLAN_REJECTED, D(2027, 1, 5), id=2), CaseEvent("X1", EventKind.PLAN_RECEIVED, D(2027, 1, 5), id=3)]
    assert case_state("X1", same_day).plan_in  # a revised plan received the day the first was rejected
    later, earlier = CaseEvent("X1", EventKind.NOTE, NOV, id=5), CaseEvent("X1", EventKind.NOTE, NOV, id=4)
    assert [e.id for e in effective_events([later, earlier])] == [4, 5]  # one day: in the order recorded


def test_only_a_notice_asking_for_a_plan_opens_a_case_and_other_events_leave_it_open() -> None:
    confirm = CaseEvent("X1", EventKind.NOTICE, NOV, {"letter_kind": "confirm"}, id=1)
    assert case_state("X1", [confirm]).status == ""  # a letter that asks for no plan opens nothing
    notice = CaseEvent("X1", EventKind.NOTICE, NOV, {"letter_kind": "lapsed", "remedial_plan_due": "2026-12-24"}, id=2)
    events = [confirm, notice,
              CaseEvent("X1", EventKind.CERTIFICATE, D(2026, 12, 1), {"scheme": "ce-plus", "expiry": "2027-11-29", "number": "CEP-1", "issued": "2026-11-30"}, id=3),
              CaseEvent("X1", EventKind.LSO_REFERRAL, D(2026, 12, 2), id=4),
              CaseEvent("X1", EventKind.LSO_OPT_OUT, D(2026, 12, 3), id=5),
              CaseEvent("X1", EventKind.NOTE, D(2026, 12, 4), {"text": "called"}, id=6)]
    state = case_state("X1", events)
    assert (state.open, state.notice, state.lso_referred, state.lso_opted_out) == (True, notice, D(2026, 12, 2), D(2026, 12, 3))
    assert state.certificate == Certificate(CE_PLUS, D(2027, 11, 29), D(2026, 11, 30), "CEP-1", "case record")
    closed = case_state("X1", [*events, CaseEvent("X1", EventKind.CLOSED, D(2027, 1, 5), {"reason": "tier reached"}, id=7)])
    assert (closed.open, closed.closed, closed.closed_reason) == (False, D(2027, 1, 5), "tier reached")
    # after closing, plan events belong to no case
    after = case_state("X1", [*closed.events, CaseEvent("X1", EventKind.PLAN_RECEIVED, D(2027, 1, 6), id=8),
                              CaseEvent("X1", EventKind.EXTENSION, D(2027, 1, 6), {"until": "2027-06-30"}, id=9)])
    assert (after.plan_received, after.extension_until, after.status) == (None, None, "closed")


def test_a_correction_stands_whatever_its_date_and_no_plan_is_late_before_its_day() -> None:
    notice = CaseEvent("X1", EventKind.NOTICE, NOV, {"letter_kind": "lapsed", "remedial_plan_due": "2026-12-24", "standard_by": "2027-03-24"}, id=1)
    wrong = CaseEvent("X1", EventKind.EXTENSION, D(2027, 3, 1), {"until": "2027-05-31"}, id=2)
    fixed = CaseEvent("X1", EventKind.EXTENSION, D(2027, 2, 1), {"until": "2027-06-30"}, id=3, supersedes=2)  # the right date of the agreement
    state = case_state("X1", [notice, wrong, fixed])
    assert state.standard_by == D(2027, 6, 30)  # #2 no longer stands, though dated later
    assert [e.id for e in state.events] == [1, 3]
    assert (state.days_overdue(D(2026, 12, 1)), state.days_overdue(D(2026, 12, 24)), state.days_overdue(D(2026, 12, 25))) == (0, 0, 1)


def test_no_certificate_recorded_asks_for_one_and_is_not_a_shortfall_notice() -> None:
    """Standards Exceeded on record, no CE Plus certificate in the register or the case
    record: the tier is not counted as met (unknown), the letter asks for a copy by the
    reply date (20 Working Days after Thursday 26 November 2026: Thursday 24 December
    2026), and gives no Remedial Plan date and no standard-by date: no case is opened."""
    position = assess_case_position(EXCEEDED, ADVANCED, D(2026, 11, 26))
    assert (position.kind, position.meets_tier, position.shortfall, position.certificate_unrecorded) == (
        LetterKind.CERTIFICATE, None, False, True)
    assert (position.response_by, position.remedial_plan_due, position.standard_by, position.shortfall_since) == (
        D(2026, 12, 24), None, None, None)
    assert (position.notice_date, position.case, position.closes_case) == (None, "", False)
    assert (position.valid_until, position.next_deadline) == (D(2027, 6, 30), D(2027, 6, 30))
    assert position.promised_dates() == {"response_by": D(2026, 12, 24), "valid_until": D(2027, 6, 30), "next_deadline": D(2027, 6, 30)}
    assert position.reason == ("No Cyber Essentials Plus certificate is recorded (register or case record): "
                               "the Advanced tier needs a current one; the letter asks for a copy.")
    context = position.as_context()
    assert (context["certificate_unrecorded"], context["response_by"], context["remedial_plan_due"]) == (True, "24 December 2026", "")
    # 15 Working Days (Riverside & Vale's letters.response_working_days): Thursday 17 December 2026
    riverside = ContractTerms(tier="advanced", minimum=DsptStatus.STANDARDS_EXCEEDED, response_working_days=15)
    assert assess_case_position(EXCEEDED, riverside, D(2026, 11, 26)).response_by == D(2026, 12, 17)
    # over Christmas: 20 Working Days after Thursday 10 December 2026 is Tuesday 12 January 2027
    assert assess_case_position(EXCEEDED, ADVANCED, D(2026, 12, 10)).response_by == D(2027, 1, 12)


def test_no_certificate_recorded_leaves_the_case_as_it_is() -> None:
    # no case: none is opened by this letter
    assert apply_case(assess_case_position(EXCEEDED, ADVANCED, NOV), None).case == ""
    # an open case (a Standards Not Met notice of 26 November 2026): it stays open with the
    # notice's date, the letter stays the certificate one (not progress, overdue or closing)
    served = CaseEvent("VM8K1", EventKind.NOTICE, NOV, NOTICE, id=1)
    later = assess_case_position(EXCEEDED, ADVANCED, D(2027, 1, 15), case=case_state("VM8K1", [served]))
    assert (later.kind, later.case, later.closes_case, later.notice_date) == (LetterKind.CERTIFICATE, "open", False, NOV)
    assert (later.response_by, later.remedial_plan_due, later.standard_by) == (D(2027, 2, 12), None, None)
    # a certificate recorded in the case: judged (current: confirm, and the case closes)
    recorded = CaseEvent("VM8K1", EventKind.CERTIFICATE, D(2027, 1, 10),
                         {"scheme": CE_PLUS, "number": "X1", "issued": "2027-01-05", "expiry": "2028-01-04"}, id=2)
    closed = assess_case_position(EXCEEDED, ADVANCED, D(2027, 1, 15), case=case_state("VM8K1", [served, recorded]),
                                  certificate=cert(D(2028, 1, 4)))
    assert (closed.kind, closed.meets_tier, closed.closes_case, closed.certificate_expiry) == (
        LetterKind.CONFIRM, True, True, D(2028, 1, 4))
    # the day after expiry: the Shortfall it is today (the expired wording)
    expired = assess_case_position(EXCEEDED, ADVANCED, D(2027, 3, 2), certificate=cert(D(2027, 3, 1)))
    assert (expired.kind, expired.certificate_unrecorded, expired.shortfall_since) == (LetterKind.CERTIFICATE, False, D(2027, 3, 2))


def test_only_a_certificate_event_records_a_certificate() -> None:
    """A Cyber Essentials Plus certificate is read from certificate events only (with a
    scheme and an expiry), and a Cyber Essentials one is kept apart from it: a note that
    happens to carry such details is not a certificate, so it cannot move the Advanced
    tier's dates."""
    details = {"scheme": CE_PLUS, "expiry": "2027-11-30"}
    assert case_state("VM8K1", [CaseEvent("VM8K1", EventKind.NOTE, NOV, details, id=1)]).certificate is None
    plus = case_state("VM8K1", [CaseEvent("VM8K1", EventKind.CERTIFICATE, NOV, details, id=1)])
    assert (plus.certificate.expiry, plus.ce_certificate) == (D(2027, 11, 30), None)
    basic = case_state("VM8K1", [CaseEvent("VM8K1", EventKind.CERTIFICATE, NOV, {"scheme": "ce", "expiry": "2027-10-31"}, id=1)])
    assert (basic.certificate, basic.ce_certificate.expiry, basic.ce_certificate.scheme) == (None, D(2027, 10, 31), "ce")
