"""docs/case-record.md's walkthrough, command by command, in a fresh workspace: each
``$ command`` of its console block is run in order (``cp`` copies a file) and its output (stdout and stderr as
a terminal shows them) compared with the page's. The times ``case show`` prints are
compared as ``<time>``."""

from __future__ import annotations

import datetime as dt
import re
import shlex
import shutil
from pathlib import Path

import pytest

from helpers import console_blocks, run_cli

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "case-record.md"
TIME = re.compile(r"\b\d{4}-\d\d-\d\d \d\d:\d\d UTC\b")


def walkthrough() -> list[tuple[str, list[str]]]:
    (steps,) = console_blocks(PAGE.read_text(encoding="utf-8"))
    return steps


def test_the_case_record_walkthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Alex Officer")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "alex@example.org")
    from contractgen.casebook import record

    # the walkthrough's events are recorded on or after they happen: its story's today is 4 May 2027
    monkeypatch.setattr(record, "current_date", lambda: dt.date(2027, 5, 4))
    assert run_cli("init", str(tmp_path / "ws"), "--example", "--no-git").exit_code == 0
    monkeypatch.chdir(tmp_path / "ws")
    steps = walkthrough()
    assert len(steps) == 14
    for command, expected in steps:
        args = shlex.split(command)
        if args[0] == "cp":  # the day's export (the example's, under the day's name)
            shutil.copyfile(args[1], args[2])
            assert expected == [], command
            continue
        assert args[0] == "contractgen"
        result = run_cli(*args[1:])
        assert result.exit_code == 0, (command, result.output)
        assert TIME.sub("<time>", result.output).splitlines() == [TIME.sub("<time>", line) for line in expected], command
    assert (tmp_path / "ws" / "backup" / "cases.csv").is_file()
