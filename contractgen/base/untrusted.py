"""Opening what users hand us, with limits: the one place for every guard.

A council's files (YAML, Word templates, registers, exports, logos) are written by people
and by other programs, and a contractgen may run on a shared server. Whatever such a file
holds, reading it must end within a bounded time and memory in either a result or a
:class:`~contractgen.base.errors.ContractgenError` that names the file, the place and the fix.
The limits are generous for real files and are listed in docs/security.md ("Safety limits"):

* YAML: :data:`MAX_YAML_BYTES` per file, :data:`MAX_YAML_DEPTH` levels of nesting, and
  (in :mod:`contractgen.base.yamlio`) ``MAX_VALUES`` values after alias expansion.
* CSV files: :data:`MAX_TABLE_BYTES`.
* Zip packages (.docx, .xlsx): :data:`MAX_ZIP_MEMBERS` members, :data:`MAX_ZIP_BYTES`
  uncompressed in all, no member expanding more than :data:`MAX_ZIP_RATIO` times, and no
  member name that is absolute or climbs out with ``..``.
* XML parts of a Word template: UTF-8 only, well-formed, no DTD (so no entities, external
  or internal), no huge text nodes.
* Jinja (Word templates and clause text): no loading of other templates, bounded ``**``,
  ``*`` and ``range`` (see :class:`contractgen.base.environment.Sandbox`), integer arguments
  to calls and filters at most :data:`MAX_ARGUMENT`, at most :data:`MAX_RENDER_CHARS`
  characters out of one render and :data:`MAX_RENDER_SECONDS` seconds for it (for a
  letter: for all its clause texts and template parts together).
* Spreadsheet cells: an Excel date that does not exist (31/02/2026, year 0) comes back
  as an :class:`UnreadableCell` for the reader to report with its row and column.
"""

from __future__ import annotations

import re
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SecurityError
from lxml import etree

from .errors import InputError, Location, Problem

#: Largest YAML file read (profiles and clauses are a few kilobytes).
MAX_YAML_BYTES = 2_000_000
#: Deepest nesting of mappings and lists in a YAML file.
MAX_YAML_DEPTH = 50
#: Largest CSV register or export (the national DSPT export is about 5 MB).
MAX_TABLE_BYTES = 200_000_000
#: Most rows read from a register or an export (the national DSPT export has tens of
#: thousands): every command answers within seconds up to it.
MAX_TABLE_ROWS = 100_000
#: Most members in a .docx or .xlsx package.
MAX_ZIP_MEMBERS = 2_000
#: Most bytes all members of a package may expand to.
MAX_ZIP_BYTES = 200_000_000
#: Most a single member may expand relative to its compressed size (members over 1 MB).
MAX_ZIP_RATIO = 200
#: Longest text of one clause (or one tier's variant), in characters; the longest shipped
#: clause has about 6,000.
MAX_CLAUSE_CHARS = 20_000
#: Longest Markdown one clause's text may render to (parsing it is the slow part).
MAX_CLAUSE_RENDERED_CHARS = 50_000
#: Largest logo image.
MAX_IMAGE_BYTES = 10_000_000
#: Most pixels a side of a logo may have (checked before it is decoded).
MAX_IMAGE_SIDE = 10_000
#: Most pixels a logo may have in all.
MAX_IMAGE_PIXELS = 25_000_000
#: Largest integer a template may pass to a call or filter (widths, counts).
MAX_ARGUMENT = 100_000
#: Longest text or list one operation, call or filter in a template may produce.
MAX_VALUE_CHARS = 2_000_000
#: Most characters one render of a template part or clause text may produce.
MAX_RENDER_CHARS = 20_000_000
#: Longest one render of a template part or clause text may take.
MAX_RENDER_SECONDS = 20.0


def input_failure(error: type[InputError], shown: str, message: str) -> InputError:
    """``error`` with one problem located at the file ``shown``."""
    return error(message, [Problem(Location(shown), "", message)])


# --------------------------------------------------------------------------- zip packages


