"""Durable outbox for staff notifications (payload encrypted).

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-26
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The payload is TEXT holding a Fernet token; the values are frozen here, not imported.
TYPES = "'intake_summary', 'crisis_alert', 'callback_request'"


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.CheckConstraint(f"type IN ({TYPES})", name=op.f("ck_outbox_type")),
        sa.CheckConstraint("priority IN ('urgent', 'normal')", name=op.f("ck_outbox_priority")),
        sa.CheckConstraint("channel IN ('webhook', 'email')", name=op.f("ck_outbox_channel")),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name=op.f("ck_outbox_status")),
    )
    op.create_index(op.f("ix_outbox_status_next_attempt_at"), "outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_status_next_attempt_at"), table_name="outbox")
    op.drop_table("outbox")
