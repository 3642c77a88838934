"""Boundaries of the contractual position that mutation testing (scripts/mutate.py)
found unchecked: each date stated by hand. The example contract starts on 1 April 2026;
the grace period for new providers is 6 months (to 1 October 2026); twelve months before
the Commencement Date is 1 April 2025."""

from __future__ import annotations

import datetime as dt

from contractgen.dspt.position import ContractTerms, assess_position, contract_terms
from contractgen.dspt.status import DsptRecord, DsptStatus
from contractgen.library.clauses import load_library
from contractgen.library.profiles import load_profile
from contractgen.library.workspace import Workspace

D = dt.date
START = D(2026, 4, 1)
CORE = ContractTerms(tier="core", minimum=DsptStatus.STANDARDS_MET, commencement=START)
FOUNDATION = ContractTerms(tier="foundation", minimum=DsptStatus.APPROACHING_STANDARDS, commencement=START,
                           foundation_publication_months=3, new_provider_grace_months=6)


def not_met(published: dt.date) -> DsptRecord:
    return DsptRecord.from_raw("C4SD", "SMITH & DAUGHTERS", "25/26 Standards Not Met", published)


def test_the_dataclass_defaults_are_the_librarys(workspace: Workspace) -> None:
    library = load_library(workspace.library_dir)
    profile = load_profile("example-borough", workspace.profiles_dir)
    terms = contract_terms(library, profile, "core")
    bare = ContractTerms(tier="core", minimum=DsptStatus.STANDARDS_MET)
    names = ("renewal_window_days", "remedial_plan_working_days", "remedial_period_months", "new_provider_grace_months",
             "foundation_publication_months", "status_change_working_days", "response_working_days")
    assert [getattr(bare, n) for n in names] == [90, 20, 3, 6, 6, 5, 20]
    assert [getattr(terms, n) for n in names] == [90, 20, 3, 6, 6, 5, 20]


def test_the_later_of_the_two_first_publication_periods_applies() -> None:
    # Foundation months end 1 July 2026, the grace period 1 October 2026: the later one
    assert FOUNDATION.first_publication_by(new_provider=True) == D(2026, 10, 1)
    assert FOUNDATION.first_publication_by() == D(2026, 7, 1)  # not a new provider: the Foundation months only
    position = assess_position(None, FOUNDATION, D(2026, 8, 15), new_provider=True)
    assert (position.first_publication_by, position.standard_by, position.shortfall) == (D(2026, 10, 1), D(2026, 10, 1), False)


def test_shortfall_since_a_below_tier_publication_is_its_date() -> None:
    position = assess_position(not_met(D(2026, 5, 10)), CORE, D(2026, 11, 26))
    assert (position.kind.value, position.shortfall_since) == ("remedy", D(2026, 5, 10))
    before = assess_position(not_met(D(2026, 3, 10)), CORE, D(2026, 11, 26))
    assert before.shortfall_since == START  # never before the Commencement Date


def test_the_grace_period_s_edges() -> None:
    record = not_met(D(2025, 6, 1))
    assert assess_position(record, CORE, START).grace_until == D(2026, 10, 1)  # from the Commencement Date itself
    assert assess_position(record, CORE, D(2026, 10, 1)).grace_until == D(2026, 10, 1)  # to its last day
    assert assess_position(record, CORE, D(2026, 10, 2)).grace_until is None
    # a publication exactly twelve months before the Commencement Date does not show the
    # provider at work *more* than twelve months before it; one a day earlier does
    assert assess_position(not_met(D(2025, 4, 1)), CORE, D(2026, 5, 1)).grace_until == D(2026, 10, 1)
    assert assess_position(not_met(D(2025, 3, 31)), CORE, D(2026, 5, 1)).grace_until is None
    assert assess_position(not_met(D(2025, 3, 1)), CORE, D(2026, 5, 1)).grace_until is None  # thirteen months


def test_no_certificate_reminder_without_a_certificate() -> None:
    position = assess_position(not_met(D(2026, 3, 10)), CORE, D(2026, 11, 26))
    assert (position.certificate_reminder, position.certificate_expiry, position.closes_case, position.case) == (False, None, False, "")


def test_the_foundation_period_and_the_commencement_day() -> None:
    assert FOUNDATION.foundation_publication_by == D(2026, 7, 1)  # 3 months after 1 April 2026
    assert CORE.foundation_publication_by is None  # not the Foundation Tier
    assert ContractTerms(tier="foundation", minimum=DsptStatus.APPROACHING_STANDARDS).foundation_publication_by is None  # no start date
    record = not_met(D(2026, 5, 10))
    assert assess_position(record, CORE, D(2026, 3, 31)).before_commencement is True
    assert assess_position(record, CORE, START).before_commencement is False  # the Commencement Date itself


def test_a_shortfall_after_the_first_publication_period_runs_from_the_day_after_it() -> None:
    # Foundation, nothing published: the period for a first publication ends on 1 July 2026
    position = assess_position(None, FOUNDATION, D(2026, 11, 26))
    assert (position.shortfall, position.shortfall_since) == (True, D(2026, 7, 2))
    # a new provider: the later period (the grace period, to 1 October 2026) applies
    assert assess_position(None, FOUNDATION, D(2026, 11, 26), new_provider=True).shortfall_since == D(2026, 10, 2)


