"""A stable, line-oriented plain text of a .docx: for ``git diff`` (a textconv driver)
and for golden tests.

The text is what a reader sees, one paragraph a line::

    [header] Schedule 4: Data Security and Protection
    [footer] Version 2026.1

    1 # Definitions
      1.1 The Provider shall {+promptly+} notify the Council.
        (a) of any breach [-within 72 hours-]
    • a bullet
    | Tier | Requirement |

* Header and footer text comes first, once (the default header and footer of each
  section, each distinct part once), then the body, then footnotes as ``[^1]: ...``.
* Number labels are computed from ``numbering.xml`` as Word shows them: numbering set on
  the paragraph or through its style (following ``basedOn``), numbering style links,
  level and start overrides, ``isLgl``, ``lvlRestart``. Sub-levels are indented by two
  spaces per level; a bullet shows as ``•``.
* Headings (style names starting "Heading" or "Title") get ``#`` marks after the number.
* Tables are one line a row, ``| cell | cell |``, a cell's paragraphs joined by `` / ``.
* Tracked changes stay visible: insertions (and moves to) as ``{+text+}``, deletions (and
  moves from) as ``[-text-]``; an inserted or deleted paragraph mark shows as ``¶``
  inside the markers. Deleted paragraphs are numbered, as in Word's "All Markup" view.
* Fields show their result, never their instructions. Hidden (``w:vanish``) text, text
  boxes, drawings and comments are left out. A line break continues the paragraph on the
  next line, indented under the text.

Parts are parsed once each with lxml and walked directly; python-docx is not used here.
"""

from __future__ import annotations

import functools
import io
import os
import posixpath
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, TypeVar

from lxml import etree

from .errors import InputError, display_path

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

__all__ = ["docx_to_text"]


def _w(name: str) -> str:
    return f"{{{_W}}}{name}"


P, R, TBL, TR, TC, PPR, RPR = (_w(n) for n in ("p", "r", "tbl", "tr", "tc", "pPr", "rPr"))
INS, DEL, MOVE_FROM, MOVE_TO = (_w(n) for n in ("ins", "del", "moveFrom", "moveTo"))
SDT, SDT_CONTENT, CUSTOM_XML = _w("sdt"), _w("sdtContent"), _w("customXml")
FLD_CHAR = _w("fldChar")
VAL = _w("val")
P_STYLE, NUM_PR, ILVL, NUM_ID, VANISH = (_w(n) for n in ("pStyle", "numPr", "ilvl", "numId", "vanish"))
FLD_CHAR_TYPE = _w("fldCharType")
_NAME, _BASED_ON = _w("name"), _w("basedOn")
_SYM, _SYM_CHAR = _w("sym"), _w("char")
_CONTAINERS = frozenset(_w(n) for n in ("hyperlink", "smartTag", "customXml", "bdo", "dir", "fldSimple"))
_MATH = frozenset((f"{{{_M}}}oMath", f"{{{_M}}}oMathPara"))
_MATH_TEXT = f"{{{_M}}}t"
_RUN_TEXT = {
    _w("t"): None, _w("delText"): None, _w("tab"): "\t", _w("ptab"): "\t", _w("br"): "\n",
    _w("cr"): "\n", _w("noBreakHyphen"): "-", _w("softHyphen"): "",
}  # fmt: skip
_NOTE_REFS = {_w("footnoteReference"): "", _w("endnoteReference"): "e"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_PLACEHOLDER = re.compile(r"%([1-9])")
_HEADING_LEVEL = re.compile(r"(\d+)\s*$")
_MAX_LEVELS = 9
_T = TypeVar("_T")


def docx_to_text(source: str | os.PathLike[str] | bytes) -> str:
    """The plain text of a .docx file (a path, or the file's bytes), ending in a newline."""
    name = "the document" if isinstance(source, (bytes, bytearray)) else display_path(source)
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else Path(source)
    try:
        with zipfile.ZipFile(stream) as zf:
            return _Document(_Package(zf, name)).text()
    except FileNotFoundError as e:
        raise InputError(f"{name}: no such file; check the path") from e
    except zipfile.BadZipFile as e:
        raise InputError(
            f"{name} is not a Word document (.docx); open it in Word and save it "
            "as 'Word Document (.docx)'"
        ) from e
    except OSError as e:
        raise InputError(f"{name}: cannot be read: {e.strerror or e}") from e


# -- package ----------------------------------------------------------------------------


class _Package:
    """The zip's parts, parsed on demand, and their relationships."""

    def __init__(self, zf: zipfile.ZipFile, name: str) -> None:
        self.zf, self.name = zf, name
        self.names = set(zf.namelist())

    def read(self, part: str) -> bytes | None:
        return self.zf.read(part) if part in self.names else None

    def xml(self, part: str) -> etree._Element | None:
        data = self.read(part)
        return None if data is None else self.parse(part, lambda: etree.fromstring(data, _PARSER))

    def parse(self, part: str, parse: Callable[[], _T]) -> _T:
        """``parse()``, reporting XML syntax errors as damage to ``part`` of this file."""
        try:
            return parse()
        except etree.XMLSyntaxError as e:
            raise InputError(
                f"{self.name}: {part} is not well-formed XML ({e}); the file is damaged, "
                "open and re-save it in Word"
            ) from e

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type's last word, target part name) for ``part``."""
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", f"{base}.rels"))
        result = {}
        for rel in root if root is not None else ():
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            result[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], posixpath.normpath(target))
        return result


