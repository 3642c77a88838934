"""Typed models at the boundary: pydantic errors turned into located, fixable problems."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import typing
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from .errors import Problem
from .yamlio import KeyPath, YamlDocument, format_key_path

# Characters that XML 1.0 cannot hold (a Word document with them is corrupt).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


#: The dates a council's contract, letters and audits can carry: the DSPT began in 2018;
#: a date near year 1 or 9999 is a typing mistake and overflows every deadline after it.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2099, 12, 31)


def check_plausible_date(value: Any) -> Any:
    """A date between :data:`EARLIEST_DATE` and :data:`LATEST_DATE` (or not a date)."""
    if isinstance(value, dt.date) and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(
            f"{value.isoformat()} is not between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}; "
            "check the year"
        )
    return value


#: A date that must be plausible (see :func:`check_plausible_date`).
PlausibleDate = Annotated[dt.date, AfterValidator(check_plausible_date)]


def find_xml_illegal(text: str) -> str | None:
    """The first character XML cannot hold, as ``U+0007``, or None."""
    m = _XML_ILLEGAL.search(text)
    return f"U+{ord(m.group()):04X}" if m else None


def check_xml_text(value: Any) -> Any:
    """Pydantic validator: refuse strings with control characters, naming the character."""
    if isinstance(value, str):
        bad = find_xml_illegal(value)
        if bad:
            raise ValueError(
                f"contains the control character {bad}, which a Word document cannot hold; "
                "delete it (it is often pasted invisibly from another program)"
            )
    return value


#: A text field that refuses control characters; the error names the field (or list item).
XmlText = Annotated[str, BeforeValidator(check_xml_text)]
#: Any value; when it is text, control characters are refused as for :data:`XmlText`.
XmlSafe = Annotated[Any, BeforeValidator(check_xml_text)]


class Strict(BaseModel):
    """Base of every model read from a user's file: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


M = TypeVar("M", bound=BaseModel)


def suggest(word: str, choices: Any) -> str:
    """A " (did you mean 'x'?)" suffix, or the empty string (case is ignored: 'Core'
    suggests 'core')."""
    names = sorted(str(c) for c in choices)
    by_folded: dict[str, str] = {}
    for name in names:
        by_folded.setdefault(name.casefold(), name)
    close = difflib.get_close_matches(str(word).casefold(), sorted(by_folded), n=1, cutoff=0.6)
    return f" (did you mean {by_folded[close[0]]!r}?)" if close else ""


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The field names allowed at ``loc`` (walking nested models, lists and mappings of
    models), for did-you-mean."""
    current: Any = model
    for part in loc[:-1]:
        if _is_union_tag(part):
            continue
        current = _step(current, part)
        if current is None:
            return []
    inner = _inner_model(current)
    fields = getattr(inner, "model_fields", None)
    return [f.alias or name for name, f in fields.items()] if fields else []


def _step(annotation: Any, part: Any) -> Any:
    """The annotation of ``annotation[part]``: a model's field, a list's item or a
    mapping's value."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(part) if isinstance(part, str) else None
        return field.annotation if field is not None else None
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        return _step(args[0], part)
    if origin in (list, tuple, set, frozenset) and isinstance(part, int):
        return args[0] if args else None
    if origin is dict:
        return args[1] if len(args) == 2 else None
    for arg in args:  # a union: the first member that has ``part``
        found = _step(arg, part)
        if found is not None:
            return found
    return None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


#: What a value of each kind looks like, by the start of pydantic's error type.
_EXPECTED = (
    ("date", "a date written as YYYY-MM-DD, such as 2026-06-30"),
    ("int", "a whole number such as 10"),
    ("float", "a number such as 2.5"),
    ("bool", "true or false"),
    ("string", "text"),
    ("list", "a list (one `- item` per line, or [a, b])"),
    ("dict", "a mapping of keys (`key: value` on indented lines)"),
    ("model", "a mapping of keys (`key: value` on indented lines)"),
)


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def _message(err: Mapping[str, Any], model: type[BaseModel]) -> str:
    kind = err["type"]
    loc = err["loc"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc)
        hint = suggest(str(loc[-1]), allowed)
        known = f"; allowed keys: {', '.join(sorted(allowed))}" if allowed and not hint else ""
        return f"unknown key {loc[-1]!r}{hint}{known}"
    if kind == "missing":
        return "required key is missing; add it"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    inp = err.get("input")
    for prefix, expected in _EXPECTED:
        if kind.startswith(prefix) and (kind.endswith(("_type", "_parsing")) or "_from_" in kind):
            hint = ""
            if prefix == "string" and isinstance(inp, (int, float, dt.date)) and not isinstance(inp, bool):
                hint = "; put it in quotes to keep it as text"
            return f"must be {expected} (got {_shown(inp)}){hint}"
    if kind.endswith("_type") or kind.endswith("_parsing") or kind in ("literal_error", "enum"):
        return f"{msg[0].lower()}{msg[1:]} (got {_shown(inp)})"
    if re.match(r"(Input|String|List|Dictionary|Value|Datetimes) ", msg):
        msg = msg[0].lower() + msg[1:]
    return msg


def validate_model(
    model: type[M], doc: YamlDocument, data: Any = None, base: KeyPath = ()
) -> tuple[M | None, list[Problem]]:
    """Validate ``data`` (default: the document's data) against ``model``.

    Returns the model, or None with one located problem per error.
    """
    payload = doc.data if data is None else data
    try:
        return model.model_validate(payload), []
    except ValidationError as exc:
        errors = [
            (tuple(p for p in err["loc"] if not _is_union_tag(p)), err) for err in exc.errors(include_url=False)
        ]
        misspelt = _misspelt_keys(errors)
        problems = []
        for loc, err in errors:
            if err["type"] == "missing" and loc in misspelt:
                continue  # "unknown key 'titel' (did you mean 'title'?)" already says it
            path = base + loc
            problems.append(Problem(doc.locate(path), format_key_path(path), _message(err, model)))
        return None, problems


def _misspelt_keys(errors: Sequence[tuple[tuple[Any, ...], Mapping[str, Any]]]) -> set[tuple[Any, ...]]:
    """Locations of missing keys for which an unknown sibling key looks like a typo."""
    unknown: dict[tuple, list[str]] = {}
    for loc, err in errors:
        if err["type"] == "extra_forbidden" and loc:
            unknown.setdefault(loc[:-1], []).append(str(loc[-1]))
    return {
        loc
        for loc, err in errors
        if err["type"] == "missing" and loc and any(
            suggest(typo, [str(loc[-1])]) for typo in unknown.get(loc[:-1], [])
        )
    }


def _is_union_tag(part: Any) -> bool:
    # pydantic puts the union member's name into the location ("str", "function-after[...]")
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "dict", "list"})
