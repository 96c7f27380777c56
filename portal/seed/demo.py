"""Deterministic demo data (QA contract: `seed --reset` gives the same ids and values every time).

`seed_demo` writes the six demo accounts of the QA contract and the four customers' personal data;
`add_usage_customer` makes one extra customer with an arbitrary number of usage events for benchmarks.
Everything is inserted with Core executemany in one transaction: the ORM unit of work builds an object
per row and is many times slower for grace's 55,000 rows, Core takes about half a second on SQLite.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from ..categories import KIND_SPECS
from ..models import Role
from ..services.identity.passwords import hash_password_with_fixed_salt
from ..services.rights.export_retention import sweep_export_dir
from .bulk import Row, chunks, clear_all, delete_account_rows, insert_chunked, newest, sync_sequences
from .consents import insert_consents
from .disclosures import disclosure_rows
from .generate import customer_rows, usage_event_rows
from .people import BASE_TIME, CUSTOMERS, DEMO_PASSWORD, DEMO_TOTP_ACCOUNT, DEMO_TOTP_SECRET, STAFF, CustomerSpec
from .streams import USAGE_WINDOW, kind_rng

BENCHMARK_CHUNK: Final[int] = 20_000
_PG_SEED_LOCK: Final[int] = 727275  # advisory lock id; 727274 is the migration lock


def _table(kind: str) -> Table:
    return KIND_SPECS[kind].columns


def _account_row(
    *,
    account_id: int | None,
    email: str,
    role: str,
    username: str,
    display_name: str,
    created_at: datetime,
    password_set_at: datetime,
    totp_secret: str | None = None,
) -> Row:
    """An account row with the demo password; without an id the database picks one."""
    # A fixed salt derived from the email keeps the hash byte-identical across resets (demo only).
    row: Row = {
        "email": email,
        "role": role,
        "username": username,
        "display_name": display_name,
        "password_hash": hash_password_with_fixed_salt(DEMO_PASSWORD, salt_seed=email),
        "password_set_at": password_set_at,
        "created_at": created_at,
        "deactivated_at": None,
        "totp_secret": totp_secret,
        "totp_enabled_at": created_at if totp_secret else None,
        "totp_last_step": None,
        "factor_reset_due_at": None,
    }
    if account_id is not None:
        row["id"] = account_id
    return row


def _customer_account(spec: CustomerSpec) -> Row:
    # Odd ids changed their password once, so the registration page shows both kinds of history.
    password_set_at = spec.created_at + timedelta(days=90) if spec.id % 2 else spec.created_at
    return _account_row(
        account_id=spec.id,
        email=spec.email,
        role=Role.CUSTOMER.value,
        username=spec.username,
        display_name=spec.display_name,
        created_at=spec.created_at,
        password_set_at=password_set_at,
    )


def _has_accounts(connection: Connection) -> bool:
    account = SQLModel.metadata.tables["account"]
    return connection.execute(select(account.c.id).limit(1)).first() is not None


def _lock(connection: Connection) -> None:
    """Two portal processes starting on an empty database must not both seed it: the second one waits
    for the first to commit, then sees its accounts and does nothing."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_SEED_LOCK})")
    elif connection.dialect.name == "sqlite":
        # A no-op write as the first statement takes the write lock up front (like BEGIN IMMEDIATE), so
        # the busy timeout applies; a read first and a write later would fail with SQLITE_BUSY instead.
        connection.exec_driver_sql("UPDATE account SET id = id WHERE 0")


def seed_demo(*, engine: Engine, reset: bool = False) -> None:
    """Write the demo accounts and their data.

    Without `reset` an already populated database (any account row) is left alone, so this is safe to call
    at every start in demo mode. With `reset` every portal table is emptied first and the demo state is
    rebuilt exactly: same ids, same values, same password hashes, and no export file is left over.
    """
    with engine.begin() as connection:
        _lock(connection)
        if reset:
            clear_all(connection)
        elif _has_accounts(connection):
            return
        _insert_demo(connection)
        sync_sequences(connection)
    if reset:  # the export packages are gone with every other row: so go their files (a running build's excepted)
        sweep_export_dir()


