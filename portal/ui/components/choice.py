"""Test id, props and classes for a choice element (a select, radio or toggle) in one update.

NiceGUI rebuilds a choice element's whole list of options on every update, and every change of its props or
classes is an update: `.props("dense outlined options-dense")` alone rebuilds them three times. Held back and
sent once, the element is the same for a fraction of the server's time (issue #24)."""

from __future__ import annotations

from typing import TypeVar

from nicegui.elements.choice_element import ChoiceElement

from .testid import tid

C = TypeVar("C", bound=ChoiceElement)


def dressed(element: C, testid: str, props: str, classes: str = "") -> C:
    with element.props.suspend_updates(), element.classes.suspend_updates():
        tid(element, testid).props(props).classes(classes)
    element.update()
    return element
