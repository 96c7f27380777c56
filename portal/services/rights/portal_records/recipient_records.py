"""Export sections of who received the customer's data: the disclosure log (Art. 15(1)(c): the recipients by name,
when and for what) and the Art. 19 notices that told them of the customer's corrections, erasures and restrictions."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session, col

from ....catalogue import get_catalogue
from ....exports.sections import Column, Section
from ....i18n import N_, _
from ....models import Disclosure, RecipientNotice
from ...recipients.views import ANSWERS
from .reading import Record, batched, plain_words

# What a notice told the recipient (recipient_notice.action), as the customer reads it.
ACTIONS = {
    "rectification": N_("rectification"),
    "erasure": N_("erasure"),
    "restriction": N_("restriction"),
    "restriction_lifted": N_("restriction lifted"),
}


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
        title=N_("Who received your data"),
        about=N_("Every time we sent records of yours to a recipient: when, to whom (by name), what and why."),
        table="disclosure",
        columns=(
            Column("disclosed_at", N_("When"), "datetime"),
            Column("recipient", N_("Recipient key"), in_report=False),
            Column("recipient_name", N_("Recipient")),
            Column("kind", N_("Kind key"), in_report=False),
            Column("records", N_("What")),
            Column("purpose", N_("Why")),
            Column("record_count", N_("How many")),
            Column("references", N_("Their references")),
        ),
        rows=rows,
        time_column="disclosed_at",
    )


def _notices(customer_id: int) -> Section:
    def record(row: RecipientNotice) -> Record:
        answer = ANSWERS.get(row.answer or "")
        return {
            "told_at": row.created_at,
            "recipient": row.recipient,
            "recipient_name": _recipient(row.recipient),
            "about": _(ACTIONS[row.action]) if row.action in ACTIONS else plain_words(row.action),
            "request_id": row.request_id,
            "how": _("signed message to their system") if row.channel == "webhook" else _("by our privacy team"),
            "due": row.due_at,
            "answer": _(answer) if answer else _("not yet answered"),
            "answer_note": row.answer_note or "",
            "answered_at": row.answered_at,
        }

    def rows(session: Session) -> Iterator[list[Record]]:
        condition = col(RecipientNotice.customer_id) == customer_id
        return batched(session, RecipientNotice, condition, record, order=("created_at", "id"))

    return Section(
        key="recipient_notices",
        title=N_("Recipients told of your corrections, erasures and restrictions"),
        about=N_("GDPR Art. 19: each recipient of data you had corrected, erased or restricted, told, and its answer."),
        table="recipient_notice",
        columns=(
            Column("told_at", N_("Told"), "datetime"),
            Column("recipient", N_("Recipient key"), in_report=False),
            Column("recipient_name", N_("Recipient")),
            Column("about", N_("About")),
            Column("request_id", N_("Request no.")),
            Column("how", N_("How")),
            Column("due", N_("Answer due"), "datetime"),
            Column("answer", N_("Answer")),
            Column("answer_note", N_("Their note")),
            Column("answered_at", N_("Answered"), "datetime"),
        ),
        rows=rows,
        time_column="told_at",
    )
