"""The Jinja environments: one factory each for clause text and for Word templates.

Both are sandboxed and use :class:`jinja2.StrictUndefined`, so a misspelt variable is an
error rather than an empty string. Clause text is Markdown, so values are escaped for
Markdown; Word templates are XML, so values are escaped for XML.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import CodeType
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateRuntimeError, Undefined, UndefinedError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Namespace
from markupsafe import Markup, escape

from .schema import find_xml_illegal
from .untrusted import (
    bounded_iter,
    check_arguments,
    check_deadline,
    check_format,
    check_size,
    refuse_loading,
)
from .xmltext import NO_BREAK_HYPHEN_XML, NON_BREAKING_HYPHEN

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def format_date(value: dt.date) -> str:
    """UK long date, ``30 June 2026``, in English whatever the process locale."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def long_date(value: Any) -> str:
    """The ``long_date`` filter: refuses anything but a date with a template error."""
    if not isinstance(value, dt.date):
        raise TemplateRuntimeError(f"long_date needs a date, not {value!r}")
    return format_date(value)


#: The longest text or list that ``*`` may build in a template.
MAX_REPEAT = 100_000
#: The largest whole number a template may compute (in bits: about 3,000 digits).
MAX_INT_BITS = 10_000


#: The attributes a plain dict has (its methods and object's): ``getattr`` finds these first.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with an operator and call policy for untrusted text.

    ``**`` and ``*`` cannot build huge numbers, texts or lists; calls and filters take no
    integer above :data:`~contractgen.base.untrusted.MAX_ARGUMENT` (widths, counts) and no
    format asking for a wider field; ``range`` is capped by Jinja's sandbox;
    ``{% include %}``, ``{% import %}`` and ``{% extends %}`` are refused when the text is
    compiled. The render time limit (:func:`contractgen.base.untrusted.time_limit`) is
    checked in every call, filter, operator and loop item (all a template can repeat), so
    an endless loop or recursion stops without signals or timers. Every error a template can cause (a failing call, a division by zero, a
    limit) is raised as a :class:`jinja2.TemplateError`, which the callers report as a
    located problem. Render with :func:`contractgen.base.untrusted.render_bounded`."""

    intercepted_binops = frozenset({"+", "*", "**", "/", "//", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals.pop("lipsum", None)  # lipsum(n) can write without limit
        self.globals["namespace"] = BoundedNamespace
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        # Jinja's one parsing hook (``parse``, ``from_string`` and ``compile`` all call it)
        tree = super()._parse(source, name, filename)
        refuse_loading(tree, name, filename)
        for loop in tree.find_all(nodes.For):  # each item a loop takes checks the time limit
            loop.iter = nodes.Call(nodes.EnvironmentAttribute("bounded_iter"), [loop.iter], [], None, None, lineno=loop.lineno)
        return tree

    bounded_iter = staticmethod(bounded_iter)

    def compile(  # type: ignore[override]
        self, source: str | nodes.Template, name: str | None = None, filename: str | None = None,
        raw: bool = False, defer_init: bool = False,
    ) -> str | CodeType:
        # Jinja's one compiling hook (``from_string`` calls it): the same text compiled
        # under the same settings is the same code, so it is compiled once per process
        if raw or not isinstance(source, str) or len(source) > _MAX_CACHED_SOURCE:
            return super().compile(source, name, filename, raw, defer_init)  # type: ignore[call-overload]
        key = (self._compile_settings(), source, name, filename, defer_init)
        with _COMPILED_LOCK:
            code = _COMPILED.get(key)
            if code is not None:
                _COMPILED.move_to_end(key)
                return code
        code = super().compile(source, name, filename, False, defer_init)
        _remember_code(key, code)
        return code

    def _compile_settings(self) -> tuple:
        """Everything of this environment that the code Jinja compiles depends on (its
        lexer, escaping, finalize, extensions, and which filters and tests exist and what
        they are passed); globals and the undefined class are looked up when rendering."""
        def passes(funcs: dict[str, Any]) -> tuple:
            return tuple(sorted((n, str(getattr(f, "jinja_pass_arg", ""))) for n, f in funcs.items()))

        return (
            type(self), self.code_generator_class, self.autoescape, self.finalize, self.optimized, self.is_async,
            self.block_start_string, self.block_end_string, self.variable_start_string, self.variable_end_string,
            self.comment_start_string, self.comment_end_string, self.line_statement_prefix, self.line_comment_prefix,
            self.trim_blocks, self.lstrip_blocks, self.newline_sequence, self.keep_trailing_newline,
            tuple(sorted(self.extensions)), passes(self.filters), passes(self.tests),
        )  # fmt: skip

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        check_deadline()
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 100:
            raise SecurityError(f"the power {right!r} is too large for a template")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and left.bit_length() * right > MAX_INT_BITS:
            raise SecurityError("the number would be too large for a template")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_REPEAT:
                    raise SecurityError("the repeated text or list would be too long for a template")
        if operator == "%" and isinstance(left, str):
            check_format(left)
        try:
            result = super().call_binop(context, operator, left, right)
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise TemplateRuntimeError(f"cannot work out {left!r} {operator} {right!r}: {exc}") from exc
        if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
            raise SecurityError("the number would be too large for a template")
        return check_size(result)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # ``letter.date`` on a plain dict: what Jinja's sandbox finds (the dict has no such
        # attribute, so the item), without raising and catching an AttributeError first
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        # Jinja returns an undefined value, which a list or map() would print as
        # "Undefined"; an unsafe attribute is an error wherever it is used
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe.")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - jinja's signature
        check_deadline()
        if not getattr(__obj, "formats_text", False):  # str.format's arguments are values
            check_arguments(args, kwargs)
        try:
            return check_size(super().call(__context, __obj, *args, **kwargs))
        except TemplateError:
            raise
        except (ArithmeticError, LookupError, TypeError, ValueError) as exc:
            raise TemplateRuntimeError(str(exc)) from exc

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is not None:
            check_format(value.__self__)
            wrapper.formats_text = True  # type: ignore[attr-defined]
        return wrapper


#: Compiled code by (environment settings, source, name, filename, defer_init), least
#: recently used first; at most :data:`_MAX_COMPILED` texts of :data:`_MAX_COMPILED_CHARS`
#: characters in all. Code objects are immutable, so sharing them between environments
#: with the same settings is what Jinja's own bytecode cache does.
_COMPILED: OrderedDict[tuple, CodeType] = OrderedDict()
_COMPILED_LOCK = threading.Lock()
_MAX_COMPILED = 512
_MAX_COMPILED_CHARS = 16_000_000
_MAX_CACHED_SOURCE = 4_000_000


def _remember_code(key: tuple, code: CodeType) -> None:
    with _COMPILED_LOCK:
        _COMPILED[key] = code
        _COMPILED.move_to_end(key)
        total = sum(len(k[1]) for k in _COMPILED)
        while len(_COMPILED) > _MAX_COMPILED or (total > _MAX_COMPILED_CHARS and len(_COMPILED) > 1):
            old, _ = _COMPILED.popitem(last=False)
            total -= len(old[1])


def undeclared_variables(source: str, environment: Callable[[], "Sandbox"]) -> frozenset[str]:
    """The top-level names the template text ``source`` uses without setting them
    (:func:`jinja2.meta.find_undeclared_variables`) in the environment the factory
    ``environment`` makes (:func:`clause_environment` or :func:`template_environment`:
    Jinja checks the filters while working it out), once per process per text:
    validation asks again for every profile and every test. Raises what parsing raises
    (:class:`jinja2.TemplateSyntaxError`, a refused ``{% include %}``). A text longer than
    :data:`_MAX_CACHED_SOURCE` is not kept."""
    if len(source) > _MAX_CACHED_SOURCE:
        return _undeclared(source, environment)
    return _undeclared_cached(source, environment)


def _undeclared(source: str, environment: Callable[[], "Sandbox"]) -> frozenset[str]:
    return frozenset(meta.find_undeclared_variables(_made_by(environment).parse(source)))


_undeclared_cached = functools.lru_cache(maxsize=2048)(_undeclared)


@functools.lru_cache(maxsize=8)
def _made_by(environment: Callable[[], "Sandbox"]) -> "Sandbox":
    return environment()


class BoundedNamespace(Namespace):
    """``namespace()``, whose attributes cannot grow past the size limit (a loop that
    doubles ``ns.text`` would otherwise fill the memory)."""

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(name, check_size(value))


def _bounded_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that refuses integer arguments above the limit (the value it filters
    may be any size) and wide formats; same Jinja calling convention as ``func``."""
    skip = 2 if hasattr(func, "jinja_pass_arg") else 1
    is_format = func.__name__ == "do_format"

    @functools.wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        check_deadline()
        if is_format and args and isinstance(args[0], str):
            check_format(args[0])  # its other arguments are the values to format
        else:
            check_arguments(args[skip:], kwargs)
        try:
            return check_size(func(*args, **kwargs))
        except TemplateError:
            raise
        except (ArithmeticError, LookupError, TypeError, ValueError) as exc:
            name = func.__name__.removeprefix("do_")
            raise TemplateRuntimeError(f"the filter {name} cannot be used here: {exc}") from exc

    return bounded


