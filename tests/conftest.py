"""Shared fixtures: an isolated home, a copy of the example workspace, real-reader checks."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's home, config or cache. The cache (LibreOffice's
    kept profile) is shared by the tests of one session."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("CONTRACTGEN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.delenv("CONTRACTGEN_WORKSPACE", raising=False)
    monkeypatch.delenv("CONTRACTGEN_DATABASE_URL", raising=False)  # the case database: the workspace's own


@pytest.fixture
def workspace_dir(tmp_path: Path) -> Path:
    """A private copy of the shipped example workspace (the repository's own)."""
    target = tmp_path / "ws"
    target.mkdir()
    shutil.copy2(ROOT / "contractgen.yaml", target / "contractgen.yaml")
    for name in ("clause_library", "templates", "profiles", "examples"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("~$*"))
    return target


@pytest.fixture
def workspace(workspace_dir: Path):
    from contractgen.library.workspace import load_workspace

    return load_workspace(workspace_dir)


def require_tool(name: str) -> str:
    """The path of an external reader; skip without it, except in CI where it must exist."""
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is required in CI (.ci/run installs it) but is not on PATH")
        pytest.skip(f"{name} is not installed")
    return path


def require_soffice() -> str:
    """LibreOffice's soffice, on PATH or in its usual install folder (as contractgen finds
    it); skip without it, except in CI where it must exist."""
    from contractgen.base.errors import ExternalToolError
    from contractgen.base.pdf import find_soffice

    try:
        return find_soffice()
    except ExternalToolError:
        if IN_CI:
            pytest.fail("LibreOffice is required in CI (.ci/run installs it) but was not found")
        pytest.skip("LibreOffice is not installed")


def calc_library(soffice: str) -> Path | None:
    """LibreOffice Calc's library beside ``soffice`` (Linux, Windows, macOS), or None when
    only Writer is installed (Debian's libreoffice-writer without libreoffice-calc)."""
    program = Path(os.path.realpath(soffice)).parent
    for candidate in (program / "libsclo.so", program / "sclo.dll", program.parent / "Frameworks" / "libsclo.dylib"):
        if candidate.is_file():
            return candidate
    return None


@pytest.fixture(scope="module")
def libreoffice(tmp_path_factory: pytest.TempPathFactory):
    """LibreOffice in a private profile, one per test module (see helpers_git.LibreOffice)."""
    from helpers_git import LibreOffice

    return LibreOffice(tmp_path_factory.mktemp("lo"), require_soffice())


@pytest.fixture(scope="module")
def libreoffice_calc(libreoffice):
    """:func:`libreoffice`, with Calc installed: skip without it (outside CI)."""
    if calc_library(libreoffice.soffice) is None:
        if IN_CI:
            pytest.fail("LibreOffice Calc is required in CI (.ci/run installs libreoffice-calc-nogui) but is not installed")
        pytest.skip("LibreOffice Calc is not installed (Writer alone cannot open .xlsx)")
    return libreoffice


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts LibreOffice (the ``libreoffice`` fixture) is a reader test even
    when its mark was forgotten: ``-m "not reader"`` (the fast suite) leaves it out."""
    for item in items:
        if "libreoffice" in getattr(item, "fixturenames", ()) and item.get_closest_marker("reader") is None:
            item.add_marker(pytest.mark.reader)


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server for the session (helpers_pg.PostgresServer)."""
    from helpers_pg import PostgresServer

    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])  # a server of its own: slow
def case_database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each case test runs on the default SQLite file and on a real PostgreSQL server:
    the backend's name; CONTRACTGEN_DATABASE_URL is set for PostgreSQL."""
    monkeypatch.delenv("CONTRACTGEN_DATABASE_URL", raising=False)
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        monkeypatch.setenv("CONTRACTGEN_DATABASE_URL", server.new_database())
    return request.param
