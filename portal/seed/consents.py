"""Demo consents: each customer agreed at registration and some changed their mind later (ada has a mix).

Consistent with the data seeded: whoever holds usage events has given the usage-analytics consent (withdrawing
it erases them), and ada's withdrawal and re-consent lie before the usage window her events fall in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection
from sqlmodel import SQLModel

from .bulk import Row, insert_chunked
from .people import CUSTOMERS, LINUS, CustomerSpec

POLICY_VERSION = "1.0"
# Per customer: purpose -> the history of choices after registration (True = given).
CHOICES: dict[str, dict[str, list[bool]]] = {
    "ada@example.com": {
        "web_processing": [True],
        "usage_analytics": [True, False, True],
        "partner_sharing": [True, False],
        "marketing_email": [False],
    },
    "grace@example.com": {
        "web_processing": [True],
        "usage_analytics": [True],
        "partner_sharing": [True],
        "marketing_email": [True],
    },
    "linus@example.com": {
        "web_processing": [True],
        "usage_analytics": [True],
        "partner_sharing": [False],
        "marketing_email": [False],
    },
    "margaret@example.com": {
        "web_processing": [True],
        "usage_analytics": [True],
        "partner_sharing": [False],
        "marketing_email": [True],
    },
}


def insert_consents(connection: Connection) -> None:
    states: list[Row] = []
    ledger: list[Row] = []
    reviews: list[Row] = []
    for spec in CUSTOMERS:
        for purpose, history in CHOICES[spec.email].items():
            for step, granted in enumerate(history):
                at = spec.created_at + timedelta(days=30 * step)
                ledger.append(
                    {
                        "id": len(ledger) + 1,
                        "customer_id": spec.id,
                        "purpose": purpose,
                        "granted": granted,
                        "policy_version": POLICY_VERSION,
                        "at": at,
                        "channel": "registration" if step == 0 else "portal",
                        "actor_id": spec.id,
                        "actor_role": "customer",
                        "request_id": None,
                    }
                )
            states.append(_state(spec, purpose, history))
        reviews.append({"customer_id": spec.id, "policy_version": POLICY_VERSION, "reviewed_at": spec.created_at})
    tables = SQLModel.metadata.tables
    insert_chunked(connection, tables["consent_state"], states)
    _linus_grant(connection)
    insert_chunked(connection, tables["consent_ledger"], ledger)
    insert_chunked(connection, tables["policy_review"], reviews)


def _linus_grant(connection: Connection) -> None:
    """linus has granted the support team access (view and help). Grants are bounded in time, so this one
    runs for 7 days from the moment of seeding: the only demo value that is not fixed."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    insert_chunked(
        connection,
        SQLModel.metadata.tables["support_grant"],
        [
            {
                "id": 1,
                "customer_id": LINUS.id,
                "scope": "help",
                "ticket_ref": "CS-4711",
                "created_at": now,
                "expires_at": now + timedelta(days=7),
                "revoked_at": None,
                "ask_id": None,
            }
        ],
    )


def _state(spec: CustomerSpec, purpose: str, history: list[bool]) -> dict[str, object]:
    return {
        "customer_id": spec.id,
        "purpose": purpose,
        "granted": history[-1],
        "policy_version": POLICY_VERSION,
        "updated_at": spec.created_at + timedelta(days=30 * (len(history) - 1)),
        "gpc_applied": False,
    }
