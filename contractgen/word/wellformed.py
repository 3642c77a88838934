"""When a rendered template part is well-formed XML whatever its values: checked once.

A Word template part is rendered for every document and checked to be well-formed XML
(a ``{% if %}`` that spans paragraphs without docxtpl's p form gives broken XML for some
values and not others). Parsing it again for each of a thousand letters is most of the
cost of a letter's template, and needless when the part's shape cannot change:

* every ``{% if %}``/``{% elif %}``/``{% else %}`` branch and ``{% for %}`` body holds
  whole elements (it starts and ends among the children of one element) or text within
  one text or attribute value, so leaving it out or repeating it keeps the XML whole;
* every printed value stands in element content (or an attribute value), where text
  escaped for XML cannot change the structure; where a value's line breaks or no-break
  hyphens become ``</w:t><w:br/><w:t ...>``, the value stands inside a ``<w:t>``;
* the part uses nothing else (no ``{% set %}``, macro, call or filter block) and prints
  no constant (which Jinja escapes differently, when it compiles the template).

:func:`analyse` decides this once per compiled part, parsing its skeleton: every branch
and loop body once, each value a placeholder. A render whose printed values are then
only escaped text, or XML contractgen wrote (``trusted``) or that is a whole fragment
by itself (a logo's run), is well-formed without parsing it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from jinja2 import nodes
from jinja2.environment import Environment
from lxml import etree
from markupsafe import Markup

from ..base.environment import XmlRecord
from ..base.xmltext import NON_BREAKING_HYPHEN

#: Placeholders in the skeleton: private-use characters (XML holds them; no template does).
_VALUE = "\ue000"  # then the value's number and _END
_OPEN, _CLOSE, _END = "\ue001", "\ue002", "\ue003"
_MARK = re.compile("\ue000(\\d+)\ue003|\ue001(\\d+)\ue003|\ue002(\\d+)\ue003")
_W_T = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"


class _NotShapeFixed(Exception):
    """The part uses something whose effect on the XML's shape is not worked out here."""


@dataclass
class PartShape:
    """What :func:`analyse` found for one compiled part."""

    #: whether the skeleton parsed and every block and value stands where described above
    fixed: bool = False
    #: every value stands in element content (not an attribute): XML fragments may be printed
    values_in_content: bool = False
    #: every value stands in a ``<w:t>``: its line breaks and no-break hyphens may be printed
    values_in_text: bool = False
    #: the values that stand elsewhere, as paths into the context (``council.logo``), or
    #: None when one is not such a path: a render with breaks is fine when none of these
    #: is text with line breaks or no-break hyphens
    loose: tuple[tuple[str, ...], ...] | None = None
    #: the namespace declarations of the root, to check a printed fragment by itself
    namespaces: str = ""
    _whole: dict[str, bool] = field(default_factory=dict, repr=False)

    def needs_check(self, record: XmlRecord, trusted: str, context: dict[str, Any]) -> bool:
        """Whether a render with ``context`` that printed what ``record`` holds must be
        parsed to be sure."""
        if not self.fixed:
            return True
        if record.breaks and not self.values_in_text and not self._no_loose_breaks(context):
            return True
        if record.markups and not self.values_in_content:
            return True
        return not all(m is trusted or self._is_whole(m) for m in record.markups)

    def _no_loose_breaks(self, context: dict[str, Any]) -> bool:
        """Whether no value standing outside a ``<w:t>`` printed a break: each is found
        in ``context`` as Jinja finds it and is XML (not escaped) or text without one."""
        if self.loose is None:
            return False
        for path in self.loose:
            value: Any = context
            for key in path:
                if type(value) is not dict or hasattr(dict, key) or key not in value:
                    return False  # Jinja might find something else: not worked out here
                value = value[key]
            if isinstance(value, str) and not isinstance(value, Markup) and ("\n" in value or NON_BREAKING_HYPHEN in value):
                return False
            if not isinstance(value, (str, bool, int, float, dt.date)) and value is not None:
                return False
        return True

    def _is_whole(self, fragment: str) -> bool:
        """Whether ``fragment`` is whole XML content by itself (checked once per text)."""
        known = self._whole.get(fragment)
        if known is None:
            # and cannot make ']]>' with the text beside it (no value escaped for XML holds '>')
            known = not fragment.startswith(("]", ">")) and not fragment.endswith("]")
            try:
                etree.fromstring(f"<cg-fragment{self.namespaces}>{fragment}</cg-fragment>".encode("utf-8"))
            except etree.XMLSyntaxError:
                known = False
            if len(self._whole) < 64:
                self._whole[fragment] = known
        return known


