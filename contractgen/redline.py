"""Redlines: two lists of paragraphs as one, with real Word tracked changes.

Paragraphs are aligned first (kept, inserted, deleted, changed); a changed paragraph is
diffed word by word (:func:`contractgen.wordiff.diff_words`) and written with ``w:ins``
and ``w:del`` runs, each carrying an author and a date, so Word or LibreOffice can accept
or reject every change: accepting all gives exactly the new text, rejecting all the old.
Whole paragraphs inserted or deleted also mark their paragraph mark, so that accepting
or rejecting them leaves no empty paragraph behind.

Cross-references stay REF fields: a reference whose number changed shows as the old
field deleted and the new one inserted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Iterator

from .blocks import Paragraph, Run
from .wordiff import diff_words
from .wordml import BodyWriter, xml_attr

#: Paragraphs whose texts are at least this similar are shown as one changed paragraph.
SIMILARITY = 0.4
_PLACEHOLDER_BASE = 0xF0000  # supplementary private use area: never in clause text


@dataclass(frozen=True)
class Revision:
    """Who made the tracked changes, and when (a fixed date keeps redlines reproducible)."""

    author: str
    date: dt.date

    def attrs(self, rid: int) -> str:
        return f'w:id="{rid}" w:author="{xml_attr(self.author)}" w:date="{self.date.isoformat()}T00:00:00Z"'


@dataclass
class RedlineStats:
    inserted: int = 0  # paragraphs
    deleted: int = 0
    changed: int = 0
    kept: int = 0


def redline_blocks(
    old: list[Paragraph], new: list[Paragraph], writer: BodyWriter, revision: Revision, stats: RedlineStats | None = None
) -> str:
    """Body XML showing ``old`` turned into ``new`` as tracked changes."""
    stats = stats if stats is not None else RedlineStats()
    out: list[str] = []
    for kind, a, b in align(old, new):
        if kind == "equal":
            stats.kept += 1
            out.append(writer.paragraph(b))
        elif kind == "insert":
            stats.inserted += 1
            out.append(_whole(writer, b, revision, "ins"))
        elif kind == "delete":
            stats.deleted += 1
            out.append(_whole(writer, a, revision, "del"))
        else:
            stats.changed += 1
            out.append(_changed(writer, a, b, revision))
    return "".join(out)


def align(old: list[Paragraph], new: list[Paragraph]) -> Iterator[tuple[str, Paragraph | None, Paragraph | None]]:
    """Pair paragraphs: ("equal"|"change", old, new), ("delete", old, None), ("insert", None, new)."""
    keys_a = [(p.style, p.text) for p in old]
    keys_b = [(p.style, p.text) for p in new]
    matcher = SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for a, b in zip(old[i1:i2], new[j1:j2]):
                yield ("equal", a, b)
            continue
        yield from _pair(old[i1:i2], new[j1:j2])


def _pair(olds: list[Paragraph], news: list[Paragraph]) -> Iterator[tuple[str, Paragraph | None, Paragraph | None]]:
    """Within a changed stretch, pair paragraphs in order when they are alike."""
    i = j = 0
    while i < len(olds) or j < len(news):
        if i < len(olds) and j < len(news):
            a, b = olds[i], news[j]
            if a.style is b.style and (a.clause_id == b.clause_id or _similar(a.text, b.text)):
                yield ("change", a, b)
                i += 1
                j += 1
                continue
            # which side to advance: keep the better future match
            if j + 1 < len(news) and _similar(a.text, news[j + 1].text) and a.style is news[j + 1].style:
                yield ("insert", None, b)
                j += 1
            else:
                yield ("delete", a, None)
                i += 1
        elif i < len(olds):
            yield ("delete", olds[i], None)
            i += 1
        else:
            yield ("insert", None, news[j])
            j += 1


def _similar(a: str, b: str) -> bool:
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= SIMILARITY


def _whole(writer: BodyWriter, p: Paragraph, revision: Revision, tag: str) -> str:
    rid = writer.next_id()
    mark = f"<w:rPr><w:{tag} {revision.attrs(rid)}/></w:rPr>"
    runs = "".join(writer.run(r, deleted=(tag == "del")) for r in p.runs)
    body = f"<w:{tag} {revision.attrs(writer.next_id())}>{runs}</w:{tag}>" if runs else ""
    shown = p if tag == "ins" else p.with_(bookmark=None)
    return writer.paragraph(shown, runs_xml=body, ppr_extra=mark)


def _changed(writer: BodyWriter, a: Paragraph, b: Paragraph, revision: Revision) -> str:
    table: dict[tuple, str] = {}
    old_text, old_fmt = _encode(a, table)
    new_text, new_fmt = _encode(b, table)
    out: list[str] = []
    i = j = 0
    for op in diff_words(old_text, new_text):
        n = len(op.text)
        if op.kind == "equal":
            out.append(writer.runs(_runs(new_text[j : j + n], new_fmt[j : j + n])))
            i += n
            j += n
        elif op.kind == "delete":
            runs = "".join(writer.run(r, deleted=True) for r in _runs(old_text[i : i + n], old_fmt[i : i + n]))
            out.append(f"<w:del {revision.attrs(writer.next_id())}>{runs}</w:del>")
            i += n
        else:
            runs = "".join(writer.run(r) for r in _runs(new_text[j : j + n], new_fmt[j : j + n]))
            out.append(f"<w:ins {revision.attrs(writer.next_id())}>{runs}</w:ins>")
            j += n
    return writer.paragraph(b, runs_xml="".join(out))


def _encode(p: Paragraph, table: dict[tuple, str]) -> tuple[str, list[Run]]:
    """The paragraph as one string (a field or line break is one placeholder character)
    and the run each character came from."""
    chars: list[str] = []
    fmts: list[Run] = []
    for r in p.runs:
        if r.ref is not None or r.line_break:
            key = ("ref", r.ref, r.text) if r.ref is not None else ("br",)
            ch = table.setdefault(key, chr(_PLACEHOLDER_BASE + len(table)))
            chars.append(ch)
            fmts.append(r)
        else:
            chars.append(r.text)
            fmts.extend([r] * len(r.text))
    return "".join(chars), fmts


def _runs(text: str, fmts: list[Run]) -> list[Run]:
    """Regroup characters into runs of one formatting."""
    out: list[Run] = []
    buf: list[str] = []
    current: Run | None = None
    for ch, fmt in zip(text, fmts):
        if fmt.ref is not None or fmt.line_break:
            if buf and current is not None:
                out.append(Run("".join(buf), current.bold, current.italic, current.link))
                buf = []
            out.append(fmt)
            current = None
            continue
        if current is not None and (fmt.bold, fmt.italic, fmt.link) != (current.bold, current.italic, current.link):
            out.append(Run("".join(buf), current.bold, current.italic, current.link))
            buf = []
        current = fmt
        buf.append(ch)
    if buf and current is not None:
        out.append(Run("".join(buf), current.bold, current.italic, current.link))
    return out
