"""WordprocessingML: blocks to Word XML, and the styles and numbering they rely on.

Numbering is real Word numbering: the clause styles (``CGSection`` 1, ``CGClause`` 1.1,
``CGItem`` (a), ``CGSubItem`` (i)) are linked to one multi-level list definition in
``numbering.xml``, so a paragraph added in Word with the same style is numbered in
sequence and cross-references (REF fields to bookmarks) follow it.

When a council's template already defines a ``CG*`` style, its definition (and its
numbering) is kept: that is how a council brands the numbering. Missing ones are added.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Iterable

from lxml import etree

from ..base.xmltext import NO_BREAK_HYPHEN_XML, NON_BREAKING_HYPHEN, xml_text
from .blocks import Block, Paragraph, Run, Style, Table

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NSMAP = {"w": W_NS, "r": R_NS}
HYPERLINK_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"

LINK_STYLE = "CGLink"
#: Every style id that BodyWriter can write.
WRITTEN_STYLES = frozenset({*(s.value for s in Style), LINK_STYLE})
BULLET_CHAR = "\uf0b7"  # Word's standard bullet in the Symbol font


def bookmark_name(clause_id: str) -> str:
    """A stable, Word-legal hidden bookmark name for a clause (max 40 chars, no dots)."""
    digest = hashlib.sha1(clause_id.encode()).hexdigest()[:10]
    slug = re.sub(r"[^A-Za-z0-9]", "_", clause_id)[:20]
    return f"_CG_{slug}_{digest}"


@dataclass
class BodyWriter:
    """Writes blocks as body XML; collects the hyperlinks the part's rels must hold."""

    links: dict[str, str] = field(default_factory=dict)  # url -> relationship id
    next_bookmark: int = 1000
    letter_num_base: int = 0  # numId of the first letter-list instance (set by prepare)
    comments: list[str] = field(default_factory=list)  # comment texts; the index is the id

    def next_id(self) -> int:
        """A document-unique id for a bookmark or a tracked change."""
        self.next_bookmark += 1
        return self.next_bookmark - 1

    def link_id(self, url: str) -> str:
        if url not in self.links:
            self.links[url] = f"rIdCG{len(self.links) + 1}"
        return self.links[url]

    def blocks(self, blocks: Iterable[Block]) -> str:
        return "".join(
            self.paragraph(b) if isinstance(b, Paragraph) else self.table(b) for b in blocks
        )

    def paragraph(self, p: Paragraph, runs_xml: str | None = None, ppr_extra: str = "") -> str:
        ppr = f'<w:pStyle w:val="{p.style.value}"/>' + ("<w:keepNext/>" if p.keep_with_next else "")
        if p.style is Style.LETTER_ITEM and self.letter_num_base:
            ppr += (
                f'<w:numPr><w:ilvl w:val="0"/>'
                f'<w:numId w:val="{self.letter_num_base + p.list_id}"/></w:numPr>'
            )
        body = self.runs(p.runs) if runs_xml is None else runs_xml
        if p.bookmark:
            bid = self.next_id()
            body = (
                f'<w:bookmarkStart w:id="{bid}" w:name="{p.bookmark}"/>{body}'
                f'<w:bookmarkEnd w:id="{bid}"/>'
            )
        return f"<w:p><w:pPr>{ppr}{ppr_extra}</w:pPr>{body}</w:p>"

    def runs(self, runs: Iterable[Run], *, deleted: bool = False) -> str:
        out: list[str] = []
        current_link: str | None = None
        for run in runs:
            if run.link != current_link:
                if current_link is not None:
                    out.append("</w:hyperlink>")
                if run.link is not None:
                    out.append(f'<w:hyperlink r:id="{self.link_id(run.link)}" w:history="1">')
                current_link = run.link
            out.append(self.run(run, deleted=deleted))
        if current_link is not None:
            out.append("</w:hyperlink>")
        return "".join(out)

    def run(self, run: Run, *, deleted: bool = False) -> str:
        rpr = ""
        if run.link is not None:
            rpr += f'<w:rStyle w:val="{LINK_STYLE}"/>'
        if run.bold:
            rpr += "<w:b/>"
        if run.italic:
            rpr += "<w:i/>"
        rpr = f"<w:rPr>{rpr}</w:rPr>" if rpr else ""
        if run.line_break:
            return f"<w:r>{rpr}<w:br/></w:r>"
        text_tag = "w:delText" if deleted else "w:t"
        text = f'<{text_tag} xml:space="preserve">{xml_text(run.text)}</{text_tag}>'
        if NON_BREAKING_HYPHEN in run.text and not deleted:
            text = text.replace(NON_BREAKING_HYPHEN, NO_BREAK_HYPHEN_XML)
        if run.ref is None and run.comment is not None and not deleted:
            cid = len(self.comments)
            self.comments.append(run.comment)
            return (
                f'<w:commentRangeStart w:id="{cid}"/><w:r>{rpr}{text}</w:r><w:commentRangeEnd w:id="{cid}"/>'
                f'<w:r><w:commentReference w:id="{cid}"/></w:r>'
            )
        if run.ref is None:
            return f"<w:r>{rpr}{text}</w:r>"
        instr_tag = "w:delInstrText" if deleted else "w:instrText"
        return (
            f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r>{rpr}<{instr_tag} xml:space="preserve"> REF {bookmark_name(run.ref)} \\w \\h </{instr_tag}></w:r>'
            f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
            f"<w:r>{rpr}{text}</w:r>"
            f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>'
        )

    def table(self, t: Table) -> str:
        widths = t.widths or (0,) * len(t.header)
        tcw = [f'<w:tcW w:w="{w * 50}" w:type="pct"/>' if w else '<w:tcW w:w="0" w:type="auto"/>' for w in widths]

        def row(cells: tuple[str, ...], header: bool) -> str:
            trpr = "<w:trPr><w:tblHeader/></w:trPr>" if header else ""
            rpr = "<w:rPr><w:b/></w:rPr>" if header else ""
            tcs = "".join(
                f'<w:tc><w:tcPr>{w}</w:tcPr><w:p><w:pPr><w:pStyle w:val="{Style.BODY.value}"/></w:pPr>'
                f'<w:r>{rpr}<w:t xml:space="preserve">{xml_text(c)}</w:t></w:r></w:p></w:tc>'
                for c, w in zip(cells, tcw)
            )
            return f"<w:tr>{trpr}{tcs}</w:tr>"

        # a grid in twips of an A4 text width (16.4 cm) when widths are given
        grid = "".join(f'<w:gridCol w:w="{w * 93}"/>' if w else "<w:gridCol/>" for w in widths)
        borders = "".join(
            f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="808080"/>'
            for side in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        return (
            f'<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/><w:tblBorders>{borders}</w:tblBorders>'
            f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
            + row(t.header, True)
            + "".join(row(r, False) for r in t.rows)
            + "</w:tbl>"
        )


# --------------------------------------------------------------------------- styles

_TWIP = 567  # 1 cm


def _pstyle(style_id: str, name: str, ppr: str, rpr: str = "", based_on: str = "Normal") -> str:
    return (
        f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{style_id}">'
        f'<w:name w:val="{name}"/><w:basedOn w:val="{based_on}"/><w:qFormat/>'
        f"<w:pPr>{ppr}</w:pPr>" + (f"<w:rPr>{rpr}</w:rPr>" if rpr else "") + "</w:style>"
    )


def _numpr(num_id: int, ilvl: int) -> str:
    return f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'


def style_definitions(clause_num: int, bullet_num: int, letter_num: int) -> dict[str, str]:
    """The ``CG*`` styles by id, linked to the given numbering instances."""
    sp = '<w:spacing w:before="0" w:after="120" w:line="264" w:lineRule="auto"/>'
    return {
        Style.SECTION.value: _pstyle(
            Style.SECTION.value, "CG Section",
            '<w:keepNext/><w:keepLines/>' + _numpr(clause_num, 0)
            + '<w:spacing w:before="240" w:after="120"/>'
            + f'<w:ind w:left="{_TWIP}" w:hanging="{_TWIP}"/><w:outlineLvl w:val="0"/>',
            '<w:b/><w:caps/>',
        ),
        Style.CLAUSE.value: _pstyle(
            Style.CLAUSE.value, "CG Clause",
            _numpr(clause_num, 1) + sp + f'<w:ind w:left="{_TWIP}" w:hanging="{_TWIP}"/>',
        ),
        Style.ITEM.value: _pstyle(
            Style.ITEM.value, "CG Item",
            _numpr(clause_num, 2) + sp + f'<w:ind w:left="{2 * _TWIP}" w:hanging="{_TWIP}"/>',
        ),
        Style.SUBITEM.value: _pstyle(
            Style.SUBITEM.value, "CG Sub-item",
            _numpr(clause_num, 3) + sp + f'<w:ind w:left="{3 * _TWIP}" w:hanging="{_TWIP}"/>',
        ),
        Style.BULLET.value: _pstyle(
            Style.BULLET.value, "CG Bullet",
            _numpr(bullet_num, 0) + sp + f'<w:ind w:left="{2 * _TWIP}" w:hanging="{_TWIP // 2}"/>',
        ),
        Style.BODY.value: _pstyle(Style.BODY.value, "CG Body", sp),
        Style.LETTER_ITEM.value: _pstyle(
            Style.LETTER_ITEM.value, "CG Letter item",
            _numpr(letter_num, 0) + sp + f'<w:ind w:left="{_TWIP}" w:hanging="{_TWIP}"/>',
        ),
        Style.HEADING.value: _pstyle(
            Style.HEADING.value, "CG Heading",
            '<w:keepNext/><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="0"/>',
            '<w:b/><w:sz w:val="28"/>',
        ),
        LINK_STYLE: (
            f'<w:style w:type="character" w:customStyle="1" w:styleId="{LINK_STYLE}">'
            '<w:name w:val="CG Link"/><w:rPr><w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr></w:style>'
        ),
    }


def _lvl(ilvl: int, fmt: str, text: str, style: str | None, left: int, hanging: int) -> str:
    pstyle = f'<w:pStyle w:val="{style}"/>' if style else ""
    rpr = '<w:rPr><w:rFonts w:ascii="Symbol" w:hAnsi="Symbol" w:hint="default"/></w:rPr>' if fmt == "bullet" else ""
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>{pstyle}'
        f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:ind w:left="{left}" w:hanging="{hanging}"/></w:pPr>{rpr}</w:lvl>'
    )


