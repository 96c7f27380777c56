"""The shipped translations are complete and current (#22): what CI checks on every run.

- The template (portal/i18n/locales/messages.pot) holds exactly the messages Babel extracts from the code now: a
  message added in code without `pybabel extract` fails here, naming it (docs/translations.md says how to update).
- German, French, Spanish and Simplified Chinese ship, and each catalogue has every message of the template, none
  empty or fuzzy, every plural form, the same placeholders (the start-up check, `catalogue_problems`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from portal.i18n.catalogs import TEMPLATE, catalogue_problems, language_codes

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "N_": None,
    "format_count": (2, 3),
}
SHIPPED = ("de", "fr", "es", "zh_Hans")


def _key(message: str | tuple[str, ...], context: str | None) -> tuple[str | None, str]:
    singular = message[0] if isinstance(message, tuple) else message
    return context, singular


def test_the_template_holds_every_message_of_the_code_and_no_other() -> None:
    extracted = {
        _key(message, context)
        for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT / "portal"), method_map=[("**.py", "python")], keywords=KEYWORDS
        )
    }
    with TEMPLATE.open("rb") as file:
        template = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in read_po(file) if m.id}
    missing, stale = sorted(extracted - template, key=str), sorted(template - extracted, key=str)
    assert not missing and not stale, (
        f"run pybabel extract (docs/translations.md): not in the template: {missing[:20]}; "
        f"no longer in the code: {stale[:20]}"
    )


def test_every_language_ships() -> None:
    assert set(SHIPPED) <= set(language_codes())


@pytest.mark.parametrize("code", SHIPPED)
def test_every_message_is_translated_with_its_placeholders_and_plural_forms(code: str) -> None:
    problems = catalogue_problems(code)
    assert not problems, f"{len(problems)} problem(s) in {code}:\n" + "\n".join(problems[:50])
