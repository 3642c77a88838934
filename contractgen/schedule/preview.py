"""Clause text as the reader of a redline should see it: values, never ``{{ ... }}``.

A council's schedule fills clause text from its profile. A redline of the library is
read by a solicitor who should see the same words: with a profile, its values; without
one, the library's defaults, each value carrying a Word comment that names the parameter
it came from (so the reader knows the number is the council's to choose). Anything a
profile would supply (the council's name, contacts) shows as its name in square
brackets, ``[council.name]``; a cross-reference as the title of the clause it points at.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Iterator

import jinja2

from ..base.environment import MarkdownSafe, clause_environment, escape_markdown
from ..library.clauses import ClauseLibrary
from ..library.profiles import Profile, parameter_values
from ..word.blocks import Paragraph, Run
from ..word.markup import markdown_to_blocks
from .assembly import base_context

_OPEN, _CLOSE = "\ue010", "\ue011"  # private use, unlike markup's reference markers
_INDEX = 0xE200  # OPEN is followed by chr(_INDEX + n) for parameter n
_BARE_NAME = re.compile(r"\{\{-?\s*([A-Za-z_]\w*)\s*-?\}\}")
_TAG = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}|\{%.*?%\}", re.S)
#: What a profile or a letter supplies; shown by name without one.
_LETTER = ("provider", "letter")
_SUPPLIED = ("council", "contract", "contacts", "signatory", *_LETTER)


class _Named:
    """A value a profile or a letter would supply, shown as ``[council.name]``."""

    def __init__(self, path: str) -> None:
        self._path = path

    def __getattr__(self, name: str) -> "_Named":
        if name.startswith("_"):
            raise AttributeError(name)
        return _Named(f"{self._path}.{name}")

    def __getitem__(self, name: str) -> "_Named":
        return _Named(f"{self._path}.{name}")

    def __str__(self) -> str:
        return f"[{self._path}]"


def preview_paragraphs(
    text: str | None,
    clause_id: str,
    library: ClauseLibrary,
    tier: str,
    profile: Profile | None,
    list_ids: Iterator[int] | None = None,
) -> list[Paragraph]:
    """``text`` (clause Markdown with Jinja tags) rendered for ``tier`` as paragraphs of a
    redline: lists lettered (a), (b)... restarting per list, parameters as values with a
    comment naming each (see the module docstring)."""
    if not text:
        return []
    names = sorted(library.parameters())
    markdown = _render(text, names, library, tier, profile)
    paragraphs = markdown_to_blocks(markdown, mode="letter", clause_id=clause_id, list_ids=list_ids)
    origin = f"the value in profile {profile.name}" if profile is not None else "the library's default"
    return [p.with_(runs=tuple(_split_marked(p.runs, names, origin))) for p in paragraphs]


def _render(text: str, names: list[str], library: ClauseLibrary, tier: str, profile: Profile | None) -> str:
    index = {name: chr(_INDEX + i) for i, name in enumerate(names)}
    source = _BARE_NAME.sub(
        lambda m: f"{_OPEN}{index[m.group(1)]}{m.group(0)}{_CLOSE}" if m.group(1) in index else m.group(0), text
    )
    context: dict[str, Any]
    if profile is not None:  # a letter's provider and letter are still shown by name
        context = {name: _Named(name) for name in _LETTER}
        context.update({**base_context(library, profile, tier), **parameter_values(library, profile)})
    else:
        spec = library.spec
        context = {name: _Named(name) for name in _SUPPLIED}
        context.update(
            tier={"id": tier, **spec.tiers[tier].model_dump()},
            dspt={"deadline": spec.dspt.current_deadline.text(), "renewal_window_days": spec.dspt.renewal_window_days},
            library={"name": spec.name, "release": spec.release, "release_date": spec.release_date, "source": library.source},
        )
        context.update({n: p.default if p.default is not None else _Named(n) for n, p in library.parameters().items()})
    context["ref"] = lambda target: MarkdownSafe(escape_markdown(f"[{_title(library, str(target).split('#')[0])}]"))
    context["anchor"] = lambda _name: ""
    try:
        return clause_environment().from_string(source).render(context)
    except jinja2.TemplateError:
        # a tag this preview cannot evaluate: show each by name, never as a raw tag
        return _TAG.sub(lambda m: f"[{m.group(1)}]" if m.group(1) else "", text)


def _title(library: ClauseLibrary, clause_id: Any) -> str:
    clause = library.clauses.get(str(clause_id))
    return clause.title if clause is not None else str(clause_id)


def _split_marked(runs: tuple[Run, ...], names: list[str], origin: str) -> Iterator[Run]:
    """Runs with ``OPEN index value CLOSE`` split out: the value carries a comment."""
    current: str | None = None  # the comment of the value being read
    for run in runs:
        if not any(m in run.text for m in (_OPEN, _CLOSE)) and current is None:
            yield run
            continue
        pieces = re.split(f"({_OPEN}.|{_CLOSE})", run.text, flags=re.S)
        for piece in pieces:
            if piece.startswith(_OPEN) and len(piece) == 2:
                current = f"parameter {names[ord(piece[1]) - _INDEX]}: {origin}"
            elif piece == _CLOSE:
                current = None
            elif piece:
                yield replace(run, text=piece, comment=current)
