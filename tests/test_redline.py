"""Redlines: paragraph alignment, tracked changes in Word XML, and the invariant that
accepting every change gives the new paragraphs and rejecting every change the old ones.

Accepting and rejecting is done over the XML by :func:`helpers_git.resolve_changes`
(what Word does: ``w:del`` dropped and ``w:ins`` unwrapped, or the other way round; a
paragraph whose mark is removed joins the next one).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from lxml import etree

from contractgen.word import redline
from contractgen.word.blocks import Paragraph, Run, Style
from contractgen.library.clauses import load_library
from contractgen.word.markup import markdown_to_blocks
from contractgen.word.redline import RedlineStats, Revision, align, redline_blocks
from contractgen.word.ooxml import BodyWriter, bookmark_name
from helpers_git import NS, W, body_of, check_revision_structure, paragraph_text, paragraphs, resolve_changes

ROOT = Path(__file__).resolve().parent.parent
REVISION = Revision("Lead Drafter", dt.date(2026, 10, 1))
END = Paragraph(Style.BODY, (Run("END"),))  # a real document never ends with the redline


def para(style: Style, *runs: str | Run, **kw) -> Paragraph:
    return Paragraph(style, tuple(Run(r) if isinstance(r, str) else r for r in runs), **kw)


def body(old: list[Paragraph], new: list[Paragraph], stats: RedlineStats | None = None) -> etree._Element:
    writer = BodyWriter()
    xml = redline_blocks(old, new, writer, REVISION, stats) + writer.paragraph(END)
    return body_of(xml)


def formatted(p: etree._Element) -> list[tuple[str, bool, bool]]:
    """(text, bold, italic) of a paragraph's text runs, adjacent runs of one format merged."""
    out: list[tuple[str, bool, bool]] = []
    for r in p.iter(f"{{{W}}}r"):
        text = "".join("\n" if el.tag == f"{{{W}}}br" else (el.text or "") for el in r if el.tag in (f"{{{W}}}t", f"{{{W}}}delText", f"{{{W}}}br"))
        if not text:
            continue
        fmt = (r.find("w:rPr/w:b", NS) is not None, r.find("w:rPr/w:i", NS) is not None)
        if out and out[-1][1:] == fmt:
            out[-1] = (out[-1][0] + text, *fmt)
        else:
            out.append((text, *fmt))
    return out


def expected_formatted(p: Paragraph) -> list[tuple[str, bool, bool]]:
    out: list[tuple[str, bool, bool]] = []
    for r in p.runs:
        text = "\n" if r.line_break else r.text
        if not text:
            continue
        fmt = (r.bold, r.italic) if not r.line_break else (False, False)
        if out and out[-1][1:] == fmt:
            out[-1] = (out[-1][0] + text, *fmt)
        else:
            out.append((text, *fmt))
    return out


def check_invariants(old: list[Paragraph], new: list[Paragraph]) -> etree._Element:
    """Accepting all gives ``new`` and rejecting all gives ``old``: styles, text (with field
    results and line breaks) and bold/italic; the revision XML is well formed."""
    root = body(old, new)
    check_revision_structure(root)
    for action, want in (("accept", new), ("reject", old)):
        resolved = resolve_changes(root, action)
        got = paragraphs(resolved)[:-1]
        assert got == [(p.style.value, p.text) for p in want], action
        assert paragraphs(resolved)[-1] == (Style.BODY.value, "END")
        elements = resolved.findall("w:p", NS)[:-1]
        assert [formatted(e) for e in elements] == [expected_formatted(p) for p in want], action
    return root


def kinds(old: list[Paragraph], new: list[Paragraph]) -> list[str]:
    return [k for k, _, _ in align(old, new)]


# ---------------------------------------------------------------- align and _pair


def test_empty_old_inserts_every_paragraph_with_its_mark():
    new = [para(Style.CLAUSE, "One."), para(Style.ITEM, "two"), para(Style.BODY)]
    assert kinds([], new) == ["insert", "insert", "insert"]
    root = check_invariants([], new)
    counts = check_revision_structure(root)
    assert counts["ins_mark"] == 3 and counts["del"] == counts["del_mark"] == 0
    assert counts["ins"] == 2  # the empty paragraph has no runs to wrap


