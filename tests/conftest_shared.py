"""Where the real DSPT exports are, and how tests that need them skip or fail.

The exports live beside the project, in ``../shared/data`` from the repository root;
they are never copied into the project. A user's clone may not have them: such tests
skip. In CI (environment variable ``CI`` set to ``true``, in any case, as conftest.py
reads it) they are always present, so a missing folder fails the test instead.

Test modules import it as ``from conftest_shared import require_shared_data``: pytest's
default ``prepend`` import mode puts ``tests/`` on ``sys.path``, because ``tests/`` has
no ``__init__.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: The project's root folder (the parent of ``tests/``).
REPO_ROOT = Path(__file__).resolve().parent.parent
#: The real DSPT exports, ``../shared/data`` relative to the project root.
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def require_shared_data(*names: str) -> Path:
    """Return :data:`SHARED_DATA` after checking that it (and each of ``names`` in it)
    exists. When missing: skip, or fail when the environment variable ``CI`` is true.
    """
    missing = [SHARED_DATA / n for n in names if not (SHARED_DATA / n).is_file()]
    if SHARED_DATA.is_dir() and not missing:
        return SHARED_DATA
    what = (
        ", ".join(str(p) for p in missing) if SHARED_DATA.is_dir() else str(SHARED_DATA)
    )
    message = f"real DSPT exports not found: {what}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (they must be present in CI)")
    pytest.skip(message)
