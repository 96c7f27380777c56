"""withdrawal requests: withdraw consent to processing, which the policy promises ends in deletion.

The policy says "immediately", so the withdraw page does not wait for a worker's turn: it runs the request at once
(`inline.process_now`)."""

from __future__ import annotations

from pydantic import BaseModel

from ..i18n import N_, _
from ..queue.registry import JobContext, RequestType, register
from ..services.rights.erasure import erase_customer
from .wording import in_subject_language


class WithdrawalPayload(BaseModel):
    confirmed: bool
    customer_id: int | None = None  # filled in by the handler, so a re-run still knows whom to erase


def _handle(context: JobContext) -> str:
    return erase_customer(context)


def register_types() -> None:
    register(
        RequestType(
            key="withdrawal",
            title=N_("Withdrawal and deletion"),
            payload=WithdrawalPayload,
            handler=in_subject_language(_handle),
            long_running=True,
            description=N_("Withdraw consent; your personal data is deleted at once."),
            headline=lambda request: _("Your personal data has been deleted"),
        )
    )
