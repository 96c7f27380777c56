"""Where a change of the customer's sign-in address stands, for the identity page: between filing and the opened
link nothing changes on the page, so without this the customer could not tell that a change is waiting for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from ...db import session_scope
from ...i18n import N_
from ...models import PrivacyRequest, RequestStatus
from ..access import Audience, use_case
from ..identity.principal import Principal

# Filed and not yet done: waiting for the link (verifying), or confirmed and about to be applied.
_OPEN = (RequestStatus.VERIFYING.value, RequestStatus.QUEUED.value, RequestStatus.PROCESSING.value)


@dataclass(frozen=True)
class PendingEmailChange:
    request_id: int
    new_email: str
    requested_at: datetime
    confirmed: bool  # the link was opened: the change is being applied


@use_case(Audience.CUSTOMER, what=N_("identity details"))
def pending_email_change(principal: Principal) -> PendingEmailChange | None:
    """The newest change of email address still under way, if any."""
    with session_scope() as session:
        request = session.exec(
            select(PrivacyRequest)
            .where(
                PrivacyRequest.subject_id == principal.account_id,
                PrivacyRequest.type == "email_change",
                col(PrivacyRequest.status).in_(_OPEN),
            )
            .order_by(col(PrivacyRequest.id).desc())
        ).first()
        if request is None or request.id is None:
            return None
        return PendingEmailChange(
            request_id=request.id,
            new_email=str(request.payload.get("new_email", "")),
            requested_at=request.received_at,
            confirmed=request.status != RequestStatus.VERIFYING.value,
        )
