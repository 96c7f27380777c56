"""Export sections of the customer's privacy requests: the requests with their outcomes, their timelines as the
customer sees them (internal staff notes left out), statements on contested records, restrictions and objections,
and deletion receipts."""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlmodel import col, select

from ....catalogue import get_catalogue
from ....exports.sections import Column, Section
from ....i18n import N_, _
from ....models import (
    DeletionReceipt,
    FieldStatement,
    PrivacyRequest,
    ProcessingRestriction,
    RequestEvent,
    RequestStatus,
    Role,
)
from ....queue import states
from ...views.activity_words import who_acted
from ...views.request_facts import payload_facts
from ...views.requests_view import event_text, type_title
from .reading import BY_WORDS, Record, batched, plain_words

FILED_BY = {
    Role.CUSTOMER.value: N_("you"),
    Role.AGENT.value: N_("a support agent, for you"),
    Role.DPO.value: N_("staff"),
}


def sections(customer_id: int) -> list[Section]:
    return [
        _requests(customer_id),
        _timeline(customer_id),
        _statements(customer_id),
        _restrictions(customer_id),
        _receipts(customer_id),
    ]


def _own_requests(customer_id: int) -> ColumnElement[bool]:
    mine = select(col(PrivacyRequest.id)).where(col(PrivacyRequest.subject_id) == customer_id)
    return col(RequestEvent.request_id).in_(mine.scalar_subquery())


def _requests(customer_id: int) -> Section:
    def record(request: PrivacyRequest) -> Record:
        return {
            "request_id": request.id,
            "type": request.type,
            "type_title": type_title(request.type),
            "status": request.status,
            "status_label": _(states.LABELS[RequestStatus(request.status)]),
            "received_at": request.received_at,
            "due_at": request.due_at,
            "extended_due_at": request.extended_due_at,
            "extension_reason": request.extension_reason,
            "completed_at": request.completed_at,
            "outcome": request.outcome,
            "rejection_reason": request.rejection_reason,
            "asked_for": "; ".join(
                _("{label}: {text}").format(label=fact.label, text=fact.text) for fact in payload_facts(request.payload)
            ),
            "filed_by": _(FILED_BY[request.actor_role]) if request.actor_role in FILED_BY else _("the portal"),
            "channel": request.channel,
        }

    return Section(
        key="privacy_requests",
        title=N_("Your privacy requests"),
        about=N_(
            "Every request you (or a support agent for you) filed: exports, corrections, consent changes, "
            "restrictions and objections, with what you asked for and how it ended."
        ),
        table="privacy_request",
        columns=(
            Column("request_id", N_("Request no.")),
            Column("type", N_("Type key"), in_report=False),
            Column("type_title", N_("Request")),
            Column("status", N_("Status key"), in_report=False),
            Column("status_label", N_("Status")),
            Column("received_at", N_("Received"), "datetime"),
            Column("due_at", N_("Due"), "datetime"),
            Column("extended_due_at", N_("Extended to"), "datetime"),
            Column("extension_reason", N_("Why extended")),
            Column("completed_at", N_("Finished"), "datetime"),
            Column("outcome", N_("Outcome")),
            Column("rejection_reason", N_("Why rejected")),
            Column("asked_for", N_("What you asked for")),
            Column("filed_by", N_("Filed by")),
            Column("channel", N_("Channel"), in_report=False),
        ),
        rows=lambda session: batched(session, PrivacyRequest, col(PrivacyRequest.subject_id) == customer_id, record),
        time_column="received_at",
    )


def _timeline(customer_id: int) -> Section:
    def record(event: RequestEvent) -> Record:
        return {
            "request_id": event.request_id,
            "at": event.at,
            "kind": event.kind,
            "status": event.to_status,
            "text": event_text(event, for_customer=True),
            "by": who_acted(event.actor_role, event.actor_id, customer_id),
        }

    # What the request's page shows the customer; staff comments and the worker's notes to staff stay internal.
    visible = _own_requests(customer_id) & col(RequestEvent.visible_to_customer).is_(True)
    return Section(
        key="request_timeline",
        title=N_("What happened on your requests"),
        about=N_(
            "Each request's timeline as its page shows it to you: status changes and messages between you and "
            "our privacy team."
        ),
        table="request_event",
        columns=(
            Column("request_id", N_("Request no.")),
            Column("at", N_("When"), "datetime"),
            Column("kind", N_("Kind"), in_report=False),
            Column("status", N_("Status key"), in_report=False),
            Column("text", N_("What happened")),
            Column("by", N_("By"), words=BY_WORDS),
        ),
        rows=lambda session: batched(session, RequestEvent, visible, record),
        time_column="at",
    )


