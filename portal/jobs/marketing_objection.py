"""marketing_objection requests: an objection to direct marketing (GDPR Art. 21(2)-(3)) is absolute, so it
needs no review and takes effect at once: every direct-marketing purpose is switched off."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..audit import Actor
from ..catalogue import get_catalogue
from ..i18n import N_, _
from ..queue.registry import JobContext, RequestType, register
from ..services.rights.consents import apply_change
from .wording import in_subject_language


class MarketingObjectionPayload(BaseModel):
    reason: str = Field(default="", max_length=1000)


def _handle(context: JobContext) -> str:
    request = context.request
    assert request.subject_id is not None
    actor = Actor(account_id=request.actor_id, role=request.actor_role, grant_id=request.grant_id, origin="objection")
    purposes = [p for p in get_catalogue().purposes.values() if p.direct_marketing and p.consentable]
    for purpose in purposes:
        apply_change(
            context.session,
            customer_id=request.subject_id,
            purpose=purpose.key,
            granted=False,
            channel="objection",
            actor=actor,
            request_id=request.id,
        )
    titles = ", ".join(p.title for p in purposes) or _("none")
    return _("Your objection to direct marketing is in force. Switched off: {purposes}.").format(purposes=titles)


def register_types() -> None:
    register(
        RequestType(
            key="marketing_objection",
            title=N_("Objection to direct marketing"),
            payload=MarketingObjectionPayload,
            handler=in_subject_language(_handle),
            description=N_("Stops all direct marketing at once; no review needed (GDPR Art. 21(3))."),
            headline=lambda request: _("Direct marketing stopped"),
        )
    )
