"""The .docx zip package: read parts, write them reproducibly.

* Same parts in, same bytes out: fixed timestamps and permissions, parts in a fixed order.
* Nothing half-written: a document is written through :mod:`contractgen.base.atomic` (a
  temporary file in the target folder, renamed into place), so an interrupted run leaves
  the old file or none.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Collection, Iterable, Iterator, Mapping, Sequence

from lxml import etree

from ..base.errors import (
    Location,
    OutputError,
    Problem,
    TemplateError,
    display_path,
    plural,
)
from ..base.untrusted import check_package_xml, read_zip
from ..base.xmltext import xml_attr, xml_text

ZIP_DATE = (1980, 1, 1, 0, 0, 0)

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CORE_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
NUMBERING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering"
CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CORE_CT = "application/vnd.openxmlformats-package.core-properties+xml"
NUMBERING_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"


def read_package(path: Path, shown: str, data: bytes | None = None) -> dict[str, bytes]:
    """The parts of a .docx template, in zip order, each XML part checked
    (:mod:`contractgen.base.untrusted`: size limits, UTF-8, well-formed, no DTD).
    ``data``: the file's bytes, when the caller has read them already."""
    resave = "open the template in Word and save it again as .docx"
    not_zip = "not a Word .docx file (it is not a zip package); save it from Word as .docx"
    try:
        parts = read_zip(io.BytesIO(data) if data is not None else path, shown, TemplateError, resave, not_zip)
    except FileNotFoundError as exc:
        raise TemplateError(
            f"{shown}: template not found", [Problem(Location(shown), "", "template not found; check the path in the profile's `templates` key")]
        ) from exc
    if "word/document.xml" not in parts:
        message = "not a Word document: it has no word/document.xml; save it from Word as .docx"
        raise TemplateError(message, [Problem(Location(shown), "", message)])
    check_package_xml(parts, shown, TemplateError, resave)
    refuse_macros(parts, shown)
    return parts


#: Parts and content types that carry VBA macros (a .docm or .dotm saved as .docx).
_MACRO_PART = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml)$", re.IGNORECASE)
_MACRO_TYPE = re.compile(rb"macroEnabled|vbaProject|ms-office\.vba", re.IGNORECASE)


def refuse_macros(parts: dict[str, bytes], shown: str) -> None:
    """Refuse a template that holds macros: contractgen copies a template's parts into
    every document it writes, and a document it writes never carries a macro."""
    found = [n for n in parts if _MACRO_PART.search(n)]
    if not found and _MACRO_TYPE.search(parts.get("[Content_Types].xml", b"")):
        found = ["[Content_Types].xml"]
    if found:
        message = (
            f"the template holds macros ({found[0]}), and contractgen never copies a macro into the "
            "documents it writes; in Word, save it as 'Word Document (.docx)', not as a macro-enabled "
            "document (.docm or .dotm)"
        )
        raise TemplateError(message, [Problem(Location(shown), "", message)])


