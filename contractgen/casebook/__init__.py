"""The case record: each provider's case over time, kept in a database (SQLite in the
workspace by default, or a team's shared server), and the ``contractgen case`` commands."""

from .issued import record_issued, unissued_batch
from .record import export_cases, list_cases, record_event, show_case
from .store import open_casebook, read_cases

__all__ = ["export_cases", "list_cases", "open_casebook", "read_cases", "record_event", "record_issued", "show_case", "unissued_batch"]
