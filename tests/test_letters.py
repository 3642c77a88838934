"""Provider guidance letters through the library API: ``generate_letters``.

Most tests run the shipped example workspace (copied into ``tmp_path`` by the
``workspace`` fixture) against small registers and exports written here. The command
line's messages are in test_letters_cli.py, PDF conversion in test_pdf.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import os
import re
import tempfile
import zipfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from conftest_shared import require_shared_data
from contractgen.base.csvout import csv_bytes, csv_chunks
from contractgen.base.errors import ContractgenError, ExportError, OutputError, RegisterError, UsageError
from contractgen.letters.filenames import inside, letter_file_names
from contractgen.letters.pool import START_METHOD
from contractgen.letters.generate import LettersResult, generate_letters
from contractgen.letters.render import LetterRenderer
from contractgen.dspt.register import Provider, salutation_for
from contractgen.base.atomic import write_atomic
from contractgen.word.textconv import docx_to_text
from contractgen.library.workspace import Workspace
from helpers import core_properties, custom_properties, docx_parts, edit, example_export, files_under

D = dt.date
AS_OF = D(2026, 11, 26)
REPORT_HEADER = "ods_code,name,tier,dspt_status,assessment_year,publication_date,letter_kind,response_by,standard_by,file,notice_date,case"
REGISTER_HEADER = ["name", "ods_code", "contact_name", "email", "address", "cqc_registered", "tier"]
EXPORT_HEADER = ["Code", "Organisation Name", "Status", "Date Of Publication", "Primary Sector",
                 "Integrated Care Board (where available, from ODS)"]  # fmt: skip

#: The example register as of 2026-11-26 (export: examples/dspt-export-2026-11-26.csv).
EXAMPLE_KINDS = {
    "VM1A2": "confirm",  # 25/26 Standards Met, core
    "AH7Q": "lapsed",  # 24/25 counted until 30 June 2026
    "C4SD": "improve",  # 25/26 Approaching Standards, core needs Met
    "8KT41": "confirm",  # 25/26 Approaching Standards meets the foundation tier
    "VN3B8": "confirm",  # 25/26 Standards Met, core
    "AS9R": "start",  # Not Published
    "VL5F2": "improve",  # 25/26 Standards Met, advanced needs Exceeded
    "VM8K1": "certificate",  # 25/26 Standards Exceeded, advanced, but its CE Plus expired 1 Nov 2026 (issue 15)
    "AW2T": "remedy",  # 25/26 Standards Not Met
    "VL2N9": "lapsed",  # Entry Level of 2019-20
}
#: Held for review, no letter, when the register has it: the export has no VN3B7 but has
#: VN3B8 with the same name (see ``mistyped``).
HELD = "VN3B7"
#: Riverside & Vale's register as of 2026-11-26, with its 240-day renewal window.
RIVERSIDE_KINDS = {
    "VM4R3": "renew",  # 25/26 Met counts until 30 June 2027: 216 days away
    "VN6H1": "certificate",  # 25/26 Exceeded, advanced, no CE Plus certificate recorded (issue 15: was renew)
    "VL7B4": "renew",  # 25/26 Met, core
    "VM2Q6": "improve",  # 25/26 Approaching, core
    "VN9P3": "lapsed",  # 23/24 Met
    "8HX22": "start",  # Not Published
}
#: What each kind's clause says, and no other kind's letter does.
KIND_PHRASES = {
    "start": "Your contract asks every care provider to complete the Data Security and Protection Toolkit",
    "lapsed": "You do not have a current publication, so you are not meeting the",
    "remedy": "A Remedial Plan does not need to be long.",
    "improve": "Your current publication is below that level",
    "renew": "This is a reminder that your Data Security and Protection Toolkit (DSPT) assessment is due for renewal.",
    "confirm": "You do not need to reply to this letter.",
}
#: The clause titles, which make each letter's subject line.
KIND_TITLES = {
    "start": "Getting started with the DSPT",
    "lapsed": "Your DSPT publication has lapsed",
    "remedy": "Standards Not Met – a Remedial Plan is needed",  # one colon in the subject (review truth-2)
    "improve": "Your DSPT status is below your tier",
    "renew": "Time to renew your DSPT",
    "confirm": "Your DSPT publication meets your contract",
}


# ----------------------------------------------------------------- helpers


def write_register(path: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = REGISTER_HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def provider_row(name: str, code: str, tier: str = "core", *, contact: str = "A Manager",
                 email: str = "", address: str = "1 High Street\nExampleton EX1 1AA") -> list[str]:  # fmt: skip
    return [name, code, contact, email, address, "yes", tier]


def write_export(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    """A modern organisation-search CSV (UTF-8 with BOM): code, name, status, date."""
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(EXPORT_HEADER)
        for code, name, status, published in rows:
            writer.writerow([code, name, status, published, "Care Home", "NHS Example ICB"])
    return path


def example(workspace: Workspace, profile: str = "example-borough", **options) -> LettersResult:
    """Letters for one of the shipped example councils, as ``contractgen build`` writes them."""
    register = {"example-borough": "example-borough-providers.csv",
                "riverside-and-vale": "riverside-and-vale-providers.csv"}[profile]  # fmt: skip
    options.setdefault("as_of", AS_OF)
    options.setdefault("dspt_file", example_export(workspace.root, options["as_of"]))
    options.setdefault("output", workspace.root / "letters")
    options.setdefault("workers", 1)
    return generate_letters(workspace, profile, workspace.root / "examples" / register, **options)


def mistyped(workspace: Workspace) -> Path:
    """The example register with Dar Al-Salam Care's code mistyped as VN3B7."""
    path = workspace.root / "examples" / "example-borough-providers.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",VN3B8,", ",VN3B7,"), encoding="utf-8")
    return path


def kinds(result: LettersResult) -> dict[str, str]:
    return {job.provider.ods_code: job.position.kind.value for job in result.written}


def letter_text(result: LettersResult, code: str) -> str:
    (job,) = [j for j in result.written if j.provider.ods_code == code]
    return docx_to_text(result.output / job.file)


