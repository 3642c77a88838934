"""Git repositories of the example workspace with two releases, and tracked changes read
back without Word: accept or reject every ``w:ins``/``w:del`` of a document body.

Import as ``from helpers_git import ...`` (``tests/`` is on ``sys.path``).

The release history that the diff, redline and variation tests share
(:func:`build_release_history`): the example workspace committed (release 2026.1, found
in the history of library.yaml: no tags), then these commits, then release 2026.2:

* ``dspt.tier`` 1.0.1: a word changed in the *core* variant only;
* ``dspt.annual-renewal`` 1.2.0: the description of parameter ``evidence_working_days``;
* ``dspt.remedial-plan`` 1.2.0: parameter ``remedial_plan_working_days`` default 20 -> 15;
* ``dspt.moving-tier`` 1.0.0: a clause added in the tiers section before
  ``dspt.new-providers``, so that every cross-reference to that clause changes number;
* ``dspt.verification`` 2.0.0: withdrawn;
* ``dspt.nhs-standard-contract``: removed (its file deleted, and with it a whole section);
* ``dspt.staff-training`` 1.1.0: a paragraph removed and words made bold;
* ``dspt.support`` 1.1.0: a paragraph inserted;
* ``library.yaml``: release 2026.2 of 2026-10-01.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from lxml import etree

from contractgen.base.officeprofile import prepare_profile

ROOT = Path(__file__).resolve().parent.parent
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {"w": W, "r": R}
OLD_RELEASE, NEW_RELEASE = "2026.1", "2026.2"  # release names: found in the history, no tags
#: The release the repository's own library.yaml carries (relabelled 2026.1 in the history).
SHIPPED_RELEASE, SHIPPED_RELEASE_DATE = "2026.6", "2026-12-06"
#: library.yaml's release lines, whichever release it has reached (the fingerprint line is optional).
RELEASE_LINES = re.compile(r'^release: "[^"\n]*"\nrelease_date: [0-9-]+\n(?:release_fingerprint: "[0-9a-f]*"\n)?', re.M)
#: How many clauses the shipped library has (counts in messages follow it as it grows).
SHIPPED_CLAUSES = len(list((ROOT / "clause_library" / "clauses").glob("*.yaml")))
AUTHOR = "Lead Drafter"


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


# ----------------------------------------------------------------- git


def git_identity(mp: pytest.MonkeyPatch, home: Path) -> None:
    """No user or system git configuration; a fixed identity and commit dates."""
    home.mkdir(parents=True, exist_ok=True)
    mp.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        mp.setenv(f"GIT_{who}_NAME", AUTHOR)
        mp.setenv(f"GIT_{who}_EMAIL", "lead@example.org")
        mp.setenv(f"GIT_{who}_DATE", "2026-01-01T12:00:00Z")


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    assert result.returncode == 0, f"git {' '.join(args)} failed: {result.stderr}"
    return result.stdout.strip()


def init_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def copy_example_workspace(target: Path) -> Path:
    """The shipped example workspace, as conftest's ``workspace_dir`` copies it, with its
    library labelled release 2026.1 of 1 April 2026: the first release of the histories
    these tests build, whatever release the repository's library has reached."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "contractgen.yaml", target / "contractgen.yaml")
    for name in ("clause_library", "templates", "profiles", "examples"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("~$*"))
    relabel_first_release(target / "clause_library" / "library.yaml")
    return target


