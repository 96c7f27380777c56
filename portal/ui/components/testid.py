"""Stable test hooks: every element QA reads or clicks gets a data-testid and a NiceGUI marker."""

from typing import TypeVar

from nicegui import ui

E = TypeVar("E", bound=ui.element)


def tid(element: E, name: str) -> E:
    element.mark(name)
    element.props(f'data-testid="{name}"')
    return element