def _statements(customer_id: int) -> Section:
    def record(statement: FieldStatement) -> Record:
        return {
            "kind": statement.kind,
            "record": _kind_title(statement.kind),
            "record_id": statement.record_id,
            "field": statement.field,
            "field_label": _field_label(statement.kind, statement.field),
            "statement": statement.statement,
            "created_at": statement.created_at,
        }

    return Section(
        key="statements",
        title=N_("Your statements on contested records"),
        about=N_("Statements you added to records you contest (GDPR Art. 16)."),
        table="field_statement",
        columns=(
            Column("kind", N_("Kind key"), in_report=False),
            Column("record", N_("Record")),
            Column("record_id", N_("Record id"), in_report=False),
            Column("field", N_("Field key"), in_report=False),
            Column("field_label", N_("Field")),
            Column("statement", N_("Your statement")),
            Column("created_at", N_("Added"), "datetime"),
        ),
        rows=lambda session: batched(session, FieldStatement, col(FieldStatement.customer_id) == customer_id, record),
        time_column="created_at",
    )


def _restrictions(customer_id: int) -> Section:
    def record(restriction: ProcessingRestriction) -> Record:
        categories = get_catalogue().categories
        return {
            "category": restriction.category,
            "category_title": categories[restriction.category].title
            if restriction.category in categories
            else plain_words(restriction.category),
            "kind": restriction.kind,
            "kind_title": type_title(restriction.kind),
            "reason": restriction.reason,
            "request_id": restriction.request_id,
            "since": restriction.created_at,
            "lifted_at": restriction.lifted_at,
        }

    return Section(
        key="restrictions",
        title=N_("Restrictions and objections"),
        about=N_(
            "Restrictions of processing (GDPR Art. 18) and objections (Art. 21) you asked for, and whether "
            "they are still in force."
        ),
        table="processing_restriction",
        columns=(
            Column("category", N_("Category key"), in_report=False),
            Column("category_title", N_("Category")),
            Column("kind", N_("Kind key"), in_report=False),
            Column("kind_title", N_("What")),
            Column("reason", N_("Your reason")),
            Column("request_id", N_("Request no.")),
            Column("since", N_("Since"), "datetime"),
            Column("lifted_at", N_("Lifted"), "datetime"),
        ),
        rows=lambda session: batched(
            session, ProcessingRestriction, col(ProcessingRestriction.customer_id) == customer_id, record
        ),
        time_column="since",
    )


def _receipts(customer_id: int) -> Section:
    def record(receipt: DeletionReceipt) -> Record:
        return {
            "receipt_id": receipt.receipt_id,
            "request_id": receipt.request_id,
            "issued_at": receipt.issued_at,
            "document": receipt.document,
        }

    mine = select(col(PrivacyRequest.id)).where(col(PrivacyRequest.subject_id) == customer_id).scalar_subquery()
    return Section(
        key="deletion_receipts",
        title=N_("Deletion receipts"),
        about=N_(
            "Signed receipts for data erased at your request (the signed receipts themselves are in data.json and "
            "the CSV file)."
        ),
        table="deletion_receipt",
        columns=(
            Column("receipt_id", N_("Receipt")),
            Column("request_id", N_("Request no.")),
            Column("issued_at", N_("Issued"), "datetime"),
            Column("document", N_("Signed receipt"), in_report=False),
        ),
        rows=lambda session: batched(
            session,
            DeletionReceipt,
            col(DeletionReceipt.request_id).in_(mine),
            record,
            order=("issued_at", "receipt_id"),
        ),
        time_column="issued_at",
    )


def _kind_title(kind_key: str) -> str:
    try:
        return get_catalogue().kind(kind_key)[1].title
    except KeyError:  # a kind the catalogue no longer lists: its key, never a failed export
        return plain_words(kind_key)


def _field_label(kind_key: str, field: str) -> str:
    try:
        kind = get_catalogue().kind(kind_key)[1]
    except KeyError:
        return plain_words(field)
    return next((f.label for f in kind.fields if f.key == field), plain_words(field))
