"""The case record (issue 15): events in a real database, SQLite and PostgreSQL, the
case commands without Click, the letters reading the case, migrations and faults."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from contractgen.base.errors import CaseDatabaseError, CaseError, UsageError, display_path
from contractgen.casebook import store
from contractgen.casebook.importing import import_events
from contractgen.casebook.issued import letter_properties, record_issued
from contractgen.casebook.record import export_cases, list_cases, record_event, show_case
from contractgen.dspt.case import CaseEvent, EventKind, case_state
from contractgen.library.workspace import Workspace
from helpers import docx_text, run_cli
from test_letters import example, read_report

D = dt.date
NOV = D(2026, 11, 26)


# ------------------------------------------------------------------ the model


def test_case_state_keeps_the_first_notice_and_its_dates() -> None:
    notice = {"letter_kind": "remedy", "remedial_plan_due": "2026-12-24", "standard_by": "2027-03-24", "response_by": "2026-12-24"}
    events = [
        CaseEvent("C4SD", EventKind.NOTICE, NOV, notice, id=1),
        CaseEvent("C4SD", EventKind.NOTICE, D(2027, 1, 15), {**notice, "remedial_plan_due": "2027-02-12"}, id=2),
        CaseEvent("C4SD", EventKind.PLAN_RECEIVED, D(2027, 1, 20), id=3),
        CaseEvent("C4SD", EventKind.EXTENSION, D(2027, 3, 1), {"until": "2027-05-31"}, id=4),
        CaseEvent("C4SD", EventKind.EXTENSION, D(2027, 3, 1), {"until": "2027-06-30"}, id=5, supersedes=4),
    ]
    state = case_state("C4SD", events)
    assert (state.open, state.notice_date, state.remedial_plan_due) == (True, NOV, D(2026, 12, 24))
    assert state.notice_standard_by == D(2027, 3, 24)
    assert state.standard_by == D(2027, 6, 30)  # the correction (#5) supersedes #4
    assert state.plan_in and not state.overdue(D(2027, 5, 1))
    assert case_state("C4SD", events[:2]).overdue(D(2026, 12, 25))
    assert not case_state("C4SD", events[:2]).overdue(D(2026, 12, 24))  # due that day: not yet late
    assert case_state("C4SD", events[:2]).days_overdue(D(2027, 5, 1)) == 128
    closed = case_state("C4SD", [*events, CaseEvent("C4SD", EventKind.CLOSED, D(2027, 6, 1), {"reason": "tier reached"}, id=6)])
    assert (closed.open, closed.status, closed.closed) == (False, "closed", D(2027, 6, 1))


def test_a_plan_rejected_after_it_arrived_is_not_in() -> None:
    notice = {"letter_kind": "lapsed", "remedial_plan_due": "2026-12-24"}
    events = [
        CaseEvent("X1", EventKind.NOTICE, NOV, notice, id=1),
        CaseEvent("X1", EventKind.PLAN_RECEIVED, D(2026, 12, 20), id=2),
        CaseEvent("X1", EventKind.PLAN_REJECTED, D(2027, 1, 5), id=3),
    ]
    assert not case_state("X1", events).plan_in
    assert case_state("X1", events).overdue(D(2027, 1, 6))


# ------------------------------------------------------------------ the store


def test_record_show_list_export(workspace: Workspace, case_database: str, tmp_path: Path) -> None:
    first = record_event(workspace, " c4sd ", "plan-received", on=D(2026, 12, 10), details={"text": "by email, café & co"}, today=D(2027, 1, 15))
    if case_database == "sqlite":
        assert first.notes == ["created the case database " + str(workspace.root / ".contractgen" / "cases.sqlite3")
                               + " (kept out of git: it holds provider contact details)"]
        assert (workspace.root / ".contractgen" / "cases.sqlite3").is_file()
    [event] = first.events
    assert (event.id, event.ods_code, event.kind, event.date) == (1, "C4SD", EventKind.PLAN_RECEIVED, D(2026, 12, 10))
    assert event.recorded_by  # git user.name, else the OS user
    again = record_event(workspace, "C4SD", "extension", on=D(2026, 12, 20), details={"until": D(2027, 4, 30)}, today=D(2027, 1, 15))
    assert again.notes == []  # the place is said once
    record_event(workspace, "C4SD", "extension", on=D(2026, 12, 20), details={"until": D(2027, 5, 31)}, supersedes=2, today=D(2027, 1, 15))
    with pytest.raises(CaseError, match="error: extension needs --until$"):
        record_event(workspace, "C4SD", "extension")
    with pytest.raises(CaseError, match=r"^error: certificate takes no --until; it takes: --scheme, --number, --issued, --expiry, --text$"):
        record_event(workspace, "C4SD", "certificate", details={"until": D(2027, 1, 1), "scheme": "ce-plus", "expiry": D(2027, 1, 1)})
    with pytest.raises(UsageError, match="unknown case event 'planreceived'; events: notice, plan-received"):
        record_event(workspace, "C4SD", "planreceived")
    with pytest.raises(CaseError, match=r"--supersedes 1: VM1A2 has no event 1"):
        record_event(workspace, "VM1A2", "note", details={"text": "x"}, supersedes=1)

    view = show_case(workspace, "c4sd")
    lines = view.lines(D(2027, 1, 1))
    assert lines[0] == "C4SD: no case"  # no notice was recorded: nothing opened a case
    assert lines[1].startswith("  #1 2026-12-10 Remedial Plan received: by email, café & co; recorded by ")
    assert lines[2].startswith("  #2 2026-12-20 later date agreed: until 2027-04-30 (superseded)")
    assert lines[3].startswith("  #3 2026-12-20 later date agreed: until 2027-05-31 [corrects #2]")
    cases, _ = list_cases(workspace)
    assert [c.ods_code for c in cases] == ["C4SD"]
    assert list_cases(workspace, open_only=True)[0] == []

    data, _ = export_cases(workspace, tmp_path / "backup.json")
    events = json.loads((tmp_path / "backup.json").read_text(encoding="utf-8"))["events"]
    assert [(e["id"], e["event"], e["details"], e["supersedes"], e["superseded"]) for e in events] == [
        (1, "plan-received", {"text": "by email, café & co"}, None, False),
        (2, "extension", {"until": "2027-04-30"}, None, True),
        (3, "extension", {"until": "2027-05-31"}, 2, False),
    ]
    csv_bytes, _ = export_cases(workspace, tmp_path / "backup.csv")
    lines = csv_bytes.decode("utf-8-sig").splitlines()
    assert lines[0] == "id,ods_code,event,date,details,supersedes,superseded,recorded_by,recorded_at,batch"
    assert lines[1].startswith('1,C4SD,plan-received,2026-12-10,"{""text"": ""by email, café & co""}",,,')


def test_case_commands_on_the_command_line(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_dir)
    result = run_cli("case", "record", "VM8K1", "certificate", "--date", "2026-12-01", "--scheme", "ce-plus",
                     "--number", "CEP-123", "--issued", "2026-11-30", "--expiry", "2027-11-29")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "created the case database .contractgen/cases.sqlite3 (kept out of git: it holds provider contact details)\n"
    assert result.stdout == "recorded #1 VM8K1 2026-12-01 Cyber Essentials Plus certificate CEP-123 recorded: issued 2026-11-30, expires 2027-11-29\n"
    bad = run_cli("case", "record", "VM8K1", "extension")
    assert (bad.exit_code, bad.stderr) == (1, "error: extension needs --until\n")
    listed = run_cli("case", "list", "--open")
    assert (listed.exit_code, listed.stdout, listed.stderr) == (0, "no cases match\n", "")
    exported = run_cli("case", "export", "-f", "json")
    assert json.loads(exported.stdout)["events"][0]["details"]["number"] == "CEP-123"


# ------------------------------------------------------------------ the letters read the case


def test_letters_issued_then_overdue_progress_and_closure(workspace: Workspace, case_database: str, tmp_path: Path) -> None:
    nov = example(workspace, output=tmp_path / "nov")
    rows = {r["ods_code"]: r for r in read_report(nov.output)}
    assert (rows["C4SD"]["letter_kind"], rows["C4SD"]["notice_date"], rows["C4SD"]["case"]) == ("improve", "2026-11-26", "open")
    assert (rows["VM1A2"]["notice_date"], rows["VM1A2"]["case"]) == ("", "")  # meets its tier: no case
    props = letter_properties(nov.output / rows["C4SD"]["file"])
    assert {k: v for k, v in props.items() if k.startswith("contractgen.letter.")} == {
        "contractgen.letter.kind": "improve", "contractgen.letter.date": "2026-11-26",
        "contractgen.letter.remedial_plan_due": "2026-12-24", "contractgen.letter.standard_by": "2027-03-24",
        "contractgen.letter.response_by": "2026-12-24",
    }
    assert read_cases_count(workspace) == 0  # generating letters never changes the record

    issued = record_issued(workspace, nov.output)
    assert issued.letters == 10 and issued.closed == 0  # every letter; those held have none
    with pytest.raises(CaseError, match="were already recorded as sent; nothing was recorded again"):
        record_issued(workspace, nov.output)
    c4sd = show_case(workspace, "C4SD").state
    assert (c4sd.open, c4sd.notice_date, c4sd.remedial_plan_due, c4sd.standard_by) == (True, NOV, D(2026, 12, 24), D(2027, 3, 24))

    # AH7Q sends its plan; we agree a later date. VM8K1 renews its certificate.
    record_event(workspace, "AH7Q", "plan-received", on=D(2026, 12, 18), today=D(2027, 1, 15))
    record_event(workspace, "AH7Q", "extension", on=D(2027, 1, 10), details={"until": D(2027, 6, 30)}, today=D(2027, 1, 15))
    record_event(workspace, "VM8K1", "certificate", on=D(2026, 12, 1), details={"scheme": "ce-plus", "expiry": D(2027, 11, 29)})

    may = example(workspace, output=tmp_path / "may", as_of=D(2027, 5, 1))
    rows = {r["ods_code"]: r for r in read_report(may.output)}
    # C4SD: the plan was due on 24 December 2026 and never came: overdue, with the November dates
    assert [rows["C4SD"][k] for k in ("letter_kind", "response_by", "standard_by", "notice_date", "case")] == [
        "overdue", "", "2027-03-24", "2026-11-26", "open"]
    text = docx_text(may.output / rows["C4SD"]["file"])
    assert "On 26 November 2026 we wrote to Smith & Daughters" in text
    assert "asked you to send us a Remedial Plan by 24 December 2026" in text
    assert "could be no later than 24 March 2027" in text
    assert "as paragraph 4.10 of Schedule 12 (Data Security and Protection) of your contract says" in text
    assert "1 June 2027" not in text and "1 September 2027" not in text  # no fresh dates
    # AH7Q: plan in, later date agreed: progress, to 30 June 2027
    assert [rows["AH7Q"][k] for k in ("letter_kind", "response_by", "standard_by", "notice_date")] == ["progress", "", "2027-06-30", "2026-11-26"]
    text = docx_text(may.output / rows["AH7Q"]["file"])
    assert "which we received on 18 December 2026, following our notice of 26 November 2026" in text
    # 2024-25 Standards Met stopped counting on 30 June 2026: said beside it, not left to contradict "not yet meeting"
    assert ("shows you as 2024-25 Standards Met, published on 20 June 2025, which counted only until 30 June 2026. "
            "Your contract places you in the Core tier") in " ".join(text.split())
    assert "As we agreed in writing, the date by which you need to publish at Standards Met or better is 30 June 2027." in text
    # VM8K1: its renewed certificate counts: it meets its tier again and the case closes
    assert [rows["VM8K1"][k] for k in ("letter_kind", "notice_date", "case")] == ["renew", "2026-11-26", "closed"]  # 25/26 counts to 30 June 2027
    text = docx_text(may.output / rows["VM8K1"]["file"])
    assert "this letter closes the case we opened with our notice of 26 November 2026" in text
    issued = record_issued(workspace, may.output, D(2027, 5, 3), today=D(2027, 5, 3))
    assert issued.closed == 1
    assert show_case(workspace, "VM8K1").state.status == "closed"
    assert [c.ods_code for c in list_cases(workspace, overdue_only=True, on=D(2027, 5, 3))[0]] == ["AS9R", "AW2T", "C4SD", "VL2N9", "VL5F2"]


def read_cases_count(workspace: Workspace) -> int:
    return len(store.read_cases(workspace))


def test_a_letters_run_warns_of_a_batch_never_recorded(workspace: Workspace, tmp_path: Path) -> None:
    example(workspace, output=tmp_path / "run")
    again = example(workspace, output=tmp_path / "run", force=True)
    assert again.warnings == [f"{tmp_path / 'run'} holds letters that were never recorded as sent; if they were, record them first with "
                              f"`contractgen case issued {tmp_path / 'run'}`, or write this run to another folder with -o"]
    assert not (workspace.root / ".contractgen").exists()  # reading an empty record creates nothing
    odd = tmp_path / "Zoë & Co's letters"  # the command shown can be typed as it is
    example(workspace, output=odd)
    assert example(workspace, output=odd, force=True).warnings[0].endswith(
        f"`contractgen case issued '{tmp_path}/Zoë & Co'\"'\"'s letters'`, or write this run to another folder with -o")
    record_issued(workspace, tmp_path / "run")
    assert example(workspace, output=tmp_path / "run", force=True, as_of=D(2026, 11, 27)).warnings == []


# ------------------------------------------------------------------ migrations and faults


def test_migrations_from_empty_and_from_the_first_schema(workspace: Workspace, case_database: str) -> None:
    book = store.open_casebook(workspace, create=True)
    assert book is not None
    # an empty database is at the newest schema
    with book.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == store.schema_head() == "0002"
        assert "batch" in {c["name"] for c in sa.inspect(conn).get_columns("case_events")}
    # the first schema, with an event in it, brought up to date keeps the event
    with book.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE case_events")
        conn.exec_driver_sql("DROP TABLE alembic_version")
    book.notes.clear()
    store.migrate(book, "0001")
    with book.engine.begin() as conn:
        assert "batch" not in {c["name"] for c in sa.inspect(conn).get_columns("case_events")}
        conn.execute(sa.text("INSERT INTO case_events (ods_code, kind, event_date, data, recorded_by, recorded_at) "
                             "VALUES ('C4SD', 'plan-received', :d, '{}', 'someone', :t)"), {"d": D(2026, 12, 1), "t": dt.datetime(2026, 12, 1, 9)})
    book.close()
    again = store.open_casebook(workspace)
    assert again is not None
    assert again.notes == [f"upgraded the case database {again.shown} from schema 0001 to 0002"]
    assert [(e.ods_code, e.kind, e.date, e.batch) for e in again.events()] == [("C4SD", EventKind.PLAN_RECEIVED, D(2026, 12, 1), None)]
    again.close()


def test_a_newer_schema_is_refused_and_left_alone(workspace: Workspace, case_database: str) -> None:
    record_event(workspace, "C4SD", "note", details={"text": "kept"})
    book = store.open_casebook(workspace)
    assert book is not None
    with book.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    book.close()
    with pytest.raises(CaseDatabaseError, match=r"has schema 0099, newer than this contractgen knows \(up to 0002\); upgrade contractgen"):
        show_case(workspace, "C4SD")


def test_an_interrupted_batch_records_nothing(workspace: Workspace, case_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = example(workspace, output=tmp_path / "nov")
    calls = []
    real_add = store.Casebook.add

    def failing_add(self, conn, event):
        calls.append(event)
        if len(calls) == 5:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the batch
        return real_add(self, conn, event)

    monkeypatch.setattr(store.Casebook, "add", failing_add)
    with pytest.raises(KeyboardInterrupt):
        record_issued(workspace, run.output)
    monkeypatch.setattr(store.Casebook, "add", real_add)
    assert list_cases(workspace)[0] == []  # no half batch
    assert record_issued(workspace, run.output).letters == 10  # and it can be recorded whole afterwards


WRITER = """
import sys
from contractgen.library.workspace import load_workspace
from contractgen.casebook.record import record_event
from pathlib import Path
ws = load_workspace(Path(sys.argv[1]))
for n in range(15):
    record_event(ws, sys.argv[2], "note", details={"text": str(n)})
