"""How fast is docx_to_text on a realistic contract schedule?

    python benchmarks/textconv.py                 # builds a ~20-page schedule
    python benchmarks/textconv.py some.docx -n 50 # or times your own document

Prints milliseconds per document for docx_to_text and, measured in the same run on the
same file, for a python-docx baseline (``Document(path)`` and joining paragraph texts,
which computes no numbers, tables, headers or tracked changes), and their ratio.

docx_to_text is timed twice: "cold", as for the first document of a template (what a git
textconv process pays), and "warm", as for further documents of the same template in one
process (golden tests, diffs), where the parsed styles and numbering are reused.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docx import Document  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from lxml import etree  # noqa: E402

from contractgen.word import textconv  # noqa: E402
from contractgen.word.textconv import docx_to_text  # noqa: E402

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = f'xmlns:w="{W}"'
WORDS = (
    "the Provider shall ensure that all personal data processed on behalf of the Council "
    "is protected by appropriate technical and organisational measures including access "
    "controls encryption at rest and in transit staff training and incident reporting"
).split()

NUMBERING = f"""<w:numbering {NS}><w:abstractNum w:abstractNumId="1">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1"/><w:pStyle w:val="CGSection"/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/><w:pStyle w:val="CGClause"/></w:lvl>
<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="(%3)"/><w:pStyle w:val="CGItem"/></w:lvl>
<w:lvl w:ilvl="3"><w:start w:val="1"/><w:numFmt w:val="lowerRoman"/><w:lvlText w:val="(%4)"/><w:pStyle w:val="CGSubItem"/></w:lvl>
</w:abstractNum><w:abstractNum w:abstractNumId="2">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="\uf0b7"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="2"/></w:num>
</w:numbering>"""


def _style(sid: str, ilvl: int) -> str:
    return (
        f'<w:style {NS} w:type="paragraph" w:customStyle="1" w:styleId="{sid}"><w:name w:val="{sid}"/>'
        f'<w:basedOn w:val="Normal"/><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="1"/>'
        "</w:numPr></w:pPr></w:style>"
    )


def _sentence(n: int, length: int) -> str:
    return " ".join(WORDS[(n * 7 + i) % len(WORDS)] for i in range(length)).capitalize() + "."


def _runs(n: int, length: int) -> str:
    text = _sentence(n, length)
    head, _, tail = text.partition(" ")
    runs = f'<w:r><w:rPr><w:b/></w:rPr><w:t>{head}</w:t></w:r><w:r><w:t xml:space="preserve"> {tail}</w:t></w:r>'
    if n % 9 == 0:  # a cross-reference field
        runs += (
            '<w:r><w:t xml:space="preserve"> See clause </w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            '<w:r><w:instrText xml:space="preserve"> REF _Ref12 \\h </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>2.1</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        )
    if n % 13 == 0:  # a tracked change
        runs += (
            '<w:del w:id="1" w:author="Reviewer"><w:r><w:delText xml:space="preserve"> within 72 hours</w:delText></w:r></w:del>'
            '<w:ins w:id="2" w:author="Reviewer"><w:r><w:t xml:space="preserve"> promptly</w:t></w:r></w:ins>'
        )
    return runs


def build_schedule(path: Path) -> Path:
    """A ~20-page schedule: 12 sections of clauses, items, bullets and tables."""
    doc = Document()
    doc.sections[0].header.paragraphs[0].text = "Schedule 4: Data Security and Protection"
    doc.sections[0].footer.paragraphs[0].text = "Contract ASC-2026-014, version 2026.1"
    numbering = doc.part.numbering_part.element
    for child in list(numbering):
        numbering.remove(child)
    for child in etree.fromstring(NUMBERING):
        numbering.append(child)
    for sid, ilvl in (("CGSection", 0), ("CGClause", 1), ("CGItem", 2), ("CGSubItem", 3)):
        doc.styles.element.append(etree.fromstring(_style(sid, ilvl)))
    body = doc.element.body
    sect_pr = body.find(qn("w:sectPr"))
    xml: list[str] = []
    n = 0
    for section in range(12):
        xml.append(f'<w:p><w:pPr><w:pStyle w:val="CGSection"/></w:pPr><w:r><w:t>Section {section + 1}</w:t></w:r></w:p>')
        for _clause in range(6):
            n += 1
            xml.append(f'<w:p><w:pPr><w:pStyle w:val="CGClause"/></w:pPr>{_runs(n, 40)}</w:p>')
            for item in range(3):
                n += 1
                xml.append(f'<w:p><w:pPr><w:pStyle w:val="CGItem"/></w:pPr>{_runs(n, 18)}</w:p>')
                if item == 1:
                    xml.append(f'<w:p><w:pPr><w:pStyle w:val="CGSubItem"/></w:pPr>{_runs(n, 10)}</w:p>')
        for _bullet in range(4):
            n += 1
            xml.append(f'<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="2"/></w:numPr></w:pPr>{_runs(n, 8)}</w:p>')
        rows = "".join(
            "<w:tr>" + "".join(f"<w:tc><w:p>{_runs(n + r + c, 4)}</w:p></w:tc>" for c in range(3)) + "</w:tr>"
            for r in range(8)
        )
        xml.append(f"<w:tbl><w:tblPr/>{rows}</w:tbl><w:p/>")
    for el in etree.fromstring(f"<w:root {NS}>{''.join(xml)}</w:root>"):
        sect_pr.addprevious(el)
    doc.save(path)
    return path


def cold(path: Path) -> str:
    textconv._parsed_styles.cache_clear()
    textconv._parsed_numbering.cache_clear()
    return docx_to_text(path)


def baseline(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def time_per_call(funcs: dict[str, Callable[[Path], str]], path: Path, calls: int) -> dict[str, float]:
    """Milliseconds per call of each function: the median of 10 rounds, the functions'
    rounds interleaved so that a busy machine slows them alike."""
    rounds: dict[str, list[float]] = {name: [] for name in funcs}
    batch = max(1, calls // 10)
    for func in funcs.values():
        func(path)  # warm up imports and caches
    for _ in range(10):
        for name, func in funcs.items():
            start = time.perf_counter()
            for _ in range(batch):
                func(path)
            rounds[name].append((time.perf_counter() - start) / batch * 1000)
    return {name: statistics.median(times) for name, times in rounds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("docx", nargs="?", type=Path, help="a .docx to time (default: build one)")
    parser.add_argument("-n", "--calls", type=int, default=200, help="calls per function (default 200)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.docx or build_schedule(Path(tmp) / "schedule.docx")
        text = docx_to_text(path)
        words = len(text.split())
        print(f"document: {path.name}, {path.stat().st_size // 1024} KiB, {len(text.splitlines())} lines, "
              f"{words} words (~{words / 500:.0f} pages)")  # fmt: skip
        ms = time_per_call({"cold": cold, "warm": docx_to_text, "baseline": baseline}, path, args.calls)
        first, again, theirs = ms["cold"], ms["warm"], ms["baseline"]
        print(f"docx_to_text, cold:           {first:7.2f} ms per document ({args.calls} calls)")
        print(f"docx_to_text, warm template:  {again:7.2f} ms per document ({args.calls} calls)")
        print(f"python-docx paragraphs text:  {theirs:7.2f} ms per document ({args.calls} calls)")
        print(f"ratio to baseline: cold {first / theirs:.2f}x, warm {again / theirs:.2f}x")


if __name__ == "__main__":
    main()
