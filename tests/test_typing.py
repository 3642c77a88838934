"""The library is typed: mypy checks it (configured in pyproject.toml)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from conftest import IN_CI, ROOT


def test_mypy_finds_no_type_errors() -> None:
    if importlib.util.find_spec("mypy") is None:
        if IN_CI:
            pytest.fail("mypy is in the [test] extra and must be installed in CI")
        pytest.skip("mypy is not installed (pip install -e '.[test]')")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", str(ROOT / ".mypy_cache")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
