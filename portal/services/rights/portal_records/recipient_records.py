"""Export sections of who received the customer's data: the disclosure log (Art. 15(1)(c): the recipients by name,
when and for what) and the Art. 19 notices that told them of the customer's corrections, erasures and restrictions."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session, col

from ....catalogue import get_catalogue
from ....exports.sections import Column, Section
from ....models import Disclosure, RecipientNotice
from ...recipients.views import ANSWERS
from .reading import Record, batched, plain_words


def sections(customer_id: int) -> list[Section]:
    return [_disclosures(customer_id), _notices(customer_id)]


def _recipient(key: str) -> str:
    """The recipient's legal name (what it does, where and under what safeguard: the category's policy block)."""
    recipients = get_catalogue().recipients
    return recipients[key].legal_name if key in recipients else plain_words(key)


def _disclosures(customer_id: int) -> Section:
    catalogue = get_catalogue()

    def record(row: Disclosure) -> Record:
        kind = catalogue.kind(row.kind)[1].title if row.kind else row.kind
        purpose = catalogue.purposes[row.purpose].title if row.purpose in catalogue.purposes else row.purpose
        return {
            "disclosed_at": row.disclosed_at,
            "recipient": row.recipient,
            "recipient_name": _recipient(row.recipient),
            "kind": row.kind,
            "records": kind,
            "purpose": purpose,
            "record_count": row.record_count,
            "references": ", ".join(row.record_refs),
        }

    def rows(session: Session) -> Iterator[list[Record]]:
        condition = col(Disclosure.customer_id) == customer_id
        return batched(session, Disclosure, condition, record, order=("disclosed_at", "id"))

    return Section(
        key="disclosures",
        title="Who received your data",
        about="Every time we sent records of yours to a recipient: when, to whom (by name), what and why.",
        table="disclosure",
        columns=(
            Column("disclosed_at", "When", "datetime"),
            Column("recipient", "Recipient key", in_report=False),
            Column("recipient_name", "Recipient"),
            Column("kind", "Kind key", in_report=False),
            Column("records", "What"),
            Column("purpose", "Why"),
            Column("record_count", "How many"),
            Column("references", "Their references"),
        ),
        rows=rows,
        time_column="disclosed_at",
    )


def _notices(customer_id: int) -> Section:
    def record(row: RecipientNotice) -> Record:
        return {
            "told_at": row.created_at,
            "recipient": row.recipient,
            "recipient_name": _recipient(row.recipient),
            "about": plain_words(row.action),
            "request_id": row.request_id,
            "how": "signed message to their system" if row.channel == "webhook" else "by our privacy team",
            "due": row.due_at,
            "answer": ANSWERS.get(row.answer or "", "not yet answered"),
            "answer_note": row.answer_note or "",
            "answered_at": row.answered_at,
        }

    def rows(session: Session) -> Iterator[list[Record]]:
        condition = col(RecipientNotice.customer_id) == customer_id
        return batched(session, RecipientNotice, condition, record, order=("created_at", "id"))

    return Section(
        key="recipient_notices",
        title="Recipients told of your corrections, erasures and restrictions",
        about="GDPR Art. 19: each recipient of data you had corrected, erased or restricted, told, and its answer.",
        table="recipient_notice",
        columns=(
            Column("told_at", "Told", "datetime"),
            Column("recipient", "Recipient key", in_report=False),
            Column("recipient_name", "Recipient"),
            Column("about", "About"),
            Column("request_id", "Request no."),
            Column("how", "How"),
            Column("due", "Answer due", "datetime"),
            Column("answer", "Answer"),
            Column("answer_note", "Their note"),
            Column("answered_at", "Answered", "datetime"),
        ),
        rows=rows,
        time_column="told_at",
    )
