"""A council of one's own: the profile ``contractgen init`` and ``contractgen profile new`` write.

The profile is written as text, not dumped from data, so that every field carries a
one-line comment saying what it is. What the user did not say is a placeholder: a value
that starts with ``TODO`` (or, for a date, an empty value marked ``# TODO``), which
``contractgen validate`` lists (:func:`placeholder_problems`) until it is replaced.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..base.errors import Location, Problem, ProfileError, UsageError, WorkspaceError, display_path
from ..base.yamlio import YamlDocument, format_key_path

PLACEHOLDER = "TODO"
C = "\x1f"  # where a line's comment starts, before the comments are aligned
TIERS = ("foundation", "core", "advanced")


@dataclass(frozen=True)
class CouncilAnswers:
    """What the user told ``init`` or ``profile new`` about the council; None: not said."""

    name: str | None = None
    region: str | None = None
    tier: str | None = None
    start_date: dt.date | None = None
    signatory: str | None = None
    email: str | None = None
    phone: str | None = None
    logo: Path | None = None


def profile_slug(text: str) -> str:
    """``Northshire County Council`` -> ``northshire-county-council`` (a file stem)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-") or "council"


def _q(value: str) -> str:
    """A YAML scalar for any text, exactly as typed (a JSON string is a YAML one)."""
    return json.dumps(value, ensure_ascii=False)


def _todo(what: str) -> str:
    return _q(f"{PLACEHOLDER}: {what}")


def _value(given: str | None, what: str) -> str:
    return _q(given) if given else _todo(what)


def profile_text(name: str, answers: CouncilAnswers, *, release: str, extends: str | None, logo: str | None) -> str:
    """The profile file: every field with its one-line comment."""
    a = answers
    council = _value(a.name, "the council's name")
    start = a.start_date.isoformat() if a.start_date else f"null{C}# TODO: the Commencement Date (yyyy-mm-dd):"
    signer = _value(a.signatory, "who signs the letters")
    email = _value(a.email, "the commissioning team's email")
    phone = _value(a.phone, "the commissioning team's phone")
    lines = [
        f"# {a.name or name}: this council's profile for contractgen; every field is explained on its line.",
        "# A value starting with TODO is a placeholder: `contractgen validate` lists them until they are replaced.",
        "# Dates are yyyy-mm-dd. The fields are described in docs/workspace.md.",
    ]
    if extends:
        lines.append(f"extends: {extends}{C}# the base profile this one takes its defaults from (profiles/{extends}.yaml)")
    lines += [
        f"council:{C}# the council itself, as its letterhead shows it",
        f"  name: {council}{C}# the council's name, printed on every page exactly as typed",
        f"  # short_name: NCC{C}# optional: a short form of the name for tight spaces",
        f"  address:{C}# the letterhead's address, one line per item",
        f"    - {_todo('the commissioning team')}",
        f"    - {_todo('the street address')}",
        f"    - {_todo('the town and postcode')}",
        (f"  logo: {_q(logo)}{C}# the letterhead's logo (.png or .jpg), relative to this file" if logo
         else f"  # logo: logos/council.png{C}# the letterhead's logo (.png or .jpg), relative to this file"),
        f"  # website: https://www.example.gov.uk{C}# optional: the council's web address",
        f"contract:{C}# the contract the schedule is part of",
        f"  title: {_todo('the contract title')}{C}# the contract the schedule belongs to, on its title page",
        f"  reference: {_todo('the contract reference')}{C}# the council's contract reference, also on every letter",
        f"  schedule_number: {_todo('number')}{C}# the schedule's number in the contract (12 gives 'Schedule 12')",
        f"  start_date: {start} the foundation tier's first publication is due a set time after it",
        f"  # date: 2027-04-01{C}# the schedule's document date (default: the clause library's release date)",
        f"contacts:{C}# who providers can contact",
        f"  commissioning:{C}# who providers write to about the contract",
        f"    name: {_todo('the commissioning team')}{C}# the team's name",
        f"    email: {email}{C}# its email address",
        f"    phone: {phone}{C}# its phone number",
    ]
    if not extends:
        lines += _lso_lines("  ")
    lines += _settings_lines(a, release, signer, email)
    return _aligned(lines)


def _settings_lines(a: CouncilAnswers, release: str, signer: str, email: str) -> list[str]:
    """The profile's tier, clause choices, templates, signatory and letter settings."""
    return [
        f"tier: {a.tier or 'core'}{C}# the providers' default tier: foundation, core or advanced (a register's tier column overrides it)",
        f"parameters: {{}}{C}# clause parameters to change, such as remedial_period_months: 6 (`contractgen clauses show ID` lists them)",
        f"clauses:{C}# which clauses of the library the schedule has (default: all for its tier)",
        f"  exclude: []{C}# clause ids to leave out of the schedule (`contractgen clauses list`)",
        f"  include: []{C}# clause ids to keep although a base profile excludes them",
        f"library:{C}# which clause library releases this profile is written for",
        f'  release: ">={release}"{C}# the clause library releases this profile accepts',
        f"templates:{C}# the Word templates, in templates/ (docs/branding.md)",
        f"  schedule: schedule.docx{C}# the schedule's Word template, in templates/",
        f"  letter: letter.docx{C}# the letters' and audit documents' Word template, in templates/",
        f"signatory:{C}# who signs the letters and audit feedback",
        f"  name: {signer}{C}# their name as it is printed under the letter",
        f"  title: {_todo('their job title')}{C}# their job title",
        f"  email: {email}{C}# optional: their email",
        f"letters:{C}# settings of the provider letters",
        f"  response_working_days: 20{C}# working days a provider has to reply to a letter that asks for a reply",
        f"  # renewal_window_days: 90{C}# a renewal reminder this many days before a publication stops counting (default: the library's)",
        f"  register_columns: {{}}{C}# your register's own column names, such as email: Email Address (docs/workspace.md)",
    ]


