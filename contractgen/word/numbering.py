"""Number labels as Word shows them, computed from ``numbering.xml`` and ``styles.xml``.

:class:`Styles` reads the paragraph styles (names, ``basedOn`` chains, the numbering a
style sets), :class:`Numbering` the list definitions (abstract numberings, their levels,
``w:num`` overrides, numbering style links), and :class:`Counters` walks one part of a
document: given a paragraph's ``w:numPr`` and style it returns the label Word shows,
``1.2``, ``(a)``, ``iv``, ``•``, keeping the list counters as Word does (counters shared
by every ``w:num`` of one abstract numbering, ``lvlRestart``, start overrides,
``isLgl``).

Parsing the parts is the caller's: both classes take an lxml element (or ``None`` when
the document has no such part) and only memoise pure functions of it, so one instance
may serve every document made from the same template. Used by :mod:`contractgen.word.textconv`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from lxml import etree

#: The WordprocessingML namespace.
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

__all__ = ["Counters", "Numbering", "Styles", "W", "is_on", "val", "w"]


def w(name: str) -> str:
    """The Clark tag of a WordprocessingML name: ``w("p")`` is ``{...main}p``."""
    return f"{{{W}}}{name}"


VAL, PPR = w("val"), w("pPr")
NUM_PR, ILVL, NUM_ID = (w(n) for n in ("numPr", "ilvl", "numId"))
_NAME, _BASED_ON = w("name"), w("basedOn")
_PLACEHOLDER = re.compile(r"%([1-9])")
_HEADING_LEVEL = re.compile(r"(\d+)\s*$")
_MAX_LEVELS = 9


@dataclass(frozen=True)
class _Style:
    name: str  # lower case, e.g. "heading 1"
    based_on: str | None
    num_id: str | None
    ilvl: int | None


@dataclass(frozen=True)
class _Level:
    start: int = 0
    fmt: str = "decimal"
    text: str = ""
    is_lgl: bool = False
    restart: int | None = None
    pstyle: str | None = None


def val(el: etree._Element | None, child: str) -> str | None:
    """The w:val of ``el``'s child ``child`` (a local name or a Clark tag)."""
    if el is None:
        return None
    found = el.find(child if child[0] == "{" else w(child))
    return None if found is None else found.get(VAL)


def _int(text: str | None) -> int | None:
    try:
        return None if text is None else int(text)
    except ValueError:
        return None


def is_on(el: etree._Element | None) -> bool:
    """Whether a toggle property such as ``w:vanish`` is present and not switched off."""
    return el is not None and el.get(VAL, "true") not in ("0", "false", "off")


class Styles:
    """The paragraph styles of styles.xml: names, ``basedOn`` chains, numbering set."""

    def __init__(self, root: etree._Element | None) -> None:
        self.by_id: dict[str, _Style] = {}
        self.default_paragraph: str | None = None
        for style in root.iterchildren(w("style")) if root is not None else ():
            sid = style.get(w("styleId"), "")
            name = based_on = numpr = None
            for child in style:  # one pass: find() per property is slower
                tag = child.tag
                if tag == _NAME:
                    name = child.get(VAL)
                elif tag == _BASED_ON:
                    based_on = child.get(VAL)
                elif tag == PPR:
                    numpr = child.find(NUM_PR)
            self.by_id[sid] = _Style(
                name=(name or sid).lower(),
                based_on=based_on,
                num_id=val(numpr, NUM_ID),
                ilvl=_int(val(numpr, ILVL)),
            )
            if style.get(w("type"), "paragraph") == "paragraph" and _is_on_attr(style.get(w("default"))):
                self.default_paragraph = sid
        self._numbering: dict[str | None, tuple[str | None, int | None, str | None]] = {}
        self._marks: dict[str | None, str] = {}

    def numbering(self, style_id: str | None) -> tuple[str | None, int | None, str | None]:
        """(numId, ilvl, id of the style giving the numId) along the ``basedOn`` chain."""
        if style_id not in self._numbering:
            num_id = ilvl = source = None
            seen: set[str] = set()
            sid = style_id
            while sid and sid in self.by_id and sid not in seen:
                seen.add(sid)
                style = self.by_id[sid]
                if num_id is None and style.num_id is not None:
                    num_id, source = style.num_id, sid
                if ilvl is None:
                    ilvl = style.ilvl
                sid = style.based_on
            self._numbering[style_id] = (num_id, ilvl, source)
        return self._numbering[style_id]

    def heading_marks(self, style_id: str | None) -> str:
        """"#" marks for a heading style by level ("heading 2": "##", "Title": "#")."""
        if style_id not in self._marks:
            style = self.by_id.get(style_id or "")
            marks = ""
            if style is not None and style.name.startswith(("heading", "title")):
                level = _HEADING_LEVEL.search(style.name) if style.name.startswith("heading") else None
                marks = "#" * (int(level.group(1)) if level else 1)
            self._marks[style_id] = marks
        return self._marks[style_id]


