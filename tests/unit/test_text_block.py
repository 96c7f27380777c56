"""`portal.ui.components.text_block`: labels written as markup go into a `ui.html` that is not sanitised again, so
every text and attribute must come out escaped, and the markup must be what the labels it replaces rendered."""

from __future__ import annotations

from portal.ui.components import text_block


def test_a_label_is_the_markup_of_ui_label_with_its_test_id_and_data_mark() -> None:
    assert text_block.label("Ada") == "<div>Ada</div>"
    assert text_block.label("Ada", "text-sm  text-sm font-medium", testid="field-name", data=True) == (
        '<div class="text-sm font-medium" data-testid="field-name" data-i18n="data">Ada</div>'
    )


def test_text_and_attributes_are_escaped() -> None:
    hostile = '<img src=x onerror="alert(1)"> & Co'
    assert text_block.label(hostile) == '<div>&lt;img src=x onerror="alert(1)"&gt; &amp; Co</div>'
    marked = text_block.label("x", 'a" onclick="b', testid='t" onclick="c')
    assert 'onclick="' not in marked and marked.count('"') == 4


def test_a_column_holds_its_parts_as_ui_column_lays_them_out() -> None:
    parts = [text_block.label("one"), text_block.label("two")]
    assert text_block.column(parts, "gap-0", testid="facts") == (
        '<div class="nicegui-column gap-0" data-testid="facts"><div>one</div><div>two</div></div>'
    )