def abstract_definitions(clause_abs: int, bullet_abs: int, letter_abs: int) -> list[str]:
    clause_levels = (
        _lvl(0, "decimal", "%1.", Style.SECTION.value, _TWIP, _TWIP)
        + _lvl(1, "decimal", "%1.%2", Style.CLAUSE.value, _TWIP, _TWIP)
        + _lvl(2, "lowerLetter", "(%3)", Style.ITEM.value, 2 * _TWIP, _TWIP)
        + _lvl(3, "lowerRoman", "(%4)", Style.SUBITEM.value, 3 * _TWIP, _TWIP)
    )
    return [
        f'<w:abstractNum w:abstractNumId="{clause_abs}"><w:multiLevelType w:val="multilevel"/>'
        f'<w:name w:val="CG Clauses"/>{clause_levels}</w:abstractNum>',
        f'<w:abstractNum w:abstractNumId="{bullet_abs}"><w:multiLevelType w:val="singleLevel"/>'
        f'<w:name w:val="CG Bullets"/>{_lvl(0, "bullet", BULLET_CHAR, Style.BULLET.value, 2 * _TWIP, _TWIP // 2)}</w:abstractNum>',
        f'<w:abstractNum w:abstractNumId="{letter_abs}"><w:multiLevelType w:val="singleLevel"/>'
        f'<w:name w:val="CG Letter items"/>{_lvl(0, "lowerLetter", "(%1)", Style.LETTER_ITEM.value, _TWIP, _TWIP)}</w:abstractNum>',
    ]


