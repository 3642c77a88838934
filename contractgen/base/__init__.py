"""The base layer: errors, reading untrusted files, YAML, typed models, tables, names,
working days, git plumbing, Jinja environments and the external PDF converter.

It knows nothing of Word documents, clauses or providers; every other package builds on it.
"""
