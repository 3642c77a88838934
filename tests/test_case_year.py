"""A year of one council's letters with the case record (issue 15): runs in November,
January, May, July and September, with exports that change, for a provider in each
tier. Every value is stated by hand; the dates follow from the schedule's defaults
(Remedial Plan within 20 Working Days, the tier within 3 months of it) and England's
bank holidays:

* 26 November 2026 + 20 Working Days = 24 December 2026 (no holiday on the way);
  + 3 months = 24 March 2027.
* A 2025-26 publication counts until 30 June 2027; a 2026-27 one until 30 June 2028.
* The renewal window is 90 days: a CE Plus certificate expiring on 30 November 2027 is
  76 days away on 15 September 2027 (a reminder), 138 days on 15 July (none).

The providers:

* Fern Lodge (8FN01, Foundation): its one Approaching Standards (2023-24) is out of date
  in November (lapsed); its plan arrives, a later date (31 May 2027) is agreed; it
  publishes 2026-27 Standards Met in April: the May letter closes the case.
* Smith & Daughters (C4SD, Core): 2025-26 Approaching Standards is below Core
  (improve); its plan arrives and is agreed; the date for the tier (24 March 2027)
  passes; it publishes Standards Met in June: the July letter closes the case.
* Riverside Court (VM8K1, Advanced): Standards Exceeded, but the register's CE Plus
  certificate expired on 1 November 2026 (certificate letter); no plan comes (January:
  overdue, with the November dates); a renewed certificate (to 30 November 2027) is
  recorded in February: the May letter closes the case; September reminds it of expiry.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from contractgen.casebook.issued import record_issued
from contractgen.casebook.record import record_event, show_case
from contractgen.letters.generate import generate_letters
from contractgen.library.workspace import Workspace
from helpers import docx_text
from test_letters import read_report, write_export, write_register

D = dt.date
HEADER = ["name", "ods_code", "contact_name", "email", "address", "cqc_registered", "tier", "cyber_essentials_expiry", "cyber_essentials_plus_expiry"]
PROVIDERS = [
    ["Fern Lodge", "8FN01", "Ann Fern", "ann@fern.example.org", "1 Fern Way\nExampleton", "no", "foundation", "", ""],
    ["Smith & Daughters Domiciliary Care", "C4SD", "Ruth Smith", "ruth@sd.example.org", "44 High Street\nExampleton", "yes", "core", "", ""],
    ["Riverside Court Care Centre", "VM8K1", "Amir Patel", "amir@rc.example.org", "1 Court Place\nExampleton", "yes", "advanced", "2027-04-30", "2026-11-01"],
]
AUTUMN = [  # November and January
    ("8FN01", "FERN LODGE", "23/24 Approaching Standards", "01/06/2024"),
    ("C4SD", "SMITH & DAUGHTERS DOMICILIARY CARE LIMITED", "25/26 Approaching Standards", "27/06/2026"),
    ("VM8K1", "RIVERSIDE COURT CARE CENTRE", "25/26 Standards Exceeded", "10/03/2026"),
]
SPRING = [AUTUMN[0][:2] + ("26/27 Standards Met", "20/04/2027"), AUTUMN[1], AUTUMN[2]]  # May
SUMMER = [SPRING[0], AUTUMN[1][:2] + ("26/27 Standards Met", "20/06/2027"),
          AUTUMN[2][:2] + ("26/27 Standards Exceeded", "25/06/2027")]  # July and September
COLUMNS = ("letter_kind", "response_by", "standard_by", "notice_date", "case")


@pytest.fixture
def council(workspace: Workspace, case_database: str, tmp_path: Path):
    register = write_register(tmp_path / "providers.csv", PROVIDERS, HEADER)

    def run(as_of: dt.date, export_rows: list[tuple[str, str, str, str]]) -> tuple[Path, dict[str, dict[str, str]], dict[str, str]]:
        export = write_export(tmp_path / f"export-{as_of}.csv", export_rows)
        result = generate_letters(workspace, "example-borough", register, dspt_file=export, as_of=as_of,
                                  output=tmp_path / f"letters-{as_of}", workers=1)
        rows = {r["ods_code"]: r for r in read_report(result.output)}
        texts = {code: docx_text(result.output / row["file"]) for code, row in rows.items()}
        return result.output, {code: {k: row[k] for k in COLUMNS} for code, row in rows.items()}, texts

    return run


def test_a_year_of_letters_agrees_with_itself(council, workspace: Workspace) -> None:
    # ---- 26 November 2026: three notices, each opening a case
    folder, rows, texts = council(D(2026, 11, 26), AUTUMN)
    notice = {"response_by": "2026-12-24", "standard_by": "2027-03-24", "notice_date": "2026-11-26", "case": "open"}
    assert rows == {
        "8FN01": {"letter_kind": "lapsed", **notice},
        "C4SD": {"letter_kind": "improve", **notice},
        "VM8K1": {"letter_kind": "certificate", **notice},
    }
    assert "your Cyber Essentials Plus certificate expired on 1 November 2026" in texts["VM8K1"]
    assert "please send your plan by 24 December 2026 at the latest" in texts["VM8K1"]
    assert "it is 24 March 2027 at the latest" in texts["VM8K1"]
    assert "mandatory evidence items" not in texts["VM8K1"]  # its own wording, not a DSPT shortfall's
    assert record_issued(workspace, folder).letters == 3
    record_event(workspace, "8FN01", "plan-received", on=D(2026, 12, 20), today=D(2027, 1, 15))
    record_event(workspace, "8FN01", "extension", on=D(2027, 1, 10), details={"until": D(2027, 5, 31)}, today=D(2027, 1, 15))
    record_event(workspace, "C4SD", "plan-received", on=D(2026, 12, 15), today=D(2027, 1, 15))
    record_event(workspace, "C4SD", "plan-agreed", on=D(2027, 1, 5), today=D(2027, 1, 15))

    # ---- 15 January 2027: the same export; nobody is given new dates
    folder, rows, texts = council(D(2027, 1, 15), AUTUMN)
    kept = {"response_by": "", "notice_date": "2026-11-26", "case": "open"}
    assert rows == {
        "8FN01": {"letter_kind": "progress", "standard_by": "2027-05-31", **kept},  # the agreed later date
        "C4SD": {"letter_kind": "progress", "standard_by": "2027-03-24", **kept},  # the notice's date
        "VM8K1": {"letter_kind": "overdue", "standard_by": "2027-03-24", **kept},  # no plan: overdue
    }
    assert "As we agreed in writing, the date by which you need to publish at Standards Met or better is 31 May 2027." in texts["8FN01"]
    assert "which we received on 15 December 2026, following our notice of 26 November 2026" in texts["C4SD"]
    assert "is 24 March 2027 at the latest, unless we agree a later date in writing" in texts["C4SD"]
    assert "On 26 November 2026 we wrote to Riverside Court Care Centre" in texts["VM8K1"]
    # the publication still says Standards Exceeded: the letter says why that is not the tier
    assert ("shows you as 2025-26 Standards Exceeded, published on 10 March 2026, and your Cyber Essentials Plus "
            "certificate expired on 1 November 2026, so you are still not meeting your tier.") in " ".join(texts["VM8K1"].split())
    assert "a Remedial Plan by 24 December 2026" in texts["VM8K1"]
    assert "as paragraph 4.10 of Schedule 12 (Data Security and Protection) of your contract says" in texts["VM8K1"]
    for text in texts.values():
        assert "12 February 2027" not in text  # 15 January + 20 Working Days: never offered
    record_issued(workspace, folder, today=D(2027, 1, 15))
    record_event(workspace, "VM8K1", "certificate", on=D(2027, 2, 1),
                 details={"scheme": "ce-plus", "number": "CEP-2027-001", "issued": D(2026, 12, 1), "expiry": D(2027, 11, 30)}, today=D(2027, 5, 4))

    # ---- 4 May 2027: Fern Lodge has published, Riverside's certificate is renewed
    folder, rows, texts = council(D(2027, 5, 4), SPRING)
    assert rows == {
        "8FN01": {"letter_kind": "confirm", "response_by": "", "standard_by": "", "notice_date": "2026-11-26", "case": "closed"},
        "C4SD": {"letter_kind": "progress", "response_by": "", "standard_by": "2027-03-24", "notice_date": "2026-11-26", "case": "open"},
        "VM8K1": {"letter_kind": "renew", "response_by": "", "standard_by": "", "notice_date": "2026-11-26", "case": "closed"},
    }
    assert "this letter closes the case we opened with our notice of 26 November 2026" in texts["8FN01"]
    assert "That date has now passed" in texts["C4SD"]
    assert ("since the Council may now treat this as a breach of the contract under paragraph 4.10 of Schedule 12 "
            "(Data Security and Protection) of your contract.") in " ".join(texts["C4SD"].split())
    assert "Cyber Essentials Plus certificate expires" not in texts["VM8K1"]  # 210 days away
    assert record_issued(workspace, folder, today=D(2027, 5, 4)).closed == 2
    assert [show_case(workspace, c).state.status for c in ("8FN01", "C4SD", "VM8K1")] == ["closed", "open", "closed"]

    # ---- 15 July 2027: Smith & Daughters has published Standards Met
    folder, rows, texts = council(D(2027, 7, 15), SUMMER)
    assert {c: (r["letter_kind"], r["notice_date"], r["case"]) for c, r in rows.items()} == {
        "8FN01": ("confirm", "", "closed"), "C4SD": ("confirm", "2026-11-26", "closed"), "VM8K1": ("confirm", "", "closed"),
    }
    assert "this letter closes the case" in texts["C4SD"] and "closes the case" not in texts["8FN01"]
    assert record_issued(workspace, folder, today=D(2027, 7, 15)).closed == 1

    # ---- 15 September 2027: all meet their tiers; Riverside's certificate expires in 76 days
    folder, rows, texts = council(D(2027, 9, 15), SUMMER)
    assert {c: r["letter_kind"] for c, r in rows.items()} == {"8FN01": "confirm", "C4SD": "confirm", "VM8K1": "confirm"}
    assert "Your Cyber Essentials Plus certificate expires on 30 November 2027." in texts["VM8K1"]
    record_issued(workspace, folder, today=D(2027, 9, 15))
    timeline = show_case(workspace, "C4SD").lines(D(2027, 9, 15))
    assert timeline[0] == "C4SD: closed on 2027-07-15 (tier reached (confirm letter))"
    assert [line.split(";")[0] for line in timeline[1:]] == [
        "  #2 2026-11-26 improve letter served (remedial plan due 2026-12-24, standard by 2027-03-24, response by 2026-12-24): " + rows_file(timeline[1]),
        "  #6 2026-12-15 Remedial Plan received",
        "  #7 2027-01-05 Remedial Plan agreed",
        "  #9 2027-01-15 progress letter served (standard by 2027-03-24): " + rows_file(timeline[4]),
        "  #14 2027-05-04 progress letter served (standard by 2027-03-24): " + rows_file(timeline[5]),
        "  #18 2027-07-15 confirm letter served: " + rows_file(timeline[6]),
        "  #19 2027-07-15 case closed: tier reached (confirm letter)",
        "  #22 2027-09-15 confirm letter served: " + rows_file(timeline[8]),
    ]


def rows_file(line: str) -> str:
    return line.split(": ", 1)[1].split(";")[0]