EMPTY_NUMBERING = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<w:numbering xmlns:w="{W_NS}"></w:numbering>'
).encode()


@dataclass(frozen=True)
class NumberingPlan:
    """Which numbering ids the document uses; computed once per template."""

    styles_xml: bytes
    numbering_xml: bytes
    letter_abs: int
    letter_num_base: int


def prepare_styles(styles_xml: bytes, numbering_xml: bytes | None) -> NumberingPlan:
    """Add the missing ``CG*`` styles and their numbering to a template's parts."""
    styles = etree.fromstring(styles_xml)
    numbering = etree.fromstring(numbering_xml or EMPTY_NUMBERING)
    existing_styles = {s.get(f"{{{W_NS}}}styleId") for s in styles.iter(f"{{{W_NS}}}style")}
    used = [int(e.get(f"{{{W_NS}}}abstractNumId") or 0) for e in numbering.iter(f"{{{W_NS}}}abstractNum")]
    used += [int(e.get(f"{{{W_NS}}}numId") or 0) for e in numbering.iter(f"{{{W_NS}}}num")]
    base = max([0, *used]) + 1
    clause_id, bullet_id, letter_id = base, base + 1, base + 2
    letter_num_base = base + 10

    wanted = style_definitions(clause_id, bullet_id, letter_id)
    missing = [sid for sid in wanted if sid not in existing_styles]
    # a template that brands CGLetterItem keeps its numbering for letter lists
    letter_abs = letter_id
    if Style.LETTER_ITEM.value in existing_styles:
        letter_abs = _abstract_of_style(styles, numbering, Style.LETTER_ITEM.value) or letter_id
    for sid in missing:
        styles.append(etree.fromstring(wanted[sid].replace("<w:style ", f'<w:style xmlns:w="{W_NS}" ', 1)))

    abstracts = abstract_definitions(clause_id, bullet_id, letter_id)
    nums = [
        f'<w:num w:numId="{clause_id}"><w:abstractNumId w:val="{clause_id}"/></w:num>',
        f'<w:num w:numId="{bullet_id}"><w:abstractNumId w:val="{bullet_id}"/></w:num>',
        f'<w:num w:numId="{letter_id}"><w:abstractNumId w:val="{letter_id}"/></w:num>',
    ]
    if missing:
        last_abstract = None
        for el in numbering:
            if el.tag == f"{{{W_NS}}}abstractNum":
                last_abstract = el
        position = numbering.index(last_abstract) + 1 if last_abstract is not None else 0
        for xml in reversed(abstracts):
            numbering.insert(position, _w(xml))
        for xml in nums:
            numbering.append(_w(xml))
    return NumberingPlan(
        styles_xml=etree.tostring(styles, xml_declaration=True, encoding="UTF-8", standalone=True),
        numbering_xml=etree.tostring(numbering, xml_declaration=True, encoding="UTF-8", standalone=True),
        letter_abs=letter_abs,
        letter_num_base=letter_num_base,
    )


