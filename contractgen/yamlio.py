"""Safe YAML reading that remembers where every key came from.

* Only a :class:`yaml.SafeLoader` subclass is used: no Python objects, ever.
* Duplicate keys are refused (PyYAML silently keeps the last one).
* Every key and list item keeps its line and column, so that a schema error
  found later can be reported as ``profiles/x.yaml:14:3: contract.reference: ...``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Location, Problem

KeyPath = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader; a fresh subclass so that nothing we add leaks into PyYAML."""


# YAML 1.1 turns `on`, `yes`, `no` into booleans and `2026-04-01` into dates. Keep the
# date resolver (clause changelogs use real dates) but only true/false as booleans.
_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
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


def _construct(loader: _Loader, node: yaml.Node, path: KeyPath, doc: YamlDocument) -> Any:
    doc.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (dt.date, int, float, bool)) or key is None:
                key = str(key_node.value)
            if not isinstance(key, str):
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
        return [
            _construct(loader, item, path + (i,), doc) for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def _problem(doc: YamlDocument, node: yaml.Node, path: KeyPath, message: str) -> InputError:
    loc = Location(doc.file, node.start_mark.line + 1, node.start_mark.column + 1)
    return InputError(message, [Problem(loc, format_key_path(path), message)])


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document; raise :class:`InputError` with a located problem."""
    doc = YamlDocument(file=file, data=None)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            doc.data = {}
            return doc
        doc.data = _construct(loader, node, (), doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{exc.context}, {what}"
        message = f"YAML syntax error: {what}; check the indentation and quoting here"
        raise InputError(message, [Problem(loc, "", message)]) from exc
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare
        message = f"YAML error: {exc}"
        raise InputError(message, [Problem(Location(file), "", message)]) from exc
    finally:
        loader.dispose()
    return doc


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
