"""Reading a returned business continuity plan audit form: its package, opened with the
limits of :mod:`contractgen.base.untrusted`, its properties and its content controls (by tag,
or by the bookmark beside a control whose tag LibreOffice dropped; never by position).
Scoring what is read is :mod:`contractgen.audit.score`'s work."""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..base.errors import InputError, Location, Problem, display_path
from ..base.untrusted import XML_PARSER, check_zip
from .form import PLACEHOLDERS

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"

#: The parts of a returned form that are read.
_PARTS = ("word/document.xml", "docProps/custom.xml")
RESEND = "ask the provider to send the form again"


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


class FormError(InputError):
    """A returned form cannot be scored; its problems name the file and the question."""


# ------------------------------------------------------------------ reading a returned file


def read_returned_parts(path: Path) -> dict[str, bytes]:
    """The parts of a returned .docx this module reads, within the limits of
    :mod:`contractgen.base.untrusted`."""
    shown = display_path(path)

    def fail(message: str) -> FormError:
        return FormError(message, [Problem(Location(shown), "", message)])

    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise fail("file not found; check the path") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise fail("not a Word .docx file (it is not a zip package); ask the provider to save the form in Word as .docx") from exc
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror or exc}") from exc
    with zf:
        check_zip(zf, shown, FormError, RESEND)  # the limits every package is opened with
        names = {i.filename for i in zf.infolist()}
        parts: dict[str, bytes] = {}
        for name in _PARTS:
            if name not in names:
                continue
            try:
                parts[name] = zf.read(name)
            except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, OSError) as exc:
                raise fail(f"the file is damaged ({name} cannot be unpacked: {exc}); ask the provider to save it again in Word") from exc
    if "word/document.xml" not in parts:
        raise fail("not a Word document (it has no word/document.xml); ask the provider to save the form in Word as .docx")
    return parts


def parse_part(data: bytes, part: str, shown: str) -> etree._Element:
    """A returned part as XML: no DTD, no entities, nothing fetched."""
    def fail(message: str) -> FormError:
        return FormError(message, [Problem(Location(shown), "", message)])

    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise fail(f"refused: {part} declares a document type or XML entities, which Word never writes "
                   "(it could make a reader fetch or expand content); ask the provider to send the form again")
    try:
        return etree.fromstring(data, XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise fail(f"the file is damaged ({part} is not well-formed XML: {exc}); ask the provider to save it again in Word") from exc


def custom_properties(parts: dict[str, bytes], shown: str) -> dict[str, str]:
    if "docProps/custom.xml" not in parts:
        return {}
    root = parse_part(parts["docProps/custom.xml"], "docProps/custom.xml", shown)
    out = {}
    for prop in root.iter(f"{{{_CUSTOM}}}property"):
        value = prop.find(f"{{{_VT}}}lpwstr")
        out[prop.get("name", "")] = value.text or "" if value is not None else ""
    return out


@dataclass(frozen=True)
class ControlValue:
    """What one content control holds: its text (empty when it shows its placeholder)
    and, for a date picker, the date Word or LibreOffice stored."""

    text: str
    full_date: str | None


def _control_text(sdt: etree._Element) -> str:
    content = sdt.find(_w("sdtContent"))
    if content is None:
        return ""
    paragraphs: list[str] = []
    current: list[str] = []
    for el in content.iter(_w("t"), _w("br"), _w("tab"), _w("p")):
        if el.tag == _w("p") and current:
            paragraphs.append("".join(current))
            current = []
        elif el.tag == _w("t"):
            current.append(el.text or "")
        elif el.tag == _w("br"):
            current.append("\n")
        elif el.tag == _w("tab"):
            current.append("\t")
    paragraphs.append("".join(current))
    return "\n".join(p for p in paragraphs if p)


def _bookmark_of(sdt: etree._Element) -> list[str]:
    """Bookmarks that name a control: inside its content (where LibreOffice puts them) or
    just before it (where contractgen does)."""
    names = [b.get(_w("name"), "") for b in sdt.iter(_w("bookmarkStart"))]
    prev = sdt.getprevious()
    while prev is not None and prev.tag == _w("bookmarkStart"):
        names.append(prev.get(_w("name"), ""))
        prev = prev.getprevious()
    return names


def read_controls(document: etree._Element, by_bookmark: dict[str, str]) -> dict[str, list[ControlValue]]:
    """Every contractgen control of a document by tag (a tag found through its bookmark
    when the control lost it)."""
    found: dict[str, list[ControlValue]] = {}
    for sdt in document.iter(_w("sdt")):
        ppr = sdt.find(_w("sdtPr"))
        if ppr is None:
            continue
        tag_el = ppr.find(_w("tag"))
        tag = tag_el.get(_w("val"), "") if tag_el is not None else ""
        if not tag.startswith("cg:"):
            tag = next((by_bookmark[n] for n in _bookmark_of(sdt) if n in by_bookmark), "")
        if not tag:
            continue
        date_el = ppr.find(_w("date"))
        full_date = date_el.get(_w("fullDate")) if date_el is not None else None
        text = "" if ppr.find(_w("showingPlcHdr")) is not None else _control_text(sdt).strip()
        if text in PLACEHOLDERS.values():
            text = ""  # LibreOffice 7.4 drops w:showingPlcHdr from plain-text controls
        found.setdefault(tag, []).append(ControlValue(text, full_date if text else None))
    return found
