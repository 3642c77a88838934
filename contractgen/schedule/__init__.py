"""Contract schedules: assembling clauses into a document, rendering it through the
council's template, previews, clause diffs and variations.
"""
