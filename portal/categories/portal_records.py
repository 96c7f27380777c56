"""The portal's own tables that can hold something about a customer, outside the policy's record kinds: requests
and their timelines, sessions, sign-in failures, mail, notifications, support logs, the audit trail...

What a customer's erasure does to each (erase, pseudonymise or keep, and why) is data: the catalogue's
`portal_records`. What only code can say lives here, one `PortalRecordSpec` per table: which rows are about the
customer, which columns can carry personal values (free text a person wrote, addresses, payloads), and what
pseudonymising writes over them. At start-up the registry refuses a catalogue and specs that disagree: a table the
catalogue names but no spec knows, a spec the catalogue says nothing about, a table of the schema that is in neither
(a new table must be decided about before the portal starts), a table kept as it is although it holds personal
values, a pseudonymisation that leaves one of them, an erasure of the append-only audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, false, or_, select, update
from sqlmodel import Session, SQLModel, col

from ..catalogue.model import PortalRecord
from ..models import (
    AccessAsk,
    AuditEvent,
    AuthSession,
    ConsentLedgerEntry,
    ConsentState,
    DeletionReceipt,
    Disclosure,
    ExportPackage,
    FieldStatement,
    KnownBrowser,
    LoginFailure,
    Notification,
    OutboxMessage,
    PasskeyCredential,
    PolicyReview,
    PrivacyRequest,
    ProcessingRestriction,
    RecipientNotice,
    RecordCount,
    RecoveryCode,
    RequestEvent,
    SupportGrant,
    SupportSession,
    login_failure_key,
)
from ..models.types import table_of

ERASED_TEXT = "(erased)"  # what a pseudonymised message reads: the timeline shows that something was said, not what

# Tables that hold nothing about any one customer: nothing to decide for an erasure.
NOT_ABOUT_CUSTOMERS: Mapping[str, str] = MappingProxyType(
    {
        "audit_seal_state": "the head of the audit chain (one row: a sequence number and a hash)",
        "used_token": "the random ids of spent single-use links (the link itself is never stored)",
        "recipient_endpoint": "where each recipient takes Art. 19 notices, and the hash of its token",
    }
)


@dataclass(frozen=True)
class ErasureScope:
    """Whose rows an erasure looks for. Built when the erasure starts, while the account and its identity profile
    still say which email addresses are the customer's (the category erasure deletes the profile first)."""

    customer_id: int
    addresses: tuple[str, ...] = ()  # the customer's email addresses, as typed at sign-in (lower-case)
    networks: tuple[str, ...] = ()  # the client addresses the portal saw the customer at (their access log)


@dataclass(frozen=True)
class PortalRecordSpec:
    table: type[SQLModel]
    rows: Callable[[ErasureScope], ColumnElement[bool]]  # the rows about the customer
    # Columns that can carry personal values about the customer: a table with any may not be kept as it is, and
    # pseudonymising must overwrite each of them.
    personal: tuple[str, ...] = ()
    pseudonymised: Mapping[str, Any] | None = None  # the values pseudonymising writes, when the catalogue says so
    append_only: bool = False  # database triggers refuse deletes and updates (the audit trail): it can only be kept

    def __post_init__(self) -> None:
        if self.pseudonymised is not None and not isinstance(self.pseudonymised, MappingProxyType):
            object.__setattr__(self, "pseudonymised", MappingProxyType(dict(self.pseudonymised)))

    @property
    def name(self) -> str:
        return table_of(self.table).name

    def problems(self, action: str) -> list[str]:
        """Why this spec cannot do what the catalogue asks of its table (`action`), if it cannot."""
        columns = table_of(self.table).c
        found = []
        if missing := [c for c in (*self.personal, *(self.pseudonymised or {})) if c not in columns]:
            found.append(f"portal record {self.name!r}: its spec names columns the table lacks: {missing}")
        if action == "keep" and self.personal:
            found.append(
                f"portal record {self.name!r} is kept, but its columns {list(self.personal)} can hold personal "
                "values: erase or pseudonymise it"
            )
        if action == "pseudonymise" and (self.pseudonymised is None or set(self.personal) - set(self.pseudonymised)):
            left = sorted(set(self.personal) - set(self.pseudonymised or {}))
            found.append(f"portal record {self.name!r} is pseudonymised, but its spec leaves {left} as they are")
        if action != "keep" and self.append_only:
            found.append(f"portal record {self.name!r} is append-only: it can only be kept")
        return found