def test_empty_new_deletes_every_paragraph_with_its_mark():
    old = [para(Style.SECTION, "Section"), para(Style.CLAUSE, "One.")]
    assert kinds(old, []) == ["delete", "delete"]
    root = check_invariants(old, [])
    counts = check_revision_structure(root)
    assert counts == {"ins": 0, "del": 2, "ins_mark": 0, "del_mark": 2}
    # deleted text is w:delText, never w:t
    assert [paragraph_text(p) for p in root.findall("w:p", NS)] == ["Section", "One.", "END"]
    assert not root.findall("w:p/w:del/w:r/w:t", NS)


def test_both_empty_write_nothing():
    assert list(align([], [])) == []
    assert redline_blocks([], [], BodyWriter(), REVISION) == ""


def test_equal_paragraphs_are_written_untracked():
    same = [para(Style.CLAUSE, "The Provider shall comply."), para(Style.ITEM, "and report")]
    stats = RedlineStats()
    root = body(same, list(same), stats)
    assert stats == RedlineStats(kept=2)
    assert check_revision_structure(root) == {"ins": 0, "del": 0, "ins_mark": 0, "del_mark": 0}


def test_all_changed_beyond_recognition_is_deleted_then_inserted():
    old = [para(Style.CLAUSE, "Alpha beta gamma delta."), para(Style.CLAUSE, "Epsilon zeta eta.")]
    new = [para(Style.CLAUSE, "Quite unrelated words here!"), para(Style.CLAUSE, "Nothing in common 123.")]
    assert kinds(old, new) == ["delete", "delete", "insert", "insert"]
    check_invariants(old, new)


def test_a_changed_paragraph_is_diffed_word_by_word():
    old = [para(Style.CLAUSE, "The Provider shall notify the Council within 5 days.")]
    new = [para(Style.CLAUSE, "The Provider shall promptly notify the Council within 10 days.")]
    stats = RedlineStats()
    root = body(old, new, stats)
    assert stats.changed == 1
    (p, _) = root.findall("w:p", NS)
    assert [e.findtext(".//w:t", namespaces=NS) for e in p.findall("w:ins", NS)] == [" promptly", "10"]
    assert [e.findtext(".//w:delText", namespaces=NS) for e in p.findall("w:del", NS)] == ["5"]
    assert p.find("w:pPr/w:rPr", NS) is None  # the paragraph mark itself is not changed
    check_invariants(old, new)


def test_style_change_is_a_deleted_and_an_inserted_paragraph():
    old = [para(Style.CLAUSE, "Keep a log.")]
    new = [para(Style.ITEM, "Keep a log.")]
    assert kinds(old, new) == ["delete", "insert"]
    root = check_invariants(old, new)
    first, second, _ = root.findall("w:p", NS)
    assert first.find("w:pPr/w:pStyle", NS).get(f"{{{W}}}val") == Style.CLAUSE.value
    assert first.find("w:pPr/w:rPr/w:del", NS) is not None
    assert second.find("w:pPr/w:pStyle", NS).get(f"{{{W}}}val") == Style.ITEM.value
    assert second.find("w:pPr/w:rPr/w:ins", NS) is not None


def test_reference_whose_number_changed_is_field_deleted_and_field_inserted():
    def clause(number: str) -> Paragraph:
        return para(Style.CLAUSE, "As paragraph ", Run(number, ref="dspt.new-providers"), " requires.")

    old, new = [clause("3.4")], [clause("3.5")]
    root = check_invariants(old, new)
    (p, _) = root.findall("w:p", NS)
    target = bookmark_name("dspt.new-providers")
    (deleted,) = p.findall("w:del", NS)
    (inserted,) = p.findall("w:ins", NS)
    assert [f.get(f"{{{W}}}fldCharType") for f in deleted.iter(f"{{{W}}}fldChar")] == ["begin", "separate", "end"]
    assert deleted.findtext(".//w:delInstrText", namespaces=NS).split() == ["REF", target, "\\w", "\\h"]
    assert deleted.findtext(".//w:delText", namespaces=NS) == "3.4"
    assert [f.get(f"{{{W}}}fldCharType") for f in inserted.iter(f"{{{W}}}fldChar")] == ["begin", "separate", "end"]
    assert inserted.findtext(".//w:instrText", namespaces=NS).split() == ["REF", target, "\\w", "\\h"]
    assert inserted.findtext(".//w:t", namespaces=NS) == "3.5"
    # the words around the field are kept, not rewritten
    assert [t.text for t in p.findall("w:r/w:t", NS)] == ["As paragraph ", " requires."]


