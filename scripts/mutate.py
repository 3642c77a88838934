#!/usr/bin/env python3
"""Mutation testing of the position code: does a test fail when the code is subtly wrong?

A small AST mutator (no dependency): for each module given (default: the contractual
position, ``contractgen/dspt/position.py`` with its terms ``contractgen/dspt/terms.py``, and the case record's reading of it,
``contractgen/dspt/followup.py`` and ``contractgen/dspt/case.py``) it makes one mutant per
site: a comparison's boundary or sense (``<`` to ``<=``, ``==`` to ``!=``...), ``min`` and
``max`` swapped, ``+`` and ``-`` swapped, an integer constant off by one, ``and`` and
``or`` swapped, ``True`` and ``False`` swapped. The tests that cover the position are run
against each mutant (the working tree is never touched); a mutant that no test notices
*survives*.

    .venv/bin/python scripts/mutate.py                 # every mutant; prints the survivors
    .venv/bin/python scripts/mutate.py --list          # the mutants, without running anything
    .venv/bin/python scripts/mutate.py --only 12 --only 40

The mutants run in one process (a fresh process per mutant costs far more than the
tests): each mutant's functions are swapped into the loaded module (their code objects
and defaults, dataclass ``__init__`` defaults included; an ``lru_cache``'s function
too), so every reference to them, from other modules and from the tests, runs the
mutant; then the originals are put back. Every cache of contractgen's (``lru_cache``\s,
the positions worked out once per kind of record) is cleared at each swap, so that no
mutant is answered by another's results. Module-level constants are not mutated.

Exit status 1 when a mutant survives. Functions whose name is in ``SKIP`` (text only:
``reason`` sentences) and docstrings are not mutated.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ["contractgen/dspt/position.py", "contractgen/dspt/terms.py", "contractgen/dspt/followup.py", "contractgen/dspt/case.py"]
TESTS = ["tests/test_position.py", "tests/test_position_boundaries.py", "tests/test_case_position.py",
         "tests/test_case.py::test_case_state_keeps_the_first_notice_and_its_dates", "tests/test_case.py::test_a_plan_rejected_after_it_arrived_is_not_in",
         "tests/test_letters_batch.py"]  # the batch's positions: cached by kind of record, case and certificate
SKIP = {"_days", "summary", "as_context", "__post_init__", "label"}
COMPARE_SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
                 ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}


@dataclass(frozen=True)
class Mutant:
    number: int
    module: str
    line: int
    what: str


class _Sites(ast.NodeVisitor):
    """Every place a mutation can be made, in source order, as (node path, description)."""

    def __init__(self) -> None:
        self.sites: list[tuple[ast.AST, int, str]] = []
        self._skip = 0

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in SKIP:
            return
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring
        for child in body:
            self.visit(child)
        for default in node.args.defaults:
            self.visit(default)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for child in node.body:
            if isinstance(child, (ast.FunctionDef, ast.ClassDef)):
                self.visit(child)
            elif isinstance(child, ast.AnnAssign) and child.value is not None:
                self.visit(child.value)  # dataclass defaults

    def visit_Compare(self, node: ast.Compare) -> None:
        for i, op in enumerate(node.ops):
            if type(op) in COMPARE_SWAPS:
                self.sites.append((node, i, f"{type(op).__name__} -> {COMPARE_SWAPS[type(op)].__name__}"))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in ("min", "max"):
            self.sites.append((node, 0, f"{node.func.id} -> {'max' if node.func.id == 'min' else 'min'}"))
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, (ast.Add, ast.Sub)) and not _is_text(node):
            self.sites.append((node, 0, "+ -> -" if isinstance(node.op, ast.Add) else "- -> +"))
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        self.sites.append((node, 0, "and -> or" if isinstance(node.op, ast.And) else "or -> and"))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bool):
            self.sites.append((node, 0, f"{node.value} -> {not node.value}"))
        elif isinstance(node.value, int) and not isinstance(node.value, bool):
            self.sites.append((node, 1, f"{node.value} -> {node.value + 1}"))

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        return  # text only


def _is_text(node: ast.BinOp) -> bool:
    return any(isinstance(side, (ast.JoinedStr, ast.Constant)) and isinstance(getattr(side, "value", None), str)
               or isinstance(side, ast.JoinedStr) for side in (node.left, node.right))


def _apply(node: ast.AST, index: int) -> None:
    if isinstance(node, ast.Compare):
        node.ops[index] = COMPARE_SWAPS[type(node.ops[index])]()
    elif isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        node.func.id = "max" if node.func.id == "min" else "min"
    elif isinstance(node, ast.BinOp):
        node.op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
    elif isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif isinstance(node, ast.Constant):
        node.value = (not node.value) if isinstance(node.value, bool) else node.value + 1


def mutants(modules: list[str]) -> list[tuple[Mutant, str]]:
    """Every mutant: its description and the mutated source of its module."""
    found: list[tuple[Mutant, str]] = []
    for module in modules:
        source = (ROOT / module).read_text(encoding="utf-8")
        tree = ast.parse(source)
        sites = _Sites()
        sites.visit(tree)
        for i, (node, index, what) in enumerate(sites.sites):
            mutated = copy.deepcopy(tree)
            target = _Sites()
            target.visit(mutated)
            _apply(target.sites[i][0], index)
            found.append((Mutant(len(found) + 1, module, node.lineno, what), ast.unparse(mutated)))
    return found


# ------------------------------------------------------------------ in one process

_ORIGINAL: dict[object, object] = {}


def _functions(namespace: dict) -> dict[str, object]:
    """The module's functions, methods, properties' getters and dataclass __init__s, by
    a dotted name."""
    found: dict[str, object] = {}
    for name, value in namespace.items():
        if isinstance(value, type) and value.__module__ == namespace["__name__"]:
            for attr, member in vars(value).items():
                if isinstance(member, property) and member.fget is not None:
                    found[f"{name}.{attr}"] = member.fget
                elif isinstance(member, (staticmethod, classmethod)):
                    found[f"{name}.{attr}"] = member.__func__
                elif callable(member) and hasattr(member, "__code__"):
                    found[f"{name}.{attr}"] = member
        elif callable(value):
            func = getattr(value, "__wrapped__", value)  # an lru_cache's function
            if hasattr(func, "__code__") and func.__module__ == namespace["__name__"]:
                found[name] = func
    return found


def _clear_caches() -> None:
    """Forget what the code remembered (lru_caches, the positions worked out once per kind
    of record): a mutant must not be answered by the original's results, nor the
    original by a mutant's."""
    import sys

    for name, module in list(sys.modules.items()):
        if name.startswith("contractgen"):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()
    positions = sys.modules.get("contractgen.dspt.position")
    if positions is not None:
        positions._POSITIONS.clear()  # type: ignore[attr-defined]


