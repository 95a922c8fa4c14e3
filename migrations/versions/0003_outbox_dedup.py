"""Outbox de-duplication: one open alert per key, counted repeats, held (not paged) messages.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

dedup_key is set while an alert is open and cleared (NULL) when it closes; the unique index on
(dedup_key, channel) is what stops two servers or workers from opening the same alert twice.
NULLs never collide, so closed alerts and plain notifications are unaffected.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Frozen here, not imported: a migration must not change when the code does.
OLD_STATUSES = "status IN ('pending', 'delivered', 'failed')"
NEW_STATUSES = "status IN ('pending', 'delivered', 'failed', 'held')"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("dedup_key", sa.String(96), nullable=True))
        batch.add_column(sa.Column("group_key", sa.String(96), nullable=True))
        batch.add_column(sa.Column("occurrences", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("risk_level", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_by", sa.String(64), nullable=True))
        batch.drop_constraint(op.f("ck_outbox_status"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_status"), sa.text(NEW_STATUSES))
        batch.create_index(op.f("uq_outbox_dedup_key_channel"), ["dedup_key", "channel"], unique=True)
        batch.create_index(op.f("ix_outbox_group_key_created_at"), ["group_key", "created_at"])
        batch.create_index(op.f("ix_outbox_type_created_at"), ["type", "created_at"])


def downgrade() -> None:
    # The old schema has no "held": keep those messages, as failed ones staff can see and retry.
    op.execute("UPDATE outbox SET status = 'failed', last_error = 'held (schema downgraded)' WHERE status = 'held'")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(op.f("ix_outbox_type_created_at"))
        batch.drop_index(op.f("ix_outbox_group_key_created_at"))
        batch.drop_index(op.f("uq_outbox_dedup_key_channel"))
        batch.drop_constraint(op.f("ck_outbox_status"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_status"), sa.text(OLD_STATUSES))
        for column in ("closed_by", "closed_at", "risk_level", "last_seen_at", "occurrences", "group_key",
                       "dedup_key"):
            batch.drop_column(column)
