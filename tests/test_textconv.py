"""docx_to_text on small documents built with python-docx plus injected raw XML."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from contractgen.base.errors import InputError
from contractgen.word.textconv import docx_to_text

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = f'xmlns:w="{W}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def fragment(xml: str) -> list[etree._Element]:
    return list(etree.fromstring(f"<w:root {NS}>{xml}</w:root>"))


def build(
    tmp_path: Path,
    body: str,
    *,
    numbering: str | None = None,
    styles: str = "",
    header: str | None = None,
    footer: str | None = None,
    name: str = "doc.docx",
) -> Path:
    """A .docx whose body (and numbering, extra styles, header, footer) is raw XML."""
    doc = Document()
    body_el = doc.element.body
    sect_pr = body_el.find(qn("w:sectPr"))
    for child in list(body_el):
        if child is not sect_pr:
            body_el.remove(child)
    for el in fragment(body):
        sect_pr.addprevious(el)
    if numbering is not None:
        numbering_el = doc.part.numbering_part.element
        for child in list(numbering_el):
            numbering_el.remove(child)
        for el in fragment(numbering):
            numbering_el.append(el)
    for el in fragment(styles):
        doc.styles.element.append(el)
    for xml, part in ((header, "header"), (footer, "footer")):
        if xml is not None:
            hf = getattr(doc.sections[0], part)
            hf.is_linked_to_previous = False
            for child in list(hf._element):
                hf._element.remove(child)
            for el in fragment(xml):
                hf._element.append(el)
    path = tmp_path / name
    doc.save(path)
    return path


def p(text: str = "", style: str | None = None, num: tuple[int, int] | None = None, extra: str = "") -> str:
    ppr = ""
    if style or num or extra:
        numpr = f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>' if num else ""
        pstyle = f'<w:pStyle w:val="{style}"/>' if style else ""
        ppr = f"<w:pPr>{pstyle}{numpr}{extra}</w:pPr>"
    run = f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>' if text else ""
    return f"<w:p>{ppr}{run}</w:p>"


def lvl(ilvl: int, fmt: str, text: str, start: int = 1, extra: str = "") -> str:
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/>{extra}</w:lvl>'
    )


def para_style(sid: str, name: str, numpr: str = "", based_on: str = "Normal") -> str:
    return (
        f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{sid}"><w:name w:val="{name}"/>'
        f'<w:basedOn w:val="{based_on}"/><w:pPr>{numpr}</w:pPr></w:style>'
    )


# A council clause scheme: "1" sections, "1.1" clauses, "(a)" items, linked to styles
SCHEME = (
    '<w:abstractNum w:abstractNumId="1"><w:multiLevelType w:val="multilevel"/>'
    + lvl(0, "decimal", "%1", extra='<w:pStyle w:val="CGSection"/>')
    + lvl(1, "decimal", "%1.%2", extra='<w:pStyle w:val="CGClause"/>')
    + lvl(2, "lowerLetter", "(%3)", extra='<w:pStyle w:val="CGItem"/>')
    + lvl(3, "lowerRoman", "(%4)", extra='<w:pStyle w:val="CGSubItem"/>')
    + '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>'
)
SCHEME_STYLES = (
    para_style("CGSection", "CG Section", '<w:numPr><w:numId w:val="1"/></w:numPr>')
    # a stale ilvl: the lvl's pStyle link wins over it (ECMA-376 17.9.23)
    + para_style("CGClause", "CG Clause", '<w:numPr><w:ilvl w:val="2"/><w:numId w:val="1"/></w:numPr>')
    # CGItem gets its numbering through basedOn; its level from the lvl's pStyle
    + para_style("CGItemBase", "CG Item Base", '<w:numPr><w:numId w:val="1"/></w:numPr>')
    + para_style("CGItem", "CG Item", based_on="CGItemBase")
    + para_style("CGSubItem", "CG Sub Item", '<w:numPr><w:ilvl w:val="3"/><w:numId w:val="1"/></w:numPr>')
)


def test_numbering_through_linked_paragraph_styles(tmp_path):
    body = "".join(
        [
            p("Services", "CGSection"),
            p("The Provider shall comply.", "CGClause"),
            p("first;", "CGItem"),
            p("nested", "CGSubItem"),
            p("second.", "CGItem"),
            p("Next clause.", "CGClause"),
            p("restarted item", "CGItem"),
            p("Unnumbered body text."),
            p("Charges", "CGSection"),
            p("Fees.", "CGClause"),
        ]
    )
    path = build(tmp_path, body, numbering=SCHEME, styles=SCHEME_STYLES)
    assert docx_to_text(path) == (
        "1 Services\n"
        "  1.1 The Provider shall comply.\n"
        "    (a) first;\n"
        "      (i) nested\n"
        "    (b) second.\n"
        "  1.2 Next clause.\n"
        "    (a) restarted item\n"
        "Unnumbered body text.\n"
        "2 Charges\n"
        "  2.1 Fees.\n"
    )


def test_direct_numpr_overrides_style_and_numid_zero_removes_numbering(tmp_path):
    body = (
        p("Scope", "CGSection")
        + p("direct level two", num=(1, 1))
        + p("style says clause, direct removes it", "CGClause", extra='<w:numPr><w:numId w:val="0"/></w:numPr>')
        + p("direct ilvl on a styled paragraph", "CGClause", extra='<w:numPr><w:ilvl w:val="2"/></w:numPr>')
    )
    path = build(tmp_path, body, numbering=SCHEME, styles=SCHEME_STYLES)
    assert docx_to_text(path) == (
        "1 Scope\n"
        "  1.1 direct level two\n"
        "style says clause, direct removes it\n"
        "    (a) direct ilvl on a styled paragraph\n"
    )


def test_lists_sharing_an_abstract_continue_unless_start_overridden(tmp_path):
    numbering = (
        '<w:abstractNum w:abstractNumId="5">' + lvl(0, "lowerLetter", "(%1)") + "</w:abstractNum>"
        '<w:num w:numId="5"><w:abstractNumId w:val="5"/></w:num>'
        '<w:num w:numId="6"><w:abstractNumId w:val="5"/></w:num>'
        '<w:num w:numId="7"><w:abstractNumId w:val="5"/>'
        '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
        '<w:num w:numId="8"><w:abstractNumId w:val="5"/>'
        '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="4"/>'
        + lvl(0, "upperRoman", "%1)")
        + "</w:lvlOverride></w:num>"
    )
    body = "".join(
        [
            p("one", num=(5, 0)),
            p("two", num=(5, 0)),
            p("continues", num=(6, 0)),
            p("restarts", num=(7, 0)),
            p("goes on", num=(7, 0)),
            p("override level", num=(8, 0)),
            p("and on", num=(8, 0)),
        ]
    )
    path = build(tmp_path, body, numbering=numbering)
    assert docx_to_text(path) == "(a) one\n(b) two\n(c) continues\n(a) restarts\n(b) goes on\nIV) override level\nV) and on\n"


def test_lvl_restart_islgl_and_number_formats(tmp_path):
    numbering = (
        '<w:abstractNum w:abstractNumId="2">'
        + lvl(0, "upperRoman", "Part %1")
        + lvl(1, "decimal", "%1.%2", extra='<w:isLgl/><w:lvlRestart w:val="0"/>')
        + lvl(2, "upperLetter", "%3.", start=25)
        + lvl(3, "decimalZero", "%4")
        + lvl(4, "ordinal", "%5")
        + lvl(5, "none", "")
        + lvl(6, "bullet", "\uf0b7")
        + "</w:abstractNum><w:num w:numId=\"2\"><w:abstractNumId w:val=\"2\"/></w:num>"
    )
    body = "".join(
        [
            p("intro", num=(2, 0)),
            p("legal", num=(2, 1)),
            p("y", num=(2, 2)),
            p("z", num=(2, 2)),
            p("double", num=(2, 2)),
            p("zero padded", num=(2, 3)),
            p("ordinal", num=(2, 4)),
            p("no label", num=(2, 5)),
            p("bullet", num=(2, 6)),
            p("second part", num=(2, 0)),
            p("never restarts", num=(2, 1)),
            p("restarts", num=(2, 2)),
        ]
    )
    path = build(tmp_path, body, numbering=numbering)
    assert docx_to_text(path) == (
        "Part I intro\n"
        "  1.1 legal\n"
        "    Y. y\n"
        "    Z. z\n"
        "    AA. double\n"
        "      01 zero padded\n"
        "        1st ordinal\n"
        "          no label\n"
        "            • bullet\n"
        "Part II second part\n"
        "  2.2 never restarts\n"
        "    Y. restarts\n"
    )


def test_starting_below_the_first_level_counts_the_higher_level_once(tmp_path):
    body = p("B", num=(1, 1)) + p("C", num=(1, 2)) + p("A", num=(1, 0))  # as LibreOffice shows it
    assert docx_to_text(build(tmp_path, body, numbering=SCHEME)) == "  1.1 B\n    (a) C\n2 A\n"


def test_explicit_lvl_restart_level(tmp_path):
    # level 3 restarts only when level 1 (ilvl 0) is used, not when level 2 is
    numbering = (
        '<w:abstractNum w:abstractNumId="3">'
        + lvl(0, "decimal", "%1")
        + lvl(1, "decimal", "%1.%2")
        + lvl(2, "lowerRoman", "(%3)", extra='<w:lvlRestart w:val="1"/>')
        + '</w:abstractNum><w:num w:numId="3"><w:abstractNumId w:val="3"/></w:num>'
    )
    body = "".join(
        p(t, num=(3, i)) for t, i in [("a", 0), ("b", 1), ("c", 2), ("d", 1), ("e", 2), ("f", 0), ("g", 2)]
    )
    path = build(tmp_path, body, numbering=numbering)
    assert docx_to_text(path) == "1 a\n  1.1 b\n    (i) c\n  1.2 d\n    (ii) e\n2 f\n    (i) g\n"


def test_num_style_link_resolves_to_the_linked_definition(tmp_path):
    numbering = (
        '<w:abstractNum w:abstractNumId="10"><w:numStyleLink w:val="CGList"/></w:abstractNum>'
        '<w:abstractNum w:abstractNumId="11"><w:styleLink w:val="CGList"/>'
        + lvl(0, "upperLetter", "Schedule %1")
        + '</w:abstractNum><w:num w:numId="10"><w:abstractNumId w:val="10"/></w:num>'
        '<w:num w:numId="11"><w:abstractNumId w:val="11"/></w:num>'
    )
    styles = (
        '<w:style w:type="numbering" w:customStyle="1" w:styleId="CGList"><w:name w:val="CG List"/>'
        '<w:pPr><w:numPr><w:numId w:val="11"/></w:numPr></w:pPr></w:style>'
    )
    path = build(tmp_path, p("Data", num=(10, 0)) + p("Security", num=(10, 0)), numbering=numbering, styles=styles)
    assert docx_to_text(path) == "Schedule A Data\nSchedule B Security\n"


def test_headings_get_marks_after_their_number(tmp_path):
    numbering = (
        '<w:abstractNum w:abstractNumId="4">' + lvl(0, "decimal", "%1.") + lvl(1, "decimal", "%1.%2")
        + '</w:abstractNum><w:num w:numId="4"><w:abstractNumId w:val="4"/></w:num>'
    )
    body = (
        p("Contract Schedule", "Title")
        + p("Definitions", "Heading1", num=(4, 0))
        + p("Scope", "Heading2", num=(4, 1))
        + p("Annex", "Heading3")
        + p("", "Heading1")
        + p("Body")
    )
    path = build(tmp_path, body, numbering=numbering)
    assert docx_to_text(path) == "# Contract Schedule\n1. # Definitions\n  1.1 ## Scope\n### Annex\n\nBody\n"


def test_tables_one_row_a_line(tmp_path):
    def cell(*paras: str) -> str:
        return "<w:tc>" + "".join(p(t) for t in paras) + "</w:tc>"

    nested = "<w:tbl><w:tr>" + cell("inner 1") + cell("inner 2") + "</w:tr></w:tbl>"
    body = (
        "<w:tbl><w:tblPr/>"
        + "<w:tr>" + cell("Tier") + cell("Requirement") + "</w:tr>"
        + "<w:tr>" + cell("Core") + cell("Standards Met", "by 30 June") + "</w:tr>"
        + "<w:tr>" + cell() + "<w:tc>" + nested + p("") + "</w:tc></w:tr>"
        + "</w:tbl>"
        + p("after")
    )
    path = build(tmp_path, body)
    assert docx_to_text(path) == (
        "| Tier | Requirement |\n| Core | Standards Met / by 30 June |\n|  | inner 1 / inner 2 |\nafter\n"
    )


def test_tracked_changes_are_visible(tmp_path):
    ins = '<w:ins w:id="1" w:author="A" w:date="2026-01-01T00:00:00Z">{}</w:ins>'
    dele = '<w:del w:id="2" w:author="A" w:date="2026-01-01T00:00:00Z">{}</w:del>'

    def r(text: str) -> str:
        return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'

    def rd(text: str) -> str:
        return f'<w:r><w:delText xml:space="preserve">{text}</w:delText></w:r>'

    body = (
        "<w:p>" + r("The Provider shall ") + dele.format(rd("within 72 hours")) + ins.format(r("promptly"))
        + ins.format(r(" and")) + r(" notify.") + "</w:p>"
        # a whole inserted paragraph and a whole deleted one
        + '<w:p><w:pPr><w:rPr><w:ins w:id="3" w:author="A"/></w:rPr></w:pPr>' + ins.format(r("New clause.")) + "</w:p>"
        + '<w:p><w:pPr><w:rPr><w:del w:id="4" w:author="A"/></w:rPr></w:pPr>' + dele.format(rd("Old clause.")) + "</w:p>"
        + '<w:p><w:moveFrom w:id="5" w:author="A">' + rd("moved away") + "</w:moveFrom>"
        + r(" stays ") + '<w:moveTo w:id="6" w:author="A">' + r("moved here") + "</w:moveTo></w:p>"
    )
    path = build(tmp_path, body)
    assert docx_to_text(path) == (
        "The Provider shall [-within 72 hours-]{+promptly and+} notify.\n"
        "{+New clause.¶+}\n"
        "[-Old clause.¶-]\n"
        "[-moved away-] stays {+moved here+}\n"
    )


def test_fields_show_results_not_instructions(tmp_path):
    def r(inner: str) -> str:
        return f"<w:r>{inner}</w:r>"

    def fld(kind: str) -> str:
        return r(f'<w:fldChar w:fldCharType="{kind}"/>')

    body = (
        "<w:p>" + r("<w:t xml:space=\"preserve\">See clause </w:t>")
        + fld("begin") + r('<w:instrText xml:space="preserve"> REF _Ref1 \\h </w:instrText>')
        + fld("separate") + r("<w:t>4</w:t>") + r("<w:t>.2</w:t>") + fld("end")
        + r('<w:t xml:space="preserve"> on page </w:t>')
        + '<w:fldSimple w:instr=" PAGE "><w:r><w:t>7</w:t></w:r></w:fldSimple>'
        + "</w:p>"
        # nested: an IF whose instructions hold a MERGEFIELD; only the outer result shows
        + "<w:p>" + fld("begin") + r("<w:instrText>IF </w:instrText>") + fld("begin")
        + r("<w:instrText>MERGEFIELD tier</w:instrText>") + fld("separate") + r("<w:t>Core</w:t>")
        + fld("end") + r('<w:instrText> = "Core" "yes" "no"</w:instrText>') + fld("separate")
        + r("<w:t>yes</w:t>") + fld("end") + "</w:p>"
        # a field without a result shows nothing; hyperlinks show their text
        + "<w:p>" + fld("begin") + r("<w:instrText>TC x</w:instrText>") + fld("end")
        + '<w:hyperlink r:id="rIdX"><w:r><w:t>GOV.UK</w:t></w:r></w:hyperlink></w:p>'
    )
    path = build(tmp_path, body)
    assert docx_to_text(path) == "See clause 4.2 on page 7\nyes\nGOV.UK\n"


def test_tabs_breaks_hyphens_symbols_and_hidden_text(tmp_path):
    numbering = (
        '<w:abstractNum w:abstractNumId="1">' + lvl(0, "decimal", "%1.") + lvl(1, "decimal", "%1.%2")
        + '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>'
    )
    body = (
        "<w:p><w:r><w:t>Name</w:t><w:tab/><w:t>Value</w:t><w:br/><w:t>next line</w:t></w:r></w:p>"
        + '<w:p><w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr></w:pPr>'
        + "<w:r><w:t>first</w:t><w:br/><w:t>continued</w:t></w:r></w:p>"
        + "<w:p><w:r><w:t>e</w:t><w:noBreakHyphen/><w:t>mail co</w:t><w:softHyphen/><w:t>operate </w:t>"
        + '<w:sym w:font="Wingdings" w:char="F0FC"/></w:r>'
        + '<w:r><w:rPr><w:vanish/></w:rPr><w:t>HIDDEN</w:t></w:r>'
        + '<w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t> shown</w:t></w:r></w:p>'
    )
    path = build(tmp_path, body, numbering=numbering)
    assert docx_to_text(path) == (
        "Name\tValue\nnext line\n"
        "  1.1 first\n"
        "      continued\n"
        "e-mail cooperate \u00fc shown\n"
    )


def test_header_and_footer_come_first_once(tmp_path):
    body = '<w:p><w:pPr><w:sectPr/></w:pPr><w:r><w:t>Body</w:t></w:r></w:p>' + p("Second section")
    path = build(
        tmp_path,
        body,
        header=p("Schedule 4: Data Security") + p("") + "<w:tbl><w:tr><w:tc>" + p("Ref") + "</w:tc></w:tr></w:tbl>",
        footer=p("Version 2026.1"),
    )
    assert docx_to_text(path) == (
        "[header] Schedule 4: Data Security\n[header] | Ref |\n[footer] Version 2026.1\n\nBody\nSecond section\n"
    )


def test_each_distinct_default_header_once_in_section_order(tmp_path):
    doc = Document()
    doc.sections[0].header.paragraphs[0].text = "Schedule"
    doc.sections[0].first_page_header.paragraphs[0].text = "first page only: not shown"
    doc.add_paragraph("Part one")
    doc.add_section()
    doc.add_paragraph("Part two")  # linked to the previous header: not repeated
    third = doc.add_section()
    third.header.is_linked_to_previous = False
    third.header.paragraphs[0].text = "Annex"
    doc.add_paragraph("Part three")
    path = tmp_path / "sections.docx"
    doc.save(path)
    assert docx_to_text(path) == "[header] Schedule\n[header] Annex\n\nPart one\n\nPart two\n\nPart three\n"


def test_content_controls_and_blank_lines(tmp_path):
    body = (
        p("") + p("")
        + "<w:sdt><w:sdtPr/><w:sdtContent>" + p("in a block control") + "</w:sdtContent></w:sdt>"
        + p("") + p("  ") + p("")
        + '<w:p><w:sdt><w:sdtContent><w:r><w:t>inline control</w:t></w:r></w:sdtContent></w:sdt></w:p>'
        + p("") + p("")
    )
    assert docx_to_text(build(tmp_path, body)) == "in a block control\n\ninline control\n"


def test_awkward_characters_come_out_exactly(tmp_path):
    names = [
        'Smith & Sons "Care" <Homes> Ltd',
        "L’Arche — Crème brûlée Café",
        "Cafe\u0301 decomposed",
        "دار الرعاية",
        "Care 🏡 Home 👩🏽‍⚕️",
        "tab\tinside",
    ]
    doc = Document()
    for name in names:
        doc.add_paragraph(name)
    path = tmp_path / "names.docx"
    doc.save(path)
    assert docx_to_text(path) == "".join(f"{n}\n" for n in names)


def test_footnotes_are_listed_after_the_body(tmp_path):
    path = build(
        tmp_path,
        '<w:p><w:r><w:t>Text</w:t></w:r><w:r><w:footnoteReference w:id="2"/></w:r>'
        '<w:r><w:t xml:space="preserve"> more</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r></w:p>',
    )
    footnotes = (
        f'<w:footnotes {NS}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> Second note.</w:t></w:r></w:p></w:footnote>'
        '<w:footnote w:id="2"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t>First note.</w:t></w:r></w:p>'
        "<w:p><w:r><w:t>Its second paragraph.</w:t></w:r></w:p></w:footnote></w:footnotes>"
    )
    add_part(path, "word/footnotes.xml", footnotes, "footnotes")
    assert docx_to_text(path) == (
        "Text[^1] more[^2]\n\n[^1]: First note. / Its second paragraph.\n[^2]:  Second note.\n"
    )


def add_part(path: Path, name: str, xml: str, rel_type: str) -> None:
    """Add a part to a saved .docx and relate it to the main document."""
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    rels = entries["word/_rels/document.xml.rels"].decode()
    rel = (
        f'<Relationship Id="rIdTest" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/{rel_type}" Target="{name.split("/", 1)[1]}"/>'
    )
    entries["word/_rels/document.xml.rels"] = rels.replace("</Relationships>", rel + "</Relationships>").encode()
    entries[name] = xml.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in entries.items():
            zf.writestr(n, data)


def test_same_document_same_text_from_path_or_bytes(tmp_path):
    path = build(tmp_path, p("Services", "CGSection") + p("Clause", "CGClause"), numbering=SCHEME, styles=SCHEME_STYLES)
    first = docx_to_text(path)
    assert docx_to_text(str(path)) == first
    assert docx_to_text(path.read_bytes()) == first
    assert first == "1 Services\n  1.1 Clause\n"


def test_python_docx_builtin_list_styles(tmp_path):
    doc = Document()
    doc.add_paragraph("One", style="List Number")
    doc.add_paragraph("Two", style="List Number")
    doc.add_paragraph("Point", style="List Bullet")
    doc.add_heading("Heading", 2)
    path = tmp_path / "lists.docx"
    doc.save(path)
    assert docx_to_text(path) == "1. One\n2. Two\n• Point\n## Heading\n"


def test_empty_document_is_empty_text(tmp_path):
    assert docx_to_text(build(tmp_path, "")) == ""


def test_not_a_docx_names_the_file_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schedule.doc").write_bytes(b"\xd0\xcf\x11\xe0 old binary Word")
    with pytest.raises(InputError) as e:
        docx_to_text(tmp_path / "schedule.doc")
    assert e.value.message == (
        "schedule.doc is not a Word document (.docx); open it in Word and save it as 'Word Document (.docx)'"
    )
    with pytest.raises(InputError, match=r"missing.docx: no such file; check the path$"):
        docx_to_text(tmp_path / "missing.docx")
    with pytest.raises(InputError, match="the document is not a Word document"):
        docx_to_text(b"not a zip")


def _replace_part(path: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    entries[name] = data
    with zipfile.ZipFile(path, "w") as zf:
        for n, content in entries.items():
            zf.writestr(n, content)


@pytest.mark.parametrize("part", ["word/document.xml", "word/styles.xml", "word/numbering.xml"])
def test_damaged_xml_is_reported(tmp_path, monkeypatch, part):
    monkeypatch.chdir(tmp_path)
    path = build(tmp_path, p("x"))
    _replace_part(path, part, b"<w:document")
    with pytest.raises(InputError) as e:
        docx_to_text(path)
    assert e.value.message.startswith(f"doc.docx: {part} is not well-formed XML (")
    assert e.value.message.endswith("); the file is damaged, open and re-save it in Word")


def test_documents_from_one_template_do_not_share_list_counters(tmp_path):
    first = build(tmp_path, p("A", "CGSection") + p("a", "CGClause"), numbering=SCHEME, styles=SCHEME_STYLES, name="1.docx")
    second = build(tmp_path, p("B", "CGClause"), numbering=SCHEME, styles=SCHEME_STYLES, name="2.docx")
    assert docx_to_text(first) == "1 A\n  1.1 a\n"
    assert docx_to_text(second) == "  1.1 B\n"  # no section yet: it counts as 1
    assert docx_to_text(first) == "1 A\n  1.1 a\n"


def test_strict_open_xml_is_refused_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = build(tmp_path, p("x"))
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    entries["word/document.xml"] = entries["word/document.xml"].replace(
        W.encode(), b"http://purl.oclc.org/ooxml/wordprocessingml/main"
    )
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in entries.items():
            zf.writestr(n, data)
    with pytest.raises(InputError) as e:
        docx_to_text(path)
    assert e.value.message == (
        "doc.docx has no Word document body; it is not a .docx (or it was saved as Strict Open XML): "
        "save it as 'Word Document (.docx)'"
    )


def test_works_as_a_git_textconv_driver(tmp_path, monkeypatch):
    """`git diff` shows the changed clause as text (the CLI's `textconv` command will do
    what this python -c does)."""
    import subprocess
    import sys

    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
            capture_output=True, text=True, check=True, encoding="utf-8",
        ).stdout  # fmt: skip

    git("init", "-q")
    driver = (
        f"'{sys.executable}' -c \"import sys; from contractgen.word.textconv import docx_to_text; "
        "sys.stdout.buffer.write(docx_to_text(sys.argv[1]).encode())\""
    )
    git("config", "diff.docx.textconv", driver)
    (repo / ".gitattributes").write_text("*.docx diff=docx\n")
    body = p("Services", "CGSection") + p("The Provider shall notify within 72 hours.", "CGClause")
    build(repo, body, numbering=SCHEME, styles=SCHEME_STYLES, name="schedule.docx")
    git("add", "-A")
    git("commit", "-q", "-m", "first")
    body = p("Services", "CGSection") + p("The Provider shall notify promptly.", "CGClause")
    build(repo, body, numbering=SCHEME, styles=SCHEME_STYLES, name="schedule.docx")
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    diff = git("diff", "--word-diff=plain", "-U0", "--", "schedule.docx")
    assert "  1.1 The Provider shall notify [-within 72 hours.-]{+promptly.+}" in diff
