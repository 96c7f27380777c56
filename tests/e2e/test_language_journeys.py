"""A customer who reads German, and one who reads Chinese (#22): sign in, correct a detail (with a validation error on
the way), request an export, download it and read its report — every word in their language, found by test ids that
do not change with it. The expected words come from the same catalogues, read by this test process.

linus is the customer here: nothing else in the e2e suite reads his phone number or his exports."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from playwright.sync_api import Page, expect

from portal.catalogue import source_catalogue
from portal.i18n import _, using_locale
from portal.i18n.catalogs import languages
from portal.services.rights.identity_validation import validate_identity
from tests.e2e.flows import choose_export, field_error, open_identity_form, request_export, review_identity, sign_in
from tests.e2e.harness import save_download, snap

LINUS = "linus@example.com"
NEW_PHONE = {"de": "+49 30 901820", "zh_Hans": "+86 10 6552 9988"}


def _words(language: str, message: str) -> str:
    with using_locale(language):
        words = _(message)
    assert words != message, f"{message!r} is not translated into {language}"
    return words


@pytest.mark.parametrize("language", ["de", "zh_Hans"])
def test_a_customer_uses_the_portal_in_their_language(language: str, page: Page, base_url: str) -> None:
    page.context.add_cookies([{"name": "portal_lang", "value": language, "url": base_url}])
    sign_in(page, LINUS)
    tag = language.replace("_", "-")
    expect(page.locator("html")).to_have_attribute("lang", tag)
    name = {lang.code: lang.name for lang in languages()}[language]
    expect(page.get_by_test_id("language-menu")).to_contain_text(name)
    expect(page.get_by_role("heading", level=1)).to_have_text(_words(language, "Your data at a glance"))
    snap(page, f"language-{language}-overview")

    # Correct a detail: a wrong phone number is refused in the reader's language, a right one is filed.
    open_identity_form(page)
    review_identity(page, phone="12345")
    with using_locale(language):
        refusal = validate_identity({"phone": "12345"}).errors["phone"]
    assert "country code" not in refusal
    expect(field_error(page, "identity-input-phone")).to_have_text(refusal)
    snap(page, f"language-{language}-identity-error")
    review_identity(page, phone=NEW_PHONE[language])
    expect(page.get_by_test_id("identity-submit")).to_be_visible()
    page.get_by_test_id("identity-submit").click()
    expect(page.get_by_test_id("identity-dialog")).to_be_hidden()
    expect(page.get_by_test_id("field-phone")).to_have_text(NEW_PHONE[language], timeout=10_000)
    snap(page, f"language-{language}-identity-corrected")

    # Export two categories in every format, download it, and read the report.
    page.goto("/exports")
    expect(page.get_by_test_id("export-list")).to_be_visible()
    choose_export(page, ["registration", "identity"], ["json", "csv", "html"])
    request_id = request_export(page)
    download_button = page.get_by_test_id(f"export-download-{request_id}")
    expect(download_button).to_be_visible(timeout=60_000)
    with page.expect_download() as download_info:
        download_button.click()
    saved = save_download(download_info.value, f"export-{language}-{request_id}.zip")
    with zipfile.ZipFile(saved) as archive:
        report = archive.read("report.html").decode()
        data = json.loads(archive.read("data.json"))
        header = next(csv.reader(io.StringIO(archive.read("csv/identity/identity_profile.csv").decode())))
    assert f"<html lang={tag}" in report
    assert "categories" in data and "identity" in data["categories"]  # a machine contract: keys stay English
    _category, kind = source_catalogue().kind("identity_profile")
    english_header = [field.key for field in kind.fields]
    assert len(header) > len(english_header) and not set(header) & set(english_header), header  # translated labels

    page.set_content(report)
    heading = _words(language, "Your personal data held by {controller}")
    expect(page.locator("h1")).to_have_text(heading.format(controller=source_catalogue().controller_name))
    assert not re.search(r"\bYour personal data\b", page.locator("body").inner_text())
    snap(page, f"language-{language}-report")


def test_the_address_pins_a_language_and_the_menu_switches_it(page: Page) -> None:
    """`?lang=fr` pins French (and the next pages keep it); the menu on the sign-in page switches to Spanish."""
    page.goto("/login?lang=fr")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    assert cookies.get("portal_lang") == "fr"
    page.goto("/forgot-password")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_test_id("language-menu").click()
    page.get_by_test_id("language-es").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).not_to_have_text(re.compile(r"password", re.IGNORECASE))
    snap(page, "language-es-forgot-password")