_DOS_DATE = ((ZIP_DATE[0] - 1980) << 9) | (ZIP_DATE[1] << 5) | ZIP_DATE[2]
_DOS_TIME = (ZIP_DATE[3] << 11) | (ZIP_DATE[4] << 5) | (ZIP_DATE[5] // 2)


@lru_cache(maxsize=256)
def _deflate(data: bytes, level: int) -> tuple[int, bytes]:
    """CRC and raw deflate stream of a part. Cached: in a batch most parts (styles,
    theme, settings, fonts) are the same bytes in every document."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return zlib.crc32(data), compressor.compress(data) + compressor.flush()


def _deflate_one(data: bytes) -> tuple[int, bytes]:
    """CRC and raw deflate stream of a part made for one document (a letter's body and
    properties): level 3 with a 16 KB window and a smaller hash table (memory level 6),
    which zlib sets up and clears in a third of the time of its default; about 6% larger
    than level 6 for a letter's parts. Not cached: no other document has the same bytes."""
    compressor = zlib.compressobj(3, zlib.DEFLATED, -14, 6)
    return zlib.crc32(data), compressor.compress(data) + compressor.flush()


def _deflate_stream(chunks: Iterable[bytes], level: int) -> tuple[int, bytearray, int]:
    """CRC, raw deflate stream and size of a part given as chunks (a large sheet's rows):
    the same stream :func:`_deflate` makes of the joined bytes, without ever joining them."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    crc, size, packed = 0, 0, bytearray()
    for chunk in chunks:
        crc, size = zlib.crc32(chunk, crc), size + len(chunk)
        packed += compressor.compress(chunk)
    packed += compressor.flush()
    return crc, packed, size


def _order(parts: Mapping[str, Any]) -> list[str]:
    """``[Content_Types].xml`` first, as Word writes it, then ``_rels/.rels``, then the
    others by name."""
    return sorted(parts, key=lambda n: (n != "[Content_Types].xml", n != "_rels/.rels", n))


def _packed(name: str, data: bytes | Iterable[bytes], compresslevel: int, unique: Collection[str]) -> tuple[int, bytes | bytearray, int]:
    """A part's CRC, raw deflate stream and size."""
    if isinstance(data, (bytes, bytearray)):
        crc, packed = _deflate_one(data) if name in unique else _deflate(bytes(data), compresslevel)
        return crc, packed, len(data)
    return _deflate_stream(data, compresslevel)


def _entry(raw_name: bytes, crc: int, packed: int, size: int, offset: int) -> tuple[bytes, bytes]:
    """A part's local header (before its stream) and its central directory entry."""
    flags = 0 if raw_name.isascii() else 0x800
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, _DOS_TIME, _DOS_DATE,
                        crc, packed, size, len(raw_name), 0) + raw_name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8, _DOS_TIME,
                          _DOS_DATE, crc, packed, size, len(raw_name), 0, 0, 0, 0,
                          0o644 << 16, offset) + raw_name
    return local, central


def _end(count: int, central: bytes | bytearray, offset: int) -> bytes:
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), offset, 0)


def package_bytes(parts: Mapping[str, bytes | Iterable[bytes]], compresslevel: int = 6, unique: Collection[str] = ()) -> bytes:
    """Zip the parts reproducibly: ``[Content_Types].xml`` first, as Word writes it, then
    the others by name; fixed timestamps and permissions; no extra fields. The parts named
    in ``unique`` are made for this document alone (of a batch): compressed faster, not cached.
    A part may be given as chunks of bytes, compressed as they come (never held whole)."""
    names = _order(parts)
    out = bytearray()
    central = bytearray()
    for name in names:
        crc, packed, size = _packed(name, parts[name], compresslevel, unique)
        local, entry = _entry(name.encode("utf-8"), crc, len(packed), size, len(out))
        out += local
        out += packed
        central += entry
    cd_offset = len(out)
    out += central
    out += _end(len(names), central, cd_offset)
    return bytes(out)


def package_chunks(parts: Mapping[str, bytes | Iterable[bytes]], compresslevel: int = 6) -> Iterator[bytes | bytearray]:
    """:func:`package_bytes`'s bytes, a part at a time, for a large package written to a
    file: only one part's compressed stream is held at a time, never the whole package."""
    names = _order(parts)
    central = bytearray()
    offset = 0
    for name in names:
        crc, packed, size = _packed(name, parts[name], compresslevel, ())
        local, entry = _entry(name.encode("utf-8"), crc, len(packed), size, offset)
        yield local
        yield packed  # a bytearray when streamed: written as it is, not copied
        central += entry
        offset += len(local) + len(packed)
    yield bytes(central) + _end(len(names), central, offset)


#: The properties by which contractgen knows a document as its own (every .docx and .xlsx
#: it writes records one of them in docProps/custom.xml).
_PROVENANCE = (b'name="contractgen.version"', b'name="contractgen.diff.old"')
#: How much of a file is read to find its provenance.
_PROVENANCE_BYTES = 1_000_000


