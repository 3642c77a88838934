"""Build the default Word templates in ``templates/`` (schedule.docx, letter.docx).

The templates are ordinary docxtpl templates: a council can open them in Word, restyle
them and save them under another name. This script is how the shipped ones are made,
so that they are reviewable as code; run it after changing it:

    python scripts/make_templates.py
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Cm, Pt, RGBColor, Twips

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contractgen.word.package import package_bytes, strip_python_docx_leftovers  # noqa: E402
from contractgen.word.ooxml import prepare_styles  # noqa: E402

ACCENT = RGBColor(0x1F, 0x3A, 0x5F)


def _base_document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.3))
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.2)
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    rpr = normal.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", "Arial"
    )
    for name, size in (("Title", 20), ("Heading 1", 13), ("Heading 2", 11.5)):
        style = doc.styles[name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.color.rgb = ACCENT
        style.font.bold = True
    return doc


def _field(paragraph, instr: str, cached: str) -> None:
    """Append a field (PAGE, NUMPAGES) with a cached result."""
    for xml in (
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>',
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>',
        f'<w:r {nsdecls("w")}><w:t>{cached}</w:t></w:r>',
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>',
    ):
        paragraph._p.append(parse_xml(xml))


def _right_tab(paragraph, width) -> None:
    """One right-aligned tab at the margin; clear the Header/Footer styles' own stops."""
    stops = paragraph.paragraph_format.tab_stops
    for twips in (4680, 9360):
        stops.add_tab_stop(Twips(twips), WD_TAB_ALIGNMENT.CLEAR)
    stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)


def _header_footer(doc: Document, header_text: str, footer_left: str) -> None:
    section = doc.sections[0]
    width = section.page_width - section.left_margin - section.right_margin
    header = section.header.paragraphs[0]
    header.text = header_text
    _right_tab(header, width)
    for run in header.runs:
        run.font.size = Pt(8.5)
        run.font.color.rgb = ACCENT
    footer = section.footer.paragraphs[0]
    _right_tab(footer, width)
    footer.add_run(footer_left + "\tPage ")
    _field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES", "1")
    for run in footer.runs:
        run.font.size = Pt(8.5)


def _draft_lines(doc: Document) -> None:
    """The header's draft line: ``{{ draft }}`` in bold, shown only when there is one."""
    header = doc.sections[0].header
    for text in ("{%p if draft %}", "{{ draft }}", "{%p endif %}"):
        line = header.add_paragraph(text)
        for run in line.runs:
            run.font.size = Pt(8.5)
            run.bold = True


def _shade(cell, fill: str) -> None:
    cell._tc.get_or_add_tcPr().append(
        parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>')
    )


def _table(doc: Document, header: list[str], rows: list[list[str]], widths: list[float]):
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, text in enumerate(header):
        cell = table.rows[0].cells[i]
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
        _shade(cell, "DCE3EC")
    for r, row in enumerate(rows, start=1):
        for i, text in enumerate(row):
            table.rows[r].cells[i].text = text
    table.autofit = False
    for i, w in enumerate(widths):
        table.columns[i].width = Cm(w)  # the grid Word and LibreOffice lay out from
    for row in table.rows:
        for i, w in enumerate(widths):
            row.cells[i].width = Cm(w)
    return table


