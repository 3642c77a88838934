"""Clause-level differences between two versions of the library: every clause added,
removed, withdrawn or changed, with its texts' paragraphs and words
(:mod:`~contractgen.schedule.diff_formats` writes them as text, Markdown, JSON and a
Word document of tracked changes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from enum import Enum
from typing import Any

from ..base.wordiff import DiffOp, diff_words
from ..library.clauses import Clause, ClauseLibrary, ClauseStatus
from ..library.releases import LibraryVersion


class ChangeKind(str, Enum):
    ADDED = "added"
    REMOVED = "removed"
    WITHDRAWN = "withdrawn"
    CHANGED = "changed"


@dataclass(frozen=True)
class TextChange:
    """A changed clause text: ``scope`` is a tier id, or ``all tiers``."""

    scope: str
    old: str | None
    new: str | None

    @property
    def ops(self) -> list[DiffOp]:
        return diff_text(self.old or "", self.new or "")


@dataclass(frozen=True)
class FieldChange:
    """A changed property of a clause (title, status, section, a parameter...)."""

    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ClauseChange:
    id: str
    kind: ChangeKind
    title: str
    old_version: str | None
    new_version: str | None
    texts: tuple[TextChange, ...] = ()
    fields: tuple[FieldChange, ...] = ()
    parameters: tuple[FieldChange, ...] = ()
    changelog: tuple[str, ...] = ()  # new changelog summaries

    @property
    def label(self) -> str:
        if self.old_version and self.new_version and self.old_version != self.new_version:
            return f"{self.id} {self.old_version} → {self.new_version}"
        return f"{self.id} {self.new_version or self.old_version}"


@dataclass
class LibraryDiff:
    old: str  # labels: "release-2026.1 (3f2a9c1)", "working tree"
    new: str
    old_release: str
    new_release: str
    changes: list[ClauseChange] = field(default_factory=list)
    unchanged: int = 0
    old_library: ClauseLibrary | None = field(default=None, repr=False, compare=False)
    new_library: ClauseLibrary | None = field(default=None, repr=False, compare=False)

    def counts(self) -> dict[str, int]:
        out = {k.value: 0 for k in ChangeKind}
        for c in self.changes:
            out[c.kind.value] += 1
        return out

    def summary(self) -> str:
        return f"{self.old} → {self.new}: {self.counts_text()}"

    def counts_text(self) -> str:
        """``2 changed, 1 added; 20 unchanged`` (``no changes; 23 unchanged``)."""
        counts = ", ".join(f"{n} {k}" for k, n in self.counts().items() if n) or "no changes"
        return f"{counts}; {self.unchanged} unchanged"


def diff_library(old: LibraryVersion, new: LibraryVersion) -> LibraryDiff:
    """Every clause added, removed, withdrawn or changed from ``old`` to ``new``."""
    a, b = old.library, new.library
    result = LibraryDiff(old.label, new.label, a.spec.release, b.spec.release, old_library=a, new_library=b)
    for cid in sorted(set(a.clauses) | set(b.clauses), key=lambda i: _order(i, a, b)):
        ca, cb = a.clauses.get(cid), b.clauses.get(cid)
        if ca is None:
            assert cb is not None
            result.changes.append(ClauseChange(cid, ChangeKind.ADDED, cb.title, None, cb.version,
                                               texts=_texts(None, cb, b), changelog=_new_entries(None, cb)))
            continue
        if cb is None:
            result.changes.append(ClauseChange(cid, ChangeKind.REMOVED, ca.title, ca.version, None, texts=_texts(ca, None, a)))
            continue
        texts = _texts(ca, cb, b)
        fields = tuple(
            FieldChange(name, getattr(ca, name), getattr(cb, name))
            for name in ("title", "status", "section", "applies_to", "references", "guidance")
            if getattr(ca, name) != getattr(cb, name)
        )
        params = _parameters(ca, cb)
        if not (texts or fields or params or ca.version != cb.version):
            result.unchanged += 1
            continue
        withdrawn = cb.status is ClauseStatus.WITHDRAWN and ca.status is not ClauseStatus.WITHDRAWN
        kind = ChangeKind.WITHDRAWN if withdrawn else ChangeKind.CHANGED
        result.changes.append(ClauseChange(cid, kind, cb.title, ca.version, cb.version, texts, fields, params, _new_entries(ca, cb)))
    return result


def _order(cid: str, a: ClauseLibrary, b: ClauseLibrary) -> tuple:
    lib = b if cid in b.clauses else a
    sections = lib.section_ids
    c = lib.clauses[cid]
    return (sections.index(c.section) if c.section in sections else len(sections), cid)


def _texts(ca: Clause | None, cb: Clause | None, lib: ClauseLibrary) -> tuple[TextChange, ...]:
    tiers = lib.tiers
    per_tier = []
    for tier in tiers:
        old = ca.text_for(tier) if ca else None
        new = cb.text_for(tier) if cb else None
        if old != new:
            per_tier.append(TextChange(tier, old, new))
    if len(per_tier) == len(tiers) and len({(t.old, t.new) for t in per_tier}) == 1:
        return (TextChange("all tiers", per_tier[0].old, per_tier[0].new),)
    return tuple(per_tier)


def _parameters(ca: Clause, cb: Clause) -> tuple[FieldChange, ...]:
    pa = {p.name: p.model_dump(mode="json") for p in ca.parameters}
    pb = {p.name: p.model_dump(mode="json") for p in cb.parameters}
    return tuple(FieldChange(name, pa.get(name), pb.get(name)) for name in sorted(set(pa) | set(pb)) if pa.get(name) != pb.get(name))


PARAGRAPH_BREAK = re.compile(r"\n(?:[ \t]*\n)+")


def split_paragraphs(text: str) -> list[str]:
    """``text`` cut after each blank line; the pieces join back to ``text``."""
    pieces: list[str] = []
    start = 0
    for m in PARAGRAPH_BREAK.finditer(text):
        pieces.append(text[start : m.end()])
        start = m.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def diff_text(old: str, new: str) -> list[DiffOp]:
    """The word diff of two clause texts, paragraph by paragraph: paragraphs are aligned
    first, so that a paragraph removed or inserted is one operation, and only paragraphs
    that changed are diffed word by word. Joining the ``equal`` and ``delete`` texts gives
    ``old``, the ``equal`` and ``insert`` texts ``new``."""
    a, b = split_paragraphs(old), split_paragraphs(new)
    matcher = SequenceMatcher(None, [p.strip() for p in a], [p.strip() for p in b], autojunk=False)
    ops: list[DiffOp] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "delete":
            ops.append(DiffOp("delete", "".join(a[i1:i2])))
        elif tag == "insert":
            ops.append(DiffOp("insert", "".join(b[j1:j2])))
        elif i2 - i1 == j2 - j1:  # equal (up to spacing), or as many paragraphs rewritten
            for x, y in zip(a[i1:i2], b[j1:j2]):
                ops.extend(diff_words(x, y))
        else:
            ops.extend(diff_words("".join(a[i1:i2]), "".join(b[j1:j2])))
    merged: list[DiffOp] = []
    for op in ops:
        if merged and merged[-1].kind == op.kind:
            merged[-1] = DiffOp(op.kind, merged[-1].text + op.text)
        elif op.text:
            merged.append(op)
    return merged


def _new_entries(ca: Clause | None, cb: Clause) -> tuple[str, ...]:
    known = {(e.version, e.summary) for e in ca.changelog} if ca else set()
    return tuple(f"{e.version} ({e.date}): {e.summary}" for e in cb.changelog if (e.version, e.summary) not in known)
