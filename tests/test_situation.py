"""Deciding a provider's letter from its DSPT record, its tier and a date."""

from __future__ import annotations

import datetime as dt

import pytest

from contractgen.dspt import AssessmentYear, DsptRecord, DsptStatus
from contractgen.situation import (
    LetterKind,
    Situation,
    decide_letter,
    format_date,
    next_deadline,
)

D = dt.date
APPROACHING = DsptStatus.APPROACHING_STANDARDS  # foundation
MET = DsptStatus.STANDARDS_MET  # core
EXCEEDED = DsptStatus.STANDARDS_EXCEEDED  # advanced
TODAY = D(2026, 11, 26)

START, LAPSED, REMEDY = LetterKind.START, LetterKind.LAPSED, LetterKind.REMEDY
IMPROVE, RENEW, CONFIRM = LetterKind.IMPROVE, LetterKind.RENEW, LetterKind.CONFIRM


def record(
    raw: str, published: dt.date | None = None, *, month: int = 6, day: int = 30
) -> DsptRecord:
    return DsptRecord.from_raw(
        "VM79V",
        "The Pines (VM79V)",
        raw,
        published,
        deadline_month=month,
        deadline_day=day,
    )


def test_letter_kinds() -> None:
    assert [k.value for k in LetterKind] == [
        "start", "lapsed", "remedy", "improve", "renew", "confirm"
    ]  # fmt: skip
    assert LetterKind("renew") is RENEW
    assert RENEW == "renew"


# --------------------------------------------------------------- the issue's examples


@pytest.mark.parametrize(
    ("raw", "minimum", "as_of", "kind"),
    [
        ("25/26 Standards Met", MET, TODAY, CONFIRM),
        ("24/25 Standards Met", MET, TODAY, LAPSED),
        ("25/26 Approaching Standards", MET, TODAY, IMPROVE),  # core
        ("25/26 Approaching Standards", APPROACHING, TODAY, CONFIRM),  # foundation
        ("25/26 Standards Met", EXCEEDED, TODAY, IMPROVE),  # advanced
        ("25/26 Standards Not Met", MET, TODAY, REMEDY),
        ("25/26 Standards Met", MET, D(2027, 5, 15), RENEW),
    ],
)
def test_examples_from_the_issue(
    raw: str, minimum: DsptStatus, as_of: dt.date, kind: LetterKind
) -> None:
    assert decide_letter(record(raw), minimum, as_of).kind is kind


# -------------------------------------------------------------------- the full table


@pytest.mark.parametrize(
    ("raw", "published", "minimum", "as_of", "kind"),
    [
        # nothing on record
        ("Not Published", None, MET, TODAY, START),
        ("", None, MET, TODAY, START),
        (
            "Not Published",
            D(2022, 6, 28),
            MET,
            TODAY,
            START,
        ),  # an old date: still start
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
        # years from the publication date (no prefix)
        ("Standards Met", D(2026, 6, 30), MET, TODAY, CONFIRM),  # 2025-26
        ("Standards Met", D(2026, 7, 1), MET, TODAY, CONFIRM),  # 2026-27
        ("Standards Met", D(2025, 7, 1), MET, TODAY, CONFIRM),  # 2025-26
        ("Standards Met", D(2025, 7, 1), MET, D(2027, 6, 30), RENEW),
        ("Standards Met", D(2025, 7, 1), MET, D(2027, 7, 1), LAPSED),
        # the old suffix format, when it was current
        ("Standards Met (19-20)", None, MET, D(2020, 6, 30), CONFIRM),
        ("Standards Met (19-20)", None, MET, D(2021, 6, 30), RENEW),
        ("Standards Met (19-20)", None, MET, D(2021, 7, 1), LAPSED),
        ("Entry Level (19-20)", None, APPROACHING, D(2020, 1, 1), IMPROVE),
        # the 30 June / 1 July boundary: counts until 30 June N+2 inclusive
        ("25/26 Standards Met", None, MET, D(2027, 6, 30), RENEW),
        ("25/26 Standards Met", None, MET, D(2027, 7, 1), LAPSED),
        ("25/26 Approaching Standards", None, MET, D(2027, 6, 30), IMPROVE),
        ("25/26 Approaching Standards", None, MET, D(2027, 7, 1), LAPSED),
        ("25/26 Standards Not Met", None, MET, D(2027, 7, 1), LAPSED),
        # the renewal window: 90 days before 30 June 2027 is 1 April 2027
        ("25/26 Standards Met", None, MET, D(2027, 3, 31), CONFIRM),  # 91 days left
        ("25/26 Standards Met", None, MET, D(2027, 4, 1), RENEW),  # 90 days left
        ("25/26 Approaching Standards", None, APPROACHING, D(2027, 4, 1), RENEW),
        ("25/26 Standards Exceeded", None, EXCEEDED, D(2027, 5, 15), RENEW),
        # the deadline of the following year is not the end: 2025-26 counts past 30 June
        # 2026, the deadline of 2025-26 itself
        ("25/26 Standards Met", None, MET, D(2026, 6, 30), CONFIRM),
        ("25/26 Standards Met", None, MET, D(2026, 7, 1), CONFIRM),
        ("24/25 Standards Met", None, MET, D(2026, 6, 30), RENEW),
        ("24/25 Standards Met", None, MET, D(2026, 7, 1), LAPSED),
    ],
)
def test_decide_letter(
    raw: str,
    published: dt.date | None,
    minimum: DsptStatus,
    as_of: dt.date,
    kind: LetterKind,
) -> None:
    assert decide_letter(record(raw, published), minimum, as_of).kind is kind


