"""Filling audit forms the way Word does, without Word: set content controls by tag.

Import as ``from helpers_audit import ...`` (``tests/`` is on ``sys.path``).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from lxml import etree

from contractgen.auditform import control_tag
from contractgen.audits import QuestionSet
from contractgen.environment import format_date
from contractgen.package import package_bytes

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def read_parts(docx: bytes | Path) -> dict[str, bytes]:
    data = docx if isinstance(docx, bytes) else Path(docx).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def set_control(sdt: etree._Element, value: str | dt.date) -> None:
    """Set a control as Word does: no placeholder, one run of text; a date also in
    ``w:fullDate``."""
    ppr = sdt.find("w:sdtPr", NS)
    for plc in ppr.findall("w:showingPlcHdr", NS):
        ppr.remove(plc)
    if isinstance(value, dt.date):
        ppr.find("w:date", NS).set(_w("fullDate"), f"{value.isoformat()}T00:00:00Z")
        text = format_date(value)
    else:
        text = value
    content = sdt.find("w:sdtContent", NS)
    for child in list(content):
        if child.tag == _w("r"):
            content.remove(child)
    run = etree.SubElement(content, _w("r"))
    t = etree.SubElement(run, _w("t"))
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    t.text = text


def fill_form(docx: bytes | Path, values: dict[str, str | dt.date]) -> bytes:
    """A copy of the form with the controls whose tag is a key of ``values`` set."""
    parts = read_parts(docx)
    root = etree.fromstring(parts["word/document.xml"])
    seen = set()
    for sdt in root.iter(_w("sdt")):
        tag = sdt.find("w:sdtPr/w:tag", NS)
        if tag is not None and tag.get(_w("val")) in values:
            set_control(sdt, values[tag.get(_w("val"))])
            seen.add(tag.get(_w("val")))
    missing = set(values) - seen
    assert not missing, f"no control tagged {sorted(missing)[0]}"
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return package_bytes(parts)


def answers(qs: QuestionSet, default: str = "Yes", **by_id: str) -> dict[str, str | dt.date]:
    """Tag -> value for every answer of ``qs`` (``default`` unless named by question id
    with ``_`` for ``.`` and ``-``), and the provider's details when blank."""
    out: dict[str, str | dt.date] = {}
    for q in qs.questions:
        key = q.id.replace(".", "_").replace("-", "_")
        out[control_tag(qs.id, qs.version, q.id, "answer")] = by_id.get(key, default)
    return out


def provider_details(qs: QuestionSet, name: str = "Sunrise Home Support", code: str = "AS9R") -> dict[str, str | dt.date]:
    return {
        control_tag(qs.id, qs.version, "provider.name", "text"): name,
        control_tag(qs.id, qs.version, "provider.ods_code", "text"): code,
        control_tag(qs.id, qs.version, "form.completed-by", "text"): "Ann Example, registered manager",
        control_tag(qs.id, qs.version, "form.completed-on", "date"): dt.date(2026, 12, 10),
    }


def edit_document(docx: bytes, old: str, new: str) -> bytes:
    """Replace text in word/document.xml (once; fails loudly when absent)."""
    parts = read_parts(docx)
    xml = parts["word/document.xml"].decode("utf-8")
    assert xml.count(old) >= 1, f"{old!r} not in the document"
    parts["word/document.xml"] = xml.replace(old, new, 1).encode("utf-8")
    return package_bytes(parts)


def edit_part(docx: bytes, part: str, old: str, new: str) -> bytes:
    parts = read_parts(docx)
    text = parts[part].decode("utf-8")
    assert old in text, f"{old!r} not in {part}"
    parts[part] = text.replace(old, new).encode("utf-8")
    return package_bytes(parts)
