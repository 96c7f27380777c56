"""Rights journeys: correcting identity details (and a validation error on the way), changing the email address
through the link the portal mails (read from the suite's real SMTP server), giving and withdrawing a consent,
a Global Privacy Control signal, and withdrawal with a signed deletion receipt.

The journeys that change data other journeys rely on (ada's identity and email, margaret's account) use
`reset_demo`: the demo state before and after them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from email.message import EmailMessage

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.flows import (
    DEMO_PASSWORD,
    GENERIC_LOGIN_ERROR,
    field_error,
    open_identity_form,
    path_of,
    review_identity,
    set_consent,
    sign_in,
    sign_out,
    transitions_done,
    wait_until,
)
from tests.e2e.harness import save_download, snap
from tests.e2e.smtp_server import MailServer, body_of, link_in

ADA = "ada@example.com"
ADA_NEW = "ada.new@example.com"
GRACE = "grace@example.com"
MARGARET = "margaret@example.com"
ADA_PHONE = "+44 20 7946 0958"
CORRECTED_ON = re.compile(r"^corrected on \d{4}-\d{2}-\d{2}$")


def _history_rows(page: Page) -> list[list[str]]:
    """The consent history table's rows on its first page (newest first), as lists of cell texts."""
    rows = page.get_by_test_id("consent-history-table").locator("tbody tr")
    expect(rows.first).to_be_visible()
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in rows.all()]


def test_customer_corrects_identity_after_a_validation_error(page: Page, reset_demo: Callable[[], None]) -> None:
    new_phone = "+44 20 7946 0123"
    sign_in(page, ADA)
    page.get_by_test_id("nav-data-identity").click()
    page.wait_for_url("**/data/identity")
    expect(page.get_by_test_id("field-phone")).to_have_text(ADA_PHONE)
    expect(page.get_by_test_id("field-phone-corrected")).to_have_text("")
    snap(page, "identity-before-correction")

    open_identity_form(page)
    expect(page.get_by_test_id("identity-input-phone")).to_have_value(ADA_PHONE)
    review_identity(page, phone="12345")
    expect(page.get_by_test_id("identity-error")).to_have_text("Please correct the highlighted fields.")
    expect(field_error(page, "identity-input-phone")).to_have_text(
        "Enter the phone number with its country code, e.g. +44 20 7946 0958."
    )
    expect(field_error(page, "identity-input-phone")).to_be_visible()
    expect(page.get_by_test_id("identity-submit")).to_be_hidden()
    transitions_done(page)
    snap(page, "identity-phone-validation-error")

    review_identity(page, phone=new_phone)
    expect(page.get_by_test_id("identity-dialog")).not_to_contain_text("with its country code")
    expect(page.get_by_test_id("identity-change-phone")).to_have_text(f"Phone: {ADA_PHONE} → {new_phone}")
    expect(page.get_by_test_id("identity-changes").locator('[data-testid^="identity-change-"]')).to_have_count(1)
    expect(page.get_by_test_id("identity-submit")).to_be_visible()
    snap(page, "identity-review-old-to-new")

    page.get_by_test_id("identity-submit").click()
    expect(page.get_by_test_id("identity-dialog")).to_be_hidden()
    expect(page.get_by_test_id("field-phone")).to_have_text(new_phone, timeout=10_000)
    expect(page.get_by_test_id("field-phone-corrected")).to_have_text(CORRECTED_ON, timeout=10_000)
    expect(page.get_by_test_id("field-full_name-corrected")).to_have_text("")
    snap(page, "identity-corrected")

    page.reload()  # it is stored, not just shown
    expect(page.get_by_test_id("field-phone")).to_have_text(new_phone)
    expect(page.get_by_test_id("field-phone-corrected")).to_have_text(CORRECTED_ON)


