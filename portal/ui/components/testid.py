"""Stable test hooks: every element QA reads or clicks gets a data-testid and a NiceGUI marker."""

from typing import TypeVar

from nicegui import ui

E = TypeVar("E", bound=ui.element)


def tid(element: E, name: str) -> E:
    element.mark(name)
    element.props(f'data-testid="{name}"')
    return element


def data(element: E) -> E:
    """Marks text that is a person's data, not the portal's words (a name, an address, a record's value): the
    pseudo-locale check (tests/e2e/test_translated_pages.py) leaves it alone, and no catalogue ever translates it."""
    element.props('data-i18n="data"')
    return element
