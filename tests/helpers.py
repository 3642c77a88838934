"""Small tools for the schedule tests: file trees, in-place edits, docx parts and text,
and the command line run in-process.

Import as ``from helpers import ...`` (``tests/`` is on ``sys.path`` under pytest's
default import mode, as for ``conftest_shared``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from pathlib import Path
from typing import Any, NoReturn

import pytest
from click.testing import CliRunner, Result
from lxml import etree

from contractgen import __version__

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN", "") not in ("", "0")

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "op": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
}


# ----------------------------------------------------------------- files


def build_file_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``{relative path: text or bytes}`` under ``root`` (copier's helper of the
    same name); return ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in a text file (fails loudly when the file
    no longer reads as the test expects)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(text)


def line_of(path: Path, text: str) -> int:
    """The 1-based number of the first line of ``path`` containing ``text``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


# ----------------------------------------------------------------- documents


def docx_parts(source: Path | bytes) -> dict[str, bytes]:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def xml(parts: dict[str, bytes], name: str) -> etree._Element:
    return etree.fromstring(parts[name])


def docx_text(source: Path | bytes) -> str:
    """What a reader sees, one paragraph a line, with Word's number labels."""
    from contractgen.word.textconv import docx_to_text

    return docx_to_text(source)


def core_properties(parts: dict[str, bytes]) -> dict[str, str]:
    root = xml(parts, "docProps/core.xml")
    return {etree.QName(el).localname: el.text or "" for el in root}


def custom_properties(parts: dict[str, bytes]) -> dict[str, str]:
    root = xml(parts, "docProps/custom.xml")
    return {p.get("name"): p.findtext("vt:lpwstr", namespaces=NS) for p in root.findall("op:property", NS)}


def render_docx(
    workspace: Any,
    profile: str,
    *,
    tier: str | None = None,
    date: dt.date | None = None,
    include_drafts: bool = False,
) -> bytes:
    """A schedule's bytes, rendered in memory through the library API."""
    from contractgen.schedule.render import build_schedule_parts, prepare
    from contractgen.word.package import package_bytes

    library, prof = prepare(workspace, profile, include_drafts=include_drafts)
    parts, _ = build_schedule_parts(workspace, library, prof, tier=tier, date=date, include_drafts=include_drafts)
    return package_bytes(parts)


def without_version(text: str) -> str:
    """Golden text does not change with every release of contractgen itself."""
    return text.replace(f"contractgen {__version__}", "contractgen {version}")


def check_golden(name: str, actual: str) -> None:
    """Compare with ``tests/golden/<name>``; ``UPDATE_GOLDEN=1`` rewrites it instead, and
    fails (see :func:`write_golden`)."""
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        write_golden((path, actual))
    assert path.is_file(), f"no golden file {path}; run UPDATE_GOLDEN=1 python -m pytest {Path(__file__).parent}/test_schedule.py"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"rendered text differs from {path.relative_to(ROOT)}; if the change is intended, "
        "regenerate with UPDATE_GOLDEN=1 and review the diff"
    )


def write_golden(*files: tuple[Path, str]) -> NoReturn:
    """Write golden files (path, text), then fail: a golden is an independent check, so a
    run that writes one never passes (it would pass by accident). Review the diff, then
    run the tests again without ``UPDATE_GOLDEN``."""
    said = []
    for path, actual in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        changed = not path.is_file() or path.read_text(encoding="utf-8") != actual
        path.write_text(actual, encoding="utf-8")
        said.append(f"{'wrote' if changed else 'unchanged'} {path.relative_to(ROOT)}")
    pytest.fail(
        f"UPDATE_GOLDEN: {'; '.join(said)}; review the diff (git diff tests/golden), then run the tests again "
        "without UPDATE_GOLDEN: a run that writes golden files fails",
        pytrace=False,
    )


# ----------------------------------------------------------------- command line


def console_blocks(markdown: str, *, skip_blank: bool = False) -> list[list[tuple[str, list[str]]]]:
    """The ```console blocks of a README or docs page, each a list of (command after
    ``$ ``, the output lines shown under it); ``skip_blank`` strips lines and drops blank
    ones. The walkthrough tests run these commands and compare the output."""
    blocks = []
    for body in re.findall(r"```console\n(.*?)```", markdown, re.S):
        steps: list[tuple[str, list[str]]] = []
        for line in body.splitlines():
            line = line.strip() if skip_blank else line
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif line or not skip_blank:
                steps[-1][1].append(line)
        blocks.append(steps)
    return blocks


