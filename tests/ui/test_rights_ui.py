"""Simulated-user tests for the forms that change data: identity correction, consents, withdrawal, exports."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from portal.db import session_scope
from portal.models import (
    Account,
    ConsentLedgerEntry,
    ConsentState,
    ExportPackage,
    IdentityProfile,
    PrivacyRequest,
    RequestStatus,
)
from portal.models.types import utcnow
from tests.utils.signin import sign_in

ADA, MARGARET = 1, 4


async def _until(check: Callable[[], bool], seconds: float = 30) -> None:
    """The in-process worker applies queued requests within a second or two; wait for it."""
    for _ in range(int(seconds / 0.2)):
        if check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the change was not applied in time")


async def _open_identity_form(user: User) -> None:
    await user.open("/data/identity")
    await user.should_see(marker="identity-edit")
    user.find(marker="identity-edit").click()
    name = user.find(marker="identity-input-full_name")
    for _ in range(50):  # the form loads the current values when it opens
        if all(element.value for element in name.elements):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the identity form did not load the current values")


def _phone(customer_id: int) -> str:
    with session_scope() as session:
        profile = session.get(IdentityProfile, customer_id)
        return profile.phone if profile else ""


def _requests(customer_id: int, type_key: str) -> list[PrivacyRequest]:
    with session_scope() as session:
        return list(
            session.exec(
                select(PrivacyRequest).where(PrivacyRequest.subject_id == customer_id, PrivacyRequest.type == type_key)
            )
        )


async def test_identity_correction_shows_errors_then_old_to_new_then_applies(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await _open_identity_form(user)
    phone = user.find(marker="identity-input-phone")
    for element in phone.elements:
        element.value = "12345"
    user.find(marker="identity-review").click()
    await user.should_see("Enter the phone number with its country code")
    assert _requests(ADA, "rectification") == [], "nothing is filed while a field is wrong"
    for element in phone.elements:
        element.value = "+44 20 7946 1234"
    user.find(marker="identity-review").click()
    await user.should_see(marker="identity-change-phone")
    user.find(marker="identity-submit").click()
    await _until(lambda: _phone(ADA) == "+44 20 7946 1234")
    assert len(_requests(ADA, "rectification")) == 1
    await user.open("/data/identity")
    await user.should_see("+44 20 7946 1234")
    await user.should_see("corrected on")


async def test_unchanged_identity_form_files_nothing(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await _open_identity_form(user)
    user.find(marker="identity-review").click()
    await user.should_see("Nothing has changed.")
    assert _requests(ADA, "rectification") == []


def _consent(customer_id: int, purpose: str) -> bool | None:
    with session_scope() as session:
        state = session.get(ConsentState, (customer_id, purpose))
        return None if state is None else state.granted


async def test_consent_is_given_and_withdrawn_with_one_click_each(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/consents")
    await user.should_see(marker="consent-toggle-marketing_email")
    assert _consent(ADA, "marketing_email") is False
    user.find(marker="consent-toggle-marketing_email").click()
    await _until(lambda: _consent(ADA, "marketing_email") is True)
    await user.open("/consents")
    await user.should_see(marker="consent-toggle-marketing_email")
    user.find(marker="consent-toggle-marketing_email").click()
    await _until(lambda: _consent(ADA, "marketing_email") is False)
    with session_scope() as session:
        entries = session.exec(
            select(ConsentLedgerEntry).where(
                ConsentLedgerEntry.customer_id == ADA,
                ConsentLedgerEntry.purpose == "marketing_email",
                ConsentLedgerEntry.channel == "portal",
            )
        ).all()
    assert [e.granted for e in entries][-2:] == [True, False]


async def test_consents_page_shows_every_consentable_purpose_and_the_history(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/consents")
    for purpose in ("web_processing", "usage_analytics", "partner_sharing", "marketing_email"):
        await user.should_see(marker=f"consent-{purpose}")
    await user.should_see(marker="consent-history-table")
    await user.should_see("Legal basis: Consent")


async def test_withdrawal_with_wrong_password_changes_nothing(user: User) -> None:
    await sign_in(user, "margaret@example.com")
    await user.open("/withdraw")
    await user.should_see(marker="withdraw-preview")
    user.find(marker="withdraw-password").type("not-my-password")
    user.find(marker="withdraw-confirm").click()
    user.find(marker="withdraw-submit").click()
    await user.should_see("The password is not correct.")
    assert _requests(MARGARET, "withdrawal") == []


async def test_withdrawal_page_offers_an_export_first(user: User) -> None:
    """The erasure deletes export files too, so the page says so before the form and links to the exports."""
    await sign_in(user, "margaret@example.com")
    await user.open("/withdraw")
    await user.should_see(marker="withdraw-export-first")
    await user.should_see("Want a copy of your data first?")
    user.find(kind=ui.link, content="export").click()
    await user.should_see(marker="export-chooser")


async def test_withdrawal_needs_the_explicit_confirmation(user: User) -> None:
    await sign_in(user, "margaret@example.com")
    await user.open("/withdraw")
    await user.should_see(marker="withdraw-preview")
    user.find(marker="withdraw-password").type("demo-password")
    user.find(marker="withdraw-submit").click()
    await user.should_see("Please confirm")
    assert _requests(MARGARET, "withdrawal") == []


async def test_withdrawal_deletes_and_shows_the_receipt(user: User) -> None:
    await sign_in(user, "margaret@example.com")
    await user.open("/withdraw")
    await user.should_see(marker="withdraw-preview")
    table = next(iter(user.find(marker="withdraw-preview").elements))
    transaction = next(row for row in table.rows if row["key"] == "transaction")
    assert transaction["what"].startswith("Kept until"), "the preview says what must be kept, and until when"
    user.find(marker="withdraw-password").type("demo-password")
    user.find(marker="withdraw-confirm").click()
    user.find(marker="withdraw-submit").click()
    await user.should_see(marker="withdraw-done")
    await user.should_see(marker="withdraw-receipt-download")
    await user.should_see(marker="withdraw-receipt-check")  # where anyone checks it: /receipts/verify
    # The account is gone: no shell around the receipt, no name, menu, navigation, old counts or form.
    for gone in ("header-user-menu", "nav-overview", "nav-withdraw", "withdraw-preview", "withdraw-password"):
        await user.should_not_see(marker=gone)
    await user.should_not_see("Margaret")
    with session_scope() as session:
        assert session.get(Account, MARGARET) is None
    response = await user.http_client.get("/")
    assert response.status_code == 303, "the erasure ended the session"


async def test_export_needs_a_category(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/exports")
    await user.should_see(marker="export-chooser")
    for key in ("registration", "identity", "financial", "transaction", "usage", "technical"):
        user.find(marker=f"export-category-{key}").click()
    user.find(marker="export-request").click()
    await user.should_see("Choose at least one category.")
    assert _requests(ADA, "export") == []


async def test_export_is_requested_built_and_listed_ready(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/exports")
    await user.should_see(marker="export-chooser")
    user.find(marker="export-format-csv").click()
    user.find(marker="export-preview-button").click()
    await user.should_see(marker="export-estimate")
    user.find(marker="export-request").click()
    requests = _requests(ADA, "export")
    await _until(lambda: bool(_requests(ADA, "export")))
    requests = _requests(ADA, "export")
    assert len(requests) == 1 and requests[0].payload["formats"] == ["json", "csv"]

    def ready() -> bool:
        with session_scope() as session:
            package = session.exec(select(ExportPackage).where(ExportPackage.customer_id == ADA)).first()
            return package is not None and package.file_name is not None

    await _until(ready)
    await user.open("/exports")
    await user.should_see("Ready")
    # The row names the categories as the policy does, and says until when the file can be downloaded.
    await user.should_see("JSON, CSV · Registration data, Identity data, Financial data")
    with session_scope() as session:
        package = session.exec(select(ExportPackage).where(ExportPackage.customer_id == ADA)).one()
        expires, request_id = package.expires_at, package.request_id
    assert expires is not None
    expiry = user.find(marker=f"export-expires-{request_id}").elements.pop()
    assert expiry.text == f"until {expires:%Y-%m-%d %H:%M} UTC"
    assert requests[0].status in (
        RequestStatus.QUEUED.value,
        RequestStatus.PROCESSING.value,
        RequestStatus.COMPLETED.value,
    )
    assert ui  # the page module uses NiceGUI elements only through the simulated client


async def test_the_consent_history_pages_with_the_shared_pager(user: User) -> None:
    """Ten changes a page, with the same pager (total, previous/next, "Page 1 of 2") as every other table (#21)."""
    with session_scope() as session:
        before = len(session.exec(select(ConsentLedgerEntry).where(ConsentLedgerEntry.customer_id == ADA)).all())
        for _ in range(12 - before if before < 12 else 0):
            session.add(
                ConsentLedgerEntry(
                    customer_id=ADA,
                    at=utcnow(),
                    purpose="marketing_email",
                    granted=True,
                    policy_version="1.0",
                    channel="portal",
                    actor_id=ADA,
                    actor_role="customer",
                )
            )
        total = len(session.exec(select(ConsentLedgerEntry).where(ConsentLedgerEntry.customer_id == ADA)).all())
    await sign_in(user, "ada@example.com")
    await user.open("/consents")
    await user.should_see(marker="consent-history-table")
    await user.should_see(f"{total:,} changes")
    await user.should_see("Page 1 of 2")
    assert len(user.find(marker="consent-history-table").elements) == 1
    user.find(marker="consent-history-next").click()
    await user.should_see("Page 2 of 2")


async def test_deleting_an_export_asks_first_and_the_page_says_it_still_counts(user: User) -> None:
    """The bin used to delete a ready export at once (#21 point 4)."""
    await sign_in(user, "ada@example.com")
    await user.open("/exports")
    await user.should_see(marker="export-allowance")
    await user.should_see("You can ask for 5 more exports today")
    user.find(marker="export-request").click()

    def ready() -> int | None:
        with session_scope() as session:
            package = session.exec(select(ExportPackage).where(ExportPackage.customer_id == ADA)).first()
            return package.request_id if package is not None and package.file_name else None

    await _until(lambda: ready() is not None)
    request_id = ready()
    await user.open("/exports")
    await user.should_see("You can ask for 4 more exports today")
    await user.should_see("A deleted export still counts")
    user.find(marker=f"export-delete-{request_id}").click()
    await user.should_see(marker="export-delete-dialog")
    await user.should_see("Deleting it does not give you back one of today's exports.")
    user.find(marker="export-delete-keep").click()
    await user.should_not_see(marker="export-delete-dialog")
    await user.should_see("Ready")
    user.find(marker=f"export-delete-{request_id}").click()
    await user.should_see(marker="export-delete-confirm")
    user.find(marker="export-delete-confirm").click()
    await user.should_see("Deleted")
    await user.should_see("You can ask for 4 more exports today")
