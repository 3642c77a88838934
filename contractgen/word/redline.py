"""Redlines: two lists of paragraphs as one, with real Word tracked changes.

Paragraphs are aligned first (kept, inserted, deleted, changed); a changed paragraph is
diffed word by word (:func:`contractgen.base.wordiff.diff_words`) and written with ``w:ins``
and ``w:del`` runs, each carrying an author and a date, so Word or LibreOffice can accept
or reject every change: accepting all gives exactly the new text, rejecting all the old.
Whole paragraphs inserted or deleted also mark their paragraph mark, so that accepting
or rejecting them leaves no empty paragraph behind.

Cross-references stay REF fields: a reference whose number changed shows as the old
field deleted and the new one inserted. A change of formatting alone (words made bold)
shows as the words deleted with their old formatting and inserted with the new, so that
rejecting it restores the old formatting too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Iterator

from ..base.wordiff import diff_words
from ..base.xmltext import xml_attr
from .blocks import Paragraph, Run
from .ooxml import BodyWriter

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
    # a deleted paragraph keeps its bookmark unless the new text has it: cross-references
    # in text restored by rejecting still find their target, and no name is used twice
    new_bookmarks = {p.bookmark for p in new if p.bookmark}
    for kind, a, b in align(old, new):
        if kind == "equal":
            assert b is not None
            stats.kept += 1
            out.append(writer.paragraph(b))
        elif kind == "insert":
            assert b is not None
            stats.inserted += 1
            out.append(_whole(writer, b, revision, "ins"))
        elif kind == "delete":
            stats.deleted += 1
            assert a is not None
            if a.bookmark in new_bookmarks:
                a = a.with_(bookmark=None)
            out.append(_whole(writer, a, revision, "del"))
        else:
            assert a is not None and b is not None
            stats.changed += 1
            out.append(_changed(writer, a, b, revision))
    return "".join(out)


def align(old: list[Paragraph], new: list[Paragraph]) -> Iterator[tuple[str, Paragraph | None, Paragraph | None]]:
    """Pair paragraphs: ("equal"|"change", old, new), ("delete", old, None), ("insert", None, new).

    Paragraphs are equal when their style, text and formatting are; within a stretch that
    differs, alike paragraphs are paired as changes (:func:`_pair`)."""
    keys_a = [_key(p) for p in old]
    keys_b = [_key(p) for p in new]
    matcher = SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for a, b in zip(old[i1:i2], new[j1:j2]):
                yield ("equal", a, b)
            continue
        yield from _pair(old[i1:i2], new[j1:j2])


def _key(p: Paragraph) -> tuple:
    """What must be the same for two paragraphs to be shown as unchanged: the style, and
    the text with its formatting (adjacent runs of one formatting count as one)."""
    runs: list[tuple] = []
    for r in p.runs:
        if r.ref is None and not r.line_break:
            if not r.text:
                continue
            if runs and runs[-1][1:] == (r.bold, r.italic, r.link, None, False):
                runs[-1] = (runs[-1][0] + r.text, *runs[-1][1:])
                continue
        runs.append((r.text, r.bold, r.italic, r.link, r.ref, r.line_break))
    return (p.style, tuple(runs))


#: Above this many old x new paragraphs in one differing stretch, pair greedily.
_PAIRING_LIMIT = 10_000


def _pair(olds: list[Paragraph], news: list[Paragraph]) -> Iterator[tuple[str, Paragraph | None, Paragraph | None]]:
    """Within a stretch that differs, pair alike paragraphs in order as changes; the others
    are deleted or inserted (deletions first).

    Alike: the same style, and texts at least :data:`SIMILARITY` similar (or the same
    clause's first paragraph, which carries its bookmark). Of all the ways to pair them in
    order, the one with the greatest total similarity wins, so that a paragraph removed
    next to a changed one is shown deleted, not rewritten into its neighbour.
    """
    n, m = len(olds), len(news)
    if n * m > _PAIRING_LIMIT:
        yield from _pair_greedy(olds, news)
        return
    score = {}
    for i, a in enumerate(olds):
        for j, b in enumerate(news):
            s = _alike(a, b)
            if s is not None:
                score[i, j] = s
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            value = max(best[i + 1][j], best[i][j + 1])
            if (i, j) in score:
                value = max(value, score[i, j] + best[i + 1][j + 1])
            best[i][j] = value
    i = j = 0
    while i < n and j < m:
        if (i, j) in score and best[i][j] == score[i, j] + best[i + 1][j + 1]:
            yield ("change", olds[i], news[j])
            i += 1
            j += 1
        elif best[i][j] == best[i + 1][j]:
            yield ("delete", olds[i], None)
            i += 1
        else:
            yield ("insert", None, news[j])
            j += 1
    for a in olds[i:]:
        yield ("delete", a, None)
    for b in news[j:]:
        yield ("insert", None, b)


def _alike(a: Paragraph, b: Paragraph) -> float | None:
    """How alike two paragraphs are (0 to 1), or None when they are not to be paired."""
    if a.style is not b.style:
        return None
    matcher = SequenceMatcher(None, a.text, b.text, autojunk=False)
    same_lead = a.bookmark is not None and a.bookmark == b.bookmark
    if not same_lead and matcher.quick_ratio() < SIMILARITY:
        return None
    ratio = matcher.ratio()
    return ratio if ratio >= SIMILARITY or same_lead else None


def _pair_greedy(olds: list[Paragraph], news: list[Paragraph]) -> Iterator[tuple[str, Paragraph | None, Paragraph | None]]:
    """For very long stretches: pair in order when alike, else look one paragraph ahead."""
    i = j = 0
    while i < len(olds) or j < len(news):
        if i < len(olds) and j < len(news):
            a, b = olds[i], news[j]
            if _alike(a, b) is not None:
                yield ("change", a, b)
                i += 1
                j += 1
                continue
            if j + 1 < len(news) and _alike(a, news[j + 1]) is not None:
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



def _whole(writer: BodyWriter, p: Paragraph, revision: Revision, tag: str) -> str:
    """A whole paragraph inserted or deleted: its runs and its paragraph mark."""
    mark = f"<w:rPr><w:{tag} {revision.attrs(writer.next_id())}/></w:rPr>"
    return writer.paragraph(p, runs_xml=_tracked(writer, list(p.runs), revision, tag), ppr_extra=mark)


def _tracked(writer: BodyWriter, runs: list[Run], revision: Revision, tag: str) -> str:
    """Runs inside ``w:ins`` or ``w:del``; runs of a hyperlink stay inside ``w:hyperlink``
    (which may hold a revision, while a revision may not hold a hyperlink)."""
    out: list[str] = []
    start = 0
    while start < len(runs):
        link = runs[start].link
        end = start
        while end < len(runs) and runs[end].link == link:
            end += 1
        xml = "".join(writer.run(r, deleted=(tag == "del")) for r in runs[start:end])
        xml = f"<w:{tag} {revision.attrs(writer.next_id())}>{xml}</w:{tag}>"
        if link is not None:
            xml = f'<w:hyperlink r:id="{writer.link_id(link)}" w:history="1">{xml}</w:hyperlink>'
        out.append(xml)
        start = end
    return "".join(out)


def _changed(writer: BodyWriter, a: Paragraph, b: Paragraph, revision: Revision) -> str:
    table: dict[tuple, str] = {}
    old_text, old_fmt = _encode(a, table)
    new_text, new_fmt = _encode(b, table)
    out: list[str] = []
    i = j = 0
    for op in diff_words(old_text, new_text):
        n = len(op.text)
        if op.kind == "equal":
            # the same text may have changed formatting: that part is deleted and inserted
            for same, k0, k1 in _format_stretches(old_fmt[i : i + n], new_fmt[j : j + n]):
                new_runs = _runs(new_text[j + k0 : j + k1], new_fmt[j + k0 : j + k1])
                if same:
                    out.append(writer.runs(new_runs))
                else:
                    out.append(_tracked(writer, _runs(old_text[i + k0 : i + k1], old_fmt[i + k0 : i + k1]), revision, "del"))
                    out.append(_tracked(writer, new_runs, revision, "ins"))
            i += n
            j += n
        elif op.kind == "delete":
            out.append(_tracked(writer, _runs(old_text[i : i + n], old_fmt[i : i + n]), revision, "del"))
            i += n
        else:
            out.append(_tracked(writer, _runs(new_text[j : j + n], new_fmt[j : j + n]), revision, "ins"))
            j += n
    return writer.paragraph(b, runs_xml="".join(out))


def _format_stretches(old: list[Run], new: list[Run]) -> Iterator[tuple[bool, int, int]]:
    """(same formatting?, start, end) for the stretches of equal text ``old``/``new``."""
    start = 0
    for k in range(1, len(old) + 1):
        if k == len(old) or _same_format(old[k], new[k]) != _same_format(old[start], new[start]):
            yield _same_format(old[start], new[start]), start, k
            start = k


def _same_format(a: Run, b: Run) -> bool:
    return (a.bold, a.italic, a.link) == (b.bold, b.italic, b.link)


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
                out.append(Run("".join(buf), current.bold, current.italic, current.link, comment=current.comment))
                buf = []
            out.append(fmt)
            current = None
            continue
        if current is not None and _format(fmt) != _format(current):
            out.append(Run("".join(buf), current.bold, current.italic, current.link, comment=current.comment))
            buf = []
        current = fmt
        buf.append(ch)
    if buf and current is not None:
        out.append(Run("".join(buf), current.bold, current.italic, current.link, comment=current.comment))
    return out


def _format(r: Run) -> tuple:
    """What a run of text carries besides its text; a comment marks where a value came from."""
    return (r.bold, r.italic, r.link, r.comment)
