"""What the layout walk (test_layout.py) checks on every page, in the browser: the page never scrolls sideways, no
table cell is cut off, no field's label lies over its text. Each check returns readable problems, not booleans.

Kept apart from the test so a journey can run the same checks on a page it is on (a dialog, a filtered table)."""

from __future__ import annotations

from playwright.sync_api import Page

# One pass over the page in the browser. A cell whose content is wider than the cell is cut off unless the table
# sits in a container that scrolls sideways (the user can scroll to it); a cell that a clipping, non-scrolling
# container cuts is cut off too. A label covers its field's text when they share more than a fifth of the
# label's box (the text: a value, a chosen option, or a date box's own dd/mm/yyyy).
_CHECK = """
() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) {
    const wide = [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > doc.clientWidth + 1)
      .slice(-3).map(e => e.closest('[data-testid]')?.dataset.testid || e.className || e.tagName);
    problems.push(`the page scrolls sideways: ${doc.scrollWidth} px wide in ${doc.clientWidth} (${wide.join(', ')})`);
  }
  const shown = e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
  };
  const where = e => e.closest('[data-testid]')?.dataset.testid || e.tagName.toLowerCase();
  const text = e => (e.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
  for (const cell of document.querySelectorAll('td, th')) {
    if (!shown(cell)) continue;
    let container = null;
    for (let a = cell.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') { container = a; break; }
    }
    const scrolls = container && ['auto', 'scroll'].includes(getComputedStyle(container).overflowX);
    if (cell.scrollWidth > cell.clientWidth + 1 && !scrolls) {
      const sizes = `needs ${cell.scrollWidth} px, has ${cell.clientWidth}`;
      problems.push(`a cell of ${where(cell)} is cut off: "${text(cell)}" ${sizes}`);
    }
    if (container && !scrolls) {
      const c = container.getBoundingClientRect(), r = cell.getBoundingClientRect();
      if (r.right > c.right + 1) problems.push(`a cell of ${where(cell)} is clipped: "${text(cell)}"`);
    }
  }
  // Where a field's text is: a select's chosen value is in the page; an input's is centred in its box, as wide as
  // the text; a textarea's first line is at its top. A placeholder shows only once the label has moved up (Quasar
  // hides it under a resting label), except a date box's own dd/mm/yyyy, which the browser always draws.
  const textBox = (field, native, input) => {
    if (native && native !== input && native.innerText.trim()) {
      const range = document.createRange(); range.selectNodeContents(native);
      return range.getBoundingClientRect();
    }
    if (!input || !(input.value || input.type === 'date')) return null;
    const n = input.getBoundingClientRect(), style = getComputedStyle(input);
    const line = parseFloat(style.fontSize) * 1.2;
    const padTop = parseFloat(style.paddingTop) || 0, padBottom = parseFloat(style.paddingBottom) || 0;
    const inner = n.height - padTop - padBottom;  // Quasar pads an input's top where a floated label goes
    const top = input.tagName === 'TEXTAREA' ? n.top + padTop : n.top + padTop + (inner - line) / 2;
    const canvas = textBox.canvas || (textBox.canvas = document.createElement('canvas'));
    const context = canvas.getContext('2d'); context.font = style.font;
    const firstLine = input.value.split('\\n')[0];
    const width = input.type === 'date' ? n.width : Math.min(n.width, context.measureText(firstLine).width);
    return {top, bottom: top + line, left: n.left, right: n.left + width, width, height: line};
  };
  for (const field of document.querySelectorAll('.q-field')) {
    const label = field.querySelector('.q-field__label');
    if (!shown(field) || !label || !shown(label) || !label.innerText.trim()) continue;
    const native = field.querySelector('.q-field__native');
    const input = field.querySelector('input, textarea');
    const t = textBox(field, native, input);
    if (!t || t.width <= 0) continue;
    const l = label.getBoundingClientRect();
    const overlap = Math.max(0, Math.min(l.bottom, t.bottom) - Math.max(l.top, t.top))
      * Math.max(0, Math.min(l.right, t.right) - Math.max(l.left, t.left));
    if (overlap > 0.2 * l.width * l.height) {
      const held = (input && input.value) || (native && native.innerText) || 'a date';
      const name = label.innerText.trim();
      problems.push(`the label "${name}" of ${where(field)} lies over its text "${held.trim().slice(0, 30)}"`);
    }
  }
  return problems;
}
"""


# CSS transitions still running: a field's label floats up over 0.36 s once the field has a value, and measured
# half way it lies over the text (seen in CI: "the label "Field" lies over its text "Status"" right after a pick).
# Only transitions: a spinner's or skeleton's animation never ends.
_SETTLED = "() => document.getAnimations().every(a => !(a instanceof CSSTransition) || a.playState !== 'running')"


def layout_problems(page: Page, label: str) -> list[str]:
    """The layout problems of the page once its CSS transitions have ended, each prefixed with `label` (which
    page, which width)."""
    page.wait_for_function(_SETTLED)
    return [f"{label}: {problem}" for problem in page.evaluate(_CHECK)]
