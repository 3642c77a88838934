"""Small SVG charts drawn by contractgen itself, for pages that must work offline.

Each function returns one ``<svg>`` element as text, with a ``<title>`` and the numbers
written beside the bars or points, so the chart reads without colour and prints sharply.
Every label is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

FONT = "font-family:inherit;font-size:12px"


def percent_bars(items: Sequence[tuple[str, int, int]], title: str, *, width: int = 640) -> str:
    """One horizontal bar per ``(label, part, whole)``: the share of ``whole``, 0-100%."""
    label_w, bar_w, row_h = 200, width - 200 - 120, 24
    height = row_h * len(items) + 8
    parts = [_open(width, height, title)]
    for i, (label, part, whole) in enumerate(items):
        y = 4 + i * row_h
        share = part / whole if whole else 0.0
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" style="{FONT}">{escape(_clip(label))}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="{row_h - 8}" fill="#e8ecef"/>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * share:.1f}" height="{row_h - 8}" fill="#2e7d4f"/>'
            f'<text x="{label_w + bar_w + 8}" y="{y + 16}" style="{FONT}">'
            f"{100 * share:.1f}% ({part}/{whole})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar(segments: Sequence[tuple[str, int, str]], title: str, *, width: int = 640) -> str:
    """One bar split into ``(label, count, colour)`` segments, with a legend below."""
    total = sum(n for _, n, _ in segments) or 1
    bar_h, legend_h = 28, 20
    rows = (len(segments) + 2) // 3
    height = bar_h + 10 + rows * legend_h
    parts = [_open(width, height, title)]
    x = 0.0
    for label, count, colour in segments:
        w = width * count / total
        if w:
            parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                         f"<title>{escape(label)}: {count}</title></rect>")
        x += w
    for i, (label, count, colour) in enumerate(segments):
        lx, ly = (i % 3) * (width // 3), bar_h + 10 + (i // 3) * legend_h
        parts.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{lx + 18}" y="{ly + 11}" style="{FONT}">{escape(label)}: {count}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend_line(points: Sequence[tuple[str, float]], title: str, *, width: int = 640) -> str:
    """Percentages (0-100) over labelled points, left to right, each value written."""
    height, left, right, top, bottom = 220, 48, 56, 16, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [_open(width, height, title)]
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" style="{FONT}">{pct}%</text>')
    step = plot_w / (len(points) - 1) if len(points) > 1 else 0
    xy = [(left + (i * step if len(points) > 1 else plot_w / 2), top + plot_h * (1 - v / 100))
          for i, (_, v) in enumerate(points)]
    if len(xy) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#2e7d4f" stroke-width="2.5"/>')
    for (label, value), (x, y) in zip(points, xy):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#2e7d4f"/>'
                     f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" style="{FONT}">{value:.1f}%</text>'
                     f'<text x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle" style="{FONT}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>')


def _clip(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
