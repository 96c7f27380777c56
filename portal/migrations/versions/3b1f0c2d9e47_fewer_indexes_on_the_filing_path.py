"""fewer indexes on the filing path

Drops two indexes that other indexes already serve, each one more page written by every filing:
ix_request_subject_received (uq_request_subject_idempotency leads with subject_id) and ix_audit_unsealed
(the unique index on seq finds seq IS NULL).

Revision ID: 3b1f0c2d9e47
Revises: c6d7a9d1c055
Create Date: 2026-11-25 09:10:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '3b1f0c2d9e47'
down_revision: str | None = 'c6d7a9d1c055'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain DROP INDEX, not a batch operation: a table copy would lose audit_event's append-only triggers.
    op.drop_index('ix_request_subject_received', table_name='privacy_request')
    op.drop_index('ix_audit_unsealed', table_name='audit_event')


def downgrade() -> None:
    op.create_index('ix_audit_unsealed', 'audit_event', ['seq', 'id'], unique=False)
    op.create_index('ix_request_subject_received', 'privacy_request', ['subject_id', 'received_at'], unique=False)
