"""Withdrawal with immediate deletion, as the policy promises: the preview, the confirmation (password
plus an explicit yes), and the erasure itself, category by category through the registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from ...audit import Actor, record
from ...catalogue import get_catalogue, source_catalogue
from ...categories import ErasureScope, get_registry
from ...db import get_engine, purge_write_ahead_log, session_scope
from ...errors import Invalid
from ...i18n import N_, _
from ...models import AccessLog, Account, ConsentState, IdentityProfile, PrivacyRequest, RequestStatus
from ...models.types import utcnow
from ...queue import service as queue
from ...queue.deadlines import add_months
from ...queue.registry import JobContext
from ..access import Audience, use_case
from ..identity import reauth, sessions, step_up
from ..identity.principal import Principal
from ..recipients import notices
from . import receipts
from .consents import apply_change
from .export_retention import purge_customer

# Stored in English (an internal note of the request's timeline), worded for the reader when it is shown.
LOG_BUSY = N_("The database log could not be truncated yet (busy); its old pages are overwritten as the portal runs.")


class WithdrawalError(Invalid):
    """The withdrawal was not filed; the message says why in plain words."""


@dataclass(frozen=True)
class PreviewItem:
    category: str
    title: str
    action: str  # erase | pseudonymise
    records: int
    explanation: str
    kept_until: date | None = None
    legal_basis: str | None = None


@use_case(Audience.CUSTOMER, act="withdraw", what=N_("personal data to withdraw"))
def preview(principal: Principal) -> list[PreviewItem]:
    catalogue = get_catalogue()
    registry = get_registry()
    items = []
    with session_scope() as session:
        summaries = registry.summaries(session, customer_id=principal.account_id)
        for key, category in catalogue.categories.items():
            count = sum(s.count for s in summaries[key])
            withdrawal = category.on_withdrawal
            if withdrawal.action == "retain_pseudonymised":
                basis = catalogue.legal_bases[withdrawal.legal_basis or category.legal_basis]
                items.append(
                    PreviewItem(
                        key,
                        category.title,
                        "pseudonymise",
                        count,
                        withdrawal.explanation,
                        kept_until=_kept_until(session, principal.account_id, category.key),
                        legal_basis=f"{basis.title} ({basis.reference})",
                    )
                )
            else:
                items.append(PreviewItem(key, category.title, "erase", count, withdrawal.explanation))
    return items


def _kept_until(session: Session, customer_id: int, category_key: str) -> date | None:
    """The end of the statutory retention for the newest record that must be kept."""
    category = get_catalogue().categories[category_key]
    years = category.retention.years or 0
    newest = None
    for kind_key in category.on_withdrawal.retained_kinds:
        _category, kind = get_catalogue().kind(kind_key)
        spec = get_registry().spec(kind_key)
        if kind.default_sort is None:
            continue
        value = session.exec(
            select(func.max(getattr(spec.table, kind.default_sort))).where(
                getattr(spec.table, spec.owner) == customer_id
            )
        ).one()
        if value is not None and (newest is None or value > newest):
            newest = value
    return add_months(newest, 12 * years).date() if newest else None


@use_case(Audience.CUSTOMER, act="withdraw", what=N_("personal data to withdraw"))
def request_withdrawal(
    principal: Principal, *, password: str, confirmed: bool, idempotency_key: str, client: str = "unknown"
) -> int:
    """File the withdrawal after re-authentication (wrong passwords count in the sign-in throttle: an erasure
    cannot be undone, so it must not be a place to guess). Returns the request id."""
    if not principal.is_customer:
        raise WithdrawalError(_("Only the customer can withdraw."))
    if not confirmed:
        raise WithdrawalError(_("Please confirm that you want your personal data deleted."))
    try:
        reauth.confirm_password(
            account_id=principal.account_id, password=password or "", client=client, act="withdrawal"
        )
    except reauth.PasswordRecheckFailed as problem:
        raise WithdrawalError(str(problem)) from None
    # The password is the whole check only where the account has no second factor: else it needs a recent one.
    step_up.require_recent_check(principal, password_checked=True)
    with session_scope() as session:
        running = session.exec(
            select(PrivacyRequest).where(
                PrivacyRequest.subject_id == principal.account_id,
                PrivacyRequest.type == "withdrawal",
                col(PrivacyRequest.status).not_in((RequestStatus.CANCELED.value, RequestStatus.REJECTED.value)),
                PrivacyRequest.idempotency_key != idempotency_key,
            )
        ).first()
        if running is not None:
            raise WithdrawalError(_("A withdrawal is already in progress."))
        request, _created = queue.submit(
            session,
            type_key="withdrawal",
            subject_id=principal.account_id,
            actor=principal.actor(),
            payload={"confirmed": True},
            idempotency_key=idempotency_key,
        )
        assert request.id is not None
        return request.id


def erase_customer(context: JobContext) -> str:
    """The withdrawal handler. Each step commits on its own and is idempotent, so a crash part-way leaves
    a request the next worker finishes; the first step locks the customer out for good."""
    session, request = context.session, context.request
    customer_id = request.subject_id if request.subject_id is not None else int(request.payload.get("customer_id", 0))
    request.payload = {**request.payload, "customer_id": customer_id}  # survives the account row's deletion
    actor = Actor(account_id=None, role="system", origin="withdrawal")
    account = session.get(Account, customer_id)
    if account is not None and account.deactivated_at is None:
        account.deactivated_at = utcnow()
        session.add(account)
        sessions.revoke_all_sessions(session=session, account_id=customer_id, reason="withdrawal")
        record(
            session,
            action="withdrawal.locked_out",
            actor=actor,
            subject_id=customer_id,
            target_type="request",
            target_id=request.id,
        )
    _checkpoint(context)
    for state in session.exec(
        select(ConsentState).where(ConsentState.customer_id == customer_id, ConsentState.granted == True)  # noqa: E712 (SQL)
    ).all():
        apply_change(
            session,
            customer_id=customer_id,
            purpose=state.purpose,
            granted=False,
            channel="withdrawal",
            actor=actor,
            request_id=None,
        )
    _checkpoint(context)
    scope = _scope(session, customer_id)  # before the identity category (and its email address) is erased
    assert request.id is not None
    # Art. 19: every recipient that received any of the customer's records is told, before the disclosure log that
    # says who they are is erased with the rest.
    notices.notify_recipients(
        session,
        request_id=request.id,
        customer_id=customer_id,
        action="erasure",
        kinds=[kind.key for category in get_catalogue().categories.values() for kind in category.kinds],
    )
    _checkpoint(context)
    pseudonym = receipts.pseudonym(customer_id)
    summary = []
    for key, category in get_catalogue().categories.items():
        kept_until = _kept_until(session, customer_id, key) if category.on_withdrawal.action != "erase" else None
        result = get_registry().erase_category(session, customer_id=customer_id, category_key=key, pseudonym=pseudonym)
        record(
            session,
            action="withdrawal.category_erased",
            actor=actor,
            subject_id=customer_id,
            target_type="category",
            target_id=key,
            details={k: list(v) for k, v in result.items()},
        )
        summary.append(_summary(key, category.on_withdrawal.action, kept_until))
        _checkpoint(context)
    _scrub_traces(session, scope, request_id=request.id, actor=actor)
    receipt = receipts.issue(
        session,
        request_id=request.id,
        customer_id=customer_id,
        categories=summary,
        recipients_told=notices.recipients_told(session, request.id),
    )
    session.exec(delete(Account).where(col(Account.id) == customer_id))
    record(
        session,
        action="withdrawal.account_deleted",
        actor=actor,
        subject_id=customer_id,
        target_type="request",
        target_id=request.id,
        details={"receipt_id": receipt.receipt_id},
    )
    _checkpoint(context)
    # The deleted rows are zeroed in the database file (secure_delete, portal.db); the write-ahead log still holds
    # the pages as they were, until it is truncated.
    if not purge_write_ahead_log(get_engine()):
        context.note(LOG_BUSY)
    return _("Your personal data was deleted. Receipt {receipt}.").format(receipt=receipt.receipt_id)


def _summary(key: str, action: str, kept_until: date | None) -> dict[str, object]:
    category = source_catalogue().categories[key]  # signed: in English, whoever's language the job speaks
    item: dict[str, object] = {
        "key": key,
        "title": category.title,
        # Signed, so in English (receipts.readable_lines words it for the reader).
        "action": receipts.ERASED if action == "erase" else receipts.ERASED_AND_PSEUDONYMISED,
    }
    if kept_until:
        item["kept_until"] = kept_until.isoformat()
        item["why"] = category.retention.description
    return item


def _scope(session: Session, customer_id: int) -> ErasureScope:
    """Whose rows to look for outside the categories: the account id, the email addresses the account and its
    identity profile hold, and the client addresses of its access log (failed sign-ins and mail are keyed by
    address). Read before the categories are erased; a run after a crash finds what is left of them."""
    account = session.get(Account, customer_id)
    profile = session.get(IdentityProfile, customer_id)
    addresses = {row.email.strip().lower() for row in (account, profile) if row is not None and row.email.strip()}
    networks = session.exec(select(AccessLog.ip_address).where(AccessLog.customer_id == customer_id).distinct()).all()
    return ErasureScope(customer_id=customer_id, addresses=tuple(sorted(addresses)), networks=tuple(sorted(networks)))


def _scrub_traces(session: Session, scope: ErasureScope, *, request_id: int, actor: Actor) -> None:
    """Personal values outside the category tables, as the catalogue's portal_records say: the export files first
    (the packages' rows name them), then requests, their notes and internal comments, sessions, sign-in failures,
    notifications, mail, support logs..."""
    purge_customer(session, scope.customer_id)
    result = get_registry().erase_portal_records(session, scope)
    # This withdrawal's own payload names whom it erases (ids only): a run after a crash needs it.
    session.exec(
        update(PrivacyRequest)
        .where(col(PrivacyRequest.id) == request_id)
        .values(payload={"confirmed": True, "customer_id": scope.customer_id})
    )
    record(
        session,
        action="withdrawal.records_erased",
        actor=actor,
        subject_id=scope.customer_id,
        target_type="request",
        target_id=request_id,
        details={table: list(done) for table, done in result.items()},
    )


def _checkpoint(context: JobContext) -> None:
    """Commit the step just done and renew the lease before the next one."""
    context.session.commit()
    context.heartbeat()