def schedule_template() -> Document:
    doc = _base_document()
    _header_footer(
        doc,
        "{{ council.name }}\t{{ contract.reference }}",
        "Schedule {{ contract.schedule_number }}: {{ contract.schedule_title }}",
    )
    # a document built from unreleased clause changes says so on every page
    _draft_lines(doc)
    doc.add_paragraph("{{r council.logo }}")
    title = doc.add_paragraph("Schedule {{ contract.schedule_number }}: {{ contract.schedule_title }}", style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.LEFT
    doc.add_paragraph("{{ contract.title }}", style="Heading 2")
    parties = doc.add_paragraph()
    parties.add_run("Between ").bold = False
    parties.add_run("{{ council.name }}").bold = True
    parties.add_run(" (the Council) and the Provider named in the Contract.")
    _table(
        doc,
        ["Contract", "Details"],
        [
            ["Contract reference", "{{ contract.reference }}"],
            ["Tier", "{{ tier.title }}: {{ tier.description }}"],
            ["DSPT status required", "{{ tier.requirement }}, published every year by {{ dspt.deadline }}"],
            ["Commissioning contact", "{{ contacts.commissioning.name }}{% if contacts.commissioning.email %}, {{ contacts.commissioning.email }}{% endif %}"],
            ["Date", "{{ document_date }}"],
        ],
        [5.0, 11.4],
    )
    doc.add_paragraph()
    doc.add_paragraph("{{p schedule_body }}")
    doc.add_paragraph("Document control", style="Heading 1")
    doc.add_paragraph("{%p if draft %}")
    doc.add_paragraph().add_run("{{ draft }}").bold = True
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph(
        "This Schedule was assembled by contractgen {{ contractgen_version }} from the clause library "
        "“{{ library.name }}”, release {{ library.release }} of {{ library.release_date }}, and the "
        "council profile {{ profile.name }} (fingerprint {{ profile.hash }}). The clauses and their "
        "versions are listed below."
    )
    table = _table(doc, ["Clause", "Title", "Clause id", "Version"], [["{%tr for c in clauses %}", "", "", ""], ["{{ c.number }}", "{{ c.title }}", "{{ c.id }}", "{{ c.version }}"], ["{%tr endfor %}", "", "", ""]], [2.0, 7.4, 5.0, 2.0])
    del table
    return doc


def letter_template() -> Document:
    doc = _base_document()
    # A blank audit form has no provider: the footer and the reference then name none,
    # without a dangling separator or empty brackets.
    _header_footer(
        doc,
        "{{ council.name }}\t{{ letter.heading }}",
        "{{ council.name }}{% if provider.name %}: {{ provider.name }}{% endif %}"
        "{% if provider.ods_code %} ({{ provider.ods_code }}){% endif %}",
    )
    # a letter written from unreleased clause changes is a draft, never to be sent: it
    # says so at the top of every page
    _draft_lines(doc)
    doc.add_paragraph("{{r council.logo }}")
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    r = head.add_run("{{ council.name }}")
    r.bold = True
    r.font.color.rgb = ACCENT
    addr = doc.add_paragraph("{%p for line in council.address %}")
    del addr
    line = doc.add_paragraph("{{ line }}")
    line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    line.paragraph_format.space_after = Pt(0)
    doc.add_paragraph("{%p endfor %}")
    contact = doc.add_paragraph("{{ contacts.commissioning.name }}{% if contacts.commissioning.email %}: {{ contacts.commissioning.email }}{% endif %}")
    contact.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph()
    doc.add_paragraph("{%p if provider.contact_name %}")
    for text in ("{{ provider.contact_name }}", "{%p endif %}", "{{ provider.name }}"):
        p = doc.add_paragraph(text)
        p.paragraph_format.space_after = Pt(0)
    p = doc.add_paragraph("{{ provider.address }}")
    doc.add_paragraph("{{ letter.date }}")
    p = doc.add_paragraph()
    p.add_run("Our reference: ").bold = True
    p.add_run("{{ contract.reference }}{% if provider.ods_code %}/{{ provider.ods_code }}{% endif %}")
    doc.add_paragraph("Dear {{ provider.salutation }},")
    subject = doc.add_paragraph()
    # an audit form or feedback letter is not about the DSPT: no DSPT subject, heading or status box
    subject.add_run("{% if letter.dspt %}Data Security and Protection Toolkit: {% endif %}{{ letter.subject }}").bold = True
    _table(
        doc,
        ["Your organisation", ""],
        [
            ["{%tr if provider.ods_code %}", ""],
            ["ODS code", "{{ provider.ods_code }}"],
            ["{%tr endif %}", ""],
            ["{%tr if letter.dspt %}", ""],
            ["DSPT status on record", "{{ provider.status }}"],
            ["{%tr endif %}", ""],
            ["Your tier", "{{ tier.title }}: {{ tier.requirement }}"],
            ["{%tr if letter.response_by %}", ""],
            ["Please respond by", "{{ letter.response_by }}"],
            ["{%tr endif %}", ""],
        ],
        [5.0, 11.4],
    )
    doc.add_paragraph()
    doc.add_paragraph("{{p letter_body }}")
    # The closing and the signature block stay on one page: each paragraph keeps with
    # the next, down to the council's name.
    closing = [doc.add_paragraph("Yours sincerely,"), doc.add_paragraph()]
    p = doc.add_paragraph("{{ signatory.name }}")
    p.paragraph_format.space_after = Pt(0)
    p.runs[0].bold = True
    closing.append(p)
    p = doc.add_paragraph("{{ signatory.title }}")
    p.paragraph_format.space_after = Pt(0)
    closing.append(p)
    for paragraph in closing:
        paragraph.paragraph_format.keep_with_next = True
    doc.add_paragraph("{{ council.name }}")
    return doc


def save(doc: Document, path: Path) -> None:
    """Save reproducibly, with the CG clause styles and numbering already in place so a
    council can restyle them in Word."""
    buf = io.BytesIO()
    doc.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    strip_python_docx_leftovers(parts)
    plan = prepare_styles(parts["word/styles.xml"], parts.get("word/numbering.xml"))
    parts["word/styles.xml"] = plan.styles_xml
    parts["word/numbering.xml"] = plan.numbering_xml
    # python-docx stamps the creation time: make the template itself reproducible
    core = parts["docProps/core.xml"].decode()
    import re

    core = re.sub(r"<dcterms:(created|modified)([^>]*)>[^<]*<", r"<dcterms:\1\2>2026-01-01T00:00:00Z<", core)
    core = re.sub(r"<dc:creator>[^<]*<", "<dc:creator>contractgen<", core)
    core = re.sub(r"<cp:lastModifiedBy>[^<]*<", "<cp:lastModifiedBy>contractgen<", core)
    parts["docProps/core.xml"] = core.encode()
    path.write_bytes(package_bytes(parts))


def main(out: Path = ROOT / "templates") -> None:
    out.mkdir(exist_ok=True)
    save(schedule_template(), out / "schedule.docx")
    save(letter_template(), out / "letter.docx")
    print(f"wrote {out / 'schedule.docx'} and {out / 'letter.docx'}")


if __name__ == "__main__":
    main()