class MarkdownSafe(str):
    """Text already in clause Markdown (cross-reference markers): not escaped again."""


class EscapedValue(MarkdownSafe):
    """A value escaped for Markdown that prints as ``literal`` (a ``long_date``)."""

    literal: str

    def __new__(cls, literal: str) -> "EscapedValue":
        value = super().__new__(cls, escape_markdown(literal))
        value.literal = literal
        return value


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")


def refuse_undefined_inside(value: Any, depth: int = 0) -> None:
    """A list, tuple, set or mapping about to be printed must not hold an undefined
    value (Python would print it as "Undefined"): raise the undefined error instead."""
    if depth > 20 or not isinstance(value, (list, tuple, set, frozenset, dict)):
        return
    items = [*value.keys(), *value.values()] if isinstance(value, dict) else list(value)
    for item in items:
        if isinstance(item, Undefined):
            str(item)  # StrictUndefined raises its error here
            raise UndefinedError("a value in the list is undefined")
        refuse_undefined_inside(item, depth + 1)


def escape_markdown(value: Any) -> str:
    """Make a value print literally inside Markdown: every special character escaped,
    line breaks kept as hard breaks."""
    refuse_undefined_inside(value)
    if isinstance(value, MarkdownSafe):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return format_date(value)
    text = _MD_SPECIAL.sub(r"\\\1", str(value))
    return "\\\n".join(text.splitlines()) if "\n" in text else text


