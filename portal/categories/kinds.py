"""What the code must know about each kind of record: one `RecordKindSpec` per kind, in `KIND_SPECS`.

The catalogue (data/policy) says what a kind means to a person: its title, the fields it shows, its category,
retention, and whether withdrawal erases it or keeps it pseudonymised. A spec says only what the catalogue
cannot: which table holds the kind, which column links it to the customer, which columns a kept record loses,
which column gives its amounts a currency, which timestamps say when it last changed. Listing, counting,
erasure, export and the demo seed all read these specs rather than decide by a kind's name how to treat it.

A new kind of record is: its model (portal/models) and a migration, its entry in the catalogue, and one entry
in KIND_SPECS. The registry's start-up check (portal/categories/registry.py) refuses a catalogue and specs
that disagree and names the missing piece.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import Table
from sqlmodel import AutoString, SQLModel

from ..models import (
    AccessLog,
    Account,
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
from ..models.types import table_of

PSEUDONYM_COLUMN = "customer_pseudonym"  # where a kept record holds the keyed pseudonym of its former owner


@dataclass(frozen=True)
class RecordKindSpec:
    key: str  # the catalogue's kind key
    table: type[SQLModel]
    owner: str = "customer_id"  # the column that holds the customer's account id
    # Which timestamps say when the kind's records last changed (record_count.last_changed_at), newest wins.
    changed_at: tuple[str, ...] = ()
    # The column naming the currency of the kind's money fields: listed beside them (the row's `_currency`)
    # and exported with them (data.json's `currency`). None: the kind has no amounts.
    currency: str | None = None
    # When the catalogue keeps this kind after withdrawal (on_withdrawal retain_pseudonymised): the columns
    # overwritten and their replacement values; the owner column is set to NULL and PSEUDONYM_COLUMN written
    # too. None: the kind can only be erased (the start-up check refuses a catalogue that retains it).
    pseudonymised: Mapping[str, Any] | None = None
    # The row is the customer's account itself: the withdrawal deletes it last, after every category, and the
    # seed writes it with the account; no category's erasure touches it.
    is_account: bool = False

    def __post_init__(self) -> None:
        if self.pseudonymised is not None and not isinstance(self.pseudonymised, MappingProxyType):
            object.__setattr__(self, "pseudonymised", MappingProxyType(dict(self.pseudonymised)))

    @property
    def columns(self) -> Table:
        return table_of(self.table)

    @property
    def id_column(self) -> str:
        """The column that identifies one record (the primary key): `id`, or the owner for one-per-customer kinds."""
        keys = [column.key for column in self.columns.primary_key.columns]
        return keys[0] if len(keys) == 1 else self.owner

    @property
    def extra_columns(self) -> tuple[str, ...]:
        """Columns shown and exported with the catalogue's fields although the catalogue does not list them."""
        return (self.currency,) if self.currency else ()

    def pseudonymise_values(self, pseudonym: str) -> dict[str, Any]:
        """The UPDATE that unlinks a kept record from its owner."""
        return {self.owner: None, PSEUDONYM_COLUMN: pseudonym, **(self.pseudonymised or {})}

    def problems(self) -> list[str]:
        """What does not match the table: named columns that do not exist, a kept kind that cannot be unlinked."""
        columns = self.columns.c
        found = []
        named = [self.owner, *self.changed_at, *self.extra_columns, *(self.pseudonymised or {})]
        missing = [name for name in named if name not in columns]
        if missing:
            found.append(f"kind {self.key!r}: its spec names columns {self.table.__name__} lacks: {missing}")
        kind_type = table_of(RecordCount).c.kind.type
        assert isinstance(kind_type, AutoString)  # SQLModel's type of a `str` field; its length is max_length (40)
        counter_width = kind_type.length
        if len(self.key) > counter_width:
            found.append(f"kind {self.key!r}: a key longer than {counter_width} characters does not fit record_count")
        if len(self.columns.primary_key.columns) != 1:
            found.append(f"kind {self.key!r}: {self.table.__name__} needs a one-column primary key")
        if self.pseudonymised is not None:
            if PSEUDONYM_COLUMN not in columns:
                found.append(
                    f"kind {self.key!r} is pseudonymised but {self.table.__name__} has no {PSEUDONYM_COLUMN} column"
                )
            if self.owner in columns and not columns[self.owner].nullable:
                found.append(f"kind {self.key!r} is pseudonymised but its owner column {self.owner} is not nullable")
        return found


def _specs(*specs: RecordKindSpec) -> dict[str, RecordKindSpec]:
    return {spec.key: spec for spec in specs}


KIND_SPECS: dict[str, RecordKindSpec] = _specs(
    RecordKindSpec("account", Account, owner="id", changed_at=("created_at", "password_set_at"), is_account=True),
    RecordKindSpec("identity_profile", IdentityProfile, changed_at=("updated_at",)),
    RecordKindSpec("payment_card", PaymentCard, changed_at=("added_at",)),
    RecordKindSpec("financial_account", FinancialAccount, changed_at=("added_at",)),
    RecordKindSpec(
        "order",
        Order,
        changed_at=("placed_at",),
        currency="currency",
        pseudonymised={"shipping_name": "", "shipping_address": ""},
    ),
    RecordKindSpec(
        "payment",
        Payment,
        changed_at=("paid_at",),
        currency="currency",
        pseudonymised={"method": "card (details erased)"},
    ),
    RecordKindSpec("warranty_claim", WarrantyClaim, changed_at=("filed_at",)),
    RecordKindSpec("manual_change", ManualChange, changed_at=("requested_at",)),
    RecordKindSpec("support_ticket", SupportTicket, changed_at=("opened_at",)),
    RecordKindSpec("feedback", Feedback, changed_at=("created_at",)),
    RecordKindSpec("usage_event", UsageEvent, changed_at=("occurred_at",)),
    RecordKindSpec("device", Device, changed_at=("last_seen_at",)),
    RecordKindSpec("access_log", AccessLog, changed_at=("occurred_at",)),
    RecordKindSpec("cookie", Cookie, changed_at=("set_at",)),
)
