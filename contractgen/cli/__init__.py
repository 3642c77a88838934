"""The command line: parse options, call one library function, print a short summary.

All errors are turned into messages and exit codes in exactly one place
(:meth:`root.Group.invoke`): 1 for bad input, 2 for bad usage, 130 when interrupted.
Work is imported lazily inside each command so that ``--help`` stays fast. Each module
adds its commands to the group when it is imported, here.
"""

from . import audit, case, documents, review, setup  # noqa: F401  (each adds its commands)
from .root import cli, main

__all__ = ["cli", "main"]