def clause_environment() -> Sandbox:
    """Environment for clause text (Markdown out)."""
    env = Sandbox(
        undefined=StrictUndefined,
        autoescape=False,
        finalize=escape_markdown,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = lambda d: EscapedValue(long_date(d))
    return env


# ---------------------------------------------------------------- masked clause text
#
# A letter batch renders the same clause text for thousands of providers, which differ
# only in the values printed. Rendered with masks, each printed value becomes one
# private-use character, so the Markdown of every letter of a kind and tier is the same
# text: parsed once, the values put back into the parsed runs (contractgen.letters.texts).

#: The private-use characters that stand for values: mask ``i`` is ``chr(MASK_BASE + i)``.
MASK_BASE = 0xF0000
MASKS = re.compile("[\U000F0000-\U000FFFFD]")
#: What a masked value may not hold: controls, line separators and private-use characters
#: of the masks' planes (Markdown treats them differently from a letter).
_UNMASKABLE = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029\U000F0000-\U0010FFFF]")


class MaskedValues:
    """The values one masked render printed: ``values[i]`` is the text mask ``i`` stands for."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self.printed = 0  # masks written into the Markdown, repeats included
        self.chars = 0  # at most the characters the values they stand for take, escaped
        self._index: dict[str, int] = {}

    def mask(self, literal: str) -> str:
        i = self._index.get(literal)
        if i is None:
            i = self._index[literal] = len(self.values)
            self.values.append(literal)
        self.printed += 1
        self.chars += 2 * len(literal)  # escaping at most doubles a value
        return chr(MASK_BASE + i)


_MASKING = threading.local()


@contextmanager
def masking(values: MaskedValues) -> Iterator[MaskedValues]:
    """Renders with :func:`masked_clause_environment` inside print masks into ``values``."""
    _MASKING.values = values
    try:
        yield values
    finally:
        _MASKING.values = None


def printed_text(value: Any) -> str | None:
    """The text ``value`` prints as in clause Markdown (what the Markdown parse of
    :func:`escape_markdown`'s result gives back), or None when it cannot be masked: text
    already in Markdown, or text whose ends or characters Markdown treats specially."""
    if isinstance(value, EscapedValue):
        text = value.literal
    elif isinstance(value, MarkdownSafe):
        return None
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, dt.date):
        text = format_date(value)
    else:
        text = str(value)
    if not text or text != text.strip() or _UNMASKABLE.search(text):
        return None
    return text


def _finalize_masked(value: Any) -> str:
    values: MaskedValues | None = getattr(_MASKING, "values", None)
    text = printed_text(value) if values is not None else None
    if text is None:
        return escape_markdown(value)
    return values.mask(text)  # type: ignore[union-attr]


def masked_clause_environment() -> Sandbox:
    """:func:`clause_environment`, but inside :func:`masking` each printed value is a mask."""
    env = clause_environment()
    env.finalize = _finalize_masked
    return env


class XmlValueError(ValueError):
    """A value holds a character that XML cannot."""


_BREAK = '</w:t><w:br/><w:t xml:space="preserve">'


class XmlRecord:
    """What a Word template's render printed that is more than escaped text (see
    :func:`recording_xml`): the XML values (``Markup``) and whether any value's line breaks
    or no-break hyphens became elements."""

    def __init__(self) -> None:
        self.markups: list[Markup] = []
        self.breaks = False


_XML_RECORD = threading.local()


@contextmanager
def recording_xml(record: XmlRecord) -> Iterator[XmlRecord]:
    """Renders with :func:`template_environment` inside note into ``record`` what they print
    that is more than escaped text."""
    previous = getattr(_XML_RECORD, "record", None)
    _XML_RECORD.record = record
    try:
        yield record
    finally:
        _XML_RECORD.record = previous


def escape_xml_value(value: Any) -> Markup:
    """Escape a value for a ``<w:t>`` element in a Word template; newlines become breaks."""
    record: XmlRecord | None = getattr(_XML_RECORD, "record", None)
    if isinstance(value, Markup):
        if record is not None:
            record.markups.append(value)
        return value
    refuse_undefined_inside(value)
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
    if record is not None and ("\n" in text or NON_BREAKING_HYPHEN in text):
        record.breaks = True
    if "\n" in text:
        out = Markup(_BREAK.join(escape(line) for line in text.split("\n")))
    if NON_BREAKING_HYPHEN in text:
        out = Markup(out.replace(NON_BREAKING_HYPHEN, Markup(NO_BREAK_HYPHEN_XML)))
    return out


def template_environment() -> Sandbox:
    """Environment for Word templates (XML out)."""
    env = Sandbox(
        undefined=StrictUndefined,
        autoescape=True,
        finalize=escape_xml_value,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = long_date
    return env
