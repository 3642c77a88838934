"""Reading the council's provider register."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest

from contractgen.base.errors import InputError, RegisterError
from contractgen.dspt.register import (
    FIELDS,
    OdsCodeKind,
    Provider,
    RegisterResult,
    cell_text,
    classify_ods_code,
    read_register,
)

TIERS = ("foundation", "core", "advanced")
HEADER: list[object] = [
    "name",
    "ods_code",
    "contact_name",
    "email",
    "address",
    "cqc_registered",
    "tier",
]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in tmp_path so that messages show short file names."""
    monkeypatch.chdir(tmp_path)


def write_csv(
    path: Path, rows: Sequence[Sequence[object]], *, bom: bool = False
) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode())
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def read(path: Path, **kwargs: object) -> RegisterResult:
    options: dict[str, object] = {"tiers": TIERS, "default_tier": "core", **kwargs}
    return read_register(path, **options)  # type: ignore[arg-type]


def messages(result: RegisterResult) -> list[str]:
    return [str(p) for p in result.problems]


def row(
    name: str = "The Pines",
    code: object = "VM79V",
    contact: str = "Ann Smith",
    email: str = "ann@pines.example",
    address: str = "1 High Street\nLeeds\nLS1 1AA",
    cqc: object = "yes",
    tier: str = "",
) -> list[object]:
    return [name, code, contact, email, address, cqc, tier]


# --------------------------------------------------------------------- ODS codes


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("ADAG", OdsCodeKind.HEAD_OFFICE),
        ("AC4T", OdsCodeKind.HEAD_OFFICE),
        ("CXYZ", OdsCodeKind.HEAD_OFFICE),
        ("VM79V", OdsCodeKind.CARE_SITE),
        ("VL50F", OdsCodeKind.CARE_SITE),
        ("VN123", OdsCodeKind.CARE_SITE),
        ("8JL70", OdsCodeKind.NON_NHS),
        ("8J031", OdsCodeKind.NON_NHS),
        ("RXX", OdsCodeKind.ORGANISATION),
        ("00L", OdsCodeKind.ORGANISATION),
        ("204", OdsCodeKind.ORGANISATION),
        ("RXX01", OdsCodeKind.SITE),
        ("FA123", OdsCodeKind.SITE),
        ("VA123", OdsCodeKind.SITE),
        ("F81205", OdsCodeKind.PRACTICE),
        ("V04070", OdsCodeKind.PRACTICE),
        (" vm79v ", OdsCodeKind.CARE_SITE),
        ("adag", OdsCodeKind.HEAD_OFFICE),
    ],
)
def test_classify_ods_code(code: str, kind: OdsCodeKind) -> None:
    assert classify_ods_code(code) is kind


@pytest.mark.parametrize(
    "code",
    [
        "",
        "AB",
        "ABCDEFG",
        "VM 79V",
        "VM-79V",
        "VM79V!",
        "ÄDAG",
        "n/a",
        "TBC - ask",
        "٣٤٥٦",
    ],
)
def test_classify_ods_code_refuses_garbage(code: str) -> None:
    assert classify_ods_code(code) is None


# --------------------------------------------------------------------- good input


@pytest.mark.parametrize("bom", [False, True])
def test_read_csv(tmp_path: Path, bom: bool) -> None:
    path = write_csv(
        tmp_path / "register.csv",
        [HEADER, row(), row("Head Office", "ADAG", cqc="", tier="Advanced")],
        bom=bom,
    )
    result = read(path)
    assert result.ok
    assert result.problems == []
    assert result.file == "register.csv"
    assert result.providers == [
        Provider(
            name="The Pines",
            ods_code="VM79V",
            contact_name="Ann Smith",
            email="ann@pines.example",
            address="1 High Street\nLeeds\nLS1 1AA",
            cqc_registered=True,
            tier="core",
            row=2,
        ),
        Provider(
            name="Head Office",
            ods_code="ADAG",
            contact_name="Ann Smith",
            email="ann@pines.example",
            address="1 High Street\nLeeds\nLS1 1AA",
            cqc_registered=None,
            tier="advanced",
            row=3,
        ),
    ]
    result.raise_for_problems()  # no problems: nothing raised


def test_read_xlsx(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        HEADER,
        row(cqc=True),
        row("Council Run", 204, cqc=False, address="Town Hall\r\nLeeds"),
        row("Zero", "8JL70", cqc=1, tier="foundation"),
        [None] * 7,
        [None, "", None],
    ]
    result = read(write_xlsx(tmp_path / "register.xlsx", rows))
    assert messages(result) == []
    assert [
        (p.ods_code, p.cqc_registered, p.tier, p.row) for p in result.providers
    ] == [
        ("VM79V", True, "core", 2),
        ("204", False, "core", 3),
        ("8JL70", True, "foundation", 4),
    ]
    assert result.providers[1].address == "Town Hall\nLeeds"