# -- styles and numbering ---------------------------------------------------------------


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


def _val(el: etree._Element | None, child: str) -> str | None:
    """The w:val of ``el``'s child ``child`` (a local name or a Clark tag)."""
    if el is None:
        return None
    found = el.find(child if child[0] == "{" else _w(child))
    return None if found is None else found.get(VAL)


def _int(text: str | None) -> int | None:
    try:
        return None if text is None else int(text)
    except ValueError:
        return None


def _int_hex(text: str | None) -> int | None:
    try:
        code = int(text or "", 16)
    except ValueError:
        return None
    return code if 0 < code <= 0x10FFFF else None


def _is_on(el: etree._Element | None) -> bool:
    return el is not None and el.get(VAL, "true") not in ("0", "false", "off")


class _Styles:
    def __init__(self, root: etree._Element | None) -> None:
        self.by_id: dict[str, _Style] = {}
        self.default_paragraph: str | None = None
        for style in root.iterchildren(_w("style")) if root is not None else ():
            sid = style.get(_w("styleId"), "")
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
                num_id=_val(numpr, NUM_ID),
                ilvl=_int(_val(numpr, ILVL)),
            )
            if style.get(_w("type"), "paragraph") == "paragraph" and _is_on_attr(style.get(_w("default"))):
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


class _Numbering:
    """The list definitions of numbering.xml, resolved to levels per w:num."""

    def __init__(self, root: etree._Element | None, styles: _Styles) -> None:
        self.styles = styles
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.style_link: dict[str, str] = {}  # abstractNumId -> numbering style id
        self.nums: dict[str, tuple[str, dict[int, tuple[int | None, _Level | None]]]] = {}
        self._effective: dict[str, tuple[str, dict[int, _Level]] | None] = {}
        self._linked: dict[tuple[str | None, ...], int | None] = {}
        if root is None:
            return
        for abstract in root.iterchildren(_w("abstractNum")):
            aid = abstract.get(_w("abstractNumId"), "")
            self.abstract[aid] = {
                _int(lvl.get(_w("ilvl"))) or 0: _level(lvl) for lvl in abstract.iterchildren(_w("lvl"))
            }
            link = _val(abstract, "numStyleLink")
            if link:
                self.style_link[aid] = link
        for num in root.iterchildren(_w("num")):
            overrides = {}
            for override in num.iterchildren(_w("lvlOverride")):
                lvl = override.find(_w("lvl"))
                overrides[_int(override.get(_w("ilvl"))) or 0] = (
                    _int(_val(override, "startOverride")),
                    None if lvl is None else _level(lvl),
                )
            self.nums[num.get(_w("numId"), "")] = (_val(num, "abstractNumId") or "", overrides)

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


