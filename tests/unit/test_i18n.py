"""The i18n core: language negotiation, the pseudo-locale, Babel's formats, and the start-up check that refuses a
language whose catalogue is incomplete (built in a temporary locales directory with Babel's own writer)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from portal.i18n import (
    PSEUDO_LOCALE,
    TranslationError,
    _,
    catalogs,
    check_catalogues,
    choose,
    from_accept_language,
    known,
    ngettext,
    using_locale,
)
from portal.i18n import formats as f
from portal.i18n.pseudo import pseudo


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A locales directory of our own: the template with three messages, and catalogues the test writes."""
    template = Catalog(locale=None, domain="messages")
    template.add("Your data")
    template.add(("{count} record", "{count} records"))
    template.add("Sent on {date}")
    (tmp_path / "messages.pot").write_bytes(b"")
    with (tmp_path / "messages.pot").open("wb") as file:
        write_po(file, template)
    monkeypatch.setattr(catalogs, "LOCALES_DIR", tmp_path)
    monkeypatch.setattr(catalogs, "TEMPLATE", tmp_path / "messages.pot")
    catalogs.languages.cache_clear()
    catalogs.translations.cache_clear()
    yield tmp_path
    catalogs.languages.cache_clear()
    catalogs.translations.cache_clear()


def _write(root: Path, code: str, entries: dict[object, object], fuzzy: tuple[str, ...] = ()) -> None:
    catalog = Catalog(locale=code, domain="messages")
    for msgid, msgstr in entries.items():
        flags = ("fuzzy",) if msgid in fuzzy else ()
        catalog.add(msgid, msgstr, flags=flags)  # type: ignore[arg-type]
    folder = root / code / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as file:
        write_po(file, catalog)


GERMAN = {
    "Your data": "Ihre Daten",
    ("{count} record", "{count} records"): ("{count} Datensatz", "{count} Datensätze"),
    "Sent on {date}": "Gesendet am {date}",
}


def test_a_complete_language_ships_and_translates_with_its_plural_rule(locales: Path) -> None:
    _write(locales, "de", GERMAN)
    _write(
        locales,
        "zh_Hans",
        {
            "Your data": "您的数据",
            ("{count} record", "{count} records"): ("{count} 条记录",),
            "Sent on {date}": "发送于 {date}",
        },
    )
    check_catalogues()  # complete: no error
    assert [language.code for language in catalogs.languages()] == ["en", "de", "zh_Hans"]
    with using_locale("de"):
        assert _("Your data") == "Ihre Daten"
        assert ngettext("{count} record", "{count} records", 1).format(count=1) == "1 Datensatz"
        assert ngettext("{count} record", "{count} records", 2).format(count=2) == "2 Datensätze"
    with using_locale("zh_Hans"):
        assert ngettext("{count} record", "{count} records", 1).format(count=1) == "1 条记录"
        assert ngettext("{count} record", "{count} records", 5).format(count=5) == "5 条记录"
    assert _("Your data") == "Your data"  # English outside the block


@pytest.mark.parametrize(
    ("entries", "fuzzy", "named"),
    [
        ({k: v for k, v in GERMAN.items() if k != "Your data"}, (), "'Your data': missing"),
        ({**GERMAN, "Your data": ""}, (), "'Your data': not translated"),
        (GERMAN, ("Your data",), "'Your data': marked fuzzy"),
        ({**GERMAN, "Sent on {date}": "Gesendet am {datum}"}, (), "'Sent on {date}': placeholders ['datum']"),
        ({**GERMAN, ("{count} record", "{count} records"): ("{count} Datensatz", "")}, (), "needs 2 plural form(s)"),
    ],
    ids=["missing", "empty", "fuzzy", "placeholder", "plural"],
)
def test_an_incomplete_language_stops_the_start_up_naming_what_is_missing(
    locales: Path, entries: dict[object, object], fuzzy: tuple[str, ...], named: str
) -> None:
    _write(locales, "de", entries, fuzzy)
    with pytest.raises(TranslationError) as refused:
        check_catalogues()
    assert "de/LC_MESSAGES/messages.po" in str(refused.value)
    assert named in str(refused.value)


def test_the_language_comes_from_the_address_then_the_cookie_then_the_account_then_the_browser(locales: Path) -> None:
    for code in ("de", "fr", "zh_Hans"):
        _write(locales, code, {"Your data": "x"})
    assert choose(query="fr", cookie="de", saved="de", accept_language="de") == "fr"
    assert choose(query=None, cookie="de", saved="fr", accept_language="fr") == "de"
    assert choose(query=None, cookie=None, saved="fr", accept_language="de") == "fr"
    assert choose(query=None, cookie=None, saved=None, accept_language="pt-BR,de-CH;q=0.8,en;q=0.5") == "de"
    assert choose(query=None, cookie=None, saved=None, accept_language="pt-BR,ja;q=0.8") == "en"
    assert choose(query="<script>", cookie="xx", saved=None, accept_language=None) == "en"  # never trusted
    assert from_accept_language("zh-CN,zh;q=0.9") == "zh_Hans"
    assert known("zh-Hant") is None  # traditional Chinese does not ship: not given simplified instead
    assert known(PSEUDO_LOCALE) == PSEUDO_LOCALE and known(PSEUDO_LOCALE, allow_pseudo=False) is None


def test_the_pseudo_locale_brackets_accents_and_keeps_placeholders() -> None:
    text = pseudo("Sent on {date} to <b>{name}</b>")
    assert text.startswith("⟦") and text.endswith("⟧")
    assert "{date}" in text and "{name}" in text and "<b>" in text and "Sent" not in text
    with using_locale(PSEUDO_LOCALE):
        assert _("Sent on {date}").format(date="2026-01-05").startswith("⟦")
        assert "2026-01-05" in _("Sent on {date}").format(date="2026-01-05")


def test_babel_formats_follow_the_language_and_the_time_zone() -> None:
    moment = datetime(2026, 9, 28, 12, 1, tzinfo=UTC)
    assert f.format_datetime(moment) == "2026-09-28 12:01 UTC"  # English: the portal's ISO-style times
    assert f.format_number(50000) == "50,000" and f.format_money(31950, "EUR") == "€319.50"
    with using_locale("de", "Europe/Berlin"):
        assert f.format_datetime(moment) == "28.09.2026 14:01 CEST"
        assert f.format_number(50000) == "50.000"
        assert f.format_money(31950, "EUR") == "319,50\xa0€"
        assert f.format_bytes(3_100_000) == "3,1 MB"
    with using_locale("zh_Hans", "Asia/Shanghai"):
        assert f.format_table_time(moment) == "2026年9月28日 20:01"
        assert f.format_long_date(moment) == "2026年9月28日"
    with using_locale("fr", "Europe/Paris"):
        assert f.format_long_date(moment) == "28 septembre 2026"