def test_names_pass_through_exactly(tmp_path: Path) -> None:
    names = [
        'Smith & Sons <Care> "Homes" Ltd',
        "O'Neill’s Café — Résidence",  # noqa: RUF001 - a typographic apostrophe
        "دار الرعاية",
        "Sunny Days 😀 Care",
        "A&B <b>bold</b> & 'single'",
    ]
    rows = [HEADER] + [
        row(n, f"VM{i}0A", contact=n, address=f"{n}\nCity") for i, n in enumerate(names)
    ]
    for path in (
        write_csv(tmp_path / "r.csv", rows),
        write_xlsx(tmp_path / "r.xlsx", rows),
    ):
        result = read(path)
        assert result.problems == []
        assert [p.name for p in result.providers] == names
        assert [p.contact_name for p in result.providers] == names
        assert [p.address for p in result.providers] == [f"{n}\nCity" for n in names]


def test_surrounding_spaces_are_trimmed_and_codes_upper_cased(tmp_path: Path) -> None:
    rows = [HEADER, row("  The Pines  ", " vm79v ", email=" ann@pines.example ")]
    provider = read(write_csv(tmp_path / "r.csv", rows)).providers[0]
    assert (provider.name, provider.ods_code, provider.email) == (
        "The Pines",
        "VM79V",
        "ann@pines.example",
    )


@pytest.mark.parametrize(
    ("cell", "value"),
    [("yes", True), ("Yes", True), ("Y", True), ("TRUE", True), ("1", True),
     ("no", False), ("N", False), ("false", False), ("0", False), ("", None),
     ("  ", None)],
)  # fmt: skip
def test_cqc_registered_values(tmp_path: Path, cell: str, value: bool | None) -> None:
    result = read(write_csv(tmp_path / "r.csv", [HEADER, row(cqc=cell)]))
    assert result.providers[0].cqc_registered is value


def test_tiers_match_ignoring_case_and_default_when_blank(tmp_path: Path) -> None:
    rows = [
        HEADER,
        row(tier="CORE"),
        row("B", "ADAG", tier=" Foundation "),
        row("C", "ADAH"),
    ]
    result = read(write_csv(tmp_path / "r.csv", rows), default_tier="foundation")
    assert [p.tier for p in result.providers] == ["core", "foundation", "foundation"]


def test_no_tier_column_means_the_default_tier(tmp_path: Path) -> None:
    rows = [HEADER[:-1], row()[:-1]]
    result = read(write_csv(tmp_path / "r.csv", rows), default_tier="advanced")
    assert [p.tier for p in result.providers] == ["advanced"]


def test_blank_rows_are_ignored(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        HEADER,
        row(),
        [""] * 7,
        row("B", "ADAG"),
        [],
        [" "] * 7,
        [""] * 3,
    ]
    result = read(write_csv(tmp_path / "r.csv", rows))
    assert result.problems == []
    assert [p.row for p in result.providers] == [2, 4]


def test_blank_optional_values_are_fine(tmp_path: Path) -> None:
    rows: list[list[object]] = [HEADER, ["The Pines", "VM79V", "", "", "", "", ""]]
    provider = read(write_csv(tmp_path / "r.csv", rows)).providers[0]
    assert (provider.contact_name, provider.email, provider.address) == ("", "", "")
    assert provider.cqc_registered is None


# ------------------------------------------------------------------- column_map


def test_column_map_and_header_matching(tmp_path: Path) -> None:
    header = [
        "Provider",
        "ODS Code",
        "Contact",
        "E-mail",
        "Postal address",
        "CQC?",
        "Tier ",
    ]
    column_map = {
        "name": "provider",
        "contact_name": "CONTACT",
        "email": "Email",
        "address": "postal_address",
        "cqc_registered": "CQC?",
    }
    extra: list[object] = ["Notes", *header]
    rows: list[list[object]] = [extra, ["ignored", *row(tier="core")]]
    result = read(write_csv(tmp_path / "r.csv", rows), column_map=column_map)
    assert result.problems == []
    provider = result.providers[0]
    assert (provider.name, provider.ods_code, provider.tier) == (
        "The Pines",
        "VM79V",
        "core",
    )
    assert provider.email == "ann@pines.example"