"""


@pytest.mark.slow  # two Python processes spawned, each importing contractgen: 1.6 s
def test_two_processes_recording_at_once_keep_every_event(workspace: Workspace, case_database: str) -> None:
    record_event(workspace, "SETUP", "note", details={"text": "the schema first"})
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(workspace.root), code], stderr=subprocess.PIPE, text=True) for code in ("AAA1", "BBB2")]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    events = store.open_casebook(workspace).events()  # type: ignore[union-attr]
    assert sorted((e.ods_code, e.data["text"]) for e in events if e.ods_code != "SETUP") == sorted(
        (code, str(n)) for code in ("AAA1", "BBB2") for n in range(15))


def test_sqlite_locked_read_only_and_damaged_give_clear_errors(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    record_event(workspace, "C4SD", "note", details={"text": "before"})
    path = workspace.root / ".contractgen" / "cases.sqlite3"
    monkeypatch.setattr(store, "BUSY_SECONDS", 0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(CaseDatabaseError, match=r"is locked by another program \(waited 0 seconds\); try again when the other recording has finished. Nothing was changed$"):
            record_event(workspace, "C4SD", "note", details={"text": "while locked"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    monkeypatch.setenv("CONTRACTGEN_DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(CaseDatabaseError, match=r"is read-only: nothing can be recorded; make it writable"):
        record_event(workspace, "C4SD", "note", details={"text": "read-only"})
    monkeypatch.delenv("CONTRACTGEN_DATABASE_URL")
    assert [e.data["text"] for e in show_case(workspace, "C4SD").events] == ["before"]  # nothing lost
    damaged = workspace.root / "damaged.sqlite3"
    damaged.write_bytes(b"this is not a database at all" * 100)
    monkeypatch.setenv("CONTRACTGEN_DATABASE_URL", f"sqlite:///{damaged}")
    with pytest.raises(CaseDatabaseError, match=r"is not a contractgen case database or is damaged .*; restore it from a backup"):
        show_case(workspace, "C4SD")
    assert damaged.read_bytes() == b"this is not a database at all" * 100


# ------------------------------------------------------------------ import


def test_import_records_all_rows_or_reports_each_bad_one(workspace: Workspace, case_database: str, tmp_path: Path) -> None:
    bad = tmp_path / "tracker.csv"
    bad.write_text("ODS Code,Event,Date,Until,Text\nC4SD,plan-received,2026-12-10,,\nAH7Q,extension,2027-01-10,,\nVM1A2,planreceived,10/12/2026,,\n", encoding="utf-8")
    with pytest.raises(CaseError) as caught:
        import_events(workspace, bad, today=D(2027, 1, 15))
    shown = str(bad)
    assert [str(p) for p in caught.value.problems] == [
        f"{shown}:3: extension needs --until",
        f"{shown}:4: date: '10/12/2026' is not a date; write it as YYYY-MM-DD",
    ]
    assert list_cases(workspace)[0] == []  # nothing was recorded
    good = tmp_path / "tracker-fixed.csv"
    good.write_text("ODS Code,Event,Date,Until,Text\nC4SD,plan-received,2026-12-10,,by post\nAH7Q,extension,2027-01-10,2027-06-30,\n", encoding="utf-8")
    result = import_events(workspace, good, today=D(2027, 1, 15))
    assert [(e.ods_code, e.kind.value, e.date, e.data) for e in result.events] == [
        ("C4SD", "plan-received", D(2026, 12, 10), {"text": "by post"}),
        ("AH7Q", "extension", D(2027, 1, 10), {"until": "2027-06-30"}),
    ]


# ------------------------------------------------------------------ the overview


def test_overview_shows_cases_and_leaves_opted_out_providers_off_the_referrals(workspace: Workspace, case_database: str, tmp_path: Path) -> None:
    from test_overview import example as overview, read_csv

    notice = {"letter_kind": "improve", "remedial_plan_due": D(2026, 10, 30), "standard_by": D(2027, 1, 30)}
    record_event(workspace, "C4SD", "notice", on=D(2026, 10, 2), details=notice)  # plan 27 days late on 26 November
    record_event(workspace, "AW2T", "notice", on=D(2026, 11, 2), details={**notice, "letter_kind": "remedy", "remedial_plan_due": D(2026, 11, 30)})
    record_event(workspace, "AS9R", "lso-opt-out", on=D(2026, 11, 3), details={"text": "asked by phone"})
    record_event(workspace, "VL5F2", "lso-referral", on=D(2026, 11, 4))
    result = overview(workspace, tmp_path)
    m = result.market
    assert [(p.ods_code, days) for p, _c, days in m.overdue_plans()] == [("C4SD", 27)]
    assert [p.ods_code for p, _c in m.open_cases()] == ["C4SD", "AW2T"]
    assert m.lso_referrals() == (1, 1)
    rows = read_csv(result.output / "lso-referrals.csv")
    # not AS9R: it opted out (VL5F2 and VM8K1 lack only a CE Plus certificate: not the LSO's help)
    assert [r["ods_code"] for r in rows] == ["AH7Q", "C4SD", "AW2T", "VL2N9"]
    page = (result.output / "overview.html").read_text(encoding="utf-8")
    for key, value, label in (("open-cases", "2", "open cases"), ("overdue-plans", "1", "Remedial Plans overdue (the oldest 27 days)"),
                              ("lso-referred", "1", "referred to the LSO (recorded)"), ("lso-opted-out", "1", "asked not to be referred to the LSO"),
                              ("needing-support", "4", "need support (to refer to the LSO: lso-referrals.csv)")):
        assert f'<span class="n" data-figure="{key}">{value}</span><span class="l">{label}</span>' in page


def test_validate_checks_the_dates_of_the_case_letters(workspace_dir: Path) -> None:
    from contractgen.commands.validate import validate_workspace
    from contractgen.library.workspace import load_workspace
    from helpers import edit

    edit(workspace_dir / "clause_library/clauses/letter.overdue.yaml", "This letter gives you no new date for your plan or for reaching your tier.",
         "We have no record of receiving your plan by 1 March 2027.")
    report = validate_workspace(load_workspace(workspace_dir))
    found = [p.message for p in report.problems]
    assert found and all("letter.overdue" in m and "states 1 March 2027, which is none of the dates the schedule gives" in m for m in found)
    assert report.renders == 58  # 2 profiles x 29: one more than before in each, the advanced tier's certificate letter with no certificate recorded


def test_case_issued_and_a_damaged_database_on_the_command_line(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_dir)
    letters = run_cli("letters", "example-borough", "-p", "examples/example-borough-providers.csv", "--dspt",
                      "examples/dspt-export-2026-11-26.csv", "--as-of", "2026-11-26", "-o", "out/nov")
    assert letters.exit_code == 0, letters.output
    issued = run_cli("case", "issued", "out/nov")
    assert (issued.exit_code, issued.stdout) == (0, "recorded 10 letters from out/nov as sent\n")
    again = run_cli("case", "issued", "out/nov")
    assert (again.exit_code, again.stderr) == (1, "error: the letters in out/nov were already recorded as sent; nothing was recorded again\n")
    missing = run_cli("case", "issued", "examples")
    assert (missing.exit_code, missing.stderr) == (1, "error: examples has no report.csv: give the folder that `contractgen letters` wrote\n")
    (workspace_dir / "broken.sqlite3").write_bytes(b"not a database" * 200)
    monkeypatch.setenv("CONTRACTGEN_DATABASE_URL", f"sqlite:///{workspace_dir / 'broken.sqlite3'}")
    broken = run_cli("case", "list")
    assert broken.exit_code == 3
    assert broken.stderr == ("error: broken.sqlite3 is not a contractgen case database or is damaged (file is not a database); restore it "
                             "from a backup (`contractgen case export` makes one), or move it away to start a new one. Nothing was changed\n")


# ------------------------------------------------------------------ events dated in the future (issue 15)


def test_letters_are_not_recorded_as_sent_on_a_day_that_has_not_come(workspace: Workspace, case_database: str, tmp_path: Path) -> None:
    """`case issued` on 6 December 2026: letters dated 1 May 2027 (or --on a later day)
    cannot have been sent yet; nothing is recorded until they can."""
    may = example(workspace, output=tmp_path / "may", as_of=D(2027, 5, 1))
    with pytest.raises(CaseError) as refused:
        record_issued(workspace, may.output, today=D(2026, 12, 6))
    assert refused.value.message == (
        f"the letters in {display_path(may.output)} are dated 1 May 2027, after today (6 December 2026); record them as "
        "sent once they are sent, or give the day they were sent with --on"
    )
    nov = example(workspace, output=tmp_path / "nov", as_of=NOV)
    with pytest.raises(CaseError) as refused:
        record_issued(workspace, nov.output, D(2026, 12, 7), today=D(2026, 12, 6))
    assert refused.value.message == (
        "--on 2026-12-07: the date 7 December 2026 is in the future (today is 6 December 2026); record the letters as "
        "sent on or after the day they are sent"
    )
    assert list_cases(workspace)[0] == []  # nothing recorded
    assert record_issued(workspace, may.output, today=D(2027, 5, 1)).letters == 10


def test_an_event_dated_after_today_is_refused(workspace: Workspace, case_database: str, tmp_path: Path) -> None:
    today = D(2026, 12, 6)
    with pytest.raises(CaseError) as caught:
        record_event(workspace, "C4SD", "plan-received", on=D(2026, 12, 31), today=today)
    assert caught.value.message == ("--date 2026-12-31: the date 31 December 2026 is in the future (today is 6 December 2026); "
                                    "record an event on or after the day it happens")
    assert record_event(workspace, "C4SD", "plan-received", on=today, today=today).events[0].date == today  # today itself: fine
    with pytest.raises(CaseError, match=r"^error: --date 2026-12-07: the date 7 December 2026 is in the future"):  # the day after
        record_event(workspace, "C4SD", "note", on=D(2026, 12, 7), details={"text": "x"}, today=today)
    tracker = tmp_path / "tracker.csv"
    tracker.write_text("ods_code,event,date\nAH7Q,plan-received,2026-12-06\nAH7Q,plan-agreed,2027-01-05\n", encoding="utf-8")
    with pytest.raises(CaseError) as caught:
        import_events(workspace, tracker, today=today)
    assert [str(p) for p in caught.value.problems] == [
        f"{tracker}:3: --date 2027-01-05: the date 5 January 2027 is in the future (today is 6 December 2026); "
        "record an event on or after the day it happens"]
    assert [e.kind.value for e in show_case(workspace, "C4SD").events] == ["plan-received"]  # nothing else recorded
    assert show_case(workspace, "AH7Q").events == []


def test_the_command_line_refuses_a_future_date_against_the_real_date(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from contractgen.casebook import record

    monkeypatch.chdir(workspace_dir)
    monkeypatch.setattr(record, "current_date", lambda: D(2026, 12, 6))
    result = run_cli("case", "record", "C4SD", "plan-received", "--date", "31/12/2026")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == ("error: --date 2026-12-31: the date 31 December 2026 is in the future (today is 6 December 2026); "
                             "record an event on or after the day it happens\n")
    assert run_cli("case", "record", "C4SD", "plan-received", "--date", "06/12/2026").exit_code == 0
    monkeypatch.undo()
    monkeypatch.chdir(workspace_dir)
    real = run_cli("case", "record", "C4SD", "note", "--text", "x", "--date", (dt.date.today() + dt.timedelta(days=1)).isoformat())
    assert real.exit_code == 1 and "is in the future" in real.stderr  # the command line uses the real date


# ------------------------------------------------------------------ import from Excel (issue 15)


def write_tracker(path: Path, rows: list[list[object]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Responses"
    sheet.append(["ODS Code", "Event", "Date", "Until", "Text"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_import_from_xlsx_names_the_worksheet_cell_and_column(workspace: Workspace, case_database: str, tmp_path: Path) -> None:
    today = D(2027, 1, 15)
    bad = write_tracker(tmp_path / "tracker.xlsx", [
        ["C4SD", "plan-received", dt.datetime(2026, 12, 10), None, "by email"],
        ["AH7Q", "extension", dt.datetime(2027, 1, 10), None, None],
        ["VM1A2", "plan-received", "10/12/2026", None, None],
        ["AW2T", "plan-received", dt.datetime(2027, 1, 16), None, None],
    ])
    with pytest.raises(CaseError) as caught:
        import_events(workspace, bad, today=today)
    shown = str(bad)
    assert caught.value.message == f"3 problems in {shown}: nothing was recorded; correct the rows and import again"
    assert [str(p) for p in caught.value.problems] == [
        f"{shown}:3:4: extension needs --until (worksheet 'Responses', cell D3, column 'Until')",
        f"{shown}:4:3: date: '10/12/2026' is not a date; write it as YYYY-MM-DD (worksheet 'Responses', cell C4, column 'Date')",
        f"{shown}:5:3: --date 2027-01-16: the date 16 January 2027 is in the future (today is 15 January 2027); "
        "record an event on or after the day it happens (worksheet 'Responses', cell C5, column 'Date')",
    ]
    assert list_cases(workspace)[0] == []  # nothing was recorded
    good = write_tracker(tmp_path / "tracker-fixed.xlsx", [
        ["C4SD", "plan-received", dt.datetime(2026, 12, 10), None, "by email"],
        ["AH7Q", "extension", dt.datetime(2027, 1, 10), dt.datetime(2027, 6, 30), None],
    ])
    result = import_events(workspace, good, today=today)
    assert [(e.id, e.ods_code, e.kind.value, e.date, e.data) for e in result.events] == [
        (1, "C4SD", "plan-received", D(2026, 12, 10), {"text": "by email"}),
        (2, "AH7Q", "extension", D(2027, 1, 10), {"until": "2027-06-30"}),
    ]


# ------------------------------------------------------------------ a locked PostgreSQL table (issue 15)


@pytest.mark.slow  # a PostgreSQL server started for it alone (0.8 s), and a 2-second lock wait by design: 3.2 s
def test_a_locked_postgresql_table_fails_after_a_bounded_wait_and_loses_nothing(
    workspace: Workspace, postgres_server, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    url = postgres_server.new_database()
    monkeypatch.setenv("CONTRACTGEN_DATABASE_URL", url)
    record_event(workspace, "C4SD", "note", details={"text": "before"})
    monkeypatch.setattr(store, "BUSY_SECONDS", 2.0)
    holder = sa.create_engine(url)
    conn = holder.connect()
    transaction = conn.begin()
    conn.exec_driver_sql("LOCK TABLE case_events IN ACCESS EXCLUSIVE MODE")
    try:
        started = time.monotonic()
        with pytest.raises(CaseDatabaseError) as caught:
            record_event(workspace, "C4SD", "note", details={"text": "while locked"})
        waited = time.monotonic() - started
    finally:
        transaction.rollback()
        conn.close()
        holder.dispose()
    shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    assert caught.value.message == (f"the case database {shown} is locked by another program (waited 2 seconds); "
                                    "try again when the other recording has finished. Nothing was changed")
    assert 2.0 <= waited < 15  # the lock_timeout, not a hang
    assert [e.data["text"] for e in show_case(workspace, "C4SD").events] == ["before"]  # nothing lost, nothing half-written
    record_event(workspace, "C4SD", "note", details={"text": "after"})
    assert [e.data["text"] for e in show_case(workspace, "C4SD").events] == ["before", "after"]


# ------------------------------------------------------------------ the overview's certificates read the case record (issue 15)


def test_overview_certificates_read_the_case_record_the_later_expiry_winning(workspace: Workspace, case_database: str, tmp_path: Path) -> None:
    from test_overview import example as overview

    today = D(2026, 11, 26)
    # VM8K1's register CE Plus expired on 1 November 2026; the case record has its renewal
    record_event(workspace, "VM8K1", "certificate", on=D(2026, 11, 20), today=today,
                 details={"scheme": "ce-plus", "number": "CEP-9", "issued": D(2026, 1, 31), "expiry": D(2027, 1, 31)})
    # an older CE certificate for AH7Q than its register's (28 February 2026): the register's stays
    record_event(workspace, "AH7Q", "certificate", on=D(2026, 11, 20), today=today, details={"scheme": "ce", "expiry": D(2025, 12, 1)})
    # C4SD has no certificate in the register: the case record's is shown
    record_event(workspace, "C4SD", "certificate", on=D(2026, 11, 21), today=today, details={"scheme": "ce", "expiry": D(2026, 12, 20)})
    result = overview(workspace, tmp_path)
    m = result.market
    assert [(c.provider.ods_code, c.scheme, c.expiry, c.days_left(m.as_of)) for c in m.certificates()] == [
        ("AH7Q", "Cyber Essentials", D(2026, 2, 28), -271), ("VM1A2", "Cyber Essentials", D(2026, 12, 15), 19),
        ("C4SD", "Cyber Essentials", D(2026, 12, 20), 24), ("VM8K1", "Cyber Essentials Plus", D(2027, 1, 31), 66)]
    standing = {p.ods_code: pos.standing.value for p, pos in m.rows}
    assert standing["VM8K1"] == "meets tier"  # its certificate is current: the tier is met (the register alone: below tier)
    page = (result.output / "overview.html").read_text(encoding="utf-8")
    section = page[page.index('<section id="cyber-essentials">'):]
    section = section[: section.index("</section>")]
    assert re.findall(r'<td data-sort="(-?\d+)">([^<]*)</td>', section) == [
        ("-271", "expired 271 days ago"), ("19", "19 days left"), ("24", "24 days left"), ("66", "66 days left")]
    sheet = openpyxl.load_workbook(result.output / "overview.xlsx")["Providers"]
    header = [c.value for c in sheet[1]]
    row = {r[header.index("ODS code")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    ce, plus = header.index("Cyber Essentials expiry"), header.index("Cyber Essentials Plus expiry")
    assert (row["VM8K1"][plus], row["C4SD"][ce], row["AH7Q"][ce]) == (
        dt.datetime(2027, 1, 31), dt.datetime(2026, 12, 20), dt.datetime(2026, 2, 28))


def test_overview_without_certificate_columns_says_not_recorded_until_the_case_holds_one(workspace: Workspace, case_database: str, tmp_path: Path) -> None:
    from contractgen.overview.write import build_overview

    root = workspace.root

    def build(out: str):
        return build_overview(workspace, "riverside-and-vale", root / "examples" / "riverside-and-vale-providers.csv",
                              root / "examples" / "dspt-export-2026-11-26.csv", as_of=NOV, output=tmp_path / out)

    def section(result) -> str:
        page = (result.output / "overview.html").read_text(encoding="utf-8")
        part = page[page.index('<section id="cyber-essentials">'):]
        return part[: part.index("</section>")]

    before = build("before")
    assert {p.ods_code: pos.standing.value for p, pos in before.market.rows}["VN6H1"] == "certificate not recorded"
    assert (before.market.meeting.part, before.market.meeting.whole) == (2, 6)  # VM4R3 and VL7B4 (renewal due); not VN6H1
    assert "Not recorded: the register has no cyber_essentials_expiry or cyber_essentials_plus_expiry column and the case record holds no certificate" in section(before)
    assert [p.ods_code for p, _ in before.market.referrals()] == ["VM2Q6", "VN9P3", "8HX22"]  # VN6H1 is not the LSO's to help
    record_event(workspace, "VN6H1", "certificate", on=D(2026, 11, 20), today=NOV,
                 details={"scheme": "ce-plus", "issued": D(2026, 2, 1), "expiry": D(2027, 2, 1)})
    after = build("after")
    assert {p.ods_code: pos.standing.value for p, pos in after.market.rows}["VN6H1"] == "renewal due"  # 240-day window
    assert (after.market.meeting.part, after.market.meeting.whole) == (3, 6)
    assert "Not recorded" not in section(after)
    assert re.findall(r'<td data-sort="(-?\d+)">([^<]*)</td>', section(after)) == [("67", "67 days left")]