def written_by_contractgen(path: Path) -> bool:
    """Whether ``path`` carries contractgen's provenance: a .docx or .xlsx whose custom
    properties name the contractgen version; an .html whose generator is contractgen; a
    .csv of contractgen's (its header starts ``ods_code,``); a checks.txt of contractgen's
    (its first line); a .pdf beside such a .docx.
    Anything else, or anything unreadable, is someone else's file."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(path) as archive:
                info = archive.getinfo("docProps/custom.xml")
                if info.file_size > _PROVENANCE_BYTES:
                    return False
                custom = archive.read(info)
            return any(mark in custom for mark in _PROVENANCE)
        if suffix == ".pdf":
            return path.with_suffix(".docx").is_file() and written_by_contractgen(path.with_suffix(".docx"))
        with path.open("rb") as fh:
            head = fh.read(4096)
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, NotImplementedError, EOFError):
        return False
    if suffix == ".html":
        return b'<meta name="generator" content="contractgen ' in head
    if suffix == ".csv":
        return head.removeprefix(b"\xef\xbb\xbf").startswith(b"ods_code,")
    if suffix == ".txt":  # letters' checks.txt (contractgen.dspt.evidence.CHECKS_HEADER)
        return head.startswith(b"contractgen: checks of the DSPT export")
    return False


def refuse_overwriting(output: Path | None, files: Iterable[Path], *, own: bool = False) -> None:
    """Refuse a command, before it writes anything, when any of the files it would write
    exists; its ``--force`` skips this check. ``output`` is the folder ``-o`` named, or
    None for a command that writes the one file ``-o`` names. With ``own``, the files
    contractgen wrote itself (:func:`written_by_contractgen`) may be replaced: only
    someone else's file is refused."""
    existing = [f for f in files if f.exists() and not (own and written_by_contractgen(f))]
    if not existing:
        return
    theirs = " and contractgen did not write it" if own else ""
    if output is None:
        raise OutputError(f"{display_path(existing[0])} already exists{theirs}; use --force to overwrite it, or choose another file with -o")
    n = len(existing)
    theirs = " that contractgen did not write" if own else ""
    raise OutputError(
        f"{plural(n, 'file')}{theirs} already exist{'s' if n == 1 else ''} in {display_path(output)} "
        f"(first: {existing[0].name}); use --force to overwrite {'it' if n == 1 else 'them'}, "
        "or choose another folder with -o"
    )


# ----------------------------------------------------------------- lean packages

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STYLES_WITH_EFFECTS = "word/stylesWithEffects.xml"
_STYLE_NAMES = re.compile(rb'<w:(?:pStyle|rStyle|tblStyle|numStyleLink|styleLink) w:val="([^"]+)"')
_STYLE_LINKS = ("basedOn", "next", "link")


def lean_parts(parts: dict[str, bytes]) -> dict[str, bytes]:
    """``parts`` without ``word/stylesWithEffects.xml``: Word 2010's copy of the styles
    with their text effects, which later Word and LibreOffice ignore (they read
    ``styles.xml``) and which is a third of a letter's bytes. Its relationship and
    content type go with it."""
    if STYLES_WITH_EFFECTS not in parts:
        return dict(parts)
    lean = {name: data for name, data in parts.items() if name != STYLES_WITH_EFFECTS}
    rels = "word/_rels/document.xml.rels"
    if rels in lean:
        lean[rels] = re.sub(rb'<Relationship [^>]*Target="/?(?:word/)?stylesWithEffects\.xml"[^>]*/>', b"", lean[rels])
    lean["[Content_Types].xml"] = re.sub(
        rb'<Override PartName="/word/stylesWithEffects\.xml"[^>]*/>', b"", lean["[Content_Types].xml"]
    )
    return lean


