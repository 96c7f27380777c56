"""Personal data of customers: one table per kind of record in the policy catalogue.

Every table carries `customer_id`, and every list query of the category registry filters on it,
with a composite index so the first page costs the same whatever the customer's history.
Card and account numbers exist here only as their last four digits: the full numbers live with
the payment service provider and never reach this database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .types import utc_field


def _customer_fk() -> int:
    return Field(foreign_key="account.id", ondelete="CASCADE")


class IdentityProfile(SQLModel, table=True):
    __tablename__ = "identity_profile"

    customer_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    full_name: str = Field(default="", max_length=120)
    email: str = Field(default="", max_length=254)
    street: str = Field(default="", max_length=120)
    city: str = Field(default="", max_length=80)
    state: str = Field(default="", max_length=80)
    postcode: str = Field(default="", max_length=16)
    country: str = Field(default="", max_length=2)  # ISO 3166-1 alpha-2
    phone: str = Field(default="", max_length=32)
    fax: str = Field(default="", max_length=32)
    updated_at: datetime = utc_field()


class PaymentCard(SQLModel, table=True):
    __tablename__ = "payment_card"
    __table_args__ = (Index("ix_payment_card_customer_added", "customer_id", "added_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _customer_fk()
    brand: str = Field(max_length=20)
    last4: str = Field(max_length=4)
    expiry: str = Field(max_length=7)  # MM/YYYY
    holder_name: str = Field(max_length=120)
    processor_token: str = Field(max_length=64)  # the payment provider's opaque token, never shown
    added_at: datetime = utc_field()


class FinancialAccount(SQLModel, table=True):
    __tablename__ = "financial_account"
    __table_args__ = (Index("ix_financial_account_customer_added", "customer_id", "added_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _customer_fk()
    bank_name: str = Field(max_length=80)
    account_last4: str = Field(max_length=4)
    holder_name: str = Field(max_length=120)
    added_at: datetime = utc_field()


class Order(SQLModel, table=True):
    __tablename__ = "customer_order"
    __table_args__ = (Index("ix_order_customer_placed", "customer_id", "placed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    order_number: str = Field(max_length=20)
    placed_at: datetime = utc_field()
    items: str = Field(max_length=500)
    total: int  # minor units (cents)
    currency: str = Field(max_length=3)
    status: str = Field(max_length=20)
    # After erasure the order is kept for tax law, linked only to a keyed pseudonym of the former customer.
    customer_pseudonym: str | None = Field(default=None, max_length=64)
    shipping_name: str = Field(default="", max_length=120)
    shipping_address: str = Field(default="", max_length=300)


class Payment(SQLModel, table=True):
    __tablename__ = "payment"
    __table_args__ = (Index("ix_payment_customer_paid", "customer_id", "paid_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    order_number: str = Field(max_length=20)
    customer_pseudonym: str | None = Field(default=None, max_length=64)
    paid_at: datetime = utc_field()
    amount: int
    currency: str = Field(max_length=3)
    method: str = Field(max_length=40)


class WarrantyClaim(SQLModel, table=True):
    __tablename__ = "warranty_claim"
    __table_args__ = (Index("ix_warranty_claim_customer_filed", "customer_id", "filed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _customer_fk()
    claim_number: str = Field(max_length=20)
    filed_at: datetime = utc_field()
    product: str = Field(max_length=80)
    issue: str = Field(max_length=500)
    status: str = Field(max_length=20)


class ManualChange(SQLModel, table=True):
    __tablename__ = "manual_change"
    __table_args__ = (Index("ix_manual_change_customer_requested", "customer_id", "requested_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _customer_fk()
    requested_at: datetime = utc_field()
    product: str = Field(max_length=80)
    description: str = Field(max_length=500)


class SupportTicket(SQLModel, table=True):
    __tablename__ = "support_ticket"
    __table_args__ = (Index("ix_support_ticket_customer_opened", "customer_id", "opened_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _customer_fk()
    ticket_number: str = Field(max_length=20)
    opened_at: datetime = utc_field()
    subject: str = Field(max_length=200)
    answer: str = Field(default="", max_length=2000)
    status: str = Field(max_length=20)


class Feedback(SQLModel, table=True):
    """Questions, reviews and feedback about orders, products and services."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_customer_created", "customer_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _customer_fk()
    created_at: datetime = utc_field()
    kind: str = Field(max_length=12)  # question | review | feedback
    product: str = Field(max_length=80)
    rating: int | None = None
    text: str = Field(max_length=2000)


class UsageEvent(SQLModel, table=True):
    __tablename__ = "usage_event"
    __table_args__ = (
        Index("ix_usage_event_customer_occurred", "customer_id", "occurred_at"),
        Index("ix_usage_event_customer_id", "customer_id", "id"),
    )  # export and erasure walk by id

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _customer_fk()
    occurred_at: datetime = utc_field()
    page: str = Field(max_length=200)
    link_clicked: str = Field(default="", max_length=200)
    bytes_transferred: int


class Device(SQLModel, table=True):
    __tablename__ = "device"
    __table_args__ = (Index("ix_device_customer_last_seen", "customer_id", "last_seen_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _customer_fk()
    name: str = Field(max_length=80)
    operating_system: str = Field(max_length=60)
    first_seen_at: datetime = utc_field()
    last_seen_at: datetime = utc_field()


class AccessLog(SQLModel, table=True):
    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_customer_occurred", "customer_id", "occurred_at"),
        Index("ix_access_log_customer_id", "customer_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _customer_fk()
    occurred_at: datetime = utc_field()
    ip_address: str = Field(max_length=45)
    user_agent: str = Field(max_length=200)
    event: str = Field(max_length=40)


class Cookie(SQLModel, table=True):
    __tablename__ = "cookie"
    __table_args__ = (Index("ix_cookie_customer_set", "customer_id", "set_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _customer_fk()
    name: str = Field(max_length=60)
    purpose: str = Field(max_length=120)
    set_at: datetime = utc_field()
    expires_at: datetime = utc_field()


class RecordCount(SQLModel, table=True):
    """Per customer and kind: how many records and when they last changed.

    Kept by every writer so the overview never counts a million rows to show one number.
    """

    __tablename__ = "record_count"

    customer_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    kind: str = Field(primary_key=True, max_length=40)
    count: int = 0
    last_changed_at: datetime | None = utc_field(nullable=True)
