"""Withdrawing a consent does what the catalogue says it does (GDPR Art. 7(3), Art. 17(1)(b)).

Each consentable purpose says, as data (`on_withdrawal` in the catalogue), what withdrawing it does to which record
kinds: erase, pseudonymise, stop a processing, or keep records under another legal basis. A withdrawal that
erases is a destructive act: the customer sees a preview (what is erased, what is kept and why), confirms, and
gets a signed receipt; agents acting for a customer cannot do it. The erasure runs in the same transaction as the
consent change (`apply_withdrawal_effects`, called by the consent job), through the same registry mechanism as a
whole withdrawal, so no moment exists where the consent is withdrawn and the data it covered is still held.

The main processing consent is the withdrawal itself: `/withdraw` (erasure.py) is the only way to withdraw it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session

from ...audit import Actor, record
from ...catalogue import Purpose, get_catalogue, source_catalogue
from ...categories import get_registry
from ...db import session_scope
from ...errors import Invalid
from ...i18n import N_, _
from ...models import ConsentState
from ...queue import service as queue
from ..access import Audience, use_case
from ..identity import step_up
from ..identity.principal import Principal
from ..recipients import notices
from . import receipts

ERASING_ACTIONS = ("erase", "pseudonymise")
NOT_RESTORED = N_("Giving this consent again later does not bring deleted data back.")  # shown with _(NOT_RESTORED)


class ConsentWithdrawalError(Invalid):
    """The consent was not withdrawn; the message says why in plain words."""


@dataclass(frozen=True)
class EffectPreview:
    action: str  # erase | pseudonymise | stop | keep
    explanation: str
    kinds: tuple[str, ...]  # the record kinds' titles
    records: int  # how many of the customer's records it touches now
    legal_basis: str | None  # "Legitimate interests (GDPR Art. 6(1)(f))" for what is kept


@dataclass(frozen=True)
class WithdrawalPreview:
    purpose: str
    title: str
    summary: str
    erases: bool
    is_account_withdrawal: bool
    effects: tuple[EffectPreview, ...]


def consent_purpose(key: str) -> Purpose:
    purpose = get_catalogue().purposes.get(key)
    if purpose is None or not purpose.consentable or purpose.on_withdrawal is None:
        raise ConsentWithdrawalError(_("{purpose} is not a purpose you can consent to.").format(purpose=repr(key)))
    return purpose


def erases(key: str) -> bool:
    """Withdrawing this consent deletes data (and so needs the preview and the confirmation)."""
    purpose = get_catalogue().purposes.get(key)
    return bool(purpose and purpose.on_withdrawal and purpose.on_withdrawal.erases)


@use_case(Audience.CUSTOMER, what=N_("consents"))
def preview(principal: Principal, purpose_key: str) -> WithdrawalPreview:
    purpose = consent_purpose(purpose_key)
    withdrawal = purpose.on_withdrawal
    assert withdrawal is not None  # consent_purpose checked it
    catalogue, registry, customer = get_catalogue(), get_registry(), principal.account_id
    effects = []
    with session_scope() as session:
        for effect in withdrawal.effects:
            basis = catalogue.legal_bases[effect.legal_basis] if effect.legal_basis else None
            effects.append(
                EffectPreview(
                    action=effect.action,
                    explanation=effect.explanation,
                    kinds=tuple(catalogue.kind(k)[1].title for k in effect.kinds),
                    records=sum(registry.count(session, customer_id=customer, kind_key=k) for k in effect.kinds),
                    legal_basis=f"{basis.title} ({basis.reference})" if basis else None,
                )
            )
    return WithdrawalPreview(
        purpose=purpose.key,
        title=purpose.title,
        summary=withdrawal.summary,
        erases=withdrawal.erases,
        is_account_withdrawal=withdrawal.is_account_withdrawal,
        effects=tuple(effects),
    )


def refuse_unconfirmed(purpose_key: str) -> None:
    """A plain consent switch may not withdraw what deletes data (consents.request_change calls this)."""
    purpose = get_catalogue().purposes.get(purpose_key)
    if purpose is None or purpose.on_withdrawal is None:
        return  # the payload check names the unknown purpose
    if purpose.on_withdrawal.is_account_withdrawal:
        raise ConsentWithdrawalError(
            _(
                "Withdrawing this consent deletes your account and your personal data. "
                "Use Withdraw: it shows what is deleted and asks you to confirm."
            )
        )
    if purpose.on_withdrawal.erases:
        raise ConsentWithdrawalError(
            _("Withdrawing this consent deletes data: look at what is deleted and confirm it first.")
        )


@use_case(Audience.CUSTOMER, act="withdraw", what=N_("consents"))
def withdraw_and_erase(
    principal: Principal, *, purpose_key: str, confirmed: bool, idempotency_key: str | None = None
) -> int:
    """File the withdrawal of a consent whose withdrawal erases data, after the customer saw the preview and said
    yes. The customer's alone: an erasure cannot be undone, so a support agent cannot do it for them. Returns the
    request id; the consent job erases and issues the receipt."""
    purpose = consent_purpose(purpose_key)
    assert purpose.on_withdrawal is not None
    if purpose.on_withdrawal.is_account_withdrawal:
        refuse_unconfirmed(purpose_key)
    if not confirmed:
        raise ConsentWithdrawalError(_("Please confirm that the data listed is deleted."))
    step_up.require_recent_check(principal)  # an erasure cannot be undone: not on a stolen session
    with session_scope() as session:
        state = session.get(ConsentState, (principal.account_id, purpose_key))
        if state is None or not state.granted:
            raise ConsentWithdrawalError(
                _("You have not given the consent “{purpose}”: nothing to withdraw.").format(purpose=purpose.title)
            )
        request, _created = queue.submit(
            session,
            type_key="consent_change",
            subject_id=principal.account_id,
            actor=principal.actor(),
            payload={"purpose": purpose_key, "granted": False, "channel": "portal", "erase_confirmed": True},
            idempotency_key=idempotency_key or f"consent-erase-{uuid.uuid4()}",
        )
        assert request.id is not None
        return request.id


def apply_withdrawal_effects(
    session: Session, *, customer_id: int, purpose_key: str, actor: Actor, request_id: int | None
) -> str | None:
    """Erase and pseudonymise what withdrawing `purpose_key` says, in the caller's transaction (the one that
    records the withdrawal). Returns the receipt id when something was to be erased and a request carries it.
    Idempotent: a re-run erases nothing more and hands out the same receipt."""
    purpose = consent_purpose(purpose_key)
    assert purpose.on_withdrawal is not None
    plan = {
        kind: effect.action
        for effect in purpose.on_withdrawal.effects
        if effect.action in ERASING_ACTIONS
        for kind in effect.kinds
    }
    if not plan:
        return None
    result = get_registry().erase_kinds(
        session, customer_id=customer_id, plan=plan, pseudonym=receipts.pseudonym(customer_id)
    )
    record(
        session,
        action="consent.withdrawal_erased",
        actor=actor,
        subject_id=customer_id,
        target_type="purpose",
        target_id=purpose_key,
        details={kind: list(outcome) for kind, outcome in result.items()},
    )
    if request_id is None:
        return None
    notices.notify_recipients(
        session, request_id=request_id, customer_id=customer_id, action="erasure", kinds=sorted(plan)
    )
    catalogue = source_catalogue()  # what is signed stays in English, whoever's language the job speaks
    summary = [
        {
            "key": kind,
            "title": catalogue.kind(kind)[1].title,
            # Signed, so in English (receipts.readable_lines words it for the reader).
            "action": receipts.ERASED if outcome == "erased" else receipts.PSEUDONYMISED,
            "records": count,
        }
        for kind, (outcome, count) in result.items()
    ]
    receipt = receipts.issue(
        session,
        request_id=request_id,
        customer_id=customer_id,
        categories=summary,
        withdrawn_consent=catalogue.purposes[purpose_key].title,
        recipients_told=notices.recipients_told(session, request_id),
    )
    return receipt.receipt_id
