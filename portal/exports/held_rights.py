"""The holdings of the customer's rights in the portal: consents, privacy requests and their timelines, statements,
restrictions and deletion receipts (see `held_tables` for the whole list and `holdings` for what a holding says)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table

from ..i18n import N_
from ..models import (
    ConsentLedgerEntry,
    ConsentState,
    DeletionReceipt,
    FieldStatement,
    PolicyReview,
    PrivacyRequest,
    ProcessingRestriction,
    RequestEvent,
)
from .holdings import STAFF, Holding, LeftOut, Via

_QUEUE_INTERNALS = (
    "idempotency_key",
    "attempts",
    "max_attempts",
    "claimed_from",
    "lease_owner",
    "lease_expires_at",
    "next_attempt_at",
    "last_error",
    "progress_done",
    "progress_total",
    "updated_at",
)


def _internal(table: Table) -> ColumnElement[bool]:
    """The rows of a request's timeline the customer does not see on the request's page."""
    return table.c.visible_to_customer.is_(False)


RIGHTS_HOLDINGS: tuple[Holding, ...] = (
    Holding(
        ConsentState,
        N_("Your consents as they stand"),
        owner="customer_id",
        section="consents",
        exported=("granted", "policy_version", "updated_at", "gpc_applied"),
    ),
    Holding(
        ConsentLedgerEntry,
        N_("Every consent you gave or withdrew"),
        owner="customer_id",
        section="consent_history",
        exported=("purpose", "granted", "policy_version", "at", "channel", "actor_role", "request_id"),
        left_out=(
            LeftOut(N_("The account number of a staff member who changed a consent for you"), STAFF, ("actor_id",)),
        ),
    ),
    Holding(
        PolicyReview,
        N_("The privacy-policy version you last reviewed"),
        owner="customer_id",
        section="policy_reviews",
        exported=("policy_version", "reviewed_at"),
    ),
    Holding(
        PrivacyRequest,
        N_("Your privacy requests"),
        owner="subject_id",
        section="privacy_requests",
        exported=(
            "type",
            "status",
            "received_at",
            "due_at",
            "extended_due_at",
            "extension_reason",
            "completed_at",
            "outcome",
            "rejection_reason",
            "payload",
            "actor_role",
            "channel",
        ),
        left_out=(
            LeftOut(N_("Who filed or works on a request"), STAFF, ("actor_id", "assignee_id", "grant_id")),
            LeftOut(
                N_("The queue's processing bookkeeping"),
                N_(
                    "Retries, leases, technical error messages and progress counters of the worker: how the portal "
                    "processes a request, not data about you."
                ),
                _QUEUE_INTERNALS,
            ),
        ),
    ),
    Holding(
        RequestEvent,
        N_("The timelines of your privacy requests"),
        via=Via("request_id", PrivacyRequest, "subject_id"),
        section="request_timeline",
        exported=("at", "kind", "to_status", "message", "actor_role"),
        left_out=(
            LeftOut(
                N_("Internal staff notes on your requests"),
                N_(
                    "Comments staff write to each other and the worker's technical notes. GDPR Art. 15(4): a copy "
                    "must not adversely affect the rights and freedoms of others; these are the staff's internal "
                    "deliberation on your request (what was decided, and why, is in the request's outcome and "
                    "timeline)."
                ),
                rows_where=_internal,
            ),
            LeftOut(N_("Who wrote each entry"), STAFF, ("actor_id",)),
            LeftOut(
                N_("Internal bookkeeping of each entry"),
                N_("The status before (the order shows it) and whether you may see it."),
                ("from_status", "visible_to_customer"),
            ),
        ),
    ),
    Holding(
        FieldStatement,
        N_("Statements you added to records you contest"),
        owner="customer_id",
        section="statements",
        exported=("kind", "record_id", "field", "statement", "created_at"),
    ),
    Holding(
        ProcessingRestriction,
        N_("Restrictions of processing and objections"),
        owner="customer_id",
        section="restrictions",
        exported=("category", "kind", "reason", "request_id", "created_at", "lifted_at"),
    ),
    Holding(
        DeletionReceipt,
        N_("Signed deletion receipts"),
        via=Via("request_id", PrivacyRequest, "subject_id"),
        section="deletion_receipts",
        exported=("issued_at", "document"),
        left_out=(
            LeftOut(
                N_("The receipt's checksum"), N_("It only lets the portal confirm it issued the receipt."), ("digest",)
            ),
        ),
    ),
)