def _aligned(lines: list[str]) -> str:
    """The comments of the lines in one column (two spaces after the longest value, at most 56)."""
    width = min(56, max((len(line.split(C)[0]) for line in lines if C in line), default=0) + 2)
    return "".join(
        (code.ljust(width) + comment if comment else code) + "\n"
        for code, _, comment in (line.partition(C) for line in lines)
    )


def _lso_lines(indent: str) -> list[str]:
    return [
        f"{indent}lso:{C}# the Local Support Organisation that helps providers with the DSPT, named in every letter",
        f"{indent}  name: {_todo('the Local Support Organisation')}{C}# its name",
        f"{indent}  email: {_todo('its email')}{C}# its email address",
        f"{indent}  phone: {_todo('its phone')}{C}# its phone number",
        f"{indent}  # website: https://lso.example.org/dspt{C}# optional: its web page about the DSPT",
    ]


def region_text(region: str) -> str:
    """A regional base profile: what the councils of a region share (their LSO)."""
    lines = [
        f"# {region}: defaults shared by the councils of this region; a council's profile names it with `extends:`",
        "# and anything the council's profile sets wins. A value starting with TODO is a placeholder.",
        "contacts:",
        *_lso_lines("  "),
    ]
    return _aligned(lines)


@dataclass(frozen=True)
class NewProfile:
    """What :func:`write_profile` wrote: the profile first."""

    name: str
    files: list[Path]
    placeholders: int


def write_profile(profiles_dir: Path, name: str, answers: CouncilAnswers, *, release: str, force: bool = False) -> NewProfile:
    """Write ``profiles/NAME.yaml`` (and its region's base profile and logo when asked).

    A profile that exists is refused without ``force``; a region's base that exists is
    used as it is (other councils share it).
    """
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise UsageError(f"{name!r} is not a profile name: use letters, digits and hyphens, such as {profile_slug(name)}")
    if answers.tier is not None and answers.tier not in TIERS:
        raise UsageError(f"unknown tier {answers.tier!r}; tiers: {', '.join(TIERS)}")
    path = profiles_dir / f"{name}.yaml"
    if path.exists() and not force:
        raise WorkspaceError(f"{display_path(path)} already exists; choose another name, or use --force to replace it")
    written = []
    extends = None
    if answers.region:
        extends = f"regions/{profile_slug(answers.region)}"
        base = profiles_dir / f"{extends}.yaml"
        if not base.exists():
            _write(base, region_text(answers.region))
            written.append(base)
    logo = None
    if answers.logo is not None:
        logo = _copy_logo(answers.logo, profiles_dir / "logos", name)
        written.append(profiles_dir / logo)
    text = profile_text(name, answers, release=release, extends=extends, logo=logo)
    _write(path, text)
    written.insert(0, path)
    count = sum(1 for line in text.splitlines() if _is_placeholder_line(line))
    if extends and base in written:
        count += sum(1 for line in base.read_text(encoding="utf-8").splitlines() if _is_placeholder_line(line))
    return NewProfile(name, written, count)


def _is_placeholder_line(line: str) -> bool:
    return not line.lstrip().startswith("#") and PLACEHOLDER in line


def _copy_logo(source: Path, folder: Path, name: str) -> str:
    if not source.is_file():
        raise UsageError(f"logo {display_path(source)}: no such file; give a .png or .jpg image")
    if source.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise UsageError(f"logo {display_path(source)}: the logo must be a .png or .jpg image")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}{source.suffix.lower()}"
    shutil.copyfile(source, target)
    return f"logos/{target.name}"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    tmp.replace(path)


def placeholder_problems(docs: list[YamlDocument]) -> list[Problem]:
    """Every value of a profile (and its bases) still holding an ``init`` placeholder."""
    problems = []
    for doc in docs:
        try:
            lines = Path(doc.file).read_text(encoding="utf-8").splitlines()
        except OSError:
            lines = []
        for path, (line, column) in sorted(doc.positions.items(), key=lambda item: item[1]):
            value = _get(doc.data, path)
            source = lines[line - 1] if 0 < line <= len(lines) else ""
            if isinstance(value, str) and value.startswith(PLACEHOLDER):
                shown = value
            elif value is None and "# TODO" in source:
                shown = "empty"
            else:
                continue
            problems.append(Problem(
                Location(doc.file, line, column), format_key_path(path),
                f"still a placeholder ({shown}); write this council's own value before anything is sent",
            ))
    return problems


def unless_placeholder(problems: list[Problem], placeholders: list[Problem]) -> list[Problem]:
    """The schema's problems, less those at a value that is still an ``init`` placeholder
    ("TODO: its email" is not an email address, but what to say is that it is a
    placeholder), then the placeholders."""
    held = {(p.location.line, p.key) for p in placeholders}
    return [p for p in problems if (p.location.line, p.key) not in held] + placeholders


def unfinished_profile(name: str, problems: list[Problem], placeholders: list[Problem]) -> ProfileError | None:
    """The error that refuses to write documents from a profile that still holds ``init``
    placeholders (a schedule or letter saying "TODO: the council's name" would be sent as
    it is), or ``None`` when there are none. ``problems`` are the schema's, if any."""
    if not placeholders:
        return None
    count = len(placeholders)
    return ProfileError(
        f"profile {name} is not filled in: {count} value{'s are' if count != 1 else ' is'} still "
        f"{'placeholders' if count != 1 else 'a placeholder'} from contractgen init; replace each TODO with "
        "the council's own value (contractgen validate lists them), then run this again",
        unless_placeholder(problems, placeholders),
    )


def _get(data: object, path: tuple) -> object:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return ...
    return data