def used_styles(styles_xml: bytes, parts: Sequence[bytes], written: Iterable[str]) -> bytes:
    """``styles.xml`` with only the styles a document can use: the default ones, those
    ``parts`` name (paragraph, run, table and numbering styles), the ``written`` ids, and
    the styles each of these is based on, links to or is followed by. The document
    defaults and the latent styles stay; the document looks the same in Word."""
    root = etree.fromstring(styles_xml)
    by_id = {s.get(f"{{{W_NS}}}styleId"): s for s in root.iter(f"{{{W_NS}}}style")}
    wanted = {sid for sid, s in by_id.items() if s.get(f"{{{W_NS}}}default") in ("1", "true", "on")}
    wanted |= {m.decode("utf-8") for data in parts for m in _STYLE_NAMES.findall(data)}
    wanted |= set(written)
    todo = list(wanted)
    while todo:
        style = by_id.get(todo.pop())
        if style is None:
            continue
        for link in _STYLE_LINKS:
            el = style.find(f"{{{W_NS}}}{link}")
            target = el.get(f"{{{W_NS}}}val") if el is not None else None
            if target and target not in wanted:
                wanted.add(target)
                todo.append(target)
        for el in style.iter(f"{{{W_NS}}}pStyle", f"{{{W_NS}}}rStyle", f"{{{W_NS}}}tblStyle"):
            target = el.get(f"{{{W_NS}}}val")
            if target and target not in wanted:
                wanted.add(target)
                todo.append(target)
    for sid, style in by_id.items():
        parent = style.getparent()
        if sid not in wanted and parent is not None:
            parent.remove(style)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ----------------------------------------------------------------- relationships


def add_relationships(rels_xml: bytes | None, rels: list[tuple[str, str, str, bool]]) -> bytes:
    """Add ``(id, type, target, external)`` relationships to a rels part."""
    text = (rels_xml or f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{REL_NS}"></Relationships>'.encode()).decode("utf-8")
    if text.rstrip().endswith("/>") and "</Relationships>" not in text:
        text = text.rstrip()[:-2] + "></Relationships>"
    extra = "".join(
        f'<Relationship Id="{rid}" Type="{rtype}" Target="{xml_attr(target)}"'
        + (' TargetMode="External"' if external else "")
        + "/>"
        for rid, rtype, target, external in rels
    )
    close = text.rindex("</Relationships>")
    return (text[:close] + extra + text[close:]).encode("utf-8")


def has_relationship_type(rels_xml: bytes | None, rtype: str) -> bool:
    return rels_xml is not None and f'Type="{rtype}"'.encode() in rels_xml


def add_override(content_types: bytes, part: str, content_type: str) -> bytes:
    text = content_types.decode("utf-8")
    if f'PartName="/{part}"' in text:
        return content_types
    close = text.rindex("</Types>")
    entry = f'<Override PartName="/{part}" ContentType="{content_type}"/>'
    return (text[:close] + entry + text[close:]).encode("utf-8")


# ----------------------------------------------------------------- properties


@dataclass(frozen=True)
class DocumentProperties:
    """What the document says about itself: core properties and provenance."""

    title: str
    subject: str
    creator: str
    date: dt.date
    keywords: str = ""
    description: str = ""
    custom: dict[str, str] = field(default_factory=dict)

    def core_xml(self) -> bytes:
        stamp = f"{self.date.isoformat()}T00:00:00Z"
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{xml_text(self.title)}</dc:title>"
            f"<dc:subject>{xml_text(self.subject)}</dc:subject>"
            f"<dc:creator>{xml_text(self.creator)}</dc:creator>"
            f"<cp:keywords>{xml_text(self.keywords)}</cp:keywords>"
            f"<dc:description>{xml_text(self.description)}</dc:description>"
            f"<cp:lastModifiedBy>{xml_text(self.creator)}</cp:lastModifiedBy>"
            "<cp:revision>1</cp:revision>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>"
        ).encode("utf-8")

    def custom_xml(self) -> bytes:
        props = "".join(
            f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" name="{xml_attr(name)}">'
            f"<vt:lpwstr>{xml_text(value)}</vt:lpwstr></property>"
            for pid, (name, value) in enumerate(self.custom.items(), start=2)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
            f'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{props}</Properties>'
        ).encode("utf-8")


