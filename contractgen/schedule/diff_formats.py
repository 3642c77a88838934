"""The clause-level differences between two versions of the library
(:func:`~contractgen.schedule.diff.diff_library`), in four formats.

* ``text``: for a terminal (coloured when it is one), git ``--word-diff`` style;
* ``markdown``: for a pull-request description, each clause named by id and version;
* ``json``: for other tools;
* ``docx``: a Word document in which every change is a real tracked change.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from enum import Enum
from typing import Any, Iterator

from ..base.environment import format_date
from ..base.wordiff import DiffOp, diff_words, format_inline
from ..base.xmltext import xml_text
from ..library.clauses import ClauseLibrary
from ..library.profiles import Profile
from ..word.blocks import Paragraph, Run, Style, Table
from ..word.ooxml import BodyWriter
from ..word.package import DocumentProperties, add_comments, package_bytes
from ..word.redline import Revision, redline_blocks
from ..word.template import WordTemplate, raw_xml
from .diff import PARAGRAPH_BREAK, ChangeKind, ClauseChange, LibraryDiff, TextChange, split_paragraphs
from .preview import preview_paragraphs

# ------------------------------------------------------------------ text


def format_text(diff: LibraryDiff, *, color: bool = False) -> str:
    bold = (lambda s: f"\x1b[1m{s}\x1b[0m") if color else (lambda s: s)
    lines = [f"clause library {_side(diff.old, diff.old_release)} → {_side(diff.new, diff.new_release)}", ""]
    for c in diff.changes:
        lines.append(bold(f"{c.kind.value:9} {c.label}  {c.title}"))
        for name, old, new in _field_lines(c):
            lines.append(f"    {name}: {_change(old, new, 'text', color)}")
        for t in c.texts:
            lines.append(f"    text [{t.scope}]:")
            if c.kind in (ChangeKind.CHANGED, ChangeKind.WITHDRAWN):  # old and new texts: a word diff
                body = _changed_paragraphs(t.ops, color)
            else:
                body = t.new or t.old or ""
            lines.extend(f"      {line}" if line else "" for line in body.rstrip().splitlines())
        for entry in c.changelog:
            lines.append(f"    changelog {entry}")
        lines.append("")
    lines.append(diff.summary())
    return "\n".join(lines) + "\n"


def _side(label: str, release: str) -> str:
    """``main (3f2a9c1) (release 2026.2)``; a release is not named twice."""
    return label if label.startswith(f"release {release} ") else f"{label} (release {release})"


def _changed_paragraphs(ops: list[DiffOp], color: bool) -> str:
    """The paragraphs of a word diff that hold a change, marked git-style; "..." for the
    others. A paragraph inserted or deleted whole is one marked paragraph."""
    groups: list[list[DiffOp]] = [[]]
    for op in ops:
        for piece in split_paragraphs(op.text):
            core = piece.rstrip(" \t\n")
            ends = PARAGRAPH_BREAK.search(piece[len(core) :]) is not None
            text = core if ends else piece
            if text:
                groups[-1].append(DiffOp(op.kind, text))
            if ends:
                groups.append([])
    out: list[str] = []
    for group in groups:
        if not group:
            continue
        if any(op.kind != "equal" for op in group):
            out.append(format_inline(group, "text", color=color))
        elif not out or out[-1] != "...":
            out.append("...")
    return "\n\n".join(out)


def _field_lines(c: ClauseChange) -> list[tuple[str, Any, Any]]:
    """(what, old, new) for each changed property; a changed parameter gives one line per
    changed attribute (``parameter x default``), an added or removed one a single line."""
    lines = [(f.name, f.old, f.new) for f in c.fields]
    for p in c.parameters:
        if p.old is None or p.new is None:
            lines.append((f"parameter {p.name}", _describe_parameter(p.old), _describe_parameter(p.new)))
            continue
        for key in sorted(set(p.old) | set(p.new), key=lambda k: (k != "type", k != "default", k)):
            if key != "name" and p.old.get(key) != p.new.get(key):
                lines.append((f"parameter {p.name} {key}", p.old.get(key), p.new.get(key)))
    return lines


def _describe_parameter(spec: dict[str, Any] | None) -> str | None:
    if spec is None:
        return None
    default = "required" if spec.get("default") is None else f"default {_plain(spec['default'])}"
    return f"{spec.get('type')}, {default}: {spec.get('description', '')}"


def _plain(value: Any) -> str:
    """A value in full, on one line."""
    if value is None:
        return "(none)"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, (list, tuple)):
        return "; ".join(_plain(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return " ".join(str(value).split())


_SHORT_CHANGE = 60


def _change(old: Any, new: Any, style: str, color: bool = False) -> str:
    """``old → new`` for short values; a word diff for long ones, so that a change deep
    inside a long value is never cut off."""
    a, b = _plain(old), _plain(new)
    if len(a) <= _SHORT_CHANGE and len(b) <= _SHORT_CHANGE:
        if style == "markdown":  # escaped once, "|" included
            return f"{format_inline([DiffOp('equal', a)], 'markdown')} → {format_inline([DiffOp('equal', b)], 'markdown')}"
        return f"{a} → {b}"
    if style == "markdown":
        return format_inline(diff_words(a, b), "markdown")
    return format_inline(diff_words(a, b), "text", color=color)


# ------------------------------------------------------------------ markdown


def format_markdown(diff: LibraryDiff) -> str:
    lines = [
        f"## Clause library changes: {diff.old} → {diff.new}",
        "",
        f"Release {diff.old_release} → {diff.new_release}: {diff.counts_text()}.",
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
        for name, old, new in _field_lines(c):
            lines.append(f"- **{_md_name(name)}**: {_change(old, new, 'markdown')}")
        for entry in c.changelog:
            lines.append(f"- changelog: {_md_cell(entry)}")
        for t in c.texts:
            if lines[-1] != "":
                lines.append("")
            lines += [f"**Text ({t.scope})**", ""]
            if c.kind in (ChangeKind.CHANGED, ChangeKind.WITHDRAWN):  # old and new texts: a word diff
                body = format_inline(t.ops, "markdown")
            else:  # the whole text, escaped, its paragraphs kept
                body = format_inline([DiffOp("equal", t.new or t.old or "")], "markdown")
            lines.extend(f"> {line}" if line.strip() else ">" for line in body.rstrip().splitlines())
        if lines[-1] != "":
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_name(name: str) -> str:
    """``parameter x default`` -> ``parameter `x` default``."""
    if name.startswith("parameter "):
        words = name.split(" ")
        return " ".join([words[0], f"`{words[1]}`", *words[2:]])
    return name


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


def format_docx(
    diff: LibraryDiff,
    *,
    author: str = "contractgen",
    date: dt.date | None = None,
    profile: Profile | None = None,
) -> bytes:
    """A Word redline for a solicitor: a title page saying what is compared with what, a
    summary table (clause, versions, changelog), then each changed clause with its text
    as tracked changes (``w:ins``/``w:del`` by ``author`` on ``date``) to accept or reject
    in Word; page X of Y in the footer. Clause text shows values as a council's schedule
    would (:mod:`contractgen.schedule.preview`): the profile's, or the library's defaults with a
    comment naming each parameter; never ``{{ ... }}``."""

    assert diff.old_library is not None and diff.new_library is not None, "diff_library sets both"
    revision = Revision(author, date or dt.date(2000, 1, 1))
    template = WordTemplate.from_document_body("{{p body }}", footer="Clause library changes")
    # each clause text's lists restart at (a): one numbering instance per list
    writer = BodyWriter(letter_num_base=template.plan.letter_num_base if template.plan else 0)
    lists = itertools.count(1)
    body: list[str] = [_heading("Clause library changes")]
    body += [writer.paragraph(Paragraph(Style.BODY, (Run(label, bold=True), Run(text)))) for label, text in _title_lines(diff, profile, revision)]
    body.append(_PAGE_BREAK)
    body += _summary_blocks(writer, diff)
    for c in diff.changes:
        body += _clause_blocks(writer, revision, c, diff, profile, lists)
    # Word cannot delete a document's last paragraph mark: never end on a tracked paragraph
    body.append(writer.paragraph(Paragraph(Style.BODY, (Run("End of changes."),))))
    parts = template.render(
        {"body": raw_xml("".join(body))},
        writer=writer,
        letter_lists=next(lists) - 1,
        properties=DocumentProperties(
            title=f"Clause library changes {diff.old_release} to {diff.new_release}",
            subject=diff.summary(),
            creator=author,
            date=revision.date,
            custom={"contractgen.diff.old": diff.old, "contractgen.diff.new": diff.new,
                    **({"contractgen.profile": profile.name} if profile is not None else {})},
        ),
    )
    add_comments(parts, writer.comments, "contractgen", revision.date)
    return package_bytes(parts)


def _summary_blocks(writer: BodyWriter, diff: LibraryDiff) -> list[str]:
    """The summary: the counts, and a table of the changed clauses."""
    body = [_heading("Summary"), writer.paragraph(Paragraph(Style.BODY, (Run(f"{diff.counts_text()}."),)))]
    if diff.changes:
        body.append(writer.table(Table(
            ("Clause", "Change", "Old version", "New version", "Changelog"),
            tuple((f"{c.id}: {c.title}", c.kind.value, c.old_version or "—", c.new_version or "—", "; ".join(c.changelog) or "—")
                  for c in diff.changes),
            widths=(26, 14, 14, 14, 32),
        )))
    return body


def _clause_blocks(
    writer: BodyWriter, revision: Revision, c: ClauseChange, diff: LibraryDiff, profile: Profile | None, lists: Iterator[int]
) -> list[str]:
    """One changed clause: its changed fields, then each text as tracked changes."""
    assert diff.old_library is not None and diff.new_library is not None, "diff_library sets both"
    body = [_heading(f"{c.label}: {c.title} ({c.kind.value})")]
    for name, old_value, new_value in _field_lines(c):
        if name == "guidance":
            continue
        body.append(_redline_line(writer, revision, f"{name}: ", _plain(old_value), _plain(new_value)))
    for t in c.texts or _parameter_effects(c, diff, profile):
        for scope, tier in _tier_groups(t, c.id, diff, profile):
            body.append(writer.paragraph(Paragraph(Style.BODY, (Run(f"Text ({scope})", bold=True),))))
            old = preview_paragraphs(t.old, c.id, diff.old_library, tier, profile, lists)
            new = preview_paragraphs(t.new, c.id, diff.new_library, tier, profile, lists)
            body.append(redline_blocks(old, new, writer, revision))
    return body


_PAGE_BREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'


def _title_lines(diff: LibraryDiff, profile: Profile | None, revision: Revision) -> list[tuple[str, str]]:
    assert diff.old_library is not None and diff.new_library is not None
    values = (
        f"as in the profile {profile.name}" if profile is not None else
        "the library's defaults; a comment on each value names its parameter, which each council "
        "sets in its profile. Names in square brackets, such as [council.name], are filled in "
        "from the council's profile; a cross-reference shows the title of the clause it points at"
    )
    return [
        ("From: ", _describe(diff.old, diff.old_library)),
        ("To: ", _describe(diff.new, diff.new_library)),
        ("Parameter values: ", values + "."),
        ("Tracked changes: ", f"by {revision.author}, dated {format_date(revision.date)}. Accept or reject each one in Word."),
    ]


def _describe(label: str, library: ClauseLibrary) -> str:
    """``release 2026.1 of 1 April 2026 (commit 3f2a9c1)``, or what a reference holds."""
    spec = library.spec
    said = f"release {spec.release} of {format_date(spec.release_date)}"
    if label.startswith(f"release {spec.release} ("):
        return f"{said} (commit {label.rsplit('(', 1)[1].rstrip(')')})"
    if label == "working tree":
        return f"the library as it is now, not yet released (its library.yaml says {said})"
    return f"{label}, whose library.yaml says {said}"


def _parameter_effects(c: ClauseChange, diff: LibraryDiff, profile: Profile | None) -> tuple[TextChange, ...]:
    """For a clause whose parameters changed but whose text did not, the text itself,
    where the values it shows changed: a solicitor reads the words, not the defaults."""
    assert diff.old_library is not None and diff.new_library is not None
    ca, cb = diff.old_library.clauses.get(c.id), diff.new_library.clauses.get(c.id)
    if not c.parameters or ca is None or cb is None:
        return ()
    changes = []
    for tier in diff.new_library.tiers:
        old, new = ca.text_for(tier), cb.text_for(tier)
        if tier not in diff.old_library.tiers or old is None or new is None:
            continue
        before = preview_paragraphs(old, c.id, diff.old_library, tier, profile)
        after = preview_paragraphs(new, c.id, diff.new_library, tier, profile)
        if [p.text for p in before] != [p.text for p in after]:
            changes.append(TextChange(tier, old, new))
    if len(changes) == len(diff.new_library.tiers) and len({(t.old, t.new) for t in changes}) == 1:
        return (TextChange("all tiers", changes[0].old, changes[0].new),)
    return tuple(changes)


def _tier_groups(t: TextChange, clause_id: str, diff: LibraryDiff, profile: Profile | None) -> list[tuple[str, str]]:
    """(label, tier to render) for a text change: one per group of tiers that read the
    same once rendered (a text for all tiers can still say different things per tier)."""
    assert diff.old_library is not None and diff.new_library is not None
    tiers = [t.scope] if t.scope in diff.new_library.tiers or t.scope in diff.old_library.tiers else diff.new_library.tiers
    groups: dict[tuple, list[str]] = {}
    for tier in tiers:
        key = tuple(
            tuple((p.style, p.text) for p in preview_paragraphs(text, clause_id, lib, tier, profile))
            for text, lib in ((t.old, diff.old_library), (t.new, diff.new_library))
            if tier in lib.tiers
        )
        groups.setdefault(key, []).append(tier)
    if len(groups) == 1:
        return [(t.scope, tiers[0])]
    return [(", ".join(members), members[0]) for members in groups.values()]


def _heading(text: str) -> str:
    return f'<w:p><w:pPr><w:pStyle w:val="{Style.HEADING.value}"/></w:pPr><w:r><w:t xml:space="preserve">{xml_text(text)}</w:t></w:r></w:p>'


def _redline_line(writer: BodyWriter, revision: Revision, label: str, old: str, new: str) -> str:
    a = Paragraph(Style.BODY, (Run(label, bold=True), Run(old)))
    b = Paragraph(Style.BODY, (Run(label, bold=True), Run(new)))
    return redline_blocks([a], [b], writer, revision)

