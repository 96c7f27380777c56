"""Request journeys across two people: a customer files a restriction or objection on a category page, a privacy
officer decides it in the staff console, and the customer sees the outcome; plus what a customer may not open
and the privacy officer's check of the audit trail.

Two browser contexts (own cookie jars) stand for the two people at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.flows import (
    field_error,
    file_restriction,
    open_staff_request,
    path_of,
    sign_in,
    transitions_done,
    wait_for_status_after_reload,
)
from tests.e2e.harness import snap

ADA = "ada@example.com"
DPO = "dpo@example.com"
COMPLAINT_RIGHT = "right to lodge a complaint with a data-protection supervisory authority"


def _staff_page(fresh_context: Callable[..., BrowserContext], email: str = DPO) -> Page:
    staff = fresh_context().new_page()
    sign_in(staff, email)
    assert path_of(staff) == "/staff", staff.url
    expect(staff.get_by_test_id("staff-queue")).to_be_visible()
    return staff


def test_restriction_goes_from_customer_through_staff_console_to_completed(
        page: Page, fresh_context: Callable[..., BrowserContext]) -> None:
    sign_in(page, ADA)
    page.goto("/data/usage")
    request_id = file_restriction(page, "usage", "Please stop analysing my browsing history on your websites.")
    expect(page.get_by_test_id(f"category-restriction-link-{request_id}")).to_be_visible()
    snap(page, "restriction-filed-on-usage")

    page.get_by_test_id("nav-requests").click()
    page.wait_for_url("**/requests")
    row = page.get_by_test_id(f"request-row-{request_id}")
    expect(row).to_be_visible()
    expect(row).to_contain_text("Restriction of processing")
    expect(row.get_by_test_id("request-status")).to_have_text("received")
    snap(page, "requests-restriction-received")

    staff = _staff_page(fresh_context)
    staff_row = staff.get_by_test_id(f"staff-row-{request_id}")
    expect(staff_row).to_be_visible()
    expect(staff_row.get_by_test_id("request-status")).to_have_text("received")
    expect(staff_row.get_by_test_id("staff-row-subject")).to_contain_text("Ada Lovelace")
    snap(staff, "staff-queue-with-restriction")

    open_staff_request(staff, request_id)
    expect(staff.get_by_test_id("staff-request-type")).to_have_text("Restriction of processing")
    expect(staff.get_by_test_id("staff-payload-category")).to_have_text("usage")
    snap(staff, "staff-request-before-approval")
    staff.get_by_test_id("staff-approve").click()
    expect(staff.get_by_test_id("staff-approve")).to_have_count(0)
    expect(staff.get_by_test_id("staff-request-facts").get_by_test_id("request-status")).not_to_have_text("received")
    snap(staff, "staff-request-approved")

    wait_for_status_after_reload(page, f"/requests/{request_id}", "completed", timeout=15)
    expect(page.get_by_test_id("request-type")).to_have_text("Restriction of processing")
    expect(page.get_by_test_id("request-outcome")).to_contain_text("restricted")
    expect(page.get_by_test_id("request-completed")).not_to_have_text("—")
    count = page.get_by_test_id("header-notifications-count")
    expect(count).to_be_visible(timeout=10_000)  # the bell counts unread notifications every 5 s
    expect(count).to_have_text(re.compile(r"^([1-9]\d*|99\+)$"))
    snap(page, "request-restriction-completed")

    page.goto("/data/usage")  # the restriction is now in force on the category page
    expect(page.get_by_test_id("category-restriction").filter(
        has=page.get_by_test_id(f"category-restriction-link-{request_id}"))).to_contain_text("in force since")
    snap(page, "usage-restriction-in-force")


def test_customer_at_staff_is_refused(page: Page) -> None:
    sign_in(page, ADA)

    for path in ("/staff", "/staff/requests/1", "/staff/audit", "/staff/outbox"):
        response = page.goto(path)
        assert response is not None and response.status == 403, f"{path} answered {response and response.status}"
        expect(page.get_by_test_id("error-title")).to_have_text("Not allowed")
        expect(page.get_by_test_id("error-message")).to_contain_text("This part of the portal is for staff only.")
        assert "Request queue" not in page.locator("body").inner_text()
    snap(page, "staff-refused-for-ada")

    page.get_by_role("link", name="Back to your overview").click()
    expect(page.get_by_test_id("category-card-usage")).to_be_visible()


def test_staff_rejects_with_reason_and_customer_sees_it(page: Page,
                                                        fresh_context: Callable[..., BrowserContext]) -> None:
    reason = "Technical data is needed to keep your account secure; we cannot stop processing it."
    sign_in(page, ADA)
    request_id = file_restriction(page, "technical", "I object to you keeping logs of my devices.", kind="objection")
    snap(page, "objection-filed-on-technical")

    staff = _staff_page(fresh_context)
    open_staff_request(staff, request_id)
    expect(staff.get_by_test_id("staff-request-type")).to_have_text("Objection to processing")
    staff.get_by_test_id("staff-reject").click()
    dialog = staff.get_by_test_id("staff-reject-dialog")
    expect(dialog).to_be_visible()
    staff.get_by_test_id("staff-reject-confirm").click()  # no reason yet
    error = field_error(staff, "staff-reject-reason")
    expect(error).to_have_text("A reason is required.")
    expect(error).to_be_visible()
    expect(dialog).to_be_visible()
    transitions_done(staff)
    snap(staff, "staff-reject-without-reason")

    staff.get_by_test_id("staff-reject-reason").fill(reason)
    staff.get_by_test_id("staff-reject-confirm").click()
    expect(dialog).to_be_hidden()
    facts = staff.get_by_test_id("staff-request-facts")
    expect(facts.get_by_test_id("request-status")).to_have_text("rejected")
    snap(staff, "staff-request-rejected")

    wait_for_status_after_reload(page, f"/requests/{request_id}", "rejected", timeout=15)
    rejection = page.get_by_test_id("request-rejection")
    expect(rejection).to_contain_text(f"We rejected this request: {reason}")
    expect(page.get_by_test_id("request-complaint-right")).to_contain_text(COMPLAINT_RIGHT)
    expect(page.get_by_test_id("request-cancel")).to_have_count(0)
    snap(page, "request-objection-rejected")


def test_privacy_officer_verifies_audit_chain(page: Page) -> None:
    sign_in(page, DPO)
    page.get_by_test_id("nav-staff-audit").click()
    page.wait_for_url("**/staff/audit")
    expect(page.get_by_test_id("audit-table")).to_be_visible()
    expect(page.get_by_test_id("audit-total")).to_have_text(re.compile(r"\d"))
    snap(page, "audit-trail")

    page.get_by_test_id("audit-verify").click()
    result = page.get_by_test_id("audit-verify-result")
    expect(result).to_contain_text("intact", timeout=30_000)
    expect(result).not_to_contain_text("BROKEN")
    expect(page.get_by_test_id("audit-verify")).to_be_enabled()
    snap(page, "audit-chain-verified")
