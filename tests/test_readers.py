"""Real readers open the schedules: LibreOffice converts each to PDF (read back with
pdftotext), and pandoc reads the .docx. Skipped locally without the tools; in CI they
must be installed (conftest.require_tool fails the test there)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, require_soffice, require_tool
from helpers import render_docx

from contractgen.base.officeprofile import prepare_profile
from contractgen.library.workspace import load_workspace

pytestmark = pytest.mark.reader

PROFILES = {"example-borough": "Example Borough Council", "riverside-and-vale": "Riverside & Vale City Council"}
TIERS = {
    "foundation": ("The Provider is in the Foundation Tier.", "Approaching Standards"),
    "core": ("The Provider is in the Core Tier.", "Standards Met"),
    "advanced": ("The Provider is in the Advanced Tier.", "Standards Exceeded"),
}
DSPT_WORDING = "Data Security and Protection Toolkit"


@pytest.fixture(scope="module")
def schedules(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Every example council's schedule in every tier, written once for the module."""
    root = tmp_path_factory.mktemp("readers-ws")
    shutil.copy2(ROOT / "contractgen.yaml", root / "contractgen.yaml")
    for name in ("clause_library", "templates", "profiles"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("~$*"))
    workspace = load_workspace(root)
    out = tmp_path_factory.mktemp("schedules")
    paths = {}
    for profile in PROFILES:
        for tier in TIERS:
            path = out / f"{profile}-{tier}.docx"
            path.write_bytes(render_docx(workspace, profile, tier=tier))
            paths[profile, tier] = path
    return paths


def squash(text: str) -> str:
    """Reader output wraps lines and may hyphenate at line ends: compare on single spaces."""
    return re.sub(r"\s+", " ", text.replace("\u00ad", ""))


@pytest.fixture(scope="module")
def pdf_texts(schedules, tmp_path_factory) -> dict[tuple[str, str], tuple[str, int]]:
    """LibreOffice headless, with a private profile folder, converts all of them at once."""
    soffice = require_soffice()
    pdftotext = require_tool("pdftotext")
    pdfinfo = require_tool("pdfinfo")
    profile_dir = prepare_profile(tmp_path_factory.mktemp("lo") / "profile")
    home = tmp_path_factory.mktemp("lo-home")
    out = tmp_path_factory.mktemp("pdf")
    env = {**os.environ, "HOME": str(home)}
    done = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation={profile_dir.as_uri()}",
         "--convert-to", "pdf", "--outdir", str(out), *map(str, schedules.values())],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert done.returncode == 0, done.stderr
    texts = {}
    for key, docx_path in schedules.items():
        pdf = out / (docx_path.stem + ".pdf")
        assert pdf.is_file(), f"LibreOffice did not convert {docx_path.name}: {done.stdout}{done.stderr}"
        text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
        texts[key] = (text, pages)
    return texts


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("profile", PROFILES)
def test_libreoffice_shows_the_council_the_dspt_wording_and_the_tier(pdf_texts, profile, tier):
    text, pages = pdf_texts[profile, tier]
    flat = squash(text)
    council = PROFILES[profile]
    statement, status = TIERS[tier]
    assert council in flat
    assert DSPT_WORDING in flat
    assert statement in flat
    assert f"DSPT status required {status}" in flat
    # Word numbering, as LibreOffice lays it out: sections, clauses and (a) items
    assert re.search(r"^\s*1\.\s+DEFINITIONS AND INTERPRETATION", text, re.M | re.I)
    assert re.search(r"^\s*2\.1\s+The DSPT requirement\.", text, re.M)
    assert re.search(r"^\s*\(a\)\s+", text, re.M)
    # cross-references show the cached clause numbers
    assert re.search(r"under paragraph \d+\.\d+", flat)
    # the footer's fields were computed by LibreOffice
    assert f"Page 1 of {pages}" in flat and pages > 3


def test_libreoffice_keeps_the_ampersand_as_typed(pdf_texts):
    text, _ = pdf_texts["riverside-and-vale", "core"]
    assert "Riverside & Vale City Council" in text
    assert "&amp;" not in text


@pytest.fixture(scope="module")
def pandoc_texts(schedules) -> dict[tuple[str, str], str]:
    pandoc = require_tool("pandoc")
    return {
        key: subprocess.run([pandoc, "-f", "docx", "-t", "plain", "--wrap=none", str(path)],
                            capture_output=True, text=True, check=True, timeout=120).stdout
        for key, path in schedules.items()
    }


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("profile", PROFILES)
def test_pandoc_reads_the_same(pandoc_texts, profile, tier):
    flat = squash(pandoc_texts[profile, tier])
    statement, status = TIERS[tier]
    assert PROFILES[profile] in flat
    assert DSPT_WORDING in flat
    assert statement in flat
    assert status in flat
    assert "Document control" in flat
