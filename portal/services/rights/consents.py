"""Consents: what the customer agreed to, changes through the queue, the ledger, GPC and policy reviews."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from ...audit import Actor, record
from ...catalogue import Catalogue, Purpose, get_catalogue, source_catalogue
from ...catalogue.loader import load_catalogue
from ...config import get_settings
from ...db import session_scope
from ...exports.csv_safe import SafeWriter
from ...i18n import N_
from ...models import ConsentLedgerEntry, ConsentState, PolicyReview, PrivacyRequest, RequestStatus
from ...models.types import utcnow
from ...queue import service as queue
from ..access import WRITES, Audience, use_case
from ..identity.principal import Principal
from ..plain import ConsentEvent, plain
from . import consent_withdrawal


@dataclass(frozen=True)
class ConsentView:
    purpose: Purpose
    granted: bool
    updated_at: datetime | None
    gpc_applied: bool
    pending: bool  # a change is queued and not yet applied


@use_case(Audience.CUSTOMER, what=N_("consents"))
def overview(principal: Principal) -> list[ConsentView]:
    with session_scope() as session:
        # Pending first, then the states: on SQLite each read sees the latest commit, and a change that completed
        # between two reads must never show as "not pending" beside the state from before it (the page would stop
        # following it and show the old state; seen in CI). Read this way round, a change finished before the first
        # read has its new state in the second, and one still open keeps the page following it.
        pending = _pending_purposes(session, principal.account_id)
        states = {
            s.purpose: s
            for s in session.exec(select(ConsentState).where(ConsentState.customer_id == principal.account_id))
        }
    return [
        ConsentView(
            purpose=p,
            granted=bool(states[p.key].granted) if p.key in states else False,
            updated_at=states[p.key].updated_at if p.key in states else None,
            gpc_applied=bool(states[p.key].gpc_applied) if p.key in states else False,
            pending=p.key in pending,
        )
        for p in get_catalogue().consentable_purposes
    ]


def _pending_purposes(session: Session, customer_id: int) -> set[str]:
    open_statuses = [
        RequestStatus.RECEIVED.value,
        RequestStatus.QUEUED.value,
        RequestStatus.PROCESSING.value,
        RequestStatus.FAILED.value,
    ]
    rows = session.exec(
        select(PrivacyRequest).where(
            col(PrivacyRequest.subject_id) == customer_id,
            col(PrivacyRequest.type) == "consent_change",
            col(PrivacyRequest.status).in_(open_statuses),
        )
    )
    return {r.payload.get("purpose", "") for r in rows}


@use_case(Audience.CUSTOMER, act=WRITES, what=N_("consents"))
def request_change(
    principal: Principal, *, purpose: str, granted: bool, idempotency_key: str | None = None, channel: str = "portal"
) -> int:
    """File a consent change; giving and withdrawing are the same single action, except a withdrawal that deletes
    data: that one goes through its preview and confirmation (consent_withdrawal). Returns the request id."""
    if not granted and channel != "gpc":  # a GPC opt-out is the browser's withdrawal: it needs no click to confirm
        consent_withdrawal.refuse_unconfirmed(purpose)
    with session_scope() as session:
        request, _created = queue.submit(
            session,
            type_key="consent_change",
            subject_id=principal.account_id,
            actor=principal.actor(),
            channel=channel,
            payload={"purpose": purpose, "granted": granted, "channel": channel},
            idempotency_key=idempotency_key or f"consent-{uuid.uuid4()}",
        )
        assert request.id is not None
        return request.id


def apply_change(
    session: Session,
    *,
    customer_id: int,
    purpose: str,
    granted: bool,
    channel: str,
    actor: Actor,
    request_id: int | None,
) -> bool:
    """Make the change and append it to the ledger. Returns False when it was already in that state
    (a retried job, or a GPC signal for a purpose already withdrawn): nothing is written twice."""
    version = get_catalogue().policy_version
    state = session.get(ConsentState, (customer_id, purpose))
    if request_id is not None and _ledger_has(session, request_id):
        return False  # a retried job: its change is already recorded
    if state is not None and state.granted == granted:
        return False  # already so: the ledger records changes, not repeated clicks
    now = utcnow()
    if state is None:
        state = ConsentState(
            customer_id=customer_id, purpose=purpose, granted=granted, policy_version=version, updated_at=now
        )
    state.granted, state.policy_version, state.updated_at = granted, version, now
    state.gpc_applied = channel == "gpc" and not granted
    session.add(state)
    session.add(
        ConsentLedgerEntry(
            customer_id=customer_id,
            purpose=purpose,
            granted=granted,
            policy_version=version,
            at=now,
            channel=channel,
            actor_id=actor.account_id,
            actor_role=actor.role,
            request_id=request_id,
        )
    )
    record(
        session,
        action="consent.given" if granted else "consent.withdrawn",
        actor=actor,
        subject_id=customer_id,
        target_type="purpose",
        target_id=purpose,
        details={"channel": channel, "policy_version": version},
    )
    return True


def _ledger_has(session: Session, request_id: int) -> bool:
    return (
        session.exec(select(ConsentLedgerEntry).where(ConsentLedgerEntry.request_id == request_id)).first() is not None
    )


@use_case(Audience.CUSTOMER, act=WRITES, what=N_("consents"))
def object_to_direct_marketing(principal: Principal, *, reason: str = "", idempotency_key: str | None = None) -> int:
    """Art. 21(3): an objection to direct marketing is honoured unconditionally and at once (no review)."""
    with session_scope() as session:
        request, _created = queue.submit(
            session,
            type_key="marketing_objection",
            subject_id=principal.account_id,
            actor=principal.actor(),
            payload={"reason": reason[:1000]},
            idempotency_key=idempotency_key or f"marketing-objection-{uuid.uuid4()}",
        )
        assert request.id is not None
        return request.id


@use_case(Audience.CUSTOMER, what=N_("consents"))
def history(principal: Principal) -> list[ConsentEvent]:
    with session_scope() as session:
        return [
            plain(ConsentEvent, entry)
            for entry in session.exec(
                select(ConsentLedgerEntry)
                .where(col(ConsentLedgerEntry.customer_id) == principal.account_id)
                .order_by(col(ConsentLedgerEntry.at).desc(), col(ConsentLedgerEntry.id).desc())
            )
        ]


@use_case(Audience.CUSTOMER, what=N_("consents"))
def history_csv(principal: Principal) -> bytes:
    purposes = get_catalogue().purposes
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(["time_utc", "purpose", "purpose_title", "action", "policy_version", "channel", "by"])
    for entry in history(principal):
        title = purposes[entry.purpose].title if entry.purpose in purposes else entry.purpose
        writer.writerow(
            [
                entry.at.isoformat(),
                entry.purpose,
                title,
                "given" if entry.granted else "withdrawn",
                entry.policy_version,
                entry.channel,
                _by(entry),
            ]
        )
    return buffer.getvalue().encode()


def _by(entry: ConsentEvent) -> str:
    return {"customer": "you", "agent": "support on your behalf", "system": "automatically"}.get(
        entry.actor_role, entry.actor_role
    )


def apply_gpc(principal: Principal) -> list[str]:
    """A browser sent `Sec-GPC: 1`: opt out of every sale/sharing purpose still granted. Returns the
    purposes that were switched off (they take effect through the queue within a second or two)."""
    if principal.acting is not None:
        return []  # the signal comes from the agent's browser, not the customer's
    switched = []
    with session_scope() as session:
        pending = _pending_purposes(session, principal.account_id)
        for purpose in get_catalogue().purposes.values():
            if not purpose.sale_or_sharing or purpose.key in pending:
                continue
            state = session.get(ConsentState, (principal.account_id, purpose.key))
            if state is not None and state.granted:
                switched.append(purpose.key)
    for key in switched:
        request_change(
            principal, purpose=key, granted=False, channel="gpc", idempotency_key=f"gpc-{key}-{uuid.uuid4()}"
        )
    return switched


def changed_purposes(old: Catalogue, new: Catalogue) -> list[Purpose]:
    """Purposes that are new, or whose meaning, legal basis or sharing changed between two policy versions."""
    changed = []
    for key, purpose in new.purposes.items():
        before = old.purposes.get(key)
        if before is None or _meaning(before) != _meaning(purpose):
            changed.append(purpose)
    return changed


def _meaning(purpose: Purpose) -> tuple[object, ...]:
    """Everything about a purpose a customer's consent depends on."""
    return (
        purpose.title,
        purpose.description,
        purpose.policy_text,
        purpose.legal_basis,
        purpose.consentable,
        purpose.sale_or_sharing,
        purpose.direct_marketing,
        tuple(sorted(purpose.recipients)),
        purpose.on_withdrawal,  # what withdrawing does is part of what the customer agreed to
    )


