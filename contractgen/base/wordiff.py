"""Word-level differences between two texts, for clause changelogs and review output.

>>> ops = diff_words("The Provider shall comply.", "The Provider must comply.")
>>> format_inline(ops)
'The Provider [-shall-]{+must+} comply.'

Joining the ``equal`` and ``delete`` texts always gives the old text back, and joining
the ``equal`` and ``insert`` texts the new one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

DiffKind = Literal["equal", "insert", "delete"]

_TOKEN = re.compile(r"\s+|\w+|.", re.DOTALL)
_ZWJ = "\u200d"
_MD_SPECIAL = re.compile(r"([\\`*_~\[\]<>|])")
_ANSI = {"delete": "\x1b[31m", "insert": "\x1b[32m"}
_ANSI_RESET = "\x1b[0m"


@dataclass(frozen=True)
class DiffOp:
    """One stretch of a word diff: text kept, inserted or deleted."""

    kind: DiffKind
    text: str


def tokenize(text: str) -> list[str]:
    """Split ``text`` into words, whitespace runs and single punctuation marks.

    Combining accents stay on their letter, and emoji sequences (skin tones, ZWJ
    families, flags) stay whole, so a diff never cuts a visible character in two.
    ``"".join(tokenize(text)) == text`` always.
    """
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        if tokens and _continues(tokens[-1], token):
            tokens[-1] += token
        else:
            tokens.append(token)
    return tokens


def diff_words(old: str, new: str) -> list[DiffOp]:
    """The word diff from ``old`` to ``new``: a replacement is a delete then an insert,
    adjacent operations of one kind are merged, and whitespace alone between two changes
    is folded into them, so that ``a b c`` -> ``x y z`` reads as one change."""
    a, b = tokenize(old), tokenize(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    # chunks: a str is kept text; a (old, new) pair is a change
    chunks: list[str | tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            chunks.append("".join(a[i1:i2]))
        else:
            change = ("".join(a[i1:i2]), "".join(b[j1:j2]))
            if chunks and isinstance(chunks[-1], tuple):
                last = chunks.pop()
                assert isinstance(last, tuple)
                change = (last[0] + change[0], last[1] + change[1])
            chunks.append(change)
    return _to_ops(_absorb_whitespace(chunks))


def format_inline(
    ops: list[DiffOp], style: Literal["text", "markdown"] = "text", *, color: bool = False
) -> str:
    """The diff as one text with the changes marked.

    * ``text``: ``[-old-]{+new+}`` like ``git diff --word-diff``; ``color=True`` also
      paints deletions red and insertions green for a terminal (markers are kept, so the
      output still reads right without colour).
    * ``markdown``: ``~~old~~ **new**``; Markdown characters in the text are escaped and
      the markers never enclose leading or trailing spaces or span lines.
    """
    if style == "text":
        return "".join(_format_text(op, color) for op in ops)
    if style == "markdown":
        if color:
            raise ValueError("color applies to the 'text' style only")
        return _format_markdown(ops)
    raise ValueError(f"unknown diff style {style!r}; use 'text' or 'markdown'")


# -- tokens -----------------------------------------------------------------------------


def _is_joiner(ch: str) -> bool:
    """Characters that belong to the character before them: combining marks, variation
    selectors, emoji skin-tone modifiers and the zero-width joiner."""
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or "\ufe00" <= ch <= "\ufe0f"
        or "\U0001f3fb" <= ch <= "\U0001f3ff"
        or ch == _ZWJ
    )


def _is_regional_indicator(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def _continues(previous: str, token: str) -> bool:
    if previous.isspace():
        return False
    first = token[0]
    if token.isspace():
        return False
    if _is_joiner(first) or previous.endswith(_ZWJ):
        return True
    if _is_regional_indicator(first) and len(previous) == 1 and _is_regional_indicator(previous):
        return True
    # a word split by a combining mark: "cafe" + U+0301 + "s"
    return (first.isalnum() or first == "_") and _is_joiner(previous[-1]) and (
        previous[0].isalnum() or previous[0] == "_"
    )


# -- chunks -----------------------------------------------------------------------------


def _absorb_whitespace(chunks: list[str | tuple[str, str]]) -> list[str | tuple[str, str]]:
    out: list[str | tuple[str, str]] = []
    i = 0
    while i < len(chunks):
        chunk = chunks[i]
        if (
            isinstance(chunk, str)
            and chunk.isspace()
            and out
            and isinstance(out[-1], tuple)
            and i + 1 < len(chunks)
            and isinstance(chunks[i + 1], tuple)
        ):
            before = out.pop()
            after = chunks[i + 1]
            assert isinstance(before, tuple) and isinstance(after, tuple)
            out.append((before[0] + chunk + after[0], before[1] + chunk + after[1]))
            i += 2
            continue
        out.append(chunk)
        i += 1
    return out


def _to_ops(chunks: list[str | tuple[str, str]]) -> list[DiffOp]:
    ops: list[DiffOp] = []

    def add(kind: DiffKind, text: str) -> None:
        if not text:
            return
        if ops and ops[-1].kind == kind:
            ops[-1] = DiffOp(kind, ops[-1].text + text)
        else:
            ops.append(DiffOp(kind, text))

    for chunk in chunks:
        if isinstance(chunk, str):
            add("equal", chunk)
        else:
            add("delete", chunk[0])
            add("insert", chunk[1])
    return ops


# -- formatting -------------------------------------------------------------------------


def _format_text(op: DiffOp, color: bool) -> str:
    if op.kind == "equal":
        return op.text
    marked = f"[-{op.text}-]" if op.kind == "delete" else f"{{+{op.text}+}}"
    if not color:
        return marked
    # colour each line separately so that pagers (less -R) keep it across lines
    return "\n".join(
        f"{_ANSI[op.kind]}{line}{_ANSI_RESET}" if line else line for line in marked.split("\n")
    )


def _format_markdown(ops: list[DiffOp]) -> str:
    parts: list[str] = []
    previous: DiffKind | None = None
    for op in ops:
        if op.kind == "equal":
            parts.append(_md_escape(op.text))
        else:
            if previous == "delete" and op.kind == "insert" and not op.text[:1].isspace():
                if parts and not parts[-1][-1:].isspace():
                    parts.append(" ")
            parts.append(_md_mark(op.text, "~~" if op.kind == "delete" else "**"))
        previous = op.kind
    return "".join(parts)


def _md_mark(text: str, marker: str) -> str:
    pieces = []
    for line in text.split("\n"):
        core = line.strip()
        if not core:
            pieces.append(line)
            continue
        start = line.index(core)
        lead, trail = line[:start], line[start + len(core) :]
        pieces.append(f"{lead}{marker}{_md_escape(core)}{marker}{trail}")
    return "\n".join(pieces)


def _md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)
