"""Working days in England: Monday to Friday, except England's bank holidays.

Letters and clauses give providers "10 working days" to reply. Bank holidays come from
the ``holidays`` library (``GB``, subdivision ``ENG``), which includes substitute days
(Boxing Day 2026 falls on a Saturday: the bank holiday is Monday 28 December) and
one-off days such as the coronation bank holiday of 8 May 2023.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[dt.date]:
    """England's bank holidays in ``year`` (cached per year)."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: dt.date) -> bool:
    """True from Monday to Friday unless the day is a bank holiday in England."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


@lru_cache(maxsize=1024)
def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (before it when negative).

    Cached: a batch asks the same question for every provider.

    ``start`` itself is not counted, and need not be a working day: one working day
    after Thursday 24 December 2026 is Tuesday 29 December. ``days == 0`` returns
    ``start`` unchanged.
    """
    step = dt.timedelta(days=1 if days >= 0 else -1)
    current = start
    remaining = abs(days)
    while remaining:
        current += step
        if is_working_day(current):
            remaining -= 1
    return current
