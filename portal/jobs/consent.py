"""consent_change requests: give or withdraw one purpose, applied by the worker within a second or two."""

from __future__ import annotations

from pydantic import BaseModel, field_validator

from ..audit import Actor
from ..catalogue import get_catalogue
from ..i18n import N_, _
from ..models import PrivacyRequest
from ..queue.registry import JobContext, RequestType, register
from ..services.rights.consent_withdrawal import apply_withdrawal_effects
from ..services.rights.consents import apply_change
from .wording import in_subject_language

CHANNELS = ("portal", "gpc", "support", "withdrawal", "objection")


class ConsentPayload(BaseModel):
    purpose: str
    granted: bool
    channel: str = "portal"
    erase_confirmed: bool = False  # the customer saw what withdrawing deletes and confirmed it

    @field_validator("purpose")
    @classmethod
    def _consentable(cls, value: str) -> str:
        purpose = get_catalogue().purposes.get(value)
        if purpose is None or not purpose.consentable:
            raise ValueError(f"{value!r} is not a purpose you can consent to")
        return value

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if value not in CHANNELS:
            raise ValueError(f"unknown channel {value!r}")
        return value


def _handle(context: JobContext) -> str:
    request = context.request
    payload = ConsentPayload.model_validate(request.payload)
    assert request.subject_id is not None
    actor = Actor(
        account_id=request.actor_id, role=request.actor_role, grant_id=request.grant_id, origin=payload.channel
    )
    apply_change(
        context.session,
        customer_id=request.subject_id,
        purpose=payload.purpose,
        granted=payload.granted,
        channel=payload.channel,
        actor=actor,
        request_id=request.id,
    )
    title = get_catalogue().purposes[payload.purpose].title
    if payload.granted:
        return _("Consent given: {purpose}").format(purpose=title)
    # In the same transaction as the change: the consent is never withdrawn while what it covered is still held.
    receipt_id = apply_withdrawal_effects(
        context.session, customer_id=request.subject_id, purpose_key=payload.purpose, actor=actor, request_id=request.id
    )
    if receipt_id is None:
        return _("Consent withdrawn: {purpose}").format(purpose=title)
    return _("Consent withdrawn: {purpose}. The data it covered was deleted. Receipt {receipt}.").format(
        purpose=title, receipt=receipt_id
    )


def _headline(request: PrivacyRequest) -> str:
    payload = ConsentPayload.model_validate(request.payload)
    title = get_catalogue().purposes[payload.purpose].title
    if payload.granted:
        return _("Consent given: {purpose}").format(purpose=title)
    return _("Consent withdrawn: {purpose}").format(purpose=title)


def register_types() -> None:
    register(
        RequestType(
            key="consent_change",
            title=N_("Consent change"),
            payload=ConsentPayload,
            handler=in_subject_language(_handle),
            description=N_("Give or withdraw consent to one purpose."),
            headline=_headline,
        )
    )
