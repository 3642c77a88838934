"""Word-level diffs: tokens, operations, invariants and inline formatting."""

from __future__ import annotations

import random

import pytest

from contractgen.base.wordiff import DiffOp, diff_words, format_inline, tokenize


def test_tokens_are_words_whitespace_runs_and_punctuation():
    assert tokenize("The Provider's duty,  (a) 2.1\n") == [
        "The", " ", "Provider", "'", "s", " ", "duty", ",", "  ", "(", "a", ")", " ", "2", ".", "1", "\n",
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Cafe\u0301s open", ["Cafe\u0301s", " ", "open"]),  # combining accent stays in the word
        ("دار الرعاية", ["دار", " ", "الرعاية"]),
        ("care 👩🏽‍⚕️ home", ["care", " ", "👩🏽‍⚕️", " ", "home"]),  # skin tone, ZWJ, VS16
        ("🇬🇧🇫🇷", ["🇬🇧", "🇫🇷"]),  # flags are pairs of regional indicators
        ("", []),
    ],
)
def test_tokens_keep_visible_characters_whole(text, expected):
    assert tokenize(text) == expected


def test_replacement_is_delete_then_insert():
    assert diff_words("The Provider shall comply.", "The Provider must comply.") == [
        DiffOp("equal", "The Provider "),
        DiffOp("delete", "shall"),
        DiffOp("insert", "must"),
        DiffOp("equal", " comply."),
    ]


def test_whitespace_between_changes_is_absorbed():
    ops = diff_words("notify within 72 hours of it", "notify promptly after discovery of it")
    assert ops == [
        DiffOp("equal", "notify "),
        DiffOp("delete", "within 72 hours"),
        DiffOp("insert", "promptly after discovery"),
        DiffOp("equal", " of it"),
    ]
    assert format_inline(ops) == "notify [-within 72 hours-]{+promptly after discovery+} of it"


def test_pure_insertions_and_deletions():
    assert diff_words("", "") == []
    assert diff_words("", "new") == [DiffOp("insert", "new")]
    assert diff_words("old", "") == [DiffOp("delete", "old")]
    assert diff_words("a c", "a b c") == [DiffOp("equal", "a "), DiffOp("insert", "b "), DiffOp("equal", "c")]
    assert diff_words("same", "same") == [DiffOp("equal", "same")]


def _random_text(rng: random.Random) -> str:
    vocabulary = ["the", "Provider", "shall", "Council", "data", "72", "hours", "é", "دار", "🏡",
                  " ", " ", " ", "  ", "\n", "\t", ",", ".", "(a)", "'", "\u0301"]  # fmt: skip
    return "".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 40)))


def test_ops_always_rebuild_both_texts():
    rng = random.Random(20260401)
    for _ in range(2000):
        old = _random_text(rng)
        new = _mutate(old, rng) if rng.random() < 0.7 else _random_text(rng)
        assert "".join(tokenize(old)) == old
        ops = diff_words(old, new)
        assert "".join(op.text for op in ops if op.kind != "insert") == old
        assert "".join(op.text for op in ops if op.kind != "delete") == new
        assert all(op.text for op in ops)
        assert all(a.kind != b.kind for a, b in zip(ops, ops[1:]))  # adjacent kinds merged
        for a, b in zip(ops, ops[1:]):
            assert (a.kind, b.kind) != ("insert", "delete")  # a replacement is delete, insert


def _mutate(text: str, rng: random.Random) -> str:
    tokens = tokenize(text)
    for _ in range(rng.randint(1, 4)):
        position = rng.randint(0, len(tokens))
        action = rng.choice(["insert", "delete", "replace"])
        if action == "insert" or not tokens:
            tokens.insert(position, rng.choice([" new", "word ", ",", "(b)"]))
        elif action == "delete":
            del tokens[min(position, len(tokens) - 1)]
        else:
            tokens[min(position, len(tokens) - 1)] = "changed"
    return "".join(tokens)


def test_text_style_marks_like_git_word_diff():
    ops = diff_words("a b c", "a x c")
    assert format_inline(ops) == "a [-b-]{+x+} c"


def test_ansi_colour_keeps_markers_and_colours_each_line():
    ops = [DiffOp("equal", "a "), DiffOp("delete", "b\nc"), DiffOp("insert", "d")]
    assert format_inline(ops, color=True) == (
        "a \x1b[31m[-b\x1b[0m\n\x1b[31mc-]\x1b[0m\x1b[32m{+d+}\x1b[0m"
    )


def test_markdown_style():
    ops = diff_words("The Provider shall comply.", "The Provider must comply.")
    assert format_inline(ops, "markdown") == "The Provider ~~shall~~ **must** comply."


def test_markdown_keeps_spaces_and_newlines_outside_markers_and_escapes():
    ops = [
        DiffOp("equal", "Use *care*"),
        DiffOp("delete", " old_text "),
        DiffOp("insert", "new\nline"),
        DiffOp("equal", " [1]"),
    ]
    assert format_inline(ops, "markdown") == r"Use \*care\* ~~old\_text~~ **new**" + "\n**line** \\[1\\]"


def test_unknown_style_and_colour_with_markdown_are_refused():
    with pytest.raises(ValueError, match="unknown diff style"):
        format_inline([], "html")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="color applies"):
        format_inline([], "markdown", color=True)
