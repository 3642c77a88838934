"""Filling audit forms the way Word does, without Word: set content controls by tag.

Import as ``from helpers_audit import ...`` (``tests/`` is on ``sys.path``).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from lxml import etree

from contractgen.audit.form import control_tag
from contractgen.library.auditquestions import QuestionSet
from contractgen.base.environment import format_date
from contractgen.word.package import package_bytes

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
        if q.date_within_months and out[control_tag(qs.id, qs.version, q.id, "answer")] in ("Yes", "Partly"):
            # issue 19: a Yes about the last twelve months gives a date within them
            out[control_tag(qs.id, qs.version, q.id, "date")] = dt.date(2026, 11, 2)
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


# ------------------------------------------------------------------ LibreOffice

#: A Basic macro that fills content controls found by the bookmark before or inside them
#: (LibreOffice 7.4 drops w:tag) and saves as .docx. ``sSpec`` is ``name=value|...``.
FILL_MACRO = """
Function Lookup(sSpec As String, sName As String) As String
  Dim aPairs() As String
  aPairs = Split(sSpec, "|")
  Lookup = Chr(1)
  For i = LBound(aPairs) To UBound(aPairs)
    iEq = InStr(aPairs(i), "=")
    If iEq &gt; 0 Then
      If Left(aPairs(i), iEq - 1) = sName Then Lookup = Mid(aPairs(i), iEq + 1)
    End If
  Next i
End Function

Sub Fill(sIn As String, sOut As String, sSpec As String)
  Dim aLoad(0) As New com.sun.star.beans.PropertyValue
  aLoad(0).Name = "Hidden"
  aLoad(0).Value = True
  oDoc = StarDesktop.loadComponentFromURL(ConvertToURL(sIn), "_blank", 0, aLoad())
  oParEnum = oDoc.getText().createEnumeration()
  Do While oParEnum.hasMoreElements()
    oPar = oParEnum.nextElement()
    If oPar.supportsService("com.sun.star.text.Paragraph") Then
      sLast = ""
      oPortions = oPar.createEnumeration()
      Do While oPortions.hasMoreElements()
        oPortion = oPortions.nextElement()
        sType = oPortion.TextPortionType
        If sType = "Bookmark" Then
          If oPortion.IsStart Then sLast = oPortion.Bookmark.Name
        ElseIf sType = "ContentControl" Then
          sValue = Lookup(sSpec, sLast)
          If sValue &lt;&gt; Chr(1) Then
            oCC = oPortion.ContentControl
            oInner = oCC.createEnumeration()
            Do While oInner.hasMoreElements()
              oIn = oInner.nextElement()
              If oIn.TextPortionType = "Text" Then oIn.setString("")
            Loop
            If oCC.Date Then
              oCC.CurrentDate = Left(sValue, 10) &amp; "T00:00:00Z"
              sValue = Mid(sValue, 12)
            End If
            oCC.ShowingPlaceHolder = False
            oCC.String = sValue
          End If
          sLast = ""
        ElseIf sType = "TextField" Then
          sValue = Lookup(sSpec, sLast)
          If sValue &lt;&gt; Chr(1) Then oPortion.TextField.Content = sValue
          sLast = ""
        End If
      Loop
    End If
  Loop
  Dim aSave(0) As New com.sun.star.beans.PropertyValue
  aSave(0).Name = "FilterName"
  aSave(0).Value = "MS Word 2007 XML"
  oDoc.storeToURL(ConvertToURL(sOut), aSave())
  oDoc.close(True)
End Sub
"""


def libreoffice_fill(lo, docx: Path, out: Path, values: dict[str, str | dt.date]) -> Path:
    """Fill ``docx`` in LibreOffice (``lo``: helpers_git.LibreOffice) through its UI
    objects, by tag -> value (a date as the date), and save it as .docx at ``out``."""
    from contractgen.audit.form import control_bookmark
    from helpers_git import _MACRO

    if not getattr(lo, "_fill_macro", False):
        if not (lo.profile / "user" / "basic" / "Standard").is_dir():
            lo._run("--terminate_after_init")
        module = lo.profile / "user" / "basic" / "Standard" / "Module1.xba"
        module.write_text(_MACRO.replace("</script:module>", FILL_MACRO + "</script:module>"), encoding="utf-8")
        lo._macro = lo._fill_macro = True
    spec = "|".join(
        f"{control_bookmark(tag)}={value.isoformat() + ' ' + format_date(value) if isinstance(value, dt.date) else value}"
        for tag, value in values.items()
    )
    assert '"' not in spec
    out.unlink(missing_ok=True)
    result = lo._run(f'macro:///Standard.Module1.Fill("{docx}","{out}","{spec}")')
    assert out.is_file(), f"LibreOffice did not save {out.name}: {result.stdout}{result.stderr}"
    return out