def test_same_reference_same_number_stays_one_untracked_field():
    p1 = para(Style.CLAUSE, "See ", Run("2.1", ref="dspt.tier"), " now.")
    p2 = para(Style.CLAUSE, "See ", Run("2.1", ref="dspt.tier"), " later.")
    root = check_invariants([p1], [p2])
    (p, _) = root.findall("w:p", NS)
    assert len(p.findall("w:r/w:instrText", NS)) == 1
    assert not p.findall(".//w:delInstrText", NS)


def test_line_breaks_are_kept_deleted_and_inserted():
    br = Run("", line_break=True)
    old = [para(Style.BODY, "Town Hall", br, "Market Street", br, "Exampleton")]
    new = [para(Style.BODY, "Civic Centre", br, "Market Street", "Exampleton")]
    root = check_invariants(old, new)
    (p, _) = root.findall("w:p", NS)
    assert len(p.findall("w:del/w:r/w:br", NS)) == 1  # the second break went
    assert len(p.findall("w:r/w:br", NS)) == 1  # the first one is kept


def test_formatting_change_alone_is_tracked_and_rejecting_restores_it():
    old = [para(Style.ITEM, "completes training at least once every twelve months.")]
    new = [para(Style.ITEM, "completes training ", Run("at least once every twelve months", bold=True), ".")]
    assert kinds(old, new) == ["change"]
    root = check_invariants(old, new)
    (p, _) = root.findall("w:p", NS)
    (deleted,) = p.findall("w:del", NS)
    (inserted,) = p.findall("w:ins", NS)
    assert deleted.findtext(".//w:delText", namespaces=NS) == "at least once every twelve months"
    assert deleted.find(".//w:b", NS) is None
    assert inserted.findtext(".//w:t", namespaces=NS) == "at least once every twelve months"
    assert inserted.find("w:r/w:rPr/w:b", NS) is not None


def test_italic_and_bold_swapped_on_a_reference():
    old = [para(Style.CLAUSE, "See ", Run("4.7", ref="dspt.remedial-plan"), ".")]
    new = [para(Style.CLAUSE, "See ", Run("4.7", bold=True, ref="dspt.remedial-plan"), ".")]
    check_invariants(old, new)


def test_removed_paragraph_next_to_a_changed_one_is_deleted_not_rewritten():
    a = para(Style.CLAUSE, "The Provider shall keep a record of training.", clause_id="c")
    b = para(Style.CLAUSE, "The Data Security Lead shall receive further training.", clause_id="c")
    c_old = para(Style.CLAUSE, "The Provider shall give the Council a summary of completion rates on request.", clause_id="c")
    c_new = para(Style.CLAUSE, "The Provider shall give the Council a summary of completion rates every year.", clause_id="c")
    pairs = [(k, x.text if x else None, y.text if y else None) for k, x, y in align([a, b, c_old], [a, c_new])]
    assert pairs == [("equal", a.text, a.text), ("delete", b.text, None), ("change", c_old.text, c_new.text)]
    check_invariants([a, b, c_old], [a, c_new])


def test_inserted_paragraph_before_a_changed_one_is_inserted_whole():
    a = para(Style.CLAUSE, "First paragraph stays the same.", clause_id="c")
    b_old = para(Style.CLAUSE, "The Council shall review the Tier every year.", clause_id="c")
    x = para(Style.CLAUSE, "A completely new obligation appears here.", clause_id="c")
    b_new = para(Style.CLAUSE, "The Council shall review the Tier every two years.", clause_id="c")
    assert kinds([a, b_old], [a, x, b_new]) == ["equal", "insert", "change"]
    check_invariants([a, b_old], [a, x, b_new])