def run_cli(*args: str, input: str | None = None) -> Result:
    """``contractgen ARGS`` in-process; stdout and stderr are kept apart."""
    from contractgen.cli import cli

    result = CliRunner().invoke(cli, list(args), input=input, prog_name="contractgen")
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        "the command raised instead of reporting:\n"
        + "".join(__import__("traceback").format_exception(result.exception))
    )
    assert "Traceback" not in result.output
    return result


def stderr_lines(result: Result) -> list[str]:
    return result.stderr.splitlines()


def files_under(folder: Path) -> list[str]:
    """Every file below ``folder`` (relative, sorted): to prove nothing was written."""
    if not folder.exists():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


EXAMPLE_EXPORT_DAY = dt.date(2026, 11, 26)  # the shipped example export's download date (in its name)


def example_export(root: Path, as_of: dt.date) -> Path:
    """The example workspace's DSPT export as if downloaded on ``as_of``: the shipped
    ``examples/dspt-export-2026-11-26.csv``, or a copy named for ``as_of``. A test of the
    letters' dates on another day stands for an export taken that day (the export's age
    is checked by its name: evidence checks are tested in test_evidence.py)."""
    shipped = root / "examples" / f"dspt-export-{EXAMPLE_EXPORT_DAY.isoformat()}.csv"
    if as_of == EXAMPLE_EXPORT_DAY:
        return shipped
    dated = shipped.with_name(f"dspt-export-{as_of.isoformat()}.csv")
    if not dated.exists():
        dated.write_bytes(shipped.read_bytes())
    return dated


# ----------------------------------------------------------------- a tiny library

TINY_LIBRARY: dict[str, str] = {
    "library.yaml": """\
name: Tiny library
release: "2026.1"
release_date: 2026-04-01
tiers:
  basic:
    title: Basic
    description: The basic tier.
    minimum_status: Standards Met
  extra:
    title: Extra
    description: The extra tier.
    minimum_status: Standards Exceeded
sections:
  - id: general
    title: General
  - id: security
    title: Security
""",
    "clauses/t.intro.yaml": """\
id: t.intro
title: Introduction
version: 1.0.0
status: approved
section: general
applies_to: [schedule]
text: |
  This Schedule applies to {{ council.name }}.

  The duty is in paragraph {{ ref("t.duty") }}.
changelog:
  - version: 1.0.0
    date: 2026-01-01
    summary: First release.
""",
    "clauses/t.duty.yaml": """\
id: t.duty
title: The duty
version: 1.1.0
status: approved
section: security
applies_to: [schedule]
parameters:
  - name: notice_days
    type: integer
    default: 5
    description: Working Days for notice.
text:
  default: |
    The Provider shall give notice within {{ notice_days }} Working Days.
  extra: |
    The Provider shall:

    1. give notice within {{ notice_days }} Working Days; and
    2. keep a log.
changelog:
  - version: 1.0.0
    date: 2026-01-01
    summary: First release.
  - version: 1.1.0
    date: 2026-02-01
    summary: Extra tier list.
""",
    "clauses/t.extra-only.yaml": """\
id: t.extra-only
title: Extra only
version: 1.0.0
status: approved
section: security
applies_to: [schedule]
text:
  extra: Only in the extra tier.
changelog:
  - version: 1.0.0
    date: 2026-01-01
    summary: First release.
""",
    "clauses/t.draft.yaml": """\
id: t.draft
title: A draft
version: 0.1.0
status: draft
section: security
applies_to: [schedule]
text: Not yet approved.
changelog:
  - version: 0.1.0
    date: 2026-01-01
    summary: Draft.
""",
    "clauses/t.old.yaml": """\
id: t.old
title: An old clause
version: 2.0.0
status: withdrawn
section: general
applies_to: [schedule]
text: No longer used.
changelog:
  - version: 2.0.0
    date: 2026-01-01
    summary: Withdrawn.
""",
}


def tiny_library(root: Path, changes: dict[str, str | None] | None = None) -> Path:
    """The tiny library in ``root``; ``changes`` replace (or, when None, delete) files by
    their relative path. Returns ``root``."""
    files: dict[str, str | bytes] = dict(TINY_LIBRARY)
    for rel, content in (changes or {}).items():
        if content is None:
            files.pop(rel, None)
        else:
            files[rel] = content
    return build_file_tree(root, files)


def strip(text: str) -> str:
    """Collapse whitespace runs (for comparing wrapped messages)."""
    return re.sub(r"\s+", " ", text).strip()