# Styles and numbering are parsed once per distinct template: documents made from one
# council template share these parts byte for byte, and styles.xml is often the largest
# part (350 KB in python-docx's default template). The objects only memoise pure functions
# of these bytes, so sharing them between documents is safe.


@functools.lru_cache(maxsize=8)
def _parsed_styles(xml: bytes | None) -> _Styles:
    return _Styles(None if xml is None else etree.fromstring(xml, _PARSER))


@functools.lru_cache(maxsize=8)
def _parsed_numbering(xml: bytes | None, styles: _Styles) -> _Numbering:
    return _Numbering(None if xml is None else etree.fromstring(xml, _PARSER), styles)


def _level(lvl: etree._Element) -> _Level:
    text = lvl.find(_w("lvlText"))
    return _Level(
        start=_int(_val(lvl, "start")) or 0,
        fmt=_val(lvl, "numFmt") or "decimal",
        text="" if text is None else text.get(VAL, ""),
        is_lgl=_is_on(lvl.find(_w("isLgl"))),
        restart=_int(_val(lvl, "lvlRestart")),
        pstyle=_val(lvl, "pStyle"),
    )


class _Counters:
    """Where each list has got to: counters are shared by every w:num of one abstract
    numbering, as in Word; a w:num with a start override restarts those levels when it is
    first used."""

    def __init__(self, numbering: _Numbering) -> None:
        self.numbering = numbering
        self.values: dict[str, list[int | None]] = {}
        self.started: set[str] = set()

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
            return _format_number(count or 0, "decimal" if level.is_lgl else fmt)

        return _PLACEHOLDER.sub(value, level.text)


_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))  # fmt: skip


def _format_number(n: int, fmt: str) -> str:
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


# -- the text ---------------------------------------------------------------------------


class _Document:
    def __init__(self, package: _Package) -> None:
        self.package = package
        main = "word/document.xml"
        for _, (kind, target) in package.rels("").items():
            if kind == "officeDocument":
                main = target
        self.root = package.xml(main)
        if self.root is None or self.root.find(_w("body")) is None:
            raise InputError(
                f"{package.name} has no Word document body; it is not a .docx (or it was "
                "saved as Strict Open XML): save it as 'Word Document (.docx)'"
            )
        self.rels = package.rels(main)
        parts = {kind: target for kind, target in self.rels.values()}
        styles, numbering = parts.get("styles", ""), parts.get("numbering", "")
        styles_xml, numbering_xml = package.read(styles), package.read(numbering)
        self.styles = package.parse(styles, lambda: _parsed_styles(styles_xml))
        self.numbering = package.parse(numbering, lambda: _parsed_numbering(numbering_xml, self.styles))
        self.notes = {
            prefix: self._notes(parts.get(kind))
            for kind, prefix in (("footnotes", ""), ("endnotes", "e"))
        }

    def _notes(self, part: str | None) -> dict[str, etree._Element]:
        root = self.package.xml(part) if part else None
        return {} if root is None else {n.get(_w("id"), ""): n for n in root}

    def text(self) -> str:
        lines: list[str] = []
        for kind in ("header", "footer"):
            for part in self._section_parts(kind):
                root = self.package.xml(part)
                if root is not None:
                    for line in _Renderer(self).block_lines(root, flat=True):
                        if line.strip():
                            lines.append(f"[{kind}] {line}")
        if lines:
            lines.append("")
        body = _Renderer(self)
        lines += body.block_lines(self.root.find(_w("body")))
        if body.notes:
            lines.append("")
        for prefix, number, note in body.notes:
            texts = _Renderer(self).block_lines(note, flat=True)
            lines.append(f"[^{prefix}{number}]: " + " / ".join(t for t in texts if t.strip()))
        return _collapse_blank_lines(lines)

    def _section_parts(self, kind: str) -> list[str]:
        parts: list[str] = []
        for ref in self.root.iter(_w(f"{kind}Reference")):
            if ref.get(_w("type"), "default") != "default":
                continue
            rel = self.rels.get(ref.get(f"{{{_R}}}id", ""))
            if rel and rel[1] not in parts:
                parts.append(rel[1])
        return parts


