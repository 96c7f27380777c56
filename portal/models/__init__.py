"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from .accounts import Account, AuthSession, LoginFailure, Role
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

__all__ = [
    "AccessLog",
    "Account",
    "AuthSession",
    "Cookie",
    "Device",
    "Feedback",
    "FinancialAccount",
    "IdentityProfile",
    "LoginFailure",
    "ManualChange",
    "Order",
    "Payment",
    "PaymentCard",
    "RecordCount",
    "Role",
    "SupportTicket",
    "UsageEvent",
    "WarrantyClaim",
]
