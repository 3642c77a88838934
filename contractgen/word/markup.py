"""Clause Markdown to document blocks, through markdown-it-py (no hand-written parsing).

The dialect is a small CommonMark subset: paragraphs, ordered lists (sub-clauses (a),
nested (i)), bullet lists, ``**bold**``, ``*italic*``, ``[links](https://...)`` and hard
line breaks. Raw HTML, headings, code blocks, images and tables are switched off, so what
looks like them prints as written.

Cross-references arrive from Jinja as markers (:func:`ref_marker`) and become
:class:`~contractgen.word.blocks.Run` objects with ``ref`` set; their number is filled in
once the document is numbered.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import Iterator, Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..base.environment import MarkdownSafe
from .blocks import Paragraph, Run, Style

_REF_OPEN, _REF_CLOSE = "\ue000", "\ue001"
_REF = re.compile(f"{_REF_OPEN}([^{_REF_CLOSE}]*){_REF_CLOSE}")
_ANCHOR_OPEN, _ANCHOR_CLOSE = "\ue002", "\ue003"
_ANCHOR = re.compile(f"{_ANCHOR_OPEN}([^{_ANCHOR_CLOSE}]*){_ANCHOR_CLOSE}\\s*")

Mode = Literal["clause", "letter"]


def ref_marker(clause_id: str) -> MarkdownSafe:
    """What ``{{ ref("id") }}`` prints into clause Markdown."""
    return MarkdownSafe(f"{_REF_OPEN}{clause_id}{_REF_CLOSE}")


def anchor_marker(name: str) -> MarkdownSafe:
    """What ``{{ anchor("name") }}`` prints at the start of a clause paragraph: the
    paragraph can then be referred to as ``ref("clause-id#name")``."""
    return MarkdownSafe(f"{_ANCHOR_OPEN}{name}{_ANCHOR_CLOSE}")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # images stay enabled only so that ``![alt](src)`` can be printed back as written
    md.disable(["heading", "lheading", "code", "fence", "blockquote", "hr", "html_block",
                "html_inline", "reference"])
    return md


def markdown_to_blocks(
    text: str,
    *,
    mode: Mode = "clause",
    clause_id: str | None = None,
    list_ids: Iterator[int] | None = None,
) -> list[Paragraph]:
    """Parse clause Markdown into paragraphs.

    ``mode="clause"``: top-level paragraphs are numbered clause paragraphs (1.1), ordered
    lists sub-clauses ((a), then (i)). ``mode="letter"``: top-level paragraphs are plain
    body text and each ordered list restarts at (a) (``list_ids`` gives each list its id).
    """
    if mode == "clause" and len(text) <= _MAX_CACHED_TEXT:
        return list(_clause_blocks(text, clause_id))  # clause paragraphs take no list ids
    return _blocks(text, mode, clause_id, list_ids if list_ids is not None else itertools.count(1))


#: The longest clause Markdown whose paragraphs are kept for the next time the same text is
#: parsed (schedules of several councils, validation and letters render the same clauses).
_MAX_CACHED_TEXT = 20_000


@lru_cache(maxsize=512)
def _clause_blocks(text: str, clause_id: str | None) -> tuple[Paragraph, ...]:
    return tuple(_blocks(text, "clause", clause_id, itertools.count(1)))  # frozen: safe to share


def _blocks(text: str, mode: Mode, clause_id: str | None, list_ids: Iterator[int]) -> list[Paragraph]:
    tokens = _parser().parse(text)
    out: list[Paragraph] = []
    # stack of open lists: ("ordered"|"bullet", list_id)
    lists: list[tuple[str, int]] = []
    item_paragraphs: list[int] = []  # paragraphs seen in each open list item
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "ordered_list_open":
            lists.append(("ordered", next(list_ids) if mode == "letter" else 0))
        elif tok.type == "bullet_list_open":
            lists.append(("bullet", 0))
        elif tok.type in ("ordered_list_close", "bullet_list_close"):
            lists.pop()
        elif tok.type == "list_item_open":
            item_paragraphs.append(0)
        elif tok.type == "list_item_close":
            item_paragraphs.pop()
        elif tok.type == "inline":
            names = _ANCHOR.findall(tok.content)
            anchor = f"{clause_id}#{names[0]}" if names and clause_id else None
            runs = tuple(_inline_runs(tok.children or []))
            style, list_id = _style_for(lists, mode)
            if lists:
                if item_paragraphs[-1] > 0:
                    style, list_id = Style.BODY, 0
                item_paragraphs[-1] += 1
            out.append(Paragraph(style=style, runs=runs, clause_id=clause_id, list_id=list_id, anchor=anchor))
        i += 1
    return out


def _style_for(lists: list[tuple[str, int]], mode: Mode) -> tuple[Style, int]:
    if not lists:
        return (Style.CLAUSE if mode == "clause" else Style.BODY), 0
    kind, list_id = lists[-1]
    if kind == "bullet":
        return Style.BULLET, 0
    if mode == "letter":
        return Style.LETTER_ITEM, list_id
    depth = sum(1 for k, _ in lists if k == "ordered")
    return (Style.ITEM if depth <= 1 else Style.SUBITEM), 0


def _inline_runs(children: list[Token]) -> Iterator[Run]:
    bold = italic = 0
    link: str | None = None
    for tok in children:
        t = tok.type
        if t == "strong_open":
            bold += 1
        elif t == "strong_close":
            bold -= 1
        elif t == "em_open":
            italic += 1
        elif t == "em_close":
            italic -= 1
        elif t == "link_open":
            link = str(tok.attrGet("href") or "")
        elif t == "link_close":
            link = None
        elif t == "softbreak":
            yield Run(" ", bool(bold), bool(italic), link)
        elif t == "hardbreak":
            yield Run("", line_break=True)
        elif t == "image":  # no pictures in clause text: print what was written
            yield Run(f"![{tok.content}]({tok.attrGet('src') or ''})", bool(bold), bool(italic), link)
        elif t in ("text", "code_inline"):
            text = _ANCHOR.sub("", tok.content)
            if text:
                yield from _split_refs(text, bool(bold), bool(italic), link)


def _split_refs(text: str, bold: bool, italic: bool, link: str | None) -> Iterator[Run]:
    pos = 0
    for m in _REF.finditer(text):
        if m.start() > pos:
            yield Run(text[pos : m.start()], bold, italic, link)
        yield Run("", bold, italic, None, ref=m.group(1))
        pos = m.end()
    if pos < len(text):
        yield Run(text[pos:], bold, italic, link)