def _collapse_blank_lines(chunks: list[str]) -> str:
    out: list[str] = []
    for chunk in chunks:
        for line in chunk.split("\n"):
            if not line.strip():
                if out and out[-1]:
                    out.append("")
            else:
                out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""


class _Renderer:
    """Walks one part (body, header, footer, note): its own list counters and fields."""

    def __init__(self, doc: _Document) -> None:
        self.doc = doc
        self.counters = _Counters(doc.numbering)
        self.fields: list[bool] = []  # per open field: has its result started?
        self.hiding_fields = 0  # open fields still in their instructions
        self.notes: list[tuple[str, int, etree._Element]] = []  # (prefix, number, note)
        self.note_count = {prefix: 0 for prefix in _NOTE_REFS.values()}

    def block_lines(self, container: etree._Element, flat: bool = False) -> list[str]:
        """One line per paragraph or table row; ``flat`` keeps each on one line."""
        lines = []
        for block in _blocks(container):
            if block.tag == TBL:
                lines += self._table(block)
            else:
                lines.append(self._paragraph(block, indent=not flat, flat=flat))
        return lines

    def _table(self, tbl: etree._Element) -> list[str]:
        rows = []
        for tr in _children(tbl, TR):
            cells = []
            for tc in _children(tr, TC):
                texts = self._cell_texts(tc)
                cells.append(" / ".join(t for t in texts if t.strip()))
            rows.append("| " + " | ".join(cells) + " |")
        return rows

    def _cell_texts(self, tc: etree._Element) -> list[str]:
        texts = []
        for block in _blocks(tc):
            if block.tag == TBL:
                for tr in _children(block, TR):
                    for inner in _children(tr, TC):
                        texts += self._cell_texts(inner)
            else:
                texts.append(self._paragraph(block, indent=False, flat=True))
        return texts

    def _paragraph(self, p: etree._Element, indent: bool, flat: bool) -> str:
        segments: list[tuple[str, str]] = []
        ppr = self._inline(p, "", segments)
        style_id = self.doc.styles.default_paragraph
        numpr = mark = None
        if ppr is not None:
            style_id = _val(ppr, P_STYLE) or style_id
            numpr, mark = ppr.find(NUM_PR), ppr.find(RPR)
        if mark is not None:
            if mark.find(INS) is not None or mark.find(MOVE_TO) is not None:
                segments.append(("ins", "¶"))
            elif mark.find(DEL) is not None or mark.find(MOVE_FROM) is not None:
                segments.append(("del", "¶"))
        text = _join_segments(segments)
        label, ilvl = self._label(numpr, style_id)
        if not text.strip():
            text = ""
        prefix = label or ""
        if text:
            marks = self.doc.styles.heading_marks(style_id)
            if marks:
                prefix = f"{prefix} {marks}" if prefix else marks
        if flat:
            text = text.replace("\n", " / ")
            return f"{prefix} {text}" if prefix and text else prefix or text
        lead = "  " * ilvl if indent and label is not None else ""
        if not text:
            return lead + prefix if prefix else ""
        if prefix:
            prefix += " "
        if "\n" in text:
            text = text.replace("\n", "\n" + lead + " " * len(prefix))
        return lead + prefix + text

    def _label(self, numpr: etree._Element | None, style_id: str | None) -> tuple[str | None, int]:
        """The paragraph's number label (None when it is not in a list) and its level.

        The level is the paragraph's own w:ilvl, else the level whose w:pStyle names the
        paragraph's style (ECMA-376 17.9.23: it wins over the style's w:ilvl), else the
        style's w:ilvl, else 0.
        """
        num_id, style_ilvl, source = self.doc.styles.numbering(style_id)
        ilvl = None
        if numpr is not None:
            num_id = _val(numpr, NUM_ID) or num_id
            ilvl = _int(_val(numpr, ILVL))
        if num_id is None or num_id == "0":
            return None, 0
        if ilvl is None:
            linked = self.doc.numbering.linked_level(num_id, style_id, source)
            ilvl = linked if linked is not None else style_ilvl or 0
        return self.counters.next_label(num_id, ilvl), ilvl

    def _inline(
        self, el: etree._Element, kind: str, out: list[tuple[str, str]]
    ) -> etree._Element | None:
        """Add the text of ``el``'s children to ``out``; return its w:pPr child if any."""
        ppr = None
        for child in el:
            tag = child.tag
            if tag == R:
                self._run(child, kind, out)
            elif tag == PPR:
                ppr = child
            elif tag in (INS, MOVE_TO):
                self._inline(child, "del" if kind == "del" else "ins", out)
            elif tag in (DEL, MOVE_FROM):
                self._inline(child, "del", out)
            elif tag in _CONTAINERS:
                self._inline(child, kind, out)
            elif tag == SDT:
                content = child.find(SDT_CONTENT)
                if content is not None:
                    self._inline(content, kind, out)
            elif tag in _MATH and not self.hiding_fields:
                out.append((kind, "".join(t.text or "" for t in child.iter(_MATH_TEXT))))
        return ppr

    def _run(self, r: etree._Element, kind: str, out: list[tuple[str, str]]) -> None:
        hidden = False
        for child in r:
            tag = child.tag
            if tag == RPR:
                hidden = _is_on(child.find(VANISH))
            elif tag == FLD_CHAR:
                self._field_char(child.get(FLD_CHAR_TYPE))
            elif hidden or self.hiding_fields:
                continue
            elif tag in _RUN_TEXT:
                text = _RUN_TEXT[tag]
                out.append((kind, child.text or "" if text is None else text))
            elif tag == _SYM:
                code = _int_hex(child.get(_SYM_CHAR))
                if code is not None:  # symbol fonts use U+F0xx for their ASCII range
                    out.append((kind, chr(code - 0xF000 if 0xF020 <= code <= 0xF0FF else code)))
            elif tag in _NOTE_REFS:
                prefix = _NOTE_REFS[tag]
                note = self.doc.notes[prefix].get(child.get(_w("id"), ""))
                if note is not None:
                    self.note_count[prefix] += 1
                    self.notes.append((prefix, self.note_count[prefix], note))
                    out.append((kind, f"[^{prefix}{self.note_count[prefix]}]"))

    def _field_char(self, kind: str | None) -> None:
        if kind == "begin":
            self.fields.append(False)
            self.hiding_fields += 1
        elif kind == "separate" and self.fields and not self.fields[-1]:
            self.fields[-1] = True
            self.hiding_fields -= 1
        elif kind == "end" and self.fields:
            if not self.fields.pop():
                self.hiding_fields -= 1


def _join_segments(segments: list[tuple[str, str]]) -> str:
    if all(kind == "" for kind, _ in segments):
        return "".join(text for _, text in segments)
    parts: list[str] = []
    current, buffer = "", ""
    for kind, text in segments + [("end", "")]:
        if kind != current and buffer:
            parts.append({"": buffer, "ins": f"{{+{buffer}+}}", "del": f"[-{buffer}-]"}[current])
            buffer = ""
        current = kind
        buffer += text
    return "".join(parts)


def _blocks(container: etree._Element):
    """Paragraphs and tables of a container, looking through content controls."""
    for child in container:
        if child.tag in (P, TBL):
            yield child
        elif child.tag == SDT:
            content = child.find(SDT_CONTENT)
            if content is not None:
                yield from _blocks(content)
        elif child.tag == CUSTOM_XML:
            yield from _blocks(child)


def _children(parent: etree._Element, tag: str):
    """Children with ``tag``, also inside content controls (rows and cells may be wrapped)."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag == SDT:
            content = child.find(SDT_CONTENT)
            if content is not None:
                yield from _children(content, tag)
        elif child.tag == CUSTOM_XML:
            yield from _children(child, tag)
