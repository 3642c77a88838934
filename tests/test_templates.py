"""The shipped templates are what scripts/make_templates.py makes: reviewable as code,
reproducible to the byte."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from conftest import ROOT


def test_the_committed_templates_are_the_generated_ones(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_templates", ROOT / "scripts" / "make_templates.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in ("schedule.docx", "letter.docx"):
        assert (tmp_path / name).read_bytes() == (ROOT / "templates" / name).read_bytes(), (
            f"templates/{name} differs from what scripts/make_templates.py makes: run it and commit the result"
        )
