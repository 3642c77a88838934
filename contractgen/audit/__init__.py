"""Business continuity plan audits: the form a provider fills in, reading it back, scoring it
and the feedback letter.
"""

from .form import write_audit_forms
from .score import score_audit_forms

__all__ = ["write_audit_forms", "score_audit_forms"]