def test_customer_changes_email_through_link_from_real_smtp(
    page: Page, reset_demo: Callable[[], None], mailbox: MailServer, wait_for_mail: Callable[..., EmailMessage]
) -> None:
    sign_in(page, ADA)
    open_identity_form(page)
    review_identity(page, email=ADA_NEW)
    expect(page.get_by_test_id("identity-change-email")).to_have_text(f"Email: {ADA} → {ADA_NEW}")
    snap(page, "email-change-review")
    page.get_by_test_id("identity-submit").click()  # the sign-in address needs the current password
    expect(page.get_by_test_id("identity-dialog")).to_be_visible()
    page.get_by_label("Current password (needed to change your email address)").fill("wrong password")
    page.get_by_test_id("identity-submit").click()
    expect(field_error(page, "identity-password")).to_have_text("The password is not correct.")
    page.get_by_test_id("identity-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("identity-submit").click()
    expect(page.get_by_test_id("identity-dialog")).to_be_hidden()
    expect(page.get_by_test_id("field-email")).to_have_text(ADA)  # nothing changes before the link is opened
    snap(page, "email-change-filed")

    mail = wait_for_mail(ADA_NEW, "Confirm your new email address", 20)
    link = link_in(mail, "/confirm-email")
    assert "token=" in link, link
    assert not [m for m in mailbox.messages if ADA in str(m["To"]).lower() and "/confirm-email" in str(m)], (
        "the confirmation link also went to the old address"
    )

    notice = wait_for_mail(ADA, "Your sign-in address is being changed", 20)  # the old address hears of it
    assert ADA_NEW in body_of(notice) and "/cancel-email-change?token=" in body_of(notice)

    page.goto(link)
    result = page.get_by_test_id("confirm-email-result")
    expect(result).to_contain_text("your new email address is confirmed")
    snap(page, "confirm-email-link-opened")

    def _changed() -> bool:
        page.goto("/data/identity")
        shown = page.get_by_test_id("field-email")
        expect(shown).not_to_be_empty()
        return shown.inner_text() == ADA_NEW

    wait_until(_changed, f"/data/identity to show {ADA_NEW}", timeout=10, interval=1.0)
    expect(page.get_by_test_id("field-email-corrected")).to_have_text(CORRECTED_ON)
    snap(page, "identity-new-email")

    sign_out(page)
    sign_in(page, ADA_NEW)
    assert path_of(page) == "/", page.url
    page.get_by_test_id("header-user-menu").click()
    expect(page.get_by_text(ADA_NEW, exact=True)).to_be_visible()
    snap(page, "signed-in-with-new-email")
    page.keyboard.press("Escape")

    sign_out(page)
    sign_in(page, ADA)
    assert path_of(page) == "/login", page.url
    expect(page.get_by_test_id("login-error")).to_have_text(GENERIC_LOGIN_ERROR)
    snap(page, "old-email-refused")

    page.goto(link)
    expect(page.get_by_test_id("confirm-email-result")).to_contain_text("already been used")
    snap(page, "confirm-email-link-reused")


def test_consent_toggle_is_in_history_after_reload(page: Page) -> None:
    purpose_title = "Product news by email"
    sign_in(page, ADA)
    page.get_by_test_id("nav-consents").click()
    page.wait_for_url("**/consents")
    expect(page.get_by_test_id("consent-history-table")).to_be_visible()
    set_consent(page, "marketing_email", False)  # the demo state; a no-op unless an earlier run left it on
    snap(page, "consents-before")

    set_consent(page, "marketing_email", True)
    expect(page.get_by_test_id("consent-toggle-marketing_email")).to_have_attribute("aria-checked", "true")
    page.reload()
    expect(page.get_by_test_id("consent-state-marketing_email")).to_have_text("Given")
    newest = _history_rows(page)[0]
    assert newest[1:] == [purpose_title, "Given", "1.0", "portal"], newest
    snap(page, "consents-marketing-given")

    set_consent(page, "marketing_email", False)
    page.reload()
    expect(page.get_by_test_id("consent-state-marketing_email")).to_have_text("Not given")
    rows = _history_rows(page)
    assert rows[0][1:] == [purpose_title, "Withdrawn", "1.0", "portal"], rows[0]
    assert rows[1][1:] == [purpose_title, "Given", "1.0", "portal"], rows[1]
    snap(page, "consents-marketing-withdrawn")

    with page.expect_download() as download_info:
        page.get_by_test_id("consent-history-download").click()
    download = download_info.value
    assert download.suggested_filename == "consent-history.csv"
    saved = save_download(download, "consent-history-ada.csv")
    records = list(csv.DictReader(io.StringIO(saved.read_text())))
    assert [r["action"] for r in records[:2]] == ["withdrawn", "given"], records[:2]
    assert {r["purpose"] for r in records[:2]} == {"marketing_email"}
    assert {r["purpose_title"] for r in records[:2]} == {purpose_title}
    assert {r["channel"] for r in records[:2]} == {"portal"}
    assert len(records) >= len(rows), f"the CSV has {len(records)} rows, the table's first page {len(rows)}"
    assert any(r["purpose"] == "marketing_email" and r["channel"] == "registration" for r in records)


def test_gpc_signal_opts_out_of_sharing(page: Page, fresh_context: Callable[..., BrowserContext]) -> None:
    browser = fresh_context(extra_http_headers={"Sec-GPC": "1"}).new_page()
    sign_in(browser, GRACE)
    browser.get_by_test_id("nav-consents").click()
    browser.wait_for_url("**/consents")

    expect(browser.get_by_test_id("consents-gpc-notice")).to_be_visible()
    expect(browser.get_by_test_id("consents-gpc-notice")).to_contain_text("Global Privacy Control")
    expect(browser.get_by_test_id("consent-state-partner_sharing")).to_have_text("Not given", timeout=5_000)
    expect(browser.get_by_test_id("consent-gpc-partner_sharing")).to_have_text("Global Privacy Control applied")
    expect(browser.get_by_test_id("consent-toggle-partner_sharing")).to_have_attribute("aria-checked", "false")
    # Only sale or sharing is opted out; grace's other consents stay as they were.
    expect(browser.get_by_test_id("consent-state-marketing_email")).to_have_text("Given")
    expect(browser.get_by_test_id("consent-gpc-marketing_email")).to_have_count(0)
    snap(browser, "consents-gpc-grace")

    browser.reload()
    rows = _history_rows(browser)
    assert ["Transfer to partners", "Withdrawn", "1.0", "gpc"] in [row[1:] for row in rows], rows
    snap(browser, "consents-gpc-grace-history")


def test_gpc_signal_first_seen_on_consents_page_settles_without_reload(page: Page) -> None:
    sign_in(page, ADA)
    page.goto("/consents")
    set_consent(page, "partner_sharing", True)
    snap(page, "consents-partner-sharing-given-ada")

    page.set_extra_http_headers({"Sec-GPC": "1"})  # the browser starts sending the signal
    page.reload()
    notice = page.get_by_test_id("consents-gpc-notice")
    expect(notice).to_contain_text("Switched off because of it: Transfer to partners")
    try:
        expect(page.get_by_test_id("consent-state-partner_sharing")).to_have_text("Not given", timeout=8_000)
        expect(page.get_by_test_id("consent-gpc-partner_sharing")).to_be_visible()
    finally:
        snap(page, "consents-gpc-first-seen-on-page-ada")
        page.set_extra_http_headers({})
        page.reload()  # leaves ada's partner sharing withdrawn either way, as in the demo data
        expect(page.get_by_test_id("consent-state-partner_sharing")).to_have_text("Not given")


def test_margaret_withdraws_and_downloads_a_verified_receipt(
    page: Page, reset_demo: Callable[[], None], fresh_context: Callable[..., BrowserContext]
) -> None:
    sign_in(page, MARGARET)
    page.get_by_test_id("nav-withdraw").click()
    page.wait_for_url("**/withdraw")
    preview = page.get_by_test_id("withdraw-preview")
    expect(preview).to_be_visible()
    transaction = preview.locator("tbody tr", has_text="Transaction data")
    expect(transaction).to_contain_text(re.compile(r"Kept until \d{4}-\d{2}-\d{2}, no longer linked to you"))
    for title in ("Registration data", "Identity data", "Financial data", "Usage data", "Technical data"):
        expect(preview.locator("tbody tr", has_text=title)).to_contain_text("Erased")
    snap(page, "withdraw-preview-margaret")

    page.get_by_test_id("withdraw-password").fill("not-the-password")
    page.get_by_test_id("withdraw-confirm").click()
    page.get_by_test_id("withdraw-submit").click()
    expect(page.get_by_test_id("withdraw-error")).to_have_text("The password is not correct.")
    expect(page.get_by_test_id("withdraw-done")).to_have_count(0)
    snap(page, "withdraw-wrong-password")

    page.get_by_test_id("withdraw-password").fill(DEMO_PASSWORD)
    expect(page.get_by_test_id("withdraw-confirm")).to_have_attribute("aria-checked", "true")
    page.get_by_test_id("withdraw-submit").click()
    expect(page.get_by_test_id("withdraw-done")).to_be_visible(timeout=60_000)
    # The account is gone and so is its shell: no name, menu, navigation, old counts or filled-in form.
    for gone in ("header-user-menu", "nav-overview", "withdraw-preview", "withdraw-password", "withdraw-error"):
        expect(page.get_by_test_id(gone)).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your personal data has been deleted")
    expect(page.get_by_test_id("withdraw-receipt-check")).to_have_attribute("href", "/receipts/verify")
    snap(page, "withdraw-done")
    for width, height in ((1024, 768), (1440, 900)):
        page.set_viewport_size({"width": width, "height": height})
        snap(page, f"withdraw-done-{width}")

    with page.expect_download() as download_info:
        page.get_by_test_id("withdraw-receipt-download").click()
    receipt = save_download(download_info.value, "deletion-receipt-margaret.txt").read_text()
    assert receipt.startswith("Deletion receipt from "), receipt[:200]
    token_line = next(line for line in receipt.splitlines() if line.startswith("RECEIPT: "))
    assert "margaret" not in receipt.lower(), "the receipt names the person"

    checker = fresh_context().new_page()  # signed out: anyone can check a receipt
    checker.goto("/receipts/verify")
    checker.get_by_test_id("receipt-input").fill(receipt)
    checker.get_by_test_id("receipt-verify").click()
    result = checker.get_by_test_id("receipt-verify-result")
    expect(result).to_contain_text("Genuine receipt")
    expect(checker.get_by_test_id("receipt-verify-details")).to_contain_text("Transaction data")
    snap(checker, "receipt-genuine")

    token = token_line.removeprefix("RECEIPT: ")
    position = len(token) // 3  # inside the signed payload
    altered_token = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
    checker.get_by_test_id("receipt-input").fill(receipt.replace(token_line, f"RECEIPT: {altered_token}"))
    checker.get_by_test_id("receipt-verify").click()
    expect(result).to_contain_text("not a genuine receipt")
    expect(result).not_to_contain_text("Genuine receipt")
    snap(checker, "receipt-altered")

    page.goto("/login")
    sign_in(page, MARGARET)
    assert path_of(page) == "/login", page.url
    expect(page.get_by_test_id("login-error")).to_have_text(GENERIC_LOGIN_ERROR)
    snap(page, "margaret-cannot-sign-in")


def test_customer_who_forgot_the_password_resets_it_through_a_link_from_real_smtp(
    page: Page, reset_demo: Callable[[], None], wait_for_mail: Callable[..., EmailMessage]
) -> None:
    new_password = "a brand new passphrase"
    page.goto("/login")
    page.get_by_test_id("login-forgot").click()
    page.wait_for_url("**/forgot-password")
    page.get_by_test_id("forgot-email").fill(ADA)
    page.get_by_test_id("forgot-submit").click()
    expect(page.get_by_test_id("forgot-result")).to_contain_text("If an account exists for that address")
    snap(page, "forgot-password-sent")

    link = link_in(wait_for_mail(ADA, "Reset your privacy portal password", 20), "/reset-password")
    page.goto(link)
    page.get_by_test_id("reset-new").fill(new_password)
    page.get_by_test_id("reset-confirm").fill(new_password)
    page.get_by_test_id("reset-submit").click()
    expect(page.get_by_test_id("reset-result")).to_have_text("Your password was reset. Sign in with the new one.")
    snap(page, "password-reset-done")

    page.goto(link)  # a link works once
    expect(page.get_by_test_id("reset-result")).to_contain_text("already been used")
    page.get_by_test_id("reset-again").click()
    page.wait_for_url("**/forgot-password")

    sign_in(page, ADA)  # the old password no longer works
    expect(page.get_by_test_id("login-error")).to_be_visible()
    sign_in(page, ADA, new_password)
    assert path_of(page) == "/", page.url


def test_withdrawing_usage_analytics_previews_erases_and_gives_a_receipt(
    page: Page, reset_demo: Callable[[], None], fresh_context: Callable[..., BrowserContext]
) -> None:
    sign_in(page, ADA)
    page.goto("/consents")
    effects = page.get_by_test_id("consent-effects-usage_analytics")
    expect(effects).to_contain_text("If you withdraw: Your browsing history on our websites is deleted at once.")
    expect(effects).to_contain_text("does not bring deleted data back")  # said before any click

    page.get_by_test_id("consent-toggle-usage_analytics").click()
    dialog = page.get_by_test_id("consent-withdraw-dialog")
    expect(dialog).to_be_visible()
    table = page.get_by_test_id("consent-withdraw-effects")
    expect(table.locator("tbody tr", has_text="Deleted")).to_contain_text("Page views and clicks")
    expect(table.locator("tbody tr", has_text="Deleted")).to_contain_text("40")
    expect(table.locator("tbody tr", has_text="Kept")).to_contain_text("Legitimate interests")
    expect(page.get_by_test_id("consent-withdraw-submit")).to_be_disabled()
    snap(page, "consent-withdraw-preview-ada")
    page.get_by_test_id("consent-withdraw-cancel").click()  # nothing happens without the yes
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("consent-state-usage_analytics")).to_have_text("Given")
    expect(page.get_by_test_id("consent-toggle-usage_analytics")).to_have_attribute("aria-checked", "true")

    page.get_by_test_id("consent-toggle-usage_analytics").click()
    page.get_by_test_id("consent-withdraw-confirm").click()
    page.get_by_test_id("consent-withdraw-submit").click()
    expect(page.get_by_test_id("consent-withdraw-done")).to_be_visible(timeout=30_000)
    receipt = page.get_by_test_id("consent-withdraw-receipt").inner_text()
    assert "Consent withdrawn: Usage analytics" in receipt and "Page views and clicks: erased (40 records)" in receipt
    snap(page, "consent-withdraw-done-ada")
    page.get_by_test_id("consent-withdraw-close").click()
    expect(page.get_by_test_id("consent-state-usage_analytics")).to_have_text("Not given")

    page.goto("/data/usage")
    expect(page.get_by_test_id("table-usage_event-total")).to_have_text("0 records")

    checker = fresh_context().new_page()  # anyone can check the receipt, signed out
    checker.goto("/receipts/verify")
    checker.get_by_test_id("receipt-input").fill(receipt)
    checker.get_by_test_id("receipt-verify").click()
    expect(checker.get_by_test_id("receipt-verify-result")).to_contain_text("Genuine receipt")
    expect(checker.get_by_test_id("receipt-verify-details")).to_contain_text("Consent withdrawn: Usage analytics")


def test_the_main_processing_consent_leads_into_the_withdrawal(page: Page) -> None:
    sign_in(page, ADA)
    page.goto("/consents")
    page.get_by_test_id("consent-toggle-web_processing").click()
    expect(page.get_by_test_id("consent-account-withdrawal-dialog")).to_contain_text("withdrawing from our web")
    snap(page, "consent-account-withdrawal-dialog")
    page.get_by_test_id("consent-keep").click()
    expect(page.get_by_test_id("consent-state-web_processing")).to_have_text("Given")
    page.get_by_test_id("consent-toggle-web_processing").click()
    page.get_by_test_id("consent-go-withdraw").click()
    page.wait_for_url("**/withdraw")
    expect(page.get_by_test_id("withdraw-preview")).to_be_visible()
