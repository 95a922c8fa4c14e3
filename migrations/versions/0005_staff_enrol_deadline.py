"""Staff inbox: a deadline for setting up the second factor (staff_users.enrol_until).

Until a user enrols, their password alone lets whoever holds it set up the second factor. The
deadline bounds that: after it, only an administrator's reset opens enrolment again. Accounts
waiting to enrol when this runs get INBOX_ENROL_HOURS' default (72 hours) from now.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from datetime import datetime, timedelta, timezone
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

DEFAULT_HOURS = 72  # frozen here, not imported: a migration must not change when the code does


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("enrol_until", sa.DateTime(timezone=True), nullable=True))
    users = sa.table("staff_users", sa.column("totp_secret", sa.Text()),
                     sa.column("enrol_until", sa.DateTime(timezone=True)))
    deadline = datetime.now(timezone.utc) + timedelta(hours=DEFAULT_HOURS)
    op.execute(users.update().where(users.c.totp_secret.is_(None)).values(enrol_until=deadline))


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("enrol_until")
