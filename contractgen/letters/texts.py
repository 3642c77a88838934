"""Letter clause text: rendered through Jinja for every letter, parsed as Markdown once
per kind and tier.

Letters of one kind and tier differ only in the values they print (the provider's name
and code, dates, the status on record). Rendered with masks
(:func:`~contractgen.base.environment.masked_clause_environment`), every printed value is
one private-use character, so their Markdown is the same text; it is parsed once and each
letter's values are put back into the parsed runs. The paragraphs are the same as a parse
of the letter's own Markdown: a value is only masked where Markdown reads it as plain
text, and where it may not (next to emphasis, after a backslash or inside an entity, a
link or a code span) the letter's own Markdown is parsed instead.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import Any, Callable

import jinja2

from ..base.environment import (
    MASK_BASE,
    MASKS,
    MaskedValues,
    escape_markdown,
    masked_clause_environment,
    masking,
)
from ..base.untrusted import MAX_CLAUSE_RENDERED_CHARS
from ..library.clauses import Clause, ClauseLibrary
from ..schedule.assembly import render_clause_markdown, render_clause_text
from ..word.blocks import Paragraph, Run
from ..word.markup import markdown_to_blocks

_M = "[\U000F0000-\U000FFFFD]"
#: Masks whose value Markdown might not read as plain text where they stand: next to an
#: emphasis delimiter, after a backslash, at the end of a possible entity (``&amp``).
_RISKY = re.compile(f"[*_\\\\]{_M}|{_M}[*_]|&[#A-Za-z0-9]*{_M}")
#: A mask followed by what would make a number at the start of a line a list item.
_BEFORE_LIST_MARK = re.compile(f"({_M})[.)]")
_ENCODED_MASK = re.compile("%F3%B[0-9A-F]", re.IGNORECASE)  # a mask in a link, percent-encoded
#: Parsed masked Markdown kept per process (kinds x tiers x the branches a text takes).
CACHE_SIZE = 512


#: Parsed masked Markdown: each paragraph, and which of its runs hold a mask.
_Parsed = tuple[tuple[Paragraph, tuple[int, ...]], ...]


@lru_cache(maxsize=512)
def _compiled(text: str) -> jinja2.Template:
    return _environment().from_string(text)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return masked_clause_environment()


class _Masked:
    """What one masked Markdown text gives every letter that renders it: how many masks
    it holds, the masks that stand before ``.`` or ``)`` and its paragraphs, parsed when
    first needed (None when the masked Markdown cannot stand for the letters' own)."""

    __slots__ = ("masked", "clause_id", "first_list", "masks", "before_list_mark", "_parsed")

    def __init__(self, masked: str, clause_id: str, first_list: int) -> None:
        self.masked, self.clause_id, self.first_list = masked, clause_id, first_list
        self.masks = len(MASKS.findall(masked))
        self.before_list_mark = tuple(ord(m.group(1)) - MASK_BASE for m in _BEFORE_LIST_MARK.finditer(masked))
        self._parsed: tuple[_Parsed, int] | None | bool = False

    def parsed(self) -> tuple[_Parsed, int] | None:
        if self._parsed is False:
            self._parsed = _parse_masked(self.masked, self.clause_id, self.first_list)
        return self._parsed  # type: ignore[return-value]


class LetterTexts:
    """The paragraphs of letter clauses, with a cache of parsed masked Markdown."""

    def __init__(self, library: ClauseLibrary) -> None:
        self.library = library
        # (masked Markdown, clause id, first list id) -> what it gives every letter
        self._parsed: dict[tuple[str, str, int], _Masked] = {}

    def paragraphs(self, clauses: list[Clause], tier: str, context: dict[str, Any]) -> list[Paragraph]:
        """Each clause's text for ``tier`` rendered with ``context``, as letter
        paragraphs; ordered lists are numbered 1, 2... through the letter."""
        out: list[Paragraph] = []
        next_list = 1
        for clause in clauses:
            paragraphs, next_list = self.clause(clause, clause.text_for(tier) or "", context, next_list)
            out += paragraphs
        return out

    def clause(self, clause: Clause, text: str, context: dict[str, Any], first_list: int) -> tuple[list[Paragraph], int]:
        """One clause's paragraphs and the next list id."""
        values = MaskedValues()
        with masking(values):
            masked = render_clause_markdown(clause, text, context, self.library, _compiled(text))
        unmasked_at_most = len(masked) - values.printed + values.chars
        key = (masked, clause.id, first_list)
        entry = self._parsed.get(key)
        if entry is None:
            if len(self._parsed) >= CACHE_SIZE:
                self._parsed.clear()
            entry = self._parsed[key] = _Masked(masked, clause.id, first_list)
        if entry.masks != values.printed or unmasked_at_most > MAX_CLAUSE_RENDERED_CHARS:
            # a private-use character came from elsewhere, or the letter's own Markdown may be
            # over the limit for one clause: render it as it is (and refuse it there)
            ids = itertools.count(first_list)
            own = render_clause_text(clause, text, context, self.library, mode="letter", list_ids=ids)
            return own, next(ids)
        parsed = entry.parsed()
        # a value that is a whole number before '.' or ')' could start a list item ('12.')
        if parsed is None or any(values.values[i].isdigit() for i in entry.before_list_mark):
            return _parse(unmask(masked, values.values), clause.id, first_list)
        paragraphs, used = parsed
        put_back = _putter(values.values)
        return [_fill(p, runs, put_back) if runs else p for p, runs in paragraphs], first_list + used


def unmask(markdown: str, values: list[str]) -> str:
    """The Markdown a render without masks gives: each mask replaced by its value, escaped."""
    from_mask = {chr(MASK_BASE + i): escape_markdown(v) for i, v in enumerate(values)}
    return MASKS.sub(lambda m: from_mask[m.group()], markdown)


def _parse(markdown: str, clause_id: str, first_list: int) -> tuple[list[Paragraph], int]:
    ids = itertools.count(first_list)
    paragraphs = markdown_to_blocks(markdown, mode="letter", clause_id=clause_id, list_ids=ids)
    return paragraphs, next(ids)


def _parse_masked(masked: str, clause_id: str, first_list: int) -> tuple[_Parsed, int] | None:
    """The paragraphs of masked Markdown, or None when a mask stands where Markdown might
    read a value as more than text (then every letter parses its own Markdown)."""
    if "`" in masked or "![" in masked or _RISKY.search(masked):
        return None
    paragraphs, next_list = _parse(masked, clause_id, first_list)
    runs = [r for p in paragraphs for r in p.runs]
    in_text = sum(len(MASKS.findall(r.text)) for r in runs)
    in_links = any(r.link and (MASKS.search(r.link) or _ENCODED_MASK.search(r.link)) for r in runs)
    if in_text != len(MASKS.findall(masked)) or in_links or any(_ENCODED_MASK.search(r.text) for r in runs):
        return None  # a mask in a link's address or title, or lost: not plain text
    return tuple((p, tuple(i for i, r in enumerate(p.runs) if MASKS.search(r.text))) for p in paragraphs), next_list - first_list


def _fill(paragraph: Paragraph, masked_runs: tuple[int, ...], put_back: Callable[[re.Match[str]], str]) -> Paragraph:
    """``paragraph`` with each mask in the runs ``masked_runs`` replaced by the value it
    stands for."""
    runs = list(paragraph.runs)
    for i in masked_runs:
        runs[i] = Run(**{**vars(runs[i]), "text": MASKS.sub(put_back, runs[i].text)})
    return Paragraph(**{**vars(paragraph), "runs": tuple(runs)})  # every field kept (faster than dataclasses.replace)


def _putter(values: list[str]) -> Callable[[re.Match[str]], str]:
    return lambda m: values[ord(m.group()) - MASK_BASE]


__all__ = ["LetterTexts", "unmask"]