def check_zip(archive: zipfile.ZipFile, shown: str, error: type[InputError], resave: str) -> None:
    """Refuse a package whose member list could exhaust memory or escape a folder.

    Checks the central directory only; :mod:`zipfile` never reads more than a member's
    declared size, so a member that lies about its size cannot get past these limits.
    ``resave`` ends every message: how to get a sound file (e.g. "save it again from Word").
    """
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise input_failure(error, shown, f"the package holds {len(infos)} files, more than the limit of {MAX_ZIP_MEMBERS}; {resave}")
    total = 0
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        if name in seen:
            raise input_failure(
                error, shown,
                f"the package holds two files named {name}, so it is not clear which one counts "
                f"(programs disagree); {resave}",
            )
        seen.add(name)
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in re.split(r"[/\\]", name):
            raise input_failure(error, shown, f"the package holds a file named {name!r}, which points outside the package; {resave}")
        total += info.file_size
        if info.file_size > 1_000_000 and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise input_failure(
                error, shown,
                f"the package member {name} expands {info.file_size // max(info.compress_size, 1)} times "
                f"(more than {MAX_ZIP_RATIO}): it looks like a zip bomb; {resave}",
            )
    if total > MAX_ZIP_BYTES:
        raise input_failure(error, shown, f"the package expands to {total // 1_000_000} MB, more than the limit of {MAX_ZIP_BYTES // 1_000_000} MB; {resave}")


def read_zip(path: Path | IO[bytes], shown: str, error: type[InputError], resave: str, not_zip: str | None = None) -> dict[str, bytes]:
    """Every file member of a zip package, in zip order, after :func:`check_zip`.

    ``FileNotFoundError`` passes through for the caller to word; a file that is not a zip
    or is damaged raises ``error`` (with the message ``not_zip`` when given).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip(archive, shown, error, resave)
            return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise input_failure(error, shown, not_zip or f"not a readable zip package ({detail}); {resave}") from exc


# --------------------------------------------------------------------------- XML parts

#: The parser for XML from users' files: no entities, no network, no DTD, no huge nodes.
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def xml_text(data: bytes, shown: str, part: str, error: type[InputError], resave: str) -> str:
    """The text of an XML part, which must be UTF-8 (as Word writes it)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise input_failure(error, shown, f"{part} is UTF-16 text, not UTF-8 as Word writes it; {resave}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise input_failure(
            error, shown, f"{part} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); {resave}"
        ) from exc


