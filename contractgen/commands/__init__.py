"""The application layer: the jobs that run over a whole workspace (``build``, ``validate``).

The Click command line (:mod:`contractgen.cli`) sits above this and calls into it.
"""

from .build import build_workspace
from .validate import validate_workspace

__all__ = ["build_workspace", "validate_workspace"]
