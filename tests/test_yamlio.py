"""Safe, located YAML: what is read, where it was, and every way a file can be refused."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest

from contractgen.base.errors import InputError
from contractgen.base.yamlio import format_key_path, parse_yaml, read_yaml


def refusal(text: str, file: str = "f.yaml") -> list[str]:
    with pytest.raises(InputError) as caught:
        parse_yaml(text, file)
    return [str(p) for p in caught.value.problems]


def test_values_and_the_position_of_every_key_and_list_item():
    doc = parse_yaml("council:\n  name: Example\n  address:\n    - Town Hall\n    - High St\n", "p.yaml")
    assert doc.data == {"council": {"name": "Example", "address": ["Town Hall", "High St"]}}
    assert str(doc.locate(("council", "name"))) == "p.yaml:2:3"
    assert str(doc.locate(("council", "address", 1))) == "p.yaml:5:7"
    # a path that was never written is located at its nearest written ancestor
    assert str(doc.locate(("council", "logo"))) == "p.yaml:1:1"
    assert str(doc.problem(("council", "address", 1), "bad")) == "p.yaml:5:7: council.address[1]: bad"


def test_key_paths_read_like_the_yaml():
    assert format_key_path(("changelog", 2, "date")) == "changelog[2].date"
    assert format_key_path(()) == ""


@pytest.mark.parametrize(
    "text, value",
    [
        ("x: on", "on"),  # YAML 1.1 would turn these into booleans: a council called "No" stays "No"
        ("x: No", "No"),
        ("x: yes", "yes"),
        ("x: true", True),
        ("x: False", False),
        ("x: 2026-04-01", dt.date(2026, 4, 1)),
        ("x: 14", 14),
        ("x: -2.5", -2.5),
        # YAML 1.1 reads these as octal 12, base-60 630, hex 31 and infinity: kept as written
        ("x: 014", "014"),
        ("x: 10:30", "10:30"),
        ("x: 0x1F", "0x1F"),
        ("x: .inf", ".inf"),
        ("x: ~", None),
        ("x: !!str 12", "12"),  # the standard tags for plain values are allowed
        ('x: "a\\ab"', "a\x07b"),  # read as written; the schema refuses it, naming the field
    ],
)
def test_plain_values(text, value):
    assert parse_yaml(text, "f.yaml").data == {"x": value}


def test_an_empty_file_is_an_empty_mapping():
    assert parse_yaml("# only a comment\n", "f.yaml").data == {}


def test_a_byte_order_mark_is_dropped(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffname: Zoë\n".encode())
    assert read_yaml(path, "bom.yaml").data == {"name": "Zoë"}


def test_text_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nname: Zo\xeb\n".encode("latin-1"))
    with pytest.raises(InputError) as caught:
        read_yaml(path, "latin1.yaml")
    assert str(caught.value) == "latin1.yaml:2: not UTF-8 text (byte 0xeb); save the file as UTF-8"


def test_a_missing_file_is_refused_cleanly(tmp_path):
    with pytest.raises(InputError) as caught:
        read_yaml(tmp_path / "nope.yaml", "nope.yaml")
    assert str(caught.value) == "nope.yaml: cannot read file: No such file or directory"


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "tier: core\ntier: advanced\n",
            "f.yaml:2:1: tier: duplicate key 'tier' (first defined on line 1); remove one of them",
        ),
        (
            "council:\n  name: A\n  short_name: B\n  name: C\n",
            "f.yaml:4:3: council.name: duplicate key 'name' (first defined on line 2); remove one of them",
        ),
        (
            "list:\n  - a: 1\n    a: 2\n",
            "f.yaml:3:5: list[0].a: duplicate key 'a' (first defined on line 2); remove one of them",
        ),
    ],
)
def test_duplicate_keys_are_refused(text, expected):
    assert refusal(text) == [expected]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            'council:\n  name: "Example Borough\ntier: core\n',
            "f.yaml:4:1: YAML syntax error: while scanning a quoted scalar (which starts on line 2), "
            "found unexpected end of stream; check the indentation and quoting here",
        ),
        (
            "council:\n  name: A\n address: B\n",
            "f.yaml:3:2: YAML syntax error: while parsing a block mapping (which starts on line 1), "
            "expected <block end>, but found '<block mapping start>'; check the indentation and quoting here",
        ),
        (
            "contract:\n\treference: X\n",
            "f.yaml:2:1: YAML syntax error: while scanning for the next token, found character '\\t' "
            "that cannot start any token; indent with spaces, not tabs",
        ),
        (
            "title: Schedule 12: Data Security\n",
            "f.yaml:1:19: YAML syntax error: mapping values are not allowed here; put text that "
            "contains ': ' in quotes, or check the indentation",
        ),
        (
            "a: 1\n---\nb: 2\n",
            "f.yaml:2:1: YAML syntax error: expected a single document in the stream, but found "
            "another document; a file holds one document: remove the `---` line",
        ),
        (
            "exclude: [dspt.a, dspt.b\n",
            "f.yaml:2:1: YAML syntax error: while parsing a flow sequence (which starts on line 1), "
            "expected ',' or ']', but got '<stream end>'; check the indentation and quoting here",
        ),
    ],
)
def test_syntax_errors_name_the_line_and_say_what_to_check(text, expected):
    assert refusal(text) == [expected]


TAG_REFUSAL = (
    "is not allowed: contractgen reads plain data (text, numbers, dates, true/false, lists "
    "and mappings) only; remove the tag"
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ('x: !!python/object/apply:os.system ["echo pwned"]', "f.yaml:1:4: x: the YAML tag !!python/object/apply:os.system "),
        ("x: !!python/name:os.system", "f.yaml:1:4: x: the YAML tag !!python/name:os.system "),
        ("x: !!python/object:collections.OrderedDict {a: 1}", "f.yaml:1:4: x: the YAML tag !!python/object:collections.OrderedDict "),
        ("a:\n  b: !!python/object/new:os.system [ls]", "f.yaml:2:6: a.b: the YAML tag !!python/object/new:os.system "),
        ("!!python/name:os.system : 1", "f.yaml:1:1: the YAML tag !!python/name:os.system "),
        ("x: !!binary aGk=", "f.yaml:1:4: x: the YAML tag !!binary "),
        ("x: !!set {a, b}", "f.yaml:1:4: x: the YAML tag !!set "),
        ("x: !council Example", "f.yaml:1:4: x: the YAML tag !council "),
    ],
)
def test_tags_are_refused_and_nothing_is_executed(text, expected, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    assert refusal(text) == [expected + TAG_REFUSAL]
    assert calls == []


def test_keys_must_be_plain_text():
    assert refusal("? [a, b]\n: 1\n") == ["f.yaml:1:3: keys must be plain text, not lists or mappings"]


def test_numbers_and_dates_as_keys_are_kept_as_written():
    assert parse_yaml("1: a\n2026-01-01: b\n", "f.yaml").data == {"1": "a", "2026-01-01": "b"}


def test_anchors_and_merge_keys_work():
    doc = parse_yaml("base: &b {tier: core}\nmine:\n  <<: *b\n  name: X\n", "f.yaml")
    assert doc.data["mine"] == {"tier": "core", "name": "X"}


def test_an_alias_bomb_is_refused_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    started = time.perf_counter()
    problems = refusal("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 5
    assert len(problems) == 1
    assert problems[0].endswith(
        "the file expands to more than 200000 values (through anchors and aliases); "
        "write the values out instead of repeating aliases"
    )
