"""The clause library and council profiles: loading and checking them, the workspace that
holds them, releases found in git history and version discipline.
"""

from .clauses import load_library
from .profiles import load_profile
from .versions import check_versions
from .workspace import load_workspace

__all__ = ["load_library", "load_profile", "check_versions", "load_workspace"]