def test_clause_lead_paragraph_pairs_with_itself_even_when_rewritten():
    mark = bookmark_name("dspt.x")
    old = [para(Style.CLAUSE, Run("Title. ", bold=True), "Abc def ghi.", bookmark=mark)]
    new = [para(Style.CLAUSE, Run("Other heading. ", bold=True), "Uvw xyz 0123456789.", bookmark=mark)]
    assert kinds(old, new) == ["change"]
    root = check_invariants(old, new)
    assert len(root.findall(".//w:bookmarkStart", NS)) == 1


def test_section_headings_of_different_sections_are_not_paired():
    old = [para(Style.SECTION, "Support, information and audit"), para(Style.SECTION, "NHS-funded services")]
    new = [para(Style.SECTION, "Support, information and audit")]
    assert kinds(old, new) == ["equal", "delete"]


def test_deleted_paragraph_keeps_its_bookmark_unless_the_new_text_has_it():
    gone, kept = bookmark_name("dspt.gone"), bookmark_name("dspt.kept")
    old = [para(Style.CLAUSE, "Old text of the gone clause.", bookmark=gone), para(Style.CLAUSE, "Kept clause, old style.", bookmark=kept)]
    new = [para(Style.ITEM, "Kept clause, old style.", bookmark=kept)]
    root = check_invariants(old, new)
    names = [b.get(f"{{{W}}}name") for b in root.iter(f"{{{W}}}bookmarkStart")]
    # the gone clause keeps its bookmark (text restored by rejecting can still be referred
    # to); the kept clause's bookmark is on its new paragraph only, never twice
    assert sorted(names) == sorted([gone, kept])
    ids = [b.get(f"{{{W}}}id") for b in root.iter(f"{{{W}}}bookmarkStart")]
    assert len(ids) == len(set(ids))


def test_changed_link_text_stays_inside_its_hyperlink():
    url = "https://www.dsptoolkit.nhs.uk"
    old = [para(Style.LETTER_ITEM, "Log in at ", Run("the DSPT", link=url), " today.")]
    new = [para(Style.LETTER_ITEM, "Log in at ", Run("the Toolkit", link=url), " now.")]
    writer = BodyWriter()
    root = body_of(redline_blocks(old, new, writer, REVISION) + writer.paragraph(END))
    check_revision_structure(root)
    assert writer.links == {url: "rIdCG1"}
    (p, _) = root.findall("w:p", NS)
    links = p.findall("w:hyperlink", NS)
    assert links and all(h.get(f"{{http://schemas.openxmlformats.org/officeDocument/2006/relationships}}id") == "rIdCG1" for h in links)
    assert {etree.QName(c).localname for h in links for c in h} <= {"r", "ins", "del"}
    assert "Toolkit" in "".join(t.text for h in links for t in h.iter(f"{{{W}}}t"))
    for action, want in (("accept", new), ("reject", old)):
        assert paragraphs(resolve_changes(root, action))[0][1] == want[0].text


def test_stats_count_each_kind():
    stats = RedlineStats()
    old = [para(Style.CLAUSE, "keep"), para(Style.CLAUSE, "The Provider shall comply."), para(Style.CLAUSE, "zzz qqq")]
    new = [para(Style.CLAUSE, "keep"), para(Style.CLAUSE, "The Provider must comply."), para(Style.ITEM, "brand new item")]
    body(old, new, stats)
    assert stats == RedlineStats(inserted=1, deleted=1, changed=1, kept=1)


def test_revision_attributes_name_the_author_and_date():
    root = body([para(Style.BODY, "a & b")], [para(Style.BODY, 'a & "c"')])
    revisions = list(root.iter(f"{{{W}}}ins", f"{{{W}}}del"))
    assert revisions
    for el in revisions:
        assert el.get(f"{{{W}}}author") == "Lead Drafter"
        assert el.get(f"{{{W}}}date") == "2026-10-01T00:00:00Z"


def test_long_stretches_fall_back_to_greedy_pairing(monkeypatch):
    monkeypatch.setattr(redline, "_PAIRING_LIMIT", 1)
    old = [para(Style.CLAUSE, f"Paragraph number {i} says something.") for i in range(4)]
    new = [para(Style.CLAUSE, f"Paragraph number {i} says something else.") for i in range(3)] + [para(Style.ITEM, "new")]
    assert kinds(old, new) == ["change", "change", "change", "delete", "insert"]
    check_invariants(old, new)