def read_report(folder: Path) -> list[dict[str, str]]:
    raw = (folder / "report.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "report.csv must start with a BOM so that Excel reads UTF-8"
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == REPORT_HEADER
    return list(csv.DictReader(io.StringIO(text, newline="")))


def assert_sound_docx(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None, f"{path.name}: a corrupt part"
        etree.fromstring(z.read("word/document.xml"))


def temporaries(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.endswith(".part") or p.name.startswith(".~cg-")]


# ----------------------------------------------------------------- letter kinds


def test_example_borough_kinds_as_of_2026_11_26(workspace: Workspace) -> None:
    result = example(workspace)
    assert kinds(result) == EXAMPLE_KINDS
    assert result.by_kind == {
        "start": 1, "lapsed": 2, "remedy": 1, "improve": 2, "renew": 0, "confirm": 3, "overdue": 0, "progress": 0, "certificate": 1,
    }  # fmt: skip
    assert result.rejected == [] and result.held == [] and result.unmatched == []
    assert not result.failed


def test_riverside_renews_within_its_240_day_window(workspace: Workspace) -> None:
    result = example(workspace, "riverside-and-vale")
    assert kinds(result) == RIVERSIDE_KINDS


@pytest.mark.parametrize(
    ("as_of", "kind"),
    [
        (D(2027, 3, 31), "confirm"),  # 91 days before 30 June 2027
        (D(2027, 4, 1), "renew"),  # 90 days: inside the default window
        (D(2027, 5, 15), "renew"),
        (D(2027, 6, 30), "renew"),  # the last day it counts
        (D(2027, 7, 1), "lapsed"),
    ],
)
def test_default_90_day_window_for_25_26_standards_met(workspace: Workspace, as_of: dt.date, kind: str) -> None:
    result = example(workspace, only=["VM1A2"], as_of=as_of)  # 25/26 Standards Met, core
    assert kinds(result) == {"VM1A2": kind}


def test_a_near_match_is_held_for_review_not_sent_a_letter(workspace: Workspace) -> None:
    """Finding 8: VN3B7 is not in the export, which has VN3B8 with the same name: no
    letter, listed in report.csv and unmatched.csv, and the run fails."""
    mistyped(workspace)
    result = example(workspace)
    assert [(p.ods_code, near) for p, near in result.held] == [("VN3B7", ["VN3B8 DAR AL-SALAM CARE LIMITED"])]
    assert result.unmatched == []
    assert HELD not in kinds(result) and result.failed  # exit 1
    assert not any(name.startswith("VN3B7") for name in files_under(result.output))
    held_row = [r for r in read_report(result.output) if r["ods_code"] == HELD]
    assert held_row == [{"ods_code": "VN3B7", "name": "Dar Al-Salam Care (دار السلام للرعاية)", "tier": "core",
                         "dspt_status": "", "assessment_year": "", "publication_date": "", "letter_kind": "held",
                         "response_by": "", "standard_by": "", "file": "", "notice_date": "", "case": ""}]  # fmt: skip
    unmatched = (result.output / "unmatched.csv").read_text(encoding="utf-8-sig").splitlines()
    assert unmatched == [
        "ods_code,name,action,closest_in_export",
        "VN3B7,Dar Al-Salam Care (دار السلام للرعاية),held for review: no letter,VN3B8 DAR AL-SALAM CARE LIMITED",
    ]
    assert result.summary_lines()[1:3] == [
        "1 provider held for review (no letter): the export has no row with the register's code but has a near "
        "match; correct the code in the register, or check the organisation on the DSPT, then run again:",
        "  VN3B7 Dar Al-Salam Care (دار السلام للرعاية); near match in the export: VN3B8 DAR AL-SALAM CARE LIMITED",
    ]


def test_a_provider_missing_from_the_export_gets_a_start_letter_that_says_we_could_not_find_it(
    workspace: Workspace, tmp_path: Path
) -> None:
    register = write_register(tmp_path / "providers.csv", [provider_row("Brand New Care", "VN9Z9")])
    result = generate_letters(workspace, "example-borough", register, as_of=AS_OF, output=tmp_path / "out", workers=1,
                              dspt_file=workspace.root / "examples" / "dspt-export-2026-11-26.csv")  # fmt: skip
    assert kinds(result) == {"VN9Z9": "start"} and result.held == []
    assert [p.ods_code for p, _ in result.unmatched] == ["VN9Z9"]
    text = letter_text(result, "VN9Z9")
    assert "| DSPT status on record | we could not find your ODS code in the DSPT organisation search |" in text
    assert "We looked for your ODS code, VN9Z9, in the DSPT organisation search and could not find it." in text
    assert "search shows" not in text
    assert KIND_PHRASES["start"] in text


def test_without_an_export_letters_say_nothing_about_the_record(workspace: Workspace) -> None:
    """Finding 7: only with no_dspt; the letters then claim nothing about the record."""
    result = example(workspace, dspt_file=None, no_dspt=True)
    assert set(kinds(result).values()) == {"start"}
    assert len(result.written) == len(EXAMPLE_KINDS)
    for job in result.written:
        text = letter_text(result, job.provider.ods_code)
        assert "| DSPT status on record | not checked for this letter |" in text
        assert "We have not checked the DSPT for this letter, so it says nothing about whether you have published." in text
        # issue 19 (item 3): the schedule's terms for a provider without a current
        # publication are stated, conditionally ("If you do not have one, that is a
        # shortfall ... Remedial Plan"); no claim that the provider is in shortfall
        claims = text.replace("If you do not have one, that is a shortfall under your contract: your contract asks you "
                              "to send us a Remedial Plan within 20 working days of the earlier of your becoming aware "
                              "of the shortfall and our notice of it", "")
        for claim in ("search shows", "could not find", "as registered", "shortfall", "Remedial Plan", "not meeting"):
            assert claim not in claims, (job.provider.ods_code, claim)
    assert {r["response_by"] for r in read_report(result.output)} == {"2026-12-24"}
    assert {r["standard_by"] for r in read_report(result.output)} == {""}


def test_without_an_export_the_user_must_say_so(workspace: Workspace) -> None:
    with pytest.raises(UsageError, match=r"no DSPT export given: pass --dspt FILE .*or --no-dspt to write letters that say nothing"):
        example(workspace, dspt_file=None)
    assert not (workspace.root / "letters").exists()
    with pytest.raises(UsageError, match="--dspt and --no-dspt cannot be used together"):
        example(workspace, no_dspt=True)


def test_only_and_kind_choose_the_letters(workspace: Workspace, tmp_path: Path) -> None:
    only = example(workspace, only=["vm1a2", " AW2T "], output=tmp_path / "only")
    assert kinds(only) == {"VM1A2": "confirm", "AW2T": "remedy"}
    chosen = example(workspace, kinds=["IMPROVE", "lapsed"], output=tmp_path / "kind")
    assert kinds(chosen) == {c: k for c, k in EXAMPLE_KINDS.items() if k in ("improve", "lapsed")}
    assert chosen.unmatched == []  # VN3B7 gets no letter here, so no start letter is claimed
    assert sorted(files_under(tmp_path / "kind")) == sorted([j.file for j in chosen.written] + ["checks.txt", "report.csv"])
    assert [r["ods_code"] for r in read_report(tmp_path / "kind")] == [j.provider.ods_code for j in chosen.written]


# ----------------------------------------------------------------- what a letter says


@pytest.mark.parametrize("code", ["VL5F2", "AH7Q", "AW2T", "C4SD", "VM1A2"])
def test_example_borough_letter_content(workspace: Workspace, code: str) -> None:
    result = example(workspace)
    kind = EXAMPLE_KINDS[code]
    lines = letter_text(result, code).splitlines()
    text = "\n".join(lines)
    job = next(j for j in result.written if j.provider.ods_code == code)
    provider = job.provider
    # letterhead
    for line in ("Example Borough Council", "Adult Social Care Commissioning", "Town Hall, 1 Market Street",
                 "Exampleton EX1 2AB"):  # fmt: skip
        assert line in lines
    # the provider's name and address, exactly as in the register
    block = [provider.contact_name, provider.name, *provider.address.splitlines()]
    start = lines.index(provider.contact_name)
    assert lines[start : start + len(block)] == block
    assert f"Dear {salutation_for(provider)}," in lines
    assert "26 November 2026" in lines
    assert f"Our reference: EBC/ASC/2026/014/{code}" in lines
    # status and tier requirement
    assert f"| ODS code | {code} |" in lines
    assert f"Data Security and Protection Toolkit: {KIND_TITLES[kind]}" in lines
    requirement = {"core": "Core: Standards Met or better", "advanced": "Advanced: Standards Exceeded"}
    assert f"| Your tier | {requirement[provider.tier]} |" in lines
    # the kind's own clause and nobody else's, then letter.support
    assert KIND_PHRASES[kind] in text
    assert [k for k, phrase in KIND_PHRASES.items() if phrase in text] == [kind]
    assert "In our area your Local Support Organisation for the programme is Northshire Care Association." in text
    assert "dspt-support@northshire-care.example.org" in text
    # a reply date only where a reply is asked for: the Remedial Plan's, 20 working days
    if kind == "confirm":
        assert not any(line.startswith("| Please respond by") for line in lines)
    else:
        assert "| Please respond by | 24 December 2026 |" in lines
    # signatory
    assert lines[-3:] == ["Priya Shah", "Head of Commissioning, Adult Social Care", "Example Borough Council"]
    assert "Yours sincerely," in lines


def test_letter_status_tier_and_salutation(workspace: Workspace) -> None:
    result = example(workspace)
    foundation = letter_text(result, "8KT41").splitlines()
    assert ("| Your tier | Foundation: Approaching Standards with an action plan for one assessment year only, "
            "then Standards Met or better |") in foundation
    assert "Dear Zoë Lefèvre," in foundation
    no_contact = letter_text(result, "AS9R").splitlines()  # the register has no contact name
    assert "Dear Sir or Madam," in no_contact
    assert no_contact[no_contact.index("Sunrise 🌅 Home Support") - 1] == ""
    expected = {
        "VM1A2": "2025-26 Standards Met",
        "AS9R": "registered, no assessment published",
        "VL2N9": "Entry Level",  # the export names no year: the letter adds none
    }
    for code, status in expected.items():
        assert f"| DSPT status on record | {status} |" in letter_text(result, code).splitlines()
    assert "published on 12 June 2026" in letter_text(result, "VM1A2")
    assert "Dear Dr Marsh," in letter_text(result, "VL5F2").splitlines()  # not "Dear Dr Helen Marsh"


def test_riverside_letter_uses_its_own_profile(workspace: Workspace) -> None:
    result = example(workspace, "riverside-and-vale")
    text = letter_text(result, "VM4R3")
    lines = text.splitlines()
    assert "Riverside & Vale City Council" in lines
    assert "Care & Health Commissioning" in lines
    assert "Data Security and Protection Toolkit: Time to renew your DSPT" in lines
    assert KIND_PHRASES["renew"] in text
    assert "yours counts until 30 June 2027" in text
    assert "Vale Care Providers' Network" in text
    assert not any(line.startswith("| Please respond by") for line in lines)  # renew asks for no reply
    # 15 working days (its letters.response_working_days) after Thursday 26 November 2026,
    # for the provider still within the Foundation Tier's months for a first publication
    assert "| Please respond by | 17 December 2026 |" in letter_text(result, "8HX22").splitlines()
    assert lines[-3:] == ["Dr Siân O'Connor-Ibrahim", "Assistant Director, Care & Health Commissioning",
                          "Riverside & Vale City Council"]  # fmt: skip
    assert {r["ods_code"]: (r["response_by"], r["standard_by"]) for r in read_report(result.output)} == {
        "VM4R3": ("", ""), "VN6H1": ("2026-12-17", ""), "VL7B4": ("", ""),  # VN6H1: a copy of its certificate asked for
        "VM2Q6": ("2026-12-24", "2027-03-24"), "VN9P3": ("2026-12-24", "2027-03-24"),
        "8HX22": ("2026-12-17", "2027-01-01"),
    }  # fmt: skip


def test_response_by_skips_christmas_bank_holidays(workspace: Workspace) -> None:
    # 20 working days after Thursday 10 December 2026 skip Christmas Day, Monday 28
    # December (Boxing Day's substitute) and New Year's Day: Tuesday 12 January 2027.
    result = example(workspace, as_of=D(2026, 12, 10), only=["AW2T"])
    assert "| Please respond by | 12 January 2027 |" in letter_text(result, "AW2T").splitlines()
    assert read_report(result.output)[0]["response_by"] == "2027-01-12"


def test_letter_text_comes_from_the_clause_library(workspace: Workspace) -> None:
    support = workspace.root / "clause_library" / "clauses" / "letter.support.yaml"
    text = support.read_text(encoding="utf-8")
    marker = "  If you have any questions about this letter"
    assert text.count(marker) == 1
    support.write_text(text.replace(marker, "  Our DSPT drop-in runs every Tuesday & Thursday.\n\n" + marker), encoding="utf-8")
    result = example(workspace)
    for job in result.written:
        assert "Our DSPT drop-in runs every Tuesday & Thursday." in docx_to_text(result.output / job.file)


def test_letter_records_its_provenance(workspace: Workspace) -> None:
    result = example(workspace, only=["AW2T"])
    parts = docx_parts(result.output / result.written[0].file)
    custom = custom_properties(parts)
    assert custom["contractgen.letter.kind"] == "remedy"
    assert custom["contractgen.provider.ods_code"] == "AW2T"
    assert custom["contractgen.profile"] == "example-borough"
    assert custom["clause:letter.remedy"] == "2.2.0"  # issue 19: the Commencement Date wording; 2.2.0: the grace period and the reminder
    assert custom["clause:letter.support"] == "1.0.0"
    assert core_properties(parts)["subject"] == "Willow Tree Homecare (AW2T)"


# ----------------------------------------------------------------- names as typed

ODD_NAMES = {
    "VM1A2": 'Smith & Daughters <Care> "Home"',
    "AH7Q": "Café Crème – Zoë’s Place",
    "C4SD": "دار السلام للرعاية",
    "AS9R": "Sunrise 🌅 Home Support",
    "VL5F2": "*Star* Care_Home [one](two) # 3",  # Markdown must stay literal
    "VM8K1": "{{ council.name }} {% if x %}Care",  # and so must Jinja
    "AW2T": "O'Neill &amp; Sons",  # an entity stays as typed
}


def odd_register(tmp_path: Path) -> Path:
    rows = [provider_row(name, code, contact=f"Zoë {name}", address=f"{name}\nExampleton EX1 1AA")
            for code, name in ODD_NAMES.items()]  # fmt: skip
    return write_register(tmp_path / "odd.csv", rows)


def test_names_come_out_exactly_as_typed(workspace: Workspace, tmp_path: Path) -> None:
    result = generate_letters(workspace, "example-borough", odd_register(tmp_path),
                              dspt_file=workspace.root / "examples" / "dspt-export-2026-11-26.csv",
                              as_of=AS_OF, output=tmp_path / "out", workers=1)  # fmt: skip
    assert len(result.written) == len(ODD_NAMES)
    for job in result.written:
        name, code = ODD_NAMES[job.provider.ods_code], job.provider.ods_code
        lines = docx_to_text(tmp_path / "out" / job.file).splitlines()
        assert name in lines  # the address block
        assert any(line.startswith(f"[footer] Example Borough Council: {name} ({code})") for line in lines)
        assert any(f"{name} (ODS code {code})" in line for line in lines)  # the body
        assert f"Dear Zoë {name}," in lines
        assert core_properties(docx_parts(tmp_path / "out" / job.file))["subject"] == f"{name} ({code})"
    report = read_report(tmp_path / "out")
    assert {r["ods_code"]: r["name"] for r in report} == ODD_NAMES


def test_report_csv(workspace: Workspace) -> None:
    mistyped(workspace)
    result = example(workspace)
    rows = read_report(result.output)
    written = {c: k for c, k in EXAMPLE_KINDS.items() if c != "VN3B8"}
    assert [r["ods_code"] for r in rows] == [*written, HELD]  # letters, then those held
    assert {r["ods_code"]: r["letter_kind"] for r in rows} == {**written, HELD: "held"}
    for row in rows[:-1]:
        assert "/" not in row["file"] and "\\" not in row["file"]
        assert (result.output / row["file"]).is_file()
    by_code = {r["ods_code"]: r for r in rows}
    assert {c: (r["response_by"], r["standard_by"]) for c, r in by_code.items()} == {
        "VM1A2": ("", ""), "8KT41": ("", ""),  # confirm: no reply asked, tier met
        "VM8K1": ("2026-12-24", "2027-03-24"),  # CE Plus expired: a Shortfall (issue 15)
        "AH7Q": ("2026-12-24", "2027-03-24"), "C4SD": ("2026-12-24", "2027-03-24"),  # shortfalls:
        "AS9R": ("2026-12-24", "2027-03-24"), "VL5F2": ("2026-12-24", "2027-03-24"),  # Remedial Plan
        "AW2T": ("2026-12-24", "2027-03-24"), "VL2N9": ("2026-12-24", "2027-03-24"),  # due, then 3 months
        HELD: ("", ""),
    }  # fmt: skip
    assert by_code["8KT41"] == {
        "ods_code": "8KT41", "name": '"Café Crème" Supported Living', "tier": "foundation",
        "dspt_status": "2025-26 Approaching Standards", "assessment_year": "2025-26", "publication_date": "2026-05-02",
        "letter_kind": "confirm", "response_by": "", "standard_by": "", "file": by_code["8KT41"]["file"],
        "notice_date": "", "case": "",
    }  # fmt: skip
    assert by_code[HELD]["name"] == "Dar Al-Salam Care (دار السلام للرعاية)"
    assert by_code["AS9R"]["name"] == "Sunrise 🌅 Home Support"
    assert (by_code["AS9R"]["dspt_status"], by_code["AS9R"]["assessment_year"]) == ("Not Published", "")
    assert by_code["VL5F2"]["name"] == "Oakwood <Nursing> Home"
    assert by_code["C4SD"]["name"] == "Smith & Daughters Domiciliary Care"
    assert (by_code["VL2N9"]["publication_date"], by_code["VL2N9"]["assessment_year"]) == ("2020-03-01", "2019-20")
    # Excel's line ends
    assert (result.output / "report.csv").read_bytes().count(b"\r\n") == len(rows) + 1


# ----------------------------------------------------------------- file names


def test_file_names_never_leave_the_folder(workspace: Workspace, tmp_path: Path) -> None:
    names = {"ABC1": "../../etc/passwd", "ABC2": "..\\x", "ABC3": "a/b/../c", "ABC4": "..",
             "ABC5": "/etc/passwd", "ABC6": "C:\\Windows\\system32\\x", "ABC7": "...",
             "ABC8": "~/.bashrc", "ABC9": "CON"}  # fmt: skip
    register = write_register(tmp_path / "providers.csv", [provider_row(n, c) for c, n in names.items()])
    before = set(files_under(tmp_path))
    result = generate_letters(workspace, "example-borough", register, no_dspt=True, as_of=AS_OF, output=tmp_path / "out", workers=1)
    assert len(result.written) == len(names)
    written = files_under(tmp_path / "out")
    assert set(files_under(tmp_path)) - before == {f"out/{f}" for f in written}
    for job in result.written:
        assert re.fullmatch(r"[A-Z0-9]{3,6}(-[a-z0-9]+)*\.docx", job.file), job.file
        assert job.file in written
        assert names[job.provider.ods_code] in docx_to_text(tmp_path / "out" / job.file).splitlines()
    assert {f for f in written if f.endswith(".docx")} == {j.file for j in result.written}


@pytest.mark.parametrize("code", ["CON", "NUL", "AUX", "PRN", "COM1", "LPT9"])
def test_file_names_avoid_windows_device_names(workspace: Workspace, tmp_path: Path, code: str) -> None:
    # An ODS-shaped code and a name with no Latin letters would make CON.docx: Windows
    # opens the console device instead of a file for every name CON.* .
    register = write_register(tmp_path / "providers.csv", [provider_row("دار السلام", code)])
    result = generate_letters(workspace, "example-borough", register, no_dspt=True, as_of=AS_OF, output=tmp_path / "out", workers=1)
    (job,) = result.written
    assert job.file.split(".")[0].upper() not in {"CON", "NUL", "AUX", "PRN", "COM1", "LPT9"}
    assert (tmp_path / "out" / job.file).is_file()


def test_odd_codes_are_rejected_by_the_register(workspace: Workspace, tmp_path: Path) -> None:
    rows = [provider_row("Good Care", "VM1A2"), provider_row("Slash", "../X1"), provider_row("Dots", "VM1A2/.."),
            provider_row("Space", "AB C1"), provider_row("Backslash", "AB\\C1"), provider_row("Dot", ".")]  # fmt: skip
    register = write_register(tmp_path / "providers.csv", rows)
    result = generate_letters(workspace, "example-borough", register, as_of=AS_OF, output=tmp_path / "out", workers=1,
                              dspt_file=workspace.root / "examples" / "dspt-export-2026-11-26.csv")  # fmt: skip
    assert [j.provider.ods_code for j in result.written] == ["VM1A2"]
    assert [(p.location.line, p.key) for p in result.rejected] == [(n, "ods_code") for n in (3, 4, 5, 6, 7)]
    assert "'../X1' is not an ODS code" in result.rejected[0].message
    assert result.failed
    assert files_under(tmp_path / "out") == ["VM1A2-good-care.docx", "checks.txt", "report.csv"]


def test_colliding_slugs_get_distinct_files(workspace: Workspace, tmp_path: Path) -> None:
    rows = [provider_row("Café Crème", "VL1A1"), provider_row("Cafe Creme", "VL1A2"),
            provider_row("CAFÉ-CRÈME!", "VL1A3"), provider_row("Café Crème", "VL1A")]  # fmt: skip
    register = write_register(tmp_path / "providers.csv", rows)
    result = generate_letters(workspace, "example-borough", register, no_dspt=True, as_of=AS_OF, output=tmp_path / "out", workers=1)
    files = [j.file for j in result.written]
    assert len({f.casefold() for f in files}) == 4  # distinct on case-insensitive disks too
    for job in result.written:
        assert f"| ODS code | {job.provider.ods_code} |" in docx_to_text(tmp_path / "out" / job.file).splitlines()


def provider(name: str, code: str = "ABC1") -> Provider:
    return Provider(name=name, ods_code=code, contact_name="", email="", address="", cqc_registered=None, tier="core", row=2)


def test_letter_file_names_never_collide() -> None:
    names = letter_file_names([provider("Café Crème"), provider("Cafe Creme"), provider("CAFE CREME"),
                               provider("Cafe Creme 2"), provider("cafe-creme-2"), provider("دار"),
                               provider("دار السلام"), provider("x" * 200), provider("x" * 201)])  # fmt: skip
    assert len({n.casefold() for n in names}) == len(names), names
    assert names[:3] == ["ABC1-cafe-creme.docx", "ABC1-cafe-creme-2.docx", "ABC1-cafe-creme-3.docx"]
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9-]+\.docx", name) and len(name) <= 80, name


def test_inside_refuses_names_that_leave_the_folder(tmp_path: Path) -> None:
    # the last line of defence, behind letter_file_names
    for name in ("../x.docx", "../../etc/passwd", "/etc/passwd", "", ".", "a/../../x"):
        with pytest.raises(OutputError, match="refusing to write"):
            inside(tmp_path / "out", name)
    assert inside(tmp_path / "out", "VM1A2-x.docx") == (tmp_path / "out" / "VM1A2-x.docx").resolve()


# ----------------------------------------------------------------- writing safely


class Boom(RuntimeError):
    pass


def fail_render_after(monkeypatch: pytest.MonkeyPatch, count: int, error: BaseException) -> None:
    real = LetterRenderer.render
    calls = {"n": 0}

    def render(self, provider, position):
        calls["n"] += 1
        if calls["n"] > count:
            raise error
        return real(self, provider, position)

    monkeypatch.setattr(LetterRenderer, "render", render)


def test_a_crash_mid_batch_leaves_whole_letters_only(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    fail_render_after(monkeypatch, 3, Boom("renderer crashed"))
    with pytest.raises(Boom):
        example(workspace)
    out = workspace.root / "letters"
    letters = [f for f in files_under(out) if f.endswith(".docx")]
    assert len(letters) == 3
    for name in letters:
        assert_sound_docx(out / name)
    assert temporaries(out) == []
    assert not (out / "report.csv").exists()


@pytest.mark.skipif(START_METHOD != "fork", reason="the failing renderer is this process's, which forked workers inherit")
def test_a_crash_in_the_workers_leaves_whole_letters_and_no_temporary_folder(workspace: Workspace,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    first_of_each_kind = 7  # written by the parent before the workers start: they crash instead
    fail_render_after(monkeypatch, first_of_each_kind + 1, Boom("renderer crashed"))
    with pytest.raises(Boom):
        example(workspace, workers=2)
    out = workspace.root / "letters"
    letters = [f for f in files_under(out) if f.endswith(".docx")]
    assert first_of_each_kind <= len(letters) < 10
    for name in letters:
        assert_sound_docx(out / name)
    assert temporaries(out) == []


def test_disk_full_while_writing_leaves_no_half_letter(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    import contractgen.base.atomic as package

    real_fdopen = os.fdopen
    opened = {"n": 0}

    class HalfWriter:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data: bytes) -> int:
            self.fh.write(data[: len(data) // 2])
            self.fh.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

    def fdopen(fd, mode="r", *args, **kwargs):
        fh = real_fdopen(fd, mode, *args, **kwargs)
        opened["n"] += 1
        return HalfWriter(fh) if opened["n"] == 4 else fh

    monkeypatch.setattr(package.os, "fdopen", fdopen)
    with pytest.raises(OutputError, match="No space left on device"):
        example(workspace)
    monkeypatch.undo()
    out = workspace.root / "letters"
    letters = [f for f in files_under(out) if f.endswith(".docx")]
    assert len(letters) == 3
    for name in letters:
        assert_sound_docx(out / name)
    assert temporaries(out) == []


def test_a_failed_rename_leaves_no_temporary_file(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    import contractgen.base.atomic as package

    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith("AW2T-willow-tree-homecare.docx"):
            raise OSError(errno.EACCES, "Permission denied")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(package.os, "replace", replace)
    with pytest.raises(OutputError, match="AW2T-willow-tree-homecare.docx"):
        example(workspace)
    monkeypatch.undo()
    out = workspace.root / "letters"
    assert temporaries(out) == []
    assert not (out / "AW2T-willow-tree-homecare.docx").exists()


def test_temporaries_of_a_killed_batch_are_cleared(workspace: Workspace) -> None:
    out = workspace.root / "letters"
    out.mkdir()
    (out / ".~cg-abc123.docx.part").write_bytes(b"PK\x03\x04half a letter")
    (out / ".~cg-b7x2k" / "w4242").mkdir(parents=True)  # a batch's folder of temporary files, a worker's in it
    (out / ".~cg-b7x2k" / "w4242" / ".~cg-def456.docx.part").write_bytes(b"PK\x03\x04half another")
    example(workspace)
    assert temporaries(out) == []


@pytest.mark.skipif(START_METHOD != "fork", reason="a spawned worker does not see this test's wrapper")
def test_each_process_makes_its_temporary_files_in_its_own_folder(workspace: Workspace, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Two workers making files in one folder contend for it in the system's kernel: each
    process makes its letters' temporary files in a folder of its own, in the batch's
    folder inside the output folder, and renames them into place; no such folder is left."""
    log = tmp_path / "folders"
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        if kwargs["suffix"] == ".docx.part":  # a letter's (the reports are the parent's, made beside them)
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()} {kwargs['dir']}\n")
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    result = example(workspace, workers=2)
    monkeypatch.undo()
    out = result.output.resolve()
    made = {tuple(line.split(" ", 1)) for line in log.read_text(encoding="utf-8").splitlines()}
    assert len({pid for pid, _ in made}) >= 2  # the parent (the first letter of each kind) and the workers
    (batch,) = {Path(folder).parent for _, folder in made}
    assert batch.parent == out and batch.name.startswith(".~cg-b")
    assert {folder for _, folder in made} == {str(batch / f"w{pid}") for pid, _ in made}
    assert len(result.written) == 10 and temporaries(out) == []


def test_existing_letters_are_kept_without_force(workspace: Workspace) -> None:
    first = example(workspace)
    out = first.output
    before = {name: (out / name).read_bytes() for name in files_under(out)}
    with pytest.raises(OutputError) as caught:
        example(workspace, as_of=D(2027, 5, 15))
    message = caught.value.message
    assert message.startswith(f"{len(before)} files already exist in ")
    assert f"(first: {first.written[0].file})" in message
    assert "--force" in message
    assert {name: (out / name).read_bytes() for name in files_under(out)} == before
    forced = example(workspace, as_of=D(2027, 5, 15), force=True)
    assert kinds(forced)["VM1A2"] == "renew"
    assert (out / "report.csv").read_bytes() != before["report.csv"]


def test_report_of_an_earlier_batch_is_kept_without_force(workspace: Workspace) -> None:
    example(workspace, only=["VM1A2"])
    report = (workspace.root / "letters" / "report.csv").read_bytes()
    # issue 19: checks.txt is written beside report.csv, so two files of the earlier batch are kept
    with pytest.raises(OutputError, match=r"2 files already exist in .*\(first: report\.csv\)"):
        example(workspace, only=["AW2T"])
    assert (workspace.root / "letters" / "report.csv").read_bytes() == report
    assert files_under(workspace.root / "letters") == ["VM1A2-maple-lodge-care-home.docx", "checks.txt", "report.csv"]


def test_an_output_folder_that_cannot_be_made_is_an_output_error(workspace: Workspace, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot create"):
        example(workspace, output=tmp_path / "a-file" / "letters")


# ----------------------------------------------------------------- bad input


def test_bad_register_rows_are_reported_and_skipped(workspace: Workspace, tmp_path: Path) -> None:
    rows = [provider_row("Good Care", "VM1A2"), provider_row("", "AH7Q"),
            provider_row("Bad Email & Tier", "C4SD", email="not-an-email", tier="gold"),
            provider_row("Twin", "VM1A2"), provider_row("Also Good", "AW2T")]  # fmt: skip
    register = write_register(tmp_path / "providers.csv", rows)
    result = generate_letters(workspace, "example-borough", register, as_of=AS_OF, output=tmp_path / "out", workers=1,
                              dspt_file=workspace.root / "examples" / "dspt-export-2026-11-26.csv")  # fmt: skip
    assert kinds(result) == {"VM1A2": "confirm", "AW2T": "remedy"}
    assert [(p.location.line, p.key) for p in result.rejected] == [(3, "name"), (4, "email"), (4, "tier"), (5, "ods_code")]
    assert "duplicate ODS code 'VM1A2', first on row 2" in result.rejected[-1].message
    assert result.failed
    # every register row has a row in report.csv: a rejected one too, with what it held (rejected rows
    # used to be missing from the report: an intended change)
    assert [(r["ods_code"], r["name"], r["letter_kind"], r["file"]) for r in read_report(tmp_path / "out")] == [
        ("VM1A2", "Good Care", "confirm", "VM1A2-good-care.docx"), ("AW2T", "Also Good", "remedy", "AW2T-also-good.docx"),
        ("AH7Q", "", "rejected", ""), ("C4SD", "Bad Email & Tier", "rejected", ""), ("VM1A2", "Twin", "rejected", ""),
    ]


def test_strict_refuses_a_bad_register_and_writes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    rows = [provider_row("Good Care", "VM1A2"), provider_row("Bad", "../X1")]
    register = write_register(tmp_path / "providers.csv", rows)
    with pytest.raises(RegisterError) as caught:
        generate_letters(workspace, "example-borough", register, no_dspt=True, as_of=AS_OF, output=tmp_path / "out", strict=True)
    assert [(p.location.line, p.key) for p in caught.value.problems] == [(3, "ods_code")]
    assert not (tmp_path / "out").exists()


def test_a_control_character_in_the_register_rejects_that_row(workspace: Workspace, tmp_path: Path) -> None:
    # No Word document can hold U+0001: the row is rejected, not the whole batch stopped half-way.
    rows = [provider_row("Good Care", "VM1A2"), provider_row("Bad\x01Care", "AH7Q"), provider_row("Also Good", "AW2T")]
    register = write_register(tmp_path / "providers.csv", rows)
    result = generate_letters(workspace, "example-borough", register, no_dspt=True, as_of=AS_OF, output=tmp_path / "out", workers=1)
    assert [j.provider.ods_code for j in result.written] == ["VM1A2", "AW2T"]
    assert [(p.location.line, p.key) for p in result.rejected] == [(3, "name")]
    assert "U+0001" in result.rejected[0].message
    assert result.failed


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kinds": ["gold"]}, "unknown letter kind 'gold'"),
        ({"only": ["ZZZ9"]}, "--only ZZZ9: no provider with that ODS code"),
    ],
)
def test_usage_errors_write_nothing(workspace: Workspace, options: dict, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)) as caught:
        example(workspace, **options)
    assert caught.value.exit_code == 2
    assert not (workspace.root / "letters").exists()


def test_unknown_profile_is_a_usage_error(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no profile 'nope'") as caught:
        generate_letters(workspace, "nope", workspace.root / "examples" / "example-borough-providers.csv",
                         output=tmp_path / "out")  # fmt: skip
    assert caught.value.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_a_letter_clause_that_is_not_approved_writes_nothing(workspace: Workspace) -> None:
    clause = workspace.root / "clause_library" / "clauses" / "letter.renew.yaml"
    text = clause.read_text(encoding="utf-8")
    clause.write_text(text.replace("status: approved", "status: draft", 1), encoding="utf-8")
    with pytest.raises(ContractgenError, match="letter.renew") as caught:
        example(workspace, only=["VM1A2"])  # even though nobody gets a renew letter
    assert caught.value.exit_code == 1
    assert not (workspace.root / "letters").exists()


def test_unreadable_export_writes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    export = write_export(tmp_path / "export.csv", [("VM1A2", "MAPLE", "Standards Almost Met", "12/06/2026")])
    with pytest.raises(ExportError, match="unknown DSPT status"):
        example(workspace, dspt_file=export)
    assert not (workspace.root / "letters").exists()


# ----------------------------------------------------------------- reproducible


def test_same_letters_twice_are_byte_identical(workspace: Workspace, tmp_path: Path) -> None:
    one = example(workspace, output=tmp_path / "one")
    two = example(workspace, output=tmp_path / "two", workers=2)
    names = files_under(tmp_path / "one")
    assert names == files_under(tmp_path / "two")
    assert {n for n in names if n.endswith(".docx")} == {j.file for j in one.written} == {j.file for j in two.written}
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


@pytest.mark.slow
def test_the_worker_pool_works_with_the_spawn_start_method(workspace: Workspace, tmp_path: Path, monkeypatch) -> None:
    """Windows has no fork: each spawned worker prepares its own renderer from the same
    files, and the letters are the same bytes as from one process."""
    import contractgen.letters.pool as pool

    one = example(workspace, output=tmp_path / "one", workers=1)
    monkeypatch.setattr(pool, "START_METHOD", "spawn")
    spawned = example(workspace, output=tmp_path / "spawned", workers=2)
    assert len(one.written) == len(spawned.written) >= 8  # enough letters for the pool to be used
    names = files_under(tmp_path / "one")
    assert names == files_under(tmp_path / "spawned")
    assert temporaries(tmp_path / "spawned") == []
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "spawned" / name).read_bytes(), name


# ----------------------------------------------------------------- a big batch

BATCH_NAMES = ["Maple & Oak Care <Home>", '"Café Crème" Supported Living', "دار السلام للرعاية",
               "St Anne's Residential Home", "Sunrise 🌅 Home Support", "Zoë's Homecare Ltd"]  # fmt: skip
BATCH_STATUSES = [("25/26 Standards Met", "12/06/2026"), ("24/25 Standards Met", "20/06/2025"),
                  ("25/26 Approaching Standards", "27/06/2026"), ("25/26 Standards Not Met", "29/06/2026"),
                  ("25/26 Standards Exceeded", "18/06/2026"), ("Not Published", ""), None]  # fmt: skip
BATCH_TIERS = ["foundation", "core", "core", "advanced"]


def batch_expected_kind(status: str | None, tier: str) -> str:
    """The rules of the issue, spelled out for the batch's statuses as of 2026-11-26."""
    if status is None or status == "Not Published":
        return "start"
    year, label = status.split(" ", 1)
    if year == "24/25":
        return "lapsed"  # counted until 30 June 2026
    if label == "Standards Not Met":
        return "remedy"
    rank = {"Approaching Standards": 1, "Standards Met": 2, "Standards Exceeded": 3}[label]
    needed = {"foundation": 1, "core": 2, "advanced": 3}[tier]
    if tier == "advanced" and rank >= needed:
        return "certificate"  # the register has no certificate columns: a copy is asked for (issue 15)
    return "confirm" if rank >= needed else "improve"  # 25/26 counts until 30 June 2027


@pytest.mark.slow
def test_a_thousand_letters(workspace: Workspace, tmp_path: Path) -> None:
    count = 1000
    expected: dict[str, tuple[str, str]] = {}
    register_rows, export_rows = [], []
    for i in range(count):
        status = BATCH_STATUSES[i % len(BATCH_STATUSES)]
        # codes the export lacks are far from its codes: a near one would be held for review
        code = f"V{'LMN'[i % 3]}{i:03d}" if status is not None else f"8X{i:03d}"
        name = f"{BATCH_NAMES[i % len(BATCH_NAMES)]} {i}"
        tier = BATCH_TIERS[i % len(BATCH_TIERS)]
        register_rows.append(provider_row(name, code, tier, contact=f"Manager {i}", email=f"m{i}@example.org"))
        if status is not None:
            export_rows.append((code, name.upper(), *status))
        expected[code] = (name, batch_expected_kind(status and status[0], tier))
    register = write_register(tmp_path / "providers.csv", register_rows)
    export = write_export(tmp_path / "dspt-export-2026-11-26.csv", export_rows)
    out = tmp_path / "out"

    result = generate_letters(workspace, "example-borough", register, dspt_file=export, as_of=AS_OF, output=out, workers=2)

    assert {j.provider.ods_code: (j.provider.name, j.position.kind.value) for j in result.written} == expected
    assert set(Counter(k for _, k in expected.values())) == {"start", "lapsed", "remedy", "improve", "confirm", "certificate"}
    assert len(result.unmatched) == sum(1 for i in range(count) if BATCH_STATUSES[i % len(BATCH_STATUSES)] is None)
    assert result.held == []
    rows = read_report(out)
    assert {r["ods_code"]: (r["name"], r["letter_kind"]) for r in rows} == expected
    files = {r["file"] for r in rows}
    assert len(files) == count
    assert set(files_under(out)) - {"checks.txt", "report.csv", "unmatched.csv"} == files
    for name in files:
        with zipfile.ZipFile(out / name) as z:
            assert z.testzip() is None, name
    for row in rows[::50]:
        assert_sound_docx(out / row["file"])
        assert row["name"] in docx_to_text(out / row["file"]).splitlines()
    assert temporaries(out) == []


# ----------------------------------------------------------------- real DSPT exports


def _xlsx_rows(path: Path) -> list[tuple]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def _csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


@pytest.fixture(scope="module")
def real_exports() -> dict[str, dict[str, str]]:
    """Every real export as ``{file: {code: raw status}}``, read here with openpyxl and
    csv (not with contractgen), to pick real codes and to know what each one holds."""
    folder = require_shared_data("dspt-export-2019-06-17.xlsx", "dspt-export-2023-11-16-trusts.csv",
                                 "dspt-export-2023-10-17-icb.csv")  # fmt: skip
    exports: dict[str, dict[str, str]] = {}
    sectors: dict[str, str] = {}
    names: dict[str, str] = {}
    rows = _xlsx_rows(folder / "dspt-export-2019-06-17.xlsx")
    header = rows[0]
    col = {h: i for i, h in enumerate(header)}
    held: dict[str, str] = {}
    for row in rows[1:]:
        code = row[col["ODSCode"]]
        name = str(row[col["OrganisationName"]] or "").strip()
        if isinstance(code, (dt.date, dt.datetime)):  # Excel turned APR6 into a date
            code = re.search(r"\((\w+)\)$", name).group(1)
        code = str(code).strip().upper()
        held[code] = (row[col["PublicationStatus"]] or "").strip()
        sectors[code] = row[col["PrimarySector"]] or ""
        names.setdefault(code, name)
        if str(row[col["DateOfPublication"]]) == "CompletedThroughQIO":
            sectors[code] = "QIO"
    exports["dspt-export-2019-06-17.xlsx"] = held
    for file in ("dspt-export-2023-11-16-trusts.csv", "dspt-export-2023-10-17-icb.csv"):
        held = {}
        for row in _csv_rows(folder / file):
            code = row["Code"].strip().upper()
            held[code] = row["Status"].strip()
            names.setdefault(code, row["Organisation Name"].strip())
        exports[file] = held
    exports["_names"] = names
    exports["_sectors"] = sectors
    return exports


def _pick_real_providers(exports: dict[str, dict[str, str]]) -> list[str]:
    """About twenty real codes: care homes and home care from the 2019 xlsx (every
    status, the APR6 code Excel turned into a date, a QIO row), trusts and ICBs from
    the modern CSVs (every status)."""
    xlsx, sectors = exports["dspt-export-2019-06-17.xlsx"], exports["_sectors"]
    picked: list[str] = ["APR6"]
    wanted = [("Care Home", ""), ("Care Home", ""), ("Care Home", "Standards Met"), ("Care Home", "Standards Met"),
              ("Care Home", "Entry Level"), ("Care Home", "Standards Met (19-20)"), ("Care Home", "Standards Exceeded"),
              ("Domiciliary Care Organisation", ""), ("Domiciliary Care Organisation", "Standards Met"),
              ("QIO", "Standards Met"), ("QIO", "Entry Level")]  # fmt: skip
    for sector, status in wanted:
        picked.append(next(c for c, s in xlsx.items() if sectors[c] == sector and s == status and c not in picked))
    for file in ("dspt-export-2023-11-16-trusts.csv", "dspt-export-2023-10-17-icb.csv"):
        held = exports[file]
        for status in sorted({s.split(" ", 1)[-1] if s[:1].isdigit() else s for s in held.values()}):
            picked.append(next(c for c, s in held.items() if s.endswith(status) and c not in picked))
    return picked


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "file", ["dspt-export-2019-06-17.xlsx", "dspt-export-2023-11-16-trusts.csv", "dspt-export-2023-10-17-icb.csv"]
)
def test_letters_from_real_exports(workspace: Workspace, tmp_path: Path, real_exports, file: str) -> None:
    codes = _pick_real_providers(real_exports)
    assert 18 <= len(codes) <= 24 and len(set(codes)) == len(codes)
    names = {c: real_exports["_names"][c].split(" (")[0].title() for c in codes}
    register = write_register(tmp_path / "providers.csv",
                              [provider_row(names[c], c, ("foundation", "core", "advanced")[i % 3]) for i, c in enumerate(codes)])  # fmt: skip
    held = real_exports[file]
    # Every publication in these old exports has lapsed by 2026; Not Published or blank
    # (registered, never published) and codes the export lacks get a start letter.
    expected = {c: ("start" if held.get(c, "") in ("", "Not Published") else "lapsed") for c in codes}
    assert set(expected.values()) == {"start", "lapsed"}

    # These exports are years old and the trusts' and ICBs' hold no care provider, so the
    # export check refuses them (tests/test_evidence.py); this test is about reading them.
    result = generate_letters(workspace, "example-borough", register, dspt_file=require_shared_data(file) / file,
                              as_of=AS_OF, output=tmp_path / "out", workers=2,
                              accept_export="compatibility test: every real export format is read")  # fmt: skip

    assert kinds(result) == expected
    assert sorted(p.ods_code for p, _ in result.unmatched) == sorted(c for c in codes if c not in held)
    rows = read_report(tmp_path / "out")
    assert {r["ods_code"]: r["letter_kind"] for r in rows} == expected
    for row in rows:
        assert row["name"] == names[row["ods_code"]]
        text = docx_to_text(tmp_path / "out" / row["file"])
        if row["ods_code"] in held:
            assert f"{names[row['ods_code']]} (ODS code {row['ods_code']})" in text
        else:
            assert f"We looked for your ODS code, {row['ods_code']}, in the DSPT organisation search" in text
        if row["letter_kind"] == "lapsed":
            assert row["dspt_status"] and KIND_PHRASES["lapsed"] in text


def test_without_an_export_everyone_gets_a_start_letter_and_the_summary_says_why(workspace: Workspace, tmp_path: Path) -> None:
    register = workspace.root / "examples" / "example-borough-providers.csv"
    result = generate_letters(workspace, "example-borough", register, no_dspt=True, as_of=dt.date(2026, 11, 26),
                              output=tmp_path / "out", workers=1)  # fmt: skip
    assert {job.position.kind.value for job in result.written} == {"start"}
    assert result.unmatched == [] and result.held == []  # nothing was looked up, so nothing is "not found"
    assert "no DSPT export read (--no-dspt): the letters say nothing about the providers' DSPT records" in result.summary_lines()
    assert not (tmp_path / "out" / "unmatched.csv").exists()


# ----------------------------------------------------------------- the Advanced tier's certificate (issue 15)


def advanced_with_certificate(workspace: Workspace, expiry: str) -> None:
    """The example register with Riverside Court's (VM8K1) CE Plus certificate expiring on ``expiry``."""
    path = workspace.root / "examples" / "example-borough-providers.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count("yes,advanced,2027-04-30,2026-11-01") == 1
    path.write_text(text.replace("yes,advanced,2027-04-30,2026-11-01", f"yes,advanced,2027-04-30,{expiry}"), encoding="utf-8")


ADVANCED_NEEDS = ("Standards Exceeded also needs a current Cyber Essentials Plus certificate, which your contract asks you to "
                  "hold throughout (paragraph 5.1 of Schedule 12 (Data Security and Protection) of your contract){expiry}. Your tier also asks you to test the data and "
                  "cyber security parts of your business continuity plan at least once every twelve months and send us a "
                  "short report of each test within 10 working days of the test (paragraph 3.1).")


def test_letters_cite_the_schedule_by_the_profiles_schedule_title(workspace: Workspace) -> None:
    """A paragraph a letter cites is read in the schedule the council issued, named as
    its heading names it (profile ``contract.schedule_title``)."""
    edit(workspace.root / "profiles" / "example-borough.yaml", "  schedule_number: 12\n",
         "  schedule_number: 12\n  schedule_title: Information Governance & Cyber Security\n")
    advanced_with_certificate(workspace, "2027-11-29")
    text = letter_text(example(workspace, only=["VM8K1"]), "VM8K1")
    assert "(paragraph 5.1 of Schedule 12 (Information Governance & Cyber Security) of your contract)" in text
    assert "Data Security and Protection)" not in text


def test_advanced_confirm_and_renew_letters_say_what_the_next_publication_needs(workspace: Workspace) -> None:
    advanced_with_certificate(workspace, "2027-11-29")
    # 26 November 2026: 25/26 Standards Exceeded counts until 30 June 2027 (216 days): confirm
    confirm = example(workspace, only=["VM8K1"])
    assert kinds(confirm) == {"VM8K1": "confirm"}
    text = letter_text(confirm, "VM8K1")
    assert ("Your next assessment, for 2026-27, needs to be published at Standards Exceeded by 30 June 2027. "
            + ADVANCED_NEEDS.format(expiry=": the one we have on record expires on 29 November 2027")) in text
    # 4 May 2027: 57 days before 30 June 2027, within the renewal window: renew
    renew = example(workspace, only=["VM8K1"], as_of=D(2027, 5, 4), output=workspace.root / "renew", accept_export="test")
    assert kinds(renew) == {"VM8K1": "renew"}
    text = letter_text(renew, "VM8K1")
    assert ("To keep meeting your contract, please publish your 2026-27 assessment at Standards Exceeded by 30 June 2027. "
            + ADVANCED_NEEDS.format(expiry=": the one we have on record expires on 29 November 2027")) in text
    # a core-tier letter says nothing of it
    assert "Cyber Essentials Plus" not in letter_text(example(workspace, only=["VN3B8"], output=workspace.root / "core"), "VN3B8")


def test_an_advanced_letter_with_a_certificate_reminder_states_the_expiry_once(workspace: Workspace) -> None:
    advanced_with_certificate(workspace, "2027-02-10")  # 76 days after 26 November 2026: within the 90-day window
    text = letter_text(example(workspace, only=["VM8K1"]), "VM8K1")
    assert ADVANCED_NEEDS.format(expiry="") in text
    assert text.count("10 February 2027") == 1
    assert ("Your Cyber Essentials Plus certificate expires on 10 February 2027. Your tier needs a current certificate "
            "throughout your contract, so please renew it before then and send us a copy of the new one.") in text


def test_riverside_asks_highfield_for_its_certificate_without_a_shortfall_notice(workspace: Workspace) -> None:
    """Riverside & Vale's register has no certificate columns: Highfield House (VN6H1,
    Advanced, 25/26 Standards Exceeded) is asked for a copy of its certificate by 17
    December 2026 (15 Working Days after Thursday 26 November 2026), and given no
    Remedial Plan date; no case is opened."""
    result = example(workspace, "riverside-and-vale", only=["VN6H1"])
    text = letter_text(result, "VN6H1")
    lines = text.splitlines()
    assert "Data Security and Protection Toolkit: Your Cyber Essentials Plus certificate" in lines
    assert "| Please respond by | 17 December 2026 |" in lines
    assert ("Your contract places Highfield House (ODS code VN6H1) in the Advanced tier, which needs Standards Exceeded, and "
            "asks you to hold a current Cyber Essentials Plus certificate throughout the contract (paragraph 5.1 of Schedule 7 "
            "(Data Security and Protection) of your contract). The DSPT organisation search shows you as 2025-26 Standards Exceeded, published on 25 June 2026. "
            "Thank you: that publication meets the DSPT part of your tier.") in lines
    assert ("We do not hold a record of your Cyber Essentials Plus certificate, so we cannot yet confirm that you hold a "
            "current one. Please send us a copy of your current certificate, with its number, date of issue and expiry "
            "date, to Care Home Quality & Contracts Team at care.contracts@riverside-vale.example.gov.uk by 17 December "
            "2026. We will then record it.") in lines
    assert ("Your publication counts until 30 June 2027. Your next assessment, for 2026-27, needs to be published at "
            "Standards Exceeded by 30 June 2027.") in lines
    for absent in ("Remedial Plan", "shortfall", "expired", "not meeting", "24 December 2026", "24 March 2027"):
        assert absent not in text, absent
    [row] = read_report(result.output)
    assert {k: row[k] for k in ("letter_kind", "response_by", "standard_by", "notice_date", "case")} == {
        "letter_kind": "certificate", "response_by": "2026-12-17", "standard_by": "", "notice_date": "", "case": ""}


def test_report_csv_written_in_chunks_is_the_same_bytes(tmp_path: Path) -> None:
    """report.csv is streamed 500 rows at a time: the file has exactly the bytes the whole
    CSV would have (the byte-order mark once, CRLF ends, formula cells neutralised)."""
    rows = [[f"=cell {i}", "Zoë & <Sons>", "دار"] for i in range(1234)]
    chunks = list(csv_chunks(("a", "b", "c"), rows))
    assert len(chunks) == 3
    write_atomic(tmp_path / "report.csv", iter(chunks))
    whole = csv_bytes(("a", "b", "c"), rows)
    assert (tmp_path / "report.csv").read_bytes() == whole
    assert whole.startswith("\ufeffa,b,c\r\n'=cell 0,Zoë & <Sons>,دار\r\n".encode())
    assert whole.count(b"\xef\xbb\xbf") == 1
