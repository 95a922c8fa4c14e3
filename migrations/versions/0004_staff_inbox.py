"""Staff inbox: staff accounts, server-side sessions, sign-in throttling, work state of each item;
two escalation channels in the outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Frozen here, not imported: a migration must not change when the code does.
OLD_CHANNELS = "channel IN ('webhook', 'email')"
NEW_CHANNELS = "channel IN ('webhook', 'email', 'esc_webhook', 'esc_email')"
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(op.f("ck_outbox_channel"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_channel"), sa.text(NEW_CHANNELS))
    op.create_table(
        "staff_users",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("totp_secret", sa.Text(), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("disabled_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("name", name=op.f("uq_staff_users_name")),
        sa.CheckConstraint("role IN ('intake', 'clinician', 'prescriber', 'admin')", name=op.f("ck_staff_users_role")),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_seen_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_staff_sessions")),
        sa.ForeignKeyConstraint(["user_id"], ["staff_users.id"], ondelete="CASCADE",
                                name=op.f("fk_staff_sessions_user_id_staff_users")),
    )
    op.create_index(op.f("ix_staff_sessions_user_id"), "staff_sessions", ["user_id"])
    op.create_table(
        "staff_sign_in_throttle",
        sa.Column("key", sa.String(96), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", TIME, nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_staff_sign_in_throttle")),
    )
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("ref", sa.String(32), nullable=False),
        sa.Column("notification_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(8), nullable=False),
        sa.Column("intake_id", sa.String(36), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(32), nullable=True),
        sa.Column("acknowledged_at", TIME, nullable=True),
        sa.Column("acknowledged_by", sa.String(32), nullable=True),
        sa.Column("contacted_at", TIME, nullable=True),
        sa.Column("closed_at", TIME, nullable=True),
        sa.Column("closed_by", sa.String(32), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.Column("escalated_at", TIME, nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_items")),
        sa.UniqueConstraint("ref", name=op.f("uq_inbox_items_ref")),
        sa.UniqueConstraint("notification_id", name=op.f("uq_inbox_items_notification_id")),
        sa.ForeignKeyConstraint(["notification_id"], ["outbox.id"], ondelete="CASCADE",
                                name=op.f("fk_inbox_items_notification_id_outbox")),
        sa.CheckConstraint("kind IN ('intake_summary', 'crisis_alert', 'callback_request')",
                           name=op.f("ck_inbox_items_kind")),
        sa.CheckConstraint("status IN ('new', 'acknowledged', 'contacted', 'closed')",
                           name=op.f("ck_inbox_items_status")),
    )
    op.create_index(op.f("ix_inbox_items_intake_id"), "inbox_items", ["intake_id"])
    op.create_index(op.f("ix_inbox_items_created_at"), "inbox_items", ["created_at"])
    op.create_index(op.f("ix_inbox_items_status"), "inbox_items", ["status"])


def downgrade() -> None:
    op.drop_table("inbox_items")
    op.drop_table("staff_sign_in_throttle")
    op.drop_index(op.f("ix_staff_sessions_user_id"), table_name="staff_sessions")
    op.drop_table("staff_sessions")
    op.drop_table("staff_users")
    op.execute("DELETE FROM outbox WHERE channel NOT IN ('webhook', 'email')")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(op.f("ck_outbox_channel"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_channel"), sa.text(OLD_CHANNELS))
