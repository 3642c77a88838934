"""A clause's parameters: their types, the values each type accepts, and the default
range of a whole number (moved from :mod:`contractgen.library.clauses`, which re-exports them).
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Any

from pydantic import field_validator, model_validator

from ..base.schema import EARLIEST_DATE, LATEST_DATE, Strict, check_plausible_date

PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ParameterType(str, Enum):
    STRING = "string"
    TEXT = "text"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATE = "date"
    EMAIL = "email"
    URL = "url"
    CHOICE = "choice"


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://\S+$")


#: The range of a whole-number parameter that declares none, by the unit its name ends
#: in (a period in a contract: 10,000,000 working days would overflow every deadline).
DEFAULT_RANGES = (
    ("_working_days", 1, 250), ("_days", 0, 366), ("_months", 1, 60), ("_hours", 1, 168), ("", 0, 1000),
)


def default_range(name: str) -> tuple[int, int]:
    """The range of a whole-number parameter named ``name`` that declares none."""
    return next((low, high) for suffix, low, high in DEFAULT_RANGES if name.endswith(suffix))


def check_parameter_value(
    ptype: ParameterType, value: Any, choices: list[Any] | None, bounds: tuple[int, int] | None = None
) -> str | None:
    """Why ``value`` is not a valid ``ptype`` (within ``bounds`` for a whole number; a
    plausible year for a date), or None when it is."""
    if ptype is ParameterType.INTEGER and bounds and isinstance(value, int) and not isinstance(value, bool):
        if not bounds[0] <= value <= bounds[1]:
            return f"must be a whole number from {bounds[0]} to {bounds[1]} (got {value})"
    if ptype is ParameterType.DATE and isinstance(value, dt.date):
        try:
            check_plausible_date(value)
        except ValueError as exc:
            return f"must be a date from {EARLIEST_DATE.year} to {LATEST_DATE.year} ({exc})"
    if ptype in (ParameterType.STRING, ParameterType.TEXT):
        ok = isinstance(value, str)
    elif ptype is ParameterType.INTEGER:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif ptype is ParameterType.BOOLEAN:
        ok = isinstance(value, bool)
    elif ptype is ParameterType.DATE:
        ok = isinstance(value, dt.date)
    elif ptype is ParameterType.EMAIL:
        ok = isinstance(value, str) and bool(_EMAIL.match(value))
    elif ptype is ParameterType.URL:
        ok = isinstance(value, str) and bool(_URL.match(value))
    else:
        ok = value in (choices or [])
        if not ok:
            return f"must be one of {', '.join(map(str, choices or []))} (got {value!r})"
    if ok:
        return None
    examples = {
        ParameterType.INTEGER: "a whole number such as 10",
        ParameterType.BOOLEAN: "true or false",
        ParameterType.DATE: "a date such as 2026-06-30",
        ParameterType.EMAIL: "an email address such as name@council.gov.uk",
        ParameterType.URL: "a web address starting https://",
    }
    return f"must be {examples.get(ptype, 'text')} (got {value!r})"


class Parameter(Strict):
    name: str
    type: ParameterType
    description: str
    default: Any = None
    choices: list[Any] | None = None
    minimum: int | None = None  # a whole number's range; see DEFAULT_RANGES when absent
    maximum: int | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not PARAM_NAME.match(v):
            raise ValueError(
                f"{v!r} is not a parameter name: use lowercase letters, digits and underscores, "
                "starting with a letter, such as evidence_working_days"
            )
        return v

    @model_validator(mode="after")
    def _check(self) -> "Parameter":
        if self.type is ParameterType.CHOICE and not self.choices:
            raise ValueError("a choice parameter needs `choices: [...]`")
        if self.default is not None:
            why = check_parameter_value(self.type, self.default, self.choices, self.bounds)
            if why:
                raise ValueError(f"default {why}")
        return self

    @property
    def required(self) -> bool:
        return self.default is None

    @property
    def bounds(self) -> tuple[int, int]:
        """The smallest and largest value a whole-number parameter may take."""
        low, high = default_range(self.name)
        return (low if self.minimum is None else self.minimum, high if self.maximum is None else self.maximum)
