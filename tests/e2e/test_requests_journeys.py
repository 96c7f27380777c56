"""Request journeys across two people: a customer files a restriction or objection on a category page, a privacy
officer decides it (or extends its deadline) in the staff console, and the customer sees the outcome; what a
support agent sees of the same console and what is kept from them; what a customer may not open, and the
privacy officer's check of the audit trail.

Two browser contexts (own cookie jars) stand for the two people at once.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.flows import (
    choose_option,
    extend_deadline,
    field_error,
    file_restriction,
    filter_staff_queue_by_status,
    open_staff_request,
    path_of,
    sign_in,
    transitions_done,
    wait_for_status_after_reload,
)
from tests.e2e.harness import snap

ADA = "ada@example.com"
DPO = "dpo@example.com"
AGENT = "agent@example.com"
OFFICER_ONLY_ACTIONS = ("staff-approve", "staff-reject", "staff-extend", "staff-cancel")
COMPLAINT_RIGHT = "right to lodge a complaint with a data-protection supervisory authority"


def _a_month_later(day: str) -> str:
    """GDPR Art. 12(3) months: the same date a month later, or that month's last day where it has no such date."""
    start = date.fromisoformat(day)
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1])).isoformat()


def _staff_page(fresh_context: Callable[..., BrowserContext], email: str = DPO) -> Page:
    staff = fresh_context().new_page()
    sign_in(staff, email)
    assert path_of(staff) == "/staff", staff.url
    expect(staff.get_by_test_id("staff-queue")).to_be_visible()
    return staff


def test_restriction_goes_from_customer_through_staff_console_to_completed(
    page: Page, fresh_context: Callable[..., BrowserContext]
) -> None:
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
    expect(
        page.get_by_test_id("category-restriction").filter(
            has=page.get_by_test_id(f"category-restriction-link-{request_id}")
        )
    ).to_contain_text("in force since")
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


def test_staff_rejects_with_reason_and_customer_sees_it(
    page: Page, fresh_context: Callable[..., BrowserContext]
) -> None:
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


def test_privacy_officer_extends_deadline_and_customer_sees_new_date_and_reason(
    page: Page, fresh_context: Callable[..., BrowserContext]
) -> None:
    reason = "Your objection concerns records a payment processor holds for us; we need their answer first."
    sign_in(page, ADA)
    request_id = file_restriction(
        page, "financial", "I object to you using my payment details for fraud scoring.", kind="objection"
    )
    page.goto(f"/requests/{request_id}")
    expect(page.get_by_test_id("request-status")).to_have_text("received")
    due = page.get_by_test_id("request-due").inner_text().strip()
    expect(page.get_by_test_id("request-extension")).to_have_count(0)
    new_due = _a_month_later(due)

    staff = _staff_page(fresh_context)
    open_staff_request(staff, request_id)
    expect(staff.get_by_test_id("staff-request-type")).to_have_text("Objection to processing")
    expect(staff.get_by_test_id("staff-request-due")).to_have_text(due)
    expect(staff.get_by_test_id("staff-request-extended")).to_have_text("—")
    extend_deadline(staff, months=1, reason=reason)
    expect(staff.get_by_test_id("staff-request-extended")).to_have_text(new_due)
    expect(staff.get_by_test_id("staff-request-due")).to_have_text(new_due)
    expect(staff.get_by_test_id("staff-request-extension-reason")).to_have_text(reason)
    expect(staff.get_by_test_id("staff-request-facts").get_by_test_id("request-status")).to_have_text("received")
    transitions_done(staff)
    snap(staff, "staff-request-deadline-extended")

    page.goto(f"/requests/{request_id}")  # the page polls every 5 s; a reload is quicker
    expect(page.get_by_test_id("request-due")).to_have_text(new_due)
    expect(page.get_by_test_id("request-extension")).to_have_text(f"Extended to {new_due}: {reason}")
    expect(page.get_by_test_id("request-timeline")).to_contain_text(f"Deadline extended to {new_due}: {reason}")
    expect(page.get_by_test_id("request-status")).to_have_text("received")
    snap(page, "request-deadline-extended")

    page.goto("/requests")
    expect(page.get_by_test_id(f"request-row-{request_id}").get_by_test_id("request-due")).to_have_text(new_due)


def test_support_agent_works_the_queue_without_officer_actions_or_audit_trail(
    page: Page, fresh_context: Callable[..., BrowserContext]
) -> None:
    sign_in(page, ADA)
    request_id = file_restriction(page, "transaction", "Please stop using my order history for product analytics.")

    agent = _staff_page(fresh_context, AGENT)
    expect(agent.get_by_test_id("staff-queue-table")).to_be_visible()
    expect(agent.get_by_test_id(f"staff-row-{request_id}").get_by_test_id("request-status")).to_have_text("received")
    expect(agent.get_by_test_id("staff-count-received")).to_have_text(re.compile(r"^received [1-9][\d,]*$"))
    expect(agent.get_by_test_id("staff-queue-total")).to_have_text(re.compile(r"^[1-9][\d,]* requests?$"))
    snap(agent, "agent-staff-queue")

    received = filter_staff_queue_by_status(agent, "received")
    rows = agent.get_by_test_id("staff-queue-table").locator("tbody tr")
    expect(rows).to_have_count(min(received, 25))  # 25 a page
    expect(rows.get_by_test_id("request-status").filter(has_not_text="received")).to_have_count(0)
    choose_option(agent, "staff-filter-type", "Restriction of processing")
    expect(rows.filter(has_not_text="Restriction of processing")).to_have_count(0)  # the filter runs in the database
    expect(agent.get_by_test_id(f"staff-row-{request_id}")).to_be_visible()
    snap(agent, "agent-staff-queue-received-restrictions")

    open_staff_request(agent, request_id)
    expect(agent.get_by_test_id("staff-request-type")).to_have_text("Restriction of processing")
    expect(agent.get_by_test_id("staff-payload-category")).to_have_text("transaction")
    for action in OFFICER_ONLY_ACTIONS:
        expect(agent.get_by_test_id(action)).to_have_count(0)
    expect(agent.get_by_test_id("staff-no-actions")).to_have_text(
        "No status action applies to this request for your role."
    )
    expect(agent.get_by_test_id("staff-comment-send")).to_be_visible()  # what an agent may do: comment, assign
    expect(agent.get_by_test_id("staff-assign")).to_be_visible()
    snap(agent, "agent-staff-request-without-officer-actions")

    expect(agent.get_by_test_id("nav-staff-audit")).to_have_count(0)  # not offered in the navigation
    agent.goto("/staff/audit")  # and refused when typed in
    expect(agent.get_by_test_id("audit-denied")).to_have_text("The audit trail is for privacy officers only.")
    expect(agent.get_by_test_id("audit-table")).to_have_count(0)
    expect(agent.get_by_test_id("audit-verify")).to_have_count(0)
    snap(agent, "agent-audit-denied")
