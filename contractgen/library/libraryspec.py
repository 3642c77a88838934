"""``library.yaml`` as a typed model: the release, its tiers and sections, and the DSPT
settings (each toolkit version's submission deadline, with its source) (moved from
:mod:`contractgen.library.clauses`, which re-exports them).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ..base.environment import format_date
from ..base.schema import Strict


class TierSpec(Strict):
    title: str
    description: str
    minimum_status: Literal["Approaching Standards", "Standards Met", "Standards Exceeded"]


class SectionSpec(Strict):
    id: str
    title: str

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not re.match(r"^[a-z][a-z0-9-]*$", v):
            raise ValueError(f"{v!r} is not a section id: use lowercase words joined by hyphens, such as incidents")
        return v


class DeadlineSpec(Strict):
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)

    @model_validator(mode="after")
    def _real(self) -> "DeadlineSpec":
        dt.date(2023, self.month, self.day)  # raises ValueError on 31 June etc.
        return self

    def text(self) -> str:
        return format_date(dt.date(2000, self.month, self.day)).rsplit(" ", 1)[0]


class VersionDeadline(DeadlineSpec):
    """One entry of ``dspt.submission_deadlines``: from toolkit version ``from_version``
    (``2019-20``) until the next entry, each version's deadline is ``day`` ``month`` of the
    version's second calendar year; ``source`` says where that is published."""

    from_version: str = Field(pattern=r"^\d{4}-\d{2}$")
    source: str = Field(min_length=8)

    @property
    def version_start(self) -> int:
        return int(self.from_version[:4])


#: The facts, with their sources, for a library.yaml that does not state them.
DEFAULT_DEADLINES = [
    VersionDeadline(from_version="2018-19", month=3, day=31, source=(
        "https://www.dsptoolkit.nhs.uk/News/74 (DSP Toolkit deadline extension FAQ: the 2019-20 deadline had been 31 March)")),
    VersionDeadline(from_version="2019-20", month=9, day=30, source=(
        "https://dsptoolkit.nhs.uk/News/71 (NHSX pushed back the 2019/20 deadline to 30 September 2020 because of COVID-19)")),
    VersionDeadline(from_version="2020-21", month=6, day=30, source=(
        "https://www.dsptoolkit.nhs.uk/News/202021-standard (the deadline for the 2020-21 publication is 30 June 2021)")),
]


class DsptSettings(Strict):
    submission_deadlines: list[VersionDeadline] = Field(default_factory=lambda: list(DEFAULT_DEADLINES), min_length=1)
    #: Releases up to 2026.2 stated one deadline for every version; read as the only rule.
    submission_deadline: DeadlineSpec | None = None
    renewal_window_days: int = Field(default=90, ge=0, le=366)

    @model_validator(mode="before")
    @classmethod
    def _one_deadline(cls, data: Any) -> Any:
        """``submission_deadline`` (releases up to 2026.2) is read as the only rule."""
        if isinstance(data, dict) and isinstance(data.get("submission_deadline"), dict):
            if "submission_deadlines" in data:
                raise ValueError("give submission_deadlines (each toolkit version's deadline) without submission_deadline")
            one = data["submission_deadline"]
            data = {**data, "submission_deadlines": [{**one, "from_version": "2018-19",
                                                      "source": "library.yaml submission_deadline: one deadline for every version"}]}
        return data

    @model_validator(mode="after")
    def _in_order(self) -> "DsptSettings":
        starts = [d.version_start for d in self.submission_deadlines]
        if starts != sorted(set(starts)):
            raise ValueError("submission_deadlines: list each from_version once, oldest first")
        return self

    @property
    def current_deadline(self) -> DeadlineSpec:
        """The deadline of the current versions (the latest entry): ``30 June``."""
        latest = self.submission_deadlines[-1]
        return DeadlineSpec(month=latest.month, day=latest.day)


class LibrarySpec(Strict):
    """``library.yaml``."""

    name: str
    release: str
    release_date: dt.date
    #: content_fingerprint of the clause library as released: recorded with each release, so
    #: that a copy without git history can still tell whether its clauses are the release's
    release_fingerprint: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    dspt: DsptSettings = DsptSettings()
    tiers: dict[str, TierSpec] = Field(min_length=1)
    sections: list[SectionSpec] = Field(min_length=1)

    @field_validator("release", mode="before")
    @classmethod
    def _release(cls, v: Any) -> Any:
        if isinstance(v, str) and not re.match(r"^\d+(\.\d+)*$", v):
            raise ValueError(f"{v!r} is not a release: use numbers joined by dots, such as \"2026.1\" (in quotes)")
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            raise ValueError(f"write the release in quotes, such as \"{v}\", so that YAML keeps it as text")
        return v