def relabel_first_release(path: Path) -> None:
    """Make ``library.yaml`` say release 2026.1 of 1 April 2026, whatever release it names,
    without a recorded fingerprint (the shipped one is of the shipped release's content)."""
    text = path.read_text(encoding="utf-8")
    assert len(RELEASE_LINES.findall(text)) == 1, f"no single release:/release_date: pair in {path}"
    path.write_text(RELEASE_LINES.sub('release: "2026.1"\nrelease_date: 2026-04-01\n', text), encoding="utf-8")


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` (fails loudly when the example changed)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def bump(path: Path, old_version: str, new_version: str, summary: str, date: str = "2026-10-01") -> None:
    """Set a clause's version and add its changelog entry (the file ends with the changelog)."""
    edit(path, f"\nversion: {old_version}\n", f"\nversion: {new_version}\n")
    text = path.read_text(encoding="utf-8")
    assert text.rstrip().splitlines()[-1].startswith("    summary:") or "changelog:" in text
    path.write_text(
        text.rstrip("\n") + f"\n  - version: {new_version}\n    date: {date}\n    summary: {json.dumps(summary)}\n",
        encoding="utf-8",
    )


MOVING_TIER = """\
id: dspt.moving-tier
title: Moving between Tiers
version: 1.0.0
status: approved
section: tiers
applies_to: [schedule]
parameters: []
text: |
  Where the Council moves the Provider to another Tier, the Provider shall meet the requirements of the new Tier from the date stated in the variation, and paragraph {{ ref("dspt.new-providers") }} does not apply again.
changelog:
  - version: 1.0.0
    date: 2026-10-01
    summary: First release.
"""

#: A profile that pins the first release: the working library (2026.2) no longer satisfies it.
PINNED_PROFILE = """\
# Example Borough, pinned to the first release of the library.
extends: example-borough
library:
  release: "2026.1"
"""

#: Words that the history changes, for readable assertions.
TIER_OLD_WORDS = "having regard to the Provider's size, whether it is registered with the Care Quality Commission, the nature of the Services and the Provider's experience of the DSPT."
TIER_NEW_WORDS = "taking into account the Provider's size, whether it is registered with the Care Quality Commission, the nature of the Services and the Provider's experience of the DSPT."
REMOVED_PARAGRAPH = "The Data Security Lead, and any other member of staff with specialist responsibilities for data security, shall receive further training appropriate to those responsibilities."
INSERTED_PARAGRAPH = "The Council shall review the support available to the Provider with the Local Support Organisation at least once in each year of the Contract."
BOLD_WORDS = "at least once every twelve months"


@dataclass(frozen=True)
class History:
    """The repository of :func:`build_release_history`."""

    root: Path  # the workspace, which is also the repository root
    old_commit: str
    new_commit: str


def build_release_history(root: Path) -> History:
    """The example workspace with releases 2026.1 and 2026.2 (see the module docstring).
    Needs a git identity in the environment (:func:`git_identity`)."""
    copy_example_workspace(root)
    (root / "profiles" / "pinned-2026-1.yaml").write_text(PINNED_PROFILE, encoding="utf-8")
    init_repo(root)
    old = commit_all(root, "Release 2026.1")
    clauses = root / "clause_library" / "clauses"

    tier = clauses / "dspt.tier.yaml"
    edit(tier, "Provider's Tier having regard to the Provider's size, whether it is registered with the Care Quality Commission, the nature of the Services and the Provider's experience of the DSPT.\n\n    The Council shall review",
         "Provider's Tier taking into account the Provider's size, whether it is registered with the Care Quality Commission, the nature of the Services and the Provider's experience of the DSPT.\n\n    The Council shall review")
    bump(tier, "1.0.0", "1.0.1", "Core tier: plainer words.")
    commit_all(root, "dspt.tier: plainer words in the core tier")

    renewal = clauses / "dspt.annual-renewal.yaml"
    edit(renewal, "      Working Days after a publication,", "      Working Days after each publication,")
    bump(renewal, "1.1.0", "1.2.0", "Clearer parameter description.")
    remedial = clauses / "dspt.remedial-plan.yaml"
    edit(remedial, "    default: 20\n", "    default: 15\n")
    bump(remedial, "1.1.1", "1.2.0", "Remedial Plans within 15 Working Days by default.")
    commit_all(root, "dspt.remedial-plan: 15 working days; dspt.annual-renewal: description")

    (clauses / "dspt.moving-tier.yaml").write_text(MOVING_TIER, encoding="utf-8")
    commit_all(root, "dspt.moving-tier: new clause")

    verification = clauses / "dspt.verification.yaml"
    edit(verification, "\nstatus: approved\n", "\nstatus: withdrawn\n")
    bump(verification, "1.0.0", "2.0.0", "Withdrawn.")
    (clauses / "dspt.nhs-standard-contract.yaml").unlink()
    commit_all(root, "withdraw dspt.verification, remove dspt.nhs-standard-contract")

    training = clauses / "dspt.staff-training.yaml"
    edit(training, f"\n  {REMOVED_PARAGRAPH}\n", "")
    edit(training, f"training {BOLD_WORDS}.", f"training **{BOLD_WORDS}**.")
    bump(training, "1.0.0", "1.1.0", "Refresher training in bold; the specialist training paragraph removed.")
    support = clauses / "dspt.support.yaml"
    edit(support, "or where the Council reasonably asks it to.\n",
         f"or where the Council reasonably asks it to.\n\n  {INSERTED_PARAGRAPH}\n")
    bump(support, "1.0.0", "1.1.0", "Yearly review of support.")
    commit_all(root, "dspt.staff-training and dspt.support")

    library = root / "clause_library" / "library.yaml"
    edit(library, 'release: "2026.1"\nrelease_date: 2026-04-01', 'release: "2026.2"\nrelease_date: 2026-10-01')
    new = commit_all(root, "Release 2026.2")
    return History(root=root, old_commit=old, new_commit=new)


@contextlib.contextmanager
def module_git_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """For module-scoped fixtures: a private git identity and a folder to work in."""
    base = tmp_path_factory.mktemp("gitrepo")
    with pytest.MonkeyPatch.context() as mp:
        git_identity(mp, base / "home")
        yield base


# ----------------------------------------------------------------- docx


def document_xml(docx: bytes | Path) -> etree._Element:
    data = docx if isinstance(docx, bytes) else Path(docx).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read("word/document.xml"))


def body_of(xml: str) -> etree._Element:
    """Body XML as written by :class:`~contractgen.word.ooxml.BodyWriter`, parsed."""
    return etree.fromstring(f'<w:body xmlns:w="{W}" xmlns:r="{R}">{xml}</w:body>')


def _unwrap(el: etree._Element) -> None:
    parent = el.getparent()
    index = parent.index(el)
    for child in reversed(list(el)):
        parent.insert(index, child)
    parent.remove(el)


def _mark(p: etree._Element, kind: str) -> etree._Element | None:
    return p.find(f"w:pPr/w:rPr/w:{kind}", NS)


def resolve_changes(root: etree._Element, action: str) -> etree._Element:
    """Accept (``"accept"``) or reject (``"reject"``) every tracked change, as Word does,
    on a copy of ``root``:

    * accept: ``w:del`` elements go, ``w:ins`` elements are unwrapped; a paragraph whose
      mark is deleted is joined to the next paragraph (its runs move there);
    * reject: the other way round, and deleted text (``w:delText``, ``w:delInstrText``)
      becomes text again.

    Only ``w:ins``/``w:del`` around runs and on paragraph marks are understood; any other
    revision element (``w:rPrChange``, ``w:pPrChange``, moves) fails the test.
    """
    assert action in ("accept", "reject")
    root = etree.fromstring(etree.tostring(root))
    for other in ("rPrChange", "pPrChange", "moveFrom", "moveTo", "sectPrChange", "tblPrChange"):
        assert not root.findall(f".//w:{other}", NS), f"unexpected revision element w:{other}"
    drop, keep = ("del", "ins") if action == "accept" else ("ins", "del")
    # paragraph marks first: they are found through pPr/rPr, not through runs
    for p in list(root.iter(_w("p"))):
        kept_mark = _mark(p, keep)
        if kept_mark is not None:
            rpr = kept_mark.getparent()
            rpr.remove(kept_mark)
            if len(rpr) == 0:
                rpr.getparent().remove(rpr)
    for p in list(root.iter(_w("p"))):
        dropped = _mark(p, drop)
        if dropped is None:
            continue
        following = p.getnext()
        assert following is not None and following.tag == _w("p"), (
            "a paragraph whose mark is deleted or inserted must be followed by a paragraph: "
            "Word cannot remove a document's (or a table cell's) last paragraph mark"
        )
        content = [c for c in p if c.tag != _w("pPr")]
        ppr = following.find("w:pPr", NS)
        position = following.index(ppr) + 1 if ppr is not None else 0
        for c in reversed(content):
            following.insert(position, c)
        p.getparent().remove(p)
    for el in list(root.iter(_w(drop))):
        el.getparent().remove(el)
    for el in list(root.iter(_w(keep))):
        _unwrap(el)
    if action == "reject":
        for el in root.iter(_w("delText")):
            el.tag = _w("t")
        for el in root.iter(_w("delInstrText")):
            el.tag = _w("instrText")
    assert not root.findall(".//w:ins", NS) and not root.findall(".//w:del", NS)
    return root


def paragraph_text(p: etree._Element) -> str:
    """What Word shows of a paragraph: text, field results (not instructions), ``\\n``
    for a line break."""
    out: list[str] = []
    for el in p.iter(_w("t"), _w("delText"), _w("br"), _w("tab")):
        if el.tag == _w("br"):
            out.append("\n")
        elif el.tag == _w("tab"):
            out.append("\t")
        else:
            out.append(el.text or "")
    return "".join(out)


def paragraphs(root: etree._Element) -> list[tuple[str, str]]:
    """(style id, text) of each paragraph of a body (tables included, in order)."""
    out = []
    for p in root.iter(_w("p")):
        style = p.find("w:pPr/w:pStyle", NS)
        out.append((style.get(_w("val")) if style is not None else "", paragraph_text(p)))
    return out


def check_revision_structure(root: etree._Element) -> dict[str, int]:
    """The well-formedness that Word needs from tracked changes; returns counts.

    Every ``w:ins``/``w:del`` has a unique id, an author and a date; no revision sits
    inside another; text inside ``w:del`` is ``w:delText`` (never ``w:t``) and text
    outside it is never ``w:delText``; field instructions follow the same rule.
    """
    counts = {"ins": 0, "del": 0, "ins_mark": 0, "del_mark": 0}
    ids: list[str] = []
    for kind in ("ins", "del"):
        for el in root.iter(_w(kind)):
            for attr in ("id", "author", "date"):
                assert el.get(_w(attr)), f"w:{kind} without w:{attr}"
            ids.append(el.get(_w("id")))
            is_mark = el.getparent().tag == _w("rPr")
            counts[f"{kind}_mark" if is_mark else kind] += 1
            if is_mark:
                assert el.getparent().getparent().tag == _w("pPr"), "run-level w:ins/w:del in a run's properties"
                continue
            assert el.getparent().tag in (_w("p"), _w("hyperlink")), f"w:{kind} inside {etree.QName(el.getparent()).localname}"
            for inner in ("ins", "del"):
                assert el.find(f".//w:{inner}", NS) is None, f"w:{inner} inside w:{kind}"
            if kind == "del":
                assert el.find(".//w:t", NS) is None, "w:t inside w:del"
                assert el.find(".//w:instrText", NS) is None, "w:instrText inside w:del"
            else:
                assert el.find(".//w:delText", NS) is None, "w:delText inside w:ins"
    assert len(ids) == len(set(ids)), "revision ids are not unique"
    for el in root.iter(_w("delText"), _w("delInstrText")):
        assert any(a.tag == _w("del") for a in el.iterancestors()), "deleted text outside w:del"
    return counts


# ----------------------------------------------------------------- readers


def pandoc_plain(docx: Path, track_changes: str = "accept") -> str:
    """The plain text that pandoc reads from a .docx (an independent reader), with
    ``--track-changes`` accept or reject.

    pandoc 2.17 turns each paragraph numbered through its style into a list item, and
    when a paragraph mark is removed by accepting or rejecting (a paragraph deleted or
    inserted whole) it still keeps an *empty* list item where the paragraph was, and puts
    a space before the next paragraph's text (Readers/Docx.hs joins the removed
    paragraph's empty content to it). Word and LibreOffice remove the paragraph. So the
    text is read as pandoc's document tree, empty list items and paragraphs and leading
    or trailing spaces are dropped, and the tree is written as plain text by pandoc again.
    Neither the schedules nor the diff documents have a legitimately empty paragraph.
    """
    tree = subprocess.run(
        ["pandoc", "-f", "docx", "-t", "json", f"--track-changes={track_changes}", str(docx)],
        capture_output=True, text=True, check=True,
    ).stdout
    data = json.loads(tree)
    data["blocks"] = _clean_blocks(data["blocks"])
    return subprocess.run(
        ["pandoc", "-f", "json", "-t", "plain", "--wrap=none"],
        input=json.dumps(data), capture_output=True, text=True, check=True,
    ).stdout


_BLANK_INLINES = {"Space", "SoftBreak", "LineBreak"}


def _clean_inlines(inlines: list) -> list:
    out = []
    for il in inlines:
        if il["t"] == "Span":
            attr, content = il["c"]
            content = _clean_inlines_keep(content)
            if not content and not attr[0]:
                continue
            il = {"t": "Span", "c": [attr, content]}
        out.append(il)
    while out and (out[0]["t"] in _BLANK_INLINES or (out[0]["t"] == "Span" and not out[0]["c"][1])):
        out.pop(0)
    while out and (out[-1]["t"] in _BLANK_INLINES or (out[-1]["t"] == "Span" and not out[-1]["c"][1])):
        out.pop()
    return out


def _clean_inlines_keep(inlines: list) -> list:
    return [il for il in inlines if not (il["t"] == "Span" and not il["c"][1] and not il["c"][0][0])]


def _clean_blocks(blocks: list) -> list:
    out = []
    for b in blocks:
        kind = b["t"]
        if kind in ("Para", "Plain"):
            inlines = _clean_inlines(b["c"])
            if not inlines:
                continue
            b = {"t": kind, "c": inlines}
        elif kind == "Header":
            level, attr, inlines = b["c"]
            b = {"t": kind, "c": [level, attr, _clean_inlines(inlines)]}
        elif kind == "OrderedList":
            attrs, items = b["c"]
            items = [cleaned for cleaned in (_clean_blocks(i) for i in items) if cleaned]
            if not items:
                continue
            b = {"t": kind, "c": [attrs, items]}
        elif kind == "BulletList":
            items = [cleaned for cleaned in (_clean_blocks(i) for i in b["c"]) if cleaned]
            if not items:
                continue
            b = {"t": kind, "c": items}
        elif kind == "Div":
            attr, inner = b["c"]
            inner = _clean_blocks(inner)
            if not inner:
                continue
            b = {"t": kind, "c": [attr, inner]}
        elif kind == "BlockQuote":
            inner = _clean_blocks(b["c"])
            if not inner:
                continue
            b = {"t": kind, "c": inner}
        out.append(b)
    return out


_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub Resolve(sIn As String, sOut As String, sAction As String)
  Dim aLoad(0) As New com.sun.star.beans.PropertyValue
  aLoad(0).Name = "Hidden"
  aLoad(0).Value = True
  oDoc = StarDesktop.loadComponentFromURL(ConvertToURL(sIn), "_blank", 0, aLoad())
  If sAction &lt;&gt; "" Then
    Dim aNone() As New com.sun.star.beans.PropertyValue
    oDispatch = createUnoService("com.sun.star.frame.DispatchHelper")
    oDispatch.executeDispatch(oDoc.getCurrentController().getFrame(), ".uno:" &amp; sAction &amp; "AllTrackedChanges", "", 0, aNone())
  End If
  Dim aSave(0) As New com.sun.star.beans.PropertyValue
  aSave(0).Name = "FilterName"
  aSave(0).Value = "Text (encoded)"
  oDoc.storeToURL(ConvertToURL(sOut), aSave())
  oDoc.close(True)
End Sub
</script:module>
"""


class LibreOffice:
    """LibreOffice headless in a private user profile (``-env:UserInstallation``), so it
    neither reads nor disturbs the user's own; one profile per test module."""

    def __init__(self, workdir: Path, soffice: str = "soffice") -> None:
        self.soffice = soffice
        self.workdir = workdir
        self.profile = prepare_profile(workdir / "lo-profile")  # LibreOffice's graphics self-tests skipped
        self._macro = False

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.soffice, f"-env:UserInstallation={self.profile.as_uri()}", "--headless", "--norestore", *args],
            capture_output=True, text=True, timeout=240, env={**os.environ, "HOME": str(self.workdir)},
        )

    def to_pdf(self, docx: Path, outdir: Path) -> Path:
        """Open ``docx`` and convert it to PDF (LibreOffice must be able to open it)."""
        result = self._run("--convert-to", "pdf", "--outdir", str(outdir), str(docx))
        pdf = outdir / (docx.stem + ".pdf")
        assert result.returncode == 0 and pdf.is_file(), f"LibreOffice could not convert {docx.name}: {result.stdout}{result.stderr}"
        return pdf

    def convert_all(self, docs: list[Path], outdir: Path, target: str = "pdf") -> list[Path]:
        """Open every document in one LibreOffice run and convert each (``target``:
        ``pdf``, ``txt:Text``...); the converted files, in order."""
        result = self._run("--convert-to", target, "--outdir", str(outdir), *map(str, docs))
        ext = target.split(":")[0]
        out = [outdir / f"{d.stem}.{ext}" for d in docs]
        missing = [p.name for p in out if not p.is_file()]
        assert not missing, f"LibreOffice could not convert {missing}: {result.stdout}{result.stderr}"
        return out

    def text(self, docx: Path, action: str = "") -> str:
        """The document as LibreOffice's plain text export (number labels included), after
        accepting (``"Accept"``) or rejecting (``"Reject"``) every tracked change, the way a
        reviewer would with Edit > Track Changes > Accept All / Reject All."""
        assert action in ("", "Accept", "Reject")
        if not self._macro:
            if not (self.profile / "user" / "basic" / "Standard").is_dir():
                self._run("--terminate_after_init")
            module = self.profile / "user" / "basic" / "Standard" / "Module1.xba"
            assert module.parent.is_dir(), "LibreOffice did not create its user profile"
            module.write_text(_MACRO, encoding="utf-8")
            self._macro = True
        out = self.workdir / f"{docx.stem}-{action or 'as-is'}.txt"
        out.unlink(missing_ok=True)
        result = self._run(f'macro:///Standard.Module1.Resolve("{docx}","{out}","{action}")')
        assert out.is_file(), f"LibreOffice did not export {docx.name}: {result.stdout}{result.stderr}"
        return out.read_text(encoding="utf-8-sig")


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
