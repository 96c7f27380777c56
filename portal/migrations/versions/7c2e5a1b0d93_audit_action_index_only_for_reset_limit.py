"""audit action index only for the password-reset limit

Replaces ix_audit_event_action (every event, written by every audited change) with a partial index of the
password-reset events by client origin and time, the one lookup by action the portal makes.

Revision ID: 7c2e5a1b0d93
Revises: 3b1f0c2d9e47
Create Date: 2026-11-25 09:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7c2e5a1b0d93'
down_revision: str | None = '3b1f0c2d9e47'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RESET = sa.text("action = 'auth.password_reset_requested'")


def upgrade() -> None:
    # Plain index operations, not a batch: a table copy would lose audit_event's append-only triggers.
    op.create_index('ix_audit_reset_requests', 'audit_event', ['origin', 'at'], unique=False,
                    sqlite_where=_RESET, postgresql_where=_RESET)
    op.drop_index('ix_audit_event_action', table_name='audit_event')


def downgrade() -> None:
    op.create_index('ix_audit_event_action', 'audit_event', ['action'], unique=False)
    op.drop_index('ix_audit_reset_requests', table_name='audit_event')
