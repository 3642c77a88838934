"""Clause Markdown to paragraphs: styles, inline formatting, cross-reference markers, and
values printed literally whatever characters they hold."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from contractgen.word.blocks import Style
from contractgen.base.environment import (
    MarkdownSafe,
    MaskedValues,
    clause_environment,
    escape_markdown,
    masked_clause_environment,
    masking,
    template_environment,
)
from contractgen.word.markup import markdown_to_blocks, ref_marker


def shape(text: str, **options) -> list[tuple[str, str]]:
    return [(p.style.value, p.text) for p in markdown_to_blocks(text, **options)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("One.\n\nTwo.", [("CGClause", "One."), ("CGClause", "Two.")]),
        ("Soft\nwrap.", [("CGClause", "Soft wrap.")]),
        (
            "Lead:\n\n1. first\n2. second\n   1. inner\n   2. inner two\n3. third",
            [("CGClause", "Lead:"), ("CGItem", "first"), ("CGItem", "second"), ("CGSubItem", "inner"),
             ("CGSubItem", "inner two"), ("CGItem", "third")],
        ),
        ("- a\n- b", [("CGBullet", "a"), ("CGBullet", "b")]),
        ("1. item\n\n   more of the item\n2. next", [("CGItem", "item"), ("CGBody", "more of the item"), ("CGItem", "next")]),
        # what looks like other Markdown prints as written
        ("# Not a heading", [("CGClause", "# Not a heading")]),
        ("<b>not html</b>", [("CGClause", "<b>not html</b>")]),
        ("    not code", [("CGClause", "not code")]),
        ("> not a quote", [("CGClause", "> not a quote")]),
        ("![no picture](logo.png) here", [("CGClause", "![no picture](logo.png) here")]),
        ("---", [("CGClause", "---")]),
    ],
)
def test_paragraph_styles(text, expected):
    assert shape(text) == expected


def test_inline_formatting_and_links():
    (p,) = markdown_to_blocks("**Bold** and *italic*, _also_ [a link](https://example.org).")
    assert [(r.text, r.bold, r.italic, r.link) for r in p.runs] == [
        ("Bold", True, False, None),
        (" and ", False, False, None),
        ("italic", False, True, None),
        (", ", False, False, None),
        ("also", False, True, None),
        (" ", False, False, None),
        ("a link", False, False, "https://example.org"),
        (".", False, False, None),
    ]


def test_hard_line_breaks():
    (p,) = markdown_to_blocks("Town Hall\\\nMarket Street")
    assert p.text == "Town Hall\nMarket Street"
    assert [r.line_break for r in p.runs] == [False, True, False]


def test_cross_reference_markers_become_reference_runs():
    (p,) = markdown_to_blocks(f"See paragraph {ref_marker('dspt.tier')}, and **{ref_marker('dspt.remedial-plan')}**.")
    refs = [(r.ref, r.bold) for r in p.runs if r.ref]
    assert refs == [("dspt.tier", False), ("dspt.remedial-plan", True)]
    assert all(r.text == "" for r in p.runs if r.ref)  # the number is filled in once the document is numbered


def test_paragraphs_remember_their_clause():
    assert {p.clause_id for p in markdown_to_blocks("a\n\n1. b", clause_id="dspt.x")} == {"dspt.x"}


def test_letter_lists_restart_and_body_is_unnumbered():
    ids = itertools.count(1)
    blocks = markdown_to_blocks("Dear X,\n\n1. a\n2. b\n\nThen:\n\n1. c", mode="letter", list_ids=ids)
    assert [(p.style, p.list_id, p.text) for p in blocks] == [
        (Style.BODY, 0, "Dear X,"),
        (Style.LETTER_ITEM, 1, "a"),
        (Style.LETTER_ITEM, 1, "b"),
        (Style.BODY, 0, "Then:"),
        (Style.LETTER_ITEM, 2, "c"),
    ]


NASTY = [
    "Riverside & Vale City Council",
    'Tŵr "Quay" <North> O\'Brien',
    "*not italic* _not either_ **nor bold**",
    "[not](a link) ![nor](an image) <https://not.auto>",
    "1. not a list",
    "- not a bullet",
    "# not a heading",
    "a \\ backslash, a ` backtick, ~tilde~ | pipe",
    "مجلس بلدية ريفرسايد 🏛️",
    "Zoë & Siân — 50% of £10",
    "{{ not jinja }} {% neither %}",
]


@pytest.mark.parametrize("value", NASTY)
def test_values_print_exactly_as_typed(value):
    markdown = clause_environment().from_string("The Council is {{ name }}.").render(name=value)
    (p,) = markdown_to_blocks(markdown)
    assert p.text == f"The Council is {value}."
    assert all(not (r.bold or r.italic or r.link) for r in p.runs)


def test_a_value_on_several_lines_keeps_its_line_breaks():
    markdown = clause_environment().from_string("{{ address }}").render(address="Town Hall\n1 Market Street")
    (p,) = markdown_to_blocks(markdown)
    assert p.text == "Town Hall\n1 Market Street"


@pytest.mark.parametrize(
    "value, printed",
    [
        (True, "yes"),
        (False, "no"),
        (dt.date(2026, 6, 30), "30 June 2026"),
        (10, "10"),
        (MarkdownSafe("**kept**"), "**kept**"),
    ],
)
def test_how_values_are_written(value, printed):
    assert escape_markdown(value) == printed


def test_the_long_date_filter():
    env = clause_environment()
    assert env.from_string("{{ d|long_date }}").render(d=dt.date(2027, 4, 1)) == "1 April 2027"


# ---------------------------------------------------------------- per-process caches (issue 18)


def test_a_text_compiled_once_still_renders_as_each_environment_does() -> None:
    source = "{{ name }} on {{ day|long_date }}"
    values = {"name": "A & <B> *C*", "day": dt.date(2026, 4, 1)}
    clause_env = clause_environment()
    assert clause_env.compile(source) is clause_environment().compile(source)  # compiled once
    assert clause_env.from_string(source).render(values) == "A \\& \\<B\\> \\*C\\* on 1 April 2026"
    assert template_environment().from_string(source).render(values) == "A &amp; &lt;B&gt; *C* on 1 April 2026"
    with masking(MaskedValues()) as masked:
        assert masked_clause_environment().from_string(source).render(values) == "\U000f0000 on \U000f0001"
    assert masked.values == ["A & <B> *C*", "1 April 2026"]
    assert clause_environment().from_string(source).render(values) == "A \\& \\<B\\> \\*C\\* on 1 April 2026"


def test_clause_paragraphs_parsed_once_are_not_shared_lists() -> None:
    first = markdown_to_blocks("One.\n\nTwo.", clause_id="c.one")
    first.append(first[0])
    again = markdown_to_blocks("One.\n\nTwo.", clause_id="c.one")
    assert [p.text for p in again] == ["One.", "Two."]
    assert {p.clause_id for p in markdown_to_blocks("One.\n\nTwo.", clause_id="c.two")} == {"c.two"}
