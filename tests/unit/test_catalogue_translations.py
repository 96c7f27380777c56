"""The catalogue's translations (data/policy/catalogue-<version>.<code>.json): the shipped ones load and change only
texts; a broken one names its file and every path; get_catalogue() answers in the current language."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.catalogue import CatalogueError, get_catalogue, load_catalogue, load_catalogues, loader, source_catalogue
from portal.catalogue.translation import ENGLISH_NOTICE, rewrite_texts, texts
from portal.config import ROOT
from portal.i18n import using_locale
from portal.i18n.pseudo import is_pseudo, pseudo

SHIPPED = ROOT / "data" / "policy"
LANGUAGES = ("de", "es", "fr", "zh_Hans")
SAME_WORD = {"Cookies"}  # a title that German, French and Spanish write as English does
NOTICES = {
    "de": "Dies ist eine Übersetzung; maßgeblich ist die englische Fassung.",
    "fr": "Ceci est une traduction\u00a0; la version anglaise fait foi.",
    "es": "Esta es una traducción; prevalece la versión en inglés.",
    "zh_Hans": "本文为译文，以英文版本为准。",
}


@pytest.fixture
def catalogue_cache() -> Iterator[None]:
    """get_catalogue() from the shipped directory, loaded afresh and forgotten after the test."""
    loader.reset_catalogue()
    yield
    loader.reset_catalogue()


def _english() -> Any:
    return list(load_catalogue(SHIPPED).values())[-1]


def _copy(tmp_path: Path) -> Path:
    directory = tmp_path / "policy"
    shutil.copytree(SHIPPED, directory)
    return directory


def _edit(file: Path, change: Callable[[dict[str, Any]], object]) -> None:
    document = json.loads(file.read_text(encoding="utf-8"))
    change(document)
    file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def _refused(directory: Path, languages: tuple[str, ...] = ()) -> str:
    with pytest.raises(CatalogueError) as error:
        load_catalogues(directory, languages)
    return str(error.value)


# --- the shipped translations ----------------------------------------------------------------------------------------


def test_the_four_shipped_translations_load() -> None:
    catalogues = load_catalogues(SHIPPED, LANGUAGES)
    assert set(catalogues.translations) == {("1.0", code) for code in LANGUAGES}
    for code in LANGUAGES:
        translated = catalogues.get(code)
        assert translated.language == code
        assert translated.translation_notice == NOTICES[code]
    assert catalogues.get("en").translation_notice is None


@pytest.mark.parametrize("code", LANGUAGES)
def test_a_translation_changes_texts_and_nothing_else(code: str) -> None:
    english, translated = _english(), load_catalogues(SHIPPED).get(code)
    assert list(texts(translated)) == list(texts(english)), "the same paths, in the same order"
    blank = {"language": "en", "translation_notice": None}
    # With every text made the same, the two are equal: every key, id, number, flag, name and contact is English.
    assert rewrite_texts(translated, lambda _, __: "x", **blank) == rewrite_texts(english, lambda _, __: "x")
    assert translated.controller_name == english.controller_name
    assert [r.legal_name for r in translated.recipients.values()] == [r.legal_name for r in english.recipients.values()]
    # Titles and policy quotes are all translated (a label may be the same word: "Status", "Browser", "Fax").
    source, target = texts(english), texts(translated)
    for path in source:
        if path.endswith((".title", ".policy_text", ".policy_heading", ".explanation", ".description", ".summary")):
            assert target[path] != source[path] or source[path] in SAME_WORD, f"{code}: {path} is still English"


def test_the_translations_keep_the_policy_sections_in_policy_order() -> None:
    for code in LANGUAGES:
        translated = load_catalogues(SHIPPED).get(code)
        assert list(translated.categories) == list(_english().categories)
        assert [n.key for n in translated.not_collected] == ["ewelink_commands", "appliance_recordings"]


# --- broken translations are refused, naming file and path -----------------------------------------------------------


def _drop(path: str) -> Callable[[dict[str, Any]], object]:
    return lambda d: d["texts"].pop(path)


def _set(path: str, text: str) -> Callable[[dict[str, Any]], object]:
    return lambda d: d["texts"].__setitem__(path, text)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_drop("categories.identity.title"), "categories.identity.title: missing"),
        (_set("purposes.usage_analytics.title", "  "), "purposes.usage_analytics.title: empty"),
        (_set("categories.identity.nickname", "Spitzname"), "categories.identity.nickname: not in the English"),
        # English has no policy_text for this purpose: a translation cannot add one.
        (_set("purposes.marketing_email.policy_text", "Zitat"), "purposes.marketing_email.policy_text: not in the"),
        (_set("categories.identity.kinds.identity_profile.fields.street.label", 3), "is required and must be a"),
        (lambda d: d.pop("notice"), "notice: is required"),
        (lambda d: d.update(notice=""), "notice: is required and must be a non-empty string"),
        (lambda d: d.update(notes="x"), "notes: is not a field of the catalogue schema"),
        (lambda d: d.update(language="fr"), "language: 'fr' does not match the file name ('de')"),
        (lambda d: d.update(translation_of="1.1"), "translation_of: '1.1' does not match the file name ('1.0')"),
    ],
)
def test_a_broken_translation_names_file_and_path(tmp_path: Path, change: Any, expected: str) -> None:
    directory = _copy(tmp_path)
    file = directory / "catalogue-1.0.de.json"
    _edit(file, change)
    message = _refused(directory)
    assert str(file) in message
    assert expected in message


def test_every_problem_of_every_file_is_named_at_once(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _edit(directory / "catalogue-1.0.de.json", _drop("summary"))
    _edit(directory / "catalogue-1.0.de.json", _drop("portal_records.audit_event.reason"))
    _edit(directory / "catalogue-1.0.fr.json", _set("recipients.hosting.role", ""))
    message = _refused(directory)
    assert f"{directory / 'catalogue-1.0.de.json'}: 2 problem(s)" in message
    assert "summary: missing" in message and "portal_records.audit_event.reason: missing" in message
    assert (
        f"{directory / 'catalogue-1.0.fr.json'}: 1 problem(s)" in message
        and "recipients.hosting.role: empty" in message
    )


def test_a_changed_placeholder_is_refused(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _edit(directory / "catalogue-1.0.json", lambda d: d.update(summary=d["summary"] + " Write to {contact}."))
    _edit(directory / "catalogue-1.0.de.json", _set("summary", "Schreiben Sie an {kontakt}."))
    _edit(directory / "catalogue-1.0.fr.json", _set("summary", "Écrivez à {contact}."))  # kept: accepted
    _edit(directory / "catalogue-1.0.es.json", _set("summary", "Escriba."))  # dropped
    _edit(directory / "catalogue-1.0.zh_Hans.json", _set("summary", "请写信给 {contact} 或 {email}。"))  # added
    message = _refused(directory)
    assert "catalogue-1.0.de.json: 1 problem(s)" in message
    assert "summary: placeholders {kontakt} (the English has {contact})" in message
    assert "catalogue-1.0.fr.json" not in message
    assert "summary: placeholders none (the English has {contact})" in message
    assert "summary: placeholders {contact}, {email} (the English has {contact})" in message


def test_a_shipped_language_without_a_translation_stops_the_start(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "catalogue-1.0.es.json").unlink()
    # "es" ships (it has a gettext catalogue), and "it" too: both need the policy in force translated.
    message = _refused(directory, ("es", "it"))
    assert f"{directory / 'catalogue-1.0.es.json'}: file not found" in message
    assert f"{directory / 'catalogue-1.0.it.json'}: file not found" in message
    assert set(load_catalogues(SHIPPED, ("de", "es")).translations) == {("1.0", code) for code in LANGUAGES}


def test_a_translation_of_the_old_policy_does_not_translate_the_new_one(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _edit(directory / "catalogue-1.0.json", lambda d: d.update(policy_version="1.1"))
    (directory / "catalogue-1.0.json").rename(directory / "catalogue-1.1.json")
    message = _refused(directory)
    assert f"{directory / 'catalogue-1.0.de.json'}: there is no English catalogue-1.0.json" in message
    assert f"{directory / 'catalogue-1.1.de.json'}: file not found" in message


def test_translation_files_that_cannot_be_read_are_named(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "catalogue-1.0.de.json").write_text('{"language": "de",', encoding="utf-8")
    (directory / "catalogue-1.0.en.json").write_text(
        (directory / "catalogue-1.0.fr.json").read_text(encoding="utf-8").replace('"fr"', '"en"', 1), encoding="utf-8"
    )
    message = _refused(directory)
    assert f"{directory / 'catalogue-1.0.de.json'}: line 1 column 19: invalid JSON" in message
    assert f"{directory / 'catalogue-1.0.en.json'}: 'en' is not translated by a file" in message


# --- get_catalogue() in the current language -------------------------------------------------------------------------


def test_get_catalogue_answers_in_the_current_language(catalogue_cache: None) -> None:
    english = get_catalogue()
    assert english.categories["identity"].title == "Identity data"
    assert english.language == "en" and english.translation_notice is None
    with using_locale("de"):
        german = get_catalogue()
        assert german.categories["identity"].title == "Identitätsdaten"
        assert german.purposes["usage_analytics"].title == "Nutzungsanalyse"
        assert german.categories["registration"].kinds[0].fields[0].label == "Benutzername"
        assert german.translation_notice == NOTICES["de"]
        assert get_catalogue() is german, "cached per (version, locale)"
        assert source_catalogue() is english, "language-neutral code still reads English"
        assert get_catalogue("en") is english
    assert list(german.categories) == list(english.categories)
    assert list(german.purposes) == list(english.purposes)
    assert list(german.recipients) == list(english.recipients)
    assert list(german.portal_records) == list(english.portal_records)
    assert [k.key for c in german.categories.values() for k in c.kinds] == [
        k.key for c in english.categories.values() for k in c.kinds
    ]
    with using_locale("zh_Hans"):
        assert get_catalogue().categories["usage"].title == "使用数据"
    assert get_catalogue("fr").categories["technical"].title == "Données techniques"
    assert (
        get_catalogue("es", version="1.0").legal_bases["consent"].reference == "art. 6, apartado 1, letra a), del RGPD"
    )


def test_the_pseudo_locale_brackets_every_catalogue_text(catalogue_cache: None) -> None:
    english = get_catalogue()
    with using_locale("qps"):
        shown = get_catalogue()
        assert get_catalogue() is shown
    assert list(texts(shown)) == list(texts(english))
    assert all(is_pseudo(text) for text in texts(shown).values())
    assert shown.categories["identity"].title == pseudo("Identity data")
    assert shown.translation_notice == pseudo(ENGLISH_NOTICE)
    assert shown.controller_name == english.controller_name, "names are not texts to translate"
    assert shown.recipients["hosting"].legal_name == english.recipients["hosting"].legal_name


def test_a_language_without_a_translation_gets_english(catalogue_cache: None) -> None:
    with using_locale("it"):
        assert get_catalogue() is source_catalogue()
    with pytest.raises(KeyError):
        get_catalogue(version="0.1")


def test_a_recipient_label_reads_as_before_in_english(catalogue_cache: None) -> None:
    analytics = get_catalogue().recipients["analytics"]
    assert analytics.label == (
        "Metricly Analytics Inc. (web analytics provider, processor, United States); transferred under EU Standard "
        "Contractual Clauses (Commission Decision 2021/914, module 2) and the EU-US Data Privacy Framework "
        "certification of Metricly Analytics Inc."
    )
    with using_locale("qps"):
        label = get_catalogue().recipients["hosting"].label
    assert "EuroStack Cloud GmbH" in label and is_pseudo(label)


def test_shipped_languages_never_include_english() -> None:
    assert "en" not in loader.shipped_languages()