def apply_properties(parts: dict[str, bytes], props: DocumentProperties) -> None:
    """Write core and custom properties into ``parts`` (in place)."""
    parts["docProps/core.xml"] = props.core_xml()
    parts["docProps/custom.xml"] = props.custom_xml()
    ct = parts["[Content_Types].xml"]
    ct = add_override(ct, "docProps/core.xml", CORE_CT)
    parts["[Content_Types].xml"] = add_override(ct, "docProps/custom.xml", CUSTOM_CT)
    rels = parts.get("_rels/.rels")
    new: list[tuple[str, str, str, bool]] = []
    if not has_relationship_type(rels, CORE_REL):
        new.append(("rIdCGcore", CORE_REL, "docProps/core.xml", False))
    if not has_relationship_type(rels, CUSTOM_REL):
        new.append(("rIdCGcustom", CUSTOM_REL, "docProps/custom.xml", False))
    if new:
        parts["_rels/.rels"] = add_relationships(rels, new)


APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>contractgen</Application><DocSecurity>0</DocSecurity></Properties>"
).encode("utf-8")


def strip_python_docx_leftovers(parts: dict[str, bytes]) -> None:
    """Remove what python-docx's stock template carries that is not ours to ship: its
    thumbnail (a picture of another document), a bibliography custom XML part and an
    ``app.xml`` that claims to be Word for Mac."""

    dropped = [name for name in parts if name == "docProps/thumbnail.jpeg" or name.startswith("customXml/")]
    for name in dropped:
        del parts[name]
    for rels_name in ("_rels/.rels", "word/_rels/document.xml.rels"):
        if rels_name not in parts:
            continue
        root = etree.fromstring(parts[rels_name])
        for rel in list(root):
            target = rel.get("Target", "").lstrip("/").replace("../", "")
            if target in dropped:
                root.remove(rel)
        parts[rels_name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    types = parts["[Content_Types].xml"].decode("utf-8")
    for name in dropped:
        types = re.sub(rf'<Override PartName="/{re.escape(name)}"[^>]*/>', "", types)
    parts["[Content_Types].xml"] = types.encode("utf-8")
    if "docProps/app.xml" in parts:
        parts["docProps/app.xml"] = APP_XML


# ----------------------------------------------------------------- comments

COMMENTS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
COMMENTS_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"


def add_comments(parts: dict[str, bytes], comments: list[str], author: str, date: dt.date) -> None:
    """Write ``word/comments.xml`` (comment ``i`` has id ``i``, as
    :class:`~contractgen.word.ooxml.BodyWriter` numbers them) into ``parts`` (in place)."""
    if not comments:
        return
    stamp = f"{date.isoformat()}T00:00:00Z"
    body = "".join(
        f'<w:comment w:id="{i}" w:author="{xml_attr(author)}" w:date="{stamp}" w:initials="CG">'
        f'<w:p><w:r><w:t xml:space="preserve">{xml_text(text)}</w:t></w:r></w:p></w:comment>'
        for i, text in enumerate(comments)
    )
    parts["word/comments.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">{body}</w:comments>'
    ).encode("utf-8")
    parts["[Content_Types].xml"] = add_override(parts["[Content_Types].xml"], "word/comments.xml", COMMENTS_CT)
    rels = "word/_rels/document.xml.rels"
    if not has_relationship_type(parts.get(rels), COMMENTS_REL):
        parts[rels] = add_relationships(parts.get(rels), [("rIdCGcomments", COMMENTS_REL, "comments.xml", False)])
