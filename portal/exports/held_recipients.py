"""The holdings about who received the customer's data: the disclosure log and the Art. 19 notices (see
`held_tables` for the whole list and `holdings` for what a holding says)."""

from __future__ import annotations

from ..i18n import N_
from ..models import Disclosure, RecipientEndpoint, RecipientNotice
from .holdings import Holding, LeftOut

RECIPIENT_HOLDINGS: tuple[Holding, ...] = (
    Holding(
        Disclosure,
        N_("Who received your data, when and why"),
        owner="customer_id",
        section="disclosures",
        exported=("recipient", "kind", "purpose", "disclosed_at", "record_refs", "record_count"),
    ),
    Holding(
        RecipientNotice,
        N_("Recipients told of your corrections, erasures and restrictions"),
        owner="customer_id",
        section="recipient_notices",
        exported=(
            "recipient",
            "action",
            "request_id",
            "channel",
            "created_at",
            "due_at",
            "answer",
            "answer_note",
            "answered_at",
        ),
        left_out=(
            LeftOut(
                N_("Each notice's exact message and its delivery bookkeeping"),
                N_(
                    "What was sent is your own data and what changed (in your requests); the delivery tries, errors "
                    "and the notice's id are the portal's bookkeeping."
                ),
                (
                    "id",
                    "body",
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "last_error",
                    "delivered_at",
                    "overdue_notified_at",
                ),
            ),
            LeftOut(
                N_("Which privacy officer closed a notice told by other means"),
                N_("Theirs, not yours."),
                ("answered_by",),
            ),
        ),
    ),
)

RECIPIENT_UNLINKED = Holding(
    RecipientEndpoint,
    N_("Where recipients take notices"),
    unlinked=N_("Each recipient's web address for notices and a hash of its token; nothing in it is about a customer."),
)
