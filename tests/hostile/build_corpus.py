"""Write the binary members of the hostile corpus (tests/hostile/*.docx, *.xlsx, ...).

The text members (YAML, CSV, Jinja) are written by hand; the binary ones are built here
so that each stays minimal and can be rebuilt the same way:
``python tests/hostile/build_corpus.py``. Every file is one class of bad input; what
each must produce is asserted in tests/test_hostile.py.
"""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

CONTENT_TYPES = DECL + (
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    b"</Types>"
)
RELS = DECL + (
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def document(text: str = "{{p body }}", prolog: bytes = b"", *more: str) -> bytes:
    """A body of one paragraph holding ``text``, then one for each of ``more``."""
    paragraphs = "".join(f'<w:p><w:r><w:t xml:space="preserve">{t}</w:t></w:r></w:p>' for t in (text, *more))
    return DECL + prolog + f'<w:document xmlns:w="{W}"><w:body>{paragraphs}</w:body></w:document>'.encode()


def package(members: dict[str, bytes] | list[tuple[str, bytes]], compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of ``members`` (a list may name one member twice)."""
    out = io.BytesIO()
    items = list(members.items()) if isinstance(members, dict) else members
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", compress) as z:
        warnings.simplefilter("ignore")  # "Duplicate name"
        for name, data in items:
            info = zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0))
            info.compress_type = compress
            z.writestr(info, data)
    return out.getvalue()


def docx(overrides: dict[str, bytes] | None = None) -> bytes:
    """A minimal Word package (body ``{{p body }}``) with some parts replaced or added."""
    members = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS, "word/document.xml": document()}
    return package(members | (overrides or {}))


XXE = b'<!DOCTYPE w:document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
LAUGHS = (
    b'<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\n'
)

TEMPLATES: dict[str, bytes] = {
    "not-a-zip.docx": b"This is a text file renamed to .docx\n",
    "truncated.docx": docx()[:200],
    "no-document.docx": package({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS}),
    "not-well-formed.docx": docx({"word/document.xml": DECL + f'<w:document xmlns:w="{W}"><w:body>'.encode()}),
    "utf16.docx": docx({"word/document.xml": document().decode().replace("UTF-8", "UTF-16").encode("utf-16")}),
    "stray-byte.docx": docx({"word/document.xml": document().replace(b"<w:body>", b"<w:body>\xff", 1)}),
    "xxe.docx": docx({"word/document.xml": document("&secret;", XXE)}),
    "entity-expansion.docx": docx({"word/document.xml": document("&d;", LAUGHS)}),
    "zip-bomb.docx": docx({"word/media/filler.bin": b"\0" * 5_000_000}),
    "path-traversal.docx": docx({"../../evil.txt": b"outside"}),
    "macro.docx": docx({
        "[Content_Types].xml": CONTENT_TYPES.replace(b"document.main+xml", b"document.macroEnabled.main+xml").replace(
            b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
        ),
        "word/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 AutoOpen Shell calc.exe",
    }),
    "two-documents.docx": package([
        ("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS), ("word/document.xml", document()),
        ("word/document.xml", document("{{ 7*7 }}")),
    ]),
    "bare-schedule-body.docx": docx({"word/document.xml": document("Schedule: {{ schedule_body }}")}),
    "bare-letter-body.docx": docx({"word/document.xml": document("{{ letter_body }}")}),
    "bare-logo.docx": docx({"word/document.xml": document("{{p schedule_body }}", b"", "{{ council.logo }}")}),
    "no-schedule-body.docx": docx({"word/document.xml": document("{{ council.name }}")}),
    "too-many-members.docx": package(
        {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS, "word/document.xml": document()}
        | {f"x/{i}": b"" for i in range(2001)},
        zipfile.ZIP_STORED,
    ),
}


def xlsx(cells: dict[str, str]) -> bytes:
    """A one-sheet workbook; ``cells`` maps a reference (A1) to raw ``<c>`` XML content."""
    rows: dict[int, list[str]] = {}
    for ref, xml in cells.items():
        rows.setdefault(int(ref[1:]), []).append(f'<c r="{ref}"{xml}</c>')
    sheet = "".join(f'<row r="{n}">{"".join(cs)}</row>' for n, cs in sorted(rows.items()))
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return package({
        "[Content_Types].xml": DECL + (
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            b"</Types>"
        ),
        "_rels/.rels": DECL + (
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": DECL + (
            f'<workbook xmlns="{ns}" xmlns:r="{rel}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": DECL + (
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ).encode(),
        "xl/worksheets/sheet1.xml": DECL + f'<worksheet xmlns="{ns}"><sheetData>{sheet}</sheetData></worksheet>'.encode(),
    })


def text_cells(row: int, values: list[str]) -> dict[str, str]:
    return {f"{chr(65 + i)}{row}": f' t="inlineStr"><is><t>{v}</t></is>' for i, v in enumerate(values)}


REGISTER_HEADER = ["name", "ods_code", "contact_name", "email", "address", "cqc_registered", "tier"]
REGISTER_ROW = ["Maple Lodge Care Home", "VM1A2", "Grace Okafor", "manager@maplelodge.example.org", "12 Maple Road", "yes", "core"]
EXPORT_HEADER = ["Code", "Organisation Name", "Status", "Date Of Publication", "Primary Sector"]
EXPORT_ROW = ["VM1A2", "MAPLE LODGE CARE HOME", "25/26 Standards Met", "12/06/2026", "Care Home"]


def register_with(ref: str, xml: str) -> bytes:
    return xlsx(text_cells(1, REGISTER_HEADER) | text_cells(2, REGISTER_ROW) | {ref: xml})


#: Cell style 1 is a date (number format 14), as Excel saves a column of dates.
DATE_STYLES = DECL + (
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'
)


def export_with(ref: str, xml: str, sheet: Callable[[bytes], bytes] = lambda x: x, styles: bool = False) -> bytes:
    """The export as a workbook, with one cell's XML replaced and the sheet XML edited
    (and with ``styles``, style 1 a date)."""
    data = xlsx(text_cells(1, EXPORT_HEADER) | text_cells(2, EXPORT_ROW) | {ref: xml})
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["xl/worksheets/sheet1.xml"] = sheet(members["xl/worksheets/sheet1.xml"])
    if styles:
        members["xl/styles.xml"] = DATE_STYLES
        members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(b"</Types>", (
            b'<Override PartName="/xl/styles.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
        ))
        members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
            b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
            b'Target="styles.xml"/></Relationships>'
        ))
    return package(members)


SHEET_LAUGHS = LAUGHS.replace(b"w:document", b"worksheet")[: -len(b"]>\n")] + (
    b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
    b'<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">]>\n'
)


REGISTERS: dict[str, bytes] = {
    "impossible-date.xlsx": register_with("C2", ' t="d"><v>2026-02-31</v>'),
    "year-zero.xlsx": register_with("C2", ' t="d"><v>0000-01-01</v>'),
    "not-a-zip.xlsx": b"name,ods_code\n",
    "not-utf8.csv": ",".join(REGISTER_HEADER).encode() + "\nCaf\u00e9 Care,VM1A2,,,,yes,core\n".encode("latin-1"),
    "nul-byte.csv": ",".join(REGISTER_HEADER).encode() + b"\nMaple\x00Lodge,VM1A2,,,,yes,core\n",
}
EXPORTS: dict[str, bytes] = {
    "impossible-date.xlsx": export_with("D2", ' t="d"><v>2026-02-31</v>'),
    "zero-date.xlsx": export_with("D2", ' t="d"><v>0000-00-00</v>'),
    "zip-bomb.xlsx": package({"xl/filler.bin": b"\0" * 5_000_000}),
    "entity-expansion.xlsx": export_with(
        "B2", ' t="inlineStr"><is><t>&g;</t></is>', lambda x: x.replace(DECL, DECL + SHEET_LAUGHS, 1)
    ),
    "negative-date-number.xlsx": export_with("D2", ' s="1"><v>-5</v>', styles=True),
    "damaged-sheet.xlsx": export_with("B2", ' t="inlineStr"><is><t>x</t></is>', lambda x: x[: len(x) // 2]),
}


def png(width: int, height: int, pixels: bytes | None = None) -> bytes:
    """A greyscale PNG written by hand (the same bytes whatever the imaging library)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    if pixels is None:
        noise = bytes((i * 7919) % 251 for i in range(width * height))  # does not compress away
        pixels = b"".join(b"\0" + noise[r * width:(r + 1) * width] for r in range(height))
    rows = pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


LOGOS: dict[str, bytes] = {
    "huge-header.png": png(2147483647, 1, b"\0" * 64),
    "truncated.png": png(64, 64)[:300],
    "not-an-image.png": b"GIF89a this is not a PNG",
}


def main() -> None:
    for folder, files in (("templates", TEMPLATES), ("registers", REGISTERS), ("exports", EXPORTS), ("logos", LOGOS)):
        (HERE / folder).mkdir(exist_ok=True)
        for name, data in files.items():
            (HERE / folder / name).write_bytes(data)


if __name__ == "__main__":
    main()