def _owned_by(column: Any) -> Callable[[ErasureScope], ColumnElement[bool]]:
    """Rows whose `column` holds the customer's account id."""
    return lambda scope: col(column) == scope.customer_id


def _requests_of(scope: ErasureScope) -> Select[int | None]:
    return select(col(PrivacyRequest.id)).where(col(PrivacyRequest.subject_id) == scope.customer_id)


def _failures_of(scope: ErasureScope) -> ColumnElement[bool]:
    # Keyed by an unkeyed SHA-256 of the address: anyone who guesses an email address or tries every IPv4 address
    # finds the customer's rows, so they go too.
    keys = [login_failure_key("account", address) for address in scope.addresses]
    keys += [login_failure_key("client", network) for network in scope.networks]
    return col(LoginFailure.key_hash).in_(keys) if keys else false()


def _mail_to(scope: ErasureScope) -> ColumnElement[bool]:
    # By address too: a message keeps its address when its account link is gone (the column is ON DELETE SET NULL).
    return or_(col(OutboxMessage.account_id) == scope.customer_id, col(OutboxMessage.to_address).in_(scope.addresses))


def _messages_on_requests_of(scope: ErasureScope) -> ColumnElement[bool]:
    return and_(
        col(RequestEvent.request_id).in_(_requests_of(scope)),
        col(RequestEvent.message).is_not(None),
        col(RequestEvent.message) != ERASED_TEXT,  # a second run finds nothing left to do
    )


def _corrections_sent_for(scope: ErasureScope) -> ColumnElement[bool]:
    return and_(col(RecipientNotice.customer_id) == scope.customer_id, col(RecipientNotice.action) == "rectification")


_REQUEST_TEXTS = ("payload", "outcome", "rejection_reason", "extension_reason", "last_error")


def _specs(*specs: PortalRecordSpec) -> dict[str, PortalRecordSpec]:
    return {spec.name: spec for spec in specs}


