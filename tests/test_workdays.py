"""Working days in England, with real bank holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from contractgen.base.workdays import add_working_days, bank_holidays, is_working_day

D = dt.date


def test_bank_holidays_2026() -> None:
    assert sorted(bank_holidays(2026)) == [
        D(2026, 1, 1),
        D(2026, 4, 3),  # Good Friday
        D(2026, 4, 6),  # Easter Monday
        D(2026, 5, 4),
        D(2026, 5, 25),
        D(2026, 8, 31),
        D(2026, 12, 25),  # Friday
        D(2026, 12, 26),  # Saturday: Boxing Day itself...
        D(2026, 12, 28),  # ...and its substitute, Monday
    ]


def test_bank_holidays_are_cached_per_year() -> None:
    assert bank_holidays(2027) is bank_holidays(2027)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 11, 26), True),  # Thursday
        (D(2026, 11, 28), False),  # Saturday
        (D(2026, 11, 29), False),  # Sunday
        (D(2026, 12, 24), True),  # Christmas Eve is a working day
        (D(2026, 12, 25), False),
        (D(2026, 12, 28), False),  # substitute for Boxing Day (Saturday)
        (D(2026, 12, 29), True),
        (D(2027, 3, 26), False),  # Good Friday 2027
        (D(2027, 3, 29), False),  # Easter Monday 2027
        (D(2027, 3, 30), True),
        (D(2027, 12, 27), False),  # Christmas 2027 is a Saturday: Monday off
        (D(2027, 12, 28), False),  # and Boxing Day, a Sunday: Tuesday off
        (D(2023, 5, 8), False),  # coronation of Charles III
        (D(2022, 9, 19), False),  # state funeral of Elizabeth II
        (D(2022, 6, 3), False),  # platinum jubilee
        (D(2023, 3, 17), True),  # St Patrick's Day: Northern Ireland only
        (D(2026, 8, 3), True),  # Scotland's summer bank holiday: not England's
        (D(2026, 8, 31), False),  # England's late summer bank holiday
    ],
)
def test_is_working_day(day: dt.date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (D(2026, 11, 26), 0, D(2026, 11, 26)),
        (
            D(2026, 11, 28),
            0,
            D(2026, 11, 28),
        ),  # zero days: unchanged, even on a Saturday
        (D(2026, 11, 26), 1, D(2026, 11, 27)),
        (D(2026, 11, 27), 1, D(2026, 11, 30)),  # Friday -> Monday
        (D(2026, 11, 28), 1, D(2026, 11, 30)),  # from a Saturday
        (D(2026, 11, 26), 10, D(2026, 12, 10)),
        (D(2026, 12, 24), 1, D(2026, 12, 29)),  # over Christmas and the substitute day
        (D(2026, 12, 18), 10, D(2027, 1, 6)),  # 21-24, 29-31 Dec, 4-6 Jan (1 Jan off)
        (D(2027, 3, 25), 1, D(2027, 3, 30)),  # over Easter 2027
        (D(2027, 3, 24), 3, D(2027, 3, 31)),
        (D(2027, 12, 24), 1, D(2027, 12, 29)),  # Christmas 2027: Mon and Tue off
        (D(2023, 5, 5), 1, D(2023, 5, 9)),  # over the coronation Monday
        (D(2026, 12, 29), -1, D(2026, 12, 24)),  # backwards
        (D(2027, 3, 30), -2, D(2027, 3, 24)),
        (D(2026, 1, 5), -2, D(2025, 12, 31)),  # backwards over New Year
    ],
)
def test_add_working_days(start: dt.date, days: int, end: dt.date) -> None:
    assert add_working_days(start, days) == end


def test_add_working_days_over_a_whole_year() -> None:
    """2026 has 261 weekdays and 8 bank holidays on weekdays: 253 working days."""
    assert add_working_days(D(2025, 12, 31), 253) == D(2026, 12, 31)
    assert add_working_days(D(2026, 12, 31), -253) == D(2025, 12, 31)