def swap_in(module_name: str, source: str) -> None:
    """Give the loaded module's functions the mutant's code (and defaults), in place, so
    that every reference to them (other modules, the tests) runs the mutant."""
    import importlib

    module = importlib.import_module(module_name)
    namespace: dict = {"__name__": module_name, "__package__": module.__package__, "__file__": module.__file__}
    exec(compile(source, module.__file__ or module_name, "exec"), namespace)
    old, new = _functions(vars(module)), _functions(namespace)
    for name, func in old.items():
        if name not in new:
            continue
        _ORIGINAL.setdefault(func, (func.__code__, func.__defaults__, func.__kwdefaults__))  # type: ignore[attr-defined]
        func.__code__ = new[name].__code__  # type: ignore[attr-defined]
        func.__defaults__ = new[name].__defaults__  # type: ignore[attr-defined]
        func.__kwdefaults__ = new[name].__kwdefaults__  # type: ignore[attr-defined]
    _clear_caches()


def restore() -> None:
    for func, (code, defaults, kwdefaults) in _ORIGINAL.items():  # type: ignore[misc]
        func.__code__, func.__defaults__, func.__kwdefaults__ = code, defaults, kwdefaults  # type: ignore[attr-defined]
    _ORIGINAL.clear()
    _clear_caches()


def run_here(mutant: Mutant, source: str, tests: list[str]) -> bool:
    """True when the tests kill the mutant, run in this process (fast)."""
    import contextlib
    import io

    import pytest

    swap_in(mutant.module[:-3].replace("/", "."), source)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests])
        return code != 0
    except Exception:
        return True  # the mutant cannot even run
    finally:
        restore()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", default=MODULES)
    parser.add_argument("--list", action="store_true", help="List the mutants only.")
    parser.add_argument("--only", type=int, action="append", default=[], help="Run only mutant N (repeatable).")
    parser.add_argument("--tests", action="append", default=[], help="The tests to run (default: those of the position).")
    args = parser.parse_args()
    found = mutants(args.modules)
    if args.list:
        for m, _ in found:
            print(f"#{m.number} {m.module}:{m.line}: {m.what}")
        return 0
    tests = [t for t in (args.tests or TESTS) if (ROOT / t.split("::")[0]).exists()]
    chosen = [(m, s) for m, s in found if not args.only or m.number in args.only]
    survivors = []
    start = time.monotonic()
    sys.path.insert(0, str(ROOT / "tests"))
    os.chdir(ROOT)
    if run_here(Mutant(0, found[0][0].module, 0, "none"), (ROOT / found[0][0].module).read_text(encoding="utf-8"), tests):
        print("the tests fail on the unmutated code: fix them first")
        return 2
    for m, source in chosen:
        killed = run_here(m, source, tests)
        print(f"#{m.number} {m.module}:{m.line}: {m.what}: {'killed' if killed else 'SURVIVED'}", flush=True)
        if not killed:
            survivors.append(m)
    print(f"{len(chosen)} mutants, {len(chosen) - len(survivors)} killed, {len(survivors)} survived "
          f"({time.monotonic() - start:.0f} s)")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
