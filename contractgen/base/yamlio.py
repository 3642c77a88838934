"""Safe YAML reading that remembers where every key came from.

* Only a :class:`yaml.SafeLoader` subclass is used: no Python objects, ever. Explicit
  tags (``!!python/object:...``, ``!!binary``, ``!custom``) are refused with a located
  message rather than ignored, and aliases cannot expand a file without limit.
* Duplicate keys are refused (PyYAML silently keeps the last one).
* Every key and list item keeps its line and column, so that a schema error
  found later can be reported as ``profiles/x.yaml:14:3: contract.reference: ...``.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Location, Problem
from .untrusted import MAX_YAML_BYTES, MAX_YAML_DEPTH

KeyPath = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader; a fresh subclass so that nothing we add leaks into PyYAML."""

    values_left: int = 0
    depth: int = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        # PyYAML composes recursively: refuse deep nesting before Python's stack runs out
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark) -> None:
        super().__init__(mark)
        self.mark = mark


# YAML 1.1 turns `on`, `yes`, `no` into booleans, `014` into 12 (octal), `10:30` into 630
# (base 60) and `0x1F` into 31. Keep the date resolver (clause changelogs use real dates)
# but only true/false as booleans and plain decimal numbers as numbers; anything else
# stays text, so a schedule number "014" or a time 10:30 prints as written.
_OVERRIDDEN = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag not in _OVERRIDDEN]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+.0123456789"),
)


@dataclass
class YamlDocument:
    """Data read from one YAML file, with the position of every key path."""

    file: str
    data: Any
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: KeyPath = ()) -> Location:
        """The location of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.positions:
                line, col = self.positions[path]
                return Location(self.file, line, col)
            path = path[:-1]
        if () in self.positions:
            line, col = self.positions[()]
            return Location(self.file, line, col)
        return Location(self.file, 1, 1)

    def problem(self, path: KeyPath, message: str) -> Problem:
        return Problem(self.locate(path), format_key_path(path), message)


def format_key_path(path: KeyPath) -> str:
    """``("changelog", 2, "date")`` -> ``changelog[2].date`` (list indexes 0-based)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_YAML_TAG = "tag:yaml.org,2002:"
#: The only tags a scalar may carry: what a safe loader resolves plain values to.
_SCALAR_TAGS = frozenset(_YAML_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
_MAP_TAG, _SEQ_TAG = _YAML_TAG + "map", _YAML_TAG + "seq"
#: Values one file may expand to; anchors and aliases (``*name``) cannot blow it up further.
MAX_VALUES = 200_000


def _shown_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML_TAG) :] if tag.startswith(_YAML_TAG) else tag


def _check_tag(node: yaml.Node, allowed: frozenset[str] | str, doc: YamlDocument, path: KeyPath) -> None:
    """Refuse explicit tags (``!!python/object:...``, ``!!binary``, ``!custom``) cleanly."""
    if node.tag == allowed or node.tag in allowed:
        return
    raise _problem(
        doc,
        node,
        path,
        f"the YAML tag {_shown_tag(node.tag)} is not allowed: contractgen reads plain data "
        "(text, numbers, dates, true/false, lists and mappings) only; remove the tag",
    )


def _construct(loader: _Loader, node: yaml.Node, path: KeyPath, doc: YamlDocument) -> Any:
    doc.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if len(path) > MAX_YAML_DEPTH:  # an alias inside its own anchor nests without end
        raise _problem(
            doc, node, path[:3],
            f"the data is nested more than {MAX_YAML_DEPTH} levels deep (an alias *name inside "
            "the value it names repeats it without end); write the values out",
        )
    loader.values_left -= 1
    if loader.values_left < 0:
        raise _problem(
            doc, node, path,
            f"the file expands to more than {MAX_VALUES} values (through anchors and aliases); "
            "write the values out instead of repeating aliases",
        )
    if isinstance(node, yaml.MappingNode):
        _check_tag(node, _MAP_TAG, doc, path)
        loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _problem(doc, key_node, path, "keys must be plain text, not lists or mappings")
            _check_tag(key_node, _SCALAR_TAGS, doc, path)
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (dt.date, int, float, bool)) or key is None:
                key = str(key_node.value)
            if not isinstance(key, str):  # pragma: no cover - every plain scalar is handled above
                raise _problem(doc, key_node, path, "keys must be plain text")
            if key in result:
                first = doc.positions.get(path + (key,), (0, 0))[0]
                raise _problem(
                    doc,
                    key_node,
                    path + (key,),
                    f"duplicate key {key!r} (first defined on line {first}); "
                    "remove one of them",
                )
            doc.positions[path + (key,)] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            result[key] = _construct(loader, value_node, path + (key,), doc)
        return result
    if isinstance(node, yaml.SequenceNode):
        _check_tag(node, _SEQ_TAG, doc, path)
        return [
            _construct(loader, item, path + (i,), doc) for i, item in enumerate(node.value)
        ]
    _check_tag(node, _SCALAR_TAGS, doc, path)
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:  # a date that does not exist: 2026-02-31
        if node.tag != _YAML_TAG + "timestamp":  # pragma: no cover - other plain scalars always construct
            raise
        raise _problem(
            doc, node, path,
            f"the date {node.value} does not exist (check the day, the month and the year); write it as "
            "YYYY-MM-DD, e.g. 2026-04-01",
        ) from exc


