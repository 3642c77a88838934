"""The Jinja environments: one factory each for clause text and for Word templates.

Both are sandboxed and use :class:`jinja2.StrictUndefined`, so a misspelt variable is an
error rather than an empty string. Clause text is Markdown, so values are escaped for
Markdown; Word templates are XML, so values are escaped for XML.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from .schema import find_xml_illegal


def format_date(value: dt.date) -> str:
    """UK long date: ``30 June 2026``."""
    return f"{value.day} {value:%B %Y}"


class MarkdownSafe(str):
    """Text already in clause Markdown (cross-reference markers): not escaped again."""


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")


def escape_markdown(value: Any) -> str:
    """Make a value print literally inside Markdown: every special character escaped,
    line breaks kept as hard breaks."""
    if isinstance(value, MarkdownSafe):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return format_date(value)
    text = _MD_SPECIAL.sub(r"\\\1", str(value))
    return "\\\n".join(text.splitlines()) if "\n" in text else text


def clause_environment() -> ImmutableSandboxedEnvironment:
    """Environment for clause text (Markdown out)."""
    env = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        finalize=escape_markdown,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = lambda d: MarkdownSafe(escape_markdown(format_date(d)))
    return env


class XmlValueError(ValueError):
    """A value holds a character that XML cannot."""


_BREAK = '</w:t><w:br/><w:t xml:space="preserve">'


def escape_xml_value(value: Any) -> Markup:
    """Escape a value for a ``<w:t>`` element in a Word template; newlines become breaks."""
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool):
        value = "yes" if value else "no"
    elif isinstance(value, dt.date):
        value = format_date(value)
    elif value is None:
        value = ""
    text = str(value)
    bad = find_xml_illegal(text)
    if bad:
        raise XmlValueError(
            f"the value {text[:40]!r} contains the control character {bad}, which a Word "
            "document cannot hold; delete it from the input"
        )
    out = escape(text)
    if "\n" in text:
        out = Markup(_BREAK.join(escape(line) for line in text.split("\n")))
    return out


def template_environment() -> ImmutableSandboxedEnvironment:
    """Environment for Word templates (XML out)."""
    env = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=True,
        finalize=escape_xml_value,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = format_date
    return env
