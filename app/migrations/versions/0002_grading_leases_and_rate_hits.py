"""grading leases (several replicas on one database) and shared rate limits

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_submission_status_lease", ["status", "lease_expires_at"], unique=False)

    op.create_table(
        "rate_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rate_hit", schema=None) as batch_op:
        batch_op.create_index("ix_rate_hit_bucket", ["action", "key", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rate_hit", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_hit_bucket")
    op.drop_table("rate_hit")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index("ix_submission_status_lease")
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("claimed_by")