def test_a_register_without_email_names_the_profile_setting(tmp_path: Path) -> None:
    """The setting is `letters.register_columns` (it was called "column_map", which no
    profile has: an intended change of the message)."""
    rows = [["name", "ods_code", "contact_name", "address", "cqc_registered"], ["x"] * 5]
    with pytest.raises(RegisterError) as info:
        read(write_csv(tmp_path / "r.csv", rows))
    assert [str(p) for p in info.value.problems] == [
        "r.csv:1: email: no column 'email' (for email); columns found: 'name', 'ods_code', 'contact_name', 'address', "
        "'cqc_registered'. Rename the column, or map email to your header in the profile's letters.register_columns "
        "(email: Your Header)"
    ]


def test_missing_column(tmp_path: Path) -> None:
    rows = [["Name", "ODS", "Contact", "Email", "Address", "CQC registered"], ["x"] * 6]
    with pytest.raises(RegisterError) as info:
        read(write_csv(tmp_path / "r.csv", rows))
    found = "'Name', 'ODS', 'Contact', 'Email', 'Address', 'CQC registered'"
    assert [str(p) for p in info.value.problems] == [
        f"r.csv:1: ods_code: no column 'ods_code' (for ods_code); columns found: {found}. "
        "Rename the column, or map ods_code to your header in the profile's letters.register_columns (ods_code: Your Header)",
        f"r.csv:1: contact_name: no column 'contact_name' (for contact_name); columns "
        f"found: {found}. Rename the column, or map contact_name to your header in the "
        "profile's letters.register_columns (contact_name: Your Header)",
    ]
    assert isinstance(info.value, InputError)


def test_missing_mapped_column(tmp_path: Path) -> None:
    rows = [HEADER, row()]
    with pytest.raises(RegisterError) as info:
        read(write_csv(tmp_path / "r.csv", rows), column_map={"email": "Email address"})
    assert str(info.value) == (
        "r.csv:1: Email address: no column 'Email address' (for email); columns found: "
        "'name', 'ods_code', 'contact_name', 'email', 'address', 'cqc_registered', "
        "'tier'. Rename the column, or map email to your header in the profile's "
        "letters.register_columns (email: Your Header)"
    )


def test_two_columns_match_one_field(tmp_path: Path) -> None:
    rows = [[*HEADER, "E-Mail"], [*row(), "x@y.org"]]
    with pytest.raises(RegisterError) as info:
        read(write_csv(tmp_path / "r.csv", rows))
    assert str(info.value) == (
        "r.csv:1: email: 2 columns match 'email' (for email); rename all but one of them"
    )


def test_unknown_field_in_column_map(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [HEADER, row()])
    with pytest.raises(RegisterError) as info:
        read(path, column_map={"phone": "Telephone", "name": "Name"})
    assert str(info.value) == (
        "r.csv: letters.register_columns: letters.register_columns names unknown field 'phone'; the fields are "
        + ", ".join(FIELDS)
    )


def test_default_tier_must_be_a_tier(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="default tier 'gold'"):
        read(write_csv(tmp_path / "r.csv", [HEADER, row()]), default_tier="gold")


# ------------------------------------------------------------------------ bad rows


def test_bad_rows_are_reported_and_left_out(tmp_path: Path) -> None:
    rows = [
        HEADER,
        row(),  # 2 good
        row("", "ADAG"),  # 3 no name
        row("No code", ""),  # 4 no code
        row("Dup", "vm79v"),  # 5 duplicate of row 2
        row("Spaced", "VM 79X"),  # 6 a space in the code
        row("Garbage", "n/a"),  # 7
        row("Long", "ABCDEFGH"),  # 8
        row("Mail", "ADAH", email="ann at pines"),  # 9
        row("Mail2", "ADAJ", email="a@b@c.org"),  # 10
        row("CQC", "ADAK", cqc="maybe"),  # 11
        row("Tier", "ADAL", tier="cor"),  # 12
        row("Tier2", "ADAM", tier="platinum"),  # 13
        row("", "", email="x"),  # 14 three findings
        row("Fine", "8JL70"),  # 15 good
    ]
    result = read(write_csv(tmp_path / "register.csv", rows))
    assert [p.row for p in result.providers] == [2, 15]
    assert not result.ok
    tiers = "the tiers are 'foundation', 'core', 'advanced' (blank means 'core')"
    assert messages(result) == [
        "register.csv:3: name: missing provider name; every provider needs one",
        "register.csv:4: ods_code: missing ODS code; every provider needs one",
        "register.csv:5: ods_code: duplicate ODS code 'VM79V', first on row 2; keep one "
        "row per provider",
        "register.csv:6: ods_code: 'VM 79X' is not an ODS code; did you mean 'VM79X'?",
        "register.csv:7: ods_code: 'N/A' is not an ODS code; ODS codes are 3 to 6 "
        "letters and digits, e.g. VM79V or ADAG",
        "register.csv:8: ods_code: 'ABCDEFGH' is not an ODS code; ODS codes are 3 to 6 "
        "letters and digits, e.g. VM79V or ADAG",
        "register.csv:9: email: 'ann at pines' is not an email address; write one "
        "address like name@example.org, or leave the cell blank",
        "register.csv:10: email: 'a@b@c.org' is not an email address; write one "
        "address like name@example.org, or leave the cell blank",
        "register.csv:11: cqc_registered: 'maybe' is not yes or no; write yes, no or "
        "leave it blank",
        f"register.csv:12: tier: unknown tier 'cor'; did you mean 'core'? {tiers}",
        f"register.csv:13: tier: unknown tier 'platinum'; {tiers}",
        "register.csv:14: name: missing provider name; every provider needs one",
        "register.csv:14: ods_code: missing ODS code; every provider needs one",
        "register.csv:14: email: 'x' is not an email address; write one address like "
        "name@example.org, or leave the cell blank",
    ]
    with pytest.raises(RegisterError) as info:
        result.raise_for_problems()
    assert info.value.problems == result.problems
    assert info.value.message == (
        "register.csv: 14 problems in the provider register; correct the rows named above"
    )