def analyse(env: Environment, tree: nodes.Template) -> PartShape:
    """The shape of the part parsed as ``tree`` (see the module's docstring)."""
    try:
        skeleton = _Skeleton(env)
        skeleton.add(tree.body)
        text = "".join(skeleton.pieces).replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
        if _UNSURE.search(text):
            raise _NotShapeFixed("CDATA, a DTD, or a placeholder before ']' or '>'")
        root = etree.fromstring(text.encode("utf-8"))
        shape, loose = _placed(root)
        loop_names = {n.name for loop in tree.find_all(nodes.For) for n in loop.target.find_all(nodes.Name)}
        paths = [_path(skeleton.values[int(n)]) for n in loose]
        if all(p is not None and p[0] not in loop_names for p in paths):
            shape.loose = tuple(p for p in paths if p is not None)
        return shape
    except (_NotShapeFixed, etree.XMLSyntaxError, ValueError, RecursionError):
        return PartShape()


#: What the skeleton is not checked for: a CDATA section or DTD, and a value or block
#: just before ']' or '>' (a value ending ']]' would make ']]>', which content cannot hold).
_UNSURE = re.compile("<!\\[CDATA\\[|<!DOCTYPE|\ue003[\\]>]")


class _Skeleton:
    """The part's text with every branch and loop body once, each marked where it opens
    and closes, and each printed value a numbered placeholder."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.pieces: list[str] = []
        self.values: list[nodes.Expr] = []
        self.blocks = 0

    def add(self, body: list[nodes.Node]) -> None:
        for node in body:
            if isinstance(node, nodes.Output):
                for child in node.nodes:
                    self.pieces.append(child.data if isinstance(child, nodes.TemplateData) else self._value(child))
            elif isinstance(node, nodes.If):
                for branch in (node.body, *(e.body for e in node.elif_), node.else_):
                    self._block(branch)
            elif isinstance(node, nodes.For) and not node.recursive:
                self._block(node.body)
                self._block(node.else_)
            else:
                raise _NotShapeFixed(type(node).__name__)

    def _value(self, expr: nodes.Expr) -> str:
        """A printed value's placeholder; a constant, which Jinja escapes when it compiles
        the template (not through the finalize hook), is not worked out here."""
        try:
            expr.as_const(nodes.EvalContext(self.env))
        except Exception:  # noqa: BLE001 - nodes.Impossible or any error: Jinja leaves it to run time
            self.values.append(expr)
            return f"{_VALUE}{len(self.values) - 1}{_END}"
        raise _NotShapeFixed("a constant printed")

    def _block(self, body: list[nodes.Node]) -> None:
        self.blocks += 1
        n = self.blocks
        self.pieces.append(f"{_OPEN}{n}{_END}")
        self.add(body)
        self.pieces.append(f"{_CLOSE}{n}{_END}")


def _path(expr: nodes.Expr) -> tuple[str, ...] | None:
    """``council.logo`` as ("council", "logo"); None for any other expression."""
    if isinstance(expr, nodes.Name):
        return (expr.name,)
    if isinstance(expr, nodes.Getattr):
        head = _path(expr.node)
        return None if head is None else (*head, expr.attr)
    if isinstance(expr, nodes.Getitem) and isinstance(expr.arg, nodes.Const) and isinstance(expr.arg.value, str):
        head = _path(expr.node)
        return None if head is None else (*head, expr.arg.value)
    return None


def _slots(element: etree._Element) -> list[tuple[str, object, str]]:
    """The texts of ``element`` that placeholders may stand in: (text, where, what), where
    ``where`` is the element whose children the text stands among (or an attribute)."""
    if not isinstance(element.tag, str):  # a comment or processing instruction
        if _MARK.search(element.text or ""):
            raise _NotShapeFixed("a placeholder in a comment")
        return [(element.tail or "", element.getparent(), "tail")]
    is_text = element.tag == _W_T and element.prefix == "w" and len(element) == 0
    return [
        (element.text or "", element, "w:t" if is_text else "text"),
        (element.tail or "", element.getparent(), "tail"),
        *((str(value), (element, name), "attribute") for name, value in element.attrib.items()),
    ]


def _placed(root: etree._Element) -> tuple[PartShape, list[str]]:
    """Check where each placeholder of the parsed skeleton stands; the shape and the
    numbers of the values that stand outside a ``<w:t>``."""
    opened: dict[str, object] = {}
    where_values: set[str] = set()
    loose: list[str] = []
    for element in root.iter():
        for text, owner, what in _slots(element):
            for m in _MARK.finditer(text):
                if m.group(1):
                    where_values.add(what)
                    loose += [m.group(1)] if what != "w:t" else []
                elif m.group(2):
                    opened[m.group(2)] = owner
                elif owner is None or opened.pop(m.group(3), None) != owner:
                    raise _NotShapeFixed("a block that does not hold whole elements")
    if opened:
        raise _NotShapeFixed("a block that does not close where it opens")
    namespaces = "".join(f' xmlns:{p}="{uri}"' if p else f' xmlns="{uri}"' for p, uri in root.nsmap.items())
    return PartShape(True, "attribute" not in where_values, where_values <= {"w:t"}, namespaces=namespaces), loose