PORTAL_RECORD_SPECS: dict[str, PortalRecordSpec] = _specs(
    PortalRecordSpec(AuthSession, _owned_by(AuthSession.account_id), personal=("browser",)),
    PortalRecordSpec(LoginFailure, _failures_of),
    # The account row's own erasure would cascade to these; the erasure deletes them first, by name, like every table.
    PortalRecordSpec(PasskeyCredential, _owned_by(PasskeyCredential.account_id), personal=("name",)),
    PortalRecordSpec(RecoveryCode, _owned_by(RecoveryCode.account_id)),
    PortalRecordSpec(KnownBrowser, _owned_by(KnownBrowser.account_id), personal=("browser",)),
    PortalRecordSpec(ConsentState, _owned_by(ConsentState.customer_id)),
    PortalRecordSpec(ConsentLedgerEntry, _owned_by(ConsentLedgerEntry.customer_id)),
    PortalRecordSpec(PolicyReview, _owned_by(PolicyReview.customer_id)),
    PortalRecordSpec(RecordCount, _owned_by(RecordCount.customer_id)),
    PortalRecordSpec(ExportPackage, _owned_by(ExportPackage.customer_id)),  # its files: export_retention
    PortalRecordSpec(Notification, _owned_by(Notification.account_id), personal=("title", "body")),
    PortalRecordSpec(OutboxMessage, _mail_to, personal=("to_address", "subject", "body", "last_error")),
    PortalRecordSpec(FieldStatement, _owned_by(FieldStatement.customer_id), personal=("statement",)),
    PortalRecordSpec(ProcessingRestriction, _owned_by(ProcessingRestriction.customer_id), personal=("reason",)),
    PortalRecordSpec(SupportGrant, _owned_by(SupportGrant.customer_id), personal=("ticket_ref",)),
    PortalRecordSpec(AccessAsk, _owned_by(AccessAsk.customer_id), personal=("reason",)),
    PortalRecordSpec(SupportSession, _owned_by(SupportSession.customer_id), personal=("reason",)),
    PortalRecordSpec(
        PrivacyRequest,
        _owned_by(PrivacyRequest.subject_id),
        personal=_REQUEST_TEXTS,
        pseudonymised={"payload": {"erased": True}} | dict.fromkeys(_REQUEST_TEXTS[1:]),
    ),
    PortalRecordSpec(
        RequestEvent, _messages_on_requests_of, personal=("message",), pseudonymised={"message": ERASED_TEXT}
    ),
    PortalRecordSpec(Disclosure, _owned_by(Disclosure.customer_id)),
    # A rectification's notice carried the corrected values; an erasure's carries only the recipient's own
    # references, and must still reach it after the account is gone.
    PortalRecordSpec(
        RecipientNotice,
        _corrections_sent_for,
        personal=("body", "answer_note"),
        pseudonymised={"body": {"erased": True}, "answer_note": None},
    ),
    PortalRecordSpec(DeletionReceipt, lambda scope: col(DeletionReceipt.request_id).in_(_requests_of(scope))),
    # `details` holds ids, counts and codes, never values (portal/audit/trail.py); `origin` a keyed hash.
    PortalRecordSpec(AuditEvent, _owned_by(AuditEvent.subject_id), append_only=True),
)


def portal_record_problems(
    records: Mapping[str, PortalRecord],
    specs: Mapping[str, PortalRecordSpec],
    *,
    schema: set[str],
    kind_tables: set[str],
) -> list[str]:
    """What stops the portal from starting: every table of `schema` is a record kind's, a portal record the
    catalogue decided about, or one that holds nothing about a customer; and each spec can do what is asked."""
    found = []
    if unknown := sorted(set(records) - set(specs)):
        found.append(
            f"catalogue portal_records names tables the portal does not know: {unknown} "
            "(no spec in PORTAL_RECORD_SPECS, portal/categories/portal_records.py)"
        )
    if undecided := sorted(set(specs) - set(records)):
        found.append(f"the catalogue's portal_records do not say what erasure does to {undecided}")
    if kinds := sorted(set(records) & kind_tables):
        found.append(f"portal_records name tables of record kinds (erased by their category): {kinds}")
    if unlisted := sorted(schema - kind_tables - set(records) - set(NOT_ABOUT_CUSTOMERS)):
        found.append(
            f"tables {unlisted} are neither a record kind's nor in the catalogue's portal_records: say what "
            "erasure does to them (or add them to NOT_ABOUT_CUSTOMERS if they can hold nothing about a customer)"
        )
    for table, record in records.items():
        if table in specs:
            found += specs[table].problems(record.on_erasure)
    return found


def erase_portal_records(
    session: Session, records: Mapping[str, PortalRecord], specs: Mapping[str, PortalRecordSpec], scope: ErasureScope
) -> dict[str, tuple[str, int]]:
    """Erase or pseudonymise the customer's rows in each table as the catalogue says, in the catalogue's order;
    kept tables are left alone. Idempotent. Returns, per table, what was done and to how many rows."""
    result: dict[str, tuple[str, int]] = {}
    for table, record in records.items():
        spec = specs[table]
        if record.on_erasure == "erase":
            changed = session.exec(delete(table_of(spec.table)).where(spec.rows(scope))).rowcount
            result[table] = ("erased", int(changed or 0))
        elif record.on_erasure == "pseudonymise":
            statement = update(table_of(spec.table)).where(spec.rows(scope)).values(**(spec.pseudonymised or {}))
            result[table] = ("pseudonymised", int(session.exec(statement).rowcount or 0))
    return result