def test_a_foundation_provider_with_nothing_on_record_falls_short_from_the_day_after_its_window() -> None:
    """Commencement 1 April 2026; the Foundation Tier gives 6 months for a first
    publication, to 1 October 2026: a provider not in the export (or registered, Not
    Published) falls short from 2 October 2026, not from the Commencement Date (a
    mutant of ``published`` in ``_shortfall_since`` gave 1 April 2026). The letter of 26
    November 2026 asks for the plan by 24 December 2026 and the tier by 24 March 2027."""
    terms = ContractTerms(tier="foundation", minimum=DsptStatus.APPROACHING_STANDARDS, commencement=START)
    registered = DsptRecord.from_raw("8X001", "NEW CARE", "Not Published", None)
    for record in (None, registered):
        position = assess_position(record, terms, D(2026, 11, 26))
        assert (position.kind.value, position.shortfall, position.shortfall_since) == ("start", True, D(2026, 10, 2))
        assert (position.remedial_plan_due, position.standard_by) == (D(2026, 12, 24), D(2027, 3, 24))
    # the last day of the window: not yet a shortfall; the day after: from that day
    assert assess_position(None, terms, D(2026, 10, 1)).shortfall is False
    assert assess_position(None, terms, D(2026, 10, 2)).shortfall_since == D(2026, 10, 2)


def test_a_not_published_row_with_a_date_falls_short_from_the_commencement_date() -> None:
    """A Not Published row that carries a date (1 June 2026) published nothing: a core
    provider falls short from the Commencement Date, 1 April 2026, not from that date."""
    record = DsptRecord.from_raw("8X002", "DATED CARE", "Not Published", D(2026, 6, 1))
    position = assess_position(record, CORE, D(2026, 11, 26))
    assert (position.kind.value, position.shortfall_since, position.remedial_plan_due) == ("start", D(2026, 4, 1), D(2026, 12, 24))


def foundation(commencement: dt.date, months: int) -> ContractTerms:
    return ContractTerms(tier="foundation", minimum=DsptStatus.APPROACHING_STANDARDS, commencement=commencement,
                         foundation_publication_months=months)


def test_the_first_publication_s_year_is_named_only_when_one_toolkit_is_open_for_the_whole_period() -> None:
    """A Foundation start letter names the year of a first publication (and the year after
    it, at Standards Met) only when that year's toolkit is open from the letter to the
    period's end."""
    # commencement 1 April 2026 + 3 months = 1 July 2026: 2025-26 is open throughout (late publications to 31 August)
    inside = assess_position(None, foundation(D(2026, 4, 1), 3), D(2026, 5, 1))
    assert (inside.first_publication_by, str(inside.first_year), inside.following_deadline) == (D(2026, 7, 1), "2025-26", D(2027, 6, 30))
    # + 6 months = 1 October 2026, when 2026-27 is open instead: no year is named
    across = assess_position(None, foundation(D(2026, 4, 1), 6), D(2026, 5, 1))
    assert (across.first_publication_by, str(across.next_year), across.first_year, across.following_deadline) == (
        D(2026, 10, 1), "2025-26", None, None)
    # from the very day 2026-27 opens (1 September 2026) to 1 December 2026
    opening = assess_position(None, foundation(D(2026, 9, 1), 3), D(2026, 9, 1))
    assert (opening.first_publication_by, str(opening.first_year), opening.following_deadline) == (D(2026, 12, 1), "2026-27", D(2028, 6, 30))


def test_a_plan_covers_the_next_year_s_publication_from_the_day_its_toolkit_opens_to_its_deadline() -> None:
    record = not_met(D(2026, 5, 10))  # 2025-26 Standards Not Met: a Shortfall, the next year 2026-27 (deadline 30 June 2027)
    before = assess_position(record, CORE, D(2026, 8, 31))  # 2026-27 not yet open
    opened = assess_position(record, CORE, D(2026, 9, 1))  # the day it opens
    assert (before.standard_by, before.plan_covers_next_year) == (D(2026, 12, 28), False)
    assert (opened.standard_by, opened.plan_covers_next_year) == (D(2026, 12, 29), True)
    # a plan due 31 March 2027 gives 30 June 2027 (the month's last day), the deadline itself; one due 1 April, 1 July
    last = assess_position(record, CORE, D(2027, 3, 1))
    after = assess_position(record, CORE, D(2027, 3, 2))
    assert (last.remedial_plan_due, last.standard_by, last.plan_covers_next_year) == (D(2027, 3, 31), D(2027, 6, 30), True)
    assert (after.remedial_plan_due, after.standard_by, after.plan_covers_next_year) == (D(2027, 4, 1), D(2027, 7, 1), False)


def test_the_plan_after_a_grace_period_is_due_from_the_day_after_it() -> None:
    # commencement Tuesday 7 April 2026: the grace period ends Wednesday 7 October 2026; 20
    # Working Days from Thursday 8 October (9 October would give 6 November) is Thursday 5 November
    terms = ContractTerms(tier="core", minimum=DsptStatus.STANDARDS_MET, commencement=D(2026, 4, 7))
    position = assess_position(not_met(D(2025, 6, 1)), terms, D(2026, 5, 1))
    assert (position.grace_until, position.grace_plan_due, position.remedial_plan_due) == (D(2026, 10, 7), D(2026, 11, 5), D(2026, 6, 2))
    assert position.reminder is False  # a first letter is the notice itself, never a reminder of one


def test_positions_worked_out_once_keep_each_provider_s_own_record() -> None:
    first, second = not_met(D(2026, 5, 10)), DsptRecord.from_raw("VL1", "OTHER CARE", "25/26 Standards Not Met", D(2026, 5, 10))
    a, b = assess_position(first, CORE, D(2026, 11, 26)), assess_position(second, CORE, D(2026, 11, 26))
    assert (a.record, b.record) == (first, second) and a.record is first and b.record is second
    assert (b.kind.value, b.shortfall_since, b.remedial_plan_due) == (a.kind.value, a.shortfall_since, a.remedial_plan_due) == (
        "remedy", D(2026, 5, 10), D(2026, 12, 24))
