"""The pseudo-locale `qps`: every translated string comes back bracketed and accented ("⟦Ŷöûŕ ðåţå⟧").

A page shown in it reveals at a glance, and to a test by rule, any text that did not pass through a catalogue: it is
the only text without the brackets. Accents show clipped glyphs; the padding (about 30 %, as German) shows text that
no longer fits. Placeholders ("{count}") and markup stay untouched so `.format()` still works."""

from __future__ import annotations

import re

PSEUDO_LOCALE = "qps"
OPEN, CLOSE = "⟦", "⟧"

_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
# Kept as they are: "{name}" and "{count:,}" placeholders, %-style ones, and HTML tags and entities.
_PROTECTED = re.compile(r"\{[^{}]*\}|%(?:\([^)]*\))?[sdif]|<[^>]*>|&[a-z]+;")


def pseudo(message: str) -> str:
    if not message:
        return message
    parts: list[str] = []
    last = 0
    for match in _PROTECTED.finditer(message):
        parts.append(message[last : match.start()].translate(_ACCENTED))
        parts.append(match.group(0))
        last = match.end()
    parts.append(message[last:].translate(_ACCENTED))
    letters = sum(ch.isalpha() for ch in message)
    padding = "·" * (letters * 3 // 10)
    return f"{OPEN}{''.join(parts)}{padding}{CLOSE}"


def is_pseudo(text: str) -> bool:
    return OPEN in text and CLOSE in text
