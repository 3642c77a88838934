"""Contract schedules: assembling clauses into a document, rendering it through the
council's template, previews, clause diffs and variations.
"""

from .diff import diff_library
from .render import render_schedule

__all__ = ["render_schedule", "diff_library"]