def test_no_record_is_start() -> None:
    situation = decide_letter(None, MET, TODAY)
    assert situation == Situation(
        kind=START,
        record=None,
        year=None,
        valid_until=None,
        next_deadline=D(2027, 6, 30),
        reason="The DSPT export has no organisation with this ODS code, so nothing is on "
        "record.",
    )


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
    situation = decide_letter(
        record("25/26 Standards Met"), MET, as_of, renewal_window_days=window
    )
    assert situation.kind is kind


def test_another_deadline_day() -> None:
    """Before 2021 the deadline was 31 March; month and day are parameters."""
    old = record("Standards Met", D(2019, 3, 30), month=3, day=31)
    assert old.year == AssessmentYear(2018)
    on_time = decide_letter(old, MET, D(2020, 3, 31), deadline_month=3, deadline_day=31)
    assert (on_time.kind, on_time.valid_until, on_time.next_deadline) == (
        RENEW,
        D(2020, 3, 31),
        D(2020, 3, 31),
    )
    late = decide_letter(old, MET, D(2020, 4, 1), deadline_month=3, deadline_day=31)
    assert (late.kind, late.next_deadline) == (LAPSED, D(2021, 3, 31))


# ------------------------------------------------------------------ the fields


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
def test_next_deadline(as_of: dt.date, deadline: dt.date) -> None:
    assert next_deadline(as_of) == deadline
    assert decide_letter(None, MET, as_of).next_deadline == deadline


def test_next_deadline_with_another_day() -> None:
    assert next_deadline(D(2020, 3, 31), 3, 31) == D(2020, 3, 31)
    assert next_deadline(D(2020, 4, 1), month=3, day=31) == D(2021, 3, 31)


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
         "The 2025-26 publication is Standards Not Met: the mandatory standards are not "
         "met."),
        ("25/26 Approaching Standards", None, MET, TODAY, 2025, D(2027, 6, 30),
         "The 2025-26 publication is Approaching Standards, below the Standards Met "
         "required."),
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
def test_situation_fields_and_reasons(
    raw: str,
    published: dt.date | None,
    minimum: DsptStatus,
    as_of: dt.date,
    year: int | None,
    until: dt.date | None,
    reason: str,
) -> None:
    rec = record(raw, published)
    situation = decide_letter(rec, minimum, as_of)
    assert situation.record is rec
    assert situation.year == (AssessmentYear(year) if year is not None else None)
    assert situation.valid_until == until
    assert situation.reason == reason


@pytest.mark.parametrize(
    "minimum",
    [DsptStatus.ENTRY_LEVEL, DsptStatus.NOT_PUBLISHED, DsptStatus.STANDARDS_NOT_MET,
     DsptStatus.PLAN_AGREED],
)  # fmt: skip
def test_minimum_must_be_a_tier_status(minimum: DsptStatus) -> None:
    with pytest.raises(ValueError, match="cannot be a tier's minimum"):
        decide_letter(None, minimum, TODAY)


def test_negative_window_is_refused() -> None:
    with pytest.raises(ValueError, match="renewal window must not be negative"):
        decide_letter(None, MET, TODAY, renewal_window_days=-1)


def test_format_date() -> None:
    assert format_date(D(2027, 6, 30)) == "30 June 2027"
    assert format_date(D(2026, 1, 1)) == "1 January 2026"