# ---------------------------------------------------------------- random edits

_WORDS = "the Provider Council shall must notify within Working Days DSPT Tier publication evidence 10 15 (a) 2.1".split()


def _library_paragraphs() -> list[Paragraph]:
    """Every paragraph of every clause text of the example library (Markdown parsed,
    Jinja left as written)."""
    library = load_library(ROOT / "clause_library")
    out: list[Paragraph] = []
    for clause in library.clauses.values():
        for text in clause.variants.values():
            out.extend(markdown_to_blocks(text, mode="clause", clause_id=clause.id))
    return out


LIBRARY_PARAGRAPHS = _library_paragraphs()


def _edit_runs(rng: random.Random, p: Paragraph) -> Paragraph:
    runs = list(p.runs) or [Run("")]
    k = rng.randrange(len(runs))
    r = runs[k]
    choice = rng.randrange(8)
    if choice == 0 and r.text:  # replace a word
        words = r.text.split(" ")
        words[rng.randrange(len(words))] = rng.choice(_WORDS)
        runs[k] = Run(" ".join(words), r.bold, r.italic, r.link)
    elif choice == 1 and r.text:  # delete a stretch
        i = rng.randrange(len(r.text))
        runs[k] = Run(r.text[:i] + r.text[i + rng.randrange(1, 30) :], r.bold, r.italic, r.link)
    elif choice == 2:  # insert words
        runs.insert(k, Run(" ".join(rng.choices(_WORDS, k=rng.randrange(1, 5))) + " "))
    elif choice == 3 and r.text:  # toggle bold or italic on part of a run
        i = rng.randrange(len(r.text))
        j = min(len(r.text), i + rng.randrange(1, 25))
        bold, italic = (not r.bold, r.italic) if rng.random() < 0.5 else (r.bold, not r.italic)
        runs[k : k + 1] = [x for x in (Run(r.text[:i], r.bold, r.italic), Run(r.text[i:j], bold, italic), Run(r.text[j:], r.bold, r.italic)) if x.text]
    elif choice == 4:  # a cross-reference, or a changed number
        number = f"{rng.randrange(1, 9)}.{rng.randrange(1, 9)}"
        runs.insert(k, Run(number, ref=rng.choice(["dspt.tier", "dspt.remedial-plan"])))
    elif choice == 5:  # a line break
        runs.insert(k, Run("", line_break=True))
    elif choice == 6 and r.ref is not None:
        runs[k] = Run(f"{rng.randrange(1, 9)}.{rng.randrange(1, 9)}", r.bold, r.italic, None, ref=r.ref)
    else:  # remove a run
        del runs[k]
    return p.with_(runs=tuple(runs))


def _random_edit(rng: random.Random, paras: list[Paragraph]) -> list[Paragraph]:
    out = list(paras)
    for _ in range(rng.randrange(1, 6)):
        action = rng.randrange(6)
        if action == 0 or not out:  # insert a paragraph from elsewhere
            out.insert(rng.randrange(len(out) + 1), rng.choice(LIBRARY_PARAGRAPHS))
        elif action == 1:  # remove a paragraph
            del out[rng.randrange(len(out))]
        elif action == 2:  # change its style
            i = rng.randrange(len(out))
            out[i] = out[i].with_(style=rng.choice([Style.CLAUSE, Style.ITEM, Style.SUBITEM, Style.BULLET, Style.BODY]))
        elif action == 3 and len(out) > 1:  # move a paragraph
            p = out.pop(rng.randrange(len(out)))
            out.insert(rng.randrange(len(out) + 1), p)
        else:  # edit inside a paragraph
            i = rng.randrange(len(out))
            out[i] = _edit_runs(rng, out[i])
    return out


@pytest.mark.parametrize("seed", range(150))
def test_random_edits_accept_to_new_and_reject_to_old(seed):
    rng = random.Random(seed)
    start = rng.randrange(len(LIBRARY_PARAGRAPHS) - 8)
    old = LIBRARY_PARAGRAPHS[start : start + rng.randrange(0, 8)]
    new = _random_edit(rng, old)
    if rng.random() < 0.3:
        old, new = new, old
    check_invariants(old, new)
