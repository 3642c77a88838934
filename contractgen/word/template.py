"""A council's Word template, compiled once and rendered many times.

Templates are written for docxtpl (``{{ council.name }}``, ``{%p if ... %}``,
``{%tr for ... %}``, ``{{p body }}``). docxtpl's own preprocessing turns the Word XML
into Jinja source; we compile that once with the sandboxed, strict, XML-escaping
environment and render it per document straight into the zip parts. That is what makes
a batch of letters fast: no python-docx object model, no re-parsing per document.
"""

from __future__ import annotations

import hashlib
import io
import re
import traceback
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import jinja2
from docx import Document
from docx.oxml import parse_xml
from docx.shared import Cm, Pt
from docxtpl import DocxTemplate
from jinja2 import nodes
from lxml import etree
from markupsafe import Markup

from ..base.environment import XmlRecord, XmlValueError, recording_xml, template_environment, undeclared_variables
from ..base.errors import Location, Problem, TemplateError
from ..base.untrusted import render_bounded
from .images import add_image_parts
from .ooxml import (
    HYPERLINK_REL,
    WRITTEN_STYLES,
    BodyWriter,
    NumberingPlan,
    letter_list_numbering,
    prepare_styles,
)
from .package import (
    NUMBERING_CT,
    NUMBERING_REL,
    DocumentProperties,
    add_override,
    add_relationships,
    apply_properties,
    has_relationship_type,
    lean_parts,
    read_package,
    strip_python_docx_leftovers,
    used_styles,
)
from .wellformed import PartShape, analyse

_TEMPLATED_PART = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
_TAGS = re.compile(r"<[^>]+>")
DOC_RELS = "word/_rels/document.xml.rels"
_COMPILED: dict[tuple, "WordTemplate"] = {}
#: The largest template kept by its bytes (a larger one is read and compiled each time).
MAX_KEYED_TEMPLATE_BYTES = 50_000_000