def _problem(doc: YamlDocument, node: yaml.Node, path: KeyPath, message: str) -> InputError:
    loc = Location(doc.file, node.start_mark.line + 1, node.start_mark.column + 1)
    return InputError(message, [Problem(loc, format_key_path(path), message)])


#: Documents parsed in this process, by their text: parsing is pure (the file's name only
#: goes into the problems of a text that fails, which is never kept), and PyYAML's parser
#: takes milliseconds a file where copying the data takes microseconds. Each caller gets
#: its own copy of the data.
_PARSED: dict[str, tuple[Any, dict[KeyPath, tuple[int, int]]]] = {}
_PARSED_LIMIT, _PARSED_LARGEST = 512, 200_000


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document; raise :class:`InputError` with a located problem."""
    known = _PARSED.get(text)
    if known is not None:
        return YamlDocument(file=file, data=copy.deepcopy(known[0]), positions=dict(known[1]))
    doc = _parse_yaml(text, file)
    if len(text) <= _PARSED_LARGEST:
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.clear()
        _PARSED[text] = (copy.deepcopy(doc.data), dict(doc.positions))
    return doc


def _parse_yaml(text: str, file: str) -> YamlDocument:
    doc = YamlDocument(file=file, data=None)
    if len(text) > MAX_YAML_BYTES:
        message = f"the file is larger than {MAX_YAML_BYTES // 1_000_000} MB; a profile or clause file is a few kilobytes: split it or remove what is not needed"
        raise InputError(message, [Problem(Location(file, 1), "", message)])
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, most controls)
        line = text[: exc.position].count("\n") + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        message = (
            f"contains the control character U+{exc.character if isinstance(exc.character, int) else ord(exc.character):04X}, "
            "which a YAML file cannot hold; delete it (it is often pasted invisibly from another program)"
        )
        raise InputError(message, [Problem(Location(file, line, column), "", message)]) from exc
    loader.values_left = MAX_VALUES
    try:
        node = loader.get_single_node()
        if node is None:
            doc.data = {}
            return doc
        doc.data = _construct(loader, node, (), doc)
    except _TooDeep as exc:
        message = f"the data is nested more than {MAX_YAML_DEPTH} levels deep; contractgen files need a few levels: check the indentation and brackets"
        raise InputError(message, [Problem(Location(file, exc.mark.line + 1, exc.mark.column + 1), "", message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        message = f"YAML syntax error: {_syntax_problem(exc)}"
        raise InputError(message, [Problem(loc, "", message)]) from exc
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare
        message = f"YAML error: {exc}"
        raise InputError(message, [Problem(Location(file), "", message)]) from exc
    finally:
        loader.dispose()
    return doc


def _syntax_problem(exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's description, with where the broken construct began and a hint."""
    what = exc.problem or "invalid YAML"
    if exc.context:
        start = exc.context_mark
        moved = start is not None and exc.problem_mark is not None and start.line != exc.problem_mark.line
        if moved and start is not None and exc.context.startswith("while"):
            what = f"{exc.context} (which starts on line {start.line + 1}), {what}"
        else:
            what = f"{exc.context}, {what}"
    if "'\\t'" in what:
        return f"{what}; indent with spaces, not tabs"
    if "expected a single document" in what:
        return f"{what}; a file holds one document: remove the `---` line"
    if "mapping values are not allowed" in what:
        return f"{what}; put text that contains ': ' in quotes, or check the indentation"
    return f"{what}; check the indentation and quoting here"


def read_yaml(path: Path, display: str | None = None) -> YamlDocument:
    """Read and parse a YAML file (UTF-8, with or without a byte-order mark)."""
    shown = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        message = f"cannot read file: {exc.strerror or exc}"
        raise InputError(message, [Problem(Location(shown), "", message)]) from exc
    return parse_yaml(decode_text(raw, shown), shown)


def decode_text(raw: bytes, shown: str) -> str:
    """Decode UTF-8 text (a BOM is dropped); refuse anything else with a clear message."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = (
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        )
        raise InputError(message, [Problem(Location(shown, line), "", message)]) from exc