def test_problems_use_the_councils_headers(tmp_path: Path) -> None:
    header = ["Provider", "ODS", "Contact", "Email", "Address", "CQC"]
    column_map = {"name": "Provider", "ods_code": "ODS", "contact_name": "Contact",
                  "cqc_registered": "CQC"}  # fmt: skip
    rows = [
        header,
        ["Pines", "VM79V", "", "", "", "x"],
        ["Pines", "VM79V", "", "", "", ""],
    ]
    result = read(write_xlsx(tmp_path / "r.xlsx", rows), column_map=column_map)
    assert messages(result) == [
        "r.xlsx:2: CQC: 'x' is not yes or no; write yes, no or leave it blank",
        "r.xlsx:3: ODS: duplicate ODS code 'VM79V', first on row 2; keep one row per "
        "provider",
    ]
    assert result.providers == []


def test_a_bad_row_does_not_claim_its_code(tmp_path: Path) -> None:
    """A row left out for another reason still holds its code: a later duplicate of it
    is reported, so that the council sees both rows."""
    rows = [HEADER, row(email="bad"), row()]
    assert messages(read(write_csv(tmp_path / "r.csv", rows)))[1] == (
        "r.csv:3: ods_code: duplicate ODS code 'VM79V', first on row 2; keep one row per "
        "provider"
    )


@pytest.mark.parametrize(
    "email", ["ann@pines.example", "a.b-c+d@sub.example.co.uk", "O'Neill@x.org"]
)
def test_good_emails(tmp_path: Path, email: str) -> None:
    result = read(write_csv(tmp_path / "r.csv", [HEADER, row(email=email)]))
    assert messages(result) == []
    assert result.ok
    (provider,) = result.providers
    assert provider.email == email  # kept exactly as typed


@pytest.mark.parametrize(
    "email",
    ["ann", "ann@", "@pines.org", "ann@pines", "ann @pines.org", "a@b.", "a;b@c.org d"],
)
def test_bad_emails(tmp_path: Path, email: str) -> None:
    assert not read(write_csv(tmp_path / "r.csv", [HEADER, row(email=email)])).ok


# --------------------------------------------------------------------- bad files


def test_refuses_other_formats(tmp_path: Path) -> None:
    (tmp_path / "r.xls").write_bytes(b"")
    with pytest.raises(RegisterError) as info:
        read(tmp_path / "r.xls")
    assert (
        str(info.value)
        == "r.xls: cannot read a .xls file; save it as .csv (UTF-8) or .xlsx"
    )


def test_empty_register(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("")
    with pytest.raises(RegisterError, match="the file is empty"):
        read(tmp_path / "r.csv")


def test_header_only(tmp_path: Path) -> None:
    result = read(write_csv(tmp_path / "r.csv", [HEADER]))
    assert (result.providers, result.problems) == ([], [])


def test_not_utf8_register(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_bytes(b"name\nCaf\xe9\n")
    with pytest.raises(RegisterError) as info:
        read(tmp_path / "r.csv")
    assert (
        str(info.value) == "r.csv:2: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (True, "yes"), (False, "no"), (204, "204"), (204.0, "204"),
     (2.5, "2.5"), (dt.datetime(2026, 1, 2), "2026-01-02"),
     (dt.date(2026, 1, 2), "2026-01-02"),
     (" a\r\nb ", "a\nb"), ("x\ry", "x\ny")],
)  # fmt: skip
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text