@dataclass
class WordTemplate:
    """A loaded and compiled template."""

    shown: str  # the file name as shown to the user
    parts: dict[str, bytes]
    compiled: dict[str, jinja2.Template] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    #: where each part's values and blocks stand (see contractgen.word.wellformed)
    shapes: dict[str, PartShape] = field(default_factory=dict)
    plan: NumberingPlan | None = None
    _lean: dict[str, bytes] | None = field(default=None, repr=False)
    _styles: bytes | None = field(default=None, repr=False)
    _trees: dict[str, nodes.Template] = field(default_factory=dict, repr=False)  # each part's source parsed, not compiled
    #: ``{{ schedule_body }}`` and the like without their p/r prefix (see ``_unprefixed_xml_tags``):
    #: refused by whoever loads the template for a kind (it may not use them at all)
    bare_tags: list[Problem] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path, shown: str | None = None) -> "WordTemplate":
        """Read and compile a template; the same file (by its bytes: a copy of a workspace
        elsewhere is the same template) is compiled once per process."""
        shown = shown or str(path)
        try:
            data = path.read_bytes() if path.stat().st_size <= MAX_KEYED_TEMPLATE_BYTES else None
        except OSError:
            data = None  # read_package says what is wrong with the path
        key = (hashlib.sha256(data).digest(), shown) if data is not None else None
        if key is not None and key in _COMPILED:
            return _COMPILED[key]
        tpl = cls(shown=shown, parts=read_package(path, shown, data))  # the bytes hashed are the bytes compiled
        tpl._compile()
        if key is not None:
            if len(_COMPILED) > 16:
                _COMPILED.clear()
            _COMPILED[key] = tpl
        return tpl

    @classmethod
    def from_document_body(cls, text: str, footer: str | None = None) -> "WordTemplate":
        """A plain A4 template whose body is one paragraph holding ``text`` (e.g.
        ``{{p body }}``): for documents that have no council template, such as redlines.
        With ``footer``, the footer says it, then ``Page X of Y``."""

        doc = Document()
        section = doc.sections[0]
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.3)
        doc.styles["Normal"].font.name = "Arial"
        doc.styles["Normal"].font.size = Pt(10.5)
        doc.add_paragraph(text)
        if footer is not None:
            line = section.footer.paragraphs[0]
            line.add_run(f"{footer}\tPage ")
            for instr in ("PAGE", None, "NUMPAGES"):
                if instr is None:
                    line.add_run(" of ")
                    continue
                for xml in ('<w:fldChar w:fldCharType="begin"/>', f'<w:instrText xml:space="preserve"> {instr} </w:instrText>',
                            '<w:fldChar w:fldCharType="separate"/>', "<w:t>1</w:t>", '<w:fldChar w:fldCharType="end"/>'):
                    line._p.append(parse_xml(f'<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">{xml}</w:r>'))
        buf = io.BytesIO()
        doc.save(buf)
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
            parts = {i.filename: z.read(i) for i in z.infolist()}
        strip_python_docx_leftovers(parts)
        tpl = cls(shown="(built-in template)", parts=parts)
        tpl._compile()
        return tpl

    def _compile(self) -> None:
        env = template_environment()
        problems: list[Problem] = []
        for name, data in self.parts.items():
            if not _TEMPLATED_PART.match(name) or b"{" not in data:
                continue
            xml = data.decode("utf-8")
            source = DocxTemplate.patch_xml(None, xml)
            # docxtpl's escapes for literal tags, turned into Jinja string literals here
            # (not replaced after rendering, which would alter values that contain them)
            for escape, literal in (("{_{", "{{"), ("}_}", "}}"), ("{_%", "{%"), ("%_}", "%}")):
                source = source.replace(escape, "{{ '" + literal + "' }}")
            source = re.sub(r"<w:p([ >])", r"\n<w:p\1", source)
            self.sources[name] = source
            self.bare_tags += [self._problem(name, line, message) for line, message in _unprefixed_xml_tags(source)]
            try:
                self.compiled[name] = env.from_string(source)
                self.shapes[name] = analyse(env, self._tree(name))
            except jinja2.TemplateSyntaxError as exc:
                problems.append(self._problem(name, exc.lineno, f"template syntax error: {exc.message}"))
        if problems:
            raise TemplateError(problems[0].message, problems)
        if "word/styles.xml" in self.parts:
            self.plan = prepare_styles(self.parts["word/styles.xml"], self.parts.get("word/numbering.xml"))

    def _problem(self, part: str, lineno: int | None, message: str) -> Problem:
        where = _part_label(part)
        if lineno and part in self.sources:
            lines = self.sources[part].split("\n")
            text = _TAGS.sub("", lines[min(lineno, len(lines)) - 1]).strip()
            if text:
                where += f', paragraph "{text[:80]}"'
        return Problem(Location(self.shown), "", f"{where}: {message}")

    def variables(self) -> set[str]:
        """Top-level names the template uses (to check against what it will receive)."""
        names: set[str] = set()
        for source in self.sources.values():
            names |= undeclared_variables(source, template_environment)
        return names

    def _tree(self, part: str) -> nodes.Template:
        """``part``'s source parsed once (for the questions below; compiling parses its own)."""
        if part not in self._trees:
            self._trees[part] = template_environment().parse(self.sources[part])
        return self._trees[part]

    def templated_parts(self) -> set[str]:
        """The parts that hold template tags."""
        return set(self.compiled)

    def parts_using(self, names: Iterable[str]) -> set[str]:
        """The templated parts that use any of the top-level ``names``."""
        wanted = set(names)
        return {part for part, source in self.sources.items() if undeclared_variables(source, template_environment) & wanted}

    def attributes_used(self, part: str, name: str) -> set[str] | None:
        """The attributes of ``name`` that ``part`` reads (``letter.heading``: heading),
        or None when it uses ``name`` otherwise (whole, by item, or assigns it)."""
        tree = self._tree(part)
        uses = [n for n in tree.find_all(nodes.Name) if n.name == name]
        reads = [g for g in tree.find_all(nodes.Getattr) if isinstance(g.node, nodes.Name) and g.node.name == name]
        if len(reads) != len(uses) or any(n.ctx != "load" for n in uses):
            return None
        return {g.attr for g in reads}

    def render_parts(self, context: dict[str, Any], names: Iterable[str], trusted: str = "") -> dict[str, bytes]:
        """Render the templated parts ``names``, each checked to be well-formed XML.
        ``trusted``: XML that contractgen wrote (the letter body, balanced elements) and
        the context holds: left out of the check, which it would only slow down."""
        return {name: self._render_part(name, context, trusted) for name in sorted(names) if name in self.compiled}

    def _render_part(self, name: str, context: dict[str, Any], trusted: str = "") -> bytes:
        record = XmlRecord()
        try:
            with recording_xml(record):
                xml = render_bounded(self.compiled[name], context)
        except XmlValueError as exc:
            raise TemplateError(str(exc), [Problem(Location(self.shown), "", str(exc))]) from exc
        except jinja2.TemplateError as exc:
            line = _template_line(exc)
            message = _friendly(exc)
            raise TemplateError(message, [self._problem(name, line, message)]) from exc
        xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")  # the breaks _compile added
        data = xml.encode("utf-8")
        shape = self.shapes.get(name)
        if shape is not None and not shape.needs_check(record, trusted, context):
            return data  # well-formed whatever it printed: its skeleton is (contractgen.word.wellformed)
        try:
            etree.fromstring(xml.replace(trusted, "").encode("utf-8") if len(trusted) > 1000 else data)
        except etree.XMLSyntaxError as exc:
            message = (
                f"{_part_label(name)}: rendering produced invalid Word XML ({exc.msg}); a "
                "{% if %} or {% for %} probably spans paragraphs or table rows without "
                "the p/tr form ({%p if ... %}); see docs/branding.md"
            )
            raise TemplateError(message, [Problem(Location(self.shown), "", message)]) from exc
        return data

    def render(
        self,
        context: dict[str, Any],
        *,
        writer: BodyWriter | None = None,
        properties: DocumentProperties | None = None,
        letter_lists: int = 0,
        media: dict[str, bytes] | None = None,
        fixed: dict[str, bytes] | None = None,
        lean: bool = False,
        trusted: str = "",
    ) -> dict[str, bytes]:
        """Render every templated part; return the complete set of package parts.

        ``fixed``: parts already rendered (by :meth:`render_parts`) with a context that
        gives them the same text. ``lean``: only the styles the document can use, and no
        ``stylesWithEffects.xml`` (see :func:`~contractgen.word.package.lean_parts`).
        ``trusted``: see :meth:`render_parts`."""
        fixed = fixed or {}
        parts = self._lean_parts() if lean else dict(self.parts)
        parts.update(fixed)
        parts.update(self.render_parts(context, [n for n in self.compiled if n not in fixed], trusted))
        if self.plan is not None:
            parts["word/styles.xml"] = self._lean_styles() if lean else self.plan.styles_xml
            parts["word/numbering.xml"] = _letter_numbering(self.plan, letter_lists)
            _ensure_numbering_part(parts)
        if writer is not None and writer.links:
            parts[DOC_RELS] = add_relationships(
                parts.get(DOC_RELS), [(rid, HYPERLINK_REL, url, True) for url, rid in writer.links.items()]
            )
        if properties is not None:
            apply_properties(parts, properties)
        if media:
            add_image_parts(parts, media)
        return parts

    def prepare_lean(self) -> None:
        """Work out the lean package now (before worker processes inherit the template)."""
        self._lean_parts()
        if self.plan is not None:
            self._lean_styles()

    def _lean_parts(self) -> dict[str, bytes]:
        if self._lean is None:
            self._lean = lean_parts(self.parts)
        return dict(self._lean)

    def _lean_styles(self) -> bytes:
        """The styles the document can use: those its parts and numbering name and those
        contractgen writes (the ``CG*`` styles, hyperlinks), with what they are based on."""
        assert self.plan is not None
        if self._styles is None:
            named = [data for name, data in self.parts.items() if name.startswith("word/") and name.endswith(".xml") and name != "word/styles.xml"]
            self._styles = used_styles(self.plan.styles_xml, [*named, self.plan.numbering_xml], WRITTEN_STYLES)
        return self._styles


