"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from .accounts import STAFF_ROLES, Account, AuthSession, LoginFailure, Role, login_failure_key
from .audit import AuditEvent, AuditSealState
from .consents import ConsentLedgerEntry, ConsentState, PolicyReview
from .exports import ExportPackage
from .factors import KnownBrowser, PasskeyCredential, RecoveryCode
from .notifications import Notification, OutboxMessage
from .personal import (
    AccessLog,
    Cookie,
    Device,
    Feedback,
    FinancialAccount,
    IdentityProfile,
    ManualChange,
    Order,
    Payment,
    PaymentCard,
    RecordCount,
    SupportTicket,
    UsageEvent,
    WarrantyClaim,
)
from .recipients import Disclosure, RecipientEndpoint, RecipientNotice
from .rectification import DeletionReceipt, FieldStatement, UsedToken
from .requests import FINAL_STATUSES, OPEN_STATUSES, EventKind, PrivacyRequest, RequestEvent, RequestStatus
from .restrictions import ProcessingRestriction
from .support import AccessAsk, SupportGrant, SupportSession

__all__ = [
    "FINAL_STATUSES",
    "OPEN_STATUSES",
    "STAFF_ROLES",
    "AccessAsk",
    "AccessLog",
    "Account",
    "AuditEvent",
    "AuditSealState",
    "AuthSession",
    "ConsentLedgerEntry",
    "ConsentState",
    "Cookie",
    "DeletionReceipt",
    "Device",
    "Disclosure",
    "EventKind",
    "ExportPackage",
    "Feedback",
    "FieldStatement",
    "FinancialAccount",
    "IdentityProfile",
    "KnownBrowser",
    "LoginFailure",
    "ManualChange",
    "Notification",
    "Order",
    "OutboxMessage",
    "PasskeyCredential",
    "Payment",
    "PaymentCard",
    "PolicyReview",
    "PrivacyRequest",
    "ProcessingRestriction",
    "RecipientEndpoint",
    "RecipientNotice",
    "RecordCount",
    "RecoveryCode",
    "RequestEvent",
    "RequestStatus",
    "Role",
    "SupportGrant",
    "SupportSession",
    "SupportTicket",
    "UsageEvent",
    "UsedToken",
    "WarrantyClaim",
    "login_failure_key",
]