@use_case(Audience.CUSTOMER, what=N_("consents"))
def purposes_to_review(principal: Principal) -> list[Purpose]:
    """What changed since the policy version this customer last reviewed (empty when up to date)."""
    current = get_catalogue()
    with session_scope() as session:
        review = session.get(PolicyReview, principal.account_id)
    if review is None or review.policy_version == current.policy_version:
        return []
    versions = load_catalogue(get_settings().catalogue_dir)
    old = versions.get(review.policy_version)
    if old is None:
        return list(current.purposes.values())
    # Compared in English (the old versions are loaded untranslated), then shown in the reader's language.
    changed = changed_purposes(old, source_catalogue())
    return [current.purposes[p.key] for p in changed if p.key in current.purposes]


@use_case(Audience.CUSTOMER, act="manage_grants", what=N_("consents"))
def mark_policy_reviewed(principal: Principal) -> None:
    with session_scope() as session:
        review = session.get(PolicyReview, principal.account_id) or PolicyReview(
            customer_id=principal.account_id, policy_version="", reviewed_at=utcnow()
        )
        review.policy_version, review.reviewed_at = get_catalogue().policy_version, utcnow()
        session.add(review)
        record(
            session,
            action="policy.reviewed",
            actor=principal.actor(),
            subject_id=principal.account_id,
            details={"policy_version": review.policy_version},
        )