def _is_on_attr(value: str | None) -> bool:
    return value in ("1", "true", "on")


class Numbering:
    """The list definitions of numbering.xml, resolved to levels per w:num."""

    def __init__(self, root: etree._Element | None, styles: Styles) -> None:
        self.styles = styles
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.style_link: dict[str, str] = {}  # abstractNumId -> numbering style id
        self.nums: dict[str, tuple[str, dict[int, tuple[int | None, _Level | None]]]] = {}
        self._effective: dict[str, tuple[str, dict[int, _Level]] | None] = {}
        self._linked: dict[tuple[str | None, ...], int | None] = {}
        if root is None:
            return
        for abstract in root.iterchildren(w("abstractNum")):
            aid = abstract.get(w("abstractNumId"), "")
            self.abstract[aid] = {
                _int(lvl.get(w("ilvl"))) or 0: _level(lvl) for lvl in abstract.iterchildren(w("lvl"))
            }
            link = val(abstract, "numStyleLink")
            if link:
                self.style_link[aid] = link
        for num in root.iterchildren(w("num")):
            overrides = {}
            for override in num.iterchildren(w("lvlOverride")):
                lvl = override.find(w("lvl"))
                overrides[_int(override.get(w("ilvl"))) or 0] = (
                    _int(val(override, "startOverride")),
                    None if lvl is None else _level(lvl),
                )
            self.nums[num.get(w("numId"), "")] = (val(num, "abstractNumId") or "", overrides)

    def levels(self, num_id: str) -> tuple[str, dict[int, _Level]] | None:
        """(key of the counters, levels) for ``num_id``, with its overrides applied."""
        if num_id not in self._effective:
            self._effective[num_id] = self._resolve(num_id)
        return self._effective[num_id]

    def _resolve(self, num_id: str) -> tuple[str, dict[int, _Level]] | None:
        if num_id not in self.nums:
            return None
        aid, overrides = self.nums[num_id]
        for _ in range(5):  # follow numStyleLink -> numbering style -> its w:num
            link = self.style_link.get(aid)
            linked_num = self.styles.numbering(link)[0] if link else None
            if linked_num is None or linked_num not in self.nums:
                break
            aid = self.nums[linked_num][0]
        levels = dict(self.abstract.get(aid, {}))
        for ilvl, (start, lvl) in overrides.items():
            level = lvl or levels.get(ilvl) or _Level()
            levels[ilvl] = level if start is None else replace(level, start=start)
        return aid, levels

    def linked_level(self, num_id: str, *style_ids: str | None) -> int | None:
        """The level of ``num_id`` whose w:pStyle is one of ``style_ids``, if any."""
        key = (num_id, *style_ids)
        if key not in self._linked:
            levels = (self.levels(num_id) or ("", {}))[1]
            found = [k for k, lv in levels.items() if lv.pstyle and lv.pstyle in style_ids]
            self._linked[key] = min(found) if found else None
        return self._linked[key]

    def start_overrides(self, num_id: str) -> list[int]:
        return [ilvl for ilvl, (start, _) in self.nums[num_id][1].items() if start is not None]


