"""A council profile's keys and values, as its YAML must write them (pydantic models):
the council, the contract, the contacts, the tier, the clauses chosen, the library release
pinned, the templates and the letters' settings. :mod:`~contractgen.library.profiles`
reads a profile (and the base profiles it extends) into them.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from ..base.schema import PlausibleDate, Strict, XmlSafe, XmlText
from .onboarding import PLACEHOLDER

#: An email address as documents print and link it: no spaces, no ``?`` (a mailto link
#: would carry ``?bcc=...`` to every reader), one ``@``, a domain with a dot.
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%'*+/=^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")


_PLACEHOLDER_TEXT = re.compile(rf"{PLACEHOLDER}: [\w' ]+")


def _email(v: Any) -> Any:
    if isinstance(v, str) and _PLACEHOLDER_TEXT.fullmatch(v):
        return v  # an init placeholder ("TODO: its email", no address in it): validate lists it as one
    if isinstance(v, str) and v and not _EMAIL.fullmatch(v):
        raise ValueError(
            f"{v!r} is not an email address; write the address alone, such as dspt@council.gov.uk "
            "(no spaces, no ? or other link parts)"
        )
    return v


class Contact(Strict):
    name: XmlText
    email: XmlText | None = None
    phone: XmlText | None = None
    website: XmlText | None = None
    address: list[XmlText] = []

    _check_email = field_validator("email")(_email)


class Council(Strict):
    name: XmlText
    short_name: XmlText | None = None
    address: list[XmlText] = []
    logo: XmlText | None = None  # an image file, relative to the profile's folder
    website: XmlText | None = None

    @field_validator("logo", mode="after")
    @classmethod
    def _portable(cls, v: str | None) -> str | None:
        """``logos\\council.png`` written on Windows is ``logos/council.png`` everywhere."""
        return v.replace("\\", "/") if v else v


#: The largest schedule number written as a number.
MAX_SCHEDULE_NUMBER = 9999


#: The schedule's title unless the profile gives its own (``contract.schedule_title``).
DEFAULT_SCHEDULE_TITLE = "Data Security and Protection"


class Contract(Strict):
    title: XmlText
    reference: XmlText
    schedule_number: XmlText = ""
    schedule_title: XmlText = DEFAULT_SCHEDULE_TITLE  # as the council's template titles the schedule
    start_date: PlausibleDate | None = None
    date: PlausibleDate | None = None  # the document date printed in the schedule

    @field_validator("schedule_title", mode="after")
    @classmethod
    def _a_title(cls, v: str) -> str:
        if not v.strip() or len(v) > 120:
            raise ValueError("give the schedule's title as its heading names it, such as Data Security and Protection (at most 120 characters)")
        return v.strip()

    @field_validator("schedule_number", mode="before")
    @classmethod
    def _number_as_text(cls, v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool):
            if not 0 < v <= MAX_SCHEDULE_NUMBER:
                raise ValueError(f"{v} is not a schedule number; give a number from 1 to {MAX_SCHEDULE_NUMBER}, or text such as 7A")
            return str(v)
        if isinstance(v, str) and len(v) > 20:
            raise ValueError("a schedule number is at most 20 characters, such as 7 or 7A")
        return v


class Contacts(Strict):
    commissioning: Contact
    lso: Contact


class Signatory(Strict):
    name: XmlText
    title: XmlText
    email: XmlText | None = None
    phone: XmlText | None = None

    _check_email = field_validator("email")(_email)


class ClauseChoice(Strict):
    include: list[str] = []  # clauses to keep although a base profile excludes them; a draft here needs --include-drafts
    exclude: list[str] = []


class LibraryPin(Strict):
    release: str | None = None  # "2026.1", ">=2026.1", "2026.*", ">=2026.1,<2027"

    @field_validator("release", mode="before")
    @classmethod
    def _pin(cls, v: Any) -> Any:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            raise ValueError(f'write the pin in quotes, such as "{v}", so that YAML keeps it as text')
        if isinstance(v, str) and not valid_pin(v):
            raise ValueError(
                f'{v!r} is not a release pin: write a release such as "2026.1", or ">=2026.1", '
                '"2026.*" or ">=2026.1,<2027"'
            )
        return v


class TemplateChoice(Strict):
    schedule: str = "schedule.docx"
    letter: str = "letter.docx"

    @field_validator("schedule", "letter")
    @classmethod
    def _file_name(cls, v: str) -> str:
        # a file in the workspace's templates folder: a path could open any file
        if not v or "/" in v or "\\" in v or v in (".", "..") or ":" in v or "\0" in v:
            raise ValueError(
                f"{v!r} is not a file name in the templates folder; name the template by its file name alone, "
                "such as schedule.docx, and keep the file in the workspace's templates folder"
            )
        return v


class DeadlineOverride(Strict):
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)


class LetterSettings(Strict):
    response_working_days: int = Field(default=20, ge=1, le=120)
    renewal_window_days: int | None = Field(default=None, ge=0, le=366)
    register_columns: dict[str, XmlText] = {}


class ProfileModel(Strict):
    extends: str | None = None
    council: Council
    contract: Contract
    contacts: Contacts
    tier: str
    parameters: dict[str, XmlSafe] = {}
    clauses: ClauseChoice = ClauseChoice()
    library: LibraryPin = LibraryPin()
    templates: TemplateChoice = TemplateChoice()
    signatory: Signatory
    letters: LetterSettings = LetterSettings()


_PIN = re.compile(r"^\s*(==|>=|<=|>|<|=)?\s*(\d+(?:\.\d+)*)(\.\*)?\s*$")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split("."))


def release_satisfies(release: str, pin: str) -> bool:
    """Does ``release`` (2026.1) satisfy ``pin`` (2026.1, >=2026.1, 2026.*, >=2026.1,<2027)?"""
    have = _version(release)
    for part in pin.split(","):
        m = _PIN.match(part)
        if not m:
            return False
        op, ver, star = m.group(1) or "==", _version(m.group(2)), m.group(3)
        padded = have[: len(ver)] if star else have
        want = ver
        if star and op in ("==", "="):
            if padded != want:
                return False
            continue
        n = max(len(padded), len(want))
        a, b = padded + (0,) * (n - len(padded)), want + (0,) * (n - len(want))
        ok = {"==": a == b, "=": a == b, ">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b}[op]
        if not ok:
            return False
    return True


def valid_pin(pin: str) -> bool:
    return all(_PIN.match(p) for p in pin.split(","))