def _w(xml: str) -> etree._Element:
    tag_end = xml.index(" ")
    return etree.fromstring(f'{xml[:tag_end]} xmlns:w="{W_NS}"{xml[tag_end:]}')


def _abstract_of_style(styles: etree._Element, numbering: etree._Element, style_id: str) -> int | None:
    for s in styles.iter(f"{{{W_NS}}}style"):
        if s.get(f"{{{W_NS}}}styleId") == style_id:
            num = s.find(f"{{{W_NS}}}pPr/{{{W_NS}}}numPr/{{{W_NS}}}numId")
            if num is None:
                return None
            for n in numbering.iter(f"{{{W_NS}}}num"):
                if n.get(f"{{{W_NS}}}numId") == num.get(f"{{{W_NS}}}val"):
                    a = n.find(f"{{{W_NS}}}abstractNumId")
                    value = a.get(f"{{{W_NS}}}val") if a is not None else None
                    return int(value) if value is not None else None
    return None


def letter_list_numbering(numbering_xml: bytes, plan: NumberingPlan, list_count: int) -> bytes:
    """Append one restarting ``w:num`` per lettered list of a letter."""
    if list_count == 0:
        return numbering_xml
    extra = "".join(
        f'<w:num w:numId="{plan.letter_num_base + i}"><w:abstractNumId w:val="{plan.letter_abs}"/>'
        f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
        for i in range(1, list_count + 1)
    )
    text = numbering_xml.decode("utf-8")
    close = text.rindex("</w:numbering>")
    return (text[:close] + extra + text[close:]).encode("utf-8")
