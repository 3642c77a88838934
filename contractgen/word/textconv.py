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
import zipfile
import zlib
from pathlib import Path
from typing import Callable, TypeVar

from lxml import etree

from ..base.errors import InputError, display_path
from ..base.untrusted import XML_PARSER, check_zip
from .numbering import NUM_PR, PPR, Counters, Numbering, Styles, is_on, val, w

_M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

__all__ = ["docx_to_text"]


P, R, TBL, TR, TC, RPR = (w(n) for n in ("p", "r", "tbl", "tr", "tc", "rPr"))
INS, DEL, MOVE_FROM, MOVE_TO = (w(n) for n in ("ins", "del", "moveFrom", "moveTo"))
SDT, SDT_CONTENT, CUSTOM_XML = w("sdt"), w("sdtContent"), w("customXml")
FLD_CHAR = w("fldChar")
P_STYLE, VANISH = w("pStyle"), w("vanish")
FLD_CHAR_TYPE = w("fldCharType")
_SYM, _SYM_CHAR = w("sym"), w("char")
_CONTAINERS = frozenset(w(n) for n in ("hyperlink", "smartTag", "customXml", "bdo", "dir", "fldSimple"))
_MATH = frozenset((f"{{{_M}}}oMath", f"{{{_M}}}oMathPara"))
_MATH_TEXT = f"{{{_M}}}t"
_RUN_TEXT = {
    w("t"): None, w("delText"): None, w("tab"): "\t", w("ptab"): "\t", w("br"): "\n",
    w("cr"): "\n", w("noBreakHyphen"): "-", w("softHyphen"): "",
}  # fmt: skip
_NOTE_REFS = {w("footnoteReference"): "", w("endnoteReference"): "e"}
_PARSER = XML_PARSER
_T = TypeVar("_T")


def docx_to_text(source: str | os.PathLike[str] | bytes) -> str:
    """The plain text of a .docx file (a path, or the file's bytes), ending in a newline."""
    name = "the document" if isinstance(source, (bytes, bytearray)) else display_path(Path(source))
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else Path(source)
    try:
        with zipfile.ZipFile(stream) as zf:
            check_zip(zf, name, InputError, "open it in Word and save it again as .docx")
            return _Document(_Package(zf, name)).text()
    except FileNotFoundError as e:
        raise InputError(f"{name}: no such file; check the path") from e
    except (zipfile.BadZipFile, NotImplementedError, EOFError, zlib.error) as e:
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


# -- styles and numbering (the labels: contractgen.word.numbering) -----------------------


# Styles and numbering are parsed once per distinct template: documents made from one
# council template share these parts byte for byte, and styles.xml is often the largest
# part (350 KB in python-docx's default template). The objects only memoise pure functions
# of these bytes, so sharing them between documents is safe.


@functools.lru_cache(maxsize=8)
def _parsed_styles(xml: bytes | None) -> Styles:
    return Styles(None if xml is None else etree.fromstring(xml, _PARSER))


@functools.lru_cache(maxsize=8)
def _parsed_numbering(xml: bytes | None, styles: Styles) -> Numbering:
    return Numbering(None if xml is None else etree.fromstring(xml, _PARSER), styles)


# -- the text ---------------------------------------------------------------------------


class _Document:
    def __init__(self, package: _Package) -> None:
        self.package = package
        main = "word/document.xml"
        for _, (kind, target) in package.rels("").items():
            if kind == "officeDocument":
                main = target
        root = package.xml(main)
        if root is None or root.find(w("body")) is None:
            raise InputError(
                f"{package.name} has no Word document body; it is not a .docx (or it was "
                "saved as Strict Open XML): save it as 'Word Document (.docx)'"
            )
        self.root: etree._Element = root
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
        return {} if root is None else {n.get(w("id"), ""): n for n in root}

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
        body_element = self.root.find(w("body"))
        assert body_element is not None  # checked on opening
        lines += body.block_lines(body_element)
        if body.notes:
            lines.append("")
        for prefix, number, note in body.notes:
            texts = _Renderer(self).block_lines(note, flat=True)
            lines.append(f"[^{prefix}{number}]: " + " / ".join(t for t in texts if t.strip()))
        return _collapse_blank_lines(lines)

    def _section_parts(self, kind: str) -> list[str]:
        parts: list[str] = []
        for ref in self.root.iter(w(f"{kind}Reference")):
            if ref.get(w("type"), "default") != "default":
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
        self.counters = Counters(doc.numbering)
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
            style_id = val(ppr, P_STYLE) or style_id
            numpr, mark = ppr.find(NUM_PR), ppr.find(RPR)
        if mark is not None:
            if mark.find(INS) is not None or mark.find(MOVE_TO) is not None:
                segments.append(("ins", "¶"))
            elif mark.find(DEL) is not None or mark.find(MOVE_FROM) is not None:
                segments.append(("del", "¶"))
        text = _join_segments(segments)
        label, ilvl = self.counters.label(numpr, style_id)
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
                hidden = is_on(child.find(VANISH))
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
                note = self.doc.notes[prefix].get(child.get(w("id"), ""))
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


def _int_hex(text: str | None) -> int | None:
    try:
        code = int(text or "", 16)
    except ValueError:
        return None
    return code if 0 < code <= 0x10FFFF else None