def _insert_demo(connection: Connection) -> None:
    accounts = [_customer_account(spec) for spec in CUSTOMERS]
    accounts += [
        _account_row(
            account_id=s.id,
            email=s.email,
            role=s.role,
            username=s.username,
            display_name=s.display_name,
            created_at=s.created_at,
            password_set_at=s.created_at,
            totp_secret=DEMO_TOTP_SECRET if s.email == DEMO_TOTP_ACCOUNT else None,
        )
        for s in STAFF
    ]
    insert_chunked(connection, _table("account"), accounts)

    per_customer: dict[int, dict[str, list[Row]]] = {}
    by_kind: dict[str, list[Row]] = {kind: [] for kind in KIND_SPECS if not KIND_SPECS[kind].is_account}
    for spec, account in zip(CUSTOMERS, accounts[: len(CUSTOMERS)], strict=True):
        rows = customer_rows(spec)
        rows["account"] = [account]
        per_customer[spec.id] = rows
        for kind, kind_rows in rows.items():
            if not KIND_SPECS[kind].is_account:
                by_kind[kind].extend(kind_rows)

    for kind, kind_rows in by_kind.items():
        table = _table(kind)
        if table.autoincrement_column is not None:
            # Ids in generation order (customer by customer, oldest first): deterministic on every reset.
            for row_id, row in enumerate(kind_rows, start=1):
                row["id"] = row_id
        insert_chunked(connection, table, kind_rows)

    counts = [
        _count_row(customer_id, kind, rows.get(kind, []))
        for customer_id, rows in per_customer.items()
        for kind in KIND_SPECS
    ]
    insert_chunked(connection, _table_by_name("record_count"), counts)
    insert_consents(connection)
    disclosures = [row for spec in CUSTOMERS for row in disclosure_rows(spec, per_customer[spec.id])]
    insert_chunked(connection, _table_by_name("disclosure"), disclosures)


def _table_by_name(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _count_row(customer_id: int, kind: str, rows: list[Row]) -> Row:
    return {
        "customer_id": customer_id,
        "kind": kind,
        "count": len(rows),
        "last_changed_at": newest(rows, KIND_SPECS[kind].changed_at),
    }


def add_usage_customer(*, engine: Engine, email: str, usage_events: int, seed: int = 1) -> int:
    """Create (or replace) one benchmark customer with exactly `usage_events` usage events.

    Returns the new account id. Password is the demo password. Meant for load tests of the usage
    category (a million events in seconds), never for production data.
    """
    if usage_events < 0:
        raise ValueError("usage_events must not be negative")
    email = email.strip().lower()
    local = email.split("@", 1)[0]
    display_name = " ".join(part.capitalize() for part in local.replace("_", ".").split(".") if part) or local
    created_at = BASE_TIME - timedelta(days=400)
    rng = random.Random(seed)
    account_table = _table_by_name("account")

    with engine.begin() as connection:
        existing = connection.execute(
            select(account_table.c.id).where(account_table.c.email == email)
        ).scalar_one_or_none()
        if existing is not None:
            delete_account_rows(connection, existing)
        # No explicit id: benchmark ids need not be deterministic, and the database's own counter cannot
        # collide with the demo ids.
        row = _account_row(
            account_id=None,
            email=email,
            role=Role.CUSTOMER.value,
            username=local[:64],
            display_name=display_name[:120],
            created_at=created_at,
            password_set_at=created_at,
        )
        inserted = connection.execute(insert(account_table).values(**row)).inserted_primary_key
        assert inserted is not None  # a single-row INSERT always has one
        account_id = int(inserted[0])

        profile = {
            "customer_id": account_id,
            "full_name": display_name[:120],
            "email": email,
            "street": f"{rng.randint(1, 250)} Benchmark Lane",
            "city": "Rotterdam",
            "state": "Zuid-Holland",
            "postcode": f"30{rng.randint(11, 99)} {rng.choice('ABCDEFGH')}{rng.choice('JKLMNPRS')}",
            "country": "NL",
            "phone": f"+31 10 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            "fax": "",
            "updated_at": created_at,
        }
        insert_chunked(connection, _table("identity_profile"), [profile])
        # Usage events are held only under the usage-analytics consent (withdrawing it erases them).
        consents = [
            {
                "customer_id": account_id,
                "purpose": purpose,
                "granted": True,
                "policy_version": "1.0",
                "updated_at": created_at,
                "gpc_applied": False,
            }
            for purpose in ("web_processing", "usage_analytics")
        ]
        insert_chunked(connection, _table_by_name("consent_state"), consents)

        events = usage_event_rows(
            account_id,
            usage_events,
            kind_rng(seed, "usage_event"),
            start=BASE_TIME - USAGE_WINDOW,
            end=BASE_TIME - timedelta(hours=1),
        )
        usage_table = _table("usage_event")
        last_event: datetime | None = None
        for chunk in chunks(events, BENCHMARK_CHUNK):
            connection.execute(insert(usage_table), chunk)
            last_event = chunk[-1]["occurred_at"]  # the generator yields ascending times

        # Exact counters for every kind, so the overview needs no COUNT over a million rows.
        known: dict[str, tuple[int, datetime | None]] = {
            "account": (1, created_at),
            "identity_profile": (1, created_at),
            "usage_event": (usage_events, last_event),
        }
        counts = [
            {
                "customer_id": account_id,
                "kind": kind,
                "count": known.get(kind, (0, None))[0],
                "last_changed_at": known.get(kind, (0, None))[1],
            }
            for kind in KIND_SPECS
        ]
        insert_chunked(connection, _table_by_name("record_count"), counts)
    return account_id
