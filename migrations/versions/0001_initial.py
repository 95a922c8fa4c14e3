"""Intakes with encrypted PHI, and their audit trail.

Revision ID: 0001
Revises:
Create Date: 2025-11-25
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Encrypted columns are TEXT holding Fernet tokens; the values are frozen here, not imported.
STATUSES = "'in_progress', 'submitted', 'paused', 'contacted', 'closed', 'ineligible', 'withdrawn'"


def upgrade() -> None:
    op.create_table(
        "intakes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("phq9_total", sa.Integer(), nullable=True),
        sa.Column("gad7_total", sa.Integer(), nullable=True),
        sa.Column("pcptsd5_total", sa.Integer(), nullable=True),
        sa.Column("asq_risk", sa.String(32), nullable=True),
        sa.Column("routing", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intakes")),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_intakes_status")),
        sa.CheckConstraint("priority IN ('normal', 'urgent')", name=op.f("ck_intakes_priority")),
    )
    op.create_index(op.f("ix_intakes_conversation_id"), "intakes", ["conversation_id"])
    op.create_index(op.f("ix_intakes_status"), "intakes", ["status"])
    op.create_index(op.f("ix_intakes_updated_at"), "intakes", ["updated_at"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("intake_id", sa.String(36), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.ForeignKeyConstraint(
            ["intake_id"], ["intakes.id"], name=op.f("fk_audit_events_intake_id_intakes"), ondelete="CASCADE"
        ),
    )
    op.create_index(op.f("ix_audit_events_intake_id"), "audit_events", ["intake_id"])
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"])


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("intakes")
