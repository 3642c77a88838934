"""The house: packages by layer, imports at the top of each module, functions small enough
to read. The layering itself (no upward import, no circle, no click below the command
line) is import-linter's contracts in pyproject.toml, run by ``lint-imports`` in .ci/run;
this file checks what import-linter cannot see."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "contractgen"
LAYERS = ["cli", "commands", "overview", "audit", "letters", "casebook", "schedule", "dspt", "library", "word", "base"]


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "_defaults" not in p.parts)


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def test_every_module_lives_in_the_package_of_its_layer():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py"]
    packages = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    assert packages == sorted(LAYERS)


def test_the_layers_in_pyproject_are_the_layers_here():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = text[text.index("layers = [") : text.index("]", text.index("layers = ["))]
    assert re.findall(r'"(\w+)"', block) == LAYERS


def test_imports_are_at_the_top_of_each_module_except_the_command_lines_lazy_ones():
    found = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lines = path.read_text(encoding="utf-8").splitlines()
        for func in _functions(tree):
            for node in ast.walk(func):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    line = lines[node.lineno - 1]
                    if path.parent == PACKAGE / "cli" and "# lazy: keeps `contractgen --help` fast" in line:
                        continue
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {line.strip()}")
    assert found == []


def test_the_readme_map_names_every_package_once():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Where things live") :]
    section = section[: section.index("\n## ", 4)] if "\n## " in section[4:] else section
    named = re.findall(r"^\s*contractgen/(\w+)(?:/|\.py)", section, flags=re.M)
    assert sorted(set(named)) == sorted(LAYERS)
    assert len(named) == len(set(named))


def test_import_linter_keeps_every_contract():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "3 kept, 0 broken" in result.stdout


def test_no_function_is_longer_than_sixty_lines_without_a_reason():
    """Long functions are split into named steps that read top to bottom; where a table
    of cases really is clearer as one function, its ``def`` line says why (``# long: ...``)."""
    found = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for func in _functions(ast.parse(text)):
            length = func.end_lineno - func.lineno + 1
            if length > 60 and "# long:" not in lines[func.lineno - 1]:
                found.append(f"{path.relative_to(ROOT)}:{func.lineno}: {func.name} is {length} lines")
    assert found == []