def parse_xml(data: bytes, shown: str, part: str, error: type[InputError], resave: str) -> etree._Element:
    """Parse one XML part of a package; refuse damage, other encodings and any DTD."""
    xml_text(data, shown, part, error, resave)
    try:
        root = etree.fromstring(data, XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise input_failure(error, shown, f"{part} is not well-formed XML ({exc.msg}); {resave}") from exc
    if root.getroottree().docinfo.doctype:  # type: ignore[union-attr]
        raise input_failure(
            error, shown,
            f"{part} declares a DTD (<!DOCTYPE ...>), which Word documents never hold and contractgen "
            f"refuses (it can hide entities that read other files); {resave}",
        )
    return root


def check_package_xml(parts: dict[str, bytes], shown: str, error: type[InputError], resave: str) -> None:
    """Parse every XML part of a package once (see :func:`parse_xml`)."""
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            parse_xml(data, shown, name, error, resave)


# --------------------------------------------------------------------------- Jinja

_LOADING = {nodes.Extends: "extends", nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "from ... import"}


def refuse_loading(tree: nodes.Template, name: str | None, filename: str | None) -> None:
    """Refuse ``{% include %}``, ``{% import %}``, ``{% from %}`` and ``{% extends %}``:
    a council template or clause text is one self-contained text."""
    for node in tree.find_all(tuple(_LOADING)):
        tag = _LOADING[type(node)]
        raise jinja2.TemplateSyntaxError(
            f"{{% {tag} %}} is not allowed: a template cannot load other templates; "
            "write the text here instead",
            node.lineno, name, filename,
        )


def check_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse an integer argument larger than :data:`MAX_ARGUMENT` (a width, a count)."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ARGUMENT:
            raise SecurityError(f"the number {value} is too large for a template (the limit is {MAX_ARGUMENT})")


def check_size(value: Any) -> Any:
    """``value``, unless it is a text or list longer than :data:`MAX_VALUE_CHARS`."""
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_VALUE_CHARS:
        raise SecurityError(f"a value would be longer than {MAX_VALUE_CHARS:,} characters or items")
    return value


_PERCENT_WIDTH = re.compile(r"%[-#0 +]*(\d*)(?:\.(\d+))?")
_BRACE_WIDTH = re.compile(r"\{[^{}]*?:[^{}]*?(\d+)(?:\.(\d+))?[^{}]*\}")


def check_format(text: str) -> None:
    """Refuse a %- or {}-format string that asks for a width above :data:`MAX_ARGUMENT`."""
    for rx in (_PERCENT_WIDTH, _BRACE_WIDTH):
        for m in rx.finditer(text):
            for group in m.groups():
                if group and len(group) > 6 or (group and int(group) > MAX_ARGUMENT):
                    raise SecurityError(f"the format {m.group(0)[:20]!r} asks for a width above {MAX_ARGUMENT}")


class RenderLimitError(SecurityError):
    """A render produced too much text or took too long."""


# The time limit is a deadline that the sandbox checks in its hooks: every call, filter,
# operator and every item a ``{% for %}`` loop takes (see
# :class:`contractgen.base.environment.Sandbox`): whatever a template repeats, it repeats
# through one of these, so no stretch of work between two checks is long. No signal or
# timer: it works in any thread and on Windows, which has no interval timers. One deadline
# per thread; an inner limit inside an outer one keeps the outer deadline, so a whole
# letter (its clause texts and its template parts) shares one limit.
_LIMIT = threading.local()


@contextmanager
def time_limit(seconds: float | None = None) -> Iterator[None]:
    """Renders inside share one limit of ``seconds`` (default :data:`MAX_RENDER_SECONDS`);
    past it the next check raises :class:`RenderLimitError`. Nested: the outer limit holds."""
    if getattr(_LIMIT, "deadline", None) is not None:
        yield
        return
    limit = MAX_RENDER_SECONDS if seconds is None else seconds
    _LIMIT.seconds = limit
    _LIMIT.deadline = time.monotonic() + limit
    try:
        yield
    finally:
        _LIMIT.deadline = None


def check_deadline() -> None:
    """Raise :class:`RenderLimitError` when the current :func:`time_limit` has passed."""
    deadline = getattr(_LIMIT, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise RenderLimitError(f"rendering took longer than {_LIMIT.seconds:g} seconds (a loop too large?)")


def bounded_iter(iterable: Any) -> Iterator[Any]:
    """The items of a template's ``{% for %}`` loop, checking the deadline as it goes
    (a loop over a long text or list calls nothing the other hooks would see)."""
    check_deadline()
    for n, item in enumerate(iterable):
        if not n & 255:
            check_deadline()
        yield item


def render_bounded(template: jinja2.Template, context: dict[str, Any]) -> str:
    """Render with at most :data:`MAX_RENDER_CHARS` characters out and
    :data:`MAX_RENDER_SECONDS` seconds (or the enclosing :func:`time_limit`'s)."""
    chunks: list[str] = []
    size = 0
    try:
        with time_limit():
            for chunk in template.generate(context):
                size += len(chunk)
                if size > MAX_RENDER_CHARS:
                    raise RenderLimitError(f"the output would be longer than {MAX_RENDER_CHARS:,} characters")
                chunks.append(chunk)
    except RecursionError as exc:
        raise RenderLimitError("a macro or recursive loop calls itself too deeply") from exc
    except MemoryError as exc:
        raise RenderLimitError("rendering ran out of memory (a value too large?)") from exc
    return "".join(chunks)


# --------------------------------------------------------------------------- spreadsheets


class UnreadableCell(str):
    """An Excel cell whose stored value cannot be read (a date that does not exist, such
    as 2026-02-31 or year 0): its raw text, for the reader to report as a bad row."""

    def problem(self) -> str:
        return (
            f"Excel stores {str(self)!r} here as a date that does not exist; "
            "type the date again as dd/mm/yyyy, or clear the cell"
        )


__all__ = [
    "MAX_ARGUMENT", "MAX_CLAUSE_CHARS", "MAX_CLAUSE_RENDERED_CHARS", "MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS", "MAX_IMAGE_SIDE", "MAX_TABLE_BYTES", "MAX_TABLE_ROWS", "MAX_VALUE_CHARS", "check_size", "MAX_RENDER_CHARS", "MAX_RENDER_SECONDS", "MAX_YAML_BYTES",
    "MAX_YAML_DEPTH", "MAX_ZIP_BYTES", "MAX_ZIP_MEMBERS", "MAX_ZIP_RATIO", "RenderLimitError",
    "UnreadableCell", "XML_PARSER", "check_arguments", "check_format", "check_package_xml",
    "check_zip", "parse_xml", "read_zip", "refuse_loading", "render_bounded", "input_failure",
    "bounded_iter", "check_deadline", "time_limit",
    "xml_text",
]
