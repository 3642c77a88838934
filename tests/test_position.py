"""A provider's contractual position: the one model letters, report.csv, the schedule's
examples and `validate` read (contractgen.dspt.position)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from contractgen.dspt.status import AssessmentYear, DeadlineRule, DsptRecord, DsptStatus
from contractgen.base.environment import format_date
from contractgen.letters.render import LetterRenderer
from contractgen.dspt.position import (
    ContractTerms,
    ContractualPosition,
    LetterKind,
    add_months,
    assess_position,
    contract_terms,
    status_or_better,
    tier_requirement,
    worked_example,
)
from contractgen.dspt.register import Provider
from contractgen.schedule.render import load_template, prepare
from contractgen.library.workspace import Workspace

D = dt.date
APPROACHING = DsptStatus.APPROACHING_STANDARDS  # foundation
MET = DsptStatus.STANDARDS_MET  # core
EXCEEDED = DsptStatus.STANDARDS_EXCEEDED  # advanced
TODAY = D(2026, 11, 26)

START, LAPSED, REMEDY = LetterKind.START, LetterKind.LAPSED, LetterKind.REMEDY
IMPROVE, RENEW, CONFIRM = LetterKind.IMPROVE, LetterKind.RENEW, LetterKind.CONFIRM
TIERS = {APPROACHING: "foundation", MET: "core", EXCEEDED: "advanced"}


def record(raw: str, published: dt.date | None = None) -> DsptRecord:
    return DsptRecord.from_raw("VM79V", "The Pines (VM79V)", raw, published)


def terms(minimum: DsptStatus = MET, **changes) -> ContractTerms:
    return ContractTerms(TIERS[minimum], minimum, **changes)


def decide(rec: DsptRecord | None, minimum: DsptStatus, as_of: dt.date, **changes) -> ContractualPosition:
    return assess_position(rec, terms(minimum, **changes), as_of)


def test_letter_kinds_name_their_templates() -> None:
    assert [k.value for k in LetterKind] == ["start", "lapsed", "remedy", "improve", "renew", "confirm", "overdue", "progress", "certificate"]
    assert LetterKind("renew") is RENEW


# ---------------------------------------------------------- 48 dated cases, end to end


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory):
    """Render a letter's wording for a synthetic provider in a copy of the example
    workspace (Example Borough's profile: commencement 1 April 2026, library defaults)."""
    import shutil
    from pathlib import Path

    from contractgen.library.workspace import load_workspace

    root = Path(__file__).resolve().parent.parent
    target = tmp_path_factory.mktemp("ws")
    shutil.copy2(root / "contractgen.yaml", target / "contractgen.yaml")
    for name in ("clause_library", "templates", "profiles"):
        shutil.copytree(root / name, target / name)
    workspace = load_workspace(target)
    library, profile = prepare(workspace, "example-borough")
    template = load_template(workspace, profile, "letter")

    def render(tier: str, rec: DsptRecord | None, as_of: dt.date) -> tuple[ContractualPosition, str]:
        position = assess_position(rec, contract_terms(library, profile, tier), as_of)
        renderer = LetterRenderer(library, profile, template, as_of)
        provider = Provider("Maple Lodge", "VM1A2", "", "", "", True, tier, 2)
        text = " ".join(p.text for p in renderer.body(provider, position))
        return position, text

    return render


def deadline_sentence(sentence: str, position) -> str:
    """The letter's sentence with the next deadline (``sentence``: the plain form, the year
    and date stated by hand): a Shortfall letter ties it to the plan's date (release
    2026.4), saying the plan's date counts, so that 30 June is not read as the deadline."""
    plain = re.fullmatch(r"The deadline for publishing the (\S+) assessment is (.+)\.", sentence)
    if plain is None:  # a confirm or renew letter's own sentence
        return sentence
    year, day = plain.groups()
    if position.kind.value == "start" and position.first_year is not None:  # the Foundation Tier's first publication
        return f"earlier than the DSPT's own deadline for {year} ({day})"
    if not position.shortfall:
        return sentence
    if position.plan_covers_next_year:
        return f"by the date in your plan also covers the {year} publication, whose deadline is {day}."
    return f"The date in your plan is the one that counts for reaching your tier. Separately, the deadline for publishing the {year} assessment is {day}."


@pytest.mark.parametrize(
    ("tier", "raw", "published", "as_of", "kind", "response_by", "standard_by", "sentence"),
    [
    ("core", '25/26 Standards Met', None, D(2026, 6, 20), "confirm", None, None,
     'Your next assessment, for 2026-27, needs to be published at Standards Met or better by 30 June 2027.'),
    ("core", '25/26 Standards Met', None, D(2026, 6, 30), "confirm", None, None,
     'Your next assessment, for 2026-27, needs to be published at Standards Met or better by 30 June 2027.'),
    ("core", '24/25 Standards Met', None, D(2026, 6, 30), "renew", None, None,
     'To keep meeting your contract, please publish your 2025-26 assessment at Standards Met or better by 30 June 2026.'),
    ("core", '24/25 Standards Met', None, D(2026, 7, 1), "lapsed", '2026-07-29', '2026-10-29',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("core", 'Standards Met', D(2025, 7, 10), D(2026, 7, 1), "lapsed", '2026-07-29', '2026-10-29',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("core", 'Standards Met', D(2025, 7, 10), D(2026, 6, 30), "renew", None, None,
     'To keep meeting your contract, please publish your 2025-26 assessment at Standards Met or better by 30 June 2026.'),
    ("core", 'Standards Met', D(2025, 8, 31), D(2026, 7, 1), "lapsed", '2026-07-29', '2026-10-29',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("core", 'Standards Met', D(2025, 9, 1), D(2026, 7, 1), "confirm", None, None,
     'Your next assessment, for 2026-27, needs to be published at Standards Met or better by 30 June 2027.'),
    ("core", 'Standards Met', D(2025, 9, 1), D(2027, 4, 1), "renew", None, None,
     'To keep meeting your contract, please publish your 2026-27 assessment at Standards Met or better by 30 June 2027.'),
    ("core", '25/26 Standards Met', None, D(2027, 3, 31), "confirm", None, None,
     'Your next assessment, for 2026-27, needs to be published at Standards Met or better by 30 June 2027.'),
    ("core", '25/26 Standards Met', None, D(2027, 4, 1), "renew", None, None,
     'To keep meeting your contract, please publish your 2026-27 assessment at Standards Met or better by 30 June 2027.'),
    ("core", '25/26 Standards Met', None, D(2027, 6, 30), "renew", None, None,
     'To keep meeting your contract, please publish your 2026-27 assessment at Standards Met or better by 30 June 2027.'),
    ("core", '25/26 Standards Met', None, D(2027, 7, 1), "lapsed", '2027-07-29', '2027-10-29',
     'The deadline for publishing the 2027-28 assessment is 30 June 2028.'),
    ("core", '25/26 Standards Met', None, D(2026, 8, 31), "confirm", None, None,
     'Your next assessment, for 2026-27, needs to be published at Standards Met or better by 30 June 2027.'),
    ("core", '25/26 Standards Met', None, D(2026, 9, 1), "confirm", None, None,
     'Your next assessment, for 2026-27, needs to be published at Standards Met or better by 30 June 2027.'),
    ("core", '26/27 Standards Met', None, D(2026, 11, 26), "confirm", None, None,
     'Your next assessment, for 2027-28, needs to be published at Standards Met or better by 30 June 2028.'),
    ("core", '25/26 Approaching Standards', None, D(2026, 11, 26), "improve", '2026-12-24', '2027-03-24',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("core", '25/26 Approaching Standards', None, D(2027, 7, 1), "lapsed", '2027-07-29', '2027-10-29',
     'The deadline for publishing the 2027-28 assessment is 30 June 2028.'),
    ("core", '25/26 Standards Not Met', None, D(2026, 8, 31), "remedy", '2026-09-28', '2026-12-28',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("core", '25/26 Standards Not Met', None, D(2026, 9, 1), "remedy", '2026-09-29', '2026-12-29',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("core", '25/26 Standards not fully met (plan agreed)', None, D(2026, 11, 26), "remedy", '2026-12-24', '2027-03-24',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("core", None, None, D(2026, 11, 26), "start", '2026-12-24', '2027-03-24',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("core", 'Not Published', None, D(2026, 6, 30), "start", '2026-07-28', '2026-10-28',
     'The deadline for publishing the 2025-26 assessment is 30 June 2026.'),
    ("core", 'Not Published', None, D(2026, 7, 1), "start", '2026-07-29', '2026-10-29',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("core", 'Not Published', None, D(2026, 12, 1), "start", '2026-12-31', '2027-03-31',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("core", 'Standards Met', None, D(2026, 11, 26), "lapsed", '2026-12-24', '2027-03-24',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("core", 'Entry Level', D(2020, 3, 1), D(2026, 11, 26), "lapsed", '2026-12-24', '2027-03-24',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("core", 'Standards Met (19-20)', None, D(2021, 6, 30), "renew", None, None,
     'To keep meeting your contract, please publish your 2020-21 assessment at Standards Met or better by 30 June 2021.'),
    # issue 19: before the Commencement Date (1 April 2026) no shortfall, so no date to reach the tier
    ("core", 'Standards Met (19-20)', None, D(2021, 7, 1), "lapsed", '2021-07-29', None,
     'The deadline for publishing the 2021-22 assessment is 30 June 2022.'),
    ("core", '23/24 Standards Met', None, D(2025, 3, 31), "confirm", None, None,
     'Your next assessment, for 2024-25, needs to be published at Standards Met or better by 30 June 2025.'),
    ("core", '23/24 Standards Met', None, D(2025, 4, 1), "renew", None, None,
     'To keep meeting your contract, please publish your 2024-25 assessment at Standards Met or better by 30 June 2025.'),
    ("core", 'Standards Met', D(2024, 2, 29), D(2025, 6, 30), "renew", None, None,
     'To keep meeting your contract, please publish your 2024-25 assessment at Standards Met or better by 30 June 2025.'),
    # issue 19: before the Commencement Date (1 April 2026) no shortfall
    ("core", 'Standards Met', D(2024, 2, 29), D(2025, 7, 1), "lapsed", '2025-07-29', None,
     'The deadline for publishing the 2025-26 assessment is 30 June 2026.'),
    ("core", 'Not Published', None, D(2028, 2, 29), "start", '2028-03-28', '2028-06-28',
     'The deadline for publishing the 2027-28 assessment is 30 June 2028.'),
    ("core", 'Not Published', None, D(2027, 11, 2), "start", '2027-11-30', '2028-02-29',
     'The deadline for publishing the 2027-28 assessment is 30 June 2028.'),
    ("core", 'Not Published', None, D(2026, 11, 2), "start", '2026-11-30', '2027-02-28',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("advanced", '25/26 Standards Met', None, D(2026, 11, 26), "improve", '2026-12-24', '2027-03-24',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("advanced", '25/26 Approaching Standards', None, D(2026, 11, 26), "improve", '2026-12-24', '2027-03-24',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("advanced", '25/26 Standards Exceeded', None, D(2026, 11, 26), "confirm", None, None,
     'Your next assessment, for 2026-27, needs to be published at Standards Exceeded by 30 June 2027.'),
    ("advanced", '25/26 Standards Exceeded', None, D(2027, 5, 15), "renew", None, None,
     'To keep meeting your contract, please publish your 2026-27 assessment at Standards Exceeded by 30 June 2027.'),
    ("foundation", '25/26 Approaching Standards', None, D(2026, 11, 26), "confirm", None, None,
     'Your next assessment, for 2026-27, needs to be published at Standards Met or better by 30 June 2027.'),
    ("foundation", '25/26 Approaching Standards', None, D(2027, 4, 1), "renew", None, None,
     'To keep meeting your contract, please publish your 2026-27 assessment at Standards Met or better by 30 June 2027.'),
    ("foundation", '25/26 Approaching Standards', None, D(2027, 7, 1), "lapsed", '2027-07-29', '2027-10-29',
     'The deadline for publishing the 2027-28 assessment is 30 June 2028.'),
    ("foundation", '25/26 Standards Not Met', None, D(2026, 11, 26), "remedy", '2026-12-24', '2027-03-24',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("foundation", '25/26 Standards Met', None, D(2026, 11, 26), "confirm", None, None,
     'Your next assessment, for 2026-27, needs to be published at Standards Met or better by 30 June 2027.'),
    ("foundation", None, None, D(2026, 9, 30), "start", '2026-10-01', '2026-10-01',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("foundation", None, None, D(2026, 10, 1), "start", '2026-10-01', '2026-10-01',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ("foundation", None, None, D(2026, 10, 2), "start", '2026-10-30', '2027-01-30',
     'The deadline for publishing the 2026-27 assessment is 30 June 2027.'),
    ],
)  # fmt: skip
def test_dated_cases(
    letters, tier: str, raw: str | None, published: dt.date | None, as_of: dt.date,
    kind: str, response_by: str | None, standard_by: str | None, sentence: str,
) -> None:
    """Each case: the kind, the reply date (none for confirm and renew), the date the tier
    must be reached (none when it is), and the letter's sentence with the next deadline.
    Boundaries: 30 June and 1 July, 31 August and 1 September, the 90-day window's edges,
    leap days, Christmas bank holidays, the Foundation Tier's first-publication months."""
    rec = None if raw is None else DsptRecord.from_raw("VM1A2", "MAPLE LODGE", raw, published)
    position, text = letters(tier, rec, as_of)
    assert position.kind.value == kind
    assert (position.response_by.isoformat() if position.response_by else None) == response_by
    assert (position.standard_by.isoformat() if position.standard_by else None) == standard_by
    assert deadline_sentence(sentence, position) in text
    assert format_date(position.next_deadline) in sentence
    if response_by:  # every reply date the model asks for is in the letter
        assert format_date(position.response_by) in text


# --------------------------------------------------------------- the kind, as a table


@pytest.mark.parametrize(
    ("raw", "published", "minimum", "as_of", "kind"),
    [
        # nothing on record
        ("Not Published", None, MET, TODAY, START),
        ("", None, MET, TODAY, START),
        ("Not Published", D(2022, 6, 28), MET, TODAY, START),  # an old date: still start
        ("22/23 Not Published", None, MET, TODAY, START),  # the year is dropped
        # current and meeting the tier
        ("25/26 Standards Exceeded", None, EXCEEDED, TODAY, CONFIRM),
        ("25/26 Standards Exceeded", None, APPROACHING, TODAY, CONFIRM),
        ("25/26 Standards Met", None, APPROACHING, TODAY, CONFIRM),
        ("26/27 Standards Met", None, MET, TODAY, CONFIRM),  # published early
        # current, below the tier
        ("25/26 Approaching Standards", None, EXCEEDED, TODAY, IMPROVE),
        ("25/26 Entry Level", None, APPROACHING, TODAY, IMPROVE),  # meets no tier
        # current, standards not met: remedy whatever the tier
        ("25/26 Standards Not Met", None, APPROACHING, TODAY, REMEDY),
        ("25/26 Standards Not Met", None, EXCEEDED, TODAY, REMEDY),
        ("25/26 Standards not fully met (plan agreed)", None, MET, TODAY, REMEDY),
        ("25/26 Standards Not Met", None, MET, D(2027, 6, 1), REMEDY),  # not renew
        # out of date: lapsed whatever the status
        ("24/25 Standards Exceeded", None, APPROACHING, TODAY, LAPSED),
        ("24/25 Standards Not Met", None, MET, TODAY, LAPSED),
        ("Entry Level", D(2019, 1, 10), APPROACHING, TODAY, LAPSED),
        ("Entry Level (19-20)", None, APPROACHING, TODAY, LAPSED),
        ("Standards Met (19-20)", None, MET, TODAY, LAPSED),  # old suffix format
        ("Standards not fully met (plan agreed)", D(2019, 3, 1), MET, TODAY, LAPSED),
        ("Standards Met", None, MET, TODAY, LAPSED),  # no year, no date: unknowable
        ("Standards Met", D(2025, 6, 30), MET, TODAY, LAPSED),  # 2024-25 by its date
        # years from the publication date (no prefix): July and August are late ones
        ("Standards Met", D(2026, 6, 30), MET, TODAY, CONFIRM),  # 2025-26
        ("Standards Met", D(2026, 7, 1), MET, TODAY, CONFIRM),  # 2025-26, late
        ("Standards Met", D(2025, 7, 1), MET, TODAY, LAPSED),  # 2024-25, late
        ("Standards Met", D(2025, 7, 10), MET, D(2026, 7, 1), LAPSED),  # finding 4
        ("Standards Met", D(2025, 9, 1), MET, D(2027, 6, 30), RENEW),  # 2025-26
        ("Standards Met", D(2025, 9, 1), MET, D(2027, 7, 1), LAPSED),
        # the old suffix format, when it was current
        ("Standards Met (19-20)", None, MET, D(2020, 6, 30), CONFIRM),
        ("Entry Level (19-20)", None, APPROACHING, D(2020, 1, 1), IMPROVE),
        # the 30 June / 1 July boundary: counts until 30 June N+2 inclusive
        ("25/26 Approaching Standards", None, MET, D(2027, 6, 30), IMPROVE),
        ("25/26 Approaching Standards", None, MET, D(2027, 7, 1), LAPSED),
        ("25/26 Standards Not Met", None, MET, D(2027, 7, 1), LAPSED),
        ("25/26 Approaching Standards", None, APPROACHING, D(2027, 4, 1), RENEW),
    ],
)  # fmt: skip
def test_kind(raw: str, published: dt.date | None, minimum: DsptStatus, as_of: dt.date, kind: LetterKind) -> None:
    assert decide(record(raw, published), minimum, as_of).kind is kind


@pytest.mark.parametrize(
    ("window", "as_of", "kind"),
    [
        (0, D(2027, 6, 29), CONFIRM),
        (0, D(2027, 6, 30), RENEW),
        (30, D(2027, 5, 30), CONFIRM),  # 31 days left
        (30, D(2027, 5, 31), RENEW),  # 30 days left
        (365, D(2026, 6, 30), RENEW),
        (365, D(2026, 6, 29), CONFIRM),
    ],
)
def test_renewal_window(window: int, as_of: dt.date, kind: LetterKind) -> None:
    assert decide(record("25/26 Standards Met"), MET, as_of, renewal_window_days=window).kind is kind


def test_another_deadline_day() -> None:
    """Before 2021 the deadline was 31 March; month and day are terms."""
    old = record("Standards Met", D(2019, 3, 30))
    assert old.year == AssessmentYear(2018)
    on_time = decide(old, MET, D(2020, 3, 31), deadline_month=3, deadline_day=31)
    assert (on_time.kind, on_time.valid_until, on_time.next_deadline) == (RENEW, D(2020, 3, 31), D(2020, 3, 31))
    late = decide(old, MET, D(2020, 4, 1), deadline_month=3, deadline_day=31)
    assert (late.kind, late.next_deadline) == (LAPSED, D(2021, 3, 31))


# ------------------------------------------------------------------ the findings


def test_finding_3_next_deadline_follows_the_publication_year() -> None:
    """A 2025-26 publication seen on 20 June 2026 must next publish 2026-27 by
    30 June 2027, not by 30 June 2026 (the next 30 June after the date)."""
    position = decide(record("25/26 Standards Met"), MET, D(2026, 6, 20))
    assert (position.kind, position.next_year, position.next_deadline) == (CONFIRM, AssessmentYear(2026), D(2027, 6, 30))
    assert position.response_by is None and position.standard_by is None


def test_finding_2_a_shortfall_follows_the_remedial_plan_paragraph() -> None:
    """Core, Approaching Standards: a Shortfall; the Remedial Plan is due within the
    schedule's working days of the letter, and the tier within its months of the plan."""
    position = decide(record("25/26 Approaching Standards"), MET, TODAY)
    assert position.shortfall and not position.meets_tier
    assert position.remedial_plan_due == D(2026, 12, 24)  # 20 working days
    assert position.standard_by == D(2027, 3, 24)  # 3 months after
    assert position.response_by == position.remedial_plan_due
    longer = decide(record("25/26 Approaching Standards"), MET, TODAY, remedial_plan_working_days=10, remedial_period_months=6)
    assert (longer.remedial_plan_due, longer.standard_by) == (D(2026, 12, 10), D(2027, 6, 10))


def test_finding_6_foundation_target_after_approaching_standards_is_standards_met() -> None:
    """Approaching Standards published on 20 June 2026 (2025-26) meets the Foundation Tier
    until 30 June 2027, when the 2026-27 publication must be Standards Met: a year, not
    10 days. After Standards Not Met or a lapse the target is Standards Met too."""
    position = decide(record("25/26 Approaching Standards", D(2026, 6, 20)), APPROACHING, D(2026, 6, 21))
    assert (position.kind, position.meets_tier, position.target) == (CONFIRM, True, MET)
    assert (position.next_year, position.next_deadline, position.valid_until) == (AssessmentYear(2026), D(2027, 6, 30), D(2027, 6, 30))
    assert decide(record("25/26 Standards Not Met"), APPROACHING, TODAY).target is MET
    assert decide(record("24/25 Approaching Standards"), APPROACHING, TODAY).target is MET
    assert decide(None, APPROACHING, TODAY).target is APPROACHING  # a first publication may use it


def test_foundation_first_publication_months_from_the_commencement_date() -> None:
    within = decide(None, APPROACHING, D(2026, 9, 1), commencement=D(2026, 4, 1))
    assert (within.shortfall, within.first_publication_by, within.standard_by) == (False, D(2026, 10, 1), D(2026, 10, 1))
    assert within.response_by == D(2026, 9, 29)  # 20 working days, before the first publication is due
    after = decide(None, APPROACHING, D(2026, 10, 2), commencement=D(2026, 4, 1))
    assert after.shortfall and after.first_publication_by is None
    core = decide(None, MET, D(2026, 9, 1), commencement=D(2026, 4, 1))
    assert core.shortfall  # the Core Tier allows no such period


def test_grace_period_for_new_providers() -> None:
    kw = {"commencement": D(2026, 7, 1), "new_provider_grace_months": 6}
    new = assess_position(None, terms(MET, **kw), TODAY, new_provider=True)
    assert (new.shortfall, new.standard_by, new.first_publication_by) == (False, D(2027, 1, 1), D(2027, 1, 1))
    unknown = assess_position(None, terms(MET, **kw), TODAY)
    assert unknown.shortfall and unknown.grace_until == D(2027, 1, 1)  # a letter may mention it
    worked_before = assess_position(record("23/24 Standards Met", D(2024, 6, 28)), terms(MET, **kw), TODAY)
    assert worked_before.grace_until is None  # published two years before the contract began


def test_without_an_export_nothing_is_claimed() -> None:
    position = assess_position(record("25/26 Standards Met"), terms(MET), TODAY, checked=False)
    assert (position.kind, position.record, position.meets_tier, position.shortfall) == (START, None, None, False)
    assert position.standard_by is None and position.assessment_year is None
    assert position.response_by == D(2026, 12, 24)
    assert position.reason == "No DSPT export was checked for this letter (--no-dspt)."


def test_no_record_is_start() -> None:
    position = decide(None, MET, TODAY)
    assert (position.kind, position.record, position.year, position.valid_until) == (START, None, None, None)
    assert (position.next_year, position.next_deadline) == (AssessmentYear(2026), D(2027, 6, 30))
    assert position.reason == "The DSPT export has no organisation with this ODS code, so we could not find a publication."


@pytest.mark.parametrize(
    ("as_of", "deadline"),
    [
        (D(2026, 1, 1), D(2026, 6, 30)),
        (D(2026, 6, 29), D(2026, 6, 30)),
        (D(2026, 6, 30), D(2026, 6, 30)),  # on the day: that day
        (D(2026, 7, 1), D(2027, 6, 30)),
        (D(2026, 11, 26), D(2027, 6, 30)),
        (D(2026, 12, 31), D(2027, 6, 30)),
    ],
)
def test_next_deadline_without_a_publication(as_of: dt.date, deadline: dt.date) -> None:
    assert decide(None, MET, as_of).next_deadline == deadline


@pytest.mark.parametrize(
    ("raw", "published", "minimum", "as_of", "year", "until", "reason"),
    [
        ("Not Published", D(2022, 6, 28), MET, TODAY, None, None,
         "The organisation is registered on the DSPT but has no published assessment."),
        ("24/25 Standards Met", None, MET, TODAY, 2024, D(2026, 6, 30),
         "The latest publication, 2024-25 Standards Met, counted until 30 June 2026 and "
         "is out of date."),
        ("Standards Met", None, MET, TODAY, None, None,
         "The latest publication (Standards Met) shows no assessment year or date, so it "
         "cannot be shown to be current."),
        ("25/26 Standards Not Met", None, MET, TODAY, 2025, D(2027, 6, 30),
         "The 2025-26 publication is Standards Not Met: the mandatory standards are not met."),
        ("25/26 Approaching Standards", None, MET, TODAY, 2025, D(2027, 6, 30),
         "The 2025-26 publication is Approaching Standards, below the Standards Met required."),
        ("25/26 Standards Met", None, MET, D(2027, 5, 15), 2025, D(2027, 6, 30),
         "The 2025-26 publication (Standards Met) meets the required Standards Met but "
         "counts only until 30 June 2027, 46 days away."),
        ("25/26 Standards Met", None, MET, D(2027, 6, 29), 2025, D(2027, 6, 30),
         "The 2025-26 publication (Standards Met) meets the required Standards Met but "
         "counts only until 30 June 2027, 1 day away."),
        ("25/26 Standards Met", None, MET, D(2027, 6, 30), 2025, D(2027, 6, 30),
         "The 2025-26 publication (Standards Met) meets the required Standards Met but "
         "counts only until 30 June 2027, which is today."),
        ("25/26 Standards Exceeded", None, MET, TODAY, 2025, D(2027, 6, 30),
         "The 2025-26 publication (Standards Exceeded) meets the required Standards Met "
         "and counts until 30 June 2027."),
    ],
)  # fmt: skip
def test_fields_and_reasons(
    raw: str, published: dt.date | None, minimum: DsptStatus, as_of: dt.date,
    year: int | None, until: dt.date | None, reason: str,
) -> None:
    rec = record(raw, published)
    position = decide(rec, minimum, as_of)
    assert position.record is rec
    assert position.assessment_year == (AssessmentYear(year) if year is not None else None)
    assert position.valid_until == until
    assert position.reason == reason


def test_lapsed_shortfall_starts_the_day_after_it_stopped_counting() -> None:
    position = decide(record("24/25 Standards Met"), MET, TODAY)
    assert position.shortfall_since == D(2026, 7, 1)


@pytest.mark.parametrize(
    "minimum", [DsptStatus.ENTRY_LEVEL, DsptStatus.NOT_PUBLISHED, DsptStatus.STANDARDS_NOT_MET, DsptStatus.PLAN_AGREED]
)
def test_minimum_must_be_a_tier_status(minimum: DsptStatus) -> None:
    with pytest.raises(ValueError, match="cannot be a tier's minimum"):
        ContractTerms("x", minimum)


def test_negative_terms_are_refused() -> None:
    with pytest.raises(ValueError, match="renewal_window_days must not be negative: -1"):
        terms(MET, renewal_window_days=-1)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2027, 11, 30), 3, D(2028, 2, 29)),  # leap year
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2026, 4, 1), 6, D(2026, 10, 1)),
        (D(2026, 12, 24), 3, D(2027, 3, 24)),
        (D(2026, 7, 1), -12, D(2025, 7, 1)),
    ],
)
def test_add_months(start: dt.date, months: int, end: dt.date) -> None:
    assert add_months(start, months) == end


def test_wording_helpers() -> None:
    assert status_or_better(MET) == "Standards Met or better"
    assert status_or_better(EXCEEDED) == "Standards Exceeded"  # nothing is above it
    assert tier_requirement(APPROACHING) == (
        "Approaching Standards with an action plan for one assessment year only, then Standards Met or better"
    )


def test_contract_terms_come_from_the_library_and_profile(workspace: Workspace) -> None:
    library, profile = prepare(workspace, "riverside-and-vale")
    t = contract_terms(library, profile, "foundation")
    assert t == ContractTerms(
        # issue 19: each toolkit version's deadline, not one 30 June for all
        tier="foundation", minimum=APPROACHING, renewal_window_days=240,
        deadline_rules=(DeadlineRule(2018, 3, 31), DeadlineRule(2019, 9, 30), DeadlineRule(2020, 6, 30)),
        remedial_plan_working_days=20, remedial_period_months=3, new_provider_grace_months=6,
        foundation_publication_months=6, status_change_working_days=5, response_working_days=15,
        commencement=D(2026, 7, 1),
    )


def test_a_profile_parameter_changes_the_terms(workspace: Workspace) -> None:
    path = workspace.profiles_dir / "example-borough.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "parameters:\n  remedial_period_months: 6\n", encoding="utf-8")
    library, profile = prepare(workspace, "example-borough")
    position = assess_position(record("25/26 Approaching Standards"), contract_terms(library, profile, "core"), TODAY)
    assert position.standard_by == D(2027, 6, 24)


def test_worked_example_of_the_schedule() -> None:
    assert worked_example(terms(MET), D(2026, 12, 1)) == {
        "year": "2026-27", "opens": "1 September 2026", "deadline": "30 June 2027",
        "counts_until": "30 June 2028", "next_year": "2027-28",
    }  # fmt: skip


def test_foundation_guidance_worked_example_agrees_with_the_model(workspace: Workspace) -> None:
    """The Foundation Tier's guidance: a contract from 1 October 2026 needs Approaching
    Standards by 1 April 2027; published in March 2027 it is 2026-27, meets the tier until
    30 June 2028, and 2027-28 must be Standards Met by then."""
    from contractgen.library.clauses import load_library

    guidance = load_library(workspace.library_dir).clause("dspt.foundation-tier").guidance
    t = terms(APPROACHING, commencement=D(2026, 10, 1))
    assert t.first_publication_by() == D(2027, 4, 1)
    march = assess_position(record("Approaching Standards", D(2027, 3, 15)), t, D(2027, 3, 20))
    assert (march.assessment_year, march.valid_until, march.next_year, march.target) == (
        AssessmentYear(2026), D(2028, 6, 30), AssessmentYear(2027), MET
    )
    text = " ".join(guidance.split())
    for fact in ("1 October 2026", "by 1 April 2027", "2026-27 publication", "until 30 June 2028",
                 "2027-28 assessment at Standards Met by 30 June 2028"):  # fmt: skip
        assert fact in text
    assert re.search(r"first Submission Deadline after", text) is None