@lru_cache(maxsize=64)
def _letter_numbering(plan: NumberingPlan, letter_lists: int) -> bytes:
    return letter_list_numbering(plan.numbering_xml, plan, letter_lists)


#: Values that are Word XML, and the docxtpl prefix each must be written with: ``p`` for
#: whole paragraphs (the tag alone in its own paragraph), ``r`` for a run (a picture).
XML_VALUES = {"schedule_body": "p", "letter_body": "p", "council.logo": "r"}
_XML_VALUE_TAG = re.compile(r"\{\{-?\s*(" + "|".join(re.escape(n) for n in XML_VALUES) + r")\s*(?:\|[^}]*)?-?\}\}")
_OPEN = {"p": re.compile(r"<w:p[ >]"), "r": re.compile(r"<w:r[ >]"), "t": re.compile(r"<w:t[ >]")}
_CLOSE = {"p": "</w:p>", "r": "</w:r>", "t": "</w:t>"}


def _unprefixed_xml_tags(source: str) -> list[tuple[int, str]]:
    """Each ``{{ schedule_body }}``, ``{{ letter_body }}`` or ``{{ council.logo }}``
    written without docxtpl's ``p``/``r`` prefix, as (line, message): its Word XML would
    land inside a text element, and Word refuses to open the result."""
    found = []
    for m in _XML_VALUE_TAG.finditer(source):
        before = source[: m.start()]

        def inside(element: str) -> bool:
            return len(_OPEN[element].findall(before)) > before.count(_CLOSE[element])

        name, prefix = m.group(1), XML_VALUES[m.group(1)]
        if inside("t") or inside(prefix) or (prefix == "r" and not inside("p")):
            what = "whole paragraphs" if prefix == "p" else "a picture"
            where = "alone in its own paragraph" if prefix == "p" else "inside a paragraph"
            found.append((
                before.count("\n") + 1,
                f"{{{{ {name} }}}} holds {what} of Word XML, so it must be written "
                f"{{{{{prefix} {name} }}}} ({where}); without the {prefix} Word cannot open the document",
            ))
    return found


