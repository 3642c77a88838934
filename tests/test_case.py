"""The case record (issue 15): events in a real database, SQLite and PostgreSQL, the
case commands without Click, the letters reading the case, migrations and faults."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from contractgen.base.errors import CaseDatabaseError, CaseError, UsageError
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
    first = record_event(workspace, " c4sd ", "plan-received", on=D(2026, 12, 10), details={"text": "by email, café & co"})
    if case_database == "sqlite":
        assert first.notes == ["created the case database " + str(workspace.root / ".contractgen" / "cases.sqlite3")
                               + " (kept out of git: it holds provider contact details)"]
        assert (workspace.root / ".contractgen" / "cases.sqlite3").is_file()
    [event] = first.events
    assert (event.id, event.ods_code, event.kind, event.date) == (1, "C4SD", EventKind.PLAN_RECEIVED, D(2026, 12, 10))
    assert event.recorded_by  # git user.name, else the OS user
    again = record_event(workspace, "C4SD", "extension", on=D(2026, 12, 20), details={"until": D(2027, 4, 30)})
    assert again.notes == []  # the place is said once
    record_event(workspace, "C4SD", "extension", on=D(2026, 12, 20), details={"until": D(2027, 5, 31)}, supersedes=2)
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
    record_event(workspace, "AH7Q", "plan-received", on=D(2026, 12, 18))
    record_event(workspace, "AH7Q", "extension", on=D(2027, 1, 10), details={"until": D(2027, 6, 30)})
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
    assert "as paragraph 4.10 of Schedule 12 (Data Security and Protection, Core Tier) of your contract says" in text
    assert "1 June 2027" not in text and "1 September 2027" not in text  # no fresh dates
    # AH7Q: plan in, later date agreed: progress, to 30 June 2027
    assert [rows["AH7Q"][k] for k in ("letter_kind", "response_by", "standard_by", "notice_date")] == ["progress", "", "2027-06-30", "2026-11-26"]
    text = docx_text(may.output / rows["AH7Q"]["file"])
    assert "which we received on 18 December 2026, following our notice of 26 November 2026" in text
    assert "As we agreed in writing, the date by which you need to publish at Standards Met or better is 30 June 2027." in text
    # VM8K1: its renewed certificate counts: it meets its tier again and the case closes
    assert [rows["VM8K1"][k] for k in ("letter_kind", "notice_date", "case")] == ["renew", "2026-11-26", "closed"]  # 25/26 counts to 30 June 2027
    text = docx_text(may.output / rows["VM8K1"]["file"])
    assert "this letter closes the case we opened with our notice of 26 November 2026" in text
    issued = record_issued(workspace, may.output, D(2027, 5, 3))
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
        import_events(workspace, bad)
    shown = str(bad)
    assert [str(p) for p in caught.value.problems] == [
        f"{shown}:3: extension needs --until",
        f"{shown}:4: date: '10/12/2026' is not a date; write it as YYYY-MM-DD",
    ]
    assert list_cases(workspace)[0] == []  # nothing was recorded
    good = tmp_path / "tracker-fixed.csv"
    good.write_text("ODS Code,Event,Date,Until,Text\nC4SD,plan-received,2026-12-10,,by post\nAH7Q,extension,2027-01-10,2027-06-30,\n", encoding="utf-8")
    result = import_events(workspace, good)
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
    assert report.renders == 56


def test_case_issued_and_a_damaged_database_on_the_command_line(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_dir)
    letters = run_cli("letters", "example-borough", "-p", "examples/example-borough-providers.csv", "--dspt",
                      "examples/dspt-export-example.csv", "--as-of", "2026-11-26", "-o", "out/nov")
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
