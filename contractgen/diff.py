"""Clause-level differences between two versions of the library, in four formats.

* ``text``: for a terminal (coloured when it is one), git ``--word-diff`` style;
* ``markdown``: for a pull-request description, each clause named by id and version;
* ``json``: for other tools;
* ``docx``: a Word document in which every change is a real tracked change.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .blocks import Paragraph, Run, Style
from .library import Clause, ClauseLibrary, ClauseStatus
from .markup import markdown_to_blocks
from .package import DocumentProperties, package_bytes
from .redline import Revision, redline_blocks
from .releases import LibraryVersion
from .wordiff import DiffOp, diff_words, format_inline
from .wordml import BodyWriter, xml_text


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
        return diff_words(self.old or "", self.new or "")


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

    def counts(self) -> dict[str, int]:
        out = {k.value: 0 for k in ChangeKind}
        for c in self.changes:
            out[c.kind.value] += 1
        return out

    def summary(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in self.counts().items() if n) or "no changes"
        return f"{self.old} → {self.new}: {counts}; {self.unchanged} unchanged"


def diff_library(old: LibraryVersion, new: LibraryVersion) -> LibraryDiff:
    """Every clause added, removed, withdrawn or changed from ``old`` to ``new``."""
    a, b = old.library, new.library
    result = LibraryDiff(old.label, new.label, a.spec.release, b.spec.release)
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


def _new_entries(ca: Clause | None, cb: Clause) -> tuple[str, ...]:
    known = {(e.version, e.summary) for e in ca.changelog} if ca else set()
    return tuple(f"{e.version} ({e.date}): {e.summary}" for e in cb.changelog if (e.version, e.summary) not in known)


# ------------------------------------------------------------------ text


def format_text(diff: LibraryDiff, *, color: bool = False) -> str:
    bold = (lambda s: f"\x1b[1m{s}\x1b[0m") if color else (lambda s: s)
    lines = [f"clause library {diff.old} (release {diff.old_release}) → {diff.new} (release {diff.new_release})", ""]
    for c in diff.changes:
        lines.append(bold(f"{c.kind.value:9} {c.label}  {c.title}"))
        for f in c.fields:
            lines.append(f"    {f.name}: {_short(f.old)} → {_short(f.new)}")
        for p in c.parameters:
            lines.append(f"    parameter {p.name}: {_short(p.old)} → {_short(p.new)}")
        for t in c.texts:
            lines.append(f"    text [{t.scope}]:")
            if c.kind is ChangeKind.CHANGED:
                body = _changed_paragraphs(format_inline(t.ops, "text", color=color))
            else:
                body = t.new or t.old or ""
            lines.extend(f"      {line}" if line else "" for line in body.rstrip().splitlines())
        for entry in c.changelog:
            lines.append(f"    changelog {entry}")
        lines.append("")
    lines.append(diff.summary())
    return "\n".join(lines)


def _changed_paragraphs(inline: str) -> str:
    """Only the paragraphs of a word diff that hold a change; "..." for the others."""
    out: list[str] = []
    for para in inline.split("\n\n"):
        if any(mark in para for mark in ("[-", "{+")):
            out.append(para)
        elif not out or out[-1] != "...":
            out.append("...")
    return "\n\n".join(out)


def _short(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, Enum):
        return str(value.value)
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else value
    text = " ".join(text.split())
    return text if len(text) <= 100 else text[:97] + "..."


# ------------------------------------------------------------------ markdown


def format_markdown(diff: LibraryDiff) -> str:
    counts = ", ".join(f"{n} {k}" for k, n in diff.counts().items() if n) or "no changes"
    lines = [
        f"## Clause library changes: {diff.old} → {diff.new}",
        "",
        f"Release {diff.old_release} → {diff.new_release}: {counts}; {diff.unchanged} unchanged.",
        "",
    ]
    if diff.changes:
        lines += ["| clause | change | version |", "| --- | --- | --- |"]
        for c in diff.changes:
            version = f"{c.old_version or '—'} → {c.new_version or '—'}"
            lines.append(f"| `{c.id}` {_md_cell(c.title)} | {c.kind.value} | {version} |")
        lines.append("")
    for c in diff.changes:
        lines.append(f"### `{c.id}` {c.new_version or c.old_version}: {_md_cell(c.title)} ({c.kind.value})")
        lines.append("")
        if c.old_version and c.new_version and c.old_version != c.new_version:
            lines.append(f"Version {c.old_version} → {c.new_version}.")
        for f in c.fields:
            lines.append(f"- **{f.name}**: {_md_cell(_short(f.old))} → {_md_cell(_short(f.new))}")
        for p in c.parameters:
            lines.append(f"- **parameter `{p.name}`**: {_md_cell(_short(p.old))} → {_md_cell(_short(p.new))}")
        for entry in c.changelog:
            lines.append(f"- changelog: {_md_cell(entry)}")
        for t in c.texts:
            lines += ["", f"**Text ({t.scope})**", ""]
            body = format_inline(t.ops, "markdown") if c.kind is ChangeKind.CHANGED else _md_cell(t.new or t.old or "")
            lines.extend(f"> {line}" if line else ">" for line in body.rstrip().splitlines())
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# ------------------------------------------------------------------ json


def format_json(diff: LibraryDiff) -> str:
    def change(c: ClauseChange) -> dict[str, Any]:
        return {
            "id": c.id,
            "kind": c.kind.value,
            "title": c.title,
            "old_version": c.old_version,
            "new_version": c.new_version,
            "fields": [{"name": f.name, "old": f.old, "new": f.new} for f in c.fields],
            "parameters": [{"name": p.name, "old": p.old, "new": p.new} for p in c.parameters],
            "texts": [
                {"scope": t.scope, "old": t.old, "new": t.new, "ops": [[op.kind, op.text] for op in t.ops]}
                for t in c.texts
            ],
            "changelog": list(c.changelog),
        }

    payload = {
        "old": {"label": diff.old, "release": diff.old_release},
        "new": {"label": diff.new, "release": diff.new_release},
        "counts": diff.counts(),
        "unchanged": diff.unchanged,
        "changes": [change(c) for c in diff.changes],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2, default=lambda v: v.value if isinstance(v, Enum) else str(v)) + "\n"


# ------------------------------------------------------------------ docx


def redline_paragraphs(text: str | None, clause_id: str) -> list[Paragraph]:
    """Clause Markdown as paragraphs for a redline (Jinja tags shown as written)."""
    if not text:
        return []
    return markdown_to_blocks(text, mode="clause", clause_id=clause_id)


def format_docx(diff: LibraryDiff, *, author: str = "contractgen", date: dt.date | None = None) -> bytes:
    """A Word document: a summary table, then each changed clause with its text as tracked
    changes (``w:ins``/``w:del``), for a solicitor to accept or reject in Word."""
    from .wordtemplate import WordTemplate

    revision = Revision(author, date or dt.date(2000, 1, 1))
    writer = BodyWriter()
    body: list[str] = [
        _heading(f"Clause library changes: {diff.old} → {diff.new}"),
        writer.paragraph(Paragraph(Style.BODY, (Run(f"Release {diff.old_release} → {diff.new_release}. " + diff.summary() + ". Every change below is a tracked change: accept or reject each one in Word."),))),
    ]
    from .blocks import Table

    if diff.changes:
        body.append(writer.table(Table(("Clause", "Change", "Old version", "New version"),
                                       tuple((c.id, c.kind.value, c.old_version or "—", c.new_version or "—") for c in diff.changes))))
    for c in diff.changes:
        body.append(_heading(f"{c.label}: {c.title} ({c.kind.value})"))
        for f in c.fields:
            if f.name == "guidance":
                continue
            body.append(_redline_line(writer, revision, f"{f.name}: ", _short(f.old), _short(f.new)))
        for p in c.parameters:
            body.append(_redline_line(writer, revision, f"parameter {p.name}: ", _short(p.old), _short(p.new)))
        for t in c.texts:
            body.append(writer.paragraph(Paragraph(Style.BODY, (Run(f"Text ({t.scope})", bold=True),))))
            old = redline_paragraphs(t.old, c.id)
            new = redline_paragraphs(t.new, c.id)
            body.append(redline_blocks(_unnumbered(old), _unnumbered(new), writer, revision))
    template = WordTemplate.from_document_body("{{p body }}")
    from .wordtemplate import raw_xml

    parts = template.render(
        {"body": raw_xml("".join(body))},
        writer=writer,
        properties=DocumentProperties(
            title=f"Clause library changes {diff.old_release} to {diff.new_release}",
            subject=diff.summary(),
            creator=author,
            date=revision.date,
            custom={"contractgen.diff.old": diff.old, "contractgen.diff.new": diff.new},
        ),
    )
    return package_bytes(parts)


def _unnumbered(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Clause text outside a schedule: numbered paragraphs become body text, items keep
    their (a), (b) numbering under it."""
    return [p.with_(style=Style.BODY) if p.style is Style.CLAUSE else p for p in paragraphs]


def _heading(text: str) -> str:
    return f'<w:p><w:pPr><w:pStyle w:val="{Style.HEADING.value}"/></w:pPr><w:r><w:t xml:space="preserve">{xml_text(text)}</w:t></w:r></w:p>'


def _redline_line(writer: BodyWriter, revision: Revision, label: str, old: str, new: str) -> str:
    a = Paragraph(Style.BODY, (Run(label, bold=True), Run(old)))
    b = Paragraph(Style.BODY, (Run(label, bold=True), Run(new)))
    return redline_blocks([a], [b], writer, revision)

