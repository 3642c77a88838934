"""The clause catalogue as people read it: ``clauses list`` and ``clauses show``."""

from __future__ import annotations

from .clauses import ClauseLibrary, ClauseStatus


def list_clauses(library: ClauseLibrary, *, include_withdrawn: bool = False) -> list[str]:
    """One aligned line per clause (id, version, status, section, tiers, title), then a count."""
    rows = []
    for c in library.ordered("schedule") + library.ordered("letter"):
        if c.status is ClauseStatus.WITHDRAWN and not include_withdrawn:
            continue
        tiers = ",".join(t for t in library.tiers if c.text_for(t) is not None) if "schedule" in c.applies_to else "letter"
        rows.append((c.id, c.version, c.status.value, c.section, tiers, c.title))
    widths = [max(len(r[i]) for r in rows) for i in range(5)] if rows else [0] * 5
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(5)) + "  " + r[5] for r in rows]
    lines.append(f"{len(rows)} clause{'' if len(rows) == 1 else 's'} in release {library.spec.release}")
    return lines


def describe_clause(library: ClauseLibrary, clause_id: str) -> str:
    """Everything about one clause: references, parameters, each tier's text, guidance,
    changelog."""
    c = library.clause(clause_id)
    lines = [f"{c.title}", f"{c.id}@{c.version} ({c.status.value}), section {c.section}, for {', '.join(c.applies_to)}"]
    if c.references:
        lines.append("References: " + "; ".join(c.references))
    if c.parameters:
        lines.append("Parameters:")
        for p in c.parameters:
            default = f" = {p.default!r}" if p.default is not None else " (required)"
            lines.append(f"  {p.name}: {p.type.value}{default}: {p.description}")
    tiers = library.tiers if "schedule" in c.applies_to else ["default"]
    for tier in tiers:
        text = c.text_for(tier) if tier != "default" else c.text_for(library.tiers[0])
        lines.append("")
        lines.append(f"[{tier}]" if text is not None else f"[{tier}] (not in this tier)")
        if text is not None:
            lines.extend("  " + t if t else "" for t in text.rstrip().splitlines())
    if c.guidance:
        lines += ["", "Guidance for commissioners:"] + ["  " + t if t else "" for t in c.guidance.rstrip().splitlines()]
    lines += ["", "Changelog:"] + [f"  {e.version} ({e.date}): {e.summary}" for e in c.changelog]
    return "\n".join(lines)
