"""Letter clause text parsed once per kind and tier (contractgen/letters/texts.py) gives
the same paragraphs as rendering and parsing each letter's own Markdown, whatever the
values hold: Markdown characters, entities, numbers before a full stop, spaces, line
breaks, private-use characters, Arabic, emoji."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from contractgen.letters.texts import LetterTexts
from contractgen.library.clauses import load_library
from contractgen.schedule.assembly import render_clause_text
from conftest import ROOT

TEXTS = [
    "Dear {{ name }}, **{{ name }}** and *{{ name }}* and _{{ name }}_ and x{{ name }}y.",
    "{{ n }}. item {{ name }}\n\n{{ n }}) other\n\n{{ name }}. after",
    "See [{{ name }}](https://x.org/{{ name }}) and <https://x.org/{{ name }}> and [a](u \"{{ name }}\").",
    "Code `{{ name }}` here & &amp{{ name }}; and \\{{ name }} and &#{{ n }};",
    "1. {{ name }}\n2. second {{ name }}\n\n- bullet {{ name }}\n\nclosing {{ name }}",
    "{% if flag %}Yes {{ name }}{% else %}No{% endif %}, by {{ day|long_date }} ({{ flag }}, {{ day }}).",
    "![{{ name }}](img.png) text {{ name }}  \nhard break {{ n }}",
    "{{ name }}\n===\n\n> quote {{ name }}\n\n    indented {{ name }}",
]
VALUES = [
    "Maple & Oak Care <Home>", '"Café Crème" Ltd', "*star*", "_under_", "12", "a  b", " padded ", "x\ny",
    "دار السلام للرعاية", "Sunrise 🌅", "&amp;", "\\back", "`tick`", "[link](x)", "\U000f0001", "2026-27 Standards Met",
    "O'Neill", "ann@pines.example", "0800\u00a0123", "1", "",
]


@pytest.fixture(scope="module")
def library():
    return load_library(ROOT / "clause_library")


@pytest.mark.parametrize("text", TEXTS)
def test_parsed_once_is_parsed_per_letter(library, text: str) -> None:
    clause = library.clause("letter.support")
    texts = LetterTexts(library)
    for name, n, flag in itertools.product(VALUES, (12, "3", 0), (True, False)):
        context = {"name": name, "n": n, "flag": flag, "day": dt.date(2027, 6, 24)}
        ids = itertools.count(4)
        expected = render_clause_text(clause, text, context, library, mode="letter", list_ids=ids)
        expected_next = next(ids)
        for _ in range(2):  # the first letter fills the cache, the second reads it
            paragraphs, next_list = texts.clause(clause, text, context, 4)
            assert paragraphs == expected, (name, n, flag)
            assert next_list == expected_next


def test_the_letters_of_a_kind_share_one_parse(library) -> None:
    clause = library.clause("letter.support")
    texts = LetterTexts(library)
    for i in range(50):
        texts.clause(clause, "Dear {{ name }}, your code is **{{ code }}**.", {"name": f"Home {i}", "code": f"VL{i:03d}"}, 1)
    assert len(texts._parsed) == 1
