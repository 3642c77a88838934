"""A template part is checked to be well-formed XML once when no value can change its
shape (contractgen.word.wellformed), and for every document otherwise: a template whose
{% if %} or {% for %} spans paragraphs or table cells is still refused for the values
that break it, whatever was rendered before."""

from __future__ import annotations

import pytest
from conftest import ROOT
from lxml import etree
from markupsafe import Markup

from contractgen.base.errors import TemplateError
from contractgen.word.template import WordTemplate

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
INVALID = "rendering produced invalid Word XML"


def template(body: str) -> WordTemplate:
    xml = f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    tpl = WordTemplate(shown="t.docx", parts={"word/document.xml": xml.encode("utf-8")})
    tpl._compile()
    return tpl


def render(tpl: WordTemplate, **context: object) -> bytes:
    return tpl.render_parts(dict(context), ["word/document.xml"])["word/document.xml"]


def para(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


@pytest.mark.parametrize("name", ["letter.docx", "schedule.docx"])
def test_the_shipped_templates_are_checked_once(name: str) -> None:
    tpl = WordTemplate.load(ROOT / "templates" / name)
    assert tpl.shapes and all(shape.fixed for shape in tpl.shapes.values())


def test_an_if_from_a_table_cell_to_a_paragraph_is_refused_when_it_breaks_the_xml() -> None:
    tpl = template(f"<w:tbl><w:tr><w:tc>{para('{% if x %}A')}</w:tc></w:tr></w:tbl>{para('B{% endif %}')}")
    assert not tpl.shapes["word/document.xml"].fixed
    for _ in range(3):  # rendered well before: still checked
        etree.fromstring(render(tpl, x=True))
    with pytest.raises(TemplateError, match=INVALID):
        render(tpl, x=False)


def test_an_if_spanning_paragraphs_is_checked_for_every_document() -> None:
    # from a plain paragraph into a hyperlink: the XML breaks only when the if is false
    tpl = template(para("Dear {% if x %}A") + f'<w:p><w:hyperlink><w:r><w:t>B{{% endif %}}</w:t></w:r></w:hyperlink></w:p>')
    assert not tpl.shapes["word/document.xml"].fixed
    etree.fromstring(render(tpl, x=True))
    with pytest.raises(TemplateError, match=INVALID):
        render(tpl, x=False)


def test_a_for_loop_across_table_rows_is_checked_for_every_document() -> None:
    tpl = template(f"<w:tbl><w:tr><w:tc>{para('{% for i in items %}{{ i }}')}</w:tc></w:tr></w:tbl>{para('{% endfor %}')}")
    assert not tpl.shapes["word/document.xml"].fixed
    etree.fromstring(render(tpl, items=["a"]))
    with pytest.raises(TemplateError, match=INVALID):
        render(tpl, items=["a", "b"])


def test_whole_paragraphs_in_ifs_and_loops_are_well_formed_for_any_values() -> None:
    tpl = template(
        "{% for i in items %}" + para("{{ i }}") + "{% endfor %}"
        + "{% if x %}" + para("{{ name }}") + "{% elif y %}" + para("y") + "{% else %}{% endif %}"
        + para("{% if x %}&lt;&amp;&gt;{{ name }}{% endif %} and {{ name }}")
    )
    shape = tpl.shapes["word/document.xml"]
    assert shape.fixed and shape.values_in_text
    for items, x, y, name in [([], False, False, ""), (["a"], True, False, "<b> & \"c\"\nd"), (["<", "\u2011", "]]"], False, True, "]]")]:
        etree.fromstring(render(tpl, items=items, x=x, y=y, name=name))


def test_a_value_that_breaks_the_xml_where_it_stands_is_refused() -> None:
    # a line break becomes </w:t><w:br/><w:t>: outside a <w:t> it breaks the XML
    tpl = template("<w:p><w:r><w:t>{{ a }}</w:t></w:r>{{ b }}</w:p>")
    assert tpl.shapes["word/document.xml"].loose == (("b",),)
    etree.fromstring(render(tpl, a="one\ntwo", b="text"))
    with pytest.raises(TemplateError, match=INVALID):
        render(tpl, a="one", b="one\ntwo")


def test_xml_values_are_checked_unless_whole() -> None:
    tpl = template("<w:p>{{ run }}</w:p>")
    etree.fromstring(render(tpl, run=Markup("<w:r><w:t>a</w:t></w:r>")))
    with pytest.raises(TemplateError, match=INVALID):
        render(tpl, run=Markup("<w:r><w:t>a</w:t>"))
    with pytest.raises(TemplateError, match=INVALID):
        render(template('<w:p w:rsidR="{{ run }}"/>'), run=Markup("<w:r/>"))


def test_text_beside_a_value_that_could_close_cdata_is_checked() -> None:
    tpl = template(para("{{ a }}]>"))
    assert not tpl.shapes["word/document.xml"].fixed
    etree.fromstring(render(tpl, a="x"))
    with pytest.raises(TemplateError, match=INVALID):
        render(tpl, a="]")


def test_a_template_that_sets_or_prints_constants_is_checked_for_every_document() -> None:
    assert not template(para("{% set x = 1 %}{{ x }}")).shapes["word/document.xml"].fixed
    assert not template(para("{{ 'a' }}")).shapes["word/document.xml"].fixed