def _level(lvl: etree._Element) -> _Level:
    text = lvl.find(w("lvlText"))
    return _Level(
        start=_int(val(lvl, "start")) or 0,
        fmt=val(lvl, "numFmt") or "decimal",
        text="" if text is None else text.get(VAL, ""),
        is_lgl=is_on(lvl.find(w("isLgl"))),
        restart=_int(val(lvl, "lvlRestart")),
        pstyle=val(lvl, "pStyle"),
    )


class Counters:
    """Where each list has got to: counters are shared by every w:num of one abstract
    numbering, as in Word; a w:num with a start override restarts those levels when it is
    first used."""

    def __init__(self, numbering: Numbering) -> None:
        self.numbering = numbering
        self.values: dict[str, list[int | None]] = {}
        self.started: set[str] = set()

    def label(self, numpr: etree._Element | None, style_id: str | None) -> tuple[str | None, int]:
        """The paragraph's number label (None when it is not in a list) and its level.

        The level is the paragraph's own w:ilvl, else the level whose w:pStyle names the
        paragraph's style (ECMA-376 17.9.23: it wins over the style's w:ilvl), else the
        style's w:ilvl, else 0.
        """
        num_id, style_ilvl, source = self.numbering.styles.numbering(style_id)
        ilvl = None
        if numpr is not None:
            num_id = val(numpr, NUM_ID) or num_id
            ilvl = _int(val(numpr, ILVL))
        if num_id is None or num_id == "0":
            return None, 0
        if ilvl is None:
            linked = self.numbering.linked_level(num_id, style_id, source)
            ilvl = linked if linked is not None else style_ilvl or 0
        return self.next_label(num_id, ilvl), ilvl

    def next_label(self, num_id: str, ilvl: int) -> str | None:
        resolved = self.numbering.levels(num_id)
        if resolved is None or ilvl not in resolved[1]:
            return None
        key, levels = resolved
        counters = self.values.setdefault(key, [None] * _MAX_LEVELS)
        if num_id not in self.started:
            self.started.add(num_id)
            for k in self.numbering.start_overrides(num_id):
                if 0 <= k < _MAX_LEVELS:
                    counters[k] = None
        for k in range(ilvl + 1, _MAX_LEVELS):
            deeper = levels.get(k)
            restart = k if deeper is None or deeper.restart is None or deeper.restart > k else deeper.restart
            if ilvl < restart:
                counters[k] = None
        for k in range(ilvl):  # a higher level not used yet counts as used once, at its
            if counters[k] is None:  # start value (1.1 then 2, as LibreOffice shows it)
                counters[k] = levels.get(k, _Level()).start
        level = levels[ilvl]
        current = counters[ilvl]
        counters[ilvl] = level.start if current is None else current + 1
        if level.fmt == "bullet":
            return "•" if level.text else ""

        def value(match: re.Match[str]) -> str:
            k = int(match.group(1)) - 1
            count = counters[k]
            fmt = levels.get(k, _Level()).fmt
            return format_number(count or 0, "decimal" if level.is_lgl else fmt)

        return _PLACEHOLDER.sub(value, level.text)


_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))  # fmt: skip


def format_number(n: int, fmt: str) -> str:
    """Counter ``n`` as Word writes it in number format ``fmt`` (w:numFmt)."""
    if fmt in ("none", "bullet"):
        return ""
    if fmt in ("lowerLetter", "upperLetter") and n > 0:
        text = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)  # Word: y, z, aa, bb
        return text.upper() if fmt == "upperLetter" else text
    if fmt in ("lowerRoman", "upperRoman") and n > 0:
        text = ""
        for value, letters in _ROMAN:
            count, n = divmod(n, value)
            text += letters * count
        return text.upper() if fmt == "upperRoman" else text
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "ordinal":
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"
    return str(n)