def _ensure_numbering_part(parts: dict[str, bytes]) -> None:
    parts["[Content_Types].xml"] = add_override(parts["[Content_Types].xml"], "word/numbering.xml", NUMBERING_CT)
    if not has_relationship_type(parts.get(DOC_RELS), NUMBERING_REL):
        parts[DOC_RELS] = add_relationships(parts.get(DOC_RELS), [("rIdCGnumbering", NUMBERING_REL, "numbering.xml", False)])


def _part_label(part: str) -> str:
    stem = part.rsplit("/", 1)[-1].removesuffix(".xml")
    if stem == "document":
        return "body"
    return re.sub(r"(\D+)(\d*)", lambda m: m.group(1) + (f" {m.group(2)}" if m.group(2) else ""), stem)


def _template_line(exc: BaseException) -> int | None:
    lineno = getattr(exc, "lineno", None)
    if lineno:
        return lineno
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == "<template>":
            lineno = line
    return lineno


def _friendly(exc: jinja2.TemplateError) -> str:
    text = str(exc.message or exc).rstrip(".")
    text = re.sub(r"'(?:dict|[\w.]+) object' has no attribute '([^']+)'", r"there is no value named '\1' there", text)
    m = re.match(r"'([^']+)' is undefined", text)
    if m:
        return (
            f"the template uses '{m.group(1)}', which is not a template variable; "
            "fix the tag in Word (docs/branding.md 'Template variables' lists them)"
        )
    return f"the template cannot be rendered: {text}; fix the tag in Word (docs/branding.md 'Template variables')"


def raw_xml(xml: str) -> Markup:
    """Mark generated WordprocessingML as safe to insert with ``{{p name }}``."""
    return Markup(xml)


